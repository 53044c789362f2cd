//! A create that made something records it (issue 14, item 1): for every resource type, each step
//! of create after the first write has been sent fails in turn. The create must fail with a partial
//! state carrying the resource's id; Delete with that state must leave azsim as it was before the
//! create, and an Update from that state (the next `up`) must converge.
//!
//! Faults are chosen so no retry can succeed: `lro-fail` (the write is accepted, its operation ends
//! Failed, the resource exists in Failed state), or a failure on every attempt (`*`) of a read-back
//! or a synchronous write, bounded by a short operation timeout so retries stop quickly.

mod support;

use std::collections::BTreeSet;

use aksmesh::rpc::google_rpc;
use aksmesh::rpc::pulumirpc as rpc;
use prost::Message;
use serde_json::{json, Value};
use support::azsim::Azsim;
use support::lifecycle::{configured_provider, created_network, Created, Lifecycle};
use support::SUBSCRIPTION;

const NETWORK: &str = "aksmesh:index:RegionalNetwork";
const CLUSTER: &str = "aksmesh:index:RegionalCluster";
const PEERING: &str = "aksmesh:index:VnetPeering";
const FRONT_DOOR: &str = "aksmesh:index:FrontDoor";
const MESH: &str = "aksmesh:index:CiliumMesh";

/// Operation timeout (the engine's customTimeouts) for rows whose fault hits every retry.
const SHORT: f64 = 2.0;

/// One failing step of a create: the fault script that fails it and the timeout that bounds
/// retries of a fault that repeats (`None` for `lro-fail`, which is never retried).
struct Row {
    step: &'static str,
    faults: String,
    timeout: Option<f64>,
    /// Also check that an Update from the partial state converges. Rows failing the first write
    /// do (their partial state is the planned one); later steps report states that already
    /// resumed before, so they skip this slow second pass.
    resume: bool,
}

impl Row {
    fn and_resume(self) -> Row {
        Row {
            resume: true,
            ..self
        }
    }
}

fn lro_fail(step: &'static str, method: &str, path: &str, occurrence: u32) -> Row {
    Row {
        step,
        faults: format!("script:{method}:{path}:{occurrence}=lro-fail"),
        timeout: None,
        resume: false,
    }
}

/// Every attempt from the `from`th request on fails with 500, so retries give up at the timeout.
fn always_500(step: &'static str, method: &str, path: &str, from: u32) -> Row {
    Row {
        step,
        faults: format!("script:{method}:{path}:{from}+=500"),
        timeout: Some(SHORT),
        resume: false,
    }
}

/// The ids azsim holds, lower-cased (azsim lower-cases some of them).
fn ids(azsim: &Azsim) -> BTreeSet<String> {
    azsim
        .resources()
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_ascii_lowercase))
        .collect()
}

/// The partial resource a failed create reports in its `ErrorResourceInitFailed` detail.
fn partial_of(status: &tonic::Status, inputs: &prost_types::Struct) -> Result<Created, String> {
    let details = google_rpc::Status::decode(status.details())
        .map_err(|e| format!("no status details ({e}): {}", status.message()))?;
    let detail = details
        .details
        .iter()
        .find(|d| d.type_url == "type.googleapis.com/pulumirpc.ErrorResourceInitFailed")
        .ok_or_else(|| format!("a plain failure, no partial state: {}", status.message()))?;
    let init_failed = rpc::ErrorResourceInitFailed::decode(detail.value.as_slice())
        .map_err(|e| format!("undecodable ErrorResourceInitFailed: {e}"))?;
    Ok(Created {
        id: init_failed.id,
        inputs: inputs.clone(),
        state: init_failed
            .properties
            .ok_or("ErrorResourceInitFailed without properties")?,
    })
}

