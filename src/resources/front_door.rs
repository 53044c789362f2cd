//! `aksmesh:index:FrontDoor`: an Azure Front Door Standard/Premium profile in front of one origin per
//! region: profile → endpoint → origin group (health probe, latency 0 so users reach the nearest
//! healthy region) → origins, and a `/*` route from the endpoint to the group.
//!
//! Names are deterministic, so a create re-run after a crash adopts what exists (PUT is idempotent).
//! Origins are child resources: adding or removing one is a PUT or DELETE of that origin alone.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::common::{azure_failure, managed_tags, operation_options, user_tags, Validator};
use super::regional_network::default_name_prefix;
use crate::azure::ids::{
    front_door_endpoint_id, front_door_origin_group_id, front_door_origin_id,
    front_door_profile_id, front_door_route_id, ids_equal,
};
use crate::azure::models::front_door::{
    AfdEndpoint, AfdEndpointProperties, AfdOrigin, AfdOriginGroup, AfdOriginGroupProperties,
    AfdOriginProperties, AfdRoute, AfdRouteProperties, FrontDoorProfile, FrontDoorSku,
    HealthProbeSettings, LoadBalancingSettings, GLOBAL_LOCATION,
};
use crate::azure::models::SubResource;
use crate::azure::{api_versions, ArmClient, AzureError, ResourceId};
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, ReadResult, Resource,
    ResourceError,
};
use crate::vocabulary::{ForwardingProtocol, FrontDoorSku as Sku, ProbeProtocol, Vocabulary};

pub const ORIGIN_GROUP_NAME: &str = "origins";
pub const ROUTE_NAME: &str = "default";

pub const DEFAULT_SKU: Sku = Sku::Standard;
pub const DEFAULT_PROBE_PATH: &str = "/healthz";
pub const DEFAULT_PROBE_PROTOCOL: ProbeProtocol = ProbeProtocol::Https;
pub const DEFAULT_PROBE_INTERVAL: i64 = 30;
pub const DEFAULT_FORWARDING_PROTOCOL: ForwardingProtocol = ForwardingProtocol::MatchRequest;
pub const DEFAULT_PRIORITY: i64 = 1;
pub const DEFAULT_WEIGHT: i64 = 1000;

/// Endpoint names become the first label of `{name}-{hash}.z01.azurefd.net`: at most 46 characters.
const ENDPOINT_NAME_MAX: usize = 46;
/// Origin names (children of the origin group).
const ORIGIN_NAME_MAX: usize = 90;
/// Profile names.
const PROFILE_NAME_MAX: usize = 260;

pub struct FrontDoor;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorInputs {
    #[serde(default)]
    pub resource_group_name: String,
    /// Prefix of the Azure names; defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub probe_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_protocol: Option<ProbeProtocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_interval_in_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarding_protocol: Option<ForwardingProtocol>,
    #[serde(default)]
    pub origins: Vec<FrontDoorOrigin>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// One origin: a region's public ingress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorOrigin {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub host_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorState {
    #[serde(flatten)]
    pub inputs: FrontDoorInputs,
    pub profile_name: String,
    pub endpoint_name: String,
    pub profile_id: String,
    pub endpoint_id: String,
    pub origin_group_id: String,
    pub route_id: String,
    #[serde(default)]
    pub endpoint_host_name: String,
    #[serde(default)]
    pub front_door_id: String,
    /// What refresh found changed outside Pulumi that no input shows (a deleted route, a disabled
    /// endpoint); the next `up` writes it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band_changes: Vec<String>,
}

/// The Azure names a Front Door gets, derived from its prefix.
pub struct Names {
    pub profile: String,
    pub endpoint: String,
}

impl FrontDoorInputs {
    pub fn names(&self) -> Names {
        Names {
            profile: format!("afd-{}", self.name_prefix),
            endpoint: self.name_prefix.clone(),
        }
    }
}

/// Ids of everything one Front Door consists of.
struct Ids {
    profile: String,
    endpoint: String,
    origin_group: String,
    route: String,
}

