//! Runs real Pulumi programs with the pinned CLI: a temporary project, a file backend, and the
//! provider found through `plugins.providers` in Pulumi.yaml.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The repository root.
pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folder holding the pinned `pulumi` and `pulumi-language-yaml`; installs them when missing.
pub fn engine_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(dir) = std::env::var("AKSMESH_PULUMI_BIN") {
            return PathBuf::from(dir);
        }
        let output = Command::new(repository().join("scripts/install-pulumi.sh"))
            .output()
            .expect("run scripts/install-pulumi.sh");
        assert!(
            output.status.success(),
            "installing the pinned Pulumi failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        PathBuf::from(
            stdout
                .lines()
                .last()
                .expect("install-pulumi prints the bin dir")
                .trim(),
        )
    })
}

/// The Python with the pinned `pulumi` SDK (and the generated aksmesh SDK once installed).
pub fn python() -> PathBuf {
    if let Ok(python) = std::env::var("AKSMESH_PYTHON") {
        return PathBuf::from(python);
    }
    let output = Command::new("bash")
        .arg("-c")
        .arg("source scripts/env.sh >/dev/null && echo \"$AKSMESH_PYTHON\"")
        .current_dir(repository())
        .output()
        .expect("source scripts/env.sh");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// The folder of the built provider binary (what `plugins.providers[].path` names).
pub fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_pulumi-resource-aksmesh"))
        .parent()
        .expect("binary has a folder")
        .to_path_buf()
}

/// `Pulumi.yaml` with the plugin path added.
fn pulumi_yaml(name: &str, runtime: &str, body: &str) -> String {
    format!(
        "name: {name}\nruntime: {runtime}\nplugins:\n  providers:\n    - name: aksmesh\n      path: {}\n{body}",
        provider_dir().display()
    )
}

/// Installs the generated Python SDK (sdk/python) into the test venv, once per test binary.
pub fn install_python_sdk() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let output = Command::new(python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--force-reinstall",
                "--no-deps",
            ])
            .arg(repository().join("sdk/python"))
            .output()
            .expect("pip install sdk/python");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The SDK's own dependencies (pulumi is pinned already).
        let output = Command::new(python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "parver>=0.2.1",
                "semver>=2.8.1",
            ])
            .output()
            .expect("pip install SDK dependencies");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// Splits a `Pulumi.yaml` into (project name, runtime, the rest); the runtime may be written
/// `runtime: yaml` or as a block with `name:`.
fn split_project_file(text: &str) -> (String, String, String) {
    let (mut name, mut runtime, mut body) = (None, None, String::new());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(value) = line.strip_prefix("name:").filter(|_| name.is_none()) {
            name = Some(value.trim().to_string());
        } else if let Some(value) = line.strip_prefix("runtime:") {
            if !value.trim().is_empty() {
                runtime = Some(value.trim().to_string());
            }
            while let Some(option) = lines.next_if(|l| l.starts_with(' ')) {
                if let Some(value) = option.trim().strip_prefix("name:") {
                    runtime = Some(value.trim().to_string());
                }
            }
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    (
        name.expect("Pulumi.yaml names the project"),
        runtime.expect("Pulumi.yaml names the runtime"),
        body,
    )
}

/// A Pulumi project in a temporary folder with its own file backend.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub state: tempfile::TempDir,
    pub stack: String,
    pub extra_env: Vec<(String, String)>,
}

