//! `Microsoft.Authorization/roleAssignments` (2022-04-01), an extension resource at any
//! scope. Synchronous; duplicates (same principal, role and scope) are refused.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::{list_response, new_resource, render, resource_group_not_found, Ctx};
use crate::arm::{self, ArmError, ArmResponse, Kind, ResourceAddress, Route};
use crate::state::{Resource, World};

const PRINCIPAL_TYPES: &[&str] = &[
    "User",
    "Group",
    "ServicePrincipal",
    "ForeignGroup",
    "Device",
];

fn is_guid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok() && text.len() == 36
}

/// The scope of an assignment must exist: the subscription, a resource group or a resource.
pub fn check_scope(world: &World, address: &ResourceAddress) -> Result<(), ArmError> {
    let scope = address.scope.as_deref().unwrap_or("");
    let subscription = scope.split('/').nth(2).unwrap_or("");
    match arm::parse_path(scope, subscription) {
        Ok(Route::Subscription) => Ok(()),
        Ok(Route::Resource(target)) => match world.get(&target.key) {
            Some(_) => Ok(()),
            None if target.kind == Kind::ResourceGroup => {
                Err(resource_group_not_found(target.name()))
            }
            None => Err(super::not_found(&target)),
        },
        _ => Err(ArmError::bad_request(
            "InvalidRoleAssignmentScope",
            format!("The scope '{scope}' is not a valid scope for a role assignment."),
        )),
    }
}

fn role_definition_guid(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let rest = lower
        .rsplit_once("/providers/microsoft.authorization/roledefinitions/")?
        .1;
    let valid_prefix = lower.starts_with("/subscriptions/") || lower.starts_with("/providers/");
    (valid_prefix && is_guid(rest)).then(|| rest.to_string())
}

fn scope_key(resource: &Resource) -> String {
    resource
        .properties()
        .and_then(|p| p.get("scope"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

fn principal_of(resource: &Resource) -> String {
    resource
        .prop_str("principalId")
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn role_of(resource: &Resource) -> String {
    resource
        .prop_str("roleDefinitionId")
        .and_then(role_definition_guid)
        .unwrap_or_default()
}

pub fn put(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    let settings = ctx.settings;
    let name = address.name();
    if !is_guid(name) {
        return Err(ArmError::bad_request(
            "InvalidRoleAssignmentId",
            format!("The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."),
        ));
    }
    let props = arm::properties(body)?;
    let role_definition = arm::opt_str(&props, "roleDefinitionId")?
        .unwrap_or("")
        .to_string();
    let role_guid = role_definition_guid(&role_definition).ok_or_else(|| {
        ArmError::bad_request(
            "InvalidRoleDefinitionId",
            format!("The role definition ID '{role_definition}' is not valid."),
        )
    })?;
    let principal = arm::opt_str(&props, "principalId")?
        .unwrap_or("")
        .to_string();
    if !is_guid(&principal) {
        return Err(ArmError::bad_request(
            "InvalidPrincipalId",
            "A valid principal ID must be provided for role assignment.",
        ));
    }
    let principal_type = match arm::opt_str(&props, "principalType")? {
        Some(t) => Some(
            PRINCIPAL_TYPES
                .iter()
                .find(|p| p.eq_ignore_ascii_case(t))
                .copied()
                .ok_or_else(|| {
                    ArmError::bad_request(
                        "InvalidPrincipalType",
                        format!("The principal type '{t}' is not valid."),
                    )
                })?,
        ),
        None => None,
    };
    if principal_type.is_none() {
        // Without principalType ARM looks the principal up in the directory.
        let mut known = super::managed_clusters::known_principals(world);
        known.push(crate::auth::principal_object_id(&settings.client_id));
        if !known.contains(&principal.to_ascii_lowercase()) {
            return Err(ArmError::bad_request(
                "PrincipalNotFound",
                format!("Principal {} does not exist in the directory {}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group. See https://aka.ms/docs-principaltype", principal.replace('-', ""), settings.tenant_id),
            ));
        }
    }
    let scope_path = address.scope.clone().unwrap_or_default();
    let scope_lower = scope_path.trim_end_matches('/').to_ascii_lowercase();
    let canonical_scope = world
        .get(&scope_lower)
        .map(|r| r.id.clone())
        .unwrap_or_else(|| scope_path.clone());

    if let Some(e) = existing {
        if principal_of(e) != principal.to_ascii_lowercase()
            || role_of(e) != role_guid
            || scope_key(e) != scope_lower
        {
            return Err(ArmError::bad_request(
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            ));
        }
    }
    if let Some(duplicate) = world.of_kind(Kind::RoleAssignment).find(|r| {
        r.key() != address.key
            && scope_key(r) == scope_lower
            && principal_of(r) == principal.to_ascii_lowercase()
            && role_of(r) == role_guid
    }) {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "RoleAssignmentExists",
            format!(
                "The role assignment already exists. The ID of the existing role assignment is {}.",
                duplicate.name.replace('-', "")
            ),
        ));
    }

    let now = crate::operations::format_time(ctx.now_ms);
    let caller = crate::auth::principal_object_id(&settings.client_id);
    let mut stored = Map::new();
    stored.insert("roleDefinitionId".into(), json!(role_definition));
    stored.insert("principalId".into(), json!(principal));
    stored.insert(
        "principalType".into(),
        json!(principal_type.unwrap_or("ServicePrincipal")),
    );
    stored.insert("scope".into(), json!(canonical_scope));
    for key in [
        "condition",
        "conditionVersion",
        "description",
        "delegatedManagedIdentityResourceId",
    ] {
        if let Some(v) = arm::opt_str(&props, key)? {
            stored.insert(key.into(), json!(v));
        } else {
            stored.insert(key.into(), Value::Null);
        }
    }
    let created_on = existing
        .and_then(|e| e.prop_str("createdOn"))
        .map(str::to_string)
        .unwrap_or_else(|| now.clone());
    stored.insert("createdOn".into(), json!(created_on));
    stored.insert("updatedOn".into(), json!(now));
    stored.insert("createdBy".into(), json!(caller));
    stored.insert("updatedBy".into(), json!(caller));
    let mut resource = new_resource(
        address,
        existing,
        json!({ "properties": Value::Object(stored) }),
    );
    if existing.is_none() {
        resource.id =
            format!("{canonical_scope}/providers/Microsoft.Authorization/roleAssignments/{name}");
    }
    world.insert(resource);
    Ok(None)
}

fn is_path_prefix(prefix: &str, path: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// Lists assignments at, above and below a scope; honours `$filter=principalId eq '…'`
/// and `atScope()` (at or above only).
pub fn list(world: &World, ctx: &Ctx, scope: &str) -> Result<ArmResponse, ArmError> {
    let scope_lower = scope.trim_end_matches('/').to_ascii_lowercase();
    let filter = ctx.query("$filter").unwrap_or("").to_string();
    let at_scope = filter.to_ascii_lowercase().contains("atscope()");
    let principal = filter
        .split_once("principalId eq '")
        .or_else(|| filter.split_once("assignedTo('"))
        .and_then(|(_, rest)| rest.split('\'').next())
        .map(str::to_ascii_lowercase);
    let value: Vec<Value> = world
        .of_kind(Kind::RoleAssignment)
        .filter(|r| {
            let s = scope_key(r);
            is_path_prefix(&s, &scope_lower) || (!at_scope && is_path_prefix(&scope_lower, &s))
        })
        .filter(|r| principal.as_ref().is_none_or(|p| &principal_of(r) == p))
        .map(|r| render(world, r))
        .collect();
    Ok(list_response(value))
}
