//! Fuzz target: `dbtls::fuzzing::crl` (see src/fuzzing.rs for what it covers).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dbtls::fuzzing::crl(data);
});
