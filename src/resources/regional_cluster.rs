//! `aksmesh:index:RegionalCluster`: an AKS cluster in a RegionalNetwork's subnet.
//!
//! Azure CNI Overlay with the Cilium dataplane by default; flat pod-subnet mode and BYO CNI are
//! options. The cluster identity gets Network Contributor on its subnets so internal load balancers
//! work. Names are deterministic and every write is an idempotent PUT, so a create re-run after a
//! crash adopts the cluster and resumes.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use async_trait::async_trait;
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use super::common::{
    azure_failure, managed_tags, operation_options, read_options, same_choice, user_tags, Validator,
};
use super::regional_network::default_name_prefix;
use crate::azure::ids::{
    ids_equal, managed_cluster_id, role_assignment_id, role_assignment_name, role_definition_id,
    NETWORK_CONTRIBUTOR_ROLE,
};
use crate::azure::models::managed_cluster::{
    AdvancedNetworking, AdvancedNetworkingObservability, AdvancedNetworkingSecurity,
    AgentPoolProfile, CredentialResults, ManagedCluster, ManagedClusterIdentity,
    ManagedClusterProperties, ManagedClusterSku, NetworkProfile, OidcIssuerProfile,
};
use crate::azure::models::role_assignment::RoleAssignment;
use crate::azure::{api_versions, ArmClient, AzureError, ResourceId};
use crate::net;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, ReadResult, Resource,
    ResourceError,
};
use crate::vocabulary::{NetworkDataplane, NetworkPolicy, PodNetworking, SkuTier, Vocabulary};

pub const DEFAULT_POD_CIDR: &str = "10.244.0.0/16";
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/16";
pub const DEFAULT_DNS_SERVICE_IP: &str = "10.96.0.10";
pub const DEFAULT_POOL_NAME: &str = "system";
pub const DEFAULT_VM_SIZE: &str = "Standard_D4s_v5";
pub const DEFAULT_NODE_COUNT: i64 = 2;
/// What AKS gives overlay, flat and BYO CNI pools when maxPods is not set.
pub const DEFAULT_MAX_PODS: i64 = 250;
pub const DEFAULT_SKU_TIER: SkuTier = SkuTier::Free;

pub struct RegionalCluster;

/// The cluster's system node pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemPoolInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods: Option<i64>,
}

