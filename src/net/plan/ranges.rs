//! Explicit and decided ranges as entries that know where they came from, and the pairwise overlap check that
//! blames the range the user wrote.

use ipnet::Ipv4Net;

use super::cidr;
use super::error::PlanError;
use super::layout::Layout;
use super::types::{PlanRequest, RegionRequest};

/// Where a range came from; decides which of two overlapping ranges is blamed and what advice is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Explicit,
    Automatic,
    Computed,
}

/// One range of the plan, with the property it belongs to.
#[derive(Debug, Clone)]
pub(super) struct RangeEntry {
    pub(super) field: String,
    pub(super) location: Option<String>,
    pub(super) network: Ipv4Net,
    pub(super) origin: Origin,
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

pub(super) fn region_entry(
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

pub(super) fn origin_of(explicit: Option<Ipv4Net>) -> Origin {
    if explicit.is_some() {
        Origin::Explicit
    } else {
        Origin::Automatic
    }
}

/// The service range: the explicit `serviceCidr`, or the one computed from the base.
pub(super) fn service_entry(
    request: &PlanRequest,
    layout: &Layout,
) -> Result<RangeEntry, PlanError> {
    let service_cidr = match request.service_cidr {
        Some(service_cidr) => service_cidr,
        None => layout.service_cidr()?,
    };
    let service_origin = if request.service_cidr.is_some() {
        Origin::Explicit
    } else {
        Origin::Computed
    };
    Ok(RangeEntry {
        field: "serviceCidr".to_string(),
        location: None,
        network: service_cidr,
        origin: service_origin,
    })
}

/// Every range the user wrote: the service range if explicit, then each region's explicit VNet and pod CIDR.
pub(super) fn explicit_entries(
    request: &PlanRequest,
    service_entry: &RangeEntry,
) -> Vec<RangeEntry> {
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
    explicit_entries
}

/// Reports the first overlapping pair, blaming the later range if the user wrote it, otherwise the earlier one
/// (an automatic range never overlaps anything before it).
pub(super) fn check_pairwise(entries: &[RangeEntry]) -> Result<(), PlanError> {
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
