//! Out-of-band changes refresh reports: what differs in Azure from what aksmesh writes, for the
//! parts of the Front Door no input shows (endpoint state, origin group presence, the route).

use super::body::route_body;
use super::types::{FrontDoorInputs, Ids, Names, ORIGIN_GROUP_NAME, ROUTE_NAME};
use crate::azure::ids::ids_equal;
use crate::azure::models::front_door::{
    AfdEndpoint, AfdOrigin, AfdOriginGroup, AfdRoute, FrontDoorProfile,
};
use crate::resources::common::failed_in_azure;

/// The parts of one Front Door as Azure has them, for [`failed_parts`].
pub(super) struct LiveParts<'a> {
    pub(super) profile: &'a FrontDoorProfile,
    pub(super) endpoint: Option<&'a AfdEndpoint>,
    pub(super) group: Option<&'a AfdOriginGroup>,
    pub(super) origins: &'a [AfdOrigin],
    pub(super) route: Option<&'a AfdRoute>,
}

/// Every part Azure reports Failed (profile, endpoint, origin group, each origin, route): the next
/// update PUTs each of them again.
pub(super) fn failed_parts(names: &Names, live: &LiveParts<'_>) -> Vec<String> {
    let profile = &names.profile;
    let origin_name = AfdOrigin::name_or_id_tail;
    let mut parts = vec![
        (
            format!("Front Door profile {profile}"),
            live.profile.properties.provisioning_state.as_deref(),
        ),
        (
            format!("endpoint {} of Front Door {profile}", names.endpoint),
            live.endpoint
                .and_then(|e| e.properties.provisioning_state.as_deref()),
        ),
        (
            format!("origin group {ORIGIN_GROUP_NAME} of Front Door {profile}"),
            live.group
                .and_then(|g| g.properties.provisioning_state.as_deref()),
        ),
    ];
    for origin in live.origins {
        parts.push((
            format!("origin {} of Front Door {profile}", origin_name(origin)),
            origin.properties.provisioning_state.as_deref(),
        ));
    }
    parts.push((
        format!("route {ROUTE_NAME} of Front Door {profile}"),
        live.route
            .and_then(|r| r.properties.provisioning_state.as_deref()),
    ));
    parts
        .into_iter()
        .filter_map(|(part, state)| failed_in_azure(&part, state))
        .collect()
}

/// What differs between the live endpoint, origin group and route and what aksmesh writes, for
/// the parts no input shows.
pub(super) fn front_door_drift(
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
    changes.extend(route_drift(ids, inputs, route));
    changes
}

/// The one route: where it sends traffic, and the settings aksmesh fixes.
fn route_drift(ids: &Ids, inputs: &FrontDoorInputs, route: &AfdRoute) -> Vec<String> {
    let mut changes = Vec::new();
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
