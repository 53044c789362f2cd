//! `Microsoft.ContainerService/fleets`, `…/members` and `…/clusterMeshProfiles`
//! (2026-03-02-preview), with `POST …/clusterMeshProfiles/{name}/apply`.
//!
//! Mesh state is served where fleets.json (2026-03-02-preview) defines it and nowhere else: a
//! member's `properties.meshProperties` (`MeshProperties`: `ciliumProperties {id, name}`,
//! `status {state, lastUpdatedAt, lastOperationId, error}`, `clusterMeshProfileResourceId`), absent
//! while the member is in no mesh; a profile's `properties.status` (`ClusterMeshProfileStatus`:
//! `state`, `lastAppliedMemberLabelSelector`, `lastOperationId`, `lastOperationError`).
//!
//! As the Learn how-to "Configure and use cross-cluster networking" (Clean up resources) and
//! `az fleet clustermeshprofile delete` describe, a member in a mesh cannot be deleted and a
//! profile cannot be deleted while members are still in it.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::{
    busy_error, new_resource, not_found, operation_location, parent_key, start_write, Ctx,
};
use crate::arm::{self, ArmError, ArmResponse, ErrorBody, Kind, ResourceAddress, Route};
use crate::operations::{self, StartOptions};
use crate::state::{Action, Operation, OperationStatus, Resource, World};

fn invalid(target: &str, message: impl Into<String>) -> ArmError {
    ArmError::bad_request("InvalidParameter", message).with_target(target)
}

fn check_name(name: &str, max: usize) -> Result<(), ArmError> {
    // ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
    let valid = !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if valid {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!("The name '{name}' is invalid: use 1-{max} lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
        )
        .with_target("name"))
    }
}

/// Parses `key=value,key2=value2` (≤ 512 characters).
fn parse_selector(text: &str) -> Result<Vec<(String, String)>, ArmError> {
    if text.len() > 512 {
        return Err(invalid(
            "properties.memberSelector.byLabel",
            "byLabel must be at most 512 characters.",
        ));
    }
    let mut pairs = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = item.split_once('=').ok_or_else(|| {
            invalid(
                "properties.memberSelector.byLabel",
                format!("'{item}' is not a key=value pair; byLabel only supports key=value pairs separated by commas."),
            )
        })?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty()
            || k.contains(['!', '<', '>', '(', ')', ' '])
            || v.contains(['!', '<', '>', '(', ')', ' '])
        {
            return Err(invalid(
                "properties.memberSelector.byLabel",
                format!("'{item}' is not a key=value pair; byLabel only supports key=value pairs separated by commas."),
            ));
        }
        pairs.push((k.to_string(), v.to_string()));
    }
    Ok(pairs)
}

