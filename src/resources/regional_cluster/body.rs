//! The ARM request body: the ManagedCluster PUT built from the inputs with defaults resolved.

use super::pools::{agent_pool_body, pool_specs};
use super::types::{AutoScalerSettings, RegionalClusterInputs, RegionalClusterState};
use crate::azure::models::managed_cluster::{
    AdvancedNetworking, AdvancedNetworkingObservability, AdvancedNetworkingSecurity,
    AgentPoolProfile, ApiServerAccessProfile, AutoScalerProfile, AutoUpgradeProfile,
    ManagedCluster, ManagedClusterIdentity, ManagedClusterProperties, ManagedClusterSku,
    NetworkProfile, OidcIssuerProfile, SecurityProfile, Toggle,
};
use crate::resources::common::managed_tags;
use crate::vocabulary::{PodNetworking, SkuTier, Vocabulary};

/// The PUT body for the inputs (defaults resolved).
pub(super) fn cluster_body(
    inputs: &RegionalClusterInputs,
    previous: Option<&RegionalClusterState>,
) -> ManagedCluster {
    let resolved = inputs.resolved();
    let names = inputs.names();
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
            kubernetes_version: kubernetes_version(inputs, previous),
            enable_rbac: Some(true),
            oidc_issuer_profile: Some(OidcIssuerProfile {
                enabled: Some(true),
                issuer_url: None,
            }),
            // The pools are written as agentPools after creation: a cluster PUT without them
            // keeps them (Azure/AKS#1511, pulumi-azure-native#579), and AKS needs one at creation.
            agent_pool_profiles: previous
                .is_none()
                .then(|| vec![system_pool_profile(inputs)]),
            network_profile: Some(network_profile(&resolved)),
            support_plan: Some(support_plan(resolved.sku_tier).into()),
            auto_scaler_profile: inputs.auto_scaler_profile.as_ref().map(auto_scaler_profile),
            // Always sent, empty when unset: an empty list is how AKS lifts the restriction
            // (Learn, api-server-authorized-ip-ranges, "Disable authorized IP ranges").
            api_server_access_profile: Some(ApiServerAccessProfile {
                authorized_ip_ranges: Some(inputs.authorized_ip_ranges.clone().unwrap_or_default()),
            }),
            // Always sent, Azure's defaults when unset: the program is the authority, so a channel
            // set outside it shows in refresh and the next update puts the program's back.
            auto_upgrade_profile: Some(AutoUpgradeProfile {
                upgrade_channel: resolved.upgrade_channel.map(|c| c.to_string()),
                node_os_upgrade_channel: resolved.node_os_upgrade_channel.map(|c| c.to_string()),
            }),
            // The webhook that gives pods federated tokens, not just the issuer (Learn,
            // workload-identity-deploy-cluster enables both).
            security_profile: Some(SecurityProfile {
                workload_identity: Some(Toggle {
                    enabled: Some(true),
                }),
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The Premium tier and long-term support go together: Learn (long-term-support) "Enabling LTS
/// requires moving your cluster to the Premium tier and explicitly selecting the LTS support plan",
/// and leaving Premium requires "explicitly selecting the KubernetesOfficial support plan"
/// (free-standard-pricing-tiers: "LongTermSupport and Premium tier should be enabled/disabled
/// together"). So the plan is always sent, following the tier.
fn support_plan(tier: Option<SkuTier>) -> &'static str {
    match tier {
        Some(SkuTier::Premium) => "AKSLongTermSupport",
        _ => "KubernetesOfficial",
    }
}

/// On update an unset kubernetesVersion keeps the version the cluster runs instead of letting
/// Azure pick a default.
fn kubernetes_version(
    inputs: &RegionalClusterInputs,
    previous: Option<&RegionalClusterState>,
) -> Option<String> {
    inputs.kubernetes_version.clone().or_else(|| {
        previous.and_then(|state| {
            state
                .inputs
                .kubernetes_version
                .clone()
                .or_else(|| state.current_kubernetes_version.clone())
        })
    })
}

fn network_profile(resolved: &RegionalClusterInputs) -> NetworkProfile {
    let networking = resolved.pod_networking();
    let byo_cni = networking == PodNetworking::ByoCni;
    NetworkProfile {
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
        advanced_networking: (!byo_cni)
            .then(|| advanced_networking(resolved.advanced_networking == Some(true))),
        ..Default::default()
    }
}

/// Advanced Container Networking Services: observability and security together, or neither.
fn advanced_networking(enabled: bool) -> AdvancedNetworking {
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
}

/// The autoscaler settings as ARM spells them: flag names, every value a string.
pub(super) fn auto_scaler_profile(settings: &AutoScalerSettings) -> AutoScalerProfile {
    let flag = |value: Option<bool>| value.map(|v| v.to_string());
    AutoScalerProfile {
        scan_interval: settings.scan_interval.clone(),
        expander: settings.expander.map(|e| e.as_str().to_string()),
        balance_similar_node_groups: flag(settings.balance_similar_node_groups),
        scale_down_delay_after_add: settings.scale_down_delay_after_add.clone(),
        scale_down_unneeded_time: settings.scale_down_unneeded_time.clone(),
        scale_down_utilization_threshold: settings.scale_down_utilization_threshold.clone(),
        max_graceful_termination_sec: settings.max_graceful_termination_sec.map(|s| s.to_string()),
        skip_nodes_with_local_storage: flag(settings.skip_nodes_with_local_storage),
    }
}

/// The system pool inline in the cluster's creation, tagged like the agent pool it becomes.
fn system_pool_profile(inputs: &RegionalClusterInputs) -> AgentPoolProfile {
    let specs = pool_specs(inputs);
    let system = &specs[0];
    AgentPoolProfile {
        name: system.name.clone(),
        ..agent_pool_body(system, inputs, inputs.kubernetes_version.as_deref(), None)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::test_support::{check, pod_subnet, valid, SUBSCRIPTION};
    use super::super::types::DEFAULT_POD_CIDR;
    use super::*;
    use crate::azure::api_versions::MANAGED_CLUSTERS;
    use crate::azure::ids::managed_cluster_id;
    use crate::azure::models::schema_check::assert_valid_put;
    use crate::vocabulary::{NetworkDataplane, NetworkPolicy};

    /// Premium is long-term support; every other tier asks for the community plan explicitly,
    /// so leaving Premium also leaves LTS.
    #[test]
    fn the_support_plan_follows_the_tier() {
        let rows = [
            (None, "Free", "KubernetesOfficial"),
            (Some(SkuTier::Free), "Free", "KubernetesOfficial"),
            (Some(SkuTier::Standard), "Standard", "KubernetesOfficial"),
            (Some(SkuTier::Premium), "Premium", "AKSLongTermSupport"),
        ];
        for (tier, sku, plan) in rows {
            let mut inputs = valid();
            inputs.sku_tier = tier;
            assert_eq!(check(&mut inputs), vec![]);
            let json = serde_json::to_value(cluster_body(&inputs, None)).unwrap();
            assert_eq!(json["sku"]["tier"], sku, "{tier:?}");
            assert_eq!(json["properties"]["supportPlan"], plan, "{tier:?}");
        }
    }

    #[test]
    fn request_bodies_match_the_schema() {
        let id = managed_cluster_id(SUBSCRIPTION, "rg-platform-eastus", "aks-platform-eastus");
        let path = format!("{id}?api-version={MANAGED_CLUSTERS}");
        let mut overlay = valid();
        overlay.advanced_networking = Some(true);
        overlay.tags = BTreeMap::from([("team".into(), "platform".into())]);
        overlay.auto_scaler_profile = Some(AutoScalerSettings {
            scan_interval: Some("20s".into()),
            expander: Some(crate::vocabulary::Expander::LeastWaste),
            balance_similar_node_groups: Some(true),
            scale_down_delay_after_add: Some("15m".into()),
            scale_down_unneeded_time: Some("10m".into()),
            scale_down_utilization_threshold: Some("0.5".into()),
            max_graceful_termination_sec: Some(600),
            skip_nodes_with_local_storage: Some(false),
        });
        assert!(check(&mut overlay).is_empty());
        let body = cluster_body(&overlay, None);
        assert_valid_put(&path, &body);
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json["properties"]["networkProfile"]["networkPluginMode"],
            "overlay"
        );
        assert_eq!(
            json["properties"]["autoScalerProfile"]["balance-similar-node-groups"],
            "true"
        );
        assert_eq!(
            json["properties"]["autoScalerProfile"]["expander"],
            "least-waste"
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

        assert_eq!(json["properties"]["supportPlan"], "KubernetesOfficial");

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
}
