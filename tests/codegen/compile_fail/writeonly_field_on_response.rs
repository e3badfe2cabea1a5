// `secret` is writeOnly: it can be sent in an `ExportRequest`, never read from an `Export`.
use atlas_fixture_read_write_only::models::Export;

fn leak(export: &Export) -> &str {
    &export.secret
}

fn main() {}
