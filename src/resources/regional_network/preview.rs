//! Preview: the outputs known before anything exists (the deterministic names).

use super::types::RegionalNetworkInputs;
use crate::property::Annotations;

pub(super) fn preview(
    inputs: &RegionalNetworkInputs,
    unknowns: &Annotations,
) -> serde_json::Map<String, serde_json::Value> {
    let mut known = serde_json::Map::new();
    if unknowns.is_unknown("location")
        || unknowns.is_unknown("namePrefix")
        || inputs.name_prefix.is_empty()
    {
        return known;
    }
    let names = inputs.names();
    known.insert("resourceGroupName".into(), names.resource_group.into());
    known.insert("vnetName".into(), names.vnet.into());
    known
}
