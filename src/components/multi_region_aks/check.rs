//! Offline validation of a platform: regions, node counts, flat networking and the mesh, all before
//! anything is registered.

use crate::net::AddressPlan;
use crate::property::{join_index, Annotations};
use crate::regions;
use crate::resource::{CheckContext, CheckFailure, Resource};
use crate::resources::cilium_mesh::{CiliumMesh, CiliumMeshInputs};
use crate::resources::common::Validator;
use crate::resources::regional_cluster::{
    kubernetes_versions, RegionalCluster, RegionalClusterInputs,
};
use crate::vocabulary::ClusterProfile;

use super::children::mesh_cluster;
use super::{plan, MultiRegionAksInputs};

pub fn check(inputs: &MultiRegionAksInputs, unknowns: &Annotations) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    if inputs.regions.is_empty() && !unknowns.is_unknown("regions") {
        failures.push(CheckFailure::new(
            "regions",
            "give at least one region, for example [{location: eastus}]",
        ));
    }
    if inputs.name_prefix.as_deref() == Some("") {
        // Children would take "" as "not given" and name everything after themselves.
        failures.push(CheckFailure::new(
            "namePrefix",
            "namePrefix is empty; remove it to name the Azure resources after this platform, or give a prefix",
        ));
    }
    if let Some(version) = inputs.kubernetes_version.as_deref() {
        // Here, before any network is created, not when the clusters are registered.
        if let Some(refusal) = kubernetes_versions::offline_refusal(version) {
            failures.push(CheckFailure::new("kubernetesVersion", refusal));
        }
    }
    check_regions(inputs, unknowns, &mut failures);
    check_pools(inputs, unknowns, &mut failures);
    let context = CheckContext {
        unknowns,
        name: "platform",
    };
    let mut validator = Validator::new(&context);
    validator.authorized_ip_ranges("authorizedIpRanges", inputs.authorized_ip_ranges.as_deref());
    failures.extend(validator.failures);
    let any_unknown_range = inputs
        .regions
        .iter()
        .enumerate()
        .any(|(i, _)| unknowns.is_unknown(&join_index("regions", i)));
    if failures.is_empty() && !any_unknown_range {
        match plan(inputs) {
            Err(plan_failures) => failures.extend(plan_failures),
            Ok(plan) => failures.extend(check_mesh(inputs, &plan, unknowns)),
        }
    }
    failures
}

fn check_regions(
    inputs: &MultiRegionAksInputs,
    unknowns: &Annotations,
    failures: &mut Vec<CheckFailure>,
) {
    for (i, region) in inputs.regions.iter().enumerate() {
        let at = join_index("regions", i);
        if !unknowns.is_unknown(&format!("{at}.location")) && !regions::is_known(&region.location) {
            failures.push(CheckFailure::new(
                format!("{at}.location"),
                regions::refusal(&region.location),
            ));
        }
        if let Some(count) = region.node_count {
            if !(1..=1000).contains(&count) {
                failures.push(CheckFailure::new(
                    format!("{at}.nodeCount"),
                    format!("{count} nodes: a system pool has 1 to 1000"),
                ));
            }
        }
    }
    if inputs.flat() {
        for (i, region) in inputs.regions.iter().enumerate() {
            if region.pod_cidr.is_some() {
                failures.push(CheckFailure::new(format!("{}.podCidr", join_index("regions", i)), "flat pod networking takes pod IPs from a pod subnet in the VNet; remove podCidr or use overlay"));
            }
        }
    }
}

