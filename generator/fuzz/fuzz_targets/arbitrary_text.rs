//! Any bytes, as spec text, through load, lower and emit: must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    atlas_codegen::robustness::arbitrary_text(data);
});
