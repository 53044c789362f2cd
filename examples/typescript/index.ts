// A multi-region AKS platform with aksmesh: one cluster per region, planned address space, and a
// full mesh of VNet peerings when `pulumi config set enable_vnet_peering true`.
import * as pulumi from "@pulumi/pulumi";
import * as aksmesh from "@aksmesh/pulumi";

const config = new pulumi.Config();
let regions = config.getObject<string[]>("regions") ?? ["eastus", "westeurope", "southeastasia"];
if (!(config.getBoolean("deploy_multi_region") ?? true)) {
    regions = regions.slice(0, 1);
}

const platform = new aksmesh.MultiRegionAks("platform", {
    regions: regions.map(location => ({ location })),
    kubernetesVersion: "1.34",
    enableVnetPeering: config.getBoolean("enable_vnet_peering") ?? false,
    // Who may reach the API servers, e.g. `pulumi config set --path 'authorized_ip_ranges[0]' 203.0.113.0/24`.
    authorizedIpRanges: config.getObject<string[]>("authorized_ip_ranges"),
    tags: { platform: "aksmesh-example" },
});

export const clusters = platform.clusters;
export const peerings = platform.peerings;
export const connectivity = platform.connectivity.summary;
