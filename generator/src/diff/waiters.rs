//! Comparing the waiters: which operations have a `send_and_wait`, and what each waits for.
//!
//! A waiter is compared as the code sees it: per operation that starts the job (its
//! `send_and_wait`), the `wait_for_…` method it waits with, the final states and where its
//! arguments come from. Only operations in scope count.

use std::collections::{BTreeMap, BTreeSet};

use super::{Change, ChangeKind, Side};
use crate::model::Waiter;

/// What a trigger's `send_and_wait` is, as text that differs exactly when it changes.
fn signature(waiter: &Waiter, trigger: usize) -> String {
    serde_json::json!({
        "waiter": waiter.fn_name,
        "result": waiter.result.to_text(),
        "until": waiter.until,
        "args": waiter.triggers[trigger].args,
    })
    .to_string()
}

/// Trigger `operationId` -> (builder, waiter method, signature), for triggers in scope.
fn by_trigger<'a>(side: &Side<'a>) -> BTreeMap<&'a str, (String, String, String)> {
    let by_fn: BTreeMap<&str, (&str, &str)> = side
        .operations
        .iter()
        .map(|(id, operation)| {
            (
                operation.fn_name.as_str(),
                (*id, operation.builder_name.as_str()),
            )
        })
        .collect();
    let mut found = BTreeMap::new();
    for waiter in &side.api.waiters {
        for (index, trigger) in waiter.triggers.iter().enumerate() {
            if let Some((id, builder)) = by_fn.get(trigger.operation.as_str()) {
                found.insert(
                    *id,
                    (
                        (*builder).to_owned(),
                        waiter.fn_name.clone(),
                        signature(waiter, index),
                    ),
                );
            }
        }
    }
    found
}

pub(super) fn waiters(old: &Side, new: &Side, changes: &mut Vec<Change>) {
    let (was, is) = (by_trigger(old), by_trigger(new));
    let ids: BTreeSet<&str> = was.keys().chain(is.keys()).copied().collect();
    for id in ids {
        match (was.get(id), is.get(id)) {
            (None, Some((builder, waiter, _))) => changes.push(Change::new(
                ChangeKind::WaiterAdded,
                format!("{builder}::send_and_wait"),
                id,
                format!("waits with `Client::{waiter}`"),
            )),
            (Some((builder, waiter, _)), None) => changes.push(Change::new(
                ChangeKind::WaiterRemoved,
                format!("{builder}::send_and_wait"),
                id,
                format!("waited with `Client::{waiter}`"),
            )),
            (Some((_, before, was)), Some((builder, after, is))) if was != is => {
                changes.push(Change::new(
                    ChangeKind::WaiterChanged,
                    format!("{builder}::send_and_wait"),
                    id,
                    if before == after {
                        format!("`Client::{after}` waits for something else")
                    } else {
                        format!("`Client::{before}` → `Client::{after}`")
                    },
                ))
            }
            _ => {}
        }
    }
}
