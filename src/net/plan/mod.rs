//! Address-space planning: one VNet, node subnet, pod subnet and overlay pod CIDR per region, plus one service
//! CIDR shared by every cluster.
//!
//! # Layout
//!
//! Everything automatic comes from `baseCidr` (default `10.0.0.0/8`), cut into eighths:
//!
//! | Eighths of `baseCidr` | Use                                    | Default (`10.0.0.0/8`)          |
//! |-----------------------|----------------------------------------|---------------------------------|
//! | 0                     | VNet pool (slots of `vnetPrefixLength`) | `10.0.0.0/11`: 8 × `/14`        |
//! | 1–2                   | overlay pod CIDR pool (slots of `podCidrPrefixLength`) | `10.32.0.0/11` + `10.64.0.0/11`: 8 × `/13` |
//! | 3                     | service CIDR at its start               | `10.96.0.0/16`, DNS `10.96.0.10` |
//! | 4–7                   | unused, free for explicit ranges        | `10.128.0.0/9`                  |
//!
//! * The service CIDR prefix length is `clamp(base prefix + 8, 16, 28)`: a `/16` (65,536 service IPs) for bases of
//!   `/8` or larger, one 256th of smaller bases, and never smaller than `/28` so the DNS service IP (network address
//!   + 10) is neither its first nor its last address. It is always inside eighth 3 and smaller than AKS's `/12` limit.
//! * Each VNet holds the node subnet (its first subnet of `nodeSubnetPrefixLength`) and then the pod subnet (the next
//!   aligned subnet of `podSubnetPrefixLength`, used only by flat pod networking).
//!
//! # Slots and stability
//!
//! Regions are processed in request order. A region without an explicit range takes pool slot `i` (its index) or, if
//! that slot overlaps a range already given to an earlier region, to this region, or to an explicit `serviceCidr`,
//! the next free slot after it. A region's ranges therefore depend only on the regions before it: appending a region
//! never moves existing ones, and an explicit range can shift later regions' automatic slots only if it overlaps
//! them. An explicit range that overlaps an *earlier* region's automatic range is refused rather than moving that
//! region (moving it would replace a live VNet or cluster).

use std::collections::HashMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::cidr;

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

/// Azure's smallest IPv4 subnet.
const SMALLEST_SUBNET_PREFIX_LENGTH: u8 = 29;
/// Azure CNI Overlay gives every node a `/24` of the pod CIDR, so a pod CIDR must hold at least one.
const SMALLEST_POD_CIDR_PREFIX_LENGTH: u8 = 24;
/// AKS: the service CIDR must be smaller than `/12`.
const LARGEST_SERVICE_PREFIX_LENGTH: u8 = 13;
/// The DNS service IP at offset 10 must be neither the network nor the broadcast address.
const SMALLEST_SERVICE_PREFIX_LENGTH: u8 = 28;
/// Pools are eighths of the base and a pod CIDR (at most `/24`) must fit in one eighth.
const SMALLEST_BASE_PREFIX_LENGTH: u8 = SMALLEST_POD_CIDR_PREFIX_LENGTH - 3;

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

    fn region_field(self) -> &'static str {
        match self {
            PoolKind::Vnet => "vnetCidr",
            PoolKind::PodCidr => "podCidr",
        }
    }

    fn prefix_field(self) -> &'static str {
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
        largest_fitting_prefix_length = (*node_subnet_prefix_length).min(*pod_subnet_prefix_length).saturating_sub(1)
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

