//! `aksmesh:index:CiliumMesh`: Cilium Cluster Mesh across RegionalClusters, in one of the two ways
//! that work on AKS.
//!
//! - `fleet`: Azure Kubernetes Fleet Manager's managed cluster mesh (2026-03-02-preview). A hubless
//!   fleet (or a given one), one labelled member per cluster, a clusterMeshProfile selecting the
//!   label, `POST …/apply`, then polling until every member is `Connected`. Needs flat pod-subnet
//!   clusters with ACNS (managed Cilium) on Kubernetes ≥ 1.32 in peered VNets.
//! - `selfManaged`: BYO CNI clusters running their own Cilium. No Azure or Kubernetes calls: the
//!   resource computes a consistent mesh configuration (shared CA, cluster names and ids, an internal
//!   load-balancer IP per clustermesh-apiserver, and per-cluster Helm values).
//!
//! Overlay clusters with AKS-managed Cilium cannot be meshed at all: AKS reconciles a self-installed
//! mesh away (Azure/AKS#5194) and Fleet's mesh needs flat networking. Check says so.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use async_trait::async_trait;
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{azure_failure, managed_tags, operation_options, PollSchedule, Validator};
use super::regional_network::default_name_prefix;
use crate::azure::ids::{cluster_mesh_profile_id, fleet_id, fleet_member_id, ids_equal};
use crate::azure::models::fleet::{
    ClusterMeshProfile, ClusterMeshProfileProperties, Fleet, FleetMember, FleetMemberProperties,
    FleetProperties, MemberSelector,
};
use crate::azure::{api_versions, ArmClient, AzureError, ResourceId};
use crate::net;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, ReadResult, Resource,
    ResourceError,
};
use crate::vocabulary::{CiliumMeshMode, NetworkDataplane, PodNetworking};

/// Cilium and Fleet both cap a mesh at 255 clusters (`cluster.id` 1–255).
pub const MAX_CLUSTERS: usize = 255;
/// Fleet cluster mesh needs Kubernetes 1.32 or later.
const MIN_FLEET_MINOR: u32 = 32;
/// Default position of the clustermesh-apiserver IP: this many addresses below the node subnet's
/// broadcast address, i.e. the 10th-from-last address (AKS hands node IPs out from the start).
pub const DEFAULT_API_SERVER_IP_OFFSET: i64 = 10;
/// Port of the clustermesh-apiserver's etcd.
pub const CLUSTERMESH_PORT: i64 = 2379;
const INTERNAL_LB_ANNOTATION: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";
const LB_IPV4_ANNOTATION: &str = "service.beta.kubernetes.io/azure-load-balancer-ipv4";

/// Why overlay clusters with managed Cilium cannot be meshed, and what works instead.
pub const OVERLAY_MANAGED_CILIUM_REASON: &str = "Cilium Cluster Mesh cannot run on Azure CNI Overlay clusters with AKS-managed Cilium: AKS manages that Cilium and reconciles a self-installed cluster mesh away (Azure/AKS#5194), and Fleet Manager's managed cluster mesh needs flat pod networking with ACNS (tunnelled overlay is unsupported). Two routes work: mode `fleet` with clusters using podNetworking flat (a pod subnet), networkDataplane cilium and advancedNetworking (ACNS) true on Kubernetes 1.32+; or mode `selfManaged` with BYO CNI clusters (podNetworking byoCni) where you install Cilium with Helm using this resource's helmValues";

pub struct CiliumMesh;

/// One cluster of the mesh: the RegionalCluster and RegionalNetwork outputs it needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshClusterInputs {
    /// Unique mesh name of the cluster (e.g. its region): Cilium `cluster.name` and Fleet member name.
    #[serde(default)]
    pub name: String,
    /// The AKS cluster's resource id (required in fleet mode).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_networking: Option<PodNetworking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_dataplane: Option<NetworkDataplane>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_networking: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::resources::common::kubernetes_version")]
    pub kubernetes_version: Option<String>,
    /// Pod range of overlay and BYO CNI clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// Pod subnet range of flat clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_subnet_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_subnet_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vnet_id: String,
}

/// Two VNets that are peered with each other (either direction; ids or names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VnetPair {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumMeshInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<CiliumMeshMode>,
    #[serde(default)]
    pub clusters: Vec<MeshClusterInputs>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peered_vnet_pairs: Vec<VnetPair>,
    /// Prefix of the Azure names (fleet mode); defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet_name: Option<String>,
    /// Region of a fleet aksmesh creates; defaults to the first cluster's location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_label: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cluster_ids: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server_ip_offset: Option<i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl CiliumMeshInputs {
    fn fleet_name(&self) -> String {
        self.fleet_name
            .clone()
            .unwrap_or_else(|| format!("fleet-{}", self.name_prefix))
    }

    fn profile_name(&self) -> String {
        format!("mesh-{}", self.name_prefix)
    }

    fn member_label(&self) -> String {
        self.member_label
            .clone()
            .unwrap_or_else(|| format!("aksmesh-mesh={}", self.name_prefix))
    }

    fn api_server_ip_offset(&self) -> i64 {
        self.api_server_ip_offset
            .unwrap_or(DEFAULT_API_SERVER_IP_OFFSET)
    }
}

/// The shared Cilium CA (`cilium-ca`), PEM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshCa {
    pub cert: String,
    pub key: String,
}

/// One cluster's mesh identity and Helm values (selfManaged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshClusterOutput {
    pub name: String,
    /// Cilium `cluster.id`, 1–255.
    pub cluster_id: i64,
    pub api_server_ip: String,
    pub helm_values: Value,
}

/// One Fleet member (fleet mode).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshMember {
    pub name: String,
    pub member_id: String,
    /// The AKS cluster's resource id.
    pub cluster_resource_id: String,
    /// `Connecting`, `Connected`, `Failed`, …, or empty when not in the mesh.
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumMeshState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<CiliumMeshMode>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    /// selfManaged: the shared CA (secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<MeshCa>,
    /// selfManaged: per-cluster identity and Helm values; empty in fleet mode.
    #[serde(default)]
    pub clusters: Vec<MeshClusterOutput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server_ip_offset: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet_id: Option<String>,
    /// Whether aksmesh created the fleet (and so deletes it).
    #[serde(default)]
    pub fleet_created: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_mesh_profile_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_label: Option<String>,
    #[serde(default)]
    pub members: Vec<MeshMember>,
}

