//! `aksmesh:index:MultiRegionAks`: one AKS cluster per region, each in its own VNet, with address
//! ranges planned so nothing overlaps, and an OverlayPeering mesh when `enableVnetPeering` is on.
//!
//! Children: a RegionalNetwork and a RegionalCluster per region (regions in parallel), plus one
//! OverlayPeering component. Turning peering off removes only the peerings; appending a region adds
//! only that region's resources, because planned ranges never move.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use crate::component::{Child, ChildRegistrar, ChildRequest, Component, Constructed};
use crate::connectivity::{report, MeshMode, PodNetworking, Topology};
use crate::net::{self, AddressPlan, PlanRequest, RegionRequest};
use crate::property::{join_index, Annotations, Value};
use crate::resource::CheckFailure;
use crate::resources::common::{canonical_region, KNOWN_REGIONS};
use crate::resources::regional_network::default_name_prefix;

pub struct MultiRegionAks;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionInputs {
    pub location: String,
    #[serde(default)]
    pub vnet_cidr: Option<String>,
    #[serde(default)]
    pub pod_cidr: Option<String>,
    #[serde(default)]
    pub node_count: Option<u32>,
    #[serde(default)]
    pub vm_size: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiRegionAksInputs {
    pub regions: Vec<RegionInputs>,
    #[serde(default)]
    #[serde(deserialize_with = "crate::resources::common::kubernetes_version")]
    pub kubernetes_version: Option<String>,
    #[serde(default)]
    pub pod_networking: Option<String>,
    #[serde(default)]
    pub enable_vnet_peering: Option<bool>,
    #[serde(default)]
    pub name_prefix: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl MultiRegionAksInputs {
    fn flat(&self) -> bool {
        self.pod_networking.as_deref() == Some("flat")
    }
}

/// The planner request for these regions (explicit ranges honoured, the rest planned).
fn plan_request(inputs: &MultiRegionAksInputs) -> Result<PlanRequest, Vec<CheckFailure>> {
    let mut failures = Vec::new();
    let mut parse = |text: &Option<String>, path: String| match text.as_deref().map(net::parse_cidr)
    {
        None => None,
        Some(Ok(cidr)) => Some(cidr),
        Some(Err(error)) => {
            failures.push(CheckFailure::new(path, error.to_string()));
            None
        }
    };
    let regions = inputs
        .regions
        .iter()
        .enumerate()
        .map(|(i, region)| RegionRequest {
            location: canonical_region(&region.location),
            vnet_cidr: parse(
                &region.vnet_cidr,
                format!("{}.vnetCidr", join_index("regions", i)),
            ),
            pod_cidr: parse(
                &region.pod_cidr,
                format!("{}.podCidr", join_index("regions", i)),
            ),
        })
        .collect();
    if failures.is_empty() {
        Ok(PlanRequest::new(regions))
    } else {
        Err(failures)
    }
}

/// Plans the address space, with errors at the property they concern.
pub fn plan(inputs: &MultiRegionAksInputs) -> Result<AddressPlan, Vec<CheckFailure>> {
    let request = plan_request(inputs)?;
    net::plan_address_space(&request)
        .map_err(|error| vec![CheckFailure::new(error.field(), error.to_string())])
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn text(value: impl ToString) -> Value {
    Value::String(value.to_string())
}

/// A child's output, or unknown when the engine does not know it yet (preview).
fn output(child: &Child, key: &str) -> Value {
    match child.outputs.get(key) {
        Some(Value::Null) | None => Value::Unknown,
        Some(value) => value.clone(),
    }
}

#[async_trait]
impl Component for MultiRegionAks {
    const TOKEN: &'static str = "aksmesh:index:MultiRegionAks";
    type Inputs = MultiRegionAksInputs;

    fn check(&self, inputs: &MultiRegionAksInputs, unknowns: &Annotations) -> Vec<CheckFailure> {
        let mut failures = Vec::new();
        if inputs.regions.is_empty() && !unknowns.is_unknown("regions") {
            failures.push(CheckFailure::new(
                "regions",
                "give at least one region, for example [{location: eastus}]",
            ));
        }
        for (i, region) in inputs.regions.iter().enumerate() {
            let at = join_index("regions", i);
            if !unknowns.is_unknown(&format!("{at}.location"))
                && !KNOWN_REGIONS.contains(&canonical_region(&region.location).as_str())
            {
                failures.push(CheckFailure::new(format!("{at}.location"), format!("'{}' is not an Azure region; `az account list-locations -o table` lists them", region.location)));
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
        if let Some(mode) = inputs.pod_networking.as_deref() {
            if !unknowns.is_unknown("podNetworking") && !matches!(mode, "overlay" | "flat") {
                failures.push(CheckFailure::new(
                    "podNetworking",
                    format!(
                        "'{mode}' is not a pod networking mode; use overlay (the default) or flat"
                    ),
                ));
            }
        }
        if inputs.flat() {
            for (i, region) in inputs.regions.iter().enumerate() {
                if region.pod_cidr.is_some() {
                    failures.push(CheckFailure::new(format!("{}.podCidr", join_index("regions", i)), "flat pod networking takes pod IPs from a pod subnet in the VNet; remove podCidr or use overlay"));
                }
            }
        }
        let any_unknown_range = inputs
            .regions
            .iter()
            .enumerate()
            .any(|(i, _)| unknowns.is_unknown(&join_index("regions", i)));
        if failures.is_empty() && !any_unknown_range {
            if let Err(plan_failures) = plan(inputs) {
                failures.extend(plan_failures);
            }
        }
        failures
    }

    async fn construct(
        &self,
        registrar: Arc<dyn ChildRegistrar>,
        name: &str,
        inputs: MultiRegionAksInputs,
        raw: &Value,
    ) -> Result<Constructed, String> {
        let plan = plan(&inputs).map_err(|failures| {
            failures
                .iter()
                .map(|f| format!("{}: {}", f.property, f.reason))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let prefix = inputs
            .name_prefix
            .clone()
            .unwrap_or_else(|| default_name_prefix(name));
        let flat = inputs.flat();
        let tags = raw
            .get("tags")
            .cloned()
            .unwrap_or(Value::Object(BTreeMap::new()));
        let raw_version = raw.get("kubernetesVersion").cloned();

        // Networks first, all regions at once (clusters need their subnets, peerings their VNets).
        let networks = futures::future::try_join_all(plan.regions.iter().map(|ranges| {
            let registrar = registrar.clone();
            let mut network_inputs = vec![
                ("location", text(&ranges.location)),
                ("namePrefix", text(&prefix)),
                ("vnetCidr", text(ranges.vnet_cidr)),
                ("nodeSubnetCidr", text(ranges.node_subnet_cidr)),
                ("tags", tags.clone()),
            ];
            if flat {
                network_inputs.push(("podSubnetCidr", text(ranges.pod_subnet_cidr)));
            }
            let request = ChildRequest {
                token: "aksmesh:index:RegionalNetwork".into(),
                name: format!("{name}-network-{}", ranges.location),
                inputs: object(network_inputs),
                dependencies: Vec::new(),
                component: false,
            };
            async move { registrar.register(request).await }
        }))
        .await?;

        let clusters =
            futures::future::try_join_all(plan.regions.iter().zip(&networks).enumerate().map(
                |(i, (ranges, network))| {
                    let registrar = registrar.clone();
                    let region = &inputs.regions[i];
                    let mut cluster_inputs = vec![
                        ("location", text(&ranges.location)),
                        ("namePrefix", text(&prefix)),
                        ("resourceGroupName", output(network, "resourceGroupName")),
                        ("nodeSubnetId", output(network, "nodeSubnetId")),
                        ("vnetCidr", text(ranges.vnet_cidr)),
                        ("nodeSubnetCidr", text(ranges.node_subnet_cidr)),
                        ("serviceCidr", text(plan.service_cidr)),
                        ("dnsServiceIP", text(plan.dns_service_ip)),
                        ("tags", tags.clone()),
                    ];
                    if flat {
                        cluster_inputs.push(("podNetworking", text("flat")));
                        cluster_inputs.push(("podSubnetId", output(network, "podSubnetId")));
                    } else {
                        cluster_inputs.push(("podCidr", text(ranges.pod_cidr)));
                    }
                    if let Some(version) = &raw_version {
                        cluster_inputs.push(("kubernetesVersion", version.clone()));
                    }
                    let mut pool = Vec::new();
                    if let Some(count) = region.node_count {
                        pool.push(("count", Value::Number(f64::from(count))));
                    }
                    if let Some(size) = &region.vm_size {
                        pool.push(("vmSize", text(size)));
                    }
                    if !pool.is_empty() {
                        cluster_inputs.push(("systemPool", object(pool)));
                    }
                    let request = ChildRequest {
                        token: "aksmesh:index:RegionalCluster".into(),
                        name: format!("{name}-cluster-{}", ranges.location),
                        inputs: object(cluster_inputs),
                        dependencies: vec![network.urn.clone()],
                        component: false,
                    };
                    async move { registrar.register(request).await }
                },
            ));

        let peering = async {
            if !inputs.enable_vnet_peering.unwrap_or(false) || plan.regions.len() < 2 {
                return Ok::<Option<Child>, String>(None);
            }
            let peered: Vec<Value> = plan
                .regions
                .iter()
                .zip(&networks)
                .map(|(ranges, network)| {
                    let mut entry = vec![
                        ("name", text(&ranges.location)),
                        ("vnetId", output(network, "vnetId")),
                        ("addressSpace", Value::Array(vec![text(ranges.vnet_cidr)])),
                        ("podNetworking", text(if flat { "flat" } else { "overlay" })),
                    ];
                    if !flat {
                        entry.push(("podCidr", text(ranges.pod_cidr)));
                    }
                    object(entry)
                })
                .collect();
            let request = ChildRequest {
                token: "aksmesh:index:OverlayPeering".into(),
                name: format!("{name}-peering"),
                inputs: object(vec![("networks", Value::Array(peered))]),
                dependencies: networks.iter().map(|n| n.urn.clone()).collect(),
                component: true,
            };
            registrar.register(request).await.map(Some)
        };
        let (clusters, peering) = futures::future::try_join(clusters, peering).await?;

        let mut dependencies: BTreeSet<String> = networks
            .iter()
            .chain(&clusters)
            .map(|c| c.urn.clone())
            .collect();
        let cluster_outputs = plan
            .regions
            .iter()
            .zip(networks.iter().zip(&clusters))
            .map(|(ranges, (network, cluster))| {
                (
                    ranges.location.clone(),
                    object(vec![
                        ("id", output(cluster, "clusterId")),
                        ("fqdn", output(cluster, "fqdn")),
                        (
                            "podCidr",
                            if flat {
                                text(ranges.pod_subnet_cidr)
                            } else {
                                text(ranges.pod_cidr)
                            },
                        ),
                        ("vnetId", output(network, "vnetId")),
                        ("vnetCidr", text(ranges.vnet_cidr)),
                        ("kubeconfig", output(cluster, "kubeconfig")),
                    ]),
                )
            })
            .collect();
        let peerings = match &peering {
            Some(child) => {
                dependencies.insert(child.urn.clone());
                output(child, "peerings")
            }
            None => Value::Array(Vec::new()),
        };
        let locations: Vec<String> = plan.regions.iter().map(|r| r.location.clone()).collect();
        let topology = Topology {
            peered_pairs: if peering.is_some() {
                Topology::all_pairs(&locations)
            } else {
                Vec::new()
            },
            regions: locations,
            pod_networking: if flat {
                PodNetworking::Flat
            } else {
                PodNetworking::Overlay
            },
            mesh: MeshMode::None,
        };
        let connectivity = report(&topology).map_err(|e| e.to_string())?;
        let outputs = object(vec![
            (
                "connectivity",
                Value::from_plain(&connectivity, &BTreeSet::new()),
            ),
            ("clusters", Value::Object(cluster_outputs)),
            ("peerings", peerings),
            ("serviceCidr", text(plan.service_cidr)),
            ("dnsServiceIP", text(plan.dns_service_ip)),
        ]);
        Ok(Constructed {
            outputs,
            dependencies,
        })
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
                })
                .collect(),
            kubernetes_version: None,
            pod_networking: None,
            enable_vnet_peering: None,
            name_prefix: None,
            tags: BTreeMap::new(),
        }
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

    #[test]
    fn check_reports_bad_regions_and_modes_at_their_paths() {
        let mut bad = inputs(&["eastus", "mars"]);
        bad.pod_networking = Some("tunnel".into());
        let failures = MultiRegionAks.check(&bad, &Annotations::default());
        let properties: Vec<_> = failures.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(properties, ["regions[1].location", "podNetworking"]);
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
        assert_eq!(failures[0].property, "regions");
    }
}
