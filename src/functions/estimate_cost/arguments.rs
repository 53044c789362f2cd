//! The function's arguments, as the engine sends them.

use serde::Deserialize;

use crate::vocabulary::{FrontDoorTier, SkuTier};

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionArguments {
    pub location: String,
    pub zone: Option<i64>,
    pub cluster_tier: Option<SkuTier>,
    pub node_count: Option<i64>,
    pub vm_size: Option<String>,
    pub node_hourly_price: Option<f64>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PairTraffic {
    pub from: String,
    pub to: String,
    pub gb_per_month: f64,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorArguments {
    pub sku: Option<FrontDoorTier>,
    pub requests_per_month: Option<f64>,
    pub egress_gb_per_month: Option<f64>,
    pub origin_gb_per_month: Option<f64>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Arguments {
    pub regions: Vec<RegionArguments>,
    pub cross_region_traffic_gb_per_month: Option<f64>,
    pub pair_traffic: Option<Vec<PairTraffic>>,
    pub front_door: Option<FrontDoorArguments>,
    pub virtual_wan_hub_hourly: Option<f64>,
    pub virtual_wan_data_processing_per_gb: Option<f64>,
}
