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

/// virtualWan: one Standard hub per region, data processing in every hub a flow traverses (one
/// within a region, two between regions), and the peering legs between each spoke VNet and its hub.
/// Microsoft Learn, "About Virtual WAN pricing": spoke to spoke through hubs in two regions pays
/// 2 x hub deployment, 2 x $0.02/GB hub processing and 2 x $0.01/GB peering (outbound + inbound),
/// plus inter-region transfer. Its prices are examples: user-supplied prices take precedence.
pub(super) fn virtual_wan(
    mut items: Vec<CostItem>,
    topology: &Topology,
    total_gb: f64,
    list: &PriceList,
    notes: &mut Vec<String>,
) -> Scenario {
    let hours = list.hours_per_month;
    let regions = &topology.regions;
    let mut hub_locations: Vec<&str> = regions.iter().map(|r| r.location.as_str()).collect();
    let mut seen = std::collections::BTreeSet::new();
    hub_locations.retain(|l| seen.insert(*l));
    for location in &hub_locations {
        let name = format!("Virtual WAN Standard hub in {location}");
        items.push(match topology.hub_hourly {
            Some(price) => user_item(name, hours, "hub-hour", price, "virtualWanHubHourly"),
            None => item(name, hours, list.price("virtualWan.hub.Standard")),
        });
    }
    let mut hub_gb = 0.0;
    let mut cross_region = false;
    for flow in topology.flows.iter().filter(|f| f.gb > 0.0) {
        let within = regions[flow.from].location == regions[flow.to].location;
        cross_region |= !within;
        hub_gb += flow.gb * if within { 1.0 } else { 2.0 };
    }
    if hub_gb > 0.0 {
        let name = format!("Virtual WAN data processing ({total_gb} GB, in each hub traversed)");
        items.push(match topology.processing {
            Some(price) => user_item(
                name,
                hub_gb,
                "GB per hub",
                price,
                "virtualWanDataProcessingPerGb",
            ),
            None => item(name, hub_gb, list.price("virtualWan.dataProcessing")),
        });
    }
    if total_gb > 0.0 {
        items.push(item(
            "Virtual WAN spoke peering outbound (spoke VNet -> hub)".to_string(),
            total_gb,
            list.price("peering.sameRegion.outbound"),
        ));
        items.push(item(
            "Virtual WAN spoke peering inbound (hub -> spoke VNet)".to_string(),
            total_gb,
            list.price("peering.sameRegion.inbound"),
        ));
    }
    if cross_region {
        notes.push(format!(
            "virtualWan: hub-to-hub transfer between regions is not estimated: {}",
            list.unavailable["virtualWan.interHub"]
        ));
    }
    if topology.hub_hourly.is_none() || (hub_gb > 0.0 && topology.processing.is_none()) {
        notes.push("virtualWan: hub and data processing prices are Microsoft Learn's example prices ($0.25/hub-hour, $0.02/GB per hub); pass virtualWanHubHourly and virtualWanDataProcessingPerGb for your regions' prices".to_string());
    }
    scenario("virtualWan", items)
}
