//! `Microsoft.Cdn` (2025-12-01) Azure Front Door Standard/Premium: profiles, afdEndpoints,
//! originGroups, origins and routes. Ids are returned lower-cased, as Front Door does.

use serde_json::{json, Map, Value};

use axum::http::StatusCode;

use super::{busy_error, new_resource, not_found, parent_key, start_write, Ctx};
use crate::arm::{self, ArmError, ArmResponse, Kind, ResourceAddress, Route};
use crate::operations;
use crate::state::{Resource, World};

const SKUS: &[&str] = &["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"];

fn bad(message: impl Into<String>) -> ArmError {
    ArmError::bad_request("BadRequest", message)
}

fn check_name(name: &str, max: usize) -> Result<(), ArmError> {
    // ^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$
    let valid = !name.is_empty()
        && name.len() <= max
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!("The name '{name}' is invalid: use 1-{max} letters, digits and hyphens, starting and ending with a letter or digit."),
        )
        .with_target("name"))
    }
}

fn enum_value(
    props: &Map<String, Value>,
    key: &str,
    allowed: &[&'static str],
    default: &'static str,
) -> Result<&'static str, ArmError> {
    match arm::opt_str(props, key)? {
        None => Ok(default),
        Some(v) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(v))
            .copied()
            .ok_or_else(|| {
                bad(format!(
                    "The value '{v}' of {key} is invalid; allowed values are {}.",
                    allowed.join(", ")
                ))
            }),
    }
}

fn int_in(
    props: &Map<String, Value>,
    key: &str,
    low: i64,
    high: i64,
    default: Option<i64>,
) -> Result<Option<i64>, ArmError> {
    match arm::opt_i64(props, key)?.or(default) {
        Some(v) if !(low..=high).contains(&v) => Err(bad(format!(
            "{key} must be between {low} and {high}, got {v}."
        ))),
        other => Ok(other),
    }
}

fn strip(props: &mut Map<String, Value>) {
    for key in [
        "provisioningState",
        "deploymentStatus",
        "resourceState",
        "frontDoorId",
        "hostName_",
        "profileName",
        "endpointName",
        "originGroupName",
    ] {
        props.remove(key);
    }
}

fn hex16(seed: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_DNS, seed.as_bytes())
        .simple()
        .to_string()[..16]
        .to_string()
}

