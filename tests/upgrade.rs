//! Upgrades are safe: stacks deployed with the released provider preview without changes with the
//! provider built here.
//!
//! Each folder under tests/data/upgrade/ holds a program, its stack config (`Pulumi.dev.yaml`, with
//! the passphrase salt, so the kubeconfigs and the client secret stay ciphertext) and `state.json`,
//! the `pulumi stack export` taken right after `up` with the provider named in `RECORDED.json`. The
//! test imports each state into a fresh stack and previews the same program and config: every step
//! must be `same`. A change in Check, Diff or Construct that would touch an existing stack (a new
//! default, a renamed child, a different diff of old state) fails it.
//!
//! Record again only when a change of behaviour is meant, with `scripts/record-golden-state.sh`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use support::azsim::Azsim;
use support::programs::REGIONAL;
use support::pulumi::{install_python_sdk, repository, Project};

/// The fixed passphrase of the recorded stacks' secrets (the one every `Project` uses).
const PASSPHRASE: &str = "aksmesh-test";

/// Where the recorder takes a program from.
enum Program {
    /// A folder of examples/ (its files are copied, package.json aside: the SDK is linked instead).
    Example(&'static str),
    /// A YAML program body and its project name.
    Yaml(&'static str, &'static str),
}

/// One recorded stack.
struct Golden {
    name: &'static str,
    program: Program,
    /// Program config set before `up`, as `pulumi config set --path KEY VALUE`.
    config: &'static [(&'static str, &'static str)],
    /// Resource types the state holds (what the row is there for).
    holds: &'static [&'static str],
}

const MULTI_REGION: &[&str] = &[
    "aksmesh:index:MultiRegionAks",
    "aksmesh:index:RegionalNetwork",
    "aksmesh:index:RegionalCluster",
    "aksmesh:index:OverlayPeering",
    "aksmesh:index:VnetPeering",
];

const GOLDENS: &[Golden] = &[
    Golden {
        name: "python",
        program: Program::Example("python"),
        config: &[("enable_vnet_peering", "true")],
        holds: MULTI_REGION,
    },
    Golden {
        name: "typescript",
        program: Program::Example("typescript"),
        config: &[
            ("regions[0]", "eastus"),
            ("regions[1]", "westeurope"),
            ("enable_vnet_peering", "true"),
        ],
        holds: MULTI_REGION,
    },
    Golden {
        name: "yaml",
        program: Program::Example("yaml"),
        config: &[],
        holds: MULTI_REGION,
    },
    Golden {
        name: "regional",
        program: Program::Yaml("regional", REGIONAL),
        config: &[],
        holds: &[
            "aksmesh:index:RegionalNetwork",
            "aksmesh:index:RegionalCluster",
            "aksmesh:index:VnetPeering",
        ],
    },
    Golden {
        name: "python-mesh-front-door",
        program: Program::Example("python"),
        config: &[
            ("regions[0]", "eastus"),
            ("regions[1]", "westeurope"),
            ("pod_networking", "byoCni"),
            ("enable_vnet_peering", "true"),
            ("cilium_mesh", "selfManaged"),
            ("front_door", "true"),
        ],
        holds: &[
            "aksmesh:index:MultiRegionAks",
            "aksmesh:index:CiliumMesh",
            "aksmesh:index:FrontDoor",
        ],
    },
];

fn data() -> PathBuf {
    repository().join("tests/data/upgrade")
}

/// The project of a recorded program, with its SDK in place and the recorded stack config.
fn project(folder: &Path) -> Project {
    let project = Project::from_program(folder);
    match project.runtime().as_str() {
        "python" => install_python_sdk(),
        "nodejs" => project.link_node_sdk(),
        _ => {}
    }
    project
}

