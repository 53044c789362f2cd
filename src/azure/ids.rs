//! ARM resource ids: parsing, case-insensitive comparison, and builders for the resources aksmesh
//! manages.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use uuid::Uuid;

use super::error::AzureError;

/// Role definition id of the built-in "Network Contributor" role.
pub const NETWORK_CONTRIBUTOR_ROLE: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/// A parsed ARM resource id such as
/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}`.
///
/// Equality and hashing ignore ASCII case, as ARM does (`resourcegroups`, lower-cased names).
#[derive(Clone, Debug)]
pub struct ResourceId {
    text: String,
    segments: Vec<String>,
}

impl ResourceId {
    /// Parses an id. Accepts subscriptions, resource groups, provider resources at any depth and
    /// extension resources (`{scope}/providers/{Namespace}/{type}/{name}`).
    pub fn parse(text: &str) -> Result<Self, AzureError> {
        let invalid =
            |why: &str| AzureError::config(format!("invalid Azure resource id {text:?}: {why}"));
        let trimmed = text.trim().trim_end_matches('/');
        if !trimmed.starts_with('/') {
            return Err(invalid("it must start with /subscriptions/ or /providers/"));
        }
        let segments: Vec<String> = trimmed[1..].split('/').map(str::to_owned).collect();
        if segments.iter().any(|segment| segment.is_empty()) {
            return Err(invalid("it contains an empty segment"));
        }
        if segments.iter().any(|segment| {
            segment
                .chars()
                .any(|c| matches!(c, '?' | '#') || c.is_control())
        }) {
            return Err(invalid("it contains '?', '#' or control characters"));
        }
        let first = segments[0].to_ascii_lowercase();
        if first != "subscriptions" && first != "providers" {
            return Err(invalid("it must start with /subscriptions/ or /providers/"));
        }
        // After "subscriptions" and "resourceGroups" come names; after "providers" a namespace,
        // then type/name pairs.
        let mut index = 0;
        while index < segments.len() {
            let keyword = segments[index].to_ascii_lowercase();
            match keyword.as_str() {
                "subscriptions" | "resourcegroups" | "managementgroups" => {
                    if index + 1 >= segments.len() {
                        return Err(invalid("a name is missing at the end"));
                    }
                    index += 2;
                }
                "providers" => {
                    if index + 1 >= segments.len() {
                        return Err(invalid("the provider namespace is missing"));
                    }
                    index += 2;
                    if index >= segments.len() || segments[index].eq_ignore_ascii_case("providers")
                    {
                        return Err(invalid(
                            "a resource type and name must follow the namespace",
                        ));
                    }
                    // type/name pairs until the next "providers" (extension resource) or the end.
                    while index < segments.len()
                        && !segments[index].eq_ignore_ascii_case("providers")
                    {
                        if index + 1 >= segments.len() {
                            return Err(invalid("a resource name is missing at the end"));
                        }
                        index += 2;
                    }
                }
                _ => return Err(invalid("unexpected segment")),
            }
        }
        Ok(ResourceId {
            text: format!("/{}", segments.join("/")),
            segments,
        })
    }

    /// The id as text (as given, without a trailing slash).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The id lower-cased, for maps keyed case-insensitively.
    pub fn to_lowercase(&self) -> String {
        self.text.to_ascii_lowercase()
    }

    fn value_after(&self, keyword: &str) -> Option<&str> {
        self.segments
            .windows(2)
            .find(|pair| pair[0].eq_ignore_ascii_case(keyword))
            .map(|pair| pair[1].as_str())
    }

    /// Subscription id, if the id is under a subscription.
    pub fn subscription_id(&self) -> Option<&str> {
        self.value_after("subscriptions")
    }

    /// Resource group name, if the id is in a resource group.
    pub fn resource_group(&self) -> Option<&str> {
        self.value_after("resourceGroups")
    }

    /// Index of the last `providers` segment (the one that defines this resource's type).
    fn last_provider_index(&self) -> Option<usize> {
        self.segments
            .iter()
            .rposition(|segment| segment.eq_ignore_ascii_case("providers"))
    }

    /// Provider namespace such as `Microsoft.Network` (`Microsoft.Resources` for groups and
    /// subscriptions).
    pub fn provider_namespace(&self) -> &str {
        match self.last_provider_index() {
            Some(index) => &self.segments[index + 1],
            None => "Microsoft.Resources",
        }
    }

    /// Full resource type such as `Microsoft.Network/virtualNetworks/subnets`.
    pub fn resource_type(&self) -> String {
        match self.last_provider_index() {
            Some(index) => {
                let mut parts = vec![self.segments[index + 1].clone()];
                parts.extend(
                    self.segments[index + 2..]
                        .iter()
                        .step_by(2)
                        .map(String::clone),
                );
                parts.join("/")
            }
            None if self.resource_group().is_some() => "Microsoft.Resources/resourceGroups".into(),
            None => "Microsoft.Resources/subscriptions".into(),
        }
    }

    /// The resource's own name (last segment).
    pub fn name(&self) -> &str {
        self.segments.last().map(String::as_str).unwrap_or_default()
    }

    /// The id of the enclosing resource (child → parent, resource → resource group → subscription).
    pub fn parent(&self) -> Option<ResourceId> {
        let mut length = self.segments.len();
        if length <= 2 {
            return None;
        }
        length -= 2;
        // Drop "providers/{Namespace}" too when we step out of the first provider type.
        if length >= 2 && self.segments[length - 2].eq_ignore_ascii_case("providers") {
            length -= 2;
        }
        if length == 0 {
            return None;
        }
        Some(ResourceId::from_segments(self.segments[..length].to_vec()))
    }

    /// The id of a child resource: `{self}/{child_type}/{child_name}`.
    pub fn child(&self, child_type: &str, child_name: &str) -> ResourceId {
        let mut segments = self.segments.clone();
        segments.push(child_type.to_owned());
        segments.push(child_name.to_owned());
        ResourceId::from_segments(segments)
    }

    /// An extension resource on this scope: `{self}/providers/{namespace}/{type}/{name}`.
    pub fn extension(&self, namespace: &str, resource_type: &str, name: &str) -> ResourceId {
        let mut segments = self.segments.clone();
        segments.extend(
            ["providers", namespace, resource_type, name]
                .iter()
                .map(|s| (*s).to_owned()),
        );
        ResourceId::from_segments(segments)
    }

    /// The `…/providers/{namespace}/{type}/{name}` prefix of this id, where the first type matches.
    fn prefix_through(&self, namespace: &str, resource_type: &str) -> Option<ResourceId> {
        let position = self.segments.windows(4).position(|window| {
            window[0].eq_ignore_ascii_case("providers")
                && window[1].eq_ignore_ascii_case(namespace)
                && window[2].eq_ignore_ascii_case(resource_type)
        })?;
        Some(ResourceId::from_segments(
            self.segments[..position + 4].to_vec(),
        ))
    }

    /// The virtual network this id is, or is inside of (subnets, peerings).
    pub fn virtual_network(&self) -> Option<ResourceId> {
        self.prefix_through("Microsoft.Network", "virtualNetworks")
    }

    /// The managed cluster this id is, or is inside of (agent pools).
    pub fn managed_cluster(&self) -> Option<ResourceId> {
        self.prefix_through("Microsoft.ContainerService", "managedClusters")
    }

    fn from_segments(segments: Vec<String>) -> ResourceId {
        ResourceId {
            text: format!("/{}", segments.join("/")),
            segments,
        }
    }
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        self.text.eq_ignore_ascii_case(&other.text)
    }
}

impl Eq for ResourceId {}

impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.to_ascii_lowercase().hash(state);
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl FromStr for ResourceId {
    type Err = AzureError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ResourceId::parse(text)
    }
}

impl AsRef<str> for ResourceId {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// Compares two ids (or any ARM strings) the way ARM does: ignoring ASCII case and a trailing slash.
pub fn ids_equal(left: &str, right: &str) -> bool {
    left.trim_end_matches('/')
        .eq_ignore_ascii_case(right.trim_end_matches('/'))
}

/// `/subscriptions/{sub}`.
pub fn subscription_id(subscription: &str) -> ResourceId {
    ResourceId::from_segments(vec!["subscriptions".into(), subscription.into()])
}

/// `/subscriptions/{sub}/resourceGroups/{rg}`.
pub fn resource_group_id(subscription: &str, resource_group: &str) -> ResourceId {
    subscription_id(subscription).child("resourceGroups", resource_group)
}

fn provider_resource(
    subscription: &str,
    resource_group: &str,
    namespace: &str,
    resource_type: &str,
    name: &str,
) -> ResourceId {
    resource_group_id(subscription, resource_group).extension(namespace, resource_type, name)
}

/// `…/providers/Microsoft.Network/virtualNetworks/{vnet}`.
pub fn virtual_network_id(subscription: &str, resource_group: &str, vnet: &str) -> ResourceId {
    provider_resource(
        subscription,
        resource_group,
        "Microsoft.Network",
        "virtualNetworks",
        vnet,
    )
}

/// `…/virtualNetworks/{vnet}/subnets/{subnet}`.
pub fn subnet_id(subscription: &str, resource_group: &str, vnet: &str, subnet: &str) -> ResourceId {
    virtual_network_id(subscription, resource_group, vnet).child("subnets", subnet)
}

/// `…/virtualNetworks/{vnet}/virtualNetworkPeerings/{peering}`.
pub fn virtual_network_peering_id(
    subscription: &str,
    resource_group: &str,
    vnet: &str,
    peering: &str,
) -> ResourceId {
    virtual_network_id(subscription, resource_group, vnet).child("virtualNetworkPeerings", peering)
}

/// `…/providers/Microsoft.ContainerService/managedClusters/{cluster}`.
pub fn managed_cluster_id(subscription: &str, resource_group: &str, cluster: &str) -> ResourceId {
    provider_resource(
        subscription,
        resource_group,
        "Microsoft.ContainerService",
        "managedClusters",
        cluster,
    )
}

/// `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}`.
pub fn role_definition_id(subscription: &str, role: &str) -> ResourceId {
    subscription_id(subscription).extension("Microsoft.Authorization", "roleDefinitions", role)
}

/// `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
pub fn role_assignment_id(scope: &ResourceId, name: &str) -> ResourceId {
    scope.extension("Microsoft.Authorization", "roleAssignments", name)
}

