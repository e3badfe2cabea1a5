//! Running the binary: a temporary home, an explicit environment, stdin, and what came out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The project and ids the tests use; valid for the spec's patterns.
pub const GROUP: &str = "32b6e34b3d91647abb20e7b8";
pub const EXPORT: &str = "5f1e2d3c4b5a69788796a5b4";
pub const CLUSTER: &str = "Cluster0";

/// The built `atlas-admin`, next to this test's executable (`target/<profile>/`).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let binary = dir.join(format!("atlas-admin{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is not built: run `cargo test --workspace`, or `cargo build -p atlas-admin --features cli` first",
        binary.display()
    );
    binary
}

/// A temporary home folder (with `XDG_CONFIG_HOME` inside), removed afterwards.
pub struct Home {
    path: PathBuf,
}

impl Home {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "atlas-admin-cli-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(path.join("config").join("atlascli")).unwrap();
        Home { path }
    }

    /// Writes the Atlas CLI's `config.toml`.
    pub fn config(&self, toml: &str) -> &Self {
        std::fs::write(self.path.join("config/atlascli/config.toml"), toml).unwrap();
        self
    }

    /// Writes a file in the home folder and returns its path.
    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// A profile `default` whose access token the mock server takes, and the test project.
    pub fn mock_profile(&self) -> &Self {
        self.config(&format!(
            "[default]\naccess_token = \"{}\"\nproject_id = \"{GROUP}\"\n",
            atlas_admin::testing::MOCK_TOKEN
        ))
    }

    /// `atlas-admin` with `args`, the home's environment and `env`.
    pub fn cli(&self, args: &[&str]) -> Run {
        Run {
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            env: vec![
                ("HOME".to_owned(), self.path.display().to_string()),
                (
                    "XDG_CONFIG_HOME".to_owned(),
                    self.path.join("config").display().to_string(),
                ),
            ],
            stdin: None,
        }
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A run to make.
pub struct Run {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn stdin(mut self, input: &str) -> Self {
        self.stdin = Some(input.as_bytes().to_vec());
        self
    }

    /// Runs it on a blocking thread (the mock server keeps answering meanwhile).
    pub async fn run(self) -> Ran {
        tokio::task::spawn_blocking(move || self.run_blocking())
            .await
            .unwrap()
    }

    fn run_blocking(self) -> Ran {
        let mut command = Command::new(binary());
        command
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("atlas-admin starts");
        if let Some(input) = &self.stdin {
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl Ran {
    /// Asserts the exit status, showing the output when it differs.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit status; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }

    /// Asserts that neither stdout nor stderr shows `secret`.
    pub fn never_shows(&self, secret: &str) -> &Self {
        assert!(
            !self.stdout.contains(secret) && !self.stderr.contains(secret),
            "a secret was printed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}
