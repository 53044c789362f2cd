//! `aksmesh:index:MultiRegionAks`: one AKS cluster per region, each in its own VNet, with address
//! ranges planned so nothing overlaps, and an OverlayPeering mesh when `enableVnetPeering` is on.
//!
//! Children: a RegionalNetwork and a RegionalCluster per region (regions in parallel), plus one
//! OverlayPeering component. Turning peering off removes only the peerings; appending a region adds
//! only that region's resources, because planned ranges never move.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use crate::component::{Child, ChildRegistrar, ChildRequest, Component, Constructed};
use crate::connectivity::{report, Topology};
use crate::net::{self, AddressPlan, PlanRequest, RegionRequest};
use crate::property::{join_index, Annotations, Value};
use crate::regions;
use crate::resource::CheckFailure;
use crate::resources::regional_network::default_name_prefix;
use crate::vocabulary::{CiliumMeshMode, MeshMode, NetworkDataplane, PodNetworking};

pub struct MultiRegionAks;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionInputs {
    pub location: String,
    #[serde(default)]
    pub vnet_cidr: Option<String>,
    #[serde(default)]
    pub pod_cidr: Option<String>,
    #[serde(default)]
    pub node_count: Option<u32>,
    #[serde(default)]
    pub vm_size: Option<String>,
}

/// Cross-cluster pod networking, limited to the set-ups AKS supports.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshOptions {
    /// `fleet` (flat pod networking + ACNS) or `selfManaged` (BYO CNI clusters).
    pub mode: CiliumMeshMode,
}

/// The global entry point: an Azure Front Door with one origin per region.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorOptions {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub probe_path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiRegionAksInputs {
    pub regions: Vec<RegionInputs>,
    #[serde(default)]
    #[serde(deserialize_with = "crate::resources::common::kubernetes_version")]
    pub kubernetes_version: Option<String>,
    #[serde(default)]
    pub pod_networking: Option<PodNetworking>,
    #[serde(default)]
    pub enable_vnet_peering: Option<bool>,
    #[serde(default)]
    pub name_prefix: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub front_door: Option<FrontDoorOptions>,
    #[serde(default)]
    pub cilium_mesh: Option<MeshOptions>,
}

impl MultiRegionAksInputs {
    fn front_door_enabled(&self) -> bool {
        self.front_door
            .as_ref()
            .is_some_and(|f| f.enabled.unwrap_or(true))
    }

    fn pod_networking(&self) -> PodNetworking {
        self.pod_networking.unwrap_or_default()
    }

    fn flat(&self) -> bool {
        self.pod_networking() == PodNetworking::Flat
    }

    fn byo_cni(&self) -> bool {
        self.pod_networking() == PodNetworking::ByoCni
    }

    fn mesh_mode(&self) -> Option<CiliumMeshMode> {
        self.cilium_mesh.as_ref().map(|m| m.mode)
    }

    /// ACNS is on when a Fleet mesh needs it.
    fn advanced_networking(&self) -> bool {
        self.mesh_mode() == Some(CiliumMeshMode::Fleet)
    }
}

/// The planner request for these regions (explicit ranges honoured, the rest planned).
fn plan_request(inputs: &MultiRegionAksInputs) -> Result<PlanRequest, Vec<CheckFailure>> {
    let mut failures = Vec::new();
    let mut parse = |text: &Option<String>, path: String| match text.as_deref().map(net::parse_cidr)
    {
        None => None,
        Some(Ok(cidr)) => Some(cidr),
        Some(Err(error)) => {
            failures.push(CheckFailure::new(path, error.to_string()));
            None
        }
    };
    let regions = inputs
        .regions
        .iter()
        .enumerate()
        .map(|(i, region)| RegionRequest {
            location: regions::canonical(&region.location),
            vnet_cidr: parse(
                &region.vnet_cidr,
                format!("{}.vnetCidr", join_index("regions", i)),
            ),
            pod_cidr: parse(
                &region.pod_cidr,
                format!("{}.podCidr", join_index("regions", i)),
            ),
        })
        .collect();
    if failures.is_empty() {
        Ok(PlanRequest::new(regions))
    } else {
        Err(failures)
    }
}

