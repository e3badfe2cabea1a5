//! The `testing` feature as a downstream crate uses it: small functions written against the
//! generated client, unit-tested with `atlas_admin::testing::MockAtlas`. Each right version
//! passes; a version that sends a wrong request (another path id, another body, a query
//! parameter left out) or skips a call is caught, and the tests assert that it is.

use atlas_admin::models::{
    DiskBackupExportJob, DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired,
    DiskBackupExportJobState, DiskBackupSnapshotRestoreJob,
    DiskBackupSnapshotRestoreJobDeliveryType,
};
use atlas_admin::params::{ClusterName, ExportId, GroupId, RestoreJobId};
use atlas_admin::testing::{MockAtlas, Problem, UNEXPECTED_REQUEST};
use atlas_admin::{Client, Error, StatusCode};

const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const SNAPSHOT: &str = "5f1e2d3c4b5a69788796a5b4";
const BUCKET: &str = "6a7b8c9d0e1f2a3b4c5d6e7f";
const EXPORT: &str = "0123456789abcdef01234567";
const RESTORE: &str = "66b1e2f3a4b5c6d7e8f90a1b";
const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";

// The code under test, as a downstream crate would write it.

/// Asks Atlas to export `snapshot` to `bucket`.
async fn create_export(
    client: &Client,
    group: &GroupId,
    cluster: &ClusterName,
    snapshot: &str,
    bucket: &str,
) -> Result<DiskBackupExportJob, Error> {
    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: bucket.to_owned(),
        snapshot_id: snapshot.to_owned(),
    });
    let job = client.create_backup_export(group, cluster, request).await?;
    Ok(job.into_body())
}

/// Starts an export of `snapshot` to `bucket` and returns the export job's id.
async fn start_export(
    client: &Client,
    group: &GroupId,
    cluster: &ClusterName,
    snapshot: &str,
    bucket: &str,
) -> Result<Option<ExportId>, Error> {
    Ok(create_export(client, group, cluster, snapshot, bucket)
        .await?
        .id)
}

/// The same, with the snapshot and the bucket swapped: a body the spec accepts, but not the
/// one the test expects.
async fn start_export_swapped(
    client: &Client,
    group: &GroupId,
    cluster: &ClusterName,
    snapshot: &str,
    bucket: &str,
) -> Result<Option<ExportId>, Error> {
    Ok(create_export(client, group, cluster, bucket, snapshot)
        .await?
        .id)
}

/// Starts an export and returns its state as Atlas reports it once the job exists.
async fn export_and_check(
    client: &Client,
    group: &GroupId,
    cluster: &ClusterName,
) -> Result<Option<DiskBackupExportJobState>, Error> {
    let created = create_export(client, group, cluster, SNAPSHOT, BUCKET).await?;
    // The id in the answer is the type the next call takes.
    let Some(id) = created.id else {
        return Ok(None);
    };
    let job = client.get_backup_export(group, cluster, &id).await?;
    Ok(job.into_body().state)
}

/// The same, reporting the state the creation answered with: it skips the second call.
async fn export_and_check_skipping(
    client: &Client,
    group: &GroupId,
    cluster: &ClusterName,
) -> Result<Option<DiskBackupExportJobState>, Error> {
    Ok(create_export(client, group, cluster, SNAPSHOT, BUCKET)
        .await?
        .state)
}

/// Where a restore job stands; `None` when Atlas has no such job.
async fn restore_state(
    client: &Client,
    group: &GroupId,
    cluster: &ClusterName,
    job: &RestoreJobId,
) -> Result<Option<&'static str>, Error> {
    match client.get_backup_restore_job(group, cluster, job).await {
        Ok(job) if job.failed == Some(true) => Ok(Some("failed")),
        Ok(job) if job.cancelled == Some(true) => Ok(Some("cancelled")),
        Ok(job) if job.finished_at.is_some() => Ok(Some("finished")),
        Ok(_) => Ok(Some("running")),
        Err(error) if error.is_error_code("RESOURCE_NOT_FOUND") => Ok(None),
        Err(error) => Err(error),
    }
}

/// The same, for the cluster it was written for first instead of the one it is given: a
/// request for another path.
async fn restore_state_of_the_wrong_cluster(
    client: &Client,
    group: &GroupId,
    _cluster: &ClusterName,
    job: &RestoreJobId,
) -> Result<Option<&'static str>, Error> {
    let cluster: ClusterName = "Cluster0".parse()?;
    restore_state(client, group, &cluster, job).await
}

