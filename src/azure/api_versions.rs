//! The api-versions aksmesh is pinned to (their schemas are kept in `shared/azure-schemas`).

/// `Microsoft.Resources/resourceGroups`.
pub const RESOURCE_GROUPS: &str = "2025-04-01";
/// `Microsoft.ContainerService/managedClusters` and `…/agentPools`.
pub const MANAGED_CLUSTERS: &str = "2026-05-01";
/// `Microsoft.Network/virtualNetworks`, `…/subnets`, `…/virtualNetworkPeerings`.
pub const NETWORK: &str = "2025-07-01";
/// `Microsoft.Cdn/profiles` and the Front Door children.
pub const CDN: &str = "2025-12-01";
/// `Microsoft.ContainerService/fleets`, `…/members`, `…/clusterMeshProfiles`.
pub const FLEET: &str = "2026-03-02-preview";
/// `Microsoft.Authorization/roleAssignments` (and role definitions).
pub const ROLE_ASSIGNMENTS: &str = "2022-04-01";
