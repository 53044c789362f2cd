//! Examples of plans and refusals, with the exact fields and messages (the property tests are in `net::proptests`).

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::*;

fn net(text: &str) -> Ipv4Net {
    text.parse().unwrap()
}

fn default_request(count: usize) -> PlanRequest {
    PlanRequest::for_locations((0..count).map(|index| format!("region{index}")))
}

fn plan_error(request: &PlanRequest) -> PlanError {
    plan_address_space(request).unwrap_err()
}

fn assert_message_contains(error: &PlanError, fragments: &[&str]) {
    let message = error.to_string();
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "message {message:?} lacks {fragment:?}"
        );
    }
}

#[test]
fn defaults_reproduce_the_documented_layout() {
    let plan = plan_address_space(&PlanRequest::for_locations([
        "westeurope",
        "eastus",
        "southeastasia",
    ]))
    .unwrap();
    let expected = [
        (
            "westeurope",
            "10.0.0.0/14",
            "10.0.0.0/16",
            "10.1.0.0/16",
            "10.32.0.0/13",
        ),
        (
            "eastus",
            "10.4.0.0/14",
            "10.4.0.0/16",
            "10.5.0.0/16",
            "10.40.0.0/13",
        ),
        (
            "southeastasia",
            "10.8.0.0/14",
            "10.8.0.0/16",
            "10.9.0.0/16",
            "10.48.0.0/13",
        ),
    ];
    assert_eq!(plan.regions.len(), expected.len());
    for (region, (location, vnet, node_subnet, pod_subnet, pod)) in
        plan.regions.iter().zip(expected)
    {
        assert_eq!(region.location, location);
        assert_eq!(region.vnet_cidr, net(vnet));
        assert_eq!(region.node_subnet_cidr, net(node_subnet));
        assert_eq!(region.pod_subnet_cidr, net(pod_subnet));
        assert_eq!(region.pod_cidr, net(pod));
    }
    assert_eq!(plan.service_cidr, net("10.96.0.0/16"));
    assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 96, 0, 10));
}

#[test]
fn defaults_fit_eight_regions_and_refuse_the_ninth() {
    let plan = plan_address_space(&default_request(8)).unwrap();
    assert_eq!(plan.regions[7].vnet_cidr, net("10.28.0.0/14"));
    assert_eq!(plan.regions[7].pod_cidr, net("10.88.0.0/13"));

    let error = plan_error(&default_request(9));
    assert!(matches!(
        error,
        PlanError::PoolExhausted {
            index: 8,
            kind: PoolKind::Vnet,
            capacity: 8,
            ..
        }
    ));
    assert_eq!(error.field(), "regions");
    assert_message_contains(
        &error,
        &[
            "regions[8] (region8)",
            "10.0.0.0/11",
            "at most 8 regions",
            "raise vnetPrefixLength to 15 (16 slots)",
            "baseCidr such as 10.0.0.0/7",
            "regions[8].vnetCidr",
        ],
    );
}

#[test]
fn pod_pool_exhaustion_names_the_pod_settings() {
    let mut request = default_request(9);
    request.vnet_prefix_length = 15;
    request.node_subnet_prefix_length = 17;
    request.pod_subnet_prefix_length = 17;
    let error = plan_error(&request);
    assert!(matches!(
        error,
        PlanError::PoolExhausted {
            index: 8,
            kind: PoolKind::PodCidr,
            capacity: 8,
            ..
        }
    ));
    assert_message_contains(
        &error,
        &[
            "10.32.0.0/11 + 10.64.0.0/11",
            "raise podCidrPrefixLength to 14",
            "regions[8].podCidr",
        ],
    );
}

#[test]
fn serde_defaults_match_the_constructor() {
    let request: PlanRequest =
        serde_json::from_str(r#"{"regions":[{"location":"westeurope"}]}"#).unwrap();
    assert_eq!(request, PlanRequest::for_locations(["westeurope"]));
    let plan = plan_address_space(&request).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["regions"][0]["nodeSubnetCidr"], "10.0.0.0/16");
    assert_eq!(json["dnsServiceIp"], "10.96.0.10");
}

