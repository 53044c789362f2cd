//! Component resources (built with Construct), one module each.
pub mod overlay_peering;
