//! The checkout whose `spec/`, `generated/` and `templates/runtime/` are the defaults, found
//! when the command runs (never where the binary was built: a second checkout that shares the
//! first one's target directory must not read or write the first one's files).
//!
//! The rule: the nearest of the current directory and the directories above it that has a
//! `Cargo.toml` declaring a workspace (a `[workspace]` or `[workspace.…]` table header on a
//! line of its own) and `spec/` and `generated/` directories beside it. So the command works
//! from anywhere inside a checkout, `generator/fuzz/` (a workspace of its own, without
//! `spec/`) included. It is looked up only when a default is needed: a command given every
//! path explicitly works from anywhere.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The workspace root, if the current directory is inside one.
pub(crate) fn root() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        std::env::current_dir().ok().and_then(|here| {
            here.ancestors()
                .find(|dir| is_root(dir))
                .map(Path::to_path_buf)
        })
    })
    .as_deref()
}

fn is_root(dir: &Path) -> bool {
    dir.join("spec").is_dir()
        && dir.join("generated").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|manifest| {
            manifest.lines().any(|line| {
                let line = line.trim_start();
                line.starts_with("[workspace]") || line.starts_with("[workspace.")
            })
        })
}

/// `relative` in the workspace: the default of the option `flag`, which the error names
/// when there is no workspace.
pub(crate) fn default_path(relative: &str, flag: &str) -> Result<PathBuf, ExitCode> {
    if let Some(root) = root() {
        return Ok(root.join(relative));
    }
    let here = std::env::current_dir().map_or_else(
        |error| format!("the current directory ({error})"),
        |here| here.display().to_string(),
    );
    eprintln!(
        "error: no workspace for the default {relative}: neither {here} nor a directory above it \
         has a Cargo.toml with a [workspace] table beside spec/ and generated/; run atlas-codegen \
         inside a checkout of the repository, or pass {flag}"
    );
    Err(ExitCode::from(2))
}

/// The path given for the option `flag`, else `relative` in the workspace.
pub(crate) fn given_or_default(
    given: Option<&Path>,
    relative: &str,
    flag: &str,
) -> Result<PathBuf, ExitCode> {
    given.map_or_else(
        || default_path(relative, flag),
        |path| Ok(path.to_path_buf()),
    )
}

/// Whether `given` names the same existing file as `relative` in the workspace.
pub(crate) fn is_default(given: &Path, relative: &str) -> bool {
    root().is_some_and(|root| {
        given.exists() && given.canonicalize().ok() == root.join(relative).canonicalize().ok()
    })
}

/// Says once, on stderr, which workspace the command writes into: called before writing to
/// a default location.
pub(crate) fn announce_write() {
    static SAID: AtomicBool = AtomicBool::new(false);
    if let Some(root) = root() {
        if !SAID.swap(true, Ordering::Relaxed) {
            eprintln!("writing into the workspace at {}", root.display());
        }
    }
}
