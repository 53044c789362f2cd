//! `Microsoft.Network` virtual networks, subnets and peerings (api-version 2025-07-01).
//!
//! Subnets and peerings are managed as child resources. A VNet body leaves `subnets` out unless
//! the caller sets it (leaving it out keeps existing subnets; `[]` would delete them), and never
//! sends `virtualNetworkPeerings` (a VNet PUT must not replace peerings).

use serde::{Deserialize, Serialize};

use super::{SubResource, Tags};

/// A virtual network.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetwork {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// ETag (read-only).
    #[serde(default, skip_serializing)]
    pub etag: Option<String>,
    /// Azure region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Properties.
    #[serde(default)]
    pub properties: VirtualNetworkProperties,
}

/// Properties of a virtual network.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkProperties {
    /// Address prefixes of the VNet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_space: Option<AddressSpace>,
    /// Custom DNS servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp_options: Option<DhcpOptions>,
    /// Inline subnets; `None` leaves existing subnets alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets: Option<Vec<VirtualNetworkSubnet>>,
    /// Peerings as reported by GET; never sent (manage them as child resources).
    #[serde(default, skip_serializing)]
    pub virtual_network_peerings: Option<Vec<VirtualNetworkPeering>>,
    /// DDoS protection flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_ddos_protection: Option<bool>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub resource_guid: Option<String>,
}

/// Address prefixes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressSpace {
    /// CIDR prefixes, e.g. `10.0.0.0/14`.
    #[serde(default)]
    pub address_prefixes: Vec<String>,
}

/// DHCP options of a VNet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DhcpOptions {
    /// DNS server addresses.
    #[serde(default)]
    pub dns_servers: Vec<String>,
}

/// A subnet inside a VNet body (the name identifies it there).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkSubnet {
    /// Subnet name.
    pub name: String,
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: SubnetProperties,
}

/// A subnet as a resource of its own (`…/virtualNetworks/{vnet}/subnets/{subnet}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subnet {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// ETag (read-only).
    #[serde(default, skip_serializing)]
    pub etag: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: SubnetProperties,
}

/// Properties of a subnet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubnetProperties {
    /// Single CIDR prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_prefix: Option<String>,
    /// Several CIDR prefixes (instead of `address_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_prefixes: Option<Vec<String>>,
    /// Network security group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_security_group: Option<SubResource>,
    /// Route table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table: Option<SubResource>,
    /// NAT gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway: Option<SubResource>,
    /// Delegations to services (AKS BYO subnets must not be delegated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegations: Option<Vec<Delegation>>,
    /// Whether VMs get default outbound internet access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_outbound_access: Option<bool>,
    /// `Enabled`, `Disabled`, `NetworkSecurityGroupEnabled` or `RouteTableEnabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_endpoint_network_policies: Option<String>,
    /// `Enabled` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_link_service_network_policies: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// NICs attached to the subnet (read-only).
    #[serde(default, skip_serializing)]
    pub ip_configurations: Option<Vec<SubResource>>,
}

/// A subnet delegation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delegation {
    /// Delegation name.
    pub name: String,
    /// Properties.
    #[serde(default)]
    pub properties: DelegationProperties,
}

/// Properties of a delegation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationProperties {
    /// Service name, e.g. `Microsoft.ContainerInstance/containerGroups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
}

/// A VNet peering (`…/virtualNetworks/{vnet}/virtualNetworkPeerings/{name}`). Both directions
/// must exist before either is `Connected`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkPeering {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// ETag (read-only).
    #[serde(default, skip_serializing)]
    pub etag: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: VirtualNetworkPeeringProperties,
}

/// Properties of a VNet peering.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkPeeringProperties {
    /// The VNet on the other side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_virtual_network: Option<SubResource>,
    /// Whether the two address spaces can reach each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_virtual_network_access: Option<bool>,
    /// Whether forwarded traffic from the remote VNet is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_forwarded_traffic: Option<bool>,
    /// Whether the remote VNet may use this VNet's gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_gateway_transit: Option<bool>,
    /// Whether this VNet uses the remote VNet's gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_remote_gateways: Option<bool>,
    /// Skip verifying the remote gateway's provisioning state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub do_not_verify_remote_gateways: Option<bool>,
    /// `false` for subnet peering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_complete_vnets: Option<bool>,
    /// Local subnets (subnet peering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_subnet_names: Option<Vec<String>>,
    /// Remote subnets (subnet peering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_subnet_names: Option<Vec<String>>,
    /// IPv6-only peering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_only_ipv6_peering: Option<bool>,
    /// `Initiated`, `Connected` or `Disconnected` (read-only).
    #[serde(default, skip_serializing)]
    pub peering_state: Option<String>,
    /// `FullyInSync`, `RemoteNotInSync`, … (read-only).
    #[serde(default, skip_serializing)]
    pub peering_sync_level: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// The remote address space as last synced (read-only).
    #[serde(default, skip_serializing)]
    pub remote_address_space: Option<AddressSpace>,
    /// The remote VNet's current address space (read-only).
    #[serde(default, skip_serializing)]
    pub remote_virtual_network_address_space: Option<AddressSpace>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub resource_guid: Option<String>,
}

