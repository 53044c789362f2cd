//! `Microsoft.Network` (2025-07-01): virtualNetworks, subnets (standalone or inline in a
//! VNet PUT) and virtualNetworkPeerings with their state machine and sync levels.

use ipnet::IpNet;
use serde_json::{json, Map, Value};

use super::{new_resource, parent_key, remove_tree, start_write, Ctx};
use crate::arm::{self, ArmError, Kind, ResourceAddress, Route};
use crate::cidr;
use crate::state::{Resource, World};

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// Address-space prefixes of a VNet resource.
pub fn address_space(vnet: &Resource) -> Vec<IpNet> {
    vnet.properties()
        .and_then(|p| p.get("addressSpace"))
        .and_then(|a| a.get("addressPrefixes"))
        .and_then(Value::as_array)
        .map(|a| cidr::prefixes_of(a))
        .unwrap_or_default()
}

/// Prefixes of a subnet resource (`addressPrefix` and/or `addressPrefixes`).
pub fn subnet_prefixes(subnet: &Resource) -> Vec<IpNet> {
    let Some(properties) = subnet.properties() else {
        return Vec::new();
    };
    let mut prefixes = Vec::new();
    if let Some(p) = properties
        .get("addressPrefix")
        .and_then(Value::as_str)
        .and_then(|s| cidr::parse_prefix(s).ok())
    {
        prefixes.push(p);
    }
    if let Some(list) = properties.get("addressPrefixes").and_then(Value::as_array) {
        for p in cidr::prefixes_of(list) {
            if !prefixes.contains(&p) {
                prefixes.push(p);
            }
        }
    }
    prefixes
}

fn sorted_strings(prefixes: &[IpNet]) -> Vec<String> {
    let mut strings: Vec<String> = prefixes.iter().map(ToString::to_string).collect();
    strings.sort();
    strings.dedup();
    strings
}

/// Ids of agent pools whose nodes or pods use the subnet.
pub fn subnet_users(world: &World, subnet_key: &str) -> Vec<String> {
    world
        .of_kind(Kind::AgentPool)
        .filter(|pool| {
            ["vnetSubnetID", "podSubnetID"].iter().any(|field| {
                pool.prop_str(field)
                    .is_some_and(|id| id.eq_ignore_ascii_case(subnet_key))
            })
        })
        .map(|pool| pool.id.clone())
        .collect()
}

fn remote_key(peering: &Resource) -> Option<String> {
    peering
        .properties()?
        .get("remoteVirtualNetwork")?
        .get("id")?
        .as_str()
        .map(|s| s.trim_end_matches('/').to_ascii_lowercase())
}

fn peering_state(peering: &Resource) -> &str {
    peering.prop_str("peeringState").unwrap_or("Initiated")
}

/// The peering on `remote_vnet` that points back at `local_vnet`.
fn find_reverse<'a>(world: &'a World, local_vnet: &str, remote_vnet: &str) -> Option<&'a Resource> {
    world
        .children(remote_vnet, Kind::VirtualNetworkPeering)
        .into_iter()
        .find(|q| remote_key(q).as_deref() == Some(local_vnet))
}

fn set_peering_state(world: &mut World, key: &str, state: &str) {
    if let Some(p) = world.get_mut(key) {
        p.properties_mut()
            .insert("peeringState".into(), Value::String(state.into()));
    }
}

fn check_vnet_name(name: &str, what: &str, max: usize) -> Result<(), ArmError> {
    let chars: Vec<char> = name.chars().collect();
    let valid = !chars.is_empty()
        && chars.len() <= max
        && chars[0].is_ascii_alphanumeric()
        && chars
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
        && chars
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!("Resource name {name} is invalid. The {what} name must begin with a letter or number, end with a letter, number or underscore, and may contain only letters, numbers, underscores, periods, or hyphens (at most {max} characters)."),
        )
        .with_target("name"))
    }
}