fn profile_sku(world: &World, key: &str) -> Option<String> {
    let mut current = key.to_string();
    loop {
        let resource = world.get(&current)?;
        if resource.kind == Kind::FrontDoorProfile {
            return resource
                .body
                .get("sku")
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        current = parent_key(&current);
    }
}

pub fn put(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    let mut props = arm::properties(body)?;
    strip(&mut props);
    let tags = arm::tags(body)?;
    let mut stored = Map::new();
    if let Some(tags) = tags {
        stored.insert("tags".into(), tags);
    }
    let old_props = existing
        .and_then(Resource::properties)
        .cloned()
        .unwrap_or_default();
    let names = &address.names;
    match address.kind {
        Kind::FrontDoorProfile => {
            check_name(address.name(), 260)?;
            let location = arm::require_location(body, true)?;
            if location != "global" {
                return Err(bad("Azure Front Door profiles must use location 'global'.")
                    .with_target("location"));
            }
            let sku = body
                .get("sku")
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
                .ok_or_else(|| bad("sku.name is required.").with_target("sku.name"))?;
            let sku = SKUS
                .iter()
                .find(|s| s.eq_ignore_ascii_case(sku))
                .copied()
                .ok_or_else(|| {
                    bad(format!(
                        "The sku '{sku}' is not an Azure Front Door Standard/Premium sku."
                    ))
                    .with_target("sku.name")
                })?;
            if let Some(old) = existing
                .and_then(|e| e.body.get("sku"))
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
            {
                if old == "Premium_AzureFrontDoor" && sku == "Standard_AzureFrontDoor" {
                    return Err(bad("Downgrading a profile from Premium_AzureFrontDoor to Standard_AzureFrontDoor is not supported.")
                        .with_target("sku.name"));
                }
                // The published API changes a sku only through the upgrade action (PATCH has
                // no sku, PUT "creates"); azsim holds the provider to that documented path.
                if old != sku {
                    return Err(bad(format!("The sku of an existing profile cannot be changed by PUT; upgrade a {old} profile to {sku} with POST {{profile id}}/upgrade."))
                        .with_target("sku.name"));
                }
            }
            let timeout = int_in(&props, "originResponseTimeoutSeconds", 16, 240, Some(60))?;
            props.insert("originResponseTimeoutSeconds".into(), json!(timeout));
            let front_door_id = old_props
                .get("frontDoorId")
                .cloned()
                .unwrap_or_else(|| json!(uuid::Uuid::new_v4().to_string()));
            props.insert("frontDoorId".into(), front_door_id);
            props.insert(
                "resourceState".into(),
                json!(if existing.is_some() {
                    "Active"
                } else {
                    "Creating"
                }),
            );
            props
                .entry("extendedProperties")
                .or_insert_with(|| json!({}));
            stored.insert("location".into(), json!("Global"));
            stored.insert("sku".into(), json!({"name": sku}));
            stored.insert("kind".into(), json!("frontdoor"));
            if let Some(identity) = body.get("identity").filter(|v| !v.is_null()) {
                stored.insert("identity".into(), identity.clone());
            }
        }
        Kind::FrontDoorEndpoint => {
            check_name(address.name(), 46)?;
            let location = arm::require_location(body, true)?;
            if location != "global" {
                return Err(
                    bad("Azure Front Door endpoints must use location 'global'.")
                        .with_target("location"),
                );
            }
            let enabled = enum_value(&props, "enabledState", &["Enabled", "Disabled"], "Enabled")?;
            let scope = enum_value(
                &props,
                "autoGeneratedDomainNameLabelScope",
                &[
                    "TenantReuse",
                    "SubscriptionReuse",
                    "ResourceGroupReuse",
                    "NoReuse",
                ],
                "TenantReuse",
            )?;
            let label = address.name().to_ascii_lowercase();
            let seed = match scope {
                "TenantReuse" => format!("{}/{label}", ctx.settings.tenant_id),
                "SubscriptionReuse" => format!("{}/{label}", ctx.settings.subscription_id),
                "ResourceGroupReuse" => format!(
                    "{}/{}/{label}",
                    ctx.settings.subscription_id,
                    address
                        .resource_group
                        .as_deref()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                ),
                _ => uuid::Uuid::new_v4().to_string(),
            };
            let host = old_props
                .get("hostName")
                .cloned()
                .unwrap_or_else(|| json!(format!("{label}-{}.z01.azurefd.net", hex16(&seed))));
            props.insert("hostName".into(), host);
            props.insert("enabledState".into(), json!(enabled));
            props.insert("autoGeneratedDomainNameLabelScope".into(), json!(scope));
            props.insert("profileName".into(), json!(names[0]));
            stored.insert("location".into(), json!("Global"));
        }
        Kind::FrontDoorOriginGroup => {
            check_name(address.name(), 90)?;
            let mut lb = arm::opt_object(&props, "loadBalancingSettings")?
                .cloned()
                .unwrap_or_default();
            let sample = int_in(&lb, "sampleSize", 1, 255, Some(4))?;
            let required = int_in(&lb, "successfulSamplesRequired", 1, 255, Some(3))?;
            let latency = int_in(&lb, "additionalLatencyInMilliseconds", 0, 1000, Some(50))?;
            if required > sample {
                return Err(bad("successfulSamplesRequired must not exceed sampleSize."));
            }
            lb.insert("sampleSize".into(), json!(sample));
            lb.insert("successfulSamplesRequired".into(), json!(required));
            lb.insert("additionalLatencyInMilliseconds".into(), json!(latency));
            props.insert("loadBalancingSettings".into(), Value::Object(lb));
            if let Some(probe) = arm::opt_object(&props, "healthProbeSettings")?.cloned() {
                let mut probe = probe;
                let kind = enum_value(
                    &probe,
                    "probeRequestType",
                    &["NotSet", "GET", "HEAD"],
                    "HEAD",
                )?;
                let protocol = enum_value(
                    &probe,
                    "probeProtocol",
                    &["NotSet", "Http", "Https"],
                    "Http",
                )?;
                let interval = int_in(&probe, "probeIntervalInSeconds", 1, 255, Some(100))?;
                if let Some(path) = arm::opt_str(&probe, "probePath")? {
                    if !path.starts_with('/') {
                        return Err(bad("probePath must start with '/'."));
                    }
                }
                probe.insert("probeRequestType".into(), json!(kind));
                probe.insert("probeProtocol".into(), json!(protocol));
                probe.insert("probeIntervalInSeconds".into(), json!(interval));
                probe.entry("probePath").or_insert_with(|| json!("/"));
                props.insert("healthProbeSettings".into(), Value::Object(probe));
            }
            let restore = int_in(
                &props,
                "trafficRestorationTimeToHealedOrNewEndpointsInMinutes",
                0,
                50,
                Some(10),
            )?;
            props.insert(
                "trafficRestorationTimeToHealedOrNewEndpointsInMinutes".into(),
                json!(restore),
            );
            let affinity = enum_value(
                &props,
                "sessionAffinityState",
                &["Enabled", "Disabled"],
                "Disabled",
            )?;
            props.insert("sessionAffinityState".into(), json!(affinity));
            props.insert("profileName".into(), json!(names[0]));
        }
        Kind::FrontDoorOrigin => {
            check_name(address.name(), 90)?;
            let host = arm::opt_str(&props, "hostName")?
                .filter(|h| !h.trim().is_empty())
                .ok_or_else(|| {
                    bad("hostName is required for an origin.").with_target("properties.hostName")
                })?
                .to_string();
            let http = int_in(&props, "httpPort", 1, 65535, Some(80))?;
            let https = int_in(&props, "httpsPort", 1, 65535, Some(443))?;
            let priority = int_in(&props, "priority", 1, 5, Some(1))?;
            let weight = int_in(&props, "weight", 1, 1000, Some(1000))?;
            let enabled = enum_value(&props, "enabledState", &["Enabled", "Disabled"], "Enabled")?;
            if props
                .get("sharedPrivateLinkResource")
                .is_some_and(|v| !v.is_null())
                && profile_sku(world, &parent_key(&address.key)).as_deref()
                    != Some("Premium_AzureFrontDoor")
            {
                return Err(bad(
                    "Private Link origins require a Premium_AzureFrontDoor profile.",
                ));
            }
            props.insert("hostName".into(), json!(host));
            props
                .entry("originHostHeader")
                .or_insert_with(|| json!(host));
            props.insert("httpPort".into(), json!(http));
            props.insert("httpsPort".into(), json!(https));
            props.insert("priority".into(), json!(priority));
            props.insert("weight".into(), json!(weight));
            props.insert("enabledState".into(), json!(enabled));
            props
                .entry("enforceCertificateNameCheck")
                .or_insert_with(|| json!(true));
            props.insert("originGroupName".into(), json!(names[1]));
        }
        Kind::FrontDoorRoute => {
            check_name(address.name(), 90)?;
            let group_id = arm::opt_reference(&props, "originGroup")?.ok_or_else(|| {
                bad("originGroup.id is required for a route.")
                    .with_target("properties.originGroup.id")
            })?;
            let group_key = match arm::parse_path(&group_id, &ctx.settings.subscription_id) {
                Ok(Route::Resource(a)) if a.kind == Kind::FrontDoorOriginGroup => a.key,
                _ => {
                    return Err(bad(format!(
                        "originGroup.id '{group_id}' is not an origin group id."
                    ))
                    .with_target("properties.originGroup.id"))
                }
            };
            let profile_key = parent_key(&parent_key(&address.key));
            if world.get(&group_key).is_none() || !group_key.starts_with(&format!("{profile_key}/"))
            {
                return Err(bad(format!(
                    "The origin group '{group_id}' does not exist in this profile."
                ))
                .with_target("properties.originGroup.id"));
            }
            let protocols = match arm::opt_array(&props, "supportedProtocols")? {
                Some(list) => {
                    let mut out = Vec::new();
                    for p in list {
                        let text = p.as_str().unwrap_or("");
                        let v = ["Http", "Https"]
                            .iter()
                            .find(|a| a.eq_ignore_ascii_case(text))
                            .ok_or_else(|| bad(format!("Protocol '{text}' is not supported.")))?;
                        out.push(json!(v));
                    }
                    out
                }
                None => vec![json!("Http"), json!("Https")],
            };
            let patterns = match arm::opt_array(&props, "patternsToMatch")? {
                Some(list) if !list.is_empty() => {
                    if !list
                        .iter()
                        .all(|p| p.as_str().is_some_and(|s| s.starts_with('/')))
                    {
                        return Err(bad("Every pattern in patternsToMatch must start with '/'."));
                    }
                    list.clone()
                }
                _ => vec![json!("/*")],
            };
            let forwarding = enum_value(
                &props,
                "forwardingProtocol",
                &["HttpOnly", "HttpsOnly", "MatchRequest"],
                "MatchRequest",
            )?;
            let link = enum_value(
                &props,
                "linkToDefaultDomain",
                &["Enabled", "Disabled"],
                "Enabled",
            )?;
            let redirect = enum_value(
                &props,
                "httpsRedirect",
                &["Enabled", "Disabled"],
                "Disabled",
            )?;
            let enabled = enum_value(&props, "enabledState", &["Enabled", "Disabled"], "Enabled")?;
            props.insert(
                "originGroup".into(),
                json!({"id": group_id.to_ascii_lowercase()}),
            );
            props.insert("supportedProtocols".into(), Value::Array(protocols));
            props.insert("patternsToMatch".into(), Value::Array(patterns));
            props.insert("forwardingProtocol".into(), json!(forwarding));
            props.insert("linkToDefaultDomain".into(), json!(link));
            props.insert("httpsRedirect".into(), json!(redirect));
            props.insert("enabledState".into(), json!(enabled));
            props.entry("customDomains").or_insert_with(|| json!([]));
            props.entry("ruleSets").or_insert_with(|| json!([]));
            props.insert("endpointName".into(), json!(names[1]));
        }
        _ => return Err(ArmError::internal("not a Front Door type")),
    }
    // Profiles have no deploymentStatus in Microsoft.Cdn 2025-12-01 (only their children do).
    if address.kind != Kind::FrontDoorProfile {
        props.insert("deploymentStatus".into(), json!("NotStarted"));
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

/// AFDProfiles_Upgrade (`POST …/profiles/{name}/upgrade`, Microsoft.Cdn 2025-12-01): Standard →
/// Premium in place, without downtime (Microsoft Learn, "Upgrade from Azure Front Door Standard
/// to Premium"). A long-running operation whose result is the profile, read from its `Location`.
pub fn upgrade(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &[u8],
) -> Result<ArmResponse, ArmError> {
    let body = arm::parse_object(body)?;
    let mappings = body
        .get("wafMappingList")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            bad("wafMappingList is required: an array mapping each security policy to a Premium WAF policy (empty when the profile has none).")
                .with_target("wafMappingList")
        })?;
    // azsim profiles have no security policies, so any mapping names one that does not exist.
    if let Some(mapping) = mappings.first() {
        let name = mapping
            .get("securityPolicyName")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(bad(format!(
            "The security policy '{name}' does not exist in this profile."
        ))
        .with_target("wafMappingList[0].securityPolicyName"));
    }
    let profile = world
        .get(&address.key)
        .cloned()
        .ok_or_else(|| not_found(address))?;
    if profile.is_busy() {
        return Err(busy_error(profile.kind, &profile.id, "Updating"));
    }
    let sku = profile
        .body
        .get("sku")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if sku != "Standard_AzureFrontDoor" {
        return Err(bad(format!(
            "Only a Standard_AzureFrontDoor profile can be upgraded; this profile is {sku}."
        )));
    }
    if let Some(resource) = world.get_mut(&address.key) {
        if let Some(map) = resource.body.as_object_mut() {
            map.insert("sku".into(), json!({"name": "Premium_AzureFrontDoor"}));
        }
        resource.etag = uuid::Uuid::new_v4().to_string();
    }
    let op_id = start_write(world, ctx, &address.key, false, Vec::new())
        .ok_or_else(|| ArmError::internal("could not start the upgrade operation"))?;
    let op = world
        .operation(&op_id)
        .ok_or_else(|| ArmError::internal("the upgrade operation vanished"))?;
    // The spec's 202 carries the profile (as it is while upgrading).
    let view = world
        .get(&address.key)
        .map(|resource| super::render(world, resource))
        .unwrap_or(Value::Null);
    Ok(operations::with_polling_headers(
        ArmResponse::json(StatusCode::ACCEPTED, view),
        ctx.settings,
        op,
        ctx.now_ms,
        true,
    ))
}

/// An origin group still used by a route cannot be deleted.
pub fn check_delete(world: &World, resource: &Resource) -> Result<(), ArmError> {
    if resource.kind != Kind::FrontDoorOriginGroup {
        return Ok(());
    }
    let key = resource.key();
    let profile = parent_key(&key);
    let used = world.with_prefix(&format!("{profile}/")).any(|r| {
        r.kind == Kind::FrontDoorRoute
            && r.properties()
                .and_then(|p| p.get("originGroup"))
                .and_then(|g| g.get("id"))
                .and_then(Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(&key))
    });
    if used {
        return Err(bad("This resource is still associated with a route. Please delete the route first before deleting this resource."));
    }
    Ok(())
}

pub fn on_write_succeeded(world: &mut World, key: &str) {
    if let Some(resource) = world.get_mut(key) {
        let is_profile = resource.kind == Kind::FrontDoorProfile;
        let props = resource.properties_mut();
        if is_profile {
            props.insert("resourceState".into(), json!("Active"));
        } else {
            props.insert("deploymentStatus".into(), json!("Succeeded"));
        }
    }
}

pub fn on_delete_started(world: &mut World, key: &str) {
    if let Some(resource) = world.get_mut(key) {
        if resource.kind == Kind::FrontDoorProfile {
            resource
                .properties_mut()
                .insert("resourceState".into(), json!("Deleting"));
        }
    }
}
