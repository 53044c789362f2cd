//! Azure Resource Manager client: credentials, HTTPS transport with an extra trusted CA, request
//! ids, retries, long-running operations, write serialisation, resource ids and the hand-written
//! models of the resources aksmesh manages. Knows nothing about Pulumi.

pub mod api_versions;
pub mod auth;
pub mod client;
#[cfg(test)]
mod client_tests;
pub mod config;
mod deadline;
pub mod error;
pub mod ids;
mod lro;
pub mod models;
pub mod oidc;
mod pacing;
mod request;
pub mod retry;
pub mod transport;
mod write_locks;

pub use client::{
    default_operation_timeout, ArmClient, OperationOptions, ProgressCallback, WriteFailure,
    DEFAULT_OPERATION_TIMEOUT, MANAGED_CLUSTER_OPERATION_TIMEOUT,
};
pub use config::{ArmClientConfig, AuthMethod};
pub use error::{ArmErrorDetail, AzureError, AzureResult};
pub use ids::ResourceId;
pub use oidc::OidcSettings;
pub use pacing::{PacingPolicy, ThrottleStats};
pub use retry::RetryPolicy;

/// Re-exported so callers can build secrets and credentials without naming azure_core.
pub use azure_core::credentials::{Secret, TokenCredential};
