//! Each exit status, and values the spec rejects: a usage error quoting the rule, with
//! nothing sent.

use atlas_admin::testing::MockAtlas;

use super::harness::{Home, CLUSTER, EXPORT, GROUP};
use super::operations::ids;
use crate::support::nothing_listening;

fn get<'a>(uri: &'a str, group: &'a str) -> Vec<&'a str> {
    vec![
        "cloud-backups",
        "get-backup-export",
        "--group-id",
        group,
        "--cluster-name",
        CLUSTER,
        "--export-id",
        EXPORT,
        "--base-url",
        uri,
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_values_are_usage_errors_quoting_the_rule_and_send_nothing() {
    let mock = MockAtlas::start().await;
    let home = Home::new();
    home.mock_profile();
    let uri = mock.uri();
    let pattern = home.cli(&get(&uri, "not-a-group")).run().await.expect(2);
    assert!(
        pattern.stderr.contains("must match `^([a-f0-9]{24})$`"),
        "{}",
        pattern.stderr
    );
    let bound = home
        .cli(&[
            "cloud-backups",
            "list-backup-exports",
            "--cluster-name",
            CLUSTER,
            "--items-per-page",
            "501",
            "--base-url",
            &uri,
        ])
        .run()
        .await
        .expect(2);
    assert!(bound.stderr.contains("itemsPerPage"), "{}", bound.stderr);
    assert!(bound.stderr.contains("500"), "{}", bound.stderr);
    let not_a_number = home
        .cli(&[
            "cloud-backups",
            "list-backup-exports",
            "--cluster-name",
            CLUSTER,
            "--page-num",
            "two",
            "--base-url",
            &uri,
        ])
        .run()
        .await
        .expect(2);
    assert!(
        not_a_number.stderr.contains("--page-num"),
        "{}",
        not_a_number.stderr
    );
    let unknown_flag = home
        .cli(&["cloud-backups", "get-backup-export", "--cluster", "x"])
        .run()
        .await
        .expect(2);
    assert!(
        unknown_flag.stderr.contains("--cluster"),
        "{}",
        unknown_flag.stderr
    );
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_is_needed_from_a_flag_the_environment_or_the_profile() {
    let home = Home::new();
    home.config(&format!(
        "[default]\naccess_token = \"{}\"\n",
        atlas_admin::testing::MOCK_TOKEN
    ));
    let mock = MockAtlas::start().await;
    let (group, cluster, export) = ids();
    mock.get_backup_export(&group, &cluster, &export)
        .respond_with(super::operations::job("Successful"))
        .times(1)
        .mount()
        .await;
    let uri = mock.uri();
    let args = [
        "cloud-backups",
        "get-backup-export",
        "--cluster-name",
        CLUSTER,
        "--export-id",
        EXPORT,
        "--base-url",
        &uri,
    ];
    let missing = home.cli(&args).run().await.expect(2);
    assert!(
        missing
            .stderr
            .contains("--group-id is required (or MONGODB_ATLAS_PROJECT_ID"),
        "{}",
        missing.stderr
    );
    home.cli(&args)
        .env("MONGODB_ATLAS_PROJECT_ID", GROUP)
        .run()
        .await
        .expect(0);
    mock.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn atlas_errors_transport_failures_and_authentication_have_their_own_status() {
    let mock = MockAtlas::start().await;
    let (group, cluster, export) = ids();
    mock.get_backup_export(&group, &cluster, &export)
        .fail_with(404, "EXPORT_JOB_NOT_FOUND")
        .times(1)
        .mount()
        .await;
    mock.get_backup_export(&group, &cluster, &export)
        .fail_with(401, "NOT_ORG_GROUP_CREATOR")
        .times(1)
        .mount()
        .await;
    let home = Home::new();
    home.mock_profile();
    let uri = mock.uri();
    let api = home
        .cli(&[&get(&uri, GROUP)[..], &["-v"]].concat())
        .run()
        .await
        .expect(3);
    assert!(api.stderr.contains("404"), "{}", api.stderr);
    assert!(
        api.stderr.contains("EXPORT_JOB_NOT_FOUND"),
        "{}",
        api.stderr
    );
    assert!(
        api.stderr.starts_with("HTTP 404"),
        "-v shows the status: {}",
        api.stderr
    );
    assert_eq!(api.stdout, "");
    let unauthorized = home.cli(&get(&uri, GROUP)).run().await.expect(5);
    assert!(
        unauthorized.stderr.contains("NOT_ORG_GROUP_CREATOR"),
        "{}",
        unauthorized.stderr
    );
    mock.verify().unwrap();

    let nowhere = nothing_listening();
    let transport = home
        .cli(&[&get(&nowhere, GROUP)[..], &["--deadline", "2s"]].concat())
        .run()
        .await
        .expect(4);
    assert!(
        transport.stderr.starts_with("error: "),
        "{}",
        transport.stderr
    );

    let no_credentials = Home::new();
    let auth = no_credentials.cli(&get(&uri, GROUP)).run().await.expect(5);
    assert!(
        auth.stderr.contains("no Atlas credentials"),
        "{}",
        auth.stderr
    );
}
