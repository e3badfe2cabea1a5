// Setters follow the fields: the request type has no setter for the readOnly `id` either.
use atlas_fixture_read_write_only::models::{ExportRequest, ExportRequestRequired};

fn main() {
    let _request = ExportRequest::new(ExportRequestRequired {
        bucket_id: "32b6e34b3d91647abb20e7b8".to_owned(),
        secret: "s3cret".to_owned(),
    })
    .id("forged");
}