impl VirtualNetworkPeering {
    /// Connected and fully in sync: the peering is done.
    pub fn is_connected_and_in_sync(&self) -> bool {
        let properties = &self.properties;
        properties
            .peering_state
            .as_deref()
            .is_some_and(|state| state.eq_ignore_ascii_case("Connected"))
            && properties
                .peering_sync_level
                .as_deref()
                .is_none_or(|level| level.eq_ignore_ascii_case("FullyInSync"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::api_versions::NETWORK;
    use crate::azure::ids;
    use crate::azure::models::schema_check::assert_valid_put;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    #[test]
    fn virtual_network_body_matches_schema() {
        let vnet = VirtualNetwork {
            location: Some("westeurope".into()),
            tags: Some(Tags::from([("env".into(), "prod".into())])),
            properties: VirtualNetworkProperties {
                address_space: Some(AddressSpace {
                    address_prefixes: vec!["10.0.0.0/14".into()],
                }),
                subnets: Some(vec![VirtualNetworkSubnet {
                    name: "nodes".into(),
                    properties: SubnetProperties {
                        address_prefix: Some("10.0.0.0/16".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                }]),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = ids::virtual_network_id(SUB, "rg", "vnet-weu");
        assert_valid_put(&format!("{id}?api-version={NETWORK}"), &vnet);
    }

    #[test]
    fn subnet_body_matches_schema() {
        let subnet = Subnet {
            properties: SubnetProperties {
                address_prefix: Some("10.1.0.0/16".into()),
                network_security_group: Some(SubResource::new(format!(
                    "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg"
                ))),
                default_outbound_access: Some(false),
                private_endpoint_network_policies: Some("Disabled".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = ids::subnet_id(SUB, "rg", "vnet-weu", "pods");
        assert_valid_put(&format!("{id}?api-version={NETWORK}"), &subnet);
    }

    #[test]
    fn peering_body_matches_schema_even_after_a_get() {
        // A GET body full of service-reported fields must serialise without them.
        let from_get: VirtualNetworkPeering = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/a/virtualNetworkPeerings/a-b",
            "name": "a-b",
            "etag": "W/\"1\"",
            "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            "properties": {
                "remoteVirtualNetwork": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/b"},
                "allowVirtualNetworkAccess": true,
                "allowForwardedTraffic": true,
                "allowGatewayTransit": false,
                "useRemoteGateways": false,
                "peeringState": "Connected",
                "peeringSyncLevel": "FullyInSync",
                "provisioningState": "Succeeded",
                "remoteAddressSpace": {"addressPrefixes": ["10.4.0.0/14"]},
                "remoteVirtualNetworkAddressSpace": {"addressPrefixes": ["10.4.0.0/14"]},
                "remoteBgpCommunities": {"virtualNetworkCommunity": "12076:20000"},
                "resourceGuid": "guid"
            }
        }))
        .unwrap();
        assert!(from_get.is_connected_and_in_sync());
        let id = ids::virtual_network_peering_id(SUB, "rg", "a", "a-b");
        assert_valid_put(
            &format!("{id}?api-version={NETWORK}&syncRemoteAddressSpace=true"),
            &from_get,
        );
        let sent = serde_json::to_value(&from_get).unwrap();
        assert!(sent["properties"].get("peeringState").is_none());
        assert!(sent.get("id").is_none());
    }

    #[test]
    fn vnet_from_get_keeps_peerings_out_of_the_body() {
        let vnet: VirtualNetwork = serde_json::from_value(serde_json::json!({
            "name": "a",
            "location": "westeurope",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/14"]},
                "provisioningState": "Succeeded",
                "resourceGuid": "guid",
                "virtualNetworkPeerings": [{"name": "a-b", "properties": {"peeringState": "Initiated"}}],
                "subnets": [{"name": "nodes", "id": "x", "properties": {"addressPrefix": "10.0.0.0/16", "provisioningState": "Succeeded", "ipConfigurations": [{"id": "nic"}]}}]
            }
        }))
        .unwrap();
        assert_eq!(
            vnet.properties
                .virtual_network_peerings
                .as_ref()
                .map(Vec::len),
            Some(1)
        );
        let id = ids::virtual_network_id(SUB, "rg", "a");
        assert_valid_put(&format!("{id}?api-version={NETWORK}"), &vnet);
        let sent = serde_json::to_value(&vnet).unwrap();
        assert!(sent["properties"].get("virtualNetworkPeerings").is_none());
    }
}
