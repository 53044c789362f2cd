//! RegionalCluster through the provider's gRPC surface against azsim: the whole lifecycle in a
//! RegionalNetwork, flat and BYO CNI creates, and bad input caught by Check before any Azure call.

mod support;

use aksmesh::rpc::pulumirpc::{diff_response::DiffChanges, property_diff::Kind};
use aksmesh::rpc::values::SIGNATURE_KEY;
use serde_json::json;
use support::azsim::Azsim;
use support::lifecycle::{
    assert_check_rejects, configured_provider, Created, Lifecycle, Rejection,
};
use support::to_json;

const TOKEN: &str = "aksmesh:index:RegionalCluster";
const NETWORK_TOKEN: &str = "aksmesh:index:RegionalNetwork";
const API_VERSION: &str = "2026-05-01";
/// Pulumi's signature of a secret value (`sig.Secret`).
const SECRET_SIGNATURE: &str = "1b47061264138c4ac30d75fd1eb44270";

fn network_inputs() -> serde_json::Value {
    json!({
        "location": "eastus",
        "vnetCidr": "10.0.0.0/14",
        "nodeSubnetCidr": "10.0.0.0/16",
        "podSubnetCidr": "10.1.0.0/16",
    })
}

/// Cluster inputs wired to a created network, the way a program passes the network's outputs.
fn cluster_inputs(network: &Created) -> serde_json::Value {
    let state = network.state_json();
    json!({
        "location": "eastus",
        "resourceGroupName": state["resourceGroupName"],
        "nodeSubnetId": state["nodeSubnetId"],
        "vnetCidr": state["vnetCidr"],
        "nodeSubnetCidr": state["nodeSubnetCidr"],
        "kubernetesVersion": "1.33",
        "tags": {"team": "platform"},
    })
}

async fn create_network(azsim: &Azsim) -> (Lifecycle, Created) {
    let mut network = Lifecycle::new(configured_provider(azsim).await, NETWORK_TOKEN, "platform");
    let inputs = network.checked(json!({}), network_inputs()).await;
    let created = network.create(&inputs).await;
    (network, created)
}

async fn cluster(azsim: &Azsim) -> Lifecycle {
    Lifecycle::new(configured_provider(azsim).await, TOKEN, "platform")
}

fn cluster_get(azsim: &Azsim, id: &str) -> (u16, serde_json::Value) {
    azsim.arm("GET", &format!("{id}?api-version={API_VERSION}"), None)
}