/// Plans the address space, with errors at the property they concern.
pub fn plan(inputs: &MultiRegionAksInputs) -> Result<AddressPlan, Vec<CheckFailure>> {
    let request = plan_request(inputs)?;
    net::plan_address_space(&request)
        .map_err(|error| vec![CheckFailure::new(error.field(), error.to_string())])
}

fn text(value: impl ToString) -> Value {
    Value::String(value.to_string())
}

/// The mesh's cluster description for one region, as CiliumMesh expects it.
fn mesh_cluster(
    inputs: &MultiRegionAksInputs,
    ranges: &net::RegionPlan,
    cluster_id: Value,
    vnet_id: Value,
    version: Option<Value>,
) -> Value {
    let mut entry = vec![
        ("name", text(&ranges.location)),
        ("clusterId", cluster_id),
        ("location", text(&ranges.location)),
        ("podNetworking", text(inputs.pod_networking())),
        (
            "advancedNetworking",
            Value::Bool(inputs.advanced_networking()),
        ),
        ("nodeSubnetCidr", text(ranges.node_subnet_cidr)),
        ("vnetId", vnet_id),
    ];
    if !inputs.byo_cni() {
        entry.push(("networkDataplane", text(NetworkDataplane::Cilium)));
    }
    if inputs.flat() {
        entry.push(("podSubnetCidr", text(ranges.pod_subnet_cidr)));
    } else {
        entry.push(("podCidr", text(ranges.pod_cidr)));
    }
    if let Some(version) = version {
        entry.push(("kubernetesVersion", version));
    }
    Value::object(entry)
}

/// Every pair of VNets, as CiliumMesh's peeredVnetPairs.
fn all_vnet_pairs(vnet_ids: &[Value]) -> Value {
    let mut pairs = Vec::new();
    for (i, a) in vnet_ids.iter().enumerate() {
        for b in &vnet_ids[i + 1..] {
            pairs.push(Value::object([("from", a.clone()), ("to", b.clone())]));
        }
    }
    Value::Array(pairs)
}

