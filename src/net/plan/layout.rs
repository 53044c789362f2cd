//! Where things go: the base cut into eighths (pools and the service range), the two subnets inside a VNet,
//! and the address arithmetic they share.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::cidr;
use super::error::{PlanError, PoolKind};
use super::limits::{SMALLEST_BASE_PREFIX_LENGTH, SMALLEST_SERVICE_PREFIX_LENGTH};
use super::pool::Pool;
use super::types::DNS_SERVICE_IP_OFFSET;
use super::validate::check_host_bits;

/// The base range cut into eighths.
pub(super) struct Layout {
    base_cidr: Ipv4Net,
    pub(super) eighth_prefix_length: u8,
}

impl Layout {
    pub(super) fn new(base_cidr: Ipv4Net) -> Result<Self, PlanError> {
        check_host_bits("baseCidr", base_cidr)?;
        if base_cidr.prefix_len() > SMALLEST_BASE_PREFIX_LENGTH {
            return Err(PlanError::BaseCidrTooSmall { base_cidr });
        }
        Ok(Self {
            base_cidr,
            eighth_prefix_length: base_cidr.prefix_len() + 3,
        })
    }

    fn eighth_start(&self, eighth: u64) -> u64 {
        cidr::start(self.base_cidr) + eighth * block_size(self.eighth_prefix_length)
    }

    pub(super) fn eighth(&self, eighth: u64) -> Option<Ipv4Net> {
        network_at(self.eighth_start(eighth), self.eighth_prefix_length)
    }

    /// `clamp(base prefix + 8, 16, 28)` at the start of eighth 3; see the module documentation.
    pub(super) fn service_cidr(&self) -> Result<Ipv4Net, PlanError> {
        let prefix_length =
            (self.base_cidr.prefix_len() + 8).clamp(16, SMALLEST_SERVICE_PREFIX_LENGTH);
        network_at(self.eighth_start(3), prefix_length).ok_or(PlanError::BaseCidrTooSmall {
            base_cidr: self.base_cidr,
        })
    }

    pub(super) fn pool(&self, kind: PoolKind, prefix_length: u8) -> Pool {
        let (first_eighth, eighths) = match kind {
            PoolKind::Vnet => (0, 1),
            PoolKind::PodCidr => (1, 2),
        };
        let description = (first_eighth..first_eighth + eighths)
            .filter_map(|eighth| self.eighth(eighth).map(|area| area.to_string()))
            .collect::<Vec<_>>()
            .join(" + ");
        let which_eighths = match kind {
            PoolKind::Vnet => "the first eighth",
            PoolKind::PodCidr => "the second and third eighths",
        };
        Pool {
            kind,
            start: self.eighth_start(first_eighth),
            length: eighths * block_size(self.eighth_prefix_length),
            prefix_length,
            description: format!(
                "{description} ({which_eighths} of baseCidr {})",
                self.base_cidr
            ),
            base_cidr: self.base_cidr,
        }
    }
}

/// The node subnet (first subnet of the VNet) and the pod subnet (next aligned subnet after it).
pub(super) fn subnets(
    vnet_cidr: Ipv4Net,
    node_subnet_prefix_length: u8,
    pod_subnet_prefix_length: u8,
) -> Option<(Ipv4Net, Ipv4Net)> {
    if node_subnet_prefix_length <= vnet_cidr.prefix_len()
        || pod_subnet_prefix_length <= vnet_cidr.prefix_len()
    {
        return None;
    }
    let vnet_start = cidr::start(vnet_cidr);
    let node_subnet = network_at(vnet_start, node_subnet_prefix_length)?;
    let pod_subnet_start = align_up(
        cidr::end(node_subnet) + 1,
        block_size(pod_subnet_prefix_length),
    );
    let pod_subnet = network_at(pod_subnet_start, pod_subnet_prefix_length)?;
    (cidr::contains(vnet_cidr, node_subnet) && cidr::contains(vnet_cidr, pod_subnet))
        .then_some((node_subnet, pod_subnet))
}

pub(super) fn dns_service_ip(service_cidr: Ipv4Net) -> Option<Ipv4Addr> {
    let address = cidr::start(service_cidr) + u64::from(DNS_SERVICE_IP_OFFSET);
    u32::try_from(address).ok().map(Ipv4Addr::from)
}

/// Number of addresses in a range of this prefix length (up to 2^32, hence `u64`).
pub(super) fn block_size(prefix_length: u8) -> u64 {
    1u64 << (32 - u32::from(prefix_length.min(32)))
}

pub(super) fn align_up(address: u64, size: u64) -> u64 {
    address.div_ceil(size) * size
}

pub(super) fn network_at(address: u64, prefix_length: u8) -> Option<Ipv4Net> {
    let address = u32::try_from(address).ok()?;
    Ipv4Net::new(Ipv4Addr::from(address), prefix_length).ok()
}
