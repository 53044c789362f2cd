//! Out-of-band changes: how the live directions differ from the bodies aksmesh writes.

use super::body::peering_body;
use super::types::VnetPeeringInputs;
use crate::azure::ids::ids_equal;
use crate::azure::models::network::{VirtualNetworkPeering, VirtualNetworkPeeringProperties};
use crate::resource::ResourceError;

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
    let mut changes = direction_drift(local, &local_expected);
    changes.extend(direction_drift(remote, &remote_expected));
    Ok(changes)
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
