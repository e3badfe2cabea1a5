//! `atlas-codegen extract`: the committed excerpt is exactly what the tool makes from the
//! shipped upstream spec; without the overlay the excerpt is upstream's own subtrees; bad
//! input gives located diagnostics and writes nothing. The watcher overlay: extract_watchers.rs.

use std::fs;
use std::path::Path;

use atlas_codegen::extract::{self, yaml, Inputs, InvalidWatchers, Selection, Source};
use serde_yaml::Value;

use crate::support::{
    codegen, parse, run, scratch_dir, shipped, upstream, workspace_file, UPSTREAM_NAME,
    WATCHERS_NAME, WORKSPACE,
};

fn operations() -> Vec<String> {
    extract::parse_operation_list(&workspace_file("spec/operations.txt"))
}

#[test]
fn extracting_the_shipped_upstream_reproduces_the_committed_excerpt() {
    let Some(upstream) = upstream() else { return };
    let overlay = workspace_file("spec/overlay.yaml");
    let watchers = workspace_file(WATCHERS_NAME);
    let operations = operations();
    let excerpt = run(shipped(
        &upstream,
        &operations,
        Some(&overlay),
        Some((&watchers, InvalidWatchers::Fail)),
    ))
    .unwrap_or_else(|problems| panic!("{problems}"))
    .text;
    let committed = workspace_file("spec/atlas-backups.yaml");
    if excerpt != committed {
        let line = excerpt
            .lines()
            .zip(committed.lines())
            .position(|(made, kept)| made != kept)
            .map_or_else(
                || "the end".to_owned(),
                |index| format!("line {}", index + 1),
            );
        panic!(
            "spec/atlas-backups.yaml is not what `cargo run -p atlas-codegen -- extract --from \
             {UPSTREAM_NAME}` makes (first difference at {line}); re-run it and review"
        );
    }
}

#[test]
fn the_writer_round_trips_the_whole_upstream_spec() {
    let Some(upstream) = upstream() else { return };
    let value = parse(&upstream);
    let text = yaml::to_yaml(&value, &yaml::Comments::new()).expect("writable");
    assert_eq!(parse(&text), value);
}

