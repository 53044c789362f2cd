//! selfManaged mode: pure computation, no Azure or Kubernetes calls. The shared Cilium CA, each
//! cluster's `cluster.id` and clustermesh-apiserver load-balancer IP, and the Helm values that tie
//! the clusters together.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde_json::{json, Value};

use super::types::{
    CiliumMeshInputs, CiliumMeshState, MeshCa, MeshClusterInputs, MeshClusterOutput,
    AKS_API_SERVER_PORT, CLUSTERMESH_PORT, DEFAULT_API_SERVER_IP_OFFSET, MAX_CLUSTERS,
};
use crate::net::{self, CidrError};
use crate::vocabulary::CiliumMeshMode;

const INTERNAL_LB_ANNOTATION: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";
const LB_IPV4_ANNOTATION: &str = "service.beta.kubernetes.io/azure-load-balancer-ipv4";

/// Why a selfManaged mesh cannot be computed from its inputs.
#[derive(Debug, thiserror::Error)]
pub(super) enum SelfManagedError {
    #[error("no free Cilium cluster id left (at most 255 clusters)")]
    NoFreeClusterId,
    #[error("cluster '{cluster}' has no nodeSubnetCidr")]
    MissingNodeSubnet { cluster: String },
    #[error("{0}")]
    NodeSubnet(#[source] CidrError),
    #[error(
        "the node subnet {subnet} of '{cluster}' has no usable address {offset} below its last"
    )]
    NoApiServerCandidate {
        subnet: Ipv4Net,
        cluster: String,
        offset: i64,
    },
    #[error("no free address left in {subnet} for '{cluster}'")]
    NoFreeAddress { subnet: Ipv4Net, cluster: String },
    #[error("generating the mesh CA key: {0}")]
    CaKey(#[source] rcgen::Error),
    #[error("signing the mesh CA: {0}")]
    CaSignature(#[source] rcgen::Error),
}

crate::resource::input_error!(SelfManagedError);

pub(super) fn self_managed_id(inputs: &CiliumMeshInputs) -> String {
    format!("cilium-mesh/{}", inputs.name_prefix)
}

/// Azure reserves the first four addresses and the last (broadcast) of every subnet.
fn usable_range(subnet: Ipv4Net) -> (u32, u32) {
    let trunc = subnet.trunc();
    (
        u32::from(trunc.network()).saturating_add(4),
        u32::from(trunc.broadcast()).saturating_sub(1),
    )
}

/// The default clustermesh-apiserver IP: `offset` addresses below the broadcast address.
pub(super) fn first_api_server_candidate(subnet: Ipv4Net, offset: i64) -> Option<u32> {
    let (low, _) = usable_range(subnet);
    let broadcast = u32::from(subnet.trunc().broadcast());
    let offset = u32::try_from(offset).ok()?;
    let candidate = broadcast.checked_sub(offset)?;
    (candidate >= low && offset >= 1).then_some(candidate)
}

/// Cluster ids and load-balancer IPs: existing clusters keep theirs, new ones get the lowest free
/// id and the first free address at or below the default position.
pub(super) fn self_managed_clusters(
    inputs: &CiliumMeshInputs,
    previous: Option<&CiliumMeshState>,
    ca: &MeshCa,
) -> Result<Vec<MeshClusterOutput>, SelfManagedError> {
    let old: BTreeMap<&str, &MeshClusterOutput> = previous
        .map(|p| p.clusters.iter().map(|c| (c.name.as_str(), c)).collect())
        .unwrap_or_default();
    let ids = assign_cluster_ids(inputs, &old)?;
    let ips = assign_api_server_ips(inputs, previous, &old)?;
    let endpoints: Vec<(&str, String)> = inputs
        .clusters
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                Ipv4Addr::from(ips[c.name.as_str()]).to_string(),
            )
        })
        .collect();
    Ok(inputs
        .clusters
        .iter()
        .map(|cluster| {
            let ip = Ipv4Addr::from(ips[cluster.name.as_str()]).to_string();
            let id = ids[cluster.name.as_str()];
            MeshClusterOutput {
                name: cluster.name.clone(),
                cluster_id: id,
                helm_values: helm_values(cluster, id, &ip, &endpoints, ca),
                api_server_ip: ip,
            }
        })
        .collect())
}

