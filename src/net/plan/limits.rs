//! The Azure and AKS limits every plan respects.

/// Azure's smallest IPv4 subnet.
pub(super) const SMALLEST_SUBNET_PREFIX_LENGTH: u8 = 29;
/// Azure CNI Overlay gives every node a `/24` of the pod CIDR, so a pod CIDR must hold at least one.
pub(super) const SMALLEST_POD_CIDR_PREFIX_LENGTH: u8 = 24;
/// AKS: the service CIDR must be smaller than `/12`.
pub(super) const LARGEST_SERVICE_PREFIX_LENGTH: u8 = 13;
/// The DNS service IP at offset 10 must be neither the network nor the broadcast address.
pub(super) const SMALLEST_SERVICE_PREFIX_LENGTH: u8 = 28;
/// Pools are eighths of the base and a pod CIDR (at most `/24`) must fit in one eighth.
pub(super) const SMALLEST_BASE_PREFIX_LENGTH: u8 = SMALLEST_POD_CIDR_PREFIX_LENGTH - 3;
