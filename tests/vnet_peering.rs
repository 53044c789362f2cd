//! VnetPeering through the provider's gRPC surface against azsim: both directions, drift, a lost
//! direction, address-space sync, import, and bad input caught by Check before any Azure call.

mod support;

use aksmesh::rpc::pulumirpc::{diff_response::DiffChanges, property_diff::Kind};
use serde_json::{json, Value};
use support::azsim::Azsim;
use support::lifecycle::{
    assert_check_rejects, configured_provider, Created, Lifecycle, Rejection,
};
use support::to_json;

const TOKEN: &str = "aksmesh:index:VnetPeering";
const NETWORK_TOKEN: &str = "aksmesh:index:RegionalNetwork";
const API: &str = "api-version=2025-07-01";

fn network_inputs(location: &str, vnet_cidr: &str, node_subnet_cidr: &str) -> Value {
    json!({"location": location, "vnetCidr": vnet_cidr, "nodeSubnetCidr": node_subnet_cidr})
}

/// Two regional networks (eastus 10.0.0.0/14, westeurope `west_cidr` with its first /16 for nodes),
/// created through the provider.
struct Networks {
    east: Lifecycle,
    west: Lifecycle,
    east_created: Created,
    west_created: Created,
}

async fn networks(azsim: &Azsim, west_cidr: &str) -> Networks {
    let client = configured_provider(azsim).await;
    let mut east = Lifecycle::new(client.clone(), NETWORK_TOKEN, "east");
    let mut west = Lifecycle::new(client, NETWORK_TOKEN, "west");
    let east_inputs = east
        .checked(
            json!({}),
            network_inputs("eastus", "10.0.0.0/14", "10.0.0.0/16"),
        )
        .await;
    let west_inputs = west
        .checked(
            json!({}),
            network_inputs("westeurope", west_cidr, &west_cidr.replace("/14", "/16")),
        )
        .await;
    let east_created = east.create(&east_inputs).await;
    let west_created = west.create(&west_inputs).await;
    Networks {
        east,
        west,
        east_created,
        west_created,
    }
}

fn peering_inputs(networks: &Networks) -> Value {
    let west = to_json(&networks.west_created.inputs);
    json!({
        "localVnetId": networks.east_created.id,
        "remoteVnetId": networks.west_created.id,
        "localAddressSpace": ["10.0.0.0/14"],
        "remoteAddressSpace": [west["vnetCidr"]],
    })
}

fn get(azsim: &Azsim, id: &str) -> (u16, Value) {
    azsim.arm("GET", &format!("{id}?{API}"), None)
}

fn assert_connected_and_in_sync(azsim: &Azsim, id: &str) {
    let (status, peering) = get(azsim, id);
    assert_eq!(status, 200, "GET {id}");
    assert_eq!(
        peering["properties"]["peeringState"], "Connected",
        "{peering}"
    );
    assert_eq!(
        peering["properties"]["peeringSyncLevel"], "FullyInSync",
        "{peering}"
    );
}