/// Ids: explicit first, then kept, then lowest free.
fn assign_cluster_ids<'a>(
    inputs: &'a CiliumMeshInputs,
    old: &BTreeMap<&str, &MeshClusterOutput>,
) -> Result<BTreeMap<&'a str, i64>, SelfManagedError> {
    let mut ids: BTreeMap<&str, i64> = BTreeMap::new();
    let mut taken: BTreeSet<i64> = BTreeSet::new();
    for cluster in &inputs.clusters {
        if let Some(id) = inputs.cluster_ids.get(&cluster.name) {
            ids.insert(&cluster.name, *id);
            taken.insert(*id);
        }
    }
    for cluster in &inputs.clusters {
        if ids.contains_key(cluster.name.as_str()) {
            continue;
        }
        if let Some(kept) = old.get(cluster.name.as_str()).map(|c| c.cluster_id) {
            if !taken.contains(&kept) {
                ids.insert(&cluster.name, kept);
                taken.insert(kept);
            }
        }
    }
    for cluster in &inputs.clusters {
        if ids.contains_key(cluster.name.as_str()) {
            continue;
        }
        let free = (1..=MAX_CLUSTERS as i64)
            .find(|id| !taken.contains(id))
            .ok_or(SelfManagedError::NoFreeClusterId)?;
        ids.insert(&cluster.name, free);
        taken.insert(free);
    }
    Ok(ids)
}

fn node_subnet(cluster: &MeshClusterInputs) -> Result<Ipv4Net, SelfManagedError> {
    let text =
        cluster
            .node_subnet_cidr
            .as_deref()
            .ok_or_else(|| SelfManagedError::MissingNodeSubnet {
                cluster: cluster.name.clone(),
            })?;
    net::parse_cidr(text).map_err(SelfManagedError::NodeSubnet)
}

/// IPs: kept when still inside the node subnet and the offset is unchanged, else picked.
fn assign_api_server_ips<'a>(
    inputs: &'a CiliumMeshInputs,
    previous: Option<&CiliumMeshState>,
    old: &BTreeMap<&str, &MeshClusterOutput>,
) -> Result<BTreeMap<&'a str, u32>, SelfManagedError> {
    let offset = inputs.api_server_ip_offset();
    let previous_offset = previous.map(|p| {
        p.api_server_ip_offset
            .unwrap_or(DEFAULT_API_SERVER_IP_OFFSET)
    });
    let mut ips: BTreeMap<&str, u32> = BTreeMap::new();
    let mut used: BTreeSet<u32> = BTreeSet::new();
    if previous_offset == Some(offset) {
        for cluster in &inputs.clusters {
            let subnet = node_subnet(cluster)?;
            let (low, high) = usable_range(subnet);
            if let Some(ip) = old
                .get(cluster.name.as_str())
                .and_then(|c| c.api_server_ip.parse::<Ipv4Addr>().ok())
                .map(u32::from)
                .filter(|ip| (low..=high).contains(ip) && !used.contains(ip))
            {
                ips.insert(&cluster.name, ip);
                used.insert(ip);
            }
        }
    }
    for cluster in &inputs.clusters {
        if ips.contains_key(cluster.name.as_str()) {
            continue;
        }
        let subnet = node_subnet(cluster)?;
        let (low, _) = usable_range(subnet);
        let start = first_api_server_candidate(subnet, offset).ok_or_else(|| {
            SelfManagedError::NoApiServerCandidate {
                subnet,
                cluster: cluster.name.clone(),
                offset,
            }
        })?;
        let ip = (low..=start)
            .rev()
            .find(|ip| !used.contains(ip))
            .ok_or_else(|| SelfManagedError::NoFreeAddress {
                subnet,
                cluster: cluster.name.clone(),
            })?;
        ips.insert(&cluster.name, ip);
        used.insert(ip);
    }
    Ok(ips)
}

/// One cluster's Cilium Helm values, ready to install on a BYO CNI AKS cluster: its identity, the
/// mesh's shared CA (the chart's `tls.ca.cert`/`tls.ca.key` take base64 PEM; one CA for every
/// cluster, or the clustermesh TLS fails), AKS BYO CNI mode, kube-proxy replacement against the
/// API server's FQDN when it is known, its clustermesh-apiserver behind an internal load balancer
/// at `ip`, and every other cluster as a peer. Every key path exists in the chart's values.yaml
/// (tests/data/cilium/values-keys.txt).
fn helm_values(
    cluster: &MeshClusterInputs,
    id: i64,
    ip: &str,
    endpoints: &[(&str, String)],
    ca: &MeshCa,
) -> Value {
    use base64::Engine as _;
    let base64 = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem.as_bytes());
    let peers: Vec<Value> = endpoints
        .iter()
        .filter(|(name, _)| *name != cluster.name)
        .map(|(name, ip)| json!({"name": name, "ips": [ip], "port": CLUSTERMESH_PORT}))
        .collect();
    let mut values = json!({
        "cluster": {"name": cluster.name, "id": id},
        "clustermesh": {
            "useAPIServer": true,
            "apiserver": {"service": {
                "type": "LoadBalancer",
                "loadBalancerIP": ip,
                "annotations": {
                    INTERNAL_LB_ANNOTATION: "true",
                    LB_IPV4_ANNOTATION: ip,
                },
            }},
            "config": {"enabled": true, "clusters": peers},
        },
        "tls": {"ca": {"cert": base64(&ca.cert), "key": base64(&ca.key)}},
        "aksbyocni": {"enabled": true},
    });
    if let Some(fqdn) = cluster.api_server_fqdn.as_deref().filter(|f| !f.is_empty()) {
        // Socket-level load balancing (part of kube-proxy replacement) lets host-namespace
        // traffic reach a global service's remote backends; with kube-proxy it stays local. Without
        // kube-proxy Cilium must reach the API server directly.
        values["kubeProxyReplacement"] = json!(true);
        values["k8sServiceHost"] = json!(fqdn);
        values["k8sServicePort"] = json!(AKS_API_SERVER_PORT);
    }
    if let Some(pod_cidr) = cluster.pod_cidr.as_deref() {
        values["ipam"] = json!({
            "mode": "cluster-pool",
            "operator": {"clusterPoolIPv4PodCIDRList": [pod_cidr]},
        });
    }
    values
}