impl Ids {
    fn new(subscription: &str, resource_group: &str, names: &Names) -> Self {
        Ids {
            profile: front_door_profile_id(subscription, resource_group, &names.profile)
                .to_string(),
            endpoint: front_door_endpoint_id(
                subscription,
                resource_group,
                &names.profile,
                &names.endpoint,
            )
            .to_string(),
            origin_group: front_door_origin_group_id(
                subscription,
                resource_group,
                &names.profile,
                ORIGIN_GROUP_NAME,
            )
            .to_string(),
            route: front_door_route_id(
                subscription,
                resource_group,
                &names.profile,
                &names.endpoint,
                ROUTE_NAME,
            )
            .to_string(),
        }
    }
}

/// Front Door names: `^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$`, i.e. letters, digits and hyphens, starting
/// and ending with a letter or digit.
fn front_door_name(v: &mut Validator<'_, '_>, path: &str, value: &str, max_length: usize) {
    if v.is_unknown(path) {
        return;
    }
    let before = v.failures.len();
    v.name(
        path,
        value,
        max_length,
        "letters, digits and '-'",
        |c: char| c.is_ascii_alphanumeric() || c == '-',
    );
    if v.failures.len() == before && (value.starts_with('-') || value.ends_with('-')) {
        v.fail(
            path,
            format!("'{value}' must start and end with a letter or digit"),
        );
    }
}

fn resource_group_character(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')')
}

#[async_trait]
impl Resource for FrontDoor {
    const TOKEN: &'static str = "aksmesh:index:FrontDoor";
    /// Names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = FrontDoorInputs;
    type State = FrontDoorState;