/// Runs CiliumMesh's own offline checks on the clusters this platform would create, so an unsupported
/// mesh fails at preview with the same explanation, before any Azure call.
fn check_mesh(
    inputs: &MultiRegionAksInputs,
    plan: &AddressPlan,
    unknowns: &Annotations,
) -> Vec<CheckFailure> {
    use crate::resource::Resource;
    let Some(mode) = inputs.mesh_mode() else {
        return Vec::new();
    };
    if plan.regions.len() > 1
        && !inputs.enable_vnet_peering.unwrap_or(false)
        && !unknowns.is_unknown("enableVnetPeering")
    {
        return vec![CheckFailure::new("enableVnetPeering", "a Cilium mesh needs every cluster VNet peered with every other (node and pod IPs must route): set enableVnetPeering true")];
    }
    let vnet_ids: Vec<Value> = plan.regions.iter().map(|r| text(format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-{0}/providers/Microsoft.Network/virtualNetworks/vnet-{0}", r.location))).collect();
    let version = inputs.kubernetes_version.clone().map(text);
    let clusters: Vec<Value> = plan
        .regions
        .iter()
        .zip(&vnet_ids)
        .map(|(ranges, vnet)| {
            let cluster_id = text(format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-{0}/providers/Microsoft.ContainerService/managedClusters/aks-{0}", ranges.location));
            mesh_cluster(inputs, ranges, cluster_id, vnet.clone(), version.clone())
        })
        .collect();
    let mut mesh = vec![
        ("mode", text(mode)),
        ("clusters", Value::Array(clusters)),
        ("peeredVnetPairs", all_vnet_pairs(&vnet_ids)),
    ];
    if mode == CiliumMeshMode::Fleet {
        mesh.push(("resourceGroupName", text("rg-check")));
    }
    let Ok((mut typed, annotations)) =
        Value::object(mesh).to_typed::<crate::resources::cilium_mesh::CiliumMeshInputs>()
    else {
        return Vec::new();
    };
    let context = crate::resource::CheckContext {
        unknowns: &annotations,
        name: "mesh",
    };
    let mut reasons: Vec<String> = Vec::new();
    for failure in crate::resources::cilium_mesh::CiliumMesh.check(&mut typed, None, &context) {
        if !reasons.contains(&failure.reason) {
            reasons.push(failure.reason);
        }
    }
    reasons
        .into_iter()
        .map(|reason| CheckFailure::new("ciliumMesh", reason))
        .collect()
}

/// The DNS label a region's ingress Service must carry (`service.beta.kubernetes.io/azure-dns-label-name`)
/// so that Front Door finds it at `{label}.{region}.cloudapp.azure.com`.
pub fn ingress_dns_label(prefix: &str, location: &str) -> String {
    format!("{prefix}-{location}")
}

/// A child's output, or unknown when the engine does not know it yet (preview).
fn output(child: &Child, key: &str) -> Value {
    match child.outputs.get(key) {
        Some(Value::Null) | None => Value::Unknown,
        Some(value) => value.clone(),
    }
}

#[async_trait]
impl Component for MultiRegionAks {
    const TOKEN: &'static str = "aksmesh:index:MultiRegionAks";
    type Inputs = MultiRegionAksInputs;

    fn check(&self, inputs: &MultiRegionAksInputs, unknowns: &Annotations) -> Vec<CheckFailure> {
        let mut failures = Vec::new();
        if inputs.regions.is_empty() && !unknowns.is_unknown("regions") {
            failures.push(CheckFailure::new(
                "regions",
                "give at least one region, for example [{location: eastus}]",
            ));
        }
        for (i, region) in inputs.regions.iter().enumerate() {
            let at = join_index("regions", i);
            if !unknowns.is_unknown(&format!("{at}.location"))
                && !regions::is_known(&region.location)
            {
                failures.push(CheckFailure::new(
                    format!("{at}.location"),
                    regions::refusal(&region.location),
                ));
            }
            if let Some(count) = region.node_count {
                if !(1..=1000).contains(&count) {
                    failures.push(CheckFailure::new(
                        format!("{at}.nodeCount"),
                        format!("{count} nodes: a system pool has 1 to 1000"),
                    ));
                }
            }
        }
        if inputs.flat() {
            for (i, region) in inputs.regions.iter().enumerate() {
                if region.pod_cidr.is_some() {
                    failures.push(CheckFailure::new(format!("{}.podCidr", join_index("regions", i)), "flat pod networking takes pod IPs from a pod subnet in the VNet; remove podCidr or use overlay"));
                }
            }
        }
        let any_unknown_range = inputs
            .regions
            .iter()
            .enumerate()
            .any(|(i, _)| unknowns.is_unknown(&join_index("regions", i)));
        if failures.is_empty() && !any_unknown_range {
            match plan(inputs) {
                Err(plan_failures) => failures.extend(plan_failures),
                Ok(plan) => failures.extend(check_mesh(inputs, &plan, unknowns)),
            }
        }
        failures
    }

    async fn construct(
        &self,
        registrar: Arc<dyn ChildRegistrar>,
        name: &str,
        inputs: MultiRegionAksInputs,
        raw: &Value,
    ) -> Result<Constructed, String> {
        let plan = plan(&inputs).map_err(|failures| {
            failures
                .iter()
                .map(|f| format!("{}: {}", f.property, f.reason))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let prefix = inputs
            .name_prefix
            .clone()
            .unwrap_or_else(|| default_name_prefix(name));
        let flat = inputs.flat();
        let tags = raw
            .get("tags")
            .cloned()
            .unwrap_or(Value::Object(BTreeMap::new()));
        let raw_version = raw.get("kubernetesVersion").cloned();

        // Networks first, all regions at once (clusters need their subnets, peerings their VNets).
        let networks = futures::future::try_join_all(plan.regions.iter().map(|ranges| {
            let registrar = registrar.clone();
            let mut network_inputs = vec![
                ("location", text(&ranges.location)),
                ("namePrefix", text(&prefix)),
                ("vnetCidr", text(ranges.vnet_cidr)),
                ("nodeSubnetCidr", text(ranges.node_subnet_cidr)),
                ("tags", tags.clone()),
            ];
            if flat {
                network_inputs.push(("podSubnetCidr", text(ranges.pod_subnet_cidr)));
            }
            let request = ChildRequest {
                token: "aksmesh:index:RegionalNetwork".into(),
                name: format!("{name}-network-{}", ranges.location),
                inputs: Value::object(network_inputs),
                dependencies: Vec::new(),
                component: false,
            };
            async move { registrar.register(request).await }
        }))
        .await?;

        let clusters =
            futures::future::try_join_all(plan.regions.iter().zip(&networks).enumerate().map(
                |(i, (ranges, network))| {
                    let registrar = registrar.clone();
                    let region = &inputs.regions[i];
                    let mut cluster_inputs = vec![
                        ("location", text(&ranges.location)),
                        ("namePrefix", text(&prefix)),
                        ("resourceGroupName", output(network, "resourceGroupName")),
                        ("nodeSubnetId", output(network, "nodeSubnetId")),
                        ("vnetCidr", text(ranges.vnet_cidr)),
                        ("nodeSubnetCidr", text(ranges.node_subnet_cidr)),
                        ("serviceCidr", text(plan.service_cidr)),
                        ("dnsServiceIP", text(plan.dns_service_ip)),
                        ("tags", tags.clone()),
                    ];
                    if flat {
                        cluster_inputs.push(("podNetworking", text(PodNetworking::Flat)));
                        cluster_inputs.push(("podSubnetId", output(network, "podSubnetId")));
                    } else {
                        if inputs.byo_cni() {
                            cluster_inputs.push(("podNetworking", text(PodNetworking::ByoCni)));
                        }
                        cluster_inputs.push(("podCidr", text(ranges.pod_cidr)));
                    }
                    if inputs.advanced_networking() {
                        cluster_inputs.push(("advancedNetworking", Value::Bool(true)));
                    }
                    if let Some(version) = &raw_version {
                        cluster_inputs.push(("kubernetesVersion", version.clone()));
                    }
                    let mut pool = Vec::new();
                    if let Some(count) = region.node_count {
                        pool.push(("count", Value::Number(f64::from(count))));
                    }
                    if let Some(size) = &region.vm_size {
                        pool.push(("vmSize", text(size)));
                    }
                    if !pool.is_empty() {
                        cluster_inputs.push(("systemPool", Value::object(pool)));
                    }
                    let request = ChildRequest {
                        token: "aksmesh:index:RegionalCluster".into(),
                        name: format!("{name}-cluster-{}", ranges.location),
                        inputs: Value::object(cluster_inputs),
                        dependencies: vec![network.urn.clone()],
                        component: false,
                    };
                    async move { registrar.register(request).await }
                },
            ));

        let peering = async {
            if !inputs.enable_vnet_peering.unwrap_or(false) || plan.regions.len() < 2 {
                return Ok::<Option<Child>, String>(None);
            }
            let peered: Vec<Value> = plan
                .regions
                .iter()
                .zip(&networks)
                .map(|(ranges, network)| {
                    let mut entry = vec![
                        ("name", text(&ranges.location)),
                        ("vnetId", output(network, "vnetId")),
                        ("addressSpace", Value::Array(vec![text(ranges.vnet_cidr)])),
                        ("podNetworking", text(inputs.pod_networking())),
                    ];
                    if !flat {
                        entry.push(("podCidr", text(ranges.pod_cidr)));
                    }
                    Value::object(entry)
                })
                .collect();
            let request = ChildRequest {
                token: "aksmesh:index:OverlayPeering".into(),
                name: format!("{name}-peering"),
                inputs: Value::object([("networks", Value::Array(peered))]),
                dependencies: networks.iter().map(|n| n.urn.clone()).collect(),
                component: true,
            };
            registrar.register(request).await.map(Some)
        };
        let front_door = async {
            if !inputs.front_door_enabled() {
                return Ok::<Option<Child>, String>(None);
            }
            let origins = plan
                .regions
                .iter()
                .map(|ranges| {
                    let label = ingress_dns_label(&prefix, &ranges.location);
                    Value::object([
                        ("name", text(&ranges.location)),
                        (
                            "hostName",
                            text(format!("{label}.{}.cloudapp.azure.com", ranges.location)),
                        ),
                    ])
                })
                .collect();
            let mut front_door_inputs = vec![
                // The global profile lives in the first region's resource group.
                (
                    "resourceGroupName",
                    output(&networks[0], "resourceGroupName"),
                ),
                ("namePrefix", text(&prefix)),
                ("origins", Value::Array(origins)),
                ("tags", tags.clone()),
            ];
            if let Some(path) = inputs
                .front_door
                .as_ref()
                .and_then(|f| f.probe_path.clone())
            {
                front_door_inputs.push(("probePath", text(path)));
            }
            let request = ChildRequest {
                token: "aksmesh:index:FrontDoor".into(),
                name: format!("{name}-front-door"),
                inputs: Value::object(front_door_inputs),
                dependencies: vec![networks[0].urn.clone()],
                component: false,
            };
            registrar.register(request).await.map(Some)
        };
        let (clusters, peering, front_door) =
            futures::future::try_join3(clusters, peering, front_door).await?;

        let mesh = match inputs.mesh_mode() {
            None => None,
            Some(mode) => {
                let vnet_ids: Vec<Value> = networks.iter().map(|n| output(n, "vnetId")).collect();
                let mesh_clusters = plan
                    .regions
                    .iter()
                    .zip(clusters.iter().zip(&vnet_ids))
                    .map(|(ranges, (cluster, vnet))| {
                        let version = raw_version
                            .clone()
                            .or_else(|| Some(output(cluster, "currentKubernetesVersion")));
                        mesh_cluster(
                            &inputs,
                            ranges,
                            output(cluster, "clusterId"),
                            vnet.clone(),
                            version,
                        )
                    })
                    .collect();
                let mut mesh_inputs = vec![
                    ("mode", text(mode)),
                    ("namePrefix", text(&prefix)),
                    ("clusters", Value::Array(mesh_clusters)),
                    ("peeredVnetPairs", all_vnet_pairs(&vnet_ids)),
                    ("tags", tags.clone()),
                ];
                if mode == CiliumMeshMode::Fleet {
                    mesh_inputs.push((
                        "resourceGroupName",
                        output(&networks[0], "resourceGroupName"),
                    ));
                }
                let mut after: Vec<String> = clusters.iter().map(|c| c.urn.clone()).collect();
                after.extend(peering.iter().map(|p| p.urn.clone()));
                let request = ChildRequest {
                    token: "aksmesh:index:CiliumMesh".into(),
                    name: format!("{name}-mesh"),
                    inputs: Value::object(mesh_inputs),
                    dependencies: after,
                    component: false,
                };
                Some(registrar.register(request).await?)
            }
        };
        let mut dependencies: BTreeSet<String> = networks
            .iter()
            .chain(&clusters)
            .map(|c| c.urn.clone())
            .collect();
        let cluster_outputs = plan
            .regions
            .iter()
            .zip(networks.iter().zip(&clusters))
            .map(|(ranges, (network, cluster))| {
                (
                    ranges.location.clone(),
                    Value::object([
                        ("id", output(cluster, "clusterId")),
                        ("fqdn", output(cluster, "fqdn")),
                        (
                            "podCidr",
                            if flat {
                                text(ranges.pod_subnet_cidr)
                            } else {
                                text(ranges.pod_cidr)
                            },
                        ),
                        ("vnetId", output(network, "vnetId")),
                        ("vnetCidr", text(ranges.vnet_cidr)),
                        ("kubeconfig", output(cluster, "kubeconfig")),
                    ]),
                )
            })
            .collect();
        let peerings = match &peering {
            Some(child) => {
                dependencies.insert(child.urn.clone());
                output(child, "peerings")
            }
            None => Value::Array(Vec::new()),
        };
        let locations: Vec<String> = plan.regions.iter().map(|r| r.location.clone()).collect();
        let topology = Topology {
            peered_pairs: if peering.is_some() {
                Topology::all_pairs(&locations)
            } else {
                Vec::new()
            },
            regions: locations,
            pod_networking: inputs.pod_networking(),
            mesh: inputs.mesh_mode().map(MeshMode::from).unwrap_or_default(),
        };
        let connectivity = report(&topology).map_err(|e| e.to_string())?;
        let mesh_output = match &mesh {
            Some(child) => {
                dependencies.insert(child.urn.clone());
                child.outputs.clone()
            }
            None => Value::Null,
        };
        let front_door_output = match &front_door {
            Some(child) => {
                dependencies.insert(child.urn.clone());
                Value::object([
                    ("endpointHostName", output(child, "endpointHostName")),
                    (
                        "ingressDnsLabels",
                        Value::Object(
                            plan.regions
                                .iter()
                                .map(|r| {
                                    (
                                        r.location.clone(),
                                        text(ingress_dns_label(&prefix, &r.location)),
                                    )
                                })
                                .collect(),
                        ),
                    ),
                ])
            }
            None => Value::Null,
        };
        let outputs = Value::object([
            ("ciliumMesh", mesh_output),
            ("frontDoor", front_door_output),
            (
                "connectivity",
                Value::from_plain(&connectivity, &BTreeSet::new()),
            ),
            ("clusters", Value::Object(cluster_outputs)),
            ("peerings", peerings),
            ("serviceCidr", text(plan.service_cidr)),
            ("dnsServiceIP", text(plan.dns_service_ip)),
        ]);
        Ok(Constructed {
            outputs,
            dependencies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(regions: &[&str]) -> MultiRegionAksInputs {
        MultiRegionAksInputs {
            regions: regions
                .iter()
                .map(|l| RegionInputs {
                    location: l.to_string(),
                    vnet_cidr: None,
                    pod_cidr: None,
                    node_count: None,
                    vm_size: None,
                })
                .collect(),
            kubernetes_version: None,
            pod_networking: None,
            enable_vnet_peering: None,
            name_prefix: None,
            tags: BTreeMap::new(),
            front_door: None,
            cilium_mesh: None,
        }
    }

    #[test]
    fn planned_ranges_match_the_familiar_layout_and_never_move() {
        let three = plan(&inputs(&["eastus", "westeurope", "southeastasia"])).unwrap();
        let four = plan(&inputs(&[
            "eastus",
            "westeurope",
            "southeastasia",
            "japaneast",
        ]))
        .unwrap();
        assert_eq!(three.regions[2].pod_cidr.to_string(), "10.48.0.0/13");
        for (a, b) in three.regions.iter().zip(&four.regions) {
            assert_eq!(a.vnet_cidr, b.vnet_cidr);
            assert_eq!(a.pod_cidr, b.pod_cidr);
        }
    }

    #[test]
    fn check_reports_bad_regions_and_modes_at_their_paths() {
        use crate::component::{ComponentAdapter, ComponentError, DynComponent};
        // Through the adapter, as the engine calls it: a value of the wrong vocabulary and a bad
        // region are reported together.
        let raw = Value::from_plain(
            &serde_json::json!({
                "regions": [{"location": "eastus"}, {"location": "mars"}],
                "podNetworking": "tunnel",
            }),
            &Default::default(),
        );
        let Err(ComponentError::Invalid(failures)) = ComponentAdapter(MultiRegionAks).check(&raw)
        else {
            panic!("bad inputs were accepted");
        };
        let found: Vec<_> = failures
            .iter()
            .map(|f| (f.property.as_str(), f.reason.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "podNetworking",
                    "'tunnel' is not a valid podNetworking; use one of overlay, flat, byoCni"
                ),
                (
                    "regions[1].location",
                    "'mars' is not an Azure region (did you mean eastus?); `az account list-locations -o table` lists them"
                ),
            ]
        );
        let too_many = inputs(&[
            "eastus",
            "eastus2",
            "westus",
            "westus2",
            "westus3",
            "centralus",
            "northeurope",
            "westeurope",
            "uksouth",
        ]);
        let failures = MultiRegionAks.check(&too_many, &Annotations::default());
        assert_eq!(failures[0].property, "regions");
    }
}
