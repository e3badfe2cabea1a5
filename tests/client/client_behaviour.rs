//! The generated client against a local mock server (wiremock, bound to 127.0.0.1): what goes
//! on the wire for every operation, and how every kind of answer comes back.

use atlas_admin::models::{
    BackupLabel, DiskBackupExportJobRequest, DiskBackupExportJobRequestRequired,
    DiskBackupExportJobState, DiskBackupSnapshotRestoreJobDeliveryType,
};
use atlas_admin::params::{CheckpointId, ClusterName, ExportId, GroupId, RestoreJobId};
use atlas_admin::{Client, Credentials, DeclaredHeaders, Error, StatusCode, TransportErrorKind};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";
const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const EXPORT: &str = "5f1e2d3c4b5a69788796a5b4";
const RESTORE: &str = "6a7b8c9d0e1f2a3b4c5d6e7f";
const CHECKPOINT: &str = "0123456789abcdef01234567";
const SPEC: &str = include_str!("../../spec/atlas-backups.yaml");

struct Ids {
    group: GroupId,
    cluster: ClusterName,
    export: ExportId,
    restore: RestoreJobId,
    checkpoint: CheckpointId,
}

fn ids() -> Ids {
    Ids {
        group: GROUP.parse().unwrap(),
        cluster: "Cluster0".parse().unwrap(),
        export: EXPORT.parse().unwrap(),
        restore: RESTORE.parse().unwrap(),
        checkpoint: CHECKPOINT.parse().unwrap(),
    }
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::bearer_token("test-token-123"))
        .build()
        .unwrap()
}

fn export_path() -> String {
    format!("/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/exports/{EXPORT}")
}

/// A realistic export job, as Atlas returns it (ids from the spec's examples).
fn export_job() -> Value {
    json!({
        "components": [{"exportId": "32b6e34b3d91647abb20e7b8", "replicaSetName": "atlas-abc-shard-0"}],
        "createdAt": "2024-05-01T10:15:30Z",
        "customData": [{"key": "team", "value": "storage"}],
        "exportBucketId": "32b6e34b3d91647abb20e7b8",
        "exportStatus": {"exportedCollections": 3, "totalCollections": 10},
        "finishedAt": "2024-05-01T10:45:00.123Z",
        "id": EXPORT,
        "links": [{"href": "https://cloud.mongodb.com/api/atlas", "rel": "self"}],
        "prefix": "/exported_snapshots/org/project/Cluster0/2024-05-01T1015/1714558530",
        "snapshotId": "32b6e34b3d91647abb20e7b8",
        "state": "InProgress",
        "stateReason": {"errorCode": "NONE", "message": "running"}
    })
}

fn ok(body: Value) -> ResponseTemplate {
    // wiremock sets `application/json` with a JSON body; Atlas answers with the versioned type.
    ResponseTemplate::new(200)
        .set_body_raw(body.to_string(), VERSIONED)
        .insert_header("RateLimit-Limit", "100")
        .insert_header("RateLimit-Remaining", "99")
}

#[tokio::test]
async fn get_backup_export_sends_the_exact_request_and_decodes_the_job() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(export_path()))
        .and(header("accept", VERSIONED))
        .and(header("authorization", "Bearer test-token-123"))
        .and(query_param_is_missing("envelope"))
        .respond_with(ok(export_job()))
        .expect(1)
        .mount(&server)
        .await;
    let ids = ids();

    let response = client(&server)
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().rate_limit_limit(), Some(100));
    assert_eq!(response.headers().rate_limit_remaining(), Some(99));
    assert_eq!(response.headers().content_type(), Some(VERSIONED));
    assert_eq!(response.state, Some(DiskBackupExportJobState::InProgress));
    assert_eq!(response.export_bucket_id, "32b6e34b3d91647abb20e7b8");
    assert_eq!(
        response
            .export_status
            .as_ref()
            .and_then(|status| status.total_collections),
        Some(10)
    );
    assert_eq!(
        response.created_at.map(|at| at.to_rfc3339()),
        Some("2024-05-01T10:15:30+00:00".to_owned())
    );
    assert_eq!(response.custom_data.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        response
            .state_reason
            .as_ref()
            .and_then(|reason| reason.error_code.as_deref()),
        Some("NONE")
    );
    // Encoding the decoded job gives the same JSON back (dates in their canonical form).
    let mut expected = export_job();
    expected["finishedAt"] = json!("2024-05-01T10:45:00.123Z");
    assert_eq!(serde_json::to_value(response.body()).unwrap(), expected);
}

