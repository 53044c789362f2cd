//! A part of a resource that Azure reports `Failed` is drift, through the provider's gRPC surface
//! against azsim. Each row creates its resource cleanly, then makes one part Failed the way a
//! failed write leaves it: the provider's own last PUT of that part is sent again while azsim's
//! `lro-fail` fault is set for it (so the body is one aksmesh really writes). Then refresh must
//! record the part in `outOfBandChanges`, Diff must plan an in-place update, Update must PUT the
//! part again until azsim shows it Succeeded, and a second refresh must be clean.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::azsim::Azsim;
use support::lifecycle::{configured_provider, created_network, Created, Lifecycle};

const NETWORK: &str = "aksmesh:index:RegionalNetwork";
const CLUSTER: &str = "aksmesh:index:RegionalCluster";
const PEERING: &str = "aksmesh:index:VnetPeering";
const FRONT_DOOR: &str = "aksmesh:index:FrontDoor";
const MESH: &str = "aksmesh:index:CiliumMesh";

/// The part a row makes Failed.
#[derive(Clone, Copy, Debug)]
enum Part {
    Vnet,
    NodeSubnet,
    PodSubnet,
    Cluster,
    AgentPool,
    LocalPeering,
    RemotePeering,
    FrontDoorProfile,
    Endpoint,
    OriginGroup,
    Origin,
    Route,
    Fleet,
    FleetMember,
    MeshProfile,
}

/// One row: the part made Failed, and every sentence refresh must then record (in order).
struct Row {
    part: Part,
    recorded: &'static [&'static str],
}

const fn row(part: Part, recorded: &'static [&'static str]) -> Row {
    Row { part, recorded }
}

