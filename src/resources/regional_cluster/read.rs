//! Read: refresh and import, and the outputs built from what Azure reports.

use super::kubeconfig::user_kubeconfig;
use super::live_inputs::live_inputs;
use super::pools::{carried_pool, carriers, pool_specs, rotating_fields};
use super::roles::{expected_role_assignments, missing_role_assignments};
use super::types::{KubeletIdentity, RegionalClusterInputs, RegionalClusterState};
use crate::azure::models::managed_cluster::{AgentPoolProfile, ManagedCluster};
use crate::azure::{ArmClient, ResourceId};
use crate::resource::ReadOutcome;
use crate::resource::{OperationContext, ReadResult, ResourceError};
use crate::resources::common::read_options;
use crate::resources::common::{failed_in_azure, operation_options};

pub(super) async fn read(
    azure: &ArmClient,
    context: &OperationContext,
    id: &str,
    old: Option<(&RegionalClusterInputs, &RegionalClusterState)>,
) -> ReadOutcome<RegionalClusterInputs, RegionalClusterState> {
    let cluster_id = ResourceId::parse(id).map_err(|e| {
        ResourceError::invalid(format!("'{id}' is not an AKS cluster resource id: {e}"))
    })?;
    let Some(cluster) = azure
        .get::<ManagedCluster>(&cluster_id, &read_options(context))
        .await?
    else {
        return Ok(None);
    };
    if let Some(reason) = unmanageable(&cluster_id, &cluster, old.is_none()) {
        return Err(ResourceError::invalid(reason));
    }
    let mut result = recorded(&cluster_id, &cluster, old);
    result.state.kubeconfig = read_kubeconfig(azure, context, &cluster_id, old).await?;
    result
        .state
        .out_of_band_changes
        .extend(missing_role_assignments(azure, context, &result.inputs, &cluster).await?);
    Ok(Some(result))
}

/// Why RegionalCluster cannot take this live cluster into its state, if it cannot: recording it
/// would claim something Azure does not have, and the next update would act on that claim.
pub(crate) fn unmanageable(
    cluster_id: &ResourceId,
    cluster: &ManagedCluster,
    importing: bool,
) -> Option<String> {
    let name = cluster_id.name();
    let plugin = cluster
        .properties
        .network_profile
        .as_ref()
        .and_then(|n| n.network_plugin.as_deref());
    // kubenet (and any plugin to come) is none of overlay, flat or BYO CNI: reading it as flat
    // Azure CNI with Cilium would be false. Microsoft Learn: kubenet retires on 31 March 2028,
    // and a kubenet cluster can be upgraded in place to Azure CNI Overlay.
    if let Some(plugin) =
        plugin.filter(|p| !["azure", "none"].iter().any(|k| p.eq_ignore_ascii_case(k)))
    {
        return Some(format!(
            "AKS cluster {name} uses network plugin '{plugin}'; RegionalCluster manages Azure CNI (overlay or flat) and BYO CNI clusters only. Upgrade the cluster to Azure CNI Overlay (`az aks update --network-plugin azure --network-plugin-mode overlay`) and import it again, or manage it with another provider"
        ));
    }
    // An update PUTs the cluster named aks-{namePrefix}-{location}: an imported cluster named
    // otherwise would be left alone and a second one created beside it.
    let location = cluster.location.to_ascii_lowercase();
    let named_by_aksmesh = name
        .to_ascii_lowercase()
        .strip_prefix("aks-")
        .and_then(|rest| rest.strip_suffix(&format!("-{location}")))
        .is_some_and(|prefix| !prefix.is_empty());
    if importing && !named_by_aksmesh {
        return Some(format!(
            "AKS cluster {name} is not named aks-{{namePrefix}}-{}, the name RegionalCluster gives its cluster, so an update would create another cluster beside it; manage it with another provider, or create its replacement with RegionalCluster",
            cluster.location
        ));
    }
    None
}

