//! A downstream crate's view: only the generated crate's public API. Requests for the four
//! single-call operations, a wait for an export job and a walk over the export list are
//! spawned on a multi-threaded runtime (their futures are `Send + 'static`), ids
//! read from one response go into the next call as they are, a property the spec does not
//! declare and the raw body are readable, and every request and response type used is built
//! inline with `new` and its setters, as a downstream crate and its tests would build them.

use atlas_admin::models::{
    ApiAtlasCheckpointView, BackupLabel, DiskBackupExportJob, DiskBackupExportJobRequest,
    DiskBackupExportJobRequestRequired, DiskBackupExportJobState, DiskBackupSnapshotRestoreJob,
    DiskBackupSnapshotRestoreJobDeliveryType,
};
use atlas_admin::params::{CheckpointId, ClusterName, ExportId, GroupId, RestoreJobId};
use atlas_admin::{Client, Credentials};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";
const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const TARGET_GROUP: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";
const EXPORT: &str = "5f1e2d3c4b5a69788796a5b4";
const RESTORE: &str = "6a7b8c9d0e1f2a3b4c5d6e7f";
const CHECKPOINT: &str = "0123456789abcdef01234567";

/// What Atlas returns for the export job: built the way a downstream test builds it.
fn export_job() -> DiskBackupExportJob {
    DiskBackupExportJob::new("32b6e34b3d91647abb20e7b8".into())
        .id(EXPORT.parse().unwrap())
        .state(DiskBackupExportJobState::InProgress)
        .prefix("/exported_snapshots/org/project/Cluster0/2024-05-01/1714557600")
}

fn restore_job() -> DiskBackupSnapshotRestoreJob {
    DiskBackupSnapshotRestoreJob::new(DiskBackupSnapshotRestoreJobDeliveryType::Automated)
        .id(RESTORE.parse().unwrap())
        .target_group_id(TARGET_GROUP.parse().unwrap())
        .target_cluster_name("Cluster1".parse().unwrap())
        .cancelled(false)
}

fn checkpoint() -> ApiAtlasCheckpointView {
    ApiAtlasCheckpointView::new()
        .id(CHECKPOINT.parse().unwrap())
        .group_id(TARGET_GROUP.parse().unwrap())
        .restorable(true)
}

/// `value` as Atlas sends it, with one property the spec does not declare.
fn with_unknown(mut json: Value) -> Value {
    json["addedUpstreamLater"] = json!({"nested": [1, 2]});
    json
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_string(), VERSIONED)
}

async fn atlas() -> MockServer {
    let server = MockServer::start().await;
    let exports = format!("/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/exports");
    Mock::given(method("POST"))
        .and(path(exports.clone()))
        .and(header("accept", VERSIONED))
        .and(body_json(json!({
            "exportBucketId": "32b6e34b3d91647abb20e7b8",
            "snapshotId": "66b6e34b3d91647abb20e7b8"
        })))
        .respond_with(ok(with_unknown(
            serde_json::to_value(export_job()).unwrap(),
        )))
        .expect(1)
        .mount(&server)
        .await;
    // Reached only with the id the first response carried.
    Mock::given(method("GET"))
        .and(path(format!("{exports}/{EXPORT}")))
        .respond_with(ok(with_unknown(
            serde_json::to_value(export_job()).unwrap(),
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/restoreJobs/{RESTORE}"
        )))
        .respond_with(ok(with_unknown(
            serde_json::to_value(restore_job()).unwrap(),
        )))
        .expect(1)
        .mount(&server)
        .await;
    // Reached only with the target the restore job named.
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/atlas/v2/groups/{TARGET_GROUP}/clusters/Cluster1/backupCheckpoints/{CHECKPOINT}"
        )))
        .respond_with(ok(with_unknown(
            serde_json::to_value(checkpoint()).unwrap(),
        )))
        .expect(1)
        .mount(&server)
        .await;
    server
}

/// Requires what `tokio::spawn` requires of a future.
fn spawnable<F: std::future::IntoFuture>(request: F) -> F::IntoFuture
where
    F::IntoFuture: Send + 'static,
{
    request.into_future()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(deprecated)] // the checkpoint operation is deprecated in the spec
