//! CiliumMesh through the provider's gRPC surface: the fleet mode against azsim (members Connected,
//! no drift, removing a cluster in place, clean delete), the selfManaged mode's stable outputs, and
//! every unsupported set-up refused by Check.

mod support;

use aksmesh::rpc::pulumirpc::diff_response::DiffChanges;
use serde_json::{json, Value};
use support::azsim::Azsim;
use support::lifecycle::{
    assert_check_rejects, configured_provider, offline_lifecycle, Created, Lifecycle, Rejection,
};
use support::{to_json, SUBSCRIPTION};

const TOKEN: &str = "aksmesh:index:CiliumMesh";
const NETWORK_TOKEN: &str = "aksmesh:index:RegionalNetwork";
const CLUSTER_TOKEN: &str = "aksmesh:index:RegionalCluster";
const PEERING_TOKEN: &str = "aksmesh:index:VnetPeering";
const FLEET_API: &str = "api-version=2026-03-02-preview";

struct Region {
    network: Created,
    cluster: Created,
    cluster_lifecycle: Lifecycle,
    network_lifecycle: Lifecycle,
}

/// A flat-mode network + cluster with ACNS on Kubernetes 1.33.
async fn flat_region(azsim: &Azsim, name: &str, location: &str, second_octet: u8) -> Region {
    let client = configured_provider(azsim).await;
    let mut network_lifecycle = Lifecycle::new(client.clone(), NETWORK_TOKEN, name);
    let inputs = network_lifecycle
        .checked(
            json!({}),
            json!({
                "location": location,
                "vnetCidr": format!("10.{second_octet}.0.0/14"),
                "nodeSubnetCidr": format!("10.{second_octet}.0.0/16"),
                "podSubnetCidr": format!("10.{}.0.0/16", second_octet + 1),
            }),
        )
        .await;
    let network = network_lifecycle.create(&inputs).await;
    let state = network.state_json();
    let mut cluster_lifecycle = Lifecycle::new(client, CLUSTER_TOKEN, name);
    let inputs = cluster_lifecycle
        .checked(
            json!({}),
            json!({
                "location": location,
                "resourceGroupName": state["resourceGroupName"],
                "nodeSubnetId": state["nodeSubnetId"],
                "podSubnetId": state["podSubnetId"],
                "podNetworking": "flat",
                "advancedNetworking": true,
                "kubernetesVersion": "1.33",
            }),
        )
        .await;
    let cluster = cluster_lifecycle.create(&inputs).await;
    Region {
        network,
        cluster,
        cluster_lifecycle,
        network_lifecycle,
    }
}

fn mesh_cluster(name: &str, region: &Region) -> Value {
    let network = region.network.state_json();
    let cluster = region.cluster.state_json();
    json!({
        "name": name,
        "clusterId": cluster["clusterId"],
        "location": cluster["location"],
        "podNetworking": cluster["podNetworking"],
        "networkDataplane": cluster["networkDataplane"],
        "advancedNetworking": cluster["advancedNetworking"],
        "kubernetesVersion": cluster["kubernetesVersion"],
        "podSubnetCidr": network["podSubnetCidr"],
        "nodeSubnetCidr": network["nodeSubnetCidr"],
        "vnetId": network["vnetId"],
    })
}

fn fleet_resources(azsim: &Azsim) -> Vec<String> {
    azsim
        .resources()
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .filter(|id| id.to_ascii_lowercase().contains("/fleets/"))
        .collect()
}

