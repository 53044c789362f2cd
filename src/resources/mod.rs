//! Custom resources, one module each, all behind [`crate::resource::Resource`].
pub mod common;
pub mod regional_cluster;
pub mod regional_network;
pub mod vnet_peering;
