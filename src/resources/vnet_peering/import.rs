//! Import by the local direction's id: find the remote direction and rebuild inputs and state.

use super::super::common::read_options;
use super::drift::peering_drift;
use super::status::{is_disconnected, summarise};
use super::types::{
    parse_vnet_id, peering_names, VnetIdError, VnetPeeringInputs, VnetPeeringState, PEERINGS,
    PEERING_TYPE,
};
use crate::azure::ids::ids_equal;
use crate::azure::models::network::VirtualNetworkPeering;
use crate::azure::{ArmClient, AzureError, OperationOptions, ResourceId};
use crate::resource::{OperationContext, ReadOutcome, ReadResult, ResourceError};

type ImportResult = ReadOutcome<VnetPeeringInputs, VnetPeeringState>;

/// Import by the local peering id: the remote side is found by its deterministic name, by the
/// same custom name, or by listing the remote VNet's peerings for the one pointing back.
pub(super) async fn import(
    azure: &ArmClient,
    context: &OperationContext,
    id: &str,
) -> ImportResult {
    let (local_peering_id, local_vnet) = parse_local_peering_id(id)?;
    let options = read_options(context);
    let Some(local) = azure
        .get::<VirtualNetworkPeering>(&ResourceId::parse(id)?, &options)
        .await?
    else {
        return Ok(None);
    };
    let remote_vnet_text = local
        .properties
        .remote_virtual_network
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let remote_vnet =
        parse_vnet_id(&remote_vnet_text).map_err(|source| ImportError::RemoteVnet {
            id: id.to_string(),
            source,
        })?;
    let local_name = local_peering_id.name().to_string();
    let defaults = peering_names(local_vnet.name(), remote_vnet.name(), None);
    let candidates = [defaults.remote.as_str(), local_name.as_str()];
    let found = find_remote_direction(azure, &options, &local_vnet, &remote_vnet, candidates);
    let Some((remote_peering_id, remote)) = found.await? else {
        return Ok(None);
    };
    if is_disconnected(&local) || is_disconnected(&remote) {
        return Ok(None);
    }
    let uses_defaults = local_name == defaults.local && remote_peering_id.name() == defaults.remote;
    let live = &local.properties;
    let inputs = VnetPeeringInputs {
        local_vnet_id: local_vnet.to_string(),
        remote_vnet_id: remote_vnet_text,
        local_address_space: None,
        remote_address_space: None,
        allow_forwarded_traffic: live.allow_forwarded_traffic.unwrap_or(false),
        allow_gateway_transit: live.allow_gateway_transit.unwrap_or(false),
        use_remote_gateways: live.use_remote_gateways.unwrap_or(false),
        name: (!uses_defaults).then(|| local_name.clone()),
    };
    let (peering_state, sync_level) = summarise(&local, &remote);
    let out_of_band_changes = peering_drift(&local, &remote, &inputs, &inputs)?;
    let state = VnetPeeringState {
        inputs: inputs.clone(),
        local_peering_id: local_peering_id.to_string(),
        remote_peering_id: remote_peering_id.to_string(),
        local_peering_name: local_name,
        remote_peering_name: remote_peering_id.name().to_string(),
        peering_state: Some(peering_state),
        peering_sync_level: Some(sync_level),
        out_of_band_changes,
    };
    Ok(Some(ReadResult {
        id: state.local_peering_id.clone(),
        inputs,
        state,
    }))
}

/// Why a peering cannot be imported.
#[derive(Debug, thiserror::Error)]
enum ImportError {
    /// The id given to import is not an ARM id. (Boxed: ARM errors are large.)
    #[error("'{id}' is not a VNet peering id: {source}")]
    MalformedId {
        id: String,
        #[source]
        source: Box<AzureError>,
    },
    /// An ARM id, but not of a peering under a VNet.
    #[error("'{id}' is not a VNet peering id; import with the id of the local direction, …/virtualNetworks/{{vnet}}/virtualNetworkPeerings/{{name}}")]
    NotAPeering { id: String },
    /// The local direction points at something that is not a VNet.
    #[error("peering {id} points at no usable remote VNet: {source}")]
    RemoteVnet {
        id: String,
        #[source]
        source: VnetIdError,
    },
}