fn invalid_format(message: impl Into<String>) -> ArmError {
    ArmError::bad_request("InvalidRequestFormat", message)
}

/// Removes read-only properties a client may have echoed back.
fn strip_read_only(props: &mut Map<String, Value>, extra: &[&str]) {
    for key in ["provisioningState", "resourceGuid", "etag", "id"]
        .iter()
        .chain(extra.iter())
    {
        props.remove(*key);
    }
}

// ---------------------------------------------------------------------------------------
// Subnets
// ---------------------------------------------------------------------------------------

/// Validates subnet properties; returns the prefixes and the properties to store.
fn prepare_subnet(
    owner_id: &str,
    mut props: Map<String, Value>,
) -> Result<(Vec<IpNet>, Map<String, Value>), ArmError> {
    strip_read_only(&mut props, &["ipConfigurations", "purpose"]);
    let mut prefixes = Vec::new();
    if let Some(prefix) = arm::opt_str(&props, "addressPrefix")? {
        prefixes.push(cidr::parse_network_prefix(prefix, owner_id)?);
    }
    if let Some(list) = arm::opt_array(&props, "addressPrefixes")? {
        for item in list {
            let text = item.as_str().ok_or_else(|| {
                ArmError::invalid_content("The request content was invalid and could not be deserialized: 'addressPrefixes' must be strings.")
            })?;
            let prefix = cidr::parse_network_prefix(text, owner_id)?;
            if !prefixes.contains(&prefix) {
                prefixes.push(prefix);
            }
        }
    }
    if prefixes.is_empty() {
        return Err(invalid_format(format!(
            "Subnet {owner_id} must have an addressPrefix or addressPrefixes."
        ))
        .with_target("properties.addressPrefix"));
    }
    props
        .entry("privateEndpointNetworkPolicies")
        .or_insert_with(|| json!("Disabled"));
    props
        .entry("privateLinkServiceNetworkPolicies")
        .or_insert_with(|| json!("Enabled"));
    props.entry("delegations").or_insert_with(|| json!([]));
    Ok((prefixes, props))
}

/// Each subnet must lie inside the VNet and not overlap another subnet.
fn check_subnet_layout(
    vnet_name: &str,
    space: &[IpNet],
    subnets: &[(String, Vec<IpNet>)],
) -> Result<(), ArmError> {
    for (name, prefixes) in subnets {
        for prefix in prefixes {
            if !space.iter().any(|s| cidr::within(prefix, s)) {
                return Err(ArmError::bad_request(
                    "NetcfgSubnetRangeOutsideVnet",
                    format!("Subnet '{name}' is not valid because its IP address range {prefix} is outside the IP address range of virtual network '{vnet_name}'."),
                ));
            }
        }
    }
    for (i, (a_name, a)) in subnets.iter().enumerate() {
        for (b_name, b) in subnets.iter().skip(i + 1) {
            if cidr::first_overlap(a, b).is_some() {
                return Err(ArmError::bad_request(
                    "NetcfgSubnetRangesOverlap",
                    format!("Subnet '{b_name}' is not valid in virtual network '{vnet_name}' because its IP address range overlaps with that of an existing subnet '{a_name}' in the virtual network."),
                ));
            }
        }
    }
    Ok(())
}

fn in_use_error(subnet: &str, users: &[String], verb: &str, code: &str) -> ArmError {
    ArmError::bad_request(
        code,
        format!(
            "Subnet {subnet} is in use by {} and cannot be {verb}. In order to {} the subnet, delete all the resources within the subnet.",
            users.join(", "),
            if verb == "deleted" { "delete" } else { "update" }
        ),
    )
}

