//! `Microsoft.ContainerService/managedClusters` (api-version 2026-05-01).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::Tags;
use crate::azure::error::{AzureError, AzureResult};

/// An AKS cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedCluster {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// ETag (read-only).
    #[serde(default, skip_serializing)]
    pub e_tag: Option<String>,
    /// Azure region.
    pub location: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Cluster identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ManagedClusterIdentity>,
    /// SKU (`Base`/`Automatic`, tier `Free`/`Standard`/`Premium`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<ManagedClusterSku>,
    /// Properties.
    #[serde(default)]
    pub properties: ManagedClusterProperties,
}

/// Identity of the cluster's control plane.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterIdentity {
    /// `SystemAssigned`, `UserAssigned` or `None`.
    #[serde(rename = "type")]
    pub identity_type: String,
    /// User-assigned identities by resource id (values are filled in by Azure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_assigned_identities: Option<BTreeMap<String, UserAssignedIdentity>>,
    /// Object id of the system-assigned identity (read-only).
    #[serde(default, skip_serializing)]
    pub principal_id: Option<String>,
    /// Tenant of the system-assigned identity (read-only).
    #[serde(default, skip_serializing)]
    pub tenant_id: Option<String>,
}

/// A user-assigned identity entry; all its fields are read-only, so it serialises as `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentity {
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub principal_id: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub client_id: Option<String>,
}

/// Cluster SKU.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterSku {
    /// `Base` or `Automatic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Free`, `Standard` or `Premium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// Properties of a cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterProperties {
    /// DNS prefix of the API server (immutable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_prefix: Option<String>,
    /// Requested version, `major.minor` or `major.minor.patch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// Version actually running (read-only).
    #[serde(default, skip_serializing)]
    pub current_kubernetes_version: Option<String>,
    /// Kubernetes RBAC (immutable).
    #[serde(
        default,
        rename = "enableRBAC",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_rbac: Option<bool>,
    /// OIDC issuer for workload identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_issuer_profile: Option<OidcIssuerProfile>,
    /// Inline agent pools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_pool_profiles: Option<Vec<AgentPoolProfile>>,
    /// Networking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_profile: Option<NetworkProfile>,
    /// Node resource group name (settable at creation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<String>,
    /// Disables local (admin) accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_local_accounts: Option<bool>,
    /// `KubernetesOfficial` or `AKSLongTermSupport`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_plan: Option<String>,
    /// The cluster autoscaler's settings, for every autoscaled pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_scaler_profile: Option<AutoScalerProfile>,
    /// Who reaches the API server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server_access_profile: Option<ApiServerAccessProfile>,
    /// Automatic upgrades of Kubernetes and of the nodes' OS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_upgrade_profile: Option<AutoUpgradeProfile>,
    /// Security features; aksmesh turns on the workload identity webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_profile: Option<SecurityProfile>,
    /// API server FQDN (read-only).
    #[serde(default, skip_serializing)]
    pub fqdn: Option<String>,
    /// Private API server FQDN (read-only).
    #[serde(default, skip_serializing, rename = "privateFQDN")]
    pub private_fqdn: Option<String>,
    /// `Running` or `Stopped` (read-only here; start/stop are actions).
    #[serde(default, skip_serializing)]
    pub power_state: Option<PowerState>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Kubelet identity and friends as reported by Azure (read-only here).
    #[serde(default, skip_serializing)]
    pub identity_profile: Option<BTreeMap<String, IdentityProfileEntry>>,
}

/// `ManagedClusterAutoUpgradeProfile`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoUpgradeProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_channel: Option<String>,
    #[serde(
        default,
        rename = "nodeOSUpgradeChannel",
        skip_serializing_if = "Option::is_none"
    )]
    pub node_os_upgrade_channel: Option<String>,
}

/// `ManagedClusterSecurityProfile`, the part aksmesh sets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_identity: Option<Toggle>,
}

/// A profile that is only switched on or off (`{"enabled": true}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Toggle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// API server access (`ManagedClusterAPIServerAccessProfile`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServerAccessProfile {
    /// CIDRs allowed to reach the public API server; empty disables the restriction.
    #[serde(
        default,
        rename = "authorizedIPRanges",
        skip_serializing_if = "Option::is_none"
    )]
    pub authorized_ip_ranges: Option<Vec<String>>,
}

/// OIDC issuer settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcIssuerProfile {
    /// Whether the issuer is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Issuer URL (read-only).
    #[serde(default, skip_serializing, rename = "issuerURL")]
    pub issuer_url: Option<String>,
}

