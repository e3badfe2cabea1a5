//! Comparing one operation's two versions: its name, place, deprecation, features, resource
//! versions, parameters, request body and return type.

use std::collections::{BTreeMap, BTreeSet};

use super::{required_word, Change, ChangeKind, Side};
use crate::model::{Operation, QueryParam};

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// Operations are matched by upstream `operationId`; one whose `operationId` changed but whose
/// client method did not (`x-xgen-operation-id-override` kept) is the same operation.
pub(super) fn operations(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    let ids: BTreeSet<&str> = old
        .operations
        .keys()
        .chain(new.operations.keys())
        .copied()
        .collect();
    let only_in = |side: &Side<'_>, other: &Side<'_>| -> BTreeMap<String, String> {
        side.operations
            .iter()
            .filter(|(id, _)| !other.operations.contains_key(*id))
            .map(|(id, operation)| (operation.fn_name.clone(), (*id).to_owned()))
            .collect()
    };
    let (gone, came) = (only_in(old, new), only_in(new, old));
    // New operationId -> old operationId, for operations whose method name survived.
    let renamed: BTreeMap<&str, &str> = came
        .iter()
        .filter_map(|(fn_name, new_id)| Some((new_id.as_str(), gone.get(fn_name)?.as_str())))
        .collect();
    let renamed_from: BTreeSet<&str> = renamed.values().copied().collect();
    for id in ids {
        let before = match renamed.get(id) {
            Some(old_id) => old.operations.get(old_id),
            None if renamed_from.contains(id) => continue,
            None => old.operations.get(id),
        };
        match (before, new.operations.get(id)) {
            (None, Some(added)) => changes.push(Change::new(
                ChangeKind::OperationAdded,
                format!("Client::{}", added.fn_name),
                id,
                format!("`{} {}`", added.method, added.path),
            )),
            (Some(removed), None) => changes.push(Change::new(
                ChangeKind::OperationRemoved,
                format!("Client::{}", removed.fn_name),
                id,
                format!("`{} {}`", removed.method, removed.path),
            )),
            (Some(before), Some(after)) => operation(before, after, changes),
            (None, None) => {}
        }
    }
}

fn operation(before: &Operation, after: &Operation, changes: &mut Vec<Change>) {
    let id = after.operation_id.as_str();
    let item = format!("Client::{}", after.fn_name);
    let mut push = |kind: ChangeKind, item: &str, detail: String| {
        changes.push(Change::new(kind, item, id, detail));
    };
    if before.fn_name != after.fn_name {
        push(
            ChangeKind::OperationRenamed,
            &item,
            format!("`Client::{}` → `Client::{}`", before.fn_name, after.fn_name),
        );
    }
    if (&before.method, &before.path) != (&after.method, &after.path) {
        push(
            ChangeKind::OperationMoved,
            &item,
            format!(
                "`{} {}` → `{} {}`",
                before.method, before.path, after.method, after.path
            ),
        );
    }
    match (before.deprecated, after.deprecated) {
        (false, true) => push(
            ChangeKind::OperationDeprecated,
            &item,
            "`deprecated: true`".to_owned(),
        ),
        (true, false) => push(
            ChangeKind::OperationUndeprecated,
            &item,
            "no longer `deprecated`".to_owned(),
        ),
        _ => {}
    }
    if before.tags != after.tags {
        // The method is gated by `any(tags)`: more tags only widen who gets it.
        let kept = before.tags.iter().all(|tag| after.tags.contains(tag));
        push(
            if kept {
                ChangeKind::OperationFeaturesAdded
            } else {
                ChangeKind::OperationFeaturesChanged
            },
            &item,
            format!("tags {} → {}", list(&before.tags), list(&after.tags)),
        );
    }
    versions(before, after, &item, &mut push);
    parameters(before, after, &item, &mut push);
    request_body(before, after, &item, &mut push);
    let returns = |operation: &Operation| {
        let returned = operation.success.rust_type.to_text();
        if operation.success.raw {
            // The bytes' format is the media type's suffix (`+gzip`, `+csv`).
            let format = operation.accept.rsplit_once('+').map_or("", |(_, f)| f);
            format!("{returned} ({format})")
        } else {
            returned
        }
    };
    let (was, is) = (returns(before), returns(after));
    if was != is {
        push(
            ChangeKind::ResponseRetyped,
            &item,
            format!("`{was}` → `{is}`"),
        );
    }
    let pages = format!("{}::pages", after.builder_name);
    match (&before.pagination, &after.pagination) {
        (None, Some(_)) => push(
            ChangeKind::PagerAdded,
            &pages,
            "a paginated list".to_owned(),
        ),
        (Some(_), None) => push(
            ChangeKind::PagerRemoved,
            &pages,
            "no longer a paginated list".to_owned(),
        ),
        _ => {}
    }
}

