//! Functions (`pulumi.invoke`), one module each.
pub mod plan_address_space;
