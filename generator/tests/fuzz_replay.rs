//! Replays the fuzz corpus (and every fixture spec) through the fuzz harnesses on stable Rust,
//! so a crash the fuzzer once found stays fixed. The fuzzing itself is described in TESTING.md.

use std::fs;
use std::path::Path;

fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display())))
        .collect()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn arbitrary_text_corpus_never_panics() {
    let mut replayed = 0;
    for dir in [
        "fuzz/corpus/arbitrary_text",
        "../tests/fixtures/constructs",
        "../tests/fixtures/invalid",
        "../spec",
    ] {
        for input in inputs(&root().join(dir)) {
            atlas_codegen::robustness::arbitrary_text(&input);
            replayed += 1;
        }
    }
    assert!(replayed >= 40, "only {replayed} inputs replayed");
}

#[test]
fn mutated_spec_corpus_never_panics() {
    let corpus = inputs(&root().join("fuzz/corpus/mutated_spec"));
    for input in &corpus {
        atlas_codegen::robustness::mutated_spec(input);
    }
    assert!(!corpus.is_empty(), "the mutated_spec corpus is missing");
}