#[tokio::test(flavor = "multi_thread")]
async fn regional_cluster_lifecycle_against_azsim() {
    let azsim = Azsim::start("regional-cluster-lifecycle");
    let (mut network, network_created) = create_network(&azsim).await;
    let mut cluster = cluster(&azsim).await;
    let desired = cluster_inputs(&network_created);
    let inputs = cluster.checked(json!({}), desired.clone()).await;
    let checked = to_json(&inputs);
    assert_eq!(checked["namePrefix"], "platform");
    assert!(
        checked.get("podCidr").is_none(),
        "service defaults stay out of the inputs: {checked}"
    );

    // Preview projects the deterministic name and the resolved pod range without calling Azure.
    let before = azsim.resources().len();
    let projected = cluster.preview(&inputs).await;
    assert_eq!(projected["clusterName"], "aks-platform-eastus");
    assert_eq!(projected["podCidr"], "10.244.0.0/16");
    assert_eq!(
        azsim.resources().len(),
        before,
        "preview must not touch Azure"
    );

    let created = cluster.create(&inputs).await;
    assert!(
        created.id.ends_with("/managedClusters/aks-platform-eastus"),
        "{}",
        created.id
    );
    let state = created.state_json();
    assert_eq!(state["clusterName"], "aks-platform-eastus");
    assert_eq!(state["clusterId"], created.id.as_str());
    assert_eq!(state["podCidr"], "10.244.0.0/16");
    assert_eq!(state["serviceCidr"], "10.96.0.0/16");
    assert_eq!(state["dnsServiceIP"], "10.96.0.10");
    assert_eq!(state["networkDataplane"], "cilium");
    assert_eq!(state["networkPolicy"], "cilium");
    assert_eq!(state["currentKubernetesVersion"], "1.33.5");
    for output in ["fqdn", "principalId", "nodeResourceGroup", "oidcIssuerUrl"] {
        assert!(
            state[output].as_str().is_some_and(|v| !v.is_empty()),
            "{output} missing: {state}"
        );
    }
    assert!(state["kubeconfig"]
        .as_str()
        .unwrap_or_default()
        .contains("apiVersion: v1"));

    // The kubeconfig travels as a secret on the wire, not as a plain string.
    let kubeconfig = &created.state.fields["kubeconfig"];
    let Some(prost_types::value::Kind::StructValue(secret)) = &kubeconfig.kind else {
        panic!("kubeconfig is not a secret object: {kubeconfig:?}");
    };
    let signature = secret
        .fields
        .get(SIGNATURE_KEY)
        .and_then(|v| v.kind.clone());
    assert_eq!(
        signature,
        Some(prost_types::value::Kind::StringValue(
            SECRET_SIGNATURE.into()
        ))
    );

    // The cluster identity is Network Contributor on its node subnet.
    let assignments = azsim.ids_of_type("roleAssignments");
    assert_eq!(assignments.len(), 1, "{assignments:?}");
    let node_subnet = network_created.state_json()["nodeSubnetId"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        assignments[0]
            .to_ascii_lowercase()
            .starts_with(&node_subnet),
        "{assignments:?}"
    );
    let (status, assignment) = azsim.arm(
        "GET",
        &format!("{}?api-version=2022-04-01", assignments[0]),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        assignment["properties"]["principalId"],
        state["principalId"]
    );
    assert_eq!(
        assignment["properties"]["principalType"],
        "ServicePrincipal"
    );
    assert!(assignment["properties"]["roleDefinitionId"]
        .as_str()
        .unwrap_or_default()
        .ends_with("4d97b98b-1d4f-4787-a291-c67834d212e7"));

    // Refresh right after create shows no drift.
    let refreshed = cluster.refresh(&created).await.expect("still exists");
    assert_eq!(refreshed.id, created.id);
    let drift = cluster.diff(&refreshed, &inputs).await;
    assert_eq!(
        drift.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        drift.detailed_diff
    );

    // Import derives inputs without service defaults (and without the offline-only ranges).
    let imported = cluster.import(&created.id).await.expect("exists");
    let mut expected = checked.clone();
    let expected_map = expected.as_object_mut().expect("object");
    expected_map.remove("vnetCidr");
    expected_map.remove("nodeSubnetCidr");
    // Azure does not record which defaults made a cluster: an import takes none, so it keeps
    // the zones and images the cluster has.
    expected_map.remove("profile");
    assert_eq!(to_json(&imported.inputs), expected);

    // A Kubernetes upgrade updates in place.
    let mut upgraded = desired.clone();
    upgraded["kubernetesVersion"] = "1.34".into();
    let upgraded = cluster.checked(checked.clone(), upgraded).await;
    let diff = cluster.diff(&created, &upgraded).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    assert_eq!(
        diff.detailed_diff["kubernetesVersion"].kind,
        Kind::Update as i32
    );
    let updated = cluster.update(&created, &upgraded).await;
    assert_eq!(updated.state_json()["currentKubernetesVersion"], "1.34.2");
    assert!(updated.state_json()["kubeconfig"].is_string());

    // Moving the pod range replaces only because of podCidr, deleting first (deterministic names).
    let mut moved = to_json(&upgraded);
    moved["podCidr"] = "10.100.0.0/16".into();
    let moved = cluster.checked(to_json(&upgraded), moved).await;
    let diff = cluster.diff(&updated, &moved).await;
    assert_eq!(diff.replaces, ["podCidr"]);
    assert!(diff.delete_before_replace);

    // Growing it is an in-place expansion.
    let mut expanded = to_json(&upgraded);
    expanded["podCidr"] = "10.244.0.0/15".into();
    let expanded = cluster.checked(to_json(&upgraded), expanded).await;
    let diff = cluster.diff(&updated, &expanded).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = cluster.update(&updated, &expanded).await;
    let (_, live) = cluster_get(&azsim, &created.id);
    assert_eq!(
        live["properties"]["networkProfile"]["podCidr"],
        "10.244.0.0/15"
    );

    // The workload identity webhook runs, and the kubelet identity is an output.
    assert_eq!(updated.state_json()["workloadIdentityEnabled"], true);
    let (_, live) = cluster_get(&azsim, &created.id);
    assert_eq!(
        live["properties"]["securityProfile"]["workloadIdentity"]["enabled"],
        true
    );
    let kubelet = &live["properties"]["identityProfile"]["kubeletidentity"];
    for key in ["clientId", "objectId", "resourceId"] {
        assert_eq!(
            updated.state_json()["kubeletIdentity"][key],
            kubelet[key],
            "{key}"
        );
    }

    // Authorized ranges close the API server in place, and the output says who can reach it.
    assert!(updated.state_json()["apiServerAccess"]
        .as_str()
        .unwrap_or_default()
        .starts_with("open to the internet"));
    let mut closed = to_json(&expanded);
    closed["authorizedIpRanges"] = json!(["73.140.245.0/24", "20.42.25.196"]);
    let closed = cluster.checked(to_json(&expanded), closed).await;
    let diff = cluster.diff(&updated, &closed).await;
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    assert_eq!(
        diff.detailed_diff["authorizedIpRanges"].kind,
        Kind::Add as i32
    );
    let updated = cluster.update(&updated, &closed).await;
    let (_, live) = cluster_get(&azsim, &created.id);
    assert_eq!(
        live["properties"]["apiServerAccessProfile"]["authorizedIPRanges"],
        json!(["73.140.245.0/24", "20.42.25.196"])
    );
    assert!(updated.state_json()["apiServerAccess"]
        .as_str()
        .unwrap_or_default()
        .starts_with("limited to 2 authorized ranges"));
    // Reopening it is in place too.
    let updated = cluster.update(&updated, &expanded).await;
    let (_, live) = cluster_get(&azsim, &created.id);
    assert_eq!(
        live["properties"]["apiServerAccessProfile"]["authorizedIPRanges"],
        json!([])
    );

    // Upgrade channels: Azure's defaults until set, then in place; refresh agrees.
    assert_eq!(
        live["properties"]["autoUpgradeProfile"],
        json!({"upgradeChannel": "none", "nodeOSUpgradeChannel": "NodeImage"})
    );
    let mut channels = to_json(&expanded);
    channels["upgradeChannel"] = "patch".into();
    channels["nodeOsUpgradeChannel"] = "securitypatch".into();
    let channels = cluster.checked(to_json(&expanded), channels).await;
    assert_eq!(to_json(&channels)["nodeOsUpgradeChannel"], "SecurityPatch");
    let diff = cluster.diff(&updated, &channels).await;
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = cluster.update(&updated, &channels).await;
    let (_, live) = cluster_get(&azsim, &created.id);
    assert_eq!(
        live["properties"]["autoUpgradeProfile"],
        json!({"upgradeChannel": "patch", "nodeOSUpgradeChannel": "SecurityPatch"})
    );
    let refreshed = cluster.refresh(&updated).await.expect("still exists");
    let drift = cluster.diff(&refreshed, &channels).await;
    assert_eq!(
        drift.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        drift.detailed_diff
    );
    let updated = cluster.update(&updated, &expanded).await;

    // An out-of-band tag change shows up in refresh as drift.
    let (status, _) = azsim.arm(
        "PATCH",
        &format!("{}?api-version={API_VERSION}", created.id),
        Some(json!({"tags": {"team": "someone-else", "managed-by": "aksmesh"}})),
    );
    assert_eq!(status, 200, "out-of-band PATCH");
    let refreshed = cluster.refresh(&updated).await.expect("still exists");
    assert_eq!(to_json(&refreshed.inputs)["tags"]["team"], "someone-else");
    assert!(to_json(&refreshed.inputs).get("podCidr").is_some());
    let diff = cluster.diff(&refreshed, &expanded).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty());

    // Delete removes the role assignment and the cluster; then the network leaves azsim empty.
    cluster.delete(&updated).await;
    assert!(azsim.ids_of_type("roleAssignments").is_empty());
    assert!(azsim.ids_of_type("managedClusters").is_empty());
    assert!(
        cluster.refresh(&created).await.is_none(),
        "refresh reports a deleted cluster as gone"
    );
    network.delete(&network_created).await;
    assert!(
        azsim.resources().is_empty(),
        "azsim is empty: {:?}",
        azsim.resources()
    );
}

