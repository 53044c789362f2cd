//! aksmesh: a Pulumi native provider for multi-region AKS.
//!
//! Layout: `rpc/` is the protobuf boundary; `provider` adapts typed resources and functions to it;
//! `resources/` and `functions/` hold one module per token; `azure/` is the ARM client (no Pulumi);
//! `net/` is pure address-space logic.
pub mod azure;
pub mod component;
pub mod components;
pub mod config;
pub mod connectivity;
pub mod diff;
pub mod functions;
pub mod lifetime;
pub mod net;
pub mod property;
pub mod provider;
pub mod regions;
pub mod resource;
pub mod resources;
pub mod rpc;
pub mod vocabulary;
