//! Address-space planning: one VNet, node subnet, pod subnet and overlay pod CIDR per region, plus one service
//! CIDR shared by every cluster.
//!
//! # Layout
//!
//! Everything automatic comes from `baseCidr` (default `10.0.0.0/8`), cut into eighths:
//!
//! | Eighths of `baseCidr` | Use                                    | Default (`10.0.0.0/8`)          |
//! |-----------------------|----------------------------------------|---------------------------------|
//! | 0                     | VNet pool (slots of `vnetPrefixLength`) | `10.0.0.0/11`: 8 × `/14`        |
//! | 1–2                   | overlay pod CIDR pool (slots of `podCidrPrefixLength`) | `10.32.0.0/11` + `10.64.0.0/11`: 8 × `/13` |
//! | 3                     | service CIDR at its start               | `10.96.0.0/16`, DNS `10.96.0.10` |
//! | 4–7                   | unused, free for explicit ranges        | `10.128.0.0/9`                  |
//!
//! * The service CIDR prefix length is `clamp(base prefix + 8, 16, 28)`: a `/16` (65,536 service IPs) for bases of
//!   `/8` or larger, one 256th of smaller bases, and never smaller than `/28` so the DNS service IP (network address
//!   + 10) is neither its first nor its last address. It is always inside eighth 3 and smaller than AKS's `/12` limit.
//! * Each VNet holds the node subnet (its first subnet of `nodeSubnetPrefixLength`) and then the pod subnet (the next
//!   aligned subnet of `podSubnetPrefixLength`, used only by flat pod networking).
//!
//! # Slots and stability
//!
//! Regions are processed in request order. A region without an explicit range takes pool slot `i` (its index) or, if
//! that slot overlaps a range already given to an earlier region, to this region, or to an explicit `serviceCidr`,
//! the next free slot after it. A region's ranges therefore depend only on the regions before it: appending a region
//! never moves existing ones, and an explicit range can shift later regions' automatic slots only if it overlaps
//! them. An explicit range that overlaps an *earlier* region's automatic range is refused rather than moving that
//! region (moving it would replace a live VNet or cluster).
//!
//! # Files
//!
//! `types` (request and plan), `error`, `limits` (Azure and AKS limits), `validate`, `layout` (eighths, subnets,
//! address arithmetic), `pool` (automatic slots), `ranges` (explicit ranges and overlaps), `planner` (the steps of
//! [`plan_address_space`]).

// The CIDR helpers, used by the files below as `super::cidr`.
use super::cidr;

mod error;
mod layout;
mod limits;
mod planner;
mod pool;
mod ranges;
mod types;
mod validate;

#[cfg(test)]
mod tests;

pub use error::{longest_vnet_prefix_for, PlanError, PoolKind};
pub use planner::plan_address_space;
pub use types::{
    AddressPlan, PlanRequest, RegionPlan, RegionRequest, DEFAULT_BASE_CIDR,
    DEFAULT_NODE_SUBNET_PREFIX_LENGTH, DEFAULT_POD_CIDR_PREFIX_LENGTH,
    DEFAULT_POD_SUBNET_PREFIX_LENGTH, DEFAULT_VNET_PREFIX_LENGTH, DNS_SERVICE_IP_OFFSET,
};
