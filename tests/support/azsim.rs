//! azsim for provider tests: started on its own thread and runtime (so sync CLI tests and async gRPC
//! tests can both use it), on loopback, with its request log kept for schema validation.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// How fast simulated time runs: an AKS create (6 min) takes about 0.7 s.
pub const TIME_SCALE: f64 = 0.002;

pub struct Azsim {
    pub info: ::azsim::StartInfo,
    pub data_dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    label: String,
}

impl Azsim {
    /// Starts azsim with a label naming the test (used for its kept request log).
    pub fn start(label: &str) -> Azsim {
        Self::start_with(label, |_| {})
    }

    pub fn start_with(label: &str, adjust: impl FnOnce(&mut ::azsim::Config)) -> Azsim {
        let data_dir = tempfile::tempdir().expect("azsim data dir");
        let mut config = ::azsim::Config::new(data_dir.path());
        config.time_scale = TIME_SCALE;
        config.traffic_dir = Some(traffic_dir(label));
        // ARM throttling is on, as in azsim's default; `AKSMESH_TEST_THROTTLE=off` measures what
        // it costs the test command (issue 16: at most 10 % more run time).
        if std::env::var("AKSMESH_TEST_THROTTLE").as_deref() == Ok("off") {
            config.throttle = ::azsim::ThrottleConfig::off();
        }
        adjust(&mut config);
        let (info_sender, info_receiver) = mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("azsim runtime");
            runtime.block_on(async move {
                let running = ::azsim::start(config).await.expect("azsim starts");
                info_sender
                    .send(running.info().clone())
                    .expect("send azsim info");
                let _ = stopped.await;
                running.shutdown().await;
            });
        });
        let info = info_receiver.recv().expect("azsim reported its endpoints");
        Azsim {
            info,
            data_dir,
            stop: Some(stop),
            thread: Some(thread),
            label: label.to_string(),
        }
    }

    /// Provider configuration that points aksmesh at this azsim with its service principal.
    pub fn provider_config(&self) -> serde_json::Value {
        let mut config = self.secretless_provider_config("clientSecret");
        config["tenantId"] = self.info.tenant_id.clone().into();
        config["clientId"] = self.info.client_id.clone().into();
        config["clientSecret"] = self.info.client_secret.clone().into();
        config
    }

    /// Provider configuration that points aksmesh at this azsim and names only how to sign in;
    /// the identity comes from the environment (workload or managed identity, the Azure CLI).
    pub fn secretless_provider_config(&self, authentication: &str) -> serde_json::Value {
        serde_json::json!({
            "subscriptionId": self.info.subscription_id,
            "authentication": authentication,
            "armEndpoint": self.info.arm_endpoint,
            "authorityHost": self.info.authority_host,
            "trustedCaCertificate": self.info.ca_cert_path.display().to_string(),
        })
    }

    /// Provider configuration that stays the same from run to run (azsim's fixed subscription and
    /// service principal), with where this azsim answers (its port and CA file change every run)
    /// given as the environment variables the provider also reads. A state recorded this way can
    /// be previewed later with the identical configuration.
    pub fn portable_provider_config(&self) -> (serde_json::Value, Vec<(String, String)>) {
        let config = serde_json::json!({
            "subscriptionId": self.info.subscription_id,
            "authentication": "clientSecret",
            "tenantId": self.info.tenant_id,
            "clientId": self.info.client_id,
            "clientSecret": self.info.client_secret,
        });
        let environment = [
            ("ARM_ENDPOINT", self.info.arm_endpoint.clone()),
            ("AZURE_AUTHORITY_HOST", self.info.authority_host.clone()),
            (
                "AKSMESH_TRUSTED_CA_CERTIFICATE",
                self.info.ca_cert_path.display().to_string(),
            ),
        ];
        (
            config,
            environment
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// Every resource azsim holds (id, type, provisioningState), from its control endpoint.
    pub fn resources(&self) -> Vec<serde_json::Value> {
        let body = self.control_get("resources");
        match body {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Object(mut map) => match map.remove("resources") {
                Some(serde_json::Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// azsim's health: resource count, pending operations and, under `throttle`, whether ARM
    /// throttling is on and how many requests of each kind it answered 429.
    pub fn health(&self) -> serde_json::Value {
        self.control_get("health")
    }

    /// The ids of azsim's resources whose type ends with `suffix` (case-insensitive).
    pub fn ids_of_type(&self, suffix: &str) -> Vec<String> {
        self.resources()
            .iter()
            .filter(|r| {
                r["type"].as_str().is_some_and(|t| {
                    t.to_ascii_lowercase()
                        .ends_with(&suffix.to_ascii_lowercase())
                })
            })
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect()
    }

    /// Replaces azsim's fault plan at run time (an empty spec disables faults; script counters
    /// restart).
    pub fn set_faults(&self, spec: &str) {
        let url = format!(
            "{}/faults",
            self.info.control_endpoint.trim_end_matches('/')
        );
        let output = std::process::Command::new("curl")
            .args(["-sS", "--fail", "-X", "PUT", "--cacert"])
            .arg(&self.info.ca_cert_path)
            .args(["-H", "Content-Type: application/json", "-d"])
            .arg(serde_json::json!({ "spec": spec }).to_string())
            .arg(&url)
            .output()
            .expect("curl the azsim control endpoint");
        assert!(
            output.status.success(),
            "PUT {url} {spec:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn control_get(&self, what: &str) -> serde_json::Value {
        let url = format!(
            "{}/{what}",
            self.info.control_endpoint.trim_end_matches('/')
        );
        let output = std::process::Command::new("curl")
            .args(["-sS", "--fail", "--cacert"])
            .arg(&self.info.ca_cert_path)
            .arg(&url)
            .output()
            .expect("curl the azsim control endpoint");
        assert!(
            output.status.success(),
            "GET {url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("azsim control answers JSON")
    }

    /// A plain ARM call with a token, as an out-of-band actor (a person with curl) would make.
    pub fn arm(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let token_output = std::process::Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(&self.info.ca_cert_path)
            .args([
                "-d",
                &format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                    self.info.client_id, self.info.client_secret
                ),
            ])
            .arg(&self.info.token_endpoint)
            .output()
            .expect("curl the token endpoint");
        let token: serde_json::Value =
            serde_json::from_slice(&token_output.stdout).expect("token JSON");
        let token = token["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        let mut command = std::process::Command::new("curl");
        command
            .args(["-sS", "-X", method, "--cacert"])
            .arg(&self.info.ca_cert_path)
            .args([
                "-H",
                &format!("Authorization: Bearer {token}"),
                "-w",
                "\n%{http_code}",
            ]);
        if let Some(body) = body {
            command.args([
                "-H",
                "Content-Type: application/json",
                "-d",
                &body.to_string(),
            ]);
        }
        let output = command
            .arg(format!(
                "{}{path_and_query}",
                self.info.arm_endpoint.trim_end_matches('/')
            ))
            .output()
            .expect("curl ARM");
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (
            status.trim().parse().unwrap_or(0),
            serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
        )
    }

    pub fn request_log(&self) -> PathBuf {
        self.info.request_log.clone()
    }
}

/// Where this azsim writes its `oav` traffic (kept for scripts/validate-traffic.sh): one directory
/// per azsim under `AKSMESH_TRAFFIC_DIR` (default `target/arm-traffic`), unique within the process.
fn traffic_dir(label: &str) -> PathBuf {
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::var("AKSMESH_TRAFFIC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/arm-traffic"));
    root.join(format!("{label}-{}-{n}", std::process::id()))
}

impl Drop for Azsim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Keep the request log so the test command can validate every ARM write against the schemas.
        let directory = std::env::var("AKSMESH_REQUEST_LOG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/arm-requests")
            });
        if std::fs::create_dir_all(&directory).is_ok() {
            let name = format!("{}-{}.jsonl", self.label, std::process::id());
            let _ = std::fs::copy(&self.info.request_log, directory.join(name));
        }
    }
}
