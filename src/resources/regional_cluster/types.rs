//! The RegionalCluster's inputs and outputs, the service defaults, and the names derived from them.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::net;
use crate::regions;
use crate::vocabulary::{
    ClusterProfile, Expander, NetworkDataplane, NetworkPolicy, NodeOsUpgradeChannel, OsDiskType,
    OsSku, PodNetworking, SkuTier, UpgradeChannel,
};

pub const DEFAULT_POD_CIDR: &str = "10.244.0.0/16";
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/16";
pub const DEFAULT_DNS_SERVICE_IP: &str = "10.96.0.10";
pub const DEFAULT_POOL_NAME: &str = "system";
pub const DEFAULT_VM_SIZE: &str = "Standard_D4s_v5";
pub const DEFAULT_NODE_COUNT: i64 = 2;
/// The production system pool: one node per zone.
pub const PRODUCTION_SYSTEM_NODE_COUNT: i64 = 3;
/// Keeps application pods off the production system pool (Learn, use-system-pools).
pub const CRITICAL_ADDONS_ONLY: &str = "CriticalAddonsOnly=true:NoSchedule";
/// The production profile's user pool and its autoscaler range.
pub const DEFAULT_USER_POOL_NAME: &str = "user";
pub const DEFAULT_USER_POOL_MIN: i64 = 2;
pub const DEFAULT_USER_POOL_MAX: i64 = 10;
/// A pool that names no count and does not autoscale.
pub const DEFAULT_USER_POOL_COUNT: i64 = 2;
pub const DEFAULT_OS_SKU: OsSku = OsSku::AzureLinux;
/// What AKS gives overlay, flat and BYO CNI pools when maxPods is not set.
pub const DEFAULT_MAX_PODS: i64 = 250;
pub const DEFAULT_SKU_TIER: SkuTier = SkuTier::Free;

/// The settings every node pool has. Unset settings take the cluster profile's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    /// A fixed node count; leave it out when the pool autoscales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Availability zones ("1", "2", "3"); empty means no zones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_sku: Option<OsSku>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_disk_type: Option<OsDiskType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods: Option<i64>,
    /// Extra nodes during an upgrade: a number ("1") or a percentage ("33%").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_labels: Option<BTreeMap<String, String>>,
    /// `key=value:Effect`, e.g. `CriticalAddonsOnly=true:NoSchedule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_taints: Option<Vec<String>>,
}

impl NodePoolSettings {
    /// These settings with every setting `over` gives in their place.
    pub fn overlaid(&self, over: &NodePoolSettings) -> NodePoolSettings {
        let pick = |mine: &NodePoolSettings, theirs: &NodePoolSettings| NodePoolSettings {
            vm_size: theirs.vm_size.clone().or(mine.vm_size.clone()),
            // A count and an autoscaler range exclude each other: the override's choice wins.
            count: if theirs.autoscaling.is_some() {
                theirs.count
            } else {
                theirs.count.or(mine.count)
            },
            autoscaling: if theirs.count.is_some() {
                theirs.autoscaling.clone()
            } else {
                theirs.autoscaling.clone().or(mine.autoscaling.clone())
            },
            zones: theirs.zones.clone().or(mine.zones.clone()),
            os_sku: theirs.os_sku.or(mine.os_sku),
            os_disk_type: theirs.os_disk_type.or(mine.os_disk_type),
            max_pods: theirs.max_pods.or(mine.max_pods),
            max_surge: theirs.max_surge.clone().or(mine.max_surge.clone()),
            node_labels: theirs.node_labels.clone().or(mine.node_labels.clone()),
            node_taints: theirs.node_taints.clone().or(mine.node_taints.clone()),
        };
        pick(self, over)
    }
}

/// The cluster autoscaler's common settings, for every autoscaled pool of the cluster. Unset
/// settings keep AKS's defaults (Learn, cluster-autoscaler: "Use the cluster autoscaler profile").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoScalerSettings {
    /// How often the autoscaler re-evaluates, e.g. `20s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expander: Option<Expander>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_similar_node_groups: Option<bool>,
    /// e.g. `10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_delay_after_add: Option<String>,
    /// e.g. `10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_unneeded_time: Option<String>,
    /// e.g. `0.5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_utilization_threshold: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_graceful_termination_sec: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_nodes_with_local_storage: Option<bool>,
}

/// The cluster autoscaler's range for a pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Autoscaling {
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub min_count: i64,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub max_count: i64,
}

/// The cluster's system node pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemPoolInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub settings: NodePoolSettings,
}

