//! Bodies from a file or stdin, JSON or YAML, decoded into the request type before sending:
//! an unknown or missing field is a usage error with its JSON pointer, and nothing is sent.

use atlas_admin::models;
use atlas_admin::testing::MockAtlas;

use super::harness::{Home, CLUSTER};
use super::operations::{ids, job, BODY};

fn create<'a>(uri: &'a str, file: &'a str) -> Vec<&'a str> {
    vec![
        "cloud-backups",
        "create-backup-export",
        "--cluster-name",
        CLUSTER,
        "--file",
        file,
        "--base-url",
        uri,
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_from_stdin_as_yaml() {
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
    let yaml = "exportBucketId: 32b6e34b3d91647abb20e7b8\nsnapshotId: 32b6e34b3d91647abb20e7b8\ncustomData:\n  - key: team\n    value: backups\n";
    let uri = mock.uri();
    home.cli(&create(&uri, "-"))
        .stdin(yaml)
        .run()
        .await
        .expect(0);
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_missing_fields_are_named_by_their_pointer_and_nothing_is_sent() {
    let mock = MockAtlas::start().await;
    let home = Home::new();
    home.mock_profile();
    let uri = mock.uri();
    let unknown = home
        .cli(&create(&uri, "-"))
        .stdin(r#"{"exportBucketId": "32b6e34b3d91647abb20e7b8", "snapshotId": "32b6e34b3d91647abb20e7b8", "customData": [{"key": "k", "valu": "v"}]}"#)
        .run()
        .await
        .expect(2);
    assert!(
        unknown.stderr.contains("`/customData/0/valu`"),
        "{}",
        unknown.stderr
    );
    let missing = home
        .cli(&create(&uri, "-"))
        .stdin(r#"{"exportBucketId": "32b6e34b3d91647abb20e7b8"}"#)
        .run()
        .await
        .expect(2);
    assert!(missing.stderr.contains("snapshotId"), "{}", missing.stderr);
    assert!(missing.stderr.contains("at `/`"), "{}", missing.stderr);
    let not_json = home
        .cli(&create(&uri, "-"))
        .stdin("{\"exportBucketId\": }")
        .run()
        .await
        .expect(2);
    assert!(
        not_json.stderr.contains("line 1, column"),
        "{}",
        not_json.stderr
    );
    let absent = home
        .cli(&create(&uri, "no-such-file.json"))
        .run()
        .await
        .expect(2);
    assert!(
        absent.stderr.contains("no-such-file.json"),
        "{}",
        absent.stderr
    );
    mock.verify().unwrap();
}
