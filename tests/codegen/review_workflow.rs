//! The maintainer's review loop: `diff` reports each kind of spec change with the right
//! verdict, and the changelog describes the committed spec. (That nothing awaits snapshot
//! review is checked by scripts/check-review-loop, since a test run writes pending snapshots.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use atlas_codegen::changelog::{Changelog, Problem};
use atlas_codegen::diff::{compare, ChangeKind, Report, Scope, SpecText};
use atlas_codegen::lower::VersionPolicy;
use serde_yaml::{Mapping, Value};

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The committed excerpt.
fn excerpt() -> String {
    std::fs::read_to_string(Path::new(WORKSPACE).join("spec/atlas-backups.yaml"))
        .expect("read the excerpt")
}

/// A frozen copy of the excerpt, which the tests edit (so upstream updates do not break them).
fn frozen_excerpt() -> String {
    std::fs::read_to_string(Path::new(WORKSPACE).join("tests/fixtures/review/base.yaml"))
        .expect("read the frozen excerpt")
}

/// The value at `path` (mapping keys, or sequence indexes as numbers) in `root`.
fn at<'v>(root: &'v mut Value, path: &[&str]) -> &'v mut Value {
    path.iter()
        .fold(root, |value, key| match key.parse::<usize>() {
            Ok(index) if value.is_sequence() => &mut value[index],
            _ => value
                .get_mut(*key)
                .unwrap_or_else(|| panic!("no `{key}` on the way to {path:?}")),
        })
}

fn mapping(value: &mut Value) -> &mut Mapping {
    value.as_mapping_mut().expect("a mapping")
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("YAML")
}

const EXPORTS: &str = "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/exports";
const EXPORT: &str =
    "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/exports/{exportId}";
const JOB: &[&str] = &["components", "schemas", "DiskBackupExportJob"];

fn job_property<'v>(spec: &'v mut Value, property: &str) -> &'v mut Value {
    let mut path = JOB.to_vec();
    path.extend(["properties", property]);
    at(spec, &path)
}

fn diff_after(change: impl FnOnce(&mut Value)) -> Report {
    diff_after_in(&frozen_excerpt(), change)
}

/// The report from `old` to `old` changed by `change`.
fn diff_after_in(old: &str, change: impl FnOnce(&mut Value)) -> Report {
    report_between(old, &edited(old, change), &Scope::All)
}

/// The spec text `spec` changed by `change`.
fn edited(spec: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_yaml::from_str(spec).expect("parse the spec");
    change(&mut value);
    serde_yaml::to_string(&value).expect("print the spec")
}

/// The report from `old` to `new` for the operations in `scope`.
fn report_between(old: &str, new: &str, scope: &Scope) -> Report {
    compare(
        SpecText {
            file: "old.yaml",
            text: old,
        },
        SpecText {
            file: "new.yaml",
            text: new,
        },
        scope,
        match scope {
            Scope::All => "all operations",
            Scope::Only(_) => "the operations in scope",
        },
        &VersionPolicy::default(),
    )
    .unwrap_or_else(|diagnostics| panic!("both specs must load: {diagnostics}"))
}

type Mutation = fn(&mut Value);

