//! The platform's children, one `register_*` step per kind, each built from the child's own typed
//! inputs. Only what comes from another child's outputs, or from the program's inputs as given
//! (tags, the Kubernetes version: possibly unknown or secret), is an engine value.

use std::sync::Arc;

use futures::future::try_join_all;

use crate::component::{Child, ChildRegistrar, ChildRequest, Links, RegistrationError};
use crate::components::overlay_peering::{OverlayPeering, OverlayPeeringInputs, PeeredNetwork};
use crate::net::{AddressPlan, RegionPlan};
use crate::property::Value;
use crate::resources::cilium_mesh::{CiliumMesh, CiliumMeshInputs, MeshClusterInputs, VnetPair};
use crate::resources::front_door::{FrontDoor, FrontDoorInputs, FrontDoorOrigin};
use crate::resources::regional_cluster::{RegionalCluster, RegionalClusterInputs};
use crate::resources::regional_network::{RegionalNetwork, RegionalNetworkInputs};
use crate::vocabulary::{CiliumMeshMode, ClusterProfile, NetworkDataplane, PodNetworking};

use super::{ingress_dns_label, MultiRegionAksInputs};

/// What every registration step needs.
pub struct Platform<'a> {
    pub registrar: Arc<dyn ChildRegistrar>,
    /// The component's name in the program; children are named after it.
    pub name: &'a str,
    pub prefix: String,
    pub inputs: &'a MultiRegionAksInputs,
    pub plan: &'a AddressPlan,
    /// The program's tags and Kubernetes version as the engine gave them.
    pub raw_tags: Value,
    pub raw_version: Option<Value>,
}

/// A child's output, or unknown when the engine does not know it yet (preview).
pub fn output(child: &Child, key: &str) -> Value {
    match child.outputs.get(key) {
        Some(Value::Null) | None => Value::Unknown,
        Some(value) => value.clone(),
    }
}

