//! Node pools: which ARM agent pool carries each pool of the program, which changes AKS makes in
//! place and which rotate a pool, and the agent pool bodies. Pure: the calls are in `pool_apply`.
//!
//! A pool of the program (`systemPool`, `userPools.<name>`) is carried by one ARM agent pool,
//! tagged with the program's pool name. AKS cannot change a pool's VM size, zones, OS disk type
//! or maxPods, so such a change **rotates** the pool: a new agent pool with the new
//! settings and a generated name is created, and once it has Succeeded the old one is deleted
//! (AKS cordons and drains it). Everything is decided from what Azure reports, so a rotation
//! interrupted at any step finishes on the next run.

use std::collections::BTreeMap;

use super::types::{NodePoolSettings, RegionalClusterInputs};
use crate::azure::models::managed_cluster::{AgentPoolProfile, AgentPoolUpgradeSettings};
use crate::resources::common::managed_tags;
use crate::vocabulary::{PodNetworking, Vocabulary};

/// The agent pool tag that names the pool of the program an agent pool carries.
pub const POOL_TAG: &str = "aksmesh-pool";

/// A pool of the program with its defaults resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSpec {
    /// The program's name: `systemPool.name`, or the `userPools` key.
    pub name: String,
    pub system: bool,
    pub settings: NodePoolSettings,
}

impl PoolSpec {
    pub fn mode(&self) -> &'static str {
        if self.system {
            "System"
        } else {
            "User"
        }
    }

    /// The input path of the pool, for messages.
    pub fn path(&self) -> String {
        if self.system {
            "systemPool".into()
        } else {
            format!("userPools.{}", self.name)
        }
    }
}

/// Every pool of the program, the system pool first.
pub fn pool_specs(inputs: &RegionalClusterInputs) -> Vec<PoolSpec> {
    let system = inputs.resolved_system_pool();
    let mut specs = vec![PoolSpec {
        name: system.name.unwrap_or_default(),
        system: true,
        settings: system.settings,
    }];
    specs.extend(
        inputs
            .resolved_user_pools()
            .into_iter()
            .map(|(name, settings)| PoolSpec {
                name,
                system: false,
                settings,
            }),
    );
    specs
}

/// The settings that AKS fixes when a pool is created and that differ: a rotation's reasons.
/// An unset setting (a cluster created before aksmesh chose zones and images) accepts any value.
pub fn rotating_fields(desired: &NodePoolSettings, live: &AgentPoolProfile) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let same_text = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, _) => true,
        (Some(_), None) => false,
    };
    if !same_text(desired.vm_size.as_deref(), live.vm_size.as_deref()) {
        fields.push("vmSize");
    }
    if let Some(zones) = &desired.zones {
        if sorted(zones) != sorted(live.availability_zones.as_deref().unwrap_or_default()) {
            fields.push("zones");
        }
    }
    if !same_text(
        desired.os_disk_type.map(|disk| disk.as_str()),
        live.os_disk_type.as_deref(),
    ) {
        fields.push("osDiskType");
    }
    if desired.max_pods.is_some() && desired.max_pods != live.max_pods.map(i64::from) {
        fields.push("maxPods");
    }
    fields
}

