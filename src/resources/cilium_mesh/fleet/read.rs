//! Reading a fleet mesh back from Azure: refresh (the clusters still labelled into the mesh) and
//! import (inputs recovered from the profile, the fleet and its labelled members).

use super::super::types::{CiliumMeshInputs, CiliumMeshState, MeshClusterInputs, MeshMember};
use super::mesh_status;
use crate::azure::ids::ids_equal;
use crate::azure::models::fleet::{ClusterMeshProfile, Fleet, FleetMember};
use crate::azure::OperationOptions;
use crate::azure::{ArmClient, ResourceId};
use crate::resource::{ReadOutcome, ReadResult, ResourceError};
use crate::resources::common::failed_in_azure;
use crate::vocabulary::CiliumMeshMode;

/// What Azure holds for one fleet mesh.
pub(crate) struct Live {
    profile_id: ResourceId,
    fleet: ResourceId,
    fleet_location: Option<String>,
    /// `provisioningState` of the fleet and of the profile.
    fleet_state: Option<String>,
    profile_state: Option<String>,
    /// The profile's member selector, `key=value`.
    label: String,
    members: Vec<FleetMember>,
}

impl Live {
    /// Whether the member carries the profile's label.
    fn labelled(&self, member: &FleetMember) -> bool {
        self.label.split_once('=').is_some_and(|(k, v)| {
            member
                .properties
                .labels
                .as_ref()
                .and_then(|l| l.get(k))
                .is_some_and(|value| value == v)
        })
    }

