//! Delete: the network's resource group, and with it everything inside.

use super::types::RegionalNetworkState;
use crate::azure::models::resource_group::ResourceGroup;
use crate::azure::ArmClient;
use crate::azure::ResourceId;
use crate::resource::{OperationContext, ResourceError};
use crate::resources::common::operation_options;

pub(super) async fn delete(
    azure: &ArmClient,
    context: &OperationContext,
    state: &RegionalNetworkState,
) -> Result<(), ResourceError<RegionalNetworkState>> {
    // The resource group holds only what aksmesh put there for this region; deleting it removes
    // the VNet and subnets in one operation.
    let options = operation_options(
        context,
        format!("deleting resource group {}", state.resource_group_name),
    );
    azure
        .delete::<ResourceGroup>(&ResourceId::parse(&state.resource_group_id)?, &options)
        .await
        .map_err(ResourceError::from)
}
