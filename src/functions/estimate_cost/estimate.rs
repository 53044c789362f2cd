//! The estimate: validate, price the common items, then the three scenarios, then the notes on every estimate.

use super::arguments::Arguments;
use super::items::base_items;
use super::prices::{prices, PriceList};
use super::report::{CostEstimate, Scenario};
use super::scenarios::{no_peering, virtual_wan, with_peering};
use super::validate::{validate, Topology};
use crate::resource::CheckFailure;

/// Validates the arguments and prices the three scenarios.
pub fn estimate(arguments: &Arguments) -> Result<CostEstimate, Vec<CheckFailure>> {
    let list = prices();
    let mut notes = Vec::new();
    let topology = validate(arguments, &mut notes)?;

    let base = base_items(&topology, list, &mut notes);
    let total_gb: f64 = topology.flows.iter().map(|f| f.gb).sum();
    let scenarios = vec![
        no_peering(base.clone(), total_gb, &mut notes),
        with_peering(base.clone(), &topology, list),
        virtual_wan(base, &topology, total_gb, list, &mut notes),
    ];
    closing_notes(&topology, &scenarios, list, &mut notes);

    Ok(CostEstimate {
        currency: list.currency.clone(),
        hours_per_month: list.hours_per_month,
        scenarios,
        notes,
    })
}

/// Where the prices come from, which are unverified, and what no scenario includes.
fn closing_notes(
    topology: &Topology,
    scenarios: &[Scenario],
    list: &PriceList,
    notes: &mut Vec<String>,
) {
    notes.push(format!(
        "Prices are {} list prices as of {} from the sources named per item, not from Microsoft's live price sheet; check https://azure.microsoft.com/pricing before relying on them",
        list.currency, list.as_of
    ));
    let any_unverified = scenarios
        .iter()
        .any(|s| s.items.iter().any(|i| !i.verified));
    if any_unverified {
        notes.push("Items with verified=false use figures not confirmed against Microsoft's pricing page (global peering rates, Premium tier, Front Door origin transfer, illustrative VM prices, Microsoft Learn's example Virtual WAN prices)".to_string());
    }
    if topology.regions.iter().any(|r| r.zone != 1) || topology.flows.iter().any(|f| f.gb > 0.0) {
        notes.push(format!("Region zones: {}", list.region_zones.source));
    }
    notes.push("Not included: disks, load balancers, public IPs, NAT gateways, ACNS, Log Analytics and support plans".to_string());
}
