//! Worked examples of the estimate, end to end: items, totals, notes and failure paths.

use super::report::round_cents;
use super::*;
use crate::vocabulary::{FrontDoorTier, SkuTier};

fn region(location: &str) -> RegionArguments {
    RegionArguments {
        location: location.to_string(),
        ..Default::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn items<'a>(estimate: &'a CostEstimate, scenario: &str, prefix: &str) -> Vec<&'a CostItem> {
    estimate
        .scenarios
        .iter()
        .find(|s| s.name == scenario)
        .unwrap()
        .items
        .iter()
        .filter(|i| i.name.starts_with(prefix))
        .collect()
}

fn failure_paths(arguments: &Arguments) -> Vec<String> {
    estimate(arguments)
        .unwrap_err()
        .into_iter()
        .map(|f| f.property.to_string())
        .collect()
}

#[test]
fn estimate_cost_worked_example_west_europe_to_east_us() {
    let arguments = Arguments {
        regions: vec![region("westeurope"), region("East US")],
        pair_traffic: Some(vec![PairTraffic {
            from: "westeurope".into(),
            to: "eastus".into(),
            gb_per_month: 1000.0,
        }]),
        ..Default::default()
    };
    let result = estimate(&arguments).unwrap();
    let peering = items(&result, "withPeering", "Peering");
    assert_eq!(peering.len(), 2);
    let total: f64 = peering.iter().map(|i| i.monthly).sum();
    assert!(close(total, 1000.0 * (0.035 + 0.035)), "{total}");
    assert!(close(total, 70.0));
    assert!(peering.iter().all(|i| !i.verified));
    assert!(items(&result, "noPeering", "Peering").is_empty());
}

#[test]
fn estimate_cost_even_split_covers_both_directions() {
    let arguments = Arguments {
        regions: vec![region("westeurope"), region("eastus")],
        cross_region_traffic_gb_per_month: Some(1000.0),
        ..Default::default()
    };
    let result = estimate(&arguments).unwrap();
    let peering = items(&result, "withPeering", "Peering");
    assert_eq!(peering.len(), 4);
    assert!(peering.iter().all(|i| close(i.quantity, 500.0)));
    let total: f64 = peering.iter().map(|i| i.monthly).sum();
    assert!(close(total, 70.0), "{total}");
}

#[test]
fn estimate_cost_standard_tier_three_clusters() {
    let mut regions = vec![region("westeurope"), region("eastus"), region("japaneast")];
    for r in &mut regions {
        r.cluster_tier = Some(SkuTier::Standard);
    }
    let result = estimate(&Arguments {
        regions,
        ..Default::default()
    })
    .unwrap();
    let control = items(&result, "noPeering", "AKS control plane");
    assert_eq!(control.len(), 1);
    assert!(close(control[0].quantity, 3.0 * 730.0));
    assert!(close(control[0].monthly, 3.0 * 0.10 * 730.0));
    assert!(close(result.scenarios[0].monthly_total, 219.0));
    assert_eq!(result.hours_per_month, 730.0);
    assert_eq!(result.currency, "USD");
}

#[test]
fn estimate_cost_front_door_standard_arithmetic() {
    let result = estimate(&Arguments {
        regions: vec![region("westeurope")],
        front_door: Some(FrontDoorArguments {
            sku: Some(FrontDoorTier::Standard),
            requests_per_month: Some(10_000_000.0),
            egress_gb_per_month: Some(100.0),
            origin_gb_per_month: Some(50.0),
        }),
        ..Default::default()
    })
    .unwrap();
    let fd = items(&result, "noPeering", "Front Door");
    assert_eq!(fd.len(), 4);
    assert!(close(fd[0].monthly, 35.0));
    assert!(close(fd[1].quantity, 1000.0));
    assert!(close(fd[1].monthly, 9.0));
    assert!(close(fd[2].monthly, 8.3));
    // Edge → origin transfer is billed too (Learn, "Understand Azure Front Door billing").
    assert_eq!(fd[3].name, "Front Door Standard edge to origin transfer");
    assert!(close(fd[3].quantity, 50.0));
    assert!(close(fd[3].monthly, 1.0));
    assert!(!fd[3].verified && fd[3].source.contains("frontdoor/billing"));
    assert!(close(
        result.scenarios[0].monthly_total,
        35.0 + 9.0 + 8.3 + 1.0
    ));
}

