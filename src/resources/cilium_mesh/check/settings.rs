//! Check of the mode-specific settings: what fleet mode needs (resource group, Fleet names, member
//! label, the fleet's region) and what selfManaged mode needs (cluster ids, the apiserver IP
//! offset), each refusing the other mode's settings.

use std::collections::{BTreeMap, BTreeSet};

use super::super::self_managed::first_api_server_candidate;
use super::super::types::{CiliumMeshInputs, DEFAULT_API_SERVER_IP_OFFSET, MAX_CLUSTERS};
use super::valid_dns_label;
use crate::net;
use crate::resources::common::Validator;

fn label_part_valid(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 63
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

pub(super) fn check_fleet_settings(
    v: &mut Validator<'_, '_>,
    inputs: &mut CiliumMeshInputs,
    olds: Option<&CiliumMeshInputs>,
) {
    check_fleet_names(v, inputs);
    fleet_location(v, inputs, olds);
    for field in ["clusterIds", "apiServerIpOffset"] {
        let given = match field {
            "clusterIds" => !inputs.cluster_ids.is_empty(),
            _ => inputs.api_server_ip_offset.is_some(),
        };
        if given {
            v.fail(
                field,
                format!("{field} is only used in selfManaged mode; Fleet assigns cluster ids and clustermesh-apiserver addresses itself"),
            );
        }
    }
}

/// The resource group and the Fleet names (fleet, profile, member label) the inputs lead to.
fn check_fleet_names(v: &mut Validator<'_, '_>, inputs: &CiliumMeshInputs) {
    let group = inputs.resource_group_name.clone().unwrap_or_default();
    v.resource_group_name(
        "resourceGroupName",
        &group,
        "fleet mode needs the resource group for the fleet (e.g. a RegionalNetwork's resourceGroupName)",
    );
    if let Some(name) = inputs.fleet_name.as_deref() {
        if !v.is_unknown("fleetName") && !valid_dns_label(name, 63) {
            v.fail("fleetName", format!("'{name}' is not a fleet name: 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit"));
        }
    }
    if !v.is_unknown("namePrefix") {
        let profile = inputs.profile_name();
        let fleet = format!("fleet-{}", inputs.name_prefix);
        if !valid_dns_label(&profile, 63)
            || (inputs.fleet_name.is_none() && !valid_dns_label(&fleet, 63))
        {
            v.fail("namePrefix", format!("'{}' gives invalid Fleet names ({fleet}, {profile}): use lower-case letters, digits and '-'", inputs.name_prefix));
        }
    }
    if !v.is_unknown("memberLabel") {
        let label = inputs.member_label();
        let valid = label
            .split_once('=')
            .is_some_and(|(k, v)| label_part_valid(k) && label_part_valid(v));
        if !valid {
            v.fail("memberLabel", format!("'{label}' must be one key=value pair (letters, digits, '-', '_', '.', '/'; at most 63 characters each side)"));
        }
    }
}

/// The fleet's region: given, else what the previous run chose, else the first cluster's.
fn fleet_location(
    v: &mut Validator<'_, '_>,
    inputs: &mut CiliumMeshInputs,
    olds: Option<&CiliumMeshInputs>,
) {
    if v.is_unknown("location") {
        return;
    }
    match inputs.location.as_mut() {
        Some(location) => {
            v.region("location", location);
        }
        None => {
            inputs.location = olds.and_then(|o| o.location.clone()).or_else(|| {
                inputs
                    .clusters
                    .first()
                    .map(|c| crate::regions::canonical(&c.location))
                    .filter(|l| !l.is_empty())
            });
            if inputs.location.is_none() && inputs.fleet_name.is_none() && !v.is_unknown("clusters")
            {
                v.fail("location", "the fleet's region is needed: set location, or give the first cluster its location");
            }
        }
    }
}

pub(super) fn check_self_managed_settings(v: &mut Validator<'_, '_>, inputs: &CiliumMeshInputs) {
    for field in ["resourceGroupName", "fleetName", "memberLabel", "location"] {
        let given = match field {
            "resourceGroupName" => inputs.resource_group_name.is_some(),
            "fleetName" => inputs.fleet_name.is_some(),
            "memberLabel" => inputs.member_label.is_some(),
            _ => inputs.location.is_some(),
        };
        if given {
            v.fail(
                field,
                format!("{field} is only used in fleet mode; remove it"),
            );
        }
    }
    if !v.is_unknown("clusterIds") {
        check_cluster_ids(v, inputs);
    }
    if !v.is_unknown("apiServerIpOffset") {
        if let Some(offset) = inputs.api_server_ip_offset {
            if offset < 1 {
                v.fail("apiServerIpOffset", format!("{offset} is not a valid offset: it counts addresses down from the node subnet's last (broadcast) address, so use 1 or more (default {DEFAULT_API_SERVER_IP_OFFSET})"));
                return;
            }
        }
    }
    if v.is_unknown("clusters") || v.is_unknown("apiServerIpOffset") {
        return;
    }
    check_api_server_ips_fit(v, inputs);
}

/// Explicit cluster ids: each names a listed cluster, is a valid Cilium id, and is unique.
fn check_cluster_ids(v: &mut Validator<'_, '_>, inputs: &CiliumMeshInputs) {
    let names: BTreeSet<&str> = inputs.clusters.iter().map(|c| c.name.as_str()).collect();
    let mut used: BTreeMap<i64, &str> = BTreeMap::new();
    for (name, id) in &inputs.cluster_ids {
        let path = crate::property::join_key("clusterIds", name);
        if !v.is_unknown("clusters") && !names.contains(name.as_str()) {
            v.fail(
                &path,
                format!("'{name}' is not the name of any cluster in clusters"),
            );
        }
        if !(1..=MAX_CLUSTERS as i64).contains(id) {
            v.fail(
                &path,
                format!("{id} is not a valid Cilium cluster id; use 1 to 255"),
            );
        } else if let Some(other) = used.insert(*id, name) {
            v.fail(
                &path,
                format!("cluster id {id} is also given to '{other}'; cluster ids must be unique"),
            );
        }
    }
}

/// Every cluster's IP must fit inside its node subnet's usable addresses.
fn check_api_server_ips_fit(v: &mut Validator<'_, '_>, inputs: &CiliumMeshInputs) {
    let offset = inputs.api_server_ip_offset();
    for (i, cluster) in inputs.clusters.iter().enumerate() {
        let Some(Ok(subnet)) = cluster.node_subnet_cidr.as_deref().map(net::parse_cidr) else {
            continue;
        };
        if first_api_server_candidate(subnet, offset).is_none() {
            v.fail(
                &format!("clusters[{i}].nodeSubnetCidr"),
                format!("the node subnet {subnet} has no usable address {offset} below its last address for the clustermesh-apiserver load balancer; lower apiServerIpOffset or use a larger subnet"),
            );
        }
    }
}