impl Project {
    /// Writes `Pulumi.yaml` (with the plugin path added) and the program files, then creates the stack.
    pub fn new(name: &str, runtime: &str, body: &str, files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("Pulumi.yaml"),
            pulumi_yaml(name, runtime, body),
        )
        .expect("write Pulumi.yaml");
        for (path, content) in files {
            std::fs::write(dir.path().join(path), content).expect("write program file");
        }
        let project = Project {
            dir,
            state,
            stack: "dev".into(),
            extra_env: Vec::new(),
        };
        project.pulumi(&["stack", "init", "dev"]).success();
        project
    }

    /// A copy of the program in `source` (its `Pulumi.yaml` with the plugin path added, and every
    /// other file beside it, a stack config file included), with the stack created.
    pub fn from_program(source: &Path) -> Project {
        let project_file =
            std::fs::read_to_string(source.join("Pulumi.yaml")).expect("read Pulumi.yaml");
        let (name, runtime, body) = split_project_file(&project_file);
        let files: Vec<(String, String)> = std::fs::read_dir(source)
            .expect("program folder")
            .flatten()
            .filter(|e| e.file_name() != "Pulumi.yaml" && e.path().is_file())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).expect("program files are text"),
                )
            })
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        Project::new(&name, &runtime, &body, &files)
    }

    /// The runtime `Pulumi.yaml` names: yaml, python or nodejs.
    pub fn runtime(&self) -> String {
        let project_file =
            std::fs::read_to_string(self.dir.path().join("Pulumi.yaml")).expect("Pulumi.yaml");
        split_project_file(&project_file).1
    }

    /// Links the Node.js SDK built from sdk/nodejs into the project (TypeScript programs import it).
    pub fn link_node_sdk(&self) {
        let output = Command::new("bash")
            .arg(repository().join("scripts/build-node-sdk.sh"))
            .arg("--link")
            .arg(self.dir.path())
            .output()
            .expect("build the Node SDK");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Replaces `Pulumi.yaml` (a YAML program's next version); the stack stays.
    pub fn rewrite_program(&self, name: &str, runtime: &str, body: &str) {
        std::fs::write(
            self.dir.path().join("Pulumi.yaml"),
            pulumi_yaml(name, runtime, body),
        )
        .expect("write Pulumi.yaml");
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        let path = format!(
            "{}:{}",
            engine_bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        command
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env(
                "PULUMI_BACKEND_URL",
                format!("file://{}", self.state.path().display()),
            )
            .env("PULUMI_HOME", self.state.path().join(".pulumi"))
            .env("PULUMI_CONFIG_PASSPHRASE", "aksmesh-test")
            .env("PULUMI_SKIP_UPDATE_CHECK", "true")
            .env("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
            .env("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", "true")
            .env_remove("PULUMI_ACCESS_TOKEN");
        for (key, value) in &self.extra_env {
            command.env(key, value);
        }
        command
    }

    /// What `pulumi preview` plans, as (resource name, operation) for every step that is not
    /// `same`.
    pub fn planned(&self) -> Vec<(String, String)> {
        let (run, steps) = self.preview_steps(&[]);
        run.success();
        steps
            .into_iter()
            .filter(|(_, op)| op != "same")
            .map(|(urn, op)| (urn.rsplit("::").next().unwrap_or_default().to_string(), op))
            .collect()
    }

    /// Every step a preview plans, as (URN, operation), and the preview's run (not asserted, so
    /// that `--expect-no-changes` in `extra` can fail with the steps still shown). YAML programs
    /// run with the CLI's `preview --json`; Python and TypeScript programs through the runner,
    /// whose engine events name each step.
    pub fn preview_steps(&self, extra: &[&str]) -> (Run, Vec<(String, String)>) {
        if self.runtime() == "yaml" {
            // Without --show-sames the JSON lists only the stack among the unchanged steps.
            let run = self.pulumi(&[&["preview", "--json", "--show-sames"], extra].concat());
            let steps = match serde_json::from_str::<serde_json::Value>(&run.stdout()) {
                Ok(preview) => preview["steps"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| (s["urn"].clone(), s["op"].clone()))
                    .map(|(urn, op)| (text(urn), text(op)))
                    .collect(),
                Err(_) => Vec::new(),
            };
            return (run, steps);
        }
        let events = self.state.path().join("preview-events.jsonl");
        let events_arg = events.display().to_string();
        let run = self.run_program(
            "preview",
            &[&["--json-events", &events_arg], extra].concat(),
        );
        let steps = std::fs::read_to_string(&events)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|event| event.get("resourcePreEvent").cloned())
            .map(|pre| {
                (
                    text(pre["metadata"]["urn"].clone()),
                    text(pre["metadata"]["op"].clone()),
                )
            })
            .collect();
        (run, steps)
    }

    /// Runs the pulumi CLI in the project.
    pub fn pulumi(&self, arguments: &[&str]) -> Run {
        let output = self
            .command(&engine_bin().join("pulumi"))
            .args(arguments)
            .arg("--non-interactive")
            .output()
            .expect("run pulumi");
        Run {
            what: format!("pulumi {}", arguments.join(" ")),
            output,
        }
    }

    /// `pulumi destroy` (with `extra` arguments) succeeds and leaves nothing in `azsim`.
    pub fn destroy_leaves_azsim_empty(&self, azsim: &super::azsim::Azsim, extra: &[&str]) {
        self.pulumi(&[&["destroy", "--yes", "--skip-preview"][..], extra].concat())
            .success();
        let left = azsim.resources();
        assert!(left.is_empty(), "destroy leaves azsim empty: {left:?}");
    }

    /// Starts the pulumi CLI in the project without waiting for it (to interrupt it).
    pub fn spawn_pulumi(&self, arguments: &[&str]) -> std::process::Child {
        self.command(&engine_bin().join("pulumi"))
            .args(arguments)
            .arg("--non-interactive")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start pulumi")
    }

    /// Runs a Python or TypeScript program through scripts/run-program.{py,mjs}.
    pub fn run_program(&self, command: &str, extra: &[&str]) -> Run {
        let mut process = if self.runtime() == "nodejs" {
            let mut c = self.command(Path::new("node"));
            c.arg(repository().join("scripts/run-program.mjs"));
            c
        } else {
            let mut c = self.command(&python());
            c.arg(repository().join("scripts/run-program.py"));
            c
        };
        let backend = format!("file://{}", self.state.path().display());
        let output = process
            .arg(self.dir.path())
            .args(["--stack", &self.stack, "--backend", &backend])
            .args(extra)
            .arg(command)
            .output()
            .expect("run program");
        Run {
            what: format!("run-program {command}"),
            output,
        }
    }

    pub fn config_set(&self, key: &str, value: &str) {
        self.pulumi(&["config", "set", key, value]).success();
    }

    /// Points the stack's aksmesh provider at azsim (the client secret stored as a secret).
    pub fn use_azsim(&self, azsim: &super::azsim::Azsim) {
        self.set_provider_config(&azsim.provider_config());
    }

    /// Points the provider at azsim with a configuration that is the same on every run (see
    /// `Azsim::portable_provider_config`); azsim's endpoints go into this project's environment.
    pub fn use_azsim_portably(&mut self, azsim: &super::azsim::Azsim) {
        let (config, environment) = azsim.portable_provider_config();
        self.set_provider_config(&config);
        self.extra_env.extend(environment);
    }

    fn set_provider_config(&self, config: &serde_json::Value) {
        for (key, value) in config.as_object().expect("config object") {
            let key = format!("aksmesh:{key}");
            let value = value.as_str().expect("string config");
            if key == "aksmesh:clientSecret" {
                self.pulumi(&["config", "set", "--secret", &key, value])
                    .success();
            } else {
                self.config_set(&key, value);
            }
        }
    }

    /// The stack's outputs as JSON, secrets shown.
    pub fn outputs(&self) -> serde_json::Value {
        let run = self
            .pulumi(&["stack", "output", "--json", "--show-secrets"])
            .success();
        serde_json::from_slice(&run.output.stdout).expect("stack outputs are JSON")
    }
}

fn text(value: serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// A finished command with its output.
pub struct Run {
    pub what: String,
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Asserts success, showing everything the command said otherwise.
    pub fn success(self) -> Self {
        assert!(
            self.output.status.success(),
            "{} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            self.what,
            self.output.status,
            self.stdout(),
            self.stderr()
        );
        self
    }

    pub fn failure(self) -> Self {
        assert!(
            !self.output.status.success(),
            "{} was expected to fail:\n{}",
            self.what,
            self.stdout()
        );
        self
    }
}
