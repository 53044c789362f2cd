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

/// Every key path of a value, in the form of tests/data/cilium/values-keys.txt; a path stops at
/// a list or at a key whose parent the chart leaves free-form (`annotations.*`).
fn key_paths(
    value: &serde_json::Value,
    path: &str,
    chart: &std::collections::BTreeSet<String>,
    out: &mut Vec<String>,
) {
    let Some(object) = value.as_object() else {
        return;
    };
    for (key, child) in object {
        if chart.contains(&format!("{path}.*")) {
            // Free-form in the chart (annotations): any key is fine.
            out.push(format!("{path}.*"));
            continue;
        }
        let at = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        out.push(at.clone());
        key_paths(child, &at, chart, out);
    }
}

/// The Helm values install as they are: every key path exists in the Cilium chart's values.yaml,
/// the shared CA goes in as base64 `tls.ca`, AKS BYO CNI mode is on, and kube-proxy replacement
/// targets the API server's FQDN when it is given.
#[test]
fn helm_values_use_only_the_charts_keys_and_carry_the_shared_ca() {
    use base64::Engine as _;
    let chart: std::collections::BTreeSet<String> =
        include_str!("../../../tests/data/cilium/values-keys.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_string)
            .collect();
    let mut east = byo("east", "10.0.0.0/16", "10.100.0.0/16");
    east.api_server_fqdn = Some("east-abc.hcp.eastus.azmk8s.io".into());
    let west = byo("west", "10.1.0.0/16", "10.101.0.0/16");
    let state = self_managed_state(&self_managed(vec![east, west]), None).unwrap();
    let ca = state.ca.clone().unwrap();
    let decode = |v: &serde_json::Value| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        String::from_utf8(bytes).unwrap()
    };
    for (cluster, fqdn) in state
        .clusters
        .iter()
        .zip([Some("east-abc.hcp.eastus.azmk8s.io"), None])
    {
        let values = &cluster.helm_values;
        let mut paths = Vec::new();
        key_paths(values, "", &chart, &mut paths);
        let unknown: Vec<&String> = paths.iter().filter(|p| !chart.contains(*p)).collect();
        assert!(
            unknown.is_empty(),
            "{}: not in the chart: {unknown:?}",
            cluster.name
        );
        assert_eq!(
            decode(&values["tls"]["ca"]["cert"]),
            ca.cert,
            "{}",
            cluster.name
        );
        assert_eq!(
            decode(&values["tls"]["ca"]["key"]),
            ca.key,
            "{}",
            cluster.name
        );
        assert_eq!(values["aksbyocni"]["enabled"], true);
        match fqdn {
            Some(fqdn) => {
                assert_eq!(values["kubeProxyReplacement"], true);
                assert_eq!(values["k8sServiceHost"], fqdn);
                assert_eq!(values["k8sServicePort"], 443);
            }
            None => {
                for key in ["kubeProxyReplacement", "k8sServiceHost", "k8sServicePort"] {
                    assert!(values.get(key).is_none(), "{key} without an FQDN");
                }
            }
        }
    }
    // The key list is real: a misspelt key is caught.
    let mut paths = Vec::new();
    key_paths(
        &serde_json::json!({"tls": {"ca": {"certificate": "x"}}}),
        "",
        &chart,
        &mut paths,
    );
    assert!(paths.iter().any(|p| !chart.contains(p)));
}

/// The values (which carry the CA key) are secret in every cluster's output.
#[test]
fn helm_values_are_secret_outputs() {
    let state = self_managed_state(
        &self_managed(vec![
            byo("east", "10.0.0.0/16", "10.100.0.0/16"),
            byo("west", "10.1.0.0/16", "10.101.0.0/16"),
        ]),
        None,
    )
    .unwrap();
    let secrets = CiliumMesh::SECRET_OUTPUTS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let value = crate::property::Value::from_typed(&state, &secrets).unwrap();
    let crate::property::Value::Object(top) = &value else {
        panic!("{value:?}")
    };
    assert!(matches!(top["ca"], crate::property::Value::Secret(_)));
    let crate::property::Value::Array(clusters) = &top["clusters"] else {
        panic!("{value:?}")
    };
    assert_eq!(clusters.len(), 2);
    for cluster in clusters {
        let crate::property::Value::Object(cluster) = cluster else {
            panic!("{cluster:?}")
        };
        assert!(matches!(
            cluster["helmValues"],
            crate::property::Value::Secret(_)
        ));
        assert!(!matches!(
            cluster["name"],
            crate::property::Value::Secret(_)
        ));
    }
}