crate::resource::input_error!(ImportError);

/// The peering id to import and the VNet it sits under; anything else is refused.
fn parse_local_peering_id(id: &str) -> Result<(ResourceId, ResourceId), ImportError> {
    let local_peering_id = ResourceId::parse(id).map_err(|source| ImportError::MalformedId {
        id: id.to_string(),
        source: Box::new(source),
    })?;
    match local_peering_id.virtual_network() {
        Some(vnet)
            if local_peering_id
                .resource_type()
                .eq_ignore_ascii_case(PEERING_TYPE) =>
        {
            Ok((local_peering_id, vnet))
        }
        _ => Err(ImportError::NotAPeering { id: id.to_string() }),
    }
}

/// The direction under `remote_vnet` that points back at `local_vnet`: the first of the
/// `candidates` names that does, else any listed peering that does.
async fn find_remote_direction(
    azure: &ArmClient,
    options: &OperationOptions,
    local_vnet: &ResourceId,
    remote_vnet: &ResourceId,
    candidates: [&str; 2],
) -> Result<Option<(ResourceId, VirtualNetworkPeering)>, ResourceError<VnetPeeringState>> {
    let points_back = |peering: &VirtualNetworkPeering| {
        peering
            .properties
            .remote_virtual_network
            .as_ref()
            .is_some_and(|r| ids_equal(&r.id, local_vnet.as_str()))
    };
    for candidate in candidates {
        let candidate_id = remote_vnet.child(PEERINGS, candidate);
        if let Some(peering) = azure
            .get::<VirtualNetworkPeering>(&candidate_id, options)
            .await?
            .filter(|p| points_back(p))
        {
            return Ok(Some((candidate_id, peering)));
        }
    }
    let listed: Vec<VirtualNetworkPeering> = azure.list(remote_vnet, PEERINGS, options).await?;
    Ok(listed.into_iter().find(|p| points_back(p)).and_then(|p| {
        let name = p.name.clone()?;
        Some((remote_vnet.child(PEERINGS, &name), p))
    }))
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::super::fixtures::EAST;
    use super::*;

    #[test]
    fn the_local_peering_id_names_its_vnet() {
        let id = format!("{EAST}/virtualNetworkPeerings/link");
        let (peering, vnet) = parse_local_peering_id(&id).unwrap();
        assert_eq!(peering.name(), "link");
        assert_eq!(vnet.to_string(), EAST);
    }

    /// The messages users see, byte for byte, and whether the parse error is kept as the source.
    #[test]
    fn anything_but_a_peering_id_is_refused() {
        let malformed = ResourceId::parse("link").unwrap_err().to_string();
        let cases = [
            (
                "link".to_string(),
                format!("'link' is not a VNet peering id: {malformed}"),
                true,
            ),
            (
                EAST.to_string(),
                format!("'{EAST}' is not a VNet peering id; import with the id of the local direction, …/virtualNetworks/{{vnet}}/virtualNetworkPeerings/{{name}}"),
                false,
            ),
        ];
        for (id, message, has_source) in cases {
            let error = parse_local_peering_id(&id).unwrap_err();
            assert_eq!(error.to_string(), message);
            assert_eq!(error.source().is_some(), has_source, "{id}");
            assert!(
                crate::resource::Failure::from(error).to_string() == message,
                "{message}"
            );
        }
    }

    #[test]
    fn a_remote_side_that_is_no_vnet_names_the_peering() {
        let error = ImportError::RemoteVnet {
            id: "p".into(),
            source: parse_vnet_id("link").unwrap_err(),
        };
        let cause = ResourceId::parse("link").unwrap_err().to_string();
        assert_eq!(
            error.to_string(),
            format!("peering p points at no usable remote VNet: {cause}")
        );
        assert!(error.source().is_some());
    }
}
