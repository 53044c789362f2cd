//! Persistence across `kill -9`: the real binary is started, written to, killed with
//! SIGKILL between requests and restarted on the same data dir.

mod common;

use std::time::{Duration, Instant};

use azsim::client::Client;
use common::{spawn, Process};
use serde_json::json;

fn kill_9(process: &mut Process) {
    // Child::kill sends SIGKILL on Unix.
    process.child.kill().expect("kill -9");
    process.child.wait().expect("reaped");
}

fn api(path: &str, version: &str) -> String {
    format!("{path}?api-version={version}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_writes_survive_kill_9_and_operations_resume() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = spawn(dir.path(), 0.01, &[]);
    let client = Client::connect(&first.info).await.unwrap();
    let sub = format!("/subscriptions/{}", first.info.subscription_id);
    let rg = format!("{sub}/resourceGroups/rg");
    assert_eq!(
        client
            .put(&api(&rg, "2025-04-01"), &json!({"location": "westeurope"}))
            .await
            .unwrap()
            .status,
        201
    );
    // Many small completed writes, the last one right before the kill.
    for i in 0..20 {
        let r = client
            .put(
                &api(&format!("{sub}/resourceGroups/rg-{i}"), "2025-04-01"),
                &json!({"location": "westeurope", "tags": {"i": i.to_string()}}),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 201);
    }
    let vnet = format!("{rg}/providers/Microsoft.Network/virtualNetworks/v");
    let r = client
        .put(
            &api(&vnet, "2025-07-01"),
            &json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/14"]}, "subnets": [{"name": "nodes", "properties": {"addressPrefix": "10.1.0.0/16"}}]}}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201);
    // Wait for the VNet (100 ms at this scale), then start a 3.6 s cluster create and kill mid-flight.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = client.get(&api(&vnet, "2025-07-01")).await.unwrap().json();
        if body["properties"]["provisioningState"] == "Succeeded" {
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cluster = format!("{rg}/providers/Microsoft.ContainerService/managedClusters/c1");
    let subnet = format!("{vnet}/subnets/nodes");
    let r = client
        .put(
            &api(&cluster, "2026-05-01"),
            &json!({"location": "westeurope", "properties": {"dnsPrefix": "c1", "agentPoolProfiles": [{"name": "system", "mode": "System", "count": 1, "vmSize": "Standard_D4s_v5", "vnetSubnetID": subnet}], "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "10.32.0.0/13", "serviceCidr": "10.96.0.0/16", "dnsServiceIP": "10.96.0.10"}}}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201);
    let status_url = r.header("azure-asyncoperation").unwrap().to_string();
    let old_token = client.token().unwrap().to_string();
    let old_ca = first.info.ca_pem.clone();
    kill_9(&mut first);

    let mut second = spawn(dir.path(), 0.01, &[]);
    assert_eq!(second.info.ca_pem, old_ca, "the CA survives restarts");
    let mut client = Client::anonymous(&second.info).unwrap();
    client.set_token(Some(old_token));
    let r = client
        .get(&api(&format!("{sub}/resourceGroups/rg-19"), "2025-04-01"))
        .await
        .unwrap();
    assert_eq!(
        r.status, 200,
        "a token from before the restart still works and the last write is there"
    );
    assert_eq!(r.json()["tags"]["i"], "19");
    for i in 0..20 {
        let r = client
            .get(&api(&format!("{sub}/resourceGroups/rg-{i}"), "2025-04-01"))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "rg-{i}");
    }
    let body = client
        .get(&api(&cluster, "2026-05-01"))
        .await
        .unwrap()
        .json();
    let state = body["properties"]["provisioningState"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(state == "Creating" || state == "Succeeded", "{state}");
    // The in-flight create finishes on its original schedule; its status URL keeps working.
    let status_path = status_url
        .split_once("/subscriptions/")
        .map(|(_, rest)| format!("/subscriptions/{rest}"))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = client.get(&status_path).await.unwrap().json();
        if status["status"] == "Succeeded" {
            break;
        }
        assert_eq!(status["status"], "InProgress");
        assert!(Instant::now() < deadline, "the create never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = client
        .get(&api(&cluster, "2026-05-01"))
        .await
        .unwrap()
        .json();
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        body["properties"]["agentPoolProfiles"][0]["provisioningState"],
        "Succeeded"
    );

    // A delete started before a kill completes after the restart too.
    let r = client
        .delete(&api(&format!("{sub}/resourceGroups/rg-3"), "2025-04-01"))
        .await
        .unwrap();
    assert_eq!(r.status, 202);
    kill_9(&mut second);
    std::thread::sleep(Duration::from_millis(400));
    let mut third = spawn(dir.path(), 0.01, &[]);
    let client = Client::connect(&third.info).await.unwrap();
    let r = client
        .get(&api(&format!("{sub}/resourceGroups/rg-3"), "2025-04-01"))
        .await
        .unwrap();
    assert_eq!(
        r.status, 404,
        "the 300 ms delete finished while azsim was down"
    );
    let inventory = client.get("/azsim/resources").await.unwrap().json();
    assert!(inventory.as_array().unwrap().len() >= 22);
    kill_9(&mut third);
}