/// A role assignment deleted outside Pulumi shows in refresh, and the next `up` grants it again.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_role_assignment_shows_in_refresh_and_up_grants_it_again() {
    let azsim = Azsim::start("regional-cluster-role-drift");
    let (mut network, network_created) = create_network(&azsim).await;
    let mut cluster = cluster(&azsim).await;
    let inputs = cluster
        .checked(json!({}), cluster_inputs(&network_created))
        .await;
    let created = cluster.create(&inputs).await;
    let assignments = azsim.ids_of_type("roleAssignments");
    assert_eq!(assignments.len(), 1, "{assignments:?}");
    let (status, _) = azsim.arm(
        "DELETE",
        &format!("{}?api-version=2022-04-01", assignments[0]),
        None,
    );
    assert!(matches!(status, 200 | 204), "out-of-band DELETE: {status}");

    let drifted = cluster
        .refresh_records_one_out_of_band_change(&created, |change| {
            change.contains("Network Contributor role assignment")
        })
        .await;
    let repaired = cluster.repair_out_of_band_changes(&drifted, &inputs).await;
    assert_eq!(azsim.ids_of_type("roleAssignments"), assignments);
    let clean = cluster.assert_refresh_is_clean(&repaired, &inputs).await;
    cluster.delete(&clean).await;
    network.delete(&network_created).await;
    assert!(azsim.resources().is_empty(), "{:?}", azsim.resources());
}

