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

/// A frozen copy of the excerpt, which the diff tests edit (so upstream updates do not break
/// them).
const REVIEW_BASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/review/base.yaml"
);

/// The frozen excerpt with one value fewer in an enum (a breaking change) or one more optional query
/// parameter (a non-breaking one), written into `dir`.
fn changed_spec(dir: &Path, breaking: bool) -> PathBuf {
    let original = fs::read_to_string(REVIEW_BASE).expect("read the frozen excerpt");
    let changed = if breaking {
        original.replacen("                        - Queued\n", "", 1)
    } else {
        original.replacen(
            "                -   $ref: \"#/components/parameters/pretty\"\n",
            "                -   $ref: \"#/components/parameters/pretty\"\n                -   {in: query, name: addedByTest, schema: {type: boolean}}\n",
            1,
        )
    };
    assert_ne!(changed, original, "the edit applies");
    let path = dir.join(if breaking {
        "breaking.yaml"
    } else {
        "additive.yaml"
    });
    fs::write(&path, changed).expect("write the changed spec");
    path
}

#[test]
fn diff_exit_status_says_whether_a_change_breaks() {
    let dir = scratch_dir("diff");
    let same = codegen(&["diff", REVIEW_BASE, REVIEW_BASE]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stderr));
    assert!(
        text(&same.stdout).contains("0 changes"),
        "{}",
        text(&same.stdout)
    );

    let additive = changed_spec(&dir, false);
    let minor = codegen(&["diff", REVIEW_BASE, additive.to_str().unwrap()]);
    assert_eq!(minor.status.code(), Some(0), "{}", text(&minor.stdout));
    assert!(text(&minor.stdout).contains("optional parameter added"));

    let breaking = changed_spec(&dir, true);
    let major = codegen(&[
        "diff",
        REVIEW_BASE,
        breaking.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(major.status.code(), Some(1), "{}", text(&major.stderr));
    let report: serde_json::Value = serde_json::from_slice(&major.stdout).expect("JSON on stdout");
    assert_eq!(report["breaking"], 1);
    assert_eq!(report["changes"][0]["kind"], "enum_value_removed");

    let broken = codegen(&["diff", REVIEW_BASE, BROKEN_SPEC]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        text(&broken.stderr).contains("dangling_schema_ref.yaml"),
        "{}",
        text(&broken.stderr)
    );
}

/// Runs the binary and checks its exit status and that stderr says `message`.
fn exits_with(args: &[&str], status: i32, message: &str) {
    let run = codegen(args);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(status), "{args:?}: {stderr}");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
}

/// Copies every file below `from` to the same place below `to`.
fn copy_tree(from: &Path, to: &Path) {
    for (path, contents) in snapshot(from) {
        let target = to.join(path.strip_prefix(from).unwrap());
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, contents).unwrap();
    }
}

/// Copies the crate `from` to `to` (replacing what is there), with `lib_rs_tail` appended to
/// its `src/lib.rs`: the crate another generator made.
fn copy_with(from: &Path, to: &Path, lib_rs_tail: &str) {
    let _ = fs::remove_dir_all(to);
    copy_tree(from, to);
    let lib = to.join("src/lib.rs");
    let text = fs::read_to_string(&lib).unwrap() + lib_rs_tail;
    fs::write(lib, text).unwrap();
}

/// The arguments of `generate` or `check` (`command`) for `spec` into `out`, released through
/// the changelog file `changelog`.
fn with_changelog<'a>(
    command: &'a str,
    spec: &'a str,
    out: &'a str,
    changelog: &'a str,
) -> [&'a str; 7] {
    [
        command,
        "--spec",
        spec,
        "--out",
        out,
        "--changelog",
        changelog,
    ]
}

