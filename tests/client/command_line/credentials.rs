//! Credentials in the Atlas CLI's order (the environment, then a profile of its config.toml in
//! a temporary XDG_CONFIG_HOME), against a server that checks HTTP Digest and OAuth like Atlas;
//! no secret in any output.

use std::sync::atomic::Ordering;

use super::harness::{Home, CLUSTER, EXPORT, GROUP};
use crate::support::atlas_like::{AtlasLike, CLIENT_ID, CLIENT_SECRET, PRIVATE_KEY, PUBLIC_KEY};

fn get(uri: &str) -> Vec<&str> {
    vec![
        "cloud-backups",
        "get-backup-export",
        "--cluster-name",
        CLUSTER,
        "--export-id",
        EXPORT,
        "--base-url",
        uri,
        "-v",
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_account_from_the_environment() {
    let atlas = AtlasLike::start().await;
    let home = Home::new();
    let uri = atlas.uri();
    let ran = home
        .cli(&[&get(&uri)[..], &["--group-id", GROUP]].concat())
        .env("MONGODB_ATLAS_CLIENT_ID", CLIENT_ID)
        .env("MONGODB_ATLAS_CLIENT_SECRET", CLIENT_SECRET)
        .run()
        .await
        .expect(0);
    assert_eq!(ran.json()["state"], "Successful");
    assert_eq!(atlas.state.tokens_issued.load(Ordering::SeqCst), 1);
    ran.never_shows(CLIENT_SECRET).never_shows("access-token-1");
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_and_service_account_profiles_of_the_atlas_cli() {
    let atlas = AtlasLike::start().await;
    let home = Home::new();
    home.config(&format!(
        "[default]\npublic_api_key = \"{PUBLIC_KEY}\"\nprivate_api_key = \"{PRIVATE_KEY}\"\nproject_id = \"{GROUP}\"\noutput = \"json\"\n\n[robot]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\nproject_id = \"{GROUP}\"\n"
    ));
    let uri = atlas.uri();
    let digest = home.cli(&get(&uri)).run().await.expect(0);
    assert_eq!(digest.json()["state"], "Successful");
    assert!(atlas.state.challenges_sent.load(Ordering::SeqCst) >= 1);
    digest.never_shows(PRIVATE_KEY);

    let robot = home
        .cli(&[&get(&uri)[..], &["--profile", "robot"]].concat())
        .run()
        .await
        .expect(0);
    assert_eq!(robot.json()["state"], "Successful");
    assert_eq!(atlas.state.tokens_issued.load(Ordering::SeqCst), 1);
    robot.never_shows(CLIENT_SECRET);

    // The environment comes before the profile: a wrong secret there is used, and fails.
    let wrong = home
        .cli(&get(&uri))
        .env("MONGODB_ATLAS_CLIENT_ID", CLIENT_ID)
        .env("MONGODB_ATLAS_CLIENT_SECRET", "wrong-secret-value")
        .run()
        .await
        .expect(5);
    wrong
        .never_shows("wrong-secret-value")
        .never_shows(PRIVATE_KEY);

    let absent = home
        .cli(&[&get(&uri)[..], &["--profile", "nobody"]].concat())
        .run()
        .await
        .expect(2);
    assert!(
        absent.stderr.contains("profile `nobody`"),
        "{}",
        absent.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_in_a_dry_run_or_a_broken_profile() {
    let home = Home::new();
    home.config(&format!(
        "[default]\npublic_api_key = \"{PUBLIC_KEY}\"\nprivate_api_key = \"{PRIVATE_KEY}\"\nproject_id = \"{GROUP}\"\n"
    ));
    let dry = home
        .cli(&[&get("https://cloud.mongodb.com")[..], &["--dry-run"]].concat())
        .run()
        .await
        .expect(0);
    assert!(
        dry.stdout
            .starts_with("GET https://cloud.mongodb.com/api/atlas/v2/groups/"),
        "{}",
        dry.stdout
    );
    dry.never_shows(PRIVATE_KEY);

    home.config(&format!("[default]\nprivate_api_key = \"{PRIVATE_KEY}\n"));
    let broken = home
        .cli(&get("https://cloud.mongodb.com"))
        .run()
        .await
        .expect(2);
    assert!(
        broken
            .stderr
            .contains("config.toml is not valid TOML (line 2)"),
        "{}",
        broken.stderr
    );
    broken.never_shows(PRIVATE_KEY);

    home.config(&format!("[default]\nprivate_api_key = \"{PRIVATE_KEY}\"\n"));
    let half = home
        .cli(&get("https://cloud.mongodb.com"))
        .run()
        .await
        .expect(5);
    assert!(half.stderr.contains("`public_api_key`"), "{}", half.stderr);
    half.never_shows(PRIVATE_KEY);
}