#[tokio::test]
async fn create_backup_export_posts_the_request_body_with_versioned_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/exports"
        )))
        .and(header("accept", VERSIONED))
        .and(header("content-type", VERSIONED))
        .and(body_json(json!({
            "customData": [{"key": "team", "value": "storage"}],
            "exportBucketId": "32b6e34b3d91647abb20e7b8",
            "snapshotId": "5f1e2d3c4b5a69788796a5b4"
        })))
        .respond_with(ok(export_job()))
        .expect(1)
        .mount(&server)
        .await;
    let ids = ids();
    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "32b6e34b3d91647abb20e7b8".into(),
        snapshot_id: EXPORT.into(),
    })
    .custom_data(vec![BackupLabel::new().key("team").value("storage")]);

    let job = client(&server)
        .create_backup_export(&ids.group, &ids.cluster, request.clone())
        .await
        .unwrap();

    assert_eq!(job.id.as_ref().map(|id| id.as_str()), Some(EXPORT));
}

#[tokio::test]
async fn get_backup_restore_job_sends_no_format_flags() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/restoreJobs/{RESTORE}")))
        .and(header("accept", VERSIONED))
        // `pretty` and `envelope` change nothing a typed caller receives: never offered, never sent.
        .and(query_param_is_missing("pretty"))
        .and(query_param_is_missing("envelope"))
        .respond_with(ok(json!({
            "cancelled": false,
            "deliveryType": "pointInTime",
            "desiredTimestamp": {"date": "2024-05-01T10:00:00Z", "increment": 1199145600},
            "expired": false,
            "id": RESTORE,
            "oplogInc": 1,
            "oplogTs": 1714557600,
            "pointInTimeUTCSeconds": 1714557600,
            "privateDownloadDeliveryUrls": [{"deliveryUrl": "https://example.com/x", "endpointId": "vpce-3bf78b0ddee411ba1"}],
            "targetClusterName": "Cluster1",
            "targetGroupId": GROUP
        })))
        .expect(1)
        .mount(&server)
        .await;
    let ids = ids();

    let job = client(&server)
        .get_backup_restore_job(&ids.group, &ids.cluster, &ids.restore)
        .send()
        .await
        .unwrap();

    assert_eq!(
        job.delivery_type,
        DiskBackupSnapshotRestoreJobDeliveryType::PointInTime
    );
    assert_eq!(
        job.desired_timestamp.as_ref().and_then(|at| at.increment),
        Some(1_199_145_600)
    );
    assert_eq!(job.point_in_time_utc_seconds, Some(1_714_557_600));
}

#[tokio::test]
#[allow(deprecated)] // the operation is deprecated in the spec; calling it must still work
async fn get_cluster_backup_checkpoint_puts_parameters_where_the_path_says() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backupCheckpoints/{CHECKPOINT}")))
        .and(header("accept", VERSIONED))
        .respond_with(ok(json!({
            "clusterId": GROUP,
            "completed": "2024-05-01T10:00:00Z",
            "id": CHECKPOINT,
            "parts": [{"replicaSetName": "rs0", "tokenDiscovered": true, "typeName": "REPLICA_SET",
                       "tokenTimestamp": {"date": "2024-05-01T09:59:00Z", "increment": 1199145601}}],
            "restorable": true
        })))
        .expect(1)
        .mount(&server)
        .await;
    let ids = ids();

    let checkpoint = client(&server)
        .get_cluster_backup_checkpoint(&ids.group, &ids.cluster, &ids.checkpoint)
        .await
        .unwrap();

    assert_eq!(checkpoint.restorable, Some(true));
    let part = &checkpoint.parts.as_ref().unwrap()[0];
    assert_eq!(
        part.type_name.as_ref().map(|kind| kind.as_str()),
        Some("REPLICA_SET")
    );
    assert!(part.type_name.as_ref().unwrap().is_known());
}

