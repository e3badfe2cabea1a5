//! What the command line holds, before any token: its groups (one per tag), the commands in
//! each (one per operation, one per waiter), and every name a user types, decided here once.
//!
//! Names are the spec's, in kebab case: a tag's feature name (`cloud-backups`), an
//! operation's name (`get-backup-export`), a waiter's method (`wait-for-backup-export`), a
//! parameter's wire name (`--group-id`). A flag that would clash with one of the command
//! line's own is prefixed `param-`; any other clash is numbered.

use std::collections::BTreeMap;

use heck::ToKebabCase;

use crate::model::{Api, Operation, Waiter};
use crate::naming::{pascal, Scope};

/// The flags every command has, or some have, that parameters must not take.
const OWN_FLAGS: &[&str] = &[
    "all",
    "base-url",
    "deadline",
    "dry-run",
    "file",
    "help",
    "output",
    "output-file",
    "profile",
    "timeout",
    "verbose",
    "version",
    "watch",
    "watch-interval",
    "watch-timeout",
];

/// The top-level commands that are not groups.
const OWN_COMMANDS: &[&str] = &["completions", "help"];

/// The group of operations without a tag.
const UNTAGGED: &str = "other";

/// Path parameters whose value defaults to a key of the Atlas CLI's profile (and its
/// `MONGODB_ATLAS_…` variable), as the Atlas CLI's own `--projectId` and `--orgId` do.
pub fn profile_key(wire_name: &str) -> Option<&'static str> {
    match wire_name {
        "groupId" => Some("project_id"),
        "orgId" => Some("org_id"),
        _ => None,
    }
}

/// The command line: its groups, sorted by name.
pub struct Plan<'a> {
    pub groups: Vec<Group<'a>>,
}

/// The commands of one tag.
pub struct Group<'a> {
    /// `cloud-backups`.
    pub command: String,
    /// The tag, for help.
    pub tag: String,
    /// The variant of the top-level `Command` enum, and the group's own enum's name.
    pub variant: String,
    pub type_name: String,
    pub commands: Vec<Command<'a>>,
}

/// One command of a group.
pub struct Command<'a> {
    /// `get-backup-export`.
    pub command: String,
    /// Its variant in the group's enum, and the name of its flags' struct.
    pub variant: String,
    pub args_type: String,
    pub kind: Kind<'a>,
    /// Its flags, one per path, query and header parameter, in the spec's order.
    pub flags: BTreeMap<String, String>,
}

/// What a command does.
pub enum Kind<'a> {
    /// Sends an operation; with `--watch` when it starts a job a waiter waits for (the
    /// waiter and the operation it polls).
    Operation {
        operation: &'a Operation,
        watch: Option<(&'a Waiter, &'a Operation)>,
    },
    /// Waits with a waiter (`wait-for-…`), polling `poll`.
    Wait {
        waiter: &'a Waiter,
        poll: &'a Operation,
    },
}

impl<'a> Plan<'a> {
    pub fn new(api: &'a Api) -> Self {
        let find = |fn_name: &str| api.operations.iter().find(|op| op.fn_name == fn_name);
        let mut by_command: BTreeMap<String, Group<'a>> = BTreeMap::new();
        let mut group_of = |tag: Option<&String>| -> String {
            let (command, tag) = match tag {
                Some(tag) => (super::super::features::feature_name(tag), tag.clone()),
                None => (UNTAGGED.to_owned(), String::new()),
            };
            let command = if OWN_COMMANDS.contains(&command.as_str()) {
                format!("{command}-operations")
            } else {
                command
            };
            by_command.entry(command.clone()).or_insert_with(|| Group {
                variant: pascal(&command, "Tag"),
                type_name: String::new(),
                command: command.clone(),
                tag,
                commands: Vec::new(),
            });
            command
        };
        let mut placed: Vec<(String, Kind<'a>)> = Vec::new();
        for operation in &api.operations {
            let watch = api.waiters.iter().find_map(|waiter| {
                waiter
                    .triggers
                    .iter()
                    .any(|trigger| trigger.operation == operation.fn_name)
                    .then(|| find(&waiter.poll).map(|poll| (waiter, poll)))
                    .flatten()
            });
            placed.push((
                group_of(operation.tags.first()),
                Kind::Operation { operation, watch },
            ));
        }
        for waiter in &api.waiters {
            if let Some(poll) = find(&waiter.poll) {
                placed.push((group_of(poll.tags.first()), Kind::Wait { waiter, poll }));
            }
        }
        // Type names are unique across the file; command names within their group.
        let mut types = Scope::with_reserved(&["Cli", "Command"]);
        for group in by_command.values_mut() {
            group.type_name = types.claim(format!("{}Commands", group.variant));
        }
        let mut commands: BTreeMap<String, Scope> = BTreeMap::new();
        for (group, kind) in placed {
            let wanted = match &kind {
                Kind::Operation { operation, .. } => operation.name.to_kebab_case(),
                Kind::Wait { waiter, .. } => waiter.fn_name.to_kebab_case(),
            };
            let command = commands
                .entry(group.clone())
                .or_insert_with(|| Scope::with_reserved(&["help"]))
                .claim(wanted);
            let variant = pascal(&command, "Op");
            let args_type = types.claim(format!("{variant}Args"));
            let flags = flags(&kind);
            if let Some(group) = by_command.get_mut(&group) {
                group.commands.push(Command {
                    command,
                    variant,
                    args_type,
                    kind,
                    flags,
                });
            }
        }
        for group in by_command.values_mut() {
            group.commands.sort_by(|a, b| a.command.cmp(&b.command));
        }
        Plan {
            groups: by_command.into_values().collect(),
        }
    }
}

/// Each parameter's flag, by wire name.
fn flags(kind: &Kind<'_>) -> BTreeMap<String, String> {
    let wire_names: Vec<&str> = match kind {
        Kind::Operation { operation, .. } => operation
            .path_args
            .iter()
            .map(|arg| arg.wire_name.as_str())
            .chain(
                operation
                    .query_params
                    .iter()
                    .chain(&operation.header_params)
                    .map(|param| param.wire_name.as_str()),
            )
            .collect(),
        Kind::Wait { waiter, .. } => waiter
            .args
            .iter()
            .map(|arg| arg.wire_name.as_str())
            .collect(),
    };
    let mut scope = Scope::with_reserved(OWN_FLAGS);
    wire_names
        .into_iter()
        .map(|wire| {
            let mut flag = wire.to_kebab_case();
            if flag.is_empty() {
                flag.push_str("value");
            }
            if OWN_FLAGS.contains(&flag.as_str()) {
                flag.insert_str(0, "param-");
            }
            (wire.to_owned(), format!("--{}", scope.claim(flag)))
        })
        .collect()
}
