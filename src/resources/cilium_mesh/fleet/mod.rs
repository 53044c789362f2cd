//! fleet mode: Azure Kubernetes Fleet Manager's managed cluster mesh. A fleet (created, or the
//! user's), one labelled member per cluster, and a cluster mesh profile selecting that label.

mod apply;
mod delete;
mod read;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::azure::models::fleet::{FleetMember, FleetMemberProperties};

pub(super) use apply::apply_fleet;
pub(super) use delete::delete_fleet;
pub(super) use read::read_fleet;

/// A member's `clusterMeshStatus` (empty when not in the mesh) and `clusterMeshMessage`.
fn mesh_status(member: &FleetMember) -> (String, Option<String>) {
    let status = member.properties.status.as_ref();
    let state = status
        .and_then(|s| s.get("clusterMeshStatus"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let message = status
        .and_then(|s| s.get("clusterMeshMessage"))
        .and_then(Value::as_str)
        .map(str::to_string);
    (state, message)
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