/// Plans every region's ranges; see the module documentation for the layout and the stability rules.
pub fn plan_address_space(request: &PlanRequest) -> Result<AddressPlan, PlanError> {
    validate_regions(&request.regions)?;
    let layout = Layout::new(request.base_cidr)?;
    validate_prefix_lengths(request, &layout)?;
    if let Some(service_cidr) = request.service_cidr {
        validate_explicit_service(service_cidr)?;
    }
    for (index, region) in request.regions.iter().enumerate() {
        validate_explicit_region(request, index, region)?;
    }
    validate_layout_avoids_reserved(request, &layout)?;

    let service_cidr = match request.service_cidr {
        Some(service_cidr) => service_cidr,
        None => layout.service_cidr()?,
    };
    let service_origin = if request.service_cidr.is_some() {
        Origin::Explicit
    } else {
        Origin::Computed
    };
    let service_entry = RangeEntry {
        field: "serviceCidr".to_string(),
        location: None,
        network: service_cidr,
        origin: service_origin,
    };

    // Refuse overlapping explicit ranges before allocating, so the error names the two ranges the user wrote.
    let mut explicit_entries: Vec<RangeEntry> = Vec::new();
    if request.service_cidr.is_some() {
        explicit_entries.push(service_entry.clone());
    }
    for (index, region) in request.regions.iter().enumerate() {
        if let Some(vnet_cidr) = region.vnet_cidr {
            explicit_entries.push(region_entry(
                index,
                region,
                "vnetCidr",
                vnet_cidr,
                Origin::Explicit,
            ));
        }
        if let Some(pod_cidr) = region.pod_cidr {
            explicit_entries.push(region_entry(
                index,
                region,
                "podCidr",
                pod_cidr,
                Origin::Explicit,
            ));
        }
    }
    check_pairwise(&explicit_entries)?;

    let vnet_pool = layout.pool(PoolKind::Vnet, request.vnet_prefix_length);
    let pod_pool = layout.pool(PoolKind::PodCidr, request.pod_cidr_prefix_length);
    let mut entries = vec![service_entry];
    let mut plans = Vec::with_capacity(request.regions.len());
    for (index, region) in request.regions.iter().enumerate() {
        // Automatic slots avoid everything decided so far: earlier regions, the service range, and this
        // region's own explicit ranges. Later regions are not consulted, which keeps earlier regions stable.
        let vnet_cidr = match region.vnet_cidr {
            Some(vnet_cidr) => vnet_cidr,
            None => {
                let mut blockers: Vec<Ipv4Net> =
                    entries.iter().map(|entry| entry.network).collect();
                blockers.extend(region.pod_cidr);
                vnet_pool
                    .allocate(index, &blockers)
                    .ok_or_else(|| vnet_pool.exhausted(request, index, region))?
            }
        };
        let vnet_origin = origin_of(region.vnet_cidr);
        entries.push(region_entry(
            index,
            region,
            "vnetCidr",
            vnet_cidr,
            vnet_origin,
        ));

        let pod_cidr = match region.pod_cidr {
            Some(pod_cidr) => pod_cidr,
            None => {
                let blockers: Vec<Ipv4Net> = entries.iter().map(|entry| entry.network).collect();
                pod_pool
                    .allocate(index, &blockers)
                    .ok_or_else(|| pod_pool.exhausted(request, index, region))?
            }
        };
        entries.push(region_entry(
            index,
            region,
            "podCidr",
            pod_cidr,
            origin_of(region.pod_cidr),
        ));

        let (node_subnet_cidr, pod_subnet_cidr) = subnets(
            vnet_cidr,
            request.node_subnet_prefix_length,
            request.pod_subnet_prefix_length,
        )
        .ok_or_else(|| PlanError::VnetTooSmall {
            index,
            location: region.location.clone(),
            vnet_cidr,
            node_subnet_prefix_length: request.node_subnet_prefix_length,
            pod_subnet_prefix_length: request.pod_subnet_prefix_length,
        })?;
        plans.push(RegionPlan {
            location: region.location.clone(),
            vnet_cidr,
            node_subnet_cidr,
            pod_subnet_cidr,
            pod_cidr,
        });
    }
    // Catches explicit ranges that overlap an earlier region's automatic range or the computed service range.
    check_pairwise(&entries)?;

    let dns_service_ip =
        dns_service_ip(service_cidr).ok_or(PlanError::ServiceCidrTooSmall { service_cidr })?;
    if cidr::check_dns_service_ip(service_cidr, dns_service_ip).is_err() {
        return Err(PlanError::ServiceCidrTooSmall { service_cidr });
    }
    Ok(AddressPlan {
        regions: plans,
        service_cidr,
        dns_service_ip,
    })
}

fn origin_of(explicit: Option<Ipv4Net>) -> Origin {
    if explicit.is_some() {
        Origin::Explicit
    } else {
        Origin::Automatic
    }
}

fn validate_regions(regions: &[RegionRequest]) -> Result<(), PlanError> {
    if regions.is_empty() {
        return Err(PlanError::NoRegions);
    }
    let mut first_index_by_location: HashMap<String, usize> = HashMap::new();
    for (index, region) in regions.iter().enumerate() {
        let key = crate::regions::canonical(&region.location);
        if key.is_empty() {
            return Err(PlanError::EmptyLocation { index });
        }
        if let Some(&first_index) = first_index_by_location.get(&key) {
            return Err(PlanError::DuplicateLocation {
                index,
                location: region.location.clone(),
                first_index,
                first_location: regions[first_index].location.clone(),
            });
        }
        first_index_by_location.insert(key, index);
    }
    Ok(())
}

fn check_host_bits(field: impl Into<String>, network: Ipv4Net) -> Result<(), PlanError> {
    if network.trunc() != network {
        return Err(PlanError::HostBitsSet {
            field: field.into(),
            network,
            suggestion: network.trunc(),
        });
    }
    Ok(())
}

fn check_prefix_length(
    field: &'static str,
    value: u8,
    minimum: u8,
    maximum: u8,
    reason: impl FnOnce() -> String,
) -> Result<(), PlanError> {
    if value < minimum || value > maximum {
        return Err(PlanError::PrefixLengthOutOfRange {
            field,
            value,
            minimum,
            maximum,
            reason: reason(),
        });
    }
    Ok(())
}

fn validate_prefix_lengths(request: &PlanRequest, layout: &Layout) -> Result<(), PlanError> {
    let base_cidr = request.base_cidr;
    let eighth_prefix_length = layout.eighth_prefix_length;
    check_prefix_length(
        "vnetPrefixLength",
        request.vnet_prefix_length,
        eighth_prefix_length,
        SMALLEST_SUBNET_PREFIX_LENGTH - 1,
        || {
            format!(
                "VNets come from the VNet pool, the first eighth (a /{eighth_prefix_length}) of baseCidr {base_cidr}, \
                 and each VNet must hold a node subnet and a pod subnet of at least /{SMALLEST_SUBNET_PREFIX_LENGTH} \
                 (Azure's smallest subnet)"
            )
        },
    )?;
    let vnet_prefix_length = request.vnet_prefix_length;
    let subnet_reason = || {
        format!(
            "the node subnet and the pod subnet must both fit in a /{vnet_prefix_length} VNet (vnetPrefixLength), \
             and Azure's smallest subnet is /{SMALLEST_SUBNET_PREFIX_LENGTH}"
        )
    };
    check_prefix_length(
        "nodeSubnetPrefixLength",
        request.node_subnet_prefix_length,
        vnet_prefix_length + 1,
        SMALLEST_SUBNET_PREFIX_LENGTH,
        subnet_reason,
    )?;
    check_prefix_length(
        "podSubnetPrefixLength",
        request.pod_subnet_prefix_length,
        vnet_prefix_length + 1,
        SMALLEST_SUBNET_PREFIX_LENGTH,
        subnet_reason,
    )?;
    check_prefix_length(
        "podCidrPrefixLength",
        request.pod_cidr_prefix_length,
        eighth_prefix_length,
        SMALLEST_POD_CIDR_PREFIX_LENGTH,
        || {
            format!(
                "overlay pod CIDRs come from the pod pool, the second and third eighths (each a \
                 /{eighth_prefix_length}) of baseCidr {base_cidr}, and Azure CNI Overlay gives every node a /24 of it"
            )
        },
    )
}

