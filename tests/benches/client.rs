//! What the generated client costs over the same request made by hand: each of `atlas-admin`'s
//! operations called through its builder (validation, the retry loop, authentication, hooks,
//! tracing, the body limit, decoding) against the same HTTP request sent with the same
//! `reqwest::Client` and decoded with `serde_json::from_slice` into the same type.
//!
//! Both sides run on one current-thread tokio runtime, share one connection pool (the client
//! is given the raw side's `reqwest::Client`, built as the runtime builds its own), send the
//! same bearer token, and talk to one local server (`support/canned_server.rs`) that answers
//! each operation with a fully populated body made from the spec's schema. Before timing, the
//! two sides' requests are compared byte for byte (headers in any order).
//!
//! After criterion's groups, a table gives each operation's median on both sides (criterion's
//! estimates), the overhead, and the allocations per call counted by the global allocator.
//!
//! `cargo bench -p atlas-client-bench` (criterion's options after `--`).

#[path = "support/canned_server.rs"]
mod canned_server;
#[path = "support/counting_alloc.rs"]
mod counting_alloc;
// Shared with the decode benchmark (scripts/bench-decode), which uses other parts of it.
#[allow(dead_code)]
#[path = "support/samples.rs"]
mod samples;

use std::future::Future;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use atlas_admin::models::DiskBackupExportJobRequest;
use atlas_admin::operations::{
    CreateBackupExport, GetBackupExport, GetBackupRestoreJob, GetClusterBackupCheckpoint,
    ListBackupExports,
};
use atlas_admin::params::{CheckpointId, ClusterName, ExportId, GroupId, RestoreJobId};
use atlas_admin::reqwest;
use atlas_admin::{Client, Credentials, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use criterion::Criterion;
use serde::de::DeserializeOwned;
use serde_json::Value;

use canned_server::{CannedServer, Route};
use samples::{Direction, Spec};

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting;

const TOKEN: &str = "bench-token-0123456789";
const GROUP: &str = "32b6e34b3d91647abb20e7b8";
const CLUSTER: &str = "Cluster0";
const EXPORT: &str = "5f1e2d3c4b5a69788796a5b4";
const RESTORE: &str = "6a7b8c9d0e1f2a3b4c5d6e7f";
const CHECKPOINT: &str = "0123456789abcdef01234567";
/// The list call's query, sent by both sides.
const PAGE: (bool, i64, i64) = (true, 3, 1);
/// Calls per side in the allocation pass.
const COUNTED_CALLS: u32 = 1_000;
/// Calls in a profiling run (`ATLAS_BENCH_PROFILE`).
const PROFILED_CALLS: u32 = 20_000;

/// Everything both sides call with.
struct Bench {
    client: Client,
    http: reqwest::Client,
    base: String,
    group: GroupId,
    cluster: ClusterName,
    export: ExportId,
    restore: RestoreJobId,
    checkpoint: CheckpointId,
    /// The create call's body, cloned for each call on both sides (as a caller builds one).
    export_request: DiskBackupExportJobRequest,
}

/// One operation: its name and both ways of calling it.
struct Case {
    name: &'static str,
    ours: fn(&Bench) -> std::pin::Pin<Box<dyn Future<Output = ()> + '_>>,
    raw: fn(&Bench) -> std::pin::Pin<Box<dyn Future<Output = ()> + '_>>,
}

fn main() {
    let spec = Spec::load(&workspace().join("spec/atlas-backups.yaml"));
    let server = CannedServer::start(routes(&spec));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let bench = runtime.block_on(async { setup(&spec, server.uri()) });
    let cases = cases();

    for case in &cases {
        same_request(&server, &runtime, &bench, case);
    }
    // `ATLAS_BENCH_PROFILE=get_backup_export/atlas-admin`: only that side's calls, for a
    // profiler (valgrind --tool=callgrind), without criterion's analysis or the report.
    if let Ok(chosen) = std::env::var("ATLAS_BENCH_PROFILE") {
        profile(&runtime, &bench, &cases, &chosen);
        return;
    }

    let output = criterion_home();
    let mut criterion = Criterion::default()
        .output_directory(&output)
        .configure_from_args();
    for case in &cases {
        let mut group = criterion.benchmark_group(case.name);
        group.bench_function("atlas-admin", |b| {
            b.to_async(&runtime).iter(|| (case.ours)(&bench));
        });
        group.bench_function("raw-reqwest", |b| {
            b.to_async(&runtime).iter(|| (case.raw)(&bench));
        });
        group.finish();
    }
    criterion.final_summary();

    report(&output, &runtime, &bench, &cases);
    drop(server);
}

/// Calls one side of one operation [`PROFILED_CALLS`] times (not inlined, so that a profiler
/// can count this function alone: `valgrind --tool=callgrind --toggle-collect=client::profile`).
#[inline(never)]
fn profile(runtime: &tokio::runtime::Runtime, bench: &Bench, cases: &[Case], chosen: &str) {
    let (name, side) = chosen
        .split_once('/')
        .expect("ATLAS_BENCH_PROFILE is OPERATION/atlas-admin or OPERATION/raw-reqwest");
    let case = cases
        .iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no operation {name}"));
    let call = match side {
        "atlas-admin" => case.ours,
        "raw-reqwest" => case.raw,
        _ => panic!("the side is atlas-admin or raw-reqwest, not {side}"),
    };
    runtime.block_on(async {
        for _ in 0..PROFILED_CALLS {
            call(bench).await;
        }
    });
}

/// The workspace root (this package sits in `tests/benches/`).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where criterion writes its estimates, chosen here so the report can read them back:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else `target/criterion`.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from);
    target.join("criterion")
}

