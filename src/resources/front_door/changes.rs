//! What a plan shows before anything runs: which input changes replace the Front Door, and the
//! names already known in a preview.

use serde_json::Value;

use super::types::FrontDoorInputs;
use crate::property::Annotations;
use crate::resource::{Change, ChangeEffect};
use crate::vocabulary::{FrontDoorSku as Sku, Vocabulary};

pub(super) fn change_effect(change: &Change<'_>) -> ChangeEffect {
    match change.path {
        // The names are derived from these.
        "resourceGroupName" | "namePrefix" => ChangeEffect::Replace,
        "sku" if is_upgrade(change) => ChangeEffect::Update,
        "sku" => ChangeEffect::Replace,
        _ => ChangeEffect::Update,
    }
}

/// Standard → Premium is an in-place, no-downtime upgrade (the profile's `upgrade` action);
/// Premium → Standard is not supported, so a downgrade replaces. Microsoft Learn, "Upgrade from
/// Azure Front Door Standard to Premium" (frontdoor/tier-upgrade).
fn is_upgrade(change: &Change<'_>) -> bool {
    !change.new_is_unknown
        && Sku::from_json(change.old) == Some(Sku::Standard)
        && Sku::from_json(change.new) == Some(Sku::Premium)
}

pub(super) fn preview(
    inputs: &FrontDoorInputs,
    unknowns: &Annotations,
) -> serde_json::Map<String, Value> {
    let mut known = serde_json::Map::new();
    if unknowns.is_unknown("namePrefix") || inputs.name_prefix.is_empty() {
        return known;
    }
    let names = inputs.names();
    known.insert("profileName".into(), names.profile.into());
    known.insert("endpointName".into(), names.endpoint.into());
    known
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;
    use crate::resources::front_door::FrontDoor;

    fn effect(path: &'static str, old: serde_json::Value, new: serde_json::Value) -> ChangeEffect {
        FrontDoor.change_effect(&Change {
            path,
            old: Some(&old),
            new: Some(&new),
            new_is_unknown: false,
        })
    }

    #[test]
    fn names_and_sku_replace_everything_else_updates_in_place() {
        for path in ["resourceGroupName", "namePrefix", "sku"] {
            assert_eq!(effect(path, "a".into(), "b".into()), ChangeEffect::Replace);
        }
        // Only the upgrade is in place; a downgrade replaces.
        let (standard, premium) = ("Standard_AzureFrontDoor", "Premium_AzureFrontDoor");
        for (old, new, expected) in [
            (standard, premium, ChangeEffect::Update),
            (premium, standard, ChangeEffect::Replace),
        ] {
            assert_eq!(
                effect("sku", old.into(), new.into()),
                expected,
                "{old} → {new}"
            );
        }
        let unknown = FrontDoor.change_effect(&Change {
            path: "sku",
            old: Some(&standard.into()),
            new: None,
            new_is_unknown: true,
        });
        assert_eq!(
            unknown,
            ChangeEffect::Replace,
            "an unknown sku may be a downgrade"
        );
        for path in [
            "probePath",
            "probeProtocol",
            "probeIntervalInSeconds",
            "forwardingProtocol",
            "origins[0].hostName",
            "origins[1].name",
            "origins[2]",
            "tags.env",
        ] {
            assert_eq!(effect(path, "a".into(), "b".into()), ChangeEffect::Update);
        }
        // Adding an origin (no old value) is in place too.
        assert_eq!(
            FrontDoor.change_effect(&Change {
                path: "origins[3]",
                old: None,
                new: Some(&serde_json::json!({"name": "westus"})),
                new_is_unknown: false,
            }),
            ChangeEffect::Update
        );
    }
}
