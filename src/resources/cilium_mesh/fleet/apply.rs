//! Creating or converging a fleet mesh: fleet, labelled members, profile, `POST …/apply`, then
//! waiting until every member is `Connected`. Every step is idempotent, so a re-run resumes.

use std::time::Duration;

use serde_json::Value;

use super::super::types::{CiliumMeshInputs, CiliumMeshState, MeshMember};
use super::{member_body, mesh_status};
use crate::azure::ids::{cluster_mesh_profile_id, fleet_id, fleet_member_id, ids_equal};
use crate::azure::models::fleet::{
    ClusterMeshProfile, ClusterMeshProfileProperties, Fleet, FleetMember, FleetProperties,
    MemberSelector,
};
use crate::azure::ArmClient;
use crate::azure::ResourceId;
use crate::resource::{Failure, OperationContext, ResourceError};
use crate::resources::common::read_options;
use crate::resources::common::{
    azure_failure, managed_tags, operation_options, write_failure, PollSchedule,
};
use crate::vocabulary::CiliumMeshMode;

/// The Azure names and ids one fleet mesh consists of.
struct Target {
    subscription: String,
    group: String,
    fleet_name: String,
    fleet: String,
    profile_name: String,
    profile: String,
    label: String,
}

impl Target {
    fn new(azure: &ArmClient, inputs: &CiliumMeshInputs) -> Self {
        let subscription = azure.subscription_id().to_string();
        let group = inputs.resource_group_name.clone().unwrap_or_default();
        let fleet_name = inputs.fleet_name();
        let fleet = fleet_id(&subscription, &group, &fleet_name).to_string();
        let profile_name = inputs.profile_name();
        let profile =
            cluster_mesh_profile_id(&subscription, &group, &fleet_name, &profile_name).to_string();
        Target {
            subscription,
            group,
            fleet_name,
            fleet,
            profile_name,
            profile,
            label: inputs.member_label(),
        }
    }

    /// The member label as key and value.
    fn label_pair(&self) -> (&str, &str) {
        self.label
            .split_once('=')
            .unwrap_or((self.label.as_str(), ""))
    }
}

/// Creates or converges the fleet mesh. Every step is idempotent, so a re-run resumes.
pub(in crate::resources::cilium_mesh) async fn apply_fleet(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &CiliumMeshInputs,
    previous: Option<&CiliumMeshState>,
) -> Result<(String, CiliumMeshState), ResourceError<CiliumMeshState>> {
    let target = Target::new(azure, inputs);
    let fleet_created = inputs.fleet_name.is_none();
    let mut state = CiliumMeshState {
        mode: Some(CiliumMeshMode::Fleet),
        name_prefix: inputs.name_prefix.clone(),
        resource_group_name: Some(target.group.clone()),
        fleet_name: Some(target.fleet_name.clone()),
        fleet_id: Some(target.fleet.clone()),
        fleet_created,
        location: inputs.location.clone(),
        cluster_mesh_profile_id: Some(target.profile.clone()),
        member_label: Some(target.label.clone()),
        members: previous.map(|p| p.members.clone()).unwrap_or_default(),
        ..Default::default()
    };
    // Once the fleet exists (ours, or the user's), failures leave something to resume from.
    let partial = |error: Failure, state: &CiliumMeshState| ResourceError::Partial {
        id: target.profile.clone(),
        state: state.clone(),
        reason: error,
    };

    ensure_fleet(azure, context, inputs, &target, previous, &state).await?;
    let mut members = Vec::new();
    if let Err(error) = put_members(azure, context, inputs, &target, &mut members).await {
        // Members that may exist are recorded so Delete removes them.
        let mut known = state.clone();
        for member in members {
            if !known
                .members
                .iter()
                .any(|m| ids_equal(&m.member_id, &member.member_id))
            {
                known.members.push(member);
            }
        }
        return Err(partial(error, &known));
    }
    let removed = unlabel_removed(azure, context, &state.members, &members)
        .await
        .map_err(|e| partial(e, &state))?;
    state.members = members.iter().chain(removed.iter()).cloned().collect();

    put_profile(azure, context, &target)
        .await
        .map_err(|e| partial(e, &state))?;
    apply_profile(azure, context, &target.profile, &target.profile_name)
        .await
        .map_err(|e| partial(e, &state))?;
    wait_for_members(azure, context, &mut state, &members, &removed)
        .await
        .map_err(|e| partial(e, &state))?;
    delete_removed(azure, context, &target, &removed)
        .await
        .map_err(|e| partial(e, &state))?;
    state.members = with_statuses(members, &state.members);
    Ok((target.profile, state))
}

