//! Preview: the names and ids known before anything exists, unless an input they come from is unknown.

use super::types::VnetPeeringInputs;
use crate::property::Annotations;

pub(super) fn preview(
    inputs: &VnetPeeringInputs,
    unknowns: &Annotations,
) -> serde_json::Map<String, serde_json::Value> {
    let mut known = serde_json::Map::new();
    if ["localVnetId", "remoteVnetId", "name"]
        .iter()
        .any(|path| unknowns.is_unknown(path))
    {
        return known;
    }
    if let Ok(endpoints) = inputs.endpoints() {
        let names = endpoints.names();
        known.insert("localPeeringName".into(), names.local.into());
        known.insert("remotePeeringName".into(), names.remote.into());
        known.insert(
            "localPeeringId".into(),
            endpoints.local_peering.to_string().into(),
        );
        known.insert(
            "remotePeeringId".into(),
            endpoints.remote_peering.to_string().into(),
        );
    }
    known
}
