//! [`GenerationSettings`]: everything about a generated crate that does not come from the
//! spec, in one value.

use crate::changelog::Changelog;
use crate::emit::{CrateName, DEFAULT_RUNTIME_PATH};
use crate::error::Error;
use crate::lower::VersionPolicy;

/// How [`crate::generate`] makes a crate. The default is the workspace's `atlas-admin`:
/// each operation's newest stable resource version, the runtime at `../templates/runtime`,
/// version 0.1.0 and no changelog. Each `with_*` setter returns the changed settings, so
/// they chain:
///
/// ```
/// let settings = atlas_codegen::GenerationSettings::default()
///     .with_package_name("my-atlas")
///     .with_api_version("2023-01-01")
///     .with_runtime_path("../atlas-runtime");
/// assert_eq!(settings.package_name(), "my-atlas");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationSettings {
    package_name: String,
    versions: VersionPolicy,
    runtime_path: String,
    changelog: Option<Changelog>,
}

impl Default for GenerationSettings {
    fn default() -> Self {
        GenerationSettings {
            package_name: "atlas-admin".to_owned(),
            versions: VersionPolicy::default(),
            runtime_path: DEFAULT_RUNTIME_PATH.to_owned(),
            changelog: None,
        }
    }
}

impl GenerationSettings {
    /// The generated package's name (its library's is the same with `_` for `-`); checked
    /// when generating.
    pub fn with_package_name(mut self, name: impl Into<String>) -> Self {
        self.package_name = name.into();
        self
    }

    /// Pins resource versions to a release date (`YYYY-MM-DD`): each operation uses its
    /// newest version released on or before it, as Atlas resolves such a date; operations
    /// with none are left out, with a warning.
    pub fn with_api_version(mut self, date: impl Into<String>) -> Self {
        self.versions.api_version = Some(date.into());
        self
    }

    /// Whether operations that only have a `preview` version are generated too (stable
    /// versions still win where they exist).
    pub fn with_preview(mut self, preview: bool) -> Self {
        self.versions.preview = preview;
        self
    }

    /// Where the generated crate finds the runtime crate (`templates/runtime/`): a path
    /// relative to the generated crate's directory, written into its manifest.
    pub fn with_runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime_path = path.into();
        self
    }

    /// The crate's releases: the newest sets its version, and the changelog becomes its
    /// `CHANGELOG.md`.
    pub fn with_changelog(mut self, changelog: Changelog) -> Self {
        self.changelog = Some(changelog);
        self
    }

    pub fn package_name(&self) -> &str {
        &self.package_name
    }

    /// Which resource version each operation uses.
    pub fn version_policy(&self) -> &VersionPolicy {
        &self.versions
    }

    pub fn runtime_path(&self) -> &str {
        &self.runtime_path
    }

    pub fn changelog(&self) -> Option<&Changelog> {
        self.changelog.as_ref()
    }

    /// The crate's name, version and runtime dependency, as the emitter needs them.
    pub(crate) fn crate_name(&self) -> Result<CrateName, Error> {
        let krate = CrateName::new(&self.package_name)?.with_runtime_path(&self.runtime_path);
        Ok(match self.changelog.as_ref().and_then(Changelog::newest) {
            Some(newest) => krate.with_version(&newest.version),
            None => krate,
        })
    }
}