/// Every Fleet write azsim received (`METHOD path status`, lower-case path without query), in order.
fn fleet_writes(azsim: &Azsim) -> Vec<String> {
    std::fs::read_to_string(azsim.request_log())
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|e| e["method"] != "GET")
        .filter_map(|e| {
            let path = e["path"].as_str()?.split('?').next()?.to_ascii_lowercase();
            let method = e["method"].as_str()?;
            path.contains("/fleets/")
                .then(|| format!("{method} {path} {}", e["status"]))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn fleet_mesh_lifecycle_against_azsim() {
    let azsim = Azsim::start("cilium-mesh-fleet");
    let mut east = flat_region(&azsim, "east", "eastus", 0).await;
    let mut west = flat_region(&azsim, "west", "westeurope", 4).await;

    let mut peering = Lifecycle::new(
        configured_provider(&azsim).await,
        PEERING_TOKEN,
        "east-west",
    );
    let peering_inputs = peering
        .checked(
            json!({}),
            json!({"localVnetId": east.network.id, "remoteVnetId": west.network.id}),
        )
        .await;
    let peering_created = peering.create(&peering_inputs).await;

    let group = east.network.state_json()["resourceGroupName"].clone();
    let desired = json!({
        "mode": "fleet",
        "resourceGroupName": group,
        "clusters": [mesh_cluster("eastus", &east), mesh_cluster("westeurope", &west)],
        "peeredVnetPairs": [{"from": east.network.id, "to": west.network.id}],
    });
    let mut mesh = Lifecycle::new(configured_provider(&azsim).await, TOKEN, "platform");
    let inputs = mesh.checked(json!({}), desired.clone()).await;
    let checked = to_json(&inputs);
    assert_eq!(checked["namePrefix"], "platform");
    assert_eq!(checked["location"], "eastus");

    let created = mesh.create(&inputs).await;
    assert!(
        created
            .id
            .ends_with("/fleets/fleet-platform/clusterMeshProfiles/mesh-platform"),
        "{}",
        created.id
    );
    let state = created.state_json();
    assert_eq!(state["mode"], "fleet");
    assert!(state["fleetId"]
        .as_str()
        .unwrap()
        .ends_with("/fleets/fleet-platform"));
    let members = state["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "{state}");
    for member in members {
        assert_eq!(member["status"], "Connected", "{state}");
        let (status, live) = azsim.arm(
            "GET",
            &format!("{}?{FLEET_API}", member["memberId"].as_str().unwrap()),
            None,
        );
        assert_eq!(status, 200);
        // fleets.json 2026-03-02-preview: MeshProperties.status.state.
        assert_eq!(
            live["properties"]["meshProperties"]["status"]["state"],
            "Connected"
        );
        assert_eq!(live["properties"]["labels"]["aksmesh-mesh"], "platform");
    }
    let (_, fleet) = azsim.arm(
        "GET",
        &format!("{}?{FLEET_API}", state["fleetId"].as_str().unwrap()),
        None,
    );
    assert!(
        fleet["properties"].get("hubProfile").is_none(),
        "hubless: {fleet}"
    );

    // Refresh shows no drift.
    let refreshed = mesh.refresh(&created).await.expect("still exists");
    let drift = mesh.diff(&refreshed, &inputs).await;
    assert_eq!(
        drift.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        drift.detailed_diff
    );

    // Removing a cluster updates in place and removes its member.
    let mut smaller = desired.clone();
    smaller["clusters"].as_array_mut().unwrap().pop();
    let smaller = mesh.checked(checked.clone(), smaller).await;
    let diff = mesh.diff(&created, &smaller).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = mesh.update(&created, &smaller).await;
    let members = updated.state_json()["members"].as_array().unwrap().clone();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["name"], "eastus");
    assert_eq!(members[0]["status"], "Connected");
    let west_member = state["members"][1]["memberId"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = azsim.arm("GET", &format!("{west_member}?{FLEET_API}"), None);
    assert_eq!(status, 404, "the removed cluster's member is deleted");

    // Delete follows the Learn how-to's order (Fleet refuses any other) and leaves no fleet
    // resources behind; the clusters can then go.
    let before = fleet_writes(&azsim).len();
    mesh.delete(&updated).await;
    let writes: Vec<String> = fleet_writes(&azsim).split_off(before);
    let east_member = members[0]["memberId"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    let profile = created.id.to_ascii_lowercase();
    let fleet = state["fleetId"].as_str().unwrap().to_ascii_lowercase();
    assert_eq!(
        writes,
        [
            format!("PUT {east_member} 200"),
            format!("POST {profile}/apply 202"),
            format!("DELETE {profile} 202"),
            format!("DELETE {east_member} 202"),
            format!("DELETE {fleet} 202"),
        ],
        "1. unlabel, 2. apply and wait until the profile lists no members, 3. delete the profile, 4. delete the members"
    );
    assert!(
        fleet_resources(&azsim).is_empty(),
        "{:?}",
        fleet_resources(&azsim)
    );
    peering.delete(&peering_created).await;
    for region in [&mut east, &mut west] {
        let cluster = region.cluster.clone();
        region.cluster_lifecycle.delete(&cluster).await;
        let network = region.network.clone();
        region.network_lifecycle.delete(&network).await;
    }
}

fn byo_cluster(name: &str, node: &str, pod: &str) -> Value {
    json!({
        "name": name,
        "location": name,
        "podNetworking": "byoCni",
        "kubernetesVersion": "1.33",
        "podCidr": pod,
        "nodeSubnetCidr": node,
        "vnetId": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-{name}/providers/Microsoft.Network/virtualNetworks/vnet-{name}"),
    })
}

fn all_pairs(clusters: &Value) -> Value {
    let vnets: Vec<Value> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["vnetId"].clone())
        .collect();
    let mut pairs = Vec::new();
    for (i, a) in vnets.iter().enumerate() {
        for b in &vnets[i + 1..] {
            pairs.push(json!({"from": a, "to": b}));
        }
    }
    Value::Array(pairs)
}

fn self_managed_inputs(clusters: Value) -> Value {
    json!({
        "mode": "selfManaged",
        "peeredVnetPairs": all_pairs(&clusters),
        "clusters": clusters,
    })
}

fn by_name<'a>(state: &'a Value, name: &str) -> &'a Value {
    state["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {state}"))
}

