//! Who can reach whom across regions: the reachability facts of azure.md §8.3 and §9, as a pure model.
//!
//! A [`Topology`] names the regions (one AKS cluster and VNet each), the pod networking mode shared by
//! every cluster, which pairs of VNets are peered, and whether a Cilium Cluster Mesh joins the clusters.
//! [`analyze`] answers, for every ordered pair of regions (including a region with itself) and every
//! source and destination endpoint, whether traffic gets through, along which path, and why.
//!
//! Sources are the endpoints that open connections: nodes of the region's cluster, pods, and other
//! VMs in the region's VNet (which differ from nodes where only cluster members get through).
//! Internal load balancers and ClusterIP services only receive traffic (replies flow back on the same
//! connection); a service's backends are pods, so "from a service" is the `pod` row.
//!
//! No Pulumi here: the `analyzeConnectivity` function (`crate::functions::analyze_connectivity`) wraps it.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::vocabulary::{MeshMode, PodNetworking};

/// Something in a region that traffic can start from or go to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Endpoint {
    /// A node of the region's cluster.
    Node,
    /// A pod of the region's cluster, addressed by its pod IP.
    Pod,
    /// The frontend IP of an internal LoadBalancer Service (an Azure internal load balancer in the VNet).
    InternalLoadBalancer,
    /// A ClusterIP service; with a mesh, a global service (`service.cilium.io/global`).
    Service,
    /// A VM in the region's VNet that is not a node of the cluster (a jump box, a database VM).
    Vm,
}

impl Endpoint {
    /// Endpoints that open connections, in matrix order.
    pub const SOURCES: [Endpoint; 3] = [Endpoint::Node, Endpoint::Pod, Endpoint::Vm];
    /// Endpoints that receive connections, in matrix order.
    pub const DESTINATIONS: [Endpoint; 4] = [
        Endpoint::Node,
        Endpoint::Pod,
        Endpoint::InternalLoadBalancer,
        Endpoint::Service,
    ];

    /// The word used in paths.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Node => "node",
            Endpoint::Pod => "pod",
            Endpoint::InternalLoadBalancer => "internal load balancer",
            Endpoint::Service => "ClusterIP service",
            Endpoint::Vm => "VM",
        }
    }
}

/// The regions and how they are connected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Topology {
    /// Azure regions, one cluster and VNet each, in a stable order.
    pub regions: Vec<String>,
    pub pod_networking: PodNetworking,
    /// Directly peered VNet pairs, unordered (`(a, b)` also peers `b` with `a`). Peering is not transitive.
    pub peered_pairs: Vec<(String, String)>,
    pub mesh: MeshMode,
}

impl Topology {
    /// Whether the VNets of two distinct regions are directly peered.
    pub fn peered(&self, a: &str, b: &str) -> bool {
        let (a, b) = (crate::regions::canonical(a), crate::regions::canonical(b));
        a != b && self.canonical_peerings().contains(&(a, b))
    }

    /// The peered pairs with canonical region names, in both orders.
    fn canonical_peerings(&self) -> std::collections::HashSet<(String, String)> {
        self.peered_pairs
            .iter()
            .flat_map(|(x, y)| {
                let (x, y) = (crate::regions::canonical(x), crate::regions::canonical(y));
                [(x.clone(), y.clone()), (y, x)]
            })
            .collect()
    }

    /// Every pair of distinct regions, for `peerAll`.
    pub fn all_pairs(regions: &[String]) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        for (i, a) in regions.iter().enumerate() {
            for b in &regions[i + 1..] {
                pairs.push((a.clone(), b.clone()));
            }
        }
        pairs
    }
}

/// The answer for one source endpoint in one region and one destination endpoint in another (or the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub source_region: String,
    pub source: Endpoint,
    pub destination_region: String,
    pub destination: Endpoint,
    /// Whether the two regions are distinct and their VNets directly peered.
    pub peered: bool,
    pub reachable: bool,
    /// The hops, e.g. `pod → SNAT to node IP → VNet peering → node`.
    pub path: String,
    /// One user-facing sentence: why, and for failures what would make it work.
    pub reason: String,
}

impl Verdict {
    pub fn is_cross_region(&self) -> bool {
        self.source_region != self.destination_region
            && crate::regions::canonical(&self.source_region)
                != crate::regions::canonical(&self.destination_region)
    }
}

/// A topology that cannot exist, reported at the function argument it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyError {
    /// Argument path (`regions[1]`, `peerings[0].to`, `mesh`).
    pub property: String,
    pub message: String,
}

impl TopologyError {
    fn new(property: impl Into<String>, message: impl Into<String>) -> Self {
        TopologyError {
            property: property.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.property.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.property, self.message)
        }
    }
}

impl std::error::Error for TopologyError {}

