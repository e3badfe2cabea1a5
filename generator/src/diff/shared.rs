//! Comparing what the operations in scope share besides model types: path-parameter
//! newtypes (their validation), the response headers they declare and the security schemes.

use std::collections::{BTreeMap, BTreeSet};

use super::{Change, ChangeKind, Side};
use crate::model::PathParamType;

pub(super) fn path_param_types(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    let find = |side: &Side<'_>, name: &str| -> Option<PathParamType> {
        side.path_types
            .contains_key(name)
            .then(|| {
                side.api
                    .path_params
                    .iter()
                    .find(|p| p.type_name == name)
                    .cloned()
            })
            .flatten()
    };
    let names: BTreeSet<&str> = old
        .path_types
        .keys()
        .chain(new.path_types.keys())
        .copied()
        .collect();
    for name in names {
        let item = format!("params::{name}");
        let users: Vec<String> = old
            .path_types
            .get(name)
            .into_iter()
            .chain(new.path_types.get(name))
            .flatten()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let constraint = |p: &PathParamType| {
            let mut parts = Vec::new();
            if let Some(pattern) = &p.pattern {
                parts.push(format!("pattern `{pattern}`"));
            }
            if let Some(min) = p.min_length {
                parts.push(format!("minLength {min}"));
            }
            if let Some(max) = p.max_length {
                parts.push(format!("maxLength {max}"));
            }
            if parts.is_empty() {
                "no constraint".to_owned()
            } else {
                parts.join(", ")
            }
        };
        let change = match (find(old, name), find(new, name)) {
            (None, Some(added)) => Some(Change::new(
                ChangeKind::TypeAdded,
                &item,
                &added.wire_name,
                format!(
                    "path parameter `{}`: {}",
                    added.wire_name,
                    constraint(&added)
                ),
            )),
            (Some(removed), None) => Some(Change::new(
                ChangeKind::TypeRemoved,
                &item,
                &removed.wire_name,
                format!("path parameter `{}`", removed.wire_name),
            )),
            (Some(was), Some(is)) if constraint(&was) != constraint(&is) => Some(Change::new(
                ChangeKind::ParameterConstraintChanged,
                &item,
                &is.wire_name,
                format!("{} → {}", constraint(&was), constraint(&is)),
            )),
            _ => None,
        };
        if let Some(mut change) = change {
            change.operations = users;
            changes.push(change);
        }
    }
}

pub(super) fn headers_and_auth(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    // Only the headers the operations in scope declare.
    let headers = |side: &Side<'_>| -> BTreeMap<String, (String, String)> {
        let names: BTreeSet<&str> = side.operations.values().map(|o| o.name.as_str()).collect();
        side.api
            .response_headers
            .iter()
            .filter(|h| {
                h.operations
                    .iter()
                    .any(|name| names.contains(name.as_str()))
            })
            .map(|h| {
                (
                    h.wire_name.to_ascii_lowercase(),
                    (h.fn_name.clone(), h.rust_type.to_text()),
                )
            })
            .collect()
    };
    let (was, is) = (headers(old), headers(new));
    for (wire, (fn_name, ty)) in &is {
        let item = format!("DeclaredHeaders::{fn_name}");
        match was.get(wire) {
            None => changes.push(Change::new(
                ChangeKind::ResponseHeaderAdded,
                item,
                wire,
                format!("`{ty}`"),
            )),
            Some((_, old_ty)) if old_ty != ty => changes.push(Change::new(
                ChangeKind::ResponseHeaderRetyped,
                item,
                wire,
                format!("`{old_ty}` → `{ty}`"),
            )),
            Some(_) => {}
        }
    }
    for (wire, (fn_name, ty)) in &was {
        if !is.contains_key(wire) {
            changes.push(Change::new(
                ChangeKind::ResponseHeaderRemoved,
                format!("DeclaredHeaders::{fn_name}"),
                wire,
                format!("`{ty}`"),
            ));
        }
    }
    let schemes = |side: &Side<'_>| -> BTreeMap<String, (String, Option<String>)> {
        side.api
            .security_schemes
            .iter()
            .map(|s| (s.name.clone(), (s.kind.clone(), s.token_url.clone())))
            .collect()
    };
    let (was, is) = (schemes(old), schemes(new));
    let at = |name: &str| format!("/components/securitySchemes/{name}");
    for (name, (kind, token_url)) in &is {
        match was.get(name) {
            Some((old_kind, old_url)) if old_kind == kind => {
                if old_url != token_url {
                    let shown =
                        |url: &Option<String>| url.clone().unwrap_or_else(|| "none".to_owned());
                    changes.push(Change::new(
                        ChangeKind::SecuritySchemeChanged,
                        "Credentials",
                        at(name),
                        format!(
                            "{kind}: token URL {} → {}",
                            shown(old_url),
                            shown(token_url)
                        ),
                    ));
                }
            }
            _ => changes.push(Change::new(
                ChangeKind::SecuritySchemeAdded,
                "Credentials",
                at(name),
                kind.clone(),
            )),
        }
    }
    for (name, (kind, _)) in &was {
        if is.get(name).map(|(new_kind, _)| new_kind) != Some(kind) {
            changes.push(Change::new(
                ChangeKind::SecuritySchemeRemoved,
                "Credentials",
                at(name),
                kind.clone(),
            ));
        }
    }
}
