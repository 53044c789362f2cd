//! Read: refresh and import, mapping the live VNet back to inputs and outputs.

use super::types::{
    RegionalNetworkInputs, RegionalNetworkState, NODE_SUBNET_NAME, POD_SUBNET_NAME,
};
use crate::azure::ids::resource_group_id;
use crate::azure::models::network::{VirtualNetwork, VirtualNetworkSubnet};
use crate::azure::OperationOptions;
use crate::azure::{ArmClient, ResourceId};
use crate::resource::ReadOutcome;
use crate::resource::{ReadResult, ResourceError};
use crate::resources::common::{failed_in_azure, user_tags};

pub(super) async fn read(
    azure: &ArmClient,
    options: &OperationOptions,
    id: &str,
    old: Option<(&RegionalNetworkInputs, &RegionalNetworkState)>,
) -> ReadOutcome<RegionalNetworkInputs, RegionalNetworkState> {
    let vnet_id = ResourceId::parse(id)
        .map_err(|e| ResourceError::invalid(format!("'{id}' is not a VNet resource id: {e}")))?;
    let Some(vnet) = azure.get::<VirtualNetwork>(&vnet_id, options).await? else {
        return Ok(None);
    };
    Ok(Some(recorded(
        &vnet_id,
        &vnet,
        azure.subscription_id(),
        old,
    )))
}

/// What the provider records from the live VNet: inputs that reproduce it and the outputs.
pub(crate) fn recorded(
    vnet_id: &ResourceId,
    vnet: &VirtualNetwork,
    subscription: &str,
    old: Option<(&RegionalNetworkInputs, &RegionalNetworkState)>,
) -> ReadResult<RegionalNetworkInputs, RegionalNetworkState> {
    let resource_group = vnet_id.resource_group().unwrap_or_default().to_string();
    let inputs = live_inputs(vnet_id, vnet, old.map(|(inputs, _)| inputs));
    let state = RegionalNetworkState {
        resource_group_id: resource_group_id(subscription, &resource_group).to_string(),
        resource_group_name: resource_group,
        vnet_name: vnet_id.name().to_string(),
        vnet_id: vnet.id.clone().unwrap_or_else(|| vnet_id.to_string()),
        node_subnet_id: vnet_id.child("subnets", NODE_SUBNET_NAME).to_string(),
        pod_subnet_id: inputs
            .pod_subnet_cidr
            .as_ref()
            .map(|_| vnet_id.child("subnets", POD_SUBNET_NAME).to_string()),
        out_of_band_changes: failed_parts(vnet_id, vnet, &inputs),
        inputs: inputs.clone(),
    };
    ReadResult {
        id: state.vnet_id.clone(),
        inputs,
        state,
    }
}

/// Inputs that reproduce the live VNet (refresh keeps `old`'s prefix; import recovers it).
fn live_inputs(
    vnet_id: &ResourceId,
    vnet: &VirtualNetwork,
    old: Option<&RegionalNetworkInputs>,
) -> RegionalNetworkInputs {
    let location = vnet.location.clone().unwrap_or_default();
    let name_prefix = match old {
        Some(inputs) => inputs.name_prefix.clone(),
        // Import: recover the prefix from the deterministic VNet name.
        None => vnet_id
            .name()
            .strip_prefix("vnet-")
            .and_then(|rest| rest.strip_suffix(&format!("-{location}")))
            .unwrap_or(vnet_id.name())
            .to_string(),
    };
    RegionalNetworkInputs {
        location,
        name_prefix,
        vnet_cidr: vnet
            .properties
            .address_space
            .as_ref()
            .and_then(|a| a.address_prefixes.first().cloned())
            .unwrap_or_default(),
        node_subnet_cidr: subnet_prefix(vnet, NODE_SUBNET_NAME).unwrap_or_default(),
        pod_subnet_cidr: subnet_prefix(vnet, POD_SUBNET_NAME),
        tags: user_tags(vnet.tags.as_ref()),
    }
}

/// The VNet and the subnets aksmesh writes that Azure reports Failed: the next update PUTs
/// each of them again.
fn failed_parts(
    vnet_id: &ResourceId,
    vnet: &VirtualNetwork,
    inputs: &RegionalNetworkInputs,
) -> Vec<String> {
    let vnet_name = vnet_id.name();
    let mut failed: Vec<String> = failed_in_azure(
        &format!("VNet {vnet_name}"),
        vnet.properties.provisioning_state.as_deref(),
    )
    .into_iter()
    .collect();
    let mut ours = vec![NODE_SUBNET_NAME];
    if inputs.pod_subnet_cidr.is_some() {
        ours.push(POD_SUBNET_NAME);
    }
    for name in ours {
        let state =
            live_subnet(vnet, name).and_then(|s| s.properties.provisioning_state.as_deref());
        failed.extend(failed_in_azure(
            &format!("subnet {name} in {vnet_name}"),
            state,
        ));
    }
    failed
}

fn live_subnet<'a>(vnet: &'a VirtualNetwork, name: &str) -> Option<&'a VirtualNetworkSubnet> {
    vnet.properties
        .subnets
        .iter()
        .flatten()
        .find(|s| s.name.eq_ignore_ascii_case(name))
}

/// The (first) address range of the VNet's subnet with this name.
fn subnet_prefix(vnet: &VirtualNetwork, name: &str) -> Option<String> {
    live_subnet(vnet, name).and_then(|s| {
        s.properties.address_prefix.clone().or_else(|| {
            s.properties
                .address_prefixes
                .as_ref()
                .and_then(|p| p.first().cloned())
        })
    })
}
