//! The ARM body of one direction.

use super::types::VnetPeeringInputs;
use crate::azure::models::network::{VirtualNetworkPeering, VirtualNetworkPeeringProperties};
use crate::azure::models::SubResource;
use crate::azure::ResourceId;

/// The body of one direction. Gateways are asymmetric: when the local VNet uses the remote
/// gateway, the remote side must allow gateway transit, and the remote side never uses ours.
pub(super) fn peering_body(
    inputs: &VnetPeeringInputs,
    remote_vnet: &ResourceId,
    local_side: bool,
) -> VirtualNetworkPeering {
    let (allow_gateway_transit, use_remote_gateways) = if local_side {
        (inputs.allow_gateway_transit, inputs.use_remote_gateways)
    } else {
        (inputs.use_remote_gateways, false)
    };
    VirtualNetworkPeering {
        properties: VirtualNetworkPeeringProperties {
            remote_virtual_network: Some(SubResource::new(remote_vnet.to_string())),
            allow_virtual_network_access: Some(true),
            allow_forwarded_traffic: Some(inputs.allow_forwarded_traffic),
            allow_gateway_transit: Some(allow_gateway_transit),
            use_remote_gateways: Some(use_remote_gateways),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{EAST, WEST};
    use super::*;

    #[test]
    fn both_bodies_match_the_azure_schema() {
        let inputs = VnetPeeringInputs {
            local_vnet_id: EAST.into(),
            remote_vnet_id: WEST.into(),
            ..Default::default()
        };
        let endpoints = inputs.endpoints().expect("valid ids");
        for (peering_id, body) in [
            (
                &endpoints.local_peering,
                peering_body(&inputs, &endpoints.remote_vnet, true),
            ),
            (
                &endpoints.remote_peering,
                peering_body(&inputs, &endpoints.local_vnet, false),
            ),
        ] {
            crate::azure::models::schema_check::assert_valid_put(
                &format!(
                    "{peering_id}?api-version={}&syncRemoteAddressSpace=true",
                    crate::azure::api_versions::NETWORK
                ),
                &body,
            );
        }
    }

    #[test]
    fn remote_side_offers_its_gateway_when_the_local_side_uses_it() {
        let inputs = VnetPeeringInputs {
            local_vnet_id: EAST.into(),
            remote_vnet_id: WEST.into(),
            use_remote_gateways: true,
            ..Default::default()
        };
        let endpoints = inputs.endpoints().expect("valid ids");
        let local = peering_body(&inputs, &endpoints.remote_vnet, true).properties;
        let remote = peering_body(&inputs, &endpoints.local_vnet, false).properties;
        assert_eq!(local.use_remote_gateways, Some(true));
        assert_eq!(remote.allow_gateway_transit, Some(true));
        assert_eq!(remote.use_remote_gateways, Some(false));
        assert_eq!(
            remote.remote_virtual_network.map(|r| r.id),
            Some(EAST.to_string())
        );
    }
}
