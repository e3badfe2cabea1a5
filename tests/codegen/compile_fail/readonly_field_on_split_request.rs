// `id` is required and readOnly: the response type `Export` has it, the request type does not.
use atlas_fixture_read_write_only::models::{ExportRequest, ExportRequestRequired};

fn main() {
    let mut request = ExportRequest::new(ExportRequestRequired {
        bucket_id: "32b6e34b3d91647abb20e7b8".to_owned(),
        secret: "s3cret".to_owned(),
    });
    request.id = "forged".to_owned();
}
