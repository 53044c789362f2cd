//! The estimate returned: scenarios of priced items, each naming its source.

use serde::{Deserialize, Serialize};

use super::prices::Price;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub name: String,
    pub items: Vec<CostItem>,
    pub monthly_total: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostEstimate {
    pub currency: String,
    pub hours_per_month: f64,
    pub scenarios: Vec<Scenario>,
    pub notes: Vec<String>,
}

pub(super) fn round_cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

pub(super) fn item(name: String, quantity: f64, price: &Price) -> CostItem {
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

pub(super) fn user_item(
    name: String,
    quantity: f64,
    unit: &str,
    unit_price: f64,
    input: &str,
) -> CostItem {
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

pub(super) fn scenario(name: &str, items: Vec<CostItem>) -> Scenario {
    let total = items.iter().map(|i| i.monthly).sum::<f64>();
    Scenario {
        name: name.to_string(),
        items,
        monthly_total: round_cents(total),
    }
}
