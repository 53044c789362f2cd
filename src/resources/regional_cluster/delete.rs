//! Delete: the role assignments aksmesh made, then the cluster.

use super::roles::expected_role_assignments;
use super::types::RegionalClusterState;
use crate::azure::ids::ids_equal;
use crate::azure::models::managed_cluster::ManagedCluster;
use crate::azure::models::role_assignment::RoleAssignment;
use crate::azure::ArmClient;
use crate::azure::ResourceId;
use crate::resource::{OperationContext, ResourceError};
use crate::resources::common::operation_options;

pub(super) async fn delete(
    azure: &ArmClient,
    context: &OperationContext,
    id: &str,
    state: &RegionalClusterState,
) -> Result<(), ResourceError<RegionalClusterState>> {
    let mut assignments = state.role_assignment_ids.clone();
    // A partial create may have granted roles before recording them: derive them too.
    for (_, expected) in expected_role_assignments(&state.inputs, state.principal_id.as_deref()) {
        if !assignments.iter().any(|known| ids_equal(known, &expected)) {
            assignments.push(expected);
        }
    }
    for assignment in &assignments {
        let options = operation_options(context, format!("deleting role assignment {assignment}"));
        azure
            .delete::<RoleAssignment>(&ResourceId::parse(assignment)?, &options)
            .await
            .map_err(ResourceError::from)?;
    }
    let cluster_id = if state.cluster_id.is_empty() {
        id
    } else {
        &state.cluster_id
    };
    let options = operation_options(
        context,
        format!("deleting AKS cluster {}", state.cluster_name),
    );
    azure
        .delete::<ManagedCluster>(&ResourceId::parse(cluster_id)?, &options)
        .await
        .map_err(ResourceError::from)
}
