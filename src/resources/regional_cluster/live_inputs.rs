//! The live cluster mapped back to inputs, for refresh and import. Each input is written the way
//! the old inputs wrote it when Azure agrees, as Azure reports it where it differs, and left out
//! when the old inputs (or an import) leave it to the default.

use std::collections::BTreeMap;

use super::pools::carried_pool;
use super::read::live_system_pool;
use super::types::{
    default_dns_service_ip, AutoScalerSettings, Autoscaling, NodePoolSettings,
    RegionalClusterInputs, SystemPoolInputs, DEFAULT_POD_CIDR, DEFAULT_POOL_NAME,
    DEFAULT_SERVICE_CIDR, DEFAULT_SKU_TIER,
};
use crate::azure::ids::ids_equal;
use crate::azure::models::managed_cluster::{
    AgentPoolProfile, AutoScalerProfile, AutoUpgradeProfile, ManagedCluster, NetworkProfile,
};
use crate::azure::ResourceId;
use crate::resources::common::user_tags;
use crate::vocabulary::{
    Expander, NetworkDataplane, NetworkPolicy, NodeOsUpgradeChannel, OsDiskType, OsSku,
    PodNetworking, SkuTier, UpgradeChannel, Vocabulary,
};

/// Inputs that reproduce the live cluster (refresh keeps `old`'s representation; import has none).
pub(super) fn live_inputs(
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
    // What unset settings resolve to: the old inputs' profile, or (on import) none.
    let defaults = RegionalClusterInputs {
        location: location.clone(),
        ..old.cloned().unwrap_or_default()
    };
    let pool_name = defaults.resolved_system_pool().name;
    let live_pool = live_system_pool(cluster, pool_name.as_deref())
        .cloned()
        .unwrap_or_default();
    let live_pools = cluster
        .properties
        .agent_pool_profiles
        .clone()
        .unwrap_or_default();
    let live_networking = live_pod_networking(&network);
    let (network_dataplane, network_policy) = dataplane_and_policy(old, &network, live_networking);
    let (service_cidr, dns_service_ip) = service_range(old, &network);
    let system_pool = system_pool(old, &defaults, &live_pool);
    RegionalClusterInputs {
        resource_group_name: resource_group_name(cluster_id, old),
        name_prefix: name_prefix(cluster_id, &location, old),
        node_subnet_id: subnet(
            old.map(|i| i.node_subnet_id.clone()),
            live_pool.vnet_subnet_id.clone(),
        )
        .unwrap_or_default(),
        pod_subnet_id: if live_networking == PodNetworking::Flat {
            subnet(
                old.and_then(|i| i.pod_subnet_id.clone()),
                live_pool.pod_subnet_id.clone(),
            )
        } else {
            None
        },
        pod_networking: represent(
            old.and_then(|i| i.pod_networking).as_ref(),
            Some(live_networking),
            Some(&PodNetworking::Overlay),
            |a, b| a == b,
        ),
        network_dataplane,
        network_policy,
        pod_cidr: pod_cidr(old, &network, live_networking),
        service_cidr,
        dns_service_ip,
        vnet_cidr: old.and_then(|i| i.vnet_cidr.clone()),
        node_subnet_cidr: old.and_then(|i| i.node_subnet_cidr.clone()),
        kubernetes_version: kubernetes_version(cluster, old),
        system_pool: (!system_pool.is_empty()).then_some(system_pool),
        user_pools: user_pools(old, &defaults, &live_pools),
        auto_scaler_profile: auto_scaler(
            old.and_then(|inputs| inputs.auto_scaler_profile.as_ref()),
            cluster.properties.auto_scaler_profile.as_ref(),
        ),
        profile: old.and_then(|inputs| inputs.profile),
        sku_tier: sku_tier(cluster, old, &defaults),
        advanced_networking: advanced_networking(&network, old),
        upgrade_channel: represent(
            old.and_then(|i| i.upgrade_channel).as_ref(),
            live_channel(cluster, |profile| profile.upgrade_channel.as_deref()),
            Some(&UpgradeChannel::default()),
            |a, b| a == b,
        ),
        node_os_upgrade_channel: represent(
            old.and_then(|i| i.node_os_upgrade_channel).as_ref(),
            live_channel(cluster, |profile| {
                profile.node_os_upgrade_channel.as_deref()
            }),
            Some(&NodeOsUpgradeChannel::default()),
            |a, b| a == b,
        ),
        authorized_ip_ranges: represent(
            old.and_then(|i| i.authorized_ip_ranges.as_ref()),
            Some(cluster.authorized_ip_ranges()),
            Some(&Vec::new()),
            |a, b| sorted(a.clone()) == sorted(b.clone()),
        ),
        tags: user_tags(cluster.tags.as_ref()),
        location,
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

fn resource_group_name(cluster_id: &ResourceId, old: Option<&RegionalClusterInputs>) -> String {
    match old {
        Some(inputs)
            if ids_equal(
                &inputs.resource_group_name,
                cluster_id.resource_group().unwrap_or_default(),
            ) =>
        {
            inputs.resource_group_name.clone()
        }
        _ => cluster_id.resource_group().unwrap_or_default().to_string(),
    }
}

fn name_prefix(
    cluster_id: &ResourceId,
    location: &str,
    old: Option<&RegionalClusterInputs>,
) -> String {
    match old {
        Some(inputs) => inputs.name_prefix.clone(),
        // Import: recover the prefix from the deterministic cluster name.
        None => cluster_id
            .name()
            .strip_prefix("aks-")
            .and_then(|rest| rest.strip_suffix(&format!("-{location}")))
            .unwrap_or(cluster_id.name())
            .to_string(),
    }
}

/// A subnet id keeps the old spelling when it names the same subnet.
fn subnet(old_id: Option<String>, live_id: Option<String>) -> Option<String> {
    match (old_id, live_id) {
        (Some(old_id), Some(live_id)) if ids_equal(&old_id, &live_id) => Some(old_id),
        (_, live_id) => live_id,
    }
}

/// The pod networking mode the live network profile shows.
fn live_pod_networking(network: &NetworkProfile) -> PodNetworking {
    let plugin = network.network_plugin.as_deref().unwrap_or("azure");
    if plugin.eq_ignore_ascii_case("none") {
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
    }
}

/// With BYO CNI neither is set; otherwise each is compared with its default (the policy's
/// default follows the dataplane).
fn dataplane_and_policy(
    old: Option<&RegionalClusterInputs>,
    network: &NetworkProfile,
    live_networking: PodNetworking,
) -> (Option<NetworkDataplane>, Option<NetworkPolicy>) {
    let byo_cni = live_networking == PodNetworking::ByoCni;
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
    (network_dataplane, network_policy)
}

/// Flat pod networking has no pod range.
fn pod_cidr(
    old: Option<&RegionalClusterInputs>,
    network: &NetworkProfile,
    live_networking: PodNetworking,
) -> Option<String> {
    if live_networking == PodNetworking::Flat {
        None
    } else {
        represent(
            old.and_then(|i| i.pod_cidr.clone()).as_ref(),
            network.pod_cidr.clone(),
            Some(&DEFAULT_POD_CIDR.to_string()),
            same_text,
        )
    }
}

/// The service range and DNS address; the address's default follows the live service range.
fn service_range(
    old: Option<&RegionalClusterInputs>,
    network: &NetworkProfile,
) -> (Option<String>, Option<String>) {
    let live_service = network
        .service_cidr
        .clone()
        .unwrap_or_else(|| DEFAULT_SERVICE_CIDR.into());
    let dns_default = default_dns_service_ip(&live_service);
    let service_cidr = represent(
        old.and_then(|i| i.service_cidr.clone()).as_ref(),
        Some(live_service),
        Some(&DEFAULT_SERVICE_CIDR.to_string()),
        same_text,
    );
    let dns_service_ip = represent(
        old.and_then(|i| i.dns_service_ip.clone()).as_ref(),
        network.dns_service_ip.clone(),
        Some(&dns_default),
        same_text,
    );
    (service_cidr, dns_service_ip)
}

/// The system pool as the program would write it: the name and every setting the old inputs
/// give or that has a default, as the pool that carries it reports them.
fn system_pool(
    old: Option<&RegionalClusterInputs>,
    defaults: &RegionalClusterInputs,
    live_pool: &AgentPoolProfile,
) -> SystemPoolInputs {
    let old_pool = old.and_then(|inputs| inputs.system_pool.as_ref());
    let default = defaults.resolved_system_pool();
    let name = old_pool.and_then(|p| p.name.clone());
    SystemPoolInputs {
        // The program's name stays: a rotation gives the agent pool another.
        name: match old {
            Some(_) => name,
            None => represent(
                None,
                carried_pool(live_pool).map(str::to_string),
                Some(&DEFAULT_POOL_NAME.to_string()),
                |a, b| a == b,
            ),
        },
        settings: pool_settings(old_pool.map(|p| &p.settings), &default.settings, live_pool),
    }
}

/// One pool's settings from the agent pool that carries it. A setting neither given nor
/// defaulted is left to Azure and stays out, so refresh never invents a change.
pub(super) fn pool_settings(
    old: Option<&NodePoolSettings>,
    default: &NodePoolSettings,
    live: &AgentPoolProfile,
) -> NodePoolSettings {
    let old = old.cloned().unwrap_or_default();
    let live_range = (live.enable_auto_scaling == Some(true)).then(|| Autoscaling {
        min_count: live.min_count.map(i64::from).unwrap_or_default(),
        max_count: live.max_count.map(i64::from).unwrap_or_default(),
    });
    let autoscaling = observed(
        old.autoscaling.as_ref(),
        live_range.clone(),
        default.autoscaling.as_ref(),
        |a, b| a == b,
    );
    // The autoscaler's count is not drift.
    let count = if live_range.is_some() || autoscaling.is_some() {
        None
    } else {
        observed(
            old.count.as_ref(),
            live.count.map(i64::from),
            default.count.as_ref(),
            |a, b| a == b,
        )
    };
    NodePoolSettings {
        vm_size: observed(
            old.vm_size.as_ref(),
            live.vm_size.clone(),
            default.vm_size.as_ref(),
            same_text,
        ),
        count,
        autoscaling,
        zones: observed(
            old.zones.as_ref(),
            Some(sorted(live.availability_zones.clone().unwrap_or_default())),
            default.zones.as_ref(),
            |a, b| sorted(a.clone()) == sorted(b.clone()),
        ),
        os_sku: observed(
            old.os_sku.as_ref(),
            live.os_sku.as_deref().and_then(OsSku::parse),
            default.os_sku.as_ref(),
            |a, b| a == b,
        ),
        os_disk_type: observed(
            old.os_disk_type.as_ref(),
            live.os_disk_type.as_deref().and_then(OsDiskType::parse),
            default.os_disk_type.as_ref(),
            |a, b| a == b,
        ),
        max_pods: observed(
            old.max_pods.as_ref(),
            live.max_pods.map(i64::from),
            default.max_pods.as_ref(),
            |a, b| a == b,
        ),
        max_surge: observed(
            old.max_surge.as_ref(),
            live.upgrade_settings
                .as_ref()
                .and_then(|u| u.max_surge.clone()),
            default.max_surge.as_ref(),
            |a, b| a == b,
        ),
        node_labels: observed(
            old.node_labels.as_ref(),
            Some(live.node_labels.clone().unwrap_or_default()),
            default.node_labels.as_ref(),
            |a, b| a == b,
        ),
        node_taints: observed(
            old.node_taints.as_ref(),
            Some(live.node_taints.clone().unwrap_or_default()),
            default.node_taints.as_ref(),
            |a, b| sorted(a.clone()) == sorted(b.clone()),
        ),
    }
}

/// The user pools: each one the old inputs name (or the profile gives), from the agent pool
/// that carries it; on import, every User pool.
fn user_pools(
    old: Option<&RegionalClusterInputs>,
    defaults: &RegionalClusterInputs,
    live: &[AgentPoolProfile],
) -> Option<BTreeMap<String, NodePoolSettings>> {
    let given = old.and_then(|inputs| inputs.user_pools.as_ref());
    let default_pools = defaults.resolved_user_pools();
    if old.is_none() {
        let imported: BTreeMap<String, NodePoolSettings> = live
            .iter()
            .filter(|pool| pool.mode.as_deref() == Some("User"))
            .filter_map(|pool| {
                let name = carried_pool(pool)?.to_string();
                let settings = pool_settings(None, &NodePoolSettings::default(), pool);
                Some((name, settings))
            })
            .collect();
        return (!imported.is_empty()).then_some(imported);
    }
    let names: Vec<String> = match given {
        Some(pools) => pools.keys().cloned().collect(),
        None => default_pools.keys().cloned().collect(),
    };
    let mut found = BTreeMap::new();
    for name in names {
        let Some(agent_pool) = live
            .iter()
            .find(|pool| carried_pool(pool) == Some(name.as_str()))
        else {
            continue;
        };
        let given_pool = given.and_then(|pools| pools.get(&name));
        let default = default_pools.get(&name).cloned().unwrap_or_default();
        found.insert(name, pool_settings(given_pool, &default, agent_pool));
    }
    match given {
        Some(_) => Some(found),
        // Left to the profile: stays so while every pool it gives is there as it gives it.
        None if found.len() == default_pools.len()
            && found
                .values()
                .all(|pool| *pool == NodePoolSettings::default()) =>
        {
            None
        }
        None => Some(found),
    }
}

/// The autoscaler settings the old inputs give, as Azure has them; none given, none recorded
/// (AKS fills every key with its default).
fn auto_scaler(
    old: Option<&AutoScalerSettings>,
    live: Option<&AutoScalerProfile>,
) -> Option<AutoScalerSettings> {
    let old = old?;
    let live = live.cloned().unwrap_or_default();
    let flag = |text: Option<String>| text.and_then(|t| t.parse::<bool>().ok());
    let same = |a: &String, b: &String| a == b;
    Some(AutoScalerSettings {
        scan_interval: observed(old.scan_interval.as_ref(), live.scan_interval, None, same),
        expander: observed(
            old.expander.as_ref(),
            live.expander.as_deref().and_then(Expander::parse),
            None,
            |a, b| a == b,
        ),
        balance_similar_node_groups: observed(
            old.balance_similar_node_groups.as_ref(),
            flag(live.balance_similar_node_groups),
            None,
            |a, b| a == b,
        ),
        scale_down_delay_after_add: observed(
            old.scale_down_delay_after_add.as_ref(),
            live.scale_down_delay_after_add,
            None,
            same,
        ),
        scale_down_unneeded_time: observed(
            old.scale_down_unneeded_time.as_ref(),
            live.scale_down_unneeded_time,
            None,
            same,
        ),
        scale_down_utilization_threshold: observed(
            old.scale_down_utilization_threshold.as_ref(),
            live.scale_down_utilization_threshold,
            None,
            same,
        ),
        max_graceful_termination_sec: observed(
            old.max_graceful_termination_sec.as_ref(),
            live.max_graceful_termination_sec
                .and_then(|t| t.parse::<i64>().ok()),
            None,
            |a, b| a == b,
        ),
        skip_nodes_with_local_storage: observed(
            old.skip_nodes_with_local_storage.as_ref(),
            flag(live.skip_nodes_with_local_storage),
            None,
            |a, b| a == b,
        ),
    })
}

/// Like `represent`, but a setting neither given nor defaulted stays out whatever Azure has.
fn observed<T: PartialEq + Clone>(
    old: Option<&T>,
    live: Option<T>,
    default: Option<&T>,
    same: impl Fn(&T, &T) -> bool,
) -> Option<T> {
    if old.is_none() && default.is_none() {
        return None;
    }
    represent(old, live, default, same)
}

/// A channel of the cluster's `autoUpgradeProfile`, when Azure reports one aksmesh knows.
fn live_channel<T: Vocabulary>(
    cluster: &ManagedCluster,
    field: impl Fn(&AutoUpgradeProfile) -> Option<&str>,
) -> Option<T> {
    cluster
        .properties
        .auto_upgrade_profile
        .as_ref()
        .and_then(field)
        .and_then(T::parse)
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

fn sku_tier(
    cluster: &ManagedCluster,
    old: Option<&RegionalClusterInputs>,
    defaults: &RegionalClusterInputs,
) -> Option<SkuTier> {
    let live_tier = cluster
        .sku
        .as_ref()
        .and_then(|sku| sku.tier.as_deref())
        .and_then(SkuTier::parse);
    represent(
        old.and_then(|i| i.sku_tier).as_ref(),
        live_tier,
        Some(&defaults.resolved().sku_tier.unwrap_or(DEFAULT_SKU_TIER)),
        |a, b| a == b,
    )
}

fn advanced_networking(
    network: &NetworkProfile,
    old: Option<&RegionalClusterInputs>,
) -> Option<bool> {
    let live_advanced = network
        .advanced_networking
        .as_ref()
        .and_then(|advanced| advanced.enabled)
        .unwrap_or(false);
    represent(
        old.and_then(|i| i.advanced_networking).as_ref(),
        Some(live_advanced),
        Some(&false),
        |a, b| a == b,
    )
}

/// An unset version follows whatever AKS runs; a pinned one (or an import) shows Azure's.
fn kubernetes_version(
    cluster: &ManagedCluster,
    old: Option<&RegionalClusterInputs>,
) -> Option<String> {
    match old {
        Some(inputs) if inputs.kubernetes_version.is_none() => None,
        _ => represent(
            old.and_then(|i| i.kubernetes_version.clone()).as_ref(),
            cluster.properties.kubernetes_version.clone(),
            None,
            |a, b| a == b,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::body::cluster_body;
    use super::super::test_support::{check, valid, SUBSCRIPTION};
    use super::*;
    use crate::azure::ids::managed_cluster_id;

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
        // An import cannot know the profile a cluster was made with: it leaves zones and images
        // to Azure.
        expected.profile = None;
        expected.vnet_cidr = None;
        expected.node_subnet_cidr = None;
        assert_eq!(imported, expected);

        let mut explicit = inputs.clone();
        explicit.sku_tier = Some(SkuTier::Free);
        explicit.system_pool = Some(SystemPoolInputs {
            name: None,
            settings: NodePoolSettings {
                count: Some(2),
                ..Default::default()
            },
        });
        let refreshed = live_inputs(&id, &cluster, Some(&explicit));
        assert_eq!(refreshed, explicit);

        cluster.properties.agent_pool_profiles.as_mut().unwrap()[0].count = Some(4);
        let drifted = live_inputs(&id, &cluster, Some(&inputs));
        assert_eq!(drifted.system_pool.and_then(|p| p.settings.count), Some(4));
    }
}
