//! The generated crate's changelog, kept as data: `spec/changelog.json` lists every release
//! with the semantic diff (`crate::diff`) from the previous release's spec. `generate` renders
//! it as the crate's `CHANGELOG.md` and takes the crate's version from its newest release:
//! the entries are what `diff --record` wrote, not prose written by hand.
//!
//! Releases are chained by the canonical sha256 of their specs: each release names the spec it
//! was generated from and the one before, and the newest must name the spec being generated.
//! That is how a skipped `diff --record` is caught (see [`Changelog::verify`]).
//!
//! Only the spec makes releases. A change of the generator that alters the crate is reviewed
//! as snapshot diffs (the public-API snapshot among them) and ships in the crate as committed,
//! under the current version.

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::diff::{bump, by_verdict, label, Change, Report};

/// The version of a first release.
pub const FIRST_VERSION: &str = "0.1.0";

/// Why a changelog does not describe the spec being generated, or cannot take a release.
/// Each message says what to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the changelog has no release")]
    NoRelease,
    #[error("the spec (sha256 {spec}) is not the one the newest release ({version}) was recorded for (sha256 {recorded}): run `atlas-codegen diff OLD NEW --record` for the spec change")]
    NotTheSpec {
        spec: String,
        version: String,
        recorded: String,
    },
    #[error("release {later} does not follow from release {earlier}: its previous spec is not that release's spec")]
    BrokenChain { later: String, earlier: String },
    #[error("release {later} after {earlier} should be {expected} by its changes")]
    WrongBump {
        later: String,
        earlier: String,
        expected: String,
    },
    #[error("the first release is {0}, not {FIRST_VERSION}")]
    WrongFirstVersion(String),
    #[error("the new spec is empty: there is nothing to release")]
    NothingToRelease,
    #[error("the changelog's newest release ({version}) was generated from the spec with sha256 {recorded}, but the old spec {old_file} is {old}: diff from that release's spec (e.g. `git show HEAD:spec/atlas-backups.yaml`)")]
    NotFromNewest {
        version: String,
        recorded: String,
        old_file: String,
        old: String,
    },
    #[error("the new spec is already release {0}")]
    AlreadyReleased(String),
    #[error("release version `{0}` is not MAJOR.MINOR.PATCH")]
    NotSemver(String),
    #[error("the two crates have the same public API: there is nothing to release")]
    NoApiChange,
    #[error("release {0} has breaking changes but no \"How to migrate\" line: none can be derived from its changes (a move, a new `use`, a rename), so add the caller's before and after to its `migration` list in spec/changelog.json ({{\"change\": …, \"before\": …, \"after\": …}})")]
    NoMigration(String),
}

/// `spec/changelog.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changelog {
    /// What the file is, for whoever opens it.
    #[serde(rename = "//")]
    pub about: String,
    /// Newest first.
    pub releases: Vec<Release>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The generated crate's version.
    pub version: String,
    /// `YYYY-MM-DD`, when it was recorded.
    pub date: String,
    /// Canonical sha256 of the spec the release is generated from.
    pub spec_sha256: String,
    /// Canonical sha256 of the previous release's spec (`None` for a first release).
    pub previous_spec_sha256: Option<String>,
    /// `info.version` of the spec.
    pub spec_version: String,
    /// The semantic diff from the previous release's spec.
    pub changes: Vec<Change>,
    /// What a caller changes that the diffs cannot see (a behaviour, a runtime type), written
    /// by hand; shown under "How to migrate" after the lines derived from `changes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migration: Vec<crate::migration::Note>,
}

const ABOUT: &str = "Releases of the generated crate, newest first. Written by `atlas-codegen diff OLD NEW --record` (a spec change) and `atlas-codegen api-diff OLD_CRATE --record` (a generator change); rendered into generated/CHANGELOG.md by `atlas-codegen generate`. Do not edit by hand, except a release's `migration` notes ({change, before, after}): what a caller changes that the diffs cannot see.";