/// What the provider records from the live cluster itself (the kubeconfig and the role
/// assignments' presence come from other calls).
pub(crate) fn recorded(
    cluster_id: &ResourceId,
    cluster: &ManagedCluster,
    old: Option<(&RegionalClusterInputs, &RegionalClusterState)>,
) -> ReadResult<RegionalClusterInputs, RegionalClusterState> {
    let inputs = live_inputs(cluster_id, cluster, old.map(|(inputs, _)| inputs));
    let role_assignment_ids = old
        .map(|(_, state)| state.role_assignment_ids.clone())
        .unwrap_or_else(|| {
            expected_role_assignments(&inputs, cluster.principal_id())
                .into_iter()
                .map(|(_, id)| id)
                .collect()
        });
    let mut state = state_from(&inputs, cluster, cluster_id.as_str());
    state.role_assignment_ids = role_assignment_ids;
    state.out_of_band_changes = failed_parts(&inputs, cluster);
    ReadResult {
        id: state.cluster_id.clone(),
        inputs,
        state,
    }
}

/// The cluster and the agent pool aksmesh writes when Azure reports them Failed: the next update
/// PUTs the cluster (with its pool) again. Role assignments have no provisioningState.
fn failed_parts(inputs: &RegionalClusterInputs, cluster: &ManagedCluster) -> Vec<String> {
    let name = inputs.names().cluster;
    let mut failed: Vec<String> = failed_in_azure(
        &format!("AKS cluster {name}"),
        cluster.properties.provisioning_state.as_deref(),
    )
    .into_iter()
    .collect();
    let resolved = inputs.resolved();
    let pool_name = resolved
        .system_pool
        .as_ref()
        .and_then(|p| p.name.as_deref());
    if let Some(pool) = live_system_pool(cluster, pool_name) {
        failed.extend(failed_in_azure(
            &format!("agent pool {} of AKS cluster {name}", pool.name),
            pool.provisioning_state.as_deref(),
        ));
    }
    failed
}

/// The user kubeconfig; on refresh, the previous one when credentials cannot be listed.
async fn read_kubeconfig(
    azure: &ArmClient,
    context: &OperationContext,
    cluster_id: &ResourceId,
    old: Option<(&RegionalClusterInputs, &RegionalClusterState)>,
) -> Result<Option<String>, ResourceError<RegionalClusterState>> {
    let options = operation_options(
        context,
        format!("reading credentials of AKS cluster {}", cluster_id.name()),
    );
    match user_kubeconfig(azure, cluster_id, &options).await {
        Ok(kubeconfig) => Ok(Some(kubeconfig)),
        // A refresh should not fail only because the caller may not list credentials.
        Err(error) => match old {
            Some((_, state)) => {
                context.warn(&format!(
                    "kept the previous kubeconfig of {}: {error}",
                    cluster_id.name()
                ));
                Ok(state.kubeconfig.clone())
            }
            None => Err(error.into()),
        },
    }
}

/// The system pool Azure reports: the one named like ours, else the first System pool.
pub(super) fn live_system_pool<'a>(
    cluster: &'a ManagedCluster,
    name: Option<&str>,
) -> Option<&'a AgentPoolProfile> {
    let pools = cluster.properties.agent_pool_profiles.as_deref()?;
    name.and_then(|name| {
        let carrying = pools.iter().filter(|pool| carried_pool(pool) == Some(name));
        let mut carrying: Vec<&AgentPoolProfile> = carrying.collect();
        // Mid-rotation two pools carry it: the System one is the system pool.
        carrying.sort_by_key(|pool| pool.mode.as_deref() != Some("System"));
        carrying.first().copied()
    })
    .or_else(|| {
        pools
            .iter()
            .find(|pool| pool.mode.as_deref() == Some("System"))
    })
    .or_else(|| pools.first())
}

