//! Deleting a fleet mesh: the profile, every member, and the fleet when aksmesh created it.

use super::super::types::CiliumMeshState;
use crate::azure::models::fleet::ClusterMeshProfile;
use crate::azure::models::fleet::Fleet;
use crate::azure::models::fleet::FleetMember;
use crate::azure::ArmClient;
use crate::azure::ResourceId;
use crate::resource::{OperationContext, ResourceError};
use crate::resources::common::operation_options;

pub(in crate::resources::cilium_mesh) async fn delete_fleet(
    azure: &ArmClient,
    context: &OperationContext,
    state: &CiliumMeshState,
) -> Result<(), ResourceError<CiliumMeshState>> {
    let failed = ResourceError::<CiliumMeshState>::from;
    if let Some(profile) = &state.cluster_mesh_profile_id {
        let options = operation_options(context, "deleting the cluster mesh profile".into());
        azure
            .delete::<ClusterMeshProfile>(&ResourceId::parse(profile)?, &options)
            .await
            .map_err(failed)?;
    }
    for member in &state.members {
        let options = operation_options(context, format!("deleting fleet member {}", member.name));
        azure
            .delete::<FleetMember>(&ResourceId::parse(&member.member_id)?, &options)
            .await
            .map_err(failed)?;
    }
    if state.fleet_created {
        if let Some(fleet) = &state.fleet_id {
            let options = operation_options(
                context,
                format!(
                    "deleting fleet {}",
                    state.fleet_name.clone().unwrap_or_default()
                ),
            );
            azure
                .delete::<Fleet>(&ResourceId::parse(fleet)?, &options)
                .await
                .map_err(failed)?;
        }
    }
    Ok(())
}
