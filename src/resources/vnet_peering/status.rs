//! What a live pair of directions says about the link: Disconnected, in sync, and one summary of both.

use crate::azure::models::network::VirtualNetworkPeering;

fn peering_state(peering: &VirtualNetworkPeering) -> &str {
    peering
        .properties
        .peering_state
        .as_deref()
        .unwrap_or("Initiated")
}

pub(super) fn is_disconnected(peering: &VirtualNetworkPeering) -> bool {
    peering_state(peering).eq_ignore_ascii_case("Disconnected")
}

pub(super) fn is_fully_in_sync(peering: &VirtualNetworkPeering) -> bool {
    peering
        .properties
        .peering_sync_level
        .as_deref()
        .is_none_or(|level| level.eq_ignore_ascii_case("FullyInSync"))
}

/// The state and sync level of the pair, as one value each (the less finished side wins).
pub(super) fn summarise(
    local: &VirtualNetworkPeering,
    remote: &VirtualNetworkPeering,
) -> (String, String) {
    let state = if is_disconnected(local) || is_disconnected(remote) {
        "Disconnected".to_string()
    } else if peering_state(local).eq_ignore_ascii_case("Connected")
        && peering_state(remote).eq_ignore_ascii_case("Connected")
    {
        "Connected".to_string()
    } else {
        "Initiated".to_string()
    };
    let level = [local, remote]
        .into_iter()
        .find(|p| !is_fully_in_sync(p))
        .and_then(|p| p.properties.peering_sync_level.clone())
        .unwrap_or_else(|| "FullyInSync".to_string());
    (state, level)
}
