//! `--help` of a group and of an operation, as snapshots: a spec change shows up as a
//! reviewed help diff. And the shell completions.

use super::harness::Home;

#[tokio::test(flavor = "multi_thread")]
async fn help_of_a_group_and_of_an_operation() {
    let home = Home::new();
    let group = home.cli(&["cloud-backups", "--help"]).run().await.expect(0);
    insta::assert_snapshot!("cloud_backups_help", group.stdout);
    let operation = home
        .cli(&["cloud-backups", "create-backup-export", "--help"])
        .run()
        .await
        .expect(0);
    insta::assert_snapshot!("create_backup_export_help", operation.stdout);
    let deprecated = home.cli(&["legacy-backup", "--help"]).run().await.expect(0);
    assert!(
        deprecated.stdout.contains(
            "get-cluster-backup-checkpoint  [deprecated] Return One Legacy Backup Checkpoint"
        ),
        "{}",
        deprecated.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_for_bash_zsh_and_fish() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let ran = home.cli(&["completions", shell]).run().await.expect(0);
        assert!(ran.stdout.contains("atlas-admin"), "{shell}");
        assert!(ran.stdout.contains("create-backup-export"), "{shell}");
        assert!(ran.stdout.contains("watch-timeout"), "{shell}");
    }
    home.cli(&["completions", "tcsh"]).run().await.expect(2);
}
