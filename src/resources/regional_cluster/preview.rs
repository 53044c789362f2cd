//! Preview: the outputs known before anything exists (the cluster name and the pod range).

use super::types::RegionalClusterInputs;
use crate::property::Annotations;

pub(super) fn preview(
    inputs: &RegionalClusterInputs,
    unknowns: &Annotations,
) -> serde_json::Map<String, serde_json::Value> {
    let mut known = serde_json::Map::new();
    if !unknowns.is_unknown("location")
        && !unknowns.is_unknown("namePrefix")
        && !inputs.name_prefix.is_empty()
    {
        known.insert("clusterName".into(), inputs.names().cluster.into());
    }
    if !unknowns.is_unknown("podNetworking") && !unknowns.is_unknown("podCidr") {
        if let Some(pod_cidr) = inputs.resolved().pod_cidr {
            known.insert("podCidr".into(), pod_cidr.into());
        }
    }
    known
}