/// Creates the fleet when aksmesh owns it; otherwise makes sure the user's fleet exists.
async fn ensure_fleet(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &CiliumMeshInputs,
    target: &Target,
    previous: Option<&CiliumMeshState>,
    planned: &CiliumMeshState,
) -> Result<(), ResourceError<CiliumMeshState>> {
    let resumable = || previous.map(|p| (target.profile.clone(), p.clone()));
    if inputs.fleet_name.is_none() {
        let body = Fleet {
            location: inputs.location.clone(),
            tags: Some(managed_tags(&inputs.tags)),
            properties: Some(FleetProperties::default()),
            ..Default::default()
        };
        let options = operation_options(context, format!("creating fleet {}", target.fleet_name));
        // Unless Azure refused the PUT outright, the fleet may exist (perhaps Failed): the
        // planned state lets Delete remove it.
        azure
            .put_tracked(&ResourceId::parse(&target.fleet)?, &body, &options)
            .await
            .map_err(|failure| {
                write_failure(failure, previous.is_some(), || {
                    (target.profile.clone(), previous.unwrap_or(planned).clone())
                })
            })?;
        return Ok(());
    }
    match azure.get::<Fleet>(&ResourceId::parse(&target.fleet)?, &read_options(context)).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(ResourceError::invalid(format!(
            "the fleet {} was not found in resource group {}; create it first or leave fleetName unset so aksmesh creates fleet-{}",
            target.fleet_name, target.group, inputs.name_prefix
        ))),
        Err(e) => Err(azure_failure(e, resumable())),
    }
}

/// Members: one per cluster, labelled for the profile. Each one that may exist is pushed onto
/// `members`, including one whose PUT failed after Azure accepted it.
async fn put_members(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &CiliumMeshInputs,
    target: &Target,
    members: &mut Vec<MeshMember>,
) -> Result<(), Failure> {
    for cluster in &inputs.clusters {
        let member_id = fleet_member_id(
            &target.subscription,
            &target.group,
            &target.fleet_name,
            &cluster.name,
        )
        .to_string();
        let options = operation_options(
            context,
            format!("adding {} to fleet {}", cluster.name, target.fleet_name),
        );
        let put = azure
            .put_tracked(
                &ResourceId::parse(&member_id)?,
                &member_body(&cluster.cluster_id, Some(target.label_pair())),
                &options,
            )
            .await;
        if matches!(&put, Err(failure) if failure.refused) {
            return put.map(|_| ()).map_err(|failure| failure.error.into());
        }
        members.push(MeshMember {
            name: cluster.name.clone(),
            member_id,
            cluster_resource_id: cluster.cluster_id.clone(),
            status: String::new(),
        });
        put.map_err(|failure| failure.error)?;
    }
    Ok(())
}

