//! The planner: validate, decide the service range, refuse overlapping explicit ranges, then give each region
//! its ranges in request order.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::cidr;
use super::error::{PlanError, PoolKind};
use super::layout::{dns_service_ip, subnets};
use super::pool::Pool;
use super::ranges::{
    check_pairwise, explicit_entries, origin_of, region_entry, service_entry, RangeEntry,
};
use super::types::{AddressPlan, PlanRequest, RegionPlan, RegionRequest};
use super::validate::validate_request;

/// Plans every region's ranges; see the module documentation for the layout and the stability rules.
pub fn plan_address_space(request: &PlanRequest) -> Result<AddressPlan, PlanError> {
    let layout = validate_request(request)?;
    let service_entry = service_entry(request, &layout)?;
    let service_cidr = service_entry.network;

    // Refuse overlapping explicit ranges before allocating, so the error names the two ranges the user wrote.
    check_pairwise(&explicit_entries(request, &service_entry))?;

    let pools = Pools {
        vnet: layout.pool(PoolKind::Vnet, request.vnet_prefix_length),
        pod: layout.pool(PoolKind::PodCidr, request.pod_cidr_prefix_length),
    };
    let mut entries = vec![service_entry];
    let mut plans = Vec::with_capacity(request.regions.len());
    for (index, region) in request.regions.iter().enumerate() {
        plans.push(plan_region(request, &pools, index, region, &mut entries)?);
    }
    // Catches explicit ranges that overlap an earlier region's automatic range or the computed service range.
    check_pairwise(&entries)?;

    Ok(AddressPlan {
        regions: plans,
        service_cidr,
        dns_service_ip: checked_dns_service_ip(service_cidr)?,
    })
}

/// The two pools automatic ranges come from.
struct Pools {
    vnet: Pool,
    pod: Pool,
}

/// One region's ranges, recording its VNet and pod CIDR in `entries` (everything decided so far).
fn plan_region(
    request: &PlanRequest,
    pools: &Pools,
    index: usize,
    region: &RegionRequest,
    entries: &mut Vec<RangeEntry>,
) -> Result<RegionPlan, PlanError> {
    // Automatic slots avoid everything decided so far: earlier regions, the service range, and this
    // region's own explicit ranges. Later regions are not consulted, which keeps earlier regions stable.
    let vnet_cidr = match region.vnet_cidr {
        Some(vnet_cidr) => vnet_cidr,
        None => {
            let mut blockers: Vec<Ipv4Net> = entries.iter().map(|entry| entry.network).collect();
            blockers.extend(region.pod_cidr);
            pools
                .vnet
                .allocate(index, &blockers)
                .ok_or_else(|| pools.vnet.exhausted(request, index, region))?
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
            pools
                .pod
                .allocate(index, &blockers)
                .ok_or_else(|| pools.pod.exhausted(request, index, region))?
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
    Ok(RegionPlan {
        location: region.location.clone(),
        vnet_cidr,
        node_subnet_cidr,
        pod_subnet_cidr,
        pod_cidr,
    })
}

/// The service network address + 10, which must be an ordinary host address of the service range.
fn checked_dns_service_ip(service_cidr: Ipv4Net) -> Result<Ipv4Addr, PlanError> {
    let dns_service_ip =
        dns_service_ip(service_cidr).ok_or(PlanError::ServiceCidrTooSmall { service_cidr })?;
    if cidr::check_dns_service_ip(service_cidr, dns_service_ip).is_err() {
        return Err(PlanError::ServiceCidrTooSmall { service_cidr });
    }
    Ok(dns_service_ip)
}
