//! `aksmesh:index:estimateCost` through the real gRPC server.

mod support;

use std::collections::BTreeMap;

use aksmesh::rpc::pulumirpc as rpc;
use support::{start_provider, to_json, to_struct};

async fn invoke(args: serde_json::Value) -> rpc::InvokeResponse {
    let mut provider = start_provider(BTreeMap::new()).await;
    provider
        .client
        .invoke(rpc::InvokeRequest {
            tok: "aksmesh:index:estimateCost".into(),
            args: Some(to_struct(args)),
            preview: false,
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn estimate_cost_prices_the_three_scenarios() {
    let response = invoke(serde_json::json!({
        "regions": [
            {"location": "westeurope", "clusterTier": "Standard"},
            {"location": "eastus", "clusterTier": "Standard"}
        ],
        "pairTraffic": [{"from": "westeurope", "to": "eastus", "gbPerMonth": 1000}],
        "frontDoor": {"sku": "Standard", "requestsPerMonth": 10000000, "egressGbPerMonth": 100, "originGbPerMonth": 50}
    }))
    .await;
    assert!(response.failures.is_empty(), "{:?}", response.failures);
    let estimate = to_json(response.r#return.as_ref().unwrap());
    assert_eq!(estimate["currency"], "USD");
    assert_eq!(estimate["hoursPerMonth"], 730);
    let scenarios = estimate["scenarios"].as_array().unwrap();
    let names: Vec<_> = scenarios.iter().map(|s| s["name"].clone()).collect();
    assert_eq!(names, ["noPeering", "withPeering", "virtualWan"]);
    // 2 Standard control planes (146) + Front Door (35 + 9 + 8.3 + 50 GB edge → origin at 0.02).
    let base = 2.0 * 0.10 * 730.0 + 35.0 + 9.0 + 8.3 + 1.0;
    let total = |i: usize| scenarios[i]["monthlyTotal"].as_f64().unwrap();
    assert!((total(0) - base).abs() < 1e-6, "{}", total(0));
    // The worked example: 1 TB West Europe -> East US = 1000 x (0.035 + 0.035).
    assert!((total(1) - base - 70.0).abs() < 1e-6, "{}", total(1));
    let item = &scenarios[1]["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(item["unit"], "GB");
    assert_eq!(item["verified"], false);
    assert!(item["source"].as_str().unwrap().contains("2026-11"));
    let notes = estimate["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n.as_str().unwrap().contains("virtualWanHubHourly")));
}

#[tokio::test]
async fn estimate_cost_reports_bad_input_at_the_property() {
    let response = invoke(serde_json::json!({
        "regions": [
            {"location": "westeurope", "clusterTier": "Gold"},
            {"location": "atlantis"}
        ],
        "frontDoor": {"sku": "Standard", "requestsPerMonth": -1}
    }))
    .await;
    let paths: Vec<_> = response
        .failures
        .iter()
        .map(|f| f.property.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "regions[0].clusterTier",
            "regions[1].location",
            "frontDoor.requestsPerMonth"
        ]
    );
    assert!(
        response.failures[1].reason.contains("zone"),
        "{}",
        response.failures[1].reason
    );

    let empty = invoke(serde_json::json!({"regions": []})).await;
    assert_eq!(empty.failures[0].property, "regions");
}
