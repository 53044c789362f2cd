//! Azure Kubernetes Fleet Manager: fleets, members and cluster mesh profiles
//! (`Microsoft.ContainerService/fleets…`, api-version 2026-03-02-preview).
//!
//! Read-only fields follow the published specification, `specification/containerservice/
//! resource-manager/Microsoft.ContainerService/fleet/preview/2026-03-02-preview/fleets.json`
//! (definitions `FleetMemberProperties`, `MeshProperties`, `MeshMemberStatus`,
//! `ClusterMeshProfileStatus`; example `FleetMembers_Get.json`): a member's mesh state is
//! `properties.meshProperties.status.state` with the reason in `…status.error`, and the profile's
//! state is `properties.status.state`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Tags;

/// A fleet. Without `hub_profile` it is hubless.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fleet {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// ETag (read-only).
    #[serde(default, skip_serializing)]
    pub e_tag: Option<String>,
    /// Azure region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<FleetProperties>,
}

/// Properties of a fleet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetProperties {
    /// Hub cluster settings; `None` for a hubless fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_profile: Option<FleetHubProfile>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
}

/// Hub cluster settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetHubProfile {
    /// DNS prefix of the hub's API server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_prefix: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub fqdn: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub kubernetes_version: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub portal_fqdn: Option<String>,
}

/// A fleet member (`fleets/{fleet}/members/{member}`), joining one AKS cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetMember {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// ETag (read-only).
    #[serde(default, skip_serializing)]
    pub e_tag: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: FleetMemberProperties,
}

/// Properties of a member.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetMemberProperties {
    /// The managed cluster's resource id.
    pub cluster_resource_id: String,
    /// Labels, matched by cluster mesh member selectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Update group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only status of the member's last operation (`FleetMemberStatus`).
    #[serde(default, skip_serializing)]
    pub status: Option<serde_json::Value>,
    /// Read-only: the member's place in a cluster mesh (`MeshProperties`); absent when the member
    /// is in no mesh.
    #[serde(default, skip_serializing)]
    pub mesh_properties: Option<MeshProperties>,
}

/// `MeshProperties`: which cluster mesh profile the member belongs to, and its state there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshProperties {
    /// The cluster mesh profile this member is associated with.
    #[serde(default)]
    pub cluster_mesh_profile_resource_id: Option<String>,
    /// The member's state in that mesh.
    #[serde(default)]
    pub status: Option<MeshMemberStatus>,
}

/// `MeshMemberStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshMemberStatus {
    /// `NotConnected`, `Connecting`, `Connected`, `Disconnecting` or `Failed`.
    #[serde(default)]
    pub state: Option<String>,
    /// Why the member is not connected (`ErrorDetail`).
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

/// The fields of ARM's `ErrorDetail` the provider reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// `ClusterMeshProfileStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterMeshProfileStatus {
    /// `NotConnected`, `Connecting`, `Connected` or `Failed`.
    #[serde(default)]
    pub state: Option<String>,
    /// The error of the last apply, if it failed.
    #[serde(default)]
    pub last_operation_error: Option<ErrorDetail>,
}

/// A cluster mesh profile (`fleets/{fleet}/clusterMeshProfiles/{name}`). Nothing happens until the
/// `apply` action is POSTed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterMeshProfile {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// ETag (read-only).
    #[serde(default, skip_serializing)]
    pub e_tag: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: ClusterMeshProfileProperties,
}

/// Properties of a cluster mesh profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterMeshProfileProperties {
    /// Which members join the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_selector: Option<MemberSelector>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only status of the mesh (`ClusterMeshProfileStatus`).
    #[serde(default, skip_serializing)]
    pub status: Option<ClusterMeshProfileStatus>,
}

/// Member selection by label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberSelector {
    /// `key=value` pairs (comma-separated), at most 512 characters; empty selects nobody.
    pub by_label: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::api_versions::FLEET;
    use crate::azure::ids;
    use crate::azure::models::schema_check::assert_valid_put;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    #[test]
    fn fleet_bodies_match_schema() {
        let fleet = Fleet {
            location: Some("westeurope".into()),
            tags: Some(Tags::from([("env".into(), "prod".into())])),
            properties: Some(FleetProperties::default()),
            ..Default::default()
        };
        let id = ids::fleet_id(SUB, "rg", "mesh-fleet");
        assert_valid_put(&format!("{id}?api-version={FLEET}"), &fleet);

        let member = FleetMember {
            properties: FleetMemberProperties {
                cluster_resource_id: ids::managed_cluster_id(SUB, "rg", "aks-weu").to_string(),
                labels: Some(BTreeMap::from([("mesh".into(), "prod".into())])),
                group: Some("wave-1".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = ids::fleet_member_id(SUB, "rg", "mesh-fleet", "aks-weu");
        assert_valid_put(&format!("{id}?api-version={FLEET}"), &member);

        let profile = ClusterMeshProfile {
            properties: ClusterMeshProfileProperties {
                member_selector: Some(MemberSelector {
                    by_label: "mesh=prod".into(),
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = ids::cluster_mesh_profile_id(SUB, "rg", "mesh-fleet", "mesh");
        assert_valid_put(&format!("{id}?api-version={FLEET}"), &profile);
    }

    #[test]
    fn get_bodies_echo_without_read_only_fields() {
        let member: FleetMember = serde_json::from_value(serde_json::json!({
            "id": "/x", "name": "aks-weu", "eTag": "e",
            "properties": {"clusterResourceId": "/c", "provisioningState": "Succeeded",
                "status": {"lastOperationId": "op"}}
        }))
        .unwrap();
        let id = ids::fleet_member_id(SUB, "rg", "mesh-fleet", "aks-weu");
        assert_valid_put(&format!("{id}?api-version={FLEET}"), &member);
        let fleet: Fleet = serde_json::from_value(serde_json::json!({
            "location": "westeurope",
            "properties": {"provisioningState": "Succeeded", "hubProfile": {"dnsPrefix": "hub", "fqdn": "f", "kubernetesVersion": "1.33", "portalFqdn": "p"}}
        }))
        .unwrap();
        let id = ids::fleet_id(SUB, "rg", "mesh-fleet");
        assert_valid_put(&format!("{id}?api-version={FLEET}"), &fleet);
    }
}
