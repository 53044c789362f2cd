//! The ARM request bodies aksmesh writes: profile, endpoint, origin group, origins and route.

use super::types::{
    FrontDoorInputs, FrontDoorOrigin, Ids, DEFAULT_FORWARDING_PROTOCOL, DEFAULT_PRIORITY,
    DEFAULT_PROBE_PROTOCOL, DEFAULT_SKU, DEFAULT_WEIGHT,
};
use crate::azure::models::front_door::{
    AfdEndpoint, AfdEndpointProperties, AfdOrigin, AfdOriginGroup, AfdOriginGroupProperties,
    AfdOriginProperties, AfdRoute, AfdRouteProperties, FrontDoorProfile, FrontDoorSku,
    HealthProbeSettings, LoadBalancingSettings, GLOBAL_LOCATION,
};
use crate::azure::models::SubResource;
use crate::resources::common::managed_tags;

pub(super) fn profile_body(inputs: &FrontDoorInputs) -> FrontDoorProfile {
    FrontDoorProfile {
        location: GLOBAL_LOCATION.into(),
        tags: Some(managed_tags(&inputs.tags)),
        sku: FrontDoorSku {
            name: inputs.sku.unwrap_or(DEFAULT_SKU).to_string(),
        },
        ..Default::default()
    }
}

pub(super) fn endpoint_body(inputs: &FrontDoorInputs) -> AfdEndpoint {
    AfdEndpoint {
        location: GLOBAL_LOCATION.into(),
        tags: Some(managed_tags(&inputs.tags)),
        properties: AfdEndpointProperties {
            enabled_state: Some("Enabled".into()),
            auto_generated_domain_name_label_scope: Some("TenantReuse".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

pub(super) fn origin_group_body(inputs: &FrontDoorInputs) -> AfdOriginGroup {
    AfdOriginGroup {
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
    }
}

pub(super) fn origin_body(origin: &FrontDoorOrigin) -> AfdOrigin {
    let host_name = origin.host_name.trim().to_string();
    AfdOrigin {
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
            priority: Some(i32::try_from(origin.priority.unwrap_or(DEFAULT_PRIORITY)).unwrap_or(1)),
            weight: Some(i32::try_from(origin.weight.unwrap_or(DEFAULT_WEIGHT)).unwrap_or(1000)),
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
    }
}

/// The one route: everything on the endpoint goes to the origin group.
pub(super) fn route_body(ids: &Ids, inputs: &FrontDoorInputs) -> AfdRoute {
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
