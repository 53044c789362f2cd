//! Check: offline validation of a RegionalCluster's inputs, so a bad plan fails before any Azure
//! call. Unknown values (in a preview) skip the rules that depend on them.

use ipnet::Ipv4Net;

use super::kubernetes_versions;
use super::types::{
    default_dns_service_ip, AutoScalerSettings, NodePoolSettings, RegionalClusterInputs,
    DEFAULT_NODE_COUNT, DEFAULT_POD_CIDR, DEFAULT_POOL_NAME, DEFAULT_SERVICE_CIDR,
};
use crate::azure::ids::ids_equal;
use crate::azure::ResourceId;
use crate::net;
use crate::resource::{CheckContext, CheckFailure};
use crate::resources::common::Validator;
use crate::vocabulary::{ClusterProfile, NetworkDataplane, NetworkPolicy, PodNetworking};

/// A range input and whether it is the default (messages then say how to move it).
type RangeOrDefault = (Ipv4Net, bool);

pub(super) fn check(
    inputs: &mut RegionalClusterInputs,
    olds: Option<&RegionalClusterInputs>,
    context: &CheckContext<'_>,
) -> Vec<CheckFailure> {
    // The profile chooses a new cluster's defaults; an existing cluster keeps its own (none for
    // one created before profiles, which keeps the shape it was created with).
    inputs.profile = match olds {
        Some(olds) => olds.profile,
        None => Some(inputs.profile.unwrap_or(ClusterProfile::Basic)),
    };
    let mut v = Validator::new(context);
    check_names(&mut v, inputs);
    let networking = check_networking(&mut v, inputs);
    check_subnets(&mut v, inputs, networking);
    check_address_ranges(&mut v, inputs, networking);
    if let Some(version) = inputs.kubernetes_version.as_deref() {
        if !v.is_unknown("kubernetesVersion") {
            if !valid_kubernetes_version(version) {
                v.fail("kubernetesVersion", format!("'{version}' is not a Kubernetes version; use major.minor (1.34) or major.minor.patch (1.34.2); `az aks get-versions -l <location>` lists them"));
            } else if let Some(refusal) = kubernetes_versions::offline_refusal(version) {
                v.fail("kubernetesVersion", refusal);
            }
        }
    }
    check_pools(&mut v, inputs);
    if let Some(profile) = &inputs.auto_scaler_profile {
        check_auto_scaler(&mut v, profile);
    }
    v.authorized_ip_ranges("authorizedIpRanges", inputs.authorized_ip_ranges.as_deref());
    v.tags("tags", &inputs.tags);
    v.failures
}

/// Location, resource group, name prefix (filled from the program's name) and the AKS names
/// derived from them.
fn check_names(v: &mut Validator<'_, '_>, inputs: &mut RegionalClusterInputs) {
    let region_ok = v.region("location", &mut inputs.location);
    v.resource_group_name(
        "resourceGroupName",
        &inputs.resource_group_name,
        "pass the RegionalNetwork's resourceGroupName output",
    );
    v.name_prefix("namePrefix", &mut inputs.name_prefix);
    if region_ok && !v.is_unknown("namePrefix") {
        let names = inputs.names();
        if !valid_cluster_name(&names.cluster) {
            v.fail("namePrefix", format!("the cluster name '{}' would be invalid: AKS cluster names are 1 to 63 letters, digits, '-' and '_', starting and ending with a letter or digit; shorten or change namePrefix", names.cluster));
        }
        if !valid_dns_prefix(&names.dns_prefix) {
            v.fail("namePrefix", format!("the dnsPrefix '{}' would be invalid: AKS DNS prefixes are 1 to 54 letters, digits and '-', starting and ending with a letter or digit; shorten namePrefix or use only letters, digits and '-'", names.dns_prefix));
        }
    }
}

/// Pod networking, dataplane, policy and Advanced Container Networking Services. Returns the pod
/// networking mode when it is known.
fn check_networking(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
) -> Option<PodNetworking> {
    let networking = (!v.is_unknown("podNetworking")).then(|| inputs.pod_networking());
    let byo_cni = networking == Some(PodNetworking::ByoCni);
    let dataplane = check_dataplane(v, inputs, networking);
    check_policy(v, inputs, byo_cni, dataplane);
    if inputs.advanced_networking == Some(true)
        && !v.is_unknown("advancedNetworking")
        && dataplane != Some(NetworkDataplane::Cilium)
        && (byo_cni || dataplane.is_some())
    {
        v.fail(
            "advancedNetworking",
            "Advanced Container Networking Services require networkDataplane cilium",
        );
    }
    networking
}