/// One spec change each, with the change it must be reported as: (what, mutation, kind,
/// item, breaking).
fn cases() -> Cases {
    vec![
        (
            "enum value added",
            |spec| {
                at(job_property(spec, "state"), &["enum"])
                    .as_sequence_mut()
                    .expect("enum")
                    .push("AddedByTest".into())
            },
            ChangeKind::EnumValueAdded,
            "models::DiskBackupExportJobState::AddedByTest",
            false,
        ),
        (
            "enum value removed",
            |spec| {
                at(job_property(spec, "state"), &["enum"])
                    .as_sequence_mut()
                    .expect("enum")
                    .retain(|value| value != "Queued")
            },
            ChangeKind::EnumValueRemoved,
            "models::DiskBackupExportJobState::Queued",
            true,
        ),
        (
            "field added",
            |spec| {
                let properties = at(spec, &[JOB[0], JOB[1], JOB[2], "properties"]);
                mapping(properties).insert("addedByTest".into(), yaml("{type: string}"));
            },
            ChangeKind::FieldAdded,
            "models::DiskBackupExportJob::added_by_test",
            false,
        ),
        (
            "field removed",
            |spec| {
                let properties = at(spec, &[JOB[0], JOB[1], JOB[2], "properties"]);
                mapping(properties).remove("prefix");
            },
            ChangeKind::FieldRemoved,
            "models::DiskBackupExportJob::prefix",
            true,
        ),
        (
            "field retyped",
            |spec| *at(job_property(spec, "prefix"), &["type"]) = "integer".into(),
            ChangeKind::FieldRetyped,
            "models::DiskBackupExportJob::prefix",
            true,
        ),
        (
            "field made required",
            |spec| {
                at(spec, &[JOB[0], JOB[1], JOB[2], "required"])
                    .as_sequence_mut()
                    .expect("required")
                    .push("prefix".into())
            },
            ChangeKind::FieldRequiredChanged,
            "models::DiskBackupExportJob::prefix",
            true,
        ),
        (
            "a first mandatory field takes the struct's Default away",
            |spec| {
                mapping(at(spec, &["components", "schemas", "BackupLabel"]))
                    .insert("required".into(), yaml("[key]"));
            },
            ChangeKind::DeriveRemoved,
            "models::BackupLabel",
            true,
        ),
        (
            "a first mandatory field changes the constructor",
            |spec| {
                mapping(at(spec, &["components", "schemas", "BackupLabel"]))
                    .insert("required".into(), yaml("[key]"));
            },
            ChangeKind::ConstructorChanged,
            "models::BackupLabel::new",
            true,
        ),
        (
            "another mandatory request field changes the constructor",
            |spec| {
                at(
                    spec,
                    &[
                        "components",
                        "schemas",
                        "DiskBackupExportJobRequest",
                        "required",
                    ],
                )
                .as_sequence_mut()
                .expect("required")
                .push("customData".into());
            },
            ChangeKind::ConstructorChanged,
            "models::DiskBackupExportJobRequest::new",
            true,
        ),
        (
            "no mandatory field left: the struct derives Default",
            |spec| {
                mapping(at(
                    spec,
                    &["components", "schemas", "DiskBackupExportJobRequest"],
                ))
                .remove("required");
            },
            ChangeKind::DeriveAdded,
            "models::DiskBackupExportJobRequest",
            false,
        ),
        (
            "field deprecated",
            |spec| {
                mapping(job_property(spec, "prefix")).insert("deprecated".into(), true.into());
            },
            ChangeKind::FieldDeprecated,
            "models::DiskBackupExportJob::prefix",
            false,
        ),
        (
            "optional query parameter added",
            |spec| {
                at(spec, &["paths", EXPORT, "get", "parameters"])
                    .as_sequence_mut()
                    .expect("parameters")
                    .push(yaml(
                        "{in: query, name: addedByTest, schema: {type: boolean}}",
                    ));
            },
            ChangeKind::OptionalParameterAdded,
            "operations::GetBackupExport::added_by_test",
            false,
        ),
        (
            "required query parameter added",
            |spec| {
                at(spec, &["paths", EXPORT, "get", "parameters"])
                    .as_sequence_mut()
                    .expect("parameters")
                    .push(yaml(
                        "{in: query, name: addedByTest, required: true, schema: {type: string}}",
                    ));
            },
            ChangeKind::RequiredParameterAdded,
            "Client::get_backup_export(added_by_test)",
            true,
        ),
        (
            "path parameter pattern tightened",
            |spec| {
                *at(
                    spec,
                    &[
                        "paths",
                        EXPORT,
                        "get",
                        "parameters",
                        "3",
                        "schema",
                        "pattern",
                    ],
                ) = "^([a-f0-9]{32})$".into()
            },
            ChangeKind::ParameterConstraintChanged,
            "params::ExportId",
            true,
        ),
        (
            "operation deprecated",
            |spec| {
                mapping(at(spec, &["paths", EXPORT, "get"]))
                    .insert("deprecated".into(), true.into());
            },
            ChangeKind::OperationDeprecated,
            "Client::get_backup_export",
            false,
        ),
        (
            "operation renamed",
            |spec| {
                *at(
                    spec,
                    &["paths", EXPORT, "get", "x-xgen-operation-id-override"],
                ) = "getExportJob".into()
            },
            ChangeKind::OperationRenamed,
            "Client::get_export_job",
            true,
        ),
        (
            "operation moved to another tag (Cargo feature)",
            |spec| *at(spec, &["paths", EXPORT, "get", "tags", "0"]) = "Legacy Backup".into(),
            ChangeKind::OperationFeaturesChanged,
            "Client::get_backup_export",
            true,
        ),
        (
            "operation removed",
            |spec| {
                mapping(at(spec, &["paths", EXPORT])).remove("get");
                let paths = mapping(at(spec, &["paths"]));
                paths.remove(EXPORT);
            },
            ChangeKind::OperationRemoved,
            "Client::get_backup_export",
            true,
        ),
        (
            "newer resource version added: the client sends it",
            add_newer_version,
            ChangeKind::VersionSelected,
            "Client::get_backup_export",
            false,
        ),
        (
            "newer resource version added",
            add_newer_version,
            ChangeKind::VersionAdded,
            "Client::get_backup_export",
            false,
        ),
        (
            "resource version sunset",
            |spec| {
                let media = at(
                    spec,
                    &[
                        "paths",
                        EXPORT,
                        "get",
                        "responses",
                        "200",
                        "content",
                        "application/vnd.atlas.2023-01-01+json",
                    ],
                );
                mapping(media).insert("x-sunset".into(), "2027-01-01".into());
            },
            ChangeKind::VersionSunset,
            "Client::get_backup_export",
            false,
        ),
        (
            "response retyped",
            |spec| {
                *at(
                    spec,
                    &[
                        "paths",
                        EXPORT,
                        "get",
                        "responses",
                        "200",
                        "content",
                        "application/vnd.atlas.2023-01-01+json",
                        "schema",
                    ],
                ) = yaml("{$ref: '#/components/schemas/DiskBackupSnapshotRestoreJob'}");
            },
            ChangeKind::ResponseRetyped,
            "Client::get_backup_export",
            true,
        ),
        (
            "request body made optional",
            |spec| *at(spec, &["paths", EXPORTS, "post", "requestBody", "required"]) = false.into(),
            ChangeKind::RequestBodyRequiredChanged,
            "Client::create_backup_export(body)",
            true,
        ),
        (
            "request body retyped",
            |spec| {
                *at(
                    spec,
                    &[
                        "paths",
                        EXPORTS,
                        "post",
                        "requestBody",
                        "content",
                        "application/vnd.atlas.2023-01-01+json",
                        "schema",
                    ],
                ) = yaml("{$ref: '#/components/schemas/BackupLabel'}");
            },
            ChangeKind::RequestBodyRetyped,
            "Client::create_backup_export(body)",
            true,
        ),
        (
            "versioned media type replaced by plain JSON",
            |spec| {
                let content = mapping(at(
                    spec,
                    &["paths", EXPORT, "get", "responses", "200", "content"],
                ));
                let media = content
                    .remove("application/vnd.atlas.2023-01-01+json")
                    .expect("2023-01-01");
                content.insert("application/json".into(), media);
            },
            ChangeKind::VersionRemoved,
            "Client::get_backup_export",
            false,
        ),
        (
            "response header added",
            |spec| {
                let headers = mapping(at(
                    spec,
                    &["paths", EXPORT, "get", "responses", "200", "headers"],
                ));
                headers.insert("X-Request-Id".into(), yaml("{schema: {type: string}}"));
            },
            ChangeKind::ResponseHeaderAdded,
            "DeclaredHeaders::x_request_id",
            false,
        ),
        (
            "struct became an enum",
            |spec| {
                *at(spec, &["components", "schemas", "StateReason"]) =
                    yaml("{type: string, enum: [Unknown, Other]}");
            },
            ChangeKind::TypeKindChanged,
            "models::StateReason",
            true,
        ),
        (
            "enum value that takes the catch-all's name",
            |spec| {
                at(job_property(spec, "state"), &["enum"])
                    .as_sequence_mut()
                    .expect("enum")
                    .push("UNKNOWN".into());
            },
            ChangeKind::VariantRenamed,
            "models::DiskBackupExportJobState::Unknown",
            true,
        ),
        (
            "enum value that shifts another's variant name",
            |spec| {
                at(job_property(spec, "state"), &["enum"])
                    .as_sequence_mut()
                    .expect("enum")
                    .insert(2, "inProgress".into());
            },
            ChangeKind::VariantRenamed,
            "models::DiskBackupExportJobState::InProgress",
            true,
        ),
        (
            "request field pattern changed",
            |spec| {
                let field = [
                    "components",
                    "schemas",
                    "DiskBackupExportJobRequest",
                    "properties",
                    "exportBucketId",
                    "pattern",
                ];
                *at(spec, &field) = "^([a-f0-9]{32})$".into();
            },
            ChangeKind::FieldConstraintChanged,
            "models::DiskBackupExportJobRequest::export_bucket_id",
            true,
        ),
        (
            "operation gained a tag (one more Cargo feature enables it)",
            |spec| {
                at(spec, &["paths", EXPORT, "get", "tags"])
                    .as_sequence_mut()
                    .expect("tags")
                    .push("Legacy Backup".into());
            },
            ChangeKind::OperationFeaturesAdded,
            "Client::get_backup_export",
            false,
        ),
        (
            "optional request body added",
            |spec| {
                mapping(at(spec, &["paths", EXPORT, "get"])).insert(
                    "requestBody".into(),
                    yaml("{required: false, content: {application/vnd.atlas.2023-01-01+json: {schema: {$ref: '#/components/schemas/BackupLabel'}}}}"),
                );
            },
            ChangeKind::OptionalRequestBodyAdded,
            "Client::get_backup_export(body)",
            true,
        ),
    ]
}

