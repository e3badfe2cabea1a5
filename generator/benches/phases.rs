//! Time per pipeline phase (load, lower, emit: everything but reading and writing files) for the excerpt and, when
//! `../shared/atlas/v2.yaml` is present, the full upstream spec. A measurement, not a test:
//! `cargo bench -p atlas-codegen --bench phases`. Whole-process figures come from
//! `scripts/bench`; this one says where the time goes, and how the whole compares with loading
//! the spec alone.

use std::time::{Duration, Instant};

/// The binary's allocator, so the phases cost what they cost in the command.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn phases(name: &str, path: &str) {
    let Ok(text) = std::fs::read_to_string(path) else {
        println!("{name}: {path} not found, skipped");
        return;
    };
    let (mut load, mut lower, mut emit) = (vec![], vec![], vec![]);
    for _ in 0..RUNS {
        let started = Instant::now();
        let loaded = atlas_codegen::load::load(path, &text).expect("the spec loads");
        load.push(started.elapsed());
        let started = Instant::now();
        let lowered = atlas_codegen::lower::lower(&loaded.openapi, &Default::default())
            .expect("the spec lowers");
        lower.push(started.elapsed());
        let started = Instant::now();
        let output = atlas_codegen::emit::emit(
            &lowered.api,
            &loaded.canonical_sha256,
            &atlas_codegen::emit::CrateName::default(),
        )
        .expect("the model emits");
        emit.push(started.elapsed());
        assert!(!output.files.is_empty());
    }
    let ms = |samples: &[Duration]| median(samples.to_vec()).as_secs_f64() * 1000.0;
    let total: Vec<Duration> = (0..RUNS)
        .map(|run| load[run] + lower[run] + emit[run])
        .collect();
    println!(
        "{name}: load {:.1} ms, lower {:.1} ms, emit {:.1} ms; \
         all three {:.1} ms = {:.1}x load (medians of {RUNS})",
        ms(&load),
        ms(&lower),
        ms(&emit),
        ms(&total),
        ms(&total) / ms(&load)
    );
}

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    phases("excerpt", &format!("{root}/spec/atlas-backups.yaml"));
    phases("full spec", &format!("{root}/../shared/atlas/v2.yaml"));
}