/// Every problem with the topology, in argument order.
pub fn validate(topology: &Topology) -> Vec<TopologyError> {
    let mut errors = Vec::new();
    if topology.regions.is_empty() {
        errors.push(TopologyError::new(
            "regions",
            "give at least one region (for example [\"eastus\", \"westeurope\"])",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, region) in topology.regions.iter().enumerate() {
        let key = crate::regions::canonical(region);
        if key.is_empty() {
            errors.push(TopologyError::new(
                format!("regions[{i}]"),
                "a region name cannot be empty; use an Azure region such as \"eastus\"",
            ));
        } else if !crate::regions::is_known(region) {
            errors.push(TopologyError::new(
                format!("regions[{i}]"),
                crate::regions::refusal(region),
            ));
            // Listed all the same: peerings that name it are not wrong as well.
            seen.insert(key);
        } else if !seen.insert(key) {
            errors.push(TopologyError::new(
                format!("regions[{i}]"),
                format!("region \"{region}\" is listed twice; each region holds one cluster and VNet, so list it once"),
            ));
        }
    }
    for (i, (from, to)) in topology.peered_pairs.iter().enumerate() {
        for (side, region) in [("from", from), ("to", to)] {
            if !seen.contains(&crate::regions::canonical(region)) {
                errors.push(TopologyError::new(
                    format!("peerings[{i}].{side}"),
                    format!(
                        "peering names region \"{region}\", which is not in `regions`; add it there or fix the name"
                    ),
                ));
            }
        }
        if crate::regions::canonical(from) == crate::regions::canonical(to) {
            errors.push(TopologyError::new(
                format!("peerings[{i}].to"),
                format!("a peering joins two different regions, but both ends are \"{to}\"; a region's cluster and VNet need no peering with themselves"),
            ));
        }
    }
    match (topology.mesh, topology.pod_networking) {
        (MeshMode::Fleet, PodNetworking::Overlay) => errors.push(TopologyError::new(
            "mesh",
            "a Fleet cluster mesh needs flat pod networking with ACNS (Cilium): tunnelled overlay networking is unsupported; set podNetworking to \"flat\", or use BYO CNI with mesh \"selfManaged\"",
        )),
        (MeshMode::Fleet, PodNetworking::ByoCni) => errors.push(TopologyError::new(
            "mesh",
            "a Fleet cluster mesh needs flat pod networking with ACNS and AKS-managed Cilium, which BYO CNI clusters do not have; set podNetworking to \"flat\", or keep BYO CNI and use mesh \"selfManaged\"",
        )),
        (MeshMode::SelfManaged, PodNetworking::Overlay | PodNetworking::Flat) => {
            errors.push(TopologyError::new(
                "mesh",
                "a self-managed Cilium Cluster Mesh needs BYO CNI (podNetworking \"byoCni\") with Cilium you install: AKS-managed Cilium reconciles a self-installed mesh away (Azure/AKS#5194); use BYO CNI, or mesh \"fleet\" with flat pod networking",
            ))
        }
        _ => {}
    }
    errors
}

/// The full matrix: every region with itself, then every ordered pair of distinct regions, each with
/// every source in [`Endpoint::SOURCES`] and destination in [`Endpoint::DESTINATIONS`].
pub fn analyze(topology: &Topology) -> Result<Vec<Verdict>, TopologyError> {
    if let Some(error) = validate(topology).into_iter().next() {
        return Err(error);
    }
    // Region names and peered pairs made canonical once: the matrix has regions² × sources ×
    // destinations cells (8,000 at 20 regions), and asking `Topology::peered` for each would
    // compare every pair again.
    let canonical: Vec<String> = topology
        .regions
        .iter()
        .map(|r| crate::regions::canonical(r))
        .collect();
    let peered_pairs = topology.canonical_peerings();
    let mut verdicts = Vec::with_capacity(
        topology.regions.len().pow(2) * Endpoint::SOURCES.len() * Endpoint::DESTINATIONS.len(),
    );
    for (a, canonical_a) in topology.regions.iter().zip(&canonical) {
        for (b, canonical_b) in topology.regions.iter().zip(&canonical) {
            let within = canonical_a == canonical_b;
            let peered =
                !within && peered_pairs.contains(&(canonical_a.clone(), canonical_b.clone()));
            for source in Endpoint::SOURCES {
                for destination in Endpoint::DESTINATIONS {
                    verdicts.push(verdict(
                        topology,
                        (a, source),
                        (b, destination),
                        within,
                        peered,
                    ));
                }
            }
        }
    }
    Ok(verdicts)
}

/// The answer for one source and destination, given whether their regions are one and whether
/// they are peered (regions must be in a valid topology).
fn verdict(
    topology: &Topology,
    (source_region, source): (&str, Endpoint),
    (destination_region, destination): (&str, Endpoint),
    within: bool,
    peered: bool,
) -> Verdict {
    let fact = if source == Endpoint::Vm && (within || peered) {
        vm_fact(
            topology.pod_networking,
            source_region,
            destination_region,
            destination,
        )
    } else if within {
        same_region(source_region, source, destination)
    } else if peered {
        peered_pair(
            topology,
            source_region,
            source,
            destination_region,
            destination,
        )
    } else {
        unpeered_pair(
            topology,
            source_region,
            source,
            destination_region,
            destination,
        )
    };
    Verdict {
        source_region: source_region.to_string(),
        source,
        destination_region: destination_region.to_string(),
        destination,
        peered,
        reachable: fact.reachable,
        path: fact.path,
        reason: fact.reason,
    }
}

struct Fact {
    reachable: bool,
    path: String,
    reason: String,
}

fn works(path: impl Into<String>, reason: impl Into<String>) -> Fact {
    Fact {
        reachable: true,
        path: path.into(),
        reason: reason.into(),
    }
}

fn fails(path: impl Into<String>, reason: impl Into<String>) -> Fact {
    Fact {
        reachable: false,
        path: path.into(),
        reason: reason.into(),
    }
}

fn same_region(region: &str, source: Endpoint, destination: Endpoint) -> Fact {
    use Endpoint::*;
    match (source, destination) {
        (Node, Node) => works(
            "node → node",
            format!("Nodes and VMs in {region} share the VNet and reach each other directly."),
        ),
        (Node, Pod) => works(
            "node → pod",
            format!("A node reaches its own cluster's pods in {region} directly: every pod networking mode routes pod IPs inside the cluster."),
        ),
        (Node, InternalLoadBalancer) => works(
            "node → internal load balancer",
            format!("An internal load balancer's frontend IP is in {region}'s VNet, so its nodes and VMs reach it directly."),
        ),
        (Node, Service) => works(
            "node → ClusterIP service → pod",
            format!("A node of the cluster in {region} reaches its own cluster's ClusterIP services; the node's service proxy forwards to a backend pod."),
        ),
        (Pod, Node) => works(
            "pod → node",
            format!("Pods reach the nodes and VMs of their own VNet in {region} directly."),
        ),
        (Pod, Pod) => works(
            "pod → pod",
            format!("Pod to pod works inside the cluster in {region}, in every pod networking mode."),
        ),
        (Pod, InternalLoadBalancer) => works(
            "pod → internal load balancer",
            format!("Pods reach internal load balancers in their own VNet in {region} directly."),
        ),
        (Pod, Service) => works(
            "pod → ClusterIP service → pod",
            format!("A pod reaches its own cluster's ClusterIP services in {region}, by address or by name."),
        ),
        (InternalLoadBalancer | Service, _) => unreachable_source(source),
        // Not in the matrix: a VM source has its own rules, and a VM is addressed like a node.
        (Vm, _) => vm_fact(PodNetworking::Flat, region, region, destination),
        (Node | Pod, Vm) => same_region(region, source, Node),
    }
}

/// A VM in the VNet that is not a node of the cluster, towards a region that is its own or
/// peered: it is a VNet address like a node, but not a cluster member. It reaches pods only when
/// pod IPs are VNet IPs: on Azure CNI Overlay, endpoints outside the cluster cannot connect to a
/// pod directly and pod IPs are reachable from the cluster's nodes only (Microsoft Learn, "Azure
/// CNI Overlay"); BYO CNI pod ranges are not VNet-routable either. ClusterIPs and global services
/// are for cluster members (a Cilium mesh joins nodes, not other VMs).
fn vm_fact(networking: PodNetworking, a: &str, b: &str, destination: Endpoint) -> Fact {
    use Endpoint::*;
    let within = crate::regions::canonical(a) == crate::regions::canonical(b);
    let hop = if within { "" } else { " → VNet peering" };
    let where_ = if within {
        format!("in {a}'s VNet")
    } else {
        format!("in {a}'s VNet, peered with {b}'s,")
    };
    match (destination, networking) {
        (Node, _) => works(
            format!("VM{hop} → node"),
            format!("A VM {where_} reaches {b}'s nodes and VMs directly (NSGs must allow it)."),
        ),
        (InternalLoadBalancer, _) => works(
            format!("VM{hop} → internal load balancer"),
            format!("An internal load balancer's frontend IP is in {b}'s VNet, so a VM {where_} reaches it directly."),
        ),
        (Pod, PodNetworking::Flat) => works(
            format!("VM{hop} → pod"),
            format!("Flat pod IPs are VNet IPs, so a VM {where_} reaches {b}'s pods directly."),
        ),
        (Pod, PodNetworking::Overlay) => fails(
            format!("VM{hop} → no route to the overlay pod IP"),
            format!("A VM {where_} cannot open a connection to an overlay pod in {b}: on Azure CNI Overlay, connections with pods are initiated by the pods (leaving through SNAT to the node IP), and only the cluster's own nodes reach pod IPs; expose the pod through an internal LoadBalancer Service."),
        ),
        (Pod, PodNetworking::ByoCni) => fails(
            format!("VM{hop} → no route to the pod IP"),
            format!("A VM {where_} cannot open a connection to a BYO CNI pod in {b}: pod IPs come from the CNI's pod range, which only the cluster's nodes route, and a Cilium mesh joins nodes, not other VMs; expose the pod through an internal LoadBalancer Service."),
        ),
        (Service, _) => fails(
            format!("VM{hop} → no route to {b}'s ClusterIP (cluster-local)"),
            format!("A ClusterIP is cluster-local: only the cluster's nodes and pods (and, with a Cilium mesh, its members through global services) use it, so a VM {where_} cannot; expose the service through an internal LoadBalancer Service."),
        ),
        (Vm, _) => works(
            format!("VM{hop} → VM"),
            format!("VMs {where_} reach {b}'s VMs directly (NSGs must allow it)."),
        ),
    }
}

fn unreachable_source(source: Endpoint) -> Fact {
    fails(
        format!("{} (receives traffic only)", source.label()),
        format!(
            "The {} only receives traffic; its backends are pods, so see the pod rows.",
            source.label()
        ),
    )
}

/// How a pod's packet leaves its cluster towards a VNet address in a peered VNet.
fn pod_egress(networking: PodNetworking) -> &'static str {
    match networking {
        PodNetworking::Flat => "pod → VNet peering",
        PodNetworking::Overlay | PodNetworking::ByoCni => "pod → SNAT to node IP → VNet peering",
    }
}

/// Why a pod reaches a VNet address in a peered VNet.
fn pod_egress_reason(networking: PodNetworking, what: &str, b: &str) -> String {
    match networking {
        PodNetworking::Overlay => format!(
            "Overlay pods reach {what} in {b}'s peered VNet through SNAT to the node IP: the packet leaves with the source node's IP, which the VNet fabric routes over the peering (NSGs must allow it)."
        ),
        PodNetworking::ByoCni => format!(
            "Pods on BYO CNI reach {what} in {b}'s peered VNet through SNAT to the node IP: the CNI masquerades traffic leaving the pod range (Cilium does by default), and the VNet fabric routes the node IP over the peering."
        ),
        PodNetworking::Flat => format!(
            "Flat pod IPs are VNet IPs, so pods reach {what} in {b}'s peered VNet directly over the peering, without SNAT."
        ),
    }
}

fn peered_pair(
    topology: &Topology,
    a: &str,
    source: Endpoint,
    b: &str,
    destination: Endpoint,
) -> Fact {
    use Endpoint::*;
    let networking = topology.pod_networking;
    let mesh = topology.mesh;
    match (source, destination) {
        (Node, Node) => works(
            "node → VNet peering → node",
            format!("{a} and {b} are peered, so nodes and VMs in {a} reach nodes and VMs in {b} directly (NSGs must allow it)."),
        ),
        (Node, InternalLoadBalancer) => works(
            "node → VNet peering → internal load balancer",
            format!("An internal load balancer's frontend IP is in {b}'s VNet, which is peered with {a}'s, so nodes and VMs in {a} reach it directly."),
        ),
        (Pod, Node) => works(
            format!("{} → node", pod_egress(networking)),
            pod_egress_reason(networking, "nodes and VMs", b),
        ),
        (Pod, InternalLoadBalancer) => works(
            format!("{} → internal load balancer", pod_egress(networking)),
            pod_egress_reason(networking, "internal load balancers", b),
        ),
        (Node, Pod) => peered_node_to_pod(networking, mesh, a, b),
        (Pod, Pod) => peered_pod_to_pod(networking, mesh, a, b),
        (Node | Pod, Service) => peered_to_service(source, networking, mesh, b),
        (InternalLoadBalancer | Service, _) => unreachable_source(source),
        // Not in the matrix: a VM source has its own rules, and a VM is addressed like a node.
        (Vm, _) => vm_fact(networking, a, b, destination),
        (Node | Pod, Vm) => peered_pair(topology, a, source, b, Node),
    }
}

/// A node or VM reaching a pod across a peering: only VNet-routable pod IPs or a mesh tunnel get there.
fn peered_node_to_pod(networking: PodNetworking, mesh: MeshMode, a: &str, b: &str) -> Fact {
    match (networking, mesh) {
        (PodNetworking::Flat, _) => works(
            "node → VNet peering → pod",
            format!("Flat pod IPs are VNet IPs, so nodes and VMs in {a} reach pods in {b} directly over the peering."),
        ),
        (_, MeshMode::SelfManaged | MeshMode::Fleet) => works(
            "node → VXLAN tunnel over VNet peering → node → pod",
            format!("Cilium on a mesh node in {a} tunnels the packet to {b}'s node over the peering; a VM outside the mesh cannot reach {b}'s pods because their IPs are not VNet-routable, and needs an internal LoadBalancer Service."),
        ),
        (PodNetworking::Overlay, MeshMode::None) => fails(
            "node → VNet peering → no route to the overlay pod IP",
            format!("A node or VM in {a} cannot reach an overlay pod in {b}: overlay pod IPs are not VNet-routable, so nothing outside the cluster reaches a pod directly; expose it through an internal LoadBalancer Service."),
        ),
        (PodNetworking::ByoCni, MeshMode::None) => fails(
            "node → VNet peering → no route to the pod IP",
            format!("A node or VM in {a} cannot reach a BYO CNI pod in {b}: its IP comes from the CNI's pod range, which is not VNet-routable; expose it through an internal LoadBalancer Service, or add a Cilium mesh (mesh \"selfManaged\")."),
        ),
    }
}

/// Pod to pod across a peering: flat pod IPs are VNet IPs; otherwise only a Cilium mesh carries it.
fn peered_pod_to_pod(networking: PodNetworking, mesh: MeshMode, a: &str, b: &str) -> Fact {
    match (networking, mesh) {
        (PodNetworking::Flat, MeshMode::None) => works(
            "pod → VNet peering → pod",
            format!("Flat pod networking plus peering gives pod to pod, both ways: pod IPs are VNet IPs, so pods in {a} reach pods in {b} over the peering."),
        ),
        (PodNetworking::Flat, _) => works(
            "pod → VNet peering → pod",
            format!("Pod to pod works, both ways: flat pod IPs are VNet IPs, so pods in {a} reach pods in {b} over the peering, and the Cilium mesh adds global services and cross-cluster policy on top."),
        ),
        (_, MeshMode::SelfManaged | MeshMode::Fleet) => works(
            "pod → VXLAN tunnel over VNet peering → node → pod",
            format!("The Cilium mesh gives pod to pod, both ways: Cilium encapsulates the packet from the node in {a} to the node in {b} over the peering, so pod IPs never need to be VNet-routable."),
        ),
        (PodNetworking::Overlay, MeshMode::None) => fails(
            "pod → SNAT to node IP → VNet peering → no route to the overlay pod IP",
            format!("Pod to remote pod fails on Azure CNI Overlay, in both directions: {b}'s pod CIDR is not routable in the VNet fabric, even over peering; use flat pod networking or a Cilium mesh, or expose the pod through an internal LoadBalancer Service."),
        ),
        (PodNetworking::ByoCni, MeshMode::None) => fails(
            "pod → SNAT to node IP → VNet peering → no route to the pod IP",
            format!("Pod to remote pod fails without a mesh, in both directions: BYO CNI pod IPs in {b} are not routable in the VNet fabric, even over peering; add a Cilium mesh (mesh \"selfManaged\"), or expose the pod through an internal LoadBalancer Service."),
        ),
    }
}

/// A ClusterIP service across a peering: cluster-local, so only a mesh's global service reaches it.
fn peered_to_service(source: Endpoint, networking: PodNetworking, mesh: MeshMode, b: &str) -> Fact {
    let name = source.label();
    if mesh == MeshMode::SelfManaged && source == Endpoint::Node {
        // A node's own traffic to a ClusterIP goes through kube-proxy, which knows only local
        // endpoints, unless Cilium replaces kube-proxy; aksmesh's self-managed values set that
        // only when a cluster's apiServerFqdn is given (Cilium needs k8sServiceHost/Port then).
        return fails(
            format!("{name} → global service → kube-proxy → local backends only"),
            format!("A node reaches a global service through kube-proxy, which load-balances only to backends in its own cluster, so {b}'s backends are not used. Give each cluster's apiServerFqdn to CiliumMesh so its Helm values turn on kubeProxyReplacement (with k8sServiceHost/k8sServicePort); pods are not affected."),
        );
    }
    if mesh.is_mesh() {
        let carrier = if networking == PodNetworking::Flat {
            "VNet peering"
        } else {
            "VXLAN tunnel over VNet peering"
        };
        let fleet = if mesh == MeshMode::Fleet {
            // Fleet's managed Cilium sets clustermesh-default-global-namespace false; Cilium reads
            // the opt-in from the namespace's annotations (Learn: Fleet cross-cluster networking).
            " With Fleet, also annotate the namespace `clustermesh.cilium.io/global: \"true\"` (a namespace annotation, not a label): Fleet's Cilium shares no namespace by default, and without it `service.cilium.io/global` has no effect."
        } else {
            ""
        };
        let how = if source == Endpoint::Pod {
            "a pod reaches a global service by its own service name"
        } else {
            "a mesh node reaches a global service at its own cluster's copy of it"
        };
        works(
                format!("{name} → global service (service.cilium.io/global) → Cilium → {carrier} → pod"),
                format!("{b}'s ClusterIP address is cluster-local, but through the Cilium mesh {how}: declare the service with the same name and namespace in both clusters, annotate it `service.cilium.io/global: \"true\"`, and Cilium load-balances to its backends in {b}.{fleet}"),
            )
    } else {
        fails(
                format!("{name} → no route to {b}'s ClusterIP (cluster-local)"),
                format!("A ClusterIP is cluster-local: {b}'s service addresses mean nothing outside its cluster, even over peering; expose the service through an internal LoadBalancer Service, or use a Cilium mesh and a global service (`service.cilium.io/global`)."),
            )
    }
}

fn unpeered_pair(
    topology: &Topology,
    a: &str,
    source: Endpoint,
    b: &str,
    destination: Endpoint,
) -> Fact {
    use Endpoint::*;
    if matches!(source, InternalLoadBalancer | Service) {
        return unreachable_source(source);
    }
    let path = format!("{} → no route to {b} (VNets not peered)", source.label());
    let base = format!("{a} and {b} are not peered, and nothing crosses regions without peering except through public endpoints (a public LoadBalancer Service, an ingress or Azure Front Door)");
    if topology.mesh.is_mesh() {
        return fails(
            path,
            format!("{base}; a Cilium mesh cannot carry traffic over unpeered VNets either, so peer the VNets of {a} and {b} directly (peering is not transitive)."),
        );
    }
    let extra = match (destination, topology.pod_networking) {
        (Pod, PodNetworking::Overlay | PodNetworking::ByoCni) => ", and since pod IPs are not VNet-routable even over peering, also expose the pod through an internal LoadBalancer Service or use flat pod networking or a Cilium mesh",
        (Service, _) => ", and since a ClusterIP is cluster-local, also expose the service through an internal LoadBalancer Service",
        _ => "",
    };
    fails(
        path,
        format!(
            "{base}; peer the VNets of {a} and {b} directly (peering is not transitive){extra}."
        ),
    )
}

/// Whether a fact holds for every peered cross-region pair (in both directions). Each flag is false
/// when no cross-region pair is peered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// A pod reaches a pod IP in every peered region.
    pub pod_to_remote_pod: bool,
    /// A node (or VM) reaches a pod IP in every peered region.
    pub node_to_remote_pod: bool,
    /// A node (or VM) reaches the nodes and VMs of every peered region.
    pub node_to_remote_node: bool,
    /// A pod reaches internal load balancers in every peered region.
    pub pod_to_remote_load_balancer: bool,
    /// A pod reaches services of every peered region by name (a global service through a Cilium mesh).
    pub pod_to_remote_service: bool,
    /// Every two distinct regions are directly peered (true for a single region).
    pub all_regions_peered: bool,
}