impl SystemPoolInputs {
    fn is_empty(&self) -> bool {
        self == &SystemPoolInputs::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionalClusterInputs {
    // Required strings default to empty so Check can say what is missing and where.
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub resource_group_name: String,
    /// Prefix of the Azure names; defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    #[serde(default)]
    pub node_subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_networking: Option<PodNetworking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_dataplane: Option<NetworkDataplane>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<NetworkPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<String>,
    #[serde(
        default,
        rename = "dnsServiceIP",
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_service_ip: Option<String>,
    /// The network's range, only for offline overlap checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnet_cidr: Option<String>,
    /// The node subnet's range, only for offline overlap checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_subnet_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::resources::common::kubernetes_version")]
    pub kubernetes_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_pool: Option<SystemPoolInputs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_tier: Option<SkuTier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_networking: Option<bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// Outputs: the inputs with every default resolved, plus what Azure reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionalClusterState {
    #[serde(flatten)]
    pub inputs: RegionalClusterInputs,
    pub cluster_name: String,
    pub cluster_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_issuer_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_kubernetes_version: Option<String>,
    /// Network Contributor assignments aksmesh made on the subnets; delete removes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role_assignment_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<String>,
    /// What refresh found changed outside Pulumi that no input shows (a deleted role
    /// assignment); the next `up` grants it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band_changes: Vec<String>,
}

/// The Azure names a cluster gets, derived from its prefix and region.
pub struct Names {
    pub cluster: String,
    pub dns_prefix: String,
}

impl RegionalClusterInputs {
    pub fn names(&self) -> Names {
        Names {
            cluster: format!("aks-{}-{}", self.name_prefix, self.location),
            dns_prefix: format!("{}-{}", self.name_prefix, self.location),
        }
    }

    pub fn pod_networking(&self) -> PodNetworking {
        self.pod_networking.unwrap_or_default()
    }

    /// The inputs with every service default filled in: what the PUT body is built from and what
    /// the outputs show. `kubernetesVersion` and `systemPool.maxPods` stay unset (Azure picks them).
    pub fn resolved(&self) -> RegionalClusterInputs {
        let mut resolved = self.clone();
        let networking = self.pod_networking();
        resolved.network_dataplane = if networking == PodNetworking::ByoCni {
            None
        } else {
            Some(self.network_dataplane.unwrap_or(NetworkDataplane::Cilium))
        };
        resolved.network_policy = resolved.network_dataplane.map(|dataplane| {
            self.network_policy
                .unwrap_or_else(|| NetworkPolicy::default_for(dataplane))
        });
        resolved.pod_cidr = if networking == PodNetworking::Flat {
            None
        } else {
            Some(
                self.pod_cidr
                    .clone()
                    .unwrap_or_else(|| DEFAULT_POD_CIDR.into()),
            )
        };
        let service_cidr = self
            .service_cidr
            .clone()
            .unwrap_or_else(|| DEFAULT_SERVICE_CIDR.into());
        resolved.dns_service_ip = Some(
            self.dns_service_ip
                .clone()
                .unwrap_or_else(|| default_dns_service_ip(&service_cidr)),
        );
        resolved.service_cidr = Some(service_cidr);
        resolved.pod_networking = Some(networking);
        let pool = self.system_pool.clone().unwrap_or_default();
        resolved.system_pool = Some(SystemPoolInputs {
            name: Some(pool.name.unwrap_or_else(|| DEFAULT_POOL_NAME.into())),
            vm_size: Some(pool.vm_size.unwrap_or_else(|| DEFAULT_VM_SIZE.into())),
            count: Some(pool.count.unwrap_or(DEFAULT_NODE_COUNT)),
            max_pods: pool.max_pods,
        });
        resolved.sku_tier = Some(self.sku_tier.unwrap_or(DEFAULT_SKU_TIER));
        resolved.advanced_networking = Some(self.advanced_networking.unwrap_or(false));
        resolved
    }
}

/// The 10th address of the service range, the conventional cluster DNS address.
fn default_dns_service_ip(service_cidr: &str) -> String {
    match net::parse_cidr(service_cidr) {
        Ok(range) => {
            Ipv4Addr::from(u32::from(range.network()).saturating_add(net::DNS_SERVICE_IP_OFFSET))
                .to_string()
        }
        Err(_) => DEFAULT_DNS_SERVICE_IP.into(),
    }
}

/// AKS cluster names: 1–63 letters, digits, '-' and '_', starting and ending alphanumeric.
fn valid_cluster_name(name: &str) -> bool {
    let edges_alphanumeric = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    (1..=63).contains(&name.len())
        && edges_alphanumeric
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// AKS DNS prefixes: 1–54 letters, digits and '-', starting and ending alphanumeric.
fn valid_dns_prefix(prefix: &str) -> bool {
    let edges_alphanumeric = prefix.starts_with(|c: char| c.is_ascii_alphanumeric())
        && prefix.ends_with(|c: char| c.is_ascii_alphanumeric());
    (1..=54).contains(&prefix.len())
        && edges_alphanumeric
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Agent pool names: `^[a-z][a-z0-9]{0,11}$`.
fn valid_pool_name(name: &str) -> bool {
    (1..=12).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// `1.34` or `1.34.2`.
fn valid_kubernetes_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

fn resource_group_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')')
}

fn vm_size_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A subnet id input: present, parseable, and a subnet.
fn check_subnet_id(validator: &mut Validator<'_, '_>, path: &str, id: &str) {
    match ResourceId::parse(id) {
        Ok(parsed)
            if parsed
                .resource_type()
                .eq_ignore_ascii_case("Microsoft.Network/virtualNetworks/subnets") => {}
        Ok(parsed) => validator.fail(
            path,
            format!(
                "'{id}' is a {} id, not a subnet id; pass the RegionalNetwork's subnet id output",
                parsed.resource_type()
            ),
        ),
        Err(error) => validator.fail(
            path,
            format!("{error}; pass the RegionalNetwork's subnet id output"),
        ),
    }
}

/// A CIDR input or its default; `None` when unknown or invalid (already reported).
fn range_or_default(
    validator: &mut Validator<'_, '_>,
    path: &str,
    given: Option<&str>,
    default: &str,
) -> Option<(Ipv4Net, bool)> {
    match given {
        Some(text) => validator.cidr(path, text).map(|range| (range, false)),
        None => net::parse_cidr(default).ok().map(|range| (range, true)),
    }
}

fn describe(path: &str, range: Ipv4Net, is_default: bool) -> String {
    if is_default {
        format!("{path} {range} (the default; set {path} to move it)")
    } else {
        format!("{path} {range}")
    }
}

#[async_trait]
impl Resource for RegionalCluster {
    const TOKEN: &'static str = "aksmesh:index:RegionalCluster";
    const SECRET_OUTPUTS: &'static [&'static str] = &["kubeconfig"];
    /// Names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = RegionalClusterInputs;
    type State = RegionalClusterState;

    fn check(
        &self,
        inputs: &mut RegionalClusterInputs,
        _olds: Option<&RegionalClusterInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        let mut v = Validator::new(context);
        let region_ok = v.region("location", &mut inputs.location);
        if v.required(
            "resourceGroupName",
            &inputs.resource_group_name,
            "pass the RegionalNetwork's resourceGroupName output",
        ) {
            v.name(
                "resourceGroupName",
                &inputs.resource_group_name,
                90,
                "letters, digits, '-', '_', '.', '(' and ')'",
                resource_group_character,
            );
        }
        if inputs.name_prefix.is_empty() && !v.is_unknown("namePrefix") {
            inputs.name_prefix = default_name_prefix(context.name);
        }
        if region_ok && !v.is_unknown("namePrefix") {
            let names = inputs.names();
            if !valid_cluster_name(&names.cluster) {
                v.fail("namePrefix", format!("the cluster name '{}' would be invalid: AKS cluster names are 1 to 63 letters, digits, '-' and '_', starting and ending with a letter or digit; shorten or change namePrefix", names.cluster));
            }
            if !valid_dns_prefix(&names.dns_prefix) {
                v.fail("namePrefix", format!("the dnsPrefix '{}' would be invalid: AKS DNS prefixes are 1 to 54 letters, digits and '-', starting and ending with a letter or digit; shorten namePrefix or use only letters, digits and '-'", names.dns_prefix));
            }
        }

        // Pod networking, dataplane and policy: unknown values skip the rules that depend on them.
        let networking = (!v.is_unknown("podNetworking")).then(|| inputs.pod_networking());
        let byo_cni = networking == Some(PodNetworking::ByoCni);
        let dataplane = match inputs.network_dataplane {
            Some(_) if byo_cni => {
                v.fail("networkDataplane", "with podNetworking byoCni your own CNI is the dataplane; remove networkDataplane");
                None
            }
            _ if v.is_unknown("networkDataplane") => None,
            Some(value) => Some(value),
            None if byo_cni || networking.is_none() => None,
            None => Some(NetworkDataplane::Cilium),
        };
        let policy = (!v.is_unknown("networkPolicy"))
            .then_some(inputs.network_policy)
            .flatten();
        match policy {
            Some(_) if byo_cni => v.fail(
                "networkPolicy",
                "with podNetworking byoCni your own CNI enforces network policy; remove networkPolicy",
            ),
            Some(policy) => match (policy, dataplane) {
                (NetworkPolicy::Cilium, Some(NetworkDataplane::Azure)) => v.fail(
                    "networkPolicy",
                    "networkPolicy cilium requires networkDataplane cilium; set networkDataplane to cilium or pick none, azure or calico",
                ),
                (policy, Some(NetworkDataplane::Cilium)) if policy != NetworkPolicy::Cilium => v.fail(
                    "networkPolicy",
                    format!("the Cilium dataplane enforces policy itself, so networkPolicy '{policy}' is not allowed with networkDataplane cilium; remove networkPolicy or set networkDataplane to azure"),
                ),
                _ => {}
            },
            None => {}
        }
        if inputs.advanced_networking == Some(true)
            && !v.is_unknown("advancedNetworking")
            && dataplane != Some(NetworkDataplane::Cilium)
            && (byo_cni || dataplane.is_some())
        {
            v.fail(
                "advancedNetworking",
                "Advanced Container Networking Services require networkDataplane cilium",
            );
        }

        // Subnets.
        if v.required(
            "nodeSubnetId",
            &inputs.node_subnet_id,
            "pass the RegionalNetwork's nodeSubnetId output",
        ) {
            check_subnet_id(&mut v, "nodeSubnetId", &inputs.node_subnet_id);
        }
        match (&inputs.pod_subnet_id, networking) {
            (None, Some(PodNetworking::Flat)) if !v.is_unknown("podSubnetId") => v.fail(
                "podSubnetId",
                "podSubnetId is required with podNetworking flat; pass the RegionalNetwork's podSubnetId output (give the network a podSubnetCidr)",
            ),
            (Some(_), Some(mode)) if mode != PodNetworking::Flat => v.fail(
                "podSubnetId",
                format!("podSubnetId is only used with podNetworking flat; with {mode} pods take addresses from podCidr, so remove podSubnetId"),
            ),
            (Some(id), _) if !v.is_unknown("podSubnetId") => {
                check_subnet_id(&mut v, "podSubnetId", id);
                if !v.is_unknown("nodeSubnetId") && ids_equal(id, &inputs.node_subnet_id) {
                    v.fail(
                        "podSubnetId",
                        "the pod subnet must differ from the node subnet",
                    );
                }
            }
            _ => {}
        }

        // Address ranges: all offline, so a bad plan fails before any Azure call.
        let vnet = inputs
            .vnet_cidr
            .as_deref()
            .and_then(|text| v.cidr("vnetCidr", text));
        let node_subnet = inputs
            .node_subnet_cidr
            .as_deref()
            .and_then(|text| v.cidr("nodeSubnetCidr", text));
        let pods = match (networking, inputs.pod_cidr.as_deref()) {
            (Some(PodNetworking::Flat), Some(_)) => {
                v.fail("podCidr", "podCidr is not used with podNetworking flat (pods take addresses from podSubnetId); remove podCidr");
                None
            }
            (Some(PodNetworking::Flat), None) | (None, None) => None,
            (_, given) => range_or_default(&mut v, "podCidr", given, DEFAULT_POD_CIDR),
        };
        if let (Some((range, _)), Some(PodNetworking::Overlay)) = (pods, networking) {
            if range.prefix_len() > 24 {
                v.fail("podCidr", format!("{range} is smaller than /24, but every overlay node takes a /24 from podCidr; use /24 or larger (e.g. /16)"));
            }
        }
        let services = if v.is_unknown("serviceCidr") {
            None
        } else {
            range_or_default(
                &mut v,
                "serviceCidr",
                inputs.service_cidr.as_deref(),
                DEFAULT_SERVICE_CIDR,
            )
        };
        if let Some((range, _)) = services {
            if range.prefix_len() <= 12 {
                v.fail(
                    "serviceCidr",
                    format!("{range} is too large: AKS needs a service range smaller than /12 (e.g. /16)"),
                );
            }
        }
        if let (Some((service_range, _)), false) = (services, v.is_unknown("dnsServiceIP")) {
            let address = match inputs.dns_service_ip.as_deref() {
                Some(text) => match net::parse_ip(text) {
                    Ok(address) => Some(address),
                    Err(error) => {
                        v.fail("dnsServiceIP", error.to_string());
                        None
                    }
                },
                None => default_dns_service_ip(&service_range.to_string())
                    .parse()
                    .ok(),
            };
            if let Some(address) = address {
                if let Err(reason) = net::check_dns_service_ip(service_range, address) {
                    v.fail("dnsServiceIP", reason);
                } else if u32::from(address) == u32::from(service_range.network()).saturating_add(1)
                {
                    // AKS gives the first usable address to the `kubernetes` service itself.
                    v.fail("dnsServiceIP", format!("dnsServiceIP {address} is the first usable address of serviceCidr {service_range}, which AKS gives to the kubernetes service; use another, e.g. {}", default_dns_service_ip(&service_range.to_string())));
                }
            }
        }
        for (network_path, network_range) in [("vnetCidr", vnet), ("nodeSubnetCidr", node_subnet)] {
            let Some(network_range) = network_range else {
                continue;
            };
            if let Some((range, is_default)) = pods {
                if net::overlaps(range, network_range) {
                    v.fail("podCidr", format!("{} overlaps {network_path} {network_range}; pod addresses must lie outside the network, so choose another range", describe("podCidr", range, is_default)));
                }
            }
            if let Some((range, is_default)) = services {
                if net::overlaps(range, network_range) {
                    v.fail("serviceCidr", format!("{} overlaps {network_path} {network_range}; Azure refuses a service range that overlaps a subnet (ServiceCidrOverlapExistingSubnetsCidr), so choose another range", describe("serviceCidr", range, is_default)));
                }
            }
        }
        if let (Some((pod_range, pod_default)), Some((service_range, service_default))) =
            (pods, services)
        {
            if net::overlaps(pod_range, service_range) {
                v.fail(
                    "serviceCidr",
                    format!(
                        "{} overlaps {}; give services and pods separate ranges",
                        describe("serviceCidr", service_range, service_default),
                        describe("podCidr", pod_range, pod_default)
                    ),
                );
            }
        }

        if let Some(version) = inputs.kubernetes_version.as_deref() {
            if !v.is_unknown("kubernetesVersion") && !valid_kubernetes_version(version) {
                v.fail("kubernetesVersion", format!("'{version}' is not a Kubernetes version; use major.minor (1.34) or major.minor.patch (1.34.2); `az aks get-versions -l <location>` lists them"));
            }
        }
        if let Some(pool) = inputs.system_pool.as_mut() {
            if let Some(name) = pool.name.as_deref() {
                if !v.is_unknown("systemPool.name") && !valid_pool_name(name) {
                    v.fail("systemPool.name", format!("'{name}' is not a valid agent pool name: 1 to 12 lower-case letters and digits, starting with a letter"));
                }
            }
            if let Some(size) = pool.vm_size.as_deref() {
                v.name(
                    "systemPool.vmSize",
                    size,
                    64,
                    "letters, digits and '_' (e.g. Standard_D4s_v5)",
                    vm_size_character,
                );
            }
            if let Some(count) = pool.count {
                if !v.is_unknown("systemPool.count") && !(1..=1000).contains(&count) {
                    v.fail(
                        "systemPool.count",
                        format!("{count} nodes requested; a system pool has 1 to 1000 nodes"),
                    );
                }
            }
            if let Some(max_pods) = pool.max_pods {
                if !v.is_unknown("systemPool.maxPods") && !(10..=250).contains(&max_pods) {
                    v.fail(
                        "systemPool.maxPods",
                        format!("maxPods {max_pods} is out of range; AKS allows 10 to 250"),
                    );
                }
            }
        }
        v.tags("tags", &inputs.tags);
        v.failures
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        fn text(value: Option<&serde_json::Value>) -> Option<&str> {
            value.and_then(|v| v.as_str())
        }
        // Absent means the default, so spelling a default out (or dropping it) changes nothing.
        let same_with_default = |default: &str| {
            text(change.old).unwrap_or(default) == text(change.new).unwrap_or(default)
        };
        let replace_unless = |in_place: bool| {
            if in_place && !change.new_is_unknown {
                ChangeEffect::Update
            } else {
                ChangeEffect::Replace
            }
        };
        match change.path {
            "location" | "namePrefix" | "resourceGroupName" => ChangeEffect::Replace,
            "nodeSubnetId" | "podSubnetId" => {
                replace_unless(match (text(change.old), text(change.new)) {
                    (Some(old), Some(new)) => ids_equal(old, new),
                    _ => false,
                })
            }
            "podNetworking" => replace_unless(same_choice(change, PodNetworking::Overlay)),
            // Azure → Cilium is AKS's one supported in-place dataplane upgrade.
            "networkDataplane" => replace_unless(
                same_choice(change, NetworkDataplane::Cilium)
                    || NetworkDataplane::from_json(change.new).unwrap_or(NetworkDataplane::Cilium)
                        == NetworkDataplane::Cilium,
            ),
            // A policy change to cilium only passes Check together with the azure → cilium
            // dataplane upgrade, which AKS performs in place; a policy left unset follows the
            // dataplane (none → cilium).
            "networkPolicy" => replace_unless(
                NetworkPolicy::from_json(change.new) == Some(NetworkPolicy::Cilium)
                    || change.new.is_none()
                    || matches!(
                        (
                            NetworkPolicy::from_json(change.old),
                            NetworkPolicy::from_json(change.new)
                        ),
                        (None, Some(NetworkPolicy::None)) | (Some(NetworkPolicy::None), None)
                    ),
            ),
            "serviceCidr" => replace_unless(same_with_default(DEFAULT_SERVICE_CIDR)),
            "dnsServiceIP" => replace_unless(same_with_default(DEFAULT_DNS_SERVICE_IP)),
            // AKS can only grow an overlay pod range in place.
            "podCidr" => {
                let old = net::parse_cidr(text(change.old).unwrap_or(DEFAULT_POD_CIDR));
                let new = net::parse_cidr(text(change.new).unwrap_or(DEFAULT_POD_CIDR));
                replace_unless(match (old, new) {
                    (Ok(old), Ok(new)) => old == new || net::is_expansion(old, new),
                    _ => false,
                })
            }
            "systemPool.name" => replace_unless(same_with_default(DEFAULT_POOL_NAME)),
            "systemPool.vmSize" => replace_unless(same_with_default(DEFAULT_VM_SIZE)),
            // AKS fixes maxPods when a pool is created.
            "systemPool.maxPods" => replace_unless(
                change
                    .old
                    .and_then(|v| v.as_i64())
                    .unwrap_or(DEFAULT_MAX_PODS)
                    == change
                        .new
                        .and_then(|v| v.as_i64())
                        .unwrap_or(DEFAULT_MAX_PODS),
            ),
            // The whole pool object appeared or disappeared: only its immutable fields matter.
            "systemPool" => {
                let field = |value: Option<&serde_json::Value>, key: &str, default: &str| {
                    value
                        .and_then(|pool| pool.get(key))
                        .and_then(|v| v.as_str())
                        .unwrap_or(default)
                        .to_string()
                };
                let max_pods = |value: Option<&serde_json::Value>| {
                    value
                        .and_then(|pool| pool.get("maxPods"))
                        .and_then(|v| v.as_i64())
                        .unwrap_or(DEFAULT_MAX_PODS)
                };
                replace_unless(
                    field(change.old, "name", DEFAULT_POOL_NAME)
                        == field(change.new, "name", DEFAULT_POOL_NAME)
                        && field(change.old, "vmSize", DEFAULT_VM_SIZE)
                            == field(change.new, "vmSize", DEFAULT_VM_SIZE)
                        && max_pods(change.old) == max_pods(change.new),
                )
            }
            _ => ChangeEffect::Update,
        }
    }

    fn preview(
        &self,
        inputs: &RegionalClusterInputs,
        unknowns: &crate::property::Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut known = serde_json::Map::new();
        if !unknowns.is_unknown("location")
            && !unknowns.is_unknown("namePrefix")
            && !inputs.name_prefix.is_empty()
        {
            known.insert("clusterName".into(), inputs.names().cluster.into());
        }
        if !unknowns.is_unknown("podNetworking") && !unknowns.is_unknown("podCidr") {
            if let Some(pod_cidr) = inputs.resolved().pod_cidr {
                known.insert("podCidr".into(), pod_cidr.into());
            }
        }
        known
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: RegionalClusterInputs,
    ) -> Result<(String, RegionalClusterState), ResourceError<RegionalClusterState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&RegionalClusterInputs, &RegionalClusterState)>,
    ) -> Result<
        Option<ReadResult<RegionalClusterInputs, RegionalClusterState>>,
        ResourceError<RegionalClusterState>,
    > {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        let cluster_id = ResourceId::parse(id).map_err(|e| {
            ResourceError::Failed(format!("'{id}' is not an AKS cluster resource id: {e}"))
        })?;
        let Some(cluster) = azure
            .get::<ManagedCluster>(cluster_id.as_str(), api_versions::MANAGED_CLUSTERS)
            .await?
        else {
            return Ok(None);
        };
        let inputs = live_inputs(&cluster_id, &cluster, old.map(|(inputs, _)| inputs));
        let options = operation_options(
            context,
            format!("reading credentials of AKS cluster {}", cluster_id.name()),
        );
        let kubeconfig = match user_kubeconfig(azure, cluster_id.as_str(), &options).await {
            Ok(kubeconfig) => Some(kubeconfig),
            // A refresh should not fail only because the caller may not list credentials.
            Err(error) => match old {
                Some((_, state)) => {
                    context.warn(&format!(
                        "kept the previous kubeconfig of {}: {error}",
                        cluster_id.name()
                    ));
                    state.kubeconfig.clone()
                }
                None => return Err(ResourceError::Failed(error.to_string())),
            },
        };
        let role_assignment_ids = old
            .map(|(_, state)| state.role_assignment_ids.clone())
            .unwrap_or_else(|| {
                expected_role_assignments(&inputs, cluster.principal_id())
                    .into_iter()
                    .map(|(_, id)| id)
                    .collect()
            });
        let mut state = state_from(&inputs, &cluster, cluster_id.as_str());
        state.kubeconfig = kubeconfig;
        state.role_assignment_ids = role_assignment_ids;
        state.out_of_band_changes =
            missing_role_assignments(azure, context, &inputs, &cluster).await?;
        Ok(Some(ReadResult {
            id: state.cluster_id.clone(),
            inputs,
            state,
        }))
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&RegionalClusterInputs, &RegionalClusterState),
        news: RegionalClusterInputs,
    ) -> Result<RegionalClusterState, ResourceError<RegionalClusterState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply(azure, context, &news, Some(old.1))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        id: &str,
        state: &RegionalClusterState,
    ) -> Result<(), ResourceError<RegionalClusterState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        let mut assignments = state.role_assignment_ids.clone();
        // A partial create may have granted roles before recording them: derive them too.
        for (_, expected) in expected_role_assignments(&state.inputs, state.principal_id.as_deref())
        {
            if !assignments.iter().any(|known| ids_equal(known, &expected)) {
                assignments.push(expected);
            }
        }
        for assignment in &assignments {
            let options =
                operation_options(context, format!("deleting role assignment {assignment}"));
            azure
                .delete(assignment, api_versions::ROLE_ASSIGNMENTS, &options)
                .await
                .map_err(|e| ResourceError::Failed(e.to_string()))?;
        }
        let cluster_id = if state.cluster_id.is_empty() {
            id
        } else {
            &state.cluster_id
        };
        let options = operation_options(
            context,
            format!("deleting AKS cluster {}", state.cluster_name),
        );
        azure
            .delete(cluster_id, api_versions::MANAGED_CLUSTERS, &options)
            .await
            .map_err(|e| ResourceError::Failed(e.to_string()))
    }
}

