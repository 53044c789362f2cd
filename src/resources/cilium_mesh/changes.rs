//! What a plan shows before anything runs: which input changes replace the mesh, and which outputs
//! are already known in a preview.

use serde_json::{json, Value};

use super::types::CiliumMeshInputs;
use crate::property::Annotations;
use crate::resource::{Change, ChangeEffect};
use crate::vocabulary::CiliumMeshMode;

pub(super) fn change_effect(change: &Change<'_>) -> ChangeEffect {
    match change.path {
        "mode" | "resourceGroupName" | "fleetName" | "namePrefix" | "location" => {
            ChangeEffect::Replace
        }
        _ => ChangeEffect::Update,
    }
}

pub(super) fn preview(
    inputs: &CiliumMeshInputs,
    unknowns: &Annotations,
) -> serde_json::Map<String, Value> {
    let mut known = serde_json::Map::new();
    // The input `clusters` is not the output `clusters`: never let the input show through.
    known.insert("clusters".into(), Value::Null);
    if unknowns.is_unknown("mode") {
        return known;
    }
    if inputs.mode == Some(CiliumMeshMode::SelfManaged) {
        // The clusters' Helm values carry the CA generated at create, so a preview cannot know
        // them: `clusters` stays unknown.
    } else {
        known.insert("clusters".into(), json!([]));
        if !unknowns.is_unknown("namePrefix") && !unknowns.is_unknown("fleetName") {
            known.insert("fleetName".into(), inputs.fleet_name().into());
        }
    }
    known
}
