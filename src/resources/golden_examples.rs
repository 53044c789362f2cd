//! Golden examples (issue 9): every example response in Microsoft's REST specifications
//! (`../shared/azure-specs`, the `x-ms-examples` of our pinned api-versions) for an operation the
//! provider calls deserialises through the provider's models and yields the state it records.
//!
//! Three checks per example response:
//! - it decodes into the model the provider decodes it into (a type mismatch fails here first);
//! - the recorded state carries the example's values where the provider copies them (`copies`);
//! - the example cut down to the properties the provider reads
//!   (`tests/data/golden/provider-reads.json`, also what azsim must answer with) records exactly
//!   the same state: so that list is complete, and azsim's test can rely on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::azure::models::fleet::{ClusterMeshProfile, Fleet, FleetMember};
use crate::azure::models::front_door::{
    AfdEndpoint, AfdOrigin, AfdOriginGroup, AfdRoute, FrontDoorProfile,
};
use crate::azure::models::managed_cluster::{
    CredentialResults, KubernetesVersionList, ManagedCluster,
};
use crate::azure::models::network::{Subnet, VirtualNetwork, VirtualNetworkPeering};
use crate::azure::models::resource_group::ResourceGroup;
use crate::azure::models::role_assignment::RoleAssignment;
use crate::azure::ResourceId;
use crate::resource::ReadResult;
use crate::resources::cilium_mesh::{CiliumMeshInputs, CiliumMeshState};
use crate::resources::vnet_peering::{VnetPeeringInputs, VnetPeeringState};
use crate::resources::{cilium_mesh, front_door, regional_cluster, regional_network, vnet_peering};
use crate::vocabulary::CiliumMeshMode;

/// The subscription the recorded ids are built in when an example's path has none.
const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// How the provider reads a response of an operation.
#[derive(Clone, Copy, Debug)]
enum Reader {
    /// Only success matters: DELETE, the mesh `apply` action, and writes whose answer is awaited
    /// but not kept (resource group, subnet, role assignment).
    Nothing,
    /// Decoded into the model to follow the operation, nothing kept.
    ResourceGroup,
    Subnet,
    RoleAssignment,
    VirtualNetwork,
    Peering,
    Cluster,
    KubernetesVersions,
    Credentials,
    Profile,
    Endpoint,
    OriginGroup,
    Origin,
    OriginList,
    Route,
    Fleet,
    Member,
    MemberList,
    MeshProfile,
}

/// An operation the provider calls, how it reads the answer, and which recorded values are the
/// example's own (recorded pointer, example pointer).
struct Operation {
    id: &'static str,
    reader: Reader,
    copies: &'static [(&'static str, &'static str)],
}

const CLUSTER_COPIES: &[(&str, &str)] = &[
    ("/id", "/id"),
    ("/inputs/location", "/location"),
    ("/state/fqdn", "/properties/fqdn"),
    ("/state/principalId", "/identity/principalId"),
    ("/state/nodeResourceGroup", "/properties/nodeResourceGroup"),
    (
        "/state/oidcIssuerUrl",
        "/properties/oidcIssuerProfile/issuerURL",
    ),
    (
        "/state/currentKubernetesVersion",
        "/properties/currentKubernetesVersion",
    ),
    ("/state/kubernetesVersion", "/properties/kubernetesVersion"),
    (
        "/inputs/nodeSubnetId",
        "/properties/agentPoolProfiles/0/vnetSubnetID",
    ),
];
const NETWORK_COPIES: &[(&str, &str)] = &[
    ("/id", "/id"),
    ("/inputs/location", "/location"),
    (
        "/inputs/vnetCidr",
        "/properties/addressSpace/addressPrefixes/0",
    ),
];
const PEERING_COPIES: &[(&str, &str)] = &[
    (
        "/inputs/allowForwardedTraffic",
        "/properties/allowForwardedTraffic",
    ),
    (
        "/inputs/allowGatewayTransit",
        "/properties/allowGatewayTransit",
    ),
    ("/inputs/useRemoteGateways", "/properties/useRemoteGateways"),
    (
        "/inputs/remoteVnetId",
        "/properties/remoteVirtualNetwork/id",
    ),
    ("/state/peeringSyncLevel", "/properties/peeringSyncLevel"),
];
const ENDPOINT_COPIES: &[(&str, &str)] = &[("/state/endpointHostName", "/properties/hostName")];
const ORIGIN_GROUP_COPIES: &[(&str, &str)] = &[
    (
        "/inputs/probePath",
        "/properties/healthProbeSettings/probePath",
    ),
    (
        "/inputs/probeIntervalInSeconds",
        "/properties/healthProbeSettings/probeIntervalInSeconds",
    ),
];
const ORIGIN_COPIES: &[(&str, &str)] = &[
    ("/inputs/origins/0/hostName", "/properties/hostName"),
    (
        "/inputs/origins/0/hostHeader",
        "/properties/originHostHeader",
    ),
    ("/inputs/origins/0/priority", "/properties/priority"),
    ("/inputs/origins/0/weight", "/properties/weight"),
];
const FLEET_COPIES: &[(&str, &str)] = &[("/state/location", "/location")];
const MEMBER_COPIES: &[(&str, &str)] = &[
    ("/state/members/0/memberId", "/id"),
    (
        "/state/members/0/clusterResourceId",
        "/properties/clusterResourceId",
    ),
    (
        "/state/members/0/status",
        "/properties/meshProperties/status/state",
    ),
    ("/meshStatus/0", "/properties/meshProperties/status/state"),
];
// Not `/id`: the examples' ids name another fleet than their request paths; the provider keeps
// the id it asked for.
const MESH_PROFILE_COPIES: &[(&str, &str)] =
    &[("/state/memberLabel", "/properties/memberSelector/byLabel")];

