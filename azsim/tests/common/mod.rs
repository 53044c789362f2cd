//! Shared helpers for azsim's integration tests: an in-process server on 127.0.0.1 with a
//! temporary data dir, a token-holding client, and polling helpers.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use azsim::client::{Client, ClientResponse};
use serde_json::{json, Value};

pub const AKS: &str = "2026-05-01";
pub const NET: &str = "2025-07-01";
pub const RG: &str = "2025-04-01";
pub const AUTHZ: &str = "2022-04-01";
pub const CDN: &str = "2025-12-01";
pub const FLEET: &str = "2026-03-02-preview";

pub struct Sim {
    pub running: azsim::Running,
    pub client: Client,
    pub dir: tempfile::TempDir,
    pub sub: String,
}

pub async fn start(time_scale: f64) -> Sim {
    start_with(time_scale, None).await
}

pub async fn start_with(time_scale: f64, faults: Option<&str>) -> Sim {
    start_configured(time_scale, |config| {
        config.faults = faults.map(str::to_string)
    })
    .await
}

/// Starts azsim with the tests' defaults changed by `adjust`.
pub async fn start_configured(time_scale: f64, adjust: impl FnOnce(&mut azsim::Config)) -> Sim {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = azsim::Config::new(dir.path());
    config.time_scale = time_scale;
    config.seed = 42;
    adjust(&mut config);
    let running = azsim::start(config).await.expect("azsim starts");
    let client = Client::connect(running.info())
        .await
        .expect("client connects");
    let sub = format!("/subscriptions/{}", running.info().subscription_id);
    Sim {
        running,
        client,
        dir,
        sub,
    }
}