/// Power state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PowerState {
    /// `Running` or `Stopped`.
    #[serde(default)]
    pub code: Option<String>,
}

/// An identity AKS created for the cluster (e.g. `kubeletidentity`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProfileEntry {
    /// Resource id of the identity.
    #[serde(default)]
    pub resource_id: Option<String>,
    /// Client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Object (principal) id.
    #[serde(default)]
    pub object_id: Option<String>,
}

/// The cluster autoscaler's settings (`autoScalerProfile`): ARM spells the keys as the
/// autoscaler's flags and every value as a string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoScalerProfile {
    /// Seconds between evaluations, e.g. `20s`.
    #[serde(
        rename = "scan-interval",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scan_interval: Option<String>,
    /// `least-waste`, `most-pods`, `priority` or `random`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expander: Option<String>,
    /// `true` or `false`.
    #[serde(
        rename = "balance-similar-node-groups",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub balance_similar_node_groups: Option<String>,
    /// Minutes, e.g. `10m`.
    #[serde(
        rename = "scale-down-delay-after-add",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scale_down_delay_after_add: Option<String>,
    /// Minutes, e.g. `10m`.
    #[serde(
        rename = "scale-down-unneeded-time",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scale_down_unneeded_time: Option<String>,
    /// A fraction, e.g. `0.5`.
    #[serde(
        rename = "scale-down-utilization-threshold",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scale_down_utilization_threshold: Option<String>,
    /// Seconds, e.g. `600`.
    #[serde(
        rename = "max-graceful-termination-sec",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_graceful_termination_sec: Option<String>,
    /// `true` or `false`.
    #[serde(
        rename = "skip-nodes-with-local-storage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub skip_nodes_with_local_storage: Option<String>,
}

/// `managedClusters/agentPools`: one pool as its own resource, so adding, changing or removing a
/// pool never writes the cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPool {
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Read-only: the URL names the pool.
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// The pool's settings; its `name` stays empty, so none is sent.
    pub properties: AgentPoolProfile,
}

/// Surge settings of a pool's upgrades.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPoolUpgradeSettings {
    /// A number ("1") or a percentage ("33%"); AKS's default is 10%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<String>,
}

/// An inline agent pool (and, without its name, an agent pool's properties).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPoolProfile {
    /// Pool name, `^[a-z][a-z0-9]{0,11}$`; empty in an agentPools body, whose URL names it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Azure tags of the pool's nodes; aksmesh marks which pool of the program a pool carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<super::Tags>,
    /// Surge settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_settings: Option<AgentPoolUpgradeSettings>,
    /// `System`, `User` or `Gateway`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Node count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    /// VM size, e.g. `Standard_D4s_v5` (immutable per pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    /// `Linux` or `Windows`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_type: Option<String>,
    /// OS SKU, e.g. `AzureLinux`.
    #[serde(default, rename = "osSKU", skip_serializing_if = "Option::is_none")]
    pub os_sku: Option<String>,
    /// `VirtualMachineScaleSets`, `AvailabilitySet` or `VirtualMachines`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub pool_type: Option<String>,
    /// Maximum pods per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods: Option<i32>,
    /// Node subnet (and pod subnet when no `pod_subnet_id`).
    #[serde(
        default,
        rename = "vnetSubnetID",
        skip_serializing_if = "Option::is_none"
    )]
    pub vnet_subnet_id: Option<String>,
    /// Pod subnet (flat pod-subnet mode).
    #[serde(
        default,
        rename = "podSubnetID",
        skip_serializing_if = "Option::is_none"
    )]
    pub pod_subnet_id: Option<String>,
    /// Kubernetes version of the pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator_version: Option<String>,
    /// Cluster autoscaler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_auto_scaling: Option<bool>,
    /// Autoscaler minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<i32>,
    /// Autoscaler maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<i32>,
    /// Availability zones, e.g. `["1", "2", "3"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zones: Option<Vec<String>>,
    /// `Managed` or `Ephemeral`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_disk_type: Option<String>,
    /// Node labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_labels: Option<BTreeMap<String, String>>,
    /// Node taints, `key=value:Effect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_taints: Option<Vec<String>>,
    /// Version running on the nodes (read-only).
    #[serde(default, skip_serializing)]
    pub current_orchestrator_version: Option<String>,
    /// Node image (read-only here, so that echoing a GET never triggers an image upgrade).
    #[serde(default, skip_serializing)]
    pub node_image_version: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only here.
    #[serde(default, skip_serializing)]
    pub power_state: Option<PowerState>,
}

