//! `aksmesh:index:OverlayPeering`: a full mesh of VnetPeerings between regional VNets.
//!
//! It states what peering connects: nodes and VMs yes; pods on Azure CNI Overlay reach remote nodes
//! and load balancers (SNAT to the node IP) but never remote pods; flat pod-subnet pods reach each other.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::component::{
    Child, ChildRegistrar, ChildRequest, Component, ComponentError, Constructed, Links,
    RegistrationError,
};
use crate::connectivity::{report, Topology};
use crate::net;
use crate::property::{join_index, Annotations, Value};
use crate::resource::CheckFailure;
use crate::resources::vnet_peering::{VnetPeering, VnetPeeringInputs};
use crate::vocabulary::{MeshMode, PodNetworking};

pub struct OverlayPeering;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeeredNetwork {
    /// A short name for the network, usually its region; used in child names.
    pub name: String,
    pub vnet_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address_space: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_networking: Option<PodNetworking>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverlayPeeringInputs {
    pub networks: Vec<PeeredNetwork>,
}

/// Every unordered pair of network indexes, in a stable order: (0,1), (0,2), (1,2), …
pub fn pairs(count: usize) -> Vec<(usize, usize)> {
    (0..count)
        .flat_map(|a| (a + 1..count).map(move |b| (a, b)))
        .collect()
}

/// The child name of the peering between two networks.
pub fn peering_child_name(component: &str, first: &str, second: &str) -> String {
    format!("{component}-{first}-{second}")
}

/// Azure's limit of peerings on one virtual network (Microsoft Learn, "Azure subscription and
/// service limits", Networking limits: "Virtual network peerings per virtual network: 500").
pub const MAX_PEERINGS_PER_VNET: usize = 500;

/// Checks a set of networks to be fully meshed: within Azure's peerings per VNet, unique names, no
/// overlapping address space, and no overlay pod CIDR that overlaps a peered VNet (its packets would
/// be swallowed by the overlay).
pub fn check_networks(
    networks: &[PeeredNetwork],
    path: &str,
    unknowns: &Annotations,
) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    // A full mesh of n networks puts n - 1 peerings on every VNet.
    if networks.len() > MAX_PEERINGS_PER_VNET + 1 {
        failures.push(CheckFailure::new(
            path,
            format!(
                "{} networks in a full mesh need {} peerings on every VNet, but Azure allows {MAX_PEERINGS_PER_VNET} per virtual network; mesh at most {} networks (fewer if the VNets have other peerings), or split them into meshes",
                networks.len(),
                networks.len() - 1,
                MAX_PEERINGS_PER_VNET + 1
            ),
        ));
    }
    let mut names = BTreeSet::new();
    let mut ranges: Vec<(String, String, ipnet::Ipv4Net)> = Vec::new();
    for (i, network) in networks.iter().enumerate() {
        let at = join_index(path, i);
        if !unknowns.is_unknown(&format!("{at}.name"))
            && !names.insert(network.name.to_ascii_lowercase())
        {
            failures.push(CheckFailure::new(
                format!("{at}.name"),
                format!(
                    "'{}' names two networks; give each network its own name",
                    network.name
                ),
            ));
        }
        for (j, text) in network.address_space.iter().enumerate() {
            let range_path = format!("{at}.addressSpace[{j}]");
            if unknowns.is_unknown(&range_path)
                || unknowns.is_unknown(&format!("{at}.addressSpace"))
            {
                continue;
            }
            match net::parse_cidr(text) {
                Ok(range) => ranges.push((range_path, network.name.clone(), range)),
                Err(error) => failures.push(CheckFailure::new(range_path, error.to_string())),
            }
        }
    }
    let address_ranges: Vec<_> = ranges.iter().map(|(_, _, range)| *range).collect();
    for (a, b) in net::find_overlaps(&address_ranges) {
        let ((path_a, name_a, range_a), (path_b, name_b, range_b)) = (&ranges[a], &ranges[b]);
        if name_a != name_b {
            failures.push(CheckFailure::new(
                path_b.clone(),
                format!("{range_b} of network '{name_b}' overlaps {range_a} of '{name_a}' ({path_a}); Azure refuses to peer overlapping VNets (VnetAddressSpacesOverlap): give every region its own range (planAddressSpace does)"),
            ));
        }
    }
    for (i, network) in networks.iter().enumerate() {
        let at = join_index(path, i);
        let Some(pod_cidr) = network.pod_cidr.as_deref() else {
            continue;
        };
        if unknowns.is_unknown(&format!("{at}.podCidr")) {
            continue;
        }
        let Ok(pods) = net::parse_cidr(pod_cidr) else {
            failures.push(CheckFailure::new(
                format!("{at}.podCidr"),
                format!("'{pod_cidr}' is not a CIDR"),
            ));
            continue;
        };
        for (_, owner, range) in &ranges {
            if net::overlaps(pods, *range) {
                failures.push(CheckFailure::new(
                    format!("{at}.podCidr"),
                    format!("the pod CIDR {pods} of '{}' overlaps {range} of network '{owner}'; a pod CIDR must stay outside every peered VNet, or traffic to it is swallowed by the overlay", network.name),
                ));
            }
        }
    }
    failures
}

