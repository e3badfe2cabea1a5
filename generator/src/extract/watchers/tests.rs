//! The watcher checks on a small spec: one case per kind of problem.

use super::*;

const SPEC: &str = "
paths:
    /things:
        parameters: [{$ref: '#/components/parameters/groupId'}]
        post:
            operationId: createThing
            parameters: [{in: query, name: dryRun}]
            responses:
                '201':
                    content:
                        application/vnd.atlas.2023-01-01+json:
                            schema: {$ref: '#/components/schemas/Created'}
    /things/{thingId}:
        parameters: [{$ref: '#/components/parameters/groupId'}]
        get:
            operationId: getThing
            x-xgen-operation-id-override: getIt
            parameters: [{in: path, name: thingId}]
            responses:
                '200': {$ref: '#/components/responses/thing'}
                '404': {content: {application/vnd.atlas.2099-01-01+json: {}}}
        patch:
            operationId: updateThing
            parameters: [{in: path, name: thingId}]
            responses:
                '200': {$ref: '#/components/responses/thing'}
        delete:
            operationId: deleteThing
            parameters: [{in: path, name: thingId}]
            responses:
                '204': {description: none}
components:
    parameters:
        groupId: {in: path, name: groupId}
    responses:
        thing:
            content:
                application/vnd.atlas.2023-01-01+json:
                    schema: {$ref: '#/components/schemas/Thing'}
                application/vnd.atlas.preview+json:
                    schema: {$ref: '#/components/schemas/ThingPreview'}
    schemas:
        Created:
            allOf:
                - {$ref: '#/components/schemas/Base'}
                - {properties: {owner: {properties: {groupId: {type: string}}}}}
        Base: {properties: {id: {type: string}}}
        Thing: {properties: {state: {$ref: '#/components/schemas/State'}}}
        State: {type: string, enum: [DONE, FAILED, WORKING]}
        ThingPreview: {properties: {phase: {type: string}}}
";

const GOOD: &str = "
get:
    version: '2023-01-01'
    operation-id: getThing
    params: {groupId: input:groupId, thingId: body:$.id}
expect:
    match: {path: $.state, values: [DONE, FAILED]}
";

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

/// The problems of `watcher` on `method` `path`, as `pointer: message` lines.
fn problems(path: &str, method: &str, watcher: &str) -> Vec<String> {
    check_watcher(&yaml(SPEC), path, method, &yaml(watcher))
        .into_iter()
        .map(|problem| format!("{}: {}", problem.pointer, problem.message))
        .collect()
}

#[test]
fn a_watcher_whose_names_all_resolve_is_fine() {
    assert!(problems("/things", "post", GOOD).is_empty());
    let nested = GOOD
        .replace("body:$.id", "body:$.owner.groupId")
        .replace("input:groupId", "body:$.owner.groupId")
        .replace("operation-id: getThing", "operation-id: getIt")
        .replace("[DONE, FAILED]", "[WORKING]");
    assert_eq!(problems("/things", "post", &nested), Vec::<String>::new());
    let gone = "get: {version: '2023-01-01', operation-id: getThing, params: {groupId: input:groupId, thingId: input:thingId}}\nexpect: {http-code: 404}\n";
    assert!(problems("/things/{thingId}", "delete", gone).is_empty());
}

#[test]
fn the_poll_operation_must_exist_and_be_a_get() {
    assert_eq!(
        problems("/things", "post", &GOOD.replace("getThing", "getThng")),
        [
            "/get/operation-id: polls `getThng`, but no operation has that operationId or \
              x-xgen-operation-id-override; did you mean `getThing`?"
        ]
    );
    assert_eq!(
        problems("/things", "post", &GOOD.replace("getThing", "updateThing")),
        [
            "/get/operation-id: polls `updateThing`, a PATCH operation; a watcher must poll \
              with GET (each poll would change the resource it waits on)"
        ]
    );
    let upstream_spec = yaml(SPEC);
    let upstream = Operations::index(&upstream_spec);
    let mut excerpt = yaml(SPEC);
    excerpt["paths"]["/things/{thingId}"]
        .as_mapping_mut()
        .unwrap()
        .shift_remove("get");
    let target = operation_at(&excerpt, "/things", "post").unwrap();
    let found = Checker::new(&excerpt, Some(&upstream)).check(target, &yaml(GOOD));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.contains(
            "upstream has but the excerpt leaves out; add it to the \
                                       operation list (spec/operations.txt)"
        ),
        "{found:?}"
    );
}

