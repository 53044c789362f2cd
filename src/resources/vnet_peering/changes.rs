//! Change rules: which input changes replace the peering and which update it in place.

use crate::resource::{Change, ChangeEffect};

pub(super) fn change_effect(change: &Change<'_>) -> ChangeEffect {
    match change.path {
        // The peered VNets define the resource; Azure refuses to repoint a peering, and names
        // are in the ids.
        "localVnetId" | "remoteVnetId" | "name" => ChangeEffect::Replace,
        // Flags and address spaces (which only trigger a sync) change in place.
        _ => ChangeEffect::Update,
    }
}

#[cfg(test)]
mod tests {
    use super::super::VnetPeering;
    use super::*;
    use crate::resource::Resource;

    fn effect(path: &'static str) -> ChangeEffect {
        let old = serde_json::Value::from("a");
        let new = serde_json::Value::from("b");
        VnetPeering.change_effect(&Change {
            path,
            old: Some(&old),
            new: Some(&new),
            new_is_unknown: false,
        })
    }

    #[test]
    fn vnets_and_name_replace_flags_and_address_spaces_update() {
        for path in ["localVnetId", "remoteVnetId", "name"] {
            assert_eq!(effect(path), ChangeEffect::Replace, "{path}");
        }
        for path in [
            "allowForwardedTraffic",
            "allowGatewayTransit",
            "useRemoteGateways",
            "localAddressSpace[0]",
            "remoteAddressSpace",
        ] {
            assert_eq!(effect(path), ChangeEffect::Update, "{path}");
        }
        const { assert!(VnetPeering::DELETE_BEFORE_REPLACE) };
    }
}
