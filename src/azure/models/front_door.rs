//! Azure Front Door Standard/Premium (`Microsoft.Cdn/profiles…`, api-version 2025-12-01):
//! profile → endpoint → origin group → origins, and a route tying the endpoint to the group.
//! Every resource lives in `location: "global"`; bodies report `provisioningState` and the edge
//! propagation `deploymentStatus`, both read-only.

use serde::{Deserialize, Serialize};

use super::{SubResource, Tags};

/// Location of every Front Door resource.
pub const GLOBAL_LOCATION: &str = "global";

/// The body of a profile's `upgrade` action (AFDProfiles_Upgrade, Standard → Premium). The list
/// maps each security policy's Standard WAF policy to a Premium one; aksmesh creates no security
/// policies, so it is empty (it is required, so it is always sent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpgradeParameters {
    pub waf_mapping_list: Vec<serde_json::Value>,
}

/// A Front Door profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorProfile {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// `frontdoor` (read-only).
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    /// Always `global`.
    pub location: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// `Standard_AzureFrontDoor` or `Premium_AzureFrontDoor`.
    pub sku: FrontDoorSku,
    /// Properties.
    #[serde(default)]
    pub properties: FrontDoorProfileProperties,
}

/// Profile SKU.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorSku {
    /// SKU name.
    pub name: String,
}

/// Properties of a profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorProfileProperties {
    /// Origin response timeout, at least 16 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_response_timeout_seconds: Option<i32>,
    /// Value of the `X-Azure-FDID` header origins can check (read-only).
    #[serde(default, skip_serializing)]
    pub front_door_id: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub resource_state: Option<String>,
}

/// A Front Door endpoint (`profiles/{p}/afdEndpoints/{e}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdEndpoint {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Always `global`.
    pub location: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Properties.
    #[serde(default)]
    pub properties: AfdEndpointProperties,
}

/// Properties of an endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdEndpointProperties {
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_state: Option<String>,
    /// `TenantReuse`, `SubscriptionReuse`, `ResourceGroupReuse` or `NoReuse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_generated_domain_name_label_scope: Option<String>,
    /// e.g. `endpoint1-abcdefghijklmnop.z01.azurefd.net` (read-only).
    #[serde(default, skip_serializing)]
    pub host_name: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub deployment_status: Option<String>,
}

/// An origin group (`profiles/{p}/originGroups/{g}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdOriginGroup {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: AfdOriginGroupProperties,
}

/// Properties of an origin group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdOriginGroupProperties {
    /// Latency-based load balancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancing_settings: Option<LoadBalancingSettings>,
    /// Health probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_probe_settings: Option<HealthProbeSettings>,
    /// 0–50 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_restoration_time_to_healed_or_new_endpoints_in_minutes: Option<i32>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity_state: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub deployment_status: Option<String>,
}

/// Load balancing settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancingSettings {
    /// Samples considered per decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_size: Option<i32>,
    /// Successful samples needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_samples_required: Option<i32>,
    /// Latency band for "equally fast" origins; 0 = nearest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_latency_in_milliseconds: Option<i32>,
}

/// Health probe settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthProbeSettings {
    /// e.g. `/healthz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_path: Option<String>,
    /// `GET`, `HEAD` or `NotSet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_request_type: Option<String>,
    /// `Http`, `Https` or `NotSet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_protocol: Option<String>,
    /// 1–255 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_interval_in_seconds: Option<i32>,
}

/// An origin (`profiles/{p}/originGroups/{g}/origins/{o}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdOrigin {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: AfdOriginProperties,
}

impl AfdOrigin {
    /// The origin's name: `name`, else the last segment of its id.
    pub fn name_or_id_tail(&self) -> String {
        self.name
            .clone()
            .or_else(|| {
                self.id
                    .as_deref()
                    .and_then(|id| id.rsplit('/').next().map(str::to_string))
            })
            .unwrap_or_default()
    }
}

/// Properties of an origin.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdOriginProperties {
    /// Address of the origin (IP or DNS name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// 1–65535.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_port: Option<i32>,
    /// 1–65535.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_port: Option<i32>,
    /// `Host` header sent to the origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_host_header: Option<String>,
    /// 1–5; lower wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// 1–1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_state: Option<String>,
    /// Verify the origin certificate's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_certificate_name_check: Option<bool>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub origin_group_name: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub deployment_status: Option<String>,
}

/// A route (`profiles/{p}/afdEndpoints/{e}/routes/{r}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdRoute {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: AfdRouteProperties,
}

/// Properties of a route.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfdRouteProperties {
    /// The origin group traffic goes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_group: Option<SubResource>,
    /// `Http`, `Https`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_protocols: Option<Vec<String>>,
    /// e.g. `["/*"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patterns_to_match: Option<Vec<String>>,
    /// `HttpOnly`, `HttpsOnly` or `MatchRequest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarding_protocol: Option<String>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_to_default_domain: Option<String>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_redirect: Option<String>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_state: Option<String>,
    /// Custom domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domains: Option<Vec<ActivatedResourceReference>>,
    /// Rule sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_sets: Option<Vec<SubResource>>,
    /// Path prefix on the origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_path: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub endpoint_name: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub deployment_status: Option<String>,
}

