//! CiliumMesh's contract: its inputs and state, the names and defaults they resolve to, and the
//! limits both modes share.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::vocabulary::{CiliumMeshMode, NetworkDataplane, PodNetworking};

/// Cilium and Fleet both cap a mesh at 255 clusters (`cluster.id` 1–255).
pub const MAX_CLUSTERS: usize = 255;
/// Default position of the clustermesh-apiserver IP: this many addresses below the node subnet's
/// broadcast address, i.e. the 10th-from-last address (AKS hands node IPs out from the start).
pub const DEFAULT_API_SERVER_IP_OFFSET: i64 = 10;
/// Port of the clustermesh-apiserver's etcd.
pub const CLUSTERMESH_PORT: i64 = 2379;
/// Port of the AKS API server (its FQDN listens on 443).
pub const AKS_API_SERVER_PORT: i64 = 443;

/// Why overlay clusters with managed Cilium cannot be meshed, and what works instead.
pub const OVERLAY_MANAGED_CILIUM_REASON: &str = "Cilium Cluster Mesh cannot run on Azure CNI Overlay clusters with AKS-managed Cilium: AKS manages that Cilium and reconciles a self-installed cluster mesh away (Azure/AKS#5194), and Fleet Manager's managed cluster mesh needs flat pod networking with ACNS (tunnelled overlay is unsupported). Two routes work: mode `fleet` with clusters using podNetworking flat (a pod subnet), networkDataplane cilium and advancedNetworking (ACNS) true on Kubernetes 1.32+; or mode `selfManaged` with BYO CNI clusters (podNetworking byoCni) where you install Cilium with Helm using this resource's helmValues";

/// One cluster of the mesh: the RegionalCluster and RegionalNetwork outputs it needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeshClusterInputs {
    /// Unique mesh name of the cluster (e.g. its region): Cilium `cluster.name` and Fleet member name.
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
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
    /// selfManaged: the cluster's API server FQDN (RegionalCluster's `fqdn`). With it the Helm values
    /// turn on Cilium's kube-proxy replacement (`kubeProxyReplacement`, `k8sServiceHost`,
    /// `k8sServicePort` 443), which nodes need to reach a global service's backends in other
    /// clusters; without it nodes reach only the local backends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server_fqdn: Option<String>,
}

/// Two VNets that are peered with each other (either direction; ids or names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VnetPair {
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub from: String,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CiliumMeshInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-required" = true))]
    pub mode: Option<CiliumMeshMode>,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub clusters: Vec<MeshClusterInputs>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peered_vnet_pairs: Vec<VnetPair>,
    /// Prefix of the Azure names (fleet mode); defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("x-resolved" = true))]
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
    pub(super) fn fleet_name(&self) -> String {
        self.fleet_name
            .clone()
            .unwrap_or_else(|| format!("fleet-{}", self.name_prefix))
    }

    pub(super) fn profile_name(&self) -> String {
        format!("mesh-{}", self.name_prefix)
    }

    pub(super) fn member_label(&self) -> String {
        self.member_label
            .clone()
            .unwrap_or_else(|| format!("aksmesh-mesh={}", self.name_prefix))
    }

    pub(super) fn api_server_ip_offset(&self) -> i64 {
        self.api_server_ip_offset
            .unwrap_or(DEFAULT_API_SERVER_IP_OFFSET)
    }
}

/// The shared Cilium CA (`cilium-ca`), PEM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeshCa {
    pub cert: String,
    pub key: String,
}

/// One cluster's mesh identity and Helm values (selfManaged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeshClusterOutput {
    pub name: String,
    /// Cilium `cluster.id`, 1–255.
    pub cluster_id: i64,
    pub api_server_ip: String,
    /// Values for the Cilium Helm chart, ready to install: they carry the shared CA, so they are
    /// secret.
    #[schemars(extend("secret" = true))]
    pub helm_values: Value,
}

/// One Fleet member (fleet mode).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeshMember {
    pub name: String,
    pub member_id: String,
    /// The AKS cluster's resource id.
    pub cluster_resource_id: String,
    /// `Connecting`, `Connected`, `Failed`, …, or empty when not in the mesh.
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CiliumMeshState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-required" = true))]
    pub mode: Option<CiliumMeshMode>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("x-required" = true))]
    pub name_prefix: String,
    /// selfManaged: the shared CA (secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<MeshCa>,
    /// selfManaged: per-cluster identity and Helm values; empty in fleet mode.
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
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
    #[schemars(extend("x-required" = true))]
    pub members: Vec<MeshMember>,
    /// fleet: what refresh found wrong in Azure that no input shows (the fleet aksmesh created, a
    /// member or the cluster mesh profile whose last write Failed); the next `up` writes it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band_changes: Vec<String>,
}