/// Fleet, member and profile names: `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
fn valid_dns_label(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// `1.33` or `1.33.2` → (1, 33).
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The last path segment of a VNet id (its name), lower case.
fn vnet_key(id: &str) -> String {
    id.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(id)
        .to_ascii_lowercase()
}

/// Whether two VNet references (ids or names) name the same VNet.
fn same_vnet(a: &str, b: &str) -> bool {
    if a.contains('/') && b.contains('/') {
        ids_equal(a, b)
    } else {
        vnet_key(a) == vnet_key(b)
    }
}

fn label_part_valid(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 63
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

#[async_trait]
impl Resource for CiliumMesh {
    const TOKEN: &'static str = "aksmesh:index:CiliumMesh";
    const SECRET_OUTPUTS: &'static [&'static str] = &["ca"];
    /// Fleet and profile names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = CiliumMeshInputs;
    type State = CiliumMeshState;

    fn check(
        &self,
        inputs: &mut CiliumMeshInputs,
        olds: Option<&CiliumMeshInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        let mut v = Validator::new(context);
        let mode = if v.is_unknown("mode") {
            None
        } else if inputs.mode.is_none() {
            v.fail("mode", "mode is required: `fleet` for Azure Fleet Manager's managed cluster mesh (flat pod networking with ACNS), or `selfManaged` for BYO CNI clusters running Cilium installed with Helm");
            None
        } else {
            inputs.mode
        };
        if inputs.name_prefix.is_empty() && !v.is_unknown("namePrefix") {
            inputs.name_prefix = default_name_prefix(context.name);
        }
        check_clusters(&mut v, inputs, mode);
        check_peering(&mut v, inputs);
        match mode {
            Some(CiliumMeshMode::Fleet) => check_fleet_settings(&mut v, inputs, olds),
            Some(CiliumMeshMode::SelfManaged) => check_self_managed_settings(&mut v, inputs),
            None => {}
        }
        v.tags("tags", &inputs.tags);
        v.failures
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        match change.path {
            "mode" | "resourceGroupName" | "fleetName" | "namePrefix" | "location" => {
                ChangeEffect::Replace
            }
            _ => ChangeEffect::Update,
        }
    }

    fn preview(
        &self,
        inputs: &CiliumMeshInputs,
        unknowns: &crate::property::Annotations,
    ) -> serde_json::Map<String, Value> {
        let mut known = serde_json::Map::new();
        // The input `clusters` is not the output `clusters`: never let the input show through.
        known.insert("clusters".into(), Value::Null);
        if unknowns.is_unknown("mode") {
            return known;
        }
        if inputs.mode == Some(CiliumMeshMode::SelfManaged) {
            if !unknowns.is_unknown("clusters")
                && !unknowns.is_unknown("clusterIds")
                && !unknowns.is_unknown("apiServerIpOffset")
            {
                if let Ok(clusters) = self_managed_clusters(inputs, None) {
                    known.insert("clusters".into(), json!(clusters));
                }
            }
        } else {
            known.insert("clusters".into(), json!([]));
            if !unknowns.is_unknown("namePrefix") && !unknowns.is_unknown("fleetName") {
                known.insert("fleetName".into(), inputs.fleet_name().into());
            }
        }
        known
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: CiliumMeshInputs,
    ) -> Result<(String, CiliumMeshState), ResourceError<CiliumMeshState>> {
        if inputs.mode == Some(CiliumMeshMode::SelfManaged) {
            let state = self_managed_state(&inputs, None).map_err(ResourceError::Failed)?;
            return Ok((self_managed_id(&inputs), state));
        }
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply_fleet(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&CiliumMeshInputs, &CiliumMeshState)>,
    ) -> Result<Option<ReadResult<CiliumMeshInputs, CiliumMeshState>>, ResourceError<CiliumMeshState>>
    {
        match old {
            Some((inputs, state)) if state.mode == Some(CiliumMeshMode::SelfManaged) => {
                // Nothing lives in Azure: the configuration is what was computed.
                Ok(Some(ReadResult {
                    id: id.to_string(),
                    inputs: inputs.clone(),
                    state: state.clone(),
                }))
            }
            None if id.starts_with("cilium-mesh/") => Err(ResourceError::Failed(format!(
                "'{id}' is a selfManaged mesh, which exists only in Pulumi state and cannot be imported; declare it in the program instead"
            ))),
            _ => {
                let azure = context.azure().map_err(ResourceError::Failed)?;
                read_fleet(azure, id, old).await
            }
        }
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&CiliumMeshInputs, &CiliumMeshState),
        news: CiliumMeshInputs,
    ) -> Result<CiliumMeshState, ResourceError<CiliumMeshState>> {
        if news.mode == Some(CiliumMeshMode::SelfManaged) {
            return self_managed_state(&news, Some(old.1)).map_err(ResourceError::Failed);
        }
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply_fleet(azure, context, &news, Some(old.1))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        _id: &str,
        state: &CiliumMeshState,
    ) -> Result<(), ResourceError<CiliumMeshState>> {
        if state.mode == Some(CiliumMeshMode::SelfManaged) {
            return Ok(());
        }
        let azure = context.azure().map_err(ResourceError::Failed)?;
        delete_fleet(azure, context, state).await
    }
}

// ---------------------------------------------------------------------------------------------
// Check

