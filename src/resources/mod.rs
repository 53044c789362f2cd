//! Custom resources, one module each, all behind [`crate::resource::Resource`].
pub mod cilium_mesh;
pub mod common;
pub mod front_door;
#[cfg(test)]
mod golden_examples;
pub mod regional_cluster;
pub mod regional_network;
pub mod vnet_peering;