#[tokio::test(flavor = "multi_thread")]
async fn flat_pod_subnet_cluster_is_granted_both_subnets() {
    let azsim = Azsim::start("regional-cluster-flat");
    let (mut network, network_created) = create_network(&azsim).await;
    let mut cluster = cluster(&azsim).await;
    let mut desired = cluster_inputs(&network_created);
    desired["podNetworking"] = "flat".into();
    desired["podSubnetId"] = network_created.state_json()["podSubnetId"].clone();
    let inputs = cluster.checked(json!({}), desired).await;
    let created = cluster.create(&inputs).await;
    assert!(created.state_json().get("podCidr").is_none());
    let (_, live) = cluster_get(&azsim, &created.id);
    let profile = &live["properties"]["networkProfile"];
    assert!(profile.get("networkPluginMode").is_none(), "{profile}");
    assert_eq!(
        live["properties"]["agentPoolProfiles"][0]["podSubnetID"],
        created.state_json()["podSubnetId"]
    );
    assert_eq!(azsim.ids_of_type("roleAssignments").len(), 2);
    let refreshed = cluster.refresh(&created).await.expect("exists");
    assert_eq!(
        cluster.diff(&refreshed, &inputs).await.changes,
        DiffChanges::DiffNone as i32
    );
    cluster.delete(&created).await;
    network.delete(&network_created).await;
    assert!(azsim.resources().is_empty(), "{:?}", azsim.resources());
}