/// Every `$ref` string below `value`.
fn refs<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
    match value {
        Value::Mapping(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    (Some("$ref"), Value::String(target)) => found.push(target),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[test]
fn without_the_overlay_the_excerpt_is_upstreams_own_subtrees() {
    let Some(upstream_text) = upstream() else {
        return;
    };
    let upstream = parse(&upstream_text);
    let operations = operations();
    let excerpt = parse(
        &run(shipped(&upstream_text, &operations, None, None))
            .unwrap_or_else(|problems| panic!("{problems}"))
            .text,
    );

    // The kept operations, and nothing else, each identical to upstream's.
    let mut kept = Vec::new();
    for (path, item) in excerpt["paths"].as_mapping().unwrap() {
        for (key, value) in item.as_mapping().unwrap() {
            assert_eq!(value, &upstream["paths"][path][key], "{path:?} {key:?}");
            if let Some(id) = value.get("operationId") {
                kept.push(id.as_str().unwrap().to_owned());
            }
        }
    }
    kept.sort();
    let mut expected = operations.clone();
    expected.sort();
    assert_eq!(kept, expected);

    // Every component identical to upstream's, and every reference resolves inside.
    for (kind, section) in excerpt["components"].as_mapping().unwrap() {
        for (name, definition) in section.as_mapping().unwrap() {
            assert_eq!(
                definition, &upstream["components"][kind][name],
                "{kind:?} {name:?}"
            );
        }
    }
    let mut found = Vec::new();
    refs(&excerpt, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let mut tokens = target.trim_start_matches("#/").split('/');
        let (kind, name) = (tokens.nth(1).unwrap(), tokens.next().unwrap());
        assert!(
            excerpt["components"][kind].get(name).is_some(),
            "{target} not in the excerpt"
        );
    }
    for scheme in ["ServiceAccounts", "DigestAuth"] {
        assert!(excerpt["components"]["securitySchemes"]
            .get(scheme)
            .is_some());
    }

    // The other root keys as upstream has them; the documentation-only ones left out.
    for key in ["openapi", "info", "servers", "security"] {
        assert_eq!(excerpt[key], upstream[key], "{key}");
    }
    for key in ["x-externalLinks", "x-topics"] {
        assert!(excerpt.get(key).is_none(), "{key}");
    }
    let tags: Vec<&str> = excerpt["tags"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Cloud Backups", "Legacy Backup"]);
}

const SMALL: &str = "\
openapi: 3.0.1
info:
    title: Small
    version: '1'
security:
    -   Basic: []
paths:
    /a:
        parameters:
            -   $ref: '#/components/parameters/shared'
        get:
            operationId: getThing
            x-xgen-operation-id-override: getA
            tags: [One]
            responses:
                '200':
                    $ref: '#/components/responses/ok'
        post:
            operationId: createThing
            responses:
                '204':
                    description: none
    /b:
        get:
            operationId: getBroken
            responses:
                '200':
                    content:
                        application/json:
                            schema:
                                $ref: '#/components/schemas/Missing'
                    description: OK
components:
    parameters:
        shared:
            in: query
            name: shared
            schema:
                type: string
        unused:
            in: query
            name: unused
    responses:
        ok:
            content:
                application/json:
                    schema:
                        $ref: '#/components/schemas/Node'
            description: OK
    schemas:
        Unused:
            type: string
        Node:
            properties:
                next:
                    $ref: '#/components/schemas/Node'
                other:
                    $ref: '#/components/schemas/Other'
        Other:
            properties:
                back:
                    $ref: '#/components/schemas/Node'
    securitySchemes:
        Basic:
            scheme: basic
            type: http
tags:
    -   name: Two
    -   name: One
x-extra: dropped
";

fn small(operations: &[&str], overlay: Option<&str>) -> Result<String, String> {
    let operations: Vec<String> = operations.iter().map(|name| (*name).to_owned()).collect();
    run(Inputs {
        upstream: Source {
            file: "small.yaml",
            text: SMALL,
        },
        operations: Selection::Named(&operations),
        overlay: overlay.map(|text| Source {
            file: "overlay.yaml",
            text,
        }),
        watchers: None,
    })
    .map(|extracted| extracted.text)
}

#[test]
fn the_closure_follows_cycles_shared_parameters_and_security() {
    let text = small(&["getA"], None).unwrap();
    let excerpt = parse(&text);
    let expected = parse(
        "\
openapi: 3.0.1
info: {title: Small, version: '1'}
security: [{Basic: []}]
paths:
    /a:
        parameters: [{$ref: '#/components/parameters/shared'}]
        get:
            operationId: getThing
            x-xgen-operation-id-override: getA
            tags: [One]
            responses: {'200': {$ref: '#/components/responses/ok'}}
components:
    parameters: {shared: {in: query, name: shared, schema: {type: string}}}
    responses:
        ok:
            content: {application/json: {schema: {$ref: '#/components/schemas/Node'}}}
            description: OK
    schemas:
        Node:
            properties:
                next: {$ref: '#/components/schemas/Node'}
                other: {$ref: '#/components/schemas/Other'}
        Other: {properties: {back: {$ref: '#/components/schemas/Node'}}}
    securitySchemes: {Basic: {scheme: basic, type: http}}
tags: [{name: One}]
",
    );
    assert_eq!(excerpt, expected, "{text}");
    assert!(text.contains("# Left out: the other paths, components and tags; root keys `x-extra`."));
    assert!(text.contains("#   cargo run -p atlas-codegen -- extract --from small.yaml\n"));
}

#[test]
fn an_unknown_operation_is_located_with_a_suggestion() {
    let error = small(&["getThing", "getThnig", "nothingLikeIt"], None).unwrap_err();
    assert_eq!(
        error,
        "small.yaml:7:1: error at #/paths: no operation `getThnig` in upstream (looked for \
         operationId and x-xgen-operation-id-override); did you mean `getThing`?\n\
         small.yaml:7:1: error at #/paths: no operation `nothingLikeIt` in upstream (looked for \
         operationId and x-xgen-operation-id-override)"
    );
}

#[test]
fn an_operation_named_twice_is_an_error() {
    let error = small(&["getThing", "getA"], None).unwrap_err();
    assert_eq!(
        error,
        "small.yaml:11:9: error at #/paths/~1a/get: operation `getA` is listed more than once \
         (also as `getThing`)"
    );
}

#[test]
fn a_dangling_reference_is_located() {
    let error = small(&["getBroken"], None).unwrap_err();
    assert_eq!(
        error,
        "small.yaml:31:33: error at #/paths/~1b/get/responses/200/content/application~1json/\
         schema/$ref: dangling reference `#/components/schemas/Missing`: upstream has no such \
         component"
    );
}

const OVERLAY: &str = "\
overlay: 1.0.0
info:
    title: Test
    version: 1.0.0
actions:
    -   target: $.components.schemas.Node.properties.next
        description: |-
            Why next changes.
            Second line.
        update:
            description: changed
    -   target: $.paths['/a'].get.tags
        description: No tags.
        remove: true
";

#[test]
fn overlay_actions_apply_with_their_descriptions_as_comments() {
    let text = small(&["getA"], Some(OVERLAY)).unwrap();
    assert!(
        text.contains(
            "                next:\n                    $ref: \"#/components/schemas/Node\"\n\
             \x20                   # Why next changes.\n                    # Second line.\n\
             \x20                   description: changed\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("        # No tags.\n        get:\n"),
        "{text}"
    );
    assert!(text.contains("#   2. remove $.paths['/a'].get.tags\n#      No tags.\n"));
    let excerpt = parse(&text);
    assert!(excerpt["paths"]["/a"]["get"].get("tags").is_none());
}

#[test]
fn an_overlay_target_that_matches_nothing_is_located_in_the_overlay() {
    let overlay = OVERLAY.replace("$.paths['/a'].get.tags", "$.paths['/a'].put.tags");
    let error = small(&["getA"], Some(&overlay)).unwrap_err();
    assert_eq!(
        error,
        "overlay.yaml:12:9: error at #/actions/1/target: action 2: target \
         `$.paths['/a'].put.tags` matches nothing in the excerpt (no key `put` in `$.paths['/a']`)"
    );
}

fn listing(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_cli_writes_nothing_on_failure() {
    let dir = scratch_dir("failure");
    let upstream = dir.join("upstream.yaml");
    fs::write(&upstream, SMALL).unwrap();
    let existing = dir.join("existing.yaml");
    fs::write(&existing, "# keep me\n").unwrap();
    let before = listing(&dir);
    let run = |operations: &str, out: &Path| {
        codegen(&[
            "extract",
            "--from",
            upstream.to_str().unwrap(),
            "--operations",
            operations,
            "--no-overlay",
            "--no-watchers",
            "--out",
            out.to_str().unwrap(),
        ])
    };

    for out in [existing.clone(), dir.join("new.yaml")] {
        let failed = run("getA,getBroken", &out);
        assert_eq!(failed.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert!(
            stderr.contains("upstream.yaml:31:33: error at #/paths/~1b/"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert_eq!(listing(&dir), before);
    }

    let missing = codegen(&["extract", "--from", "no/such/upstream.yaml", "--no-overlay"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read upstream spec"));

    let succeeded = run("getA", &existing);
    assert!(succeeded.status.success());
    let written = fs::read_to_string(&existing).unwrap();
    assert_eq!(
        parse(&written)["paths"]["/a"]["get"]["operationId"],
        "getThing"
    );
    assert!(
        written.contains(" --operations getA --no-overlay --no-watchers --out "),
        "{written}"
    );
    assert_eq!(listing(&dir).len(), before.len(), "no temporary file left");
}

#[test]
fn the_cli_defaults_reproduce_the_committed_excerpt() {
    if upstream().is_none() {
        return;
    }
    let printed = codegen(&[
        "extract",
        "--from",
        &format!("{WORKSPACE}/{UPSTREAM_NAME}"),
        "--out",
        "-",
    ]);
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let command = format!("cargo run -p atlas-codegen -- extract --from {UPSTREAM_NAME}\n");
    let expected = workspace_file("spec/atlas-backups.yaml")
        .replace(&command, &command.replace('\n', " --out -\n"));
    assert!(String::from_utf8_lossy(&printed.stdout) == expected);
}