fn generate_ca() -> Result<MeshCa, SelfManagedError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let key = KeyPair::generate().map_err(SelfManagedError::CaKey)?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "Cilium CA");
    name.push(DnType::OrganizationName, "aksmesh");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365 * 10);
    let cert = params
        .self_signed(&key)
        .map_err(SelfManagedError::CaSignature)?;
    Ok(MeshCa {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

pub(super) fn self_managed_state(
    inputs: &CiliumMeshInputs,
    previous: Option<&CiliumMeshState>,
) -> Result<CiliumMeshState, SelfManagedError> {
    let ca = match previous.and_then(|p| p.ca.clone()) {
        Some(ca) => ca,
        None => generate_ca()?,
    };
    let clusters = self_managed_clusters(inputs, previous, &ca)?;
    Ok(CiliumMeshState {
        mode: Some(CiliumMeshMode::SelfManaged),
        name_prefix: inputs.name_prefix.clone(),
        ca: Some(ca),
        clusters,
        api_server_ip_offset: Some(inputs.api_server_ip_offset()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_api_server_ip_is_tenth_from_last() {
        let subnet = net::parse_cidr("10.0.0.0/16").unwrap();
        let ip = first_api_server_candidate(subnet, 10).unwrap();
        assert_eq!(Ipv4Addr::from(ip).to_string(), "10.0.255.245");
        assert!(first_api_server_candidate(net::parse_cidr("10.0.0.0/29").unwrap(), 10).is_none());
    }

    fn cluster(name: &str, node_subnet: Option<&str>) -> MeshClusterInputs {
        MeshClusterInputs {
            name: name.into(),
            node_subnet_cidr: node_subnet.map(str::to_string),
            ..Default::default()
        }
    }

    /// The messages users see, byte for byte, and whether the cause is kept as the source.
    #[test]
    fn errors_say_which_cluster_and_keep_their_cause() {
        use std::error::Error as _;
        let crowd: Vec<MeshClusterInputs> = (0..=MAX_CLUSTERS)
            .map(|i| cluster(&format!("c{i}"), Some("10.0.0.0/16")))
            .collect();
        let cases: [(Vec<MeshClusterInputs>, &str, bool); 5] = [
            (
                vec![cluster("east", None)],
                "cluster 'east' has no nodeSubnetCidr",
                false,
            ),
            (
                vec![cluster("east", Some("10.0.0.1/16"))],
                "10.0.0.1/16 has host bits set; did you mean 10.0.0.0/16?",
                true,
            ),
            (
                vec![cluster("east", Some("10.0.0.0/29"))],
                "the node subnet 10.0.0.0/29 of 'east' has no usable address 10 below its last",
                false,
            ),
            (
                ["a", "b", "c"]
                    .map(|name| cluster(name, Some("10.0.0.0/28")))
                    .to_vec(),
                "no free address left in 10.0.0.0/28 for 'c'",
                false,
            ),
            (
                crowd,
                "no free Cilium cluster id left (at most 255 clusters)",
                false,
            ),
        ];
        for (clusters, message, has_source) in cases {
            let inputs = CiliumMeshInputs {
                clusters,
                ..Default::default()
            };
            let error = self_managed_state(&inputs, None).unwrap_err();
            assert_eq!(error.to_string(), message);
            assert_eq!(error.source().is_some(), has_source, "{message}");
            assert!(
                crate::resource::Failure::from(error).to_string() == message,
                "{message}"
            );
        }
    }
}
