//! The `atlas-codegen` binary: its commands, exit codes, and that a failed run writes nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/atlas-backups.yaml");
const BROKEN_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/invalid/dangling_schema_ref.yaml"
);

/// A fresh, empty directory under the target directory's temp area.
fn scratch_dir(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "cli-{label}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn codegen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atlas-codegen"))
        .args(args)
        .output()
        .expect("run atlas-codegen")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file below `dir` with its contents.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let contents = fs::read(&path).expect("read file");
                files.push((path, contents));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn generate_then_check_passes() {
    let out = scratch_dir("fresh");
    let generated = codegen(&["generate", "--spec", SPEC, "--out", out.to_str().unwrap()]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    assert!(out.join("src/lib.rs").is_file());
    assert!(out.join("Cargo.toml").is_file());

    let checked = codegen(&["check", "--spec", SPEC, "--out", out.to_str().unwrap()]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    assert!(checked.stdout.is_empty());
}

#[test]
fn check_reports_drift_with_a_diff_and_exit_1_writing_nothing() {
    let out = scratch_dir("drift");
    assert!(
        codegen(&["generate", "--spec", SPEC, "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let models = out.join("src/models.rs");
    let edited = fs::read_to_string(&models)
        .unwrap()
        .replace("pub struct ApiError {", "pub struct ApiErr {");
    fs::write(&models, &edited).unwrap();
    fs::write(out.join("src/stale.rs"), "// left over\n").unwrap();
    fs::remove_file(out.join("README.md")).unwrap();
    let before = snapshot(&out);

    let checked = codegen(&["check", "--spec", SPEC, "--out", out.to_str().unwrap()]);
    assert_eq!(checked.status.code(), Some(1));
    let stdout = text(&checked.stdout);
    assert!(stdout.contains("--- a/src/models.rs"), "{stdout}");
    assert!(
        stdout.contains("-pub struct ApiErr {") && stdout.contains("+pub struct ApiError {"),
        "{stdout}"
    );
    assert!(stdout.contains("stale: src/stale.rs"), "{stdout}");
    assert!(stdout.contains("missing: README.md"), "{stdout}");
    assert_eq!(snapshot(&out), before, "check must not write");
}

#[test]
fn generate_repairs_drift_and_removes_stale_files() {
    let out = scratch_dir("repair");
    assert!(
        codegen(&["generate", "--spec", SPEC, "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let pristine = snapshot(&out);
    fs::write(out.join("src/models.rs"), "// edited by hand\n").unwrap();
    fs::write(out.join("src/stale.rs"), "// left over\n").unwrap();
    assert!(
        codegen(&["generate", "--spec", SPEC, "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(snapshot(&out), pristine);
}

#[test]
fn a_failing_generation_changes_no_file() {
    let out = scratch_dir("failing");
    assert!(
        codegen(&["generate", "--spec", SPEC, "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let before = snapshot(&out);

    let failed = codegen(&[
        "generate",
        "--spec",
        BROKEN_SPEC,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(2));
    let stderr = text(&failed.stderr);
    assert!(
        stderr.contains("dangling_schema_ref.yaml:13:24: error at #/paths/"),
        "{stderr}"
    );
    assert!(
        stderr.contains("dangling reference `#/components/schemas/Missing`"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(snapshot(&out), before);
}

#[test]
fn a_missing_spec_file_is_a_clear_error() {
    let out = scratch_dir("missing");
    let failed = codegen(&[
        "generate",
        "--spec",
        "no/such/spec.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(text(&failed.stderr).contains("cannot read spec no/such/spec.yaml"));
    assert!(snapshot(&out).is_empty());
}

#[test]
fn no_arguments_means_the_workspace_spec_and_crate() {
    // `check` with no paths compares the committed generated/ with spec/: main is never stale.
    let checked = codegen(&["check"]);
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}{}",
        text(&checked.stdout),
        text(&checked.stderr)
    );
}

#[test]
fn public_api_prints_the_workspace_crate_by_default() {
    let printed = codegen(&["public-api"]);
    assert_eq!(printed.status.code(), Some(0), "{}", text(&printed.stderr));
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated");
    let expected = atlas_codegen::public_api::report_dir(&crate_dir)
        .unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    assert_eq!(text(&printed.stdout), expected);
}

#[test]
fn public_api_of_a_crate_that_does_not_parse_exits_2_with_a_located_error() {
    let crate_dir = scratch_dir("public-api");
    fs::create_dir_all(crate_dir.join("src")).expect("create src");
    fs::write(
        crate_dir.join("Cargo.toml"),
        "[package]\nname = \"broken-crate\"\n",
    )
    .expect("write manifest");
    fs::write(crate_dir.join("src/lib.rs"), "pub mod inner;\n").expect("write lib.rs");
    fs::write(
        crate_dir.join("src/inner.rs"),
        "pub fn f() {}\npub struct {}\n",
    )
    .expect("write inner.rs");
    let failed = codegen(&["public-api", "--crate-dir", crate_dir.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(text(&failed.stdout).is_empty());
    let stderr = text(&failed.stderr);
    assert!(
        stderr.contains("src/inner.rs:2:12: error: cannot parse: expected identifier"),
        "{stderr}"
    );
}
