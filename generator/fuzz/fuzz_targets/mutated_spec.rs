//! The real spec with structure-aware mutations chosen by the input: must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    atlas_codegen::robustness::mutated_spec(data);
});