#[test]
fn service_prefix_rule_scales_with_the_base() {
    let mut request = default_request(1);
    request.base_cidr = net("10.0.0.0/12");
    request.vnet_prefix_length = 18;
    request.node_subnet_prefix_length = 20;
    request.pod_subnet_prefix_length = 20;
    request.pod_cidr_prefix_length = 17;
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions[0].vnet_cidr, net("10.0.0.0/18"));
    assert_eq!(plan.regions[0].pod_cidr, net("10.2.0.0/17"));
    assert_eq!(plan.service_cidr, net("10.6.0.0/20"));
    assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 6, 0, 10));

    request.base_cidr = net("10.0.0.0/21");
    request.vnet_prefix_length = 24;
    request.node_subnet_prefix_length = 26;
    request.pod_subnet_prefix_length = 25;
    request.pod_cidr_prefix_length = 24;
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions[0].node_subnet_cidr, net("10.0.0.0/26"));
    assert_eq!(plan.regions[0].pod_subnet_cidr, net("10.0.0.128/25"));
    assert_eq!(plan.service_cidr, net("10.0.3.0/28"));
}

#[test]
fn pod_subnet_follows_the_node_subnet_aligned_to_its_own_size() {
    let mut request = default_request(1);
    request.pod_subnet_prefix_length = 15;
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions[0].node_subnet_cidr, net("10.0.0.0/16"));
    assert_eq!(plan.regions[0].pod_subnet_cidr, net("10.2.0.0/15"));
}

#[test]
fn no_regions_is_refused() {
    let error = plan_error(&default_request(0));
    assert_eq!(error, PlanError::NoRegions);
    assert_eq!(error.field(), "regions");
    assert_message_contains(&error, &["at least one region"]);
}

#[test]
fn empty_location_is_refused() {
    let mut request = default_request(2);
    request.regions[1].location = "  ".to_string();
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[1].location");
    assert_message_contains(&error, &["regions[1].location is empty"]);
}

#[test]
fn duplicate_locations_are_refused_ignoring_case_and_spaces() {
    let request = PlanRequest::for_locations(["westeurope", "eastus", "West Europe"]);
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[2].location");
    assert_message_contains(
        &error,
        &[
            "regions[2].location \"West Europe\"",
            "regions[0].location \"westeurope\"",
        ],
    );
}