/// Deterministic role assignment name: UUIDv5 of scope, principal and role (case-insensitive),
/// so that re-running creates the same assignment instead of a duplicate.
pub fn role_assignment_name(scope: &str, principal_id: &str, role_definition_id: &str) -> Uuid {
    let key = format!(
        "aksmesh/roleAssignment/{}|{}|{}",
        scope.trim_end_matches('/').to_ascii_lowercase(),
        principal_id.trim().to_ascii_lowercase(),
        role_definition_id
            .trim_end_matches('/')
            .to_ascii_lowercase()
    );
    Uuid::new_v5(&Uuid::NAMESPACE_URL, key.as_bytes())
}

/// `…/providers/Microsoft.Cdn/profiles/{profile}` (Front Door Standard/Premium profile).
pub fn front_door_profile_id(
    subscription: &str,
    resource_group: &str,
    profile: &str,
) -> ResourceId {
    provider_resource(
        subscription,
        resource_group,
        "Microsoft.Cdn",
        "profiles",
        profile,
    )
}

/// `…/profiles/{profile}/afdEndpoints/{endpoint}`.
pub fn front_door_endpoint_id(
    subscription: &str,
    resource_group: &str,
    profile: &str,
    endpoint: &str,
) -> ResourceId {
    front_door_profile_id(subscription, resource_group, profile).child("afdEndpoints", endpoint)
}