/// Every operation the provider calls (the traffic report lists the same ones).
const OPERATIONS: &[Operation] = &[
    op("ResourceGroups_CreateOrUpdate", Reader::ResourceGroup, &[]),
    op("ResourceGroups_Get", Reader::ResourceGroup, &[]),
    op("ResourceGroups_Delete", Reader::Nothing, &[]),
    op(
        "VirtualNetworks_CreateOrUpdate",
        Reader::VirtualNetwork,
        NETWORK_COPIES,
    ),
    op(
        "VirtualNetworks_Get",
        Reader::VirtualNetwork,
        NETWORK_COPIES,
    ),
    op("Subnets_CreateOrUpdate", Reader::Subnet, &[]),
    op("Subnets_Get", Reader::Subnet, &[]),
    op("Subnets_Delete", Reader::Nothing, &[]),
    op(
        "VirtualNetworkPeerings_CreateOrUpdate",
        Reader::Peering,
        PEERING_COPIES,
    ),
    op(
        "VirtualNetworkPeerings_Get",
        Reader::Peering,
        PEERING_COPIES,
    ),
    op("VirtualNetworkPeerings_Delete", Reader::Nothing, &[]),
    op(
        "ManagedClusters_CreateOrUpdate",
        Reader::Cluster,
        CLUSTER_COPIES,
    ),
    op("ManagedClusters_Get", Reader::Cluster, CLUSTER_COPIES),
    op("ManagedClusters_Delete", Reader::Nothing, &[]),
    op(
        "ManagedClusters_ListClusterUserCredentials",
        Reader::Credentials,
        &[],
    ),
    op(
        "ManagedClusters_ListKubernetesVersions",
        Reader::KubernetesVersions,
        &[],
    ),
    op("RoleAssignments_Create", Reader::RoleAssignment, &[]),
    op("RoleAssignments_Get", Reader::RoleAssignment, &[]),
    op("RoleAssignments_Delete", Reader::Nothing, &[]),
    op("Profiles_Create", Reader::Profile, &[]),
    op("Profiles_Get", Reader::Profile, &[]),
    op("Profiles_Delete", Reader::Nothing, &[]),
    op("AFDProfiles_Upgrade", Reader::Profile, &[]),
    op("AFDEndpoints_Create", Reader::Endpoint, ENDPOINT_COPIES),
    op("AFDEndpoints_Get", Reader::Endpoint, ENDPOINT_COPIES),
    op(
        "AFDOriginGroups_Create",
        Reader::OriginGroup,
        ORIGIN_GROUP_COPIES,
    ),
    op(
        "AFDOriginGroups_Get",
        Reader::OriginGroup,
        ORIGIN_GROUP_COPIES,
    ),
    op("AFDOrigins_Create", Reader::Origin, ORIGIN_COPIES),
    op("AFDOrigins_Get", Reader::Origin, ORIGIN_COPIES),
    op("AFDOrigins_Delete", Reader::Nothing, &[]),
    op("AFDOrigins_ListByOriginGroup", Reader::OriginList, &[]),
    op("Routes_Create", Reader::Route, &[]),
    op("Routes_Get", Reader::Route, &[]),
    op("Fleets_CreateOrUpdate", Reader::Fleet, FLEET_COPIES),
    op("Fleets_Get", Reader::Fleet, FLEET_COPIES),
    op("Fleets_Delete", Reader::Nothing, &[]),
    op("FleetMembers_Create", Reader::Member, MEMBER_COPIES),
    op("FleetMembers_Get", Reader::Member, MEMBER_COPIES),
    op("FleetMembers_Delete", Reader::Nothing, &[]),
    op("FleetMembers_ListByFleet", Reader::MemberList, &[]),
    op(
        "ClusterMeshProfiles_CreateOrUpdate",
        Reader::MeshProfile,
        MESH_PROFILE_COPIES,
    ),
    op(
        "ClusterMeshProfiles_Get",
        Reader::MeshProfile,
        MESH_PROFILE_COPIES,
    ),
    op("ClusterMeshProfiles_Delete", Reader::Nothing, &[]),
    op("ClusterMeshProfiles_Apply", Reader::Nothing, &[]),
];

