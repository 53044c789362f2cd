//! Microsoft.Network: inline subnets, subnet validation, peering state transitions,
//! overlap errors, sync levels and in-use subnets.

mod common;

use common::*;
use serde_json::{json, Value};

fn vnet_body(prefixes: &[&str]) -> Value {
    json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": prefixes}}})
}

fn peering_body(remote: &str) -> Value {
    json!({"properties": {"remoteVirtualNetwork": {"id": remote}, "allowVirtualNetworkAccess": true, "allowForwardedTraffic": true, "allowGatewayTransit": false, "useRemoteGateways": false}})
}

async fn peering_state(sim: &Sim, vnet: &str, name: &str) -> (String, String) {
    let body = sim
        .wait_terminal(
            &sim.net(
                "rg",
                &format!("virtualNetworks/{vnet}/virtualNetworkPeerings/{name}"),
            ),
            NET,
        )
        .await;
    (
        body["properties"]["peeringState"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        body["properties"]["peeringSyncLevel"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_subnets_replace_the_collection_and_omitting_them_keeps_it() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    let path = sim.net("rg", "virtualNetworks/v");
    let body = sim
        .put_and_wait(
            &path,
            NET,
            json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/14"]}, "subnets": [
                {"name": "a", "properties": {"addressPrefix": "10.0.0.0/16"}},
                {"name": "b", "properties": {"addressPrefix": "10.1.0.0/16"}}
            ]}}),
        )
        .await;
    assert_eq!(body["properties"]["subnets"].as_array().unwrap().len(), 2);
    assert_eq!(
        sim.get(&sim.subnet_id("rg", "v", "b"), NET).await.status,
        200
    );
    // Omitting `subnets` keeps them.
    let body = sim
        .put_and_wait(&path, NET, vnet_body(&["10.0.0.0/14"]))
        .await;
    assert_eq!(body["properties"]["subnets"].as_array().unwrap().len(), 2);
    // A list replaces them.
    let body = sim
        .put_and_wait(
            &path,
            NET,
            json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/14"]}, "subnets": [
                {"name": "b", "properties": {"addressPrefix": "10.1.0.0/16"}},
                {"name": "c", "properties": {"addressPrefix": "10.2.0.0/16"}}
            ]}}),
        )
        .await;
    let names: Vec<&str> = body["properties"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["b", "c"]);
    assert_eq!(
        sim.get(&sim.subnet_id("rg", "v", "a"), NET).await.status,
        404
    );
    // An empty list deletes them all.
    let body = sim
        .put_and_wait(&path, NET, json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/14"]}, "subnets": []}}))
        .await;
    assert_eq!(body["properties"]["subnets"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subnet_prefixes_are_validated() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "10.0.0.0/16", "a", "10.0.0.0/24").await;
    let cases = [
        ("10.9.0.0/24", "NetcfgSubnetRangeOutsideVnet"),
        ("10.0.0.128/25", "NetcfgSubnetRangesOverlap"),
        ("10.0.1.1/24", "InvalidCIDRNotation"),
        ("ten.zero/8", "InvalidAddressPrefixFormat"),
    ];
    for (prefix, code) in cases {
        let r = sim
            .put(
                &sim.subnet_id("rg", "v", "b"),
                NET,
                json!({"properties": {"addressPrefix": prefix}}),
            )
            .await;
        assert_eq!(r.status, 400, "{prefix}");
        assert_eq!(
            r.error_code().as_deref(),
            Some(code),
            "{prefix}: {}",
            body_text(&r)
        );
    }
    let r = sim
        .put(
            &sim.subnet_id("rg", "v", "b"),
            NET,
            json!({"properties": {}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = sim
        .put(
            &sim.net("rg", "virtualNetworks/w"),
            NET,
            vnet_body(&["10.0.0.0/8", "10.1.0.0/16"]),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = sim
        .put(
            &sim.net("rg", "virtualNetworks/w"),
            NET,
            json!({"location": "westeurope", "properties": {}}),
        )
        .await;
    assert_eq!(r.status, 400);
    // Shrinking the address space under an existing subnet is refused.
    let r = sim
        .put(
            &sim.net("rg", "virtualNetworks/v"),
            NET,
            vnet_body(&["10.0.128.0/17"]),
        )
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("NetcfgSubnetRangeOutsideVnet")
    );
    let ok = sim
        .put_and_wait(
            &sim.subnet_id("rg", "v", "b"),
            NET,
            json!({"properties": {"addressPrefixes": ["10.0.1.0/24", "10.0.2.0/24"]}}),
        )
        .await;
    assert_eq!(ok["properties"]["provisioningState"], "Succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peerings_go_initiated_connected_disconnected() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "a", "10.0.0.0/16", "s", "10.0.0.0/24").await;
    sim.vnet("rg", "b", "10.1.0.0/16", "s", "10.1.0.0/24").await;
    let a = sim.net("rg", "virtualNetworks/a");
    let b = sim.net("rg", "virtualNetworks/b");
    let ab = format!("{a}/virtualNetworkPeerings/a-to-b");
    let ba = format!("{b}/virtualNetworkPeerings/b-to-a");

    let r = sim.put(&ab, NET, peering_body(&b)).await;
    assert_eq!(r.status, 201, "{}", body_text(&r));
    assert_eq!(r.json()["properties"]["peeringState"], "Initiated");
    assert_eq!(peering_state(&sim, "a", "a-to-b").await.0, "Initiated");

    sim.put_and_wait(&ba, NET, peering_body(&a)).await;
    assert_eq!(
        peering_state(&sim, "a", "a-to-b").await,
        ("Connected".to_string(), "FullyInSync".to_string())
    );
    assert_eq!(peering_state(&sim, "b", "b-to-a").await.0, "Connected");
    let vnet = sim.get(&a, NET).await.json();
    assert_eq!(
        vnet["properties"]["virtualNetworkPeerings"][0]["properties"]["peeringState"],
        "Connected"
    );

    sim.delete_and_wait(&ba, NET).await;
    assert_eq!(peering_state(&sim, "a", "a-to-b").await.0, "Disconnected");

    // The survivor must be updated (or re-created) before the reverse can be re-created.
    let r = sim.put(&ba, NET, peering_body(&a)).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_code().as_deref(),
        Some("RemotePeeringIsDisconnected")
    );
    sim.put_and_wait(&ab, NET, peering_body(&b)).await;
    assert_eq!(peering_state(&sim, "a", "a-to-b").await.0, "Initiated");
    sim.put_and_wait(&ba, NET, peering_body(&a)).await;
    assert_eq!(peering_state(&sim, "a", "a-to-b").await.0, "Connected");
    assert_eq!(peering_state(&sim, "b", "b-to-a").await.0, "Connected");

    // Deleting a VNet disconnects peerings that point at it.
    sim.delete_and_wait(&b, NET).await;
    assert_eq!(peering_state(&sim, "a", "a-to-b").await.0, "Disconnected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_address_spaces_cannot_peer() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "a", "10.0.0.0/16", "s", "10.0.0.0/24").await;
    sim.vnet("rg", "b", "10.1.0.0/16", "s", "10.1.0.0/24").await;
    sim.vnet("rg", "c", "10.0.0.0/15", "s", "10.0.0.0/24").await;
    sim.vnet("rg", "d", "10.1.0.0/17", "s", "10.1.0.0/24").await;
    let a = sim.net("rg", "virtualNetworks/a");
    let b = sim.net("rg", "virtualNetworks/b");
    let c = sim.net("rg", "virtualNetworks/c");
    let d = sim.net("rg", "virtualNetworks/d");
    let r = sim
        .put(
            &format!("{a}/virtualNetworkPeerings/a-c"),
            NET,
            peering_body(&c),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code().as_deref(), Some("VnetAddressSpacesOverlap"));
    sim.put_and_wait(
        &format!("{a}/virtualNetworkPeerings/a-b"),
        NET,
        peering_body(&b),
    )
    .await;
    let r = sim
        .put(
            &format!("{a}/virtualNetworkPeerings/a-d"),
            NET,
            peering_body(&d),
        )
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("VnetAddressSpaceOverlapsWithAlreadyPeeredVnet")
    );
    // Growing a into b's space after peering is refused too.
    let r = sim
        .put(&a, NET, vnet_body(&["10.0.0.0/16", "10.1.128.0/17"]))
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("VnetAddressSpaceOverlapsWithAlreadyPeeredVnet")
    );
    let r = sim
        .put(
            &format!("{a}/virtualNetworkPeerings/a-x"),
            NET,
            peering_body(&sim.net("rg", "virtualNetworks/missing")),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = sim
        .put(
            &format!("{a}/virtualNetworkPeerings/a-y"),
            NET,
            json!({"properties": {}}),
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_levels_follow_address_space_changes_and_sync_remote_address_space() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "a", "10.0.0.0/16", "s", "10.0.0.0/24").await;
    sim.vnet("rg", "b", "10.1.0.0/16", "s", "10.1.0.0/24").await;
    let a = sim.net("rg", "virtualNetworks/a");
    let b = sim.net("rg", "virtualNetworks/b");
    let ab = format!("{a}/virtualNetworkPeerings/a-b");
    let ba = format!("{b}/virtualNetworkPeerings/b-a");
    sim.put_and_wait(&ab, NET, peering_body(&b)).await;
    sim.put_and_wait(&ba, NET, peering_body(&a)).await;
    assert_eq!(peering_state(&sim, "a", "a-b").await.1, "FullyInSync");

    // a grows: b's view of a is stale.
    sim.put_and_wait(&a, NET, vnet_body(&["10.0.0.0/16", "10.2.0.0/16"]))
        .await;
    assert_eq!(
        peering_state(&sim, "a", "a-b").await,
        ("Connected".into(), "RemoteNotInSync".into())
    );
    assert_eq!(
        peering_state(&sim, "b", "b-a").await,
        ("Connected".into(), "LocalNotInSync".into())
    );
    let view = sim.get(&ba, NET).await.json();
    assert_eq!(
        view["properties"]["remoteAddressSpace"]["addressPrefixes"],
        json!(["10.0.0.0/16"])
    );
    assert_eq!(
        view["properties"]["remoteVirtualNetworkAddressSpace"]["addressPrefixes"],
        json!(["10.0.0.0/16", "10.2.0.0/16"])
    );
    // a's own peering: the local space as peered (its last PUT) and as it is now.
    let own = sim.get(&ab, NET).await.json();
    assert_eq!(
        own["properties"]["localAddressSpace"]["addressPrefixes"],
        json!(["10.0.0.0/16"])
    );
    assert_eq!(
        own["properties"]["localVirtualNetworkAddressSpace"]["addressPrefixes"],
        json!(["10.0.0.0/16", "10.2.0.0/16"])
    );

    // A PUT without the flag keeps the stale view; with it the peering re-syncs.
    sim.put_and_wait(&ba, NET, peering_body(&a)).await;
    assert_eq!(peering_state(&sim, "b", "b-a").await.1, "LocalNotInSync");
    sim.put_and_wait(
        &format!("{ba}?syncRemoteAddressSpace=true"),
        NET,
        peering_body(&a),
    )
    .await;
    assert_eq!(peering_state(&sim, "b", "b-a").await.1, "FullyInSync");
    assert_eq!(peering_state(&sim, "a", "a-b").await.1, "FullyInSync");
    let r = sim
        .put(
            &format!("{ba}?syncRemoteAddressSpace=yes"),
            NET,
            peering_body(&a),
        )
        .await;
    assert_eq!(r.status, 400);

    // Both sides stale.
    sim.put_and_wait(
        &a,
        NET,
        vnet_body(&["10.0.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]),
    )
    .await;
    sim.put_and_wait(&b, NET, vnet_body(&["10.1.0.0/16", "10.4.0.0/16"]))
        .await;
    assert_eq!(
        peering_state(&sim, "a", "a-b").await.1,
        "LocalAndRemoteNotInSync"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subnets_used_by_a_cluster_cannot_be_deleted() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "10.0.0.0/14", "nodes", "10.1.0.0/16")
        .await;
    let subnet = sim.subnet_id("rg", "v", "nodes");
    sim.put_and_wait(&sim.aks("rg", "c1"), AKS, cluster_body(&subnet))
        .await;
    let r = sim.delete(&subnet, NET).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_code().as_deref(),
        Some("InUseSubnetCannotBeDeleted")
    );
    let r = sim.delete(&sim.net("rg", "virtualNetworks/v"), NET).await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("InUseSubnetCannotBeDeleted")
    );
    let r = sim
        .put(
            &subnet,
            NET,
            json!({"properties": {"addressPrefix": "10.1.0.0/17"}}),
        )
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("InUseSubnetCannotBeUpdated")
    );
    let r = sim
        .put(&sim.net("rg", "virtualNetworks/v"), NET, json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/14"]}, "subnets": []}}))
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("InUseSubnetCannotBeDeleted")
    );
    sim.delete_and_wait(&sim.aks("rg", "c1"), AKS).await;
    sim.delete_and_wait(&subnet, NET).await;
}