/// The settings AKS changes in place that differ: count (unless the autoscaler owns it), the
/// autoscaler range, OS image, labels, taints, surge and version. Unset labels, taints and surge are
/// left as they are.
pub fn in_place_changes(
    desired: &NodePoolSettings,
    system: bool,
    version: Option<&str>,
    live: &AgentPoolProfile,
) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let autoscales = live.enable_auto_scaling == Some(true);
    match &desired.autoscaling {
        Some(range) => {
            if !autoscales
                || live.min_count.map(i64::from) != Some(range.min_count)
                || live.max_count.map(i64::from) != Some(range.max_count)
            {
                fields.push("autoscaling");
            }
        }
        None => {
            if autoscales {
                fields.push("autoscaling");
            }
            if desired.count.is_some() && desired.count != live.count.map(i64::from) {
                fields.push("count");
            }
        }
    }
    if live.mode.as_deref() != Some(if system { "System" } else { "User" }) {
        fields.push("mode");
    }
    // AKS moves a pool between Linux images in place, node by node with surge (Learn, "Upgrade
    // OS versions in AKS": `az aks nodepool update --os-sku`).
    if let Some(sku) = desired.os_sku {
        let live_sku = live.os_sku.as_deref().unwrap_or_default();
        if !sku.as_str().eq_ignore_ascii_case(live_sku) {
            fields.push("osSku");
        }
    }
    if let Some(labels) = &desired.node_labels {
        if live.node_labels.clone().unwrap_or_default() != *labels {
            fields.push("nodeLabels");
        }
    }
    if let Some(taints) = &desired.node_taints {
        if sorted(taints) != sorted(live.node_taints.as_deref().unwrap_or_default()) {
            fields.push("nodeTaints");
        }
    }
    if let Some(surge) = &desired.max_surge {
        let live_surge = live
            .upgrade_settings
            .as_ref()
            .and_then(|u| u.max_surge.as_deref());
        if live_surge != Some(surge.as_str()) {
            fields.push("maxSurge");
        }
    }
    if let Some(version) = version {
        if !version_matches(version, live.orchestrator_version.as_deref()) {
            fields.push("kubernetesVersion");
        }
    }
    fields
}

/// `1.34` asks for the newest patch of 1.34, so any 1.34.x satisfies it.
fn version_matches(wanted: &str, live: Option<&str>) -> bool {
    let Some(live) = live else {
        return false;
    };
    live == wanted || live.starts_with(&format!("{wanted}."))
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    items
}

/// The agent pools that carry `pool`: tagged with its name, or (created before tags) named so.
pub fn carriers<'a>(pool: &PoolSpec, live: &'a [AgentPoolProfile]) -> Vec<&'a AgentPoolProfile> {
    live.iter()
        .filter(|agent_pool| carried_pool(agent_pool) == Some(pool.name.as_str()))
        .collect()
}

/// The program's pool an agent pool carries, if aksmesh made it.
pub fn carried_pool(agent_pool: &AgentPoolProfile) -> Option<&str> {
    agent_pool
        .tags
        .as_ref()
        .and_then(|tags| tags.get(POOL_TAG))
        .map(String::as_str)
        .or(Some(agent_pool.name.as_str()))
}

/// The name of a rotation's new agent pool: the pool's name (cut to 8 characters) and 4 hex
/// digits of its fixed settings, so a rerun picks the same name and adopts what it created.
pub fn rotation_name(pool: &PoolSpec) -> String {
    let fixed = format!(
        "{}|{}|{:?}|{:?}|{:?}",
        pool.name,
        pool.settings.vm_size.as_deref().unwrap_or_default(),
        pool.settings.zones.as_ref().map(|z| sorted(z)),
        pool.settings.os_disk_type,
        pool.settings.max_pods
    );
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = fixed.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    let stem: String = pool.name.chars().take(8).collect();
    format!("{stem}{:04x}", hash & 0xffff)
}