pub fn put_subnet(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    check_vnet_name(address.name(), "subnet", 80)?;
    let props = arm::properties(body)?;
    let (prefixes, stored) = prepare_subnet(&address.id, props)?;
    let vnet_key = parent_key(&address.key);
    let vnet = world
        .get(&vnet_key)
        .ok_or_else(|| ArmError::internal("the parent virtual network vanished"))?;
    let space = address_space(vnet);
    let mut layout: Vec<(String, Vec<IpNet>)> = world
        .children(&vnet_key, Kind::Subnet)
        .into_iter()
        .filter(|s| s.key() != address.key)
        .map(|s| (s.name.clone(), subnet_prefixes(s)))
        .collect();
    layout.insert(0, (address.name().to_string(), prefixes.clone()));
    check_subnet_layout(&vnet.name, &space, &layout)?;
    if let Some(e) = existing {
        if sorted_strings(&subnet_prefixes(e)) != sorted_strings(&prefixes) {
            let users = subnet_users(world, &address.key);
            if !users.is_empty() {
                return Err(in_use_error(
                    &e.name,
                    &users,
                    "updated",
                    "InUseSubnetCannotBeUpdated",
                ));
            }
        }
    }
    let body = json!({ "properties": Value::Object(stored) });
    world.insert(new_resource(address, existing, body));
    Ok(start_write(
        world,
        ctx,
        &address.key,
        existing.is_none(),
        Vec::new(),
    ))
}

// ---------------------------------------------------------------------------------------
// Virtual networks
// ---------------------------------------------------------------------------------------

fn parse_address_space(props: &Map<String, Value>, owner_id: &str) -> Result<Vec<IpNet>, ArmError> {
    let prefixes = arm::opt_object(props, "addressSpace")?
        .map(|a| arm::opt_array(a, "addressPrefixes"))
        .transpose()?
        .flatten();
    let Some(prefixes) = prefixes.filter(|p| !p.is_empty()) else {
        return Err(invalid_format(format!(
            "Virtual network {owner_id} must have at least one address prefix in properties.addressSpace.addressPrefixes."
        ))
        .with_target("properties.addressSpace.addressPrefixes"));
    };
    let mut space = Vec::new();
    for p in prefixes {
        let text = p.as_str().ok_or_else(|| {
            ArmError::invalid_content("The request content was invalid and could not be deserialized: address prefixes must be strings.")
        })?;
        space.push(cidr::parse_network_prefix(text, owner_id)?);
    }
    for (i, a) in space.iter().enumerate() {
        if space.iter().skip(i + 1).any(|b| cidr::overlaps(a, b)) {
            return Err(ArmError::bad_request(
                "VnetAddressSpacesOverlap",
                format!("Address prefixes of virtual network {owner_id} overlap each other ({a})."),
            ));
        }
    }
    Ok(space)
}