fn versions(
    before: &Operation,
    after: &Operation,
    item: &str,
    push: &mut impl FnMut(ChangeKind, &str, String),
) {
    let was: BTreeMap<&str, Option<&str>> = before
        .versions
        .iter()
        .map(|v| (v.version.as_str(), v.sunset.as_deref()))
        .collect();
    let is: BTreeMap<&str, Option<&str>> = after
        .versions
        .iter()
        .map(|v| (v.version.as_str(), v.sunset.as_deref()))
        .collect();
    for (version, sunset) in &is {
        match was.get(version) {
            None => push(
                ChangeKind::VersionAdded,
                item,
                format!(
                    "`{version}`{}",
                    sunset
                        .map(|date| format!(" (sunset {date})"))
                        .unwrap_or_default()
                ),
            ),
            Some(old_sunset) if old_sunset != sunset => match sunset {
                Some(date) => push(
                    ChangeKind::VersionSunset,
                    item,
                    format!("`{version}` sunset {date}"),
                ),
                None => push(
                    ChangeKind::VersionSunset,
                    item,
                    format!("`{version}` sunset date withdrawn"),
                ),
            },
            Some(_) => {}
        }
    }
    for version in was.keys().filter(|version| !is.contains_key(*version)) {
        push(ChangeKind::VersionRemoved, item, format!("`{version}`"));
    }
    if before.api_version != after.api_version {
        let shown = |version: &Option<String>| {
            version
                .as_deref()
                .map_or("unversioned".to_owned(), |v| format!("`{v}`"))
        };
        push(
            ChangeKind::VersionSelected,
            item,
            format!(
                "{} → {}",
                shown(&before.api_version),
                shown(&after.api_version)
            ),
        );
    }
}

fn parameters(
    before: &Operation,
    after: &Operation,
    item: &str,
    push: &mut impl FnMut(ChangeKind, &str, String),
) {
    let params =
        // (Rust name, required, Rust type, constraints checked before sending; a path
        // parameter's are its newtype's, compared in `shared.rs`).
        |operation: &Operation| -> BTreeMap<(&'static str, String), (String, bool, String, String)> {
            let mut found = BTreeMap::new();
            for arg in &operation.path_args {
                let ty = arg.rust_type.to_text();
                found.insert(
                    ("path", arg.wire_name.clone()),
                    (arg.rust_name.clone(), true, ty, String::new()),
                );
            }
            let mut others = |location: &'static str, params: &[QueryParam]| {
                for param in params {
                    // Header names are case-insensitive.
                    let wire = if location == "header" {
                        param.wire_name.to_ascii_lowercase()
                    } else {
                        param.wire_name.clone()
                    };
                    found.insert(
                        (location, wire),
                        (
                            param.rust_name.clone(),
                            param.required,
                            param.rust_type.to_text(),
                            param.constraints.to_text(),
                        ),
                    );
                }
            };
            others("query", &operation.query_params);
            others("header", &operation.header_params);
            found
        };
    let (was, is) = (params(before), params(after));
    // Required parameters are method arguments; optional ones are request-builder methods.
    let place = |rust_name: &str, required: bool| {
        if required {
            format!("{item}({rust_name})")
        } else {
            format!("operations::{}::{rust_name}", after.builder_name)
        }
    };
    for ((location, wire), (rust_name, required, ty, constraints)) in &is {
        match was.get(&(*location, wire.clone())) {
            None => push(
                if *required {
                    ChangeKind::RequiredParameterAdded
                } else {
                    ChangeKind::OptionalParameterAdded
                },
                &place(rust_name, *required),
                format!("{location} parameter `{wire}`: `{ty}`"),
            ),
            Some((_, old_required, old_ty, old_constraints)) => {
                if old_constraints != constraints {
                    push(
                        ChangeKind::ParameterConstraintChanged,
                        &place(rust_name, *required),
                        format!("{location} parameter `{wire}`: {old_constraints} → {constraints}"),
                    );
                }
                if old_ty != ty {
                    push(
                        ChangeKind::ParameterRetyped,
                        &place(rust_name, *required),
                        format!("{location} parameter `{wire}`: `{old_ty}` → `{ty}`"),
                    );
                }
                if old_required != required {
                    push(
                        ChangeKind::ParameterRequiredChanged,
                        &place(rust_name, *required),
                        format!(
                            "{location} parameter `{wire}`: {} → {}",
                            required_word(*old_required),
                            required_word(*required)
                        ),
                    );
                }
            }
        }
    }
    for ((location, wire), (rust_name, required, ty, _)) in &was {
        if !is.contains_key(&(*location, wire.clone())) {
            push(
                ChangeKind::ParameterRemoved,
                &place(rust_name, *required),
                format!("{location} parameter `{wire}`: `{ty}`"),
            );
        }
    }
}

fn request_body(
    before: &Operation,
    after: &Operation,
    item: &str,
    push: &mut impl FnMut(ChangeKind, &str, String),
) {
    let item = format!("{item}(body)");
    match (&before.request_body, &after.request_body) {
        (None, Some(body)) => push(
            if body.required {
                ChangeKind::RequestBodyAdded
            } else {
                ChangeKind::OptionalRequestBodyAdded
            },
            &item,
            format!(
                "`{}` ({})",
                body.rust_type.to_text(),
                required_word(body.required)
            ),
        ),
        (Some(body), None) => push(
            ChangeKind::RequestBodyRemoved,
            &item,
            format!("`{}`", body.rust_type.to_text()),
        ),
        (Some(was), Some(is)) => {
            if was.ty != is.ty {
                push(
                    ChangeKind::RequestBodyRetyped,
                    &item,
                    format!(
                        "`{}` → `{}`",
                        was.rust_type.to_text(),
                        is.rust_type.to_text()
                    ),
                );
            }
            if was.required != is.required {
                push(
                    ChangeKind::RequestBodyRequiredChanged,
                    &item,
                    format!(
                        "{} → {}",
                        required_word(was.required),
                        required_word(is.required)
                    ),
                );
            }
        }
        (None, None) => {}
    }
}