/// Runs every row against `resource` (whose prerequisites already exist in azsim): the create
/// fails partially with an id ending in `id_suffix` after leaving something in azsim; Delete with
/// the partial state removes it all; the same failure again followed by an Update converges, and
/// Delete then removes it all too. Every row that goes wrong is named in one panic.
async fn assert_partial_creates_are_tracked(
    azsim: &Azsim,
    resource: &mut Lifecycle,
    inputs: &prost_types::Struct,
    id_suffix: &str,
    rows: &[Row],
) {
    let before = ids(azsim);
    let mut wrong = Vec::new();
    for row in rows {
        for resume in [false, true] {
            if resume && !row.resume {
                continue;
            }
            let pass = if resume {
                "update, then delete"
            } else {
                "delete"
            };
            let started = std::time::Instant::now();
            let failed = failing_create(azsim, resource, inputs, id_suffix, row, &before).await;
            azsim.set_faults("");
            let partial = match failed {
                Ok(partial) => partial,
                Err(problem) => {
                    wrong.push(format!("{} ({pass}): {problem}", row.step));
                    // Leave azsim as it was for the next row.
                    if let Ok(created) = resource.try_create_within(inputs, None).await {
                        resource.delete(&created).await;
                    }
                    continue;
                }
            };
            let to_delete = if resume {
                resource.update(&partial, inputs).await
            } else {
                partial
            };
            resource.delete(&to_delete).await;
            let after = ids(azsim);
            eprintln!("{} ({pass}): {:.1?}", row.step, started.elapsed());
            if after != before {
                wrong.push(format!(
                    "{} ({pass}): Delete left {:?} and removed {:?}",
                    row.step,
                    after.difference(&before).collect::<Vec<_>>(),
                    before.difference(&after).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} partial creates went wrong:\n{}",
        resource.token,
        wrong.join("\n")
    );
}

/// One create under `row`'s fault: the partial resource it reports, or what is wrong.
async fn failing_create(
    azsim: &Azsim,
    resource: &mut Lifecycle,
    inputs: &prost_types::Struct,
    id_suffix: &str,
    row: &Row,
    before: &BTreeSet<String>,
) -> Result<Created, String> {
    azsim.set_faults(&row.faults);
    let status = match resource.try_create_within(inputs, row.timeout).await {
        Ok(created) => {
            // Clean up without the fault, which may also hit the delete's reads.
            azsim.set_faults("");
            resource.delete(&created).await;
            return Err(format!("the create succeeded despite {}", row.faults));
        }
        Err(status) => status,
    };
    let partial = partial_of(&status, inputs)?;
    if !partial
        .id
        .to_ascii_lowercase()
        .ends_with(&id_suffix.to_ascii_lowercase())
    {
        return Err(format!(
            "partial id {} does not end with {id_suffix}",
            partial.id
        ));
    }
    // The fault hit after a write took effect: the row tests what it claims.
    if ids(azsim).is_subset(before) {
        return Err(format!(
            "nothing was created before the failure ({})",
            status.message()
        ));
    }
    Ok(partial)
}

fn fast_azsim(label: &str) -> Azsim {
    Azsim::start_with(label, |config| config.time_scale = 0.001)
}

#[tokio::test(flavor = "multi_thread")]
async fn regional_network_partial_creates_are_tracked() {
    let azsim = fast_azsim("partial-create-network");
    let mut network = Lifecycle::new(configured_provider(&azsim).await, NETWORK, "partial");
    let inputs = network
        .checked(
            json!({}),
            json!({
                "location": "southeastasia",
                "vnetCidr": "10.0.0.0/14",
                "nodeSubnetCidr": "10.0.0.0/16",
                "podSubnetCidr": "10.1.0.0/16",
            }),
        )
        .await;
    let group = "resourcegroups/rg-partial-southeastasia";
    let rows = [
        // The reproduction: the group's PUT succeeds, its read-back fails.
        always_500("resource group read-back", "GET", group, 1).and_resume(),
        Row {
            step: "resource group PUT answered by a dropped connection",
            faults: format!("script:PUT:{group}:*=drop-after"),
            timeout: Some(SHORT),
            resume: true,
        },
        lro_fail(
            "VNet PUT",
            "PUT",
            "virtualnetworks/vnet-partial-southeastasia",
            1,
        ),
        always_500(
            "VNet read-back",
            "GET",
            "virtualnetworks/vnet-partial-southeastasia",
            1,
        ),
        lro_fail("node subnet PUT", "PUT", "subnets/nodes", 1),
        lro_fail("pod subnet PUT", "PUT", "subnets/pods", 1),
    ];
    assert_partial_creates_are_tracked(
        &azsim,
        &mut network,
        &inputs,
        "/virtualNetworks/vnet-partial-southeastasia",
        &rows,
    )
    .await;
    assert!(ids(&azsim).is_empty(), "{:?}", ids(&azsim));
}

#[tokio::test(flavor = "multi_thread")]
async fn regional_cluster_partial_creates_are_tracked() {
    let azsim = fast_azsim("partial-create-cluster");
    let network = created_network(&azsim, "platform", "eastus", 0).await.2;
    let state = network.state_json();
    let mut cluster = Lifecycle::new(configured_provider(&azsim).await, CLUSTER, "partial");
    let inputs = cluster
        .checked(
            json!({}),
            json!({
                "location": "eastus",
                "resourceGroupName": state["resourceGroupName"],
                "nodeSubnetId": state["nodeSubnetId"],
                "podSubnetId": state["podSubnetId"],
                "podNetworking": "flat",
                "kubernetesVersion": "1.33",
            }),
        )
        .await;
    let name = "managedclusters/aks-partial-eastus";
    let rows = [
        lro_fail("cluster PUT", "PUT", name, 1).and_resume(),
        always_500("cluster read-back", "GET", name, 1).and_resume(),
        always_500("first role assignment PUT", "PUT", "roleassignments", 1),
        always_500("second role assignment PUT", "PUT", "roleassignments", 2),
        always_500("kubeconfig", "POST", "listclusterusercredential", 1),
    ];
    assert_partial_creates_are_tracked(
        &azsim,
        &mut cluster,
        &inputs,
        "/managedClusters/aks-partial-eastus",
        &rows,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn vnet_peering_partial_creates_are_tracked() {
    let azsim = fast_azsim("partial-create-peering");
    let east = created_network(&azsim, "east", "eastus", 0).await.2;
    let west = created_network(&azsim, "west", "westeurope", 4).await.2;
    let mut peering = Lifecycle::new(configured_provider(&azsim).await, PEERING, "partial");
    let inputs = peering
        .checked(
            json!({}),
            json!({"localVnetId": east.id, "remoteVnetId": west.id}),
        )
        .await;
    let local = "virtualnetworkpeerings/peer-vnet-east-eastus-to-vnet-west-westeurope";
    let remote = "virtualnetworkpeerings/peer-vnet-west-westeurope-to-vnet-east-eastus";
    let rows = [
        lro_fail("local direction PUT", "PUT", local, 1).and_resume(),
        // A new peering is written without a read first, so each direction's first GET is the
        // read-back of its PUT.
        always_500("local direction read-back", "GET", local, 1).and_resume(),
        lro_fail("remote direction PUT", "PUT", remote, 1),
        always_500("remote direction read-back", "GET", remote, 1),
    ];
    assert_partial_creates_are_tracked(&azsim, &mut peering, &inputs, &format!("/{local}"), &rows)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn front_door_partial_creates_are_tracked() {
    let azsim = fast_azsim("partial-create-front-door");
    created_network(&azsim, "platform", "eastus", 0).await;
    let mut front_door = Lifecycle::new(configured_provider(&azsim).await, FRONT_DOOR, "web");
    let origin = |name: &str| json!({"name": name, "hostName": format!("web-{name}.{name}.cloudapp.azure.com")});
    let inputs = front_door
        .checked(
            json!({}),
            json!({
                "resourceGroupName": "rg-platform-eastus",
                "origins": [origin("eastus"), origin("westeurope")],
            }),
        )
        .await;
    let profile = "profiles/afd-web";
    let rows = [
        lro_fail("profile PUT", "PUT", profile, 1).and_resume(),
        always_500("profile read-back", "GET", profile, 1).and_resume(),
        lro_fail("endpoint PUT", "PUT", "afdendpoints/web", 1),
        lro_fail("origin group PUT", "PUT", "origingroups/", 1),
        lro_fail("first origin PUT", "PUT", "/origins/", 1),
        lro_fail("second origin PUT", "PUT", "/origins/", 2),
        lro_fail("route PUT", "PUT", "/routes/", 1),
    ];
    assert_partial_creates_are_tracked(
        &azsim,
        &mut front_door,
        &inputs,
        &format!("/{profile}"),
        &rows,
    )
    .await;
}

/// A flat network and an ACNS cluster in it, as a mesh member.
async fn mesh_member(azsim: &Azsim, name: &str, location: &str, second_octet: u8) -> Value {
    let network = created_network(azsim, name, location, second_octet).await.2;
    let network_state = network.state_json();
    let mut cluster = Lifecycle::new(configured_provider(azsim).await, CLUSTER, name);
    let inputs = cluster
        .checked(
            json!({}),
            json!({
                "location": location,
                "resourceGroupName": network_state["resourceGroupName"],
                "nodeSubnetId": network_state["nodeSubnetId"],
                "podSubnetId": network_state["podSubnetId"],
                "podNetworking": "flat",
                "advancedNetworking": true,
                "kubernetesVersion": "1.33",
            }),
        )
        .await;
    let cluster = cluster.create(&inputs).await.state_json();
    json!({
        "name": location,
        "clusterId": cluster["clusterId"],
        "location": location,
        "podNetworking": cluster["podNetworking"],
        "networkDataplane": cluster["networkDataplane"],
        "advancedNetworking": cluster["advancedNetworking"],
        "kubernetesVersion": cluster["kubernetesVersion"],
        "podSubnetCidr": network_state["podSubnetCidr"],
        "nodeSubnetCidr": network_state["nodeSubnetCidr"],
        "vnetId": network.id,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn fleet_cilium_mesh_partial_creates_are_tracked() {
    let azsim = fast_azsim("partial-create-fleet-mesh");
    let east = mesh_member(&azsim, "east", "eastus", 0).await;
    let west = mesh_member(&azsim, "west", "westeurope", 4).await;
    let mut peering = Lifecycle::new(configured_provider(&azsim).await, PEERING, "east-west");
    let peering_inputs = peering
        .checked(
            json!({}),
            json!({"localVnetId": east["vnetId"], "remoteVnetId": west["vnetId"]}),
        )
        .await;
    peering.create(&peering_inputs).await;
    let mut mesh = Lifecycle::new(configured_provider(&azsim).await, MESH, "partial");
    let inputs = mesh
        .checked(
            json!({}),
            json!({
                "mode": "fleet",
                "resourceGroupName": "rg-east-eastus",
                "clusters": [east.clone(), west.clone()],
                "peeredVnetPairs": [{"from": east["vnetId"], "to": west["vnetId"]}],
            }),
        )
        .await;
    let fleet = "fleets/fleet-partial";
    let rows = [
        lro_fail("fleet PUT", "PUT", fleet, 1).and_resume(),
        always_500("fleet read-back", "GET", fleet, 1).and_resume(),
        lro_fail("first member PUT", "PUT", "/members/", 1),
        lro_fail("second member PUT", "PUT", "/members/", 2),
        lro_fail("cluster mesh profile PUT", "PUT", "clustermeshprofiles/", 1),
        always_500(
            "cluster mesh profile read-back",
            "GET",
            "clustermeshprofiles/",
            1,
        ),
        lro_fail("applying the profile", "POST", "/apply", 1),
    ];
    assert_partial_creates_are_tracked(
        &azsim,
        &mut mesh,
        &inputs,
        "/fleets/fleet-partial/clusterMeshProfiles/mesh-partial",
        &rows,
    )
    .await;
}

/// A selfManaged mesh writes nothing to Azure, so its create has no step that could leave
/// something behind: it succeeds without touching azsim, and Delete has nothing to remove.
#[tokio::test(flavor = "multi_thread")]
async fn self_managed_cilium_mesh_creates_nothing_in_azure() {
    let azsim = fast_azsim("partial-create-self-managed-mesh");
    // Any ARM request would fail: the create must not make one.
    azsim.set_faults("script:*:*:*=500");
    let mut mesh = Lifecycle::new(configured_provider(&azsim).await, MESH, "partial");
    let vnet = |name: &str| {
        format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-{name}/providers/Microsoft.Network/virtualNetworks/vnet-{name}")
    };
    let inputs = mesh
        .checked(
            json!({}),
            json!({
                "mode": "selfManaged",
                "clusters": [
                    {"name": "eastus", "location": "eastus", "podNetworking": "byoCni", "kubernetesVersion": "1.33",
                     "podCidr": "10.244.0.0/16", "nodeSubnetCidr": "10.0.0.0/16", "vnetId": vnet("eastus")},
                    {"name": "westeurope", "location": "westeurope", "podNetworking": "byoCni", "kubernetesVersion": "1.33",
                     "podCidr": "10.245.0.0/16", "nodeSubnetCidr": "10.4.0.0/16", "vnetId": vnet("westeurope")},
                ],
                "peeredVnetPairs": [{"from": vnet("eastus"), "to": vnet("westeurope")}],
            }),
        )
        .await;
    let created = mesh
        .try_create_within(&inputs, None)
        .await
        .expect("a selfManaged create calls no Azure API");
    mesh.delete(&created).await;
    azsim.set_faults("");
    assert!(ids(&azsim).is_empty(), "{:?}", ids(&azsim));
}

/// A pool change Azure refuses after Check passed leaves the cluster standing and says so in its
/// state, so the next `up` (whose inputs the engine already recorded) applies the pools again.
#[tokio::test(flavor = "multi_thread")]
async fn a_pool_change_that_fails_is_applied_again_by_the_next_update() {
    let azsim = fast_azsim("partial-update-pools");
    let network = created_network(&azsim, "platform", "eastus", 0).await.2;
    let state = network.state_json();
    let mut cluster = Lifecycle::new(configured_provider(&azsim).await, CLUSTER, "pools");
    let base = json!({
        "location": "eastus",
        "resourceGroupName": state["resourceGroupName"],
        "nodeSubnetId": state["nodeSubnetId"],
        "kubernetesVersion": "1.33",
    });
    let inputs = cluster.checked(json!({}), base.clone()).await;
    let created = cluster.create(&inputs).await;

    // Standard_D2s_v3's 50 GiB cache cannot hold a 128 GB ephemeral OS disk: AKS refuses it.
    let mut with_pool = base.clone();
    with_pool["userPools"] =
        json!({"apps": {"vmSize": "Standard_D2s_v3", "osDiskType": "Ephemeral"}});
    let news = cluster.checked(created.inputs_json(), with_pool).await;
    let status = cluster
        .client
        .update(rpc::UpdateRequest {
            id: created.id.clone(),
            urn: cluster.urn.clone(),
            olds: Some(created.state.clone()),
            old_inputs: Some(created.inputs.clone()),
            news: Some(news.clone()),
            r#type: CLUSTER.into(),
            name: "pools".into(),
            ..Default::default()
        })
        .await
        .expect_err("AKS refuses the pool");
    let partial = partial_of(&status, &news).expect("a partial state");
    let noted = partial.state_json()["outOfBandChanges"].clone();
    assert!(
        noted.to_string().contains("node pools"),
        "the state says the pools did not converge: {noted}"
    );
    // The engine recorded the new inputs: only the note makes the next up act.
    let diff = cluster.diff(&partial, &news).await;
    assert_eq!(
        diff.changes,
        rpc::diff_response::DiffChanges::DiffSome as i32
    );
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);

    let mut fixed = base.clone();
    fixed["userPools"] = json!({"apps": {"vmSize": "Standard_D2s_v3", "osDiskType": "Managed"}});
    let fixed = cluster.checked(partial.inputs_json(), fixed).await;
    let converged = cluster.update(&partial, &fixed).await;
    assert!(converged.state_json().get("outOfBandChanges").is_none());
    assert_eq!(
        converged.state_json()["agentPoolNames"],
        json!({"system": "system", "apps": "apps"})
    );
    cluster.delete(&converged).await;
}
