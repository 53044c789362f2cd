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
    if let Some(reason) = unmanageable(&vnet_id, &vnet, old.is_none()) {
        return Err(ResourceError::invalid(reason));
    }
    Ok(Some(recorded(
        &vnet_id,
        &vnet,
        azure.subscription_id(),
        old,
    )))
}

/// Why a VNet cannot be imported as a RegionalNetwork, if it cannot. Destroying a RegionalNetwork
/// deletes its whole resource group, so only a VNet laid out as RegionalNetwork lays it out
/// (`vnet-{prefix}-{location}` in `rg-{prefix}-{location}`, with its `nodes` subnet) is taken in:
/// importing any other would put everything else in that group at risk.
pub(crate) fn unmanageable(
    vnet_id: &ResourceId,
    vnet: &VirtualNetwork,
    importing: bool,
) -> Option<String> {
    if !importing {
        return None;
    }
    let location = vnet
        .location
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = vnet_id.name();
    let group = vnet_id.resource_group().unwrap_or_default();
    let prefix = name
        .to_ascii_lowercase()
        .strip_prefix("vnet-")
        .and_then(|rest| rest.strip_suffix(&format!("-{location}")))
        .filter(|prefix| !prefix.is_empty())
        .map(str::to_string);
    let laid_out = prefix
        .as_ref()
        .is_some_and(|prefix| group.eq_ignore_ascii_case(&format!("rg-{prefix}-{location}")));
    if !laid_out {
        return Some(format!(
            "VNet {name} in resource group {group} is not laid out as RegionalNetwork lays out its own (vnet-{{namePrefix}}-{location} in rg-{{namePrefix}}-{location}); destroying a RegionalNetwork deletes its whole resource group, so it imports only its own. Manage this VNet with another provider, or create a RegionalNetwork beside it"
        ));
    }
    if live_subnet(vnet, NODE_SUBNET_NAME).is_none() {
        return Some(format!(
            "VNet {name} has no '{NODE_SUBNET_NAME}' subnet, which every RegionalNetwork has; it was not made by RegionalNetwork, so it cannot be imported as one"
        ));
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Only a VNet RegionalNetwork could have made is imported: destroy deletes its resource group.
    #[test]
    fn imports_take_in_only_networks_laid_out_as_regional_network_does() {
        let cases = [
            // (resource group, VNet, location, subnets, importing, refused because)
            (
                "rg-platform-westeurope",
                "vnet-platform-westeurope",
                "westeurope",
                vec!["nodes", "pods"],
                true,
                None,
            ),
            (
                "RG-Platform-WestEurope",
                "vnet-platform-westeurope",
                "WestEurope",
                vec!["nodes"],
                true,
                None,
            ),
            (
                "rg1",
                "test-vnet",
                "eastus",
                vec!["nodes"],
                true,
                Some("not laid out as RegionalNetwork"),
            ),
            (
                "shared-rg",
                "vnet-platform-westeurope",
                "westeurope",
                vec!["nodes"],
                true,
                Some("deletes its whole resource group"),
            ),
            (
                "rg-platform-westeurope",
                "vnet--westeurope",
                "westeurope",
                vec!["nodes"],
                true,
                Some("not laid out"),
            ),
            (
                "rg-platform-westeurope",
                "vnet-platform-westeurope",
                "westeurope",
                vec!["default"],
                true,
                Some("no 'nodes' subnet"),
            ),
            // Refresh of a network already in state is not an import.
            ("rg1", "test-vnet", "eastus", vec![], false, None),
        ];
        for (group, name, location, subnets, importing, refused) in cases {
            let subnets: Vec<_> = subnets
                .iter()
                .map(|s| json!({"name": s, "properties": {}}))
                .collect();
            let vnet: VirtualNetwork = serde_json::from_value(json!({
                "location": location,
                "properties": {"subnets": subnets}
            }))
            .unwrap();
            let id = ResourceId::parse(&format!(
                "/subscriptions/s/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{name}"
            ))
            .unwrap();
            let reason = unmanageable(&id, &vnet, importing);
            match (refused, &reason) {
                (None, None) => {}
                (Some(expected), Some(reason)) => {
                    assert!(reason.contains(expected), "{name}: {reason}")
                }
                _ => panic!("{group}/{name} importing={importing}: {reason:?}"),
            }
        }
    }
}