    fn check(
        &self,
        inputs: &mut FrontDoorInputs,
        _olds: Option<&FrontDoorInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        let mut v = Validator::new(context);
        if v.required(
            "resourceGroupName",
            &inputs.resource_group_name,
            "name an existing resource group, for example a RegionalNetwork's resourceGroupName",
        ) {
            v.name(
                "resourceGroupName",
                &inputs.resource_group_name,
                90,
                "letters, digits, '-', '_', '.', '(' and ')'",
                resource_group_character,
            );
            if inputs.resource_group_name.ends_with('.') {
                v.fail(
                    "resourceGroupName",
                    "resource group names cannot end with '.'",
                );
            }
        }
        if inputs.name_prefix.is_empty() && !v.is_unknown("namePrefix") {
            inputs.name_prefix = default_name_prefix(context.name);
        }
        // The endpoint is named after the prefix; the profile is `afd-{prefix}`.
        front_door_name(&mut v, "namePrefix", &inputs.name_prefix, ENDPOINT_NAME_MAX);
        const { assert!(ENDPOINT_NAME_MAX + 4 <= PROFILE_NAME_MAX) };

        if !v.is_unknown("sku") {
            inputs.sku.get_or_insert(DEFAULT_SKU);
        }
        if !v.is_unknown("probePath") {
            if inputs.probe_path.is_empty() {
                inputs.probe_path = DEFAULT_PROBE_PATH.into();
            }
            if !inputs.probe_path.starts_with('/') {
                v.fail(
                    "probePath",
                    format!(
                        "'{}' must start with '/', for example /healthz",
                        inputs.probe_path
                    ),
                );
            } else if inputs.probe_path.chars().any(char::is_whitespace) {
                v.fail(
                    "probePath",
                    format!("'{}' must not contain spaces", inputs.probe_path),
                );
            }
        }
        if !v.is_unknown("probeProtocol") {
            inputs.probe_protocol.get_or_insert(DEFAULT_PROBE_PROTOCOL);
        }
        if !v.is_unknown("probeIntervalInSeconds") {
            let interval = *inputs
                .probe_interval_in_seconds
                .get_or_insert(DEFAULT_PROBE_INTERVAL);
            if !(1..=255).contains(&interval) {
                v.fail(
                    "probeIntervalInSeconds",
                    format!("{interval} seconds is out of range; Front Door probes every 1 to 255 seconds"),
                );
            }
        }
        if !v.is_unknown("forwardingProtocol") {
            inputs
                .forwarding_protocol
                .get_or_insert(DEFAULT_FORWARDING_PROTOCOL);
        }

        if !v.is_unknown("origins") {
            if inputs.origins.is_empty() {
                v.fail(
                    "origins",
                    "at least one origin is required; give one per region, e.g. {name: \"eastus\", hostName: \"…\"}",
                );
            }
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (index, origin) in inputs.origins.iter_mut().enumerate() {
                let path = |leaf: &str| format!("origins[{index}].{leaf}");
                let name_path = path("name");
                if v.required(
                    &name_path,
                    &origin.name,
                    "name the origin after its region, for example eastus",
                ) {
                    front_door_name(&mut v, &name_path, &origin.name, ORIGIN_NAME_MAX);
                    if let Some(first) = seen.insert(origin.name.to_ascii_lowercase(), index) {
                        v.fail(
                            &name_path,
                            format!("the origin name '{}' is used twice (also at origins[{first}]); origin names must be unique", origin.name),
                        );
                    }
                }
                let host_path = path("hostName");
                if v.required(
                    &host_path,
                    &origin.host_name,
                    "give the origin's address, for example the ingress's <label>.<region>.cloudapp.azure.com or public IP",
                ) {
                    let host = origin.host_name.trim();
                    if host.contains("://") || host.contains('/') || host.contains(char::is_whitespace) {
                        v.fail(
                            &host_path,
                            format!("'{host}' must be a bare host name or IP address, without scheme, path or spaces"),
                        );
                    }
                }
                let header_path = path("hostHeader");
                if origin.host_header.is_none()
                    && !v.is_unknown(&header_path)
                    && !v.is_unknown(&host_path)
                    && !origin.host_name.is_empty()
                {
                    origin.host_header = Some(origin.host_name.clone());
                }
                if !v.is_unknown(&header_path)
                    && origin
                        .host_header
                        .as_deref()
                        .is_some_and(|h| h.trim().is_empty())
                {
                    v.fail(
                        &header_path,
                        "hostHeader must not be empty; leave it out to send hostName",
                    );
                }
                let priority_path = path("priority");
                if !v.is_unknown(&priority_path) {
                    let priority = *origin.priority.get_or_insert(DEFAULT_PRIORITY);
                    if !(1..=5).contains(&priority) {
                        v.fail(
                            &priority_path,
                            format!("priority {priority} is out of range; use 1 to 5 (lower wins, equal priorities share traffic)"),
                        );
                    }
                }
                let weight_path = path("weight");
                if !v.is_unknown(&weight_path) {
                    let weight = *origin.weight.get_or_insert(DEFAULT_WEIGHT);
                    if !(1..=1000).contains(&weight) {
                        v.fail(
                            &weight_path,
                            format!("weight {weight} is out of range; use 1 to 1000"),
                        );
                    }
                }
                if !v.is_unknown(&path("enabled")) && origin.enabled.is_none() {
                    origin.enabled = Some(true);
                }
            }
        }
        v.tags("tags", &inputs.tags);
        v.failures
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        match change.path {
            // The names are derived from these, and Premium cannot be downgraded in place (and
            // Standard → Premium is a migration, not an update).
            "resourceGroupName" | "namePrefix" | "sku" => ChangeEffect::Replace,
            _ => ChangeEffect::Update,
        }
    }

