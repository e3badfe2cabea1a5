//! Choosing the media type an operation speaks.
//!
//! Atlas versions resources through vendor media types such as
//! `application/vnd.atlas.2023-01-01+json`; error bodies come back as plain
//! `application/json`. Any `application/json` or `application/*+json` type is JSON to the
//! client; among versioned ones the newest stable version wins, and `preview` is only taken
//! when nothing else is offered.

use indexmap::IndexMap;
use openapiv3::MediaType;

use crate::diagnostics::{child, Diagnostic};

const ATLAS_PREFIX: &str = "application/vnd.atlas.";

/// Whether the client can decode (or encode) `media_type` as JSON.
pub fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The resource version a versioned Atlas media type selects: `YYYY-MM-DD` or `preview`.
pub fn version_of(media_type: &str) -> Option<String> {
    let rest = media_type.strip_prefix(ATLAS_PREFIX)?;
    let (version, _suffix) = rest.split_once('+')?;
    let is_date = version.len() == 10
        && version.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    (is_date || version == "preview").then(|| version.to_owned())
}

/// Records the resource versions `content` offers in `versions` (version -> `x-sunset`),
/// whether or not the policy allows them: what an operation offers is what a diff compares.
pub fn record_versions(
    content: &IndexMap<String, MediaType>,
    versions: &mut std::collections::BTreeMap<String, Option<String>>,
) {
    for (name, media) in content {
        if let Some(version) = version_of(name) {
            let sunset = media
                .extensions
                .get("x-sunset")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            let entry = versions.entry(version).or_default();
            if entry.is_none() {
                *entry = sunset;
            }
        }
    }
}

/// Which resource versions an operation may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionPolicy {
    /// `YYYY-MM-DD`: only versions released on or before it (as Atlas resolves a date).
    /// `None`: the newest stable version.
    pub api_version: Option<String>,
    /// Whether `preview` versions may be used (for operations with no stable version).
    pub preview: bool,
}

impl VersionPolicy {
    /// Preference rank of a media type, `None` when the policy rules it out: dated versions
    /// by date, then unversioned JSON, then preview.
    fn rank(&self, media_type: &str) -> Option<(u8, String)> {
        match version_of(media_type) {
            Some(version) if version == "preview" => self.preview.then(|| (0, String::new())),
            Some(version) => match &self.api_version {
                Some(limit) if version.as_str() > limit.as_str() => None,
                _ => Some((2, version)),
            },
            None => Some((1, String::new())),
        }
    }
}

/// Picks the media type to use from `content` (at pointer `at`): the one matching `prefer`'s
/// version when given and offered, else the best-ranked JSON type. `Ok(None)` when `content`
/// is empty; an error when it offers no JSON type at all.
pub fn pick<'c>(
    content: &'c IndexMap<String, MediaType>,
    prefer: Option<&str>,
    policy: &VersionPolicy,
    at: &str,
) -> Result<Option<(&'c str, &'c MediaType)>, Diagnostic> {
    if content.is_empty() {
        return Ok(None);
    }
    let mut json: Vec<(&str, &MediaType)> = content
        .iter()
        .filter(|(name, _)| is_json(name))
        .map(|(name, media)| (name.as_str(), media))
        .collect();
    if json.is_empty() {
        let offered: Vec<&str> = content.keys().map(String::as_str).collect();
        let first = offered.first().copied().unwrap_or_default();
        return Err(Diagnostic::at(
            child(at, first),
            format!("unsupported media type{} `{}`: only JSON media types (application/json, application/*+json) are supported", if offered.len() > 1 { "s" } else { "" }, offered.join("`, `")),
        ));
    }
    if let Some(version) = prefer {
        if let Some(found) = json
            .iter()
            .find(|(name, _)| version_of(name).as_deref() == Some(version))
        {
            return Ok(Some(*found));
        }
    }
    json.retain(|(name, _)| policy.rank(name).is_some());
    json.sort_by(|a, b| {
        policy
            .rank(b.0)
            .cmp(&policy.rank(a.0))
            .then_with(|| a.0.cmp(b.0))
    });
    Ok(json.first().copied())
}

/// A chosen media type and its object, if any was offered.
pub type Picked<'c> = Option<(&'c str, &'c MediaType)>;

/// Picks a success response's media type: a JSON one when offered, else the best-ranked
/// other type, whose body the client returns as raw bytes (`+gzip`, `+csv`). The flag says
/// whether the body is raw.
pub fn pick_success<'c>(
    content: &'c IndexMap<String, MediaType>,
    policy: &VersionPolicy,
    at: &str,
) -> Result<(Picked<'c>, bool), Diagnostic> {
    if content.is_empty() || content.keys().any(|name| is_json(name)) {
        return Ok((pick(content, None, policy, at)?, false));
    }
    let mut offered: Vec<(&str, &MediaType)> = content
        .iter()
        .filter(|(name, _)| policy.rank(name).is_some())
        .map(|(name, media)| (name.as_str(), media))
        .collect();
    offered.sort_by(|a, b| {
        policy
            .rank(b.0)
            .cmp(&policy.rank(a.0))
            .then_with(|| a.0.cmp(b.0))
    });
    Ok((offered.first().copied(), true))
}

/// Whether `content` (a success response's) offers a media type the policy allows.
pub fn offers_allowed(content: &IndexMap<String, MediaType>, policy: &VersionPolicy) -> bool {
    content.is_empty() || content.keys().any(|name| policy.rank(name).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_versions_and_json() {
        assert_eq!(
            version_of("application/vnd.atlas.2023-01-01+json").as_deref(),
            Some("2023-01-01")
        );
        assert_eq!(
            version_of("application/vnd.atlas.preview+json").as_deref(),
            Some("preview")
        );
        assert_eq!(version_of("application/vnd.atlas.2023-1-01+json"), None);
        assert!(is_json("application/vnd.atlas.2023-01-01+json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(!is_json("application/vnd.atlas.2023-01-01+gzip"));
        assert!(!is_json("text/csv"));
    }
}