const fn op(
    id: &'static str,
    reader: Reader,
    copies: &'static [(&'static str, &'static str)],
) -> Operation {
    Operation { id, reader, copies }
}

/// One example file of an operation, as the specifications declare it.
struct Example {
    operation: String,
    path_template: String,
    file: PathBuf,
}

fn specs_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/azure-specs/specification")
}

fn swagger_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "examples") {
                swagger_files(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
}

/// The example files the specifications declare for `operations` (present or not), and the
/// operation ids they define at all.
fn declared_examples(operations: &BTreeSet<&str>) -> (Vec<Example>, BTreeSet<String>) {
    let mut files = Vec::new();
    swagger_files(&specs_root(), &mut files);
    let mut examples = Vec::new();
    let mut defined = BTreeSet::new();
    for file in files {
        let Ok(swagger) = serde_json::from_str::<Value>(&read(&file)) else {
            continue;
        };
        let Some(paths) = swagger.get("paths").and_then(Value::as_object) else {
            continue;
        };
        for (template, item) in paths {
            for operation in item.as_object().into_iter().flat_map(|m| m.values()) {
                let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                if !operations.contains(id) {
                    continue;
                }
                defined.insert(id.to_string());
                let declared = operation.get("x-ms-examples").and_then(Value::as_object);
                for reference in declared.into_iter().flat_map(|m| m.values()) {
                    let Some(relative) = reference.get("$ref").and_then(Value::as_str) else {
                        continue;
                    };
                    examples.push(Example {
                        operation: id.to_string(),
                        path_template: template.clone(),
                        file: file.parent().unwrap().join(relative),
                    });
                }
            }
        }
    }
    (examples, defined)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): the shared/ folder must sit beside the project",
            path.display()
        )
    })
}

/// The request path of an example: the template with the example's parameters.
fn request_path(template: &str, parameters: &Value) -> String {
    let mut path = template.to_string();
    for (name, value) in parameters.as_object().into_iter().flatten() {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        path = path.replace(&format!("{{{name}}}"), &text);
    }
    path
}

fn decode<T: DeserializeOwned>(body: &Value) -> Result<T, String> {
    serde_json::from_value(body.clone()).map_err(|e| format!("does not decode: {e}"))
}

fn result_json<I: serde::Serialize, S: serde::Serialize>(result: &ReadResult<I, S>) -> Value {
    json!({"id": result.id, "inputs": result.inputs, "state": result.state})
}

fn parse_id(path: &str) -> Result<ResourceId, String> {
    ResourceId::parse(path).map_err(|e| format!("path {path}: {e}"))
}

/// A Front Door profile the children of an example are read under (the bundle has no profile
/// example with a body).
fn standard_profile() -> FrontDoorProfile {
    serde_json::from_value(
        json!({"location": "Global", "sku": {"name": "Standard_AzureFrontDoor"}}),
    )
    .expect("a minimal profile decodes")
}

/// The profile a child path (`…/profiles/{p}/…`) belongs to.
fn profile_of(path: &str) -> Result<ResourceId, String> {
    let at = path
        .find("/afdEndpoints/")
        .or_else(|| path.find("/originGroups/"))
        .ok_or_else(|| format!("{path} is not under a Front Door profile"))?;
    parse_id(&path[..at])
}

fn front_door(path: &str, children: front_door::Children) -> Result<Value, String> {
    let profile_id = profile_of(path)?;
    let profile = standard_profile();
    let result = front_door::recorded(&profile_id, SUBSCRIPTION, &profile, children, None);
    Ok(result_json(&result))
}

