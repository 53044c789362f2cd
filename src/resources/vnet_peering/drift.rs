//! Out-of-band changes: how the live directions differ from the bodies aksmesh writes.

use super::body::peering_body;
use super::types::VnetPeeringInputs;
use crate::azure::ids::ids_equal;
use crate::azure::models::network::{VirtualNetworkPeering, VirtualNetworkPeeringProperties};
use crate::azure::ResourceId;
use crate::resource::ResourceError;
use crate::resources::common::failed_in_azure;

/// What differs between both live directions and the bodies aksmesh writes: the local direction
/// against `local_inputs`, the remote one against `remote_inputs`.
pub(super) fn peering_drift<S>(
    local: &VirtualNetworkPeering,
    remote: &VirtualNetworkPeering,
    local_inputs: &VnetPeeringInputs,
    remote_inputs: &VnetPeeringInputs,
) -> Result<Vec<String>, ResourceError<S>> {
    let local_expected = peering_body(local_inputs, &local_inputs.endpoints()?.remote_vnet, true);
    let remote_expected =
        peering_body(remote_inputs, &remote_inputs.endpoints()?.local_vnet, false);
    let mut changes = Vec::new();
    for live in [local, remote] {
        changes.extend(failed_direction(live));
    }
    changes.extend(direction_drift(local, &local_expected));
    changes.extend(direction_drift(remote, &remote_expected));
    Ok(changes)
}

/// A direction whose last write Failed in Azure: the next update PUTs both directions again.
fn failed_direction(live: &VirtualNetworkPeering) -> Option<String> {
    let name = live.name.as_deref().unwrap_or("peering");
    let vnet = live
        .id
        .as_deref()
        .and_then(|id| ResourceId::parse(id).ok())
        .and_then(|id| id.virtual_network().map(|vnet| vnet.name().to_string()));
    let part = match vnet {
        Some(vnet) => format!("peering {name} on {vnet}"),
        None => format!("peering {name}"),
    };
    failed_in_azure(&part, live.properties.provisioning_state.as_deref())
}

/// How one live direction differs from the body aksmesh writes for it.
fn direction_drift(live: &VirtualNetworkPeering, expected: &VirtualNetworkPeering) -> Vec<String> {
    let name = live.name.as_deref().unwrap_or("peering");
    let (live, expected) = (&live.properties, &expected.properties);
    let mut changes = Vec::new();
    for (flag, live, expected) in [
        (
            "allowVirtualNetworkAccess",
            live.allow_virtual_network_access,
            expected.allow_virtual_network_access,
        ),
        (
            "allowForwardedTraffic",
            live.allow_forwarded_traffic,
            expected.allow_forwarded_traffic,
        ),
        (
            "allowGatewayTransit",
            live.allow_gateway_transit,
            expected.allow_gateway_transit,
        ),
        (
            "useRemoteGateways",
            live.use_remote_gateways,
            expected.use_remote_gateways,
        ),
    ] {
        if let (Some(live), Some(expected)) = (live, expected) {
            if live != expected {
                changes.push(format!(
                    "{name}: {flag} is {live} in Azure; aksmesh sets {expected}"
                ));
            }
        }
    }
    let points_at = |p: &VirtualNetworkPeeringProperties| {
        p.remote_virtual_network.as_ref().map(|r| r.id.clone())
    };
    if let (Some(live), Some(expected)) = (points_at(live), points_at(expected)) {
        if !ids_equal(&live, &expected) {
            changes.push(format!(
                "{name}: points at {live} in Azure; aksmesh points it at {expected}"
            ));
        }
    }
    changes
}
