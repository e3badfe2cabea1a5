//! A raw HTTP/1.1 server on 127.0.0.1 that can misbehave in the ways wiremock cannot: reset
//! the connection before answering or in the middle of a body, close it before the body it
//! announced is complete, send a body slowly, stop sending one midway, or send one that
//! never ends. Each request is
//! handed to a function that chooses the [`Answer`]. Connections are kept alive between
//! answers that leave them usable. Dropping the server stops it and every connection.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A request as it arrived.
pub struct RawRequest {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// How to answer one request.
pub enum Answer {
    /// A complete response; the connection stays open.
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Reset (RST) the connection without a byte of response.
    ResetBeforeResponse,
    /// Status, headers announcing `body` in full, the first half of it, then a reset.
    ResetMidBody { status: u16, body: Vec<u8> },
    /// Status, headers announcing `body` in full, the first half of it, then a clean close.
    Truncated { status: u16, body: Vec<u8> },
    /// A complete response whose body is written in `pieces` parts with `pause` between them.
    Slow {
        status: u16,
        body: Vec<u8>,
        pieces: usize,
        pause: Duration,
    },
    /// A 200 with a chunked body that never ends (until the client goes away).
    Endless,
    /// Status, headers announcing `body` in full, the first half of it, then nothing more
    /// for `silence` (the connection stays open), then a close.
    Stall {
        status: u16,
        body: Vec<u8>,
        silence: Duration,
    },
}

pub type Handler = Arc<dyn Fn(&RawRequest) -> Answer + Send + Sync>;

pub struct ChaosServer {
    address: String,
    accept: JoinHandle<()>,
}

impl ChaosServer {
    pub async fn start(handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let accept = tokio::spawn(async move {
            // Owned by this task: aborting it aborts every connection.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve(stream, handler.clone()));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        ChaosServer { address, accept }
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        self.address.clone()
    }
}

impl Drop for ChaosServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

fn head(status: u16, headers: &[(&'static str, String)], length: Option<usize>) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    match length {
        Some(length) => text.push_str(&format!("content-length: {length}\r\n")),
        None => text.push_str("transfer-encoding: chunked\r\n"),
    }
    text.push_str("content-type: application/json\r\n\r\n");
    text.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request; `None` when the client closed the connection or sent garbage.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<RawRequest> {
    let mut chunk = [0; 8192];
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 || buffer.len() > 1 << 20 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let text = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    buffer.drain(..end + 4);
    while buffer.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    // The body is read to keep the connection in step; no test looks at it.
    buffer.drain(..length);
    Some(RawRequest {
        method,
        target,
        headers,
    })
}

async fn serve(mut stream: TcpStream, handler: Handler) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let keep_going = answer(&mut stream, handler(&request)).await;
        if !keep_going {
            return;
        }
    }
}

/// Writes `answer`; whether the connection can serve another request.
async fn answer(stream: &mut TcpStream, answer: Answer) -> bool {
    match answer {
        Answer::Full {
            status,
            headers,
            body,
        } => {
            let mut bytes = head(status, &headers, Some(body.len()));
            bytes.extend_from_slice(&body);
            stream.write_all(&bytes).await.is_ok()
        }
        Answer::ResetBeforeResponse => {
            let _ = stream.set_zero_linger();
            false
        }
        Answer::Stall {
            status,
            body,
            silence,
        } => {
            let mut bytes = head(status, &[], Some(body.len()));
            bytes.extend_from_slice(&body[..body.len() / 2]);
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            tokio::time::sleep(silence).await;
            false
        }
        Answer::ResetMidBody { status, body } => {
            let mut bytes = head(status, &[], Some(body.len()));
            bytes.extend_from_slice(&body[..body.len() / 2]);
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            // Let the client read the head and half the body before the reset.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = stream.set_zero_linger();
            false
        }
        Answer::Truncated { status, body } => {
            let mut bytes = head(status, &[], Some(body.len()));
            bytes.extend_from_slice(&body[..body.len() / 2]);
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
            false
        }
        Answer::Slow {
            status,
            body,
            pieces,
            pause,
        } => {
            if stream
                .write_all(&head(status, &[], Some(body.len())))
                .await
                .is_err()
            {
                return false;
            }
            let size = body.len().div_ceil(pieces.max(1)).max(1);
            for piece in body.chunks(size) {
                tokio::time::sleep(pause).await;
                if stream.write_all(piece).await.is_err() {
                    return false;
                }
            }
            true
        }
        Answer::Endless => {
            if stream.write_all(&head(200, &[], None)).await.is_err() {
                return false;
            }
            let piece = format!("{:x}\r\n{}\r\n", 16 * 1024, "x".repeat(16 * 1024));
            // Until the client stops reading (it closes the connection).
            while stream.write_all(piece.as_bytes()).await.is_ok() {}
            false
        }
    }
}
