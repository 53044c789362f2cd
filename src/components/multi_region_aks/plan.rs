//! The address plan of a platform: explicit ranges honoured, the rest planned.

use crate::net::{self, AddressPlan, PlanRequest, RegionRequest};
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
    net::plan_address_space(&request)
        .map_err(|error| vec![CheckFailure::new(error.field(), error.to_string())])
}
