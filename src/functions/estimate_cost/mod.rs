//! `aksmesh:index:estimateCost`: an itemised monthly cost estimate of a multi-region topology in three
//! scenarios (no peering, with peering, Virtual WAN). Pure: prices come from `prices.json`, embedded at build
//! time, which names the source, date and verification state of every figure.
//!
//! One concept per file: `arguments`, `prices` (the price list), `validate`, `traffic` (cross-region flows),
//! `items` (common to every scenario), `scenarios`, `report` (the result types), `estimate` (the steps).

mod arguments;
mod estimate;
mod items;
mod prices;
mod report;
mod scenarios;
mod traffic;
mod validate;

#[cfg(test)]
mod tests;

use async_trait::async_trait;

pub use arguments::{Arguments, FrontDoorArguments, PairTraffic, RegionArguments};
pub use estimate::estimate;
pub use prices::{prices, Price, PriceList, RegionZones, PRICES_JSON};
pub use report::{CostEstimate, CostItem, Scenario};

use crate::resource::{CheckFailure, Function};

pub struct EstimateCost;

#[async_trait]
impl Function for EstimateCost {
    const TOKEN: &'static str = "aksmesh:index:estimateCost";
    type Arguments = Arguments;
    type Result = CostEstimate;

    async fn invoke(&self, arguments: Arguments) -> Result<CostEstimate, Vec<CheckFailure>> {
        estimate(&arguments)
    }
}
