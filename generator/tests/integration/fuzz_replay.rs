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

/// In the default test run, every this-many-th corpus input (a fixed sample, so the run stays
/// short); the `#[ignore]`d tests replay all of them, in `.ci/run`'s exhaustive step.
const SAMPLE_EVERY: usize = 25;

/// Replays every `every`-th input of the `arbitrary_text` corpus, and every fixture spec,
/// through the whole pipeline.
fn replay_arbitrary_text(every: usize) {
    let mut replayed = 0;
    for input in inputs(&root().join("fuzz/corpus/arbitrary_text"))
        .iter()
        .step_by(every)
    {
        atlas_codegen::robustness::arbitrary_text(input);
        replayed += 1;
    }
    for dir in [
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

/// Replays every `every`-th input of the `mutated_spec` corpus through load and lower.
fn replay_mutated_spec(every: usize) {
    let corpus = inputs(&root().join("fuzz/corpus/mutated_spec"));
    assert!(!corpus.is_empty(), "the mutated_spec corpus is missing");
    for input in corpus.iter().step_by(every) {
        atlas_codegen::robustness::mutated_spec(input);
    }
}

#[test]
fn arbitrary_text_corpus_sample_never_panics() {
    replay_arbitrary_text(SAMPLE_EVERY);
}

#[test]
fn mutated_spec_corpus_sample_never_panics() {
    replay_mutated_spec(SAMPLE_EVERY);
}

#[test]
#[ignore = "the whole corpus (about 40 s): `cargo test -p atlas-codegen --test integration fuzz_replay:: -- --ignored`, run by .ci/run"]
fn arbitrary_text_corpus_never_panics() {
    replay_arbitrary_text(1);
}

#[test]
#[ignore = "the whole corpus (about 40 s): `cargo test -p atlas-codegen --test integration fuzz_replay:: -- --ignored`, run by .ci/run"]
fn mutated_spec_corpus_never_panics() {
    replay_mutated_spec(1);
}
