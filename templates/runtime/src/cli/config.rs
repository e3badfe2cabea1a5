//! Credentials and defaults, in the Atlas CLI's order: flags, then the environment, then a
//! profile of the Atlas CLI's own `config.toml` (`$XDG_CONFIG_HOME/atlascli`, else
//! `~/.config/atlascli`), so that someone who already uses the Atlas CLI needs no new set-up.
//!
//! A profile is a TOML table named after it (`[default]`) with the Atlas CLI's keys:
//! `public_api_key` and `private_api_key` (an API key, Digest), `client_id` and
//! `client_secret` (a service account), `access_token` (from `atlas auth login`), `project_id`,
//! `org_id`, `service` (`cloudgov` for Atlas for Government) and `ops_manager_url`. Values
//! never appear in a message: errors name the file, the profile and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::auth::{
    Credentials, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_PRIVATE_API_KEY, ENV_PUBLIC_API_KEY,
};

use super::exit::{Failure, Status};

/// The profile read when `--profile` is not given.
pub const DEFAULT_PROFILE: &str = "default";

/// The server of Atlas for Government, for a profile whose `service` is `cloudgov`.
const CLOUDGOV_URL: &str = "https://cloud.mongodbgov.com";

/// Where variables and files are read from: the process's environment in the binary, a map in
/// tests.
pub trait Environment {
    /// The variable `name`, when set and not blank.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process's environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    }
}

/// One profile's keys, as read (string values only).
#[derive(Default, Clone)]
pub struct Profile {
    name: Option<String>,
    values: BTreeMap<String, String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys only: values may be secrets.
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Profile {
    /// The value of `key`, when the profile has it and it is not blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|value| !value.trim().is_empty())
    }

    /// The profile read: `asked` (from `--profile`) or `default`, from `config.toml` in the
    /// Atlas CLI's folder. A missing file or profile is an empty profile unless `--profile`
    /// named it; a file that is not TOML is an error.
    pub fn load(asked: Option<&str>, env: &impl Environment) -> Result<Profile, Failure> {
        let name = asked.unwrap_or(DEFAULT_PROFILE);
        let Some(path) = config_path(env) else {
            return match asked {
                Some(_) => Err(Failure::usage(format!(
                    "profile `{name}`: neither XDG_CONFIG_HOME nor HOME is set, so there is no \
                     config.toml to read it from"
                ))),
                None => Ok(Profile::default()),
            };
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && asked.is_none() => {
                return Ok(Profile::default())
            }
            Err(error) => {
                return Err(Failure::usage(format!(
                    "profile `{name}`: cannot read {}: {error}",
                    path.display()
                )))
            }
        };
        Profile::parse(&text, &path, name, asked.is_some())
    }

    /// The profile `name` of the file `path` holding `text`.
    fn parse(text: &str, path: &Path, name: &str, required: bool) -> Result<Profile, Failure> {
        let table: toml::Table = text.parse().map_err(|error: toml::de::Error| {
            // The parser's message quotes the offending line, which may hold a secret: only
            // its position is kept.
            let at = error
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            Failure::usage(format!("{} is not valid TOML{at}", path.display()))
        })?;
        let Some(section) = table.get(name) else {
            if required {
                return Err(Failure::usage(format!(
                    "profile `{name}` is not in {}",
                    path.display()
                )));
            }
            return Ok(Profile::default());
        };
        let Some(section) = section.as_table() else {
            return Err(Failure::usage(format!(
                "profile `{name}` in {} is not a table",
                path.display()
            )));
        };
        let values = section
            .iter()
            .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
            .collect();
        Ok(Profile {
            name: Some(name.to_owned()),
            values,
        })
    }

    /// Which profile this is, for messages.
    fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!("profile `{name}`"),
            None => "the profile".to_owned(),
        }
    }

    /// The credentials the profile holds: a service account, else an API key, else an
    /// access token; `None` when it holds none. Half a pair is an error naming the key missing.
    pub fn credentials(&self) -> Result<Option<Credentials>, Failure> {
        let pair = |first: &str, second: &str| match (self.get(first), self.get(second)) {
            (Some(a), Some(b)) => Ok(Some((a.to_owned(), b.to_owned()))),
            (None, None) => Ok(None),
            (None, Some(_)) => Err(self.half(first, second)),
            (Some(_), None) => Err(self.half(second, first)),
        };
        if let Some((id, secret)) = pair("client_id", "client_secret")? {
            return Ok(Some(Credentials::service_account(id, secret)));
        }
        if let Some((public, private)) = pair("public_api_key", "private_api_key")? {
            return Ok(Some(Credentials::api_key(public, private)));
        }
        Ok(self.get("access_token").map(Credentials::bearer_token))
    }

    fn half(&self, missing: &str, present: &str) -> Failure {
        Failure::new(
            Status::Auth,
            format!(
                "{} has `{present}` but not `{missing}`: both are needed",
                self.describe()
            ),
        )
    }

    /// The server the profile names: `ops_manager_url`, or Atlas for Government's for
    /// `service = "cloudgov"`.
    pub fn base_url(&self) -> Option<String> {
        if let Some(url) = self.get("ops_manager_url") {
            return Some(url.to_owned());
        }
        (self.get("service") == Some("cloudgov")).then(|| CLOUDGOV_URL.to_owned())
    }
}