/// A fleet mesh read on refresh with the members of `members` listed as clusters and a profile
/// that selects `label`.
fn fleet_mesh(
    fleet_id: &ResourceId,
    label: &str,
    fleet: Option<Fleet>,
    members: Vec<FleetMember>,
) -> Result<Value, String> {
    let profile_id = fleet_id.child("clusterMeshProfiles", "mesh-golden");
    let profile: ClusterMeshProfile =
        decode(&json!({"properties": {"memberSelector": {"byLabel": label}}}))?;
    let inputs = CiliumMeshInputs {
        mode: Some(CiliumMeshMode::Fleet),
        name_prefix: "golden".into(),
        clusters: members.iter().map(cilium_mesh::mesh_cluster).collect(),
        ..Default::default()
    };
    let state = CiliumMeshState {
        mode: Some(CiliumMeshMode::Fleet),
        fleet_created: true,
        fleet_id: Some(fleet_id.to_string()),
        ..Default::default()
    };
    // What apply and delete read while they wait: each member's mesh state and its reason.
    let statuses: Vec<Value> = members
        .iter()
        .flat_map(|m| {
            let (state, reason) = cilium_mesh::member_mesh_status(m);
            [json!(state), json!(reason)]
        })
        .collect();
    let live = cilium_mesh::LiveFleet::new(profile_id.clone(), &profile, fleet, members);
    let result = cilium_mesh::recorded_fleet(profile_id.as_str(), &live, Some((&inputs, &state)));
    let mut recorded = result_json(&result);
    recorded["meshStatus"] = Value::Array(statuses);
    Ok(recorded)
}

/// The first label of a member, as a `key=value` selector.
fn first_label(member: &FleetMember) -> String {
    member
        .properties
        .labels
        .iter()
        .flatten()
        .next()
        .map(|(k, v)| format!("{k}={v}"))
        .unwrap_or_default()
}

fn fleet_of(path: &str) -> Result<ResourceId, String> {
    let at = path
        .find("/members")
        .ok_or_else(|| format!("{path} is not under a fleet"))?;
    parse_id(&path[..at])
}

