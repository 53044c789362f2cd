//! Inputs and state of a peering, the deterministic names of its two directions, and the ids
//! derived from valid inputs.

use serde::{Deserialize, Serialize};

use crate::azure::{AzureError, ResourceId};

/// Azure's limit on a peering name.
pub const MAX_PEERING_NAME_LENGTH: usize = 80;
const VIRTUAL_NETWORK_TYPE: &str = "Microsoft.Network/virtualNetworks";
pub(super) const PEERING_TYPE: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";
pub(super) const PEERINGS: &str = "virtualNetworkPeerings";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VnetPeeringInputs {
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub local_vnet_id: String,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub remote_vnet_id: String,
    /// The local VNet's CIDRs, only for offline overlap checks and to trigger an address-space sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_address_space: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_address_space: Option<Vec<String>>,
    #[serde(default = "default_true")]
    #[schemars(extend("x-resolved" = true))]
    pub allow_forwarded_traffic: bool,
    #[serde(default)]
    #[schemars(extend("x-resolved" = true))]
    pub allow_gateway_transit: bool,
    #[serde(default)]
    #[schemars(extend("x-resolved" = true))]
    pub use_remote_gateways: bool,
    /// Peering name on both VNets; `None` = `peer-{from}-to-{to}` on each side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn default_true() -> bool {
    true
}

