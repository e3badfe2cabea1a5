//! What the extract tests share: the workspace's files, the shipped upstream beside it, and
//! running `extract` in the library and as the binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use atlas_codegen::extract::{self, Extracted, Inputs, InvalidWatchers, Selection, Source};
use serde_yaml::Value;

pub const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
pub const UPSTREAM_NAME: &str = "../shared/atlas/v2.yaml";
pub const WATCHERS_NAME: &str = "../shared/atlas/watchers.yaml";

pub fn workspace_file(relative: &str) -> String {
    let path = Path::new(WORKSPACE).join(relative);
    fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}{}",
            path.display(),
            if relative.starts_with("../") {
                " (the upstream spec lives beside the workspace in ../shared; CI provides it)"
            } else {
                ""
            }
        )
    })
}

/// The shipped upstream spec, from `../shared` beside the checkout. Without it the tests that
/// need it say so and pass, except in CI (`CI` set), which must have it.
pub fn upstream() -> Option<String> {
    if !Path::new(WORKSPACE).join(UPSTREAM_NAME).exists() && std::env::var_os("CI").is_none() {
        eprintln!("skipped: {UPSTREAM_NAME} is missing (../shared must sit beside the checkout)");
        return None;
    }
    Some(workspace_file(UPSTREAM_NAME))
}

/// Extracts with the default command in the header.
pub fn run(inputs: Inputs) -> Result<Extracted, String> {
    let command = extract::default_command(inputs.upstream.file);
    extract::extract(&inputs, &command).map_err(|diagnostics| diagnostics.to_string())
}

/// The curated excerpt's inputs with the shipped files: `spec/operations.txt`, and the
/// overlay and watchers when given.
pub fn shipped<'a>(
    upstream: &'a str,
    operations: &'a [String],
    overlay: Option<&'a str>,
    watchers: Option<(&'a str, InvalidWatchers)>,
) -> Inputs<'a> {
    Inputs {
        upstream: Source {
            file: UPSTREAM_NAME,
            text: upstream,
        },
        operations: Selection::Named(operations),
        overlay: overlay.map(|text| Source {
            file: "spec/overlay.yaml",
            text,
        }),
        watchers: watchers.map(|(text, invalid)| {
            (
                Source {
                    file: WATCHERS_NAME,
                    text,
                },
                invalid,
            )
        }),
    }
}

pub fn parse(text: &str) -> Value {
    serde_yaml::from_str(text).expect("valid YAML")
}

/// A fresh, empty directory under the target directory's temp area.
pub fn scratch_dir(label: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("extract-{label}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

pub fn codegen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_atlas-codegen"))
        .args(args)
        .output()
        .expect("run atlas-codegen")
}