/// What the provider records from one response body of an operation at `path`.
fn record(reader: Reader, path: &str, body: &Value) -> Result<Value, String> {
    match reader {
        Reader::Nothing => Ok(Value::Null),
        Reader::ResourceGroup => decode::<ResourceGroup>(body).map(|_| json!({})),
        Reader::Subnet => decode::<Subnet>(body).map(|_| json!({})),
        Reader::RoleAssignment => decode::<RoleAssignment>(body).map(|_| json!({})),
        Reader::VirtualNetwork => {
            let vnet: VirtualNetwork = decode(body)?;
            let id = parse_id(path)?;
            let mut recorded =
                result_json(&regional_network::recorded(&id, &vnet, SUBSCRIPTION, None));
            recorded["refused"] = json!(regional_network::unmanageable(&id, &vnet, true));
            Ok(recorded)
        }
        Reader::Peering => {
            let peering: VirtualNetworkPeering = decode(body)?;
            let id = parse_id(path)?;
            let local_vnet = id.parent().ok_or("a peering has a VNet")?;
            let remote_vnet = peering
                .properties
                .remote_virtual_network
                .as_ref()
                .map(|r| r.id.clone())
                .unwrap_or_default();
            let inputs = VnetPeeringInputs {
                local_vnet_id: local_vnet.to_string(),
                remote_vnet_id: remote_vnet,
                ..Default::default()
            };
            let state = VnetPeeringState {
                inputs: inputs.clone(),
                ..Default::default()
            };
            // Both directions as the example shows one: what refresh makes of a healthy pair.
            let result = vnet_peering::recorded(
                id.as_str(),
                format!("{local_vnet}/virtualNetworkPeerings/remote"),
                &inputs,
                &state,
                Some(peering.clone()),
                Some(peering),
            )
            .map_err(|_| "refresh fails on it".to_string())?;
            Ok(result.as_ref().map(result_json).unwrap_or(Value::Null))
        }
        Reader::Cluster => {
            let cluster: ManagedCluster = decode(body)?;
            let id = parse_id(path)?;
            let mut recorded = result_json(&regional_cluster::recorded(&id, &cluster, None));
            recorded["refused"] = json!(regional_cluster::unmanageable(&id, &cluster, true));
            Ok(recorded)
        }
        Reader::KubernetesVersions => {
            let list: KubernetesVersionList = decode(body)?;
            Ok(json!({"offered": list.offered()}))
        }
        Reader::Credentials => {
            let credentials: CredentialResults = decode(body)?;
            let kubeconfig = credentials.first_kubeconfig().map_err(|e| e.to_string())?;
            Ok(json!({"kubeconfig": kubeconfig}))
        }
        Reader::Profile => {
            let profile: FrontDoorProfile = decode(body)?;
            let id = parse_id(path.trim_end_matches("/upgrade"))?;
            let result = front_door::recorded(
                &id,
                SUBSCRIPTION,
                &profile,
                front_door::Children::default(),
                None,
            );
            Ok(result_json(&result))
        }
        Reader::Endpoint => front_door(
            path,
            front_door::Children {
                endpoint: Some(decode::<AfdEndpoint>(body)?),
                ..Default::default()
            },
        ),
        Reader::OriginGroup => front_door(
            path,
            front_door::Children {
                group: Some(decode::<AfdOriginGroup>(body)?),
                ..Default::default()
            },
        ),
        Reader::Origin => front_door(
            path,
            front_door::Children {
                origins: vec![decode::<AfdOrigin>(body)?],
                ..Default::default()
            },
        ),
        Reader::OriginList => {
            let origins = page::<AfdOrigin>(body)?;
            front_door(
                path,
                front_door::Children {
                    origins,
                    ..Default::default()
                },
            )
        }
        Reader::Route => front_door(
            path,
            front_door::Children {
                route: Some(decode::<AfdRoute>(body)?),
                ..Default::default()
            },
        ),
        Reader::Fleet => {
            let fleet: Fleet = decode(body)?;
            fleet_mesh(&parse_id(path)?, "", Some(fleet), Vec::new())
        }
        Reader::Member => {
            let member: FleetMember = decode(body)?;
            let label = first_label(&member);
            fleet_mesh(&fleet_of(path)?, &label, None, vec![member])
        }
        Reader::MemberList => {
            let members = page::<FleetMember>(body)?;
            let label = members.first().map(first_label).unwrap_or_default();
            fleet_mesh(&fleet_of(path)?, &label, None, members)
        }
        Reader::MeshProfile => {
            let profile: ClusterMeshProfile = decode(body)?;
            let id = parse_id(path)?;
            let live = cilium_mesh::LiveFleet::new(id.clone(), &profile, None, Vec::new());
            Ok(result_json(&cilium_mesh::recorded_fleet(
                id.as_str(),
                &live,
                None,
            )))
        }
    }
}

/// The items of one page of a list (`{"value": [...]}`), each decoded as the provider does.
fn page<T: DeserializeOwned>(body: &Value) -> Result<Vec<T>, String> {
    body.get("value")
        .and_then(Value::as_array)
        .ok_or("a list page has `value`")?
        .iter()
        .map(decode)
        .collect()
}

/// `value` cut down to what `pointers` name (`*` matches every array element or object key);
/// array elements that keep nothing stay as empty objects so positions do not move.
fn prune(value: &Value, pointers: &[Vec<String>]) -> Option<Value> {
    if pointers.iter().any(Vec::is_empty) {
        return Some(value.clone());
    }
    let rest = |key: &str| -> Vec<Vec<String>> {
        pointers
            .iter()
            .filter(|p| p[0] == "*" || p[0] == key)
            .map(|p| p[1..].to_vec())
            .collect()
    };
    match value {
        Value::Object(map) => {
            let kept: serde_json::Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| {
                    let rest = rest(k);
                    (!rest.is_empty())
                        .then(|| prune(v, &rest))
                        .flatten()
                        .map(|v| (k.clone(), v))
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| prune(item, &rest(&i.to_string())).unwrap_or_else(|| json!({})))
                .collect(),
        )),
        _ => None,
    }
}

fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn provider_reads() -> BTreeMap<String, Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden/provider-reads.json");
    serde_json::from_str(&read(&path)).expect("provider-reads.json is {operationId: [pointer]}")
}

/// Response statuses a successful call of the provider ends with (others are errors it reports).
const SUCCESS: &[&str] = &["200", "201", "202", "204"];