/// The dataplane the cluster will run, when known (none with BYO CNI).
fn check_dataplane(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
    networking: Option<PodNetworking>,
) -> Option<NetworkDataplane> {
    let byo_cni = networking == Some(PodNetworking::ByoCni);
    match inputs.network_dataplane {
        Some(_) if byo_cni => {
            v.fail(
                "networkDataplane",
                "with podNetworking byoCni your own CNI is the dataplane; remove networkDataplane",
            );
            None
        }
        _ if v.is_unknown("networkDataplane") => None,
        Some(value) => Some(value),
        None if byo_cni || networking.is_none() => None,
        None => Some(NetworkDataplane::Cilium),
    }
}

fn check_policy(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
    byo_cni: bool,
    dataplane: Option<NetworkDataplane>,
) {
    let policy = (!v.is_unknown("networkPolicy"))
        .then_some(inputs.network_policy)
        .flatten();
    match policy {
        Some(_) if byo_cni => v.fail(
            "networkPolicy",
            "with podNetworking byoCni your own CNI enforces network policy; remove networkPolicy",
        ),
        Some(policy) => match (policy, dataplane) {
            (NetworkPolicy::Cilium, Some(NetworkDataplane::Azure)) => v.fail(
                "networkPolicy",
                "networkPolicy cilium requires networkDataplane cilium; set networkDataplane to cilium or pick none, azure or calico",
            ),
            (policy, Some(NetworkDataplane::Cilium)) if policy != NetworkPolicy::Cilium => v.fail(
                "networkPolicy",
                format!("the Cilium dataplane enforces policy itself, so networkPolicy '{policy}' is not allowed with networkDataplane cilium; remove networkPolicy or set networkDataplane to azure"),
            ),
            _ => {}
        },
        None => {}
    }
}

/// The node subnet, and the pod subnet that only flat pod networking uses.
fn check_subnets(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
    networking: Option<PodNetworking>,
) {
    if v.required(
        "nodeSubnetId",
        &inputs.node_subnet_id,
        "pass the RegionalNetwork's nodeSubnetId output",
    ) {
        check_subnet_id(v, "nodeSubnetId", &inputs.node_subnet_id);
    }
    match (&inputs.pod_subnet_id, networking) {
        (None, Some(PodNetworking::Flat)) if !v.is_unknown("podSubnetId") => v.fail(
            "podSubnetId",
            "podSubnetId is required with podNetworking flat; pass the RegionalNetwork's podSubnetId output (give the network a podSubnetCidr)",
        ),
        (Some(_), Some(mode)) if mode != PodNetworking::Flat => v.fail(
            "podSubnetId",
            format!("podSubnetId is only used with podNetworking flat; with {mode} pods take addresses from podCidr, so remove podSubnetId"),
        ),
        (Some(id), _) if !v.is_unknown("podSubnetId") => {
            check_subnet_id(v, "podSubnetId", id);
            if !v.is_unknown("nodeSubnetId") && ids_equal(id, &inputs.node_subnet_id) {
                v.fail(
                    "podSubnetId",
                    "the pod subnet must differ from the node subnet",
                );
            }
        }
        _ => {}
    }
}

/// A subnet id input: present, parseable, and a subnet.
fn check_subnet_id(validator: &mut Validator<'_, '_>, path: &str, id: &str) {
    match ResourceId::parse(id) {
        Ok(parsed)
            if parsed
                .resource_type()
                .eq_ignore_ascii_case("Microsoft.Network/virtualNetworks/subnets") => {}
        Ok(parsed) => validator.fail(
            path,
            format!(
                "'{id}' is a {} id, not a subnet id; pass the RegionalNetwork's subnet id output",
                parsed.resource_type()
            ),
        ),
        Err(error) => validator.fail(
            path,
            format!("{error}; pass the RegionalNetwork's subnet id output"),
        ),
    }
}

/// Pod, service and DNS addresses against each other and against the network's ranges.
fn check_address_ranges(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
    networking: Option<PodNetworking>,
) {
    let vnet = inputs
        .vnet_cidr
        .as_deref()
        .and_then(|text| v.cidr("vnetCidr", text));
    let node_subnet = inputs
        .node_subnet_cidr
        .as_deref()
        .and_then(|text| v.cidr("nodeSubnetCidr", text));
    let pods = check_pod_range(v, inputs, networking);
    let services = check_service_range(v, inputs);
    if let (Some((service_range, _)), false) = (services, v.is_unknown("dnsServiceIP")) {
        check_dns_service_ip(v, inputs, service_range);
    }
    check_overlaps(
        v,
        [("vnetCidr", vnet), ("nodeSubnetCidr", node_subnet)],
        pods,
        services,
    );
}