#[tokio::test(flavor = "multi_thread")]
async fn bring_your_own_cni_cluster_has_no_plugin() {
    let azsim = Azsim::start("regional-cluster-byo-cni");
    let (_network, network_created) = create_network(&azsim).await;
    let mut cluster = cluster(&azsim).await;
    let mut desired = cluster_inputs(&network_created);
    desired["podNetworking"] = "byoCni".into();
    desired["podCidr"] = "10.32.0.0/13".into();
    let inputs = cluster.checked(json!({}), desired).await;
    let created = cluster.create(&inputs).await;
    let (_, live) = cluster_get(&azsim, &created.id);
    assert_eq!(
        live["properties"]["networkProfile"]["networkPlugin"],
        "none"
    );
    assert_eq!(
        live["properties"]["networkProfile"]["podCidr"],
        "10.32.0.0/13"
    );
    assert_eq!(created.state_json()["podCidr"], "10.32.0.0/13");
    assert!(created.state_json().get("networkDataplane").is_none());
    let refreshed = cluster.refresh(&created).await.expect("exists");
    assert_eq!(
        cluster.diff(&refreshed, &inputs).await.changes,
        DiffChanges::DiffNone as i32
    );
    // Only overlay grows its pod range in place: with BYO CNI the preview says replace.
    let mut expanded = to_json(&inputs);
    expanded["podCidr"] = "10.32.0.0/12".into();
    let expanded = cluster.checked(to_json(&inputs), expanded).await;
    let diff = cluster.diff(&refreshed, &expanded).await;
    assert_eq!(diff.replaces, ["podCidr"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_after_a_crash_adopts_the_cluster() {
    let azsim = Azsim::start("regional-cluster-adopt");
    let (_network, network_created) = create_network(&azsim).await;
    let mut cluster = cluster(&azsim).await;
    let inputs = cluster
        .checked(json!({}), cluster_inputs(&network_created))
        .await;
    let first = cluster.create(&inputs).await;
    // The engine lost the result: the same create runs again and converges without duplicates.
    let again = cluster.create(&inputs).await;
    assert_eq!(first.id, again.id);
    assert_eq!(azsim.ids_of_type("managedClusters").len(), 1);
    assert_eq!(azsim.ids_of_type("roleAssignments").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_create_fails_without_leaving_state() {
    let azsim = Azsim::start("regional-cluster-refused");
    let (_network, network_created) = create_network(&azsim).await;
    let mut cluster = cluster(&azsim).await;
    let mut desired = cluster_inputs(&network_created);
    // Newer than aksmesh's dated list knows, so Check lets it through; the region's own list,
    // asked before anything is written, does not offer it.
    desired["kubernetesVersion"] = "1.36".into();
    let inputs = cluster.checked(json!({}), desired).await;
    let error = cluster
        .try_create(&inputs)
        .await
        .expect_err("the region does not offer 1.36");
    let message = error.message();
    assert!(
        message.contains(
            "AKS does not offer Kubernetes 1.36 in eastus; it offers 1.32, 1.33, 1.34, 1.35"
        ),
        "{message}"
    );
    assert!(azsim.ids_of_type("managedClusters").is_empty());
    let log = std::fs::read_to_string(azsim.request_log()).unwrap();
    assert!(
        !log.lines()
            .any(|line| line.contains("\"PUT\"") && line.contains("managedClusters")),
        "no cluster PUT was sent"
    );
}

/// A cluster whose long-running create fails is reported as partially created (with its id), and
/// the next `up` (an update with the same inputs) resumes and finishes it.
#[tokio::test(flavor = "multi_thread")]
async fn failed_create_is_partial_and_the_next_up_resumes() {
    use aksmesh::rpc::google_rpc;
    use prost::Message;
    let azsim = Azsim::start_with("regional-cluster-partial", |config| {
        config.faults = Some("script:PUT:managedClusters:1=lro-fail".into());
    });
    let (_network, network_created) = create_network(&azsim).await;
    let mut cluster = cluster(&azsim).await;
    let inputs = cluster
        .checked(json!({}), cluster_inputs(&network_created))
        .await;
    let status = cluster
        .try_create(&inputs)
        .await
        .expect_err("the operation fails");
    let details = google_rpc::Status::decode(status.details()).expect("status details");
    assert_eq!(
        details.details[0].type_url,
        "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
    );
    let init_failed = aksmesh::rpc::pulumirpc::ErrorResourceInitFailed::decode(
        details.details[0].value.as_slice(),
    )
    .expect("init failed detail");
    assert!(
        init_failed
            .id
            .ends_with("/managedClusters/aks-platform-eastus"),
        "{}",
        init_failed.id
    );
    assert!(azsim.ids_of_type("roleAssignments").is_empty());

    let partial = Created {
        id: init_failed.id.clone(),
        inputs: inputs.clone(),
        state: init_failed.properties.expect("partial state"),
    };
    let resumed = cluster.update(&partial, &inputs).await;
    assert!(resumed.state_json()["kubeconfig"].is_string());
    assert_eq!(azsim.ids_of_type("roleAssignments").len(), 1);
}

/// Progress reaches the engine as status lines naming what is happening.
#[tokio::test(flavor = "multi_thread")]
async fn progress_names_the_cluster_being_created() {
    let azsim = Azsim::start("regional-cluster-progress");
    let (_network, network_created) = create_network(&azsim).await;
    let (engine, engine_address) = support::start_engine().await;
    let mut client = configured_provider(&azsim).await;
    client
        .handshake(aksmesh::rpc::pulumirpc::ProviderHandshakeRequest {
            engine_address,
            ..Default::default()
        })
        .await
        .expect("handshake");
    let mut cluster = Lifecycle::new(client, TOKEN, "platform");
    let inputs = cluster
        .checked(json!({}), cluster_inputs(&network_created))
        .await;
    let created = cluster.create(&inputs).await;
    let messages = engine
        .messages_once(|m| m.ephemeral && m.urn == cluster.urn)
        .await;
    let status: Vec<_> = messages
        .iter()
        .filter(|m| m.ephemeral && m.urn == cluster.urn)
        .collect();
    assert!(
        status.iter().any(|m| m
            .message
            .starts_with("creating AKS cluster aks-platform-eastus in eastus: ")),
        "{messages:?}"
    );
    // The kubeconfig never reaches the engine's log.
    let token = created.state_json()["kubeconfig"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(!token.is_empty());
    assert!(
        messages.iter().all(|m| !m.message.contains(&token)),
        "a log line holds the kubeconfig"
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input: one row per case, each caught by Check before any Azure call.
// ---------------------------------------------------------------------------------------------

fn offline_inputs() -> serde_json::Value {
    let subnet = |name: &str| {
        format!(
            "/subscriptions/{}/resourceGroups/rg-platform-eastus/providers/Microsoft.Network/virtualNetworks/vnet-platform-eastus/subnets/{name}",
            support::SUBSCRIPTION
        )
    };
    json!({
        "location": "eastus",
        "resourceGroupName": "rg-platform-eastus",
        "nodeSubnetId": subnet("nodes"),
        "vnetCidr": "10.0.0.0/14",
        "nodeSubnetCidr": "10.0.0.0/16",
    })
}

fn pod_subnet_id() -> String {
    offline_inputs()["nodeSubnetId"]
        .as_str()
        .unwrap_or_default()
        .replace("/nodes", "/pods")
}

#[tokio::test]
async fn check_rejects_bad_address_ranges() {
    let rows = [
        Rejection::new(
            "pod range overlapping the vnet",
            "podCidr",
            &["overlaps vnetCidr"],
            |n| n["podCidr"] = "10.2.0.0/16".into(),
        ),
        Rejection::new(
            "default pod range overlapping the vnet",
            "podCidr",
            &["the default"],
            |n| {
                n["vnetCidr"] = "10.244.0.0/14".into();
                n["nodeSubnetCidr"] = "10.244.0.0/16".into();
            },
        ),
        Rejection::new(
            "service range overlapping the node subnet",
            "serviceCidr",
            &["overlaps nodeSubnetCidr"],
            |n| n["serviceCidr"] = "10.0.128.0/17".into(),
        ),
        Rejection::new(
            "service range overlapping the pod range",
            "serviceCidr",
            &["overlaps podCidr"],
            |n| n["serviceCidr"] = "10.244.0.0/20".into(),
        ),
        Rejection::new(
            "DNS service address outside the service range",
            "dnsServiceIP",
            &["outside serviceCidr"],
            |n| n["dnsServiceIP"] = "10.97.0.10".into(),
        ),
        Rejection::new(
            "DNS service address at the network address",
            "dnsServiceIP",
            &["network (first) address"],
            |n| n["dnsServiceIP"] = "10.96.0.0".into(),
        ),
        Rejection::new(
            "DNS service address of the kubernetes service",
            "dnsServiceIP",
            &["kubernetes service"],
            |n| n["dnsServiceIP"] = "10.96.0.1".into(),
        ),
        Rejection::new(
            "service range of /11",
            "serviceCidr",
            &["smaller than /12"],
            |n| n["serviceCidr"] = "10.64.0.0/11".into(),
        ),
        // "Smaller than /12" refuses /12 itself.
        Rejection::new(
            "service range of /12",
            "serviceCidr",
            &["10.96.0.0/12 is too large", "smaller than /12"],
            |n| {
                n["serviceCidr"] = "10.96.0.0/12".into();
                n["dnsServiceIP"] = "10.96.0.10".into();
            },
        ),
        Rejection::new("reserved pod range", "podCidr", &["reserves"], |n| {
            n["podCidr"] = "169.254.0.0/16".into()
        }),
        Rejection::new(
            "pod range smaller than a node block",
            "podCidr",
            &["/24"],
            |n| n["podCidr"] = "10.244.0.0/25".into(),
        ),
        Rejection::new(
            "Kubernetes version AKS no longer creates",
            "kubernetesVersion",
            &["Kubernetes 1.20 is no longer offered", "use 1.32 or later"],
            |n| n["kubernetesVersion"] = "1.20".into(),
        ),
        Rejection::new(
            "infinite system pool count",
            "systemPool.count",
            &["not a number aksmesh can use"],
            |n| n["systemPool"] = json!({"count": support::non_finite(f64::INFINITY)}),
        ),
        Rejection::new(
            "empty name prefix",
            "namePrefix",
            &["namePrefix is empty; remove it"],
            |n| n["namePrefix"] = "".into(),
        ),
    ];
    assert_check_rejects(TOKEN, offline_inputs(), &rows).await;
}

#[tokio::test]
async fn check_rejects_bad_networking_modes() {
    let rows = [
        Rejection::new(
            "cilium policy with the azure dataplane",
            "networkPolicy",
            &["requires networkDataplane cilium"],
            |n| {
                n["networkDataplane"] = "azure".into();
                n["networkPolicy"] = "cilium".into();
            },
        ),
        Rejection::new(
            "calico policy with the cilium dataplane",
            "networkPolicy",
            &["not allowed with networkDataplane cilium"],
            |n| n["networkPolicy"] = "calico".into(),
        ),
        Rejection::new(
            "advanced networking with the azure dataplane",
            "advancedNetworking",
            &["require networkDataplane cilium"],
            |n| {
                n["networkDataplane"] = "azure".into();
                n["advancedNetworking"] = true.into();
            },
        ),
        Rejection::new(
            "flat pod networking without a pod subnet",
            "podSubnetId",
            &["required with podNetworking flat"],
            |n| n["podNetworking"] = "flat".into(),
        ),
        Rejection::new(
            "pod subnet with overlay",
            "podSubnetId",
            &["only used with podNetworking flat"],
            |n| n["podSubnetId"] = pod_subnet_id().into(),
        ),
        Rejection::new(
            "pod range with flat pod networking",
            "podCidr",
            &["not used with podNetworking flat"],
            |n| {
                n["podNetworking"] = "flat".into();
                n["podSubnetId"] = pod_subnet_id().into();
                n["podCidr"] = "10.244.0.0/16".into();
            },
        ),
        Rejection::new(
            "dataplane with bring your own CNI",
            "networkDataplane",
            &["remove networkDataplane"],
            |n| {
                n["podNetworking"] = "byoCni".into();
                n["networkDataplane"] = "cilium".into();
            },
        ),
        Rejection::new(
            "unknown pod networking mode",
            "podNetworking",
            &["overlay, flat, byoCni"],
            |n| n["podNetworking"] = "bridge".into(),
        ),
    ];
    assert_check_rejects(TOKEN, offline_inputs(), &rows).await;
}

#[tokio::test]
async fn check_rejects_bad_cluster_settings() {
    let rows = [
        Rejection::new(
            "bad agent pool name",
            "systemPool.name",
            &["not a valid agent pool name"],
            |n| n["systemPool"] = json!({"name": "System-1"}),
        ),
        Rejection::new("zero nodes", "systemPool.count", &["1 to 1000"], |n| {
            n["systemPool"] = json!({"count": 0})
        }),
        Rejection::new(
            "max pods out of range",
            "systemPool.maxPods",
            &["10 to 250"],
            |n| n["systemPool"] = json!({"maxPods": 500}),
        ),
        Rejection::new(
            "max pods under the absolute minimum of 10",
            "systemPool.maxPods",
            &["10 to 250"],
            |n| n["systemPool"] = json!({"maxPods": 9, "count": 10}),
        ),
        Rejection::new(
            "max pods under 30 without room for 30 pods in the pool",
            "systemPool.maxPods",
            &[
                "room for 20 pods",
                "at least 30",
                "systemPool.count to 3 or more",
            ],
            |n| n["systemPool"] = json!({"maxPods": 10, "count": 2}),
        ),
        Rejection::new(
            "max pods under 30 with the default node count",
            "systemPool.maxPods",
            &["with 2 node(s)", "maxPods to 15 or more"],
            |n| n["systemPool"] = json!({"maxPods": 14}),
        ),
        Rejection::new(
            "malformed kubernetes version",
            "kubernetesVersion",
            &["not a Kubernetes version"],
            |n| n["kubernetesVersion"] = "1.x".into(),
        ),
        Rejection::new(
            "unknown sku tier",
            "skuTier",
            &["Free, Standard, Premium"],
            |n| n["skuTier"] = "Gold".into(),
        ),
        Rejection::new(
            "name prefix that makes a bad DNS prefix",
            "namePrefix",
            &["dnsPrefix"],
            |n| n["namePrefix"] = "my_platform".into(),
        ),
        Rejection::new(
            "name prefix too long for the cluster name",
            "namePrefix",
            &["63"],
            |n| n["namePrefix"] = "a".repeat(60).into(),
        ),
        Rejection::new("missing node subnet", "nodeSubnetId", &["required"], |n| {
            n["nodeSubnetId"] = "".into()
        }),
        Rejection::new(
            "node subnet id that is a vnet",
            "nodeSubnetId",
            &["not a subnet id"],
            |n| {
                let vnet = n["nodeSubnetId"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("/subnets/nodes", "");
                n["nodeSubnetId"] = vnet.into();
            },
        ),
        Rejection::new(
            "missing resource group",
            "resourceGroupName",
            &["required"],
            |n| {
                n.as_object_mut().map(|m| m.remove("resourceGroupName"));
            },
        ),
        // The one resource-group rule, shared with FrontDoor and CiliumMesh.
        Rejection::new(
            "resource group ending in a period",
            "resourceGroupName",
            &["cannot end with '.'"],
            |n| n["resourceGroupName"] = "rg-platform.".into(),
        ),
        Rejection::new(
            "resource group with a space",
            "resourceGroupName",
            &["may only contain letters, digits"],
            |n| n["resourceGroupName"] = "rg platform".into(),
        ),
    ];
    assert_check_rejects(TOKEN, offline_inputs(), &rows).await;
}