#[test]
fn spec_example_responses_decode_and_record_the_examples_values() {
    let reads = provider_reads();
    let ids: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.id).collect();
    let listed: BTreeSet<&str> = reads.keys().map(String::as_str).collect();
    assert_eq!(
        listed, ids,
        "provider-reads.json lists exactly the operations the provider calls"
    );
    let (examples, defined) = declared_examples(&ids);
    let undefined: Vec<_> = ids.iter().filter(|id| !defined.contains(**id)).collect();
    assert!(
        undefined.is_empty(),
        "no operation with these ids in the specifications: {undefined:?}"
    );

    let mut failures = Vec::new();
    let mut coverage: BTreeMap<&str, (usize, usize, Vec<String>)> = BTreeMap::new();
    for operation in OPERATIONS {
        let pointers: Vec<Vec<String>> = reads[operation.id]
            .iter()
            .map(|p| pointer_segments(p))
            .collect();
        let row = coverage.entry(operation.id).or_default();
        for example in examples.iter().filter(|e| e.operation == operation.id) {
            let name = example.file.file_name().unwrap().to_string_lossy();
            if !example.file.exists() {
                row.2.push(format!("{name} (not in the bundle)"));
                continue;
            }
            let document: Value = serde_json::from_str(&read(&example.file)).unwrap();
            let path = request_path(&example.path_template, &document["parameters"]);
            let responses = document["responses"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (status, response) in &responses {
                if !SUCCESS.contains(&status.as_str()) {
                    continue;
                }
                let at = format!("{} {name} {status}", operation.id);
                let Some(body) = response.get("body") else {
                    continue;
                };
                if matches!(operation.reader, Reader::Nothing) {
                    continue;
                }
                row.0 += 1;
                let recorded = match record(operation.reader, &path, body) {
                    Ok(recorded) => recorded,
                    Err(e) => {
                        failures.push(format!("{at}: {e}"));
                        continue;
                    }
                };
                // No example VNet is laid out as RegionalNetwork's own: import must refuse them.
                if matches!(operation.reader, Reader::VirtualNetwork)
                    && !recorded["refused"].is_string()
                {
                    failures.push(format!(
                        "{at}: importing a VNet RegionalNetwork did not make must be refused"
                    ));
                }
                // Every AKS example is a kubenet cluster, which RegionalCluster cannot state.
                let kubenet = body.pointer("/properties/networkProfile/networkPlugin")
                    == Some(&json!("kubenet"));
                if matches!(operation.reader, Reader::Cluster)
                    && kubenet != recorded["refused"].is_string()
                {
                    failures.push(format!(
                        "{at}: a kubenet cluster must be refused, no other: {}",
                        recorded["refused"]
                    ));
                }
                for (recorded_at, example_at) in operation.copies {
                    let Some(expected) = body.pointer(example_at).filter(|v| !v.is_null()) else {
                        continue;
                    };
                    row.1 += 1;
                    if recorded.pointer(recorded_at) != Some(expected) {
                        failures.push(format!(
                            "{at}: recorded {recorded_at} is {:?}, the example's {example_at} is {expected}",
                            recorded.pointer(recorded_at)
                        ));
                    }
                }
                let pruned = prune(body, &pointers).unwrap_or_else(|| json!({}));
                match record(operation.reader, &path, &pruned) {
                    Ok(from_reads) if from_reads == recorded => {}
                    Ok(from_reads) => failures.push(format!(
                        "{at}: provider-reads.json misses a property the provider reads: from \
                         only those properties it records\n{from_reads:#}\ninstead of\n{recorded:#}"
                    )),
                    Err(e) => failures.push(format!(
                        "{at}: cut down to provider-reads.json the body {e}"
                    )),
                }
            }
        }
    }
    println!("operation | example responses read | values compared | examples not in the bundle");
    for (id, (read, compared, missing)) in &coverage {
        println!("{id} | {read} | {compared} | {}", missing.join(", "));
    }
    let read: usize = coverage.values().map(|c| c.0).sum();
    assert!(
        read >= 40,
        "only {read} example responses read: is ../shared/azure-specs complete?"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn prune_keeps_only_the_named_properties() {
    let body = json!({
        "id": "x",
        "properties": {"a": 1, "b": {"c": 2, "d": 3}, "list": [{"n": 1, "m": 2}, {"m": 3}]}
    });
    let pointers: Vec<Vec<String>> = ["/properties/b/c", "/properties/list/*/n"]
        .iter()
        .map(|p| pointer_segments(p))
        .collect();
    assert_eq!(
        prune(&body, &pointers),
        Some(json!({"properties": {"b": {"c": 2}, "list": [{"n": 1}, {}]}}))
    );
    assert_eq!(prune(&body, &[]), None);
}