/// The agent pool body for `pool`: the live pool's settings (so nothing unset changes), with the
/// program's settings over them. Node and pod subnets follow the cluster's.
pub fn agent_pool_body(
    pool: &PoolSpec,
    inputs: &RegionalClusterInputs,
    version: Option<&str>,
    live: Option<&AgentPoolProfile>,
) -> AgentPoolProfile {
    let mut body = live.cloned().unwrap_or_default();
    let settings = &pool.settings;
    body.name = String::new();
    body.mode = Some(pool.mode().into());
    body.os_type = Some("Linux".into());
    body.pool_type = Some("VirtualMachineScaleSets".into());
    body.vm_size = settings.vm_size.clone().or(body.vm_size);
    match &settings.autoscaling {
        Some(range) => {
            body.enable_auto_scaling = Some(true);
            body.min_count = i32::try_from(range.min_count).ok();
            body.max_count = i32::try_from(range.max_count).ok();
            // The autoscaler owns the count: keep the live one within the new range.
            let live_count = live.and_then(|l| l.count).map(i64::from);
            let count = live_count
                .unwrap_or(range.min_count)
                .clamp(range.min_count, range.max_count.max(range.min_count));
            body.count = i32::try_from(count).ok();
        }
        None => {
            body.enable_auto_scaling = Some(false);
            body.min_count = None;
            body.max_count = None;
            body.count = settings
                .count
                .and_then(|count| i32::try_from(count).ok())
                .or(body.count);
        }
    }
    if let Some(zones) = &settings.zones {
        body.availability_zones = Some(zones.clone());
    }
    if let Some(sku) = settings.os_sku {
        body.os_sku = Some(sku.as_str().into());
    }
    if let Some(disk) = settings.os_disk_type {
        body.os_disk_type = Some(disk.as_str().into());
    }
    if let Some(max_pods) = settings.max_pods {
        body.max_pods = i32::try_from(max_pods).ok();
    }
    if let Some(labels) = &settings.node_labels {
        body.node_labels = Some(labels.clone());
    }
    if let Some(taints) = &settings.node_taints {
        body.node_taints = Some(taints.clone());
    }
    if let Some(surge) = &settings.max_surge {
        body.upgrade_settings = Some(AgentPoolUpgradeSettings {
            max_surge: Some(surge.clone()),
        });
    }
    if let Some(version) = version {
        body.orchestrator_version = Some(version.into());
    }
    body.vnet_subnet_id = Some(inputs.node_subnet_id.clone());
    body.pod_subnet_id = (inputs.pod_networking() == PodNetworking::Flat)
        .then(|| inputs.pod_subnet_id.clone())
        .flatten();
    let mut tags = managed_tags(&inputs.tags);
    tags.insert(POOL_TAG.into(), pool.name.clone());
    body.tags = Some(tags);
    body
}

