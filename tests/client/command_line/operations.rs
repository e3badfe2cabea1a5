//! Every operation of the excerpt, as a command: its flags reach the request the spec asks for
//! (the typed mock server checks method, path, versioned `Accept`, body and query), and its
//! response is printed as JSON.

use atlas_admin::testing::MockAtlas;
use atlas_admin::{models, params};
use serde_json::json;

use super::harness::{Home, CLUSTER, EXPORT, GROUP};

pub fn ids() -> (params::GroupId, params::ClusterName, params::ExportId) {
    (
        GROUP.parse().unwrap(),
        CLUSTER.parse().unwrap(),
        EXPORT.parse().unwrap(),
    )
}

pub fn job(state: &str) -> models::DiskBackupExportJob {
    serde_json::from_value(json!({
        "exportBucketId": "32b6e34b3d91647abb20e7b8",
        "id": EXPORT,
        "snapshotId": "32b6e34b3d91647abb20e7b8",
        "state": state
    }))
    .unwrap()
}

pub const BODY: &str = r#"{"exportBucketId": "32b6e34b3d91647abb20e7b8", "snapshotId": "32b6e34b3d91647abb20e7b8", "customData": [{"key": "team", "value": "backups"}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn get_backup_export_prints_the_job() {
    let mock = MockAtlas::start().await;
    let (group, cluster, export) = ids();
    mock.get_backup_export(&group, &cluster, &export)
        .respond_with(job("Successful"))
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let ran = home
        .cli(&[
            "cloud-backups",
            "get-backup-export",
            "--cluster-name",
            CLUSTER,
            "--export-id",
            EXPORT,
            "--base-url",
            &mock.uri(),
        ])
        .run()
        .await
        .expect(0);
    // The group came from the profile's project_id; a pipe gets one line of JSON.
    assert_eq!(ran.stdout.lines().count(), 1, "{}", ran.stdout);
    assert_eq!(ran.json(), serde_json::to_value(job("Successful")).unwrap());
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_backup_export_sends_the_body_of_the_file() {
    let mock = MockAtlas::start().await;
    let (group, cluster, _) = ids();
    let expected: models::DiskBackupExportJobRequest = serde_json::from_str(BODY).unwrap();
    mock.create_backup_export(&group, &cluster)
        .expect_body(&expected)
        .respond_with(job("Queued"))
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let file = home.file("export.json", BODY);
    let ran = home
        .cli(&[
            "--base-url",
            &mock.uri(),
            "cloud-backups",
            "create-backup-export",
            "--group-id",
            GROUP,
            "--cluster-name",
            CLUSTER,
            "--file",
            file.to_str().unwrap(),
        ])
        .run()
        .await
        .expect(0);
    assert_eq!(ran.json()["state"], "Queued");
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn get_backup_restore_job_and_list_backup_exports() {
    let mock = MockAtlas::start().await;
    let (group, cluster, _) = ids();
    let restore_id: params::RestoreJobId = "6a7b8c9d0e1f2a3b4c5d6e7f".parse().unwrap();
    let restore: models::DiskBackupSnapshotRestoreJob = serde_json::from_value(
        json!({"deliveryType": "automated", "id": "6a7b8c9d0e1f2a3b4c5d6e7f"}),
    )
    .unwrap();
    mock.get_backup_restore_job(&group, &cluster, &restore_id)
        .respond_with(&restore)
        .times(1)
        .mount()
        .await;
    let page: models::PaginatedApiAtlasDiskBackupExportJobView = serde_json::from_value(
        json!({"results": [serde_json::to_value(job("Successful")).unwrap()], "totalCount": 1}),
    )
    .unwrap();
    mock.list_backup_exports(&group, &cluster)
        .query("itemsPerPage", 5)
        .query("includeCount", true)
        .respond_with(&page)
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let uri = mock.uri();
    let restored = home
        .cli(&[
            "cloud-backups",
            "get-backup-restore-job",
            "--cluster-name",
            CLUSTER,
            "--restore-job-id",
            "6a7b8c9d0e1f2a3b4c5d6e7f",
            "--base-url",
            &uri,
        ])
        .run()
        .await
        .expect(0);
    assert_eq!(restored.json(), serde_json::to_value(&restore).unwrap());
    // A boolean flag needs no value.
    let listed = home
        .cli(&[
            "cloud-backups",
            "list-backup-exports",
            "--cluster-name",
            CLUSTER,
            "--items-per-page",
            "5",
            "--include-count",
            "--base-url",
            &uri,
        ])
        .run()
        .await
        .expect(0);
    assert_eq!(listed.json(), serde_json::to_value(&page).unwrap());
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deprecated_operation_says_so_on_stderr_and_yaml_is_an_output() {
    let mock = MockAtlas::start().await;
    let (group, cluster, _) = ids();
    let checkpoint_id: params::CheckpointId = "0123456789abcdef01234567".parse().unwrap();
    let checkpoint: models::ApiAtlasCheckpointView =
        serde_json::from_value(json!({"id": "0123456789abcdef01234567", "restorable": true}))
            .unwrap();
    #[allow(deprecated)]
    mock.get_cluster_backup_checkpoint(&group, &cluster, &checkpoint_id)
        .respond_with(&checkpoint)
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let ran = home
        .cli(&[
            "legacy-backup",
            "get-cluster-backup-checkpoint",
            "--cluster-name",
            CLUSTER,
            "--checkpoint-id",
            "0123456789abcdef01234567",
            "--output",
            "yaml",
            "--base-url",
            &mock.uri(),
        ])
        .run()
        .await
        .expect(0);
    assert!(
        ran.stderr
            .contains("warning: `getClusterBackupCheckpoint` is deprecated"),
        "{}",
        ran.stderr
    );
    let printed: serde_json::Value = serde_yaml::from_str(&ran.stdout).unwrap();
    assert_eq!(printed, serde_json::to_value(&checkpoint).unwrap());
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_the_request_and_sends_nothing() {
    // No expectation: any request would be reported by `verify`.
    let mock = MockAtlas::start().await;
    let home = Home::new();
    home.mock_profile();
    let file = home.file("export.json", BODY);
    let ran = home
        .cli(&[
            "cloud-backups",
            "create-backup-export",
            "--cluster-name",
            CLUSTER,
            "--file",
            file.to_str().unwrap(),
            "--dry-run",
            "--base-url",
            &mock.uri(),
        ])
        .run()
        .await
        .expect(0);
    let expected_start = format!(
        "POST {}/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/backup/exports\naccept: application/vnd.atlas.2023-01-01+json\ncontent-type: application/vnd.atlas.2023-01-01+json\n\n{{\n",
        mock.uri()
    );
    assert!(ran.stdout.starts_with(&expected_start), "{}", ran.stdout);
    let body: serde_json::Value =
        serde_json::from_str(ran.stdout.split_once("\n\n").unwrap().1).unwrap();
    assert_eq!(
        body,
        serde_json::from_str::<serde_json::Value>(BODY).unwrap()
    );
    ran.never_shows(atlas_admin::testing::MOCK_TOKEN);
    assert!(!ran.stdout.to_ascii_lowercase().contains("authorization"));
    // Nothing reached the server: a request no expectation matches fails `verify`.
    mock.verify().unwrap();
}