/// Australia Central and Australia Central 2 are global-peering Zone 1, unlike the other
/// Australian regions (Zone 2).
#[test]
fn estimate_cost_australia_central_regions_are_zone_1() {
    for (central, other) in [
        ("australiacentral", "australiaeast"),
        ("australiacentral2", "australiasoutheast"),
    ] {
        let result = estimate(&Arguments {
            regions: vec![region("westeurope"), region(central), region(other)],
            pair_traffic: Some(vec![
                PairTraffic {
                    from: "westeurope".into(),
                    to: central.into(),
                    gb_per_month: 100.0,
                },
                PairTraffic {
                    from: central.into(),
                    to: other.into(),
                    gb_per_month: 100.0,
                },
            ]),
            ..Default::default()
        })
        .unwrap();
        let inbound = items(&result, "withPeering", "Peering inbound");
        let outbound = items(&result, "withPeering", "Peering outbound");
        assert!(inbound[0].name.contains("(zone 1)"), "{}", inbound[0].name);
        assert!(close(inbound[0].unit_price, 0.035), "{central}");
        assert!(
            outbound[1].name.contains("(zone 1)"),
            "{}",
            outbound[1].name
        );
        assert!(close(outbound[1].unit_price, 0.035), "{central}");
        assert!(close(inbound[1].unit_price, 0.09), "{other} stays zone 2");
    }
}

#[test]
fn estimate_cost_zone1_to_zone2_uses_source_outbound_and_destination_inbound() {
    let result = estimate(&Arguments {
        regions: vec![region("westeurope"), region("japaneast")],
        pair_traffic: Some(vec![PairTraffic {
            from: "westeurope".into(),
            to: "japaneast".into(),
            gb_per_month: 1000.0,
        }]),
        ..Default::default()
    })
    .unwrap();
    let outbound = items(&result, "withPeering", "Peering outbound");
    let inbound = items(&result, "withPeering", "Peering inbound");
    assert!(close(outbound[0].unit_price, 0.035));
    assert!(close(inbound[0].unit_price, 0.09));
    assert!(close(outbound[0].monthly + inbound[0].monthly, 125.0));
}

#[test]
fn estimate_cost_zone_override_and_same_region_peering() {
    let mut custom = region("mexicocentral");
    custom.zone = Some(3);
    let result = estimate(&Arguments {
        regions: vec![custom, region("eastus"), region("eastus")],
        pair_traffic: Some(vec![
            PairTraffic {
                from: "mexicocentral".into(),
                to: "eastus".into(),
                gb_per_month: 100.0,
            },
            PairTraffic {
                from: "eastus".into(),
                to: "eastus".into(),
                gb_per_month: 100.0,
            },
        ]),
        ..Default::default()
    })
    .unwrap();
    let peering = items(&result, "withPeering", "Peering");
    let prices: Vec<f64> = peering.iter().map(|i| i.unit_price).collect();
    assert_eq!(prices, [0.16, 0.035, 0.01, 0.01]);
}

#[test]
fn estimate_cost_nodes_built_in_and_user_prices() {
    let mut a = region("westeurope");
    a.node_count = Some(3);
    a.vm_size = Some("Standard_D4s_v5".into());
    let mut b = region("eastus");
    b.node_count = Some(2);
    b.vm_size = Some("Standard_D8s_v5".into());
    b.node_hourly_price = Some(0.4);
    let result = estimate(&Arguments {
        regions: vec![a, b],
        ..Default::default()
    })
    .unwrap();
    let nodes = items(&result, "noPeering", "Node VMs");
    assert!(close(nodes[0].monthly, 3.0 * 0.19 * 730.0));
    assert!(!nodes[0].verified);
    assert!(close(nodes[1].monthly, 2.0 * 0.4 * 730.0));
    assert!(nodes[1].source.contains("user-supplied"));
}

