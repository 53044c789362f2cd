//! `Microsoft.Resources/resourceGroups` (2025-04-01): synchronous create/update,
//! asynchronous delete of the group and everything in it.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::{new_resource, Ctx};
use crate::arm::{self, ArmError, ResourceAddress};
use crate::state::{Resource, World};

fn valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=90).contains(&count)
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
}

pub fn put(
    world: &mut World,
    _ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    let name = address.name();
    if !valid_name(name) {
        return Err(ArmError::bad_request(
            "InvalidResourceGroupName",
            format!("Resource group name '{name}' is invalid. It can contain up to 90 characters: letters, digits, underscores, periods, hyphens and parentheses, and cannot end in a period."),
        )
        .with_target("name"));
    }
    let location = arm::require_location(body, false)?;
    if let Some(e) = existing {
        let current = e.location().unwrap_or_default();
        if current != location {
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "InvalidResourceGroupLocation",
                format!("Invalid resource group location '{location}'. The Resource group already exists in location '{current}'."),
            ));
        }
    }
    let tags = arm::tags(body)?;
    let mut stored = Map::new();
    stored.insert("location".into(), Value::String(location));
    if let Some(tags) = tags {
        stored.insert("tags".into(), tags);
    }
    match body.get("managedBy") {
        Some(Value::String(m)) => {
            stored.insert("managedBy".into(), Value::String(m.clone()));
        }
        None | Some(Value::Null) => {
            // Keep who manages a node resource group across client PUTs.
            if let Some(m) = existing.and_then(|e| e.body.get("managedBy")) {
                stored.insert("managedBy".into(), m.clone());
            }
        }
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'managedBy' must be a string.",
            ))
        }
    }
    stored.insert(
        "properties".into(),
        json!({"provisioningState": "Succeeded"}),
    );
    world.insert(new_resource(address, existing, Value::Object(stored)));
    Ok(None)
}

/// Creates (or adopts) a resource group on behalf of a service, e.g. an AKS node resource group.
pub fn ensure_managed(
    world: &mut World,
    address: &ResourceAddress,
    location: &str,
    managed_by: &str,
) {
    if world.get(&address.key).is_some() {
        return;
    }
    let body = json!({
        "location": location,
        "managedBy": managed_by,
        "properties": {"provisioningState": "Succeeded"},
    });
    world.insert(new_resource(address, None, body));
}
