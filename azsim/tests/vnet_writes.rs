//! The Network RP's one-write-per-VNet rule: a write to a VNet, its subnets or peerings while
//! another write on that VNet runs answers 409 `AnotherOperationInProgress`; a peering also needs
//! its remote VNet idle (400 `ReferencedResourceNotProvisioned`) but does not lock it.

mod common;

use common::*;
use serde_json::{json, Value};

struct Write {
    path: &'static str,
    body: fn(&Sim) -> Value,
}

const V1: Write = Write {
    path: "virtualNetworks/v1",
    body: |_| json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "subnets": [{"name": "s1", "properties": {"addressPrefix": "10.1.1.0/24"}}]}}),
};
const V2: Write = Write {
    path: "virtualNetworks/v2",
    body: |_| json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}}}),
};
const V1_S2: Write = Write {
    path: "virtualNetworks/v1/subnets/s2",
    body: |_| json!({"properties": {"addressPrefix": "10.1.2.0/24"}}),
};
const V1_S3: Write = Write {
    path: "virtualNetworks/v1/subnets/s3",
    body: |_| json!({"properties": {"addressPrefix": "10.1.3.0/24"}}),
};
const V2_S2: Write = Write {
    path: "virtualNetworks/v2/subnets/s2",
    body: |_| json!({"properties": {"addressPrefix": "10.2.2.0/24"}}),
};
const P12: Write = Write {
    path: "virtualNetworks/v1/virtualNetworkPeerings/to-v2",
    body: |sim| json!({"properties": {"remoteVirtualNetwork": {"id": sim.net("rg", "virtualNetworks/v2")}}}),
};
const P21: Write = Write {
    path: "virtualNetworks/v2/virtualNetworkPeerings/to-v1",
    body: |sim| json!({"properties": {"remoteVirtualNetwork": {"id": sim.net("rg", "virtualNetworks/v1")}}}),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_write_per_vnet() {
    // (case, first write, second write sent while the first runs, its status and code)
    let cases: [(&str, Write, Write, u16, Option<&str>); 8] = [
        (
            "vnet update, then a subnet",
            V1,
            V1_S2,
            409,
            Some("AnotherOperationInProgress"),
        ),
        (
            "subnet, then another subnet",
            V1_S2,
            V1_S3,
            409,
            Some("AnotherOperationInProgress"),
        ),
        (
            "subnet, then a peering of the same vnet",
            V1_S2,
            P12,
            409,
            Some("AnotherOperationInProgress"),
        ),
        (
            "peering, then its vnet",
            P12,
            V1,
            409,
            Some("AnotherOperationInProgress"),
        ),
        (
            "peering, then a subnet of the remote vnet",
            P12,
            V2_S2,
            201,
            None,
        ),
        (
            "peering, then the reverse peering",
            P12,
            P21,
            400,
            Some("ReferencedResourceNotProvisioned"),
        ),
        (
            "subnet of the remote vnet, then a peering",
            V2_S2,
            P12,
            400,
            Some("ReferencedResourceNotProvisioned"),
        ),
        ("a write on another vnet", V1_S2, V2_S2, 201, None),
    ];
    // Each case on its own azsim, all at once: the time goes into waiting for operations.
    let mut tasks = tokio::task::JoinSet::new();
    for (case, first, second, status, code) in cases {
        tasks.spawn(run_case(case, first, second, status, code));
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("case ran");
    }
}

async fn run_case(case: &str, first: Write, second: Write, status: u16, code: Option<&str>) {
    // Scale 0.1: subnet writes take 0.5 s, peerings 0.3 s, VNet updates 1 s.
    let sim = start(0.1).await;
    sim.create_rg("rg", "westeurope").await;
    sim.put_and_wait(&sim.net("rg", V1.path), NET, (V1.body)(&sim))
        .await;
    sim.put_and_wait(&sim.net("rg", V2.path), NET, (V2.body)(&sim))
        .await;
    let running = sim
        .put(&sim.net("rg", first.path), NET, (first.body)(&sim))
        .await;
    assert!(
        matches!(running.status, 200 | 201),
        "{case}: first write {}",
        running.status
    );
    let r = sim
        .put(&sim.net("rg", second.path), NET, (second.body)(&sim))
        .await;
    assert_eq!(
        r.status,
        status,
        "{case}: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.error_code().as_deref(), code, "{case}");
    if let Some(code) = code {
        let message = r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let expected = if code == "AnotherOperationInProgress" {
            "Another operation on this or dependent resource is in progress"
        } else {
            "is not in Succeeded state"
        };
        assert!(message.contains(expected), "{case}: {message}");
    }
    // Once the first write is done, the second goes through.
    let done = sim.wait_async(&running).await;
    assert_eq!(done["status"], "Succeeded", "{case}");
    if status != 201 {
        let r = sim
            .put(&sim.net("rg", second.path), NET, (second.body)(&sim))
            .await;
        assert!(
            matches!(r.status, 200 | 201),
            "{case}: after the first write: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
    }
}
