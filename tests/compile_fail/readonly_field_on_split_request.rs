// `id` is required and readOnly: the response type `Export` has it, the request type does not.
use atlas_fixture_read_write_only::models::ExportRequest;

fn main() {
    let mut request = ExportRequest::new("32b6e34b3d91647abb20e7b8".to_owned(), "s3cret".to_owned());
    request.id = "forged".to_owned();
}
