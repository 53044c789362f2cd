//! Refresh and import: the Front Door as Azure has it, mapped back to inputs (keeping the user's
//! spelling where Azure agrees case-insensitively) and state, with what changed out of band.

use super::drift::{failed_parts, front_door_drift, LiveParts};
use super::types::{
    FrontDoorInputs, FrontDoorOrigin, FrontDoorState, Ids, Names, DEFAULT_PRIORITY, DEFAULT_WEIGHT,
};
use crate::azure::ids::ids_equal;
use crate::azure::models::front_door::{
    AfdEndpoint, AfdOrigin, AfdOriginGroup, AfdRoute, FrontDoorProfile,
};
use crate::azure::OperationOptions;
use crate::azure::{ArmClient, AzureError, ResourceId};
use crate::resource::{ReadOutcome, ReadResult};
use crate::resources::common::user_tags;
use crate::vocabulary::{ForwardingProtocol, FrontDoorSku as Sku, ProbeProtocol, Vocabulary};

/// The profile's children as Azure has them; any may be missing.
#[derive(Default)]
pub(crate) struct Children {
    pub(crate) endpoint: Option<AfdEndpoint>,
    pub(crate) group: Option<AfdOriginGroup>,
    pub(crate) route: Option<AfdRoute>,
    pub(crate) origins: Vec<AfdOrigin>,
}

pub(super) async fn read(
    azure: &ArmClient,
    options: &OperationOptions,
    id: &str,
    old: Option<(&FrontDoorInputs, &FrontDoorState)>,
) -> ReadOutcome<FrontDoorInputs, FrontDoorState> {
    let profile_id = parse_profile_id(id)?;
    let Some(profile) = azure.get::<FrontDoorProfile>(&profile_id, options).await? else {
        return Ok(None);
    };
    let layout = Layout::of(
        &profile_id,
        azure.subscription_id(),
        old.map(|(inputs, _)| inputs),
    );
    let live = read_children(azure, options, &layout.ids).await?;
    Ok(Some(recorded(
        &profile_id,
        azure.subscription_id(),
        &profile,
        live,
        old,
    )))
}

/// The resource group, name prefix, names and ids of a profile's parts, kept as the old inputs
/// (or an import) write them.
struct Layout {
    resource_group: String,
    name_prefix: String,
    names: Names,
    ids: Ids,
}

impl Layout {
    fn of(profile_id: &ResourceId, subscription: &str, old: Option<&FrontDoorInputs>) -> Layout {
        let resource_group = kept_resource_group(profile_id, old);
        let name_prefix = kept_name_prefix(profile_id, old);
        let names = Names {
            profile: profile_id.name().to_string(),
            endpoint: name_prefix.clone(),
        };
        let subscription = profile_id.subscription_id().unwrap_or(subscription);
        let ids = Ids::new(subscription, &resource_group, &names);
        Layout {
            resource_group,
            name_prefix,
            names,
            ids,
        }
    }
}

/// What the provider records from the live profile and its children.
pub(crate) fn recorded(
    profile_id: &ResourceId,
    subscription: &str,
    profile: &FrontDoorProfile,
    live: Children,
    old: Option<(&FrontDoorInputs, &FrontDoorState)>,
) -> ReadResult<FrontDoorInputs, FrontDoorState> {
    let old_inputs = old.map(|(inputs, _)| inputs);
    let Layout {
        resource_group,
        name_prefix,
        names,
        ids,
    } = Layout::of(profile_id, subscription, old_inputs);
    let inputs = live_inputs(resource_group, name_prefix, profile, &live, old_inputs);
    let mut out_of_band_changes = failed_parts(
        &names,
        &LiveParts {
            profile,
            endpoint: live.endpoint.as_ref(),
            group: live.group.as_ref(),
            origins: &live.origins,
            route: live.route.as_ref(),
        },
    );
    out_of_band_changes.extend(front_door_drift(
        &ids,
        &inputs,
        live.endpoint.as_ref(),
        live.group.as_ref(),
        live.route.as_ref(),
    ));
    let state = FrontDoorState {
        inputs: inputs.clone(),
        profile_name: names.profile.clone(),
        endpoint_name: names.endpoint.clone(),
        profile_id: match old {
            Some((_, state)) if ids_equal(&state.profile_id, profile_id.as_str()) => {
                state.profile_id.clone()
            }
            _ => ids.profile.clone(),
        },
        endpoint_id: ids.endpoint,
        origin_group_id: ids.origin_group,
        route_id: ids.route,
        endpoint_host_name: live
            .endpoint
            .and_then(|e| e.properties.host_name)
            .unwrap_or_default(),
        front_door_id: profile.properties.front_door_id.clone().unwrap_or_default(),
        out_of_band_changes,
    };
    ReadResult {
        id: state.profile_id.clone(),
        inputs,
        state,
    }
}