    fn preview(
        &self,
        inputs: &FrontDoorInputs,
        unknowns: &crate::property::Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut known = serde_json::Map::new();
        if unknowns.is_unknown("namePrefix") || inputs.name_prefix.is_empty() {
            return known;
        }
        let names = inputs.names();
        known.insert("profileName".into(), names.profile.into());
        known.insert("endpointName".into(), names.endpoint.into());
        known
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: FrontDoorInputs,
    ) -> Result<(String, FrontDoorState), ResourceError<FrontDoorState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&FrontDoorInputs, &FrontDoorState)>,
    ) -> Result<Option<ReadResult<FrontDoorInputs, FrontDoorState>>, ResourceError<FrontDoorState>>
    {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        let profile_id = ResourceId::parse(id).map_err(|e| {
            ResourceError::Failed(format!(
                "'{id}' is not a Front Door profile id (…/providers/Microsoft.Cdn/profiles/{{name}}): {e}"
            ))
        })?;
        if !profile_id
            .resource_type()
            .eq_ignore_ascii_case("Microsoft.Cdn/profiles")
        {
            return Err(ResourceError::Failed(format!(
                "'{id}' is not a Front Door profile id (…/providers/Microsoft.Cdn/profiles/{{name}})"
            )));
        }
        let Some(profile) = azure
            .get::<FrontDoorProfile>(profile_id.as_str(), api_versions::CDN)
            .await?
        else {
            return Ok(None);
        };
        let old_inputs = old.map(|(inputs, _)| inputs);
        let resource_group = match old_inputs {
            // Azure lower-cases ids: keep the user's spelling when it names the same group.
            Some(inputs)
                if profile_id
                    .resource_group()
                    .is_some_and(|rg| rg.eq_ignore_ascii_case(&inputs.resource_group_name)) =>
            {
                inputs.resource_group_name.clone()
            }
            _ => profile_id.resource_group().unwrap_or_default().to_string(),
        };
        let name_prefix = match old_inputs {
            Some(inputs)
                if format!("afd-{}", inputs.name_prefix)
                    .eq_ignore_ascii_case(profile_id.name()) =>
            {
                inputs.name_prefix.clone()
            }
            // Import: recover the prefix from the deterministic profile name.
            _ => profile_id
                .name()
                .strip_prefix("afd-")
                .unwrap_or(profile_id.name())
                .to_string(),
        };
        let names = Names {
            profile: profile_id.name().to_string(),
            endpoint: name_prefix.clone(),
        };
        let subscription = profile_id
            .subscription_id()
            .unwrap_or(azure.subscription_id())
            .to_string();
        let ids = Ids::new(&subscription, &resource_group, &names);

        let endpoint = azure
            .get::<AfdEndpoint>(&ids.endpoint, api_versions::CDN)
            .await?;
        let group = azure
            .get::<AfdOriginGroup>(&ids.origin_group, api_versions::CDN)
            .await?;
        let route = azure.get::<AfdRoute>(&ids.route, api_versions::CDN).await?;
        let live_origins: Vec<AfdOrigin> = if group.is_some() {
            azure
                .list(&format!("{}/origins", ids.origin_group), api_versions::CDN)
                .await?
        } else {
            Vec::new()
        };

        let probe = group
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
            &live_origins,
        );
        let inputs = FrontDoorInputs {
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
            forwarding_protocol: route
                .as_ref()
                .and_then(|r| r.properties.forwarding_protocol.as_deref())
                .and_then(ForwardingProtocol::parse)
                .or(old_inputs.and_then(|i| i.forwarding_protocol)),
            origins,
            tags: user_tags(profile.tags.as_ref()),
        };
        let out_of_band_changes = front_door_drift(
            &ids,
            &inputs,
            endpoint.as_ref(),
            group.as_ref(),
            route.as_ref(),
        );
        let state = FrontDoorState {
            inputs: inputs.clone(),
            profile_name: names.profile.clone(),
            endpoint_name: names.endpoint.clone(),
            profile_id: match old {
                Some((_, state)) if ids_equal(&state.profile_id, id) => state.profile_id.clone(),
                _ => ids.profile.clone(),
            },
            endpoint_id: ids.endpoint,
            origin_group_id: ids.origin_group,
            route_id: ids.route,
            endpoint_host_name: endpoint
                .and_then(|e| e.properties.host_name)
                .unwrap_or_default(),
            front_door_id: profile.properties.front_door_id.unwrap_or_default(),
            out_of_band_changes,
        };
        Ok(Some(ReadResult {
            id: state.profile_id.clone(),
            inputs,
            state,
        }))
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&FrontDoorInputs, &FrontDoorState),
        news: FrontDoorInputs,
    ) -> Result<FrontDoorState, ResourceError<FrontDoorState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply(azure, context, &news, Some(old.1))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        _id: &str,
        state: &FrontDoorState,
    ) -> Result<(), ResourceError<FrontDoorState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        // Deleting the profile deletes its endpoint, route, origin group and origins.
        let options = operation_options(
            context,
            format!("deleting Front Door profile {}", state.profile_name),
        );
        azure
            .delete(&state.profile_id, api_versions::CDN, &options)
            .await
            .map_err(|e| ResourceError::Failed(e.to_string()))
    }
}

