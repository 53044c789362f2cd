//! What a plan shows before anything runs: which input changes replace the Front Door, and the
//! names already known in a preview.

use serde_json::Value;

use super::types::FrontDoorInputs;
use crate::property::Annotations;
use crate::resource::{Change, ChangeEffect};

pub(super) fn change_effect(change: &Change<'_>) -> ChangeEffect {
    match change.path {
        // The names are derived from these, and Premium cannot be downgraded in place (and
        // Standard → Premium is a migration, not an update).
        "resourceGroupName" | "namePrefix" | "sku" => ChangeEffect::Replace,
        _ => ChangeEffect::Update,
    }
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
