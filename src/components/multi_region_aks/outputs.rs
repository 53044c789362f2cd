//! What a platform reports: each region's cluster, the peerings, the mesh, Front Door, and the
//! connectivity its shape gives.

use std::collections::{BTreeMap, BTreeSet};

use crate::component::{Child, Constructed};
use crate::connectivity::{report, Topology, TopologyError};
use crate::property::Value;
use crate::vocabulary::MeshMode;

use super::children::{output, Platform};
use super::ingress_dns_label;

/// The children a platform registered.
pub struct Children<'a> {
    pub networks: &'a [Child],
    pub clusters: &'a [Child],
    pub peering: Option<&'a Child>,
    pub front_door: Option<&'a Child>,
    pub mesh: Option<&'a Child>,
}

fn text(value: impl ToString) -> Value {
    Value::String(value.to_string())
}

pub fn outputs(
    platform: &Platform<'_>,
    children: Children<'_>,
) -> Result<Constructed, TopologyError> {
    let dependencies: BTreeSet<String> = (children.networks.iter())
        .chain(children.clusters)
        .chain(children.peering)
        .chain(children.front_door)
        .chain(children.mesh)
        .map(|c| c.urn.clone())
        .collect();
    let plan = platform.plan;
    let outputs = Value::object([
        (
            "ciliumMesh",
            children.mesh.map_or(Value::Null, |c| c.outputs.clone()),
        ),
        (
            "frontDoor",
            front_door_output(platform, children.front_door),
        ),
        (
            "connectivity",
            connectivity(platform, children.peering.is_some())?,
        ),
        ("clusters", cluster_outputs(platform, &children)),
        (
            "peerings",
            children
                .peering
                .map_or(Value::Array(Vec::new()), |c| output(c, "peerings")),
        ),
        ("serviceCidr", text(plan.service_cidr)),
        ("dnsServiceIP", text(plan.dns_service_ip)),
    ]);
    Ok(Constructed {
        outputs,
        dependencies,
    })
}

/// Each region's cluster, by location.
fn cluster_outputs(platform: &Platform<'_>, children: &Children<'_>) -> Value {
    let flat = platform.inputs.flat();
    let regions =
        (platform.plan.regions.iter()).zip(children.networks.iter().zip(children.clusters));
    Value::Object(
        regions
            .map(|(ranges, (network, cluster))| {
                let pod_range = if flat {
                    ranges.pod_subnet_cidr
                } else {
                    ranges.pod_cidr
                };
                let summary = Value::object([
                    ("id", output(cluster, "clusterId")),
                    ("fqdn", output(cluster, "fqdn")),
                    ("podCidr", text(pod_range)),
                    ("vnetId", output(network, "vnetId")),
                    ("vnetCidr", text(ranges.vnet_cidr)),
                    ("kubeconfig", output(cluster, "kubeconfig")),
                    ("agentPools", output(cluster, "agentPoolNames")),
                    (
                        "kubernetesVersion",
                        output(cluster, "currentKubernetesVersion"),
                    ),
                ]);
                (ranges.location.clone(), summary)
            })
            .collect(),
    )
}

/// What reaches what, given the platform's networking, peering and mesh.
fn connectivity(platform: &Platform<'_>, peered: bool) -> Result<Value, TopologyError> {
    let locations: Vec<String> = (platform.plan.regions.iter())
        .map(|r| r.location.clone())
        .collect();
    let topology = Topology {
        peered_pairs: if peered {
            Topology::all_pairs(&locations)
        } else {
            Vec::new()
        },
        regions: locations,
        pod_networking: platform.inputs.pod_networking(),
        mesh: (platform.inputs.mesh_mode())
            .map(MeshMode::from)
            .unwrap_or_default(),
    };
    let connectivity = report(&topology)?;
    Ok(Value::from_plain(&connectivity, &BTreeSet::new()))
}

fn front_door_output(platform: &Platform<'_>, front_door: Option<&Child>) -> Value {
    let Some(child) = front_door else {
        return Value::Null;
    };
    let labels: BTreeMap<String, Value> = (platform.plan.regions.iter())
        .map(|r| {
            let label = ingress_dns_label(&platform.prefix, &r.location);
            (r.location.clone(), text(label))
        })
        .collect();
    Value::object([
        ("endpointHostName", output(child, "endpointHostName")),
        ("ingressDnsLabels", Value::Object(labels)),
    ])
}