#[test]
fn host_bits_are_refused_everywhere_with_a_suggestion() {
    let mut request = default_request(1);
    request.base_cidr = net("10.0.0.1/8");
    let error = plan_error(&request);
    assert_eq!(error.field(), "baseCidr");
    assert_message_contains(
        &error,
        &["baseCidr 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"],
    );

    let mut request = default_request(1);
    request.service_cidr = Some(net("10.96.0.5/16"));
    assert_eq!(plan_error(&request).field(), "serviceCidr");

    let mut request = default_request(2);
    request.regions[1].vnet_cidr = Some(net("10.200.0.1/16"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[1].vnetCidr");
    assert_message_contains(&error, &["did you mean 10.200.0.0/16?"]);

    let mut request = default_request(2);
    request.regions[1].pod_cidr = Some(net("10.200.0.1/16"));
    assert_eq!(plan_error(&request).field(), "regions[1].podCidr");
}

#[test]
fn base_cidr_smaller_than_slash_21_is_refused() {
    let mut request = default_request(1);
    request.base_cidr = net("10.0.0.0/22");
    let error = plan_error(&request);
    assert_eq!(
        error,
        PlanError::BaseCidrTooSmall {
            base_cidr: net("10.0.0.0/22")
        }
    );
    assert_eq!(error.field(), "baseCidr");
    assert_message_contains(
        &error,
        &["baseCidr 10.0.0.0/22 is too small", "/21 or larger"],
    );
}

#[test]
fn vnet_prefix_must_leave_room_for_eight_vnet_slots_per_base() {
    let mut request = default_request(1);
    request.vnet_prefix_length = 10;
    let error = plan_error(&request);
    assert_eq!(error.field(), "vnetPrefixLength");
    assert_message_contains(
        &error,
        &[
            "vnetPrefixLength is 10 but must be between 11 and 28",
            "baseCidr 10.0.0.0/8",
        ],
    );
}

#[test]
fn vnet_prefix_must_leave_room_for_the_smallest_subnets() {
    let mut request = default_request(1);
    request.vnet_prefix_length = 29;
    let error = plan_error(&request);
    assert_eq!(error.field(), "vnetPrefixLength");
    assert_message_contains(&error, &["between 11 and 28", "/29"]);
}

#[test]
fn node_subnet_must_fit_in_the_vnet() {
    let mut request = default_request(1);
    request.node_subnet_prefix_length = 14;
    let error = plan_error(&request);
    assert_eq!(error.field(), "nodeSubnetPrefixLength");
    assert_message_contains(&error, &["is 14 but must be between 15 and 29", "/14 VNet"]);

    request.node_subnet_prefix_length = 30;
    assert_eq!(plan_error(&request).field(), "nodeSubnetPrefixLength");
}

#[test]
fn pod_subnet_must_fit_in_the_vnet() {
    let mut request = default_request(1);
    request.pod_subnet_prefix_length = 12;
    let error = plan_error(&request);
    assert_eq!(error.field(), "podSubnetPrefixLength");
    assert_message_contains(&error, &["is 12 but must be between 15 and 29"]);
}

#[test]
fn pod_cidr_prefix_must_fit_the_pod_pool_and_hold_a_node() {
    let mut request = default_request(1);
    request.pod_cidr_prefix_length = 10;
    let error = plan_error(&request);
    assert_eq!(error.field(), "podCidrPrefixLength");
    assert_message_contains(&error, &["is 10 but must be between 11 and 24", "/24"]);

    request.pod_cidr_prefix_length = 25;
    assert_eq!(plan_error(&request).field(), "podCidrPrefixLength");
}

#[test]
fn explicit_vnet_too_small_for_its_subnets_is_refused() {
    let mut request = default_request(2);
    request.regions[1].vnet_cidr = Some(net("10.200.0.0/16"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[1].vnetCidr");
    assert_message_contains(
        &error,
        &[
            "regions[1].vnetCidr 10.200.0.0/16 (region1)",
            "use a /15 or larger VNet",
        ],
    );
}

#[test]
fn explicit_pod_cidr_smaller_than_a_node_block_is_refused() {
    let mut request = default_request(1);
    request.regions[0].pod_cidr = Some(net("10.200.0.0/25"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[0].podCidr");
    assert_message_contains(
        &error,
        &["regions[0].podCidr 10.200.0.0/25 (region0)", "/24"],
    );
}

#[test]
fn explicit_ranges_are_honoured_and_skipped_by_later_automatic_slots() {
    let mut request = default_request(3);
    request.regions[0].vnet_cidr = Some(net("10.4.0.0/15"));
    request.regions[0].pod_cidr = Some(net("192.168.0.0/16"));
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions[0].vnet_cidr, net("10.4.0.0/15"));
    assert_eq!(plan.regions[0].node_subnet_cidr, net("10.4.0.0/16"));
    assert_eq!(plan.regions[0].pod_subnet_cidr, net("10.5.0.0/16"));
    assert_eq!(plan.regions[0].pod_cidr, net("192.168.0.0/16"));
    // Slot 1 (10.4.0.0/14) overlaps region 0, so region 1 moves to slot 2 and region 2 to slot 3.
    assert_eq!(plan.regions[1].vnet_cidr, net("10.8.0.0/14"));
    assert_eq!(plan.regions[2].vnet_cidr, net("10.12.0.0/14"));
    // Pod slots are untouched: region i keeps pod slot i even though slot 0 is unused.
    assert_eq!(plan.regions[1].pod_cidr, net("10.40.0.0/13"));
    assert_eq!(plan.regions[2].pod_cidr, net("10.48.0.0/13"));
}

#[test]
fn explicit_range_outside_the_pools_keeps_other_regions_in_place() {
    let mut request = default_request(3);
    request.regions[1].vnet_cidr = Some(net("10.128.0.0/14"));
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions[0].vnet_cidr, net("10.0.0.0/14"));
    assert_eq!(plan.regions[1].vnet_cidr, net("10.128.0.0/14"));
    assert_eq!(plan.regions[2].vnet_cidr, net("10.8.0.0/14"));
}

#[test]
fn automatic_vnet_avoids_its_own_explicit_pod_cidr() {
    let mut request = default_request(1);
    request.regions[0].pod_cidr = Some(net("10.0.0.0/13"));
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions[0].vnet_cidr, net("10.8.0.0/14"));
}

#[test]
fn automatic_slots_avoid_an_explicit_service_cidr() {
    let mut request = default_request(2);
    request.service_cidr = Some(net("10.0.0.0/16"));
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.service_cidr, net("10.0.0.0/16"));
    assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 0, 0, 10));
    assert_eq!(plan.regions[0].vnet_cidr, net("10.4.0.0/14"));
    assert_eq!(plan.regions[1].vnet_cidr, net("10.8.0.0/14"));
}

