//! aksmesh: a Pulumi native provider for multi-region AKS.
pub mod azure;
pub mod net;