fn check_pod_range(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
    networking: Option<PodNetworking>,
) -> Option<RangeOrDefault> {
    let pods = match (networking, inputs.pod_cidr.as_deref()) {
        (Some(PodNetworking::Flat), Some(_)) => {
            v.fail("podCidr", "podCidr is not used with podNetworking flat (pods take addresses from podSubnetId); remove podCidr");
            None
        }
        (Some(PodNetworking::Flat), None) | (None, None) => None,
        (_, given) => range_or_default(v, "podCidr", given, DEFAULT_POD_CIDR),
    };
    if let (Some((range, _)), Some(PodNetworking::Overlay)) = (pods, networking) {
        if range.prefix_len() > 24 {
            v.fail("podCidr", format!("{range} is smaller than /24, but every overlay node takes a /24 from podCidr; use /24 or larger (e.g. /16)"));
        }
    }
    pods
}

fn check_service_range(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
) -> Option<RangeOrDefault> {
    let services = if v.is_unknown("serviceCidr") {
        None
    } else {
        range_or_default(
            v,
            "serviceCidr",
            inputs.service_cidr.as_deref(),
            DEFAULT_SERVICE_CIDR,
        )
    };
    if let Some((range, _)) = services {
        if range.prefix_len() <= 12 {
            v.fail(
                "serviceCidr",
                format!(
                    "{range} is too large: AKS needs a service range smaller than /12 (e.g. /16)"
                ),
            );
        }
    }
    services
}

fn check_dns_service_ip(
    v: &mut Validator<'_, '_>,
    inputs: &RegionalClusterInputs,
    service_range: Ipv4Net,
) {
    let address = match inputs.dns_service_ip.as_deref() {
        Some(text) => match net::parse_ip(text) {
            Ok(address) => Some(address),
            Err(error) => {
                v.fail("dnsServiceIP", error.to_string());
                None
            }
        },
        None => default_dns_service_ip(&service_range.to_string())
            .parse()
            .ok(),
    };
    if let Some(address) = address {
        if let Err(reason) = net::check_dns_service_ip(service_range, address) {
            v.fail("dnsServiceIP", reason.to_string());
        }
    }
}

/// Pod and service ranges must lie outside the network and apart from each other.
fn check_overlaps(
    v: &mut Validator<'_, '_>,
    network: [(&str, Option<Ipv4Net>); 2],
    pods: Option<RangeOrDefault>,
    services: Option<RangeOrDefault>,
) {
    for (network_path, network_range) in network {
        let Some(network_range) = network_range else {
            continue;
        };
        if let Some((range, is_default)) = pods {
            if net::overlaps(range, network_range) {
                v.fail("podCidr", format!("{} overlaps {network_path} {network_range}; pod addresses must lie outside the network, so choose another range", describe("podCidr", range, is_default)));
            }
        }
        if let Some((range, is_default)) = services {
            if net::overlaps(range, network_range) {
                v.fail("serviceCidr", format!("{} overlaps {network_path} {network_range}; Azure refuses a service range that overlaps a subnet (ServiceCidrOverlapExistingSubnetsCidr), so choose another range", describe("serviceCidr", range, is_default)));
            }
        }
    }
    if let (Some((pod_range, pod_default)), Some((service_range, service_default))) =
        (pods, services)
    {
        if net::overlaps(pod_range, service_range) {
            v.fail(
                "serviceCidr",
                format!(
                    "{} overlaps {}; give services and pods separate ranges",
                    describe("serviceCidr", service_range, service_default),
                    describe("podCidr", pod_range, pod_default)
                ),
            );
        }
    }
}