// The tests.

fn group() -> GroupId {
    GROUP.parse().unwrap()
}

fn cluster() -> ClusterName {
    "Production".parse().unwrap()
}

fn restore_id() -> RestoreJobId {
    RESTORE.parse().unwrap()
}

/// What the mocks answer with, built as a downstream test builds a response: `new` and setters.
fn export_job(state: &str) -> DiskBackupExportJob {
    DiskBackupExportJob::new(BUCKET.to_owned())
        .id(EXPORT.parse().unwrap())
        .snapshot_id(SNAPSHOT)
        .state(DiskBackupExportJobState::from(state))
}

fn restore_job(finished: bool) -> DiskBackupSnapshotRestoreJob {
    let job =
        DiskBackupSnapshotRestoreJob::new(DiskBackupSnapshotRestoreJobDeliveryType::Automated)
            .id(restore_id());
    if finished {
        job.finished_at("2024-05-01T10:45:00Z".parse().unwrap())
    } else {
        job
    }
}

fn export_request() -> DiskBackupExportJobRequest {
    DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: BUCKET.to_owned(),
        snapshot_id: SNAPSHOT.to_owned(),
    })
}

/// The one unexpected request `verify` reports, and the expectations that missed calls.
fn unexpected(mock: &MockAtlas) -> (String, Vec<String>, usize) {
    let error = mock.verify().expect_err("the mocks catch it");
    let mut unexpected = None;
    let mut missed = 0;
    for problem in error.problems() {
        match problem {
            Problem::UnexpectedRequest { request, reasons } => {
                assert!(unexpected.is_none(), "one unexpected request: {error}");
                unexpected = Some((request.to_string(), reasons.clone()));
            }
            Problem::MissedCalls { .. } => missed += 1,
            other => panic!("{other}"),
        }
    }
    let (request, reasons) = unexpected.unwrap_or_else(|| panic!("an unexpected request: {error}"));
    (request, reasons, missed)
}

