//! Property tests for the address plan: valid requests always plan, every plan is internally consistent and
//! deterministic, appending a region never moves earlier ones, and no input panics.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::cidr::{self, RESERVED};
use super::plan::{
    plan_address_space, AddressPlan, PlanError, PlanRequest, RegionRequest, DEFAULT_BASE_CIDR,
    DEFAULT_NODE_SUBNET_PREFIX_LENGTH, DEFAULT_POD_CIDR_PREFIX_LENGTH,
    DEFAULT_POD_SUBNET_PREFIX_LENGTH, DEFAULT_VNET_PREFIX_LENGTH,
};

const MAX_GENERATED_REGIONS: usize = 16;

fn network(address: u64, prefix_length: u8) -> Ipv4Net {
    let address = u32::try_from(address).expect("generated address fits in IPv4");
    Ipv4Net::new(Ipv4Addr::from(address), prefix_length).expect("generated prefix length is valid")
}

fn size(prefix_length: u8) -> u64 {
    1u64 << (32 - u32::from(prefix_length))
}

/// The knobs of a request that is valid by construction; see [`Shape::request`].
#[derive(Debug, Clone)]
struct Shape {
    base_prefix_length: u8,
    first_octet: u8,
    base_bits: u32,
    vnet_extra: u8,
    node_subnet_extra: u8,
    pod_subnet_extra: u8,
    pod_cidr_extra: u8,
    region_count: usize,
    /// Per region: explicit VNet, explicit pod CIDR.
    explicit: Vec<(bool, bool)>,
    /// Explicit service CIDR prefix length offset, if any.
    service_extra: Option<u8>,
}

fn shapes() -> impl Strategy<Value = Shape> {
    (
        8u8..=12,
        // First octets 1..=126 keep a /8-or-smaller base clear of every reserved range (169, 172, 192).
        1u8..=126,
        any::<u32>(),
        3u8..=6,
        1u8..=4,
        1u8..=4,
        3u8..=6,
        1usize..=MAX_GENERATED_REGIONS,
        proptest::collection::vec(
            prop_oneof![
                3 => Just((false, false)),
                1 => Just((true, false)),
                1 => Just((false, true)),
                1 => Just((true, true)),
            ],
            MAX_GENERATED_REGIONS + 1,
        ),
        proptest::option::of(0u8..=15),
    )
        .prop_map(
            |(
                base_prefix_length,
                first_octet,
                base_bits,
                vnet_extra,
                node_subnet_extra,
                pod_subnet_extra,
                pod_cidr_extra,
                region_count,
                explicit,
                service_extra,
            )| Shape {
                base_prefix_length,
                first_octet,
                base_bits,
                vnet_extra,
                node_subnet_extra,
                pod_subnet_extra,
                pod_cidr_extra,
                region_count,
                explicit,
                service_extra,
            },
        )
}

impl Shape {
    fn base(&self) -> Ipv4Net {
        let address = (u32::from(self.first_octet) << 24) | (self.base_bits & 0x00ff_ffff);
        Ipv4Net::new(Ipv4Addr::from(address), self.base_prefix_length)
            .expect("prefix 8..=12")
            .trunc()
    }

    fn vnet_prefix_length(&self) -> u8 {
        self.base_prefix_length + self.vnet_extra
    }

    fn pod_cidr_prefix_length(&self) -> u8 {
        self.base_prefix_length + self.pod_cidr_extra
    }

    /// How many all-automatic regions fit: the smaller of the two pools.
    fn capacity(&self) -> usize {
        let vnet_slots = 1usize << (self.vnet_extra - 3);
        let pod_slots = 2usize << (self.pod_cidr_extra - 3);
        vnet_slots.min(pod_slots)
    }

    fn region_count(&self) -> usize {
        self.region_count.min(self.capacity())
    }

    /// Explicit ranges come from the half of the base the layout never uses: VNets from eighth 4, the service from
    /// eighth 5, pod CIDRs from eighths 6-7, each region at its own index, so they never collide.
    fn region(&self, index: usize) -> RegionRequest {
        let base = self.base();
        let eighth = size(base.prefix_len() + 3);
        let start = cidr::start(base.trunc());
        let (explicit_vnet, explicit_pod) = self.explicit[index];
        let index = index as u64;
        let vnet_prefix_length = self.vnet_prefix_length();
        let pod_cidr_prefix_length = self.pod_cidr_prefix_length();
        RegionRequest {
            location: format!("region-{index}"),
            vnet_cidr: explicit_vnet.then(|| {
                network(
                    start + 4 * eighth + index * size(vnet_prefix_length),
                    vnet_prefix_length,
                )
            }),
            pod_cidr: explicit_pod.then(|| {
                network(
                    start + 6 * eighth + index * size(pod_cidr_prefix_length),
                    pod_cidr_prefix_length,
                )
            }),
        }
    }