/// The system pool and the user pools: each pool's settings, and the names.
fn check_pools(v: &mut Validator<'_, '_>, inputs: &RegionalClusterInputs) {
    let system_name = inputs
        .system_pool
        .as_ref()
        .and_then(|pool| pool.name.clone())
        .unwrap_or_else(|| DEFAULT_POOL_NAME.into());
    if let Some(pool) = inputs.system_pool.as_ref() {
        if let Some(name) = pool.name.as_deref() {
            if !v.is_unknown("systemPool.name") && !valid_pool_name(name) {
                v.fail("systemPool.name", format!("'{name}' is not a valid agent pool name: 1 to 12 lower-case letters and digits, starting with a letter"));
            }
        }
        check_pool(v, "systemPool", &pool.settings, true, &inputs.location);
    }
    let Some(pools) = inputs.user_pools.as_ref() else {
        return;
    };
    // Learn (quotas-skus-regions): at most 100 node pools per cluster.
    if pools.len() >= MAX_POOLS {
        v.fail(
            "userPools",
            format!("{} user pools and the system pool make {} node pools, but an AKS cluster has at most {MAX_POOLS}; remove {} of them", pools.len(), pools.len() + 1, pools.len() + 1 - MAX_POOLS),
        );
    }
    for (name, pool) in pools {
        let path = format!("userPools.{name}");
        if !valid_pool_name(name) {
            v.fail(&path, format!("'{name}' is not a valid agent pool name: 1 to 12 lower-case letters and digits, starting with a letter; rename the key"));
        } else if *name == system_name {
            v.fail(
                &path,
                format!("'{name}' is the system pool's name; give the user pool another name"),
            );
        }
        check_pool(v, &path, pool, false, &inputs.location);
    }
}

/// Learn (quotas-skus-regions): 100 node pools per cluster, 1000 nodes per pool.
const MAX_POOLS: usize = 100;
const MAX_NODES_PER_POOL: i64 = 1000;

/// One pool's settings: VM size, count or autoscaling, zones in this region, maxPods, surge and
/// taints.
fn check_pool(
    v: &mut Validator<'_, '_>,
    path: &str,
    pool: &NodePoolSettings,
    system: bool,
    location: &str,
) {
    let at = |field: &str| format!("{path}.{field}");
    if let Some(size) = pool.vm_size.as_deref() {
        v.name(
            &at("vmSize"),
            size,
            64,
            "letters, digits and '_' (e.g. Standard_D4s_v5)",
            vm_size_character,
        );
    }
    // A system pool always keeps a node for the cluster's own pods.
    let least = i64::from(system);
    let kind = if system {
        "a system pool"
    } else {
        "a user pool"
    };
    if let Some(count) = pool.count {
        if !v.is_unknown(&at("count")) && !(least..=MAX_NODES_PER_POOL).contains(&count) {
            v.fail(
                &at("count"),
                format!(
                    "{count} nodes requested; {kind} has {least} to {MAX_NODES_PER_POOL} nodes"
                ),
            );
        }
    }
    if let Some(range) = &pool.autoscaling {
        if pool.count.is_some() && !v.is_unknown(&at("count")) {
            v.fail(
                &at("count"),
                "give either count or autoscaling: with autoscaling the cluster autoscaler sets the node count between minCount and maxCount; remove count",
            );
        }
        if !v.is_unknown(&at("autoscaling")) {
            if range.min_count > range.max_count {
                v.fail(
                    &at("autoscaling.minCount"),
                    format!(
                        "minCount {} is above maxCount {}; lower minCount or raise maxCount",
                        range.min_count, range.max_count
                    ),
                );
            }
            if range.min_count < least {
                v.fail(
                    &at("autoscaling.minCount"),
                    format!("minCount {} is below {least}; {kind} scales between {least} and {MAX_NODES_PER_POOL} nodes", range.min_count),
                );
            }
            if range.max_count > MAX_NODES_PER_POOL {
                v.fail(
                    &at("autoscaling.maxCount"),
                    format!("maxCount {} is above AKS's {MAX_NODES_PER_POOL} nodes per pool; lower it, or add another pool", range.max_count),
                );
            }
        }
    }
    if let Some(zones) = &pool.zones {
        if !v.is_unknown(&at("zones")) {
            check_zones(v, &at("zones"), zones, location);
        }
    }
    if let Some(max_pods) = pool.max_pods {
        if !v.is_unknown(&at("maxPods")) {
            let nodes = pool
                .autoscaling
                .as_ref()
                .map(|range| range.min_count)
                .or(pool.count)
                .unwrap_or(DEFAULT_NODE_COUNT);
            check_max_pods(v, path, nodes, max_pods);
        }
    }
    if let Some(surge) = pool.max_surge.as_deref() {
        if !v.is_unknown(&at("maxSurge")) && !valid_surge(surge) {
            v.fail(&at("maxSurge"), format!("'{surge}' is not a surge: give a node count (\"1\") or a percentage of the pool (\"33%\", 1% to 100%)"));
        }
    }
    for (i, taint) in pool.node_taints.iter().flatten().enumerate() {
        let taint_path = format!("{path}.nodeTaints[{i}]");
        if !v.is_unknown(&taint_path) && !valid_taint(taint) {
            v.fail(&taint_path, format!("'{taint}' is not a taint: write key=value:Effect, with Effect NoSchedule, PreferNoSchedule or NoExecute (e.g. CriticalAddonsOnly=true:NoSchedule)"));
        }
    }
}