/// `getBackupExport` also offers resource version 2025-03-12, with the same body.
fn add_newer_version(spec: &mut Value) {
    let content = mapping(at(
        spec,
        &["paths", EXPORT, "get", "responses", "200", "content"],
    ));
    let current = content
        .get("application/vnd.atlas.2023-01-01+json")
        .cloned()
        .expect("2023-01-01");
    content.insert("application/vnd.atlas.2025-03-12+json".into(), current);
}

/// The polymorphism construct fixture: unions (`oneOf` with a discriminator mapping).
fn unions_fixture() -> String {
    std::fs::read_to_string(
        Path::new(WORKSPACE).join("tests/fixtures/constructs/polymorphism.yaml"),
    )
    .expect("read the polymorphism fixture")
}

const ROLE: &[&str] = &["components", "schemas", "Role"];

/// Changes to unions, on [`unions_fixture`].
fn union_cases() -> Cases {
    vec![
        (
            "union member added",
            |spec| {
                let schemas = mapping(at(spec, &["components", "schemas"]));
                schemas.insert(
                    "AzureRole".into(),
                    yaml("{allOf: [{$ref: '#/components/schemas/Role'}, {type: object, properties: {tenantId: {type: string}}}]}"),
                );
                at(spec, &[ROLE[0], ROLE[1], ROLE[2], "oneOf"])
                    .as_sequence_mut()
                    .expect("oneOf")
                    .push(yaml("{$ref: '#/components/schemas/AzureRole'}"));
                mapping(at(
                    spec,
                    &[ROLE[0], ROLE[1], ROLE[2], "discriminator", "mapping"],
                ))
                .insert("AZURE".into(), "#/components/schemas/AzureRole".into());
            },
            ChangeKind::UnionVariantAdded,
            "models::Role::AzureRole",
            false,
        ),
        (
            "union member removed",
            |spec| {
                let mapping_at = [
                    "components",
                    "schemas",
                    "FeatureUsage",
                    "discriminator",
                    "mapping",
                ];
                mapping(at(spec, &mapping_at)).remove("EXPORT");
            },
            ChangeKind::UnionVariantRemoved,
            "models::FeatureUsage::ExportUsage",
            true,
        ),
        (
            "union discriminator dropped",
            |spec| {
                mapping(at(spec, ROLE)).remove("discriminator");
            },
            ChangeKind::DiscriminatorChanged,
            "models::Role",
            true,
        ),
        (
            "member added to a union tried in order",
            |spec| {
                at(spec, &["components", "schemas", "Filter", "anyOf"])
                    .as_sequence_mut()
                    .expect("anyOf")
                    .push(yaml(
                        "{title: Regex, type: object, properties: {regex: {type: string}}}",
                    ));
            },
            ChangeKind::UntaggedUnionVariantAdded,
            "models::Filter::Regex",
            true,
        ),
    ]
}