/// Networking of a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkProfile {
    /// `azure`, `kubenet` or `none` (BYO CNI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_plugin: Option<String>,
    /// `overlay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_plugin_mode: Option<String>,
    /// `azure` or `cilium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_dataplane: Option<String>,
    /// `none`, `calico`, `azure` or `cilium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<String>,
    /// Pod CIDR (overlay / BYO CNI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// Service CIDR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<String>,
    /// DNS service address inside the service CIDR.
    #[serde(
        default,
        rename = "dnsServiceIP",
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_service_ip: Option<String>,
    /// `standard` or `basic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_sku: Option<String>,
    /// `loadBalancer`, `userDefinedRouting`, `managedNATGateway`, `userAssignedNATGateway`, `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_type: Option<String>,
    /// Advanced Container Networking Services (Cilium only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_networking: Option<AdvancedNetworking>,
    /// Filled in by AKS from `pod_cidr` (read-only here).
    #[serde(default, skip_serializing)]
    pub pod_cidrs: Option<Vec<String>>,
    /// Filled in by AKS from `service_cidr` (read-only here).
    #[serde(default, skip_serializing)]
    pub service_cidrs: Option<Vec<String>>,
    /// Filled in by AKS (read-only here).
    #[serde(default, skip_serializing)]
    pub ip_families: Option<Vec<String>>,
}

/// ACNS settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedNetworking {
    /// ACNS on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Network observability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observability: Option<AdvancedNetworkingObservability>,
    /// Advanced network security.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<AdvancedNetworkingSecurity>,
}

/// ACNS observability.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedNetworkingObservability {
    /// On or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// ACNS security.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedNetworkingSecurity {
    /// On or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `L7`, `FQDN` or `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_network_policies: Option<String>,
}

/// `GET …/locations/{location}/kubernetesVersions`: the versions AKS offers in a region
/// (`KubernetesVersionListResult`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesVersionList {
    #[serde(default)]
    pub values: Vec<KubernetesVersion>,
}

/// One minor version (`1.34`) and its patches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesVersion {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub is_preview: Option<bool>,
    /// Patch version → the versions it can upgrade to.
    #[serde(default)]
    pub patch_versions: BTreeMap<String, serde_json::Value>,
}

impl KubernetesVersionList {
    /// Whether `requested` (`1.34` or `1.34.2`) is offered: a minor alias needs its minor listed,
    /// a patch needs the patch listed.
    pub fn offers(&self, requested: &str) -> bool {
        self.values
            .iter()
            .any(|minor| minor.version == requested || minor.patch_versions.contains_key(requested))
    }

    /// The offered versions, minor aliases first, for messages.
    pub fn offered(&self) -> Vec<&str> {
        self.values
            .iter()
            .map(|minor| minor.version.as_str())
            .collect()
    }
}

/// Result of `listClusterUserCredential` / `listClusterAdminCredential`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResults {
    /// Kubeconfigs.
    #[serde(default)]
    pub kubeconfigs: Vec<CredentialResult>,
}

/// One kubeconfig.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResult {
    /// e.g. `clusterUser`.
    #[serde(default)]
    pub name: String,
    /// Base64 of the kubeconfig YAML.
    #[serde(default)]
    pub value: String,
}

impl std::fmt::Debug for CredentialResult {
    // A kubeconfig holds credentials: never print it.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CredentialResult")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl CredentialResult {
    /// The kubeconfig YAML.
    pub fn kubeconfig(&self) -> AzureResult<String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.value.trim())
            .map_err(|error| AzureError::decode("kubeconfig value", error))?;
        String::from_utf8(bytes).map_err(|error| AzureError::decode("kubeconfig value", error))
    }
}

impl CredentialResults {
    /// The first kubeconfig, decoded.
    pub fn first_kubeconfig(&self) -> AzureResult<String> {
        self.kubeconfigs
            .first()
            .ok_or_else(|| AzureError::Decode {
                message: "Azure returned no kubeconfig for the cluster".into(),
            })?
            .kubeconfig()
    }
}

impl ManagedCluster {
    /// Object id of the system-assigned identity, once Azure has created it.
    pub fn principal_id(&self) -> Option<&str> {
        self.identity.as_ref()?.principal_id.as_deref()
    }

    /// The OIDC issuer URL, when enabled.
    pub fn oidc_issuer_url(&self) -> Option<&str> {
        self.properties
            .oidc_issuer_profile
            .as_ref()?
            .issuer_url
            .as_deref()
    }