fn validate_explicit_service(service_cidr: Ipv4Net) -> Result<(), PlanError> {
    check_host_bits("serviceCidr", service_cidr)?;
    if service_cidr.prefix_len() < LARGEST_SERVICE_PREFIX_LENGTH {
        return Err(PlanError::ServiceCidrTooLarge { service_cidr });
    }
    if service_cidr.prefix_len() > SMALLEST_SERVICE_PREFIX_LENGTH {
        return Err(PlanError::ServiceCidrTooSmall { service_cidr });
    }
    check_reserved(
        "serviceCidr",
        format!("serviceCidr {service_cidr}"),
        service_cidr,
        "",
    )
}

fn validate_explicit_region(
    request: &PlanRequest,
    index: usize,
    region: &RegionRequest,
) -> Result<(), PlanError> {
    let location = &region.location;
    if let Some(vnet_cidr) = region.vnet_cidr {
        let field = format!("regions[{index}].vnetCidr");
        check_host_bits(field.clone(), vnet_cidr)?;
        let smallest_subnet = request
            .node_subnet_prefix_length
            .min(request.pod_subnet_prefix_length);
        if vnet_cidr.prefix_len() >= smallest_subnet {
            return Err(PlanError::VnetTooSmall {
                index,
                location: location.clone(),
                vnet_cidr,
                node_subnet_prefix_length: request.node_subnet_prefix_length,
                pod_subnet_prefix_length: request.pod_subnet_prefix_length,
            });
        }
        check_reserved(
            field.clone(),
            format!("{field} {vnet_cidr} ({location})"),
            vnet_cidr,
            "",
        )?;
    }
    if let Some(pod_cidr) = region.pod_cidr {
        let field = format!("regions[{index}].podCidr");
        check_host_bits(field.clone(), pod_cidr)?;
        if pod_cidr.prefix_len() > SMALLEST_POD_CIDR_PREFIX_LENGTH {
            return Err(PlanError::PodCidrTooSmall {
                index,
                location: location.clone(),
                pod_cidr,
            });
        }
        check_reserved(
            field.clone(),
            format!("{field} {pod_cidr} ({location})"),
            pod_cidr,
            "",
        )?;
    }
    Ok(())
}

fn check_reserved(
    field: impl Into<String>,
    subject: String,
    network: Ipv4Net,
    advice: &str,
) -> Result<(), PlanError> {
    match cidr::reserved_overlap(network) {
        Some(reserved) => Err(PlanError::ReservedOverlap {
            field: field.into(),
            subject,
            reserved,
            advice: advice.to_string(),
        }),
        None => Ok(()),
    }
}

/// Only the parts of the base that are actually allocated from must avoid the reserved ranges, so a base such as
/// `172.16.0.0/12` (whose reserved `172.30.0.0/15` lies in an unused eighth) stays usable.
fn validate_layout_avoids_reserved(
    request: &PlanRequest,
    layout: &Layout,
) -> Result<(), PlanError> {
    let base_cidr = request.base_cidr;
    let advice = " (e.g. baseCidr 10.0.0.0/8), or set the affected ranges explicitly";
    let mut areas: Vec<(&str, Ipv4Net)> = Vec::new();
    if request
        .regions
        .iter()
        .any(|region| region.vnet_cidr.is_none())
    {
        areas.extend(layout.eighth(0).map(|area| ("VNet pool", area)));
    }
    if request
        .regions
        .iter()
        .any(|region| region.pod_cidr.is_none())
    {
        areas.extend(layout.eighth(1).map(|area| ("overlay pod CIDR pool", area)));
        areas.extend(layout.eighth(2).map(|area| ("overlay pod CIDR pool", area)));
    }
    if request.service_cidr.is_none() {
        areas.extend(
            layout
                .service_cidr()
                .ok()
                .map(|area| ("computed serviceCidr", area)),
        );
    }
    for (name, area) in areas {
        check_reserved(
            "baseCidr",
            format!("baseCidr {base_cidr}: its {name} {area}"),
            area,
            advice,
        )?;
    }
    Ok(())
}

/// The node subnet (first subnet of the VNet) and the pod subnet (next aligned subnet after it).
fn subnets(
    vnet_cidr: Ipv4Net,
    node_subnet_prefix_length: u8,
    pod_subnet_prefix_length: u8,
) -> Option<(Ipv4Net, Ipv4Net)> {
    if node_subnet_prefix_length <= vnet_cidr.prefix_len()
        || pod_subnet_prefix_length <= vnet_cidr.prefix_len()
    {
        return None;
    }
    let vnet_start = cidr::start(vnet_cidr);
    let node_subnet = network_at(vnet_start, node_subnet_prefix_length)?;
    let pod_subnet_start = align_up(
        cidr::end(node_subnet) + 1,
        block_size(pod_subnet_prefix_length),
    );
    let pod_subnet = network_at(pod_subnet_start, pod_subnet_prefix_length)?;
    (cidr::contains(vnet_cidr, node_subnet) && cidr::contains(vnet_cidr, pod_subnet))
        .then_some((node_subnet, pod_subnet))
}

