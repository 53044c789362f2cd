//! Refresh: read both directions and map the local one's live flags back onto the inputs.

use super::super::common::read_options;
use super::drift::peering_drift;
use super::status::{is_disconnected, summarise};
use super::types::{VnetPeeringInputs, VnetPeeringState};
use crate::azure::ids::ids_equal;
use crate::azure::models::network::VirtualNetworkPeering;
use crate::azure::ArmClient;
use crate::azure::ResourceId;
use crate::resource::ReadOutcome;
use crate::resource::{OperationContext, ReadResult};

/// Refresh. With both directions gone the peering is gone. With one deleted outside Pulumi the
/// resource stays and records the missing direction, so the next `up` recreates it and `destroy`
/// still deletes the survivor (dropping it from state would leave the survivor orphaned). Both
/// present but Disconnected counts as gone: `up` adopts them, deleting the Disconnected side first.
/// Inputs keep their old representation; flags follow Azure.
pub(super) async fn refresh(
    azure: &ArmClient,
    context: &OperationContext,
    id: &str,
    inputs: &VnetPeeringInputs,
    state: &VnetPeeringState,
) -> ReadOutcome<VnetPeeringInputs, VnetPeeringState> {
    let remote_id = if state.remote_peering_id.is_empty() {
        inputs.endpoints()?.remote_peering.to_string()
    } else {
        state.remote_peering_id.clone()
    };
    let options = read_options(context);
    let local = azure
        .get::<VirtualNetworkPeering>(&ResourceId::parse(id)?, &options)
        .await?;
    let remote = azure
        .get::<VirtualNetworkPeering>(&ResourceId::parse(&remote_id)?, &options)
        .await?;
    recorded(id, remote_id, inputs, state, local, remote)
}

/// What the provider records from the two live directions (`None`: that direction is gone).
// The outcome refresh itself answers, so no conversion sits between them.
#[allow(clippy::result_large_err)]
pub(crate) fn recorded(
    id: &str,
    remote_id: String,
    inputs: &VnetPeeringInputs,
    state: &VnetPeeringState,
    local: Option<VirtualNetworkPeering>,
    remote: Option<VirtualNetworkPeering>,
) -> ReadOutcome<VnetPeeringInputs, VnetPeeringState> {
    let (local, remote) = match (local, remote) {
        (Some(local), Some(remote)) => (local, remote),
        (None, None) => return Ok(None),
        (local, remote) => {
            return Ok(Some(half_deleted(
                id,
                remote_id,
                inputs,
                state,
                local.as_ref(),
                remote.is_none(),
            )))
        }
    };
    if is_disconnected(&local) || is_disconnected(&remote) {
        return Ok(None);
    }
    let inputs = live_inputs(inputs, &local);
    // The local direction's flags now show in the inputs; what is left (VNet access, the whole
    // remote direction) is recorded so the next `up` puts it right.
    let out_of_band_changes = peering_drift(&local, &remote, &inputs, &state.inputs)?;
    let (peering_state, sync_level) = summarise(&local, &remote);
    let state = VnetPeeringState {
        inputs: inputs.clone(),
        local_peering_id: id.to_string(),
        remote_peering_id: remote_id,
        peering_state: Some(peering_state),
        peering_sync_level: Some(sync_level),
        out_of_band_changes,
        ..state.clone()
    };
    Ok(Some(ReadResult {
        id: id.to_string(),
        inputs,
        state,
    }))
}

/// One direction was deleted outside Pulumi (the survivor is Disconnected): keep the resource and
/// record which direction is missing.
fn half_deleted(
    id: &str,
    remote_id: String,
    inputs: &VnetPeeringInputs,
    state: &VnetPeeringState,
    local: Option<&VirtualNetworkPeering>,
    remote_missing: bool,
) -> ReadResult<VnetPeeringInputs, VnetPeeringState> {
    let inputs = match local {
        Some(local) => live_inputs(inputs, local),
        None => inputs.clone(),
    };
    let (name, missing_id) = if remote_missing {
        (&state.remote_peering_name, remote_id.as_str())
    } else {
        (&state.local_peering_name, id)
    };
    let vnet = ResourceId::parse(missing_id)
        .ok()
        .and_then(|id| id.virtual_network().map(|vnet| vnet.name().to_string()))
        .unwrap_or_else(|| "its VNet".to_string());
    let state = VnetPeeringState {
        inputs: inputs.clone(),
        local_peering_id: id.to_string(),
        remote_peering_id: remote_id,
        peering_state: Some("Disconnected".to_string()),
        out_of_band_changes: vec![format!("peering {name} on {vnet} is missing")],
        ..state.clone()
    };
    ReadResult {
        id: id.to_string(),
        inputs,
        state,
    }
}

/// The inputs with the local direction's live flags and remote VNet (when it names another one).
fn live_inputs(inputs: &VnetPeeringInputs, local: &VirtualNetworkPeering) -> VnetPeeringInputs {
    let mut inputs = inputs.clone();
    let live = &local.properties;
    inputs.allow_forwarded_traffic = live
        .allow_forwarded_traffic
        .unwrap_or(inputs.allow_forwarded_traffic);
    inputs.allow_gateway_transit = live
        .allow_gateway_transit
        .unwrap_or(inputs.allow_gateway_transit);
    inputs.use_remote_gateways = live
        .use_remote_gateways
        .unwrap_or(inputs.use_remote_gateways);
    if let Some(live_remote) = &live.remote_virtual_network {
        if !ids_equal(&live_remote.id, &inputs.remote_vnet_id) {
            inputs.remote_vnet_id = live_remote.id.clone();
        }
    }
    inputs
}