#[test]
fn the_version_must_be_one_of_the_polls() {
    assert_eq!(
        problems("/things", "post", &GOOD.replace("2023-01-01", "2099-01-01")),
        [
            "/get/version: version `2099-01-01` is not one of `getThing`'s resource versions \
              (`2023-01-01` and `preview`)"
        ]
    );
}

#[test]
fn the_match_path_is_read_at_the_version_polled() {
    assert_eq!(
        problems("/things", "post", &GOOD.replace("'2023-01-01'", "preview")),
        [
            "/expect/match/path: `$.state`: no property `state` in `getThing`'s 2xx response at \
          version preview"
        ]
    );
}

#[test]
fn params_cover_exactly_the_polls_path_parameters() {
    let watcher = GOOD.replace("thingId: body:$.id", "other: body:$.id");
    assert_eq!(
        problems("/things", "post", &watcher),
        [
            "/get/params/other: `other` is not a path parameter of `getThing` (it has \
                 `groupId` and `thingId`)",
            "/get/params: path parameter `thingId` of `getThing` has no source in `params`",
        ]
    );
}

#[test]
fn sources_must_resolve_in_the_watched_operation() {
    for (source, expected) in [
        (
            "input:thingId",
            "/get/params/thingId: `thingId`: `input:thingId` names no path parameter of \
                 `createThing` (it has `groupId`)",
        ),
        (
            "input:dryRun",
            "/get/params/thingId: `thingId`: `input:dryRun` names no path parameter of \
                 `createThing` (it has `groupId`)",
        ),
        (
            "body:$.owner.name",
            "/get/params/thingId: `thingId`: `body:$.owner.name`: no property `name` under \
                 `$.owner` in `createThing`'s 2xx response",
        ),
        (
            "body:$.missing",
            "/get/params/thingId: `thingId`: `body:$.missing`: no property `missing` in \
                 `createThing`'s 2xx response",
        ),
        (
            "body:id",
            "/get/params/thingId: `thingId`: `body:id`: a body path must start with `$.`",
        ),
        (
            "path:thingId",
            "/get/params/thingId: `thingId`: `path:thingId` is neither `input:NAME` (a \
                 parameter of `createThing`) nor `body:$.PATH` (a property of its response)",
        ),
    ] {
        assert_eq!(
            problems("/things", "post", &GOOD.replace("body:$.id", source)),
            [expected],
            "{source}"
        );
    }
    assert_eq!(
        problems("/things/{thingId}", "delete", GOOD),
        ["/get/params/thingId: `thingId`: `body:$.id`: `deleteThing` has no 2xx response body"]
    );
}

#[test]
fn expect_is_a_match_or_an_http_code() {
    for (expect, expected) in [
        (
            "{http-code: x}",
            "/expect/http-code: `http-code` must be an error status that says the resource is gone",
        ),
        (
            "{http-code: 404, match: {}}",
            "/expect: `expect` must be `match:",
        ),
        ("{}", "/expect: `expect` must be `match:"),
        (
            "{match: {path: $.nope, values: [A]}}",
            "/expect/match/path: `$.nope`: no property `nope` in `getThing`'s 2xx response",
        ),
        (
            "{match: {values: [A]}}",
            "/expect/match/path: `match` needs a string `path`",
        ),
        (
            "{match: {path: $.state, values: []}}",
            "/expect/match/values: `values` must be a non-empty list",
        ),
        (
            "{match: {path: $.state, values: [1]}}",
            "/expect/match/values: `values` must be a non-empty list",
        ),
    ] {
        let watcher = format!(
            "{}expect: {expect}\n",
            &GOOD[..GOOD.find("expect:").unwrap()]
        );
        let found = problems("/things", "post", &watcher);
        assert!(
            found.len() == 1 && found[0].starts_with(expected),
            "{expect}: {found:?}"
        );
    }
    assert_eq!(
        problems("/things", "post", "get: {}\n"),
        [
            "/get/operation-id: `get` needs a string `operation-id`: the operation to poll",
            "/expect: a watcher needs `expect`: `match: {path, values}` or `http-code: N`",
        ]
    );
    assert_eq!(
        problems("/things", "post", "[]"),
        [": a watcher must be a mapping with `get` and `expect`"]
    );
}