/// The watchers and pagination construct fixture.
fn waiters_fixture() -> String {
    std::fs::read_to_string(
        Path::new(WORKSPACE).join("tests/fixtures/constructs/waiters_and_pages.yaml"),
    )
    .expect("read the waiters fixture")
}

const JOBS: &str = "/projects/{projectId}/jobs";

fn watcher_of<'v>(spec: &'v mut Value, path: &str, method: &str) -> &'v mut Value {
    at(spec, &["paths", path, method, "x-xgen-atlascli", "watcher"])
}

/// Changes to watchers and paginated lists, on [`waiters_fixture`].
fn waiter_cases() -> Cases {
    vec![
        (
            "watcher removed",
            |spec| {
                mapping(at(spec, &["paths", JOBS, "post"])).remove("x-xgen-atlascli");
            },
            ChangeKind::WaiterRemoved,
            "CreateJob::send_and_wait",
            true,
        ),
        (
            "watcher's final states changed",
            |spec| {
                *at(
                    watcher_of(spec, JOBS, "post"),
                    &["expect", "match", "values"],
                ) = yaml("[Done, Failed]");
            },
            ChangeKind::WaiterChanged,
            "CreateJob::send_and_wait",
            true,
        ),
        (
            "list no longer paginated",
            |spec| {
                at(spec, &["paths", JOBS, "get", "parameters"])
                    .as_sequence_mut()
                    .expect("parameters")
                    .retain(|parameter| parameter["name"] != "pageNum");
            },
            ChangeKind::PagerRemoved,
            "ListJobs::pages",
            true,
        ),
    ]
}

/// The waiters fixture without its paginated list's `pageNum`.
fn without_page_number() -> String {
    edited(&waiters_fixture(), waiter_cases()[2].1)
}

fn addition_cases() -> Cases {
    vec![(
        "list became paginated",
        |spec| {
            at(spec, &["paths", JOBS, "get", "parameters"])
                .as_sequence_mut()
                .expect("parameters")
                .push(yaml(
                    "{name: pageNum, in: query, schema: {type: integer, format: int32, minimum: 1, default: 1}}",
                ));
        },
        ChangeKind::PagerAdded,
        "ListJobs::pages",
        false,
    )]
}

