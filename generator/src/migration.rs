//! "How to migrate": for each breaking release, one line per change a caller has to make,
//! with the code before and after.
//!
//! Most lines are read off the release's changes, from the kinds `api-diff` already reports:
//! an item removed at one path and added at another with the same name is a **moved** item
//! (the `use` changes); a method removed from a type and added to a trait that the release
//! adds is a **new `use`** of that trait; a method removed and another added on the same
//! owner with the same signature under another name is a **renamed** call. What no diff can
//! see (a behaviour, a type of the runtime's) is a note recorded by hand in the release's
//! `migration` list of `spec/changelog.json`, shown after the derived lines.

use serde::{Deserialize, Serialize};

use crate::diff::{Change, ChangeKind};

/// One change a caller makes, with the code before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// What changed, in a few words.
    pub change: String,
    /// The caller's code before.
    pub before: String,
    /// The caller's code after.
    pub after: String,
}

/// The lines `changes` call for, in the order of the changes that removed something.
pub fn derived(changes: &[Change]) -> Vec<Note> {
    let added: Vec<&Change> = of_kind(changes, ChangeKind::ApiItemAdded).collect();
    let mut notes = Vec::new();
    for removed in of_kind(changes, ChangeKind::ApiItemRemoved) {
        let (owner, name) = split(&removed.item);
        let krate = crate_of(removed);
        // Moved to a trait the release adds: the caller adds a `use`.
        let into_trait = added.iter().find(|method| {
            let (trait_path, added_name) = split(&method.item);
            added_name == name
                && trait_path != owner
                && added.iter().any(|declared| {
                    declared.item == trait_path && declared.detail.contains("pub trait ")
                })
        });
        if let Some(moved) = into_trait {
            let (trait_path, _) = split(&moved.item);
            notes.push(Note {
                change: format!(
                    "`{}` is now a method of the trait `{trait_path}`",
                    removed.item
                ),
                before: format!("value.{name}(…)"),
                after: format!("use {krate}::{trait_path}; value.{name}(…)"),
            });
            continue;
        }
        // The same item under another path.
        let elsewhere = added.iter().find(|added| {
            let (added_owner, added_name) = split(&added.item);
            added_name == name && added_owner != owner && same_kind(removed, added)
        });
        if let Some(moved) = elsewhere {
            notes.push(Note {
                change: format!("`{}` moved to `{}`", removed.item, moved.item),
                before: format!("use {krate}::{};", removed.item),
                after: format!("use {krate}::{};", moved.item),
            });
            continue;
        }
        // Another name for the same signature on the same owner.
        let renamed = added.iter().find(|added| {
            let (added_owner, added_name) = split(&added.item);
            added_owner == owner
                && added_name != name
                && !name.is_empty()
                && removed
                    .detail
                    .replace(&format!("::{name}("), &format!("::{added_name}("))
                    == added.detail
        });
        if let Some(renamed) = renamed {
            let (_, new_name) = split(&renamed.item);
            notes.push(Note {
                change: format!("`{}` is renamed `{}`", removed.item, renamed.item),
                before: format!(".{name}(…)"),
                after: format!(".{new_name}(…)"),
            });
        }
    }
    notes
}

/// The markdown section for a release: the derived lines, then the recorded ones. Empty when
/// there is neither.
pub fn section(changes: &[Change], recorded: &[Note]) -> String {
    let notes: Vec<Note> = derived(changes)
        .into_iter()
        .chain(recorded.iter().cloned())
        .collect();
    if notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n### How to migrate\n\n");
    for note in notes {
        out.push_str(&format!(
            "- {}: before {}, after {}.\n",
            note.change,
            code(&note.before),
            code(&note.after)
        ));
    }
    out
}

/// `text` as inline code: fenced with two backticks when it holds one.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn of_kind(changes: &[Change], kind: ChangeKind) -> impl Iterator<Item = &Change> {
    changes.iter().filter(move |change| change.kind == kind)
}

/// `a::b::c` as (`a::b`, `c`).
fn split(item: &str) -> (&str, &str) {
    item.rsplit_once("::").unwrap_or(("", item))
}

