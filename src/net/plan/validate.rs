//! Validation before anything is allocated: locations, prefix lengths, explicit ranges and the used parts of
//! the base, each refused with the property to fix.

use std::collections::HashMap;

use ipnet::Ipv4Net;

use super::cidr;
use super::error::PlanError;
use super::layout::Layout;
use super::limits::{
    LARGEST_SERVICE_PREFIX_LENGTH, SMALLEST_POD_CIDR_PREFIX_LENGTH, SMALLEST_SERVICE_PREFIX_LENGTH,
    SMALLEST_SUBNET_PREFIX_LENGTH,
};
use super::types::{PlanRequest, RegionRequest};

/// Every check that needs no allocation, in the order the errors are reported; returns the base's layout.
pub(super) fn validate_request(request: &PlanRequest) -> Result<Layout, PlanError> {
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
    Ok(layout)
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

pub(super) fn check_host_bits(field: impl Into<String>, network: Ipv4Net) -> Result<(), PlanError> {
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