async fn a_downstream_crate_chains_owned_requests_across_threads() {
    let server = atlas().await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token("token"))
        .build()
        .unwrap();
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = "Cluster0".parse().unwrap();

    // Nothing the request holds borrows from here: the values above can go out of scope.
    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: "66b6e34b3d91647abb20e7b8".into(),
    });
    let created = tokio::spawn(spawnable(
        client.create_backup_export(&group, &cluster, request),
    ))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(created.body().id, export_job().id);
    assert_eq!(
        created.unknown_fields().get("addedUpstreamLater"),
        Some(&json!({"nested": [1, 2]}))
    );
    let raw: Value = serde_json::from_slice(created.raw_body()).unwrap();
    assert_eq!(
        raw,
        with_unknown(serde_json::to_value(export_job()).unwrap())
    );

    // The id from the response is the type the next call takes.
    let export_id: &ExportId = created.id.as_ref().unwrap();
    let restore_id: RestoreJobId = RESTORE.parse().unwrap();
    let (export, restore) = tokio::join!(
        tokio::spawn(spawnable(
            client.get_backup_export(&group, &cluster, export_id)
        )),
        tokio::spawn(spawnable(client.get_backup_restore_job(
            &group,
            &cluster,
            &restore_id
        ))),
    );
    let export = export.unwrap().unwrap();
    let restore = restore.unwrap().unwrap();

    // Decoded values are the ones built with `new`, plus the undeclared property, which is
    // encoded again.
    assert_eq!(export.unknown_fields().len(), 1);
    assert_eq!(
        serde_json::to_value(export.body()).unwrap(),
        with_unknown(serde_json::to_value(export_job()).unwrap())
    );
    assert_eq!(
        serde_json::to_value(restore.body()).unwrap(),
        with_unknown(serde_json::to_value(restore_job()).unwrap())
    );

    // The restore job names its target project and cluster in the types the path takes.
    let target_group: &GroupId = restore.target_group_id.as_ref().unwrap();
    let target_cluster: &ClusterName = restore.target_cluster_name.as_ref().unwrap();
    let checkpoint_id: CheckpointId = CHECKPOINT.parse().unwrap();
    let found = tokio::spawn(spawnable(client.get_cluster_backup_checkpoint(
        target_group,
        target_cluster,
        &checkpoint_id,
    )))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(found.id, checkpoint().id);
    assert_eq!(found.restorable, Some(true));
    assert_eq!(found.unknown_fields().len(), 1);

    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_and_page_walks_are_owned_and_spawned_too() {
    let server = MockServer::start().await;
    let done = export_job().state(DiskBackupExportJobState::Successful);
    let exports = format!("/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/exports");
    Mock::given(method("POST"))
        .and(path(exports.clone()))
        .respond_with(ok(serde_json::to_value(export_job()).unwrap()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{exports}/{EXPORT}")))
        .respond_with(ok(serde_json::to_value(&done).unwrap()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(exports))
        .respond_with(ok(json!({"results": [done], "totalCount": 1, "links": []})))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token("downstream-token"))
        .build()
        .unwrap();
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = "Cluster0".parse().unwrap();
    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: "32b6e34b3d91647abb20e7b8".into(),
    });

    let waiting = tokio::spawn(spawnable(
        client
            .create_backup_export(&group, &cluster, request)
            .send_and_wait(),
    ));
    let listing = tokio::spawn(
        client
            .list_backup_exports(&group, &cluster)
            .items()
            .collect_all(),
    );
    drop((group, cluster));

    let outcome = waiting.await.unwrap().unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(outcome.into_value().id, done_id());
    let listed = listing.await.unwrap().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, done_id());
    server.verify().await;
}

fn done_id() -> Option<ExportId> {
    Some(EXPORT.parse().unwrap())
}

