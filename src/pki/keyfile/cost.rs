//! The cost of a key derivation asked for by a file, checked before any of the work is done
//! (see the caps in [`super`]).

use pkcs8::pkcs5::EncryptionScheme;
use pkcs8::pkcs5::pbes2;

use super::super::{Error, KeyError};

/// KDF cost is counted in units of one PBKDF2-HMAC-SHA256 iteration for a 32-byte key, about
/// 0.14 µs on the build machine (600,000 iterations: 85 ms).
pub(crate) const COST_PER_MS: u64 = 7_000;

/// The most KDF work one key may ask for: 7,000,000 units, about 1 s (7,000,000 iterations of
/// PBKDF2-HMAC-SHA256, 1,166,666 of HMAC-SHA512; OpenSSL writes 2048 by default and we write
/// 600,000).
pub const MAX_KDF_COST: u64 = 1_000 * COST_PER_MS;

/// The most KDF work all keys decrypted by one invocation may ask for together, about 2 s: a
/// PEM file of five maximal keys took 35 s before this cap.
pub const MAX_KDF_TOTAL: u64 = 2_000 * COST_PER_MS;

/// Cost units per scrypt N·r·p (scrypt N=2^20, r=8, p=16 took 58 s: about 0.43 µs per N·r·p,
/// rounded up to 5 units since small r is slower per unit).
pub(super) const SCRYPT_WEIGHT: u64 = 5;

/// The largest scrypt cost N accepted from a file (OpenSSL's `-scrypt` default is 2^14).
pub const MAX_SCRYPT_N: u64 = 1 << 20;

/// The most memory scrypt may need for a file's parameters (128·r·N bytes, RFC 7914 §2):
/// 256 MiB, 16 times what OpenSSL's own `-scrypt` default (N=2^14, r=8) needs.
pub const MAX_SCRYPT_MEMORY: u64 = 256 << 20;

thread_local! {
    /// KDF work already spent by this thread. The CLI decrypts keys on its main thread, so this
    /// is the budget of one invocation; per thread (not per process) so that unit tests running
    /// in parallel do not share it.
    pub(super) static KDF_BUDGET: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Refuses KDF parameters that would take too long or too much memory, for this key and for
/// all keys decrypted so far by this thread ([`KDF_BUDGET`]); charges the cost when accepted.
pub(super) fn check_cost(scheme: &EncryptionScheme) -> Result<(), Error> {
    charge(scheme_cost(scheme)?)
}

/// The cost of decrypting with `scheme`, in the units of [`COST_PER_MS`]; refused when one
/// derivation alone would exceed [`MAX_KDF_COST`] or scrypt's caps.
pub(crate) fn scheme_cost(scheme: &EncryptionScheme) -> Result<u64, Error> {
    let EncryptionScheme::Pbes2(params) = scheme else {
        // PBES1 iteration counts are 16-bit: at most 65,535 rounds, nothing to cap.
        return Ok(0);
    };
    Ok(match &params.kdf {
        pbes2::Kdf::Pbkdf2(p) => {
            let (name, weight, hash_len) = prf_cost(p.prf);
            let key_len = p
                .key_length
                .map(usize::from)
                .unwrap_or_else(|| params.encryption.key_size());
            // PBKDF2 runs the whole iteration count once per hash-sized block of key (RFC 8018
            // §5.2): SHA-1's 20 bytes need two runs for an AES-256 key.
            let blocks = key_len.div_ceil(hash_len).max(1) as u64;
            let cost = u64::from(p.iteration_count)
                .saturating_mul(weight)
                .saturating_mul(blocks);
            if cost > MAX_KDF_COST {
                return Err(KeyError::Pbkdf2Cost {
                    prf: name,
                    iterations: p.iteration_count,
                    limit: u32::try_from(MAX_KDF_COST / weight / blocks).unwrap_or(u32::MAX),
                }
                .into());
            }
            cost
        }
        pbes2::Kdf::Scrypt(s) => {
            let n = s.cost_parameter;
            let r = u64::from(s.block_size);
            let p = u64::from(s.parallelization);
            let memory = 128u64.saturating_mul(r).saturating_mul(n);
            let cost = n
                .saturating_mul(r)
                .saturating_mul(p)
                .saturating_mul(SCRYPT_WEIGHT);
            if n > MAX_SCRYPT_N || memory > MAX_SCRYPT_MEMORY || cost > MAX_KDF_COST {
                return Err(KeyError::ScryptCost { n, r, p }.into());
            }
            cost
        }
        _ => 0,
    })
}

/// Charges `cost` units to this thread's budget ([`KDF_BUDGET`]), refusing (and charging
/// nothing) when the run's total would exceed [`MAX_KDF_TOTAL`].
pub(crate) fn charge(cost: u64) -> Result<(), Error> {
    KDF_BUDGET.with(|spent| {
        let total = spent.get().saturating_add(cost);
        if total > MAX_KDF_TOTAL {
            return Err(KeyError::KdfBudget {
                limit_ms: MAX_KDF_TOTAL / COST_PER_MS,
            }
            .into());
        }
        spent.set(total);
        Ok(())
    })
}

/// Leaves this thread `units` of KDF work for what follows (a fuzz input); not for the tool.
#[doc(hidden)]
pub fn fuzz_kdf_allowance(units: u64) {
    KDF_BUDGET.with(|spent| spent.set(MAX_KDF_TOTAL.saturating_sub(units)));
}

/// A PRF's name, its cost per iteration relative to HMAC-SHA-256, and its output length.
///
/// The weights come from the 2-core build machine: the hostile-input review measured 8 s for
/// 10,000,000 iterations of HMAC-SHA-512, while 600,000 of HMAC-SHA-256 take 85 ms (1.4 s per
/// 10,000,000): sha2 uses SHA-NI for SHA-1 and SHA-256 only.
fn prf_cost(prf: pbes2::Pbkdf2Prf) -> (&'static str, u64, usize) {
    use pbes2::Pbkdf2Prf as P;
    match prf {
        P::HmacWithSha1 => ("HMAC-SHA1", 1, 20),
        P::HmacWithSha224 => ("HMAC-SHA224", 1, 28),
        P::HmacWithSha256 => ("HMAC-SHA256", 1, 32),
        P::HmacWithSha384 => ("HMAC-SHA384", 6, 48),
        P::HmacWithSha512 => ("HMAC-SHA512", 6, 64),
        // A PRF added to pkcs5 later: priced like the slowest known one.
        _ => ("an unlisted PRF", 6, 32),
    }
}
