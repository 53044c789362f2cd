//! Validation: every problem with the arguments at its property path, or the validated topology to price.

use super::arguments::{Arguments, RegionArguments};
use super::prices::{known_vm_sizes, prices, zone_list, Price};
use super::traffic::{flows, Flow};
use crate::property::join_index;
use crate::resource::CheckFailure;
use crate::vocabulary::{FrontDoorTier, SkuTier};

/// Validated arguments, ready to price.
#[derive(Debug)]
pub(super) struct Topology {
    pub(super) regions: Vec<Region>,
    /// (tier, requests per month, egress GB per month)
    /// Tier, requests, GB edge → client, GB edge → origin.
    pub(super) front_door: Option<(FrontDoorTier, f64, f64, f64)>,
    pub(super) hub_hourly: Option<f64>,
    pub(super) processing: Option<f64>,
    pub(super) flows: Vec<Flow>,
}

/// One validated region.
#[derive(Debug, Clone)]
pub(super) struct Region {
    pub(super) location: String,
    pub(super) zone: u8,
    pub(super) tier: SkuTier,
    pub(super) node_count: u64,
    /// (hourly price, price-list entry if built in, label)
    pub(super) node_price: Option<(f64, Option<&'static Price>, String)>,
}

/// Every failure in argument order, or the topology. Notes about how traffic was read go to `notes`.
pub(super) fn validate(
    arguments: &Arguments,
    notes: &mut Vec<String>,
) -> Result<Topology, Vec<CheckFailure>> {
    let mut failures = Vec::new();
    if arguments.regions.is_empty() {
        failures.push(CheckFailure::new(
            "regions",
            "give at least one region, e.g. [{location: \"westeurope\"}]",
        ));
    }
    let regions: Vec<Region> = arguments
        .regions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| validate_region(i, r, &mut failures))
        .collect();
    let front_door = arguments.front_door.as_ref().map(|fd| {
        let sku = fd.sku.unwrap_or(FrontDoorTier::Standard);
        let requests = non_negative(
            fd.requests_per_month,
            "frontDoor.requestsPerMonth",
            &mut failures,
        );
        let egress = non_negative(
            fd.egress_gb_per_month,
            "frontDoor.egressGbPerMonth",
            &mut failures,
        );
        let origin = non_negative(
            fd.origin_gb_per_month,
            "frontDoor.originGbPerMonth",
            &mut failures,
        );
        (sku, requests, egress, origin)
    });
    let hub_hourly = optional_non_negative(
        arguments.virtual_wan_hub_hourly,
        "virtualWanHubHourly",
        &mut failures,
    );
    let processing = optional_non_negative(
        arguments.virtual_wan_data_processing_per_gb,
        "virtualWanDataProcessingPerGb",
        &mut failures,
    );
    // Flows refer to validated regions by index, so only compute them when every region is valid.
    let flows = if failures.is_empty() {
        flows(arguments, &regions, &mut failures, notes)
    } else {
        Vec::new()
    };
    if !failures.is_empty() {
        return Err(failures);
    }
    Ok(Topology {
        regions,
        front_door,
        hub_hourly,
        processing,
        flows,
    })
}

pub(super) fn non_negative(
    value: Option<f64>,
    path: &str,
    failures: &mut Vec<CheckFailure>,
) -> f64 {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => {
            failures.push(CheckFailure::new(
                path,
                format!("must be zero or positive, got {v}"),
            ));
            0.0
        }
        Some(v) => v,
        None => 0.0,
    }
}

/// Like [`non_negative`], keeping "not given" apart from zero.
fn optional_non_negative(
    value: Option<f64>,
    path: &str,
    failures: &mut Vec<CheckFailure>,
) -> Option<f64> {
    value.map(|v| non_negative(Some(v), path, failures))
}

fn validate_region(
    index: usize,
    region: &RegionArguments,
    failures: &mut Vec<CheckFailure>,
) -> Option<Region> {
    let base = join_index("regions", index);
    let before = failures.len();
    let location = crate::regions::canonical(&region.location);
    let zone = validate_zone(&base, region, &location, failures);
    let tier = region.cluster_tier.unwrap_or(SkuTier::Free);
    let node_count = match region.node_count {
        Some(n) if n < 0 => {
            failures.push(CheckFailure::new(
                format!("{base}.nodeCount"),
                format!("must be zero or positive, got {n}"),
            ));
            0
        }
        Some(n) => n as u64,
        None => 0,
    };
    let node_price = validate_node_price(&base, region, node_count, failures);
    if failures.len() > before {
        return None;
    }
    Some(Region {
        location,
        zone: zone?,
        tier,
        node_count,
        node_price,
    })
}

/// The bandwidth zone: given (1 to 3), or looked up from the (normalised) location.
fn validate_zone(
    base: &str,
    region: &RegionArguments,
    location: &str,
    failures: &mut Vec<CheckFailure>,
) -> Option<u8> {
    match region.zone {
        Some(z @ 1..=3) => Some(z as u8),
        Some(z) => {
            failures.push(CheckFailure::new(
                format!("{base}.zone"),
                format!("zone must be 1, 2 or 3 (Azure bandwidth zones), got {z}"),
            ));
            None
        }
        None if location.is_empty() => {
            failures.push(CheckFailure::new(
                format!("{base}.location"),
                "location is required, e.g. `westeurope`",
            ));
            None
        }
        None => {
            let zone = prices().zone_of(location);
            if zone.is_none() {
                failures.push(CheckFailure::new(
                    format!("{base}.location"),
                    format!(
                        "'{}' is not in the region-to-zone table; pass `zone` (1, 2 or 3) for this region. Known regions by zone: {}",
                        region.location,
                        zone_list()
                    ),
                ));
            }
            zone
        }
    }
}

/// The hourly node price, when there are nodes: `nodeHourlyPrice`, else the built-in price of `vmSize`.
fn validate_node_price(
    base: &str,
    region: &RegionArguments,
    node_count: u64,
    failures: &mut Vec<CheckFailure>,
) -> Option<(f64, Option<&'static Price>, String)> {
    let explicit_price = optional_non_negative(
        region.node_hourly_price,
        &format!("{base}.nodeHourlyPrice"),
        failures,
    );
    if node_count == 0 {
        return None;
    }
    let label = region
        .vm_size
        .clone()
        .unwrap_or_else(|| "custom size".to_string());
    if let Some(price) = explicit_price {
        return Some((price, None, label));
    }
    let Some(size) = &region.vm_size else {
        failures.push(CheckFailure::new(
            format!("{base}.nodeHourlyPrice"),
            format!(
                "nodeCount is {node_count} but no node price is known: pass nodeHourlyPrice, or vmSize with a built-in price ({})",
                known_vm_sizes()
            ),
        ));
        return None;
    };
    match prices().prices.get(&format!("vm.{size}")) {
        Some(price) => Some((price.value, Some(price), label)),
        None => {
            failures.push(CheckFailure::new(
                format!("{base}.vmSize"),
                format!(
                    "no built-in price for '{size}' (known: {}); pass nodeHourlyPrice",
                    known_vm_sizes()
                ),
            ));
            None
        }
    }
}
