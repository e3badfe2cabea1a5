//! The cheapest HTTP/1.1 server that answers like Atlas: each (method, path) has a response
//! rendered once, head and body, written as it is; connections are kept alive. It runs on a
//! thread and runtime of its own, so that it costs both sides of a comparison the same and its
//! allocations are not counted as the client's. Binds 127.0.0.1, port 0; dropping it stops it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// What the server answers to one method and path (the query is not looked at).
pub struct Route {
    pub method: &'static str,
    pub path: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

pub struct CannedServer {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    recorder: Arc<Recorder>,
}

/// Requests kept while recording is on, byte for byte (head and body).
#[derive(Default)]
struct Recorder {
    on: AtomicBool,
    requests: Mutex<Vec<Vec<u8>>>,
}

/// A route as the server keeps it: the request line's start and the whole response.
struct Rendered {
    method: Vec<u8>,
    path: Vec<u8>,
    response: Vec<u8>,
}

impl CannedServer {
    pub fn start(routes: Vec<Route>) -> Self {
        let rendered: Arc<Vec<Rendered>> = Arc::new(routes.into_iter().map(render).collect());
        let recorder = Arc::new(Recorder::default());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let address = listener.local_addr().expect("the listener's address");
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("canned-server".into())
            .spawn({
                let recorder = recorder.clone();
                move || serve(listener, rendered, recorder, stopped)
            })
            .expect("a server thread");
        CannedServer {
            address,
            stop: Some(stop),
            thread: Some(thread),
            recorder,
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Keeps every request that arrives from now on until [`CannedServer::take_recorded`].
    pub fn record(&self) {
        self.recorder.on.store(true, Ordering::SeqCst);
    }

    /// The requests kept since [`CannedServer::record`], which stops recording.
    pub fn take_recorded(&self) -> Vec<Vec<u8>> {
        self.recorder.on.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.recorder.requests.lock().unwrap())
    }
}

impl Drop for CannedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn render(route: Route) -> Rendered {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {}\r\ncontent-length: {}\r\n\r\n",
        route.content_type,
        route.body.len()
    )
    .into_bytes();
    response.extend_from_slice(&route.body);
    Rendered {
        method: route.method.as_bytes().to_vec(),
        path: route.path.into_bytes(),
        response,
    }
}

fn serve(
    listener: std::net::TcpListener,
    routes: Arc<Vec<Rendered>>,
    recorder: Arc<Recorder>,
    stopped: oneshot::Receiver<()>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("the server's runtime");
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).expect("a tokio listener");
        let accept = async {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, routes.clone(), recorder.clone()));
            }
        };
        tokio::select! {
            () = accept => {}
            _ = stopped => {}
        }
    });
    // Dropping the runtime drops every connection task with it.
}

/// Answers the requests of one connection until the client closes it.
async fn connection(mut stream: TcpStream, routes: Arc<Vec<Rendered>>, recorder: Arc<Recorder>) {
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0; 16 * 1024];
    loop {
        // The head, then as much body as it announces.
        let end = loop {
            if let Some(at) = find(&buffer, b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        };
        let length = content_length(&buffer[..end]);
        while buffer.len() < end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        }
        let request = &buffer[..end + length];
        if recorder.on.load(Ordering::SeqCst) {
            recorder.requests.lock().unwrap().push(request.to_vec());
        }
        let response = route(&routes, request).map_or(
            &b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"[..],
            |found| &found.response,
        );
        if stream.write_all(response).await.is_err() {
            return;
        }
        buffer.drain(..end + length);
    }
}

/// The route whose method and path start the request line (`GET /path?query HTTP/1.1`).
fn route<'a>(routes: &'a [Rendered], request: &[u8]) -> Option<&'a Rendered> {
    let line = &request[..find(request, b"\r\n")?];
    let mut parts = line.split(|&byte| byte == b' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let path = target.split(|&byte| byte == b'?').next()?;
    routes
        .iter()
        .find(|route| route.method == method && route.path == path)
}

fn content_length(head: &[u8]) -> usize {
    head.split(|&byte| byte == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|&byte| byte == b':')?;
            let (name, value) = line.split_at(colon);
            name.eq_ignore_ascii_case(b"content-length")
                .then(|| std::str::from_utf8(&value[1..]).ok()?.trim().parse().ok())
                .flatten()
        })
        .next()
        .unwrap_or(0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
