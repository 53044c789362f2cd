//! Delete: both directions, each by its recorded id.

use super::super::common::operation_options;
use super::types::VnetPeeringState;
use crate::azure::models::network::VirtualNetworkPeering;
use crate::azure::ArmClient;
use crate::azure::ResourceId;
use crate::resource::{OperationContext, ResourceError};

pub(super) async fn delete(
    azure: &ArmClient,
    context: &OperationContext,
    id: &str,
    state: &VnetPeeringState,
) -> Result<(), ResourceError<VnetPeeringState>> {
    // 404 and 204 count as done, so a delete interrupted half-way can simply run again.
    for (name, peering_id) in directions(id, state) {
        let options = operation_options(context, format!("deleting peering {name}"));
        azure
            .delete::<VirtualNetworkPeering>(&ResourceId::parse(&peering_id)?, &options)
            .await
            .map_err(ResourceError::from)?;
    }
    Ok(())
}

/// The name and id of each direction to delete: the local one always, the remote one when its id
/// is recorded or derivable from the inputs.
fn directions(id: &str, state: &VnetPeeringState) -> Vec<(String, String)> {
    let mut directions = vec![(
        state.local_peering_name.clone(),
        if state.local_peering_id.is_empty() {
            id.to_string()
        } else {
            state.local_peering_id.clone()
        },
    )];
    let remote_id = if state.remote_peering_id.is_empty() {
        state
            .inputs
            .endpoints()
            .map(|e| e.remote_peering.to_string())
            .ok()
    } else {
        Some(state.remote_peering_id.clone())
    };
    if let Some(remote_id) = remote_id {
        directions.push((state.remote_peering_name.clone(), remote_id));
    }
    directions
}