/// The frozen excerpt's `createBackupExport` gains the Atlas CLI's watcher.
fn watcher_added_cases() -> Cases {
    vec![(
        "watcher added",
        |spec| {
            mapping(at(spec, &["paths", EXPORTS, "post"])).insert(
                "x-xgen-atlascli".into(),
                yaml(
                    "{watcher: {get: {version: '2023-01-01', operation-id: getGroupClusterBackupExport, params: {groupId: 'input:groupId', clusterName: 'input:clusterName', exportId: 'body:$.id'}}, expect: {match: {path: $.state, values: [Successful, Failed, Cancelled]}}}}",
                ),
            );
        },
        ChangeKind::WaiterAdded,
        "CreateBackupExport::send_and_wait",
        false,
    )]
}

type Cases = Vec<(&'static str, Mutation, ChangeKind, &'static str, bool)>;

/// The frozen excerpt with an optional query parameter on `getBackupExport` (its only
/// query parameter, `envelope`, is one the client does not offer).
fn with_optional_parameter() -> String {
    edited(&frozen_excerpt(), |spec| {
        at(spec, &["paths", EXPORT, "get", "parameters"])
            .as_sequence_mut()
            .expect("parameters")
            .push(yaml(
                "{in: query, name: includeCount, schema: {type: boolean}}",
            ));
    })
}

fn removal_cases() -> Cases {
    vec![(
        "parameter removed",
        |spec| {
            at(spec, &["paths", EXPORT, "get", "parameters"])
                .as_sequence_mut()
                .expect("parameters")
                .pop();
        },
        ChangeKind::ParameterRemoved,
        "operations::GetBackupExport::include_count",
        true,
    )]
}

/// Every table of spec edits with the spec it edits.
fn all_cases() -> Vec<(String, Cases)> {
    vec![
        (frozen_excerpt(), cases()),
        (with_optional_parameter(), removal_cases()),
        (unions_fixture(), union_cases()),
        (waiters_fixture(), waiter_cases()),
        (without_page_number(), addition_cases()),
        (frozen_excerpt(), watcher_added_cases()),
    ]
}

#[test]
fn each_spec_change_is_reported_with_its_verdict() {
    for (base, cases) in all_cases() {
        for (what, mutation, kind, item, breaking) in cases {
            let report = diff_after_in(&base, mutation);
            let found = report
                .changes
                .iter()
                .find(|change| change.kind == kind && change.item == item)
                .unwrap_or_else(|| {
                    panic!("{what}: no {kind:?} on `{item}` in\n{}", report.to_text())
                });
            assert_eq!(found.breaking, breaking, "{what}: verdict");
            assert_eq!(
                found.breaking,
                kind.breaking(),
                "{what}: the stored verdict is the kind's"
            );
            assert_eq!(
                report.has_breaking(),
                report.changes.iter().any(|c| c.breaking),
                "{what}"
            );
        }
    }
}

/// The canonical sha256 of the spec `text` (what a changelog release records).
fn spec_sha256(file: &str, text: &str) -> String {
    atlas_codegen::generate(file, text, &Default::default())
        .unwrap_or_else(|error| panic!("{file} generates: {error}"))
        .output
        .spec_sha256
}

/// The public API (one line per item, `atlas_codegen::public_api`) of the crate generated from
/// `spec`, without `#[deprecated]` markers (deprecating is not breaking) and `#[cfg]`
/// conditions (a tag added widens one; the verdicts on tags are checked by the cases).
fn public_api(spec: &str) -> BTreeSet<String> {
    let output = atlas_codegen::generate("spec.yaml", spec, &Default::default())
        .unwrap_or_else(|error| panic!("the spec generates: {error}"))
        .output;
    let sources: BTreeMap<PathBuf, String> = output
        .files
        .iter()
        .filter_map(|(path, text)| Some((PathBuf::from(path.strip_prefix("src/")?), text.clone())))
        .collect();
    let report = atlas_codegen::public_api::report("atlas-admin", &sources)
        .unwrap_or_else(|diagnostic| panic!("{diagnostic}"));
    report
        .lines()
        .map(|line| without_attribute(&without_attribute(line, "#[cfg("), "#[deprecated"))
        .collect()
}

/// `line` without the attribute starting with `opening` (`#[cfg(`, `#[deprecated`), which
/// ends at the first `)] ` (no cfg condition or deprecation note here contains one).
fn without_attribute(line: &str, opening: &str) -> String {
    match line.find(opening) {
        None => line.to_owned(),
        Some(start) => {
            let end = line[start..]
                .find(")] ")
                .map_or(line.len(), |at| start + at + 3);
            format!("{}{}", &line[..start], &line[end..])
        }
    }
}

