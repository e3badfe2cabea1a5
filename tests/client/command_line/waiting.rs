//! `--watch` through jobs that succeed and fail, a deadline that prints the ids to resume
//! with, and the `wait-for-…` command that resumes.

use atlas_admin::testing::MockAtlas;

use super::harness::{Home, CLUSTER, EXPORT, GROUP};
use super::operations::{ids, job, BODY};

/// `create-backup-export --watch` against `mock`, polling every 50 ms.
async fn watch(home: &Home, uri: &str, extra: &[&str]) -> super::harness::Ran {
    let file = home.file("export.json", BODY);
    let args = [
        &[
            "cloud-backups",
            "create-backup-export",
            "--cluster-name",
            CLUSTER,
            "--file",
            file.to_str().unwrap(),
            "--watch",
            "--watch-interval",
            "50ms",
            "--base-url",
            uri,
        ][..],
        extra,
    ]
    .concat();
    home.cli(&args).run().await
}

async fn started(mock: &MockAtlas) {
    let (group, cluster, _) = ids();
    mock.create_backup_export(&group, &cluster)
        .respond_with(job("Queued"))
        .times(1)
        .mount()
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watched_job_that_succeeds() {
    let mock = MockAtlas::start().await;
    let (group, cluster, export) = ids();
    started(&mock).await;
    mock.get_backup_export(&group, &cluster, &export)
        .respond_with(job("InProgress"))
        .times(2)
        .mount()
        .await;
    mock.get_backup_export(&group, &cluster, &export)
        .respond_with(job("Successful"))
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let ran = watch(&home, &mock.uri(), &[]).await.expect(0);
    assert_eq!(ran.json()["state"], "Successful");
    let states: Vec<&str> = ran
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("getBackupExport: "))
        .map(|rest| rest.split(' ').next().unwrap())
        .collect();
    // One line per state change, not per poll.
    assert_eq!(states, ["InProgress", "Successful"], "{}", ran.stderr);
    assert!(
        ran.stderr.starts_with(&format!("started: groupId={GROUP}")),
        "{}",
        ran.stderr
    );
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watched_job_that_fails() {
    let mock = MockAtlas::start().await;
    let (group, cluster, export) = ids();
    started(&mock).await;
    mock.get_backup_export(&group, &cluster, &export)
        .respond_with(job("Failed"))
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let ran = watch(&home, &mock.uri(), &[]).await.expect(6);
    assert_eq!(ran.json()["state"], "Failed");
    assert!(
        ran.stderr.contains("failure state `Failed`"),
        "{}",
        ran.stderr
    );
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deadline_prints_the_ids_and_wait_for_resumes() {
    let mock = MockAtlas::start().await;
    let (group, cluster, export) = ids();
    started(&mock).await;
    mock.get_backup_export(&group, &cluster, &export)
        .respond_with(job("InProgress"))
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let ran = watch(&home, &mock.uri(), &["--watch-timeout", "300ms"])
        .await
        .expect(7);
    let resume = format!(
        "resume with: atlas-admin cloud-backups wait-for-backup-export --group-id {GROUP} --cluster-name {CLUSTER} --export-id {EXPORT}"
    );
    assert!(ran.stderr.contains(&resume), "{}", ran.stderr);
    mock.verify().unwrap();

    // The job finished meanwhile: the printed command, run as it is, waits for it again.
    let later = MockAtlas::start().await;
    later
        .get_backup_export(&group, &cluster, &export)
        .respond_with(job("Successful"))
        .times(1)
        .mount()
        .await;
    let line = resume.trim_start_matches("resume with: atlas-admin ");
    let uri = later.uri();
    let mut args: Vec<&str> = line.split(' ').collect();
    args.extend(["--base-url", &uri, "--watch-interval", "50ms"]);
    let resumed = home.cli(&args).run().await.expect(0);
    assert_eq!(resumed.json()["state"], "Successful");
    later.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_with_watch_prints_the_request_and_waits_for_nothing() {
    let mock = MockAtlas::start().await;
    let home = Home::new();
    home.mock_profile();
    let ran = watch(&home, &mock.uri(), &["--dry-run"]).await.expect(0);
    assert!(ran.stdout.starts_with("POST "), "{}", ran.stdout);
    mock.verify().unwrap();
}