    fn request_with(&self, region_count: usize) -> PlanRequest {
        let base = self.base();
        let vnet_prefix_length = self.vnet_prefix_length();
        let service_cidr = self.service_extra.map(|extra| {
            let prefix_length = (base.prefix_len() + 3).max(13) + extra;
            network(
                cidr::start(base) + 5 * size(base.prefix_len() + 3),
                prefix_length.min(28),
            )
        });
        PlanRequest {
            regions: (0..region_count).map(|index| self.region(index)).collect(),
            base_cidr: base,
            vnet_prefix_length,
            pod_cidr_prefix_length: self.pod_cidr_prefix_length(),
            node_subnet_prefix_length: (vnet_prefix_length + self.node_subnet_extra).min(29),
            pod_subnet_prefix_length: (vnet_prefix_length + self.pod_subnet_extra).min(29),
            service_cidr,
        }
    }

    fn request(&self) -> PlanRequest {
        self.request_with(self.region_count())
    }
}

/// Every invariant a successful plan must satisfy, whatever the request.
fn check_plan(request: &PlanRequest, plan: &AddressPlan) -> Result<(), TestCaseError> {
    prop_assert_eq!(plan.regions.len(), request.regions.len());

    let service_cidr = plan.service_cidr;
    prop_assert!(
        service_cidr.prefix_len() > 12,
        "service {service_cidr} is /12 or larger"
    );
    if let Some(explicit) = request.service_cidr {
        prop_assert_eq!(service_cidr, explicit);
    }
    prop_assert!(cidr::check_dns_service_ip(service_cidr, plan.dns_service_ip).is_ok());
    prop_assert_eq!(
        u32::from(plan.dns_service_ip),
        u32::from(service_cidr.network()) + 10
    );

    for (region_request, region) in request.regions.iter().zip(&plan.regions) {
        prop_assert_eq!(&region.location, &region_request.location);
        match region_request.vnet_cidr {
            Some(explicit) => prop_assert_eq!(region.vnet_cidr, explicit),
            None => {
                prop_assert_eq!(region.vnet_cidr.prefix_len(), request.vnet_prefix_length);
                prop_assert!(cidr::contains(request.base_cidr, region.vnet_cidr));
            }
        }
        match region_request.pod_cidr {
            Some(explicit) => prop_assert_eq!(region.pod_cidr, explicit),
            None => {
                prop_assert_eq!(region.pod_cidr.prefix_len(), request.pod_cidr_prefix_length);
                prop_assert!(cidr::contains(request.base_cidr, region.pod_cidr));
            }
        }
        prop_assert!(region.pod_cidr.prefix_len() <= 24);
        prop_assert_eq!(
            region.node_subnet_cidr.prefix_len(),
            request.node_subnet_prefix_length
        );
        prop_assert_eq!(
            region.pod_subnet_cidr.prefix_len(),
            request.pod_subnet_prefix_length
        );
        prop_assert_eq!(
            region.node_subnet_cidr.network(),
            region.vnet_cidr.network()
        );
        prop_assert!(cidr::contains(region.vnet_cidr, region.node_subnet_cidr));
        prop_assert!(cidr::contains(region.vnet_cidr, region.pod_subnet_cidr));
        prop_assert!(!cidr::overlaps(
            region.node_subnet_cidr,
            region.pod_subnet_cidr
        ));
        for subnet in [region.node_subnet_cidr, region.pod_subnet_cidr] {
            prop_assert_eq!(subnet.trunc(), subnet);
            prop_assert!(subnet.prefix_len() <= 29);
        }
    }

    let mut named: Vec<(String, Ipv4Net)> = vec![("serviceCidr".to_string(), service_cidr)];
    for (index, region) in plan.regions.iter().enumerate() {
        named.push((format!("regions[{index}].vnetCidr"), region.vnet_cidr));
        named.push((format!("regions[{index}].podCidr"), region.pod_cidr));
    }
    for (name, range) in &named {
        prop_assert_eq!(range.trunc(), *range, "{} has host bits", name);
        for reserved in RESERVED {
            prop_assert!(
                !cidr::overlaps(*range, reserved),
                "{name} {range} overlaps reserved {reserved}"
            );
        }
    }
    // VNets pairwise, pod CIDRs pairwise, every pod CIDR against every VNet, and the service against all.
    let ranges: Vec<Ipv4Net> = named.iter().map(|(_, range)| *range).collect();
    let overlaps: Vec<(&str, &str)> = cidr::find_overlaps(&ranges)
        .into_iter()
        .map(|(first, second)| (named[first].0.as_str(), named[second].0.as_str()))
        .collect();
    prop_assert!(
        overlaps.is_empty(),
        "overlapping ranges: {overlaps:?} in {plan:?}"
    );
    Ok(())
}

