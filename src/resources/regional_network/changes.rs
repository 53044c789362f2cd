//! Change rules: which input changes Azure can make in place and which need a new network.

use crate::net;
use crate::resource::{Change, ChangeEffect};

pub(super) fn change_effect(change: &Change<'_>) -> ChangeEffect {
    match change.path {
        "location" | "namePrefix" | "nodeSubnetCidr" => ChangeEffect::Replace,
        // Adding or removing the pod subnet happens in place; moving it would strand its pods.
        "podSubnetCidr" if change.old.is_some() && change.new.is_some() => ChangeEffect::Replace,
        "vnetCidr" => {
            if vnet_expanded(change) {
                ChangeEffect::Update
            } else {
                ChangeEffect::Replace
            }
        }
        _ => ChangeEffect::Update,
    }
}

/// Whether the new VNet range contains the old one (Azure adds address space in place).
fn vnet_expanded(change: &Change<'_>) -> bool {
    match (
        change.old.and_then(|v| v.as_str()),
        change.new.and_then(|v| v.as_str()),
    ) {
        (Some(old), Some(new)) => match (net::parse_cidr(old), net::parse_cidr(new)) {
            (Ok(old), Ok(new)) => net::contains(new, old),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use crate::resources::regional_network::RegionalNetwork;

    #[test]
    fn vnet_expansion_updates_in_place_other_changes_replace() {
        let change = |path: &'static str, old: serde_json::Value, new: serde_json::Value| {
            let old = Box::leak(Box::new(old));
            let new = Box::leak(Box::new(new));
            RegionalNetwork.change_effect(&Change {
                path,
                old: Some(old),
                new: Some(new),
                new_is_unknown: false,
            })
        };
        assert_eq!(
            change("vnetCidr", "10.0.0.0/14".into(), "10.0.0.0/13".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            change("vnetCidr", "10.0.0.0/14".into(), "10.4.0.0/14".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            change("location", "eastus".into(), "westus".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            change("tags.env", "a".into(), "b".into()),
            ChangeEffect::Update
        );
    }
}