/// The crate an api change's line names (`atlas_admin` in `pub fn atlas_admin::Client::…`).
fn crate_of(change: &Change) -> &str {
    change
        .detail
        .find(&format!("::{}", change.item))
        .map(|end| {
            let before = &change.detail[..end];
            let start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |at| at + 1);
            &before[start..]
        })
        .filter(|krate| !krate.is_empty())
        .unwrap_or("crate")
}

/// Whether two api lines declare the same kind of item (a struct and a struct, …).
fn same_kind(a: &Change, b: &Change) -> bool {
    const KINDS: [&str; 8] = [
        "pub struct ",
        "pub enum ",
        "pub trait ",
        "pub type ",
        "pub fn ",
        "pub use ",
        "pub const ",
        "pub mod ",
    ];
    KINDS
        .iter()
        .any(|kind| a.detail.contains(kind) && b.detail.contains(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: ChangeKind, item: &str, line: &str) -> Change {
        Change {
            kind,
            breaking: kind.breaking(),
            item: item.to_owned(),
            spec: String::new(),
            detail: format!("`{line}`"),
            why: kind.why().to_owned(),
            operations: Vec::new(),
        }
    }

    #[test]
    fn a_new_use_a_move_and_a_rename_each_get_a_line() {
        let changes = [
            // Header accessors moved from the type into a trait.
            change(
                ChangeKind::ApiItemRemoved,
                "ResponseHeaders::rate_limit_remaining",
                "pub fn atlas_admin::ResponseHeaders::rate_limit_remaining(&self) -> Option<i64>",
            ),
            change(
                ChangeKind::ApiItemAdded,
                "DeclaredHeaders",
                "pub trait atlas_admin::DeclaredHeaders: sealed::Sealed",
            ),
            change(
                ChangeKind::ApiItemAdded,
                "DeclaredHeaders::rate_limit_remaining",
                "pub fn atlas_admin::DeclaredHeaders::rate_limit_remaining(&self) -> Option<i64> { ... }",
            ),
            // A type moved between modules.
            change(
                ChangeKind::ApiItemRemoved,
                "models::ExportId",
                "pub struct atlas_admin::models::ExportId(/* private fields */)",
            ),
            change(
                ChangeKind::ApiItemAdded,
                "params::ExportId",
                "pub struct atlas_admin::params::ExportId(/* private fields */)",
            ),
            // A call renamed.
            change(
                ChangeKind::ApiItemRemoved,
                "Client::get_backup_export_job",
                "pub fn atlas_admin::Client::get_backup_export_job(&self) -> GetBackupExport",
            ),
            change(
                ChangeKind::ApiItemAdded,
                "Client::get_backup_export",
                "pub fn atlas_admin::Client::get_backup_export(&self) -> GetBackupExport",
            ),
            // Removed for good: nothing to derive.
            change(
                ChangeKind::ApiItemRemoved,
                "Client::gone",
                "pub fn atlas_admin::Client::gone(&self)",
            ),
        ];
        let notes = derived(&changes);
        assert_eq!(
            notes,
            [
                Note {
                    change: "`ResponseHeaders::rate_limit_remaining` is now a method of the trait `DeclaredHeaders`".to_owned(),
                    before: "value.rate_limit_remaining(…)".to_owned(),
                    after: "use atlas_admin::DeclaredHeaders; value.rate_limit_remaining(…)".to_owned(),
                },
                Note {
                    change: "`models::ExportId` moved to `params::ExportId`".to_owned(),
                    before: "use atlas_admin::models::ExportId;".to_owned(),
                    after: "use atlas_admin::params::ExportId;".to_owned(),
                },
                Note {
                    change: "`Client::get_backup_export_job` is renamed `Client::get_backup_export`".to_owned(),
                    before: ".get_backup_export_job(…)".to_owned(),
                    after: ".get_backup_export(…)".to_owned(),
                },
            ]
        );
        let recorded = [Note {
            change: "ids decoded from a response are checked when sent".to_owned(),
            before: "serde_json::from_str::<GroupId>(text)?".to_owned(),
            after: "GroupId::new(text)?".to_owned(),
        }];
        let text = section(&changes, &recorded);
        assert!(
            text.starts_with("\n### How to migrate\n\n- `ResponseHeaders::"),
            "{text}"
        );
        assert_eq!(
            text.lines().filter(|line| line.starts_with("- ")).count(),
            4
        );
        assert_eq!(section(&[], &[]), "");
    }
}
