//! Finds the largest success response of a spec: every operation's 2xx body in its newest
//! versioned JSON media type, made fully populated by `samples.rs`, measured as compact JSON
//! bytes. Prints the largest few and writes the largest's sample and where it comes from.
//! Run by `scripts/bench-decode`. Usage: largest_response SPEC OUT_DIR

// Shared with the client benchmark, which uses other parts of it.
#[allow(dead_code)]
#[path = "../support/samples.rs"]
mod samples;

use samples::{Direction, Spec};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(spec), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: largest_response SPEC OUT_DIR");
        std::process::exit(2);
    };
    let spec = Spec::load(std::path::Path::new(&spec));
    let mut sized: Vec<(usize, String, samples::SuccessResponse)> = spec
        .success_responses()
        .into_iter()
        .map(|response| {
            let json = serde_json::to_string(&spec.sample(&response.schema, Direction::Response))
                .expect("a sample encodes");
            (json.len(), json, response)
        })
        .collect();
    // Largest first; the operation id breaks ties, so the choice is the same every run.
    sized.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.operation_id.cmp(&b.2.operation_id)));
    println!("{} success responses; the largest instances:", sized.len());
    for (bytes, _, response) in sized.iter().take(5) {
        println!(
            "  {bytes:>9} bytes  {} {} ({}, {})",
            response.method, response.path, response.operation_id, response.media_type
        );
    }
    let (_, json, response) = sized.first().expect("the spec has success responses");
    let out = std::path::Path::new(&out);
    std::fs::write(out.join("sample.json"), json).expect("write sample.json");
    std::fs::write(
        out.join("largest.txt"),
        format!("{}\n{}\n", response.operation_id, response.media_type),
    )
    .expect("write largest.txt");
}
