//! Pure address-space logic: strict IPv4 CIDR helpers ([`cidr`]) and the multi-region address plan ([`plan`]).
//!
//! Nothing here touches the network or Azure, so `Check` can validate a whole mesh before any API call.

pub mod cidr;
pub mod plan;

#[cfg(test)]
mod proptests;

pub use cidr::{
    check_dns_service_ip, contains, find_overlaps, is_expansion, overlaps, parse_cidr, parse_ip,
    reserved_overlap, CidrError, DnsServiceIpError, RESERVED,
};
pub use plan::{
    longest_vnet_prefix_for, plan_address_space, AddressPlan, PlanError, PlanRequest, PoolKind,
    RegionPlan, RegionRequest, DEFAULT_BASE_CIDR, DEFAULT_NODE_SUBNET_PREFIX_LENGTH,
    DEFAULT_POD_CIDR_PREFIX_LENGTH, DEFAULT_POD_SUBNET_PREFIX_LENGTH, DEFAULT_VNET_PREFIX_LENGTH,
    DNS_SERVICE_IP_OFFSET,
};
