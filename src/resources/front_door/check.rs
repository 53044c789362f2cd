//! Check: every problem with a FrontDoor's inputs, found offline and reported at once, and the
//! defaults Check fills in (name prefix, SKU, probe, forwarding, each origin's settings).

use std::collections::BTreeMap;

use super::types::{
    FrontDoorInputs, FrontDoorOrigin, DEFAULT_FORWARDING_PROTOCOL, DEFAULT_PRIORITY,
    DEFAULT_PROBE_INTERVAL, DEFAULT_PROBE_PATH, DEFAULT_PROBE_PROTOCOL, DEFAULT_SKU,
    DEFAULT_WEIGHT,
};
use crate::resource::{CheckContext, CheckFailure};
use crate::resources::common::Validator;

/// Endpoint names become the first label of `{name}-{hash}.z01.azurefd.net`: at most 46 characters.
const ENDPOINT_NAME_MAX: usize = 46;
/// Origin names (children of the origin group).
const ORIGIN_NAME_MAX: usize = 90;
/// Profile names.
const PROFILE_NAME_MAX: usize = 260;

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

pub(super) fn check(inputs: &mut FrontDoorInputs, context: &CheckContext<'_>) -> Vec<CheckFailure> {
    let mut v = Validator::new(context);
    check_resource_group(&mut v, &inputs.resource_group_name);
    v.name_prefix("namePrefix", &mut inputs.name_prefix);
    // The endpoint is named after the prefix; the profile is `afd-{prefix}`.
    front_door_name(&mut v, "namePrefix", &inputs.name_prefix, ENDPOINT_NAME_MAX);
    const { assert!(ENDPOINT_NAME_MAX + 4 <= PROFILE_NAME_MAX) };

    if !v.is_unknown("sku") {
        inputs.sku.get_or_insert(DEFAULT_SKU);
    }
    check_probe(&mut v, inputs);
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
            check_origin(&mut v, index, origin, &mut seen);
        }
    }
    v.tags("tags", &inputs.tags);
    v.failures
}

fn check_resource_group(v: &mut Validator<'_, '_>, resource_group_name: &str) {
    v.resource_group_name(
        "resourceGroupName",
        resource_group_name,
        "name an existing resource group, for example a RegionalNetwork's resourceGroupName",
    );
}

/// The origin group's health probe: path, protocol and interval.
fn check_probe(v: &mut Validator<'_, '_>, inputs: &mut FrontDoorInputs) {
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
                format!(
                    "{interval} seconds is out of range; Front Door probes every 1 to 255 seconds"
                ),
            );
        }
    }
}

/// One origin: a unique name, a bare host, and its header, priority, weight and enabled state.
fn check_origin(
    v: &mut Validator<'_, '_>,
    index: usize,
    origin: &mut FrontDoorOrigin,
    seen: &mut BTreeMap<String, usize>,
) {
    let path = |leaf: &str| format!("origins[{index}].{leaf}");
    let name_path = path("name");
    if v.required(
        &name_path,
        &origin.name,
        "name the origin after its region, for example eastus",
    ) {
        front_door_name(v, &name_path, &origin.name, ORIGIN_NAME_MAX);
        if let Some(first) = seen.insert(origin.name.to_ascii_lowercase(), index) {
            v.fail(
                &name_path,
                format!("the origin name '{}' is used twice (also at origins[{first}]); origin names must be unique", origin.name),
            );
        }
    }
    let host_path = path("hostName");
    check_origin_host(v, &host_path, origin);
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
    check_origin_balancing(v, index, origin);
    if !v.is_unknown(&path("enabled")) && origin.enabled.is_none() {
        origin.enabled = Some(true);
    }
}

fn check_origin_host(v: &mut Validator<'_, '_>, host_path: &str, origin: &FrontDoorOrigin) {
    if v.required(
        host_path,
        &origin.host_name,
        "give the origin's address, for example the ingress's <label>.<region>.cloudapp.azure.com or public IP",
    ) {
        let host = origin.host_name.trim();
        if host.contains("://") || host.contains('/') || host.contains(char::is_whitespace) {
            v.fail(
                host_path,
                format!("'{host}' must be a bare host name or IP address, without scheme, path or spaces"),
            );
        }
    }
}

/// Priority and weight, which decide how traffic is shared between healthy origins.
fn check_origin_balancing(v: &mut Validator<'_, '_>, index: usize, origin: &mut FrontDoorOrigin) {
    let priority_path = format!("origins[{index}].priority");
    if !v.is_unknown(&priority_path) {
        let priority = *origin.priority.get_or_insert(DEFAULT_PRIORITY);
        if !(1..=5).contains(&priority) {
            v.fail(
                &priority_path,
                format!("priority {priority} is out of range; use 1 to 5 (lower wins, equal priorities share traffic)"),
            );
        }
    }
    let weight_path = format!("origins[{index}].weight");
    if !v.is_unknown(&weight_path) {
        let weight = *origin.weight.get_or_insert(DEFAULT_WEIGHT);
        if !(1..=1000).contains(&weight) {
            v.fail(
                &weight_path,
                format!("weight {weight} is out of range; use 1 to 1000"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::Annotations;
    use crate::resource::Resource;
    use crate::resources::front_door::FrontDoor;
    use crate::vocabulary::{ForwardingProtocol, ProbeProtocol};

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
}
