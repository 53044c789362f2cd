"""A multi-region AKS platform with aksmesh.

One AKS cluster per region, each in its own VNet (Azure CNI Overlay + Cilium by default), with address
ranges planned so nothing overlaps. `pulumi config set enable_vnet_peering true` peers every pair of
regions; the `connectivity` output says what that does and does not connect.
"""
import pulumi
import pulumi_aksmesh as aksmesh

config = pulumi.Config()
regions = config.get_object("regions") or ["eastus", "westeurope", "southeastasia"]
if not config.get_bool("deploy_multi_region", True):
    regions = regions[:1]

mesh_mode = config.get("cilium_mesh") or "none"  # fleet (needs flat pod networking) or selfManaged (byoCni)
platform = aksmesh.MultiRegionAks(
    "platform",
    regions=[{"location": region} for region in regions],
    kubernetes_version=config.get("kubernetes_version") or "1.34",
    pod_networking=config.get("pod_networking") or "overlay",
    enable_vnet_peering=config.get_bool("enable_vnet_peering", False),
    cilium_mesh={"mode": mesh_mode} if mesh_mode != "none" else None,
    front_door={"enabled": True, "probe_path": "/healthz"} if config.get_bool("front_door", False) else None,
    # Who may reach the API servers, e.g. `pulumi config set --path 'authorized_ip_ranges[0]' 203.0.113.0/24`.
    authorized_ip_ranges=config.get_object("authorized_ip_ranges"),
    tags={"platform": "aksmesh-example"},
)

pulumi.export("clusters", platform.clusters)
pulumi.export("peerings", platform.peerings)
pulumi.export("connectivity", platform.connectivity.summary)
pulumi.export("ciliumMesh", platform.cilium_mesh)
pulumi.export("frontDoor", platform.front_door)
pulumi.export(
    "connectivityMatrix",
    platform.connectivity.matrix.apply(
        lambda matrix: [
            f"{v.source_region} {v.source.value} -> {v.destination_region} {v.destination.value}: "
            f"{'reachable' if v.reachable else 'unreachable'} ({v.reason})"
            for v in matrix
            if v.source_region != v.destination_region
        ]
    ),
)
