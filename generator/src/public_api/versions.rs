//! Which version of another crate a `pub use` hands out. A re-exported crate is part of the
//! API (a caller builds values of its types), so moving it to a new major changes the API even
//! when no line of the crate does: `pub use atlas_runtime::reqwest = reqwest` reads the same
//! for reqwest 0.12 and 0.13. The line is marked with the version the manifest asks for
//! (`= reqwest (0.13)`), and so is a re-export of a re-export through a path dependency
//! (`atlas_admin::reqwest = atlas_runtime::reqwest (0.13)`, read from the runtime's manifest).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A dependency as a manifest declares it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Dependency {
    version: Option<String>,
    path: Option<String>,
}

/// The `[dependencies]` of a manifest, by the name code uses (`-` read as `_`). A line-based
/// reading of `name = "1"` and `name = { version = "1", path = "…" }`, enough for the
/// manifests this project writes; a `[dependencies.name]` table is not read.
fn dependencies(manifest: &str) -> BTreeMap<String, Dependency> {
    let mut section = "";
    let mut found = BTreeMap::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section != "[dependencies]" {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim().replace('-', "_");
        let value = value.trim();
        let dependency = if let Some(version) = quoted(value) {
            Dependency {
                version: Some(version),
                path: None,
            }
        } else {
            Dependency {
                version: key_in(value, "version"),
                path: key_in(value, "path"),
            }
        };
        found.insert(name, dependency);
    }
    found
}

/// `"text"` as `text`.
fn quoted(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?;
    Some(inner[..inner.find('"')?].to_owned())
}

/// The string value of `key` in an inline table.
fn key_in(table: &str, key: &str) -> Option<String> {
    let inner = table.strip_prefix('{')?;
    inner.split(',').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name.trim() == key).then(|| quoted(value.trim()))?
    })
}

/// The version of the crate `target` names, when `target` is a crate root: a dependency of
/// the crate in `crate_dir` (`reqwest`), or a dependency of one of its path dependencies
/// (`atlas_runtime::reqwest`).
fn version_of(
    target: &str,
    crate_dir: &Path,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Option<String> {
    let own = dependencies(&read(&crate_dir.join("Cargo.toml"))?);
    let segments: Vec<&str> = target.trim_start_matches("::").split("::").collect();
    match segments.as_slice() {
        [krate] => own.get(*krate)?.version.clone(),
        [through, krate] => {
            let path: PathBuf = crate_dir.join(own.get(*through)?.path.as_ref()?);
            let theirs = dependencies(&read(&path.join("Cargo.toml"))?);
            theirs.get(*krate)?.version.clone()
        }
        _ => None,
    }
}

/// `text` (a report line) with the version of the crate it re-exports, when it re-exports one.
pub(super) fn marked(
    text: String,
    crate_dir: &Path,
    read: &dyn Fn(&Path) -> Option<String>,
) -> String {
    let Some((_, target)) = text.split_once(" = ").filter(|_| text.contains("pub use ")) else {
        return text;
    };
    match version_of(target, crate_dir, read) {
        Some(version) => format!("{text} ({version})"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(path: &Path) -> Option<String> {
        match path.to_str()? {
            "gen/Cargo.toml" => Some(
                "[package]\nname = \"gen\"\n[dependencies]\n# transport\natlas-runtime = { version = \"0.1.0\", path = \"../rt\" }\nserde_json = \"1\"\n[dev-dependencies]\nproptest = \"1\"\n".to_owned(),
            ),
            "gen/../rt/Cargo.toml" => Some(
                "[dependencies]\nreqwest = { version = \"0.13\", default-features = false, features = [\"rustls-no-provider\"] }\nhttp = \"1\"\n".to_owned(),
            ),
            _ => None,
        }
    }

    #[test]
    fn a_re_exported_crate_carries_its_version_and_nothing_else_does() {
        let dir = Path::new("gen");
        let mark = |text: &str| marked(text.to_owned(), dir, &files);
        assert_eq!(
            mark("pub use gen::json = serde_json"),
            "pub use gen::json = serde_json (1)"
        );
        assert_eq!(
            mark("pub use gen::reqwest = atlas_runtime::reqwest"),
            "pub use gen::reqwest = atlas_runtime::reqwest (0.13)"
        );
        for unchanged in [
            "pub use gen::Credentials = atlas_runtime::Credentials",
            "pub use gen::header = atlas_runtime::header",
            "pub use gen::proptest = proptest",
            "pub fn gen::f() -> u8",
            "pub use gen::deep = atlas_runtime::reqwest::header",
        ] {
            assert_eq!(mark(unchanged), unchanged);
        }
    }
}