impl SystemPoolInputs {
    pub fn is_empty(&self) -> bool {
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
    /// User pools by name; each is its own ARM agent pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub user_pools: Option<BTreeMap<String, NodePoolSettings>>,
    /// The cluster autoscaler's settings; updates in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_scaler_profile: Option<AutoScalerSettings>,
    /// Which defaults a new cluster gets. Fixed when the cluster is created; a cluster created
    /// before profiles existed has none and keeps the settings it was created with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ClusterProfile>,
    /// AKS pricing tier, Free by default. Premium comes with long-term support: aksmesh asks for
    /// supportPlan AKSLongTermSupport with it (and KubernetesOfficial with Free and Standard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub sku_tier: Option<SkuTier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub advanced_networking: Option<bool>,
    /// How AKS upgrades Kubernetes by itself; unset keeps Azure's default (`none`). In place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_channel: Option<UpgradeChannel>,
    /// How the nodes' OS is patched; unset keeps Azure's default (`NodeImage`). In place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_os_upgrade_channel: Option<NodeOsUpgradeChannel>,
    /// The public IPv4 ranges (CIDRs or addresses, at most 200) allowed to reach the API server;
    /// unset or empty leaves it open to the internet. Updates in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_ip_ranges: Option<Vec<String>>,
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
    /// Who can reach the API server, as Azure reports it: open to the internet, or the
    /// authorized ranges only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server_access: Option<String>,
    /// The kubelet's managed identity, which pulls images: the principal to grant AcrPull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubelet_identity: Option<KubeletIdentity>,
    /// Whether the workload identity webhook runs (pods get federated tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_identity_enabled: Option<bool>,
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
    /// The ARM agent pool that carries each pool now (a rotation gives a pool a new one).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub agent_pool_names: BTreeMap<String, String>,
    /// What refresh found changed outside Pulumi that no input shows (a deleted role
    /// assignment); the next `up` grants it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band_changes: Vec<String>,
}

/// A managed identity AKS made for the cluster, as ARM reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KubeletIdentity {
    pub client_id: String,
    pub object_id: String,
    pub resource_id: String,
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
        resolved.system_pool = Some(self.resolved_system_pool());
        resolved.user_pools = Some(self.resolved_user_pools());
        resolved.sku_tier = Some(self.sku_tier.unwrap_or(match self.profile {
            Some(ClusterProfile::Production) => SkuTier::Standard,
            _ => DEFAULT_SKU_TIER,
        }));
        resolved.advanced_networking = Some(self.advanced_networking.unwrap_or(false));
        resolved.upgrade_channel = Some(self.upgrade_channel.unwrap_or_default());
        resolved.node_os_upgrade_channel = Some(self.node_os_upgrade_channel.unwrap_or_default());
        resolved
    }
}

impl RegionalClusterInputs {
    /// The system pool with the profile's defaults. A cluster created before profiles existed
    /// keeps today's shape: unset zones and OS image stay unset, so nothing is sent that would
    /// rotate its pool.
    pub fn resolved_system_pool(&self) -> SystemPoolInputs {
        let pool = self.system_pool.clone().unwrap_or_default();
        let production = self.profile == Some(ClusterProfile::Production);
        let mut settings = self.pool_defaults(pool.settings, self.profile.is_some());
        if settings.autoscaling.is_none() && settings.count.is_none() {
            settings.count = Some(if production {
                PRODUCTION_SYSTEM_NODE_COUNT
            } else {
                DEFAULT_NODE_COUNT
            });
        }
        if production && settings.node_taints.is_none() {
            settings.node_taints = Some(vec![CRITICAL_ADDONS_ONLY.to_string()]);
        }
        SystemPoolInputs {
            name: Some(pool.name.unwrap_or_else(|| DEFAULT_POOL_NAME.into())),
            settings,
        }
    }

    /// The user pools with their defaults; the production profile adds one autoscaled pool
    /// unless `userPools` is given (an empty map means none).
    pub fn resolved_user_pools(&self) -> BTreeMap<String, NodePoolSettings> {
        let pools = self.user_pools.clone().unwrap_or_else(|| {
            if self.profile == Some(ClusterProfile::Production) {
                BTreeMap::from([(
                    DEFAULT_USER_POOL_NAME.to_string(),
                    NodePoolSettings {
                        autoscaling: Some(Autoscaling {
                            min_count: DEFAULT_USER_POOL_MIN,
                            max_count: DEFAULT_USER_POOL_MAX,
                        }),
                        ..Default::default()
                    },
                )])
            } else {
                BTreeMap::new()
            }
        });
        pools
            .into_iter()
            .map(|(name, pool)| {
                let mut settings = self.pool_defaults(pool, true);
                if settings.autoscaling.is_none() && settings.count.is_none() {
                    settings.count = Some(DEFAULT_USER_POOL_COUNT);
                }
                (name, settings)
            })
            .collect()
    }

    /// VM size always; zones (where the region has them) and the OS image only for pools that
    /// take the new defaults. osDiskType and maxPods stay AKS's: Ephemeral where the VM size's
    /// cache holds the OS disk, else Managed (managedClusters.json, OSDiskType).
    fn pool_defaults(&self, mut pool: NodePoolSettings, new_defaults: bool) -> NodePoolSettings {
        pool.vm_size.get_or_insert_with(|| DEFAULT_VM_SIZE.into());
        if new_defaults {
            if pool.zones.is_none() && regions::has_availability_zones(&self.location) {
                pool.zones = Some(DEFAULT_ZONES.iter().map(|z| z.to_string()).collect());
            }
            pool.os_sku.get_or_insert(DEFAULT_OS_SKU);
        }
        pool
    }
}

/// Pools spread over every zone of a zonal region.
pub const DEFAULT_ZONES: [&str; 3] = ["1", "2", "3"];

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