/// Why an id is not a Front Door profile id.
#[derive(Debug, thiserror::Error)]
enum ProfileIdError {
    /// Not an ARM id at all. (Boxed: ARM errors are large.)
    #[error("'{id}' is not a Front Door profile id (…/providers/Microsoft.Cdn/profiles/{{name}}): {source}")]
    Malformed {
        id: String,
        #[source]
        source: Box<AzureError>,
    },
    /// An ARM id of something else.
    #[error("'{id}' is not a Front Door profile id (…/providers/Microsoft.Cdn/profiles/{{name}})")]
    NotAProfile { id: String },
}

crate::resource::input_error!(ProfileIdError);

/// The profile id being read, or why `id` is not one.
fn parse_profile_id(id: &str) -> Result<ResourceId, ProfileIdError> {
    let profile_id = ResourceId::parse(id).map_err(|source| ProfileIdError::Malformed {
        id: id.to_string(),
        source: Box::new(source),
    })?;
    if !profile_id
        .resource_type()
        .eq_ignore_ascii_case("Microsoft.Cdn/profiles")
    {
        return Err(ProfileIdError::NotAProfile { id: id.to_string() });
    }
    Ok(profile_id)
}

fn kept_resource_group(profile_id: &ResourceId, old_inputs: Option<&FrontDoorInputs>) -> String {
    match old_inputs {
        // Azure lower-cases ids: keep the user's spelling when it names the same group.
        Some(inputs)
            if profile_id
                .resource_group()
                .is_some_and(|rg| rg.eq_ignore_ascii_case(&inputs.resource_group_name)) =>
        {
            inputs.resource_group_name.clone()
        }
        _ => profile_id.resource_group().unwrap_or_default().to_string(),
    }
}

fn kept_name_prefix(profile_id: &ResourceId, old_inputs: Option<&FrontDoorInputs>) -> String {
    match old_inputs {
        Some(inputs)
            if format!("afd-{}", inputs.name_prefix).eq_ignore_ascii_case(profile_id.name()) =>
        {
            inputs.name_prefix.clone()
        }
        // Import: recover the prefix from the deterministic profile name.
        _ => profile_id
            .name()
            .strip_prefix("afd-")
            .unwrap_or(profile_id.name())
            .to_string(),
    }
}

async fn read_children(
    azure: &ArmClient,
    options: &OperationOptions,
    ids: &Ids,
) -> Result<Children, AzureError> {
    let endpoint = azure
        .get::<AfdEndpoint>(&ResourceId::parse(&ids.endpoint)?, options)
        .await?;
    let group = azure
        .get::<AfdOriginGroup>(&ResourceId::parse(&ids.origin_group)?, options)
        .await?;
    let route = azure
        .get::<AfdRoute>(&ResourceId::parse(&ids.route)?, options)
        .await?;
    let origins: Vec<AfdOrigin> = if group.is_some() {
        azure
            .list(&ResourceId::parse(&ids.origin_group)?, "origins", options)
            .await?
    } else {
        Vec::new()
    };
    Ok(Children {
        endpoint,
        group,
        route,
        origins,
    })
}

/// The inputs Azure's Front Door amounts to; what Azure does not say comes from the old inputs.
fn live_inputs(
    resource_group: String,
    name_prefix: String,
    profile: &FrontDoorProfile,
    live: &Children,
    old_inputs: Option<&FrontDoorInputs>,
) -> FrontDoorInputs {
    let probe = live
        .group
        .as_ref()
        .and_then(|g| g.properties.health_probe_settings.clone())
        .unwrap_or_default();
    // Where Azure agrees with the old inputs (case-insensitively), keep the user's spelling.
    let keep = |old: Option<&String>, live: Option<String>| -> String {
        match (old, live) {
            (Some(old), Some(live)) if old.eq_ignore_ascii_case(&live) => old.clone(),
            (_, Some(live)) => live,
            (Some(old), None) => old.clone(),
            (None, None) => String::new(),
        }
    };
    let origins = read_origins(
        old_inputs.map(|i| i.origins.as_slice()).unwrap_or(&[]),
        &live.origins,
    );
    FrontDoorInputs {
        resource_group_name: resource_group,
        name_prefix,
        sku: Sku::parse(&profile.sku.name).or(old_inputs.and_then(|i| i.sku)),
        probe_path: keep(old_inputs.map(|i| &i.probe_path), probe.probe_path),
        probe_protocol: probe
            .probe_protocol
            .as_deref()
            .and_then(ProbeProtocol::parse)
            .or(old_inputs.and_then(|i| i.probe_protocol)),
        probe_interval_in_seconds: probe
            .probe_interval_in_seconds
            .map(i64::from)
            .or(old_inputs.and_then(|i| i.probe_interval_in_seconds)),
        forwarding_protocol: live
            .route
            .as_ref()
            .and_then(|r| r.properties.forwarding_protocol.as_deref())
            .and_then(ForwardingProtocol::parse)
            .or(old_inputs.and_then(|i| i.forwarding_protocol)),
        origins,
        tags: user_tags(profile.tags.as_ref()),
    }
}