/// The autoscaler's durations and threshold, in the forms AKS takes (managedClusters.json,
/// ManagedClusterPropertiesAutoScalerProfile: seconds as `20s`, delays "an integer followed by an
/// 'm'").
fn check_auto_scaler(v: &mut Validator<'_, '_>, profile: &AutoScalerSettings) {
    let whole = |text: &str, unit: char| {
        text.strip_suffix(unit)
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let checks = [
        (
            "scanInterval",
            profile.scan_interval.as_deref(),
            's',
            "a whole number of seconds such as \"20s\"",
        ),
        (
            "scaleDownDelayAfterAdd",
            profile.scale_down_delay_after_add.as_deref(),
            'm',
            "a whole number of minutes such as \"10m\"",
        ),
        (
            "scaleDownUnneededTime",
            profile.scale_down_unneeded_time.as_deref(),
            'm',
            "a whole number of minutes such as \"10m\"",
        ),
    ];
    for (field, value, unit, form) in checks {
        let path = format!("autoScalerProfile.{field}");
        if let Some(value) = value {
            if !v.is_unknown(&path) && !whole(value, unit) {
                v.fail(
                    &path,
                    format!("'{value}' is not {form}, the form AKS takes"),
                );
            }
        }
    }
    if let Some(threshold) = profile.scale_down_utilization_threshold.as_deref() {
        let path = "autoScalerProfile.scaleDownUtilizationThreshold";
        let fraction = threshold.parse::<f64>().is_ok_and(|t| t > 0.0 && t <= 1.0);
        if !v.is_unknown(path) && !fraction {
            v.fail(
                path,
                format!("'{threshold}' is not a utilization between 0 and 1 (e.g. \"0.5\")"),
            );
        }
    }
    if let Some(seconds) = profile.max_graceful_termination_sec {
        let path = "autoScalerProfile.maxGracefulTerminationSec";
        if !v.is_unknown(path) && seconds < 0 {
            v.fail(
                path,
                format!("{seconds} seconds is negative; give 0 or more (AKS's default is 600)"),
            );
        }
    }
}

/// Zones are 1, 2 and 3, each once, and only where the region has them.
fn check_zones(v: &mut Validator<'_, '_>, path: &str, zones: &[String], location: &str) {
    let mut seen = Vec::new();
    for zone in zones {
        if !["1", "2", "3"].contains(&zone.as_str()) {
            v.fail(
                path,
                format!("'{zone}' is not an availability zone; use \"1\", \"2\" and \"3\""),
            );
        } else if seen.contains(&zone) {
            v.fail(
                path,
                format!("zone {zone} is listed twice; list each zone once"),
            );
        }
        seen.push(zone);
    }
    let region = crate::regions::canonical(location);
    if !zones.is_empty()
        && crate::regions::is_known(&region)
        && !crate::regions::has_availability_zones(&region)
    {
        v.fail(path, format!("{region} has no availability zones, so its pools cannot be spread over zones; remove zones (or set it to []), or choose a region with zones"));
    }
}

/// `5` or `33%`.
fn valid_surge(surge: &str) -> bool {
    match surge.strip_suffix('%') {
        Some(percent) => percent.parse::<u32>().is_ok_and(|p| (1..=100).contains(&p)),
        None => surge.parse::<u32>().is_ok_and(|n| n >= 1),
    }
}

/// `key=value:Effect` (the value may be empty); Kubernetes' three effects.
fn valid_taint(taint: &str) -> bool {
    let Some((key_value, effect)) = taint.rsplit_once(':') else {
        return false;
    };
    let key = key_value.split_once('=').map_or(key_value, |(key, _)| key);
    !key.is_empty()
        && !key.contains(char::is_whitespace)
        && ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect)
}