fn check_clusters(
    v: &mut Validator<'_, '_>,
    inputs: &mut CiliumMeshInputs,
    mode: Option<CiliumMeshMode>,
) {
    if v.is_unknown("clusters") && inputs.clusters.is_empty() {
        return;
    }
    if inputs.clusters.is_empty() {
        v.fail(
            "clusters",
            "clusters is required: list at least one cluster (a mesh of one is allowed; add peers later)",
        );
        return;
    }
    if inputs.clusters.len() > MAX_CLUSTERS {
        v.fail(
            "clusters",
            format!(
                "{} clusters given; a Cilium cluster mesh (and Fleet's) holds at most {MAX_CLUSTERS} clusters (cluster ids 1–255)",
                inputs.clusters.len()
            ),
        );
    }
    let fleet = mode == Some(CiliumMeshMode::Fleet);
    let self_managed = mode == Some(CiliumMeshMode::SelfManaged);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut pod_ranges: Vec<(String, Ipv4Net)> = Vec::new();
    for (i, cluster) in inputs.clusters.iter_mut().enumerate() {
        let at = |field: &str| format!("clusters[{i}].{field}");
        // Name: unique, a DNS label (Cilium cluster names ≤ 32, Fleet member names ≤ 50).
        let name_path = at("name");
        if v.required(
            &name_path,
            &cluster.name,
            "give each cluster a unique lower-case name, e.g. its region",
        ) {
            let max = if fleet { 50 } else { 32 };
            if !valid_dns_label(&cluster.name, max) {
                v.fail(&name_path, format!("'{}' must be 1 to {max} lower-case letters, digits and '-', starting and ending with a letter or digit (it becomes the Cilium cluster name{})", cluster.name, if fleet { " and the Fleet member name" } else { "" }));
            } else if cluster.name == "default" {
                v.fail(
                    &name_path,
                    "Cilium reserves the cluster name 'default'; choose another",
                );
            }
            if let Some(first) = seen.insert(cluster.name.clone(), i) {
                v.fail(
                    &name_path,
                    format!(
                        "duplicate cluster name '{}' (also clusters[{first}].name); each cluster needs a unique name",
                        cluster.name
                    ),
                );
            }
        }
        if !cluster.location.is_empty() {
            let path = at("location");
            v.region(&path, &mut cluster.location);
        }
        let cluster_id_path = at("clusterId");
        if fleet
            && v.required(
                &cluster_id_path,
                &cluster.cluster_id,
                "pass the RegionalCluster's clusterId output (the AKS resource id)",
            )
        {
            match ResourceId::parse(&cluster.cluster_id) {
                Ok(id)
                    if id
                        .resource_type()
                        .eq_ignore_ascii_case("Microsoft.ContainerService/managedClusters") => {}
                _ => v.fail(
                    &cluster_id_path,
                    format!(
                        "'{}' is not an AKS cluster resource id; pass the RegionalCluster's clusterId output",
                        cluster.cluster_id
                    ),
                ),
            }
        }
        let vnet_path = at("vnetId");
        v.required(
            &vnet_path,
            &cluster.vnet_id,
            "pass the RegionalNetwork's vnetId output (used to check that the cluster VNets are peered)",
        );

        // Networking model.
        let networking_path = at("podNetworking");
        let networking =
            (!v.is_unknown(&networking_path)).then(|| cluster.pod_networking.unwrap_or_default());
        let dataplane_path = at("networkDataplane");
        let dataplane = match (networking, cluster.network_dataplane) {
            (Some(PodNetworking::ByoCni), _) => None,
            _ if v.is_unknown(&dataplane_path) => None,
            (_, Some(value)) => Some(value),
            (Some(_), None) => Some(NetworkDataplane::Cilium),
            (None, None) => None,
        };
        let acns_path = at("advancedNetworking");
        let acns = if v.is_unknown(&acns_path) {
            None
        } else {
            Some(cluster.advanced_networking.unwrap_or(false))
        };
        let networking_known = networking.is_some() && !v.is_unknown(&dataplane_path);
        if networking_known {
            match (networking, dataplane) {
                (Some(PodNetworking::Overlay), Some(NetworkDataplane::Cilium)) if mode.is_some() => {
                    v.fail(&networking_path, OVERLAY_MANAGED_CILIUM_REASON);
                }
                (Some(PodNetworking::Overlay), _) if fleet => v.fail(
                    &networking_path,
                    "Fleet cluster mesh does not support overlay pod networking (tunnelled overlay is unsupported); use podNetworking flat with a pod subnet, networkDataplane cilium and advancedNetworking true",
                ),
                (Some(PodNetworking::ByoCni), _) if fleet => v.fail(
                    &networking_path,
                    "Fleet cluster mesh runs the Cilium that ACNS manages, so BYO CNI clusters cannot join it; use mode selfManaged for byoCni clusters, or podNetworking flat with ACNS for fleet",
                ),
                (Some(PodNetworking::Flat), Some(NetworkDataplane::Azure)) if fleet => v.fail(
                    &dataplane_path,
                    "Fleet cluster mesh needs ACNS with Cilium: set networkDataplane cilium (and advancedNetworking true)",
                ),
                (Some(PodNetworking::Flat), Some(NetworkDataplane::Cilium))
                    if fleet && acns == Some(false) =>
                {
                    v.fail(
                    &acns_path,
                    "Fleet cluster mesh needs Advanced Container Networking Services (ACNS) with Cilium: set advancedNetworking true on the RegionalCluster and pass it here",
                )
                }
                (Some(networking), _) if self_managed && networking != PodNetworking::ByoCni => v.fail(
                    &networking_path,
                    format!("selfManaged meshes need BYO CNI clusters (podNetworking byoCni, network plugin none) so the Cilium you install with Helm is not managed by AKS; this cluster uses podNetworking {networking}. For flat clusters with ACNS use mode fleet"),
                ),
                _ => {}
            }
        }

        // Kubernetes version (fleet).
        let version_path = at("kubernetesVersion");
        if fleet && !v.is_unknown(&version_path) {
            if let Some(version) = cluster.kubernetes_version.as_deref() {
                match major_minor(version) {
                    Some((major, minor)) if (major, minor) < (1, MIN_FLEET_MINOR) => v.fail(
                        &version_path,
                        format!("Fleet cluster mesh needs Kubernetes 1.{MIN_FLEET_MINOR} or later; this cluster runs {version}. Upgrade the RegionalCluster's kubernetesVersion first"),
                    ),
                    Some(_) => {}
                    None => v.fail(
                        &version_path,
                        format!("'{version}' is not a Kubernetes version like 1.33 or 1.33.2"),
                    ),
                }
            }
        }

        // Ranges.
        let node_path = at("nodeSubnetCidr");
        match cluster.node_subnet_cidr.as_deref() {
            Some(text) => {
                v.cidr(&node_path, text);
            }
            None if self_managed && !v.is_unknown(&node_path) => v.fail(
                &node_path,
                format!("{node_path} is required in selfManaged mode: the clustermesh-apiserver's internal load-balancer IP is picked inside it; pass the RegionalNetwork's nodeSubnetCidr output"),
            ),
            None => {}
        }
        if let Some(networking) = networking {
            let (field, given) = if networking == PodNetworking::Flat {
                ("podSubnetCidr", cluster.pod_subnet_cidr.as_deref())
            } else {
                ("podCidr", cluster.pod_cidr.as_deref())
            };
            let path = at(field);
            match given {
                Some(text) => {
                    if let Some(range) = v.cidr(&path, text) {
                        pod_ranges.push((path, range));
                    }
                }
                None if !v.is_unknown(&path) => v.fail(
                    &path,
                    format!("{path} is required: every cluster's pod range must be known to check that no two overlap (pass the RegionalCluster's podCidr output, or the RegionalNetwork's podSubnetCidr for flat clusters)"),
                ),
                None => {}
            }
        }
    }
    // Each range is reported once, against the first earlier range it overlaps.
    let ranges: Vec<_> = pod_ranges.iter().map(|(_, range)| *range).collect();
    let mut reported = std::collections::BTreeSet::new();
    for (earlier, later) in net::find_overlaps(&ranges) {
        if reported.insert(later) {
            let ((other_path, other), (path, range)) = (&pod_ranges[earlier], &pod_ranges[later]);
            v.fail(
                path,
                format!("the pod range {range} overlaps {other} ({other_path}); meshed clusters need unique, non-overlapping pod ranges, so give each cluster its own"),
            );
        }
    }
}

