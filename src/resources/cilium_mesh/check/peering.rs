//! Check of the mesh's peering: every two clusters in different VNets must have their VNets
//! peered, or node and pod IPs do not route between them.

use super::super::types::CiliumMeshInputs;
use crate::azure::ids::ids_equal;
use crate::resources::common::Validator;

/// The last path segment of a VNet id (its name), lower case.
fn vnet_key(id: &str) -> String {
    id.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(id)
        .to_ascii_lowercase()
}

/// Whether two VNet references (ids or names) name the same VNet.
fn same_vnet(a: &str, b: &str) -> bool {
    if a.contains('/') && b.contains('/') {
        ids_equal(a, b)
    } else {
        vnet_key(a) == vnet_key(b)
    }
}

/// Every two clusters in different VNets must have their VNets peered.
pub(super) fn check_peering(v: &mut Validator<'_, '_>, inputs: &CiliumMeshInputs) {
    if v.is_unknown("peeredVnetPairs") {
        return;
    }
    for (i, pair) in inputs.peered_vnet_pairs.iter().enumerate() {
        for (field, value) in [("from", &pair.from), ("to", &pair.to)] {
            v.required(
                &format!("peeredVnetPairs[{i}].{field}"),
                value,
                "give the VNet id (or name) of each side of a peering",
            );
        }
    }
    let peered = |a: &str, b: &str| {
        inputs.peered_vnet_pairs.iter().any(|pair| {
            (same_vnet(&pair.from, a) && same_vnet(&pair.to, b))
                || (same_vnet(&pair.from, b) && same_vnet(&pair.to, a))
        })
    };
    for (j, cluster) in inputs.clusters.iter().enumerate() {
        let path = format!("clusters[{j}].vnetId");
        if cluster.vnet_id.is_empty() || v.is_unknown(&path) {
            continue;
        }
        let missing: Vec<String> = inputs.clusters[..j]
            .iter()
            .enumerate()
            .filter(|(i, other)| {
                !other.vnet_id.is_empty()
                    && !v.is_unknown(&format!("clusters[{i}].vnetId"))
                    && !same_vnet(&other.vnet_id, &cluster.vnet_id)
                    && !peered(&other.vnet_id, &cluster.vnet_id)
            })
            .map(|(i, other)| format!("clusters[{i}] ({})", other.name))
            .collect();
        if !missing.is_empty() {
            v.fail(
                &path,
                format!(
                    "the VNet of clusters[{j}] ({}) is not peered with the VNets of {}; a cluster mesh needs every cluster VNet peered with every other (node and pod IPs must route). Create a VnetPeering for each pair and list it in peeredVnetPairs as {{from, to}}",
                    cluster.name,
                    missing.join(", ")
                ),
            );
        }
    }
}