/// The server's answer to each operation: the spec's schema for its success body, fully
/// populated, in the media type the generated client asks for.
fn routes(spec: &Spec) -> Vec<Route> {
    let fill = |template: &str| {
        template
            .replace("{groupId}", GROUP)
            .replace("{clusterName}", CLUSTER)
            .replace("{exportId}", EXPORT)
            .replace("{restoreJobId}", RESTORE)
            .replace("{checkpointId}", CHECKPOINT)
    };
    let operations = [
        (
            CreateBackupExport::METHOD,
            CreateBackupExport::PATH,
            CreateBackupExport::MEDIA_TYPE,
        ),
        (
            GetBackupExport::METHOD,
            GetBackupExport::PATH,
            GetBackupExport::MEDIA_TYPE,
        ),
        (
            GetBackupRestoreJob::METHOD,
            GetBackupRestoreJob::PATH,
            GetBackupRestoreJob::MEDIA_TYPE,
        ),
        (
            GetClusterBackupCheckpoint::METHOD,
            GetClusterBackupCheckpoint::PATH,
            GetClusterBackupCheckpoint::MEDIA_TYPE,
        ),
        (
            ListBackupExports::METHOD,
            ListBackupExports::PATH,
            ListBackupExports::MEDIA_TYPE,
        ),
    ];
    let responses = spec.success_responses();
    operations
        .into_iter()
        .map(|(method, path, media_type)| {
            let response = responses
                .iter()
                .find(|response| response.method == method && response.path == path)
                .unwrap_or_else(|| panic!("the spec has no success response for {method} {path}"));
            assert_eq!(
                response.media_type, media_type,
                "the sample is made for the media type the client asks for"
            );
            let body = spec.sample(&response.schema, Direction::Response);
            Route {
                method,
                path: fill(path),
                content_type: media_type,
                body: serde_json::to_vec(&body).expect("a sample encodes"),
            }
        })
        .collect()
}