/// `…/profiles/{profile}/originGroups/{group}`.
pub fn front_door_origin_group_id(
    subscription: &str,
    resource_group: &str,
    profile: &str,
    origin_group: &str,
) -> ResourceId {
    front_door_profile_id(subscription, resource_group, profile).child("originGroups", origin_group)
}

/// `…/profiles/{profile}/originGroups/{group}/origins/{origin}`.
pub fn front_door_origin_id(
    subscription: &str,
    resource_group: &str,
    profile: &str,
    origin_group: &str,
    origin: &str,
) -> ResourceId {
    front_door_origin_group_id(subscription, resource_group, profile, origin_group)
        .child("origins", origin)
}

/// `…/profiles/{profile}/afdEndpoints/{endpoint}/routes/{route}`.
pub fn front_door_route_id(
    subscription: &str,
    resource_group: &str,
    profile: &str,
    endpoint: &str,
    route: &str,
) -> ResourceId {
    front_door_endpoint_id(subscription, resource_group, profile, endpoint).child("routes", route)
}

/// `…/providers/Microsoft.ContainerService/fleets/{fleet}`.
pub fn fleet_id(subscription: &str, resource_group: &str, fleet: &str) -> ResourceId {
    provider_resource(
        subscription,
        resource_group,
        "Microsoft.ContainerService",
        "fleets",
        fleet,
    )
}