/// Records the frozen excerpt as the first release in the changelog file `changelog`.
fn record_first_release(changelog: &str) {
    let first = codegen(&[
        "diff",
        "/dev/null",
        REVIEW_BASE,
        "--record",
        "--changelog",
        changelog,
        "--date",
        "2026-01-01",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
}

/// Records the frozen excerpt with one more optional parameter (written into `dir`) as the
/// next release in `changelog`, dated 2026-02-01; returns that spec and the changelog.
fn record_additive_release(dir: &Path, changelog: &Path) -> (PathBuf, serde_json::Value) {
    let additive = changed_spec(dir, false);
    let recorded = codegen(&[
        "diff",
        REVIEW_BASE,
        additive.to_str().unwrap(),
        "--record",
        "--changelog",
        changelog.to_str().unwrap(),
        "--date",
        "2026-02-01",
    ]);
    assert_eq!(
        recorded.status.code(),
        Some(0),
        "{}",
        text(&recorded.stderr)
    );
    let changelog = serde_json::from_str(&fs::read_to_string(changelog).unwrap()).unwrap();
    (additive, changelog)
}

#[test]
fn diff_record_appends_a_release_and_refuses_to_break_the_chain() {
    let dir = scratch_dir("record");
    let changelog = dir.join("changelog.json");
    let changelog_arg = changelog.to_str().unwrap();
    record_first_release(changelog_arg);
    let (additive, recorded) = record_additive_release(&dir, &changelog);
    assert_eq!(recorded["releases"][0]["version"], "0.1.1");
    assert_eq!(recorded["releases"][1]["version"], "0.1.0");

    // A release describes the whole crate: --record compares every operation.
    let narrowed = codegen(&[
        "diff",
        REVIEW_BASE,
        REVIEW_BASE,
        "--record",
        "--operations",
        "getGroupClusterBackupExport",
        "--changelog",
        changelog_arg,
    ]);
    assert_eq!(narrowed.status.code(), Some(2));
    assert!(
        text(&narrowed.stderr).contains("cannot be used with"),
        "{}",
        text(&narrowed.stderr)
    );

    // From a spec that is not the newest release's: refused, the file untouched.
    let before = fs::read(&changelog).unwrap();
    let breaking = changed_spec(&dir, true);
    let refused = codegen(&[
        "diff",
        REVIEW_BASE,
        breaking.to_str().unwrap(),
        "--record",
        "--changelog",
        changelog_arg,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("newest release (0.1.1)"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(fs::read(&changelog).unwrap(), before);

    // Generating with the changelog takes its version and writes CHANGELOG.md; `check` fails
    // while the spec is not the newest release's.
    let out = scratch_dir("record-out");
    let out_arg = out.to_str().unwrap();
    let additive_arg = additive.to_str().unwrap();
    let generated = codegen(&with_changelog(
        "generate",
        additive_arg,
        out_arg,
        changelog_arg,
    ));
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    assert!(fs::read_to_string(out.join("Cargo.toml"))
        .unwrap()
        .contains("\nversion = \"0.1.1\"\n"));
    assert!(fs::read_to_string(out.join("CHANGELOG.md"))
        .unwrap()
        .contains("## 0.1.1 (2026-02-01)"));
    let stale = codegen(&with_changelog(
        "check",
        REVIEW_BASE,
        out_arg,
        changelog_arg,
    ));
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        text(&stale.stderr).contains("--record"),
        "{}",
        text(&stale.stderr)
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
        stderr.contains("src/inner.rs:2: error: cannot parse: expected identifier"),
        "{stderr}"
    );
}

/// A change of the generator that alters the crate is no release: `check` fails only while
/// the crate is stale, `generate` fixes that without touching the changelog or the version,
/// and the next spec release is recorded as usual. `api-diff` shows what the change did.
#[test]
fn a_generator_change_needs_regenerating_not_a_release() {
    let dir = scratch_dir("generator-change");
    let changelog = dir.join("changelog.json");
    let changelog_arg = changelog.to_str().unwrap();
    record_first_release(changelog_arg);
    let out = dir.join("crate");
    let out_arg = out.to_str().unwrap();
    let generate = || {
        codegen(&with_changelog(
            "generate",
            REVIEW_BASE,
            out_arg,
            changelog_arg,
        ))
    };
    let check = || {
        codegen(&with_changelog(
            "check",
            REVIEW_BASE,
            out_arg,
            changelog_arg,
        ))
    };
    assert!(generate().status.success());

    // The crate as committed by an older generator: one public function more.
    let old = dir.join("old-crate");
    copy_with(
        &out,
        &old,
        "\n/// Gone in the newer generator.\npub fn legacy_helper() {}\n",
    );
    copy_with(&old, &out, "");
    let recorded = fs::read(&changelog).unwrap();

    // `check` fails on the stale crate alone, not on the changelog.
    let stale = check();
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        text(&stale.stdout).contains("-pub fn legacy_helper() {}"),
        "{}",
        text(&stale.stdout)
    );
    let stderr = text(&stale.stderr);
    assert!(
        stderr.contains("differs from what the generator produces"),
        "{stderr}"
    );
    assert!(!stderr.contains("changelog"), "{stderr}");

    // Regenerated, it passes; the changelog and the version stay.
    let regenerated = generate();
    assert!(regenerated.status.success());
    assert!(
        !text(&regenerated.stderr).contains("warning"),
        "{}",
        text(&regenerated.stderr)
    );
    let checked = check();
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    assert_eq!(fs::read(&changelog).unwrap(), recorded);
    assert!(fs::read_to_string(out.join("Cargo.toml"))
        .unwrap()
        .contains("\nversion = \"0.1.0\"\n"));

    // `api-diff` reports what the generator changed, with its verdict.
    let (old_arg, out_arg) = (old.to_str().unwrap(), out.to_str().unwrap());
    let run = codegen(&["api-diff", old_arg, out_arg, "--format", "json"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["changes"][0]["kind"], "api_item_removed");
    assert_eq!(report["changes"][0]["item"], "legacy_helper");
    // A change that leaves the public API alone (here, a comment) has none to report.
    copy_with(&out, &old, "\n// A fix that touches no public item.\n");
    let untouched = codegen(&["api-diff", old_arg, out_arg]);
    assert_eq!(
        untouched.status.code(),
        Some(0),
        "{}",
        text(&untouched.stderr)
    );
    let shown = text(&untouched.stdout);
    assert!(shown.contains("0 changes"), "{shown}");
    // Nothing to release then: `--record` refuses and writes nothing.
    let nothing = codegen(&[
        "api-diff",
        old_arg,
        out_arg,
        "--record",
        "--changelog",
        changelog_arg,
    ]);
    assert_eq!(nothing.status.code(), Some(2), "{}", text(&nothing.stderr));
    assert!(text(&nothing.stderr).contains("nothing to release"));
    assert_eq!(fs::read(&changelog).unwrap(), recorded);

    // The next spec release is recorded and bumped as usual.
    let (_, recorded) = record_additive_release(&dir, &changelog);
    assert_eq!(recorded["releases"][0]["version"], "0.1.1");
}

/// A generator change worth a release: `api-diff --record` adds one of the same spec, bumped
/// by the public-API changes (a removed item: breaking, so 0.1.0 -> 0.2.0), which `generate`
/// renders and `check` accepts.
#[test]
fn a_generator_change_can_be_recorded_as_a_release() {
    let dir = scratch_dir("generator-release");
    let changelog = dir.join("changelog.json");
    let changelog_arg = changelog.to_str().unwrap();
    record_first_release(changelog_arg);
    let out = dir.join("crate");
    let out_arg = out.to_str().unwrap();
    assert!(codegen(&with_changelog(
        "generate",
        REVIEW_BASE,
        out_arg,
        changelog_arg
    ))
    .status
    .success());
    let old = dir.join("old-crate");
    copy_with(
        &out,
        &old,
        "\n/// Gone in the newer generator.\npub fn legacy_helper() {}\n",
    );

    let old_arg = old.to_str().unwrap();
    let run = codegen(&[
        "api-diff",
        old_arg,
        out_arg,
        "--record",
        "--changelog",
        changelog_arg,
        "--date",
        "2026-12-01",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("recorded release 0.2.0"),
        "{}",
        text(&run.stderr)
    );
    let recorded: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&changelog).unwrap()).unwrap();
    let release = &recorded["releases"][0];
    assert_eq!(release["version"], "0.2.0");
    assert_eq!(release["spec_sha256"], release["previous_spec_sha256"]);
    assert_eq!(release["changes"][0]["kind"], "api_item_removed");

    // A breaking release needs a way forward: a removed item derives none, so the maintainer
    // writes one into the release's `migration` list.
    let unexplained = codegen(&with_changelog(
        "check",
        REVIEW_BASE,
        out_arg,
        changelog_arg,
    ));
    assert_ne!(unexplained.status.code(), Some(0));
    assert!(
        text(&unexplained.stderr).contains("How to migrate"),
        "{}",
        text(&unexplained.stderr)
    );
    let mut recorded = recorded;
    recorded["releases"][0]["migration"] = serde_json::json!([{
        "change": "the removed item is gone",
        "before": "item.old()",
        "after": "item.new()"
    }]);
    fs::write(
        &changelog,
        serde_json::to_string_pretty(&recorded).unwrap() + "\n",
    )
    .unwrap();

    assert!(codegen(&with_changelog(
        "generate",
        REVIEW_BASE,
        out_arg,
        changelog_arg
    ))
    .status
    .success());
    assert!(fs::read_to_string(out.join("Cargo.toml"))
        .unwrap()
        .contains("\nversion = \"0.2.0\"\n"));
    assert!(fs::read_to_string(out.join("CHANGELOG.md"))
        .unwrap()
        .contains("a generator change altered the crate's API"));
    let checked = codegen(&with_changelog(
        "check",
        REVIEW_BASE,
        out_arg,
        changelog_arg,
    ));
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
}

#[test]
fn api_diff_of_a_missing_crate_exits_2() {
    let missing = scratch_dir("api-diff-missing").join("nowhere");
    exits_with(&["api-diff", missing.to_str().unwrap()], 2, "nowhere");
}

/// The checkout these tests were built in.
const CHECKOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Runs the binary with `dir` as its current directory, checks its exit status and returns
/// its stderr.
fn stderr_in(dir: &Path, args: &[&str], status: i32) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_atlas-codegen"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run atlas-codegen");
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(status), "{args:?}: {stderr}");
    stderr
}