/// The verdicts agree with the code: whenever an item of the generated crate's public API
/// goes or changes, `diff` reports a breaking change. (The converse does not hold: a field
/// added to an exhaustive struct breaks struct literals without changing any existing line.)
#[test]
fn a_change_that_removes_or_alters_public_api_is_reported_as_breaking() {
    for (old, cases) in all_cases() {
        let before = public_api(&old);
        for (what, mutation, _, _, _) in cases {
            let new = edited(&old, mutation);
            let after = public_api(&new);
            let gone: Vec<&String> = before.difference(&after).collect();
            let report = report_between(&old, &new, &Scope::All);
            let shown = report.to_text();
            assert!(
                gone.is_empty() || report.has_breaking(),
                "{what}: the public API lost or changed {gone:#?}\nbut no breaking change in:\n{shown}"
            );
        }
    }
}

#[test]
fn an_operation_id_rename_that_keeps_the_client_method_is_no_change() {
    let report = diff_after(|spec| {
        *at(spec, &["paths", EXPORT, "get", "operationId"]) = "getGroupClusterExportJob".into();
    });
    assert!(report.changes.is_empty(), "{}", report.to_text());
}

#[test]
fn an_unchanged_spec_has_no_changes() {
    let report = diff_after(|_| {});
    assert!(report.changes.is_empty(), "{}", report.to_text());
    assert!(!report.has_breaking());
}

#[test]
fn descriptions_are_not_api_changes() {
    let report = diff_after(|spec| {
        *at(job_property(spec, "prefix"), &["description"]) = "Reworded.".into();
    });
    assert!(report.changes.is_empty(), "{}", report.to_text());
}

#[test]
fn a_field_change_names_every_operation_that_uses_the_type() {
    let report = diff_after(|spec| {
        let properties = at(spec, &["components", "schemas", "Link", "properties"]);
        mapping(properties).remove("rel");
    });
    let change = report
        .changes
        .iter()
        .find(|change| change.item == "models::Link::rel")
        .expect("Link::rel removed");
    assert_eq!(
        change.operations,
        [
            "createBackupExport",
            "getBackupExport",
            "getBackupRestoreJob",
            "getClusterBackupCheckpoint"
        ]
    );
}

#[test]
fn scope_limits_the_diff_to_the_curated_operations() {
    let old = frozen_excerpt();
    let new = edited(&old, |spec| {
        mapping(at(spec, &["paths", EXPORT])).remove("get");
        mapping(at(spec, &["paths"])).remove(EXPORT);
    });
    let only = Scope::Only(["getGroupClusterBackupRestoreJob".to_owned()].into());
    let report = report_between(&old, &new, &only);
    assert!(
        report
            .changes
            .iter()
            .all(|change| !change.item.contains("get_backup_export")),
        "an operation outside the scope was compared:\n{}",
        report.to_text()
    );
    assert_eq!((report.old.operations, report.new.operations), (1, 1));
}

/// The report people read, for a spec update that mixes breaking and other changes.
#[test]
fn text_report() {
    let report = diff_after(|spec| {
        at(job_property(spec, "state"), &["enum"])
            .as_sequence_mut()
            .expect("enum")
            .push("AddedByTest".into());
        mapping(job_property(spec, "prefix")).insert("deprecated".into(), true.into());
        mapping(at(spec, &[JOB[0], JOB[1], JOB[2], "properties"])).remove("customData");
        at(spec, &["paths", EXPORT, "get", "parameters"])
            .as_sequence_mut()
            .expect("parameters")
            .push(yaml(
                "{in: query, name: addedByTest, schema: {type: boolean}}",
            ));
    });
    // The specs' digests change with every upstream update; the snapshot is about the changes.
    let mut report = report;
    report.old.sha256 = Some("old-spec-sha256".to_owned());
    report.new.sha256 = Some("new-spec-sha256".to_owned());
    insta::assert_snapshot!(report.to_text());
}

#[test]
fn json_report_round_trips() {
    let report = diff_after(|spec| {
        mapping(at(spec, &[JOB[0], JOB[1], JOB[2], "properties"])).remove("prefix");
    });
    let json = report.to_json();
    let back: Report = serde_json::from_str(&json).expect("the JSON report decodes");
    assert_eq!(back, report);
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["breaking"], 1);
    assert_eq!(value["changes"][0]["kind"], "field_removed");
}

/// `diff --record` was run for the committed spec: the changelog's newest release is the spec
/// in spec/ and the releases chain. (`atlas-codegen check` fails on this as well.)
#[test]
fn the_changelog_describes_the_committed_spec() {
    let path = Path::new(WORKSPACE).join("spec/changelog.json");
    let text = std::fs::read_to_string(&path).expect("spec/changelog.json exists");
    let changelog =
        Changelog::parse("spec/changelog.json", &text).unwrap_or_else(|d| panic!("{d}"));
    let sha256 = spec_sha256("spec/atlas-backups.yaml", &excerpt());
    if let Err(problem) = changelog.verify(&sha256) {
        panic!("{problem}");
    }
    assert_eq!(
        changelog.to_json(),
        text,
        "spec/changelog.json is as `diff --record` writes it"
    );
    let cargo_toml =
        std::fs::read_to_string(Path::new(WORKSPACE).join("generated/Cargo.toml")).expect("read");
    let newest = changelog.newest().expect("a release");
    assert!(
        cargo_toml.contains(&format!("\nversion = \"{}\"\n", newest.version)),
        "generated/Cargo.toml is not at the newest release's version {}",
        newest.version
    );
}