/// The errors a request with explicit ranges inside the pools may legitimately hit.
fn is_expected_conflict(error: &PlanError) -> bool {
    matches!(
        error,
        PlanError::Overlap { .. } | PlanError::PoolExhausted { .. }
    )
}

fn arbitrary_network() -> impl Strategy<Value = Ipv4Net> {
    (any::<u32>(), 0u8..=32)
        .prop_map(|(address, prefix_length)| network(u64::from(address), prefix_length))
}

/// A network somewhere inside `base` (host bits possible when `keep_host_bits`).
fn network_inside(base: Ipv4Net, offset: u32, extra: u8, keep_host_bits: bool) -> Ipv4Net {
    let prefix_length = (base.prefix_len() + extra).min(32);
    let address = cidr::start(base) + u64::from(offset) % size(base.prefix_len());
    let candidate = network(address, prefix_length);
    if keep_host_bits {
        candidate
    } else {
        candidate.trunc()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_requests_plan_consistently(shape in shapes()) {
        let request = shape.request();
        let plan = plan_address_space(&request);
        prop_assert!(plan.is_ok(), "valid request refused: {plan:?} for {request:?}");
        if let Ok(plan) = plan {
            check_plan(&request, &plan)?;
        }
    }

    #[test]
    fn planning_is_deterministic(shape in shapes()) {
        let request = shape.request();
        let first = plan_address_space(&request);
        let second = plan_address_space(&request.clone());
        prop_assert_eq!(first, second);
    }

    #[test]
    fn appending_a_region_leaves_earlier_regions_unchanged(shape in shapes(), earlier in 1usize..MAX_GENERATED_REGIONS) {
        let earlier = earlier.min(shape.capacity().saturating_sub(1));
        prop_assume!(earlier >= 1);
        let before = plan_address_space(&shape.request_with(earlier));
        let after = plan_address_space(&shape.request_with(earlier + 1));
        prop_assert!(before.is_ok() && after.is_ok(), "{before:?} / {after:?}");
        if let (Ok(before), Ok(after)) = (before, after) {
            prop_assert_eq!(&after.regions[..earlier], &before.regions[..]);
            prop_assert_eq!(after.service_cidr, before.service_cidr);
            prop_assert_eq!(after.dns_service_ip, before.dns_service_ip);
        }
    }

    #[test]
    fn all_automatic_requests_plan_up_to_capacity_and_refuse_one_more(shape in shapes()) {
        let mut shape = shape;
        shape.explicit = vec![(false, false); MAX_GENERATED_REGIONS + 1];
        shape.service_extra = None;
        let capacity = shape.capacity();
        prop_assume!(capacity < MAX_GENERATED_REGIONS);
        let full = shape.request_with(capacity);
        let plan = plan_address_space(&full);
        prop_assert!(plan.is_ok(), "{plan:?}");
        let too_many = plan_address_space(&shape.request_with(capacity + 1));
        prop_assert!(
            matches!(too_many, Err(PlanError::PoolExhausted { index, .. }) if index == capacity),
            "{too_many:?}"
        );
    }

    /// Explicit ranges anywhere in the base (also inside the pools): either a consistent plan whose earlier
    /// regions do not move when one is appended, or an overlap / exhaustion error.
    #[test]
    fn explicit_ranges_inside_the_pools_are_honoured_or_refused(
        shape in shapes(),
        explicit in proptest::collection::vec(
            (proptest::option::of((any::<u32>(), 3u8..=8)), proptest::option::of((any::<u32>(), 3u8..=8))),
            1..=8,
        ),
    ) {
        let mut request = shape.request_with(explicit.len());
        let base = request.base_cidr;
        for (region, (vnet, pod)) in request.regions.iter_mut().zip(&explicit) {
            region.vnet_cidr = vnet.map(|(offset, extra)| {
                let extra = extra.min(request.node_subnet_prefix_length.min(request.pod_subnet_prefix_length) - 1 - base.prefix_len());
                network_inside(base, offset, extra, false)
            });
            region.pod_cidr = pod.map(|(offset, extra)| network_inside(base, offset, extra.min(24 - base.prefix_len()), false));
        }
        match plan_address_space(&request) {
            Ok(plan) => {
                check_plan(&request, &plan)?;
                let mut shorter = request.clone();
                shorter.regions.pop();
                if !shorter.regions.is_empty() {
                    let shorter_plan = plan_address_space(&shorter);
                    prop_assert!(shorter_plan.is_ok(), "dropping the last region broke the plan: {shorter_plan:?}");
                    if let Ok(shorter_plan) = shorter_plan {
                        prop_assert_eq!(&plan.regions[..shorter.regions.len()], &shorter_plan.regions[..]);
                    }
                }
            }
            Err(error) => prop_assert!(is_expected_conflict(&error), "unexpected error {error}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No input panics, every error names a field, and any plan that comes out is consistent.
    #[test]
    fn arbitrary_input_never_panics(
        base in prop_oneof![2 => Just(DEFAULT_BASE_CIDR), 1 => arbitrary_network()],
        base_host_offset in any::<u32>(),
        keep_host_bits in any::<bool>(),
        vnet_prefix_length in prop_oneof![3 => Just(DEFAULT_VNET_PREFIX_LENGTH), 1 => 0u8..=40],
        pod_cidr_prefix_length in prop_oneof![3 => Just(DEFAULT_POD_CIDR_PREFIX_LENGTH), 1 => 0u8..=40],
        node_subnet_prefix_length in prop_oneof![3 => Just(DEFAULT_NODE_SUBNET_PREFIX_LENGTH), 1 => 0u8..=40],
        pod_subnet_prefix_length in prop_oneof![3 => Just(DEFAULT_POD_SUBNET_PREFIX_LENGTH), 1 => 0u8..=40],
        service_cidr in proptest::option::of(arbitrary_network()),
        regions in proptest::collection::vec(
            (
                prop_oneof![Just("westeurope"), Just("eastus"), Just("West Europe"), Just("japaneast"), Just(""), Just("uksouth"), Just("brazilsouth")],
                proptest::option::of((any::<u32>(), 0u8..=16, any::<bool>())),
                proptest::option::of((any::<u32>(), 0u8..=16, any::<bool>())),
            ),
            0..=5,
        ),
    ) {
        let base = if keep_host_bits {
            network(u64::from(u32::from(base.network()) | (base_host_offset & u32::from(base.hostmask()))), base.prefix_len())
        } else {
            base
        };
        let request = PlanRequest {
            regions: regions
                .iter()
                .map(|(location, vnet, pod)| RegionRequest {
                    location: (*location).to_string(),
                    vnet_cidr: vnet.map(|(offset, extra, host_bits)| network_inside(base.trunc(), offset, extra, host_bits)),
                    pod_cidr: pod.map(|(offset, extra, host_bits)| network_inside(base.trunc(), offset, extra, host_bits)),
                })
                .collect(),
            base_cidr: base,
            vnet_prefix_length,
            pod_cidr_prefix_length,
            node_subnet_prefix_length,
            pod_subnet_prefix_length,
            service_cidr,
        };
        match plan_address_space(&request) {
            Ok(plan) => check_plan(&request, &plan)?,
            Err(error) => {
                prop_assert!(!error.field().is_empty());
                prop_assert!(!error.to_string().is_empty());
            }
        }
    }

    #[test]
    fn parse_cidr_never_panics_and_round_trips(text in "[0-9./:a-f ]{0,24}") {
        if let Ok(parsed) = cidr::parse_cidr(&text) {
            prop_assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn parse_cidr_round_trips_every_network(range in arbitrary_network()) {
        let range = range.trunc();
        prop_assert_eq!(cidr::parse_cidr(&range.to_string()), Ok(range));
    }
}