#[tokio::test]
async fn unknown_enum_values_and_unknown_fields_are_kept() {
    let server = MockServer::start().await;
    let mut body = export_job();
    body["state"] = json!("Exploded");
    body["brandNewField"] = json!({"nested": [1, 2, 3]});
    Mock::given(method("GET"))
        .and(path(export_path()))
        .respond_with(ok(body))
        .mount(&server)
        .await;
    let ids = ids();

    let job = client(&server)
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();

    let state = job.state.clone().unwrap();
    assert_eq!(state, DiskBackupExportJobState::Unknown("Exploded".into()));
    assert!(!state.is_known());
    assert_eq!(state.to_string(), "Exploded");
    assert_eq!(serde_json::to_value(&state).unwrap(), json!("Exploded"));
    assert_eq!(
        "Exploded".parse::<DiskBackupExportJobState>().unwrap(),
        state
    );
    // A property the spec does not declare is kept, readable, and encoded again.
    assert_eq!(
        job.unknown_fields().get("brandNewField"),
        Some(&json!({"nested": [1, 2, 3]}))
    );
    assert_eq!(job.unknown_fields().len(), 1);
    assert_eq!(
        serde_json::to_value(job.body()).unwrap()["brandNewField"],
        json!({"nested": [1, 2, 3]})
    );
}

/// The spec's own example for each error response, by status.
fn spec_error_examples() -> Vec<(u16, Value)> {
    let spec: Value = serde_yaml::from_str(SPEC).unwrap();
    let responses = spec["components"]["responses"].as_object().unwrap();
    responses
        .values()
        .map(|response| {
            let example = response["content"]["application/json"]["example"].clone();
            (example["error"].as_u64().unwrap() as u16, example)
        })
        .collect()
}

#[tokio::test]
async fn every_declared_error_status_decodes_the_specs_example() {
    let examples = spec_error_examples();
    assert_eq!(
        examples
            .iter()
            .map(|(status, _)| *status)
            .collect::<std::collections::BTreeSet<_>>(),
        [400, 401, 403, 404, 409, 429, 500].into_iter().collect()
    );
    let ids = ids();
    for (status, example) in examples {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(&example)
                    .insert_header("Retry-After", "7"),
            )
            .mount(&server)
            .await;
        let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
            export_bucket_id: GROUP.into(),
            snapshot_id: EXPORT.into(),
        });

        let error = client(&server)
            .create_backup_export(&ids.group, &ids.cluster, request.clone())
            .await
            .unwrap_err();

        let Error::Api(api) = &error else {
            panic!("{status}: expected an API error, got {error:?}")
        };
        assert_eq!(api.status().as_u16(), status);
        assert!(
            api.is_declared(),
            "{status} is declared for createBackupExport"
        );
        assert_eq!(
            Some(api.body().error_code.as_str()),
            example["errorCode"].as_str()
        );
        assert_eq!(api.body().detail.as_deref(), example["detail"].as_str());
        assert_eq!(error.error_code(), example["errorCode"].as_str());
        assert_eq!(api.body().error, status as i32);
        assert_eq!(api.headers().retry_after(), Some(7));
        assert!(
            error
                .to_string()
                .contains(example["errorCode"].as_str().unwrap()),
            "{error}"
        );
    }
}

