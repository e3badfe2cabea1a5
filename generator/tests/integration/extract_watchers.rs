//! `atlas-codegen extract` with a watcher overlay: watchers apply to the kept operations and
//! skip the others, a watcher that does not resolve is located in the watcher file (or, when
//! asked, left out with a warning), and the whole upstream spec takes the shipped watchers
//! that check out.

use std::fs;

use atlas_codegen::extract::{Extracted, Inputs, InvalidWatchers, Selection, Source};

use crate::support::{
    codegen, parse, run, scratch_dir, shipped, upstream, workspace_file, WATCHERS_NAME,
};

/// A spec with a watchable pair of operations, for the watcher overlay.
const WATCHED: &str = "\
openapi: 3.0.1
info: {title: Watched, version: '1'}
paths:
    /things:
        post:
            operationId: createThing
            responses:
                '200':
                    content:
                        application/vnd.atlas.2023-01-01+json:
                            schema: {$ref: '#/components/schemas/Thing'}
        put:
            operationId: replaceThings
            responses:
                '200':
                    content:
                        application/vnd.atlas.2023-01-01+json:
                            schema: {$ref: '#/components/schemas/Thing'}
    /things/{thingId}:
        get:
            operationId: getThing
            parameters: [{in: path, name: thingId, required: true, schema: {type: string}}]
            responses:
                '200':
                    content:
                        application/vnd.atlas.2023-01-01+json:
                            schema: {$ref: '#/components/schemas/Thing'}
        delete:
            operationId: deleteThing
            parameters: [{in: path, name: thingId, required: true, schema: {type: string}}]
            responses:
                '204': {description: gone}
components:
    schemas:
        Thing:
            properties:
                id: {type: string}
                state: {type: string}
";

/// Three actions: a union over post and put, a second action on post merged over the first,
/// and one on an operation the excerpt does not keep.
const WATCHERS: &str = "\
overlay: 1.0.0
info: {title: Add watchers, version: 1.0.0}
actions:
  - target: $.paths['/things']['post','put']
    update:
      x-xgen-atlascli:
        watcher:
          get:
            version: '2023-01-01'
            operation-id: getThing
            params: {thingId: body:$.id}
          expect: {match: {path: $.state, values: [DONE]}}
  - target: $.paths['/things'].post
    update:
      x-xgen-atlascli:
        watcher:
          expect: {match: {path: $.state, values: [DONE, FAILED]}}
  - target: $.paths['/things/{thingId}'].delete
    update:
      x-xgen-atlascli:
        watcher:
          get: {version: '2023-01-01', operation-id: getThing, params: {thingId: input:thingId}}
          expect: {http-code: 404}
  - target: $.paths['/gone'].post
    update:
      x-xgen-atlascli:
        watcher: {}
";

fn watched(
    operations: &[&str],
    watchers: &str,
    invalid: InvalidWatchers,
) -> Result<Extracted, String> {
    let operations: Vec<String> = operations.iter().map(|name| (*name).to_owned()).collect();
    run(Inputs {
        upstream: Source {
            file: "watched.yaml",
            text: WATCHED,
        },
        operations: Selection::Named(&operations),
        overlay: None,
        watchers: Some((
            Source {
                file: "watchers.yaml",
                text: watchers,
            },
            invalid,
        )),
    })
}

#[test]
fn watchers_apply_to_kept_operations_and_skip_the_others() {
    let extracted = watched(
        &["createThing", "replaceThings", "getThing"],
        WATCHERS,
        InvalidWatchers::Fail,
    )
    .unwrap();
    let excerpt = parse(&extracted.text);
    let watcher =
        |method: &str| excerpt["paths"]["/things"][method]["x-xgen-atlascli"]["watcher"].clone();
    assert_eq!(
        watcher("post")["expect"]["match"]["values"],
        parse("[DONE, FAILED]")
    );
    assert_eq!(watcher("post")["get"]["params"]["thingId"], "body:$.id");
    assert_eq!(watcher("put")["expect"]["match"]["values"], parse("[DONE]"));
    assert!(
        extracted.text.contains(
            "# Watchers applied: watchers.yaml (\"Add watchers\", version 1.0.0): 2 of 4 \
             actions, on createThing, replaceThings; the other 2 target operations outside the \
             excerpt (1 of them not in upstream either).\n"
        ),
        "{}",
        extracted.text
    );
    assert!(
        extracted.text.contains(
            "            x-xgen-atlascli:\n                # Watcher from watchers.yaml, actions 1 \
             and 2, merged in that order (the Atlas CLI's `--watch` for this operation).\n\
             \x20               watcher:\n"
        ),
        "{}",
        extracted.text
    );
    let report = extracted.watchers.unwrap();
    assert_eq!(report.applied_actions(), [0, 1]);
    assert_eq!((report.outside, report.not_in_upstream), (2, 1));
}

