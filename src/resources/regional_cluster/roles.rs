//! Network Contributor for the cluster identity on its subnets, so internal load balancers work:
//! which grants it needs, making them, and noticing on refresh when one was removed out of band.

use super::types::{RegionalClusterInputs, RegionalClusterState};
use crate::azure::ids::{
    role_assignment_id, role_assignment_name, role_definition_id, NETWORK_CONTRIBUTOR_ROLE,
};
use crate::azure::models::managed_cluster::ManagedCluster;
use crate::azure::models::role_assignment::RoleAssignment;
use crate::azure::{ArmClient, AzureError, ResourceId};
use crate::resource::{OperationContext, ResourceError};
use crate::resources::common::{operation_options, read_options};
use crate::vocabulary::PodNetworking;

/// The Network Contributor assignments the cluster identity needs: (scope, assignment id).
pub(super) fn expected_role_assignments(
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

/// Grants every expected assignment, pushing onto `granted` the ones aksmesh owns (and so
/// deletes), so a failure part-way still reports those made before it.
pub(super) async fn grant_network_contributor(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    principal: &str,
    granted: &mut Vec<String>,
) -> Result<(), AzureError> {
    let cluster = inputs.names().cluster;
    for (scope, assignment_id) in expected_role_assignments(inputs, Some(principal)) {
        let role = role_definition_id(
            ResourceId::parse(&scope)
                .ok()
                .and_then(|id| id.subscription_id().map(str::to_string))
                .as_deref()
                .unwrap_or(azure.subscription_id()),
            NETWORK_CONTRIBUTOR_ROLE,
        );
        let mut assignment = RoleAssignment::for_service_principal(role.to_string(), principal);
        assignment.properties.description = Some(format!(
            "aksmesh: lets AKS cluster {cluster} manage load balancers in this subnet"
        ));
        let options = operation_options(
            context,
            format!("granting AKS cluster {cluster} Network Contributor on {scope}"),
        );
        match azure
            .put(&ResourceId::parse(&assignment_id)?, &assignment, &options)
            .await
        {
            Ok(_) => granted.push(assignment_id),
            // The same grant already exists (ours from an earlier run, or someone else's): the
            // identity has the access it needs. Only ours is recorded for delete.
            Err(error) if error.existing_role_assignment().is_some() => {
                if names_assignment(&error, &assignment_id) {
                    granted.push(assignment_id);
                }
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Whether a RoleAssignmentExists refusal is about this very assignment (ours from an earlier
/// run) rather than an equal grant under another name.
fn names_assignment(error: &AzureError, assignment_id: &str) -> bool {
    let ours = assignment_id.rsplit('/').next().unwrap_or_default();
    error
        .existing_role_assignment()
        .is_some_and(|existing| existing.to_string().eq_ignore_ascii_case(ours))
}

/// The Network Contributor grants the cluster identity should have but Azure no longer holds.
pub(super) async fn missing_role_assignments(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalClusterInputs,
    cluster: &ManagedCluster,
) -> Result<Vec<String>, ResourceError<RegionalClusterState>> {
    let options = read_options(context);
    let mut missing = Vec::new();
    for (scope, assignment_id) in expected_role_assignments(inputs, cluster.principal_id()) {
        let found = match azure
            .get::<RoleAssignment>(&ResourceId::parse(&assignment_id)?, &options)
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