const ROWS: &[Row] = &[
    row(
        Part::Vnet,
        &["VNet vnet-failed-eastus is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::NodeSubnet,
        &["subnet nodes in vnet-failed-eastus is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::PodSubnet,
        &["subnet pods in vnet-failed-eastus is Failed in Azure; the next update re-applies it"],
    ),
    // A failed cluster operation leaves its pools Failed too (as AKS does).
    row(
        Part::Cluster,
        &[
            "AKS cluster aks-failed-eastus is Failed in Azure; the next update re-applies it",
            "agent pool system of AKS cluster aks-failed-eastus is Failed in Azure; the next update re-applies it",
        ],
    ),
    row(
        Part::AgentPool,
        &["agent pool system of AKS cluster aks-failed-eastus is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::LocalPeering,
        &["peering peer-vnet-east-eastus-to-vnet-west-westeurope on vnet-east-eastus is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::RemotePeering,
        &["peering peer-vnet-west-westeurope-to-vnet-east-eastus on vnet-west-westeurope is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::FrontDoorProfile,
        &["Front Door profile afd-web is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::Endpoint,
        &["endpoint web of Front Door afd-web is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::OriginGroup,
        &["origin group origins of Front Door afd-web is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::Origin,
        &["origin westeurope of Front Door afd-web is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::Route,
        &["route default of Front Door afd-web is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::Fleet,
        &["fleet fleet-mesh is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::FleetMember,
        &["member eastus of fleet fleet-mesh is Failed in Azure; the next update re-applies it"],
    ),
    row(
        Part::MeshProfile,
        &["cluster mesh profile mesh-mesh of fleet fleet-mesh is Failed in Azure; the next update re-applies it"],
    ),
];

/// A created resource whose part a row makes Failed.
struct Subject {
    lifecycle: Lifecycle,
    inputs: prost_types::Struct,
    created: Created,
    /// The id of the part that is made Failed.
    part_id: String,
}

/// Every row runs on its own azsim, all at once (they mostly wait for simulated operations); every
/// row that goes wrong is named at the end.
#[tokio::test(flavor = "multi_thread")]
async fn a_part_azure_reports_failed_is_recorded_and_the_next_update_repairs_it() {
    let rows: Vec<_> = ROWS
        .iter()
        .map(|row| (row, tokio::spawn(run(row))))
        .collect();
    let mut wrong = Vec::new();
    for (row, outcome) in rows {
        if let Err(panic) = outcome.await {
            wrong.push(format!("{:?}: {panic}", row.part));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows went wrong:\n{}",
        wrong.len(),
        ROWS.len(),
        wrong.join("\n")
    );
}

async fn run(row: &'static Row) {
    let azsim = Azsim::start(&format!("failed-children-{:?}", row.part).to_ascii_lowercase());
    let Subject {
        mut lifecycle,
        inputs,
        created,
        part_id,
    } = setup(&azsim, row.part).await;
    let written = make_failed(&azsim, row.part, &part_id).await;

    let drifted = match row.recorded {
        [only] => {
            lifecycle
                .refresh_records_one_out_of_band_change(&created, |change| change == *only)
                .await
        }
        all => {
            let drifted = lifecycle.refresh(&created).await.expect("still exists");
            assert_eq!(drifted.state_json()["outOfBandChanges"], json!(all));
            drifted
        }
    };
    let repaired = lifecycle
        .repair_out_of_band_changes(&drifted, &inputs)
        .await;
    assert_eq!(
        provisioning_state(&azsim, &part_id, &written.api_version).as_deref(),
        Some("Succeeded"),
        "the update wrote {part_id} again"
    );
    lifecycle.assert_refresh_is_clean(&repaired, &inputs).await;
}

/// Creates what the row's part belongs to, returning the resource that owns the part.
async fn setup(azsim: &Azsim, part: Part) -> Subject {
    match part {
        Part::Vnet | Part::NodeSubnet | Part::PodSubnet => {
            let (lifecycle, inputs, created) = created_network(azsim, "failed", "eastus", 0).await;
            let state = created.state_json();
            let key = match part {
                Part::Vnet => "vnetId",
                Part::NodeSubnet => "nodeSubnetId",
                _ => "podSubnetId",
            };
            Subject {
                part_id: state[key].as_str().expect("id").to_string(),
                lifecycle,
                inputs,
                created,
            }
        }
        Part::Cluster | Part::AgentPool => {
            let (_, _, network) = created_network(azsim, "failed", "eastus", 0).await;
            let subject = cluster(azsim, "failed", &network).await;
            let part_id = match part {
                Part::Cluster => subject.created.id.clone(),
                _ => format!("{}/agentPools/system", subject.created.id),
            };
            Subject { part_id, ..subject }
        }
        Part::LocalPeering | Part::RemotePeering => {
            let (_, _, east) = created_network(azsim, "east", "eastus", 0).await;
            let (_, _, west) = created_network(azsim, "west", "westeurope", 4).await;
            let mut lifecycle =
                Lifecycle::new(configured_provider(azsim).await, PEERING, "east-west");
            let inputs = lifecycle
                .checked(
                    json!({}),
                    json!({"localVnetId": east.id, "remoteVnetId": west.id}),
                )
                .await;
            let created = lifecycle.create(&inputs).await;
            let state = created.state_json();
            let key = match part {
                Part::LocalPeering => "localPeeringId",
                _ => "remotePeeringId",
            };
            Subject {
                part_id: state[key].as_str().expect("id").to_string(),
                lifecycle,
                inputs,
                created,
            }
        }
        Part::FrontDoorProfile
        | Part::Endpoint
        | Part::OriginGroup
        | Part::Origin
        | Part::Route => {
            let (_, _, network) = created_network(azsim, "web", "eastus", 0).await;
            let origin = |name: &str| json!({"name": name, "hostName": format!("web-{name}.{name}.cloudapp.azure.com")});
            let mut lifecycle = Lifecycle::new(configured_provider(azsim).await, FRONT_DOOR, "web");
            let inputs = lifecycle
                .checked(
                    json!({}),
                    json!({
                        "resourceGroupName": network.state_json()["resourceGroupName"],
                        "origins": [origin("eastus"), origin("westeurope")],
                    }),
                )
                .await;
            let created = lifecycle.create(&inputs).await;
            let state = created.state_json();
            let text = |key: &str| state[key].as_str().expect("id").to_string();
            let part_id = match part {
                Part::FrontDoorProfile => text("profileId"),
                Part::Endpoint => text("endpointId"),
                Part::OriginGroup => text("originGroupId"),
                Part::Origin => format!("{}/origins/westeurope", text("originGroupId")),
                _ => text("routeId"),
            };
            Subject {
                part_id,
                lifecycle,
                inputs,
                created,
            }
        }
        Part::Fleet | Part::FleetMember | Part::MeshProfile => {
            let (_, _, network) = created_network(azsim, "mesh", "eastus", 0).await;
            let cluster = cluster(azsim, "mesh", &network).await;
            let (network, cluster) = (network.state_json(), cluster.created.state_json());
            let mut lifecycle = Lifecycle::new(configured_provider(azsim).await, MESH, "mesh");
            let inputs = lifecycle
                .checked(
                    json!({}),
                    json!({
                        "mode": "fleet",
                        "resourceGroupName": network["resourceGroupName"],
                        "clusters": [{
                            "name": "eastus",
                            "clusterId": cluster["clusterId"],
                            "location": cluster["location"],
                            "podNetworking": cluster["podNetworking"],
                            "networkDataplane": cluster["networkDataplane"],
                            "advancedNetworking": cluster["advancedNetworking"],
                            "kubernetesVersion": cluster["kubernetesVersion"],
                            "podSubnetCidr": network["podSubnetCidr"],
                            "nodeSubnetCidr": network["nodeSubnetCidr"],
                            "vnetId": network["vnetId"],
                        }],
                    }),
                )
                .await;
            let created = lifecycle.create(&inputs).await;
            let state = created.state_json();
            let part_id = match part {
                Part::Fleet => state["fleetId"].as_str(),
                Part::FleetMember => state["members"][0]["memberId"].as_str(),
                _ => state["clusterMeshProfileId"].as_str(),
            }
            .expect("id")
            .to_string();
            Subject {
                part_id,
                lifecycle,
                inputs,
                created,
            }
        }
    }
}

/// A flat-networking cluster with ACNS (so it can join a fleet mesh) in `network`.
async fn cluster(azsim: &Azsim, name: &str, network: &Created) -> Subject {
    let state = network.state_json();
    let mut lifecycle = Lifecycle::new(configured_provider(azsim).await, CLUSTER, name);
    let inputs = lifecycle
        .checked(
            json!({}),
            json!({
                "location": state["location"],
                "resourceGroupName": state["resourceGroupName"],
                "nodeSubnetId": state["nodeSubnetId"],
                "podSubnetId": state["podSubnetId"],
                "podNetworking": "flat",
                "advancedNetworking": true,
                "kubernetesVersion": "1.33",
            }),
        )
        .await;
    let created = lifecycle.create(&inputs).await;
    Subject {
        part_id: created.id.clone(),
        lifecycle,
        inputs,
        created,
    }
}

/// A write replayed out of band: where it went and with which API version.
struct Write {
    api_version: String,
    path: String,
    body: Value,
}

/// Makes the part Failed: sends aksmesh's own last PUT of it again with azsim's `lro-fail` fault
/// set for exactly that request, then waits until azsim reports the part Failed. An agent pool is
/// written by the cluster PUT, so its pool profile from there is PUT to the pool itself.
async fn make_failed(azsim: &Azsim, part: Part, part_id: &str) -> Write {
    let write = match part {
        Part::AgentPool => {
            let cluster = part_id.rsplit_once("/agentPools/").expect("pool id").0;
            let put = last_put(azsim, cluster);
            let mut pool = put.body["properties"]["agentPoolProfiles"][0].clone();
            pool.as_object_mut().expect("pool profile").remove("name");
            Write {
                path: format!("{part_id}?api-version={}", put.api_version),
                body: json!({"properties": pool}),
                ..put
            }
        }
        _ => last_put(azsim, part_id),
    };
    azsim.set_faults(&format!("script:PUT:{part_id}:1=lro-fail"));
    let (status, answer) = azsim.arm("PUT", &write.path, Some(write.body.clone()));
    azsim.set_faults("");
    assert!(
        (200..300).contains(&status),
        "PUT {}: {status} {answer}",
        write.path
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = provisioning_state(azsim, part_id, &write.api_version);
        if state.as_deref() == Some("Failed") {
            return write;
        }
        assert!(
            Instant::now() < deadline,
            "{part_id} never became Failed (last {state:?})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The last successful PUT of `id` in azsim's request log.
fn last_put(azsim: &Azsim, id: &str) -> Write {
    let log = std::fs::read_to_string(azsim.request_log()).expect("azsim request log");
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .rfind(|entry| {
            entry["method"] == "PUT"
                && entry["status"].as_u64().is_some_and(|s| s < 300)
                && entry["path"]
                    .as_str()
                    .and_then(|p| p.split_once('?'))
                    .is_some_and(|(path, _)| path.eq_ignore_ascii_case(id))
        })
        .map(|entry| {
            let path = entry["path"].as_str().unwrap_or_default().to_string();
            let api_version = path
                .split_once("api-version=")
                .map(|(_, v)| v.split('&').next().unwrap_or(v).to_string())
                .unwrap_or_default();
            Write {
                api_version,
                path,
                body: entry["body"].clone(),
            }
        })
        .unwrap_or_else(|| panic!("aksmesh never PUT {id}"))
}

/// The part's `provisioningState` as azsim reports it (`None` when it is gone).
fn provisioning_state(azsim: &Azsim, id: &str, api_version: &str) -> Option<String> {
    let (status, body) = azsim.arm("GET", &format!("{id}?api-version={api_version}"), None);
    (status == 200).then(|| {
        body["properties"]["provisioningState"]
            .as_str()
            .unwrap_or("Succeeded")
            .to_string()
    })
}

/// A create whose own operation ends Failed is an error today, with Azure's reason: nothing
/// reports success for it.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_whose_operation_ends_failed_is_an_error() {
    let azsim = Azsim::start("failed-children-create");
    azsim.set_faults("script:PUT:/subnets/pods:1=lro-fail");
    let mut lifecycle = Lifecycle::new(configured_provider(&azsim).await, NETWORK, "failed");
    let inputs = lifecycle
        .checked(
            json!({}),
            json!({
                "location": "eastus",
                "vnetCidr": "10.0.0.0/14",
                "nodeSubnetCidr": "10.0.0.0/16",
                "podSubnetCidr": "10.1.0.0/16",
            }),
        )
        .await;
    let error = lifecycle
        .try_create(&inputs)
        .await
        .expect_err("the pod subnet's operation failed");
    assert!(
        error.message().contains("InternalOperationError"),
        "{}",
        error.message()
    );
}
