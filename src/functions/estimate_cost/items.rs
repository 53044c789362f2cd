//! The items common to every scenario: AKS control planes by tier, node VMs, Front Door.

use super::prices::PriceList;
use super::report::{item, user_item, CostItem};
use super::validate::Topology;
use crate::vocabulary::{SkuTier, Vocabulary};

pub(super) fn base_items(
    topology: &Topology,
    list: &PriceList,
    notes: &mut Vec<String>,
) -> Vec<CostItem> {
    let hours = list.hours_per_month;
    let regions = &topology.regions;
    let mut base = Vec::new();
    for &tier in SkuTier::ALL {
        let clusters = regions.iter().filter(|r| r.tier == tier).count();
        if clusters > 0 {
            base.push(item(
                format!("AKS control plane, {tier} tier ({clusters} cluster(s))"),
                clusters as f64 * hours,
                list.price(&format!("aks.controlPlane.{tier}")),
            ));
        }
    }
    for region in regions {
        if let Some((price, built_in, label)) = &region.node_price {
            let name = format!(
                "Node VMs in {}: {} x {label}",
                region.location, region.node_count
            );
            let quantity = region.node_count as f64 * hours;
            base.push(match built_in {
                Some(p) => item(name, quantity, p),
                None => user_item(name, quantity, "node-hour", *price, "nodeHourlyPrice"),
            });
        }
    }
    if regions.iter().all(|r| r.node_count == 0) {
        notes.push(
            "Node VMs are not estimated: set nodeCount (and vmSize or nodeHourlyPrice) per region"
                .to_string(),
        );
    }
    base.extend(front_door_items(topology, list, notes));
    base
}

fn front_door_items(
    topology: &Topology,
    list: &PriceList,
    notes: &mut Vec<String>,
) -> Vec<CostItem> {
    let Some((sku, requests, egress, origin)) = topology.front_door else {
        return Vec::new();
    };
    let items = vec![
        item(
            format!("Front Door {sku} base fee"),
            1.0,
            list.price(&format!("frontDoor.{sku}.base")),
        ),
        item(
            format!("Front Door {sku} requests"),
            requests / 10_000.0,
            list.price(&format!("frontDoor.{sku}.requests")),
        ),
        item(
            format!("Front Door {sku} egress to clients"),
            egress,
            list.price(&format!("frontDoor.{sku}.egress")),
        ),
        // Front Door also bills what the edge sends to the origin (requests and uploads); the
        // origin's answer back to the edge is free (Learn, "Understand Azure Front Door billing").
        item(
            format!("Front Door {sku} edge to origin transfer"),
            origin,
            list.price(&format!("frontDoor.{sku}.originTransfer")),
        ),
    ];
    if egress > 10_000.0 || topology.regions.iter().any(|r| r.zone != 1) {
        notes.push("Front Door egress uses the first-tier North America/Europe rate for every GB; volumes above 10 TB/month are cheaper and other geographies cost more".to_string());
    }
    items
}