#[test]
fn explicit_ranges_overlapping_each_other_name_both() {
    let mut request = default_request(3);
    request.regions[0].vnet_cidr = Some(net("10.128.0.0/14"));
    request.regions[2].pod_cidr = Some(net("10.130.0.0/16"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[2].podCidr");
    assert_message_contains(
        &error,
        &[
            "regions[2].podCidr 10.130.0.0/16 (region2)",
            "overlaps regions[0].vnetCidr 10.128.0.0/14 (region0)",
            "change one of them",
        ],
    );
}

#[test]
fn explicit_vnet_and_pod_cidr_of_one_region_must_not_overlap() {
    let mut request = default_request(1);
    request.regions[0].vnet_cidr = Some(net("10.128.0.0/14"));
    request.regions[0].pod_cidr = Some(net("10.128.0.0/13"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[0].podCidr");
    assert_message_contains(&error, &["regions[0].vnetCidr 10.128.0.0/14"]);
}

#[test]
fn explicit_range_overlapping_the_computed_service_range_names_both() {
    let mut request = default_request(2);
    request.regions[1].vnet_cidr = Some(net("10.96.0.0/14"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[1].vnetCidr");
    assert_message_contains(
        &error,
        &[
            "regions[1].vnetCidr 10.96.0.0/14 (region1)",
            "serviceCidr 10.96.0.0/16 (computed from baseCidr)",
            "set serviceCidr explicitly",
        ],
    );
}

#[test]
fn explicit_range_overlapping_an_explicit_service_range_names_both() {
    let mut request = default_request(1);
    request.service_cidr = Some(net("192.168.0.0/16"));
    request.regions[0].pod_cidr = Some(net("192.168.0.0/15"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[0].podCidr");
    assert_message_contains(
        &error,
        &[
            "regions[0].podCidr 192.168.0.0/15",
            "serviceCidr 192.168.0.0/16",
        ],
    );
}

#[test]
fn explicit_range_overlapping_an_earlier_automatic_range_is_refused_not_moved() {
    let mut request = default_request(3);
    request.regions[2].vnet_cidr = Some(net("10.4.0.0/15"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[2].vnetCidr");
    assert_message_contains(
        &error,
        &[
            "regions[2].vnetCidr 10.4.0.0/15 (region2)",
            "regions[1].vnetCidr 10.4.0.0/14 (region1, assigned automatically)",
            "never move",
        ],
    );
}

#[test]
fn explicit_pod_cidr_overlapping_an_automatic_vnet_is_refused() {
    let mut request = default_request(2);
    request.regions[1].pod_cidr = Some(net("10.0.0.0/13"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[1].podCidr");
    assert_message_contains(
        &error,
        &["regions[0].vnetCidr 10.0.0.0/14 (region0, assigned automatically)"],
    );
}

#[test]
fn reserved_ranges_are_refused_in_explicit_region_ranges() {
    let mut request = default_request(2);
    request.regions[1].vnet_cidr = Some(net("172.30.0.0/15"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[1].vnetCidr");
    assert_message_contains(
        &error,
        &[
            "regions[1].vnetCidr 172.30.0.0/15 (region1)",
            "reserved range 172.30.0.0/16",
        ],
    );

    let mut request = default_request(1);
    request.regions[0].pod_cidr = Some(net("169.254.0.0/16"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "regions[0].podCidr");
    assert_message_contains(&error, &["reserved range 169.254.0.0/16"]);
}

#[test]
fn reserved_ranges_are_refused_in_the_service_cidr() {
    let mut request = default_request(1);
    request.service_cidr = Some(net("192.0.2.0/24"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "serviceCidr");
    assert_message_contains(
        &error,
        &["serviceCidr 192.0.2.0/24", "reserved range 192.0.2.0/24"],
    );
}

#[test]
fn reserved_ranges_are_refused_in_the_used_part_of_the_base() {
    let mut request = default_request(1);
    request.base_cidr = net("172.30.0.0/15");
    request.vnet_prefix_length = 19;
    request.node_subnet_prefix_length = 21;
    request.pod_subnet_prefix_length = 21;
    request.pod_cidr_prefix_length = 18;
    let error = plan_error(&request);
    assert_eq!(error.field(), "baseCidr");
    assert_message_contains(
        &error,
        &[
            "baseCidr 172.30.0.0/15: its VNet pool 172.30.0.0/18",
            "reserved range 172.30.0.0/16",
            "10.0.0.0/8",
        ],
    );

    // 172.16.0.0/12 is fine: 172.30.0.0/15 lies in its unused last eighth.
    let mut request = default_request(1);
    request.base_cidr = net("172.16.0.0/12");
    request.vnet_prefix_length = 16;
    request.node_subnet_prefix_length = 18;
    request.pod_subnet_prefix_length = 18;
    request.pod_cidr_prefix_length = 16;
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions[0].vnet_cidr, net("172.16.0.0/16"));
    assert_eq!(plan.service_cidr, net("172.22.0.0/20"));
}

#[test]
fn service_cidr_of_slash_12_or_larger_is_refused() {
    let mut request = default_request(1);
    request.service_cidr = Some(net("10.96.0.0/12"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "serviceCidr");
    assert_message_contains(
        &error,
        &["serviceCidr 10.96.0.0/12 is too large", "smaller than /12"],
    );

    request.service_cidr = Some(net("10.96.0.0/13"));
    assert!(plan_address_space(&request).is_ok());
}

#[test]
fn service_cidr_too_small_for_the_dns_ip_is_refused() {
    let mut request = default_request(1);
    request.service_cidr = Some(net("10.96.0.0/29"));
    let error = plan_error(&request);
    assert_eq!(error.field(), "serviceCidr");
    assert_message_contains(&error, &["serviceCidr 10.96.0.0/29 is too small", "/28"]);

    request.service_cidr = Some(net("10.96.0.0/28"));
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.dns_service_ip, Ipv4Addr::new(10, 96, 0, 10));
}

#[test]
fn explicit_ranges_let_any_number_of_regions_fit() {
    let mut request = default_request(12);
    for (index, region) in request.regions.iter_mut().enumerate().skip(8) {
        let octet = u8::try_from(index).unwrap();
        region.vnet_cidr =
            Some(Ipv4Net::new(Ipv4Addr::new(10, 128 + octet * 4, 0, 0), 14).unwrap());
        region.pod_cidr = Some(Ipv4Net::new(Ipv4Addr::new(10, 192 + octet * 4, 0, 0), 14).unwrap());
    }
    let plan = plan_address_space(&request).unwrap();
    assert_eq!(plan.regions.len(), 12);
    assert_eq!(plan.regions[11].vnet_cidr, net("10.172.0.0/14"));
}
