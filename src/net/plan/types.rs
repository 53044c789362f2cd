//! The contract: what to plan ([`PlanRequest`], with its defaults) and the plan that comes back ([`AddressPlan`]).

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

/// Default range everything automatic is carved from.
pub const DEFAULT_BASE_CIDR: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8);
/// Default VNet size: `/14` (262,144 addresses), 8 VNets in the default pool.
pub const DEFAULT_VNET_PREFIX_LENGTH: u8 = 14;
/// Default overlay pod CIDR: `/13`, i.e. 2,048 nodes of one `/24` each.
pub const DEFAULT_POD_CIDR_PREFIX_LENGTH: u8 = 13;
/// Default node subnet: `/16`.
pub const DEFAULT_NODE_SUBNET_PREFIX_LENGTH: u8 = 16;
/// Default pod subnet (flat pod networking): `/16`.
pub const DEFAULT_POD_SUBNET_PREFIX_LENGTH: u8 = 16;
/// The DNS service IP is the service network address plus this offset (AKS convention: `x.x.0.10`).
pub const DNS_SERVICE_IP_OFFSET: u32 = 10;

/// One region to plan. `None` ranges are assigned automatically from the pools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionRequest {
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnet_cidr: Option<Ipv4Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<Ipv4Net>,
}

impl RegionRequest {
    /// A region whose ranges are all assigned automatically.
    pub fn new(location: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            vnet_cidr: None,
            pod_cidr: None,
        }
    }
}

/// What to plan. Region order matters: region `i` gets pool slot `i`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanRequest {
    pub regions: Vec<RegionRequest>,
    #[serde(default = "default_base_cidr")]
    pub base_cidr: Ipv4Net,
    #[serde(default = "default_vnet_prefix_length")]
    pub vnet_prefix_length: u8,
    #[serde(default = "default_pod_cidr_prefix_length")]
    pub pod_cidr_prefix_length: u8,
    #[serde(default = "default_node_subnet_prefix_length")]
    pub node_subnet_prefix_length: u8,
    #[serde(default = "default_pod_subnet_prefix_length")]
    pub pod_subnet_prefix_length: u8,
    /// Shared by every cluster; computed from `base_cidr` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<Ipv4Net>,
}

fn default_base_cidr() -> Ipv4Net {
    DEFAULT_BASE_CIDR
}
fn default_vnet_prefix_length() -> u8 {
    DEFAULT_VNET_PREFIX_LENGTH
}
fn default_pod_cidr_prefix_length() -> u8 {
    DEFAULT_POD_CIDR_PREFIX_LENGTH
}
fn default_node_subnet_prefix_length() -> u8 {
    DEFAULT_NODE_SUBNET_PREFIX_LENGTH
}
fn default_pod_subnet_prefix_length() -> u8 {
    DEFAULT_POD_SUBNET_PREFIX_LENGTH
}

impl PlanRequest {
    /// A request with every setting at its default.
    pub fn new(regions: Vec<RegionRequest>) -> Self {
        Self {
            regions,
            base_cidr: DEFAULT_BASE_CIDR,
            vnet_prefix_length: DEFAULT_VNET_PREFIX_LENGTH,
            pod_cidr_prefix_length: DEFAULT_POD_CIDR_PREFIX_LENGTH,
            node_subnet_prefix_length: DEFAULT_NODE_SUBNET_PREFIX_LENGTH,
            pod_subnet_prefix_length: DEFAULT_POD_SUBNET_PREFIX_LENGTH,
            service_cidr: None,
        }
    }

    /// A request with default settings and fully automatic regions at these locations.
    pub fn for_locations<I, S>(locations: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(locations.into_iter().map(RegionRequest::new).collect())
    }
}

impl Default for PlanRequest {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

/// The ranges of one region, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionPlan {
    pub location: String,
    pub vnet_cidr: Ipv4Net,
    /// First subnet of the VNet; AKS nodes live here.
    pub node_subnet_cidr: Ipv4Net,
    /// Subnet after the node subnet; pods live here with flat pod networking.
    pub pod_subnet_cidr: Ipv4Net,
    /// Overlay pod CIDR (outside every VNet); used with Azure CNI Overlay and BYO CNI.
    pub pod_cidr: Ipv4Net,
}

/// A complete, pairwise non-overlapping address plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressPlan {
    pub regions: Vec<RegionPlan>,
    /// Shared by every cluster (cluster-local, so reuse is fine) and outside every VNet and pod CIDR.
    pub service_cidr: Ipv4Net,
    pub dns_service_ip: Ipv4Addr,
}
