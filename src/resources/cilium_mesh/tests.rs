//! Tests across the modules: Check together with the selfManaged computation.

use super::self_managed::self_managed_state;
use super::*;
use crate::property::Annotations;
use crate::vocabulary::PodNetworking;

fn byo(name: &str, node: &str, pod: &str) -> MeshClusterInputs {
    MeshClusterInputs {
        name: name.into(),
        location: "eastus".into(),
        pod_networking: Some(PodNetworking::ByoCni),
        pod_cidr: Some(pod.into()),
        node_subnet_cidr: Some(node.into()),
        vnet_id: format!("vnet-{name}"),
        ..Default::default()
    }
}

fn self_managed(clusters: Vec<MeshClusterInputs>) -> CiliumMeshInputs {
    let names: Vec<String> = clusters.iter().map(|c| c.vnet_id.clone()).collect();
    let mut pairs = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            pairs.push(VnetPair {
                from: a.clone(),
                to: b.clone(),
            });
        }
    }
    CiliumMeshInputs {
        mode: Some(CiliumMeshMode::SelfManaged),
        clusters,
        peered_vnet_pairs: pairs,
        name_prefix: "mesh".into(),
        ..Default::default()
    }
}

fn check(inputs: &mut CiliumMeshInputs) -> Vec<CheckFailure> {
    let unknowns = Annotations::default();
    CiliumMesh.check(
        inputs,
        None,
        &CheckContext {
            unknowns: &unknowns,
            name: "mesh",
        },
    )
}

#[test]
fn ids_and_ips_are_stable_and_do_not_collide() {
    let inputs = self_managed(vec![
        byo("east", "10.0.0.0/16", "10.100.0.0/16"),
        byo("west", "10.0.0.0/16", "10.101.0.0/16"),
    ]);
    assert!(check(&mut inputs.clone()).is_empty());
    let first = self_managed_state(&inputs, None).unwrap();
    assert_eq!(first.clusters[0].api_server_ip, "10.0.255.245");
    assert_eq!(first.clusters[1].api_server_ip, "10.0.255.244");
    let mut grown = inputs.clone();
    grown
        .clusters
        .insert(0, byo("north", "10.4.0.0/16", "10.102.0.0/16"));
    let second = self_managed_state(&grown, Some(&first)).unwrap();
    assert_eq!(second.ca, first.ca);
    let by_name =
        |s: &CiliumMeshState, n: &str| s.clusters.iter().find(|c| c.name == n).cloned().unwrap();
    for name in ["east", "west"] {
        assert_eq!(
            by_name(&second, name).cluster_id,
            by_name(&first, name).cluster_id
        );
        assert_eq!(
            by_name(&second, name).api_server_ip,
            by_name(&first, name).api_server_ip
        );
    }
    assert_eq!(by_name(&second, "north").cluster_id, 3);
    let peers = &by_name(&second, "north").helm_values["clustermesh"]["config"]["clusters"];
    assert_eq!(peers.as_array().unwrap().len(), 2);
}

#[test]
fn overlay_with_managed_cilium_names_both_routes() {
    let mut inputs = self_managed(vec![byo("east", "10.0.0.0/16", "10.100.0.0/16")]);
    inputs.clusters[0].pod_networking = Some(PodNetworking::Overlay);
    let failures = check(&mut inputs);
    assert!(
        failures
            .iter()
            .any(|f| f.property == "clusters[0].podNetworking"
                && f.reason.contains("Azure/AKS#5194")),
        "{failures:?}"
    );
}