/// Previews the program against its imported state; an error says what the preview planned.
fn replay(golden: &Golden) -> Result<(), String> {
    let folder = data().join(golden.name);
    let mut project = project(&folder);
    let state = folder.join("state.json");
    let import = project.pulumi(&["stack", "import", "--file", &state.display().to_string()]);
    if !import.output.status.success() {
        return Err(format!(
            "{}: importing {} failed:\n{}{}",
            golden.name,
            state.display(),
            import.stdout(),
            import.stderr()
        ));
    }
    // Any Azure call fails at once: a preview must work from the state alone.
    let closed = "https://127.0.0.1:9/";
    project.extra_env.extend([
        ("ARM_ENDPOINT".to_string(), closed.to_string()),
        ("AZURE_AUTHORITY_HOST".to_string(), closed.to_string()),
    ]);
    let (run, steps) = project.preview_steps(&["--expect-no-changes"]);
    let changed: Vec<&(String, String)> = steps.iter().filter(|(_, op)| op != "same").collect();
    let previewed: Vec<&str> = steps.iter().map(|(urn, _)| urn.as_str()).collect();
    let unseen: Vec<String> = recorded_urns(&state)
        .into_iter()
        .filter(|urn| !previewed.contains(&urn.as_str()))
        .collect();
    if run.output.status.success() && changed.is_empty() && unseen.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{}: the recorded stack does not preview as unchanged.\n\
         steps other than `same`: {changed:#?}\n\
         recorded resources the preview did not visit: {unseen:#?}\n\
         If this change of behaviour is meant, say so in the change and record again with \
         scripts/record-golden-state.sh.\n--- preview stdout\n{}\n--- stderr\n{}",
        golden.name,
        explain(&run.stdout()),
        run.stderr()
    ))
}