    /// The authorized ranges Azure reports (none: open to the internet).
    pub fn authorized_ip_ranges(&self) -> Vec<String> {
        self.properties
            .api_server_access_profile
            .as_ref()
            .and_then(|profile| profile.authorized_ip_ranges.clone())
            .unwrap_or_default()
    }

    /// The kubelet's identity as Azure reports it.
    pub fn kubelet_identity(&self) -> Option<&IdentityProfileEntry> {
        self.properties
            .identity_profile
            .as_ref()?
            .get("kubeletidentity")
    }

    /// Whether the workload identity webhook is on.
    pub fn workload_identity_enabled(&self) -> bool {
        self.properties
            .security_profile
            .as_ref()
            .and_then(|profile| profile.workload_identity.as_ref())
            .and_then(|toggle| toggle.enabled)
            .unwrap_or(false)
    }

    /// Object id of the kubelet identity.
    pub fn kubelet_object_id(&self) -> Option<&str> {
        self.kubelet_identity()?.object_id.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::api_versions::MANAGED_CLUSTERS;
    use crate::azure::ids;
    use crate::azure::models::schema_check::assert_valid_put;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    fn overlay_cluster() -> ManagedCluster {
        ManagedCluster {
            location: "westeurope".into(),
            tags: Some(Tags::from([("env".into(), "prod".into())])),
            identity: Some(ManagedClusterIdentity {
                identity_type: "SystemAssigned".into(),
                ..Default::default()
            }),
            sku: Some(ManagedClusterSku {
                name: Some("Base".into()),
                tier: Some("Free".into()),
            }),
            properties: ManagedClusterProperties {
                dns_prefix: Some("plat-weu".into()),
                kubernetes_version: Some("1.34".into()),
                enable_rbac: Some(true),
                oidc_issuer_profile: Some(OidcIssuerProfile {
                    enabled: Some(true),
                    issuer_url: None,
                }),
                agent_pool_profiles: Some(vec![AgentPoolProfile {
                    name: "system".into(),
                    mode: Some("System".into()),
                    count: Some(2),
                    vm_size: Some("Standard_D4s_v5".into()),
                    os_type: Some("Linux".into()),
                    pool_type: Some("VirtualMachineScaleSets".into()),
                    max_pods: Some(110),
                    vnet_subnet_id: Some(
                        ids::subnet_id(SUB, "rg", "vnet-weu", "nodes").to_string(),
                    ),
                    ..Default::default()
                }]),
                network_profile: Some(NetworkProfile {
                    network_plugin: Some("azure".into()),
                    network_plugin_mode: Some("overlay".into()),
                    network_dataplane: Some("cilium".into()),
                    network_policy: Some("cilium".into()),
                    pod_cidr: Some("10.32.0.0/13".into()),
                    service_cidr: Some("10.96.0.0/16".into()),
                    dns_service_ip: Some("10.96.0.10".into()),
                    load_balancer_sku: Some("standard".into()),
                    outbound_type: Some("loadBalancer".into()),
                    advanced_networking: Some(AdvancedNetworking {
                        enabled: Some(true),
                        observability: Some(AdvancedNetworkingObservability {
                            enabled: Some(true),
                        }),
                        security: Some(AdvancedNetworkingSecurity {
                            enabled: Some(true),
                            advanced_network_policies: None,
                        }),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn request_body_matches_schema() {
        let id = ids::managed_cluster_id(SUB, "rg", "aks-weu");
        let cluster = overlay_cluster();
        assert_valid_put(&format!("{id}?api-version={MANAGED_CLUSTERS}"), &cluster);
        let body = serde_json::to_value(&cluster).unwrap();
        assert_eq!(body["properties"]["enableRBAC"], true);
        assert_eq!(
            body["properties"]["networkProfile"]["dnsServiceIP"],
            "10.96.0.10"
        );
        assert_eq!(
            body["properties"]["agentPoolProfiles"][0]["vnetSubnetID"],
            ids::subnet_id(SUB, "rg", "vnet-weu", "nodes").to_string()
        );
    }

    #[test]
    fn pod_subnet_body_with_user_assigned_identity_matches_schema() {
        let mut cluster = overlay_cluster();
        let identity_id = format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks"
        );
        cluster.identity = Some(ManagedClusterIdentity {
            identity_type: "UserAssigned".into(),
            user_assigned_identities: Some(BTreeMap::from([(
                identity_id,
                UserAssignedIdentity {
                    principal_id: Some("read-only".into()),
                    client_id: Some("read-only".into()),
                },
            )])),
            ..Default::default()
        });
        let profile = cluster.properties.network_profile.as_mut().unwrap();
        profile.network_plugin_mode = None;
        profile.pod_cidr = None;
        let pools = cluster.properties.agent_pool_profiles.as_mut().unwrap();
        pools[0].pod_subnet_id = Some(ids::subnet_id(SUB, "rg", "vnet-weu", "pods").to_string());
        let id = ids::managed_cluster_id(SUB, "rg", "aks-weu");
        assert_valid_put(&format!("{id}?api-version={MANAGED_CLUSTERS}"), &cluster);
    }

    #[test]
    fn get_body_reads_outputs_and_echo_is_still_valid() {
        let cluster: ManagedCluster = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-weu",
            "name": "aks-weu",
            "type": "Microsoft.ContainerService/ManagedClusters",
            "location": "westeurope",
            "eTag": "abc",
            "identity": {"type": "SystemAssigned", "principalId": "p-1", "tenantId": "t-1"},
            "sku": {"name": "Base", "tier": "Free"},
            "properties": {
                "provisioningState": "Succeeded",
                "powerState": {"code": "Running"},
                "kubernetesVersion": "1.34",
                "currentKubernetesVersion": "1.34.2",
                "dnsPrefix": "plat-weu",
                "fqdn": "plat-weu-abc.hcp.westeurope.azmk8s.io",
                "enableRBAC": true,
                "nodeResourceGroup": "MC_rg_aks-weu_westeurope",
                "oidcIssuerProfile": {"enabled": true, "issuerURL": "https://westeurope.oic.prod-aks.azure.com/t/u/"},
                "identityProfile": {"kubeletidentity": {"resourceId": "/x", "clientId": "c", "objectId": "o-1"}},
                "agentPoolProfiles": [{
                    "name": "system", "count": 2, "vmSize": "Standard_D4s_v5", "mode": "System",
                    "osType": "Linux", "type": "VirtualMachineScaleSets", "maxPods": 110,
                    "provisioningState": "Succeeded", "powerState": {"code": "Running"},
                    "currentOrchestratorVersion": "1.34.2", "nodeImageVersion": "AKSUbuntu-2204"
                }],
                "networkProfile": {
                    "networkPlugin": "azure", "networkPluginMode": "overlay", "networkDataplane": "cilium",
                    "networkPolicy": "cilium", "podCidr": "10.32.0.0/13", "serviceCidr": "10.96.0.0/16",
                    "dnsServiceIP": "10.96.0.10", "outboundType": "loadBalancer", "loadBalancerSku": "standard",
                    "podCidrs": ["10.32.0.0/13"], "serviceCidrs": ["10.96.0.0/16"], "ipFamilies": ["IPv4"],
                    "loadBalancerProfile": {"effectiveOutboundIPs": [{"id": "/ip"}]}
                },
                "maxAgentPools": 100
            }
        }))
        .unwrap();
        assert_eq!(cluster.principal_id(), Some("p-1"));
        assert_eq!(
            cluster.oidc_issuer_url(),
            Some("https://westeurope.oic.prod-aks.azure.com/t/u/")
        );
        assert_eq!(cluster.kubelet_object_id(), Some("o-1"));
        assert_eq!(
            cluster
                .properties
                .power_state
                .as_ref()
                .and_then(|p| p.code.as_deref()),
            Some("Running")
        );
        assert_eq!(
            cluster.properties.fqdn.as_deref(),
            Some("plat-weu-abc.hcp.westeurope.azmk8s.io")
        );
        let id = ids::managed_cluster_id(SUB, "rg", "aks-weu");
        assert_valid_put(&format!("{id}?api-version={MANAGED_CLUSTERS}"), &cluster);
    }

    #[test]
    fn credentials_decode_and_never_print() {
        let results: CredentialResults = serde_json::from_value(serde_json::json!({
            "kubeconfigs": [{"name": "clusterUser", "value": "YXBpVmVyc2lvbjogdjEK"}]
        }))
        .unwrap();
        assert_eq!(results.first_kubeconfig().unwrap(), "apiVersion: v1\n");
        assert!(!format!("{results:?}").contains("YXBp"));
        let empty = CredentialResults::default();
        assert!(empty.first_kubeconfig().is_err());
        let broken = CredentialResult {
            name: "x".into(),
            value: "%%%".into(),
        };
        assert!(broken.kubeconfig().is_err());
    }
}
