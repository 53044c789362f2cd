//! Converging the node pools: each pool of the program is written through its own agentPools
//! resource, only when Azure's pool differs, and rotated (create the new pool, wait until it has
//! Succeeded, then delete the old one) when a setting AKS fixes at creation changes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::pools::{
    agent_pool_body, carried_pool, carriers, in_place_changes, pool_specs, rotating_fields,
    rotation_name, PoolSpec,
};
use super::types::RegionalClusterInputs;
use crate::azure::models::managed_cluster::{AgentPool, AgentPoolProfile};
use crate::azure::{ArmClient, ResourceId};
use crate::resource::{Failure, OperationContext};
use crate::resources::common::{operation_options, read_options, PollSchedule};

/// Provisioning states of an operation still running on a pool.
const BUSY: [&str; 6] = [
    "Creating",
    "Updating",
    "Scaling",
    "Deleting",
    "Upgrading",
    "Starting",
];

/// Brings the cluster's agent pools to the program's pools and returns which agent pool carries
/// each of them. `retired` names pools of the previous program that are gone now: their agent
/// pools are deleted, after every remaining pool has converged.
pub(super) async fn converge_pools(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    cluster_id: &ResourceId,
    live: &[AgentPoolProfile],
    retired: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>, Failure> {
    let version = inputs.kubernetes_version.as_deref();
    let mut carried = BTreeMap::new();
    for pool in pool_specs(inputs) {
        let name = converge_pool(azure, context, inputs, cluster_id, live, &pool, version).await?;
        carried.insert(pool.name.clone(), name);
    }
    for agent_pool in live {
        let gone = carried_pool(agent_pool).is_some_and(|pool| retired.contains(pool))
            && !carried.values().any(|name| *name == agent_pool.name);
        if gone {
            delete_pool(azure, context, cluster_id, &agent_pool.name, "removing").await?;
        }
    }
    Ok(carried)
}

async fn converge_pool(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    cluster_id: &ResourceId,
    live: &[AgentPoolProfile],
    pool: &PoolSpec,
    version: Option<&str>,
) -> Result<String, Failure> {
    let carrying = carriers(pool, live);
    let keeper = carrying
        .iter()
        .copied()
        .find(|agent_pool| rotating_fields(&pool.settings, agent_pool).is_empty());
    let name = match keeper {
        Some(agent_pool) => {
            let id = cluster_id.child("agentPools", &agent_pool.name);
            let current = settled(azure, context, &id, agent_pool).await?;
            let changes = in_place_changes(&pool.settings, pool.system, version, &current);
            if !changes.is_empty() || failed(&current) {
                let body = AgentPool {
                    properties: agent_pool_body(pool, inputs, version, Some(&current)),
                    ..Default::default()
                };
                let doing = format!(
                    "updating pool {} ({})",
                    agent_pool.name,
                    if changes.is_empty() {
                        "repairing".to_string()
                    } else {
                        changes.join(", ")
                    }
                );
                azure
                    .put(&id, &body, &operation_options(context, doing))
                    .await?;
            }
            agent_pool.name.clone()
        }
        None => {
            // The first agent pool of a pool takes its name; a rotation's takes a generated one.
            let name = if carrying.is_empty() && !live.iter().any(|p| p.name == pool.name) {
                pool.name.clone()
            } else {
                rotation_name(pool)
            };
            let doing = match carrying.first() {
                Some(old) => format!(
                    "rotating pool {} ({} cannot change in place): creating agent pool {name} before deleting {}",
                    pool.path(),
                    rotating_fields(&pool.settings, old).join(", "),
                    old.name
                ),
                None => format!("creating pool {} as agent pool {name}", pool.path()),
            };
            let body = AgentPool {
                properties: agent_pool_body(pool, inputs, version, None),
                ..Default::default()
            };
            let id = cluster_id.child("agentPools", &name);
            azure
                .put(&id, &body, &operation_options(context, doing))
                .await?;
            name
        }
    };
    // Only once the new pool has Succeeded do the old ones go (AKS cordons and drains them).
    for old in carrying.iter().filter(|agent_pool| agent_pool.name != name) {
        delete_pool(azure, context, cluster_id, &old.name, "rotating out").await?;
    }
    Ok(name)
}

fn failed(pool: &AgentPoolProfile) -> bool {
    pool.provisioning_state
        .as_deref()
        .is_some_and(|state| ["Failed", "Canceled"].contains(&state))
}

/// The pool once no operation runs on it (an interrupted run may have left one going).
async fn settled(
    azure: &ArmClient,
    context: &OperationContext,
    id: &ResourceId,
    seen: &AgentPoolProfile,
) -> Result<AgentPoolProfile, Failure> {
    let busy = |pool: &AgentPoolProfile| {
        pool.provisioning_state
            .as_deref()
            .is_some_and(|state| BUSY.contains(&state))
    };
    if !busy(seen) {
        return Ok(seen.clone());
    }
    let mut schedule = PollSchedule::new(context, Duration::from_secs(2), Duration::from_secs(30));
    loop {
        schedule
            .pause(&format!("agent pool {} to finish its operation", id.name()))
            .await?;
        let pool = azure
            .get::<AgentPool>(id, &read_options(context))
            .await?
            .map(|pool| pool.properties);
        match pool {
            Some(pool) if busy(&pool) => continue,
            Some(pool) => return Ok(pool),
            None => return Ok(seen.clone()),
        }
    }
}

async fn delete_pool(
    azure: &ArmClient,
    context: &OperationContext,
    cluster_id: &ResourceId,
    name: &str,
    why: &str,
) -> Result<(), Failure> {
    let id = cluster_id.child("agentPools", name);
    azure
        .delete::<AgentPool>(
            &id,
            &operation_options(
                context,
                format!("{why} agent pool {name} (draining its nodes)"),
            ),
        )
        .await?;
    Ok(())
}
