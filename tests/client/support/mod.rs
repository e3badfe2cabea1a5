pub mod atlas_like;
pub mod chaos;
pub mod load_atlas;
pub mod token_bucket;

/// A base URL on 127.0.0.1 where nothing listens: a port that was free a moment ago.
pub fn nothing_listening() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}