/// The Network Contributor grants the cluster identity should have but Azure no longer holds.
async fn missing_role_assignments(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    cluster: &ManagedCluster,
) -> Result<Vec<String>, ResourceError<RegionalClusterState>> {
    let options = read_options(context);
    let mut missing = Vec::new();
    for (scope, assignment_id) in expected_role_assignments(inputs, cluster.principal_id()) {
        let found = match azure
            .get_with_options::<serde_json::Value>(
                &assignment_id,
                api_versions::ROLE_ASSIGNMENTS,
                &options,
            )
            .await
        {
            Ok(found) => found,
            Err(AzureError::Canceled) => return Err(AzureError::Canceled.into()),
            // A caller who may read the cluster but not its role assignments still gets a
            // refresh; the grant is simply not checked.
            Err(error) => {
                context.warn(&format!(
                    "could not check the Network Contributor role assignment on {scope}: {error}"
                ));
                continue;
            }
        };
        if found.is_none() {
            missing.push(format!(
                "the cluster identity's Network Contributor role assignment on {scope} is missing, so internal load balancers cannot be created there"
            ));
        }
    }
    Ok(missing)
}

/// The Network Contributor assignments the cluster identity needs: (scope, assignment id).
fn expected_role_assignments(
    inputs: &RegionalClusterInputs,
    principal_id: Option<&str>,
) -> Vec<(String, String)> {
    let Some(principal) = principal_id.filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    let mut scopes = vec![inputs.node_subnet_id.clone()];
    if inputs.pod_networking() == PodNetworking::Flat {
        scopes.extend(inputs.pod_subnet_id.clone());
    }
    scopes
        .into_iter()
        .filter_map(|scope| {
            let scope_id = ResourceId::parse(&scope).ok()?;
            let role = role_definition_id(
                scope_id.subscription_id().unwrap_or_default(),
                NETWORK_CONTRIBUTOR_ROLE,
            );
            let name = role_assignment_name(scope_id.as_str(), principal, role.as_str());
            Some((
                scope,
                role_assignment_id(&scope_id, &name.to_string()).to_string(),
            ))
        })
        .collect()
}