/// Summarises a matrix from [`analyze`].
pub fn summarize(verdicts: &[Verdict]) -> Summary {
    let holds = |source: Endpoint, destination: Endpoint| {
        let mut relevant = verdicts
            .iter()
            .filter(|v| {
                v.peered
                    && v.is_cross_region()
                    && v.source == source
                    && v.destination == destination
            })
            .peekable();
        relevant.peek().is_some() && relevant.all(|v| v.reachable)
    };
    Summary {
        pod_to_remote_pod: holds(Endpoint::Pod, Endpoint::Pod),
        node_to_remote_pod: holds(Endpoint::Node, Endpoint::Pod),
        node_to_remote_node: holds(Endpoint::Node, Endpoint::Node),
        pod_to_remote_load_balancer: holds(Endpoint::Pod, Endpoint::InternalLoadBalancer),
        pod_to_remote_service: holds(Endpoint::Pod, Endpoint::Service),
        all_regions_peered: verdicts
            .iter()
            .filter(|v| v.is_cross_region())
            .all(|v| v.peered),
    }
}

/// The `connectivity` output of the components: the matrix and its summary as one JSON value.
pub fn report(topology: &Topology) -> Result<serde_json::Value, TopologyError> {
    let matrix = analyze(topology)?;
    let summary = summarize(&matrix);
    Ok(serde_json::json!({ "matrix": matrix, "summary": summary }))
}