/// The one route: everything on the endpoint goes to the origin group.
fn route_body(ids: &Ids, inputs: &FrontDoorInputs) -> AfdRoute {
    AfdRoute {
        properties: AfdRouteProperties {
            origin_group: Some(SubResource::new(ids.origin_group.clone())),
            supported_protocols: Some(vec!["Http".into(), "Https".into()]),
            patterns_to_match: Some(vec!["/*".into()]),
            forwarding_protocol: Some(
                inputs
                    .forwarding_protocol
                    .unwrap_or(DEFAULT_FORWARDING_PROTOCOL)
                    .to_string(),
            ),
            link_to_default_domain: Some("Enabled".into()),
            https_redirect: Some("Enabled".into()),
            enabled_state: Some("Enabled".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// What differs between the live endpoint, origin group and route and what aksmesh writes, for
/// the parts no input shows.
fn front_door_drift(
    ids: &Ids,
    inputs: &FrontDoorInputs,
    endpoint: Option<&AfdEndpoint>,
    group: Option<&AfdOriginGroup>,
    route: Option<&AfdRoute>,
) -> Vec<String> {
    let mut changes = Vec::new();
    match endpoint {
        None => changes.push(format!("endpoint {} is missing", ids.endpoint)),
        Some(endpoint) => {
            if let Some(state) = endpoint
                .properties
                .enabled_state
                .as_deref()
                .filter(|s| !s.eq_ignore_ascii_case("Enabled"))
            {
                changes.push(format!(
                    "endpoint {}: enabledState is {state} in Azure; aksmesh sets Enabled",
                    ids.endpoint
                ));
            }
        }
    }
    if group.is_none() {
        changes.push(format!(
            "origin group {} is missing, and its origins with it",
            ids.origin_group
        ));
    }
    let Some(route) = route else {
        changes.push(format!("route {} is missing", ids.route));
        return changes;
    };
    let expected = route_body(ids, inputs).properties;
    let live = &route.properties;
    let same_group = live
        .origin_group
        .as_ref()
        .is_some_and(|group| ids_equal(&group.id, &ids.origin_group));
    if !same_group {
        changes.push(format!(
            "route {}: sends traffic to {} in Azure; aksmesh sends it to {}",
            ids.route,
            live.origin_group
                .as_ref()
                .map(|g| g.id.as_str())
                .unwrap_or("no origin group"),
            ids.origin_group
        ));
    }
    for (field, live, expected) in [
        (
            "supportedProtocols",
            live.supported_protocols.as_ref().map(|p| p.join(",")),
            expected.supported_protocols.as_ref().map(|p| p.join(",")),
        ),
        (
            "patternsToMatch",
            live.patterns_to_match.as_ref().map(|p| p.join(",")),
            expected.patterns_to_match.as_ref().map(|p| p.join(",")),
        ),
        (
            "linkToDefaultDomain",
            live.link_to_default_domain.clone(),
            expected.link_to_default_domain.clone(),
        ),
        (
            "httpsRedirect",
            live.https_redirect.clone(),
            expected.https_redirect.clone(),
        ),
        (
            "enabledState",
            live.enabled_state.clone(),
            expected.enabled_state.clone(),
        ),
    ] {
        if let (Some(live), Some(expected)) = (live, expected) {
            if !live.eq_ignore_ascii_case(&expected) {
                changes.push(format!(
                    "route {}: {field} is {live} in Azure; aksmesh sets {expected}",
                    ids.route
                ));
            }
        }
    }
    changes
}

/// Origins as inputs: the old inputs' order and spelling where the origin still exists, then any
/// origin only Azure knows (import, or one added out of band) in Azure's order.
fn read_origins(old: &[FrontDoorOrigin], live: &[AfdOrigin]) -> Vec<FrontDoorOrigin> {
    let live_name = |origin: &AfdOrigin| {
        origin
            .name
            .clone()
            .or_else(|| {
                origin
                    .id
                    .as_deref()
                    .and_then(|id| id.rsplit('/').next().map(str::to_string))
            })
            .unwrap_or_default()
    };
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

/// Creates or converges the Front Door: profile, endpoint, origin group, origins (adding and removing),
/// route. Every step is an idempotent PUT (or a DELETE of an origin no longer listed), so running it
/// again after a failure resumes where the last run stopped.
async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &FrontDoorInputs,
    previous: Option<&FrontDoorState>,
) -> Result<(String, FrontDoorState), ResourceError<FrontDoorState>> {
    let subscription = azure.subscription_id().to_string();
    let names = inputs.names();
    let ids = Ids::new(&subscription, &inputs.resource_group_name, &names);
    let mut state = FrontDoorState {
        inputs: inputs.clone(),
        profile_name: names.profile.clone(),
        endpoint_name: names.endpoint.clone(),
        profile_id: ids.profile.clone(),
        endpoint_id: ids.endpoint.clone(),
        origin_group_id: ids.origin_group.clone(),
        route_id: ids.route.clone(),
        endpoint_host_name: previous
            .map(|p| p.endpoint_host_name.clone())
            .unwrap_or_default(),
        front_door_id: previous
            .map(|p| p.front_door_id.clone())
            .unwrap_or_default(),
        out_of_band_changes: Vec::new(),
    };
    // The origins that exist in Azure as far as this run knows: the previous state's, plus each one
    // put, minus each one deleted. A partial state records them so the next run removes leftovers.
    let mut existing_origins: Vec<FrontDoorOrigin> = previous
        .map(|p| p.inputs.origins.clone())
        .unwrap_or_default();
    let partial_state = |existing: &[FrontDoorOrigin], state: &FrontDoorState| {
        let mut partial = previous.cloned().unwrap_or_else(|| state.clone());
        partial.inputs.origins = existing.to_vec();
        partial
    };
    let tags = managed_tags(&inputs.tags);

    // Once the profile exists, a failure leaves something behind: report it as partial so the
    // engine keeps the id and the next `up` resumes.
    let profile = FrontDoorProfile {
        location: GLOBAL_LOCATION.into(),
        tags: Some(tags.clone()),
        sku: FrontDoorSku {
            name: inputs.sku.unwrap_or(DEFAULT_SKU).to_string(),
        },
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!("creating Front Door profile {}", names.profile),
    );
    let profile: FrontDoorProfile = azure
        .put(&ids.profile, api_versions::CDN, &profile, &options)
        .await
        .map_err(|e| {
            azure_failure(
                e,
                previous.map(|p| (ids.profile.clone(), partial_state(&existing_origins, p))),
            )
        })?;
    if let Some(front_door_id) = profile.properties.front_door_id {
        state.front_door_id = front_door_id;
    }
    let partial = |error: AzureError, existing: &[FrontDoorOrigin], state: &FrontDoorState| {
        azure_failure(
            error,
            Some((ids.profile.clone(), partial_state(existing, state))),
        )
    };

    let endpoint = AfdEndpoint {
        location: GLOBAL_LOCATION.into(),
        tags: Some(tags),
        properties: AfdEndpointProperties {
            enabled_state: Some("Enabled".into()),
            auto_generated_domain_name_label_scope: Some("TenantReuse".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!("creating Front Door endpoint {}", names.endpoint),
    );
    let endpoint: AfdEndpoint = azure
        .put(&ids.endpoint, api_versions::CDN, &endpoint, &options)
        .await
        .map_err(|e| partial(e, &existing_origins, &state))?;
    if let Some(host_name) = endpoint.properties.host_name {
        state.endpoint_host_name = host_name;
    }

    let group = AfdOriginGroup {
        properties: AfdOriginGroupProperties {
            load_balancing_settings: Some(LoadBalancingSettings {
                sample_size: Some(4),
                successful_samples_required: Some(3),
                // 0: only the fastest origins (by probe latency) get traffic, i.e. the nearest region.
                additional_latency_in_milliseconds: Some(0),
            }),
            health_probe_settings: Some(HealthProbeSettings {
                probe_path: Some(inputs.probe_path.clone()),
                probe_request_type: Some("HEAD".into()),
                probe_protocol: Some(
                    inputs
                        .probe_protocol
                        .unwrap_or(DEFAULT_PROBE_PROTOCOL)
                        .to_string(),
                ),
                probe_interval_in_seconds: inputs
                    .probe_interval_in_seconds
                    .and_then(|i| i32::try_from(i).ok()),
            }),
            session_affinity_state: Some("Disabled".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!("creating Front Door origin group {ORIGIN_GROUP_NAME}"),
    );
    azure
        .put::<_, AfdOriginGroup>(&ids.origin_group, api_versions::CDN, &group, &options)
        .await
        .map_err(|e| partial(e, &existing_origins, &state))?;

    let origin_id = |name: &str| {
        front_door_origin_id(
            &subscription,
            &inputs.resource_group_name,
            &names.profile,
            ORIGIN_GROUP_NAME,
            name,
        )
        .to_string()
    };
    for origin in &inputs.origins {
        let host_name = origin.host_name.trim().to_string();
        let body = AfdOrigin {
            properties: AfdOriginProperties {
                origin_host_header: Some(
                    origin
                        .host_header
                        .clone()
                        .unwrap_or_else(|| host_name.clone()),
                ),
                host_name: Some(host_name),
                http_port: Some(80),
                https_port: Some(443),
                priority: Some(
                    i32::try_from(origin.priority.unwrap_or(DEFAULT_PRIORITY)).unwrap_or(1),
                ),
                weight: Some(
                    i32::try_from(origin.weight.unwrap_or(DEFAULT_WEIGHT)).unwrap_or(1000),
                ),
                enabled_state: Some(
                    if origin.enabled.unwrap_or(true) {
                        "Enabled"
                    } else {
                        "Disabled"
                    }
                    .into(),
                ),
                enforce_certificate_name_check: Some(true),
                ..Default::default()
            },
            ..Default::default()
        };
        let origin_id = origin_id(&origin.name);
        let options = operation_options(
            context,
            format!("creating Front Door origin {}", origin.name),
        );
        azure
            .put::<_, AfdOrigin>(&origin_id, api_versions::CDN, &body, &options)
            .await
            .map_err(|e| partial(e, &existing_origins, &state))?;
        existing_origins.retain(|o| !o.name.eq_ignore_ascii_case(&origin.name));
        existing_origins.push(origin.clone());
    }

    // Origins the inputs no longer list are removed.
    let removed: Vec<FrontDoorOrigin> = existing_origins
        .iter()
        .filter(|old| {
            !inputs
                .origins
                .iter()
                .any(|new| new.name.eq_ignore_ascii_case(&old.name))
        })
        .cloned()
        .collect();
    for origin in removed {
        let origin_id = origin_id(&origin.name);
        let options = operation_options(
            context,
            format!("deleting Front Door origin {}", origin.name),
        );
        azure
            .delete(&origin_id, api_versions::CDN, &options)
            .await
            .map_err(|e| partial(e, &existing_origins, &state))?;
        existing_origins.retain(|o| !o.name.eq_ignore_ascii_case(&origin.name));
    }

    let route = route_body(&ids, inputs);
    let options = operation_options(
        context,
        format!(
            "creating Front Door route {ROUTE_NAME} on {}",
            names.endpoint
        ),
    );
    azure
        .put::<_, AfdRoute>(&ids.route, api_versions::CDN, &route, &options)
        .await
        .map_err(|e| partial(e, &existing_origins, &state))?;

    // The endpoint's host name and the Front Door id are assigned on create; read them if the PUT
    // responses did not carry them.
    if state.endpoint_host_name.is_empty() {
        if let Ok(Some(endpoint)) = azure
            .get::<AfdEndpoint>(&ids.endpoint, api_versions::CDN)
            .await
        {
            state.endpoint_host_name = endpoint.properties.host_name.unwrap_or_default();
        }
    }
    if state.front_door_id.is_empty() {
        if let Ok(Some(profile)) = azure
            .get::<FrontDoorProfile>(&ids.profile, api_versions::CDN)
            .await
        {
            state.front_door_id = profile.properties.front_door_id.unwrap_or_default();
        }
    }
    Ok((ids.profile, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::Annotations;

    fn check(inputs: &mut FrontDoorInputs) -> Vec<CheckFailure> {
        let unknowns = Annotations::default();
        FrontDoor.check(
            inputs,
            None,
            &CheckContext {
                unknowns: &unknowns,
                name: "Web Front",
            },
        )
    }

    fn valid() -> FrontDoorInputs {
        FrontDoorInputs {
            resource_group_name: "rg-platform-eastus".into(),
            origins: vec![FrontDoorOrigin {
                name: "eastus".into(),
                host_name: "web-eastus.eastus.cloudapp.azure.com".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn effect(path: &'static str, old: serde_json::Value, new: serde_json::Value) -> ChangeEffect {
        FrontDoor.change_effect(&Change {
            path,
            old: Some(&old),
            new: Some(&new),
            new_is_unknown: false,
        })
    }

    #[test]
    fn check_fills_defaults_and_derives_names() {
        let mut inputs = valid();
        assert!(check(&mut inputs).is_empty());
        assert_eq!(inputs.name_prefix, "web-front");
        assert_eq!(inputs.names().profile, "afd-web-front");
        assert_eq!(inputs.names().endpoint, "web-front");
        assert_eq!(inputs.sku, Some(DEFAULT_SKU));
        assert_eq!(inputs.probe_path, "/healthz");
        assert_eq!(inputs.probe_protocol, Some(ProbeProtocol::Https));
        assert_eq!(inputs.probe_interval_in_seconds, Some(30));
        assert_eq!(
            inputs.forwarding_protocol,
            Some(ForwardingProtocol::MatchRequest)
        );
        let origin = &inputs.origins[0];
        assert_eq!(
            origin.host_header.as_deref(),
            Some(origin.host_name.as_str())
        );
        assert_eq!(
            (origin.priority, origin.weight, origin.enabled),
            (Some(1), Some(1000), Some(true))
        );
    }

    #[test]
    fn names_must_start_and_end_with_a_letter_or_digit() {
        let mut inputs = valid();
        inputs.name_prefix = "web-".into();
        assert_eq!(check(&mut inputs)[0].property, "namePrefix");
        let mut inputs = valid();
        inputs.origins[0].name = "east_us".into();
        assert_eq!(check(&mut inputs)[0].property, "origins[0].name");
    }

    #[test]
    fn names_and_sku_replace_everything_else_updates_in_place() {
        for path in ["resourceGroupName", "namePrefix", "sku"] {
            assert_eq!(effect(path, "a".into(), "b".into()), ChangeEffect::Replace);
        }
        for path in [
            "probePath",
            "probeProtocol",
            "probeIntervalInSeconds",
            "forwardingProtocol",
            "origins[0].hostName",
            "origins[1].name",
            "origins[2]",
            "tags.env",
        ] {
            assert_eq!(effect(path, "a".into(), "b".into()), ChangeEffect::Update);
        }
        // Adding an origin (no old value) is in place too.
        assert_eq!(
            FrontDoor.change_effect(&Change {
                path: "origins[3]",
                old: None,
                new: Some(&serde_json::json!({"name": "westus"})),
                new_is_unknown: false,
            }),
            ChangeEffect::Update
        );
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
