//! The protobuf boundary: the generated pulumirpc types, value conversion, errors with details, the
//! engine log, and the ResourceProvider service. Nothing outside this module sees protobuf.

pub mod bounded_text;
pub mod child_failures;
pub mod engine;
pub mod errors;
pub mod monitor;
pub mod nesting;
pub mod server;
pub mod values;

#[allow(clippy::all, missing_docs)]
pub mod pulumirpc {
    tonic::include_proto!("pulumirpc");
}

#[allow(clippy::all, missing_docs)]
pub mod google_rpc {
    tonic::include_proto!("google.rpc");
}

/// The engine allows 400 MiB messages; tonic decodes only 4 MiB unless told otherwise.
pub const MAX_MESSAGE_SIZE: usize = 400 << 20;
