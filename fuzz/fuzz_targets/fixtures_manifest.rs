//! Fuzz target: `dbtls::fuzzing::fixtures_manifest` (see src/fuzzing.rs for what it covers).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    dbtls::fuzzing::fixtures_manifest(data);
});
