//! fleet mode: Azure Kubernetes Fleet Manager's managed cluster mesh. A fleet (created, or the
//! user's), one labelled member per cluster, and a cluster mesh profile selecting that label.

mod apply;
mod delete;
mod read;
#[cfg(test)]
pub(crate) use read::{mesh_cluster, recorded, Live};

use std::collections::BTreeMap;

use crate::azure::ids::ids_equal;
use crate::azure::models::fleet::{FleetMember, FleetMemberProperties};

pub(super) use apply::apply_fleet;
pub(super) use delete::delete_fleet;
pub(super) use read::read_fleet;

/// A member's mesh state, `properties.meshProperties.status.state` (empty when the member is in no
/// mesh), and the reason, `…status.error.message` (fleets.json 2026-03-02-preview, `MeshProperties`
/// and `MeshMemberStatus`).
pub(crate) fn mesh_status(member: &FleetMember) -> (String, Option<String>) {
    let status = member
        .properties
        .mesh_properties
        .as_ref()
        .and_then(|m| m.status.as_ref());
    let state = status.and_then(|s| s.state.clone()).unwrap_or_default();
    let message = status
        .and_then(|s| s.error.as_ref())
        .map(|e| match (&e.code, &e.message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (None, Some(message)) => message.clone(),
            (Some(code), None) => code.clone(),
            (None, None) => "no reason given".into(),
        });
    (state, message)
}

/// Whether the member is listed by the profile: its `meshProperties.clusterMeshProfileResourceId`
/// names it and it has not settled as `NotConnected`.
fn in_profile(member: &FleetMember, profile_id: &str) -> bool {
    member.properties.mesh_properties.as_ref().is_some_and(|m| {
        m.cluster_mesh_profile_resource_id
            .as_deref()
            .is_some_and(|id| ids_equal(id, profile_id))
            && m.status.as_ref().and_then(|s| s.state.as_deref()) != Some("NotConnected")
    })
}

/// A member for the cluster, carrying the mesh label, or no label to take it out of the mesh.
fn member_body(cluster_resource_id: &str, label: Option<(&str, &str)>) -> FleetMember {
    FleetMember {
        properties: FleetMemberProperties {
            cluster_resource_id: cluster_resource_id.to_string(),
            labels: Some(
                label
                    .map(|(k, v)| BTreeMap::from([(k.to_string(), v.to_string())]))
                    .unwrap_or_default(),
            ),
            ..Default::default()
        },
        ..Default::default()
    }
}