#[cfg(test)]
mod tests {
    use super::Endpoint::{InternalLoadBalancer as Ilb, Node, Pod, Service, Vm};
    use super::MeshMode::{Fleet, None as NoMesh, SelfManaged};
    use super::PodNetworking::{ByoCni, Flat, Overlay};
    use super::*;

    /// Every valid (pod networking, mesh) combination.
    const VALID: [(PodNetworking, MeshMode); 5] = [
        (Overlay, NoMesh),
        (Flat, NoMesh),
        (Flat, Fleet),
        (ByoCni, NoMesh),
        (ByoCni, SelfManaged),
    ];

    fn topology(networking: PodNetworking, mesh: MeshMode, peered: bool) -> Topology {
        let regions = vec!["eastus".to_string(), "westeurope".to_string()];
        Topology {
            peered_pairs: if peered {
                Topology::all_pairs(&regions)
            } else {
                vec![]
            },
            regions,
            pod_networking: networking,
            mesh,
        }
    }

    fn find<'a>(
        verdicts: &'a [Verdict],
        from: &str,
        source: Endpoint,
        to: &str,
        destination: Endpoint,
    ) -> &'a Verdict {
        let matching: Vec<_> = verdicts
            .iter()
            .filter(|v| {
                v.source_region == from
                    && v.source == source
                    && v.destination_region == to
                    && v.destination == destination
            })
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "{from} {source:?} → {to} {destination:?}"
        );
        matching[0]
    }

    /// Cross-region facts between peered regions: (networking, mesh, source, destination, reachable,
    /// a fragment the path must contain). Each row is checked in both directions.
    #[rustfmt::skip]
    const PEERED: &[(PodNetworking, MeshMode, Endpoint, Endpoint, bool, &str)] = &[
        // Azure CNI Overlay, no mesh.
        (Overlay, NoMesh, Node, Node, true, "node → VNet peering → node"),
        (Overlay, NoMesh, Node, Pod, false, "no route to the overlay pod IP"),
        (Overlay, NoMesh, Node, Ilb, true, "node → VNet peering → internal load balancer"),
        (Overlay, NoMesh, Node, Service, false, "cluster-local"),
        (Overlay, NoMesh, Pod, Node, true, "pod → SNAT to node IP → VNet peering → node"),
        (Overlay, NoMesh, Pod, Pod, false, "no route to the overlay pod IP"),
        (Overlay, NoMesh, Pod, Ilb, true, "pod → SNAT to node IP → VNet peering → internal load balancer"),
        (Overlay, NoMesh, Pod, Service, false, "cluster-local"),
        // Flat pod subnet, no mesh.
        (Flat, NoMesh, Node, Node, true, "node → VNet peering → node"),
        (Flat, NoMesh, Node, Pod, true, "node → VNet peering → pod"),
        (Flat, NoMesh, Node, Ilb, true, "node → VNet peering → internal load balancer"),
        (Flat, NoMesh, Node, Service, false, "cluster-local"),
        (Flat, NoMesh, Pod, Node, true, "pod → VNet peering → node"),
        (Flat, NoMesh, Pod, Pod, true, "pod → VNet peering → pod"),
        (Flat, NoMesh, Pod, Ilb, true, "pod → VNet peering → internal load balancer"),
        (Flat, NoMesh, Pod, Service, false, "cluster-local"),
        // Flat pod subnet with a Fleet cluster mesh.
        (Flat, Fleet, Node, Node, true, "node → VNet peering → node"),
        (Flat, Fleet, Node, Pod, true, "node → VNet peering → pod"),
        (Flat, Fleet, Node, Ilb, true, "node → VNet peering → internal load balancer"),
        (Flat, Fleet, Node, Service, true, "node → global service (service.cilium.io/global) → Cilium → VNet peering → pod"),
        (Flat, Fleet, Pod, Node, true, "pod → VNet peering → node"),
        (Flat, Fleet, Pod, Pod, true, "pod → VNet peering → pod"),
        (Flat, Fleet, Pod, Ilb, true, "pod → VNet peering → internal load balancer"),
        (Flat, Fleet, Pod, Service, true, "pod → global service (service.cilium.io/global) → Cilium → VNet peering → pod"),
        // BYO CNI, no mesh: pod IPs are not VNet-routable, like overlay.
        (ByoCni, NoMesh, Node, Node, true, "node → VNet peering → node"),
        (ByoCni, NoMesh, Node, Pod, false, "no route to the pod IP"),
        (ByoCni, NoMesh, Node, Ilb, true, "node → VNet peering → internal load balancer"),
        (ByoCni, NoMesh, Node, Service, false, "cluster-local"),
        (ByoCni, NoMesh, Pod, Node, true, "pod → SNAT to node IP → VNet peering → node"),
        (ByoCni, NoMesh, Pod, Pod, false, "no route to the pod IP"),
        (ByoCni, NoMesh, Pod, Ilb, true, "pod → SNAT to node IP → VNet peering → internal load balancer"),
        (ByoCni, NoMesh, Pod, Service, false, "cluster-local"),
        // BYO CNI with a self-managed Cilium Cluster Mesh in tunnel mode.
        (ByoCni, SelfManaged, Node, Node, true, "node → VNet peering → node"),
        (ByoCni, SelfManaged, Node, Pod, true, "node → VXLAN tunnel over VNet peering → node → pod"),
        (ByoCni, SelfManaged, Node, Ilb, true, "node → VNet peering → internal load balancer"),
        (ByoCni, SelfManaged, Node, Service, false, "node → global service → kube-proxy → local backends only"),
        (ByoCni, SelfManaged, Pod, Node, true, "pod → SNAT to node IP → VNet peering → node"),
        (ByoCni, SelfManaged, Pod, Pod, true, "pod → VXLAN tunnel over VNet peering → node → pod"),
        (ByoCni, SelfManaged, Pod, Ilb, true, "pod → SNAT to node IP → VNet peering → internal load balancer"),
        (ByoCni, SelfManaged, Pod, Service, true, "pod → global service (service.cilium.io/global) → Cilium → VXLAN tunnel over VNet peering → pod"),
    ];

    #[test]
    fn connectivity_table_covers_every_valid_combination_and_endpoint_pair() {
        for (networking, mesh) in VALID {
            // VM sources have their own table (`VM`).
            for source in [Node, Pod] {
                for destination in Endpoint::DESTINATIONS {
                    let rows = PEERED
                        .iter()
                        .filter(|r| (r.0, r.1, r.2, r.3) == (networking, mesh, source, destination))
                        .count();
                    assert_eq!(
                        rows, 1,
                        "{networking:?} {mesh:?} {source:?} → {destination:?}"
                    );
                }
            }
        }
        assert_eq!(PEERED.len(), VALID.len() * 8);
    }

    #[test]
    fn connectivity_peered_cross_region_matrix_in_both_directions() {
        for &(networking, mesh, source, destination, reachable, path) in PEERED {
            let verdicts = analyze(&topology(networking, mesh, true)).unwrap();
            for (from, to) in [("eastus", "westeurope"), ("westeurope", "eastus")] {
                let v = find(&verdicts, from, source, to, destination);
                let context = format!(
                    "{networking:?} {mesh:?} {from} {source:?} → {to} {destination:?}: {v:?}"
                );
                assert_eq!(v.reachable, reachable, "{context}");
                assert!(v.peered, "{context}");
                assert!(v.path.contains(path), "{context}");
                assert!(v.reason.ends_with('.'), "{context}");
                assert!(!v.reason.contains('\n'), "{context}");
            }
        }
    }

    #[test]
    fn connectivity_nothing_crosses_unpeered_regions_except_public_endpoints() {
        for (networking, mesh) in VALID {
            let verdicts = analyze(&topology(networking, mesh, false)).unwrap();
            for (from, to) in [("eastus", "westeurope"), ("westeurope", "eastus")] {
                for source in Endpoint::SOURCES {
                    for destination in Endpoint::DESTINATIONS {
                        let v = find(&verdicts, from, source, to, destination);
                        let context = format!("{networking:?} {mesh:?} {v:?}");
                        assert!(!v.reachable, "{context}");
                        assert!(!v.peered, "{context}");
                        assert!(v.path.contains("VNets not peered"), "{context}");
                        assert!(
                            v.reason.contains("except through public endpoints"),
                            "{context}"
                        );
                        assert!(v.reason.contains("peer the VNets"), "{context}");
                        if mesh.is_mesh() {
                            assert!(
                                v.reason.contains(
                                    "a Cilium mesh cannot carry traffic over unpeered VNets"
                                ),
                                "{context}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn connectivity_same_region_everything_works_whatever_the_peering() {
        for (networking, mesh) in VALID {
            for peered in [true, false] {
                let verdicts = analyze(&topology(networking, mesh, peered)).unwrap();
                for region in ["eastus", "westeurope"] {
                    // A VM that is not a node is not a cluster member: see the `VM` table.
                    for source in [Node, Pod] {
                        for destination in Endpoint::DESTINATIONS {
                            let v = find(&verdicts, region, source, region, destination);
                            assert!(v.reachable, "{networking:?} {mesh:?} {v:?}");
                            assert!(!v.peered, "{v:?}");
                            assert!(!v.path.contains("peering"), "{v:?}");
                        }
                    }
                }
                let v = find(&verdicts, "eastus", Pod, "eastus", Pod);
                assert_eq!(v.path, "pod → pod");
                assert!(
                    v.reason.contains("Pod to pod works inside the cluster"),
                    "{v:?}"
                );
                let v = find(&verdicts, "eastus", Pod, "eastus", Service);
                assert_eq!(v.path, "pod → ClusterIP service → pod");
                assert!(v.reason.contains("its own cluster's ClusterIP"), "{v:?}");
            }
        }
    }

    /// A VM in the VNet that is not a node of the cluster, in its own region (`within`) or towards a
    /// peered one: (networking, destination, within, reachable, a fragment the path must contain).
    /// On overlay and BYO CNI it cannot open a connection to a pod, while the cluster's own nodes
    /// can (Microsoft Learn, "Azure CNI Overlay": endpoints outside the cluster can't connect to a
    /// pod directly).
    #[rustfmt::skip]
    const VM: &[(PodNetworking, Endpoint, bool, bool, &str)] = &[
        (Overlay, Pod, true, false, "VM → no route to the overlay pod IP"),
        (ByoCni, Pod, true, false, "VM → no route to the pod IP"),
        (Flat, Pod, true, true, "VM → pod"),
        (Overlay, Pod, false, false, "VM → VNet peering → no route to the overlay pod IP"),
        (ByoCni, Pod, false, false, "VM → VNet peering → no route to the pod IP"),
        (Flat, Pod, false, true, "VM → VNet peering → pod"),
        (Overlay, Node, true, true, "VM → node"),
        (Overlay, Node, false, true, "VM → VNet peering → node"),
        (Overlay, Ilb, true, true, "VM → internal load balancer"),
        (Flat, Ilb, false, true, "VM → VNet peering → internal load balancer"),
        (Overlay, Service, true, false, "cluster-local"),
        (Flat, Service, false, false, "cluster-local"),
    ];

    #[test]
    fn connectivity_vm_outside_the_cluster_cannot_open_connections_to_overlay_pods() {
        for &(networking, destination, within, reachable, path) in VM {
            for (_, mesh) in VALID.iter().filter(|(n, _)| *n == networking) {
                let verdicts = analyze(&topology(networking, *mesh, true)).unwrap();
                let to = if within { "eastus" } else { "westeurope" };
                let v = find(&verdicts, "eastus", Vm, to, destination);
                let context = format!("{networking:?} {mesh:?} {v:?}");
                assert_eq!(v.reachable, reachable, "{context}");
                assert!(v.path.contains(path), "{context}");
                assert!(v.reason.ends_with('.'), "{context}");
                // The cluster's own nodes still reach its pods.
                if within && destination == Pod {
                    assert!(
                        find(&verdicts, "eastus", Node, "eastus", Pod).reachable,
                        "{context}"
                    );
                }
            }
        }
        let verdicts = analyze(&topology(Overlay, NoMesh, true)).unwrap();
        let v = find(&verdicts, "eastus", Vm, "eastus", Pod);
        assert!(v.reason.contains("initiated by the pods"), "{v:?}");
        assert!(v.reason.contains("internal LoadBalancer Service"), "{v:?}");
    }

    #[test]
    fn connectivity_matrix_has_every_ordered_region_pair_in_order() {
        let mut t = topology(Overlay, NoMesh, true);
        t.regions.push("southeastasia".into());
        let verdicts = analyze(&t).unwrap();
        assert_eq!(verdicts.len(), 3 * 3 * 3 * 4);
        let first = &verdicts[0];
        assert_eq!(
            (
                first.source_region.as_str(),
                first.source,
                first.destination_region.as_str(),
                first.destination
            ),
            ("eastus", Node, "eastus", Node)
        );
        let last = verdicts.last().unwrap();
        assert_eq!(
            (
                last.source_region.as_str(),
                last.source,
                last.destination_region.as_str(),
                last.destination
            ),
            ("southeastasia", Vm, "southeastasia", Service)
        );
        // Only eastus–westeurope is peered: peering is not transitive and southeastasia has none.
        assert!(find(&verdicts, "eastus", Node, "westeurope", Node).reachable);
        let v = find(&verdicts, "eastus", Node, "southeastasia", Node);
        assert!(
            !v.reachable && v.reason.contains("peering is not transitive"),
            "{v:?}"
        );
    }

    #[test]
    fn connectivity_overlay_pod_reaches_remote_node_and_load_balancer_through_snat_to_node_ip() {
        let verdicts = analyze(&topology(Overlay, NoMesh, true)).unwrap();
        for destination in [Node, Ilb] {
            let v = find(&verdicts, "eastus", Pod, "westeurope", destination);
            assert!(v.reachable, "{v:?}");
            assert!(
                v.path.starts_with("pod → SNAT to node IP → VNet peering"),
                "{v:?}"
            );
            assert!(v.reason.contains("SNAT to the node IP"), "{v:?}");
            assert!(v.reason.contains("source node's IP"), "{v:?}");
        }
        // Flat pods keep their own VNet IP.
        let verdicts = analyze(&topology(Flat, NoMesh, true)).unwrap();
        let v = find(&verdicts, "eastus", Pod, "westeurope", Node);
        assert!(
            v.reachable && !v.path.contains("SNAT") && v.reason.contains("without SNAT"),
            "{v:?}"
        );
    }

    #[test]
    fn connectivity_overlay_pod_to_remote_pod_fails_in_both_directions() {
        let verdicts = analyze(&topology(Overlay, NoMesh, true)).unwrap();
        for (from, to) in [("eastus", "westeurope"), ("westeurope", "eastus")] {
            let v = find(&verdicts, from, Pod, to, Pod);
            assert!(!v.reachable, "{v:?}");
            assert!(v.reason.contains("Pod to remote pod fails"), "{v:?}");
            assert!(v.reason.contains("in both directions"), "{v:?}");
            assert!(
                v.reason.contains("not routable in the VNet fabric"),
                "{v:?}"
            );
            assert!(
                v.reason
                    .contains("use flat pod networking or a Cilium mesh"),
                "{v:?}"
            );
            // A node or VM cannot reach an overlay pod either: use a LoadBalancer Service.
            let v = find(&verdicts, from, Node, to, Pod);
            assert!(!v.reachable, "{v:?}");
            assert!(
                v.reason
                    .contains("expose it through an internal LoadBalancer Service"),
                "{v:?}"
            );
        }
    }

    #[test]
    fn connectivity_flat_peering_gives_pod_to_pod_both_ways() {
        let verdicts = analyze(&topology(Flat, NoMesh, true)).unwrap();
        for (from, to) in [("eastus", "westeurope"), ("westeurope", "eastus")] {
            let v = find(&verdicts, from, Pod, to, Pod);
            assert!(v.reachable, "{v:?}");
            assert!(v.reason.contains("pod IPs are VNet IPs"), "{v:?}");
            assert!(find(&verdicts, from, Node, to, Pod).reachable);
        }
    }

    #[test]
    fn connectivity_mesh_gives_pod_to_pod_and_global_services() {
        for (networking, mesh) in [(Flat, Fleet), (ByoCni, SelfManaged)] {
            let verdicts = analyze(&topology(networking, mesh, true)).unwrap();
            let v = find(&verdicts, "eastus", Pod, "westeurope", Pod);
            assert!(v.reachable, "{v:?}");
            let v = find(&verdicts, "eastus", Pod, "westeurope", Service);
            assert!(v.reachable, "{v:?}");
            assert!(v.path.contains("global service"), "{v:?}");
            assert!(v.reason.contains("cluster-local"), "{v:?}");
            assert!(v.reason.contains("service.cilium.io/global"), "{v:?}");
            assert!(v.reason.contains("by its own service name"), "{v:?}");
            assert_eq!(
                v.reason
                    .contains("annotate the namespace `clustermesh.cilium.io/global: \"true\"`"),
                mesh == Fleet,
                "{v:?}"
            );
            assert!(!v.reason.contains("label the namespace"), "{v:?}");
        }
        let verdicts = analyze(&topology(ByoCni, SelfManaged, true)).unwrap();
        let v = find(&verdicts, "westeurope", Node, "eastus", Pod);
        assert!(
            v.reachable && v.reason.contains("a VM outside the mesh cannot"),
            "{v:?}"
        );
    }

    #[test]
    fn connectivity_cluster_ip_of_another_cluster_is_never_an_address() {
        for (networking, mesh) in [(Overlay, NoMesh), (Flat, NoMesh), (ByoCni, NoMesh)] {
            let verdicts = analyze(&topology(networking, mesh, true)).unwrap();
            for source in Endpoint::SOURCES {
                let v = find(&verdicts, "eastus", source, "westeurope", Service);
                assert!(!v.reachable, "{v:?}");
                assert!(v.reason.contains("A ClusterIP is cluster-local"), "{v:?}");
                assert!(v.reason.contains("internal LoadBalancer Service"), "{v:?}");
            }
        }
    }

    #[test]
    fn connectivity_unpeered_reasons_name_the_extra_fix() {
        let verdicts = analyze(&topology(Overlay, NoMesh, false)).unwrap();
        let v = find(&verdicts, "eastus", Pod, "westeurope", Pod);
        assert!(
            v.reason
                .contains("use flat pod networking or a Cilium mesh"),
            "{v:?}"
        );
        let v = find(&verdicts, "eastus", Pod, "westeurope", Service);
        assert!(v.reason.contains("cluster-local"), "{v:?}");
        let verdicts = analyze(&topology(Flat, NoMesh, false)).unwrap();
        let v = find(&verdicts, "eastus", Pod, "westeurope", Pod);
        assert!(!v.reason.contains("flat pod networking"), "{v:?}");
    }

    #[test]
    fn connectivity_summary_per_mode() {
        #[rustfmt::skip]
        let expected = [
            // (networking, mesh, pod→pod, node→pod, node→node, pod→ILB, pod→service)
            (Overlay, NoMesh, false, false, true, true, false),
            (Flat, NoMesh, true, true, true, true, false),
            (Flat, Fleet, true, true, true, true, true),
            (ByoCni, NoMesh, false, false, true, true, false),
            (ByoCni, SelfManaged, true, true, true, true, true),
        ];
        for (networking, mesh, pod_pod, node_pod, node_node, pod_ilb, pod_service) in expected {
            let summary = summarize(&analyze(&topology(networking, mesh, true)).unwrap());
            assert_eq!(
                summary,
                Summary {
                    pod_to_remote_pod: pod_pod,
                    node_to_remote_pod: node_pod,
                    node_to_remote_node: node_node,
                    pod_to_remote_load_balancer: pod_ilb,
                    pod_to_remote_service: pod_service,
                    all_regions_peered: true,
                },
                "{networking:?} {mesh:?}"
            );
            // Nothing peered: nothing holds.
            let summary = summarize(&analyze(&topology(networking, mesh, false)).unwrap());
            assert_eq!(
                summary,
                Summary {
                    pod_to_remote_pod: false,
                    node_to_remote_pod: false,
                    node_to_remote_node: false,
                    pod_to_remote_load_balancer: false,
                    pod_to_remote_service: false,
                    all_regions_peered: false,
                }
            );
        }
        // One region: no cross-region pair, trivially all peered.
        let single = Topology {
            regions: vec!["eastus".into()],
            ..Topology::default()
        };
        let summary = summarize(&analyze(&single).unwrap());
        assert!(summary.all_regions_peered && !summary.node_to_remote_node);
        // Partial peering: facts hold over the peered pair; not all regions are peered.
        let mut t = topology(Overlay, NoMesh, true);
        t.regions.push("southeastasia".into());
        let summary = summarize(&analyze(&t).unwrap());
        assert!(summary.node_to_remote_node && !summary.all_regions_peered);
    }

    #[test]
    fn connectivity_peering_is_unordered_and_region_names_are_normalised() {
        let t = Topology {
            regions: vec!["East US".into(), "westeurope".into()],
            peered_pairs: vec![("West Europe".into(), "eastus".into())],
            ..Topology::default()
        };
        assert!(t.peered("East US", "westeurope"));
        assert!(t.peered("westeurope", "East US"));
        assert!(!t.peered("eastus", "East US"));
        let verdicts = analyze(&t).unwrap();
        assert!(find(&verdicts, "East US", Node, "westeurope", Node).reachable);
        assert!(find(&verdicts, "westeurope", Node, "East US", Node).reachable);
    }

    fn errors(t: &Topology) -> Vec<(String, String)> {
        validate(t)
            .into_iter()
            .map(|e| (e.property, e.message))
            .collect()
    }

    #[test]
    fn connectivity_validation_errors_name_the_property() {
        // No regions.
        let e = errors(&Topology::default());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "regions");
        assert!(e[0].1.contains("at least one region"));
        assert_eq!(
            analyze(&Topology::default()).unwrap_err().property,
            "regions"
        );

        // Duplicate and empty regions.
        let t = Topology {
            regions: vec!["eastus".into(), "".into(), "East US".into()],
            ..Topology::default()
        };
        let e = errors(&t);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, "regions[1]");
        assert!(e[0].1.contains("cannot be empty"));
        assert_eq!(e[1].0, "regions[2]");
        assert!(e[1].1.contains("listed twice"));

        // A peering naming an unknown region, or the same region twice.
        let t = Topology {
            regions: vec!["eastus".into(), "westeurope".into()],
            peered_pairs: vec![
                ("eastus".into(), "westeurope".into()),
                ("northeurope".into(), "eastus".into()),
                ("westeurope".into(), "uksouth".into()),
                ("eastus".into(), "East US".into()),
            ],
            ..Topology::default()
        };
        let e = errors(&t);
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[0].0, "peerings[1].from");
        assert!(e[0]
            .1
            .contains("\"northeurope\", which is not in `regions`"));
        assert_eq!(e[1].0, "peerings[2].to");
        assert!(e[1].1.contains("\"uksouth\""));
        assert_eq!(e[2].0, "peerings[3].to");
        assert!(e[2].1.contains("two different regions"));
        assert_eq!(analyze(&t).unwrap_err().property, "peerings[1].from");
    }

    #[test]
    fn connectivity_mesh_validation() {
        let mesh_error = |networking, mesh| {
            let t = Topology {
                regions: vec!["eastus".into()],
                pod_networking: networking,
                mesh,
                ..Topology::default()
            };
            let e = errors(&t);
            assert!(e.len() <= 1, "{e:?}");
            e.into_iter().next()
        };
        for (networking, mesh) in VALID {
            assert_eq!(
                mesh_error(networking, mesh),
                None,
                "{networking:?} {mesh:?}"
            );
        }
        let (property, message) = mesh_error(Overlay, Fleet).unwrap();
        assert_eq!(property, "mesh");
        assert!(
            message.contains("needs flat pod networking with ACNS"),
            "{message}"
        );
        assert!(
            message.contains("tunnelled overlay networking is unsupported"),
            "{message}"
        );
        let (property, message) = mesh_error(ByoCni, Fleet).unwrap();
        assert_eq!(property, "mesh");
        assert!(
            message.contains("flat pod networking with ACNS"),
            "{message}"
        );
        for networking in [Overlay, Flat] {
            let (property, message) = mesh_error(networking, SelfManaged).unwrap();
            assert_eq!(property, "mesh");
            assert!(
                message.contains("AKS-managed Cilium reconciles a self-installed mesh away"),
                "{message}"
            );
            assert!(message.contains("Azure/AKS#5194"), "{message}");
            assert!(message.contains("use BYO CNI"), "{message}");
        }
        let error = analyze(&Topology {
            regions: vec!["eastus".into()],
            mesh: Fleet,
            ..Topology::default()
        })
        .unwrap_err();
        assert_eq!(error.property, "mesh");
        assert!(error.to_string().starts_with("mesh: a Fleet cluster mesh"));
    }

    #[test]
    fn connectivity_endpoints_and_modes_serialize_in_camel_case() {
        assert_eq!(serde_json::to_value(Ilb).unwrap(), "internalLoadBalancer");
        assert_eq!(serde_json::to_value(Service).unwrap(), "service");
        assert_eq!(serde_json::to_value(ByoCni).unwrap(), "byoCni");
        assert_eq!(serde_json::to_value(SelfManaged).unwrap(), "selfManaged");
        assert_eq!(serde_json::to_value(NoMesh).unwrap(), "none");
        let v = &analyze(&topology(Overlay, NoMesh, true)).unwrap()[0];
        let json = serde_json::to_value(v).unwrap();
        for key in [
            "sourceRegion",
            "source",
            "destinationRegion",
            "destination",
            "peered",
            "reachable",
            "path",
            "reason",
        ] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
    }
}
