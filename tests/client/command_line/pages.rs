//! `--all`: every item as a line of JSON while the pages arrive, and an error on the last page
//! ends the walk with a non-zero status after the items already printed.

use atlas_admin::models;
use atlas_admin::testing::MockAtlas;
use serde_json::json;

use super::harness::{Home, CLUSTER};
use super::operations::{ids, job};

fn page(states: &[&str]) -> models::PaginatedApiAtlasDiskBackupExportJobView {
    let results: Vec<_> = states
        .iter()
        .map(|state| serde_json::to_value(job(state)).unwrap())
        .collect();
    serde_json::from_value(json!({"results": results, "totalCount": 6})).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn all_streams_three_pages_and_stops_at_an_error() {
    let mock = MockAtlas::start().await;
    let (group, cluster, _) = ids();
    for (number, states) in [(1, ["Queued", "InProgress"]), (2, ["Successful", "Failed"])] {
        mock.list_backup_exports(&group, &cluster)
            .query("pageNum", number)
            .query("itemsPerPage", 2)
            .respond_with(page(&states))
            .times(1)
            .mount()
            .await;
    }
    mock.list_backup_exports(&group, &cluster)
        .query("pageNum", 3)
        .query("itemsPerPage", 2)
        .fail_with(400, "INVALID_PAGE_NUMBER")
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let ran = home
        .cli(&[
            "cloud-backups",
            "list-backup-exports",
            "--cluster-name",
            CLUSTER,
            "--items-per-page",
            "2",
            "--all",
            "--base-url",
            &mock.uri(),
        ])
        .run()
        .await
        .expect(3);
    let states: Vec<String> = ran
        .stdout
        .lines()
        .map(|line| {
            let item: serde_json::Value = serde_json::from_str(line).unwrap();
            item["state"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(states, ["Queued", "InProgress", "Successful", "Failed"]);
    assert!(ran.stderr.contains("INVALID_PAGE_NUMBER"), "{}", ran.stderr);
    mock.verify().unwrap();
}
