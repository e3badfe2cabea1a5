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

/// Every operation through the generated command line (`atlas-admin`, the built binary), with
/// a bearer token from an Atlas CLI profile, via a byte-for-byte relay to Prism that keeps
/// Prism's answers: what the command line sends is what Prism checks, and no answer names a
/// request violation.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Prism mock server: run scripts/contract-test"]
async fn every_operation_the_command_line_sends_is_accepted_by_prism() {
    use crate::command_line::harness::{Home, CLUSTER, EXPORT, GROUP};
    use crate::command_line::operations::BODY;

    let relay = Relay::start(&prism_url()).await;
    let base_url = relay.url();
    let home = Home::new();
    home.config(&format!(
        "[default]\naccess_token = \"contract-test-token\"\nproject_id = \"{GROUP}\"\n"
    ));
    let body = home.file("export.json", BODY);
    let body = body.to_str().unwrap();
    let commands: [&[&str]; 6] = [
        &[
            "cloud-backups",
            "create-backup-export",
            "--cluster-name",
            CLUSTER,
            "--file",
            body,
        ],
        &[
            "cloud-backups",
            "get-backup-export",
            "--cluster-name",
            CLUSTER,
            "--export-id",
            EXPORT,
        ],
        &[
            "cloud-backups",
            "get-backup-restore-job",
            "--cluster-name",
            CLUSTER,
            "--restore-job-id",
            "6a7b8c9d0e1f2a3b4c5d6e7f",
        ],
        &[
            "legacy-backup",
            "get-cluster-backup-checkpoint",
            "--cluster-name",
            CLUSTER,
            "--checkpoint-id",
            "0123456789abcdef01234567",
        ],
        &[
            "cloud-backups",
            "list-backup-exports",
            "--cluster-name",
            CLUSTER,
        ],
        &[
            "cloud-backups",
            "list-backup-exports",
            "--cluster-name",
            CLUSTER,
            "--items-per-page",
            "5",
            "--page-num",
            "2",
            "--include-count",
        ],
    ];
    // Prism's own example answer to getBackupExport breaks its `prefix` pattern: a response
    // violation, so at least one answer carries the header, which shows the relay sees it.
    let mut answers_with_violations = 0;
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--base-url", &base_url]);
        let answers_before = relay.answers().len();
        let ran = home.cli(&args).run().await;
        assert_eq!(ran.code, 0, "{command:?}: {}", ran.stderr);
        let answers = relay.answers_once_closed().await;
        assert!(
            answers.len() > answers_before,
            "{command:?}: nothing reached Prism"
        );
        for answer in &answers[answers_before..] {
            let header = answer.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("sl-violations")
                    .then(|| value.trim())
            });
            answers_with_violations += usize::from(header.is_some());
            let violations = header
                .map(|value| serde_json::from_str::<Vec<Value>>(value).expect("a JSON array"))
                .unwrap_or_default()
                .into_iter()
                .filter(|violation| violation["location"][0] == "request")
                .collect::<Vec<_>>();
            assert!(
                violations.is_empty(),
                "{command:?}: Prism found request violations: {violations:#?}"
            );
        }
    }
    assert!(
        answers_with_violations > 0,
        "no answer carried sl-violations: the relay does not see Prism's headers"
    );
}

/// A TCP relay on 127.0.0.1 to Prism that keeps the head of every answer it passes on.
struct Relay {
    address: std::net::SocketAddr,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// Connections accepted and not yet closed on both sides.
    open: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(upstream: &str) -> Relay {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let upstream = upstream
            .strip_prefix("http://")
            .expect("Prism listens on plain http")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = heads.clone();
        let open = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = open.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                let kept = kept.clone();
                let counted = counted.clone();
                tokio::spawn(async move {
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let requests = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                        let _ = server_write.shutdown().await;
                    });
                    // Answers are passed on as they come and kept whole; split into heads
                    // when the connection ends (bodies have no blank line before a head).
                    let mut answered = Vec::new();
                    let mut buffer = [0u8; 16 * 1024];
                    loop {
                        let read = match server_read.read(&mut buffer).await {
                            Ok(0) | Err(_) => break,
                            Ok(read) => read,
                        };
                        answered.extend_from_slice(&buffer[..read]);
                        if client_write.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                    }
                    let _ = client_write.shutdown().await;
                    requests.abort();
                    let text = String::from_utf8_lossy(&answered);
                    let mut kept = kept.lock().unwrap();
                    for (index, _) in text.match_indices("HTTP/1.1 ") {
                        let head = text[index..].split("\r\n\r\n").next().unwrap_or_default();
                        kept.push(head.to_owned());
                    }
                    counted.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                });
            }
        });
        Relay {
            address,
            heads,
            open,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The heads of the answers of every connection that has ended.
    fn answers(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// The heads once every connection has closed (the command line has exited, so its
    /// connections are closing), waiting at most 10 s.
    async fn answers_once_closed(&self) -> Vec<String> {
        for _ in 0..100 {
            if self.open.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.answers()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}
