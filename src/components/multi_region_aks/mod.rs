//! `aksmesh:index:MultiRegionAks`: one AKS cluster per region, each in its own VNet, with address
//! ranges planned so nothing overlaps, and an OverlayPeering mesh when `enableVnetPeering` is on.
//!
//! Children: a RegionalNetwork and a RegionalCluster per region (regions in parallel), plus one
//! OverlayPeering component. Turning peering off removes only the peerings; appending a region adds
//! only that region's resources, because planned ranges never move.
//!
//! Files: `check` (offline validation, including the mesh), `plan` (address plan from the inputs),
//! `children` (one `register_*` step per kind of child, built from the child's own typed inputs) and
//! `outputs` (what the component reports).

mod check;
mod children;
mod outputs;
mod plan;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::component::{ChildRegistrar, Component, ComponentError, Constructed};
use crate::property::{Annotations, Value};
use crate::resource::CheckFailure;
use crate::resources::regional_cluster::{AutoScalerSettings, NodePoolSettings, SystemPoolInputs};
use crate::resources::regional_network::default_name_prefix;
use crate::vocabulary::{
    CiliumMeshMode, NodeOsUpgradeChannel, PodNetworking, SkuTier, UpgradeChannel,
};

pub use plan::plan;

pub struct MultiRegionAks;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionInputs {
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vnet_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    /// This region's system pool settings, over the platform's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_pool: Option<SystemPoolInputs>,
    /// This region's user pool settings, over the platform's pools of the same name (and its
    /// own pools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pools: Option<BTreeMap<String, NodePoolSettings>>,
    /// This region's Kubernetes version, so one region can go first (a canary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::resources::common::kubernetes_version")]
    pub kubernetes_version: Option<String>,
}

/// Cross-cluster pod networking, limited to the set-ups AKS supports.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeshOptions {
    /// `fleet` (flat pod networking + ACNS) or `selfManaged` (BYO CNI clusters).
    pub mode: CiliumMeshMode,
}

/// The global entry point: an Azure Front Door with one origin per region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontDoorOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_path: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MultiRegionAksInputs {
    pub regions: Vec<RegionInputs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::resources::common::kubernetes_version")]
    pub kubernetes_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_networking: Option<PodNetworking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_vnet_peering: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_door: Option<FrontDoorOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cilium_mesh: Option<MeshOptions>,
    /// Every region's system pool settings (a region's own override them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_pool: Option<SystemPoolInputs>,
    /// Every region's user pools; `{}` means none. Default: one autoscaled pool `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pools: Option<BTreeMap<String, NodePoolSettings>>,
    /// Every cluster's tier. Default: Standard for new clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_tier: Option<SkuTier>,
    /// Every cluster's autoscaler settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_scaler_profile: Option<AutoScalerSettings>,
    /// The public IPv4 ranges allowed to reach every cluster's API server; unset leaves them open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_ip_ranges: Option<Vec<String>>,
    /// Every cluster's automatic Kubernetes upgrade channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_channel: Option<UpgradeChannel>,
    /// Every cluster's node OS upgrade channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_os_upgrade_channel: Option<NodeOsUpgradeChannel>,
}

impl MultiRegionAksInputs {
    fn front_door_enabled(&self) -> bool {
        self.front_door
            .as_ref()
            .is_some_and(|f| f.enabled.unwrap_or(true))
    }

    fn pod_networking(&self) -> PodNetworking {
        self.pod_networking.unwrap_or_default()
    }

    fn flat(&self) -> bool {
        self.pod_networking() == PodNetworking::Flat
    }

    fn byo_cni(&self) -> bool {
        self.pod_networking() == PodNetworking::ByoCni
    }

    fn mesh_mode(&self) -> Option<CiliumMeshMode> {
        self.cilium_mesh.as_ref().map(|m| m.mode)
    }

    /// ACNS is on when a Fleet mesh needs it.
    fn advanced_networking(&self) -> bool {
        self.mesh_mode() == Some(CiliumMeshMode::Fleet)
    }