fn assert_consistent(state: &Value, inputs: &Value) {
    let clusters = state["clusters"].as_array().unwrap();
    let mut ips = std::collections::BTreeSet::new();
    let mut ids = std::collections::BTreeSet::new();
    for cluster in clusters {
        let name = cluster["name"].as_str().unwrap();
        let ip: std::net::Ipv4Addr = cluster["apiServerIp"].as_str().unwrap().parse().unwrap();
        let node: ipnet::Ipv4Net = inputs["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["nodeSubnetCidr"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(node.contains(&ip), "{ip} outside {node}");
        assert!(ips.insert(ip), "duplicate IP {ip}");
        let id = cluster["clusterId"].as_i64().unwrap();
        assert!((1..=255).contains(&id));
        assert!(ids.insert(id), "duplicate id {id}");
        let values = &cluster["helmValues"];
        assert_eq!(values["cluster"]["name"], name);
        assert_eq!(values["cluster"]["id"].as_i64(), Some(id));
        assert_eq!(values["clustermesh"]["useAPIServer"], true);
        let service = &values["clustermesh"]["apiserver"]["service"];
        assert_eq!(service["type"], "LoadBalancer");
        assert_eq!(service["loadBalancerIP"], cluster["apiServerIp"]);
        assert_eq!(
            service["annotations"]["service.beta.kubernetes.io/azure-load-balancer-internal"],
            "true"
        );
        let peers = values["clustermesh"]["config"]["clusters"]
            .as_array()
            .unwrap();
        assert_eq!(peers.len(), clusters.len() - 1);
        for other in clusters.iter().filter(|c| c["name"] != name) {
            assert!(
                peers.iter().any(|p| p["name"] == other["name"]
                    && p["ips"][0] == other["apiServerIp"]
                    && p["port"] == 2379),
                "{name} lacks peer {}: {peers:?}",
                other["name"]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn self_managed_outputs_are_stable_when_clusters_are_added() {
    let mut mesh = offline_lifecycle(TOKEN, "platform").await;
    let two = json!([
        byo_cluster("eastus", "10.0.0.0/16", "10.100.0.0/16"),
        byo_cluster("westeurope", "10.4.0.0/16", "10.101.0.0/16"),
    ]);
    let desired = self_managed_inputs(two.clone());
    let inputs = mesh.checked(json!({}), desired.clone()).await;
    let created = mesh.create(&inputs).await;
    assert_eq!(created.id, "cilium-mesh/platform");
    let state = created.state_json();
    assert_eq!(state["mode"], "selfManaged");
    assert_consistent(&state, &desired);
    assert_eq!(by_name(&state, "eastus")["apiServerIp"], "10.0.255.245");
    let ca = state["ca"]["cert"].as_str().unwrap();
    assert!(ca.contains("BEGIN CERTIFICATE"));
    assert!(state["ca"]["key"].as_str().unwrap().contains("PRIVATE KEY"));
    // The CA travels as a secret.
    let Some(prost_types::value::Kind::StructValue(secret)) = &created.state.fields["ca"].kind
    else {
        panic!("ca is not a secret object");
    };
    assert!(secret
        .fields
        .contains_key(aksmesh::rpc::values::SIGNATURE_KEY));

    // Adding a cluster (first in the list) is an in-place update that keeps everything existing.
    let mut three = two.as_array().unwrap().clone();
    three.insert(
        0,
        byo_cluster("southeastasia", "10.8.0.0/16", "10.102.0.0/16"),
    );
    let grown_desired = self_managed_inputs(Value::Array(three));
    let grown = mesh.checked(to_json(&inputs), grown_desired.clone()).await;
    let diff = mesh.diff(&created, &grown).await;
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = mesh.update(&created, &grown).await;
    let after = updated.state_json();
    assert_consistent(&after, &grown_desired);
    assert_eq!(after["ca"], state["ca"], "the CA stays");
    for name in ["eastus", "westeurope"] {
        assert_eq!(
            by_name(&after, name)["clusterId"],
            by_name(&state, name)["clusterId"]
        );
        assert_eq!(
            by_name(&after, name)["apiServerIp"],
            by_name(&state, name)["apiServerIp"]
        );
    }
    assert_eq!(by_name(&after, "southeastasia")["clusterId"], 3);

    // Refresh changes nothing.
    let refreshed = mesh.refresh(&updated).await.expect("exists");
    assert_eq!(refreshed.state_json(), after);
}

#[tokio::test(flavor = "multi_thread")]
async fn self_managed_shares_a_node_subnet_without_collisions() {
    let mut mesh = offline_lifecycle(TOKEN, "platform").await;
    let mut a = byo_cluster("eastus", "10.0.0.0/16", "10.100.0.0/16");
    let mut b = byo_cluster("eastus2", "10.0.0.0/16", "10.101.0.0/16");
    b["vnetId"] = a["vnetId"].clone();
    a["location"] = "eastus".into();
    let desired = self_managed_inputs(json!([a, b]));
    let inputs = mesh.checked(json!({}), desired.clone()).await;
    let state = mesh.create(&inputs).await.state_json();
    assert_consistent(&state, &desired);
}

// ----- Check failures -------------------------------------------------------------------------

fn flat(name: &str, second_octet: u8) -> Value {
    json!({
        "name": name,
        "clusterId": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-{name}/providers/Microsoft.ContainerService/managedClusters/aks-{name}"),
        "location": name,
        "podNetworking": "flat",
        "networkDataplane": "cilium",
        "advancedNetworking": true,
        "kubernetesVersion": "1.33",
        "podSubnetCidr": format!("10.{}.0.0/16", second_octet + 1),
        "nodeSubnetCidr": format!("10.{second_octet}.0.0/16"),
        "vnetId": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-{name}/providers/Microsoft.Network/virtualNetworks/vnet-{name}"),
    })
}

fn valid_fleet() -> Value {
    let clusters = json!([flat("eastus", 0), flat("westeurope", 4)]);
    json!({
        "mode": "fleet",
        "resourceGroupName": "rg-platform",
        "peeredVnetPairs": all_pairs(&clusters),
        "clusters": clusters,
    })
}

fn valid_self_managed() -> Value {
    self_managed_inputs(json!([
        byo_cluster("eastus", "10.0.0.0/16", "10.100.0.0/16"),
        byo_cluster("westeurope", "10.4.0.0/16", "10.101.0.0/16"),
    ]))
}

/// Overlay with managed Cilium is refused in either mode, and the refusal names both routes
/// that do work (and the upstream issue).
const BOTH_ROUTES: &[&str] = &[
    "Azure/AKS#5194",
    "mode `fleet`",
    "podNetworking flat",
    "advancedNetworking (ACNS) true",
    "mode `selfManaged`",
    "BYO CNI",
    "byoCni",
];

fn overlay_with_managed_cilium(n: &mut Value) {
    n["clusters"][1]["podNetworking"] = "overlay".into();
    n["clusters"][1]["networkDataplane"] = "cilium".into();
    n["clusters"][1]["podCidr"] = "10.244.0.0/16".into();
}

#[tokio::test]
async fn check_rejects_unsupported_fleet_set_ups() {
    let rows = [
        Rejection::new(
            "overlay with managed Cilium",
            "clusters[1].podNetworking",
            BOTH_ROUTES,
            overlay_with_managed_cilium,
        ),
        Rejection::new(
            "a cluster without ACNS",
            "clusters[0].advancedNetworking",
            &["ACNS"],
            |n| n["clusters"][0]["advancedNetworking"] = false.into(),
        ),
        Rejection::new(
            "a cluster on Kubernetes 1.31",
            "clusters[1].kubernetesVersion",
            &["1.32 or later"],
            |n| n["clusters"][1]["kubernetesVersion"] = "1.31".into(),
        ),
        Rejection::new(
            "unpeered vnets",
            "clusters[1].vnetId",
            &["not peered"],
            |n| n["peeredVnetPairs"] = json!([]),
        ),
        Rejection::new(
            "overlapping pod subnets",
            "clusters[1].podSubnetCidr",
            &["overlaps"],
            |n| n["clusters"][1]["podSubnetCidr"] = "10.1.128.0/17".into(),
        ),
        Rejection::new(
            "duplicate cluster names",
            "clusters[1].name",
            &["duplicate"],
            |n| n["clusters"][1]["name"] = "eastus".into(),
        ),
        Rejection::new(
            "tunnelled overlay with the azure dataplane",
            "clusters[0].podNetworking",
            &["tunnelled overlay is unsupported"],
            |n| {
                n["clusters"][0]["podNetworking"] = "overlay".into();
                n["clusters"][0]["networkDataplane"] = "azure".into();
                n["clusters"][0]["podCidr"] = "10.244.0.0/16".into();
            },
        ),
        Rejection::new(
            "empty name prefix",
            "namePrefix",
            &["namePrefix is empty; remove it"],
            |n| n["namePrefix"] = "".into(),
        ),
    ];
    assert_check_rejects(TOKEN, valid_fleet(), &rows).await;
}

#[tokio::test]
async fn check_rejects_unsupported_self_managed_set_ups() {
    let rows = [
        Rejection::new(
            "overlay with managed Cilium",
            "clusters[1].podNetworking",
            BOTH_ROUTES,
            overlay_with_managed_cilium,
        ),
        Rejection::new(
            "overlapping pod ranges",
            "clusters[1].podCidr",
            &["non-overlapping"],
            |n| n["clusters"][1]["podCidr"] = "10.100.0.0/16".into(),
        ),
        Rejection::new(
            "a cluster without BYO CNI",
            "clusters[0].podNetworking",
            &["byoCni"],
            |n| {
                n["clusters"][0]["podNetworking"] = "flat".into();
                n["clusters"][0]["podSubnetCidr"] = "10.1.0.0/16".into();
                n["clusters"][0]["advancedNetworking"] = true.into();
            },
        ),
        Rejection::new("256 clusters", "clusters", &["at most 255"], |n| {
            let clusters: Vec<Value> = (0..256u32)
                .map(|i| {
                    let mut c = byo_cluster(
                        &format!("c{i}"),
                        &format!("10.{}.{}.0/24", i / 256, i % 256),
                        &format!("11.{}.{}.0/24", i / 256, i % 256),
                    );
                    c["vnetId"] = "vnet-shared".into();
                    c["location"] = "eastus".into();
                    c
                })
                .collect();
            n["clusters"] = Value::Array(clusters);
            n["peeredVnetPairs"] = json!([]);
        }),
    ];
    assert_check_rejects(TOKEN, valid_self_managed(), &rows).await;
}
