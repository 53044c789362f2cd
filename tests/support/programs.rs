//! Programs shared by several test files.

/// Two regions (RegionalNetwork and RegionalCluster each) and one VnetPeering, in YAML; the
/// regional CLI test drives it through its lifecycle and the upgrade test keeps a state of it.
pub const REGIONAL: &str = r#"
config:
  kubernetesVersion:
    type: string
    default: "1.33"
  eastPodCidr:
    type: string
    default: 10.32.0.0/13
resources:
  east:
    type: aksmesh:index:RegionalNetwork
    properties:
      location: eastus
      namePrefix: e2e
      vnetCidr: 10.0.0.0/14
      nodeSubnetCidr: 10.0.0.0/16
  west:
    type: aksmesh:index:RegionalNetwork
    properties:
      location: westeurope
      namePrefix: e2e
      vnetCidr: 10.4.0.0/14
      nodeSubnetCidr: 10.4.0.0/16
  eastCluster:
    type: aksmesh:index:RegionalCluster
    properties:
      location: eastus
      namePrefix: e2e
      resourceGroupName: ${east.resourceGroupName}
      nodeSubnetId: ${east.nodeSubnetId}
      vnetCidr: ${east.vnetCidr}
      nodeSubnetCidr: ${east.nodeSubnetCidr}
      podCidr: ${eastPodCidr}
      serviceCidr: 10.96.0.0/16
      dnsServiceIP: 10.96.0.10
      kubernetesVersion: ${kubernetesVersion}
  westCluster:
    type: aksmesh:index:RegionalCluster
    properties:
      location: westeurope
      namePrefix: e2e
      resourceGroupName: ${west.resourceGroupName}
      nodeSubnetId: ${west.nodeSubnetId}
      vnetCidr: ${west.vnetCidr}
      nodeSubnetCidr: ${west.nodeSubnetCidr}
      podCidr: 10.40.0.0/13
      serviceCidr: 10.96.0.0/16
      dnsServiceIP: 10.96.0.10
      kubernetesVersion: ${kubernetesVersion}
  link:
    type: aksmesh:index:VnetPeering
    properties:
      localVnetId: ${east.vnetId}
      remoteVnetId: ${west.vnetId}
outputs:
  eastFqdn: ${eastCluster.fqdn}
  eastPodCidr: ${eastCluster.podCidr}
  kubeconfig: ${westCluster.kubeconfig}
  peeringState: ${link.peeringState}
"#;
