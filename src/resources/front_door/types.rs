//! FrontDoor's contract: its inputs and state, the defaults Check fills in, and the Azure names
//! and ids a Front Door consists of.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::azure::ids::{
    front_door_endpoint_id, front_door_origin_group_id, front_door_profile_id, front_door_route_id,
};
use crate::vocabulary::{ForwardingProtocol, FrontDoorSku as Sku, ProbeProtocol};

pub const ORIGIN_GROUP_NAME: &str = "origins";
pub const ROUTE_NAME: &str = "default";

pub const DEFAULT_SKU: Sku = Sku::Standard;
pub const DEFAULT_PROBE_PATH: &str = "/healthz";
pub const DEFAULT_PROBE_PROTOCOL: ProbeProtocol = ProbeProtocol::Https;
pub const DEFAULT_PROBE_INTERVAL: i64 = 30;
pub const DEFAULT_FORWARDING_PROTOCOL: ForwardingProtocol = ForwardingProtocol::MatchRequest;
pub const DEFAULT_PRIORITY: i64 = 1;
pub const DEFAULT_WEIGHT: i64 = 1000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorInputs {
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub resource_group_name: String,
    /// Prefix of the Azure names; defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("x-resolved" = true))]
    pub name_prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub sku: Option<Sku>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("x-resolved" = true))]
    pub probe_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub probe_protocol: Option<ProbeProtocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub probe_interval_in_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resolved" = true))]
    pub forwarding_protocol: Option<ForwardingProtocol>,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub origins: Vec<FrontDoorOrigin>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// One origin: a region's public ingress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorOrigin {
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
    pub name: String,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    #[schemars(extend("x-required" = true))]
    pub endpoint_host_name: String,
    #[serde(default)]
    #[schemars(extend("x-required" = true))]
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
pub(super) struct Ids {
    pub(super) profile: String,
    pub(super) endpoint: String,
    pub(super) origin_group: String,
    pub(super) route: String,
}

impl Ids {
    /// One origin's id: a child of the origin group.
    pub(super) fn origin(&self, name: &str) -> String {
        format!("{}/origins/{name}", self.origin_group)
    }

    pub(super) fn new(subscription: &str, resource_group: &str, names: &Names) -> Self {
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
