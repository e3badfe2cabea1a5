// `links` is readOnly in the spec's DiskBackupExportJobRequest: the request type has no such field.
use atlas_admin::models::{DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired};

fn main() {
    let mut request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".to_owned(),
        snapshot_id: "5f1e2d3c4b5a69788796a5b4".to_owned(),
    });
    request.links = None;
}
