//! Why a request cannot be planned: [`PlanError`], whose messages name the property, its value and the fix.

use ipnet::Ipv4Net;
use thiserror::Error;

use super::limits::SMALLEST_BASE_PREFIX_LENGTH;

/// The longest VNet prefix that holds a node subnet and a pod subnet of these lengths.
pub fn longest_vnet_prefix_for(node_subnet_prefix_length: u8, pod_subnet_prefix_length: u8) -> u8 {
    node_subnet_prefix_length
        .min(pod_subnet_prefix_length)
        .saturating_sub(1)
}

/// Which per-region pool ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Vnet,
    PodCidr,
}

impl PoolKind {
    fn noun(self) -> &'static str {
        match self {
            PoolKind::Vnet => "VNet",
            PoolKind::PodCidr => "overlay pod CIDR",
        }
    }

    pub fn region_field(self) -> &'static str {
        match self {
            PoolKind::Vnet => "vnetCidr",
            PoolKind::PodCidr => "podCidr",
        }
    }

    pub fn prefix_field(self) -> &'static str {
        match self {
            PoolKind::Vnet => "vnetPrefixLength",
            PoolKind::PodCidr => "podCidrPrefixLength",
        }
    }
}

impl std::fmt::Display for PoolKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.noun())
    }
}

/// Why a request cannot be planned. Messages name the offending property, its value and what to change;
/// [`PlanError::field`] gives the property path for a Pulumi `CheckFailure`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("regions is empty: list at least one region, e.g. {{ location: \"westeurope\" }}")]
    NoRegions,

    #[error(
        "regions[{index}].location is empty: set it to an Azure region name such as \"westeurope\""
    )]
    EmptyLocation { index: usize },

    #[error(
        "regions[{index}].location {location:?} repeats regions[{first_index}].location {first_location:?}: \
         aksmesh deploys one cluster per region, so list each location once"
    )]
    DuplicateLocation {
        index: usize,
        location: String,
        first_index: usize,
        first_location: String,
    },

    #[error("{field} {network} has host bits set; did you mean {suggestion}?")]
    HostBitsSet {
        field: String,
        network: Ipv4Net,
        suggestion: Ipv4Net,
    },

    #[error(
        "baseCidr {base_cidr} is too small: VNets and overlay pod CIDRs come from eighths of it and a pod CIDR needs \
         at least a /24, so use a /{SMALLEST_BASE_PREFIX_LENGTH} or larger range such as 10.0.0.0/8"
    )]
    BaseCidrTooSmall { base_cidr: Ipv4Net },

    #[error("{field} is {value} but must be between {minimum} and {maximum}: {reason}")]
    PrefixLengthOutOfRange {
        field: &'static str,
        value: u8,
        minimum: u8,
        maximum: u8,
        reason: String,
    },

    #[error(
        "regions[{index}].vnetCidr {vnet_cidr} ({location}) is too small for a /{node_subnet_prefix_length} node \
         subnet and a /{pod_subnet_prefix_length} pod subnet; use a /{largest_fitting_prefix_length} or larger VNet, \
         or raise nodeSubnetPrefixLength and podSubnetPrefixLength above {vnet_prefix_length}",
        vnet_prefix_length = vnet_cidr.prefix_len(),
        largest_fitting_prefix_length = longest_vnet_prefix_for(*node_subnet_prefix_length, *pod_subnet_prefix_length)
    )]
    VnetTooSmall {
        index: usize,
        location: String,
        vnet_cidr: Ipv4Net,
        node_subnet_prefix_length: u8,
        pod_subnet_prefix_length: u8,
    },

    #[error(
        "regions[{index}].podCidr {pod_cidr} ({location}) is smaller than /24: Azure CNI Overlay gives every node a \
         /24 of the pod CIDR, so use /24 or larger (a /13 holds 2,048 nodes)"
    )]
    PodCidrTooSmall {
        index: usize,
        location: String,
        pod_cidr: Ipv4Net,
    },

    #[error(
        "{subject} overlaps the reserved range {reserved}; AKS forbids 169.254.0.0/16, 172.30.0.0/16, \
         172.31.0.0/16 and 192.0.2.0/24 for VNet, pod and service ranges, so choose a range outside them{advice}"
    )]
    ReservedOverlap {
        field: String,
        subject: String,
        reserved: Ipv4Net,
        advice: String,
    },

    #[error(
        "serviceCidr {service_cidr} is too large: AKS requires a service range smaller than /12, so use a /13 or \
         smaller range such as 10.96.0.0/16"
    )]
    ServiceCidrTooLarge { service_cidr: Ipv4Net },

    #[error(
        "serviceCidr {service_cidr} is too small: the DNS service IP is its address + 10 and must not be its last \
         address, so use a /28 or larger range such as 10.96.0.0/16"
    )]
    ServiceCidrTooSmall { service_cidr: Ipv4Net },

    #[error("{subject} overlaps {other}; {advice}")]
    Overlap {
        field: String,
        subject: String,
        other: String,
        advice: String,
    },

    #[error(
        "regions[{index}] ({location}) needs an automatic {kind} but the {kind} pool {pool} holds only {capacity} \
         /{prefix_length} slots and region i takes slot i (or the next free one), so at most {capacity} regions fit \
         (fewer when explicit ranges occupy slots); {advice}"
    )]
    PoolExhausted {
        index: usize,
        location: String,
        kind: PoolKind,
        pool: String,
        prefix_length: u8,
        capacity: u64,
        advice: String,
    },
}

impl PlanError {
    /// Property path of the input to fix, e.g. `regions[2].vnetCidr`, `baseCidr` or `vnetPrefixLength`.
    pub fn field(&self) -> String {
        match self {
            PlanError::NoRegions | PlanError::PoolExhausted { .. } => "regions".to_string(),
            PlanError::EmptyLocation { index } | PlanError::DuplicateLocation { index, .. } => {
                format!("regions[{index}].location")
            }
            PlanError::HostBitsSet { field, .. }
            | PlanError::ReservedOverlap { field, .. }
            | PlanError::Overlap { field, .. } => field.clone(),
            PlanError::BaseCidrTooSmall { .. } => "baseCidr".to_string(),
            PlanError::PrefixLengthOutOfRange { field, .. } => (*field).to_string(),
            PlanError::VnetTooSmall { index, .. } => format!("regions[{index}].vnetCidr"),
            PlanError::PodCidrTooSmall { index, .. } => format!("regions[{index}].podCidr"),
            PlanError::ServiceCidrTooLarge { .. } | PlanError::ServiceCidrTooSmall { .. } => {
                "serviceCidr".to_string()
            }
        }
    }
}