/// `…/fleets/{fleet}/members/{member}`.
pub fn fleet_member_id(
    subscription: &str,
    resource_group: &str,
    fleet: &str,
    member: &str,
) -> ResourceId {
    fleet_id(subscription, resource_group, fleet).child("members", member)
}

/// `…/fleets/{fleet}/clusterMeshProfiles/{profile}`.
pub fn cluster_mesh_profile_id(
    subscription: &str,
    resource_group: &str,
    fleet: &str,
    profile: &str,
) -> ResourceId {
    fleet_id(subscription, resource_group, fleet).child("clusterMeshProfiles", profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    #[test]
    fn parses_and_describes_ids() {
        let id = ResourceId::parse(
            "/subscriptions/S/resourcegroups/RG/providers/Microsoft.Network/virtualNetworks/vnet-weu/subnets/nodes/",
        )
        .unwrap();
        assert_eq!(id.subscription_id(), Some("S"));
        assert_eq!(id.resource_group(), Some("RG"));
        assert_eq!(id.provider_namespace(), "Microsoft.Network");
        assert_eq!(
            id.resource_type(),
            "Microsoft.Network/virtualNetworks/subnets"
        );
        assert_eq!(id.name(), "nodes");
        assert_eq!(
            id.parent().unwrap().as_str(),
            "/subscriptions/S/resourcegroups/RG/providers/Microsoft.Network/virtualNetworks/vnet-weu"
        );
        assert_eq!(
            id.parent().unwrap().parent().unwrap().as_str(),
            "/subscriptions/S/resourcegroups/RG"
        );
        assert_eq!(
            id.virtual_network().unwrap().as_str(),
            "/subscriptions/S/resourcegroups/RG/providers/Microsoft.Network/virtualNetworks/vnet-weu"
        );
        assert!(id.managed_cluster().is_none());

        let group = ResourceId::parse("/subscriptions/S/resourceGroups/rg").unwrap();
        assert_eq!(group.resource_type(), "Microsoft.Resources/resourceGroups");
        assert_eq!(group.parent().unwrap().as_str(), "/subscriptions/S");
        assert!(subscription_id("S").parent().is_none());
    }

    #[test]
    fn extension_resources() {
        let scope = subnet_id(SUB, "rg", "vnet", "nodes");
        let assignment = role_assignment_id(&scope, "abc");
        let parsed = ResourceId::parse(assignment.as_str()).unwrap();
        assert_eq!(
            parsed.resource_type(),
            "Microsoft.Authorization/roleAssignments"
        );
        assert_eq!(parsed.name(), "abc");
        assert_eq!(parsed.parent().unwrap(), scope);
        assert_eq!(
            parsed.virtual_network().unwrap(),
            virtual_network_id(SUB, "rg", "vnet")
        );
    }

    #[test]
    fn comparison_ignores_case() {
        let a = ResourceId::parse(
            "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Cdn/profiles/fd/afdEndpoints/E",
        )
        .unwrap();
        let b = ResourceId::parse(
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.cdn/profiles/fd/afdendpoints/e",
        )
        .unwrap();
        assert_eq!(a, b);
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
        assert!(ids_equal("/subscriptions/S/", "/SUBSCRIPTIONS/s"));
    }

    #[test]
    fn rejects_bad_ids() {
        for bad in [
            "",
            "subscriptions/x",
            "/subscriptions",
            "/subscriptions//resourceGroups/rg",
            "/subscriptions/x/resourceGroups",
            "/subscriptions/x/resourceGroups/rg/providers",
            "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network",
            "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks",
            "/subscriptions/x/foo/bar",
            "/subscriptions/x/resourceGroups/rg?api-version=1",
            "/tenants/x",
        ] {
            assert!(
                ResourceId::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn builders() {
        assert_eq!(
            resource_group_id(SUB, "rg").as_str(),
            format!("/subscriptions/{SUB}/resourceGroups/rg")
        );
        assert_eq!(
            virtual_network_peering_id(SUB, "rg", "a", "a-to-b").as_str(),
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/a/virtualNetworkPeerings/a-to-b")
        );
        assert_eq!(
            managed_cluster_id(SUB, "rg", "c1")
                .child("agentPools", "system")
                .managed_cluster(),
            Some(managed_cluster_id(SUB, "rg", "c1"))
        );
        assert_eq!(
            front_door_route_id(SUB, "rg", "fd", "ep", "r").as_str(),
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Cdn/profiles/fd/afdEndpoints/ep/routes/r")
        );
        assert_eq!(
            front_door_origin_id(SUB, "rg", "fd", "og", "o").resource_type(),
            "Microsoft.Cdn/profiles/originGroups/origins"
        );
        assert_eq!(
            cluster_mesh_profile_id(SUB, "rg", "fleet", "mesh").resource_type(),
            "Microsoft.ContainerService/fleets/clusterMeshProfiles"
        );
        assert_eq!(fleet_member_id(SUB, "rg", "fleet", "m").name(), "m");
        assert_eq!(
            role_definition_id(SUB, NETWORK_CONTRIBUTOR_ROLE).as_str(),
            format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{NETWORK_CONTRIBUTOR_ROLE}")
        );
        for id in [
            subnet_id(SUB, "rg", "v", "s"),
            front_door_endpoint_id(SUB, "rg", "fd", "e"),
            front_door_origin_group_id(SUB, "rg", "fd", "g"),
            fleet_id(SUB, "rg", "f"),
        ] {
            assert_eq!(ResourceId::parse(id.as_str()).unwrap(), id);
        }
    }

    #[test]
    fn role_assignment_names_are_deterministic() {
        let scope = subnet_id(SUB, "rg", "vnet", "nodes");
        let role = role_definition_id(SUB, NETWORK_CONTRIBUTOR_ROLE);
        let first = role_assignment_name(scope.as_str(), "principal-1", role.as_str());
        let again = role_assignment_name(
            &scope.as_str().to_uppercase(),
            "PRINCIPAL-1",
            &format!("{}/", role.as_str()),
        );
        assert_eq!(first, again);
        assert_eq!(first.get_version_num(), 5);
        assert_ne!(
            first,
            role_assignment_name(scope.as_str(), "principal-2", role.as_str())
        );
        assert_ne!(
            first,
            role_assignment_name(
                virtual_network_id(SUB, "rg", "vnet").as_str(),
                "principal-1",
                role.as_str()
            )
        );
        // Stable across releases: changing it would orphan existing assignments.
        assert_eq!(
            role_assignment_name("/subscriptions/s", "p", "r").to_string(),
            Uuid::new_v5(
                &Uuid::NAMESPACE_URL,
                b"aksmesh/roleAssignment//subscriptions/s|p|r"
            )
            .to_string()
        );
    }
}
