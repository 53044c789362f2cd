//! The three scenarios, each the common items plus how cross-region traffic is carried and billed.

use super::prices::PriceList;
use super::report::{item, scenario, user_item, CostItem, Scenario};
use super::validate::Topology;

/// noPeering: cross-region traffic goes over public endpoints.
pub(super) fn no_peering(base: Vec<CostItem>, total_gb: f64, notes: &mut Vec<String>) -> Scenario {
    let no_peering = scenario("noPeering", base);
    if total_gb > 0.0 {
        notes.push(format!(
            "noPeering: the {total_gb} GB/month of cross-region traffic goes over public endpoints and is billed as internet egress, which is not estimated (no sourced price in the data file)"
        ));
    }
    no_peering
}

/// withPeering: each one-way flow pays outbound at the source's zone and inbound at the destination's.
pub(super) fn with_peering(
    mut items: Vec<CostItem>,
    topology: &Topology,
    list: &PriceList,
) -> Scenario {
    let regions = &topology.regions;
    for flow in topology.flows.iter().filter(|f| f.gb > 0.0) {
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
        items.push(item(
            format!(
                "Peering outbound {} -> {} (zone {})",
                from.location, to.location, from.zone
            ),
            flow.gb,
            outbound,
        ));
        items.push(item(
            format!(
                "Peering inbound {} -> {} (zone {})",
                from.location, to.location, to.zone
            ),
            flow.gb,
            inbound,
        ));
    }
    scenario("withPeering", items)
}

/// virtualWan: one hub per region plus data processing of the cross-region traffic.
pub(super) fn virtual_wan(
    mut items: Vec<CostItem>,
    topology: &Topology,
    total_gb: f64,
    list: &PriceList,
    notes: &mut Vec<String>,
) -> Scenario {
    let hours = list.hours_per_month;
    let mut hub_locations: Vec<&str> = topology
        .regions
        .iter()
        .map(|r| r.location.as_str())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    hub_locations.retain(|l| seen.insert(*l));
    match topology.hub_hourly {
        Some(price) => {
            for location in &hub_locations {
                items.push(user_item(
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
    match topology.processing {
        Some(price) if total_gb > 0.0 => items.push(user_item(
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
    scenario("virtualWan", items)
}