fn dns_service_ip(service_cidr: Ipv4Net) -> Option<Ipv4Addr> {
    let address = cidr::start(service_cidr) + u64::from(DNS_SERVICE_IP_OFFSET);
    u32::try_from(address).ok().map(Ipv4Addr::from)
}

/// Number of addresses in a range of this prefix length (up to 2^32, hence `u64`).
fn block_size(prefix_length: u8) -> u64 {
    1u64 << (32 - u32::from(prefix_length.min(32)))
}

fn align_up(address: u64, size: u64) -> u64 {
    address.div_ceil(size) * size
}

fn network_at(address: u64, prefix_length: u8) -> Option<Ipv4Net> {
    let address = u32::try_from(address).ok()?;
    Ipv4Net::new(Ipv4Addr::from(address), prefix_length).ok()
}

/// The base range cut into eighths.
struct Layout {
    base_cidr: Ipv4Net,
    eighth_prefix_length: u8,
}

impl Layout {
    fn new(base_cidr: Ipv4Net) -> Result<Self, PlanError> {
        check_host_bits("baseCidr", base_cidr)?;
        if base_cidr.prefix_len() > SMALLEST_BASE_PREFIX_LENGTH {
            return Err(PlanError::BaseCidrTooSmall { base_cidr });
        }
        Ok(Self {
            base_cidr,
            eighth_prefix_length: base_cidr.prefix_len() + 3,
        })
    }

    fn eighth_start(&self, eighth: u64) -> u64 {
        cidr::start(self.base_cidr) + eighth * block_size(self.eighth_prefix_length)
    }

    fn eighth(&self, eighth: u64) -> Option<Ipv4Net> {
        network_at(self.eighth_start(eighth), self.eighth_prefix_length)
    }

    /// `clamp(base prefix + 8, 16, 28)` at the start of eighth 3; see the module documentation.
    fn service_cidr(&self) -> Result<Ipv4Net, PlanError> {
        let prefix_length =
            (self.base_cidr.prefix_len() + 8).clamp(16, SMALLEST_SERVICE_PREFIX_LENGTH);
        network_at(self.eighth_start(3), prefix_length).ok_or(PlanError::BaseCidrTooSmall {
            base_cidr: self.base_cidr,
        })
    }

    fn pool(&self, kind: PoolKind, prefix_length: u8) -> Pool {
        let (first_eighth, eighths) = match kind {
            PoolKind::Vnet => (0, 1),
            PoolKind::PodCidr => (1, 2),
        };
        let description = (first_eighth..first_eighth + eighths)
            .filter_map(|eighth| self.eighth(eighth).map(|area| area.to_string()))
            .collect::<Vec<_>>()
            .join(" + ");
        let which_eighths = match kind {
            PoolKind::Vnet => "the first eighth",
            PoolKind::PodCidr => "the second and third eighths",
        };
        Pool {
            kind,
            start: self.eighth_start(first_eighth),
            length: eighths * block_size(self.eighth_prefix_length),
            prefix_length,
            description: format!(
                "{description} ({which_eighths} of baseCidr {})",
                self.base_cidr
            ),
            base_cidr: self.base_cidr,
        }
    }
}

/// A contiguous, slot-aligned run of addresses handed out in slots of one prefix length.
struct Pool {
    kind: PoolKind,
    start: u64,
    length: u64,
    prefix_length: u8,
    description: String,
    base_cidr: Ipv4Net,
}

impl Pool {
    fn capacity(&self) -> u64 {
        self.length / block_size(self.prefix_length)
    }

    /// Slot `first_slot`, or the first later slot that overlaps none of `blockers`.
    fn allocate(&self, first_slot: usize, blockers: &[Ipv4Net]) -> Option<Ipv4Net> {
        let slot_size = block_size(self.prefix_length);
        let first_slot = u64::try_from(first_slot).ok()?;
        if first_slot >= self.capacity() {
            return None;
        }
        let pool_end = self.start + self.length;
        let mut candidate_start = self.start + first_slot * slot_size;
        // Each step jumps past one blocker and never returns to it, so this ends after at most
        // `blockers.len() + 1` steps whatever the pool size.
        loop {
            if candidate_start + slot_size > pool_end {
                return None;
            }
            let candidate = network_at(candidate_start, self.prefix_length)?;
            let furthest_blocker_end = blockers
                .iter()
                .filter(|blocker| cidr::overlaps(candidate, **blocker))
                .map(|blocker| cidr::end(*blocker))
                .max();
            match furthest_blocker_end {
                None => return Some(candidate),
                Some(blocker_end) => candidate_start = align_up(blocker_end + 1, slot_size),
            }
        }
    }