pub fn put_virtual_network(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    check_vnet_name(address.name(), "virtual network", 64)?;
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
    let tags = arm::tags(body)?;
    let mut props = arm::properties(body)?;
    strip_read_only(&mut props, &[]);
    let space = parse_address_space(&props, &address.id)?;
    let vnet_name = existing
        .map(|e| e.name.clone())
        .unwrap_or_else(|| address.name().to_string());

    // A changed address space must still not overlap any peered network.
    if let Some(e) = existing {
        for peering in world.children(&e.key(), Kind::VirtualNetworkPeering) {
            let Some(remote) = remote_key(peering).and_then(|k| world.get(&k)) else {
                continue;
            };
            if let Some((a, b)) = cidr::first_overlap(&space, &address_space(remote)) {
                return Err(ArmError::bad_request(
                    "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet",
                    format!("Address space {a} of virtual network {} overlaps with address space {b} of virtual network {}, which is already peered with it.", e.id, remote.id),
                ));
            }
        }
    }

    // Inline subnets replace the collection; leaving `subnets` out keeps the existing ones.
    let inline_subnets = match props.remove("subnets") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut parsed = Vec::new();
            for item in items {
                let name = item
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid_format("Every subnet in properties.subnets needs a name.").with_target("properties.subnets"))?
                    .to_string();
                check_vnet_name(&name, "subnet", 80)?;
                if parsed.iter().any(|(n, _, _): &(String, _, _)| n.eq_ignore_ascii_case(&name)) {
                    return Err(invalid_format(format!("Subnet '{name}' appears more than once in properties.subnets.")));
                }
                let props = arm::properties(&item)?;
                let owner = format!("{}/subnets/{name}", address.id);
                let (prefixes, stored) = prepare_subnet(&owner, props)?;
                parsed.push((name, prefixes, stored));
            }
            Some(parsed)
        }
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'subnets' must be an array.",
            ))
        }
    };
    let existing_subnets: Vec<(String, String, Vec<IpNet>)> = world
        .children(&address.key, Kind::Subnet)
        .into_iter()
        .map(|s| (s.key(), s.name.clone(), subnet_prefixes(s)))
        .collect();
    let layout: Vec<(String, Vec<IpNet>)> = match &inline_subnets {
        Some(list) => list
            .iter()
            .map(|(n, p, _)| (n.clone(), p.clone()))
            .collect(),
        None => existing_subnets
            .iter()
            .map(|(_, n, p)| (n.clone(), p.clone()))
            .collect(),
    };
    check_subnet_layout(&vnet_name, &space, &layout)?;
    let mut removed_subnets = Vec::new();
    if let Some(list) = &inline_subnets {
        for (key, name, prefixes) in &existing_subnets {
            let users = subnet_users(world, key);
            match list.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)) {
                None => {
                    if !users.is_empty() {
                        return Err(in_use_error(
                            name,
                            &users,
                            "deleted",
                            "InUseSubnetCannotBeDeleted",
                        ));
                    }
                    removed_subnets.push(key.clone());
                }
                Some((_, new_prefixes, _)) => {
                    if sorted_strings(prefixes) != sorted_strings(new_prefixes) && !users.is_empty()
                    {
                        return Err(in_use_error(
                            name,
                            &users,
                            "updated",
                            "InUseSubnetCannotBeUpdated",
                        ));
                    }
                }
            }
        }
    }

    // Inline peerings, like subnets, replace the collection when present.
    let inline_peerings = match props.remove("virtualNetworkPeerings") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut prepared = Vec::new();
            for item in items {
                let name = item
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid_format("Every peering in properties.virtualNetworkPeerings needs a name."))?
                    .to_string();
                check_vnet_name(&name, "virtual network peering", 80)?;
                let peering_address = arm::build_address(
                    &ctx.settings.subscription_id,
                    Kind::VirtualNetworkPeering,
                    address.resource_group.as_deref().unwrap_or(""),
                    vec![address.name().to_string(), name.clone()],
                );
                let existing_peering = world.get(&peering_address.key).cloned();
                let stored = prepare_peering(
                    world,
                    ctx,
                    &address.key,
                    &space,
                    &peering_address,
                    arm::properties(&item)?,
                    existing_peering.as_ref(),
                )?;
                prepared.push((peering_address, existing_peering, stored));
            }
            Some(prepared)
        }
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'virtualNetworkPeerings' must be an array.",
            ))
        }
    };

    // Validation is over: apply.
    let resource_guid = existing
        .and_then(|e| e.prop_str("resourceGuid"))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    props.insert(
        "addressSpace".into(),
        json!({ "addressPrefixes": space.iter().map(ToString::to_string).collect::<Vec<_>>() }),
    );
    props.insert("resourceGuid".into(), Value::String(resource_guid));
    props.entry("enableDdosProtection").or_insert(json!(false));
    props
        .entry("privateEndpointVNetPolicies")
        .or_insert(json!("Disabled"));
    let mut stored = Map::new();
    stored.insert("location".into(), Value::String(location));
    if let Some(tags) = tags {
        stored.insert("tags".into(), tags);
    }
    if let Some(extended) = body.get("extendedLocation") {
        stored.insert("extendedLocation".into(), extended.clone());
    }
    stored.insert("properties".into(), Value::Object(props));
    world.insert(new_resource(address, existing, Value::Object(stored)));

    let mut affected = Vec::new();
    for key in removed_subnets {
        remove_tree(world, ctx.settings, &key, ctx.now_ms, None);
    }
    if let Some(list) = inline_subnets {
        for (name, _, props) in list {
            let subnet_address = arm::build_address(
                &ctx.settings.subscription_id,
                Kind::Subnet,
                address.resource_group.as_deref().unwrap_or(""),
                vec![address.name().to_string(), name],
            );
            let current = world.get(&subnet_address.key).cloned();
            world.insert(new_resource(
                &subnet_address,
                current.as_ref(),
                json!({ "properties": Value::Object(props) }),
            ));
            affected.push(subnet_address.key);
        }
    }
    if let Some(list) = inline_peerings {
        let keep: Vec<String> = list.iter().map(|(a, _, _)| a.key.clone()).collect();
        let stale: Vec<String> = world
            .children(&address.key, Kind::VirtualNetworkPeering)
            .into_iter()
            .map(Resource::key)
            .filter(|k| !keep.contains(k))
            .collect();
        for key in stale {
            remove_tree(world, ctx.settings, &key, ctx.now_ms, None);
        }
        for (peering_address, current, props) in list {
            world.insert(new_resource(
                &peering_address,
                current.as_ref(),
                json!({ "properties": Value::Object(props) }),
            ));
            affected.push(peering_address.key);
        }
    }
    Ok(start_write(
        world,
        ctx,
        &address.key,
        existing.is_none(),
        affected,
    ))
}