/// Learn ("Configure maximum pods per node", azure-cni-overview / concepts-network-ip-address-
/// planning): maxPods is 10 to 250, and a value under 30 only if the pool still has room for 30
/// pods (nodes × maxPods ≥ 30), which keeps space for the system pods.
fn check_max_pods(v: &mut Validator<'_, '_>, path: &str, count: i64, max_pods: i64) {
    const POOL_MINIMUM_PODS: i64 = 30;
    let at = format!("{path}.maxPods");
    if !(10..=250).contains(&max_pods) {
        v.fail(
            &at,
            format!("maxPods {max_pods} is out of range; AKS allows 10 to 250"),
        );
        return;
    }
    if max_pods >= POOL_MINIMUM_PODS || v.is_unknown(&format!("{path}.count")) {
        return;
    }
    // A count out of range is reported on its own.
    if (1..=1000).contains(&count) && count * max_pods < POOL_MINIMUM_PODS {
        // Both are positive here.
        let at_least = |needed: i64, per: i64| (needed + per - 1) / per;
        let nodes_needed = at_least(POOL_MINIMUM_PODS, max_pods);
        v.fail(
            &at,
            format!("maxPods {max_pods} with {count} node(s) leaves room for {} pods, but AKS needs room for at least 30 in a pool; set {path}.count to {nodes_needed} or more, or maxPods to {} or more", count * max_pods, at_least(POOL_MINIMUM_PODS, count)),
        );
    }
}

/// A CIDR input or its default; `None` when unknown or invalid (already reported).
fn range_or_default(
    validator: &mut Validator<'_, '_>,
    path: &str,
    given: Option<&str>,
    default: &str,
) -> Option<RangeOrDefault> {
    match given {
        Some(text) => validator.cidr(path, text).map(|range| (range, false)),
        None => net::parse_cidr(default).ok().map(|range| (range, true)),
    }
}

fn describe(path: &str, range: Ipv4Net, is_default: bool) -> String {
    if is_default {
        format!("{path} {range} (the default; set {path} to move it)")
    } else {
        format!("{path} {range}")
    }
}