#[test]
fn a_watcher_that_does_not_resolve_is_located_in_the_watcher_file() {
    let broken = WATCHERS.replace("values: [DONE, FAILED]", "values: []");
    // The second action wrote `values`, so the problem is located there; `params` came from
    // the first action.
    let broken = broken.replace("{thingId: body:$.id}", "{thingId: body:$.identifier}");
    let error = watched(&["createThing", "getThing"], &broken, InvalidWatchers::Fail).unwrap_err();
    assert_eq!(
        error,
        "watchers.yaml:11:22: error at #/actions/0/update/x-xgen-atlascli/watcher/get/params/thingId: \
         action 1 (watcher on `createThing`): `thingId`: `body:$.identifier`: no property \
         `identifier` in `createThing`'s 2xx response\n\
         watchers.yaml:17:43: error at #/actions/1/update/x-xgen-atlascli/watcher/expect/match/values: \
         action 2 (watcher on `createThing`): `values` must be a non-empty list of non-empty \
         strings: the states that end the watch"
    );
    let unkept = watched(&["createThing"], WATCHERS, InvalidWatchers::Fail).unwrap_err();
    assert!(
        unkept.starts_with(
            "watchers.yaml:10:13: error at #/actions/0/update/x-xgen-atlascli/watcher/get/operation-id: \
             action 1 (watcher on `createThing`): polls `getThing`, which upstream has but the \
             excerpt leaves out; add it to the operation list (spec/operations.txt)"
        ),
        "{unkept}"
    );
}

#[test]
fn invalid_watchers_can_be_left_out_with_warnings() {
    let broken = WATCHERS.replace("input:thingId", "input:id");
    let operations = ["createThing", "getThing", "deleteThing"];
    assert!(watched(&operations, &broken, InvalidWatchers::Fail).is_err());
    let extracted = watched(&operations, &broken, InvalidWatchers::Skip).unwrap();
    let report = extracted.watchers.unwrap();
    assert_eq!(report.skipped_actions(), [(2, "deleteThing")]);
    assert_eq!(report.warnings.len(), 1);
    assert!(
        report.warnings[0].to_string().starts_with(
            "watchers.yaml:22:73: warning at #/actions/2/update/x-xgen-atlascli/watcher/get/params/thingId"
        ),
        "{}",
        report.warnings[0]
    );
    let excerpt = parse(&extracted.text);
    assert!(excerpt["paths"]["/things/{thingId}"]["delete"]
        .get("x-xgen-atlascli")
        .is_none());
    assert!(extracted
        .text
        .contains("; 1 left out as invalid (--skip-invalid-watchers): action 3 on deleteThing.\n"));
}

#[test]
fn a_watcher_action_must_update_an_operation_with_a_watcher() {
    let head = "overlay: 1.0.0\ninfo: {title: w, version: '1'}\nactions:\n";
    for (action, expected) in [
        (
            "  - {target: $.components.schemas.Thing, update: {x-xgen-atlascli: {watcher: {}}}}\n",
            "watchers.yaml:4:6: error at #/actions/0/target: action 1: \
             `$.components.schemas.Thing` is not an operation; a watcher action targets \
             `$.paths['/…'].METHOD`",
        ),
        (
            "  - {target: \"$.paths['/things'].post\", remove: true}\n",
            "watchers.yaml:4:5: error at #/actions/0: action 1: a watcher action must `update` \
             an operation",
        ),
        (
            "  - {target: \"$.paths['/things'].post\", update: {summary: x}}\n",
            "watchers.yaml:4:41: error at #/actions/0/update: action 1: the update must hold \
             `x-xgen-atlascli: {watcher: …}`",
        ),
    ] {
        let error = watched(
            &["createThing"],
            &format!("{head}{action}"),
            InvalidWatchers::Skip,
        )
        .unwrap_err();
        assert_eq!(error, expected, "{action}");
    }
}

