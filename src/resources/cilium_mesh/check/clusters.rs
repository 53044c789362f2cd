//! Check of each listed cluster: its mesh name, AKS id, VNet, networking model, Kubernetes version
//! and ranges, and that no two clusters' pod ranges overlap.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::Ipv4Net;

use super::super::types::{
    CiliumMeshInputs, MeshClusterInputs, MAX_CLUSTERS, OVERLAY_MANAGED_CILIUM_REASON,
};
use super::valid_dns_label;
use crate::azure::ResourceId;
use crate::net;
use crate::resources::common::Validator;
use crate::vocabulary::{CiliumMeshMode, NetworkDataplane, PodNetworking};

/// Fleet cluster mesh needs Kubernetes 1.32 or later.
const MIN_FLEET_MINOR: u32 = 32;

/// A pod range found valid, with the path it was given at.
type PodRange = (String, Ipv4Net);

/// `clusters[i].field`.
fn at(i: usize, field: &str) -> String {
    format!("clusters[{i}].{field}")
}

/// `1.33` or `1.33.2` → (1, 33).
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

pub(super) fn check_clusters(
    v: &mut Validator<'_, '_>,
    inputs: &mut CiliumMeshInputs,
    mode: Option<CiliumMeshMode>,
) {
    if v.is_unknown("clusters") && inputs.clusters.is_empty() {
        return;
    }
    if inputs.clusters.is_empty() {
        v.fail(
            "clusters",
            "clusters is required: list at least one cluster (a mesh of one is allowed; add peers later)",
        );
        return;
    }
    if inputs.clusters.len() > MAX_CLUSTERS {
        v.fail(
            "clusters",
            format!(
                "{} clusters given; a Cilium cluster mesh (and Fleet's) holds at most {MAX_CLUSTERS} clusters (cluster ids 1–255)",
                inputs.clusters.len()
            ),
        );
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut pod_ranges: Vec<PodRange> = Vec::new();
    for (i, cluster) in inputs.clusters.iter_mut().enumerate() {
        pod_ranges.extend(check_cluster(v, i, cluster, mode, &mut seen));
    }
    report_pod_overlaps(v, &pod_ranges);
}

/// One cluster, in the order its failures are reported; returns its pod range when valid.
fn check_cluster(
    v: &mut Validator<'_, '_>,
    i: usize,
    cluster: &mut MeshClusterInputs,
    mode: Option<CiliumMeshMode>,
    seen: &mut BTreeMap<String, usize>,
) -> Option<PodRange> {
    let fleet = mode == Some(CiliumMeshMode::Fleet);
    let self_managed = mode == Some(CiliumMeshMode::SelfManaged);
    check_name(v, i, cluster, fleet, seen);
    if !cluster.location.is_empty() {
        let path = at(i, "location");
        v.region(&path, &mut cluster.location);
    }
    if fleet {
        check_aks_id(v, i, cluster);
    }
    v.required(
        &at(i, "vnetId"),
        &cluster.vnet_id,
        "pass the RegionalNetwork's vnetId output (used to check that the cluster VNets are peered)",
    );
    let networking = check_networking(v, i, cluster, mode);
    if fleet {
        check_fleet_version(v, i, cluster);
    }
    check_node_subnet(v, i, cluster, self_managed);
    networking.and_then(|networking| check_pod_range(v, i, cluster, networking))
}

/// Name: unique, a DNS label (Cilium cluster names ≤ 32, Fleet member names ≤ 50).
fn check_name(
    v: &mut Validator<'_, '_>,
    i: usize,
    cluster: &MeshClusterInputs,
    fleet: bool,
    seen: &mut BTreeMap<String, usize>,
) {
    let name_path = at(i, "name");
    if !v.required(
        &name_path,
        &cluster.name,
        "give each cluster a unique lower-case name, e.g. its region",
    ) {
        return;
    }
    let max = if fleet { 50 } else { 32 };
    if !valid_dns_label(&cluster.name, max) {
        v.fail(&name_path, format!("'{}' must be 1 to {max} lower-case letters, digits and '-', starting and ending with a letter or digit (it becomes the Cilium cluster name{})", cluster.name, if fleet { " and the Fleet member name" } else { "" }));
    } else if cluster.name == "default" {
        v.fail(
            &name_path,
            "Cilium reserves the cluster name 'default'; choose another",
        );
    }
    if let Some(first) = seen.insert(cluster.name.clone(), i) {
        v.fail(
            &name_path,
            format!(
                "duplicate cluster name '{}' (also clusters[{first}].name); each cluster needs a unique name",
                cluster.name
            ),
        );
    }
}

/// Fleet members are AKS clusters, named by resource id.
fn check_aks_id(v: &mut Validator<'_, '_>, i: usize, cluster: &MeshClusterInputs) {
    let cluster_id_path = at(i, "clusterId");
    if !v.required(
        &cluster_id_path,
        &cluster.cluster_id,
        "pass the RegionalCluster's clusterId output (the AKS resource id)",
    ) {
        return;
    }
    match ResourceId::parse(&cluster.cluster_id) {
        Ok(id)
            if id
                .resource_type()
                .eq_ignore_ascii_case("Microsoft.ContainerService/managedClusters") => {}
        _ => v.fail(
            &cluster_id_path,
            format!(
                "'{}' is not an AKS cluster resource id; pass the RegionalCluster's clusterId output",
                cluster.cluster_id
            ),
        ),
    }
}

/// Networking model: which pod networking, dataplane and ACNS each mode can mesh. Returns the pod
/// networking when known (it decides which pod range the cluster must give).
fn check_networking(
    v: &mut Validator<'_, '_>,
    i: usize,
    cluster: &MeshClusterInputs,
    mode: Option<CiliumMeshMode>,
) -> Option<PodNetworking> {
    let fleet = mode == Some(CiliumMeshMode::Fleet);
    let self_managed = mode == Some(CiliumMeshMode::SelfManaged);
    let networking_path = at(i, "podNetworking");
    let networking =
        (!v.is_unknown(&networking_path)).then(|| cluster.pod_networking.unwrap_or_default());
    let dataplane_path = at(i, "networkDataplane");
    let dataplane = match (networking, cluster.network_dataplane) {
        (Some(PodNetworking::ByoCni), _) => None,
        _ if v.is_unknown(&dataplane_path) => None,
        (_, Some(value)) => Some(value),
        (Some(_), None) => Some(NetworkDataplane::Cilium),
        (None, None) => None,
    };
    let acns_path = at(i, "advancedNetworking");
    let acns = if v.is_unknown(&acns_path) {
        None
    } else {
        Some(cluster.advanced_networking.unwrap_or(false))
    };
    if networking.is_none() || v.is_unknown(&dataplane_path) {
        return networking;
    }
    match (networking, dataplane) {
        (Some(PodNetworking::Overlay), Some(NetworkDataplane::Cilium)) if mode.is_some() => {
            v.fail(&networking_path, OVERLAY_MANAGED_CILIUM_REASON);
        }
        (Some(PodNetworking::Overlay), _) if fleet => v.fail(
            &networking_path,
            "Fleet cluster mesh does not support overlay pod networking (tunnelled overlay is unsupported); use podNetworking flat with a pod subnet, networkDataplane cilium and advancedNetworking true",
        ),
        (Some(PodNetworking::ByoCni), _) if fleet => v.fail(
            &networking_path,
            "Fleet cluster mesh runs the Cilium that ACNS manages, so BYO CNI clusters cannot join it; use mode selfManaged for byoCni clusters, or podNetworking flat with ACNS for fleet",
        ),
        (Some(PodNetworking::Flat), Some(NetworkDataplane::Azure)) if fleet => v.fail(
            &dataplane_path,
            "Fleet cluster mesh needs ACNS with Cilium: set networkDataplane cilium (and advancedNetworking true)",
        ),
        (Some(PodNetworking::Flat), Some(NetworkDataplane::Cilium))
            if fleet && acns == Some(false) =>
        {
            v.fail(
                &acns_path,
                "Fleet cluster mesh needs Advanced Container Networking Services (ACNS) with Cilium: set advancedNetworking true on the RegionalCluster and pass it here",
            )
        }
        (Some(networking), _) if self_managed && networking != PodNetworking::ByoCni => v.fail(
            &networking_path,
            format!("selfManaged meshes need BYO CNI clusters (podNetworking byoCni, network plugin none) so the Cilium you install with Helm is not managed by AKS; this cluster uses podNetworking {networking}. For flat clusters with ACNS use mode fleet"),
        ),
        _ => {}
    }
    networking
}

/// Kubernetes version (fleet).
fn check_fleet_version(v: &mut Validator<'_, '_>, i: usize, cluster: &MeshClusterInputs) {
    let version_path = at(i, "kubernetesVersion");
    if v.is_unknown(&version_path) {
        return;
    }
    let Some(version) = cluster.kubernetes_version.as_deref() else {
        return;
    };
    match major_minor(version) {
        Some((major, minor)) if (major, minor) < (1, MIN_FLEET_MINOR) => v.fail(
            &version_path,
            format!("Fleet cluster mesh needs Kubernetes 1.{MIN_FLEET_MINOR} or later; this cluster runs {version}. Upgrade the RegionalCluster's kubernetesVersion first"),
        ),
        Some(_) => {}
        None => v.fail(
            &version_path,
            format!("'{version}' is not a Kubernetes version like 1.33 or 1.33.2"),
        ),
    }
}

fn check_node_subnet(
    v: &mut Validator<'_, '_>,
    i: usize,
    cluster: &MeshClusterInputs,
    self_managed: bool,
) {
    let node_path = at(i, "nodeSubnetCidr");
    match cluster.node_subnet_cidr.as_deref() {
        Some(text) => {
            v.cidr(&node_path, text);
        }
        None if self_managed && !v.is_unknown(&node_path) => v.fail(
            &node_path,
            format!("{node_path} is required in selfManaged mode: the clustermesh-apiserver's internal load-balancer IP is picked inside it; pass the RegionalNetwork's nodeSubnetCidr output"),
        ),
        None => {}
    }
}

/// The pod range the cluster's networking uses: its pod subnet when flat, else its pod CIDR.
fn check_pod_range(
    v: &mut Validator<'_, '_>,
    i: usize,
    cluster: &MeshClusterInputs,
    networking: PodNetworking,
) -> Option<PodRange> {
    let (field, given) = if networking == PodNetworking::Flat {
        ("podSubnetCidr", cluster.pod_subnet_cidr.as_deref())
    } else {
        ("podCidr", cluster.pod_cidr.as_deref())
    };
    let path = at(i, field);
    match given {
        Some(text) => v.cidr(&path, text).map(|range| (path, range)),
        None if !v.is_unknown(&path) => {
            v.fail(
                &path,
                format!("{path} is required: every cluster's pod range must be known to check that no two overlap (pass the RegionalCluster's podCidr output, or the RegionalNetwork's podSubnetCidr for flat clusters)"),
            );
            None
        }
        None => None,
    }
}

/// Each range is reported once, against the first earlier range it overlaps.
fn report_pod_overlaps(v: &mut Validator<'_, '_>, pod_ranges: &[PodRange]) {
    let ranges: Vec<_> = pod_ranges.iter().map(|(_, range)| *range).collect();
    let mut reported = BTreeSet::new();
    for (earlier, later) in net::find_overlaps(&ranges) {
        if reported.insert(later) {
            let ((other_path, other), (path, range)) = (&pod_ranges[earlier], &pod_ranges[later]);
            v.fail(
                path,
                format!("the pod range {range} overlaps {other} ({other_path}); meshed clusters need unique, non-overlapping pod ranges, so give each cluster its own"),
            );
        }
    }
}
