//! Time per pipeline phase (load, lower, emit: everything but reading and writing files) for the excerpt and, when
//! `../shared/atlas/v2.yaml` is present, the full upstream spec. A measurement, not a test:
//! `cargo bench -p atlas-codegen --bench phases`. Whole-process figures come from
//! `scripts/bench`; this one says where the time goes, and how the whole compares with loading
//! the spec alone.

use std::time::{Duration, Instant};

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
    let (mut load, mut lower, mut emit, mut floor) = (vec![], vec![], vec![], vec![]);
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
        floor.push(parse_and_print(&output));
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
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let spread = ms(&floor) / cores as f64;
    println!(
        "{name}: floor: syn and prettyplease alone, on the emitted text, {:.1} ms of CPU; \
         spread over {cores} cores {spread:.1} ms, and with load and lower {:.1} ms = {:.1}x load",
        ms(&floor),
        spread + ms(&load) + ms(&lower),
        (spread + ms(&load) + ms(&lower)) / ms(&load)
    );
}

/// What the emitted Rust costs syn to parse and prettyplease to print, on this thread: the part
/// of emission no change to the emitters can remove without emitting less. It is taken the way
/// emission works, a few items at a time (syn slows down on one very large token stream), and
/// from token streams, not text.
fn parse_and_print(output: &atlas_codegen::Output) -> Duration {
    use quote::ToTokens;
    const ITEMS_PER_PIECE: usize = 8;
    let pieces: Vec<proc_macro2::TokenStream> = output
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".rs"))
        .flat_map(|(_, text)| {
            let file = syn::parse_file(text).expect("the emitted code parses");
            file.items
                .chunks(ITEMS_PER_PIECE)
                .map(|items| items.iter().map(ToTokens::to_token_stream).collect())
                .collect::<Vec<_>>()
        })
        .collect();
    let started = Instant::now();
    for tokens in pieces {
        let file: syn::File = syn::parse2(tokens).expect("a piece parses");
        std::hint::black_box(prettyplease::unparse(&file));
    }
    started.elapsed()
}

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    phases("excerpt", &format!("{root}/spec/atlas-backups.yaml"));
    phases("full spec", &format!("{root}/../shared/atlas/v2.yaml"));
}
