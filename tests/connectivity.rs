//! `aksmesh:index:analyzeConnectivity` over gRPC: the matrix, the summary and bad arguments.

mod support;

use std::collections::BTreeMap;

use aksmesh::rpc::pulumirpc as rpc;
use support::{assert_invoke_rejects, start_provider, to_json, to_struct, InvokeRejection};

async fn invoke(args: serde_json::Value) -> rpc::InvokeResponse {
    let mut provider = start_provider(BTreeMap::new()).await;
    provider
        .client
        .invoke(rpc::InvokeRequest {
            tok: "aksmesh:index:analyzeConnectivity".into(),
            args: Some(to_struct(args)),
            preview: false,
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn analyze_connectivity_answers_overlay_with_peering() {
    let response = invoke(serde_json::json!({
        "regions": ["eastus", "westeurope"],
        "peerings": [{"from": "westeurope", "to": "eastus"}],
    }))
    .await;
    assert!(response.failures.is_empty(), "{:?}", response.failures);
    let result = to_json(response.r#return.as_ref().unwrap());
    let matrix = result["matrix"].as_array().unwrap();
    assert_eq!(matrix.len(), 2 * 2 * 3 * 4);
    let find = |source: &str, destination: &str| {
        matrix
            .iter()
            .find(|v| {
                v["sourceRegion"] == "eastus"
                    && v["destinationRegion"] == "westeurope"
                    && v["source"] == source
                    && v["destination"] == destination
            })
            .unwrap()
            .clone()
    };
    let pod_to_node = find("pod", "node");
    assert_eq!(pod_to_node["reachable"], true);
    assert_eq!(
        pod_to_node["path"],
        "pod → SNAT to node IP → VNet peering → node"
    );
    let pod_to_pod = find("pod", "pod");
    assert_eq!(pod_to_pod["reachable"], false);
    assert!(pod_to_pod["reason"]
        .as_str()
        .unwrap()
        .contains("in both directions"));
    assert_eq!(find("pod", "internalLoadBalancer")["reachable"], true);
    assert_eq!(result["summary"]["podToRemotePod"], false);
    assert_eq!(result["summary"]["nodeToRemoteNode"], true);
    assert_eq!(result["summary"]["podToRemoteLoadBalancer"], true);
    assert_eq!(result["summary"]["allRegionsPeered"], true);
}

#[tokio::test]
async fn analyze_connectivity_reports_bad_arguments_at_the_property() {
    let rows = [
        InvokeRejection::new(
            "fleet mesh on overlay",
            serde_json::json!({"regions": ["eastus"], "mesh": "fleet"}),
            "mesh",
            &["flat pod networking"],
        )
        .only(),
        InvokeRejection::new(
            "peering to a region not listed",
            serde_json::json!({
                "regions": ["eastus"],
                "peerings": [{"from": "eastus", "to": "uksouth"}],
            }),
            "peerings[0].to",
            &[],
        ),
        InvokeRejection::new(
            "unknown pod networking mode",
            serde_json::json!({"regions": ["eastus"], "podNetworking": "kubenet"}),
            "podNetworking",
            &[],
        ),
        InvokeRejection::new(
            "unknown region, refused as MultiRegionAks refuses it",
            serde_json::json!({
                "regions": ["eastus", "mars"],
                "peerings": [{"from": "eastus", "to": "mars"}],
            }),
            "regions[1]",
            &["'mars' is not an Azure region", "az account list-locations"],
        )
        .only(),
    ];
    assert_invoke_rejects("aksmesh:index:analyzeConnectivity", &rows).await;
}