#[tokio::test]
async fn undeclared_statuses_still_give_useful_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(export_path()))
        .respond_with(ResponseTemplate::new(406).set_body_json(json!({
            "error": 406, "errorCode": "INVALID_VERSION_DATE", "reason": "Not Acceptable",
            "detail": "Invalid version date."})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/atlas/v2/groups/{GROUP}/clusters/Cluster0/backup/restoreJobs/{RESTORE}")))
        // The real 410 body (mongodb-atlas-cli#4472): `parameters` holds strings.
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "detail": "Version 2023-02-01 of api/atlas/v2/groups/XXXX/clusters is no longer available.",
            "error": 410, "errorCode": "VERSION_GONE",
            "parameters": ["2023-02-01", "api/atlas/v2/groups/XXXX/clusters"], "reason": "Gone"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let ids = ids();
    let client = client(&server);

    let not_acceptable = client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    let Error::Api(api) = &not_acceptable else {
        panic!("{not_acceptable:?}")
    };
    assert_eq!(api.status(), StatusCode::NOT_ACCEPTABLE);
    assert!(!api.is_declared());
    assert_eq!(api.body().error_code, "INVALID_VERSION_DATE");

    let gone = client
        .get_backup_restore_job(&ids.group, &ids.cluster, &ids.restore)
        .await
        .unwrap_err();
    assert!(gone.is_error_code("VERSION_GONE"));
    assert_eq!(gone.status(), Some(StatusCode::GONE));
    assert_eq!(
        gone.api_error().unwrap().parameters.as_ref().unwrap()[0],
        json!("2023-02-01")
    );

    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: GROUP.into(),
        snapshot_id: EXPORT.into(),
    });
    let bad_gateway = client
        .create_backup_export(&ids.group, &ids.cluster, request.clone())
        .await
        .unwrap_err();
    let Error::UndecodableBody(body) = &bad_gateway else {
        panic!("{bad_gateway:?}")
    };
    assert_eq!(body.status(), StatusCode::BAD_GATEWAY);
    assert!(body.text().contains("502 Bad Gateway"));
    assert_eq!(body.headers().content_type(), Some("text/html"));
    let message = bad_gateway.to_string();
    assert!(
        message.contains("502") && message.contains("text/html") && message.contains("Bad Gateway"),
        "{message}"
    );
}

#[tokio::test]
async fn malformed_success_bodies_are_undecodable_with_the_text_kept() {
    let server = MockServer::start().await;
    let truncated = r#"{"exportBucketId": "32b6e34b3d91647abb20e7b8", "state": "Queu"#;
    Mock::given(method("GET"))
        .and(path(export_path()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(truncated, VERSIONED))
        .mount(&server)
        .await;
    let ids = ids();

    let error = client(&server)
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();

    let Error::UndecodableBody(body) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(body.status(), StatusCode::OK);
    assert_eq!(body.text(), truncated);
    assert!(body.reason().contains("EOF"), "{}", body.reason());
}

#[tokio::test]
async fn a_required_field_missing_from_a_response_is_undecodable() {
    let server = MockServer::start().await;
    let mut job = export_job();
    job.as_object_mut().unwrap().remove("exportBucketId");
    Mock::given(method("GET"))
        .and(path(export_path()))
        .respond_with(ok(job))
        .mount(&server)
        .await;
    let ids = ids();

    let error = client(&server)
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();

    let Error::UndecodableBody(body) = &error else {
        panic!("{error:?}")
    };
    assert!(
        body.reason().contains("exportBucketId"),
        "{}",
        body.reason()
    );
}

#[tokio::test]
async fn invalid_values_are_rejected_before_any_request_is_sent() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ok(export_job()))
        .mount(&server)
        .await;

    let bad_group = "32B6E34B3D91647ABB20E7B8".parse::<GroupId>().unwrap_err();
    assert_eq!(bad_group.name(), "groupId");
    assert!(
        bad_group.to_string().contains("^([a-f0-9]{24})$"),
        "{bad_group}"
    );
    assert!(ClusterName::new("-leading-dash").is_err());
    assert!(ClusterName::new("").is_err());
    assert!(ExportId::try_from("short").is_err());
    // A response is never rejected for a pattern, so a decoded id is not checked there...
    let decoded: GroupId = serde_json::from_value(json!("nope")).unwrap();
    // ...but before it is sent.
    let ids = ids();
    let error = client(&server)
        .get_backup_export(&decoded, &ids.cluster, &ids.export)
        .await
        .unwrap_err();
    let Error::InvalidParameter(invalid) = &error else {
        panic!("expected InvalidParameter, got {error:?}");
    };
    assert_eq!((invalid.name(), invalid.value()), ("groupId", "nope"));
    assert!(server.received_requests().await.unwrap().is_empty());
    // The `?` operator turns it into the client's error type.
    let converted: Error = bad_group.into();
    assert!(matches!(converted, Error::InvalidParameter(_)));

    let request = DiskBackupExportJobRequest::new(DiskBackupExportJobRequestRequired {
        export_bucket_id: "not-a-bucket-id".into(),
        snapshot_id: EXPORT.into(),
    });
    let error = client(&server)
        .create_backup_export(&ids.group, &ids.cluster, request.clone())
        .await
        .unwrap_err();
    let Error::InvalidParameter(invalid) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(invalid.name(), "body.exportBucketId");
    assert_eq!(invalid.value(), "not-a-bucket-id");
    assert!(error.to_string().contains("no request was sent"));

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing may reach the server"
    );
}

