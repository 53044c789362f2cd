//! Read: refresh and import, and the outputs built from what Azure reports.

use super::kubeconfig::user_kubeconfig;
use super::live_inputs::live_inputs;
use super::roles::{expected_role_assignments, missing_role_assignments};
use super::types::{RegionalClusterInputs, RegionalClusterState};
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
    let inputs = live_inputs(&cluster_id, &cluster, old.map(|(inputs, _)| inputs));
    let kubeconfig = read_kubeconfig(azure, context, &cluster_id, old).await?;
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
    state.out_of_band_changes = failed_parts(&inputs, &cluster);
    state
        .out_of_band_changes
        .extend(missing_role_assignments(azure, context, &inputs, &cluster).await?);
    Ok(Some(ReadResult {
        id: state.cluster_id.clone(),
        inputs,
        state,
    }))
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
    name.and_then(|name| pools.iter().find(|pool| pool.name == name))
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
