//! The public API of the generated crates and of the runtime they re-export, as snapshots: a change to what the generator emits
//! that breaks downstream code (a field or method gone, a signature changed, an item moved
//! to another feature) is a diff here to review. Review with `cargo insta review`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use atlas_codegen::public_api::{read_crate, report, report_dir};

fn crate_dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn report_of(relative: &str) -> String {
    report_dir(&crate_dir(relative)).unwrap_or_else(|diagnostic| panic!("{diagnostic}"))
}

fn sources(relative: &str) -> (String, BTreeMap<PathBuf, String>) {
    read_crate(&crate_dir(relative)).unwrap_or_else(|diagnostic| panic!("{diagnostic}"))
}

/// `files` with `from` replaced by `to` in `file`, which must contain it exactly once.
fn edited(
    files: &BTreeMap<PathBuf, String>,
    file: &str,
    from: &str,
    to: &str,
) -> BTreeMap<PathBuf, String> {
    let mut files = files.clone();
    let text = files
        .get_mut(Path::new(file))
        .unwrap_or_else(|| panic!("no {file}"));
    assert_eq!(
        text.matches(from).count(),
        1,
        "{file} should contain `{from}` once; update this test to the generated code"
    );
    *text = text.replacen(from, to, 1);
    files
}

/// The lines of `after` that are not in `before`, and those of `before` not in `after`.
fn line_diff(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let only = |a: &str, b: &str| -> Vec<String> {
        a.lines()
            .filter(|line| !b.lines().any(|other| other == *line))
            .map(str::to_owned)
            .collect()
    };
    (only(after, before), only(before, after))
}

#[test]
fn atlas_admin_public_api() {
    insta::assert_snapshot!("atlas_admin", report_of("../generated"));
}

/// The runtime's own API, which every generated crate re-exports: a change to it is a change
/// to each of them.
#[test]
fn runtime_public_api() {
    insta::assert_snapshot!("atlas_runtime", report_of("../templates/runtime"));
}

#[test]
fn fixture_crate_public_api() {
    insta::assert_snapshot!("fixture_read_write_only", report_of("fixture-crate"));
}

#[test]
fn the_report_is_the_same_every_time() {
    let (name, files) = sources("../generated");
    let first = report(&name, &files).unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    let second = report(&name, &files).unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    assert_eq!(first, second);
    // From the directory, a re-exported crate's line also carries its version (read from the
    // manifests); every other line is the same.
    let from_dir = report_of("../generated");
    assert_eq!(first.lines().count(), from_dir.lines().count());
    for (from_files, from_dir) in first.lines().zip(from_dir.lines()) {
        if from_files != from_dir {
            assert_eq!(
                (from_files, from_dir),
                (
                    "pub use atlas_admin::reqwest = atlas_runtime::reqwest",
                    "pub use atlas_admin::reqwest = atlas_runtime::reqwest (0.13)"
                )
            );
        }
    }
}

#[test]
fn removing_a_pub_field_changes_the_report() {
    let (name, files) = sources("../generated");
    let before = report(&name, &files).unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    let broken = edited(&files, "models.rs", "    pub error_code: String,\n", "");
    let after = report(&name, &broken).unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    assert_eq!(
        line_diff(&before, &after),
        (
            vec![],
            vec!["pub atlas_admin::models::ApiError::error_code: String".to_owned()]
        )
    );
}

#[test]
fn moving_an_item_to_another_feature_changes_the_report() {
    let (name, files) = sources("../generated");
    let before = report(&name, &files).unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    let moved = edited(
        &files,
        "models.rs",
        "/// Schema `#/components/schemas/ApiAtlasCheckpointView`.\n#[cfg(feature = \"legacy-backup\")]",
        "/// Schema `#/components/schemas/ApiAtlasCheckpointView`.\n#[cfg(feature = \"cloud-backups\")]",
    );
    let after = report(&name, &moved).unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    let (added, removed) = line_diff(&before, &after);
    assert!(
        added.contains(
            &"#[cfg(feature = \"cloud-backups\")] #[non_exhaustive] pub struct atlas_admin::models::ApiAtlasCheckpointView { /* private fields */ }"
                .to_owned()
        ),
        "{added:#?}"
    );
    assert!(
        removed.contains(
            &"#[cfg(feature = \"legacy-backup\")] #[non_exhaustive] pub struct atlas_admin::models::ApiAtlasCheckpointView { /* private fields */ }"
                .to_owned()
        ),
        "{removed:#?}"
    );
}