    fn peering_enabled(&self) -> bool {
        self.enable_vnet_peering.unwrap_or(false)
    }

    /// The system pool of region `i`: the platform's settings, the region's over them, and the
    /// region's `nodeCount` and `vmSize` over both.
    fn system_pool(&self, i: usize) -> Option<SystemPoolInputs> {
        let region = &self.regions[i];
        let platform = self.system_pool.clone().unwrap_or_default();
        let own = region.system_pool.clone().unwrap_or_default();
        let mut pool = SystemPoolInputs {
            name: own.name.or(platform.name),
            settings: platform.settings.overlaid(&own.settings),
        };
        if let Some(count) = region.node_count {
            pool.settings.count = Some(i64::from(count));
        }
        if let Some(size) = &region.vm_size {
            pool.settings.vm_size = Some(size.clone());
        }
        (!pool.is_empty()).then_some(pool)
    }

    /// The user pools of region `i`: the platform's, each with the region's settings of the same
    /// name over it, and the region's own. `None` leaves them to the production profile.
    fn user_pools(&self, i: usize) -> Option<BTreeMap<String, NodePoolSettings>> {
        let own = self.regions[i].user_pools.as_ref();
        if self.user_pools.is_none() && own.is_none() {
            return None;
        }
        let mut pools = self.user_pools.clone().unwrap_or_default();
        for (name, settings) in own.into_iter().flatten() {
            let merged = pools
                .get(name)
                .cloned()
                .unwrap_or_default()
                .overlaid(settings);
            pools.insert(name.clone(), merged);
        }
        Some(pools)
    }
}

/// The DNS label a region's ingress Service must carry (`service.beta.kubernetes.io/azure-dns-label-name`)
/// so that Front Door finds it at `{label}.{region}.cloudapp.azure.com`.
pub fn ingress_dns_label(prefix: &str, location: &str) -> String {
    format!("{prefix}-{location}")
}

#[async_trait]
impl Component for MultiRegionAks {
    const TOKEN: &'static str = "aksmesh:index:MultiRegionAks";
    type Inputs = MultiRegionAksInputs;

    fn check(&self, inputs: &MultiRegionAksInputs, unknowns: &Annotations) -> Vec<CheckFailure> {
        check::check(inputs, unknowns)
    }