#[test]
fn recording_bumps_the_version_by_the_changes_and_keeps_the_chain() {
    let first = diff_after(|_| {});
    let base = Changelog::record(None, &first, "2026-01-01").expect("first release");
    assert_eq!(base.newest().map(|r| r.version.as_str()), Some("0.1.0"));

    let old = frozen_excerpt();
    let additive = edited(&old, |spec| {
        at(spec, &["paths", EXPORT, "get", "parameters"])
            .as_sequence_mut()
            .expect("p")
            .push(yaml(
                "{in: query, name: addedByTest, schema: {type: boolean}}",
            ));
    });
    let breaking = edited(&old, |spec| {
        mapping(at(spec, &[JOB[0], JOB[1], JOB[2], "properties"])).remove("prefix");
    });
    let report = |from: &str, to: &str| report_between(from, to, &Scope::All);
    // `first` compared the excerpt with itself, so the base release is the excerpt.
    let patch = Changelog::record(Some(base.clone()), &report(&old, &additive), "2026-02-01")
        .expect("record");
    assert_eq!(patch.newest().map(|r| r.version.as_str()), Some("0.1.1"));
    let minor = Changelog::record(
        Some(patch.clone()),
        &report(&additive, &breaking),
        "2026-03-01",
    )
    .expect("record");
    assert_eq!(minor.newest().map(|r| r.version.as_str()), Some("0.2.0"));
    let breaking_sha = spec_sha256("b", &breaking);
    // A breaking release (a property removed) needs a way forward the diff cannot derive.
    let missing = minor.verify(&breaking_sha).unwrap_err();
    assert!(
        matches!(&missing, Problem::NoMigration(version) if version == "0.2.0"),
        "{missing}"
    );
    assert!(
        missing.to_string().contains("`migration` list"),
        "{missing}"
    );
    let mut minor = minor;
    minor.releases[0]
        .migration
        .push(atlas_codegen::migration::Note {
            change: "`prefix` is gone from the export job".to_owned(),
            before: "job.prefix".to_owned(),
            after: "job.unknown_fields().get(\"prefix\")".to_owned(),
        });
    minor
        .verify(&breaking_sha)
        .expect("a recorded chain verifies");
    assert!(minor
        .to_markdown("atlas-admin")
        .contains("## 0.2.0 (2026-03-01)"));

    // Diffing from a spec that is not the newest release's would break the chain.
    let refused = Changelog::record(Some(patch), &report(&old, &breaking), "2026-03-01");
    let refused = refused.unwrap_err();
    assert!(
        matches!(&refused, Problem::NotFromNewest { version, .. } if version == "0.1.1"),
        "{refused}"
    );
    assert!(refused.to_string().contains("newest release (0.1.1)"));
    // A changelog whose newest release is another spec fails verification.
    let unrecorded = base.verify(&breaking_sha).unwrap_err();
    assert!(
        matches!(&unrecorded, Problem::NotTheSpec { spec, .. } if *spec == breaking_sha),
        "{unrecorded}"
    );
    assert!(unrecorded.to_string().contains("--record"));
}

/// What a change of the generator did to the real crate's public API is found item by item
/// (`api-diff`), with verdicts: here a generator that also derives `Hash` on links (an added
/// impl: not breaking) and drops `Link`'s `PartialEq` (breaking).
#[test]
fn a_generator_change_to_the_public_api_is_found_by_api_changes() {
    use atlas_codegen::diff::{api_changes, label};
    let crate_dir = Path::new(WORKSPACE).join("generated");
    let (lib, mut files) =
        atlas_codegen::public_api::read_crate(&crate_dir).unwrap_or_else(|d| panic!("{d}"));
    let before = atlas_codegen::public_api::entries(&lib, &files).unwrap_or_else(|d| panic!("{d}"));
    let models = files.get_mut(Path::new("models.rs")).expect("models.rs");
    let link = models.find("pub struct Link {").expect("Link");
    let derive = models[..link].rfind("#[derive(").expect("Link's derive");
    let end = derive + models[derive..].find(")]").expect("derive's end");
    let derives = models[derive..end].replace(", PartialEq", "") + ", Hash";
    models.replace_range(derive..end, &derives);
    let after = atlas_codegen::public_api::entries(&lib, &files).unwrap_or_else(|d| panic!("{d}"));
    let found: Vec<(String, String, bool)> = api_changes(&before, &after)
        .iter()
        .map(|change| (change.item.clone(), label(change.kind), change.breaking))
        .collect();
    assert_eq!(
        found,
        [
            (
                "models::Link (impl Hash)".to_owned(),
                "api item added".to_owned(),
                false
            ),
            (
                "models::Link (impl PartialEq)".to_owned(),
                "api item removed".to_owned(),
                true
            ),
        ]
    );
}