/// Every two clusters in different VNets must have their VNets peered.
fn check_peering(v: &mut Validator<'_, '_>, inputs: &CiliumMeshInputs) {
    if v.is_unknown("peeredVnetPairs") {
        return;
    }
    for (i, pair) in inputs.peered_vnet_pairs.iter().enumerate() {
        for (field, value) in [("from", &pair.from), ("to", &pair.to)] {
            v.required(
                &format!("peeredVnetPairs[{i}].{field}"),
                value,
                "give the VNet id (or name) of each side of a peering",
            );
        }
    }
    let peered = |a: &str, b: &str| {
        inputs.peered_vnet_pairs.iter().any(|pair| {
            (same_vnet(&pair.from, a) && same_vnet(&pair.to, b))
                || (same_vnet(&pair.from, b) && same_vnet(&pair.to, a))
        })
    };
    for (j, cluster) in inputs.clusters.iter().enumerate() {
        let path = format!("clusters[{j}].vnetId");
        if cluster.vnet_id.is_empty() || v.is_unknown(&path) {
            continue;
        }
        let missing: Vec<String> = inputs.clusters[..j]
            .iter()
            .enumerate()
            .filter(|(i, other)| {
                !other.vnet_id.is_empty()
                    && !v.is_unknown(&format!("clusters[{i}].vnetId"))
                    && !same_vnet(&other.vnet_id, &cluster.vnet_id)
                    && !peered(&other.vnet_id, &cluster.vnet_id)
            })
            .map(|(i, other)| format!("clusters[{i}] ({})", other.name))
            .collect();
        if !missing.is_empty() {
            v.fail(
                &path,
                format!(
                    "the VNet of clusters[{j}] ({}) is not peered with the VNets of {}; a cluster mesh needs every cluster VNet peered with every other (node and pod IPs must route). Create a VnetPeering for each pair and list it in peeredVnetPairs as {{from, to}}",
                    cluster.name,
                    missing.join(", ")
                ),
            );
        }
    }
}

fn check_fleet_settings(
    v: &mut Validator<'_, '_>,
    inputs: &mut CiliumMeshInputs,
    olds: Option<&CiliumMeshInputs>,
) {
    let group = inputs.resource_group_name.clone().unwrap_or_default();
    if v.required(
        "resourceGroupName",
        &group,
        "fleet mode needs the resource group for the fleet (e.g. a RegionalNetwork's resourceGroupName)",
    ) {
        v.name(
            "resourceGroupName",
            &group,
            90,
            "letters, digits, '-', '_', '.', '(' and ')'",
            |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'),
        );
    }
    if let Some(name) = inputs.fleet_name.as_deref() {
        if !v.is_unknown("fleetName") && !valid_dns_label(name, 63) {
            v.fail("fleetName", format!("'{name}' is not a fleet name: 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit"));
        }
    }
    if !v.is_unknown("namePrefix") {
        let profile = inputs.profile_name();
        let fleet = format!("fleet-{}", inputs.name_prefix);
        if !valid_dns_label(&profile, 63)
            || (inputs.fleet_name.is_none() && !valid_dns_label(&fleet, 63))
        {
            v.fail("namePrefix", format!("'{}' gives invalid Fleet names ({fleet}, {profile}): use lower-case letters, digits and '-'", inputs.name_prefix));
        }
    }
    if !v.is_unknown("memberLabel") {
        let label = inputs.member_label();
        let valid = label
            .split_once('=')
            .is_some_and(|(k, v)| label_part_valid(k) && label_part_valid(v));
        if !valid {
            v.fail("memberLabel", format!("'{label}' must be one key=value pair (letters, digits, '-', '_', '.', '/'; at most 63 characters each side)"));
        }
    }
    // The fleet's region: given, else what the previous run chose, else the first cluster's.
    if !v.is_unknown("location") {
        match inputs.location.as_mut() {
            Some(location) => {
                v.region("location", location);
            }
            None => {
                inputs.location = olds.and_then(|o| o.location.clone()).or_else(|| {
                    inputs
                        .clusters
                        .first()
                        .map(|c| crate::regions::canonical(&c.location))
                        .filter(|l| !l.is_empty())
                });
                if inputs.location.is_none()
                    && inputs.fleet_name.is_none()
                    && !v.is_unknown("clusters")
                {
                    v.fail("location", "the fleet's region is needed: set location, or give the first cluster its location");
                }
            }
        }
    }
    for field in ["clusterIds", "apiServerIpOffset"] {
        let given = match field {
            "clusterIds" => !inputs.cluster_ids.is_empty(),
            _ => inputs.api_server_ip_offset.is_some(),
        };
        if given {
            v.fail(
                field,
                format!("{field} is only used in selfManaged mode; Fleet assigns cluster ids and clustermesh-apiserver addresses itself"),
            );
        }
    }
}