/// Which pools a change of inputs rotates, and why: for the preview's note.
pub fn rotations(
    old: &RegionalClusterInputs,
    new: &RegionalClusterInputs,
) -> BTreeMap<String, Vec<&'static str>> {
    let old_specs = pool_specs(old);
    pool_specs(new)
        .into_iter()
        .filter_map(|spec| {
            let before = old_specs
                .iter()
                .find(|o| o.system == spec.system && (spec.system || o.name == spec.name))?;
            // Compare as if the old settings were live.
            let as_live = agent_pool_body(before, old, None, None);
            let mut fields = rotating_fields(&spec.settings, &as_live);
            if before.name != spec.name {
                fields.insert(0, "name");
            }
            (!fields.is_empty()).then(|| (spec.path(), fields))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::valid;
    use super::super::types::{Autoscaling, SystemPoolInputs};
    use super::*;
    use crate::vocabulary::{ClusterProfile, OsDiskType, OsSku};

    fn live(name: &str, settings: &NodePoolSettings) -> AgentPoolProfile {
        let spec = PoolSpec {
            name: name.into(),
            system: false,
            settings: settings.clone(),
        };
        let mut pool = agent_pool_body(&spec, &valid(), Some("1.34.2"), None);
        pool.name = name.into();
        pool
    }

    /// Each fixed setting rotates the pool; each other setting updates it in place; unset fixed
    /// settings accept whatever the pool has.
    #[test]
    fn fixed_settings_rotate_and_the_rest_update_in_place() {
        let base = NodePoolSettings {
            vm_size: Some("Standard_D4s_v5".into()),
            count: Some(3),
            zones: Some(vec!["1".into(), "2".into(), "3".into()]),
            os_sku: Some(OsSku::AzureLinux),
            os_disk_type: Some(OsDiskType::Managed),
            max_pods: Some(110),
            ..Default::default()
        };
        let pool = live("apps", &base);
        type Edit = fn(&mut NodePoolSettings);
        let rows: [(&str, Edit, &[&str], &[&str]); 12] = [
            ("nothing", |_| {}, &[], &[]),
            (
                "vm size spelled in another case",
                |s| s.vm_size = Some("standard_d4s_v5".into()),
                &[],
                &[],
            ),
            (
                "vm size",
                |s| s.vm_size = Some("Standard_D8s_v5".into()),
                &["vmSize"],
                &[],
            ),
            (
                "zones",
                |s| s.zones = Some(vec!["1".into()]),
                &["zones"],
                &[],
            ),
            (
                "zones reordered",
                |s| s.zones = Some(vec!["3".into(), "1".into(), "2".into()]),
                &[],
                &[],
            ),
            (
                "os image",
                |s| s.os_sku = Some(OsSku::Ubuntu),
                &[],
                &["osSku"],
            ),
            (
                "os disk",
                |s| s.os_disk_type = Some(OsDiskType::Ephemeral),
                &["osDiskType"],
                &[],
            ),
            ("max pods", |s| s.max_pods = Some(30), &["maxPods"], &[]),
            (
                "unset fixed settings",
                |s| {
                    s.zones = None;
                    s.os_sku = None;
                    s.os_disk_type = None;
                    s.max_pods = None
                },
                &[],
                &[],
            ),
            ("count", |s| s.count = Some(5), &[], &["count"]),
            (
                "autoscaling",
                |s| {
                    s.count = None;
                    s.autoscaling = Some(Autoscaling {
                        min_count: 1,
                        max_count: 4,
                    })
                },
                &[],
                &["autoscaling"],
            ),
            (
                "labels, taints and surge",
                |s| {
                    s.node_labels = Some(BTreeMap::from([("tier".into(), "web".into())]));
                    s.node_taints = Some(vec!["gpu=true:NoSchedule".into()]);
                    s.max_surge = Some("33%".into())
                },
                &[],
                &["nodeLabels", "nodeTaints", "maxSurge"],
            ),
        ];
        for (case, edit, rotates, updates) in rows {
            let mut desired = base.clone();
            edit(&mut desired);
            assert_eq!(rotating_fields(&desired, &pool), rotates, "{case}");
            assert_eq!(
                in_place_changes(&desired, false, Some("1.34"), &pool),
                updates,
                "{case}"
            );
        }
        assert_eq!(
            in_place_changes(&base, false, Some("1.35"), &pool),
            ["kubernetesVersion"]
        );
        assert_eq!(in_place_changes(&base, true, None, &pool), ["mode"]);
    }

    /// An autoscaled pool's live count is the autoscaler's: it is no change, and an update keeps
    /// it (inside the new range).
    #[test]
    fn the_autoscaler_owns_the_count() {
        let desired = NodePoolSettings {
            vm_size: Some("Standard_D4s_v5".into()),
            autoscaling: Some(Autoscaling {
                min_count: 2,
                max_count: 10,
            }),
            ..Default::default()
        };
        let mut pool = live("apps", &desired);
        for count in [2, 7, 10] {
            pool.count = Some(count);
            assert_eq!(
                in_place_changes(&desired, false, None, &pool),
                Vec::<&str>::new()
            );
        }
        let spec = PoolSpec {
            name: "apps".into(),
            system: false,
            settings: NodePoolSettings {
                autoscaling: Some(Autoscaling {
                    min_count: 1,
                    max_count: 5,
                }),
                ..desired
            },
        };
        pool.count = Some(7);
        let body = agent_pool_body(&spec, &valid(), None, Some(&pool));
        assert_eq!(body.count, Some(5), "clamped into the new range");
        pool.count = Some(3);
        let body = agent_pool_body(&spec, &valid(), None, Some(&pool));
        assert_eq!(body.count, Some(3), "kept");
    }

    #[test]
    fn rotation_names_are_stable_valid_and_differ_by_settings() {
        let spec = |name: &str, vm: &str| PoolSpec {
            name: name.into(),
            system: false,
            settings: NodePoolSettings {
                vm_size: Some(vm.into()),
                ..Default::default()
            },
        };
        let a = rotation_name(&spec("workloads1", "Standard_D4s_v5"));
        assert_eq!(a, rotation_name(&spec("workloads1", "Standard_D4s_v5")));
        assert_ne!(a, rotation_name(&spec("workloads1", "Standard_D8s_v5")));
        assert!(a.starts_with("workload"), "{a}");
        assert_eq!(a.len(), 12);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!(rotation_name(&spec("apps", "x")).starts_with("apps"));
    }

    #[test]
    fn carriers_are_found_by_tag_or_by_the_old_name() {
        let settings = NodePoolSettings::default();
        let tagged = {
            let mut pool = live("apps1a2b", &settings);
            pool.tags = Some(BTreeMap::from([(POOL_TAG.into(), "apps".into())]));
            pool
        };
        let untagged = {
            let mut pool = live("apps", &settings);
            pool.tags = None;
            pool
        };
        let other = {
            let mut pool = live("apps2", &settings);
            pool.tags = Some(BTreeMap::from([(POOL_TAG.into(), "apps2".into())]));
            pool
        };
        let pools = [tagged, untagged, other];
        let spec = PoolSpec {
            name: "apps".into(),
            system: false,
            settings,
        };
        let names: Vec<&str> = carriers(&spec, &pools)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["apps1a2b", "apps"]);
    }

    /// A cluster recorded before profiles keeps its shape; a new one gets the profile's defaults.
    #[test]
    fn profiles_choose_the_defaults_of_new_clusters_only() {
        let mut legacy = valid();
        legacy.profile = None;
        let specs = pool_specs(&legacy);
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].settings.zones, None);
        assert_eq!(specs[0].settings.os_sku, None);
        assert_eq!(specs[0].settings.count, Some(2));

        let mut basic = valid();
        basic.profile = Some(ClusterProfile::Basic);
        let specs = pool_specs(&basic);
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].settings.zones.as_ref().map(Vec::len), Some(3));
        assert_eq!(specs[0].settings.os_sku, Some(OsSku::AzureLinux));
        assert_eq!(specs[0].settings.node_taints, None);

        let mut production = valid();
        production.profile = Some(ClusterProfile::Production);
        let specs = pool_specs(&production);
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].settings.count, Some(3));
        assert_eq!(
            specs[0].settings.node_taints.as_deref(),
            Some(&["CriticalAddonsOnly=true:NoSchedule".to_string()][..])
        );
        assert_eq!(specs[1].name, "user");
        assert!(specs[1].settings.autoscaling.is_some());
        assert_eq!(specs[1].settings.count, None);

        let mut no_zones = production.clone();
        no_zones.location = "westus".into();
        assert!(pool_specs(&no_zones)
            .iter()
            .all(|s| s.settings.zones.is_none()));
    }

    #[test]
    fn preview_names_the_rotated_pool_and_why() {
        let mut old = valid();
        old.profile = Some(ClusterProfile::Basic);
        let mut new = old.clone();
        new.system_pool = Some(SystemPoolInputs {
            name: None,
            settings: NodePoolSettings {
                vm_size: Some("Standard_D8s_v5".into()),
                ..Default::default()
            },
        });
        assert_eq!(
            rotations(&old, &new),
            BTreeMap::from([("systemPool".to_string(), vec!["vmSize"])])
        );
        new.system_pool = Some(SystemPoolInputs {
            name: None,
            settings: NodePoolSettings {
                count: Some(5),
                ..Default::default()
            },
        });
        assert!(rotations(&old, &new).is_empty(), "count updates in place");
    }
}