#[test]
fn a_malformed_changelog_is_located() {
    let error = Changelog::parse(
        "changelog.json",
        "{\"//\": \"\", \"releases\": [{\"version\": 1}]}",
    )
    .expect_err("a number is not a version");
    let shown = error.to_string();
    assert!(shown.contains("changelog.json"), "{shown}");
    assert!(shown.contains("/releases/0/version"), "{shown}");
}

/// Releases no longer record their crate's hash: a changelog that still has one is a located
/// error (the tool alone writes the file), not silently rewritten without it.
#[test]
fn a_changelog_with_a_crate_hash_is_a_located_error() {
    let path = Path::new(WORKSPACE).join("spec/changelog.json");
    let text = std::fs::read_to_string(&path).expect("spec/changelog.json exists");
    let with_hash = text.replacen(
        "\"changes\":",
        "\"crate_sha256\": \"9cc20dc45daac4e0d1fffc07bcb96148c055f1c39efb0500d52da5f39b9ec734\",\n      \"changes\":",
        1,
    );
    assert_ne!(with_hash, text, "the edit applies");
    let shown = Changelog::parse("changelog.json", &with_hash)
        .expect_err("crate_sha256 is not a field")
        .to_string();
    assert!(shown.contains("changelog.json:10:"), "{shown}");
    assert!(shown.contains("#/releases/0/crate_sha256"), "{shown}");
    assert!(shown.contains("unknown field `crate_sha256`"), "{shown}");
}

/// Diffing the shipped upstream spec against the excerpt shows exactly the overlay's
/// departures from upstream (spec/overlay.yaml), and nothing else of the curated operations.
#[test]
fn upstream_to_excerpt_shows_exactly_the_overlay() {
    let upstream_path = Path::new(WORKSPACE).join("../shared/atlas/v2.yaml");
    // Without ../shared beside the checkout there is nothing to compare; CI must have it.
    if !upstream_path.exists() && std::env::var_os("CI").is_none() {
        eprintln!(
            "skipped: ../shared/atlas/v2.yaml is missing (../shared must sit beside the checkout)"
        );
        return;
    }
    let upstream = std::fs::read_to_string(&upstream_path).expect("../shared/atlas/v2.yaml");
    let list =
        std::fs::read_to_string(Path::new(WORKSPACE).join("spec/operations.txt")).expect("read");
    let curated = Scope::Only(
        atlas_codegen::extract::parse_operation_list(&list)
            .into_iter()
            .collect(),
    );
    let report = compare(
        SpecText {
            file: "v2.yaml",
            text: &upstream,
        },
        SpecText {
            file: "atlas-backups.yaml",
            text: &excerpt(),
        },
        &curated,
        "curated",
        &VersionPolicy::default(),
    )
    .expect("both load");
    let found: Vec<(ChangeKind, &str)> = report
        .changes
        .iter()
        .map(|c| (c.kind, c.item.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (ChangeKind::FieldRetyped, "models::ApiError::parameters"),
            // Upstream has operations addressed by `{endpointId}`, `{exportBucketId}` and
            // `{snapshotId}`, so these fields carry those identifiers' newtypes there; the
            // excerpt has none of those operations, so they are plain strings (and the two
            // mandatory strings of the request are taken by name).
            (
                ChangeKind::FieldRetyped,
                "models::ApiPrivateDownloadDeliveryUrl::endpoint_id"
            ),
            (
                ChangeKind::FieldRetyped,
                "models::DiskBackupExportJob::export_bucket_id"
            ),
            (
                ChangeKind::FieldRetyped,
                "models::DiskBackupExportJob::snapshot_id"
            ),
            (
                ChangeKind::FieldRetyped,
                "models::DiskBackupExportJobRequest::export_bucket_id"
            ),
            (
                ChangeKind::FieldRetyped,
                "models::DiskBackupExportJobRequest::snapshot_id"
            ),
            (
                ChangeKind::ConstructorChanged,
                "models::DiskBackupExportJobRequest::new"
            ),
            (
                ChangeKind::FieldRetyped,
                "models::DiskBackupSnapshotRestoreJob::oplog_ts"
            ),
            (
                ChangeKind::FieldRetyped,
                "models::DiskBackupSnapshotRestoreJob::point_in_time_utc_seconds"
            ),
            (
                ChangeKind::FieldRetyped,
                "models::DiskBackupSnapshotRestoreJob::snapshot_id"
            ),
            // The watcher `extract` takes from ../shared/atlas/watchers.yaml (upstream's
            // spec has none).
            (ChangeKind::WaiterAdded, "CreateBackupExport::send_and_wait"),
        ],
        "{}",
        report.to_text()
    );
}