/// Both clients, built as a caller would build them, and the values they call with.
fn setup(spec: &Spec, base: String) -> Bench {
    // The runtime's own settings for the client it builds (client.rs): no redirect followed
    // by reqwest, the generated crate's user agent, the default timeouts; ring, as a caller's
    // own client needs a crypto provider installed (reqwest is built without one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("atlas-admin/", "bench"))
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .timeout(DEFAULT_TIMEOUT)
        .build()
        .expect("a reqwest client");
    let client = Client::builder()
        .base_url(&base)
        .credentials(Credentials::bearer_token(TOKEN))
        .http_client(http.clone())
        .build()
        .expect("a client for the local server");
    let export_request = serde_json::from_value(
        spec.sample_component("DiskBackupExportJobRequest", Direction::Request),
    )
    .expect("the request sample decodes");
    Bench {
        client,
        http,
        base,
        group: GROUP.parse().unwrap(),
        cluster: CLUSTER.parse().unwrap(),
        export: EXPORT.parse().unwrap(),
        restore: RESTORE.parse().unwrap(),
        checkpoint: CHECKPOINT.parse().unwrap(),
        export_request,
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "create_backup_export",
            ours: |bench| {
                Box::pin(async {
                    let call = bench.client.create_backup_export(
                        &bench.group,
                        &bench.cluster,
                        bench.export_request.clone(),
                    );
                    black_box(call.send().await.expect("create").into_body());
                })
            },
            raw: |bench| {
                Box::pin(async {
                    let url = format!(
                        "{}/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/backup/exports",
                        bench.base
                    );
                    let body = bench.export_request.clone();
                    let request = bench
                        .http
                        .post(url)
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            CreateBackupExport::MEDIA_TYPE,
                        )
                        .body(serde_json::to_vec(&body).expect("the body encodes"));
                    black_box(
                        raw::<atlas_admin::models::DiskBackupExportJob>(
                            request,
                            CreateBackupExport::MEDIA_TYPE,
                        )
                        .await,
                    );
                })
            },
        },
        Case {
            name: "get_backup_export",
            ours: |bench| {
                Box::pin(async {
                    let call =
                        bench
                            .client
                            .get_backup_export(&bench.group, &bench.cluster, &bench.export);
                    black_box(call.send().await.expect("get export").into_body());
                })
            },
            raw: |bench| {
                Box::pin(async {
                    let url = format!(
                        "{}/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/backup/exports/{EXPORT}",
                        bench.base
                    );
                    black_box(
                        raw::<atlas_admin::models::DiskBackupExportJob>(
                            bench.http.get(url),
                            GetBackupExport::MEDIA_TYPE,
                        )
                        .await,
                    );
                })
            },
        },
        Case {
            name: "get_backup_restore_job",
            ours: |bench| {
                Box::pin(async {
                    let call = bench.client.get_backup_restore_job(
                        &bench.group,
                        &bench.cluster,
                        &bench.restore,
                    );
                    black_box(call.send().await.expect("get restore job").into_body());
                })
            },
            raw: |bench| {
                Box::pin(async {
                    let url = format!(
                        "{}/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/backup/restoreJobs/{RESTORE}",
                        bench.base
                    );
                    black_box(
                        raw::<atlas_admin::models::DiskBackupSnapshotRestoreJob>(
                            bench.http.get(url),
                            GetBackupRestoreJob::MEDIA_TYPE,
                        )
                        .await,
                    );
                })
            },
        },
        Case {
            name: "get_cluster_backup_checkpoint",
            ours: |bench| {
                Box::pin(async {
                    // Deprecated in the spec, and still an operation of the crate.
                    #[allow(deprecated)]
                    let call = bench.client.get_cluster_backup_checkpoint(
                        &bench.group,
                        &bench.cluster,
                        &bench.checkpoint,
                    );
                    black_box(call.send().await.expect("get checkpoint").into_body());
                })
            },
            raw: |bench| {
                Box::pin(async {
                    let url = format!(
                        "{}/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/backupCheckpoints/{CHECKPOINT}",
                        bench.base
                    );
                    black_box(
                        raw::<atlas_admin::models::ApiAtlasCheckpointView>(
                            bench.http.get(url),
                            GetClusterBackupCheckpoint::MEDIA_TYPE,
                        )
                        .await,
                    );
                })
            },
        },
        Case {
            name: "list_backup_exports",
            ours: |bench| {
                Box::pin(async {
                    let (count, size, page) = PAGE;
                    let call = bench
                        .client
                        .list_backup_exports(&bench.group, &bench.cluster)
                        .include_count(count)
                        .items_per_page(size)
                        .page_num(page);
                    black_box(call.send().await.expect("list exports").into_body());
                })
            },
            raw: |bench| {
                Box::pin(async {
                    let (count, size, page) = PAGE;
                    let url = format!(
                        "{}/api/atlas/v2/groups/{GROUP}/clusters/{CLUSTER}/backup/exports?includeCount={count}&itemsPerPage={size}&pageNum={page}",
                        bench.base
                    );
                    black_box(
                        raw::<atlas_admin::models::PaginatedApiAtlasDiskBackupExportJobView>(
                            bench.http.get(url),
                            ListBackupExports::MEDIA_TYPE,
                        )
                        .await,
                    );
                })
            },
        },
    ]
}

