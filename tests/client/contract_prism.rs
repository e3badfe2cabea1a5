//! Contract tests against Stoplight Prism (`scripts/contract-test` installs and starts it; CI
//! runs them). Prism validates every request against `spec/atlas-backups.yaml` and reports
//! what it finds in the `sl-violations` response header; the generated client must cause no
//! request violation on any operation. (Prism's own example response for getBackupExport
//! breaks the `prefix` "pattern", which is a template; that is a *response* violation and is
//! not the client's doing.)

use atlas_admin::models::{DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired};
use atlas_admin::params::{CheckpointId, ClusterName, ExportId, GroupId, RestoreJobId};
use atlas_admin::{ApiResponse, Client, Credentials, Error, ResponseHeaders, StatusCode};
use serde_json::Value;

const NEEDS_PRISM: &str = "needs a Prism mock server: run scripts/contract-test";

fn prism_url() -> String {
    std::env::var("PRISM_URL").unwrap_or_else(|_| panic!("PRISM_URL is not set; {NEEDS_PRISM}"))
}

fn client(credentials: Credentials) -> Client {
    // Bearer auth: Prism's Digest checker rejects valid Digest headers.
    Client::builder()
        .base_url(prism_url())
        .credentials(credentials)
        .build()
        .unwrap()
}

fn bearer() -> Credentials {
    Credentials::bearer_token("contract-test-token")
}

struct Ids {
    group: GroupId,
    cluster: ClusterName,
    export: ExportId,
    restore: RestoreJobId,
    checkpoint: CheckpointId,
}

fn ids() -> Ids {
    Ids {
        group: "32b6e34b3d91647abb20e7b8".parse().unwrap(),
        cluster: "Cluster0".parse().unwrap(),
        export: "5f1e2d3c4b5a69788796a5b4".parse().unwrap(),
        restore: "6a7b8c9d0e1f2a3b4c5d6e7f".parse().unwrap(),
        checkpoint: "0123456789abcdef01234567".parse().unwrap(),
    }
}

/// The violations Prism found in the request (not in its own response).
fn request_violations(headers: &ResponseHeaders) -> Vec<Value> {
    let Some(header) = headers.get("sl-violations") else {
        return Vec::new();
    };
    let all: Vec<Value> = serde_json::from_str(header).expect("sl-violations is a JSON array");
    all.into_iter()
        .filter(|violation| violation["location"][0] == "request")
        .collect()
}

fn assert_clean<T>(operation: &str, response: &ApiResponse<T>) {
    assert_eq!(response.status(), StatusCode::OK, "{operation}");
    let violations = request_violations(response.headers());
    assert!(
        violations.is_empty(),
        "{operation}: Prism found request violations: {violations:#?}"
    );
}

#[tokio::test]
#[ignore = "needs a Prism mock server: run scripts/contract-test"]
#[allow(deprecated)] // the checkpoint operation is deprecated in the spec
async fn every_operation_sends_requests_prism_accepts() {
    let client = client(bearer());
    let ids = ids();
    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: "5f1e2d3c4b5a69788796a5b4".into(),
    });

    assert_clean(
        "getBackupExport",
        &client
            .get_backup_export(&ids.group, &ids.cluster, &ids.export)
            .await
            .unwrap(),
    );
    assert_clean(
        "createBackupExport",
        &client
            .create_backup_export(&ids.group, &ids.cluster, request.clone())
            .await
            .unwrap(),
    );
    assert_clean(
        "getBackupRestoreJob",
        &client
            .get_backup_restore_job(&ids.group, &ids.cluster, &ids.restore)
            .await
            .unwrap(),
    );
    assert_clean(
        "getClusterBackupCheckpoint",
        &client
            .get_cluster_backup_checkpoint(&ids.group, &ids.cluster, &ids.checkpoint)
            .await
            .unwrap(),
    );
    assert_clean(
        "listBackupExports",
        &client
            .list_backup_exports(&ids.group, &ids.cluster)
            .await
            .unwrap(),
    );
}

#[tokio::test]
#[ignore = "needs a Prism mock server: run scripts/contract-test"]
#[allow(deprecated)]
async fn optional_query_parameters_and_bodies_with_every_field_are_accepted() {
    let client = client(bearer());
    let ids = ids();
    let mut request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: "5f1e2d3c4b5a69788796a5b4".into(),
    });
    request.custom_data = Some(vec![{
        let mut label = atlas_admin::models::BackupLabel::new();
        label.key = Some("team".into());
        label.value = Some("storage".into());
        label
    }]);

    assert_clean(
        "createBackupExport (customData)",
        &client
            .create_backup_export(&ids.group, &ids.cluster, request.clone())
            .await
            .unwrap(),
    );
    assert_clean(
        "getBackupRestoreJob",
        &client
            .get_backup_restore_job(&ids.group, &ids.cluster, &ids.restore)
            .await
            .unwrap(),
    );
    assert_clean(
        "getClusterBackupCheckpoint",
        &client
            .get_cluster_backup_checkpoint(&ids.group, &ids.cluster, &ids.checkpoint)
            .await
            .unwrap(),
    );
    assert_clean(
        "listBackupExports (includeCount, itemsPerPage, pageNum)",
        &client
            .list_backup_exports(&ids.group, &ids.cluster)
            .include_count(true)
            .items_per_page(5)
            .page_num(2)
            .await
            .unwrap(),
    );
}

#[tokio::test]
#[ignore = "needs a Prism mock server: run scripts/contract-test"]
async fn a_request_without_credentials_is_a_typed_401_that_prism_flags() {
    let ids = ids();
    let error = client(Credentials::Anonymous)
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert!(api.is_declared());
    // Prism answers with the spec's own example for the 401 response.
    assert_eq!(api.body().error_code, "NOT_ORG_GROUP_CREATOR");
    // The violation check above is real: a bad request does show up.
    assert!(!request_violations(api.headers()).is_empty());
}

#[tokio::test]
#[ignore = "needs a Prism mock server: run scripts/contract-test"]
async fn an_invalid_body_is_stopped_before_prism_sees_it() {
    let ids = ids();
    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "not-a-bucket".into(),
        snapshot_id: "5f1e2d3c4b5a69788796a5b4".into(),
    });
    let error = client(bearer())
        .create_backup_export(&ids.group, &ids.cluster, request.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidParameter(invalid) if invalid.name() == "body.exportBucketId"),
        "{error:?}"
    );
}
