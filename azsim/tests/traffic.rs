//! `Config::traffic_dir`: every ARM exchange (errors and long-running-operation polls included) is
//! written as one `oav validate-traffic` file; token and control requests are not.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{json, Value};

fn traffic_files(dir: &std::path::Path) -> Vec<Value> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("traffic dir exists")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("JSON"))
        .collect()
}

#[tokio::test]
async fn every_arm_exchange_becomes_one_traffic_file() {
    let traffic = tempfile::tempdir().expect("temp dir");
    let traffic_dir = traffic.path().join("exchanges");
    let target = traffic_dir.clone();
    let sim = start_configured(0.0001, move |config| config.traffic_dir = Some(target)).await;

    sim.create_rg("rg-t", "westeurope").await;
    let vnet = sim.net("rg-t", "virtualNetworks/vn");
    let created = sim
        .put(
            &vnet,
            NET,
            json!({"location": "westeurope",
                   "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
        )
        .await;
    sim.wait_async(&created).await;
    let missing = sim.get(&sim.net("rg-t", "virtualNetworks/none"), NET).await;
    assert_eq!(missing.status, 404);
    sim.inventory().await; // a control request: not traffic

    let documents = traffic_files(&traffic_dir);
    // The request log has every request; all but the token request are ARM exchanges.
    let log = std::fs::read_to_string(&sim.running.info().request_log).expect("request log");
    let arm_lines = log
        .lines()
        .filter(|line| !line.contains("/oauth2/v2.0/token"))
        .count();
    assert_eq!(
        documents.len(),
        arm_lines,
        "one traffic file per ARM request"
    );

    let endpoint = &sim.running.info().arm_endpoint;
    let mut seen = BTreeSet::new();
    for document in &documents {
        let request = &document["liveRequest"];
        let response = &document["liveResponse"];
        let url = request["url"].as_str().expect("url");
        assert!(url.starts_with(endpoint.as_str()), "absolute URL: {url}");
        assert!(url.contains("api-version="), "api-version in {url}");
        assert!(!url.contains("/azsim/"), "control request recorded: {url}");
        assert!(
            request["headers"].get("authorization").is_none(),
            "the bearer token is not written"
        );
        let status = response["statusCode"].as_str().expect("status as string");
        seen.insert((
            request["method"].as_str().unwrap_or_default().to_string(),
            status.to_string(),
            url.contains("/operations/") || url.contains("operationResults"),
        ));
    }
    // The vnet PUT's request body and the 404's error body are kept as JSON.
    let put = documents
        .iter()
        .find(|d| {
            d["liveRequest"]["method"] == "PUT"
                && d["liveRequest"]["url"]
                    .as_str()
                    .unwrap()
                    .contains("virtualNetworks/vn?")
        })
        .expect("the vnet PUT");
    assert_eq!(put["liveRequest"]["body"]["location"], "westeurope");
    assert!(put["liveResponse"]["headers"]
        .get("azure-asyncoperation")
        .is_some());
    let not_found = documents
        .iter()
        .find(|d| d["liveResponse"]["statusCode"] == "404")
        .expect("the 404");
    assert!(not_found["liveResponse"]["body"]["error"]["code"].is_string());
    assert!(
        seen.iter()
            .any(|(method, status, poll)| method == "GET" && status == "200" && *poll),
        "an operation poll is recorded: {seen:?}"
    );
}
