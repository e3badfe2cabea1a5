//! The TLS settings of the HTTP client the runtime builds: rustls with the `ring` crypto
//! provider and the Mozilla roots of `webpki-roots`, as reqwest 0.12's `rustls-tls` had them.
//!
//! reqwest 0.13's `rustls` feature brings the `aws-lc-rs` provider (a C build with cmake), so
//! the runtime enables `rustls-no-provider` and hands reqwest this configuration instead of
//! installing a process-wide default provider, which is the application's to choose.

use std::sync::Arc;

/// A rustls client configuration for reqwest's `tls_backend_preconfigured`.
pub(crate) fn client_config() -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // What reqwest offers without its `http2` feature.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// A client with these settings, for unit tests (`reqwest::Client::new()` would panic for want
/// of a crypto provider).
#[cfg(test)]
pub(crate) fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(client_config())
        .build()
        .unwrap()
}