impl Default for VnetPeeringInputs {
    fn default() -> Self {
        VnetPeeringInputs {
            local_vnet_id: String::new(),
            remote_vnet_id: String::new(),
            local_address_space: None,
            remote_address_space: None,
            allow_forwarded_traffic: true,
            allow_gateway_transit: false,
            use_remote_gateways: false,
            name: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VnetPeeringState {
    #[serde(flatten)]
    pub inputs: VnetPeeringInputs,
    pub local_peering_id: String,
    pub remote_peering_id: String,
    pub local_peering_name: String,
    pub remote_peering_name: String,
    /// `Connected` once both directions are; otherwise the less connected side's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_state: Option<String>,
    /// `FullyInSync` once both directions are; otherwise the first side's level that is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_sync_level: Option<String>,
    /// Flags refresh found changed outside Pulumi where no input shows them (the remote
    /// direction's, or VNet access turned off); the next `up` rewrites both directions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band_changes: Vec<String>,
}

/// The names of the two directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringNames {
    /// Under the local VNet, pointing at the remote one.
    pub local: String,
    /// Under the remote VNet, pointing back.
    pub remote: String,
}

/// Deterministic names: `peer-{from}-to-{to}` on each side, or the given name on both.
pub fn peering_names(local_vnet: &str, remote_vnet: &str, name: Option<&str>) -> PeeringNames {
    match name {
        Some(name) => PeeringNames {
            local: name.to_string(),
            remote: name.to_string(),
        },
        None => PeeringNames {
            local: format!("peer-{local_vnet}-to-{remote_vnet}"),
            remote: format!("peer-{remote_vnet}-to-{local_vnet}"),
        },
    }
}

/// Both VNets and both peering ids, derived from valid inputs.
#[derive(Debug, Clone)]
pub(super) struct Endpoints {
    pub(super) local_vnet: ResourceId,
    pub(super) remote_vnet: ResourceId,
    pub(super) local_peering: ResourceId,
    pub(super) remote_peering: ResourceId,
}

impl Endpoints {
    pub(super) fn names(&self) -> PeeringNames {
        PeeringNames {
            local: self.local_peering.name().to_string(),
            remote: self.remote_peering.name().to_string(),
        }
    }

    /// "vnet-a ↔ vnet-b", for progress lines and errors.
    pub(super) fn describe(&self) -> String {
        format!("{} ↔ {}", self.local_vnet.name(), self.remote_vnet.name())
    }
}

impl VnetPeeringInputs {
    pub(super) fn endpoints(&self) -> Result<Endpoints, EndpointsError> {
        let local_vnet = parse_vnet_id(&self.local_vnet_id).map_err(EndpointsError::LocalVnet)?;
        let remote_vnet =
            parse_vnet_id(&self.remote_vnet_id).map_err(EndpointsError::RemoteVnet)?;
        let names = peering_names(local_vnet.name(), remote_vnet.name(), self.name.as_deref());
        Ok(Endpoints {
            local_peering: local_vnet.child(PEERINGS, &names.local),
            remote_peering: remote_vnet.child(PEERINGS, &names.remote),
            local_vnet,
            remote_vnet,
        })
    }

    /// Whether an update must re-sync address spaces: the address-space inputs changed.
    pub(super) fn address_spaces_differ(&self, other: &VnetPeeringInputs) -> bool {
        self.local_address_space != other.local_address_space
            || self.remote_address_space != other.remote_address_space
    }
}

/// Why a text is not the id of a virtual network.
#[derive(Debug, thiserror::Error)]
pub(super) enum VnetIdError {
    /// Not an ARM id at all. (Boxed: ARM errors are large.)
    #[error("{0}")]
    Malformed(#[source] Box<AzureError>),
    /// An ARM id of something else, or without a resource group.
    #[error("'{text}' is a {resource_type} id, not a virtual network; give an id ending in /providers/Microsoft.Network/virtualNetworks/{{name}} (a RegionalNetwork's vnetId)")]
    NotAVnet { text: String, resource_type: String },
}

/// Which input does not name a virtual network, and why.
#[derive(Debug, thiserror::Error)]
pub(super) enum EndpointsError {
    #[error("localVnetId: {0}")]
    LocalVnet(#[source] VnetIdError),
    #[error("remoteVnetId: {0}")]
    RemoteVnet(#[source] VnetIdError),
}

crate::resource::input_error!(EndpointsError);

/// Parses an ARM id that must name a virtual network.
pub(super) fn parse_vnet_id(text: &str) -> Result<ResourceId, VnetIdError> {
    let id = ResourceId::parse(text).map_err(|e| VnetIdError::Malformed(Box::new(e)))?;
    if !id
        .resource_type()
        .eq_ignore_ascii_case(VIRTUAL_NETWORK_TYPE)
        || id.resource_group().is_none()
    {
        return Err(VnetIdError::NotAVnet {
            text: text.to_string(),
            resource_type: id.resource_type(),
        });
    }
    Ok(id)
}

/// The state before Azure has answered: ids and names from the endpoints, no status yet.
pub(super) fn base_state(inputs: &VnetPeeringInputs, endpoints: &Endpoints) -> VnetPeeringState {
    let names = endpoints.names();
    VnetPeeringState {
        inputs: inputs.clone(),
        local_peering_id: endpoints.local_peering.to_string(),
        remote_peering_id: endpoints.remote_peering.to_string(),
        local_peering_name: names.local,
        remote_peering_name: names.remote,
        peering_state: None,
        peering_sync_level: None,
        out_of_band_changes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{EAST, WEST};
    use super::*;

    #[test]
    fn default_names_point_from_each_side_to_the_other() {
        let names = peering_names("vnet-a", "vnet-b", None);
        assert_eq!(names.local, "peer-vnet-a-to-vnet-b");
        assert_eq!(names.remote, "peer-vnet-b-to-vnet-a");
        let custom = peering_names("vnet-a", "vnet-b", Some("link"));
        assert_eq!(
            (custom.local.as_str(), custom.remote.as_str()),
            ("link", "link")
        );
    }

    /// The messages users see, byte for byte: which input, then why; the cause stays the source.
    #[test]
    fn endpoints_name_the_input_that_is_not_a_vnet() {
        use std::error::Error as _;
        let subnet = format!("{EAST}/subnets/nodes");
        let malformed = ResourceId::parse("vnet-a").unwrap_err().to_string();
        let not_a_vnet = format!("'{subnet}' is a Microsoft.Network/virtualNetworks/subnets id, not a virtual network; give an id ending in /providers/Microsoft.Network/virtualNetworks/{{name}} (a RegionalNetwork's vnetId)");
        let cases = [
            ("vnet-a", WEST, format!("localVnetId: {malformed}")),
            (EAST, subnet.as_str(), format!("remoteVnetId: {not_a_vnet}")),
            (
                subnet.as_str(),
                "vnet-a",
                format!("localVnetId: {not_a_vnet}"),
            ),
        ];
        for (local, remote, message) in cases {
            let inputs = VnetPeeringInputs {
                local_vnet_id: local.into(),
                remote_vnet_id: remote.into(),
                ..Default::default()
            };
            let error = inputs.endpoints().unwrap_err();
            assert_eq!(error.to_string(), message);
            let cause = error.source().expect("the id error is the source");
            assert_eq!(
                format!("{}: {cause}", &message[..message.find(':').unwrap()]),
                message
            );
            assert!(
                crate::resource::Failure::from(error).to_string() == message,
                "{message}"
            );
        }
    }

    #[test]
    fn endpoints_put_each_direction_under_its_own_vnet() {
        let inputs = VnetPeeringInputs {
            local_vnet_id: EAST.into(),
            remote_vnet_id: WEST.into(),
            ..Default::default()
        };
        let endpoints = inputs.endpoints().expect("valid ids");
        assert_eq!(
            endpoints.local_peering.to_string(),
            format!("{EAST}/virtualNetworkPeerings/peer-vnet-platform-eastus-to-vnet-platform-westeurope")
        );
        assert_eq!(
            endpoints.remote_peering.to_string(),
            format!("{WEST}/virtualNetworkPeerings/peer-vnet-platform-westeurope-to-vnet-platform-eastus")
        );
    }
}
