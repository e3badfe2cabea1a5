//! The generated files as data, and the only place they meet the file system: comparing
//! them with a directory (`check`) and writing them into one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

/// The generated crate: relative path (with `/`) -> contents.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    pub files: BTreeMap<String, String>,
    /// Canonical sha256 of the spec the files come from.
    pub spec_sha256: String,
}

/// How a directory differs from the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file differs; `diff` is a unified diff from disk to the output.
    Changed { path: String, diff: String },
    /// The output has a file the directory lacks.
    Missing { path: String },
    /// The directory has a file the output does not (a stale file).
    Extra { path: String },
}

/// What [`Output::write`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
}

impl WriteReport {
    /// One line on what writing into `dir` did, e.g. `generated: wrote 3 files, 8 were up to
    /// date` or `generated is up to date (11 files)`.
    pub fn summary(&self, dir: &str) -> String {
        let files = |count: usize| format!("{count} file{}", if count == 1 { "" } else { "s" });
        if self.written.is_empty() && self.removed.is_empty() {
            return format!("{dir} is up to date ({})", files(self.unchanged));
        }
        let mut done = Vec::new();
        if !self.written.is_empty() {
            done.push(format!("wrote {}", files(self.written.len())));
        }
        if !self.removed.is_empty() {
            done.push(format!(
                "removed {} no longer generated",
                files(self.removed.len())
            ));
        }
        format!(
            "{dir}: {}, {} up to date",
            done.join(", "),
            files(self.unchanged)
        )
    }
}

/// Every file below `dir`, as relative `/`-separated paths.
fn list_files(dir: &Path) -> io::Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    if !dir.exists() {
        return Ok(found);
    }
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                found.insert(path.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    Ok(found)
}

/// How a crate in `crate_dir` names `dependency_dir` in a path dependency: relative, with `/`
/// separators, so the manifest does not depend on where the checkout lives. Both are made
/// absolute first; a `crate_dir` that does not exist yet counts from where it will be. Falls
/// back to the absolute path (with `/` separators, which Cargo takes on every platform) when
/// they share no root (another drive).
pub fn dependency_path(crate_dir: &Path, dependency_dir: &Path) -> io::Result<String> {
    let from = absolute(crate_dir)?;
    let to = absolute(dependency_dir)?;
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let text = |path: &Path| path.to_string_lossy().replace('\\', "/");
    if common == 0 {
        return Ok(text(&to));
    }
    let ups = from.components().count() - common;
    let parts: Vec<String> = std::iter::repeat_n("..".to_owned(), ups)
        .chain(
            to.components()
                .skip(common)
                .map(|part| text(Path::new(part.as_os_str()))),
        )
        .collect();
    Ok(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

/// `path` made absolute and free of `.`, `..` and symbolic links, as far as it exists; the
/// part that does not exist yet is normalized by its text.
fn absolute(path: &Path) -> io::Result<PathBuf> {
    let mut normalized = PathBuf::new();
    for component in std::path::absolute(path)?.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                // `..` of an existing directory is its real parent (symbolic links resolved).
                normalized = normalized.canonicalize().unwrap_or(normalized);
                normalized.pop();
            }
            other => normalized.push(other),
        }
    }
    let mut existing = normalized;
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            return Ok(rest
                .into_iter()
                .rev()
                .fold(canonical, |path, part| path.join(part)));
        }
        match existing.file_name().map(ToOwned::to_owned) {
            Some(name) => {
                rest.push(name);
                existing.pop();
            }
            // Nothing of it exists, not even its root: keep it as written.
            None => {
                return Ok(rest
                    .into_iter()
                    .rev()
                    .fold(existing, |path, part| path.join(part)))
            }
        }
    }
}

impl Output {
    /// Compares the output with the files in `dir`. Empty when they are identical.
    pub fn drift(&self, dir: &Path) -> io::Result<Vec<Drift>> {
        let on_disk = list_files(dir)?;
        let mut drift = Vec::new();
        for (path, contents) in &self.files {
            if !on_disk.contains(path) {
                drift.push(Drift::Missing { path: path.clone() });
                continue;
            }
            let current = fs::read_to_string(dir.join(path))?;
            if &current != contents {
                let diff = TextDiff::from_lines(&current, contents)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{path}"), &format!("b/{path}"))
                    .to_string();
                drift.push(Drift::Changed {
                    path: path.clone(),
                    diff,
                });
            }
        }
        for path in on_disk
            .iter()
            .filter(|path| !self.files.contains_key(*path))
        {
            drift.push(Drift::Extra { path: path.clone() });
        }
        Ok(drift)
    }

    /// Makes `dir` hold exactly the output. Each changed file is written to a temporary file
    /// beside it and renamed into place, so no file is ever half-written; unchanged files are
    /// not touched (their timestamps stay, and cargo does not rebuild); stale files are removed.
    pub fn write(&self, dir: &Path) -> io::Result<WriteReport> {
        let mut report = WriteReport::default();
        let existing = list_files(dir)?;
        for (path, contents) in &self.files {
            let target = dir.join(path);
            if existing.contains(path)
                && fs::read_to_string(&target).is_ok_and(|current| &current == contents)
            {
                report.unchanged += 1;
                continue;
            }
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let staging = target.with_file_name(format!(
                ".{}.atlas-codegen-tmp",
                target
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            fs::write(&staging, contents)?;
            fs::rename(&staging, &target)?;
            report.written.push(path.clone());
        }
        for path in existing
            .iter()
            .filter(|path| !self.files.contains_key(*path))
        {
            fs::remove_file(dir.join(path))?;
            report.removed.push(path.clone());
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_paths_are_relative_and_slash_separated() {
        let root = std::env::temp_dir().join(format!("atlas-codegen-paths-{}", std::process::id()));
        let runtime = root.join("repo/templates/runtime");
        fs::create_dir_all(&runtime).unwrap();
        fs::create_dir_all(root.join("repo/generated")).unwrap();
        let path = |from: &Path| dependency_path(from, &runtime).unwrap();
        assert_eq!(path(&root.join("repo/generated")), "../templates/runtime");
        // A directory that does not exist yet counts from where it will be, `..` included.
        assert_eq!(
            path(&root.join("out/a/b")),
            "../../../repo/templates/runtime"
        );
        assert_eq!(
            path(&root.join("out/new/../b")),
            "../../repo/templates/runtime"
        );
        // `.` and `..` in the crate's path do not leak into the manifest.
        assert_eq!(
            path(&root.join("repo/generated/../generated/./")),
            "../templates/runtime"
        );
        assert_eq!(path(&runtime), ".");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn write_summaries_read_as_sentences() {
        let report = |written: usize, unchanged: usize, removed: usize| WriteReport {
            written: vec!["src/lib.rs".to_owned(); written],
            unchanged,
            removed: vec!["src/old.rs".to_owned(); removed],
        };
        assert_eq!(
            report(0, 11, 0).summary("generated/"),
            "generated/ is up to date (11 files)"
        );
        assert_eq!(
            report(1, 10, 0).summary("generated/"),
            "generated/: wrote 1 file, 10 files up to date"
        );
        assert_eq!(
            report(3, 1, 7).summary("out/"),
            "out/: wrote 3 files, removed 7 files no longer generated, 1 file up to date"
        );
    }
}
