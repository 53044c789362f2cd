"""A multi-region AKS platform from aksmesh's building blocks.

Every region gets its own resource group, VNet and AKS cluster (Azure CNI Overlay + Cilium), with
address ranges planned so that nothing overlaps. `enable_vnet_peering` adds a full mesh of peerings.
"""
import itertools

import pulumi
import pulumi_aksmesh as aksmesh

config = pulumi.Config()
regions = config.get_object("regions") or ["eastus", "westeurope", "southeastasia"]
if not config.get_bool("deploy_multi_region", True):
    regions = regions[:1]
peering = config.get_bool("enable_vnet_peering", False)
kubernetes_version = config.get("kubernetes_version") or "1.34"

# Pure planning: the same regions always get the same ranges, and adding a region moves nothing.
plan = aksmesh.plan_address_space(regions=[{"location": region} for region in regions])

networks = {}
clusters = {}
for ranges in plan.regions:
    region = ranges.location
    network = aksmesh.RegionalNetwork(
        f"network-{region}",
        location=region,
        name_prefix="platform",
        vnet_cidr=ranges.vnet_cidr,
        node_subnet_cidr=ranges.node_subnet_cidr,
        tags={"platform": "aksmesh-demo"},
    )
    cluster = aksmesh.RegionalCluster(
        f"cluster-{region}",
        location=region,
        name_prefix="platform",
        resource_group_name=network.resource_group_name,
        node_subnet_id=network.node_subnet_id,
        vnet_cidr=network.vnet_cidr,
        node_subnet_cidr=network.node_subnet_cidr,
        pod_cidr=ranges.pod_cidr,
        service_cidr=plan.service_cidr,
        dns_service_ip=plan.dns_service_ip,
        kubernetes_version=kubernetes_version,
        tags={"platform": "aksmesh-demo"},
    )
    networks[region] = network
    clusters[region] = cluster

peerings = {}
if peering:
    for first, second in itertools.combinations(regions, 2):
        peerings[f"{first}-{second}"] = aksmesh.VnetPeering(
            f"peering-{first}-{second}",
            local_vnet_id=networks[first].vnet_id,
            remote_vnet_id=networks[second].vnet_id,
        )

pulumi.export("addressPlan", {r.location: {"vnet": r.vnet_cidr, "pods": r.pod_cidr} for r in plan.regions})
pulumi.export(
    "clusters",
    {
        region: {"id": cluster.cluster_id, "fqdn": cluster.fqdn, "podCidr": cluster.pod_cidr, "vnetId": networks[region].vnet_id}
        for region, cluster in clusters.items()
    },
)
pulumi.export("kubeconfigs", {region: cluster.kubeconfig for region, cluster in clusters.items()})
pulumi.export("peerings", {name: p.peering_state for name, p in peerings.items()})