impl Changelog {
    /// Parses the file's text; errors name the file and the JSON pointer of the problem.
    /// Unknown fields are errors (only the tool writes the file), such as the `crate_sha256`
    /// releases no longer record.
    pub fn parse(file: &str, text: &str) -> Result<Changelog, Diagnostic> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let pointer = json_pointer(error.path());
            let inner = error.into_inner();
            let mut diagnostic = Diagnostic::at(pointer, format!("invalid changelog: {inner}"));
            diagnostic.file = file.to_owned();
            if inner.line() > 0 {
                diagnostic.line = Some(inner.line());
                diagnostic.column = Some(inner.column());
            }
            diagnostic
        })
    }

    /// Pretty JSON with a trailing newline: the file's exact contents.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The newest release.
    pub fn newest(&self) -> Option<&Release> {
        self.releases.first()
    }

    /// Adds the release `report` describes, dated `date`, and returns it. `changelog` is
    /// `None` when there is none yet: the release is then the first one. Refuses a report
    /// whose old spec is not the newest release's spec (the chain would break), or whose new
    /// spec is.
    pub fn record(
        changelog: Option<Changelog>,
        report: &Report,
        date: &str,
    ) -> Result<Changelog, Problem> {
        let new_sha = report.new.sha256.clone().ok_or(Problem::NothingToRelease)?;
        let spec_version = report.new.version.clone().unwrap_or_default();
        let mut changelog = match changelog {
            None => Changelog {
                about: ABOUT.to_owned(),
                releases: Vec::new(),
            },
            Some(changelog) => changelog,
        };
        let version = match changelog.newest() {
            None => FIRST_VERSION.to_owned(),
            Some(newest) => {
                if report.old.sha256.as_deref() != Some(newest.spec_sha256.as_str()) {
                    return Err(Problem::NotFromNewest {
                        version: newest.version.clone(),
                        recorded: newest.spec_sha256.clone(),
                        old_file: report.old.file.clone(),
                        old: report
                            .old
                            .sha256
                            .clone()
                            .unwrap_or_else(|| "empty".to_owned()),
                    });
                }
                if newest.spec_sha256 == new_sha {
                    return Err(Problem::AlreadyReleased(newest.version.clone()));
                }
                bump(&newest.version, &report.changes)
                    .ok_or_else(|| Problem::NotSemver(newest.version.clone()))?
            }
        };
        changelog.releases.insert(
            0,
            Release {
                version,
                date: date.to_owned(),
                spec_sha256: new_sha,
                previous_spec_sha256: report.old.sha256.clone(),
                spec_version,
                changes: report.changes.clone(),
                migration: Vec::new(),
            },
        );
        Ok(changelog)
    }

    /// Adds a release of the same spec whose crate a generator change altered: `changes` are
    /// what `api-diff` found between the crates, and the version is bumped by them (a
    /// breaking change to the public API is a breaking release, whatever made it). Nothing
    /// asks for such a release: a maintainer records one when a generator change is worth
    /// telling users about.
    pub fn record_generator_change(
        changelog: Changelog,
        changes: &[Change],
        date: &str,
    ) -> Result<Changelog, Problem> {
        let mut changelog = changelog;
        let newest = changelog.newest().ok_or(Problem::NoRelease)?;
        if changes.is_empty() {
            return Err(Problem::NoApiChange);
        }
        let version = bump(&newest.version, changes)
            .ok_or_else(|| Problem::NotSemver(newest.version.clone()))?;
        let release = Release {
            version,
            date: date.to_owned(),
            spec_sha256: newest.spec_sha256.clone(),
            previous_spec_sha256: Some(newest.spec_sha256.clone()),
            spec_version: newest.spec_version.clone(),
            changes: changes.to_vec(),
            migration: Vec::new(),
        };
        changelog.releases.insert(0, release);
        Ok(changelog)
    }

    /// Checks that the newest release is the spec with canonical sha256 `spec_sha256`, that
    /// each release follows from the one before, and that each version is the bump its
    /// changes call for. What it returns says what to run.
    pub fn verify(&self, spec_sha256: &str) -> Result<(), Problem> {
        let newest = self.newest().ok_or(Problem::NoRelease)?;
        if newest.spec_sha256 != spec_sha256 {
            return Err(Problem::NotTheSpec {
                spec: spec_sha256.to_owned(),
                version: newest.version.clone(),
                recorded: newest.spec_sha256.clone(),
            });
        }
        for pair in self.releases.windows(2) {
            let (later, earlier) = (&pair[0], &pair[1]);
            if later.previous_spec_sha256.as_deref() != Some(earlier.spec_sha256.as_str()) {
                return Err(Problem::BrokenChain {
                    later: later.version.clone(),
                    earlier: earlier.version.clone(),
                });
            }
            let expected = bump(&earlier.version, &later.changes);
            if expected.as_deref() != Some(later.version.as_str()) {
                return Err(Problem::WrongBump {
                    later: later.version.clone(),
                    earlier: earlier.version.clone(),
                    expected: expected.unwrap_or_else(|| "a MAJOR.MINOR.PATCH version".to_owned()),
                });
            }
        }
        // A breaking release says how to move to it (the first has nothing to move from).
        for release in &self.releases[..self.releases.len() - 1] {
            let breaking = release.changes.iter().any(|change| change.breaking);
            if breaking
                && release.migration.is_empty()
                && crate::migration::derived(&release.changes).is_empty()
            {
                return Err(Problem::NoMigration(release.version.clone()));
            }
        }
        match self.releases.last() {
            Some(first) if first.version != FIRST_VERSION => {
                Err(Problem::WrongFirstVersion(first.version.clone()))
            }
            _ => Ok(()),
        }
    }

    /// The crate's `CHANGELOG.md`.
    pub fn to_markdown(&self, package: &str) -> String {
        let mut out = format!(
            "# Changelog of `{package}`\n\n\
             Generated by `atlas-codegen` from `spec/changelog.json`; do not edit by hand.\n\n\
             Each release is generated from a spec, and its entries are the semantic diff \
             (`atlas-codegen diff`) from the previous release's spec, as it reaches this crate's \
             API; a release of the same spec is a change the generator made, and its entries \
             are the public-API diff (`atlas-codegen api-diff`). Versions follow Cargo's semver rules: below 1.0, a breaking change bumps the \
             minor version and anything else the patch version.\n"
        );
        for release in &self.releases {
            out.push_str(&format!("\n## {} ({})\n\n", release.version, release.date));
            out.push_str(&format!(
                "Spec `info.version` {}, canonical sha256 `{}`.\n",
                release.spec_version, release.spec_sha256
            ));
            match &release.previous_spec_sha256 {
                None => out.push_str("First release.\n"),
                Some(previous) if *previous == release.spec_sha256 => out.push_str(
                    "The same spec as the release before: a generator change altered the crate's API.\n",
                ),
                Some(_) => {}
            }
            if release.changes.is_empty() {
                out.push_str("\nNo change to the crate's API (the spec changed in ways the crate does not show, such as descriptions).\n");
            }
            for (title, group) in by_verdict(&release.changes, "Other changes") {
                out.push_str(&format!("\n### {title}\n\n"));
                for change in group {
                    let used_by = if change.operations.is_empty() {
                        String::new()
                    } else {
                        format!(" (used by {})", change.operations.join(", "))
                    };
                    out.push_str(&format!(
                        "- {}: `{}`: {}{used_by}. {}.\n",
                        label(change.kind),
                        change.item,
                        change.detail,
                        capitalized(&change.why)
                    ));
                }
            }
            out.push_str(&crate::migration::section(
                &release.changes,
                &release.migration,
            ));
        }
        out
    }
}