impl Platform<'_> {
    async fn register(&self, request: ChildRequest) -> Result<Child, RegistrationError> {
        self.registrar.register(request).await
    }

    pub async fn register_networks(&self) -> Result<Vec<Child>, RegistrationError> {
        try_join_all(self.plan.regions.iter().map(|ranges| async move {
            let mut links = Links::new();
            let inputs = RegionalNetworkInputs {
                location: ranges.location.clone(),
                name_prefix: self.prefix.clone(),
                vnet_cidr: ranges.vnet_cidr.to_string(),
                node_subnet_cidr: ranges.node_subnet_cidr.to_string(),
                pod_subnet_cidr: self
                    .inputs
                    .flat()
                    .then(|| ranges.pod_subnet_cidr.to_string()),
                tags: links.map(self.raw_tags.clone()),
            };
            let name = format!("{}-network-{}", self.name, ranges.location);
            self.register(ChildRequest::resource::<RegionalNetwork>(
                name,
                &inputs,
                &links,
                Vec::new(),
            )?)
            .await
        }))
        .await
    }

    pub async fn register_clusters(
        &self,
        networks: &[Child],
    ) -> Result<Vec<Child>, RegistrationError> {
        let regions = self.plan.regions.iter().zip(networks).enumerate();
        try_join_all(regions.map(|(i, (ranges, network))| async move {
            let mut links = Links::new();
            let inputs = self.cluster_inputs(i, ranges, network, &mut links);
            let name = format!("{}-cluster-{}", self.name, ranges.location);
            let request = ChildRequest::resource::<RegionalCluster>(
                name,
                &inputs,
                &links,
                vec![network.urn.clone()],
            )?;
            self.register(request).await
        }))
        .await
    }

    fn cluster_inputs(
        &self,
        region: usize,
        ranges: &RegionPlan,
        network: &Child,
        links: &mut Links,
    ) -> RegionalClusterInputs {
        let inputs = self.inputs;
        let flat = inputs.flat();
        let region_index = region;
        let region = &inputs.regions[region];
        RegionalClusterInputs {
            location: ranges.location.clone(),
            name_prefix: self.prefix.clone(),
            resource_group_name: links.text(output(network, "resourceGroupName")),
            node_subnet_id: links.text(output(network, "nodeSubnetId")),
            vnet_cidr: Some(ranges.vnet_cidr.to_string()),
            node_subnet_cidr: Some(ranges.node_subnet_cidr.to_string()),
            service_cidr: Some(self.plan.service_cidr.to_string()),
            dns_service_ip: Some(self.plan.dns_service_ip.to_string()),
            pod_networking: (inputs.pod_networking() != PodNetworking::Overlay)
                .then(|| inputs.pod_networking()),
            pod_subnet_id: flat.then(|| links.text(output(network, "podSubnetId"))),
            pod_cidr: (!flat).then(|| ranges.pod_cidr.to_string()),
            advanced_networking: inputs.advanced_networking().then_some(true),
            // A region's own version (a canary) over the platform's.
            kubernetes_version: match &region.kubernetes_version {
                Some(version) => Some(version.clone()),
                None => self
                    .raw_version
                    .clone()
                    .and_then(|version| links.optional_text(version)),
            },
            system_pool: inputs.system_pool(region_index),
            user_pools: inputs.user_pools(region_index),
            sku_tier: inputs.sku_tier,
            auto_scaler_profile: inputs.auto_scaler_profile.clone(),
            authorized_ip_ranges: inputs.authorized_ip_ranges.clone(),
            upgrade_channel: inputs.upgrade_channel,
            node_os_upgrade_channel: inputs.node_os_upgrade_channel,
            profile: Some(ClusterProfile::Production),
            tags: links.map(self.raw_tags.clone()),
            ..Default::default()
        }
    }

    /// The OverlayPeering component, when peering is on and there is more than one region.
    pub async fn register_peering(
        &self,
        networks: &[Child],
    ) -> Result<Option<Child>, RegistrationError> {
        if !self.inputs.peering_enabled() || self.plan.regions.len() < 2 {
            return Ok(None);
        }
        let mut links = Links::new();
        let peered = self
            .plan
            .regions
            .iter()
            .zip(networks)
            .map(|(ranges, network)| PeeredNetwork {
                name: ranges.location.clone(),
                vnet_id: links.text(network.output_value("vnetId")),
                address_space: vec![ranges.vnet_cidr.to_string()],
                pod_networking: Some(self.inputs.pod_networking()),
                pod_cidr: (!self.inputs.flat()).then(|| ranges.pod_cidr.to_string()),
            })
            .collect();
        let request = ChildRequest::component::<OverlayPeering>(
            format!("{}-peering", self.name),
            &OverlayPeeringInputs { networks: peered },
            &links,
            networks.iter().map(|n| n.urn.clone()).collect(),
        )?;
        self.register(request).await.map(Some)
    }

    pub async fn register_front_door(
        &self,
        networks: &[Child],
    ) -> Result<Option<Child>, RegistrationError> {
        if !self.inputs.front_door_enabled() {
            return Ok(None);
        }
        let origins = self
            .plan
            .regions
            .iter()
            .map(|ranges| {
                let label = ingress_dns_label(&self.prefix, &ranges.location);
                FrontDoorOrigin {
                    name: ranges.location.clone(),
                    host_name: format!("{label}.{}.cloudapp.azure.com", ranges.location),
                    ..Default::default()
                }
            })
            .collect();
        let mut links = Links::new();
        let inputs = FrontDoorInputs {
            // The global profile lives in the first region's resource group.
            resource_group_name: links.text(output(&networks[0], "resourceGroupName")),
            name_prefix: self.prefix.clone(),
            origins,
            probe_path: (self.inputs.front_door.as_ref())
                .and_then(|f| f.probe_path.clone())
                .unwrap_or_default(),
            tags: links.map(self.raw_tags.clone()),
            ..Default::default()
        };
        let request = ChildRequest::resource::<FrontDoor>(
            format!("{}-front-door", self.name),
            &inputs,
            &links,
            vec![networks[0].urn.clone()],
        )?;
        self.register(request).await.map(Some)
    }

    /// The CiliumMesh, after the clusters (and peerings) it joins.
    pub async fn register_mesh(
        &self,
        networks: &[Child],
        clusters: &[Child],
        peering: Option<&Child>,
    ) -> Result<Option<Child>, RegistrationError> {
        let Some(mode) = self.inputs.mesh_mode() else {
            return Ok(None);
        };
        let mut links = Links::new();
        let vnet_ids: Vec<Value> = networks.iter().map(|n| output(n, "vnetId")).collect();
        let mesh_clusters = (self.plan.regions.iter().zip(clusters).zip(&vnet_ids))
            .map(|((ranges, cluster), vnet)| {
                let version = (self.raw_version.clone())
                    .unwrap_or_else(|| output(cluster, "currentKubernetesVersion"));
                mesh_cluster(
                    self.inputs,
                    ranges,
                    links.text(output(cluster, "clusterId")),
                    links.text(vnet.clone()),
                    links.optional_text(version),
                )
            })
            .collect();
        let inputs = CiliumMeshInputs {
            mode: Some(mode),
            name_prefix: self.prefix.clone(),
            clusters: mesh_clusters,
            peered_vnet_pairs: all_vnet_pairs(&vnet_ids, &mut links),
            resource_group_name: (mode == CiliumMeshMode::Fleet)
                .then(|| links.text(output(&networks[0], "resourceGroupName"))),
            tags: links.map(self.raw_tags.clone()),
            ..Default::default()
        };
        let mut after: Vec<String> = clusters.iter().map(|c| c.urn.clone()).collect();
        after.extend(peering.map(|p| p.urn.clone()));
        let request = ChildRequest::resource::<CiliumMesh>(
            format!("{}-mesh", self.name),
            &inputs,
            &links,
            after,
        )?;
        self.register(request).await.map(Some)
    }
}

/// The mesh's description of one region's cluster.
pub fn mesh_cluster(
    inputs: &MultiRegionAksInputs,
    ranges: &RegionPlan,
    cluster_id: String,
    vnet_id: String,
    kubernetes_version: Option<String>,
) -> MeshClusterInputs {
    let flat = inputs.flat();
    MeshClusterInputs {
        name: ranges.location.clone(),
        cluster_id,
        location: ranges.location.clone(),
        pod_networking: Some(inputs.pod_networking()),
        network_dataplane: (!inputs.byo_cni()).then_some(NetworkDataplane::Cilium),
        advanced_networking: Some(inputs.advanced_networking()),
        kubernetes_version,
        pod_cidr: (!flat).then(|| ranges.pod_cidr.to_string()),
        pod_subnet_cidr: flat.then(|| ranges.pod_subnet_cidr.to_string()),
        node_subnet_cidr: Some(ranges.node_subnet_cidr.to_string()),
        vnet_id,
        // Not wired from the cluster's `fqdn` yet: a new input would update every recorded
        // selfManaged platform (tests/upgrade.rs); see the lead's decision in issue 9.
        api_server_fqdn: None,
    }
}

/// Every pair of VNets, as CiliumMesh's peeredVnetPairs.
fn all_vnet_pairs(vnet_ids: &[Value], links: &mut Links) -> Vec<VnetPair> {
    let mut pairs = Vec::new();
    for (i, a) in vnet_ids.iter().enumerate() {
        for b in &vnet_ids[i + 1..] {
            pairs.push(VnetPair {
                from: links.text(a.clone()),
                to: links.text(b.clone()),
            });
        }
    }
    pairs
}