pub fn put(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    let mut props = arm::properties(body)?;
    for key in ["provisioningState", "status", "meshProperties"] {
        props.remove(key);
    }
    let tags = arm::tags(body)?;
    let mut stored = Map::new();
    if let Some(tags) = tags {
        stored.insert("tags".into(), tags);
    }
    let old_props = existing
        .and_then(Resource::properties)
        .cloned()
        .unwrap_or_default();
    match address.kind {
        Kind::Fleet => {
            check_name(address.name(), 63)?;
            let location = arm::require_location(body, false)?;
            if let Some(e) = existing {
                if e.location() != Some(location.as_str()) {
                    return Err(ArmError::bad_request(
                        "PropertyChangeNotAllowed",
                        "Changing property 'location' is not allowed.",
                    )
                    .with_target("location"));
                }
            }
            if let Some(hub) = arm::opt_object(&props, "hubProfile")?.cloned() {
                let mut hub = hub;
                let prefix = arm::opt_str(&hub, "dnsPrefix")?
                    .unwrap_or(address.name())
                    .to_string();
                let fqdn = old_props
                    .get("hubProfile")
                    .and_then(|h| h.get("fqdn"))
                    .cloned()
                    .unwrap_or_else(|| {
                        json!(format!(
                            "{prefix}-{}.hcp.{location}.azmk8s.io",
                            &uuid::Uuid::new_v4().simple().to_string()[..8]
                        ))
                    });
                hub.insert("dnsPrefix".into(), json!(prefix));
                hub.insert("fqdn".into(), fqdn);
                hub.insert("kubernetesVersion".into(), json!("1.34.2"));
                props.insert("hubProfile".into(), Value::Object(hub));
            }
            stored.insert("location".into(), json!(location));
            if let Some(identity) = body.get("identity").filter(|v| !v.is_null()) {
                stored.insert("identity".into(), identity.clone());
            }
        }
        Kind::FleetMember => {
            check_name(address.name(), 50)?;
            let cluster_id = arm::opt_str(&props, "clusterResourceId")?
                .ok_or_else(|| {
                    invalid(
                        "properties.clusterResourceId",
                        "clusterResourceId is required.",
                    )
                })?
                .to_string();
            let cluster_key = match arm::parse_path(&cluster_id, &ctx.settings.subscription_id) {
                Ok(Route::Resource(a)) if a.kind == Kind::ManagedCluster => a.key,
                _ => {
                    return Err(invalid(
                        "properties.clusterResourceId",
                        format!("'{cluster_id}' is not a managed cluster resource id."),
                    ))
                }
            };
            if world.get(&cluster_key).is_none() {
                return Err(invalid(
                    "properties.clusterResourceId",
                    format!("The managed cluster '{cluster_id}' was not found."),
                ));
            }
            if let Some(old) = old_props.get("clusterResourceId").and_then(Value::as_str) {
                if !old.eq_ignore_ascii_case(&cluster_id) {
                    return Err(ArmError::bad_request(
                        "PropertyChangeNotAllowed",
                        "Changing property 'clusterResourceId' is not allowed.",
                    )
                    .with_target("properties.clusterResourceId"));
                }
            }
            if let Some(other) = world.of_kind(Kind::FleetMember).find(|m| {
                m.key() != address.key
                    && m.prop_str("clusterResourceId")
                        .is_some_and(|id| id.eq_ignore_ascii_case(&cluster_id))
            }) {
                return Err(ArmError::conflict(
                    "Conflict",
                    format!(
                        "The managed cluster '{cluster_id}' is already a fleet member as '{}'.",
                        other.id
                    ),
                ));
            }
            if let Some(labels) = arm::opt_object(&props, "labels")? {
                if !labels.values().all(Value::is_string) {
                    return Err(invalid(
                        "properties.labels",
                        "Label values must be strings.",
                    ));
                }
            }
            arm::opt_str(&props, "group")?;
            let mut status = old_props
                .get("status")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            status.entry("lastOperationError").or_insert(Value::Null);
            props.insert("status".into(), Value::Object(status));
            if let Some(mesh) = old_props.get("meshProperties") {
                props.insert("meshProperties".into(), mesh.clone());
            }
        }
        Kind::ClusterMeshProfile => {
            check_name(address.name(), 63)?;
            if let Some(selector) = arm::opt_object(&props, "memberSelector")? {
                if let Some(by_label) = arm::opt_str(selector, "byLabel")? {
                    parse_selector(by_label)?;
                }
            }
            let status = old_props
                .get("status")
                .cloned()
                .unwrap_or_else(|| json!({"state": "NotConnected"}));
            props.insert("status".into(), status);
        }
        _ => return Err(ArmError::internal("not a Fleet type")),
    }
    stored.insert("properties".into(), Value::Object(props));
    world.insert(new_resource(address, existing, Value::Object(stored)));
    Ok(start_write(
        world,
        ctx,
        &address.key,
        existing.is_none(),
        Vec::new(),
    ))
}

fn set_mesh_status(
    world: &mut World,
    member_key: &str,
    state: Option<&str>,
    profile_id: &str,
    error: Option<(&str, &str)>,
    at: (&str, &str),
) {
    let (operation_id, now) = at;
    let taken: Vec<i64> = world
        .children(&parent_key(member_key), Kind::FleetMember)
        .into_iter()
        .filter(|m| m.key() != member_key)
        .filter_map(|m| {
            m.properties()?
                .get("meshProperties")?
                .get("ciliumProperties")?
                .get("id")?
                .as_i64()
        })
        .collect();
    let Some(member) = world.get_mut(member_key) else {
        return;
    };
    let name = member.id.rsplit('/').next().unwrap_or_default().to_string();
    let props = member.properties_mut();
    let Some(state) = state else {
        props.remove("meshProperties");
        return;
    };
    let old = props
        .get("meshProperties")
        .filter(|m| {
            m.get("clusterMeshProfileResourceId")
                .and_then(Value::as_str)
                .is_some_and(|p| p.eq_ignore_ascii_case(profile_id))
        })
        .cloned();
    // Fleet assigns each mesh member a unique Cilium cluster id (1-255) and a name based on the
    // member name with the id appended.
    let cilium = old
        .as_ref()
        .and_then(|m| m.get("ciliumProperties").cloned())
        .unwrap_or_else(|| {
            let id = (1..=255).find(|i| !taken.contains(i)).unwrap_or(255);
            json!({"id": id, "name": format!("{name}{id}")})
        });
    let mut status = json!({
        "state": state,
        "lastUpdatedAt": now,
        "lastOperationId": operation_id,
    });
    if let Some((code, message)) = error {
        status["error"] = json!({"code": code, "message": message});
    }
    props.insert(
        "meshProperties".into(),
        json!({
            "ciliumProperties": cilium,
            "status": status,
            "clusterMeshProfileResourceId": profile_id,
        }),
    );
}