/// Every file below `dir` with its contents and modification time.
fn stamped(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    snapshot(dir)
        .into_iter()
        .map(|(path, contents)| {
            let modified = fs::metadata(&path).and_then(|m| m.modified()).unwrap();
            (path, contents, modified)
        })
        .collect()
}

/// Every file below `dir` by its path relative to `dir`.
fn relative_snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    snapshot(dir)
        .into_iter()
        .map(|(path, contents)| (path.strip_prefix(dir).unwrap().to_path_buf(), contents))
        .collect()
}

/// A second checkout run with this binary (as when it shares the first one's target
/// directory) regenerates its own generated/ and leaves this checkout's alone: the workspace
/// is the one the command runs in, not the one the binary was built in.
#[test]
fn the_default_command_works_in_the_checkout_it_runs_in() {
    let checkout = Path::new(CHECKOUT).canonicalize().unwrap();
    let copy = scratch_dir("second-checkout").canonicalize().unwrap();
    fs::copy(checkout.join("Cargo.toml"), copy.join("Cargo.toml")).unwrap();
    for dir in ["spec", "generated"] {
        copy_tree(&checkout.join(dir), &copy.join(dir));
    }
    fs::create_dir_all(copy.join("templates/runtime")).unwrap();
    fs::copy(
        checkout.join("templates/runtime/Cargo.toml"),
        copy.join("templates/runtime/Cargo.toml"),
    )
    .unwrap();
    // The copy's crate is stale: one file edited, one left over.
    fs::write(copy.join("generated/src/models.rs"), "// stale\n").unwrap();
    fs::write(copy.join("generated/src/leftover.rs"), "// left over\n").unwrap();
    let untouched: Vec<_> = ["generated", "spec"]
        .iter()
        .flat_map(|dir| stamped(&checkout.join(dir)))
        .collect();

    // From a directory below the copy's root, as `cargo run` from generator/ would be.
    let below = copy.join("generated/src");
    let stderr = stderr_in(&below, &[], 0);
    assert!(
        stderr.contains(&format!(
            "writing into the workspace at {}\n",
            copy.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        relative_snapshot(&copy.join("generated")),
        relative_snapshot(&checkout.join("generated")),
        "the copy's generated/ is regenerated"
    );
    let after: Vec<_> = ["generated", "spec"]
        .iter()
        .flat_map(|dir| stamped(&checkout.join(dir)))
        .collect();
    assert!(
        after == untouched,
        "the checkout the binary was built in changed"
    );

    // `check` reads the copy too, and says nothing about writing.
    let stderr = stderr_in(&copy.join("spec"), &["check"], 0);
    assert!(!stderr.contains("writing"), "{stderr}");
}

/// Outside a checkout a default is an error that says where it looked and what to pass; a
/// command given its paths works. A directory holding only part of the rule (a `[workspace]`
/// manifest without spec/, or spec/ and generated/ without a workspace manifest) is no
/// workspace.
#[test]
fn outside_a_checkout_defaults_are_a_clear_error_and_explicit_paths_work() {
    // Not under the target directory, which may lie inside the checkout.
    let outside = std::env::temp_dir().join(format!("atlas-codegen-cli-{}", std::process::id()));
    let _ = fs::remove_dir_all(&outside);
    let nested = outside.join("fuzz-like/inner");
    fs::create_dir_all(&nested).unwrap();
    fs::write(outside.join("fuzz-like/Cargo.toml"), "[workspace]\n").unwrap();
    for dir in ["spec", "generated"] {
        fs::create_dir_all(outside.join(dir)).unwrap();
    }
    fs::write(
        outside.join("Cargo.toml"),
        "[package]\nname = \"not-a-workspace\"\n",
    )
    .unwrap();
    let nested = nested.canonicalize().unwrap();

    for (args, flag) in [
        (&[][..], "--spec FILE"),
        (&["public-api"][..], "--crate-dir DIR"),
        (
            &["generate", "--spec", SPEC, "--out", "out"][..],
            "--runtime DIR",
        ),
    ] {
        let stderr = stderr_in(&nested, args, 2);
        assert!(
            stderr.contains(&format!(
                "neither {} nor a directory above it",
                nested.display()
            )) && stderr.contains(&format!("or pass {flag}")),
            "{args:?}: {stderr}"
        );
    }
    assert!(!nested.join("out").exists(), "a failed run writes nothing");

    let runtime = Path::new(CHECKOUT).join("templates/runtime");
    let args = ["generate", "--spec", SPEC, "--out", "out", "--runtime"];
    let stderr = stderr_in(
        &nested,
        &[&args[..], &[runtime.to_str().unwrap()]].concat(),
        0,
    );
    assert!(nested.join("out/src/lib.rs").is_file());
    assert!(!stderr.contains("writing into the workspace"), "{stderr}");
    fs::remove_dir_all(&outside).unwrap();
}
