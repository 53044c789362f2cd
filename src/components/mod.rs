//! Component resources (built with Construct), one module each.
pub mod multi_region_aks;
pub mod overlay_peering;