/// Members of clusters no longer listed lose the label, so the next apply disconnects them.
/// Returns them.
async fn unlabel_removed(
    azure: &ArmClient,
    context: &OperationContext,
    known: &[MeshMember],
    members: &[MeshMember],
) -> Result<Vec<MeshMember>, Failure> {
    let removed: Vec<MeshMember> = known
        .iter()
        .filter(|old| {
            !members
                .iter()
                .any(|m| ids_equal(&m.member_id, &old.member_id))
        })
        .cloned()
        .collect();
    for old in &removed {
        let options = operation_options(context, format!("removing {} from the mesh", old.name));
        match azure
            .put(
                &ResourceId::parse(&old.member_id)?,
                &member_body(&old.cluster_resource_id, None),
                &options,
            )
            .await
        {
            Ok(_) => {}
            // The cluster (or member) is already gone; nothing to disconnect.
            Err(e) if e.is_not_found() || e.status() == Some(400) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(removed)
}

/// The profile selects the members carrying the label.
async fn put_profile(
    azure: &ArmClient,
    context: &OperationContext,
    target: &Target,
) -> Result<(), Failure> {
    let body = ClusterMeshProfile {
        properties: ClusterMeshProfileProperties {
            member_selector: Some(MemberSelector {
                by_label: target.label.clone(),
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!("creating cluster mesh profile {}", target.profile_name),
    );
    azure
        .put(&ResourceId::parse(&target.profile)?, &body, &options)
        .await
        .map(|_| ())
        .map_err(Failure::from)
}

pub(super) async fn apply_profile(
    azure: &ArmClient,
    context: &OperationContext,
    profile: &str,
    profile_name: &str,
) -> Result<(), Failure> {
    let options = operation_options(
        context,
        format!("applying cluster mesh profile {profile_name}"),
    );
    azure
        .post::<ClusterMeshProfile, Value>(&ResourceId::parse(profile)?, "apply", &options)
        .await
        .map(|_| ())
        .map_err(Failure::step(format!(
            "applying cluster mesh profile {profile_name}"
        )))
}

/// Disconnected members of removed clusters are deleted.
async fn delete_removed(
    azure: &ArmClient,
    context: &OperationContext,
    target: &Target,
    removed: &[MeshMember],
) -> Result<(), Failure> {
    for old in removed {
        let options = operation_options(context, format!("deleting fleet member {}", old.name));
        let mut result = azure
            .delete::<FleetMember>(&ResourceId::parse(&old.member_id)?, &options)
            .await;
        if matches!(&result, Err(e) if e.status() == Some(409)) {
            // Still in the mesh: apply again (the label is gone), then retry once.
            apply_profile(azure, context, &target.profile, &target.profile_name).await?;
            result = azure
                .delete::<FleetMember>(&ResourceId::parse(&old.member_id)?, &options)
                .await;
        }
        result?;
    }
    Ok(())
}

/// The listed members, each with the status last seen for it.
fn with_statuses(members: Vec<MeshMember>, seen: &[MeshMember]) -> Vec<MeshMember> {
    members
        .into_iter()
        .map(|mut m| {
            m.status = seen
                .iter()
                .find(|s| s.member_id == m.member_id)
                .map(|s| s.status.clone())
                .unwrap_or_default();
            m
        })
        .collect()
}

/// Polls until every listed member is `Connected` and every removed one has left the mesh.
async fn wait_for_members(
    azure: &ArmClient,
    context: &OperationContext,
    state: &mut CiliumMeshState,
    members: &[MeshMember],
    removed: &[MeshMember],
) -> Result<(), Failure> {
    let mut schedule = PollSchedule::new(context, Duration::from_secs(2), Duration::from_secs(30));
    loop {
        let mut waiting = Vec::new();
        for member in members.iter().chain(removed) {
            let live = azure
                .get::<FleetMember>(
                    &ResourceId::parse(&member.member_id)?,
                    &read_options(context),
                )
                .await?;
            let wanted = members.iter().any(|m| m.member_id == member.member_id);
            let (status, message) = live.as_ref().map(mesh_status).unwrap_or_default();
            if let Some(s) = state
                .members
                .iter_mut()
                .find(|s| s.member_id == member.member_id)
            {
                s.status = status.clone();
            }
            if wanted {
                match status.as_str() {
                    "Connected" => {}
                    "Failed" => {
                        return Err(Failure::Invalid(format!(
                            "fleet member {} failed to join the cluster mesh: {}",
                            member.name,
                            message.unwrap_or_else(|| "no reason given".into())
                        )))
                    }
                    _ if live.is_none() => {
                        return Err(Failure::Invalid(format!(
                            "fleet member {} disappeared",
                            member.name
                        )))
                    }
                    other => waiting.push(format!(
                        "{} ({})",
                        member.name,
                        if other.is_empty() {
                            "not in mesh"
                        } else {
                            other
                        }
                    )),
                }
            } else if matches!(
                status.as_str(),
                "Connecting" | "Connected" | "Disconnecting"
            ) {
                waiting.push(format!("{} leaving ({status})", member.name));
            }
        }
        if waiting.is_empty() {
            return Ok(());
        }
        let what = format!("cluster mesh members: {}", waiting.join(", "));
        context.progress(&format!("waiting for {what}"));
        schedule.pause(&what).await?;
    }
}