/// The CLI's preview JSON repeats every old state; keep what explains a change: the steps other
/// than `same` with their diffs, the diagnostics and the summary. Other output stays as it is.
fn explain(stdout: &str) -> String {
    let Ok(preview) = serde_json::from_str::<Json>(stdout) else {
        return stdout.to_string();
    };
    let Some(steps) = preview["steps"].as_array() else {
        return stdout.to_string();
    };
    let changed: Vec<Json> = steps
        .iter()
        .filter(|s| s["op"] != "same")
        .map(|s| {
            serde_json::json!({
                "urn": s["urn"],
                "op": s["op"],
                "diffReasons": s["diffReasons"],
                "detailedDiff": s["detailedDiff"],
            })
        })
        .collect();
    let short = serde_json::json!({
        "changedSteps": changed,
        "diagnostics": preview["diagnostics"],
        "changeSummary": preview["changeSummary"],
    });
    serde_json::to_string_pretty(&short).unwrap_or_default()
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}; record it first", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn resources(state: &Path) -> Vec<Json> {
    read_json(state)["deployment"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The URNs the program registers (providers are the engine's own and need no step).
fn recorded_urns(state: &Path) -> Vec<String> {
    resources(state)
        .iter()
        .filter(|r| {
            !r["type"]
                .as_str()
                .unwrap_or_default()
                .starts_with("pulumi:providers:")
        })
        .filter_map(|r| r["urn"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn recorded_stacks_preview_without_changes() {
    let mut failures = Vec::new();
    for golden in GOLDENS {
        let started = std::time::Instant::now();
        if let Err(failure) = replay(golden) {
            failures.push(failure);
        }
        eprintln!("{}: previewed in {:.1?}", golden.name, started.elapsed());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The table and the folders agree, each state holds what its row is for, and its secrets are
/// ciphertext that the fixed passphrase opens.
#[test]
fn recorded_stacks_are_complete_and_keep_secrets_encrypted() {
    let mut folders: Vec<String> = std::fs::read_dir(data())
        .expect("tests/data/upgrade")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut names: Vec<String> = GOLDENS.iter().map(|g| g.name.to_string()).collect();
    names.sort();
    assert_eq!(folders, names, "every recorded folder has a row and back");
    let provenance = read_json(&data().join("RECORDED.json"));
    assert!(
        provenance["providerCommit"]
            .as_str()
            .is_some_and(|c| c.len() == 40),
        "{provenance}"
    );

    for golden in GOLDENS {
        let folder = data().join(golden.name);
        let state = folder.join("state.json");
        let types: Vec<String> = resources(&state)
            .iter()
            .filter_map(|r| r["type"].as_str().map(str::to_string))
            .collect();
        for wanted in golden.holds {
            assert!(
                types.iter().any(|t| t == wanted),
                "{}: no {wanted} in {types:?}",
                golden.name
            );
        }
        let text = std::fs::read_to_string(&state).expect("state");
        // Secret values are objects with the secret signature and a ciphertext.
        let secrets = text.matches("1b47061264138c4ac30d75fd1eb44270").count();
        let ciphertexts = text.matches("\"ciphertext\"").count();
        let clusters = types
            .iter()
            .filter(|t| *t == "aksmesh:index:RegionalCluster")
            .count();
        assert!(
            secrets >= clusters && secrets > 0,
            "{}: {secrets} secrets for {clusters} clusters",
            golden.name
        );
        assert_eq!(
            secrets, ciphertexts,
            "{}: every secret is ciphertext",
            golden.name
        );
        for clear in [
            "azsim-secret",
            "apiVersion: v1",
            "BEGIN RSA",
            "BEGIN PRIVATE",
        ] {
            assert!(
                !text.contains(clear),
                "{}: {clear} in clear text",
                golden.name
            );
        }
        let config = std::fs::read_to_string(folder.join("Pulumi.dev.yaml")).expect("stack config");
        assert!(config.contains("encryptionsalt: v1:"), "{config}");
        assert!(
            config.contains("aksmesh:clientSecret:\n    secure: "),
            "{config}"
        );
    }
}

/// Records every golden (or the one named by AKSMESH_GOLDEN) with the provider built from this
/// worktree. Refuses when the provider's sources have uncommitted changes: a recording must name
/// the commit it was made with.
#[test]
#[ignore = "records tests/data/upgrade; run scripts/record-golden-state.sh"]
fn record() {
    let git = |arguments: &[&str]| -> String {
        let output = Command::new("git")
            .args(arguments)
            .current_dir(repository())
            .output()
            .expect("git");
        assert!(output.status.success(), "git {arguments:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    let provider_sources = [
        "src",
        "build.rs",
        "proto",
        "schema.json",
        "sdk",
        "Cargo.toml",
        "Cargo.lock",
    ];
    let dirty = git(&[&["status", "--porcelain", "--"], &provider_sources[..]].concat());
    assert!(
        dirty.is_empty(),
        "commit or stash the provider's changes first, so the recording names its commit:\n{dirty}"
    );
    let only = std::env::var("AKSMESH_GOLDEN").ok();
    for golden in GOLDENS
        .iter()
        .filter(|g| only.as_deref().is_none_or(|o| o == g.name))
    {
        record_one(golden);
    }
    let pulumi = Project::new("version", "yaml", "", &[])
        .pulumi(&["version"])
        .success()
        .stdout();
    let provenance = serde_json::json!({
        "providerCommit": git(&[&["log", "-1", "--format=%H", "--"], &provider_sources[..]].concat()),
        "recordedAtCommit": git(&["rev-parse", "HEAD"]),
        "pulumi": pulumi.trim(),
        "passphrase": PASSPHRASE,
    });
    std::fs::write(
        data().join("RECORDED.json"),
        serde_json::to_string_pretty(&provenance).expect("JSON") + "\n",
    )
    .expect("write RECORDED.json");
}

fn record_one(golden: &Golden) {
    let folder = data().join(golden.name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("golden folder");
    match golden.program {
        Program::Example(example) => {
            for entry in std::fs::read_dir(repository().join("examples").join(example))
                .expect("example")
                .flatten()
                .filter(|e| e.path().is_file() && e.file_name() != "package.json")
            {
                std::fs::copy(entry.path(), folder.join(entry.file_name())).expect("copy");
            }
        }
        Program::Yaml(project, body) => std::fs::write(
            folder.join("Pulumi.yaml"),
            format!("name: {project}\nruntime: yaml\n{body}"),
        )
        .expect("write Pulumi.yaml"),
    }

    let azsim = Azsim::start(&format!("golden-{}", golden.name));
    let mut project = project(&folder);
    project.use_azsim_portably(&azsim);
    for (key, value) in golden.config {
        project
            .pulumi(&["config", "set", "--path", key, value])
            .success();
    }
    if project.runtime() == "yaml" {
        project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    } else {
        project.run_program("up", &[]).success();
    }
    // A state that does not preview as unchanged right away would make the replay meaningless.
    let (run, steps) = project.preview_steps(&["--expect-no-changes"]);
    run.success();
    assert!(steps.iter().all(|(_, op)| op == "same"), "{steps:#?}");

    let export = project.pulumi(&["stack", "export"]).success().stdout();
    std::fs::write(folder.join("state.json"), export).expect("write state.json");
    std::fs::copy(
        project.dir.path().join("Pulumi.dev.yaml"),
        folder.join("Pulumi.dev.yaml"),
    )
    .expect("copy the stack config");
}