#[test]
fn estimate_cost_errors_at_property_paths() {
    assert_eq!(failure_paths(&Arguments::default()), ["regions"]);

    let mut bad = region("marsnorth");
    bad.node_count = Some(-1);
    let mut no_price = region("eastus");
    no_price.node_count = Some(2);
    let mut bad_zone = region("eastus");
    bad_zone.zone = Some(7);
    let paths = failure_paths(&Arguments {
        regions: vec![bad, no_price, bad_zone],
        cross_region_traffic_gb_per_month: Some(-5.0),
        front_door: Some(FrontDoorArguments {
            sku: None,
            requests_per_month: Some(-1.0),
            egress_gb_per_month: None,
            origin_gb_per_month: Some(-2.0),
        }),
        virtual_wan_hub_hourly: Some(-0.25),
        ..Default::default()
    });
    assert_eq!(
        paths,
        [
            "regions[0].location",
            "regions[0].nodeCount",
            "regions[1].nodeHourlyPrice",
            "regions[2].zone",
            "frontDoor.requestsPerMonth",
            "frontDoor.originGbPerMonth",
            "virtualWanHubHourly",
        ]
    );

    let unknown = estimate(&Arguments {
        regions: vec![region("marsnorth")],
        ..Default::default()
    })
    .unwrap_err();
    assert!(unknown[0].reason.contains("zone"), "{}", unknown[0].reason);
    assert!(unknown[0].reason.contains("westeurope"));

    let paths = failure_paths(&Arguments {
        regions: vec![region("westeurope"), region("eastus")],
        cross_region_traffic_gb_per_month: Some(-5.0),
        ..Default::default()
    });
    assert_eq!(paths, ["crossRegionTrafficGbPerMonth"]);

    let paths = failure_paths(&Arguments {
        regions: vec![region("westeurope"), region("eastus")],
        pair_traffic: Some(vec![PairTraffic {
            from: "westeurope".into(),
            to: "japaneast".into(),
            gb_per_month: -1.0,
        }]),
        ..Default::default()
    });
    assert_eq!(paths, ["pairTraffic[0].to", "pairTraffic[0].gbPerMonth"]);

    let mut unknown_size = region("eastus");
    unknown_size.node_count = Some(1);
    unknown_size.vm_size = Some("Standard_X1".into());
    assert_eq!(
        failure_paths(&Arguments {
            regions: vec![unknown_size],
            ..Default::default()
        }),
        ["regions[0].vmSize"]
    );
}

#[test]
fn estimate_cost_three_scenarios_in_order() {
    let result = estimate(&Arguments {
        regions: vec![region("westeurope"), region("eastus")],
        cross_region_traffic_gb_per_month: Some(2000.0),
        virtual_wan_hub_hourly: Some(0.25),
        virtual_wan_data_processing_per_gb: Some(0.02),
        ..Default::default()
    })
    .unwrap();
    let names: Vec<_> = result.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["noPeering", "withPeering", "virtualWan"]);
    for s in &result.scenarios {
        let sum: f64 = s.items.iter().map(|i| i.monthly).sum();
        assert!(close(s.monthly_total, round_cents(sum)), "{}", s.name);
    }
    assert!(close(result.scenarios[1].monthly_total, 140.0));
    assert!(result.notes.iter().any(|n| n.contains("internet egress")));

    // Virtual WAN, user prices or Learn's example prices: a Standard hub per region, processing in
    // each hub traversed (2000 GB between two regions passes two hubs) and the two spoke peering
    // legs at $0.01/GB each.
    let without_prices = estimate(&Arguments {
        regions: vec![region("westeurope"), region("eastus")],
        cross_region_traffic_gb_per_month: Some(2000.0),
        ..Default::default()
    })
    .unwrap();
    for estimate in [&result, &without_prices] {
        let hubs = items(estimate, "virtualWan", "Virtual WAN Standard hub");
        assert_eq!(hubs.len(), 2);
        assert!(close(hubs[0].monthly, 0.25 * 730.0));
        let processing = items(estimate, "virtualWan", "Virtual WAN data processing");
        assert!(close(processing[0].quantity, 4000.0));
        assert!(close(processing[0].monthly, 80.0));
        let legs = items(estimate, "virtualWan", "Virtual WAN spoke peering");
        assert_eq!(legs.len(), 2);
        assert!(legs.iter().all(|l| close(l.monthly, 20.0)));
        assert!(close(
            estimate.scenarios[2].monthly_total,
            2.0 * 0.25 * 730.0 + 80.0 + 40.0
        ));
        assert!(estimate
            .notes
            .iter()
            .any(|n| n.contains("hub-to-hub transfer")));
    }
    let example = items(&without_prices, "virtualWan", "Virtual WAN");
    assert!(
        example
            .iter()
            .take(3)
            .all(|i| !i.verified && i.source.contains("EXAMPLE PRICE")),
        "{example:?}"
    );
    assert!(without_prices
        .notes
        .iter()
        .any(|n| n.contains("virtualWanHubHourly")));
    let user = items(&result, "virtualWan", "Virtual WAN Standard hub");
    assert!(user[0].source.contains("user-supplied"));
}
