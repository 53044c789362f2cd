//! `aksmesh:index:planAddressSpace`: non-overlapping VNet, subnet, pod and service ranges for N regions.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::net::{self, PlanRequest, RegionRequest};
use crate::property::join_index;
use crate::resource::{CheckFailure, Function};

pub struct PlanAddressSpace;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionArguments {
    pub location: String,
    pub vnet_cidr: Option<String>,
    pub pod_cidr: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Arguments {
    pub regions: Vec<RegionArguments>,
    pub base_cidr: Option<String>,
    pub vnet_prefix_length: Option<u8>,
    pub pod_cidr_prefix_length: Option<u8>,
    pub node_subnet_prefix_length: Option<u8>,
    pub pod_subnet_prefix_length: Option<u8>,
    pub service_cidr: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionPlan {
    pub location: String,
    pub vnet_cidr: String,
    pub node_subnet_cidr: String,
    pub pod_subnet_cidr: String,
    pub pod_cidr: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressPlan {
    pub regions: Vec<RegionPlan>,
    pub service_cidr: String,
    #[serde(rename = "dnsServiceIP")]
    pub dns_service_ip: String,
}

fn parse_optional(
    text: &Option<String>,
    path: &str,
    failures: &mut Vec<CheckFailure>,
) -> Option<ipnet::Ipv4Net> {
    let text = text.as_deref()?;
    match net::parse_cidr(text) {
        Ok(cidr) => Some(cidr),
        Err(error) => {
            failures.push(CheckFailure::new(path, error.to_string()));
            None
        }
    }
}

/// Turns the function's arguments into a planner request, collecting every syntax problem at once.
pub fn request(arguments: &Arguments) -> Result<PlanRequest, Vec<CheckFailure>> {
    let mut failures = Vec::new();
    let mut request = PlanRequest::new(
        arguments
            .regions
            .iter()
            .enumerate()
            .map(|(i, region)| RegionRequest {
                location: region.location.clone(),
                vnet_cidr: parse_optional(
                    &region.vnet_cidr,
                    &format!("{}.vnetCidr", join_index("regions", i)),
                    &mut failures,
                ),
                pod_cidr: parse_optional(
                    &region.pod_cidr,
                    &format!("{}.podCidr", join_index("regions", i)),
                    &mut failures,
                ),
            })
            .collect(),
    );
    // The same rule as MultiRegionAks: a plan for a region it would refuse helps no one. An empty
    // location is the planner's to report.
    for (i, region) in arguments.regions.iter().enumerate() {
        if !region.location.trim().is_empty() && !crate::regions::is_known(&region.location) {
            failures.push(CheckFailure::new(
                format!("{}.location", join_index("regions", i)),
                crate::regions::refusal(&region.location),
            ));
        }
    }
    if let Some(base) = parse_optional(&arguments.base_cidr, "baseCidr", &mut failures) {
        request.base_cidr = base;
    }
    request.service_cidr = parse_optional(&arguments.service_cidr, "serviceCidr", &mut failures);
    if let Some(length) = arguments.vnet_prefix_length {
        request.vnet_prefix_length = length;
    }
    if let Some(length) = arguments.pod_cidr_prefix_length {
        request.pod_cidr_prefix_length = length;
    }
    if let Some(length) = arguments.node_subnet_prefix_length {
        request.node_subnet_prefix_length = length;
    }
    if let Some(length) = arguments.pod_subnet_prefix_length {
        request.pod_subnet_prefix_length = length;
    }
    if failures.is_empty() {
        Ok(request)
    } else {
        Err(failures)
    }
}

/// Plans the ranges, reporting planner errors at the property they concern.
pub fn plan(request: &PlanRequest) -> Result<AddressPlan, Vec<CheckFailure>> {
    let plan = net::plan_address_space(request)
        .map_err(|error| vec![CheckFailure::new(error.field(), error.to_string())])?;
    Ok(AddressPlan {
        regions: plan
            .regions
            .iter()
            .map(|region| RegionPlan {
                location: region.location.clone(),
                vnet_cidr: region.vnet_cidr.to_string(),
                node_subnet_cidr: region.node_subnet_cidr.to_string(),
                pod_subnet_cidr: region.pod_subnet_cidr.to_string(),
                pod_cidr: region.pod_cidr.to_string(),
            })
            .collect(),
        service_cidr: plan.service_cidr.to_string(),
        dns_service_ip: plan.dns_service_ip.to_string(),
    })
}

#[async_trait]
impl Function for PlanAddressSpace {
    const TOKEN: &'static str = "aksmesh:index:planAddressSpace";
    type Arguments = Arguments;
    type Result = AddressPlan;

    async fn invoke(&self, arguments: Arguments) -> Result<AddressPlan, Vec<CheckFailure>> {
        plan(&request(&arguments)?)
    }
}