/// A reference whose activation state Azure reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivatedResourceReference {
    /// Resource id.
    pub id: String,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub is_active: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::api_versions::CDN;
    use crate::azure::ids;
    use crate::azure::models::schema_check::assert_valid_put;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    fn path(id: &ids::ResourceId) -> String {
        format!("{id}?api-version={CDN}")
    }

    #[test]
    fn profile_and_endpoint_bodies_match_schema() {
        let profile = FrontDoorProfile {
            location: GLOBAL_LOCATION.into(),
            sku: FrontDoorSku {
                name: "Standard_AzureFrontDoor".into(),
            },
            properties: FrontDoorProfileProperties {
                origin_response_timeout_seconds: Some(60),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_valid_put(
            &path(&ids::front_door_profile_id(SUB, "rg", "fd")),
            &profile,
        );

        let endpoint = AfdEndpoint {
            location: GLOBAL_LOCATION.into(),
            properties: AfdEndpointProperties {
                enabled_state: Some("Enabled".into()),
                auto_generated_domain_name_label_scope: Some("TenantReuse".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_valid_put(
            &path(&ids::front_door_endpoint_id(SUB, "rg", "fd", "web")),
            &endpoint,
        );
    }

    #[test]
    fn origin_group_origin_and_route_bodies_match_schema() {
        let group = AfdOriginGroup {
            properties: AfdOriginGroupProperties {
                load_balancing_settings: Some(LoadBalancingSettings {
                    sample_size: Some(4),
                    successful_samples_required: Some(3),
                    additional_latency_in_milliseconds: Some(0),
                }),
                health_probe_settings: Some(HealthProbeSettings {
                    probe_path: Some("/healthz".into()),
                    probe_request_type: Some("HEAD".into()),
                    probe_protocol: Some("Http".into()),
                    probe_interval_in_seconds: Some(30),
                }),
                session_affinity_state: Some("Disabled".into()),
                traffic_restoration_time_to_healed_or_new_endpoints_in_minutes: Some(10),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_valid_put(
            &path(&ids::front_door_origin_group_id(
                SUB, "rg", "fd", "clusters",
            )),
            &group,
        );

        let origin = AfdOrigin {
            properties: AfdOriginProperties {
                host_name: Some("aks-weu.westeurope.cloudapp.azure.com".into()),
                http_port: Some(80),
                https_port: Some(443),
                origin_host_header: Some("app.example.com".into()),
                priority: Some(1),
                weight: Some(1000),
                enabled_state: Some("Enabled".into()),
                enforce_certificate_name_check: Some(true),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_valid_put(
            &path(&ids::front_door_origin_id(
                SUB, "rg", "fd", "clusters", "weu",
            )),
            &origin,
        );

        let route = AfdRoute {
            properties: AfdRouteProperties {
                origin_group: Some(SubResource::new(
                    ids::front_door_origin_group_id(SUB, "rg", "fd", "clusters").to_string(),
                )),
                supported_protocols: Some(vec!["Http".into(), "Https".into()]),
                patterns_to_match: Some(vec!["/*".into()]),
                forwarding_protocol: Some("HttpOnly".into()),
                link_to_default_domain: Some("Enabled".into()),
                https_redirect: Some("Enabled".into()),
                enabled_state: Some("Enabled".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_valid_put(
            &path(&ids::front_door_route_id(SUB, "rg", "fd", "web", "all")),
            &route,
        );
    }

    #[test]
    fn get_bodies_echo_without_read_only_fields() {
        let endpoint: AfdEndpoint = serde_json::from_value(serde_json::json!({
            "id": "/x", "name": "web", "type": "Microsoft.Cdn/profiles/afdendpoints",
            "location": "Global",
            "properties": {"hostName": "web-abc.z01.azurefd.net", "enabledState": "Enabled",
                "provisioningState": "Succeeded", "deploymentStatus": "NotStarted",
                "autoGeneratedDomainNameLabelScope": "TenantReuse"}
        }))
        .unwrap();
        assert_eq!(
            endpoint.properties.host_name.as_deref(),
            Some("web-abc.z01.azurefd.net")
        );
        assert_valid_put(
            &path(&ids::front_door_endpoint_id(SUB, "rg", "fd", "web")),
            &endpoint,
        );
        let profile: FrontDoorProfile = serde_json::from_value(serde_json::json!({
            "location": "Global", "kind": "frontdoor", "sku": {"name": "Standard_AzureFrontDoor"},
            "properties": {"frontDoorId": "fdid", "provisioningState": "Succeeded",
                "resourceState": "Active", "originResponseTimeoutSeconds": 60}
        }))
        .unwrap();
        assert_eq!(profile.properties.front_door_id.as_deref(), Some("fdid"));
        assert_valid_put(
            &path(&ids::front_door_profile_id(SUB, "rg", "fd")),
            &profile,
        );
    }
}