/// Outputs from the resolved inputs and what Azure reported.
pub(super) fn state_from(
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
        pool.settings.max_pods = live.max_pods.map(i64::from).or(pool.settings.max_pods);
    }
    RegionalClusterState {
        cluster_name: inputs.names().cluster,
        cluster_id: cluster.id.clone().unwrap_or_else(|| cluster_id.to_string()),
        fqdn: cluster.properties.fqdn.clone(),
        api_server_access: Some(api_server_access(&cluster.authorized_ip_ranges())),
        kubelet_identity: cluster.kubelet_identity().and_then(|identity| {
            Some(KubeletIdentity {
                client_id: identity.client_id.clone()?,
                object_id: identity.object_id.clone()?,
                resource_id: identity.resource_id.clone()?,
            })
        }),
        workload_identity_enabled: Some(cluster.workload_identity_enabled()),
        principal_id: cluster.principal_id().map(str::to_string),
        node_resource_group: cluster.properties.node_resource_group.clone(),
        oidc_issuer_url: cluster.oidc_issuer_url().map(str::to_string),
        current_kubernetes_version: cluster.properties.current_kubernetes_version.clone(),
        inputs: resolved,
        role_assignment_ids: Vec::new(),
        kubeconfig: None,
        agent_pool_names: agent_pool_names(inputs, cluster),
        out_of_band_changes: Vec::new(),
    }
}

/// Who can reach the API server, in a sentence (the output `apiServerAccess`).
fn api_server_access(ranges: &[String]) -> String {
    match ranges {
        [] => "open to the internet: set authorizedIpRanges to limit who reaches the API server"
            .into(),
        ranges => format!(
            "limited to {} authorized range{} ({}) and the cluster's own outbound IP",
            ranges.len(),
            if ranges.len() == 1 { "" } else { "s" },
            ranges.join(", ")
        ),
    }
}

/// Which agent pool carries each pool of the program now: the one whose fixed settings match
/// (mid-rotation the new one), else the first that carries it.
fn agent_pool_names(
    inputs: &RegionalClusterInputs,
    cluster: &ManagedCluster,
) -> std::collections::BTreeMap<String, String> {
    let live = cluster
        .properties
        .agent_pool_profiles
        .as_deref()
        .unwrap_or_default();
    pool_specs(inputs)
        .into_iter()
        .filter_map(|pool| {
            let carrying = carriers(&pool, live);
            let carrier = carrying
                .iter()
                .find(|agent_pool| rotating_fields(&pool.settings, agent_pool).is_empty())
                .or(carrying.first())?;
            Some((pool.name, carrier.name.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Import and refresh take in only clusters RegionalCluster can state truthfully and update
    /// in place.
    #[test]
    fn clusters_it_cannot_manage_are_refused_with_the_reason() {
        let rg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters";
        let cases = [
            // (name, location, plugin, importing, refused because)
            (
                "aks-platform-westeurope",
                "westeurope",
                Some("azure"),
                true,
                None,
            ),
            (
                "aks-platform-westeurope",
                "WestEurope",
                Some("none"),
                true,
                None,
            ),
            ("AKS-Platform-WestEurope", "westeurope", None, true, None),
            (
                "aks-platform-westeurope",
                "westeurope",
                Some("kubenet"),
                false,
                Some("network plugin 'kubenet'"),
            ),
            (
                "aks-platform-westeurope",
                "westeurope",
                Some("kubenet"),
                true,
                Some("network plugin 'kubenet'"),
            ),
            (
                "clustername1",
                "westeurope",
                Some("azure"),
                true,
                Some("is not named aks-{namePrefix}-westeurope"),
            ),
            (
                "aks--westeurope",
                "westeurope",
                Some("azure"),
                true,
                Some("is not named"),
            ),
            (
                "aks-platform-eastus",
                "westeurope",
                Some("azure"),
                true,
                Some("is not named"),
            ),
            // Refresh keeps a cluster already in state whatever its name.
            ("clustername1", "westeurope", Some("azure"), false, None),
            ("aks-é-westeurope", "westeurope", Some("azure"), true, None),
        ];
        for (name, location, plugin, importing, refused) in cases {
            let cluster: ManagedCluster = serde_json::from_value(json!({
                "location": location,
                "properties": {"networkProfile": {"networkPlugin": plugin}}
            }))
            .unwrap();
            let id = ResourceId::parse(&format!("{rg}/{name}")).unwrap();
            let reason = unmanageable(&id, &cluster, importing);
            match (refused, &reason) {
                (None, None) => {}
                (Some(expected), Some(reason)) => {
                    assert!(reason.contains(expected), "{name}: {reason}")
                }
                _ => panic!("{name} {plugin:?} importing={importing}: {reason:?}"),
            }
        }
    }
}
