//! A diff's result as a document: who was compared, what changed, and the version bump it
//! calls for; rendered as text for people and as JSON for tools (and the changelog).

use serde::{Deserialize, Serialize};

use super::{Change, ChangeKind};

/// One side of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecSummary {
    /// The file as given on the command line (`/dev/null` for nothing).
    pub file: String,
    /// Canonical sha256 of the spec (as in the generated files' headers); `None` for nothing.
    pub sha256: Option<String>,
    /// `info.version`.
    pub version: Option<String>,
    /// Operations in scope.
    pub operations: usize,
    /// Operations the scope leaves out (said in the text report, so an operation dropped
    /// from the curated list is not silently ignored).
    pub outside_scope: usize,
}

/// Everything `atlas-codegen diff` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub old: SpecSummary,
    pub new: SpecSummary,
    /// What was compared: `all operations` or the curated list it came from.
    pub scope: String,
    pub breaking: usize,
    pub non_breaking: usize,
    pub changes: Vec<Change>,
}

impl Report {
    pub fn new(old: SpecSummary, new: SpecSummary, scope: String, changes: Vec<Change>) -> Self {
        let breaking = changes.iter().filter(|change| change.breaking).count();
        Report {
            old,
            new,
            scope,
            breaking,
            non_breaking: changes.len() - breaking,
            changes,
        }
    }

    pub fn has_breaking(&self) -> bool {
        self.breaking > 0
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The report for people: breaking changes first, each with why.
    pub fn to_text(&self) -> String {
        let side = |summary: &SpecSummary| match &summary.sha256 {
            Some(sha) => format!(
                "{} (sha256 {}…, {} operations{})",
                summary.file,
                &sha[..sha.len().min(12)],
                summary.operations,
                match summary.outside_scope {
                    0 => String::new(),
                    n => format!("; {n} more outside the scope, compared with --all"),
                }
            ),
            None => format!("{} (nothing)", summary.file),
        };
        let mut out = format!(
            "old: {}\nnew: {}\nscope: {}\n",
            side(&self.old),
            side(&self.new),
            self.scope
        );
        out.push_str(&changes_text(&self.changes));
        out
    }
}

/// One side of an API diff: a crate's public API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSummary {
    /// The crate directory.
    pub source: String,
    /// sha256 of its public-API report.
    pub sha256: String,
    /// Lines of the report.
    pub items: usize,
}

/// Everything `atlas-codegen api-diff` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReport {
    pub old: ApiSummary,
    pub new: ApiSummary,
    pub breaking: usize,
    pub non_breaking: usize,
    pub changes: Vec<Change>,
}

impl ApiReport {
    pub fn new(old: ApiSummary, new: ApiSummary, changes: Vec<Change>) -> Self {
        let breaking = changes.iter().filter(|change| change.breaking).count();
        ApiReport {
            old,
            new,
            breaking,
            non_breaking: changes.len() - breaking,
            changes,
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The report for people, as [`Report::to_text`] lays it out.
    pub fn to_text(&self) -> String {
        let short = |sha: &str| sha[..sha.len().min(12)].to_owned();
        let side = |summary: &ApiSummary| {
            format!(
                "{} (public API sha256 {}…, {} lines)",
                summary.source,
                short(&summary.sha256),
                summary.items
            )
        };
        let mut out = format!("old: {}\nnew: {}\n", side(&self.old), side(&self.new));
        out.push_str(&changes_text(&self.changes));
        out
    }
}

/// The changes for people: breaking ones first, each with why, then the totals.
fn changes_text(changes: &[Change]) -> String {
    let mut out = String::new();
    for (title, group) in by_verdict(changes, "Non-breaking changes") {
        out.push_str(&format!("\n{title} ({}):\n", group.len()));
        for change in group {
            out.push_str(&format!(
                "  {} {}: {}\n",
                label(change.kind),
                change.item,
                change.detail
            ));
            if !change.spec.is_empty() {
                out.push_str(&format!("      at {}\n", change.spec));
            }
            if !change.operations.is_empty() {
                out.push_str(&format!("      used by {}\n", change.operations.join(", ")));
            }
            out.push_str(&format!("      {}\n", change.why));
        }
    }
    let breaking = changes.iter().filter(|change| change.breaking).count();
    out.push_str(&format!(
        "\n{} change{}: {} breaking, {} non-breaking.\n",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        breaking,
        changes.len() - breaking
    ));
    out
}

/// The breaking changes, then the others (titled `others`), leaving out an empty group.
pub fn by_verdict<'c>(
    changes: &'c [Change],
    others: &'static str,
) -> Vec<(&'static str, Vec<&'c Change>)> {
    [(true, "Breaking changes"), (false, others)]
        .into_iter()
        .map(|(breaking, title)| {
            let group = changes.iter().filter(|change| change.breaking == breaking);
            (title, group.collect::<Vec<_>>())
        })
        .filter(|(_, group)| !group.is_empty())
        .collect()
}

/// `OperationAdded` → `operation added`.
pub fn label(kind: ChangeKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(|name| name.replace('_', " ")))
        .unwrap_or_default()
}

/// The next version of the generated crate after `changes`, by Cargo's semver rules: a
/// breaking change bumps the major version (the minor one below 1.0); anything else bumps the
/// minor version (the patch one below 1.0). `None` when `version` is not `MAJOR.MINOR.PATCH`.
pub fn bump(version: &str, changes: &[Change]) -> Option<String> {
    let mut parts = version.split('.').map(str::parse::<u64>);
    let (Some(Ok(major)), Some(Ok(minor)), Some(Ok(patch)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let breaking = changes.iter().any(|change| change.breaking);
    let additive = !changes.is_empty();
    Some(match (major, breaking, additive) {
        (0, true, _) => format!("0.{}.0", minor + 1),
        (0, false, _) => format!("0.{minor}.{}", patch + 1),
        (_, true, _) => format!("{}.0.0", major + 1),
        (_, false, true) => format!("{major}.{}.0", minor + 1),
        (_, false, false) => format!("{major}.{minor}.{}", patch + 1),
    })
}
