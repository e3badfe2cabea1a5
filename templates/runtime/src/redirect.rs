//! Which redirects the runtime follows. The HTTP client the runtime builds follows none
//! itself (reqwest's policy would re-send a `POST` answered 301/302/303 as a `GET`, and sign
//! nothing again), so every 3xx reaches the request loop, which asks [`next_url`].
//!
//! Followed: a redirect on the same origin (scheme, host and port), for any method with 307
//! and 308 (which keep the method and body) and for `GET` and `HEAD` with 301, 302 and 303;
//! each hop is authorized again, so a Digest answer signs the new path. A redirect to another
//! origin is followed only by a client without credentials. At most [`MAX_REDIRECTS`] in a row.
//!
//! Why the runtime and not reqwest: reqwest's policy sees only the status and the URLs, not the
//! method, and its default re-sends a `POST` answered 301 or 302 (and anything answered 303) as a
//! body-less `GET`, reuses a Digest answer signed for the old path, and follows to any host after
//! dropping `Authorization` (its `remove_sensitive_headers`, checked in the reqwest 0.12.28 and
//! 0.13.5 sources and in the secure-defaults tests). Another origin is followed only without
//! credentials (nothing to leak; hooks add no secrets by contract) and never to plain http beyond
//! loopback. What is not followed is a `TransportErrorKind::Redirect` with the 3xx status and the
//! reason, never retried. The OAuth token request runs on the same client, so its `Basic`
//! credentials never follow a redirect: a 3xx from the token endpoint is a `TokenRequestFailed`
//! with that status. A caller's own `http_client` keeps its own policy, which runs first; these
//! rules then apply to whatever 3xx it lets through.

use http::{Method, StatusCode};

use crate::client::is_loopback;

/// Redirects followed in a row before giving up (reqwest's default limit too).
pub(crate) const MAX_REDIRECTS: u32 = 10;

/// The statuses that redirect with a `Location`.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// What the runtime needs to know to judge a redirect.
pub(crate) struct Redirect<'a> {
    pub(crate) status: StatusCode,
    pub(crate) method: &'a Method,
    pub(crate) from: &'a reqwest::Url,
    pub(crate) location: &'a str,
    /// Redirects already followed for this call.
    pub(crate) followed: u32,
    /// Whether the request carries credentials (anything but anonymous).
    pub(crate) credentials: bool,
    pub(crate) allow_insecure_http: bool,
}

/// Where to send the request next, or why not.
pub(crate) fn next_url(redirect: &Redirect<'_>) -> Result<reqwest::Url, String> {
    if redirect.followed >= MAX_REDIRECTS {
        return Err("too many redirects".to_owned());
    }
    let status = redirect.status;
    let next = redirect
        .from
        .join(redirect.location)
        .map_err(|_| format!("the {status} redirect's Location is not a URL"))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(format!(
            "not following the {status} redirect to a {} URL",
            next.scheme()
        ));
    }
    let keeps_method = matches!(
        status,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
    );
    if !keeps_method && !matches!(*redirect.method, Method::GET | Method::HEAD) {
        return Err(format!(
            "not following the {status} redirect of a {}: it would be sent again as a GET \
             without its body (only 307 and 308 keep the method)",
            redirect.method
        ));
    }
    if next.origin() != redirect.from.origin() && redirect.credentials {
        return Err(format!(
            "not following the {status} redirect to {}: the request carries credentials, \
             which are only sent to {}",
            origin_text(&next),
            origin_text(redirect.from)
        ));
    }
    if next.scheme() == "http" && !redirect.allow_insecure_http && !is_loopback(&next) {
        return Err(format!(
            "not following the {status} redirect to plain http at {}: it would cross the \
             network unencrypted (`allow_insecure_http(true)` allows it)",
            origin_text(&next)
        ));
    }
    Ok(next)
}

/// `scheme://host:port`, never a path or query.
fn origin_text(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(
        status: u16,
        method: Method,
        location: &str,
        credentials: bool,
    ) -> Result<String, String> {
        let from = reqwest::Url::parse("https://cloud.mongodb.com/api/atlas/v2/a?x=1").unwrap();
        next_url(&Redirect {
            status: StatusCode::from_u16(status).unwrap(),
            method: &method,
            from: &from,
            location,
            followed: 0,
            credentials,
            allow_insecure_http: false,
        })
        .map(|url| url.to_string())
    }

    #[test]
    fn same_origin_redirects_are_followed_without_changing_the_method() {
        assert_eq!(
            judge(302, Method::GET, "/api/atlas/v2/b", true).unwrap(),
            "https://cloud.mongodb.com/api/atlas/v2/b"
        );
        for status in [307, 308] {
            assert!(judge(status, Method::POST, "b", true).is_ok());
        }
        for status in [301, 302, 303] {
            for method in [Method::POST, Method::PATCH, Method::PUT, Method::DELETE] {
                let reason = judge(status, method.clone(), "/b", true).unwrap_err();
                assert!(
                    reason.contains(&format!("of a {method}"))
                        && reason.contains("sent again as a GET"),
                    "{reason}"
                );
            }
        }
    }

    #[test]
    fn credentials_never_follow_a_redirect_to_another_origin() {
        for location in [
            "https://evil.example.test/steal",
            "https://cloud.mongodb.com:8443/a",
            "http://cloud.mongodb.com/a",
        ] {
            let reason = judge(307, Method::GET, location, true).unwrap_err();
            assert!(
                reason.contains("carries credentials")
                    && reason.contains("https://cloud.mongodb.com:443")
                    && !reason.contains("steal")
                    && !reason.contains("x=1"),
                "{reason}"
            );
        }
        // Without credentials there is nothing to leak, but plain http is still refused.
        assert!(judge(302, Method::GET, "https://other.example.test/a", false).is_ok());
        let reason = judge(302, Method::GET, "http://other.example.test/a", false).unwrap_err();
        assert!(reason.contains("plain http"), "{reason}");
        let reason = judge(302, Method::GET, "ftp://other.example.test/a", false).unwrap_err();
        assert!(reason.contains("ftp"), "{reason}");
    }

    #[test]
    fn redirects_are_bounded() {
        let from = reqwest::Url::parse("https://cloud.mongodb.com/a").unwrap();
        let redirect = Redirect {
            status: StatusCode::FOUND,
            method: &Method::GET,
            from: &from,
            location: "/a",
            followed: MAX_REDIRECTS,
            credentials: false,
            allow_insecure_http: false,
        };
        assert_eq!(next_url(&redirect).unwrap_err(), "too many redirects");
    }
}
