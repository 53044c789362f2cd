//! Prints how quickly a Cancel (what the engine sends on Ctrl-C) stops a create that is polling
//! Azure (a benchmark, not a test; the target is one second).
//!
//! Each sample starts the release plugin, points it at an in-process azsim running at real-time
//! speed (a VNet create takes about ten seconds), starts a `RegionalNetwork` create, waits until
//! the VNet's long-running operation is under way, sends Cancel and times the create's return.
//!
//! `cargo run --release --example bench_cancel -- target/release/pulumi-resource-aksmesh`

use std::time::{Duration, Instant};

use aksmesh::property::Value;
use aksmesh::rpc::pulumirpc::resource_provider_client::ResourceProviderClient;
use aksmesh::rpc::pulumirpc::{CheckRequest, ConfigureRequest, CreateRequest};
use serde_json::json;

#[path = "support/plugin.rs"]
mod plugin;

const SAMPLES: usize = 10;
const TOKEN: &str = "aksmesh:index:RegionalNetwork";

fn to_struct(json: serde_json::Value) -> prost_types::Struct {
    aksmesh::rpc::values::to_struct(&Value::from_plain(&json, &Default::default()))
}

async fn vnet_exists(azsim: &azsim::client::Client, name: &str) -> bool {
    let Ok(response) = azsim.get("/azsim/resources").await else {
        return false;
    };
    response
        .json()
        .as_array()
        .is_some_and(|resources| resources.iter().any(|r| r["name"] == name))
}

/// One sample: the time from sending Cancel to the create returning.
async fn sample(binary: &str, info: &azsim::StartInfo, index: usize) -> Duration {
    let (mut child, port, _) = plugin::start(binary);
    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to the provider");
    client
        .configure(ConfigureRequest {
            args: Some(to_struct(json!({
                "subscriptionId": info.subscription_id,
                "tenantId": info.tenant_id,
                "clientId": info.client_id,
                "clientSecret": info.client_secret,
                "authentication": "clientSecret",
                "armEndpoint": info.arm_endpoint,
                "authorityHost": info.authority_host,
                "trustedCaCertificate": info.ca_cert_path.display().to_string(),
            }))),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .expect("configure against azsim");
    let name = format!("cancel{index}");
    let urn = format!("urn:pulumi:bench::cancel::{TOKEN}::{name}");
    let inputs = client
        .check(CheckRequest {
            urn: urn.clone(),
            olds: Some(to_struct(json!({}))),
            news: Some(to_struct(json!({
                "location": "eastus",
                "namePrefix": name,
                "vnetCidr": "10.0.0.0/14",
                "nodeSubnetCidr": "10.0.0.0/16",
            }))),
            name: name.clone(),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("check")
        .into_inner()
        .inputs;
    let mut creator = client.clone();
    let creating = tokio::spawn(async move {
        creator
            .create(CreateRequest {
                urn,
                properties: inputs,
                r#type: TOKEN.into(),
                name,
                ..Default::default()
            })
            .await
    });
    let observer = azsim::client::Client::connect(info)
        .await
        .expect("azsim client");
    let vnet = format!("vnet-cancel{index}-eastus");
    while !vnet_exists(&observer, &vnet).await {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let the poller settle into waiting on the operation.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled_at = Instant::now();
    client.cancel(()).await.expect("cancel");
    let result = creating.await.expect("create task");
    let elapsed = cancelled_at.elapsed();
    assert!(result.is_err(), "a cancelled create fails");
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

#[tokio::main]
async fn main() {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/pulumi-resource-aksmesh".into());
    let data = tempfile::tempdir().expect("azsim data dir");
    let mut config = azsim::Config::new(data.path());
    config.time_scale = 1.0;
    let running = azsim::start(config).await.expect("azsim starts");
    let info = running.info().clone();

    let mut samples = Vec::with_capacity(SAMPLES);
    for index in 0..SAMPLES {
        samples.push(sample(&binary, &info, index).await);
    }
    samples.sort();
    running.shutdown().await;
    let millis = |d: &Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!("cancel benchmark ({binary})");
    println!(
        "  Cancel to create returning, mid-VNet poll ({SAMPLES} samples): median {}  max {}   target <= 1000 ms",
        millis(&samples[SAMPLES / 2]),
        millis(samples.last().expect("samples"))
    );
}