/// The hand-written call: the versioned `Accept`, the token, a status check, the whole body,
/// `serde_json::from_slice`.
async fn raw<T: DeserializeOwned>(request: reqwest::RequestBuilder, media_type: &str) -> T {
    let response = request
        .header(reqwest::header::ACCEPT, media_type)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("the raw request is answered");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.expect("the raw body");
    serde_json::from_slice(&body).expect("the raw body decodes")
}

/// Fails unless both sides send the same request: request line, headers (in any order, names
/// in any case) and body.
fn same_request(
    server: &CannedServer,
    runtime: &tokio::runtime::Runtime,
    bench: &Bench,
    case: &Case,
) {
    let mut sent = Vec::new();
    for call in [case.ours, case.raw] {
        server.record();
        runtime.block_on(call(bench));
        let recorded = server.take_recorded();
        assert_eq!(recorded.len(), 1, "{}: one request per call", case.name);
        sent.push(normalized(&recorded[0]));
    }
    assert_eq!(
        sent[0], sent[1],
        "{}: the client's request (left) and the raw one (right) differ",
        case.name
    );
}

fn normalized(request: &[u8]) -> (String, Vec<String>, Value) {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete request");
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default().to_owned();
    let mut headers: Vec<String> = lines
        .map(|header| match header.split_once(':') {
            Some((name, value)) => format!("{}: {}", name.to_ascii_lowercase(), value.trim()),
            None => header.to_owned(),
        })
        .collect();
    headers.sort();
    // Compared as JSON: the same value, whatever the key order.
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).expect("a JSON request body")
    };
    (line, headers, body)
}

/// Criterion's median for each side, the overhead, and allocations per call.
fn report(output: &Path, runtime: &tokio::runtime::Runtime, bench: &Bench, cases: &[Case]) {
    println!();
    println!("| operation | atlas-admin median | raw reqwest median | overhead | allocations/call (atlas-admin) | allocations/call (raw) |");
    println!("|---|---|---|---|---|---|");
    for case in cases {
        let ours = median(output, case.name, "atlas-admin");
        let raw = median(output, case.name, "raw-reqwest");
        let overhead = match (ours, raw) {
            (Some(ours), Some(raw)) => format!("{:+.1} %", (ours / raw - 1.0) * 100.0),
            _ => "not measured".to_owned(),
        };
        let (our_count, our_bytes) = allocations(runtime, bench, case.ours);
        let (raw_count, raw_bytes) = allocations(runtime, bench, case.raw);
        println!(
            "| {} | {} | {} | {overhead} | {our_count:.0} ({:.1} KiB) | {raw_count:.0} ({:.1} KiB) |",
            case.name,
            shown(ours),
            shown(raw),
            our_bytes / 1024.0,
            raw_bytes / 1024.0,
        );
    }
}

fn shown(nanoseconds: Option<f64>) -> String {
    nanoseconds.map_or("not measured".to_owned(), |ns| {
        format!("{:.1} µs", ns / 1000.0)
    })
}

/// The median criterion estimated in this run, in nanoseconds.
fn median(output: &Path, group: &str, function: &str) -> Option<f64> {
    let path = output
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let estimates: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// Allocations per call (count, bytes) on the calling thread, which runs the client, its
/// connection and its timers: the runtime is current-thread, and the server has its own.
fn allocations(
    runtime: &tokio::runtime::Runtime,
    bench: &Bench,
    call: fn(&Bench) -> std::pin::Pin<Box<dyn Future<Output = ()> + '_>>,
) -> (f64, f64) {
    // Warm: the connection open, lazily made state (parsed patterns, pools) in place.
    runtime.block_on(async {
        for _ in 0..100 {
            call(bench).await;
        }
    });
    let (count, bytes, ()) = counting_alloc::measure(|| {
        runtime.block_on(async {
            for _ in 0..COUNTED_CALLS {
                call(bench).await;
            }
        });
    });
    let calls = f64::from(COUNTED_CALLS);
    (count as f64 / calls, bytes as f64 / calls)
}