pub fn render_virtual_network(world: &World, vnet: &Resource, out: &mut Map<String, Value>) {
    let key = vnet.key();
    let subnets: Vec<Value> = world
        .children(&key, Kind::Subnet)
        .into_iter()
        .map(|s| super::render(world, s))
        .collect();
    let peerings: Vec<Value> = world
        .children(&key, Kind::VirtualNetworkPeering)
        .into_iter()
        .map(|p| super::render(world, p))
        .collect();
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        props.insert("subnets".into(), Value::Array(subnets));
        props.insert("virtualNetworkPeerings".into(), Value::Array(peerings));
    }
}

/// Refuses to delete a subnet (or a VNet with a subnet) that a cluster still uses.
pub fn check_delete(world: &World, resource: &Resource) -> Result<(), ArmError> {
    let subnets: Vec<&Resource> = match resource.kind {
        Kind::Subnet => vec![resource],
        _ => world.children(&resource.key(), Kind::Subnet),
    };
    for subnet in subnets {
        let users = subnet_users(world, &subnet.key());
        if !users.is_empty() {
            return Err(in_use_error(
                &subnet.name,
                &users,
                "deleted",
                "InUseSubnetCannotBeDeleted",
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Peerings
// ---------------------------------------------------------------------------------------

/// Validates a peering against the local VNet's (possibly new) address space.
fn prepare_peering(
    world: &World,
    ctx: &Ctx,
    local_key: &str,
    local_space: &[IpNet],
    address: &ResourceAddress,
    mut props: Map<String, Value>,
    existing: Option<&Resource>,
) -> Result<Map<String, Value>, ArmError> {
    strip_read_only(
        &mut props,
        &[
            "peeringState",
            "peeringSyncLevel",
            "remoteAddressSpace",
            "remoteVirtualNetworkAddressSpace",
            "localAddressSpace",
            "localVirtualNetworkAddressSpace",
            "remoteBgpCommunities",
            "remoteVirtualNetworkEncryption",
        ],
    );
    let remote_id = arm::opt_reference(&props, "remoteVirtualNetwork")?.ok_or_else(|| {
        invalid_format(format!(
            "Peering {} must reference a remote virtual network.",
            address.id
        ))
        .with_target("properties.remoteVirtualNetwork.id")
    })?;
    let remote_address = match arm::parse_path(&remote_id, &ctx.settings.subscription_id) {
        Ok(Route::Resource(a)) if a.kind == Kind::VirtualNetwork => a,
        _ => {
            return Err(ArmError::bad_request(
                "LinkedInvalidPropertyId",
                format!("Property id '{remote_id}' at path 'properties.remoteVirtualNetwork.id' is invalid. Expect a fully qualified virtual network id."),
            )
            .with_target("properties.remoteVirtualNetwork.id"))
        }
    };
    let remote = world.get(&remote_address.key).ok_or_else(|| {
        ArmError::bad_request(
            "InvalidResourceReference",
            format!("Resource {remote_id} referenced by resource {} was not found. Please make sure that the referenced resource exists.", address.id),
        )
        .with_target("properties.remoteVirtualNetwork.id")
    })?;
    check_remote_provisioned(world, ctx, &remote_address, remote, address)?;
    if let Some(e) = existing {
        if remote_key(e).as_deref() != Some(remote_address.key.as_str()) {
            return Err(ArmError::bad_request(
                "PropertyChangeNotAllowed",
                "Changing property 'remoteVirtualNetwork' of a virtual network peering is not allowed. Delete and re-create the peering.",
            )
            .with_target("properties.remoteVirtualNetwork.id"));
        }
    }
    let local_id = world
        .get(local_key)
        .map(|v| v.id.clone())
        .unwrap_or_else(|| local_key.to_string());
    let remote_space = address_space(remote);
    if let Some((a, b)) = cidr::first_overlap(local_space, &remote_space) {
        return Err(ArmError::bad_request(
            "VnetAddressSpacesOverlap",
            format!("Cannot create or update peering {}. Virtual networks {local_id} and {} cannot be peered because their address spaces overlap. Overlapping address prefixes: {a}, {b}", address.id, remote.id),
        ));
    }
    for other in world.children(local_key, Kind::VirtualNetworkPeering) {
        if other.key() == address.key {
            continue;
        }
        let Some(other_remote) = remote_key(other)
            .filter(|k| *k != remote_address.key)
            .and_then(|k| world.get(&k))
        else {
            continue;
        };
        if let Some((a, b)) = cidr::first_overlap(&remote_space, &address_space(other_remote)) {
            return Err(ArmError::bad_request(
                "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet",
                format!("Cannot create or update peering {}. Address space {a} of virtual network {} overlaps with address space {b} of virtual network {}, which is already peered with virtual network {local_id}.", address.id, remote.id, other_remote.id),
            ));
        }
    }
    if let Some(reverse) = find_reverse(world, local_key, &remote_address.key) {
        if peering_state(reverse) == "Disconnected" {
            return Err(ArmError::bad_request(
                "RemotePeeringIsDisconnected",
                format!("Cannot create or update peering {} because remote peering {} referencing parent virtual network {local_id} is in Disconnected state. Update or re-create the remote peering to get it back to Initiated state. Peering gets Disconnected when remote vnet or remote peering is deleted and re-created.", address.id, reverse.id),
            ));
        }
    }
    if arm::opt_bool(&props, "useRemoteGateways")? == Some(true)
        && arm::opt_bool(&props, "doNotVerifyRemoteGateways")? != Some(true)
    {
        return Err(ArmError::bad_request(
            "RemoteVnetHasNoGateways",
            format!("Peering {} cannot have UseRemoteGateways flag set to true because remote virtual network {} referenced by the peering does not have any gateways.", address.id, remote.id),
        ));
    }
    let sync = match ctx.query("syncRemoteAddressSpace") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) => {
            return Err(invalid_format(format!(
                "Query parameter syncRemoteAddressSpace has invalid value '{v}'; the only allowed value is 'true'."
            )))
        }
    };
    let snapshot = match existing {
        Some(e) if !sync => e
            .properties()
            .and_then(|p| p.get("remoteAddressSpace"))
            .cloned()
            .unwrap_or_else(|| json!({ "addressPrefixes": sorted_strings(&remote_space) })),
        _ => json!({ "addressPrefixes": sorted_strings(&remote_space) }),
    };
    for (key, default) in [
        ("allowVirtualNetworkAccess", true),
        ("allowForwardedTraffic", false),
        ("allowGatewayTransit", false),
        ("useRemoteGateways", false),
        ("doNotVerifyRemoteGateways", false),
        ("peerCompleteVnets", true),
        ("enableOnlyIPv6Peering", false),
    ] {
        props.entry(key).or_insert(Value::Bool(default));
    }
    props.insert("remoteVirtualNetwork".into(), json!({ "id": remote_id }));
    props.insert("remoteAddressSpace".into(), snapshot);
    // virtualNetwork.json 2025-07-01: `localAddressSpace` is "the local address space of the local
    // virtual network that is peered" (as of this peering's last PUT, like `remoteAddressSpace`);
    // `localVirtualNetworkAddressSpace`, the current one, is added when rendering.
    props.insert(
        "localAddressSpace".into(),
        json!({ "addressPrefixes": local_space.iter().map(ToString::to_string).collect::<Vec<_>>() }),
    );
    let state = existing
        .map(peering_state)
        .unwrap_or("Initiated")
        .to_string();
    props.insert("peeringState".into(), Value::String(state));
    let guid = existing
        .and_then(|e| e.prop_str("resourceGuid"))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    props.insert("resourceGuid".into(), Value::String(guid));
    Ok(props)
}

pub fn put_peering(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    check_vnet_name(address.name(), "virtual network peering", 80)?;
    let local_key = parent_key(&address.key);
    let local_space = world.get(&local_key).map(address_space).unwrap_or_default();
    let props = prepare_peering(
        world,
        ctx,
        &local_key,
        &local_space,
        address,
        arm::properties(body)?,
        existing,
    )?;
    world.insert(new_resource(
        address,
        existing,
        json!({ "properties": Value::Object(props) }),
    ));
    Ok(start_write(
        world,
        ctx,
        &address.key,
        existing.is_none(),
        Vec::new(),
    ))
}

/// A peering PUT is a write on its own (local) VNet only: the one-write-per-VNet rule (409
/// `AnotherOperationInProgress`, checked before this) holds the local VNet, not the remote one.
/// The remote VNet must however be provisioned: while a write on it (the VNet, a subnet or a
/// peering of it) is running, Network answers 400 `ReferencedResourceNotProvisioned` ("Cannot
/// proceed with operation because resource {remote vnet} used by resource {peering} is not in
/// Succeeded state. Resource is in Updating state and the last operation that updated/is updating
/// the resource is PutSubnetOperation"), as reported from Azure in
/// hashicorp/terraform-provider-azurerm#2605 (fixed by retrying, #3392) and
/// pulumi/pulumi-azure-native#4340. A subnet or peering write puts its VNet in `Updating` (the
/// message above), so any write in the remote VNet's lock group counts.
fn check_remote_provisioned(
    world: &World,
    ctx: &Ctx,
    remote_address: &ResourceAddress,
    remote: &Resource,
    peering: &ResourceAddress,
) -> Result<(), ArmError> {
    let busy = super::lock_group(world, ctx.settings, remote_address)
        .into_iter()
        .find(|r| r.is_busy());
    let Some(busy) = busy else {
        return Ok(());
    };
    let verb = match super::running_action(world, busy) {
        "Deleting" => "Delete",
        _ => "Put",
    };
    let type_name = match busy.kind {
        Kind::Subnet => "Subnet",
        Kind::VirtualNetworkPeering => "VirtualNetworkPeering",
        _ => "VirtualNetwork",
    };
    let state = if verb == "Delete" && busy.kind == Kind::VirtualNetwork {
        "Deleting"
    } else {
        "Updating"
    };
    Err(ArmError::bad_request(
        "ReferencedResourceNotProvisioned",
        format!(
            "Cannot proceed with operation because resource {} used by resource {} is not in Succeeded state. Resource is in {state} state and the last operation that updated/is updating the resource is {verb}{type_name}Operation.",
            remote.id, peering.id
        ),
    ))
}

/// After a peering write succeeds: Connected when the reverse peering exists, else Initiated.
pub fn connect_peering(world: &mut World, key: &str) {
    let Some(peering) = world.get(key) else {
        return;
    };
    let local = parent_key(key);
    let Some(remote) = remote_key(peering) else {
        return;
    };
    if world.get(&remote).is_none() {
        set_peering_state(world, key, "Disconnected");
        return;
    }
    let reverse = find_reverse(world, &local, &remote).map(|q| {
        (
            q.key(),
            peering_state(q).to_string(),
            q.provisioning_state().to_string(),
        )
    });
    match reverse {
        Some((reverse_key, state, provisioning))
            if state != "Disconnected" && (provisioning == "Succeeded" || state == "Connected") =>
        {
            set_peering_state(world, key, "Connected");
            set_peering_state(world, &reverse_key, "Connected");
        }
        _ => set_peering_state(world, key, "Initiated"),
    }
}

/// A deleted peering leaves its reverse `Disconnected`.
pub fn on_peering_removed(world: &mut World, peering: &Resource) {
    let local = parent_key(&peering.key());
    if let Some(remote) = remote_key(peering) {
        if let Some(reverse) = find_reverse(world, &local, &remote).map(Resource::key) {
            set_peering_state(world, &reverse, "Disconnected");
        }
    }
}

/// Peerings pointing at a deleted VNet become `Disconnected`.
pub fn on_virtual_network_removed(world: &mut World, vnet: &Resource) {
    let key = vnet.key();
    let pointing: Vec<String> = world
        .of_kind(Kind::VirtualNetworkPeering)
        .filter(|p| remote_key(p).as_deref() == Some(key.as_str()))
        .map(Resource::key)
        .collect();
    for p in pointing {
        set_peering_state(world, &p, "Disconnected");
    }
}

/// Adds `peeringSyncLevel` and the remote network's current address space.
pub fn render_peering(world: &World, peering: &Resource, out: &mut Map<String, Value>) {
    let local_key = parent_key(&peering.key());
    let remote = remote_key(peering).and_then(|k| world.get(&k));
    let snapshot = |p: &Resource| -> Vec<String> {
        let prefixes = p
            .properties()
            .and_then(|props| props.get("remoteAddressSpace"))
            .and_then(|a| a.get("addressPrefixes"))
            .and_then(Value::as_array)
            .map(|a| cidr::prefixes_of(a))
            .unwrap_or_default();
        sorted_strings(&prefixes)
    };
    let local_in_sync =
        remote.is_none_or(|r| snapshot(peering) == sorted_strings(&address_space(r)));
    let remote_in_sync = match (remote, world.get(&local_key)) {
        (Some(r), Some(local)) => find_reverse(world, &local_key, &r.key())
            .is_none_or(|q| snapshot(q) == sorted_strings(&address_space(local))),
        _ => true,
    };
    let level = match (local_in_sync, remote_in_sync) {
        (true, true) => "FullyInSync",
        (false, true) => "LocalNotInSync",
        (true, false) => "RemoteNotInSync",
        (false, false) => "LocalAndRemoteNotInSync",
    };
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        props.insert("peeringSyncLevel".into(), Value::String(level.into()));
        if let Some(local) = world.get(&local_key) {
            props.insert(
                "localVirtualNetworkAddressSpace".into(),
                json!({ "addressPrefixes": address_space(local).iter().map(ToString::to_string).collect::<Vec<_>>() }),
            );
        }
        if let Some(r) = remote {
            props.insert(
                "remoteVirtualNetworkAddressSpace".into(),
                json!({ "addressPrefixes": address_space(r).iter().map(ToString::to_string).collect::<Vec<_>>() }),
            );
        }
    }
}
