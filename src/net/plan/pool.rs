//! Automatic allocation: a pool hands out slot `i` to region `i`, or the next slot that overlaps nothing decided
//! so far, and explains what to change when it runs out.

use ipnet::Ipv4Net;

use super::cidr;
use super::error::{PlanError, PoolKind};
use super::layout::{align_up, block_size, network_at};
use super::limits::{SMALLEST_POD_CIDR_PREFIX_LENGTH, SMALLEST_SUBNET_PREFIX_LENGTH};
use super::types::{PlanRequest, RegionRequest};

/// A contiguous, slot-aligned run of addresses handed out in slots of one prefix length.
pub(super) struct Pool {
    pub(super) kind: PoolKind,
    pub(super) start: u64,
    pub(super) length: u64,
    pub(super) prefix_length: u8,
    pub(super) description: String,
    pub(super) base_cidr: Ipv4Net,
}

impl Pool {
    fn capacity(&self) -> u64 {
        self.length / block_size(self.prefix_length)
    }

    /// Slot `first_slot`, or the first later slot that overlaps none of `blockers`.
    pub(super) fn allocate(&self, first_slot: usize, blockers: &[Ipv4Net]) -> Option<Ipv4Net> {
        let slot_size = block_size(self.prefix_length);
        let first_slot = u64::try_from(first_slot).ok()?;
        if first_slot >= self.capacity() {
            return None;
        }
        let pool_end = self.start + self.length;
        let mut candidate_start = self.start + first_slot * slot_size;
        // Each step jumps past one blocker and never returns to it, so this ends after at most
        // `blockers.len() + 1` steps whatever the pool size.
        loop {
            if candidate_start + slot_size > pool_end {
                return None;
            }
            let candidate = network_at(candidate_start, self.prefix_length)?;
            let furthest_blocker_end = blockers
                .iter()
                .filter(|blocker| cidr::overlaps(candidate, **blocker))
                .map(|blocker| cidr::end(*blocker))
                .max();
            match furthest_blocker_end {
                None => return Some(candidate),
                Some(blocker_end) => candidate_start = align_up(blocker_end + 1, slot_size),
            }
        }
    }

    pub(super) fn exhausted(
        &self,
        request: &PlanRequest,
        index: usize,
        region: &RegionRequest,
    ) -> PlanError {
        let kind = self.kind;
        let capacity = self.capacity();
        let mut options = Vec::new();
        let longer_prefix_length = self.prefix_length + 1;
        let longest_allowed = match kind {
            PoolKind::Vnet => SMALLEST_SUBNET_PREFIX_LENGTH - 1,
            PoolKind::PodCidr => SMALLEST_POD_CIDR_PREFIX_LENGTH,
        };
        if longer_prefix_length <= longest_allowed {
            let mut option = format!(
                "raise {} to {longer_prefix_length} ({} slots)",
                kind.prefix_field(),
                capacity * 2
            );
            if kind == PoolKind::Vnet {
                let shortest_subnet = request
                    .node_subnet_prefix_length
                    .min(request.pod_subnet_prefix_length);
                if shortest_subnet <= longer_prefix_length {
                    option.push_str(&format!(
                        " together with nodeSubnetPrefixLength and podSubnetPrefixLength (at least {})",
                        longer_prefix_length + 1
                    ));
                }
            }
            options.push(option);
        }
        if let Some(larger_base) = self.base_cidr.supernet() {
            options.push(format!("use a larger baseCidr such as {larger_base}"));
        }
        options.push(format!(
            "set regions[{index}].{} explicitly",
            kind.region_field()
        ));
        PlanError::PoolExhausted {
            index,
            location: region.location.clone(),
            kind,
            pool: self.description.clone(),
            prefix_length: self.prefix_length,
            capacity,
            advice: options.join(", or "),
        }
    }
}