fn mesh_of(member: &Resource) -> Map<String, Value> {
    member
        .properties()
        .and_then(|p| p.get("meshProperties"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn mesh_state(member: &Resource) -> Option<String> {
    mesh_of(member)
        .get("status")
        .and_then(|s| s.get("state"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn mesh_profile_of(member: &Resource) -> Option<String> {
    mesh_of(member)
        .get("clusterMeshProfileResourceId")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// Why a member's cluster cannot join a Fleet cluster mesh (None = it can).
fn mesh_requirement_problem(
    world: &World,
    settings: &crate::state::Settings,
    member: &Resource,
) -> Option<String> {
    let cluster_id = member.prop_str("clusterResourceId")?;
    let key = match arm::parse_path(cluster_id, &settings.subscription_id) {
        Ok(Route::Resource(a)) => a.key,
        _ => return Some(format!("'{cluster_id}' is not a managed cluster id.")),
    };
    let Some(cluster) = world.get(&key) else {
        return Some(format!(
            "The managed cluster '{cluster_id}' no longer exists."
        ));
    };
    let props = cluster.properties().cloned().unwrap_or_default();
    let version = props
        .get("currentKubernetesVersion")
        .and_then(Value::as_str)
        .unwrap_or("0.0");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (1, 32) {
        return Some(format!(
            "Cluster mesh needs Kubernetes 1.32 or later; '{cluster_id}' runs {version}."
        ));
    }
    let network = props.get("networkProfile").cloned().unwrap_or(Value::Null);
    let dataplane = network
        .get("networkDataplane")
        .and_then(Value::as_str)
        .unwrap_or("azure");
    let acns = network
        .get("advancedNetworking")
        .and_then(|a| a.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !dataplane.eq_ignore_ascii_case("cilium") || !acns {
        return Some(format!(
            "Cluster mesh needs Advanced Container Networking Services with Cilium (networkDataplane 'cilium' and advancedNetworking.enabled true) on '{cluster_id}'."
        ));
    }
    None
}

/// `POST …/clusterMeshProfiles/{name}/apply`: members matching the selector go
/// `Connecting`, then `Connected` when the operation completes.
pub fn apply(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
) -> Result<ArmResponse, ArmError> {
    let settings = ctx.settings;
    let profile = world
        .get(&address.key)
        .cloned()
        .ok_or_else(|| not_found(address))?;
    let fleet_key = parent_key(&address.key);
    for resource in [world.get(&fleet_key), Some(&profile)]
        .into_iter()
        .flatten()
    {
        if resource.is_busy() {
            return Err(busy_error(resource.kind, &resource.id, "Updating"));
        }
    }
    let selector = profile
        .properties()
        .and_then(|p| p.get("memberSelector"))
        .and_then(|s| s.get("byLabel"))
        .and_then(Value::as_str)
        .map(parse_selector)
        .transpose()?
        .unwrap_or_default();
    let profile_id = profile.id.clone();
    let profile_key = address.key.clone();
    let members: Vec<Resource> = world
        .children(&fleet_key, Kind::FleetMember)
        .into_iter()
        .cloned()
        .collect();
    let mut selected = Vec::new();
    let mut disconnecting = Vec::new();
    let mut failed = Vec::new();
    // Members already in another mesh fail the apply but keep their mesh.
    let mut foreign = Vec::new();
    for member in &members {
        let labels = member
            .properties()
            .and_then(|p| p.get("labels"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let matches = !selector.is_empty()
            && selector
                .iter()
                .all(|(k, v)| labels.get(k).and_then(Value::as_str) == Some(v.as_str()));
        let current = mesh_profile_of(member);
        if matches {
            if let Some(other) = current.as_ref().filter(|p| **p != profile_key) {
                foreign.push((member.key(), format!("The member is already part of cluster mesh profile '{other}'; a member can be in one mesh only.")));
            } else if let Some(problem) = mesh_requirement_problem(world, settings, member) {
                failed.push((member.key(), problem));
            } else {
                selected.push(member.key());
            }
        } else if current.as_deref() == Some(profile_key.as_str()) {
            disconnecting.push(member.key());
        }
    }
    let selector_text = profile
        .properties()
        .and_then(|p| p.get("memberSelector"))
        .and_then(|s| s.get("byLabel"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let member_ids = |keys: &[String]| -> Vec<Value> {
        keys.iter()
            .filter_map(|k| world.get(k).map(|m| json!(m.id)))
            .collect()
    };
    let data = json!({
        "status": "Succeeded",
        "selectedMembers": member_ids(&selected),
        "disconnectingMembers": member_ids(&disconnecting),
        "failedMembers": failed.iter().chain(&foreign).filter_map(|(k, m)| world.get(k).map(|r| json!({"id": r.id, "message": m}))).collect::<Vec<_>>(),
        "selected": selected,
        "disconnecting": disconnecting,
        "selector": selector_text,
    });
    let location = operation_location(world, &address.key);
    let op_id = operations::start(
        world,
        settings,
        ctx.now_ms,
        &address.key,
        StartOptions {
            action: Action::MeshApply,
            location,
            api_version: ctx.api_version.clone(),
            inject_failure: ctx.inject_lro_failure,
            affected: Vec::new(),
            data,
        },
    )
    .ok_or_else(|| ArmError::internal("could not start the apply operation"))?;
    let now = operations::format_time(ctx.now_ms);
    let at = (op_id.as_str(), now.as_str());
    for key in &selected {
        set_mesh_status(world, key, Some("Connecting"), &profile_id, None, at);
    }
    for key in &disconnecting {
        set_mesh_status(world, key, Some("Disconnecting"), &profile_id, None, at);
    }
    for (key, message) in &failed {
        let error = Some(("ClusterMeshRequirementsNotMet", message.as_str()));
        set_mesh_status(world, key, Some("Failed"), &profile_id, error, at);
    }
    if !failed.is_empty() || !foreign.is_empty() {
        let message = failed
            .iter()
            .chain(&foreign)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(op) = world.operation_mut(&op_id) {
            if op.planned_failure.is_none() {
                op.planned_failure = Some(ErrorBody::new("ClusterMeshRequirementsNotMet", message));
            }
        }
    }
    if let Some(p) = world.get_mut(&profile_key) {
        let props = p.properties_mut();
        let mut status = props
            .get("status")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        status.insert("state".into(), json!("Connecting"));
        status.insert("lastOperationId".into(), json!(op_id));
        status.remove("lastOperationError");
        props.insert("status".into(), Value::Object(status));
    }
    let op = world
        .operation(&op_id)
        .ok_or_else(|| ArmError::internal("the apply operation vanished"))?;
    Ok(operations::with_polling_headers(
        ArmResponse::empty(StatusCode::ACCEPTED),
        settings,
        op,
        ctx.now_ms,
        true,
    ))
}

pub fn complete_apply(world: &mut World, op: &Operation, at_ms: i64) {
    let keys = |field: &str| -> Vec<String> {
        op.data
            .get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let profile_key = op.resource_key.clone();
    let profile_id = op.resource_id.clone();
    let injected = op
        .planned_failure
        .as_ref()
        .is_some_and(|e| e.code == "InternalOperationError");
    let now = operations::format_time(at_ms);
    let at = (op.id.as_str(), now.as_str());
    for key in keys("selected") {
        let still_ours = world
            .get(&key)
            .and_then(mesh_profile_of)
            .is_some_and(|p| p == profile_key);
        if still_ours {
            let (state, error) = if injected {
                (
                    "Failed",
                    Some((
                        "InternalOperationError",
                        "The cluster mesh apply operation failed.",
                    )),
                )
            } else {
                ("Connected", None)
            };
            set_mesh_status(world, &key, Some(state), &profile_id, error, at);
        }
    }
    if !injected {
        for key in keys("disconnecting") {
            let still_ours = world
                .get(&key)
                .and_then(mesh_profile_of)
                .is_some_and(|p| p == profile_key);
            if still_ours {
                set_mesh_status(world, &key, None, &profile_id, None, at);
            }
        }
    }
    let connected = world
        .children(&parent_key(&profile_key), Kind::FleetMember)
        .into_iter()
        .any(|m| {
            mesh_profile_of(m).as_deref() == Some(profile_key.as_str())
                && mesh_state(m).as_deref() == Some("Connected")
        });
    let outcome = match (&op.planned_failure, connected) {
        (Some(_), _) => "Failed",
        (None, true) => "Connected",
        (None, false) => "NotConnected",
    };
    let selector = op.data.get("selector").cloned().unwrap_or(json!(""));
    if let Some(profile) = world.get_mut(&profile_key) {
        if profile.operation.as_deref() == Some(op.id.as_str()) {
            profile.operation = None;
        }
        let props = profile.properties_mut();
        let mut status = json!({
            "state": outcome,
            "lastAppliedMemberLabelSelector": selector,
            "lastOperationId": op.id,
        });
        if let Some(error) = &op.planned_failure {
            status["lastOperationError"] = json!({"code": error.code, "message": error.message});
        }
        props.insert("status".into(), status);
    }
    match &op.planned_failure {
        Some(error) => {
            world.finish_operation(&op.id, OperationStatus::Failed, at_ms, Some(error.clone()))
        }
        None => world.finish_operation(&op.id, OperationStatus::Succeeded, at_ms, None),
    }
}

/// Members in a mesh cannot be deleted until they leave it.
pub fn check_delete_member(member: &Resource) -> Result<(), ArmError> {
    let state = mesh_state(member);
    if matches!(
        state.as_deref(),
        Some("Connecting" | "Connected" | "Disconnecting")
    ) {
        let profile = mesh_of(member)
            .get("clusterMeshProfileResourceId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        return Err(ArmError::conflict(
            "OperationNotAllowed",
            format!("Member '{}' is part of cluster mesh profile '{profile}' ({}). Remove it from the cross-cluster network first: change its labels (or the profile's member selector) so the profile no longer selects it, apply the profile, and wait until the profile no longer lists it.", member.id, state.unwrap_or_default()),
        ));
    }
    Ok(())
}

/// A profile cannot be deleted while members are still in it (`az fleet clustermeshprofile
/// delete`: "Members must be disconnected from the profile before it can be deleted").
pub fn check_delete_profile(world: &World, profile: &Resource) -> Result<(), ArmError> {
    let members: Vec<String> = members_of_profile(world, profile)
        .iter()
        .filter_map(|key| world.get(key))
        .map(|m| format!("{} ({})", m.id, mesh_state(m).unwrap_or_default()))
        .collect();
    if members.is_empty() {
        return Ok(());
    }
    Err(ArmError::conflict(
        "OperationNotAllowed",
        format!("Cluster mesh profile '{}' still has members: {}. Members must be disconnected from the profile before it can be deleted: change the member selector (or the members' labels) so that it matches no member, apply the profile, and wait until it lists no members.", profile.id, members.join(", ")),
    ))
}

pub fn on_member_joined(world: &mut World, key: &str) {
    if let Some(member) = world.get_mut(key) {
        let props = member.properties_mut();
        let mut status = props
            .get("status")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        status.insert("lastOperationError".into(), Value::Null);
        props.insert("status".into(), Value::Object(status));
    }
}

fn members_of_profile(world: &World, profile: &Resource) -> Vec<String> {
    let profile_key = profile.key();
    let fleet_key = parent_key(&profile_key);
    world
        .children(&fleet_key, Kind::FleetMember)
        .into_iter()
        .filter(|m| mesh_profile_of(m).as_deref() == Some(profile_key.as_str()))
        .map(Resource::key)
        .collect()
}

pub fn on_profile_removed(world: &mut World, profile: &Resource) {
    for key in members_of_profile(world, profile) {
        set_mesh_status(world, &key, None, &profile.id, None, ("", ""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_accepts_only_key_value_pairs() {
        assert_eq!(parse_selector("env=prod, mesh=a").unwrap().len(), 2);
        assert!(parse_selector("env in (prod)").is_err());
        assert!(parse_selector("env!=prod").is_err());
        assert!(parse_selector("").unwrap().is_empty());
    }
}
