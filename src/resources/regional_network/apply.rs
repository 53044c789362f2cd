//! Create and update: the resource group, VNet and subnets, each an idempotent PUT.

use super::types::{
    RegionalNetworkInputs, RegionalNetworkState, NODE_SUBNET_NAME, POD_SUBNET_NAME,
};
use crate::azure::ids::{resource_group_id, subnet_id, virtual_network_id};
use crate::azure::models::network::{
    AddressSpace, Subnet, SubnetProperties, VirtualNetwork, VirtualNetworkProperties,
};
use crate::azure::models::resource_group::ResourceGroup;
use crate::azure::ResourceId;
use crate::azure::{ArmClient, AzureError, WriteFailure};
use crate::resource::{OperationContext, ResourceError};
use crate::resources::common::{azure_failure, managed_tags, operation_options, write_failure};

/// Creates or converges the network: resource group, VNet, subnets. Every step is an idempotent PUT,
/// so running it again after a failure resumes where the last run stopped.
pub(super) async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalNetworkInputs,
    previous: Option<&RegionalNetworkState>,
) -> Result<(String, RegionalNetworkState), ResourceError<RegionalNetworkState>> {
    let state = planned_state(azure.subscription_id(), inputs);
    // Once the resource group may exist, a failure leaves something behind: report it as partial
    // (with the planned ids, which Delete needs) so the engine keeps the id and the next `up`
    // resumes.
    let resumable = || {
        (
            state.vnet_id.clone(),
            previous.cloned().unwrap_or_else(|| state.clone()),
        )
    };
    let partial = |error: AzureError| azure_failure(error, Some(resumable()));
    put_resource_group(azure, context, &state)
        .await
        .map_err(|failure| write_failure(failure, previous.is_some(), resumable))?;
    put_vnet(azure, context, &state).await.map_err(&partial)?;
    put_subnets(azure, context, &state)
        .await
        .map_err(&partial)?;
    remove_dropped_pod_subnet(azure, context, &state, previous)
        .await
        .map_err(&partial)?;
    Ok((state.vnet_id.clone(), state))
}

/// The outputs the inputs lead to: every name and id is deterministic.
fn planned_state(subscription: &str, inputs: &RegionalNetworkInputs) -> RegionalNetworkState {
    let names = inputs.names();
    let subnet = |name: &str| subnet_id(subscription, &names.resource_group, &names.vnet, name);
    RegionalNetworkState {
        inputs: inputs.clone(),
        resource_group_id: resource_group_id(subscription, &names.resource_group).to_string(),
        vnet_id: virtual_network_id(subscription, &names.resource_group, &names.vnet).to_string(),
        node_subnet_id: subnet(NODE_SUBNET_NAME).to_string(),
        pod_subnet_id: inputs
            .pod_subnet_cidr
            .as_ref()
            .map(|_| subnet(POD_SUBNET_NAME).to_string()),
        resource_group_name: names.resource_group,
        vnet_name: names.vnet,
        out_of_band_changes: Vec::new(),
    }
}

/// The first write: its failure tells whether the group may exist.
async fn put_resource_group(
    azure: &ArmClient,
    context: &OperationContext,
    state: &RegionalNetworkState,
) -> Result<(), WriteFailure> {
    let location = &state.inputs.location;
    let group = ResourceGroup {
        location: location.clone(),
        tags: Some(managed_tags(&state.inputs.tags)),
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!(
            "creating resource group {} in {location}",
            state.resource_group_name
        ),
    );
    let id = ResourceId::parse(&state.resource_group_id).map_err(WriteFailure::refused)?;
    azure.put_tracked(&id, &group, &options).await.map(|_| ())
}

async fn put_vnet(
    azure: &ArmClient,
    context: &OperationContext,
    state: &RegionalNetworkState,
) -> Result<(), AzureError> {
    let location = &state.inputs.location;
    let vnet = VirtualNetwork {
        location: Some(location.clone()),
        tags: Some(managed_tags(&state.inputs.tags)),
        properties: VirtualNetworkProperties {
            address_space: Some(AddressSpace {
                address_prefixes: vec![state.inputs.vnet_cidr.clone()],
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!("creating VNet {} in {location}", state.vnet_name),
    );
    azure
        .put(&ResourceId::parse(&state.vnet_id)?, &vnet, &options)
        .await
        .map(|_| ())
}

/// The node subnet, then the pod subnet when there is one: child resources, so a VNet PUT never
/// drops them.
async fn put_subnets(
    azure: &ArmClient,
    context: &OperationContext,
    state: &RegionalNetworkState,
) -> Result<(), AzureError> {
    let inputs = &state.inputs;
    let mut subnets = vec![(
        NODE_SUBNET_NAME,
        &state.node_subnet_id,
        inputs.node_subnet_cidr.clone(),
    )];
    if let (Some(id), Some(cidr)) = (&state.pod_subnet_id, &inputs.pod_subnet_cidr) {
        subnets.push((POD_SUBNET_NAME, id, cidr.clone()));
    }
    for (name, id, cidr) in subnets {
        let subnet = Subnet {
            properties: SubnetProperties {
                address_prefix: Some(cidr),
                ..Default::default()
            },
            ..Default::default()
        };
        let options = operation_options(
            context,
            format!("creating subnet {name} in {}", state.vnet_name),
        );
        azure
            .put(&ResourceId::parse(id)?, &subnet, &options)
            .await?;
    }
    Ok(())
}

/// A pod subnet the inputs no longer name is removed (Azure refuses while pods still use it).
async fn remove_dropped_pod_subnet(
    azure: &ArmClient,
    context: &OperationContext,
    state: &RegionalNetworkState,
    previous: Option<&RegionalNetworkState>,
) -> Result<(), AzureError> {
    if state.pod_subnet_id.is_some() {
        return Ok(());
    }
    let Some(old_pod_subnet) = previous.and_then(|p| p.pod_subnet_id.as_ref()) else {
        return Ok(());
    };
    let options = operation_options(
        context,
        format!("deleting subnet {POD_SUBNET_NAME} in {}", state.vnet_name),
    );
    azure
        .delete::<Subnet>(&ResourceId::parse(old_pod_subnet)?, &options)
        .await
}
