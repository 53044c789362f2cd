//! The price list embedded from `prices.json`, which names the source, date and verification state of every
//! figure, and the region-to-bandwidth-zone table.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The embedded price list.
pub const PRICES_JSON: &str = include_str!("prices.json");

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub as_of: String,
    pub verified: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionZones {
    pub source: String,
    pub as_of: String,
    pub verified: bool,
    pub zones: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
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
    pub(super) fn price(&self, key: &str) -> &Price {
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

/// Every known region by zone, for the message that asks for a zone.
pub(super) fn zone_list() -> String {
    prices()
        .region_zones
        .zones
        .iter()
        .map(|(zone, regions)| format!("zone {zone}: {}", regions.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn known_vm_sizes() -> String {
    prices()
        .prices
        .keys()
        .filter_map(|k| k.strip_prefix("vm."))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(list.zone_of("australiacentral"), Some(1));
        assert_eq!(list.zone_of("australiacentral2"), Some(1));
        assert_eq!(list.zone_of("brazilsouth"), Some(3));
        assert_eq!(list.hours_per_month, 730.0);
    }
}