    fn exhausted(&self, request: &PlanRequest, index: usize, region: &RegionRequest) -> PlanError {
        let kind = self.kind;
        let capacity = self.capacity();
        let mut options = Vec::new();
        let longer_prefix_length = self.prefix_length + 1;
        let longest_allowed = match kind {
            PoolKind::Vnet => SMALLEST_SUBNET_PREFIX_LENGTH - 1,
            PoolKind::PodCidr => SMALLEST_POD_CIDR_PREFIX_LENGTH,
        };
        if longer_prefix_length <= longest_allowed {
            let mut option = format!(
                "raise {} to {longer_prefix_length} ({} slots)",
                kind.prefix_field(),
                capacity * 2
            );
            if kind == PoolKind::Vnet {
                let shortest_subnet = request
                    .node_subnet_prefix_length
                    .min(request.pod_subnet_prefix_length);
                if shortest_subnet <= longer_prefix_length {
                    option.push_str(&format!(
                        " together with nodeSubnetPrefixLength and podSubnetPrefixLength (at least {})",
                        longer_prefix_length + 1
                    ));
                }
            }
            options.push(option);
        }
        if let Some(larger_base) = self.base_cidr.supernet() {
            options.push(format!("use a larger baseCidr such as {larger_base}"));
        }
        options.push(format!(
            "set regions[{index}].{} explicitly",
            kind.region_field()
        ));
        PlanError::PoolExhausted {
            index,
            location: region.location.clone(),
            kind,
            pool: self.description.clone(),
            prefix_length: self.prefix_length,
            capacity,
            advice: options.join(", or "),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Explicit,
    Automatic,
    Computed,
}

#[derive(Debug, Clone)]
struct RangeEntry {
    field: String,
    location: Option<String>,
    network: Ipv4Net,
    origin: Origin,
}

impl RangeEntry {
    fn describe(&self) -> String {
        let origin = match self.origin {
            Origin::Explicit => None,
            Origin::Automatic => Some("assigned automatically"),
            Origin::Computed => Some("computed from baseCidr"),
        };
        let details: Vec<&str> = self.location.as_deref().into_iter().chain(origin).collect();
        if details.is_empty() {
            format!("{} {}", self.field, self.network)
        } else {
            format!("{} {} ({})", self.field, self.network, details.join(", "))
        }
    }
}

fn region_entry(
    index: usize,
    region: &RegionRequest,
    property: &str,
    network: Ipv4Net,
    origin: Origin,
) -> RangeEntry {
    RangeEntry {
        field: format!("regions[{index}].{property}"),
        location: Some(region.location.clone()),
        network,
        origin,
    }
}

/// Reports the first overlapping pair, blaming the later range if the user wrote it, otherwise the earlier one
/// (an automatic range never overlaps anything before it).
fn check_pairwise(entries: &[RangeEntry]) -> Result<(), PlanError> {
    for (later_index, later) in entries.iter().enumerate() {
        for earlier in &entries[..later_index] {
            if !cidr::overlaps(earlier.network, later.network) {
                continue;
            }
            let (subject, other) = if later.origin == Origin::Explicit {
                (later, earlier)
            } else {
                (earlier, later)
            };
            let advice = match other.origin {
                Origin::Explicit => "change one of them; VNets, pod CIDRs and the service CIDR must not overlap".to_string(),
                Origin::Automatic => format!(
                    "automatic ranges are assigned in region order and never move, so choose a {} outside it",
                    subject.field
                ),
                Origin::Computed => format!(
                    "choose a {} outside it, or set serviceCidr explicitly to a range outside every VNet and pod CIDR",
                    subject.field
                ),
            };
            return Err(PlanError::Overlap {
                field: subject.field.clone(),
                subject: subject.describe(),
                other: other.describe(),
                advice,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Ipv4Net {
        text.parse().unwrap()
    }

    fn default_request(count: usize) -> PlanRequest {
        PlanRequest::for_locations((0..count).map(|index| format!("region{index}")))
    }

    fn plan_error(request: &PlanRequest) -> PlanError {
        plan_address_space(request).unwrap_err()
    }

    fn assert_message_contains(error: &PlanError, fragments: &[&str]) {
        let message = error.to_string();
        for fragment in fragments {
            assert!(
                message.contains(fragment),
                "message {message:?} lacks {fragment:?}"
            );
        }
    }

    #[test]
    fn defaults_reproduce_the_documented_layout() {
        let plan = plan_address_space(&PlanRequest::for_locations([
            "westeurope",
            "eastus",
            "southeastasia",
        ]))
        .unwrap();
        let expected = [
            (
                "westeurope",
                "10.0.0.0/14",
                "10.0.0.0/16",
                "10.1.0.0/16",
                "10.32.0.0/13",
            ),
            (
                "eastus",
                "10.4.0.0/14",
                "10.4.0.0/16",
                "10.5.0.0/16",
                "10.40.0.0/13",
            ),
            (
                "southeastasia",
                "10.8.0.0/14",
                "10.8.0.0/16",
                "10.9.0.0/16",
                "10.48.0.0/13",
            ),
        ];
        assert_eq!(plan.regions.len(), expected.len());
        for (region, (location, vnet, node_subnet, pod_subnet, pod)) in
            plan.regions.iter().zip(expected)
        {
            assert_eq!(region.location, location);
            assert_eq!(region.vnet_cidr, net(vnet));
            assert_eq!(region.node_subnet_cidr, net(node_subnet));
            assert_eq!(region.pod_subnet_cidr, net(pod_subnet));
            assert_eq!(region.pod_cidr, net(pod));
        }
        assert_eq!(plan.service_cidr, net("10.96.0.0/16"));
        assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 96, 0, 10));
    }

    #[test]
    fn defaults_fit_eight_regions_and_refuse_the_ninth() {
        let plan = plan_address_space(&default_request(8)).unwrap();
        assert_eq!(plan.regions[7].vnet_cidr, net("10.28.0.0/14"));
        assert_eq!(plan.regions[7].pod_cidr, net("10.88.0.0/13"));

        let error = plan_error(&default_request(9));
        assert!(matches!(
            error,
            PlanError::PoolExhausted {
                index: 8,
                kind: PoolKind::Vnet,
                capacity: 8,
                ..
            }
        ));
        assert_eq!(error.field(), "regions");
        assert_message_contains(
            &error,
            &[
                "regions[8] (region8)",
                "10.0.0.0/11",
                "at most 8 regions",
                "raise vnetPrefixLength to 15 (16 slots)",
                "baseCidr such as 10.0.0.0/7",
                "regions[8].vnetCidr",
            ],
        );
    }

    #[test]
    fn pod_pool_exhaustion_names_the_pod_settings() {
        let mut request = default_request(9);
        request.vnet_prefix_length = 15;
        request.node_subnet_prefix_length = 17;
        request.pod_subnet_prefix_length = 17;
        let error = plan_error(&request);
        assert!(matches!(
            error,
            PlanError::PoolExhausted {
                index: 8,
                kind: PoolKind::PodCidr,
                capacity: 8,
                ..
            }
        ));
        assert_message_contains(
            &error,
            &[
                "10.32.0.0/11 + 10.64.0.0/11",
                "raise podCidrPrefixLength to 14",
                "regions[8].podCidr",
            ],
        );
    }

    #[test]
    fn serde_defaults_match_the_constructor() {
        let request: PlanRequest =
            serde_json::from_str(r#"{"regions":[{"location":"westeurope"}]}"#).unwrap();
        assert_eq!(request, PlanRequest::for_locations(["westeurope"]));
        let plan = plan_address_space(&request).unwrap();
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["regions"][0]["nodeSubnetCidr"], "10.0.0.0/16");
        assert_eq!(json["dnsServiceIp"], "10.96.0.10");
    }

    #[test]
    fn service_prefix_rule_scales_with_the_base() {
        let mut request = default_request(1);
        request.base_cidr = net("10.0.0.0/12");
        request.vnet_prefix_length = 18;
        request.node_subnet_prefix_length = 20;
        request.pod_subnet_prefix_length = 20;
        request.pod_cidr_prefix_length = 17;
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions[0].vnet_cidr, net("10.0.0.0/18"));
        assert_eq!(plan.regions[0].pod_cidr, net("10.2.0.0/17"));
        assert_eq!(plan.service_cidr, net("10.6.0.0/20"));
        assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 6, 0, 10));

        request.base_cidr = net("10.0.0.0/21");
        request.vnet_prefix_length = 24;
        request.node_subnet_prefix_length = 26;
        request.pod_subnet_prefix_length = 25;
        request.pod_cidr_prefix_length = 24;
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions[0].node_subnet_cidr, net("10.0.0.0/26"));
        assert_eq!(plan.regions[0].pod_subnet_cidr, net("10.0.0.128/25"));
        assert_eq!(plan.service_cidr, net("10.0.3.0/28"));
    }