/// Runs RegionalCluster's own pool and autoscaler checks on each region's merged settings, so a
/// bad pool fails at preview before any network exists. A failure is reported where the setting
/// is written: at the region when the region gives it, else at the platform's setting, naming
/// the region.
fn check_pools(
    inputs: &MultiRegionAksInputs,
    unknowns: &Annotations,
    failures: &mut Vec<CheckFailure>,
) {
    let pool_settings = ["systemPool", "userPools", "autoScalerProfile"];
    if pool_settings.iter().any(|path| unknowns.is_unknown(path)) {
        return;
    }
    // What only Azure or another child knows stays unknown, as in a preview.
    let mut unknown = Annotations::default();
    for path in ["nodeSubnetId", "resourceGroupName", "kubernetesVersion"] {
        unknown.unknown.insert(path.into());
    }
    let context = CheckContext {
        unknowns: &unknown,
        name: "cluster",
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, region) in inputs.regions.iter().enumerate() {
        let at = join_index("regions", i);
        if unknowns.is_unknown(&at) || !regions::is_known(&region.location) {
            continue;
        }
        if let Some(version) = region.kubernetes_version.as_deref() {
            if let Some(refusal) = kubernetes_versions::offline_refusal(version) {
                failures.push(CheckFailure::new(
                    format!("{at}.kubernetesVersion"),
                    refusal,
                ));
            }
        }
        let mut cluster = RegionalClusterInputs {
            location: region.location.clone(),
            name_prefix: "check".into(),
            system_pool: inputs.system_pool(i),
            user_pools: inputs.user_pools(i),
            auto_scaler_profile: inputs.auto_scaler_profile.clone(),
            profile: Some(ClusterProfile::Production),
            ..Default::default()
        };
        let own = serde_json::to_value(region).unwrap_or_default();
        for failure in RegionalCluster.check(&mut cluster, None, &context) {
            let path = failure.property.to_string();
            if !pool_settings.iter().any(|p| path.starts_with(p)) {
                continue;
            }
            let pointer = format!("/{}", path.replace(['.', '['], "/").replace(']', ""));
            let region_gives_it = own.pointer(&pointer).is_some()
                || (path.starts_with("systemPool.count") && region.node_count.is_some())
                || (path.starts_with("systemPool.vmSize") && region.vm_size.is_some());
            let (where_, reason) = if region_gives_it {
                (format!("{at}.{path}"), failure.reason)
            } else {
                (path, format!("{} (in {})", failure.reason, region.location))
            };
            if !seen.contains(&(where_.clone(), reason.clone())) {
                seen.push((where_.clone(), reason.clone()));
                failures.push(CheckFailure::new(where_, reason));
            }
        }
    }
}

/// Runs CiliumMesh's own offline checks on the clusters this platform would create, so an
/// unsupported mesh fails at preview with the same explanation, before any Azure call. What only
/// Azure knows (cluster, VNet and resource-group ids) is left unknown, as in a preview; the
/// component peers every pair of VNets itself whenever peering is on.
fn check_mesh(
    inputs: &MultiRegionAksInputs,
    plan: &AddressPlan,
    unknowns: &Annotations,
) -> Vec<CheckFailure> {
    let Some(mode) = inputs.mesh_mode() else {
        return Vec::new();
    };
    // Every problem at once: the missing peering does not hide what the mesh itself rejects.
    let mut failures = Vec::new();
    if plan.regions.len() > 1
        && !inputs.peering_enabled()
        && !unknowns.is_unknown("enableVnetPeering")
    {
        failures.push(CheckFailure::new("enableVnetPeering", "a Cilium mesh needs every cluster VNet peered with every other (node and pod IPs must route): set enableVnetPeering true"));
    }
    let mut unknown = Annotations::default();
    unknown.unknown.insert("peeredVnetPairs".into());
    unknown.unknown.insert("resourceGroupName".into());
    let version_unknown = unknowns.is_unknown("kubernetesVersion");
    let clusters = plan
        .regions
        .iter()
        .enumerate()
        .map(|(i, ranges)| {
            let at = join_index("clusters", i);
            for field in ["clusterId", "vnetId"] {
                unknown.unknown.insert(format!("{at}.{field}"));
            }
            if version_unknown {
                unknown.unknown.insert(format!("{at}.kubernetesVersion"));
            }
            mesh_cluster(
                inputs,
                ranges,
                String::new(),
                String::new(),
                inputs.kubernetes_version.clone(),
            )
        })
        .collect();
    let mut mesh = CiliumMeshInputs {
        mode: Some(mode),
        clusters,
        ..Default::default()
    };
    let context = CheckContext {
        unknowns: &unknown,
        name: "mesh",
    };
    let mut reasons: Vec<String> = Vec::new();
    for failure in CiliumMesh.check(&mut mesh, None, &context) {
        if !reasons.contains(&failure.reason) {
            reasons.push(failure.reason);
        }
    }
    failures.extend(
        reasons
            .into_iter()
            .map(|reason| CheckFailure::new("ciliumMesh", reason)),
    );
    failures
}