/// AKS cluster names: 1–63 letters, digits, '-' and '_', starting and ending alphanumeric.
fn valid_cluster_name(name: &str) -> bool {
    let edges_alphanumeric = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    (1..=63).contains(&name.len())
        && edges_alphanumeric
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// AKS DNS prefixes: 1–54 letters, digits and '-', starting and ending alphanumeric.
fn valid_dns_prefix(prefix: &str) -> bool {
    let edges_alphanumeric = prefix.starts_with(|c: char| c.is_ascii_alphanumeric())
        && prefix.ends_with(|c: char| c.is_ascii_alphanumeric());
    (1..=54).contains(&prefix.len())
        && edges_alphanumeric
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Agent pool names: `^[a-z][a-z0-9]{0,11}$`.
fn valid_pool_name(name: &str) -> bool {
    (1..=12).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// `1.34` or `1.34.2`.
fn valid_kubernetes_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

fn vm_size_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, valid};
    use super::super::types::RegionalClusterInputs;
    use super::super::types::{
        Autoscaling, NodePoolSettings, SystemPoolInputs, DEFAULT_DNS_SERVICE_IP, DEFAULT_POD_CIDR,
    };
    use crate::vocabulary::{ClusterProfile, NetworkPolicy};

    /// maxPods under 30 passes only when the pool has room for 30 pods (count × maxPods ≥ 30).
    #[test]
    fn max_pods_under_30_needs_room_for_30_pods() {
        let rows = [
            (Some(10), Some(3), true),
            (Some(10), Some(2), false),
            (Some(15), None, true),
            (Some(14), None, false),
            (Some(30), Some(1), true),
            (Some(29), Some(1), false),
            (Some(10), Some(1000), true),
            (Some(9), Some(1000), false),
        ];
        for (max_pods, count, accepted) in rows {
            let mut inputs = valid();
            inputs.system_pool = Some(SystemPoolInputs {
                name: None,
                settings: NodePoolSettings {
                    max_pods,
                    count,
                    ..Default::default()
                },
            });
            let failures = check(&mut inputs);
            assert_eq!(
                failures.is_empty(),
                accepted,
                "maxPods {max_pods:?}, count {count:?}: {failures:?}"
            );
        }
    }

    #[test]
    fn check_fills_only_the_name_prefix() {
        let mut inputs = valid();
        assert_eq!(check(&mut inputs), vec![]);
        assert_eq!(inputs.location, "eastus");
        assert_eq!(inputs.name_prefix, "platform");
        assert_eq!(inputs.names().cluster, "aks-platform-eastus");
        assert_eq!(inputs.names().dns_prefix, "platform-eastus");
        assert_eq!(
            inputs.pod_cidr, None,
            "service defaults stay out of the inputs"
        );
        let resolved = inputs.resolved();
        assert_eq!(resolved.pod_cidr.as_deref(), Some(DEFAULT_POD_CIDR));
        assert_eq!(
            resolved.dns_service_ip.as_deref(),
            Some(DEFAULT_DNS_SERVICE_IP)
        );
        assert_eq!(resolved.network_policy, Some(NetworkPolicy::Cilium));
    }

    /// Every pool problem is reported at once, at the pool's own path.
    #[test]
    fn pool_settings_are_checked_where_they_are_written() {
        type Edit = fn(&mut NodePoolSettings);
        let rows: [(&str, &str, Edit, Option<&str>); 14] = [
            ("eastus", "fixed count", |p| p.count = Some(3), None),
            (
                "eastus",
                "autoscaling",
                |p| {
                    p.autoscaling = Some(Autoscaling {
                        min_count: 1,
                        max_count: 5,
                    })
                },
                None,
            ),
            (
                "eastus",
                "count and autoscaling",
                |p| {
                    p.count = Some(3);
                    p.autoscaling = Some(Autoscaling {
                        min_count: 1,
                        max_count: 5,
                    })
                },
                Some("userPools.apps.count"),
            ),
            (
                "eastus",
                "min above max",
                |p| {
                    p.autoscaling = Some(Autoscaling {
                        min_count: 6,
                        max_count: 5,
                    })
                },
                Some("userPools.apps.autoscaling.minCount"),
            ),
            (
                "eastus",
                "beyond AKS's per-pool maximum",
                |p| {
                    p.autoscaling = Some(Autoscaling {
                        min_count: 1,
                        max_count: 1001,
                    })
                },
                Some("userPools.apps.autoscaling.maxCount"),
            ),
            (
                "eastus",
                "too many nodes",
                |p| p.count = Some(1001),
                Some("userPools.apps.count"),
            ),
            (
                "eastus",
                "zones",
                |p| p.zones = Some(vec!["1".into(), "3".into()]),
                None,
            ),
            (
                "eastus",
                "zone 4",
                |p| p.zones = Some(vec!["4".into()]),
                Some("userPools.apps.zones"),
            ),
            (
                "eastus",
                "zone twice",
                |p| p.zones = Some(vec!["1".into(), "1".into()]),
                Some("userPools.apps.zones"),
            ),
            (
                "westus",
                "zones where the region has none",
                |p| p.zones = Some(vec!["1".into()]),
                Some("userPools.apps.zones"),
            ),
            (
                "westus",
                "no zones where the region has none",
                |p| p.zones = Some(vec![]),
                None,
            ),
            (
                "eastus",
                "surge",
                |p| p.max_surge = Some("0%".into()),
                Some("userPools.apps.maxSurge"),
            ),
            (
                "eastus",
                "taint",
                |p| p.node_taints = Some(vec!["gpu=true".into()]),
                Some("userPools.apps.nodeTaints[0]"),
            ),
            (
                "eastus",
                "good taint and surge",
                |p| {
                    p.node_taints = Some(vec!["gpu=true:NoSchedule".into()]);
                    p.max_surge = Some("33%".into())
                },
                None,
            ),
        ];
        for (location, case, edit, refused_at) in rows {
            let mut inputs = valid();
            inputs.location = location.into();
            let mut pool = NodePoolSettings::default();
            edit(&mut pool);
            inputs.user_pools = Some(std::collections::BTreeMap::from([(
                "apps".to_string(),
                pool,
            )]));
            let failures = check(&mut inputs);
            let paths: Vec<String> = failures.iter().map(|f| f.property.to_string()).collect();
            match refused_at {
                None => assert!(failures.is_empty(), "{case}: {failures:?}"),
                Some(path) => assert!(paths.iter().any(|p| p == path), "{case}: {paths:?}"),
            }
            if let (Some(_), "zones where the region has none") = (refused_at, case) {
                assert!(
                    failures[0].reason.contains("westus"),
                    "names the region: {failures:?}"
                );
            }
        }
        let mut inputs = valid();
        inputs.user_pools = Some(std::collections::BTreeMap::from([
            ("system".to_string(), NodePoolSettings::default()),
            (
                "Bad-Name".to_string(),
                NodePoolSettings {
                    count: Some(-1),
                    ..Default::default()
                },
            ),
        ]));
        let paths: Vec<String> = check(&mut inputs)
            .iter()
            .map(|f| f.property.to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "userPools.Bad-Name",
                "userPools.Bad-Name.count",
                "userPools.system"
            ]
        );
    }

    /// Authorized ranges: IPv4 CIDRs or addresses, each once, at most 200; every bad one is
    /// named at its own index.
    #[test]
    fn authorized_ip_ranges_are_checked_one_by_one() {
        let many: Vec<String> = (0..201)
            .map(|i| format!("20.{}.{}.0/24", i / 256, i % 256))
            .collect();
        let rows: Vec<(Vec<String>, &[&str])> = vec![
            (vec![], &[]),
            (
                vec![
                    "73.140.245.0/24".into(),
                    "20.42.25.196".into(),
                    "0.0.0.0/32".into(),
                ],
                &[],
            ),
            (many[..200].to_vec(), &[]),
            (many.clone(), &["authorizedIpRanges"]),
            (
                vec![
                    "137.117.106.90/29".into(),
                    "2001:db8::/32".into(),
                    "73.140.245.0/24".into(),
                    "73.140.245.0/24".into(),
                    "not-a-range".into(),
                ],
                &[
                    "authorizedIpRanges[0]",
                    "authorizedIpRanges[1]",
                    "authorizedIpRanges[3]",
                    "authorizedIpRanges[4]",
                ],
            ),
        ];
        for (ranges, expected) in rows {
            let mut inputs = valid();
            inputs.authorized_ip_ranges = Some(ranges.clone());
            let failures = check(&mut inputs);
            let paths: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
            assert_eq!(paths, expected, "{ranges:?}");
        }
        let mut inputs = valid();
        inputs.authorized_ip_ranges = Some(vec!["137.117.106.90/29".into()]);
        assert!(check(&mut inputs)[0].reason.contains("137.117.106.88/29"));
    }

    /// A new cluster records its profile; an existing one keeps the one it had (none when it was
    /// created before profiles), whatever the program now asks.
    #[test]
    fn the_profile_is_fixed_when_the_cluster_is_created() {
        use crate::resource::{CheckContext, Resource};
        let unknowns = crate::property::Annotations::default();
        let context = CheckContext {
            unknowns: &unknowns,
            name: "Platform",
        };
        let rows = [
            (None, None, Some(ClusterProfile::Basic)),
            (
                Some(ClusterProfile::Production),
                None,
                Some(ClusterProfile::Production),
            ),
            (Some(ClusterProfile::Production), Some(None), None),
            (
                Some(ClusterProfile::Production),
                Some(Some(ClusterProfile::Basic)),
                Some(ClusterProfile::Basic),
            ),
        ];
        for (asked, old, recorded) in rows {
            let olds = old.map(|profile| RegionalClusterInputs { profile, ..valid() });
            let mut inputs = RegionalClusterInputs {
                profile: asked,
                ..valid()
            };
            super::super::RegionalCluster.check(&mut inputs, olds.as_ref(), &context);
            assert_eq!(inputs.profile, recorded, "{asked:?} over {old:?}");
        }
    }

    #[test]
    fn autoscaler_settings_take_the_forms_aks_takes() {
        use super::super::types::AutoScalerSettings;
        type Edit = fn(&mut AutoScalerSettings);
        let rows: [(Edit, Option<&str>); 7] = [
            (|p| p.scan_interval = Some("20s".into()), None),
            (
                |p| p.scan_interval = Some("20".into()),
                Some("autoScalerProfile.scanInterval"),
            ),
            (|p| p.scale_down_delay_after_add = Some("15m".into()), None),
            (
                |p| p.scale_down_unneeded_time = Some("10s".into()),
                Some("autoScalerProfile.scaleDownUnneededTime"),
            ),
            (
                |p| p.scale_down_utilization_threshold = Some("0.5".into()),
                None,
            ),
            (
                |p| p.scale_down_utilization_threshold = Some("1.5".into()),
                Some("autoScalerProfile.scaleDownUtilizationThreshold"),
            ),
            (
                |p| p.max_graceful_termination_sec = Some(-1),
                Some("autoScalerProfile.maxGracefulTerminationSec"),
            ),
        ];
        for (edit, refused_at) in rows {
            let mut inputs = valid();
            let mut profile = AutoScalerSettings::default();
            edit(&mut profile);
            inputs.auto_scaler_profile = Some(profile.clone());
            let paths: Vec<String> = check(&mut inputs)
                .iter()
                .map(|f| f.property.to_string())
                .collect();
            assert_eq!(
                paths,
                refused_at.into_iter().map(String::from).collect::<Vec<_>>(),
                "{profile:?}"
            );
        }
    }
}