/// One operation, one name: the docs, a hook, the `atlas_request` span's field (the hook sees
/// the same value), a wait's poll events and errors, and the mocks all call the export's get
/// `getBackupExport`, never upstream's `getGroupClusterBackupExport`.
#[tokio::test]
async fn an_operation_has_one_name_in_docs_hooks_waits_and_errors() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use atlas_admin::testing::MockAtlas;
    use atlas_admin::{RequestHook, RequestInfo, WaitPolicy};

    const NAME: &str = "getBackupExport";
    let readme = include_str!("../../generated/README.md");
    assert!(
        readme.contains(&format!("| `get_backup_export` | `{NAME}` |")),
        "the generated README names the operation {NAME}"
    );

    #[derive(Clone, Default)]
    struct Names(Arc<Mutex<Vec<&'static str>>>);
    impl RequestHook for Names {
        fn before_attempt(
            &self,
            request: &RequestInfo<'_>,
            _: &mut atlas_admin::header::HeaderMap,
        ) {
            self.0.lock().unwrap().push(request.operation_id());
        }
    }
    let names = Names::default();
    let mock = MockAtlas::start().await;
    let client = mock.client_builder().hook(names.clone()).build().unwrap();
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = "Cluster0".parse().unwrap();
    let export: ExportId = EXPORT.parse().unwrap();
    mock.get_backup_export(&group, &cluster, &export)
        .respond_with(export_job())
        .mount()
        .await;

    client
        .get_backup_export(&group, &cluster, &export)
        .await
        .unwrap();
    // The job never ends in this mock: the wait's deadline error names the operation too.
    let polled = Arc::new(Mutex::new(Vec::new()));
    let seen = polled.clone();
    let error = client
        .wait_for_backup_export(&group, &cluster, &export)
        .policy(
            WaitPolicy::fixed(Duration::from_millis(10))
                .deadline(Duration::from_millis(50))
                .on_poll(move |poll| seen.lock().unwrap().push(poll.operation_id)),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains(NAME), "{error}");
    assert!(!error.to_string().contains("GroupCluster"), "{error}");
    assert_eq!(error.job_ids().map(|ids| ids.operation_id()), Some(NAME));
    let polled = polled.lock().unwrap().clone();
    assert!(
        !polled.is_empty() && polled.iter().all(|name| *name == NAME),
        "{polled:?}"
    );
    let hooked = names.0.lock().unwrap().clone();
    assert!(
        hooked.len() >= 2 && hooked.iter().all(|name| *name == NAME),
        "{hooked:?}"
    );
}

/// What a downstream crate writes to start an export with labels: one expression, the labels
/// inline in the `vec!`, each setter taking what the caller has (literals, a `String`, an
/// iterator's items).
fn labelled_export(team: String, tickets: &[&str]) -> DiskBackupExportJobRequest {
    DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: "66b6e34b3d91647abb20e7b8".into(),
    })
    .custom_data(
        [
            BackupLabel::new().key("team").value(team),
            BackupLabel::new().key("purpose").value("nightly"),
        ]
        .into_iter()
        .chain(
            tickets
                .iter()
                .map(|&ticket| BackupLabel::new().key("ticket").value(ticket)),
        ),
    )
}

#[tokio::test]
async fn models_built_inline_with_setters() {
    let server = MockServer::start().await;
    let exports = format!("/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/exports");
    // The body exactly: the labels in order, nothing unset sent as `null`.
    Mock::given(method("POST"))
        .and(path(exports))
        .and(header("content-type", VERSIONED))
        .and(body_json(json!({
            "customData": [
                {"key": "team", "value": "storage"},
                {"key": "purpose", "value": "nightly"},
                {"key": "ticket", "value": "OPS-1"},
                {"key": "ticket", "value": "OPS-2"}
            ],
            "exportBucketId": "32b6e34b3d91647abb20e7b8",
            "snapshotId": "66b6e34b3d91647abb20e7b8"
        })))
        .respond_with(ok(serde_json::to_value(
            export_job().custom_data(vec![BackupLabel::new().key("team").value("storage")]),
        )
        .unwrap()))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token("token"))
        .build()
        .unwrap();
    let group: GroupId = GROUP.parse().unwrap();
    let cluster: ClusterName = "Cluster0".parse().unwrap();

    let request = labelled_export("storage".to_owned(), &["OPS-1", "OPS-2"]);
    let created = client
        .create_backup_export(&group, &cluster, request)
        .await
        .unwrap();
    // A setter on a required field changes it after `new`; one on an optional field sets
    // `Some`; a later call replaces the earlier one.
    let changed = labelled_export("storage".to_owned(), &[])
        .snapshot_id("77b6e34b3d91647abb20e7b8")
        .custom_data(vec![]);
    assert_eq!(changed.snapshot_id, "77b6e34b3d91647abb20e7b8");
    assert_eq!(changed.custom_data, Some(vec![]));

    let label = &created.custom_data.as_ref().unwrap()[0];
    assert_eq!(
        (label.key.as_deref(), label.value.as_deref()),
        (Some("team"), Some("storage"))
    );
    assert_eq!(created.id, done_id());
    server.verify().await;
}
