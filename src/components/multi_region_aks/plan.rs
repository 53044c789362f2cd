//! The address plan of a platform: explicit ranges honoured, the rest planned.

use crate::net::{self, AddressPlan, PlanError, PlanRequest, RegionRequest};
use crate::property::join_index;
use crate::regions;
use crate::resource::CheckFailure;

use super::MultiRegionAksInputs;

/// The planner request for these regions (explicit ranges honoured, the rest planned).
fn plan_request(inputs: &MultiRegionAksInputs) -> Result<PlanRequest, Vec<CheckFailure>> {
    let mut failures = Vec::new();
    let mut parse = |text: &Option<String>, path: String| match text.as_deref().map(net::parse_cidr)
    {
        None => None,
        Some(Ok(cidr)) => Some(cidr),
        Some(Err(error)) => {
            failures.push(CheckFailure::new(path, error.to_string()));
            None
        }
    };
    let regions = inputs
        .regions
        .iter()
        .enumerate()
        .map(|(i, region)| RegionRequest {
            location: regions::canonical(&region.location),
            vnet_cidr: parse(
                &region.vnet_cidr,
                format!("{}.vnetCidr", join_index("regions", i)),
            ),
            pod_cidr: parse(
                &region.pod_cidr,
                format!("{}.podCidr", join_index("regions", i)),
            ),
        })
        .collect();
    if failures.is_empty() {
        Ok(PlanRequest::new(regions))
    } else {
        Err(failures)
    }
}

/// Plans the address space, with errors at the property they concern.
pub fn plan(inputs: &MultiRegionAksInputs) -> Result<AddressPlan, Vec<CheckFailure>> {
    let request = plan_request(inputs)?;
    net::plan_address_space(&request).map_err(|error| vec![failure(&error)])
}

/// The planner's error as this component's users can act on it: MultiRegionAks plans with the
/// planner's default lengths and base, so advice about those settings would name inputs it lacks.
fn failure(error: &PlanError) -> CheckFailure {
    match error {
        PlanError::PoolExhausted {
            index,
            location,
            kind,
            pool,
            prefix_length,
            capacity,
            ..
        } => CheckFailure::new(
            format!("{}.{}", join_index("regions", *index), kind.region_field()),
            format!(
                "regions[{index}] ({location}) needs an automatic {kind}, but MultiRegionAks plans at most {capacity} of them (/{prefix_length} slots of {pool}); give regions[{index}].{field} (and that of every region beyond the {capacity}th) explicitly: planAddressSpace with {prefix_field} {longer} plans {double}",
                field = kind.region_field(),
                prefix_field = kind.prefix_field(),
                longer = prefix_length + 1,
                double = capacity * 2,
            ),
        ),
        PlanError::VnetTooSmall {
            index,
            location,
            vnet_cidr,
            node_subnet_prefix_length,
            pod_subnet_prefix_length,
        } => CheckFailure::new(
            format!("{}.vnetCidr", join_index("regions", *index)),
            format!(
                "regions[{index}].vnetCidr {vnet_cidr} ({location}) is too small for MultiRegionAks's /{node_subnet_prefix_length} node subnet and /{pod_subnet_prefix_length} pod subnet; use a /{} or larger VNet",
                net::longest_vnet_prefix_for(*node_subnet_prefix_length, *pod_subnet_prefix_length)
            ),
        ),
        other => CheckFailure::new(other.field(), other.to_string()),
    }
}
