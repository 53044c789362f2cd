//! The live cluster mapped back to inputs, for refresh and import. Each input is written the way
//! the old inputs wrote it when Azure agrees, as Azure reports it where it differs, and left out
//! when the old inputs (or an import) leave it to the default.

use super::read::live_system_pool;
use super::types::{
    default_dns_service_ip, RegionalClusterInputs, SystemPoolInputs, DEFAULT_MAX_PODS,
    DEFAULT_NODE_COUNT, DEFAULT_POD_CIDR, DEFAULT_POOL_NAME, DEFAULT_SERVICE_CIDR,
    DEFAULT_SKU_TIER, DEFAULT_VM_SIZE,
};
use crate::azure::ids::ids_equal;
use crate::azure::models::managed_cluster::{AgentPoolProfile, ManagedCluster, NetworkProfile};
use crate::azure::ResourceId;
use crate::resources::common::user_tags;
use crate::vocabulary::{NetworkDataplane, NetworkPolicy, PodNetworking, SkuTier, Vocabulary};

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
    let pool_name = old
        .map(|inputs| inputs.resolved())
        .and_then(|resolved| resolved.system_pool)
        .and_then(|pool| pool.name);
    let live_pool = live_system_pool(cluster, pool_name.as_deref())
        .cloned()
        .unwrap_or_default();
    let live_networking = live_pod_networking(&network);
    let (network_dataplane, network_policy) = dataplane_and_policy(old, &network, live_networking);
    let (service_cidr, dns_service_ip) = service_range(old, &network);
    let system_pool = system_pool(old.and_then(|i| i.system_pool.as_ref()), &live_pool);
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
        sku_tier: sku_tier(cluster, old),
        advanced_networking: advanced_networking(&network, old),
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

fn system_pool(
    old_pool: Option<&SystemPoolInputs>,
    live_pool: &AgentPoolProfile,
) -> SystemPoolInputs {
    SystemPoolInputs {
        name: represent(
            old_pool.and_then(|p| p.name.clone()).as_ref(),
            Some(live_pool.name.clone()).filter(|n| !n.is_empty()),
            Some(&DEFAULT_POOL_NAME.to_string()),
            |a, b| a == b,
        ),
        vm_size: represent(
            old_pool.and_then(|p| p.vm_size.clone()).as_ref(),
            live_pool.vm_size.clone(),
            Some(&DEFAULT_VM_SIZE.to_string()),
            same_text,
        ),
        count: represent(
            old_pool.and_then(|p| p.count).as_ref(),
            live_pool.count.map(i64::from),
            Some(&DEFAULT_NODE_COUNT),
            |a, b| a == b,
        ),
        max_pods: represent(
            old_pool.and_then(|p| p.max_pods).as_ref(),
            live_pool.max_pods.map(i64::from),
            Some(&DEFAULT_MAX_PODS),
            |a, b| a == b,
        ),
    }
}

fn sku_tier(cluster: &ManagedCluster, old: Option<&RegionalClusterInputs>) -> Option<SkuTier> {
    let live_tier = cluster
        .sku
        .as_ref()
        .and_then(|sku| sku.tier.as_deref())
        .and_then(SkuTier::parse);
    represent(
        old.and_then(|i| i.sku_tier).as_ref(),
        live_tier,
        Some(&DEFAULT_SKU_TIER),
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
