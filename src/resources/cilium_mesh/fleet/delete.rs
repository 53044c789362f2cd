//! Deleting a fleet mesh in the order Microsoft's how-to gives ("Configure and use cross-cluster
//! networking", Clean up resources): Fleet refuses to delete a profile that still has members and
//! members that are still in a mesh. So: 1. take the mesh label off every member (the profile's
//! `memberSelector` is create-only in fleets.json, so the labels change, not the selector); 2. apply
//! and wait until no member lists the profile; 3. delete the profile; 4. delete the members; then
//! the fleet when aksmesh created it.

use std::time::Duration;

use super::super::types::CiliumMeshState;
use super::apply::apply_profile;
use super::{in_profile, member_body};
use crate::azure::models::fleet::{ClusterMeshProfile, Fleet, FleetMember};
use crate::azure::ArmClient;
use crate::azure::ResourceId;
use crate::resource::{Failure, OperationContext, ResourceError};
use crate::resources::common::{operation_options, read_options, PollSchedule};

pub(in crate::resources::cilium_mesh) async fn delete_fleet(
    azure: &ArmClient,
    context: &OperationContext,
    state: &CiliumMeshState,
) -> Result<(), ResourceError<CiliumMeshState>> {
    let failed = ResourceError::<CiliumMeshState>::from;
    if let Some(profile) = &state.cluster_mesh_profile_id {
        let profile_id = ResourceId::parse(profile)?;
        let live = azure
            .get::<ClusterMeshProfile>(&profile_id, &read_options(context))
            .await
            .map_err(failed)?;
        if live.is_some() {
            empty_the_mesh(azure, context, state, profile).await?;
            let options = operation_options(context, "deleting the cluster mesh profile".into());
            azure
                .delete::<ClusterMeshProfile>(&profile_id, &options)
                .await
                .map_err(failed)?;
        }
    }
    for member in &state.members {
        let options = operation_options(context, format!("deleting fleet member {}", member.name));
        azure
            .delete::<FleetMember>(&ResourceId::parse(&member.member_id)?, &options)
            .await
            .map_err(failed)?;
    }
    if state.fleet_created {
        if let Some(fleet) = &state.fleet_id {
            let options = operation_options(
                context,
                format!(
                    "deleting fleet {}",
                    state.fleet_name.clone().unwrap_or_default()
                ),
            );
            azure
                .delete::<Fleet>(&ResourceId::parse(fleet)?, &options)
                .await
                .map_err(failed)?;
        }
    }
    Ok(())
}

/// Steps 1 and 2: unlabel the members, apply, and wait until the profile lists no member.
async fn empty_the_mesh(
    azure: &ArmClient,
    context: &OperationContext,
    state: &CiliumMeshState,
    profile: &str,
) -> Result<(), Failure> {
    let profile_id = ResourceId::parse(profile)?;
    let profile_name = profile_id.name().to_string();
    let Some(fleet) = profile_id.parent() else {
        return Err(Failure::Invalid(format!(
            "'{profile}' is not a cluster mesh profile resource id"
        )));
    };
    let label = state.member_label.clone().unwrap_or_default();
    let (key, value) = label.split_once('=').unwrap_or((label.as_str(), ""));
    for member in &state.members {
        let id = ResourceId::parse(&member.member_id)?;
        // Only an existing, labelled member is rewritten: a PUT would create a missing one.
        let Some(live) = azure
            .get::<FleetMember>(&id, &read_options(context))
            .await?
        else {
            continue;
        };
        let labelled = (live.properties.labels.as_ref())
            .and_then(|l| l.get(key))
            .is_some_and(|v| v == value);
        if labelled {
            let options =
                operation_options(context, format!("removing {} from the mesh", member.name));
            azure
                .put(
                    &id,
                    &member_body(&live.properties.cluster_resource_id, None),
                    &options,
                )
                .await?;
        }
    }
    let mut applied = false;
    let mut schedule = PollSchedule::new(context, Duration::from_secs(2), Duration::from_secs(30));
    loop {
        let members: Vec<FleetMember> = azure
            .list(&fleet, "members", &read_options(context))
            .await?;
        let listed: Vec<String> = members
            .iter()
            .filter(|m| in_profile(m, profile))
            .map(|m| {
                let (status, _) = super::mesh_status(m);
                format!("{} ({status})", m.name.clone().unwrap_or_default())
            })
            .collect();
        if listed.is_empty() {
            return Ok(());
        }
        if !applied {
            apply_profile(azure, context, profile, &profile_name).await?;
            applied = true;
            continue;
        }
        let what = format!(
            "cluster mesh profile {profile_name} to list no members (still: {}); a member labelled `{label}` outside this stack keeps it, so remove that label",
            listed.join(", ")
        );
        context.progress(&format!("waiting for {what}"));
        schedule.pause(&what).await?;
    }
}