    #[test]
    fn pod_subnet_follows_the_node_subnet_aligned_to_its_own_size() {
        let mut request = default_request(1);
        request.pod_subnet_prefix_length = 15;
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions[0].node_subnet_cidr, net("10.0.0.0/16"));
        assert_eq!(plan.regions[0].pod_subnet_cidr, net("10.2.0.0/15"));
    }

    #[test]
    fn no_regions_is_refused() {
        let error = plan_error(&default_request(0));
        assert_eq!(error, PlanError::NoRegions);
        assert_eq!(error.field(), "regions");
        assert_message_contains(&error, &["at least one region"]);
    }

    #[test]
    fn empty_location_is_refused() {
        let mut request = default_request(2);
        request.regions[1].location = "  ".to_string();
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[1].location");
        assert_message_contains(&error, &["regions[1].location is empty"]);
    }

    #[test]
    fn duplicate_locations_are_refused_ignoring_case_and_spaces() {
        let request = PlanRequest::for_locations(["westeurope", "eastus", "West Europe"]);
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[2].location");
        assert_message_contains(
            &error,
            &[
                "regions[2].location \"West Europe\"",
                "regions[0].location \"westeurope\"",
            ],
        );
    }

    #[test]
    fn host_bits_are_refused_everywhere_with_a_suggestion() {
        let mut request = default_request(1);
        request.base_cidr = net("10.0.0.1/8");
        let error = plan_error(&request);
        assert_eq!(error.field(), "baseCidr");
        assert_message_contains(
            &error,
            &["baseCidr 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"],
        );

        let mut request = default_request(1);
        request.service_cidr = Some(net("10.96.0.5/16"));
        assert_eq!(plan_error(&request).field(), "serviceCidr");

        let mut request = default_request(2);
        request.regions[1].vnet_cidr = Some(net("10.200.0.1/16"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[1].vnetCidr");
        assert_message_contains(&error, &["did you mean 10.200.0.0/16?"]);

        let mut request = default_request(2);
        request.regions[1].pod_cidr = Some(net("10.200.0.1/16"));
        assert_eq!(plan_error(&request).field(), "regions[1].podCidr");
    }

    #[test]
    fn base_cidr_smaller_than_slash_21_is_refused() {
        let mut request = default_request(1);
        request.base_cidr = net("10.0.0.0/22");
        let error = plan_error(&request);
        assert_eq!(
            error,
            PlanError::BaseCidrTooSmall {
                base_cidr: net("10.0.0.0/22")
            }
        );
        assert_eq!(error.field(), "baseCidr");
        assert_message_contains(
            &error,
            &["baseCidr 10.0.0.0/22 is too small", "/21 or larger"],
        );
    }

    #[test]
    fn vnet_prefix_must_leave_room_for_eight_vnet_slots_per_base() {
        let mut request = default_request(1);
        request.vnet_prefix_length = 10;
        let error = plan_error(&request);
        assert_eq!(error.field(), "vnetPrefixLength");
        assert_message_contains(
            &error,
            &[
                "vnetPrefixLength is 10 but must be between 11 and 28",
                "baseCidr 10.0.0.0/8",
            ],
        );
    }

    #[test]
    fn vnet_prefix_must_leave_room_for_the_smallest_subnets() {
        let mut request = default_request(1);
        request.vnet_prefix_length = 29;
        let error = plan_error(&request);
        assert_eq!(error.field(), "vnetPrefixLength");
        assert_message_contains(&error, &["between 11 and 28", "/29"]);
    }

    #[test]
    fn node_subnet_must_fit_in_the_vnet() {
        let mut request = default_request(1);
        request.node_subnet_prefix_length = 14;
        let error = plan_error(&request);
        assert_eq!(error.field(), "nodeSubnetPrefixLength");
        assert_message_contains(&error, &["is 14 but must be between 15 and 29", "/14 VNet"]);

        request.node_subnet_prefix_length = 30;
        assert_eq!(plan_error(&request).field(), "nodeSubnetPrefixLength");
    }

    #[test]
    fn pod_subnet_must_fit_in_the_vnet() {
        let mut request = default_request(1);
        request.pod_subnet_prefix_length = 12;
        let error = plan_error(&request);
        assert_eq!(error.field(), "podSubnetPrefixLength");
        assert_message_contains(&error, &["is 12 but must be between 15 and 29"]);
    }

    #[test]
    fn pod_cidr_prefix_must_fit_the_pod_pool_and_hold_a_node() {
        let mut request = default_request(1);
        request.pod_cidr_prefix_length = 10;
        let error = plan_error(&request);
        assert_eq!(error.field(), "podCidrPrefixLength");
        assert_message_contains(&error, &["is 10 but must be between 11 and 24", "/24"]);

        request.pod_cidr_prefix_length = 25;
        assert_eq!(plan_error(&request).field(), "podCidrPrefixLength");
    }

    #[test]
    fn explicit_vnet_too_small_for_its_subnets_is_refused() {
        let mut request = default_request(2);
        request.regions[1].vnet_cidr = Some(net("10.200.0.0/16"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[1].vnetCidr");
        assert_message_contains(
            &error,
            &[
                "regions[1].vnetCidr 10.200.0.0/16 (region1)",
                "use a /15 or larger VNet",
            ],
        );
    }

    #[test]
    fn explicit_pod_cidr_smaller_than_a_node_block_is_refused() {
        let mut request = default_request(1);
        request.regions[0].pod_cidr = Some(net("10.200.0.0/25"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[0].podCidr");
        assert_message_contains(
            &error,
            &["regions[0].podCidr 10.200.0.0/25 (region0)", "/24"],
        );
    }

    #[test]
    fn explicit_ranges_are_honoured_and_skipped_by_later_automatic_slots() {
        let mut request = default_request(3);
        request.regions[0].vnet_cidr = Some(net("10.4.0.0/15"));
        request.regions[0].pod_cidr = Some(net("192.168.0.0/16"));
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions[0].vnet_cidr, net("10.4.0.0/15"));
        assert_eq!(plan.regions[0].node_subnet_cidr, net("10.4.0.0/16"));
        assert_eq!(plan.regions[0].pod_subnet_cidr, net("10.5.0.0/16"));
        assert_eq!(plan.regions[0].pod_cidr, net("192.168.0.0/16"));
        // Slot 1 (10.4.0.0/14) overlaps region 0, so region 1 moves to slot 2 and region 2 to slot 3.
        assert_eq!(plan.regions[1].vnet_cidr, net("10.8.0.0/14"));
        assert_eq!(plan.regions[2].vnet_cidr, net("10.12.0.0/14"));
        // Pod slots are untouched: region i keeps pod slot i even though slot 0 is unused.
        assert_eq!(plan.regions[1].pod_cidr, net("10.40.0.0/13"));
        assert_eq!(plan.regions[2].pod_cidr, net("10.48.0.0/13"));
    }

    #[test]
    fn explicit_range_outside_the_pools_keeps_other_regions_in_place() {
        let mut request = default_request(3);
        request.regions[1].vnet_cidr = Some(net("10.128.0.0/14"));
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions[0].vnet_cidr, net("10.0.0.0/14"));
        assert_eq!(plan.regions[1].vnet_cidr, net("10.128.0.0/14"));
        assert_eq!(plan.regions[2].vnet_cidr, net("10.8.0.0/14"));
    }

    #[test]
    fn automatic_vnet_avoids_its_own_explicit_pod_cidr() {
        let mut request = default_request(1);
        request.regions[0].pod_cidr = Some(net("10.0.0.0/13"));
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions[0].vnet_cidr, net("10.8.0.0/14"));
    }

    #[test]
    fn automatic_slots_avoid_an_explicit_service_cidr() {
        let mut request = default_request(2);
        request.service_cidr = Some(net("10.0.0.0/16"));
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.service_cidr, net("10.0.0.0/16"));
        assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 0, 0, 10));
        assert_eq!(plan.regions[0].vnet_cidr, net("10.4.0.0/14"));
        assert_eq!(plan.regions[1].vnet_cidr, net("10.8.0.0/14"));
    }

    #[test]
    fn explicit_ranges_overlapping_each_other_name_both() {
        let mut request = default_request(3);
        request.regions[0].vnet_cidr = Some(net("10.128.0.0/14"));
        request.regions[2].pod_cidr = Some(net("10.130.0.0/16"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[2].podCidr");
        assert_message_contains(
            &error,
            &[
                "regions[2].podCidr 10.130.0.0/16 (region2)",
                "overlaps regions[0].vnetCidr 10.128.0.0/14 (region0)",
                "change one of them",
            ],
        );
    }

    #[test]
    fn explicit_vnet_and_pod_cidr_of_one_region_must_not_overlap() {
        let mut request = default_request(1);
        request.regions[0].vnet_cidr = Some(net("10.128.0.0/14"));
        request.regions[0].pod_cidr = Some(net("10.128.0.0/13"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[0].podCidr");
        assert_message_contains(&error, &["regions[0].vnetCidr 10.128.0.0/14"]);
    }

    #[test]
    fn explicit_range_overlapping_the_computed_service_range_names_both() {
        let mut request = default_request(2);
        request.regions[1].vnet_cidr = Some(net("10.96.0.0/14"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[1].vnetCidr");
        assert_message_contains(
            &error,
            &[
                "regions[1].vnetCidr 10.96.0.0/14 (region1)",
                "serviceCidr 10.96.0.0/16 (computed from baseCidr)",
                "set serviceCidr explicitly",
            ],
        );
    }

    #[test]
    fn explicit_range_overlapping_an_explicit_service_range_names_both() {
        let mut request = default_request(1);
        request.service_cidr = Some(net("192.168.0.0/16"));
        request.regions[0].pod_cidr = Some(net("192.168.0.0/15"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[0].podCidr");
        assert_message_contains(
            &error,
            &[
                "regions[0].podCidr 192.168.0.0/15",
                "serviceCidr 192.168.0.0/16",
            ],
        );
    }

    #[test]
    fn explicit_range_overlapping_an_earlier_automatic_range_is_refused_not_moved() {
        let mut request = default_request(3);
        request.regions[2].vnet_cidr = Some(net("10.4.0.0/15"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[2].vnetCidr");
        assert_message_contains(
            &error,
            &[
                "regions[2].vnetCidr 10.4.0.0/15 (region2)",
                "regions[1].vnetCidr 10.4.0.0/14 (region1, assigned automatically)",
                "never move",
            ],
        );
    }

    #[test]
    fn explicit_pod_cidr_overlapping_an_automatic_vnet_is_refused() {
        let mut request = default_request(2);
        request.regions[1].pod_cidr = Some(net("10.0.0.0/13"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[1].podCidr");
        assert_message_contains(
            &error,
            &["regions[0].vnetCidr 10.0.0.0/14 (region0, assigned automatically)"],
        );
    }

    #[test]
    fn reserved_ranges_are_refused_in_explicit_region_ranges() {
        let mut request = default_request(2);
        request.regions[1].vnet_cidr = Some(net("172.30.0.0/15"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[1].vnetCidr");
        assert_message_contains(
            &error,
            &[
                "regions[1].vnetCidr 172.30.0.0/15 (region1)",
                "reserved range 172.30.0.0/16",
            ],
        );

        let mut request = default_request(1);
        request.regions[0].pod_cidr = Some(net("169.254.0.0/16"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "regions[0].podCidr");
        assert_message_contains(&error, &["reserved range 169.254.0.0/16"]);
    }

    #[test]
    fn reserved_ranges_are_refused_in_the_service_cidr() {
        let mut request = default_request(1);
        request.service_cidr = Some(net("192.0.2.0/24"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "serviceCidr");
        assert_message_contains(
            &error,
            &["serviceCidr 192.0.2.0/24", "reserved range 192.0.2.0/24"],
        );
    }

    #[test]
    fn reserved_ranges_are_refused_in_the_used_part_of_the_base() {
        let mut request = default_request(1);
        request.base_cidr = net("172.30.0.0/15");
        request.vnet_prefix_length = 19;
        request.node_subnet_prefix_length = 21;
        request.pod_subnet_prefix_length = 21;
        request.pod_cidr_prefix_length = 18;
        let error = plan_error(&request);
        assert_eq!(error.field(), "baseCidr");
        assert_message_contains(
            &error,
            &[
                "baseCidr 172.30.0.0/15: its VNet pool 172.30.0.0/18",
                "reserved range 172.30.0.0/16",
                "10.0.0.0/8",
            ],
        );

        // 172.16.0.0/12 is fine: 172.30.0.0/15 lies in its unused last eighth.
        let mut request = default_request(1);
        request.base_cidr = net("172.16.0.0/12");
        request.vnet_prefix_length = 16;
        request.node_subnet_prefix_length = 18;
        request.pod_subnet_prefix_length = 18;
        request.pod_cidr_prefix_length = 16;
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions[0].vnet_cidr, net("172.16.0.0/16"));
        assert_eq!(plan.service_cidr, net("172.22.0.0/20"));
    }

    #[test]
    fn service_cidr_of_slash_12_or_larger_is_refused() {
        let mut request = default_request(1);
        request.service_cidr = Some(net("10.96.0.0/12"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "serviceCidr");
        assert_message_contains(
            &error,
            &["serviceCidr 10.96.0.0/12 is too large", "smaller than /12"],
        );

        request.service_cidr = Some(net("10.96.0.0/13"));
        assert!(plan_address_space(&request).is_ok());
    }

    #[test]
    fn service_cidr_too_small_for_the_dns_ip_is_refused() {
        let mut request = default_request(1);
        request.service_cidr = Some(net("10.96.0.0/29"));
        let error = plan_error(&request);
        assert_eq!(error.field(), "serviceCidr");
        assert_message_contains(&error, &["serviceCidr 10.96.0.0/29 is too small", "/28"]);

        request.service_cidr = Some(net("10.96.0.0/28"));
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 96, 0, 10));
    }

    #[test]
    fn explicit_ranges_let_any_number_of_regions_fit() {
        let mut request = default_request(12);
        for (index, region) in request.regions.iter_mut().enumerate().skip(8) {
            let octet = u8::try_from(index).unwrap();
            region.vnet_cidr =
                Some(Ipv4Net::new(Ipv4Addr::new(10, 128 + octet * 4, 0, 0), 14).unwrap());
            region.pod_cidr =
                Some(Ipv4Net::new(Ipv4Addr::new(10, 192 + octet * 4, 0, 0), 14).unwrap());
        }
        let plan = plan_address_space(&request).unwrap();
        assert_eq!(plan.regions.len(), 12);
        assert_eq!(plan.regions[11].vnet_cidr, net("10.172.0.0/14"));
    }
}