#[tokio::test]
async fn transport_failures_are_their_own_error() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let ids = ids();

    let error = client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap_err();

    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::ConnectionRefused),
        "{error:?}"
    );
    assert!(error.is_connect());
    assert_eq!(error.status(), None);
    assert_eq!(
        error.to_string(),
        format!("request to 127.0.0.1:{port} failed: connection refused")
    );
    // Below the message: reqwest's error (the `source()` of the transport error, which the
    // client's error skips to rather than repeat its message).
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.is::<atlas_admin::reqwest::Error>(), "{source:?}");
}

#[tokio::test]
async fn the_base_url_may_carry_a_path_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/proxy/atlas{}", export_path())))
        .respond_with(ok(export_job()))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/proxy/atlas/", server.uri()))
        .build()
        .unwrap();
    let ids = ids();

    client
        .get_backup_export(&ids.group, &ids.cluster, &ids.export)
        .await
        .unwrap();
}

#[test]
fn bad_base_urls_are_rejected_when_building() {
    for bad in [
        "not a url",
        "ftp://cloud.mongodb.com",
        "https://cloud.mongodb.com/?x=1",
    ] {
        let error = Client::builder().base_url(bad).build().unwrap_err();
        assert!(
            matches!(error, Error::InvalidParameter(_)),
            "{bad}: {error:?}"
        );
    }
    assert_eq!(
        Client::new(Credentials::Anonymous).unwrap().base_url(),
        atlas_admin::DEFAULT_BASE_URL
    );
    assert_eq!(atlas_admin::DEFAULT_BASE_URL, "https://cloud.mongodb.com");
}

#[test]
fn secrets_never_show_in_debug_or_display() {
    let credentials = Credentials::bearer_token("super-secret-token");
    let client = Client::builder()
        .credentials(credentials.clone())
        .build()
        .unwrap();
    let builder = Client::builder().credentials(credentials.clone());
    for shown in [
        format!("{credentials:?}"),
        format!("{client:?}"),
        format!("{builder:?}"),
        format!("{}", atlas_admin::SecretString::new("super-secret-token")),
    ] {
        assert!(!shown.contains("super-secret-token"), "leaked: {shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}

#[test]
fn operations_expose_their_method_path_and_media_type() {
    use atlas_admin::operations::{CreateBackupExport, GetBackupExport};
    assert_eq!(GetBackupExport::METHOD, "GET");
    assert_eq!(CreateBackupExport::METHOD, "POST");
    assert_eq!(
        GetBackupExport::PATH,
        "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/exports/{exportId}"
    );
    assert_eq!(CreateBackupExport::MEDIA_TYPE, VERSIONED);
}