impl Sim {
    pub fn rg(&self, rg: &str) -> String {
        format!("{}/resourceGroups/{rg}", self.sub)
    }
    pub fn net(&self, rg: &str, rest: &str) -> String {
        format!("{}/providers/Microsoft.Network/{rest}", self.rg(rg))
    }
    pub fn aks(&self, rg: &str, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.ContainerService/managedClusters/{name}",
            self.rg(rg)
        )
    }
    pub fn subnet_id(&self, rg: &str, vnet: &str, subnet: &str) -> String {
        self.net(rg, &format!("virtualNetworks/{vnet}/subnets/{subnet}"))
    }

    pub async fn get(&self, path: &str, api: &str) -> ClientResponse {
        self.client.get(&with_api(path, api)).await.expect("GET")
    }
    pub async fn put(&self, path: &str, api: &str, body: Value) -> ClientResponse {
        self.client
            .put(&with_api(path, api), &body)
            .await
            .expect("PUT")
    }
    pub async fn delete(&self, path: &str, api: &str) -> ClientResponse {
        self.client
            .delete(&with_api(path, api))
            .await
            .expect("DELETE")
    }

    pub async fn create_rg(&self, rg: &str, location: &str) {
        let r = self
            .put(&self.rg(rg), RG, json!({"location": location}))
            .await;
        assert!(
            r.status == 201 || r.status == 200,
            "RG create: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
    }

    /// PUTs a resource and waits until its provisioning state is terminal; returns the final GET body.
    pub async fn put_and_wait(&self, path: &str, api: &str, body: Value) -> Value {
        let r = self.put(path, api, body).await;
        assert!(
            r.status == 200 || r.status == 201,
            "PUT {path}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        self.wait_terminal(path, api).await
    }

    /// Polls GET until provisioningState is terminal.
    pub async fn wait_terminal(&self, path: &str, api: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = self.get(path, api).await;
            assert_eq!(
                r.status,
                200,
                "GET {path}: {}",
                String::from_utf8_lossy(&r.body)
            );
            let body = r.json();
            let state = body["properties"]["provisioningState"]
                .as_str()
                .unwrap_or("Succeeded")
                .to_string();
            if matches!(state.as_str(), "Succeeded" | "Failed" | "Canceled") {
                return body;
            }
            assert!(Instant::now() < deadline, "{path} stuck in {state}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Follows `Azure-AsyncOperation` until a terminal status; returns the status body.
    pub async fn wait_async(&self, response: &ClientResponse) -> Value {
        let url = response
            .header("azure-asyncoperation")
            .expect("Azure-AsyncOperation header")
            .to_string();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = self.client.get(&url).await.expect("poll");
            assert_eq!(
                r.status,
                200,
                "poll {url}: {}",
                String::from_utf8_lossy(&r.body)
            );
            let body = r.json();
            let status = body["status"].as_str().unwrap_or("").to_string();
            if matches!(status.as_str(), "Succeeded" | "Failed" | "Canceled") {
                return body;
            }
            assert!(Instant::now() < deadline, "operation stuck");
            let wait = response_retry_ms(&r).unwrap_or(5).min(50);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
    }

    /// Follows `Location` until it stops answering 202; returns the final response.
    pub async fn wait_location(&self, response: &ClientResponse) -> ClientResponse {
        let url = response
            .header("location")
            .expect("Location header")
            .to_string();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = self.client.get(&url).await.expect("poll");
            if r.status != 202 {
                return r;
            }
            assert!(Instant::now() < deadline, "location poll stuck");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub async fn delete_and_wait(&self, path: &str, api: &str) {
        let r = self.delete(path, api).await;
        assert!(
            matches!(r.status, 200 | 202 | 204),
            "DELETE {path}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        if r.status == 202 {
            let done = self.wait_location(&r).await;
            assert!(
                matches!(done.status, 200 | 204),
                "delete of {path} ended {}",
                done.status
            );
        }
    }

    /// `GET /azsim/resources`.
    pub async fn inventory(&self) -> Vec<Value> {
        let r = self
            .client
            .get("/azsim/resources")
            .await
            .expect("inventory");
        assert_eq!(r.status, 200);
        r.json().as_array().cloned().unwrap_or_default()
    }

    /// Creates RG + VNet (10.x/14 style) with one subnet, waiting for completion.
    pub async fn vnet(
        &self,
        rg: &str,
        name: &str,
        space: &str,
        subnet: &str,
        prefix: &str,
    ) -> Value {
        self.put_and_wait(
            &self.net(rg, &format!("virtualNetworks/{name}")),
            NET,
            json!({
                "location": "westeurope",
                "properties": {
                    "addressSpace": {"addressPrefixes": [space]},
                    "subnets": [{"name": subnet, "properties": {"addressPrefix": prefix}}]
                }
            }),
        )
        .await
    }
}

/// `token` with the first character of its signature changed. That character always carries six
/// significant bits, so the result differs in the signed bytes.
pub fn with_tampered_signature(token: &str) -> String {
    let signature_start = token.rfind('.').expect("a JWT") + 1;
    let replacement = if token.as_bytes()[signature_start] == b'A' {
        "B"
    } else {
        "A"
    };
    let mut forged = token.to_string();
    forged.replace_range(signature_start..signature_start + 1, replacement);
    assert_ne!(forged, token);
    forged
}

pub fn with_api(path: &str, api: &str) -> String {
    if path.contains("api-version=") {
        path.to_string()
    } else if path.contains('?') {
        format!("{path}&api-version={api}")
    } else {
        format!("{path}?api-version={api}")
    }
}

pub fn response_retry_ms(r: &ClientResponse) -> Option<u64> {
    r.header("retry-after-ms").and_then(|v| v.parse().ok())
}

pub fn body_text(r: &ClientResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// A minimal AKS body (overlay + Cilium) using the given node subnet.
pub fn cluster_body(subnet_id: &str) -> Value {
    json!({
        "location": "westeurope",
        "identity": {"type": "SystemAssigned"},
        "sku": {"name": "Base", "tier": "Free"},
        "properties": {
            "dnsPrefix": "plat-weu",
            "kubernetesVersion": "1.34",
            "enableRBAC": true,
            "oidcIssuerProfile": {"enabled": true},
            "agentPoolProfiles": [{
                "name": "system", "mode": "System", "count": 2, "vmSize": "Standard_D4s_v5",
                "osType": "Linux", "type": "VirtualMachineScaleSets", "maxPods": 110,
                "vnetSubnetID": subnet_id
            }],
            "networkProfile": {
                "networkPlugin": "azure", "networkPluginMode": "overlay",
                "networkDataplane": "cilium", "networkPolicy": "cilium",
                "podCidr": "10.32.0.0/13", "serviceCidr": "10.96.0.0/16", "dnsServiceIP": "10.96.0.10",
                "loadBalancerSku": "standard", "outboundType": "loadBalancer"
            }
        }
    })
}

/// The real `azsim serve` binary, started on a data dir.
pub struct Process {
    pub child: std::process::Child,
    pub info: azsim::StartInfo,
}

/// Starts `azsim serve` on `dir` with `extra` flags and reads its start line.
pub fn spawn(dir: &std::path::Path, time_scale: f64, extra: &[&str]) -> Process {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_azsim"))
        .args([
            "serve",
            "--port",
            "0",
            "--time-scale",
            &time_scale.to_string(),
            "--data-dir",
        ])
        .arg(dir)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("azsim binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("start line");
    let v: Value = serde_json::from_str(&line).expect("start line is JSON");
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let arm = text("armEndpoint");
    let port = arm.rsplit(':').next().unwrap().parse().unwrap();
    let ca_path = text("caCertPath");
    let info = azsim::StartInfo {
        arm_endpoint: arm,
        authority_host: text("authorityHost"),
        token_endpoint: text("tokenEndpoint"),
        ca_cert_path: ca_path.clone().into(),
        tenant_id: text("tenantId"),
        client_id: text("clientId"),
        client_secret: text("clientSecret"),
        subscription_id: text("subscriptionId"),
        request_log: text("requestLog").into(),
        control_endpoint: text("controlEndpoint"),
        federated_token_path: text("federatedTokenPath").into(),
        identity_endpoint: text("identityEndpoint"),
        identity_header: text("identityHeader"),
        github_id_token_request_url: text("githubIdTokenRequestUrl"),
        github_id_token_request_token: text("githubIdTokenRequestToken"),
        ca_pem: std::fs::read_to_string(&ca_path).expect("CA file"),
        port,
    };
    Process { child, info }
}
