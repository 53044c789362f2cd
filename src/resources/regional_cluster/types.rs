//! The RegionalCluster's inputs and outputs, the service defaults, and the names derived from them.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::net;
use crate::vocabulary::{NetworkDataplane, NetworkPolicy, PodNetworking, SkuTier};

pub const DEFAULT_POD_CIDR: &str = "10.244.0.0/16";
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/16";
pub const DEFAULT_DNS_SERVICE_IP: &str = "10.96.0.10";
pub const DEFAULT_POOL_NAME: &str = "system";
pub const DEFAULT_VM_SIZE: &str = "Standard_D4s_v5";
pub const DEFAULT_NODE_COUNT: i64 = 2;
/// What AKS gives overlay, flat and BYO CNI pools when maxPods is not set.
pub const DEFAULT_MAX_PODS: i64 = 250;
pub const DEFAULT_SKU_TIER: SkuTier = SkuTier::Free;

/// The cluster's system node pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    pub(super) fn is_empty(&self) -> bool {
        self == &SystemPoolInputs::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionalClusterInputs {
    // Required strings default to empty so Check can say what is missing and where.
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub location: String,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub resource_group_name: String,
    /// Prefix of the Azure names; defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("x-resolved" = true))]
    pub name_prefix: String,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub node_subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub pod_networking: Option<PodNetworking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_dataplane: Option<NetworkDataplane>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<NetworkPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub service_cidr: Option<String>,
    #[serde(
        default,
        rename = "dnsServiceIP",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(extend("x-resolved" = true))]
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
    #[schemars(extend("x-resolved" = true))]
    pub system_pool: Option<SystemPoolInputs>,
    /// AKS pricing tier, Free by default. Premium comes with long-term support: aksmesh asks for
    /// supportPlan AKSLongTermSupport with it (and KubernetesOfficial with Free and Standard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub sku_tier: Option<SkuTier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub advanced_networking: Option<bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// Outputs: the inputs with every default resolved, plus what Azure reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
pub(super) fn default_dns_service_ip(service_cidr: &str) -> String {
    match net::parse_cidr(service_cidr) {
        Ok(range) => {
            Ipv4Addr::from(u32::from(range.network()).saturating_add(net::DNS_SERVICE_IP_OFFSET))
                .to_string()
        }
        Err(_) => DEFAULT_DNS_SERVICE_IP.into(),
    }
}