async fn user_kubeconfig(
    azure: &ArmClient,
    cluster_id: &str,
    options: &crate::azure::client::OperationOptions,
) -> Result<String, AzureError> {
    let credentials: CredentialResults = azure
        .post(
            &format!("{cluster_id}/listClusterUserCredential"),
            api_versions::MANAGED_CLUSTERS,
            None::<&serde_json::Value>,
            options,
        )
        .await?;
    credentials.first_kubeconfig()
}

/// The PUT body for the inputs (defaults resolved). On update an unset kubernetesVersion keeps
/// the version the cluster runs instead of letting Azure pick a default.
fn cluster_body(
    inputs: &RegionalClusterInputs,
    previous: Option<&RegionalClusterState>,
) -> ManagedCluster {
    let resolved = inputs.resolved();
    let names = inputs.names();
    let networking = resolved.pod_networking();
    let pool = resolved.system_pool.clone().unwrap_or_default();
    let flat = networking == PodNetworking::Flat;
    let byo_cni = networking == PodNetworking::ByoCni;
    let network_profile = NetworkProfile {
        network_plugin: Some(if byo_cni { "none" } else { "azure" }.into()),
        network_plugin_mode: (networking == PodNetworking::Overlay)
            .then(|| PodNetworking::Overlay.to_string()),
        network_dataplane: resolved.network_dataplane.map(|d| d.to_string()),
        network_policy: resolved.network_policy.map(|p| p.to_string()),
        pod_cidr: resolved.pod_cidr.clone(),
        service_cidr: resolved.service_cidr.clone(),
        dns_service_ip: resolved.dns_service_ip.clone(),
        load_balancer_sku: Some("standard".into()),
        outbound_type: Some("loadBalancer".into()),
        advanced_networking: (!byo_cni).then(|| {
            let enabled = resolved.advanced_networking == Some(true);
            AdvancedNetworking {
                enabled: Some(enabled),
                observability: enabled.then_some(AdvancedNetworkingObservability {
                    enabled: Some(true),
                }),
                security: enabled.then_some(AdvancedNetworkingSecurity {
                    enabled: Some(true),
                    advanced_network_policies: None,
                }),
            }
        }),
        ..Default::default()
    };
    let kubernetes_version = inputs.kubernetes_version.clone().or_else(|| {
        previous.and_then(|state| {
            state
                .inputs
                .kubernetes_version
                .clone()
                .or_else(|| state.current_kubernetes_version.clone())
        })
    });
    ManagedCluster {
        location: inputs.location.clone(),
        tags: Some(managed_tags(&inputs.tags)),
        identity: Some(ManagedClusterIdentity {
            identity_type: "SystemAssigned".into(),
            ..Default::default()
        }),
        sku: Some(ManagedClusterSku {
            name: Some("Base".into()),
            tier: resolved.sku_tier.map(|tier| tier.to_string()),
        }),
        properties: ManagedClusterProperties {
            dns_prefix: Some(names.dns_prefix),
            kubernetes_version,
            enable_rbac: Some(true),
            oidc_issuer_profile: Some(OidcIssuerProfile {
                enabled: Some(true),
                issuer_url: None,
            }),
            agent_pool_profiles: Some(vec![AgentPoolProfile {
                name: pool.name.unwrap_or_else(|| DEFAULT_POOL_NAME.into()),
                mode: Some("System".into()),
                count: pool.count.and_then(|count| i32::try_from(count).ok()),
                vm_size: pool.vm_size,
                os_type: Some("Linux".into()),
                pool_type: Some("VirtualMachineScaleSets".into()),
                max_pods: pool.max_pods.and_then(|max| i32::try_from(max).ok()),
                vnet_subnet_id: Some(inputs.node_subnet_id.clone()),
                pod_subnet_id: if flat {
                    inputs.pod_subnet_id.clone()
                } else {
                    None
                },
                ..Default::default()
            }]),
            network_profile: Some(network_profile),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The system pool Azure reports: the one named like ours, else the first System pool.
fn live_system_pool<'a>(
    cluster: &'a ManagedCluster,
    name: Option<&str>,
) -> Option<&'a AgentPoolProfile> {
    let pools = cluster.properties.agent_pool_profiles.as_deref()?;
    name.and_then(|name| pools.iter().find(|pool| pool.name == name))
        .or_else(|| {
            pools
                .iter()
                .find(|pool| pool.mode.as_deref() == Some("System"))
        })
        .or_else(|| pools.first())
}

/// Outputs from the resolved inputs and what Azure reported.
fn state_from(
    inputs: &RegionalClusterInputs,
    cluster: &ManagedCluster,
    cluster_id: &str,
) -> RegionalClusterState {
    let mut resolved = inputs.resolved();
    if let Some(version) = cluster.properties.kubernetes_version.clone() {
        resolved.kubernetes_version = Some(version);
    }
    let pool_name = resolved
        .system_pool
        .as_ref()
        .and_then(|pool| pool.name.clone());
    if let (Some(pool), Some(live)) = (
        resolved.system_pool.as_mut(),
        live_system_pool(cluster, pool_name.as_deref()),
    ) {
        pool.max_pods = live.max_pods.map(i64::from).or(pool.max_pods);
    }
    RegionalClusterState {
        cluster_name: inputs.names().cluster,
        cluster_id: cluster.id.clone().unwrap_or_else(|| cluster_id.to_string()),
        fqdn: cluster.properties.fqdn.clone(),
        principal_id: cluster.principal_id().map(str::to_string),
        node_resource_group: cluster.properties.node_resource_group.clone(),
        oidc_issuer_url: cluster.oidc_issuer_url().map(str::to_string),
        current_kubernetes_version: cluster.properties.current_kubernetes_version.clone(),
        inputs: resolved,
        role_assignment_ids: Vec::new(),
        kubeconfig: None,
        out_of_band_changes: Vec::new(),
    }
}

/// How a live value is written in the inputs: the old spelling when Azure agrees with it, Azure's
/// value where it differs, and nothing when the old inputs (or an import) left it to the default.
fn represent<T: PartialEq + Clone>(
    old: Option<&T>,
    live: Option<T>,
    default: Option<&T>,
    same: impl Fn(&T, &T) -> bool,
) -> Option<T> {
    let live = live.or_else(|| default.cloned())?;
    match old {
        Some(old) if same(old, &live) => Some(old.clone()),
        Some(_) => Some(live),
        None if default.is_some_and(|default| same(default, &live)) => None,
        None => Some(live),
    }
}

fn same_text<T: AsRef<str>>(left: &T, right: &T) -> bool {
    left.as_ref().eq_ignore_ascii_case(right.as_ref())
}

/// Inputs that reproduce the live cluster (refresh keeps `old`'s representation; import has none).
fn live_inputs(
    cluster_id: &ResourceId,
    cluster: &ManagedCluster,
    old: Option<&RegionalClusterInputs>,
) -> RegionalClusterInputs {
    let location = cluster.location.clone();
    let network = cluster
        .properties
        .network_profile
        .clone()
        .unwrap_or_default();
    let old_pool = old.and_then(|inputs| inputs.system_pool.clone());
    let pool_name = old
        .map(|inputs| inputs.resolved())
        .and_then(|resolved| resolved.system_pool)
        .and_then(|pool| pool.name);
    let live_pool = live_system_pool(cluster, pool_name.as_deref())
        .cloned()
        .unwrap_or_default();
    let plugin = network.network_plugin.as_deref().unwrap_or("azure");
    let live_networking = if plugin.eq_ignore_ascii_case("none") {
        PodNetworking::ByoCni
    } else if network
        .network_plugin_mode
        .as_deref()
        .and_then(PodNetworking::parse)
        == Some(PodNetworking::Overlay)
    {
        PodNetworking::Overlay
    } else {
        PodNetworking::Flat
    };
    let byo_cni = live_networking == PodNetworking::ByoCni;
    let field = |get: fn(&RegionalClusterInputs) -> Option<String>| old.and_then(get);
    let pod_networking = represent(
        old.and_then(|i| i.pod_networking).as_ref(),
        Some(live_networking),
        Some(&PodNetworking::Overlay),
        |a, b| a == b,
    );
    let live_dataplane = (!byo_cni)
        .then(|| {
            network
                .network_dataplane
                .as_deref()
                .and_then(NetworkDataplane::parse)
        })
        .flatten();
    let network_dataplane = represent(
        old.and_then(|i| i.network_dataplane).as_ref(),
        live_dataplane,
        Some(&NetworkDataplane::Cilium),
        |a, b| a == b,
    );
    let policy_default =
        NetworkPolicy::default_for(live_dataplane.unwrap_or(NetworkDataplane::Azure));
    let network_policy = if byo_cni {
        None
    } else {
        represent(
            old.and_then(|i| i.network_policy).as_ref(),
            network
                .network_policy
                .as_deref()
                .and_then(NetworkPolicy::parse),
            Some(&policy_default),
            |a, b| a == b,
        )
    };
    let pod_cidr = if live_networking == PodNetworking::Flat {
        None
    } else {
        represent(
            field(|i| i.pod_cidr.clone()).as_ref(),
            network.pod_cidr.clone(),
            Some(&DEFAULT_POD_CIDR.to_string()),
            same_text,
        )
    };
    let live_service = network
        .service_cidr
        .clone()
        .unwrap_or_else(|| DEFAULT_SERVICE_CIDR.into());
    let dns_default = default_dns_service_ip(&live_service);
    let service_cidr = represent(
        field(|i| i.service_cidr.clone()).as_ref(),
        Some(live_service),
        Some(&DEFAULT_SERVICE_CIDR.to_string()),
        same_text,
    );
    let dns_service_ip = represent(
        field(|i| i.dns_service_ip.clone()).as_ref(),
        network.dns_service_ip.clone(),
        Some(&dns_default),
        same_text,
    );
    let old_pool_field =
        |get: fn(&SystemPoolInputs) -> Option<String>| old_pool.as_ref().and_then(get);
    let system_pool = SystemPoolInputs {
        name: represent(
            old_pool_field(|p| p.name.clone()).as_ref(),
            Some(live_pool.name.clone()).filter(|n| !n.is_empty()),
            Some(&DEFAULT_POOL_NAME.to_string()),
            |a, b| a == b,
        ),
        vm_size: represent(
            old_pool_field(|p| p.vm_size.clone()).as_ref(),
            live_pool.vm_size.clone(),
            Some(&DEFAULT_VM_SIZE.to_string()),
            same_text,
        ),
        count: represent(
            old_pool.as_ref().and_then(|p| p.count).as_ref(),
            live_pool.count.map(i64::from),
            Some(&DEFAULT_NODE_COUNT),
            |a, b| a == b,
        ),
        max_pods: represent(
            old_pool.as_ref().and_then(|p| p.max_pods).as_ref(),
            live_pool.max_pods.map(i64::from),
            Some(&DEFAULT_MAX_PODS),
            |a, b| a == b,
        ),
    };
    let live_tier = cluster
        .sku
        .as_ref()
        .and_then(|sku| sku.tier.as_deref())
        .and_then(SkuTier::parse);
    let sku_tier = represent(
        old.and_then(|i| i.sku_tier).as_ref(),
        live_tier,
        Some(&DEFAULT_SKU_TIER),
        |a, b| a == b,
    );
    let live_advanced = network
        .advanced_networking
        .as_ref()
        .and_then(|advanced| advanced.enabled)
        .unwrap_or(false);
    let advanced_networking = represent(
        old.and_then(|i| i.advanced_networking).as_ref(),
        Some(live_advanced),
        Some(&false),
        |a, b| a == b,
    );
    // An unset version follows whatever AKS runs; a pinned one (or an import) shows Azure's.
    let kubernetes_version = match old {
        Some(inputs) if inputs.kubernetes_version.is_none() => None,
        _ => represent(
            field(|i| i.kubernetes_version.clone()).as_ref(),
            cluster.properties.kubernetes_version.clone(),
            None,
            |a, b| a == b,
        ),
    };
    let subnet = |old_id: Option<String>, live_id: Option<String>| match (old_id, live_id) {
        (Some(old_id), Some(live_id)) if ids_equal(&old_id, &live_id) => Some(old_id),
        (_, live_id) => live_id,
    };
    let name_prefix = match old {
        Some(inputs) => inputs.name_prefix.clone(),
        // Import: recover the prefix from the deterministic cluster name.
        None => cluster_id
            .name()
            .strip_prefix("aks-")
            .and_then(|rest| rest.strip_suffix(&format!("-{location}")))
            .unwrap_or(cluster_id.name())
            .to_string(),
    };
    RegionalClusterInputs {
        resource_group_name: match old {
            Some(inputs)
                if ids_equal(
                    &inputs.resource_group_name,
                    cluster_id.resource_group().unwrap_or_default(),
                ) =>
            {
                inputs.resource_group_name.clone()
            }
            _ => cluster_id.resource_group().unwrap_or_default().to_string(),
        },
        name_prefix,
        node_subnet_id: subnet(
            old.map(|i| i.node_subnet_id.clone()),
            live_pool.vnet_subnet_id.clone(),
        )
        .unwrap_or_default(),
        pod_subnet_id: if live_networking == PodNetworking::Flat {
            subnet(
                field(|i| i.pod_subnet_id.clone()),
                live_pool.pod_subnet_id.clone(),
            )
        } else {
            None
        },
        pod_networking,
        network_dataplane,
        network_policy,
        pod_cidr,
        service_cidr,
        dns_service_ip,
        vnet_cidr: field(|i| i.vnet_cidr.clone()),
        node_subnet_cidr: field(|i| i.node_subnet_cidr.clone()),
        kubernetes_version,
        system_pool: (!system_pool.is_empty()).then_some(system_pool),
        sku_tier,
        advanced_networking,
        tags: user_tags(cluster.tags.as_ref()),
        location,
    }
}

/// Creates or converges the cluster, its subnet role assignments and its kubeconfig. Every step
/// is idempotent, so running it again after a failure resumes where the last run stopped.
async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    previous: Option<&RegionalClusterState>,
) -> Result<(String, RegionalClusterState), ResourceError<RegionalClusterState>> {
    let names = inputs.names();
    let cluster_id = managed_cluster_id(
        azure.subscription_id(),
        &inputs.resource_group_name,
        &names.cluster,
    )
    .to_string();
    let mut state = RegionalClusterState {
        inputs: inputs.resolved(),
        cluster_name: names.cluster.clone(),
        cluster_id: cluster_id.clone(),
        ..previous.cloned().unwrap_or_default()
    };
    if let Some(previous) = previous {
        // Keep what is already known so a failure report carries it.
        state.inputs = previous.inputs.clone();
    }
    let body = cluster_body(inputs, previous);
    let doing = if previous.is_some() {
        "updating"
    } else {
        "creating"
    };
    let options = operation_options(
        context,
        format!(
            "{doing} AKS cluster {} in {}",
            names.cluster, inputs.location
        ),
    );
    let cluster: ManagedCluster = match azure
        .put(&cluster_id, api_versions::MANAGED_CLUSTERS, &body, &options)
        .await
    {
        Ok(cluster) => cluster,
        // An ARM error answer means the PUT was refused: on create nothing exists yet. Anything
        // else (operation failed, canceled, timed out) happened after Azure accepted it.
        Err(error @ AzureError::Arm { .. }) if previous.is_none() => {
            return Err(ResourceError::Failed(error.to_string()))
        }
        Err(error) => return Err(azure_failure(error, Some((cluster_id, state)))),
    };
    let mut state = RegionalClusterState {
        role_assignment_ids: state.role_assignment_ids,
        kubeconfig: state.kubeconfig,
        ..state_from(inputs, &cluster, &cluster_id)
    };
    let partial = |error: AzureError, state: &RegionalClusterState| {
        azure_failure(error, Some((cluster_id.clone(), state.clone())))
    };

    let Some(principal) = cluster.principal_id().map(str::to_string) else {
        return Err(ResourceError::Partial {
            id: cluster_id.clone(),
            state,
            reason: format!("Azure reported no identity for AKS cluster {}, so it cannot be granted Network Contributor on its subnets; run the update again", names.cluster),
        });
    };
    let mut granted = Vec::new();
    for (scope, assignment_id) in expected_role_assignments(inputs, Some(&principal)) {
        let role = role_definition_id(
            ResourceId::parse(&scope)
                .ok()
                .and_then(|id| id.subscription_id().map(str::to_string))
                .as_deref()
                .unwrap_or(azure.subscription_id()),
            NETWORK_CONTRIBUTOR_ROLE,
        );
        let mut assignment = RoleAssignment::for_service_principal(role.to_string(), &principal);
        assignment.properties.description = Some(format!(
            "aksmesh: lets AKS cluster {} manage load balancers in this subnet",
            names.cluster
        ));
        let options = operation_options(
            context,
            format!(
                "granting AKS cluster {} Network Contributor on {scope}",
                names.cluster
            ),
        );
        match azure
            .put::<_, serde_json::Value>(
                &assignment_id,
                api_versions::ROLE_ASSIGNMENTS,
                &assignment,
                &options,
            )
            .await
        {
            Ok(_) => granted.push(assignment_id),
            // The same grant already exists (ours from an earlier run, or someone else's): the
            // identity has the access it needs. Only ours is recorded for delete.
            Err(error) if error.code() == Some("RoleAssignmentExists") => {
                if error.to_string().to_ascii_lowercase().contains(
                    &assignment_id
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .replace('-', ""),
                ) {
                    granted.push(assignment_id);
                }
            }
            Err(error) => {
                state.role_assignment_ids = granted;
                return Err(partial(error, &state));
            }
        }
    }
    state.role_assignment_ids = granted;

    let options = operation_options(
        context,
        format!("reading credentials of AKS cluster {}", names.cluster),
    );
    match user_kubeconfig(azure, &cluster_id, &options).await {
        Ok(kubeconfig) => state.kubeconfig = Some(kubeconfig),
        Err(error) => return Err(partial(error, &state)),
    }
    Ok((cluster_id, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::api_versions::MANAGED_CLUSTERS;
    use crate::azure::models::schema_check::assert_valid_put;
    use crate::property::Annotations;

    const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000001";

    fn node_subnet() -> String {
        crate::azure::ids::subnet_id(
            SUBSCRIPTION,
            "rg-platform-eastus",
            "vnet-platform-eastus",
            "nodes",
        )
        .to_string()
    }

    fn pod_subnet() -> String {
        crate::azure::ids::subnet_id(
            SUBSCRIPTION,
            "rg-platform-eastus",
            "vnet-platform-eastus",
            "pods",
        )
        .to_string()
    }

    fn valid() -> RegionalClusterInputs {
        RegionalClusterInputs {
            location: "East US".into(),
            resource_group_name: "rg-platform-eastus".into(),
            node_subnet_id: node_subnet(),
            vnet_cidr: Some("10.0.0.0/14".into()),
            node_subnet_cidr: Some("10.0.0.0/16".into()),
            ..Default::default()
        }
    }

    fn check(inputs: &mut RegionalClusterInputs) -> Vec<CheckFailure> {
        let unknowns = Annotations::default();
        RegionalCluster.check(
            inputs,
            None,
            &CheckContext {
                unknowns: &unknowns,
                name: "Platform",
            },
        )
    }

    fn effect(
        path: &'static str,
        old: Option<serde_json::Value>,
        new: Option<serde_json::Value>,
    ) -> ChangeEffect {
        let old = old.map(|v| &*Box::leak(Box::new(v)));
        let new = new.map(|v| &*Box::leak(Box::new(v)));
        RegionalCluster.change_effect(&Change {
            path,
            old,
            new,
            new_is_unknown: false,
        })
    }

    fn update(path: &'static str, old: serde_json::Value, new: serde_json::Value) -> ChangeEffect {
        effect(path, Some(old), Some(new))
    }

    #[test]
    fn check_fills_only_the_name_prefix() {
        let mut inputs = valid();
        assert_eq!(check(&mut inputs), vec![]);
        assert_eq!(inputs.location, "eastus");
        assert_eq!(inputs.name_prefix, "platform");
        assert_eq!(inputs.names().cluster, "aks-platform-eastus");
        assert_eq!(inputs.names().dns_prefix, "platform-eastus");
        assert_eq!(
            inputs.pod_cidr, None,
            "service defaults stay out of the inputs"
        );
        let resolved = inputs.resolved();
        assert_eq!(resolved.pod_cidr.as_deref(), Some(DEFAULT_POD_CIDR));
        assert_eq!(
            resolved.dns_service_ip.as_deref(),
            Some(DEFAULT_DNS_SERVICE_IP)
        );
        assert_eq!(resolved.network_policy, Some(NetworkPolicy::Cilium));
    }

    #[test]
    fn immutable_settings_replace() {
        for path in ["location", "namePrefix", "resourceGroupName"] {
            assert_eq!(
                update(path, "a".into(), "b".into()),
                ChangeEffect::Replace,
                "{path}"
            );
        }
        assert_eq!(
            update("podNetworking", "overlay".into(), "flat".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("podNetworking", None, Some("overlay".into())),
            ChangeEffect::Update
        );
        assert_eq!(
            update("serviceCidr", "10.96.0.0/16".into(), "10.97.0.0/16".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("serviceCidr", None, Some(DEFAULT_SERVICE_CIDR.into())),
            ChangeEffect::Update
        );
        assert_eq!(
            update("dnsServiceIP", "10.96.0.10".into(), "10.96.0.11".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            update("nodeSubnetId", node_subnet().into(), pod_subnet().into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            update(
                "nodeSubnetId",
                node_subnet().into(),
                node_subnet().to_uppercase().into()
            ),
            ChangeEffect::Update,
            "ids compare case-insensitively"
        );
        assert_eq!(
            update("podSubnetId", pod_subnet().into(), node_subnet().into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            update(
                "systemPool.vmSize",
                "Standard_D4s_v5".into(),
                "Standard_D8s_v5".into()
            ),
            ChangeEffect::Replace
        );
        assert_eq!(
            update("systemPool.name", "system".into(), "sys".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("systemPool.name", None, Some("system".into())),
            ChangeEffect::Update
        );
        assert_eq!(
            update("systemPool.maxPods", 110.into(), 250.into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("systemPool", None, Some(serde_json::json!({"count": 3}))),
            ChangeEffect::Update
        );
        assert_eq!(
            effect(
                "systemPool",
                None,
                Some(serde_json::json!({"vmSize": "Standard_D8s_v5"}))
            ),
            ChangeEffect::Replace
        );
    }

    #[test]
    fn dataplane_upgrades_in_place_only_from_azure_to_cilium() {
        assert_eq!(
            update("networkDataplane", "azure".into(), "cilium".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            effect("networkDataplane", Some("azure".into()), None),
            ChangeEffect::Update
        );
        assert_eq!(
            update("networkDataplane", "cilium".into(), "azure".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("networkDataplane", None, Some("azure".into())),
            ChangeEffect::Replace
        );
        assert_eq!(
            update("networkPolicy", "azure".into(), "cilium".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("networkPolicy", "azure".into(), "calico".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("networkPolicy", None, Some("calico".into())),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("networkPolicy", None, Some("none".into())),
            ChangeEffect::Update
        );
    }

    #[test]
    fn pod_range_expansion_updates_other_changes_replace() {
        assert_eq!(
            update("podCidr", "10.244.0.0/16".into(), "10.244.0.0/15".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            effect("podCidr", None, Some("10.244.0.0/15".into())),
            ChangeEffect::Update
        );
        assert_eq!(
            update("podCidr", "10.244.0.0/16".into(), "10.245.0.0/16".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            update("podCidr", "10.244.0.0/15".into(), "10.244.0.0/16".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            RegionalCluster.change_effect(&Change {
                path: "podCidr",
                old: Some(&"10.244.0.0/16".into()),
                new: Some(&serde_json::Value::Null),
                new_is_unknown: true,
            }),
            ChangeEffect::Replace,
            "an unknown new range may not be an expansion"
        );
    }

    #[test]
    fn in_place_settings_update() {
        assert_eq!(
            update("kubernetesVersion", "1.33".into(), "1.34".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("systemPool.count", 2.into(), 5.into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("skuTier", "Free".into(), "Standard".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("advancedNetworking", false.into(), true.into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("tags.env", "a".into(), "b".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("vnetCidr", "10.0.0.0/14".into(), "10.0.0.0/13".into()),
            ChangeEffect::Update
        );
    }

    #[test]
    fn request_bodies_match_the_schema() {
        let id = managed_cluster_id(SUBSCRIPTION, "rg-platform-eastus", "aks-platform-eastus");
        let path = format!("{id}?api-version={MANAGED_CLUSTERS}");
        let mut overlay = valid();
        overlay.advanced_networking = Some(true);
        overlay.tags = BTreeMap::from([("team".into(), "platform".into())]);
        assert!(check(&mut overlay).is_empty());
        let body = cluster_body(&overlay, None);
        assert_valid_put(&path, &body);
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json["properties"]["networkProfile"]["networkPluginMode"],
            "overlay"
        );
        assert_eq!(
            json["properties"]["networkProfile"]["podCidr"],
            DEFAULT_POD_CIDR
        );

        let mut flat = valid();
        flat.pod_networking = Some(PodNetworking::Flat);
        flat.pod_subnet_id = Some(pod_subnet());
        flat.network_dataplane = Some(NetworkDataplane::Azure);
        flat.network_policy = Some(NetworkPolicy::Calico);
        assert_eq!(check(&mut flat), vec![]);
        let body = cluster_body(&flat, None);
        assert_valid_put(&path, &body);
        let json = serde_json::to_value(&body).unwrap();
        assert!(json["properties"]["networkProfile"]
            .get("networkPluginMode")
            .is_none());
        assert!(json["properties"]["networkProfile"]
            .get("podCidr")
            .is_none());
        assert_eq!(
            json["properties"]["agentPoolProfiles"][0]["podSubnetID"],
            pod_subnet()
        );

        let mut byo = valid();
        byo.pod_networking = Some(PodNetworking::ByoCni);
        assert_eq!(check(&mut byo), vec![]);
        let body = cluster_body(&byo, None);
        assert_valid_put(&path, &body);
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json["properties"]["networkProfile"]["networkPlugin"],
            "none"
        );
        assert!(json["properties"]["networkProfile"]
            .get("networkDataplane")
            .is_none());
        assert!(json["properties"]["networkProfile"]
            .get("networkPolicy")
            .is_none());
    }

    #[test]
    fn live_inputs_omit_defaults_on_import_and_keep_spelling_on_refresh() {
        let mut inputs = valid();
        inputs.kubernetes_version = Some("1.34".into());
        assert!(check(&mut inputs).is_empty());
        let mut cluster = cluster_body(&inputs, None);
        cluster
            .properties
            .network_profile
            .as_mut()
            .unwrap()
            .pod_cidrs = None;
        let pools = cluster.properties.agent_pool_profiles.as_mut().unwrap();
        pools[0].max_pods = Some(250);
        let id = managed_cluster_id(SUBSCRIPTION, "rg-platform-eastus", "aks-platform-eastus");
        let imported = live_inputs(&id, &cluster, None);
        let mut expected = inputs.clone();
        expected.vnet_cidr = None;
        expected.node_subnet_cidr = None;
        assert_eq!(imported, expected);

        let mut explicit = inputs.clone();
        explicit.sku_tier = Some(SkuTier::Free);
        explicit.system_pool = Some(SystemPoolInputs {
            count: Some(2),
            ..Default::default()
        });
        let refreshed = live_inputs(&id, &cluster, Some(&explicit));
        assert_eq!(refreshed, explicit);

        cluster.properties.agent_pool_profiles.as_mut().unwrap()[0].count = Some(4);
        let drifted = live_inputs(&id, &cluster, Some(&inputs));
        assert_eq!(drifted.system_pool.and_then(|p| p.count), Some(4));
    }
}