/// The UTC date (`YYYY-MM-DD`, proleptic Gregorian) of a Unix time in seconds: Howard
/// Hinnant's days-to-civil algorithm, in eras of 400 years.
pub fn date_of(unix_seconds: u64) -> String {
    let days = i64::try_from(unix_seconds / 86_400).unwrap_or(i64::MAX / 2) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A `serde_path_to_error` path as a JSON pointer.
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        let token = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        pointer = crate::diagnostics::child(&pointer, token);
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::ChangeKind;

    fn first_release() -> Changelog {
        Changelog {
            about: ABOUT.to_owned(),
            releases: vec![Release {
                version: FIRST_VERSION.to_owned(),
                date: "2026-11-23".to_owned(),
                spec_sha256: "a".repeat(64),
                previous_spec_sha256: None,
                spec_version: "2.0".to_owned(),
                changes: Vec::new(),
                migration: Vec::new(),
            }],
        }
    }

    fn api_change(kind: ChangeKind) -> Change {
        Change {
            kind,
            breaking: kind.breaking(),
            item: "Client::get_backup_export".to_owned(),
            spec: String::new(),
            detail: "signature".to_owned(),
            why: kind.why().to_owned(),
            operations: Vec::new(),
        }
    }

    #[test]
    fn a_generator_change_is_a_release_of_the_same_spec_bumped_by_its_changes() {
        let breaking = Changelog::record_generator_change(
            first_release(),
            &[api_change(ChangeKind::ApiItemChanged)],
            "2026-12-01",
        )
        .unwrap();
        let newest = breaking.newest().unwrap();
        assert_eq!(newest.version, "0.2.0");
        assert_eq!(newest.spec_sha256, "a".repeat(64));
        assert_eq!(
            newest.previous_spec_sha256.as_deref(),
            Some(newest.spec_sha256.as_str())
        );
        // The chain and the bump hold, but a breaking release needs a way forward: `check`
        // asks for one until a `migration` note is written.
        assert_eq!(
            breaking.verify(&"a".repeat(64)),
            Err(Problem::NoMigration("0.2.0".to_owned()))
        );
        let mut breaking = breaking;
        breaking.releases[0].migration.push(crate::migration::Note {
            change: "the call takes the body by value".to_owned(),
            before: "client.call(&body)".to_owned(),
            after: "client.call(body)".to_owned(),
        });
        breaking.verify(&"a".repeat(64)).unwrap();
        let markdown = breaking.to_markdown("atlas-admin");
        assert!(markdown.contains("The same spec as the release before: a generator change"));
        assert!(markdown.contains(
            "### How to migrate\n\n- the call takes the body by value: before `client.call(&body)`, after `client.call(body)`."
        ));
        // Only hand-written notes may be added: the file is otherwise the tool's.
        let text = breaking.to_json();
        assert_eq!(Changelog::parse("changelog.json", &text).unwrap(), breaking);

        let additive = Changelog::record_generator_change(
            first_release(),
            &[api_change(ChangeKind::ApiItemAdded)],
            "2026-12-01",
        )
        .unwrap();
        assert_eq!(additive.newest().unwrap().version, "0.1.1");

        assert_eq!(
            Changelog::record_generator_change(first_release(), &[], "2026-12-01"),
            Err(Problem::NoApiChange)
        );
        let empty = Changelog {
            about: ABOUT.to_owned(),
            releases: Vec::new(),
        };
        assert_eq!(
            Changelog::record_generator_change(
                empty,
                &[api_change(ChangeKind::ApiItemAdded)],
                "2026-12-01"
            ),
            Err(Problem::NoRelease)
        );
    }

    #[test]
    fn dates_of_unix_times() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(86_399), "1970-01-01");
        assert_eq!(date_of(951_782_400), "2000-02-29");
        assert_eq!(date_of(951_868_800), "2000-03-01");
        assert_eq!(date_of(1_798_502_400), "2026-12-29");
        assert_eq!(date_of(4_107_542_400), "2100-03-01");
    }
}