/// Registers one VnetPeering per pair; returns the `peerings` output and the child URNs. The VNet
/// ids and address spaces are passed on as the engine gave them (unknown in a preview).
pub async fn register_mesh(
    registrar: &Arc<dyn ChildRegistrar>,
    component: &str,
    networks: &[PeeredNetwork],
    raw_networks: &[Value],
) -> Result<(Value, BTreeSet<String>), RegistrationError> {
    let field = |i: usize, key: &str| {
        raw_networks
            .get(i)
            .and_then(|n| n.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let registrations = pairs(networks.len()).into_iter().map(|(a, b)| {
        let registrar = registrar.clone();
        let name = peering_child_name(component, &networks[a].name, &networks[b].name);
        let mut links = Links::new();
        let space = |links: &mut Links, i: usize| match field(i, "addressSpace") {
            Value::Null => None,
            given => Some(links.list(given)),
        };
        let inputs = VnetPeeringInputs {
            local_vnet_id: links.text(field(a, "vnetId")),
            remote_vnet_id: links.text(field(b, "vnetId")),
            local_address_space: space(&mut links, a),
            remote_address_space: space(&mut links, b),
            ..Default::default()
        };
        let request = ChildRequest::resource::<VnetPeering>(name, &inputs, &links, Vec::new());
        let pair = format!("{}-{}", networks[a].name, networks[b].name);
        async move {
            registrar
                .register(request?)
                .await
                .map(|child| (pair, child))
        }
    });
    // Peerings between different VNet pairs are independent: register them all at once.
    let children = futures::future::try_join_all(registrations).await?;
    let urns = children
        .iter()
        .map(|(_, child)| child.urn.clone())
        .collect();
    let peerings = children
        .into_iter()
        .map(|(pair, child)| peering_summary(pair, child));
    Ok((Value::Array(peerings.collect()), urns))
}

/// One entry of the `peerings` output.
fn peering_summary(pair: String, child: Child) -> Value {
    let state = child
        .outputs
        .get("peeringState")
        .cloned()
        .unwrap_or(Value::Unknown);
    let id = if child.id.is_empty() {
        Value::Unknown
    } else {
        Value::String(child.id)
    };
    Value::object([
        ("pair", Value::String(pair)),
        ("id", id),
        ("peeringState", state),
    ])
}

#[async_trait]
impl Component for OverlayPeering {
    const TOKEN: &'static str = "aksmesh:index:OverlayPeering";
    type Inputs = OverlayPeeringInputs;

    fn check(&self, inputs: &OverlayPeeringInputs, unknowns: &Annotations) -> Vec<CheckFailure> {
        if inputs.networks.is_empty() && !unknowns.is_unknown("networks") {
            // Said here, at the input the user wrote; the connectivity model would name `regions`.
            return vec![CheckFailure::new(
                "networks",
                "give at least one network: each RegionalNetwork's name (its region), vnetId and addressSpace",
            )];
        }
        check_networks(&inputs.networks, "networks", unknowns)
    }

    async fn construct(
        &self,
        registrar: Arc<dyn ChildRegistrar>,
        name: &str,
        inputs: OverlayPeeringInputs,
        raw: &Value,
    ) -> Result<Constructed, ComponentError> {
        let raw_networks = match raw.get("networks") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        let (peerings, dependencies) =
            register_mesh(&registrar, name, &inputs.networks, &raw_networks).await?;
        // What the mesh connects: flat only when every network's pods are VNet addresses.
        let all_flat = !inputs.networks.is_empty()
            && inputs
                .networks
                .iter()
                .all(|n| n.pod_networking == Some(PodNetworking::Flat));
        let names: Vec<String> = inputs.networks.iter().map(|n| n.name.clone()).collect();
        let topology = Topology {
            peered_pairs: Topology::all_pairs(&names),
            regions: names,
            pod_networking: if all_flat {
                PodNetworking::Flat
            } else {
                PodNetworking::Overlay
            },
            mesh: MeshMode::None,
        };
        let connectivity = report(&topology)?;
        let outputs = Value::object([
            ("peerings", peerings),
            (
                "connectivity",
                Value::from_plain(&connectivity, &BTreeSet::new()),
            ),
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

    #[test]
    fn no_networks_is_refused_at_networks() {
        use crate::component::{ComponentAdapter, ComponentError, DynComponent};
        let raw = Value::from_plain(&serde_json::json!({"networks": []}), &Default::default());
        let Err(ComponentError::Invalid(failures)) = ComponentAdapter(OverlayPeering).check(&raw)
        else {
            panic!("an OverlayPeering without networks was accepted");
        };
        let properties: Vec<&str> = failures.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(properties, ["networks"]);
        // An unknown list (a preview) is not refused.
        let mut unknown = Annotations::default();
        unknown.unknown.insert("networks".into());
        let inputs = OverlayPeeringInputs {
            networks: Vec::new(),
        };
        assert!(OverlayPeering.check(&inputs, &unknown).is_empty());
    }

    /// Azure's 500 peerings per VNet: a full mesh of 501 networks fits, 502 do not.
    #[test]
    fn a_mesh_beyond_azures_peerings_per_vnet_is_refused_with_the_numbers() {
        for (count, refused) in [(2, false), (501, false), (502, true), (600, true)] {
            let networks: Vec<PeeredNetwork> = (0..count)
                .map(|i| {
                    let space = format!("10.{}.{}.0/24", i / 256, i % 256);
                    network(&format!("n{i}"), &space, None)
                })
                .collect();
            let failures = check_networks(&networks, "networks", &Annotations::default());
            let at_networks: Vec<_> = failures
                .iter()
                .filter(|f| f.property == "networks")
                .collect();
            assert_eq!(
                at_networks.len(),
                usize::from(refused),
                "{count}: {failures:?}"
            );
            if refused {
                let reason = &at_networks[0].reason;
                assert!(
                    reason.contains(&format!(
                        "{count} networks in a full mesh need {} peerings",
                        count - 1
                    )) && reason.contains("allows 500 per virtual network"),
                    "{reason}"
                );
            }
            // Nothing else is wrong with these networks.
            assert_eq!(failures.len(), at_networks.len(), "{failures:?}");
        }
    }

    fn network(name: &str, space: &str, pods: Option<&str>) -> PeeredNetwork {
        PeeredNetwork {
            name: name.into(),
            vnet_id: format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{name}"),
            address_space: vec![space.into()],
            pod_cidr: pods.map(str::to_string),
            pod_networking: None,
        }
    }

    #[test]
    fn a_full_mesh_has_one_peering_per_pair() {
        assert_eq!(pairs(1), []);
        assert_eq!(pairs(3), [(0, 1), (0, 2), (1, 2)]);
        assert_eq!(pairs(5).len(), 10);
    }

    #[test]
    fn overlapping_networks_are_refused_at_the_second_range() {
        let failures = check_networks(
            &[
                network("eastus", "10.0.0.0/14", None),
                network("westus", "10.2.0.0/16", None),
            ],
            "networks",
            &Annotations::default(),
        );
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].property, "networks[1].addressSpace[0]");
        assert!(failures[0].reason.contains("VnetAddressSpacesOverlap"));
    }

    #[test]
    fn pod_cidrs_must_stay_outside_peered_vnets() {
        let failures = check_networks(
            &[
                network("eastus", "10.0.0.0/14", Some("10.4.0.0/16")),
                network("westus", "10.4.0.0/14", None),
            ],
            "networks",
            &Annotations::default(),
        );
        assert_eq!(failures[0].property, "networks[0].podCidr");
    }

    #[test]
    fn duplicate_names_are_refused() {
        let failures = check_networks(
            &[
                network("eastus", "10.0.0.0/14", None),
                network("EastUS", "10.4.0.0/14", None),
            ],
            "networks",
            &Annotations::default(),
        );
        assert_eq!(failures[0].property, "networks[1].name");
    }
}