#[test]
fn the_whole_spec_takes_the_shipped_watchers_that_check_out() {
    let Some(upstream) = upstream() else { return };
    let watchers = workspace_file(WATCHERS_NAME);
    let mut inputs = shipped(
        &upstream,
        &[],
        None,
        Some((&watchers, InvalidWatchers::Skip)),
    );
    inputs.operations = Selection::All;
    let extracted = run(inputs).unwrap_or_else(|problems| panic!("{problems}"));
    assert!(extracted
        .text
        .contains("# Operations: all 540 of upstream,\n"));
    let report = extracted.watchers.unwrap();
    assert_eq!(report.actions, 31);
    assert_eq!(report.applied_actions().len(), 20);
    assert_eq!(report.watched_operations().len(), 21);
    // The serverless and pipelines actions: upstream has no such operations any more.
    assert_eq!((report.outside, report.not_in_upstream), (7, 7));
    assert_eq!(
        report.skipped_actions(),
        [
            (2, "updateGroupCluster"),
            (19, "deleteGroupPrivateEndpointEndpointService"),
            (24, "requestGroupSampleDatasetLoad"),
            (25, "createGroupClusterOnlineArchive"),
        ]
    );
    let found: Vec<(String, String)> = report
        .warnings
        .iter()
        .map(|warning| {
            let pointer = warning
                .pointer
                .replace("/update/x-xgen-atlascli/watcher", " ");
            let (_, reason) = warning.message.split_once("`): ").unwrap_or_default();
            (pointer, reason.to_owned())
        })
        .collect();
    let expected = [
        (
            "/actions/2 /get/operation-id",
            "polls `updateGroupCluster`, a PATCH operation; a watcher must poll with GET (each \
             poll would change the resource it waits on)",
        ),
        (
            "/actions/19 /get/params/cloudProvider",
            "`cloudProvider`: `body:$.cloudProvider`: `deleteGroupPrivateEndpointEndpointService` \
             has no 2xx response body",
        ),
        (
            "/actions/19 /get/params/endpointServiceId",
            "`endpointServiceId`: `body:$.id`: `deleteGroupPrivateEndpointEndpointService` has no \
             2xx response body",
        ),
        (
            "/actions/24 /get/params/sampleDatasetId",
            "`sampleDatasetId`: `body:$.id`: no property `id` in \
             `requestGroupSampleDatasetLoad`'s 2xx response; did you mean `_id`?",
        ),
        (
            "/actions/25 /get/params/archiveId",
            "`archiveId`: `body:$.id`: no property `id` in `createGroupClusterOnlineArchive`'s \
             2xx response; did you mean `_id`?",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(pointer, reason)| ((*pointer).to_owned(), (*reason).to_owned()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn the_cli_finds_the_watchers_beside_upstream_or_says_what_to_pass() {
    let dir = scratch_dir("watchers");
    let upstream = dir.join("upstream.yaml");
    fs::write(&upstream, WATCHED).unwrap();
    let out = dir.join("out.yaml");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "extract",
            "--from",
            upstream.to_str().unwrap(),
            "--operations",
            "createThing,replaceThings,getThing",
            "--no-overlay",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        codegen(&args)
    };

    let missing = run(&[]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains(
            "watchers.yaml is missing); pass --watchers FILE, or --no-watchers to apply none"
        ),
        "{stderr}"
    );
    assert!(!out.exists());

    fs::write(dir.join("watchers.yaml"), WATCHERS).unwrap();
    let beside = run(&[]);
    assert!(
        beside.status.success(),
        "{}",
        String::from_utf8_lossy(&beside.stderr)
    );
    let written = fs::read_to_string(&out).unwrap();
    assert!(written.contains("# Watchers applied: "), "{written}");
    assert!(written.contains(" --no-overlay --out "), "{written}");
    assert!(String::from_utf8_lossy(&beside.stderr).contains(
        "2 of 4 actions applied (on 2 operations), 2 outside the excerpt, 0 left out as invalid"
    ));

    let elsewhere = dir.join("elsewhere.yaml");
    fs::write(&elsewhere, WATCHERS.replace("[DONE]", "[]")).unwrap();
    let failed = run(&["--watchers", elsewhere.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("elsewhere.yaml:12:"));
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        written,
        "nothing was written"
    );
    let skipped = run(&[
        "--watchers",
        elsewhere.to_str().unwrap(),
        "--skip-invalid-watchers",
    ]);
    assert!(skipped.status.success());
    assert!(String::from_utf8_lossy(&skipped.stderr).contains(": warning at #/actions/0/"));
    let written = fs::read_to_string(&out).unwrap();
    assert!(
        written.contains(" --no-overlay --watchers ")
            && written.contains(" --skip-invalid-watchers --out "),
        "{written}"
    );
}
