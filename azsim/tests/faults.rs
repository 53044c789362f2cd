//! Fault injection: scripted and rate-based faults, determinism under a seed, failing
//! long-running operations, dropped connections and changing the spec at run time.

mod common;

use common::*;
use serde_json::{json, Value};

fn vnet_body() -> Value {
    json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
}

async fn set_faults(sim: &Sim, spec: &str) {
    let r = sim
        .client
        .send("PUT", "/azsim/faults", &[], spec.as_bytes().to_vec(), false)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", body_text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_faults_hit_the_nth_matching_request() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    set_faults(&sim, "script:PUT:virtualNetworks:2=429/4;script:GET:virtualNetworks:1=500;script:GET:virtualNetworks:2=503;script:PUT:virtualNetworks:3=409").await;
    let path = sim.net("rg", "virtualNetworks/v");
    assert_eq!(sim.put(&path, NET, vnet_body()).await.status, 201);
    let throttled = sim.put(&path, NET, vnet_body()).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(
        throttled.error_code().as_deref(),
        Some("SubscriptionRequestsThrottled")
    );
    assert_eq!(throttled.header("retry-after"), Some("1"));
    assert_eq!(
        throttled.header("retry-after-ms"),
        Some("10"),
        "4 s scaled by 0.001, at least 10 ms"
    );
    let r = sim.get(&path, NET).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.error_code().as_deref(), Some("InternalServerError"));
    let r = sim.get(&path, NET).await;
    assert_eq!(r.status, 503);
    assert!(r.header("retry-after").is_some());
    sim.wait_terminal(&path, NET).await;
    let r = sim.put(&path, NET, vnet_body()).await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error_code().as_deref(),
        Some("AnotherOperationInProgress")
    );
    assert_eq!(sim.put(&path, NET, vnet_body()).await.status, 200);
    let faults = sim.client.get("/azsim/faults").await.unwrap().json();
    assert_eq!(faults["injected"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_faults_are_deterministic_for_a_seed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let sim = start(0.001).await;
        sim.create_rg("rg", "westeurope").await;
        let spec =
            serde_json::to_vec(&json!({"spec": "500:0.2,503:0.1,429:0.1:GET", "seed": seed}))
                .unwrap();
        sim.client
            .send("PUT", "/azsim/faults", &[], spec, false)
            .await
            .unwrap();
        let mut out = Vec::new();
        for _ in 0..60 {
            out.push(sim.get(&sim.rg("rg"), RG).await.status);
        }
        out
    }
    let a = statuses(7).await;
    let b = statuses(7).await;
    let c = statuses(8).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    let faults = a.iter().filter(|s| **s != 200).count();
    assert!((8..=40).contains(&faults), "{faults} faults in {a:?}");
    assert!(a.contains(&429) && a.contains(&500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lro_fail_makes_the_operation_end_failed() {
    let sim = start_with(0.001, Some("script:PUT:virtualNetworks/v:1=lro-fail")).await;
    sim.create_rg("rg", "westeurope").await;
    let path = sim.net("rg", "virtualNetworks/v");
    let r = sim.put(&path, NET, vnet_body()).await;
    assert_eq!(r.status, 201);
    let status = sim.wait_async(&r).await;
    assert_eq!(status["status"], "Failed");
    assert_eq!(status["error"]["code"], "InternalOperationError");
    assert_eq!(
        sim.get(&path, NET).await.json()["properties"]["provisioningState"],
        "Failed"
    );
    // A retry repairs it.
    let r = sim.put(&path, NET, vnet_body()).await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.wait_async(&r).await["status"], "Succeeded");
    // A failed delete leaves the resource Failed; its Location URL reports the error.
    set_faults(&sim, "script:DELETE:*:1=lro-fail").await;
    let r = sim.delete(&path, NET).await;
    assert_eq!(r.status, 202);
    let done = sim.wait_location(&r).await;
    assert_eq!(done.status, 500);
    assert_eq!(done.error_code().as_deref(), Some("InternalOperationError"));
    assert_eq!(
        sim.get(&path, NET).await.json()["properties"]["provisioningState"],
        "Failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_lose_the_response_not_the_server() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    set_faults(
        &sim,
        "script:GET:resourceGroups/rg:1=drop;script:PUT:virtualNetworks:1=drop-after",
    )
    .await;
    let r = sim.client.get(&with_api(&sim.rg("rg"), RG)).await;
    assert!(r.is_err(), "the first GET is dropped");
    assert_eq!(
        sim.get(&sim.rg("rg"), RG).await.status,
        200,
        "the client reconnects"
    );
    let path = sim.net("rg", "virtualNetworks/v");
    let r = sim.client.put(&with_api(&path, NET), &vnet_body()).await;
    assert!(r.is_err(), "drop-after loses the response");
    let body = sim.wait_terminal(&path, NET).await;
    assert_eq!(
        body["properties"]["provisioningState"], "Succeeded",
        "but the write happened"
    );
    let log = std::fs::read_to_string(&sim.running.info().request_log).unwrap();
    let dropped: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| {
            l.get("fault")
                .is_some_and(|f| f == "drop" || f == "drop-after")
        })
        .collect();
    assert_eq!(dropped.len(), 2);
    assert!(dropped.iter().all(|l| l["status"].is_null()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_use_each_providers_code() {
    let sim = start_with(
        0.001,
        Some("script:GET:managedClusters:1=409;script:GET:profiles:1=409"),
    )
    .await;
    sim.create_rg("rg", "westeurope").await;
    let r = sim.get(&sim.aks("rg", "c"), AKS).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code().as_deref(), Some("OperationNotAllowed"));
    let r = sim
        .get(
            &format!("{}/providers/Microsoft.Cdn/profiles/p", sim.rg("rg")),
            CDN,
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("Conflict"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_may_name_its_code() {
    let sim = start_with(
        0.001,
        Some("script:GET:virtualNetworks/a:1=409/ResourceGroupBeingDeleted;script:GET:virtualNetworks/b:1=409/RoleAssignmentExists;script:GET:virtualNetworks/c:1=409/Conflict;script:GET:virtualNetworks/d:1=409/NameAlreadyTaken"),
    )
    .await;
    sim.create_rg("rg", "westeurope").await;
    let cases = [
        (
            "a",
            "ResourceGroupBeingDeleted",
            "'rg' is in deprovisioning state",
        ),
        (
            "b",
            "RoleAssignmentExists",
            "0f0f0f0f0f0f4f0f8f0f0f0f0f0f0f0f",
        ),
        ("c", "Conflict", "conflicts with the current state"),
        ("d", "NameAlreadyTaken", "NameAlreadyTaken"),
    ];
    for (vnet, code, wording) in cases {
        let path = sim.net("rg", &format!("virtualNetworks/{vnet}"));
        let r = sim.get(&path, NET).await;
        assert_eq!(r.status, 409, "{vnet}");
        assert_eq!(r.error_code().as_deref(), Some(code));
        assert!(body_text(&r).contains(wording), "{}", body_text(&r));
        // Only the first matching request fails.
        assert_eq!(sim.get(&path, NET).await.status, 404);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = azsim::Config::new(dir.path());
    config.faults = Some("409/not-a-code:0.1".into());
    assert!(azsim::start(config).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_spec_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = azsim::Config::new(dir.path());
    config.faults = Some("explode:1".into());
    assert!(azsim::start(config).await.is_err());
}