fn request_log(azsim: &Azsim) -> Vec<Value> {
    std::fs::read_to_string(azsim.request_log())
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

fn peering_requests(log: &[Value]) -> Vec<String> {
    log.iter()
        .filter(|entry| {
            entry["path"]
                .as_str()
                .is_some_and(|p| p.contains("virtualNetworkPeerings"))
        })
        .map(|entry| {
            format!(
                "{} {}",
                entry["method"].as_str().unwrap_or(""),
                entry["path"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Waits until azsim holds `count` peerings (an out-of-band DELETE finishes asynchronously).
async fn wait_for_peering_count(azsim: &Azsim, count: usize) {
    for _ in 0..200 {
        if azsim.ids_of_type("virtualNetworkPeerings").len() == count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "azsim never reached {count} peerings: {:?}",
        azsim.ids_of_type("virtualNetworkPeerings")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn vnet_peering_lifecycle_against_azsim() {
    let azsim = Azsim::start("vnet-peering-lifecycle");
    let mut networks = networks(&azsim, "10.4.0.0/14").await;
    let client = configured_provider(&azsim).await;
    let mut peering = Lifecycle::new(client, TOKEN, "east-west");
    let inputs = peering.checked(json!({}), peering_inputs(&networks)).await;
    assert_eq!(to_json(&inputs)["allowForwardedTraffic"], true);

    let projected = peering.preview(&inputs).await;
    assert_eq!(
        projected["localPeeringName"],
        "peer-vnet-east-eastus-to-vnet-west-westeurope"
    );
    assert_eq!(
        projected["remotePeeringName"],
        "peer-vnet-west-westeurope-to-vnet-east-eastus"
    );
    assert!(
        azsim.ids_of_type("virtualNetworkPeerings").is_empty(),
        "preview must not touch Azure"
    );

    let log_before = request_log(&azsim).len();
    let created = peering.create(&inputs).await;
    let create_log = request_log(&azsim)[log_before..].to_vec();
    eprintln!("all ARM requests during create: {}", create_log.len());
    let create_requests = peering_requests(&create_log);
    eprintln!(
        "ARM requests of one create ({}):\n{}",
        create_requests.len(),
        create_requests.join("\n")
    );
    // A new peering writes each direction once without reading first, and reads only what the
    // writes did not already return (the local direction, connected by the remote's PUT).
    let local_path = "/virtualNetworks/vnet-east-eastus/virtualNetworkPeerings/peer-vnet-east-eastus-to-vnet-west-westeurope?";
    let remote_path = "/virtualNetworks/vnet-west-westeurope/virtualNetworkPeerings/peer-vnet-west-westeurope-to-vnet-east-eastus?";
    let shape: Vec<String> = create_requests
        .iter()
        .map(|request| {
            let side = if request.contains(local_path) {
                "local"
            } else if request.contains(remote_path) {
                "remote"
            } else {
                "other"
            };
            format!("{} {side}", request.split(' ').next().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        shape,
        [
            "PUT local",
            "GET local",
            "PUT remote",
            "GET remote",
            "GET local"
        ],
        "{create_requests:#?}"
    );
    let state = created.state_json();
    assert_eq!(created.id, state["localPeeringId"]);
    assert!(
        created
            .id
            .ends_with("/virtualNetworkPeerings/peer-vnet-east-eastus-to-vnet-west-westeurope"),
        "{}",
        created.id
    );
    assert_eq!(state["peeringState"], "Connected");
    assert_eq!(state["peeringSyncLevel"], "FullyInSync");
    let local_id = state["localPeeringId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let remote_id = state["remotePeeringId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 2);
    assert_connected_and_in_sync(&azsim, &local_id);
    assert_connected_and_in_sync(&azsim, &remote_id);
    let (_, remote) = get(&azsim, &remote_id);
    assert_eq!(
        remote["properties"]["remoteVirtualNetwork"]["id"],
        networks.east_created.id
    );
    assert_eq!(remote["properties"]["allowVirtualNetworkAccess"], true);

    // Refresh right after create shows no drift.
    let refreshed = peering.refresh(&created).await.expect("still exists");
    let drift = peering.diff(&refreshed, &inputs).await;
    assert_eq!(
        drift.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        drift.detailed_diff
    );

    // A flag change updates both directions in place.
    let mut closed = peering_inputs(&networks);
    closed["allowForwardedTraffic"] = false.into();
    let closed = peering.checked(to_json(&inputs), closed).await;
    let diff = peering.diff(&created, &closed).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    assert_eq!(
        diff.detailed_diff["allowForwardedTraffic"].kind,
        Kind::Update as i32
    );
    let updated = peering.update(&created, &closed).await;
    assert_eq!(updated.state_json()["allowForwardedTraffic"], false);
    for id in [&local_id, &remote_id] {
        let (_, live) = get(&azsim, id);
        assert_eq!(live["properties"]["allowForwardedTraffic"], false, "{id}");
        assert_connected_and_in_sync(&azsim, id);
    }

    // Pointing at another VNet replaces, deleting first because the names are deterministic.
    let mut elsewhere = peering_inputs(&networks);
    elsewhere["remoteVnetId"] = networks
        .west_created
        .id
        .replace("vnet-west-westeurope", "vnet-other-westeurope")
        .into();
    let elsewhere = peering.checked(to_json(&closed), elsewhere).await;
    let diff = peering.diff(&updated, &elsewhere).await;
    assert_eq!(diff.replaces, ["remoteVnetId"]);
    assert!(diff.delete_before_replace);

    // Someone turns forwarding back on in the remote direction only. No input shows that side, so
    // refresh records it and the next `up` rewrites both directions.
    let (_, remote_live) = get(&azsim, &remote_id);
    let mut remote_body = json!({"properties": {}});
    for flag in [
        "remoteVirtualNetwork",
        "allowVirtualNetworkAccess",
        "allowGatewayTransit",
        "useRemoteGateways",
    ] {
        remote_body["properties"][flag] = remote_live["properties"][flag].clone();
    }
    remote_body["properties"]["allowForwardedTraffic"] = true.into();
    let (status, _) = azsim.arm("PUT", &format!("{remote_id}?{API}"), Some(remote_body));
    assert!(matches!(status, 200 | 201), "out-of-band PUT: {status}");
    let drifted = peering
        .refresh_records_one_out_of_band_change(&updated, |change| {
            change.contains("allowForwardedTraffic is true")
        })
        .await;
    assert_eq!(to_json(&drifted.inputs)["allowForwardedTraffic"], false);
    let repaired = peering.repair_out_of_band_changes(&drifted, &closed).await;
    let (_, remote_live) = get(&azsim, &remote_id);
    assert_eq!(remote_live["properties"]["allowForwardedTraffic"], false);
    peering.assert_refresh_is_clean(&repaired, &closed).await;

    // Someone deletes one direction: the other turns Disconnected. Refresh keeps the peering and
    // records the missing direction; the next `up` recreates it.
    let (status, _) = azsim.arm("DELETE", &format!("{local_id}?{API}"), None);
    assert!(
        matches!(status, 200 | 202 | 204),
        "out-of-band DELETE: {status}"
    );
    wait_for_peering_count(&azsim, 1).await;
    let (_, orphan) = get(&azsim, &remote_id);
    assert_eq!(
        orphan["properties"]["peeringState"], "Disconnected",
        "{orphan}"
    );
    let half = peering
        .refresh_records_one_out_of_band_change(&repaired, |change| {
            change
                == "peering peer-vnet-east-eastus-to-vnet-west-westeurope on vnet-east-eastus is missing"
        })
        .await;
    assert_eq!(half.id, local_id);
    let recreated = peering.repair_out_of_band_changes(&half, &closed).await;
    assert_eq!(recreated.id, local_id);
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 2);
    assert_connected_and_in_sync(&azsim, &local_id);
    assert_connected_and_in_sync(&azsim, &remote_id);
    peering.assert_refresh_is_clean(&recreated, &closed).await;

    // Import by the local peering id reads the inputs back (address spaces are offline hints only).
    let imported = peering.import(&local_id).await.expect("exists");
    let mut expected = to_json(&closed);
    let expected_object = expected.as_object_mut().expect("object");
    expected_object.remove("localAddressSpace");
    expected_object.remove("remoteAddressSpace");
    assert_eq!(to_json(&imported.inputs), expected);
    assert_eq!(imported.state_json()["remotePeeringId"], remote_id.as_str());

    peering.delete(&recreated).await;
    assert!(azsim.ids_of_type("virtualNetworkPeerings").is_empty());
    assert!(peering.refresh(&recreated).await.is_none());

    networks.east.delete(&networks.east_created).await;
    networks.west.delete(&networks.west_created).await;
    assert!(
        azsim.resources().is_empty(),
        "delete leaves azsim empty: {:?}",
        azsim.resources()
    );
}

/// One direction deleted outside Pulumi, either side: refresh keeps the peering and records the
/// missing direction, then `up` recreates it or `destroy` deletes the survivor. Nothing is orphaned.
#[tokio::test(flavor = "multi_thread")]
async fn half_deleted_peering_is_kept_then_recreated_or_destroyed() {
    struct Case {
        deleted: &'static str,
        missing: &'static str,
        destroy: bool,
    }
    let local =
        "peering peer-vnet-east-eastus-to-vnet-west-westeurope on vnet-east-eastus is missing";
    let remote =
        "peering peer-vnet-west-westeurope-to-vnet-east-eastus on vnet-west-westeurope is missing";
    let cases = [
        Case {
            deleted: "localPeeringId",
            missing: local,
            destroy: false,
        },
        Case {
            deleted: "remotePeeringId",
            missing: remote,
            destroy: false,
        },
        Case {
            deleted: "localPeeringId",
            missing: local,
            destroy: true,
        },
        Case {
            deleted: "remotePeeringId",
            missing: remote,
            destroy: true,
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let azsim = Azsim::start(&format!("vnet-peering-half-{i}"));
        let mut networks = networks(&azsim, "10.4.0.0/14").await;
        let mut peering = Lifecycle::new(configured_provider(&azsim).await, TOKEN, "east-west");
        let inputs = peering.checked(json!({}), peering_inputs(&networks)).await;
        let created = peering.create(&inputs).await;
        let state = created.state_json();
        let deleted = state[case.deleted].as_str().unwrap_or_default().to_string();
        let (status, _) = azsim.arm("DELETE", &format!("{deleted}?{API}"), None);
        assert!(
            matches!(status, 200 | 202 | 204),
            "case {i}: DELETE {status}"
        );
        wait_for_peering_count(&azsim, 1).await;

        let half = peering
            .refresh_records_one_out_of_band_change(&created, |change| change == case.missing)
            .await;
        assert_eq!(half.id, created.id, "case {i}");
        if case.destroy {
            peering.delete(&half).await;
            assert!(
                azsim.ids_of_type("virtualNetworkPeerings").is_empty(),
                "case {i}: the survivor is deleted: {:?}",
                azsim.ids_of_type("virtualNetworkPeerings")
            );
        } else {
            let recreated = peering.repair_out_of_band_changes(&half, &inputs).await;
            assert_eq!(
                azsim.ids_of_type("virtualNetworkPeerings").len(),
                2,
                "case {i}"
            );
            for id in ["localPeeringId", "remotePeeringId"] {
                assert_connected_and_in_sync(&azsim, state[id].as_str().unwrap_or_default());
            }
            peering.assert_refresh_is_clean(&recreated, &inputs).await;
            peering.delete(&recreated).await;
        }
        networks.east.delete(&networks.east_created).await;
        networks.west.delete(&networks.west_created).await;
        assert!(
            azsim.resources().is_empty(),
            "case {i}: {:?}",
            azsim.resources()
        );
    }
}

/// A create that finds a Disconnected direction left by an earlier attempt whose state was lost
/// (the other direction deleted since): it still converges to one Connected pair, whichever side
/// was left behind. The remote one makes Azure refuse the local PUT (RemotePeeringIsDisconnected),
/// so the create reads, deletes the leftover, and writes both again.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_peering_over_a_disconnected_leftover_connects() {
    for (deleted, left) in [
        ("localPeeringId", "remotePeeringId"),
        ("remotePeeringId", "localPeeringId"),
    ] {
        let azsim = Azsim::start(&format!("vnet-peering-leftover-{deleted}"));
        let networks = networks(&azsim, "10.4.0.0/14").await;
        let client = configured_provider(&azsim).await;
        let mut first = Lifecycle::new(client.clone(), TOKEN, "east-west");
        let inputs = first.checked(json!({}), peering_inputs(&networks)).await;
        let created = first.create(&inputs).await;
        let state = created.state_json();
        let deleted_id = state[deleted].as_str().unwrap_or_default().to_string();
        let left_id = state[left].as_str().unwrap_or_default().to_string();
        let (status, _) = azsim.arm("DELETE", &format!("{deleted_id}?{API}"), None);
        assert!(matches!(status, 200 | 202 | 204), "DELETE: {status}");
        wait_for_peering_count(&azsim, 1).await;
        let (_, leftover) = get(&azsim, &left_id);
        assert_eq!(
            leftover["properties"]["peeringState"], "Disconnected",
            "{leftover}"
        );

        // The state is lost: a second resource creates the same peering from scratch.
        let mut again = Lifecycle::new(client, TOKEN, "east-west-again");
        let inputs = again.checked(json!({}), peering_inputs(&networks)).await;
        let recreated = again.create(&inputs).await;
        assert_eq!(
            recreated.state_json()["peeringState"],
            "Connected",
            "{deleted}"
        );
        assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 2);
        assert_connected_and_in_sync(&azsim, &deleted_id);
        assert_connected_and_in_sync(&azsim, &left_id);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn expanded_address_space_is_synced_to_both_sides() {
    let azsim = Azsim::start("vnet-peering-sync");
    // 10.8.0.0/14 can grow to 10.8.0.0/13 without touching east's 10.0.0.0/14.
    let mut networks = networks(&azsim, "10.8.0.0/14").await;
    let client = configured_provider(&azsim).await;
    let mut peering = Lifecycle::new(client, TOKEN, "east-west");
    let inputs = peering.checked(json!({}), peering_inputs(&networks)).await;
    let created = peering.create(&inputs).await;
    let local_id = created.state_json()["localPeeringId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let remote_id = created.state_json()["remotePeeringId"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // West grows in place (10.8.0.0/14 → 10.8.0.0/13); the east side's copy of west's address space is now stale.
    let grown = networks
        .west
        .checked(
            to_json(&networks.west_created.inputs),
            network_inputs("westeurope", "10.8.0.0/13", "10.8.0.0/16"),
        )
        .await;
    let west_diff = networks.west.diff(&networks.west_created, &grown).await;
    assert!(west_diff.replaces.is_empty(), "{:?}", west_diff.replaces);
    networks.west_created = networks.west.update(&networks.west_created, &grown).await;
    let (_, stale) = get(&azsim, &local_id);
    assert_ne!(
        stale["properties"]["peeringSyncLevel"], "FullyInSync",
        "{stale}"
    );

    let log_before = request_log(&azsim).len();
    let mut synced = peering_inputs(&networks);
    synced["remoteAddressSpace"] = json!(["10.8.0.0/13"]);
    let synced = peering.checked(to_json(&inputs), synced).await;
    let diff = peering.diff(&created, &synced).await;
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = peering.update(&created, &synced).await;
    assert_eq!(updated.state_json()["peeringSyncLevel"], "FullyInSync");
    assert_connected_and_in_sync(&azsim, &local_id);
    assert_connected_and_in_sync(&azsim, &remote_id);
    let puts: Vec<String> = peering_requests(&request_log(&azsim)[log_before..])
        .into_iter()
        .filter(|r| r.starts_with("PUT "))
        .collect();
    assert_eq!(puts.len(), 2, "{puts:?}");
    assert!(
        puts.iter()
            .all(|p| p.contains("syncRemoteAddressSpace=true")),
        "{puts:?}"
    );

    peering.delete(&updated).await;
    networks.east.delete(&networks.east_created).await;
    networks.west.delete(&networks.west_created).await;
    assert!(azsim.resources().is_empty(), "{:?}", azsim.resources());
}

const EAST: &str = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-east-eastus/providers/Microsoft.Network/virtualNetworks/vnet-east-eastus";
const WEST: &str = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-west-westeurope/providers/Microsoft.Network/virtualNetworks/vnet-west-westeurope";

/// Bad input, one row per case: Check fails at the property, naming the fix, before any Azure call.
#[tokio::test]
async fn check_rejects_bad_input() {
    let valid = json!({
        "localVnetId": EAST,
        "remoteVnetId": WEST,
        "localAddressSpace": ["10.0.0.0/14"],
        "remoteAddressSpace": ["10.4.0.0/14"],
    });
    let rows = [
        Rejection::new(
            "the same vnet on both sides",
            "remoteVnetId",
            &["same virtual network"],
            |n| n["remoteVnetId"] = EAST.to_lowercase().into(),
        ),
        Rejection::new(
            "a malformed local vnet id",
            "localVnetId",
            &["must start with /subscriptions/"],
            |n| n["localVnetId"] = "vnet-east-eastus".into(),
        ),
        Rejection::new(
            "a missing local vnet id",
            "localVnetId",
            &["required"],
            |n| n["localVnetId"] = "".into(),
        ),
        Rejection::new(
            "a remote id of another resource type",
            "remoteVnetId",
            &["not a virtual network"],
            |n| n["remoteVnetId"] = format!("{WEST}/subnets/nodes").into(),
        ),
        Rejection::new(
            "overlapping address spaces",
            "remoteAddressSpace",
            &["VnetAddressSpacesOverlap"],
            |n| n["remoteAddressSpace"] = json!(["10.2.0.0/16"]),
        ),
        Rejection::new(
            "a malformed address space",
            "localAddressSpace[1]",
            &["10.300.0.0/16"],
            |n| n["localAddressSpace"] = json!(["10.0.0.0/14", "10.300.0.0/16"]),
        ),
        Rejection::new(
            "using and offering gateways at once",
            "useRemoteGateways",
            &["cannot both be true"],
            |n| {
                n["useRemoteGateways"] = true.into();
                n["allowGatewayTransit"] = true.into();
            },
        ),
        Rejection::new(
            "a name longer than Azure allows",
            "name",
            &["1 to 80 characters"],
            |n| n["name"] = "p".repeat(81).into(),
        ),
        Rejection::new(
            "a name with bad characters",
            "name",
            &["may only contain"],
            |n| n["name"] = "east west!".into(),
        ),
        Rejection::new(
            "default names longer than Azure allows",
            "name",
            &["set name to a shorter one"],
            |n| n["remoteVnetId"] = WEST.replace("vnet-west-westeurope", &"v".repeat(64)).into(),
        ),
    ];
    assert_check_rejects(TOKEN, valid, &rows).await;
}