    fn member(&self, name: &str) -> Option<&FleetMember> {
        self.members.iter().find(|m| {
            m.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

pub(in crate::resources::cilium_mesh) async fn read_fleet(
    azure: &ArmClient,
    options: &OperationOptions,
    id: &str,
    old: Option<(&CiliumMeshInputs, &CiliumMeshState)>,
) -> ReadOutcome<CiliumMeshInputs, CiliumMeshState> {
    let Some(live) = read_live(azure, options, id).await? else {
        return Ok(None);
    };
    Ok(Some(recorded(id, &live, old)))
}

/// What the provider records from the live profile, fleet and members.
pub(crate) fn recorded(
    id: &str,
    live: &Live,
    old: Option<(&CiliumMeshInputs, &CiliumMeshState)>,
) -> ReadResult<CiliumMeshInputs, CiliumMeshState> {
    let (inputs, mut state) = match old {
        Some((inputs, state)) => refreshed(live, inputs, state),
        None => imported(live),
    };
    state.members = inputs
        .clusters
        .iter()
        .filter_map(|c| live.member(&c.name))
        .map(|m| MeshMember {
            name: m.name.clone().unwrap_or_default(),
            member_id: m.id.clone().unwrap_or_default(),
            cluster_resource_id: m.properties.cluster_resource_id.clone(),
            status: mesh_status(m).0,
        })
        .collect();
    // Keep ids as first written (ARM may change their case).
    if let Some((_, old_state)) = old {
        for member in &mut state.members {
            if let Some(previous) = old_state
                .members
                .iter()
                .find(|p| ids_equal(&p.member_id, &member.member_id))
            {
                member.member_id = previous.member_id.clone();
            }
        }
    }
    state.out_of_band_changes = failed_parts(live, &state);
    ReadResult {
        id: id.to_string(),
        inputs,
        state,
    }
}

/// What aksmesh writes that Azure reports Failed: the fleet it created, the members of the listed
/// clusters and the profile. The next update PUTs each of them again (a user's fleet is not
/// aksmesh's to rewrite).
fn failed_parts(live: &Live, state: &CiliumMeshState) -> Vec<String> {
    let fleet = live.fleet.name();
    let mut parts = Vec::new();
    if state.fleet_created {
        parts.push((format!("fleet {fleet}"), live.fleet_state.as_deref()));
    }
    for member in &state.members {
        let live_state = live
            .member(&member.name)
            .and_then(|m| m.properties.provisioning_state.as_deref());
        parts.push((
            format!("member {} of fleet {fleet}", member.name),
            live_state,
        ));
    }
    parts.push((
        format!(
            "cluster mesh profile {} of fleet {fleet}",
            live.profile_id.name()
        ),
        live.profile_state.as_deref(),
    ));
    parts
        .into_iter()
        .filter_map(|(part, state)| failed_in_azure(&part, state))
        .collect()
}

/// The profile, its fleet and the fleet's members; `None` when the profile is gone.
async fn read_live(
    azure: &ArmClient,
    options: &OperationOptions,
    id: &str,
) -> Result<Option<Live>, ResourceError<CiliumMeshState>> {
    let profile_id = ResourceId::parse(id).map_err(|e| {
        ResourceError::invalid(format!(
            "'{id}' is not a cluster mesh profile resource id: {e}"
        ))
    })?;
    let Some(fleet) = profile_id.parent() else {
        return Err(ResourceError::invalid(format!(
            "'{id}' is not a cluster mesh profile resource id"
        )));
    };
    let Some(profile) = azure
        .get::<ClusterMeshProfile>(&profile_id, options)
        .await?
    else {
        return Ok(None);
    };
    let live_fleet = azure.get::<Fleet>(&fleet, options).await?;
    let members: Vec<FleetMember> = azure.list(&fleet, "members", options).await?;
    Ok(Some(Live::new(profile_id, &profile, live_fleet, members)))
}

impl Live {
    /// The mesh from what Azure answered for the profile (its parent is the fleet), the fleet
    /// (`None` when gone) and the fleet's members.
    pub(crate) fn new(
        profile_id: ResourceId,
        profile: &ClusterMeshProfile,
        fleet: Option<Fleet>,
        members: Vec<FleetMember>,
    ) -> Live {
        let fleet_state = fleet
            .as_ref()
            .and_then(|f| f.properties.as_ref())
            .and_then(|p| p.provisioning_state.clone());
        let label = profile
            .properties
            .member_selector
            .as_ref()
            .map(|s| s.by_label.clone())
            .unwrap_or_default();
        Live {
            fleet: profile_id.parent().unwrap_or_else(|| profile_id.clone()),
            profile_id,
            fleet_location: fleet.and_then(|f| f.location),
            fleet_state,
            profile_state: profile.properties.provisioning_state.clone(),
            label,
            members,
        }
    }
}

/// The mesh cluster a member stands for, as inputs name it.
pub(crate) fn mesh_cluster(member: &FleetMember) -> MeshClusterInputs {
    MeshClusterInputs {
        name: member.name.clone().unwrap_or_default(),
        cluster_id: member.properties.cluster_resource_id.clone(),
        ..Default::default()
    }
}

/// Refresh: clusters whose member is gone or unlabelled drop out of the inputs, so the diff shows
/// them and the next update puts them back.
fn refreshed(
    live: &Live,
    inputs: &CiliumMeshInputs,
    state: &CiliumMeshState,
) -> (CiliumMeshInputs, CiliumMeshState) {
    let mut inputs = inputs.clone();
    inputs
        .clusters
        .retain(|c| live.member(&c.name).is_some_and(|m| live.labelled(m)));
    let mut state = state.clone();
    state.location = live.fleet_location.clone().or(state.location);
    (inputs, state)
}

/// Import: the inputs and state recovered from the deterministic names (`mesh-{prefix}`,
/// `fleet-{prefix}`, `aksmesh-mesh={prefix}`) and the labelled members.
fn imported(live: &Live) -> (CiliumMeshInputs, CiliumMeshState) {
    let profile_id = &live.profile_id;
    let group = profile_id.resource_group().unwrap_or_default().to_string();
    let label = &live.label;
    let prefix = profile_id
        .name()
        .strip_prefix("mesh-")
        .unwrap_or(profile_id.name())
        .to_string();
    let fleet_name = live.fleet.name().to_string();
    let created = fleet_name == format!("fleet-{prefix}");
    let inputs = CiliumMeshInputs {
        mode: Some(CiliumMeshMode::Fleet),
        name_prefix: prefix.clone(),
        resource_group_name: Some(group.clone()),
        fleet_name: (!created).then(|| fleet_name.clone()),
        location: live.fleet_location.clone(),
        member_label: (*label != format!("aksmesh-mesh={prefix}")).then(|| label.clone()),
        clusters: live
            .members
            .iter()
            .filter(|m| live.labelled(m))
            .map(mesh_cluster)
            .collect(),
        ..Default::default()
    };
    let state = CiliumMeshState {
        mode: Some(CiliumMeshMode::Fleet),
        name_prefix: prefix,
        resource_group_name: Some(group),
        fleet_name: Some(fleet_name),
        fleet_id: Some(live.fleet.to_string()),
        fleet_created: created,
        location: inputs.location.clone(),
        cluster_mesh_profile_id: Some(profile_id.to_string()),
        member_label: Some(label.clone()),
        ..Default::default()
    };
    (inputs, state)
}
