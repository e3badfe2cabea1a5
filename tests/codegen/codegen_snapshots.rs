//! Snapshots of what the generator produces: the intermediate model and the emitted code for
//! the real spec and for one small fixture spec per construct, and the diagnostics for a
//! corpus of broken or unsupported specs. Review changes with `cargo insta review`.

use std::fs;
use std::path::Path;

const SPEC_NAME: &str = "spec/atlas-backups.yaml";
const SPEC: &str = include_str!("../../spec/atlas-backups.yaml");

/// The emitted files that depend on the spec (the rest are copied templates).
fn spec_derived(output: &atlas_codegen::Output) -> impl Iterator<Item = (&String, &String)> {
    output
        .files
        .iter()
        .filter(|(path, _)| !atlas_codegen::emit::is_template_file(path))
}

fn spec_derived_code(output: &atlas_codegen::Output) -> String {
    spec_derived(output)
        .map(|(path, contents)| format!("// ===== {path} =====\n{contents}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fixture's name as diagnostics show it, e.g. `invalid/dangling_ref.yaml`.
fn fixture_name(path: &Path) -> String {
    let dir = path
        .parent()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned());
    let file = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    format!("{}/{}", dir.unwrap_or_default(), file.unwrap_or_default())
}

/// The crate `text` makes with the default settings.
fn generate(name: &str, text: &str) -> atlas_codegen::Generated {
    atlas_codegen::generate(name, text, &Default::default())
        .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn real_spec_model() {
    insta::assert_yaml_snapshot!(generate(SPEC_NAME, SPEC).model);
}

#[test]
fn real_spec_emitted_code() {
    let output = generate(SPEC_NAME, SPEC).output;
    for (path, contents) in spec_derived(&output) {
        let name = format!(
            "real_spec_{}",
            path.trim_start_matches("src/").replace(['.', '/'], "_")
        );
        insta::assert_snapshot!(name, contents);
    }
}

#[test]
fn construct_fixtures() {
    // The fixtures sit beside this binary's directory: tests/fixtures/.
    insta::glob!("..", "fixtures/constructs/*.yaml", |path| {
        let name = fixture_name(path);
        let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        let generated = generate(&name, &text);
        insta::assert_yaml_snapshot!("model", generated.model);
        insta::assert_snapshot!("code", spec_derived_code(&generated.output));
    });
}

#[test]
fn invalid_specs_get_located_diagnostics() {
    let mut cases = 0;
    // The fixtures sit beside this binary's directory: tests/fixtures/.
    insta::glob!("..", "fixtures/invalid/*.yaml", |path| {
        cases += 1;
        let name = fixture_name(path);
        let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        let errors = match atlas_codegen::generate(&name, &text, &Default::default()) {
            Ok(_) => panic!("{name} generated without an error"),
            Err(atlas_codegen::Error::Spec(errors)) => errors,
            Err(other) => panic!("{name}: not a spec error: {other}"),
        };
        for diagnostic in &errors.0 {
            assert_eq!(diagnostic.file, name, "every diagnostic names its file");
            assert!(
                diagnostic.line.is_some(),
                "{name}: no line in `{diagnostic}`"
            );
        }
        insta::assert_snapshot!(errors.to_string());
    });
    assert!(cases >= 15, "the broken-spec corpus has only {cases} cases");
}

/// A declared header whose accessor would be named like a method of the runtime's
/// `ResponseHeaders` (here `Sunset`, which the runtime already parses as a date) gets no
/// `DeclaredHeaders` accessor, which would be hidden behind that method, and a located
/// warning says so.
#[test]
fn headers_the_runtime_reads_itself_get_no_generated_accessor() {
    let spec = SPEC.replacen(
        "                RateLimit-Limit:\n                    $ref: \"#/components/headers/HeaderRateLimitLimit\"\n",
        "                RateLimit-Limit:\n                    $ref: \"#/components/headers/HeaderRateLimitLimit\"\n                Sunset:\n                    schema:\n                        type: string\n",
        1,
    );
    assert_ne!(
        spec, SPEC,
        "the spec's 429 response declares RateLimit-Limit"
    );
    let generated = generate(SPEC_NAME, &spec);
    let headers = &generated.output.files["src/headers.rs"];
    assert!(headers.contains("fn rate_limit_limit"), "{headers}");
    assert!(!headers.contains("fn sunset"), "{headers}");
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|warning| warning.starts_with(SPEC_NAME)
            && warning.contains("`Sunset` gets no `DeclaredHeaders` accessor")
            && warning.contains("ResponseHeaders::sunset")),
        "{warnings:#?}"
    );
}

#[test]
fn a_plain_http_server_is_a_warning_the_client_would_refuse_it() {
    for (server, warned) in [
        ("http://cloud.mongodb.com", true),
        ("http://127.0.0.1:4010", false),
        ("http://[::1]:4010", false),
        ("http://localhost", false),
        ("https://cloud.mongodb.com", false),
    ] {
        let spec = SPEC.replacen(
            "url: https://cloud.mongodb.com",
            &format!("url: {server}"),
            1,
        );
        let generated = generate(SPEC_NAME, &spec);
        let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
        let found = warnings.iter().any(|warning| {
            warning.starts_with(SPEC_NAME)
                && warning.contains("#/servers/0/url")
                && warning.contains("plain http")
                && warning.contains("allow_insecure_http(true)")
        });
        assert_eq!(found, warned, "{server}: {warnings:#?}");
    }
}
