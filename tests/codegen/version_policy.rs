//! `--api-version` and `--preview`: which resource version each operation uses, which
//! operations are left out (with a warning), and how a sunset version is marked.

use atlas_codegen::model::{Api, Operation};
use atlas_codegen::{Generated, GenerationSettings};

const SPEC: &str = include_str!("../fixtures/constructs/resource_versions.yaml");
const FILE: &str = "fixtures/constructs/resource_versions.yaml";

fn settings(api_version: Option<&str>, preview: bool) -> GenerationSettings {
    let settings = GenerationSettings::default().with_preview(preview);
    match api_version {
        Some(date) => settings.with_api_version(date),
        None => settings,
    }
}

fn generated(api_version: Option<&str>, preview: bool) -> Generated {
    atlas_codegen::generate(FILE, SPEC, &settings(api_version, preview))
        .unwrap_or_else(|error| panic!("{error}"))
}

fn model(api_version: Option<&str>, preview: bool) -> Api {
    generated(api_version, preview).model
}

fn operation<'a>(api: &'a Api, name: &str) -> Option<&'a Operation> {
    api.operations
        .iter()
        .find(|operation| operation.operation_id == name)
}

fn names(api: &Api) -> Vec<&str> {
    api.operations
        .iter()
        .map(|operation| operation.operation_id.as_str())
        .collect()
}

#[test]
fn by_default_each_operation_uses_its_newest_stable_version_and_preview_is_left_out() {
    let generated = generated(None, false);
    let api = &generated.model;
    assert_eq!(
        names(api),
        ["createCluster", "listClusters", "listFlexClusters"]
    );
    let list = operation(api, "listClusters").unwrap();
    assert_eq!(list.accept, "application/vnd.atlas.2024-08-05+json");
    assert_eq!(list.api_version.as_deref(), Some("2024-08-05"));
    assert_eq!(list.sunset, None);
    assert!(!list.is_deprecated());
    // The request body travels in the version the response is read in.
    let create = operation(api, "createCluster").unwrap();
    assert_eq!(
        create.request_body.as_ref().unwrap().media_type,
        "application/vnd.atlas.2024-08-05+json"
    );
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(
            "#/paths/~1aiModels/get: left out: the operation only has a `preview` version"
        ),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].starts_with(&format!("{FILE}:")),
        "located: {}",
        warnings[0]
    );
}

#[test]
fn a_pinned_date_selects_the_newest_version_not_later_than_it() {
    let generated = generated(Some("2024-01-31"), false);
    let api = &generated.model;
    assert_eq!(names(api), ["createCluster", "listClusters"]);
    let list = operation(api, "listClusters").unwrap();
    assert_eq!(list.api_version.as_deref(), Some("2023-01-01"));
    let create = operation(api, "createCluster").unwrap();
    assert_eq!(
        create.request_body.as_ref().unwrap().media_type,
        "application/vnd.atlas.2023-01-01+json"
    );
    let left_out: Vec<String> = generated
        .warnings
        .iter()
        .map(|w| w.message.clone())
        .collect();
    assert!(left_out.contains(
        &"left out: no resource version of this operation was released on or before 2024-01-31"
            .to_owned()
    ));
    // A date on a release day includes that release.
    let api = model(Some("2024-11-13"), false);
    assert_eq!(
        operation(&api, "listFlexClusters")
            .unwrap()
            .api_version
            .as_deref(),
        Some("2024-11-13")
    );
    // A date before every version leaves everything out, which is an error.
    let error =
        atlas_codegen::generate(FILE, SPEC, &settings(Some("2022-12-31"), false)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the spec declares no operations"),
        "{error}"
    );
}

#[test]
fn a_sunset_version_is_deprecated_with_its_date() {
    let api = model(Some("2023-12-31"), false);
    let list = operation(&api, "listClusters").unwrap();
    assert_eq!(list.sunset.as_deref(), Some("2026-01-01"));
    assert!(list.is_deprecated());
    let output = generated(Some("2023-12-31"), false).output;
    let operations = &output.files["src/operations.rs"];
    // The attribute as written, however the formatter wraps it.
    let note = "note = \"resource version 2023-01-01 of `listClusters` is sunset on 2026-01-01\"";
    let at = operations
        .find(note)
        .unwrap_or_else(|| panic!("no {note} in {operations}"));
    assert!(
        operations[..at].trim_end().ends_with("#[deprecated(")
            && operations[at + note.len()..].trim_start().starts_with(")]"),
        "the note is not a #[deprecated] attribute's"
    );
    assert!(operations.contains("resource version 2023-01-01 is sunset on 2026-01-01"));
}

#[test]
fn preview_is_used_only_when_asked_and_only_where_nothing_stable_exists() {
    let generated = generated(None, true);
    let api = &generated.model;
    assert_eq!(
        operation(api, "listAiModels").unwrap().accept,
        "application/vnd.atlas.preview+json"
    );
    assert_eq!(
        operation(api, "listClusters")
            .unwrap()
            .api_version
            .as_deref(),
        Some("2024-08-05")
    );
    assert!(generated.warnings.is_empty());
}

#[test]
fn each_tag_is_a_feature_and_operations_are_gated_by_theirs() {
    let output = generated(None, false).output;
    let manifest = &output.files["Cargo.toml"];
    assert!(manifest.contains("default = [\"full\"]"), "{manifest}");
    assert!(
        manifest.contains("full = [\"clusters\", \"flex-clusters\"]"),
        "{manifest}"
    );
    let operations = &output.files["src/operations.rs"];
    assert!(
        operations.contains("#[cfg(feature = \"flex-clusters\")]\n    #[cfg_attr(docsrs, doc(cfg(feature = \"flex-clusters\")))]\n    pub fn list_flex_clusters"),
        "{operations}"
    );
    // A model used by operations of two tags is compiled when either is enabled.
    let models = &output.files["src/models.rs"];
    assert!(
        models.contains("/// Schema `#/components/schemas/ClusterV2`.\n#[cfg(any(feature = \"clusters\", feature = \"flex-clusters\"))]\n#[cfg_attr(docsrs, doc(cfg(any(feature = \"clusters\", feature = \"flex-clusters\"))))]"),
        "{models}"
    );
}