fn check_self_managed_settings(v: &mut Validator<'_, '_>, inputs: &CiliumMeshInputs) {
    for field in ["resourceGroupName", "fleetName", "memberLabel", "location"] {
        let given = match field {
            "resourceGroupName" => inputs.resource_group_name.is_some(),
            "fleetName" => inputs.fleet_name.is_some(),
            "memberLabel" => inputs.member_label.is_some(),
            _ => inputs.location.is_some(),
        };
        if given {
            v.fail(
                field,
                format!("{field} is only used in fleet mode; remove it"),
            );
        }
    }
    if !v.is_unknown("clusterIds") {
        let names: BTreeSet<&str> = inputs.clusters.iter().map(|c| c.name.as_str()).collect();
        let mut used: BTreeMap<i64, &str> = BTreeMap::new();
        for (name, id) in &inputs.cluster_ids {
            let path = crate::property::join_key("clusterIds", name);
            if !v.is_unknown("clusters") && !names.contains(name.as_str()) {
                v.fail(
                    &path,
                    format!("'{name}' is not the name of any cluster in clusters"),
                );
            }
            if !(1..=MAX_CLUSTERS as i64).contains(id) {
                v.fail(
                    &path,
                    format!("{id} is not a valid Cilium cluster id; use 1 to 255"),
                );
            } else if let Some(other) = used.insert(*id, name) {
                v.fail(
                    &path,
                    format!(
                        "cluster id {id} is also given to '{other}'; cluster ids must be unique"
                    ),
                );
            }
        }
    }
    if !v.is_unknown("apiServerIpOffset") {
        if let Some(offset) = inputs.api_server_ip_offset {
            if offset < 1 {
                v.fail("apiServerIpOffset", format!("{offset} is not a valid offset: it counts addresses down from the node subnet's last (broadcast) address, so use 1 or more (default {DEFAULT_API_SERVER_IP_OFFSET})"));
                return;
            }
        }
    }
    if v.is_unknown("clusters") || v.is_unknown("apiServerIpOffset") {
        return;
    }
    // Every cluster's IP must fit inside its node subnet's usable addresses.
    let offset = inputs.api_server_ip_offset();
    for (i, cluster) in inputs.clusters.iter().enumerate() {
        let Some(Ok(subnet)) = cluster.node_subnet_cidr.as_deref().map(net::parse_cidr) else {
            continue;
        };
        if first_api_server_candidate(subnet, offset).is_none() {
            v.fail(
                &format!("clusters[{i}].nodeSubnetCidr"),
                format!("the node subnet {subnet} has no usable address {offset} below its last address for the clustermesh-apiserver load balancer; lower apiServerIpOffset or use a larger subnet"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// selfManaged: pure computation

fn self_managed_id(inputs: &CiliumMeshInputs) -> String {
    format!("cilium-mesh/{}", inputs.name_prefix)
}

/// Azure reserves the first four addresses and the last (broadcast) of every subnet.
fn usable_range(subnet: Ipv4Net) -> (u32, u32) {
    let trunc = subnet.trunc();
    (
        u32::from(trunc.network()).saturating_add(4),
        u32::from(trunc.broadcast()).saturating_sub(1),
    )
}

/// The default clustermesh-apiserver IP: `offset` addresses below the broadcast address.
fn first_api_server_candidate(subnet: Ipv4Net, offset: i64) -> Option<u32> {
    let (low, _) = usable_range(subnet);
    let broadcast = u32::from(subnet.trunc().broadcast());
    let offset = u32::try_from(offset).ok()?;
    let candidate = broadcast.checked_sub(offset)?;
    (candidate >= low && offset >= 1).then_some(candidate)
}

/// Cluster ids and load-balancer IPs: existing clusters keep theirs, new ones get the lowest free
/// id and the first free address at or below the default position.
fn self_managed_clusters(
    inputs: &CiliumMeshInputs,
    previous: Option<&CiliumMeshState>,
) -> Result<Vec<MeshClusterOutput>, String> {
    let offset = inputs.api_server_ip_offset();
    let previous_offset = previous.map(|p| {
        p.api_server_ip_offset
            .unwrap_or(DEFAULT_API_SERVER_IP_OFFSET)
    });
    let old: BTreeMap<&str, &MeshClusterOutput> = previous
        .map(|p| p.clusters.iter().map(|c| (c.name.as_str(), c)).collect())
        .unwrap_or_default();

    // Ids: explicit first, then kept, then lowest free.
    let mut ids: BTreeMap<&str, i64> = BTreeMap::new();
    let mut taken: BTreeSet<i64> = BTreeSet::new();
    for cluster in &inputs.clusters {
        if let Some(id) = inputs.cluster_ids.get(&cluster.name) {
            ids.insert(&cluster.name, *id);
            taken.insert(*id);
        }
    }
    for cluster in &inputs.clusters {
        if ids.contains_key(cluster.name.as_str()) {
            continue;
        }
        if let Some(kept) = old.get(cluster.name.as_str()).map(|c| c.cluster_id) {
            if !taken.contains(&kept) {
                ids.insert(&cluster.name, kept);
                taken.insert(kept);
            }
        }
    }
    for cluster in &inputs.clusters {
        if ids.contains_key(cluster.name.as_str()) {
            continue;
        }
        let free = (1..=MAX_CLUSTERS as i64)
            .find(|id| !taken.contains(id))
            .ok_or_else(|| "no free Cilium cluster id left (at most 255 clusters)".to_string())?;
        ids.insert(&cluster.name, free);
        taken.insert(free);
    }

    // IPs: kept when still inside the node subnet and the offset is unchanged, else picked.
    let mut ips: BTreeMap<&str, u32> = BTreeMap::new();
    let mut used: BTreeSet<u32> = BTreeSet::new();
    let subnet_of = |cluster: &MeshClusterInputs| -> Result<Ipv4Net, String> {
        cluster
            .node_subnet_cidr
            .as_deref()
            .ok_or_else(|| format!("cluster '{}' has no nodeSubnetCidr", cluster.name))
            .and_then(|text| net::parse_cidr(text).map_err(|e| e.to_string()))
    };
    if previous_offset == Some(offset) {
        for cluster in &inputs.clusters {
            let subnet = subnet_of(cluster)?;
            let (low, high) = usable_range(subnet);
            if let Some(ip) = old
                .get(cluster.name.as_str())
                .and_then(|c| c.api_server_ip.parse::<Ipv4Addr>().ok())
                .map(u32::from)
                .filter(|ip| (low..=high).contains(ip) && !used.contains(ip))
            {
                ips.insert(&cluster.name, ip);
                used.insert(ip);
            }
        }
    }
    for cluster in &inputs.clusters {
        if ips.contains_key(cluster.name.as_str()) {
            continue;
        }
        let subnet = subnet_of(cluster)?;
        let (low, _) = usable_range(subnet);
        let start = first_api_server_candidate(subnet, offset).ok_or_else(|| {
            format!(
                "the node subnet {subnet} of '{}' has no usable address {offset} below its last",
                cluster.name
            )
        })?;
        let ip = (low..=start)
            .rev()
            .find(|ip| !used.contains(ip))
            .ok_or_else(|| format!("no free address left in {subnet} for '{}'", cluster.name))?;
        ips.insert(&cluster.name, ip);
        used.insert(ip);
    }

    let endpoints: Vec<(&str, String)> = inputs
        .clusters
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                Ipv4Addr::from(ips[c.name.as_str()]).to_string(),
            )
        })
        .collect();
    Ok(inputs
        .clusters
        .iter()
        .map(|cluster| {
            let ip = Ipv4Addr::from(ips[cluster.name.as_str()]).to_string();
            let id = ids[cluster.name.as_str()];
            let peers: Vec<Value> = endpoints
                .iter()
                .filter(|(name, _)| *name != cluster.name)
                .map(|(name, ip)| json!({"name": name, "ips": [ip], "port": CLUSTERMESH_PORT}))
                .collect();
            let mut values = json!({
                "cluster": {"name": cluster.name, "id": id},
                "clustermesh": {
                    "useAPIServer": true,
                    "apiserver": {"service": {
                        "type": "LoadBalancer",
                        "loadBalancerIP": ip,
                        "annotations": {
                            INTERNAL_LB_ANNOTATION: "true",
                            LB_IPV4_ANNOTATION: ip,
                        },
                    }},
                    "config": {"enabled": true, "clusters": peers},
                },
            });
            if let Some(pod_cidr) = cluster.pod_cidr.as_deref() {
                values["ipam"] = json!({
                    "mode": "cluster-pool",
                    "operator": {"clusterPoolIPv4PodCIDRList": [pod_cidr]},
                });
            }
            MeshClusterOutput {
                name: cluster.name.clone(),
                cluster_id: id,
                api_server_ip: ip,
                helm_values: values,
            }
        })
        .collect())
}

fn generate_ca() -> Result<MeshCa, String> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let key = KeyPair::generate().map_err(|e| format!("generating the mesh CA key: {e}"))?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "Cilium CA");
    name.push(DnType::OrganizationName, "aksmesh");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365 * 10);
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("signing the mesh CA: {e}"))?;
    Ok(MeshCa {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

fn self_managed_state(
    inputs: &CiliumMeshInputs,
    previous: Option<&CiliumMeshState>,
) -> Result<CiliumMeshState, String> {
    let clusters = self_managed_clusters(inputs, previous)?;
    let ca = match previous.and_then(|p| p.ca.clone()) {
        Some(ca) => ca,
        None => generate_ca()?,
    };
    Ok(CiliumMeshState {
        mode: Some(CiliumMeshMode::SelfManaged),
        name_prefix: inputs.name_prefix.clone(),
        ca: Some(ca),
        clusters,
        api_server_ip_offset: Some(inputs.api_server_ip_offset()),
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------------------
// fleet: Azure Fleet Manager

fn mesh_status(member: &FleetMember) -> (String, Option<String>) {
    let status = member.properties.status.as_ref();
    let state = status
        .and_then(|s| s.get("clusterMeshStatus"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let message = status
        .and_then(|s| s.get("clusterMeshMessage"))
        .and_then(Value::as_str)
        .map(str::to_string);
    (state, message)
}

fn member_body(cluster_resource_id: &str, label: Option<(&str, &str)>) -> FleetMember {
    FleetMember {
        properties: FleetMemberProperties {
            cluster_resource_id: cluster_resource_id.to_string(),
            labels: Some(
                label
                    .map(|(k, v)| BTreeMap::from([(k.to_string(), v.to_string())]))
                    .unwrap_or_default(),
            ),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Creates or converges the fleet mesh. Every step is idempotent, so a re-run resumes.
async fn apply_fleet(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &CiliumMeshInputs,
    previous: Option<&CiliumMeshState>,
) -> Result<(String, CiliumMeshState), ResourceError<CiliumMeshState>> {
    let subscription = azure.subscription_id().to_string();
    let group = inputs.resource_group_name.clone().unwrap_or_default();
    let fleet_name = inputs.fleet_name();
    let fleet = fleet_id(&subscription, &group, &fleet_name).to_string();
    let profile_name = inputs.profile_name();
    let profile =
        cluster_mesh_profile_id(&subscription, &group, &fleet_name, &profile_name).to_string();
    let label = inputs.member_label();
    let (label_key, label_value) = label.split_once('=').unwrap_or((label.as_str(), ""));
    let fleet_created = inputs.fleet_name.is_none();

    let mut state = CiliumMeshState {
        mode: Some(CiliumMeshMode::Fleet),
        name_prefix: inputs.name_prefix.clone(),
        resource_group_name: Some(group.clone()),
        fleet_name: Some(fleet_name.clone()),
        fleet_id: Some(fleet.clone()),
        fleet_created,
        location: inputs.location.clone(),
        cluster_mesh_profile_id: Some(profile.clone()),
        member_label: Some(label.clone()),
        members: previous.map(|p| p.members.clone()).unwrap_or_default(),
        ..Default::default()
    };
    // Once the fleet exists (ours, or the user's), failures leave something to resume from.
    let partial = |error: String, state: &CiliumMeshState| ResourceError::Partial {
        id: profile.clone(),
        state: state.clone(),
        reason: error,
    };

    if fleet_created {
        let body = Fleet {
            location: inputs.location.clone(),
            tags: Some(managed_tags(&inputs.tags)),
            properties: Some(FleetProperties::default()),
            ..Default::default()
        };
        let options = operation_options(context, format!("creating fleet {fleet_name}"));
        azure
            .put::<_, Fleet>(&fleet, api_versions::FLEET, &body, &options)
            .await
            .map_err(|e| azure_failure(e, previous.map(|p| (profile.clone(), p.clone()))))?;
    } else {
        match azure.get::<Fleet>(&fleet, api_versions::FLEET).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(ResourceError::Failed(format!(
                    "the fleet {fleet_name} was not found in resource group {group}; create it first or leave fleetName unset so aksmesh creates fleet-{}",
                    inputs.name_prefix
                )))
            }
            Err(e) => return Err(azure_failure(e, previous.map(|p| (profile.clone(), p.clone())))),
        }
    }

    // Members: one per cluster, labelled for the profile.
    let mut members = Vec::new();
    for cluster in &inputs.clusters {
        let member_id =
            fleet_member_id(&subscription, &group, &fleet_name, &cluster.name).to_string();
        let options = operation_options(
            context,
            format!("adding {} to fleet {fleet_name}", cluster.name),
        );
        azure
            .put::<_, FleetMember>(
                &member_id,
                api_versions::FLEET,
                &member_body(&cluster.cluster_id, Some((label_key, label_value))),
                &options,
            )
            .await
            .map_err(|e| partial(e.to_string(), &state))?;
        members.push(MeshMember {
            name: cluster.name.clone(),
            member_id,
            cluster_resource_id: cluster.cluster_id.clone(),
            status: String::new(),
        });
    }
    // Members of clusters no longer listed lose the label, so the next apply disconnects them.
    let removed: Vec<MeshMember> = state
        .members
        .iter()
        .filter(|old| {
            !members
                .iter()
                .any(|m| ids_equal(&m.member_id, &old.member_id))
        })
        .cloned()
        .collect();
    for old in &removed {
        let options = operation_options(context, format!("removing {} from the mesh", old.name));
        match azure
            .put::<_, FleetMember>(
                &old.member_id,
                api_versions::FLEET,
                &member_body(&old.cluster_resource_id, None),
                &options,
            )
            .await
        {
            Ok(_) => {}
            // The cluster (or member) is already gone; nothing to disconnect.
            Err(e) if e.is_not_found() || e.status() == Some(400) => {}
            Err(e) => return Err(partial(e.to_string(), &state)),
        }
    }
    state.members = members.iter().chain(removed.iter()).cloned().collect();

    let body = ClusterMeshProfile {
        properties: ClusterMeshProfileProperties {
            member_selector: Some(MemberSelector {
                by_label: label.clone(),
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!("creating cluster mesh profile {profile_name}"),
    );
    azure
        .put::<_, ClusterMeshProfile>(&profile, api_versions::FLEET, &body, &options)
        .await
        .map_err(|e| partial(e.to_string(), &state))?;

    apply_profile(azure, context, &profile, &profile_name)
        .await
        .map_err(|e| partial(e, &state))?;
    wait_for_members(azure, context, &mut state, &members, &removed)
        .await
        .map_err(|e| partial(e, &state))?;

    // Disconnected members of removed clusters are deleted.
    for old in &removed {
        let options = operation_options(context, format!("deleting fleet member {}", old.name));
        let mut result = azure
            .delete(&old.member_id, api_versions::FLEET, &options)
            .await;
        if matches!(&result, Err(e) if e.status() == Some(409)) {
            // Still in the mesh: apply again (the label is gone), then retry once.
            apply_profile(azure, context, &profile, &profile_name)
                .await
                .map_err(|e| partial(e, &state))?;
            result = azure
                .delete(&old.member_id, api_versions::FLEET, &options)
                .await;
        }
        result.map_err(|e| partial(e.to_string(), &state))?;
    }
    state.members = members
        .into_iter()
        .map(|mut m| {
            m.status = state
                .members
                .iter()
                .find(|s| s.member_id == m.member_id)
                .map(|s| s.status.clone())
                .unwrap_or_default();
            m
        })
        .collect();
    Ok((profile, state))
}

async fn apply_profile(
    azure: &ArmClient,
    context: &OperationContext,
    profile: &str,
    profile_name: &str,
) -> Result<(), String> {
    let options = operation_options(
        context,
        format!("applying cluster mesh profile {profile_name}"),
    );
    azure
        .post::<(), Value>(
            &format!("{profile}/apply"),
            api_versions::FLEET,
            None,
            &options,
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("applying cluster mesh profile {profile_name} failed: {e}"))
}

/// Polls until every listed member is `Connected` and every removed one has left the mesh.
async fn wait_for_members(
    azure: &ArmClient,
    context: &OperationContext,
    state: &mut CiliumMeshState,
    members: &[MeshMember],
    removed: &[MeshMember],
) -> Result<(), String> {
    let mut schedule = PollSchedule::new(context, Duration::from_secs(2), Duration::from_secs(30));
    loop {
        let mut waiting = Vec::new();
        for member in members.iter().chain(removed) {
            let live = azure
                .get::<FleetMember>(&member.member_id, api_versions::FLEET)
                .await
                .map_err(|e| e.to_string())?;
            let wanted = members.iter().any(|m| m.member_id == member.member_id);
            let (status, message) = live.as_ref().map(mesh_status).unwrap_or_default();
            if let Some(s) = state
                .members
                .iter_mut()
                .find(|s| s.member_id == member.member_id)
            {
                s.status = status.clone();
            }
            if wanted {
                match status.as_str() {
                    "Connected" => {}
                    "Failed" => {
                        return Err(format!(
                            "fleet member {} failed to join the cluster mesh: {}",
                            member.name,
                            message.unwrap_or_else(|| "no reason given".into())
                        ))
                    }
                    _ if live.is_none() => {
                        return Err(format!("fleet member {} disappeared", member.name))
                    }
                    other => waiting.push(format!(
                        "{} ({})",
                        member.name,
                        if other.is_empty() {
                            "not in mesh"
                        } else {
                            other
                        }
                    )),
                }
            } else if matches!(
                status.as_str(),
                "Connecting" | "Connected" | "Disconnecting"
            ) {
                waiting.push(format!("{} leaving ({status})", member.name));
            }
        }
        if waiting.is_empty() {
            return Ok(());
        }
        let what = format!("cluster mesh members: {}", waiting.join(", "));
        context.progress(&format!("waiting for {what}"));
        schedule.pause(&what).await?;
    }
}

async fn read_fleet(
    azure: &ArmClient,
    id: &str,
    old: Option<(&CiliumMeshInputs, &CiliumMeshState)>,
) -> Result<Option<ReadResult<CiliumMeshInputs, CiliumMeshState>>, ResourceError<CiliumMeshState>> {
    let profile_id = ResourceId::parse(id).map_err(|e| {
        ResourceError::Failed(format!(
            "'{id}' is not a cluster mesh profile resource id: {e}"
        ))
    })?;
    let Some(fleet) = profile_id.parent() else {
        return Err(ResourceError::Failed(format!(
            "'{id}' is not a cluster mesh profile resource id"
        )));
    };
    let Some(profile) = azure
        .get::<ClusterMeshProfile>(profile_id.as_str(), api_versions::FLEET)
        .await?
    else {
        return Ok(None);
    };
    let live_fleet = azure
        .get::<Fleet>(fleet.as_str(), api_versions::FLEET)
        .await?;
    let group = profile_id.resource_group().unwrap_or_default().to_string();
    let label = profile
        .properties
        .member_selector
        .as_ref()
        .map(|s| s.by_label.clone())
        .unwrap_or_default();
    let live_members: Vec<FleetMember> = azure
        .list(&format!("{}/members", fleet.as_str()), api_versions::FLEET)
        .await?;
    let labelled = |member: &FleetMember| {
        label.split_once('=').is_some_and(|(k, v)| {
            member
                .properties
                .labels
                .as_ref()
                .and_then(|l| l.get(k))
                .is_some_and(|value| value == v)
        })
    };
    let find = |name: &str| {
        live_members.iter().find(|m| {
            m.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    let (inputs, mut state) = match old {
        Some((inputs, state)) => {
            // Clusters whose member is gone or unlabelled drop out of the inputs, so the diff
            // shows them and the next update puts them back.
            let mut inputs = inputs.clone();
            inputs
                .clusters
                .retain(|c| find(&c.name).is_some_and(labelled));
            let mut state = state.clone();
            state.location = live_fleet
                .as_ref()
                .and_then(|f| f.location.clone())
                .or(state.location);
            (inputs, state)
        }
        None => {
            let prefix = profile_id
                .name()
                .strip_prefix("mesh-")
                .unwrap_or(profile_id.name())
                .to_string();
            let fleet_name = fleet.name().to_string();
            let created = fleet_name == format!("fleet-{prefix}");
            let inputs = CiliumMeshInputs {
                mode: Some(CiliumMeshMode::Fleet),
                name_prefix: prefix.clone(),
                resource_group_name: Some(group.clone()),
                fleet_name: (!created).then(|| fleet_name.clone()),
                location: live_fleet.as_ref().and_then(|f| f.location.clone()),
                member_label: (label != format!("aksmesh-mesh={prefix}")).then(|| label.clone()),
                clusters: live_members
                    .iter()
                    .filter(|m| labelled(m))
                    .map(|m| MeshClusterInputs {
                        name: m.name.clone().unwrap_or_default(),
                        cluster_id: m.properties.cluster_resource_id.clone(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            };
            let state = CiliumMeshState {
                mode: Some(CiliumMeshMode::Fleet),
                name_prefix: prefix,
                resource_group_name: Some(group.clone()),
                fleet_name: Some(fleet_name),
                fleet_id: Some(fleet.to_string()),
                fleet_created: created,
                location: inputs.location.clone(),
                cluster_mesh_profile_id: Some(profile_id.to_string()),
                member_label: Some(label.clone()),
                ..Default::default()
            };
            (inputs, state)
        }
    };
    state.members = inputs
        .clusters
        .iter()
        .filter_map(|c| find(&c.name))
        .map(|m| MeshMember {
            name: m.name.clone().unwrap_or_default(),
            member_id: m.id.clone().unwrap_or_default(),
            cluster_resource_id: m.properties.cluster_resource_id.clone(),
            status: mesh_status(m).0,
        })
        .collect();
    // Keep ids as first written (ARM may change their case).
    if let Some((_, old_state)) = old {
        for member in &mut state.members {
            if let Some(previous) = old_state
                .members
                .iter()
                .find(|p| ids_equal(&p.member_id, &member.member_id))
            {
                member.member_id = previous.member_id.clone();
            }
        }
    }
    Ok(Some(ReadResult {
        id: id.to_string(),
        inputs,
        state,
    }))
}

async fn delete_fleet(
    azure: &ArmClient,
    context: &OperationContext,
    state: &CiliumMeshState,
) -> Result<(), ResourceError<CiliumMeshState>> {
    let failed = |e: AzureError| ResourceError::Failed(e.to_string());
    if let Some(profile) = &state.cluster_mesh_profile_id {
        let options = operation_options(context, "deleting the cluster mesh profile".into());
        azure
            .delete(profile, api_versions::FLEET, &options)
            .await
            .map_err(failed)?;
    }
    for member in &state.members {
        let options = operation_options(context, format!("deleting fleet member {}", member.name));
        azure
            .delete(&member.member_id, api_versions::FLEET, &options)
            .await
            .map_err(failed)?;
    }
    if state.fleet_created {
        if let Some(fleet) = &state.fleet_id {
            let options = operation_options(
                context,
                format!(
                    "deleting fleet {}",
                    state.fleet_name.clone().unwrap_or_default()
                ),
            );
            azure
                .delete(fleet, api_versions::FLEET, &options)
                .await
                .map_err(failed)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::Annotations;

    fn byo(name: &str, node: &str, pod: &str) -> MeshClusterInputs {
        MeshClusterInputs {
            name: name.into(),
            location: "eastus".into(),
            pod_networking: Some(PodNetworking::ByoCni),
            pod_cidr: Some(pod.into()),
            node_subnet_cidr: Some(node.into()),
            vnet_id: format!("vnet-{name}"),
            ..Default::default()
        }
    }

    fn self_managed(clusters: Vec<MeshClusterInputs>) -> CiliumMeshInputs {
        let names: Vec<String> = clusters.iter().map(|c| c.vnet_id.clone()).collect();
        let mut pairs = Vec::new();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                pairs.push(VnetPair {
                    from: a.clone(),
                    to: b.clone(),
                });
            }
        }
        CiliumMeshInputs {
            mode: Some(CiliumMeshMode::SelfManaged),
            clusters,
            peered_vnet_pairs: pairs,
            name_prefix: "mesh".into(),
            ..Default::default()
        }
    }

    fn check(inputs: &mut CiliumMeshInputs) -> Vec<CheckFailure> {
        let unknowns = Annotations::default();
        CiliumMesh.check(
            inputs,
            None,
            &CheckContext {
                unknowns: &unknowns,
                name: "mesh",
            },
        )
    }

    #[test]
    fn default_api_server_ip_is_tenth_from_last() {
        let subnet = net::parse_cidr("10.0.0.0/16").unwrap();
        let ip = first_api_server_candidate(subnet, 10).unwrap();
        assert_eq!(Ipv4Addr::from(ip).to_string(), "10.0.255.245");
        assert!(first_api_server_candidate(net::parse_cidr("10.0.0.0/29").unwrap(), 10).is_none());
    }

    #[test]
    fn ids_and_ips_are_stable_and_do_not_collide() {
        let inputs = self_managed(vec![
            byo("east", "10.0.0.0/16", "10.100.0.0/16"),
            byo("west", "10.0.0.0/16", "10.101.0.0/16"),
        ]);
        assert!(check(&mut inputs.clone()).is_empty());
        let first = self_managed_state(&inputs, None).unwrap();
        assert_eq!(first.clusters[0].api_server_ip, "10.0.255.245");
        assert_eq!(first.clusters[1].api_server_ip, "10.0.255.244");
        let mut grown = inputs.clone();
        grown
            .clusters
            .insert(0, byo("north", "10.4.0.0/16", "10.102.0.0/16"));
        let second = self_managed_state(&grown, Some(&first)).unwrap();
        assert_eq!(second.ca, first.ca);
        let by_name = |s: &CiliumMeshState, n: &str| {
            s.clusters.iter().find(|c| c.name == n).cloned().unwrap()
        };
        for name in ["east", "west"] {
            assert_eq!(
                by_name(&second, name).cluster_id,
                by_name(&first, name).cluster_id
            );
            assert_eq!(
                by_name(&second, name).api_server_ip,
                by_name(&first, name).api_server_ip
            );
        }
        assert_eq!(by_name(&second, "north").cluster_id, 3);
        let peers = &by_name(&second, "north").helm_values["clustermesh"]["config"]["clusters"];
        assert_eq!(peers.as_array().unwrap().len(), 2);
    }

    #[test]
    fn overlay_with_managed_cilium_names_both_routes() {
        let mut inputs = self_managed(vec![byo("east", "10.0.0.0/16", "10.100.0.0/16")]);
        inputs.clusters[0].pod_networking = Some(PodNetworking::Overlay);
        let failures = check(&mut inputs);
        assert!(
            failures
                .iter()
                .any(|f| f.property == "clusters[0].podNetworking"
                    && f.reason.contains("Azure/AKS#5194")),
            "{failures:?}"
        );
    }
}