/// `config.toml` in the Atlas CLI's folder: `$XDG_CONFIG_HOME/atlascli`, else
/// `$HOME/.config/atlascli`.
pub fn config_path(env: &impl Environment) -> Option<PathBuf> {
    let folder = match env.var("XDG_CONFIG_HOME") {
        Some(config) => PathBuf::from(config),
        None => PathBuf::from(env.var("HOME")?).join(".config"),
    };
    Some(folder.join("atlascli").join("config.toml"))
}

/// The environment variable for a profile key, as the Atlas CLI reads it: `project_id` ->
/// `MONGODB_ATLAS_PROJECT_ID`.
pub fn env_name(key: &str) -> String {
    format!("MONGODB_ATLAS_{}", key.to_ascii_uppercase())
}

/// The credentials to send with: from the environment when any of its credential variables
/// is set (the library's [`Credentials::from_env`]), else from the profile. `None` when
/// neither has any.
pub fn credentials(
    env: &impl Environment,
    profile: &Profile,
) -> Result<Option<Credentials>, Failure> {
    let names = [
        ENV_CLIENT_ID,
        ENV_CLIENT_SECRET,
        ENV_PUBLIC_API_KEY,
        ENV_PRIVATE_API_KEY,
    ];
    if names.iter().any(|name| env.var(name).is_some()) {
        return Credentials::from_lookup(|name| env.var(name))
            .map(Some)
            .map_err(|error| Failure::new(Status::Auth, error.to_string()));
    }
    profile.credentials()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Vars(Vec<(&'static str, &'static str)>);

    impl Environment for Vars {
        fn var(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn profile(text: &str, name: &str) -> Result<Profile, Failure> {
        Profile::parse(text, Path::new("config.toml"), name, true)
    }

    #[test]
    fn reads_the_atlas_cli_keys() {
        let text = "[default]\npublic_api_key = \"pub\"\nprivate_api_key = \"priv\"\nproject_id = \"p\"\n\n[sa]\nclient_id = \"id\"\nclient_secret = \"s\"\nservice = \"cloudgov\"\n";
        let default = profile(text, "default").unwrap();
        assert_eq!(default.get("project_id"), Some("p"));
        assert_eq!(
            default.credentials().unwrap(),
            Some(Credentials::api_key("pub", "priv"))
        );
        let sa = profile(text, "sa").unwrap();
        assert_eq!(
            sa.credentials().unwrap(),
            Some(Credentials::service_account("id", "s"))
        );
        assert_eq!(sa.base_url().as_deref(), Some(CLOUDGOV_URL));
    }

    #[test]
    fn errors_name_keys_and_lines_never_values() {
        let half = profile("[default]\nclient_id = \"id\"\n", "default")
            .unwrap()
            .credentials()
            .unwrap_err();
        assert_eq!(half.status(), Status::Auth);
        assert!(half.to_string().contains("`client_secret`"), "{half}");
        let bad = profile("[default]\nprivate_api_key = \"hunter2\n", "default").unwrap_err();
        assert!(!bad.to_string().contains("hunter2"), "{bad}");
        assert!(bad.to_string().contains("line 2"), "{bad}");
        let missing = profile("[default]\n", "other").unwrap_err();
        assert!(missing.to_string().contains("`other`"), "{missing}");
    }

    #[test]
    fn the_environment_comes_before_the_profile() {
        let text = "[default]\nclient_id = \"id\"\nclient_secret = \"s\"\n";
        let from_profile = profile(text, "default").unwrap();
        let env = Vars(vec![
            (ENV_PUBLIC_API_KEY, "pub"),
            (ENV_PRIVATE_API_KEY, "priv"),
        ]);
        assert_eq!(
            credentials(&env, &from_profile).unwrap(),
            Some(Credentials::api_key("pub", "priv"))
        );
        assert_eq!(
            credentials(&Vars(vec![]), &from_profile).unwrap(),
            Some(Credentials::service_account("id", "s"))
        );
        assert_eq!(
            config_path(&Vars(vec![("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/atlascli/config.toml"))
        );
    }
}
