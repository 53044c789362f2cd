//! Create and update: the cluster PUT (only when a cluster setting changed), its node pools, its
//! subnet role assignments and its kubeconfig.

use std::collections::BTreeSet;

use super::body::cluster_body;
use super::kubeconfig::user_kubeconfig;
use super::pool_apply::converge_pools;
use super::pools::pool_specs;
use super::read::state_from;
use super::roles::{expected_role_assignments, grant_network_contributor};
use super::types::{RegionalClusterInputs, RegionalClusterState};
use crate::azure::ids::managed_cluster_id;
use crate::azure::models::managed_cluster::ManagedCluster;
use crate::azure::ResourceId;
use crate::azure::{ArmClient, AzureError};
use crate::resource::{Failure, OperationContext, ResourceError};
use crate::resources::common::{azure_failure, operation_options, read_options, write_failure};

/// Creates or converges the cluster, its subnet role assignments and its kubeconfig. Every step
/// is idempotent, so running it again after a failure resumes where the last run stopped.
pub(super) async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    old: Option<(&RegionalClusterInputs, &RegionalClusterState)>,
) -> Result<(String, RegionalClusterState), ResourceError<RegionalClusterState>> {
    let previous = old.map(|(_, state)| state);
    let names = inputs.names();
    let cluster_id = managed_cluster_id(
        azure.subscription_id(),
        &inputs.resource_group_name,
        &names.cluster,
    )
    .to_string();
    let known = known_state(inputs, previous, &cluster_id);
    let cluster = match old {
        // Only pools changed: the cluster is not written (its pools are their own resources).
        Some((old_inputs, state)) if !cluster_changed(old_inputs, inputs, state) => {
            read_cluster(azure, context, &cluster_id, &known).await?
        }
        _ => put_cluster(azure, context, inputs, previous, &cluster_id, &known).await?,
    };
    let mut state = RegionalClusterState {
        role_assignment_ids: known.role_assignment_ids.clone(),
        kubeconfig: known.kubeconfig.clone(),
        agent_pool_names: known.agent_pool_names.clone(),
        ..state_from(inputs, &cluster, &cluster_id)
    };
    let partial = |error: AzureError, state: &RegionalClusterState| {
        azure_failure(error, Some((cluster_id.clone(), state.clone())))
    };

    let live_pools = cluster
        .properties
        .agent_pool_profiles
        .clone()
        .unwrap_or_default();
    let retired = retired_pools(old.map(|(inputs, _)| inputs), inputs);
    let cluster_resource = ResourceId::parse(&cluster_id)?;
    match converge_pools(
        azure,
        context,
        inputs,
        &cluster_resource,
        &live_pools,
        &retired,
    )
    .await
    {
        Ok(carried) => state.agent_pool_names = carried,
        Err(failure) => {
            // The engine records the new inputs with a partial state, so only this note makes
            // the next `up` converge the pools again.
            state.out_of_band_changes.push(format!(
                "the node pools of AKS cluster {} did not finish converging ({failure}); the next update applies them again",
                names.cluster
            ));
            return Err(ResourceError::Partial {
                id: cluster_id.clone(),
                state,
                reason: failure,
            });
        }
    }

    let Some(principal) = cluster.principal_id().map(str::to_string) else {
        return Err(ResourceError::Partial {
            id: cluster_id.clone(),
            state,
            reason: Failure::Invalid(format!("Azure reported no identity for AKS cluster {}, so it cannot be granted Network Contributor on its subnets; run the update again", names.cluster)),
        });
    };
    // Granted before, and refresh found nothing missing: no write (a pool change writes only
    // its pool).
    let expected: Vec<String> = expected_role_assignments(inputs, Some(&principal))
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let already_granted = previous.is_some_and(|previous| {
        previous.out_of_band_changes.is_empty()
            && expected
                .iter()
                .all(|id| previous.role_assignment_ids.contains(id))
    });
    if !already_granted {
        let mut granted = Vec::new();
        let granting =
            grant_network_contributor(azure, context, inputs, &principal, &mut granted).await;
        state.role_assignment_ids = granted;
        if let Err(error) = granting {
            return Err(partial(error, &state));
        }
    }

    let options = operation_options(
        context,
        format!("reading credentials of AKS cluster {}", names.cluster),
    );
    match user_kubeconfig(azure, &ResourceId::parse(&cluster_id)?, &options).await {
        Ok(kubeconfig) => state.kubeconfig = Some(kubeconfig),
        Err(error) => return Err(partial(error, &state)),
    }
    Ok((cluster_id, state))
}

/// Whether a cluster setting (not a pool's) changed, or refresh found the cluster needing repair.
fn cluster_changed(
    old: &RegionalClusterInputs,
    new: &RegionalClusterInputs,
    previous: &RegionalClusterState,
) -> bool {
    let without_pools = |inputs: &RegionalClusterInputs| {
        let mut body = cluster_body(inputs, Some(previous));
        body.properties.agent_pool_profiles = None;
        serde_json::to_value(body).unwrap_or_default()
    };
    !previous.out_of_band_changes.is_empty() || without_pools(old) != without_pools(new)
}

/// The pools of the previous program that the new one no longer has.
fn retired_pools(
    old: Option<&RegionalClusterInputs>,
    new: &RegionalClusterInputs,
) -> BTreeSet<String> {
    let kept: BTreeSet<String> = pool_specs(new).into_iter().map(|p| p.name).collect();
    old.map(pool_specs)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.name)
        .filter(|name| !kept.contains(name))
        .collect()
}

async fn read_cluster(
    azure: &ArmClient,
    context: &OperationContext,
    cluster_id: &str,
    known: &RegionalClusterState,
) -> Result<ManagedCluster, ResourceError<RegionalClusterState>> {
    let id = ResourceId::parse(cluster_id)?;
    match azure.get::<ManagedCluster>(&id, &read_options(context)).await {
        Ok(Some(cluster)) => Ok(cluster),
        Ok(None) => Err(ResourceError::invalid(format!(
            "AKS cluster {} no longer exists; run `pulumi refresh`, then `pulumi up` to create it again",
            id.name()
        ))),
        Err(error) => Err(azure_failure(
            error,
            Some((cluster_id.to_string(), known.clone())),
        )),
    }
}

/// What is known before the PUT: the previous state (so a failure report carries it) under the
/// new names; on create, the resolved inputs.
fn known_state(
    inputs: &RegionalClusterInputs,
    previous: Option<&RegionalClusterState>,
    cluster_id: &str,
) -> RegionalClusterState {
    let mut state = RegionalClusterState {
        inputs: inputs.resolved(),
        cluster_name: inputs.names().cluster,
        cluster_id: cluster_id.to_string(),
        ..previous.cloned().unwrap_or_default()
    };
    if let Some(previous) = previous {
        // Keep what is already known so a failure report carries it.
        state.inputs = previous.inputs.clone();
    }
    state
}

async fn put_cluster(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    previous: Option<&RegionalClusterState>,
    cluster_id: &str,
    known: &RegionalClusterState,
) -> Result<ManagedCluster, ResourceError<RegionalClusterState>> {
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
            inputs.names().cluster,
            inputs.location
        ),
    );
    // Only a refused PUT leaves nothing behind on create. After Azure accepted it (the operation
    // failed, the read-back failed, the connection dropped, it timed out) the cluster may exist,
    // perhaps in Failed state, and the partial state lets Delete remove it.
    azure
        .put_tracked(&ResourceId::parse(cluster_id)?, &body, &options)
        .await
        .map_err(|failure| {
            write_failure(failure, previous.is_some(), || {
                (cluster_id.to_string(), known.clone())
            })
        })
}