/// Origins as inputs: the old inputs' order and spelling where the origin still exists, then any
/// origin only Azure knows (import, or one added out of band) in Azure's order.
fn read_origins(old: &[FrontDoorOrigin], live: &[AfdOrigin]) -> Vec<FrontDoorOrigin> {
    let live_name = AfdOrigin::name_or_id_tail;
    let as_input = |live: &AfdOrigin, old: Option<&FrontDoorOrigin>| {
        let properties = &live.properties;
        let name = old
            .map(|o| o.name.clone())
            .unwrap_or_else(|| live_name(live));
        let host_name = properties
            .host_name
            .clone()
            .or_else(|| old.map(|o| o.host_name.clone()))
            .unwrap_or_default();
        FrontDoorOrigin {
            name,
            host_header: properties
                .origin_host_header
                .clone()
                .or_else(|| Some(host_name.clone())),
            host_name,
            priority: properties
                .priority
                .map(i64::from)
                .or(Some(DEFAULT_PRIORITY)),
            weight: properties.weight.map(i64::from).or(Some(DEFAULT_WEIGHT)),
            enabled: Some(
                properties
                    .enabled_state
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case("Enabled")),
            ),
        }
    };
    let mut origins = Vec::new();
    for old_origin in old {
        if let Some(live_origin) = live
            .iter()
            .find(|l| live_name(l).eq_ignore_ascii_case(&old_origin.name))
        {
            origins.push(as_input(live_origin, Some(old_origin)));
        }
    }
    for live_origin in live {
        let name = live_name(live_origin);
        if !old.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
            origins.push(as_input(live_origin, None));
        }
    }
    origins
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::models::front_door::AfdOriginProperties;

    /// The messages users see, byte for byte, and whether the parse error is kept as the source.
    #[test]
    fn profile_ids_of_anything_else_are_refused() {
        use std::error::Error as _;
        let profile = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/afd-x";
        assert_eq!(parse_profile_id(profile).unwrap().name(), "afd-x");
        let vnet =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v";
        let malformed = ResourceId::parse("afd-x").unwrap_err().to_string();
        let cases = [
            (
                "afd-x",
                format!("'afd-x' is not a Front Door profile id (…/providers/Microsoft.Cdn/profiles/{{name}}): {malformed}"),
                true,
            ),
            (
                vnet,
                format!("'{vnet}' is not a Front Door profile id (…/providers/Microsoft.Cdn/profiles/{{name}})"),
                false,
            ),
        ];
        for (id, message, has_source) in cases {
            let error = parse_profile_id(id).unwrap_err();
            assert_eq!(error.to_string(), message);
            assert_eq!(error.source().is_some(), has_source, "{id}");
        }
    }

    #[test]
    fn read_origins_keeps_the_old_order_then_appends_unknown_ones() {
        let live = |name: &str, host: &str| AfdOrigin {
            name: Some(name.into()),
            properties: AfdOriginProperties {
                host_name: Some(host.into()),
                origin_host_header: Some(host.into()),
                priority: Some(1),
                weight: Some(1000),
                enabled_state: Some("Enabled".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let old = vec![
            FrontDoorOrigin {
                name: "WestUS".into(),
                host_name: "w".into(),
                ..Default::default()
            },
            FrontDoorOrigin {
                name: "eastus".into(),
                host_name: "e".into(),
                ..Default::default()
            },
        ];
        let origins = read_origins(
            &old,
            &[
                live("eastus", "e"),
                live("westus", "w"),
                live("uksouth", "u"),
            ],
        );
        let names: Vec<_> = origins.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["WestUS", "eastus", "uksouth"]);
        assert_eq!(origins[2].host_header.as_deref(), Some("u"));
    }
}
