//! Decode throughput of the whole spec's largest response type: the client's decode path
//! (`atlas_runtime::decode_body`, what every JSON operation does with the body it read)
//! against plain `serde_json::from_slice` into the same struct, on the same fully populated
//! body. Built and run by `scripts/bench-decode`, which generates the full crate, picks the
//! type and writes `largest.rs` (the type) and `sample.json` beside this file.

mod largest;

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use largest::{Largest, NAME};

fn main() {
    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/sample.json"))
        .expect("sample.json (written by scripts/bench-decode)");
    // Both paths must read the sample, and read it whole: encoding the value again gives the
    // same JSON (every property landed in a field, or in `unknown_fields`, which is encoded
    // again too; a property the type drops would show here).
    let ours: Largest = atlas_runtime::decode_body(&body).expect("the sample decodes");
    let plain: Largest = serde_json::from_slice(&body).expect("the sample decodes");
    let sample: serde_json::Value = serde_json::from_slice(&body).expect("the sample is JSON");
    for decoded in [&ours, &plain] {
        let again = serde_json::to_value(decoded).expect("the value encodes");
        if again != sample {
            println!("note: {NAME} encodes again to JSON that differs from the sample");
        }
    }
    println!("{NAME}: {} bytes of JSON", body.len());

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group(format!("decode {NAME}"));
    group.throughput(Throughput::BytesDecimal(body.len() as u64));
    group.bench_function("atlas-runtime decode_body", |b| {
        b.iter(|| black_box(atlas_runtime::decode_body::<Largest>(black_box(&body)).unwrap()));
    });
    group.bench_function("serde_json from_slice", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Largest>(black_box(&body)).unwrap()));
    });
    group.finish();
    criterion.final_summary();
}
