//! `aksmesh:index:estimateCost`: an itemised monthly cost estimate of a multi-region topology in three
//! scenarios (no peering, with peering, Virtual WAN). Pure: prices come from `prices.json`, embedded at build
//! time, which names the source, date and verification state of every figure.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::property::join_index;
use crate::resource::{CheckFailure, Function};
use crate::vocabulary::{FrontDoorTier, SkuTier, Vocabulary};

pub struct EstimateCost;

/// The embedded price list.
pub const PRICES_JSON: &str = include_str!("prices.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub as_of: String,
    pub verified: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionZones {
    pub source: String,
    pub as_of: String,
    pub verified: bool,
    pub zones: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceList {
    pub currency: String,
    pub hours_per_month: f64,
    pub as_of: String,
    pub prices: BTreeMap<String, Price>,
    pub unavailable: BTreeMap<String, String>,
    pub region_zones: RegionZones,
}

impl PriceList {
    fn price(&self, key: &str) -> &Price {
        self.prices
            .get(key)
            .unwrap_or_else(|| panic!("prices.json has no '{key}'"))
    }

    /// The bandwidth zone (1, 2 or 3) of a normalised location.
    pub fn zone_of(&self, location: &str) -> Option<u8> {
        self.region_zones
            .zones
            .iter()
            .find(|(_, regions)| regions.iter().any(|r| r == location))
            .and_then(|(zone, _)| zone.parse().ok())
    }
}

/// The embedded price list, parsed once.
pub fn prices() -> &'static PriceList {
    static PRICES: OnceLock<PriceList> = OnceLock::new();
    PRICES.get_or_init(|| serde_json::from_str(PRICES_JSON).expect("prices.json is valid"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionArguments {
    pub location: String,
    pub zone: Option<i64>,
    pub cluster_tier: Option<SkuTier>,
    pub node_count: Option<i64>,
    pub vm_size: Option<String>,
    pub node_hourly_price: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairTraffic {
    pub from: String,
    pub to: String,
    pub gb_per_month: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorArguments {
    pub sku: Option<FrontDoorTier>,
    pub requests_per_month: Option<f64>,
    pub egress_gb_per_month: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Arguments {
    pub regions: Vec<RegionArguments>,
    pub cross_region_traffic_gb_per_month: Option<f64>,
    pub pair_traffic: Option<Vec<PairTraffic>>,
    pub front_door: Option<FrontDoorArguments>,
    pub virtual_wan_hub_hourly: Option<f64>,
    pub virtual_wan_data_processing_per_gb: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CostItem {
    pub name: String,
    pub quantity: f64,
    pub unit: String,
    pub unit_price: f64,
    pub monthly: f64,
    pub source: String,
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub name: String,
    pub items: Vec<CostItem>,
    pub monthly_total: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CostEstimate {
    pub currency: String,
    pub hours_per_month: f64,
    pub scenarios: Vec<Scenario>,
    pub notes: Vec<String>,
}

fn round_cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn item(name: String, quantity: f64, price: &Price) -> CostItem {
    CostItem {
        name,
        quantity,
        unit: price.unit.clone(),
        unit_price: price.value,
        monthly: round_cents(quantity * price.value),
        source: format!("{} (as of {})", price.source, price.as_of),
        verified: price.verified,
    }
}

fn user_item(name: String, quantity: f64, unit: &str, unit_price: f64, input: &str) -> CostItem {
    CostItem {
        name,
        quantity,
        unit: unit.to_string(),
        unit_price,
        monthly: round_cents(quantity * unit_price),
        source: format!("user-supplied ({input})"),
        verified: true,
    }
}

fn scenario(name: &str, items: Vec<CostItem>) -> Scenario {
    let total = items.iter().map(|i| i.monthly).sum::<f64>();
    Scenario {
        name: name.to_string(),
        items,
        monthly_total: round_cents(total),
    }
}

fn non_negative(value: Option<f64>, path: &str, failures: &mut Vec<CheckFailure>) -> f64 {
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

/// One validated region.
#[derive(Debug, Clone)]
struct Region {
    location: String,
    zone: u8,
    tier: SkuTier,
    node_count: u64,
    /// (hourly price, price-list entry if built in, label)
    node_price: Option<(f64, Option<&'static Price>, String)>,
}

/// Traffic one way from one region entry to another.
#[derive(Debug, Clone)]
struct Flow {
    from: usize,
    to: usize,
    gb: f64,
}

fn zone_list() -> String {
    prices()
        .region_zones
        .zones
        .iter()
        .map(|(zone, regions)| format!("zone {zone}: {}", regions.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn validate_region(
    index: usize,
    region: &RegionArguments,
    failures: &mut Vec<CheckFailure>,
) -> Option<Region> {
    let list = prices();
    let base = join_index("regions", index);
    let before = failures.len();
    let location = crate::regions::canonical(&region.location);
    let zone = match region.zone {
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
            let zone = list.zone_of(&location);
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
    };
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
    let explicit_price = optional_non_negative(
        region.node_hourly_price,
        &format!("{base}.nodeHourlyPrice"),
        failures,
    );
    let mut node_price = None;
    if node_count > 0 {
        let label = region
            .vm_size
            .clone()
            .unwrap_or_else(|| "custom size".to_string());
        if let Some(price) = explicit_price {
            node_price = Some((price, None, label));
        } else if let Some(size) = &region.vm_size {
            match list.prices.get(&format!("vm.{size}")) {
                Some(price) => node_price = Some((price.value, Some(price), label)),
                None => failures.push(CheckFailure::new(
                    format!("{base}.vmSize"),
                    format!(
                        "no built-in price for '{size}' (known: {}); pass nodeHourlyPrice",
                        known_vm_sizes()
                    ),
                )),
            }
        } else {
            failures.push(CheckFailure::new(
                format!("{base}.nodeHourlyPrice"),
                format!(
                    "nodeCount is {node_count} but no node price is known: pass nodeHourlyPrice, or vmSize with a built-in price ({})",
                    known_vm_sizes()
                ),
            ));
        }
    }
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

fn known_vm_sizes() -> String {
    prices()
        .prices
        .keys()
        .filter_map(|k| k.strip_prefix("vm."))
        .collect::<Vec<_>>()
        .join(", ")
}

fn flows(
    arguments: &Arguments,
    regions: &[Region],
    failures: &mut Vec<CheckFailure>,
    notes: &mut Vec<String>,
) -> Vec<Flow> {
    let total = non_negative(
        arguments.cross_region_traffic_gb_per_month,
        "crossRegionTrafficGbPerMonth",
        failures,
    );
    if let Some(pairs) = &arguments.pair_traffic {
        if total > 0.0 {
            failures.push(CheckFailure::new(
                "crossRegionTrafficGbPerMonth",
                "give either crossRegionTrafficGbPerMonth (split evenly) or pairTraffic (per pair), not both",
            ));
        }
        let find = |name: &str, path: String, failures: &mut Vec<CheckFailure>| {
            let wanted = crate::regions::canonical(name);
            let found = regions.iter().position(|r| r.location == wanted);
            if found.is_none() {
                let known: Vec<_> = regions.iter().map(|r| r.location.as_str()).collect();
                failures.push(CheckFailure::new(
                    path,
                    format!(
                        "'{name}' is not one of the regions ({}); name a location from `regions`",
                        known.join(", ")
                    ),
                ));
            }
            found
        };
        let mut result = Vec::new();
        for (i, pair) in pairs.iter().enumerate() {
            let base = join_index("pairTraffic", i);
            let from = find(&pair.from, format!("{base}.from"), failures);
            let to = find(&pair.to, format!("{base}.to"), failures);
            let gb = non_negative(
                Some(pair.gb_per_month),
                &format!("{base}.gbPerMonth"),
                failures,
            );
            if let (Some(from), Some(to)) = (from, to) {
                result.push(Flow { from, to, gb });
            }
        }
        return result;
    }
    if total == 0.0 {
        return Vec::new();
    }
    let n = regions.len();
    if n < 2 {
        notes.push(
            "crossRegionTrafficGbPerMonth is ignored: with one region there is no cross-region traffic"
                .to_string(),
        );
        return Vec::new();
    }
    let per_flow = total / (n * (n - 1)) as f64;
    notes.push(format!(
        "{total} GB/month of cross-region traffic is split evenly over the {} one-way flows between {n} regions ({per_flow:.2} GB each); pass pairTraffic for a real traffic matrix",
        n * (n - 1)
    ));
    let mut result = Vec::new();
    for from in 0..n {
        for to in 0..n {
            if from != to {
                result.push(Flow {
                    from,
                    to,
                    gb: per_flow,
                });
            }
        }
    }
    result
}

/// Validates the arguments and prices the three scenarios.
pub fn estimate(arguments: &Arguments) -> Result<CostEstimate, Vec<CheckFailure>> {
    let list = prices();
    let mut failures = Vec::new();
    let mut notes = Vec::new();

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
    let front_door = match &arguments.front_door {
        None => None,
        Some(fd) => {
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
            Some((sku, requests, egress))
        }
    };
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
        flows(arguments, &regions, &mut failures, &mut notes)
    } else {
        Vec::new()
    };
    if !failures.is_empty() {
        return Err(failures);
    }

    let hours = list.hours_per_month;

    // Items common to every scenario: control planes by tier, node VMs, Front Door.
    let mut base = Vec::new();
    for &tier in SkuTier::ALL {
        let clusters = regions.iter().filter(|r| r.tier == tier).count();
        if clusters > 0 {
            base.push(item(
                format!("AKS control plane, {tier} tier ({clusters} cluster(s))"),
                clusters as f64 * hours,
                list.price(&format!("aks.controlPlane.{tier}")),
            ));
        }
    }
    for region in &regions {
        if let Some((price, built_in, label)) = &region.node_price {
            let name = format!(
                "Node VMs in {}: {} x {label}",
                region.location, region.node_count
            );
            let quantity = region.node_count as f64 * hours;
            base.push(match built_in {
                Some(p) => item(name, quantity, p),
                None => user_item(name, quantity, "node-hour", *price, "nodeHourlyPrice"),
            });
        }
    }
    if regions.iter().all(|r| r.node_count == 0) {
        notes.push(
            "Node VMs are not estimated: set nodeCount (and vmSize or nodeHourlyPrice) per region"
                .to_string(),
        );
    }
    if let Some((sku, requests, egress)) = front_door {
        base.push(item(
            format!("Front Door {sku} base fee"),
            1.0,
            list.price(&format!("frontDoor.{sku}.base")),
        ));
        base.push(item(
            format!("Front Door {sku} requests"),
            requests / 10_000.0,
            list.price(&format!("frontDoor.{sku}.requests")),
        ));
        base.push(item(
            format!("Front Door {sku} egress to clients"),
            egress,
            list.price(&format!("frontDoor.{sku}.egress")),
        ));
        if egress > 10_000.0 || regions.iter().any(|r| r.zone != 1) {
            notes.push("Front Door egress uses the first-tier North America/Europe rate for every GB; volumes above 10 TB/month are cheaper and other geographies cost more".to_string());
        }
    }

    let total_gb: f64 = flows.iter().map(|f| f.gb).sum();

    // noPeering: cross-region traffic goes over public endpoints.
    let no_peering = scenario("noPeering", base.clone());
    if total_gb > 0.0 {
        notes.push(format!(
            "noPeering: the {total_gb} GB/month of cross-region traffic goes over public endpoints and is billed as internet egress, which is not estimated (no sourced price in the data file)"
        ));
    }

    // withPeering: each one-way flow pays outbound at the source's zone and inbound at the destination's.
    let mut with_peering_items = base.clone();
    for flow in flows.iter().filter(|f| f.gb > 0.0) {
        let (from, to) = (&regions[flow.from], &regions[flow.to]);
        let (outbound, inbound) = if from.location == to.location {
            (
                list.price("peering.sameRegion.outbound"),
                list.price("peering.sameRegion.inbound"),
            )
        } else {
            (
                list.price(&format!("peering.global.zone{}.outbound", from.zone)),
                list.price(&format!("peering.global.zone{}.inbound", to.zone)),
            )
        };
        with_peering_items.push(item(
            format!(
                "Peering outbound {} -> {} (zone {})",
                from.location, to.location, from.zone
            ),
            flow.gb,
            outbound,
        ));
        with_peering_items.push(item(
            format!(
                "Peering inbound {} -> {} (zone {})",
                from.location, to.location, to.zone
            ),
            flow.gb,
            inbound,
        ));
    }
    let with_peering = scenario("withPeering", with_peering_items);

    // virtualWan: one hub per region plus data processing of the cross-region traffic.
    let mut wan_items = base;
    let mut hub_locations: Vec<&str> = regions.iter().map(|r| r.location.as_str()).collect();
    let mut seen = std::collections::BTreeSet::new();
    hub_locations.retain(|l| seen.insert(*l));
    match hub_hourly {
        Some(price) => {
            for location in &hub_locations {
                wan_items.push(user_item(
                    format!("Virtual WAN hub in {location}"),
                    hours,
                    "hub-hour",
                    price,
                    "virtualWanHubHourly",
                ));
            }
        }
        None => notes.push(format!(
            "virtualWan: the {} hub(s) are not priced: {}",
            hub_locations.len(),
            list.unavailable["virtualWan.hub"]
        )),
    }
    match processing {
        Some(price) if total_gb > 0.0 => wan_items.push(user_item(
            "Virtual WAN data processing (cross-region traffic)".to_string(),
            total_gb,
            "GB",
            price,
            "virtualWanDataProcessingPerGb",
        )),
        Some(_) => {}
        None if total_gb > 0.0 => notes.push(format!(
            "virtualWan: data processing of {total_gb} GB/month is not priced: {}",
            list.unavailable["virtualWan.dataProcessing"]
        )),
        None => {}
    }
    if total_gb > 0.0 {
        notes.push("virtualWan: data processing is charged once per GB; inter-hub (inter-region) data transfer and hub connections are billed separately and not estimated".to_string());
    }
    let virtual_wan = scenario("virtualWan", wan_items);

    notes.push(format!(
        "Prices are {} list prices as of {} from the sources named per item, not from Microsoft's live price sheet; check https://azure.microsoft.com/pricing before relying on them",
        list.currency, list.as_of
    ));
    let any_unverified = [&no_peering, &with_peering, &virtual_wan]
        .iter()
        .any(|s| s.items.iter().any(|i| !i.verified));
    if any_unverified {
        notes.push("Items with verified=false use figures not confirmed against Microsoft's pricing page (global peering rates, Premium tier, illustrative VM prices)".to_string());
    }
    if regions.iter().any(|r| r.zone != 1) || flows.iter().any(|f| f.gb > 0.0) {
        notes.push(format!("Region zones: {}", list.region_zones.source));
    }
    notes.push("Not included: disks, load balancers, public IPs, NAT gateways, ACNS, Log Analytics and support plans".to_string());

    Ok(CostEstimate {
        currency: list.currency.clone(),
        hours_per_month: hours,
        scenarios: vec![no_peering, with_peering, virtual_wan],
        notes,
    })
}

#[async_trait]
impl Function for EstimateCost {
    const TOKEN: &'static str = "aksmesh:index:estimateCost";
    type Arguments = Arguments;
    type Result = CostEstimate;

    async fn invoke(&self, arguments: Arguments) -> Result<CostEstimate, Vec<CheckFailure>> {
        estimate(&arguments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(location: &str) -> RegionArguments {
        RegionArguments {
            location: location.to_string(),
            ..Default::default()
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    fn items<'a>(estimate: &'a CostEstimate, scenario: &str, prefix: &str) -> Vec<&'a CostItem> {
        estimate
            .scenarios
            .iter()
            .find(|s| s.name == scenario)
            .unwrap()
            .items
            .iter()
            .filter(|i| i.name.starts_with(prefix))
            .collect()
    }

    fn failure_paths(arguments: &Arguments) -> Vec<String> {
        estimate(arguments)
            .unwrap_err()
            .into_iter()
            .map(|f| f.property.to_string())
            .collect()
    }

    #[test]
    fn estimate_cost_worked_example_west_europe_to_east_us() {
        let arguments = Arguments {
            regions: vec![region("westeurope"), region("East US")],
            pair_traffic: Some(vec![PairTraffic {
                from: "westeurope".into(),
                to: "eastus".into(),
                gb_per_month: 1000.0,
            }]),
            ..Default::default()
        };
        let result = estimate(&arguments).unwrap();
        let peering = items(&result, "withPeering", "Peering");
        assert_eq!(peering.len(), 2);
        let total: f64 = peering.iter().map(|i| i.monthly).sum();
        assert!(close(total, 1000.0 * (0.035 + 0.035)), "{total}");
        assert!(close(total, 70.0));
        assert!(peering.iter().all(|i| !i.verified));
        assert!(items(&result, "noPeering", "Peering").is_empty());
    }

    #[test]
    fn estimate_cost_even_split_covers_both_directions() {
        let arguments = Arguments {
            regions: vec![region("westeurope"), region("eastus")],
            cross_region_traffic_gb_per_month: Some(1000.0),
            ..Default::default()
        };
        let result = estimate(&arguments).unwrap();
        let peering = items(&result, "withPeering", "Peering");
        assert_eq!(peering.len(), 4);
        assert!(peering.iter().all(|i| close(i.quantity, 500.0)));
        let total: f64 = peering.iter().map(|i| i.monthly).sum();
        assert!(close(total, 70.0), "{total}");
    }

    #[test]
    fn estimate_cost_standard_tier_three_clusters() {
        let mut regions = vec![region("westeurope"), region("eastus"), region("japaneast")];
        for r in &mut regions {
            r.cluster_tier = Some(SkuTier::Standard);
        }
        let result = estimate(&Arguments {
            regions,
            ..Default::default()
        })
        .unwrap();
        let control = items(&result, "noPeering", "AKS control plane");
        assert_eq!(control.len(), 1);
        assert!(close(control[0].quantity, 3.0 * 730.0));
        assert!(close(control[0].monthly, 3.0 * 0.10 * 730.0));
        assert!(close(result.scenarios[0].monthly_total, 219.0));
        assert_eq!(result.hours_per_month, 730.0);
        assert_eq!(result.currency, "USD");
    }

    #[test]
    fn estimate_cost_front_door_standard_arithmetic() {
        let result = estimate(&Arguments {
            regions: vec![region("westeurope")],
            front_door: Some(FrontDoorArguments {
                sku: Some(FrontDoorTier::Standard),
                requests_per_month: Some(10_000_000.0),
                egress_gb_per_month: Some(100.0),
            }),
            ..Default::default()
        })
        .unwrap();
        let fd = items(&result, "noPeering", "Front Door");
        assert_eq!(fd.len(), 3);
        assert!(close(fd[0].monthly, 35.0));
        assert!(close(fd[1].quantity, 1000.0));
        assert!(close(fd[1].monthly, 9.0));
        assert!(close(fd[2].monthly, 8.3));
        assert!(close(result.scenarios[0].monthly_total, 35.0 + 9.0 + 8.3));
    }

    #[test]
    fn estimate_cost_zone1_to_zone2_uses_source_outbound_and_destination_inbound() {
        let result = estimate(&Arguments {
            regions: vec![region("westeurope"), region("japaneast")],
            pair_traffic: Some(vec![PairTraffic {
                from: "westeurope".into(),
                to: "japaneast".into(),
                gb_per_month: 1000.0,
            }]),
            ..Default::default()
        })
        .unwrap();
        let outbound = items(&result, "withPeering", "Peering outbound");
        let inbound = items(&result, "withPeering", "Peering inbound");
        assert!(close(outbound[0].unit_price, 0.035));
        assert!(close(inbound[0].unit_price, 0.09));
        assert!(close(outbound[0].monthly + inbound[0].monthly, 125.0));
    }

    #[test]
    fn estimate_cost_zone_override_and_same_region_peering() {
        let mut custom = region("mexicocentral");
        custom.zone = Some(3);
        let result = estimate(&Arguments {
            regions: vec![custom, region("eastus"), region("eastus")],
            pair_traffic: Some(vec![
                PairTraffic {
                    from: "mexicocentral".into(),
                    to: "eastus".into(),
                    gb_per_month: 100.0,
                },
                PairTraffic {
                    from: "eastus".into(),
                    to: "eastus".into(),
                    gb_per_month: 100.0,
                },
            ]),
            ..Default::default()
        })
        .unwrap();
        let peering = items(&result, "withPeering", "Peering");
        let prices: Vec<f64> = peering.iter().map(|i| i.unit_price).collect();
        assert_eq!(prices, [0.16, 0.035, 0.01, 0.01]);
    }

    #[test]
    fn estimate_cost_nodes_built_in_and_user_prices() {
        let mut a = region("westeurope");
        a.node_count = Some(3);
        a.vm_size = Some("Standard_D4s_v5".into());
        let mut b = region("eastus");
        b.node_count = Some(2);
        b.vm_size = Some("Standard_D8s_v5".into());
        b.node_hourly_price = Some(0.4);
        let result = estimate(&Arguments {
            regions: vec![a, b],
            ..Default::default()
        })
        .unwrap();
        let nodes = items(&result, "noPeering", "Node VMs");
        assert!(close(nodes[0].monthly, 3.0 * 0.19 * 730.0));
        assert!(!nodes[0].verified);
        assert!(close(nodes[1].monthly, 2.0 * 0.4 * 730.0));
        assert!(nodes[1].source.contains("user-supplied"));
    }

    #[test]
    fn estimate_cost_errors_at_property_paths() {
        assert_eq!(failure_paths(&Arguments::default()), ["regions"]);

        let mut bad = region("marsnorth");
        bad.node_count = Some(-1);
        let mut no_price = region("eastus");
        no_price.node_count = Some(2);
        let mut bad_zone = region("eastus");
        bad_zone.zone = Some(7);
        let paths = failure_paths(&Arguments {
            regions: vec![bad, no_price, bad_zone],
            cross_region_traffic_gb_per_month: Some(-5.0),
            front_door: Some(FrontDoorArguments {
                sku: None,
                requests_per_month: Some(-1.0),
                egress_gb_per_month: None,
            }),
            virtual_wan_hub_hourly: Some(-0.25),
            ..Default::default()
        });
        assert_eq!(
            paths,
            [
                "regions[0].location",
                "regions[0].nodeCount",
                "regions[1].nodeHourlyPrice",
                "regions[2].zone",
                "frontDoor.requestsPerMonth",
                "virtualWanHubHourly",
            ]
        );

        let unknown = estimate(&Arguments {
            regions: vec![region("marsnorth")],
            ..Default::default()
        })
        .unwrap_err();
        assert!(unknown[0].reason.contains("zone"), "{}", unknown[0].reason);
        assert!(unknown[0].reason.contains("westeurope"));

        let paths = failure_paths(&Arguments {
            regions: vec![region("westeurope"), region("eastus")],
            cross_region_traffic_gb_per_month: Some(-5.0),
            ..Default::default()
        });
        assert_eq!(paths, ["crossRegionTrafficGbPerMonth"]);

        let paths = failure_paths(&Arguments {
            regions: vec![region("westeurope"), region("eastus")],
            pair_traffic: Some(vec![PairTraffic {
                from: "westeurope".into(),
                to: "japaneast".into(),
                gb_per_month: -1.0,
            }]),
            ..Default::default()
        });
        assert_eq!(paths, ["pairTraffic[0].to", "pairTraffic[0].gbPerMonth"]);

        let mut unknown_size = region("eastus");
        unknown_size.node_count = Some(1);
        unknown_size.vm_size = Some("Standard_X1".into());
        assert_eq!(
            failure_paths(&Arguments {
                regions: vec![unknown_size],
                ..Default::default()
            }),
            ["regions[0].vmSize"]
        );
    }

    #[test]
    fn estimate_cost_every_price_names_source_and_date() {
        let list = prices();
        assert!(!list.prices.is_empty());
        for (key, price) in &list.prices {
            assert!(!price.source.trim().is_empty(), "{key} has no source");
            assert_eq!(price.as_of, "2026-11", "{key}");
            assert!(!price.unit.is_empty(), "{key} has no unit");
            assert!(price.value >= 0.0, "{key}");
        }
        for unverified in [
            "aks.controlPlane.Premium",
            "peering.global.zone1.outbound",
            "peering.global.zone2.inbound",
            "peering.global.zone3.outbound",
        ] {
            assert!(!list.price(unverified).verified, "{unverified}");
        }
        assert!(list.price("aks.controlPlane.Standard").verified);
        assert!(!list.region_zones.source.is_empty());
        assert_eq!(list.region_zones.as_of, "2026-11");
        assert!(!list.region_zones.verified);
        assert_eq!(list.zone_of("westeurope"), Some(1));
        assert_eq!(list.zone_of("eastus"), Some(1));
        assert_eq!(list.zone_of("australiaeast"), Some(2));
        assert_eq!(list.zone_of("brazilsouth"), Some(3));
        assert_eq!(list.hours_per_month, 730.0);
    }

    #[test]
    fn estimate_cost_three_scenarios_in_order() {
        let result = estimate(&Arguments {
            regions: vec![region("westeurope"), region("eastus")],
            cross_region_traffic_gb_per_month: Some(2000.0),
            virtual_wan_hub_hourly: Some(0.25),
            virtual_wan_data_processing_per_gb: Some(0.02),
            ..Default::default()
        })
        .unwrap();
        let names: Vec<_> = result.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["noPeering", "withPeering", "virtualWan"]);
        for s in &result.scenarios {
            let sum: f64 = s.items.iter().map(|i| i.monthly).sum();
            assert!(close(s.monthly_total, round_cents(sum)), "{}", s.name);
        }
        let hubs = items(&result, "virtualWan", "Virtual WAN hub");
        assert_eq!(hubs.len(), 2);
        assert!(close(hubs[0].monthly, 0.25 * 730.0));
        let processing = items(&result, "virtualWan", "Virtual WAN data processing");
        assert!(close(processing[0].monthly, 40.0));
        assert!(close(result.scenarios[1].monthly_total, 140.0));
        assert!(result.notes.iter().any(|n| n.contains("internet egress")));

        let without_prices = estimate(&Arguments {
            regions: vec![region("westeurope"), region("eastus")],
            cross_region_traffic_gb_per_month: Some(2000.0),
            ..Default::default()
        })
        .unwrap();
        assert!(items(&without_prices, "virtualWan", "Virtual WAN").is_empty());
        assert!(without_prices
            .notes
            .iter()
            .any(|n| n.contains("virtualWanHubHourly")));
        assert!(without_prices
            .notes
            .iter()
            .any(|n| n.contains("virtualWanDataProcessingPerGb")));
    }
}