    async fn construct(
        &self,
        registrar: Arc<dyn ChildRegistrar>,
        name: &str,
        inputs: MultiRegionAksInputs,
        raw: &Value,
    ) -> Result<Constructed, ComponentError> {
        let plan = plan(&inputs).map_err(ComponentError::Invalid)?;
        let platform = children::Platform {
            registrar,
            name,
            prefix: inputs
                .name_prefix
                .clone()
                .unwrap_or_else(|| default_name_prefix(name)),
            inputs: &inputs,
            plan: &plan,
            raw_tags: raw
                .get("tags")
                .cloned()
                .unwrap_or(Value::Object(BTreeMap::new())),
            raw_version: raw.get("kubernetesVersion").cloned(),
        };
        // Networks first, all regions at once (clusters need their subnets, peerings their VNets).
        let networks = platform.register_networks().await?;
        let (clusters, peering, front_door) = futures::future::try_join3(
            platform.register_clusters(&networks),
            platform.register_peering(&networks),
            platform.register_front_door(&networks),
        )
        .await?;
        let mesh = platform
            .register_mesh(&networks, &clusters, peering.as_ref())
            .await?;
        let outputs = outputs::outputs(
            &platform,
            outputs::Children {
                networks: &networks,
                clusters: &clusters,
                peering: peering.as_ref(),
                front_door: front_door.as_ref(),
                mesh: mesh.as_ref(),
            },
        )?;
        Ok(outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(regions: &[&str]) -> MultiRegionAksInputs {
        MultiRegionAksInputs {
            regions: regions
                .iter()
                .map(|l| RegionInputs {
                    location: l.to_string(),
                    vnet_cidr: None,
                    pod_cidr: None,
                    node_count: None,
                    vm_size: None,
                    system_pool: None,
                    user_pools: None,
                    kubernetes_version: None,
                })
                .collect(),
            kubernetes_version: None,
            pod_networking: None,
            enable_vnet_peering: None,
            name_prefix: None,
            tags: BTreeMap::new(),
            front_door: None,
            cilium_mesh: None,
            system_pool: None,
            user_pools: None,
            sku_tier: None,
            auto_scaler_profile: None,
            authorized_ip_ranges: None,
            upgrade_channel: None,
            node_os_upgrade_channel: None,
        }
    }

    /// A region's pool settings lie over the platform's, field by field; the region's nodeCount
    /// and vmSize over both; a count and an autoscaler range never both survive.
    #[test]
    fn region_pool_settings_lie_over_the_platform_ones() {
        use crate::resources::regional_cluster::Autoscaling;
        let mut platform = inputs(&["eastus", "westeurope"]);
        platform.system_pool = Some(SystemPoolInputs {
            name: None,
            settings: NodePoolSettings {
                vm_size: Some("Standard_D4s_v5".into()),
                count: Some(3),
                ..Default::default()
            },
        });
        platform.user_pools = Some(BTreeMap::from([(
            "apps".to_string(),
            NodePoolSettings {
                autoscaling: Some(Autoscaling {
                    min_count: 2,
                    max_count: 10,
                }),
                max_surge: Some("33%".into()),
                ..Default::default()
            },
        )]));
        platform.regions[1].system_pool = Some(SystemPoolInputs {
            name: None,
            settings: NodePoolSettings {
                autoscaling: Some(Autoscaling {
                    min_count: 3,
                    max_count: 6,
                }),
                ..Default::default()
            },
        });
        platform.regions[1].vm_size = Some("Standard_D8s_v5".into());
        platform.regions[1].user_pools = Some(BTreeMap::from([
            (
                "apps".to_string(),
                NodePoolSettings {
                    count: Some(4),
                    ..Default::default()
                },
            ),
            (
                "gpu".to_string(),
                NodePoolSettings {
                    vm_size: Some("Standard_NC6s_v3".into()),
                    ..Default::default()
                },
            ),
        ]));

        let east = platform.system_pool(0).unwrap().settings;
        assert_eq!(
            (east.count, east.vm_size.as_deref()),
            (Some(3), Some("Standard_D4s_v5"))
        );
        let west = platform.system_pool(1).unwrap().settings;
        assert_eq!(west.count, None, "the region autoscales instead");
        assert_eq!(
            west.autoscaling,
            Some(Autoscaling {
                min_count: 3,
                max_count: 6
            })
        );
        assert_eq!(west.vm_size.as_deref(), Some("Standard_D8s_v5"));

        let east_pools = platform.user_pools(0).unwrap();
        assert_eq!(east_pools.keys().collect::<Vec<_>>(), ["apps"]);
        let west_pools = platform.user_pools(1).unwrap();
        assert_eq!(west_pools.keys().collect::<Vec<_>>(), ["apps", "gpu"]);
        assert_eq!(west_pools["apps"].count, Some(4));
        assert_eq!(west_pools["apps"].autoscaling, None);
        assert_eq!(west_pools["apps"].max_surge.as_deref(), Some("33%"));

        assert_eq!(
            inputs(&["eastus"]).user_pools(0),
            None,
            "left to the production profile"
        );
    }

    #[test]
    fn planned_ranges_match_the_familiar_layout_and_never_move() {
        let three = plan(&inputs(&["eastus", "westeurope", "southeastasia"])).unwrap();
        let four = plan(&inputs(&[
            "eastus",
            "westeurope",
            "southeastasia",
            "japaneast",
        ]))
        .unwrap();
        assert_eq!(three.regions[2].pod_cidr.to_string(), "10.48.0.0/13");
        for (a, b) in three.regions.iter().zip(&four.regions) {
            assert_eq!(a.vnet_cidr, b.vnet_cidr);
            assert_eq!(a.pod_cidr, b.pod_cidr);
        }
    }

    /// Check names every problem of a mesh request at once: a missing peering does not hide what
    /// the mesh itself rejects (overlay clusters), nor the other way round.
    #[test]
    fn check_reports_every_mesh_problem_at_once() {
        use PodNetworking::{ByoCni, Flat, Overlay};
        let cases: [(PodNetworking, CiliumMeshMode, bool, &[&str]); 6] = [
            (
                Overlay,
                CiliumMeshMode::Fleet,
                false,
                &["enableVnetPeering", "ciliumMesh"],
            ),
            (
                Overlay,
                CiliumMeshMode::SelfManaged,
                false,
                &["enableVnetPeering", "ciliumMesh"],
            ),
            (Overlay, CiliumMeshMode::Fleet, true, &["ciliumMesh"]),
            (Flat, CiliumMeshMode::Fleet, false, &["enableVnetPeering"]),
            (Flat, CiliumMeshMode::Fleet, true, &[]),
            (
                ByoCni,
                CiliumMeshMode::SelfManaged,
                false,
                &["enableVnetPeering"],
            ),
        ];
        for (networking, mode, peering, expected) in cases {
            let mut platform = inputs(&["eastus", "westeurope"]);
            platform.pod_networking = Some(networking);
            platform.enable_vnet_peering = Some(peering);
            platform.kubernetes_version = Some("1.33".into());
            platform.cilium_mesh = Some(MeshOptions { mode });
            let failures = MultiRegionAks.check(&platform, &Annotations::default());
            let mut found: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
            found.dedup();
            assert_eq!(
                found, expected,
                "{networking:?} {mode:?} peering {peering}: {failures:?}"
            );
            if networking == Overlay {
                assert!(
                    failures
                        .iter()
                        .any(|f| f.reason.contains("Azure CNI Overlay")),
                    "{failures:?}"
                );
            }
        }
    }

    /// Address-space refusals name the region, the number that fits and an input MultiRegionAks
    /// has (never the planner settings it does not take).
    #[test]
    fn address_space_refusals_give_the_numbers_and_a_fix_this_component_takes() {
        let regions = [
            "eastus",
            "westeurope",
            "southeastasia",
            "westus2",
            "northeurope",
            "uksouth",
            "japaneast",
            "australiaeast",
            "canadacentral",
            "centralindia",
        ];
        let platform = |count: usize, vnet: Option<&str>| -> MultiRegionAksInputs {
            let regions: Vec<_> = regions[..count]
                .iter()
                .map(|location| serde_json::json!({"location": location, "vnetCidr": vnet}))
                .collect();
            serde_json::from_value(serde_json::json!({ "regions": regions })).unwrap()
        };
        let cases = [
            // (inputs, property, the reason contains)
            (platform(8, None), None, ""),
            (
                platform(9, None),
                Some("regions[8].vnetCidr"),
                "MultiRegionAks plans at most 8 of them",
            ),
            (
                platform(1, Some("10.0.0.0/16")),
                Some("regions[0].vnetCidr"),
                "use a /15 or larger VNet",
            ),
        ];
        for (inputs, property, reason) in cases {
            let failures = check::check(&inputs, &Annotations::default());
            match property {
                None => assert!(failures.is_empty(), "{failures:?}"),
                Some(property) => {
                    assert_eq!(failures.len(), 1, "{failures:?}");
                    assert_eq!(failures[0].property.as_str(), property);
                    assert!(
                        failures[0].reason.contains(reason),
                        "{}",
                        failures[0].reason
                    );
                    for absent in [
                        "nodeSubnetPrefixLength",
                        "larger baseCidr",
                        "raise vnetPrefixLength",
                    ] {
                        assert!(
                            !failures[0].reason.contains(absent),
                            "{}",
                            failures[0].reason
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn check_reports_bad_regions_and_modes_at_their_paths() {
        use crate::component::{ComponentAdapter, ComponentError, DynComponent};
        use crate::resources::regional_cluster::kubernetes_versions;
        // Through the adapter, as the engine calls it: a value of the wrong vocabulary and a bad
        // region are reported together.
        let raw = Value::from_plain(
            &serde_json::json!({
                "regions": [{"location": "eastus"}, {"location": "mars"}],
                "podNetworking": "tunnel",
                "namePrefix": "",
                "kubernetesVersion": "1.20",
            }),
            &Default::default(),
        );
        let Err(ComponentError::Invalid(failures)) = ComponentAdapter(MultiRegionAks).check(&raw)
        else {
            panic!("bad inputs were accepted");
        };
        let found: Vec<_> = failures
            .iter()
            .map(|f| (f.property.as_str(), f.reason.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "podNetworking",
                    "'tunnel' is not a valid podNetworking; use one of overlay, flat, byoCni"
                ),
                (
                    "namePrefix",
                    "namePrefix is empty; remove it to name the Azure resources after this platform, or give a prefix"
                ),
                (
                    "kubernetesVersion",
                    kubernetes_versions::offline_refusal("1.20").unwrap().as_str()
                ),
                (
                    "regions[1].location",
                    "'mars' is not an Azure region (did you mean eastus?); `az account list-locations -o table` lists them"
                ),
            ]
        );
        let too_many = inputs(&[
            "eastus",
            "eastus2",
            "westus",
            "westus2",
            "westus3",
            "centralus",
            "northeurope",
            "westeurope",
            "uksouth",
        ]);
        let failures = MultiRegionAks.check(&too_many, &Annotations::default());
        // At the region whose range is missing: that is where the fix goes.
        assert_eq!(failures[0].property, "regions[8].vnetCidr");
    }

    /// The platform's authorized ranges go to every cluster, checked once at the platform's key.
    #[test]
    fn authorized_ranges_are_checked_at_the_platform() {
        let mut platform = inputs(&["eastus", "westus"]);
        platform.authorized_ip_ranges = Some(vec!["73.140.245.0/24".into(), "10.0.0.1/8".into()]);
        let failures = MultiRegionAks.check(&platform, &Annotations::default());
        let paths: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(paths, ["authorizedIpRanges[1]"], "{failures:?}");
        assert!(failures[0].reason.contains("10.0.0.0/8"));
        platform.authorized_ip_ranges = Some(vec!["73.140.245.0/24".into()]);
        assert!(MultiRegionAks
            .check(&platform, &Annotations::default())
            .is_empty());
    }

    /// A bad pool fails the platform's Check where it is written: at the region that gives it,
    /// else at the platform's setting with the region named.
    #[test]
    fn pool_problems_are_reported_where_they_are_written() {
        use crate::resources::regional_cluster::Autoscaling;
        let mut platform = inputs(&["eastus", "westus"]);
        platform.user_pools = Some(BTreeMap::from([(
            "apps".to_string(),
            NodePoolSettings {
                zones: Some(vec!["1".into(), "2".into()]),
                ..Default::default()
            },
        )]));
        platform.regions[0].user_pools = Some(BTreeMap::from([(
            "apps".to_string(),
            NodePoolSettings {
                autoscaling: Some(Autoscaling {
                    min_count: 5,
                    max_count: 2,
                }),
                ..Default::default()
            },
        )]));
        platform.regions[0].kubernetes_version = Some("1.20".into());
        let failures = check::check(&platform, &Annotations::default());
        let found: Vec<(String, bool)> = failures
            .iter()
            .map(|f| (f.property.to_string(), f.reason.contains("(in westus)")))
            .collect();
        assert_eq!(
            found,
            [
                ("regions[0].kubernetesVersion".to_string(), false),
                (
                    "regions[0].userPools.apps.autoscaling.minCount".to_string(),
                    false
                ),
                ("userPools.apps.zones".to_string(), true),
            ],
            "{failures:?}"
        );
    }
}