#[tokio::test]
async fn starting_an_export_sends_the_request_the_test_expects() {
    let mock = MockAtlas::start().await;
    mock.create_backup_export(&group(), &cluster())
        .expect_body(&export_request())
        .respond_with(export_job("Queued"))
        .times(1)
        .mount()
        .await;

    let id = start_export(&mock.client(), &group(), &cluster(), SNAPSHOT, BUCKET)
        .await
        .unwrap();

    assert_eq!(id.as_ref().map(ExportId::as_str), Some(EXPORT));
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_wrong_body_is_caught() {
    let mock = MockAtlas::start().await;
    mock.create_backup_export(&group(), &cluster())
        .expect_body(&export_request())
        .respond_with(export_job("Queued"))
        .times(1)
        .mount()
        .await;

    let error = start_export_swapped(&mock.client(), &group(), &cluster(), SNAPSHOT, BUCKET)
        .await
        .unwrap_err();

    // The code under test sees an error naming what it sent ...
    assert_eq!(error.status(), Some(StatusCode::NOT_IMPLEMENTED));
    assert!(error.is_error_code(UNEXPECTED_REQUEST), "{error}");
    assert!(error.to_string().contains(&format!(
        "POST /api/atlas/v2/groups/{GROUP}/clusters/Production/backup/exports (Accept: {VERSIONED}, Content-Type: {VERSIONED}, body: "
    )), "{error}");
    // ... and the test's check reports the request, why it was rejected, and the call missed.
    let (request, reasons, missed) = unexpected(&mock);
    assert!(
        request.contains(&format!(r#""snapshotId":"{BUCKET}""#)),
        "{request}"
    );
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].starts_with("`createBackupExport` (POST /api/atlas/v2/groups/")
            && reasons[0].contains(&format!(
                r#"the body is {{"exportBucketId":"{SNAPSHOT}","snapshotId":"{BUCKET}"}}, expected {{"exportBucketId":"{BUCKET}","snapshotId":"{SNAPSHOT}"}}"#
            )),
        "{reasons:?}"
    );
    assert_eq!(missed, 1);
}

#[tokio::test]
async fn a_wrong_path_id_is_caught() {
    let mock = MockAtlas::start().await;
    mock.get_backup_restore_job(&group(), &cluster(), &restore_id())
        .respond_with(restore_job(true))
        .mount()
        .await;
    let client = mock.client();

    assert_eq!(
        restore_state(&client, &group(), &cluster(), &restore_id())
            .await
            .unwrap(),
        Some("finished")
    );
    mock.verify().unwrap();

    let error = restore_state_of_the_wrong_cluster(&client, &group(), &cluster(), &restore_id())
        .await
        .unwrap_err();
    assert!(error.is_error_code(UNEXPECTED_REQUEST), "{error}");
    let (request, reasons, missed) = unexpected(&mock);
    assert_eq!(
        request,
        format!("GET /api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/restoreJobs/{RESTORE} (Accept: {VERSIONED}, no body)")
    );
    assert_eq!(
        reasons,
        [format!(
            "`getBackupRestoreJob` (GET /api/atlas/v2/groups/{GROUP}/clusters/Production/backup/restoreJobs/{RESTORE}): \
             path is /api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/restoreJobs/{RESTORE}, \
             not /api/atlas/v2/groups/{GROUP}/clusters/Production/backup/restoreJobs/{RESTORE}"
        )]
    );
    assert_eq!(missed, 0, "the right call came first");
}

/// The two calls `export_and_check` makes, once each.
async fn expect_export_and_check(mock: &MockAtlas) {
    let export: ExportId = EXPORT.parse().unwrap();
    mock.create_backup_export(&group(), &cluster())
        .expect_body(&export_request())
        .respond_with(export_job("Queued"))
        .times(1)
        .mount()
        .await;
    mock.get_backup_export(&group(), &cluster(), &export)
        .respond_with(export_job("InProgress"))
        .times(1)
        .mount()
        .await;
}

#[tokio::test]
async fn a_skipped_call_is_caught() {
    let mock = MockAtlas::start().await;
    expect_export_and_check(&mock).await;
    let state = export_and_check(&mock.client(), &group(), &cluster())
        .await
        .unwrap();
    assert_eq!(state, Some(DiskBackupExportJobState::InProgress));
    mock.verify().unwrap();

    let mock = MockAtlas::start().await;
    expect_export_and_check(&mock).await;
    let state = export_and_check_skipping(&mock.client(), &group(), &cluster())
        .await
        .unwrap();
    assert_eq!(state, Some(DiskBackupExportJobState::Queued));
    let error = mock.verify().unwrap_err();
    assert_eq!(
        error.problems(),
        [Problem::MissedCalls {
            expectation: format!(
                "`getBackupExport` (GET /api/atlas/v2/groups/{GROUP}/clusters/Production/backup/exports/{EXPORT})"
            ),
            expected: "exactly 1 call".to_owned(),
            received: 0,
        }]
    );
}

#[tokio::test]
async fn fail_with_reaches_the_client_as_that_status_and_error_code() {
    let mock = MockAtlas::start().await;
    let client = mock.client();
    mock.get_backup_restore_job(&group(), &cluster(), &restore_id())
        .fail_with(404, "RESOURCE_NOT_FOUND")
        .times(2)
        .mount()
        .await;
    mock.get_backup_restore_job(&group(), &cluster(), &restore_id())
        .fail_with(500, "UNEXPECTED_ERROR")
        .times(1)
        .mount()
        .await;

    // The function under test handles the missing job ...
    assert_eq!(
        restore_state(&client, &group(), &cluster(), &restore_id())
            .await
            .unwrap(),
        None
    );
    // ... because the client decodes the spec's error body as Atlas would send it.
    let error = client
        .get_backup_restore_job(&group(), &cluster(), &restore_id())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.error_code(), Some("RESOURCE_NOT_FOUND"));
    let body = error.api_error().expect("an Atlas error body");
    assert_eq!(body.error, 404);
    assert_eq!(body.reason.as_deref(), Some("Not Found"));
    assert!(matches!(&error, Error::Api(api) if api.is_declared()));
    // And passes the errors it does not handle on.
    let error = restore_state(&client, &group(), &cluster(), &restore_id())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(error.is_error_code("UNEXPECTED_ERROR"), "{error}");
    mock.verify().unwrap();
}

/// A test that forgets `verify` still fails when the code sent something unexpected.
#[tokio::test]
#[should_panic(expected = "unexpected request GET /api/atlas/v2/groups/")]
async fn dropping_the_mock_fails_the_test_on_an_unexpected_request() {
    let mock = MockAtlas::start().await;
    mock.get_backup_restore_job(&group(), &cluster(), &restore_id())
        .respond_with(restore_job(false))
        .at_least(0)
        .mount()
        .await;
    // The code under test treats the answer as an error and carries on.
    let _ = restore_state_of_the_wrong_cluster(&mock.client(), &group(), &cluster(), &restore_id())
        .await;
}
