//! Functions (`pulumi.invoke`), one module each.
pub mod analyze_connectivity;
pub mod estimate_cost;
pub mod plan_address_space;
