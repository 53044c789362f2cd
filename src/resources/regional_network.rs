//! `aksmesh:index:RegionalNetwork`: one region's resource group, VNet, node subnet and (for flat pod
//! networking) pod subnet.
//!
//! Subnets are managed as child resources so a VNet PUT never drops them or the VNet's peerings.
//! Names are deterministic, so a create re-run after a crash adopts what exists (PUT is idempotent).

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::common::{azure_failure, managed_tags, operation_options, user_tags, Validator};
use crate::azure::ids::{resource_group_id, subnet_id, virtual_network_id};
use crate::azure::models::network::{
    AddressSpace, Subnet, SubnetProperties, VirtualNetwork, VirtualNetworkProperties,
};
use crate::azure::models::resource_group::ResourceGroup;
use crate::azure::{api_versions, ArmClient, AzureError, ResourceId};
use crate::net;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, ReadResult, Resource,
    ResourceError,
};

pub const NODE_SUBNET_NAME: &str = "nodes";
pub const POD_SUBNET_NAME: &str = "pods";

pub struct RegionalNetwork;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionalNetworkInputs {
    pub location: String,
    /// Prefix of the Azure names; defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    pub vnet_cidr: String,
    pub node_subnet_cidr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_subnet_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionalNetworkState {
    #[serde(flatten)]
    pub inputs: RegionalNetworkInputs,
    pub resource_group_name: String,
    pub resource_group_id: String,
    pub vnet_name: String,
    pub vnet_id: String,
    pub node_subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_subnet_id: Option<String>,
}

/// The Azure names a network gets, derived from its prefix and region.
pub struct Names {
    pub resource_group: String,
    pub vnet: String,
}

impl RegionalNetworkInputs {
    pub fn names(&self) -> Names {
        Names {
            resource_group: format!("rg-{}-{}", self.name_prefix, self.location),
            vnet: format!("vnet-{}-{}", self.name_prefix, self.location),
        }
    }
}

/// A name prefix derived from the program's resource name: lower case, letters, digits and dashes.
pub fn default_name_prefix(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('-');
    let prefix: String = trimmed.chars().take(24).collect();
    if prefix.is_empty() {
        "aksmesh".into()
    } else {
        prefix.trim_end_matches('-').to_string()
    }
}

fn name_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

#[async_trait]
impl Resource for RegionalNetwork {
    const TOKEN: &'static str = "aksmesh:index:RegionalNetwork";
    /// Names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = RegionalNetworkInputs;
    type State = RegionalNetworkState;

    fn check(
        &self,
        inputs: &mut RegionalNetworkInputs,
        _olds: Option<&RegionalNetworkInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        let mut v = Validator::new(context);
        let region_ok = v.region("location", &mut inputs.location);
        if inputs.name_prefix.is_empty() && !v.is_unknown("namePrefix") {
            inputs.name_prefix = default_name_prefix(context.name);
        }
        v.name(
            "namePrefix",
            &inputs.name_prefix,
            40,
            "letters, digits, '-', '_' and '.'",
            name_character,
        );
        if region_ok && !v.is_unknown("namePrefix") {
            // Overlay clusters turn VNet and resource group names into node labels: at most 63 characters.
            let names = inputs.names();
            for (what, name) in [
                ("resource group", &names.resource_group),
                ("VNet", &names.vnet),
            ] {
                if name.len() > 63 {
                    v.fail("namePrefix", format!("the {what} name '{name}' would be {} characters; AKS allows 63, so shorten namePrefix", name.len()));
                }
            }
        }
        let vnet = if v.required(
            "vnetCidr",
            &inputs.vnet_cidr,
            "give the VNet range, for example 10.0.0.0/14 (planAddressSpace plans one)",
        ) {
            v.cidr("vnetCidr", &inputs.vnet_cidr)
        } else {
            None
        };
        let nodes = if v.required(
            "nodeSubnetCidr",
            &inputs.node_subnet_cidr,
            "give the node subnet, for example 10.0.0.0/16 inside vnetCidr",
        ) {
            v.cidr("nodeSubnetCidr", &inputs.node_subnet_cidr)
        } else {
            None
        };
        let pods = inputs
            .pod_subnet_cidr
            .as_deref()
            .and_then(|text| v.cidr("podSubnetCidr", text));
        if let Some(vnet) = vnet {
            for (path, subnet) in [("nodeSubnetCidr", nodes), ("podSubnetCidr", pods)] {
                if let Some(subnet) = subnet {
                    if !net::contains(vnet, subnet) {
                        v.fail(path, format!("{subnet} is not inside the VNet range {vnet}; pick a subnet within it or widen vnetCidr"));
                    } else if subnet.prefix_len() > 29 {
                        v.fail(
                            path,
                            format!("{subnet} is smaller than /29, the smallest Azure subnet"),
                        );
                    }
                }
            }
        }
        if let (Some(nodes), Some(pods)) = (nodes, pods) {
            if net::overlaps(nodes, pods) {
                v.fail("podSubnetCidr", format!("the pod subnet {pods} overlaps the node subnet {nodes}; give them separate ranges"));
            }
        }
        v.tags("tags", &inputs.tags);
        v.failures
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        match change.path {
            "location" | "namePrefix" | "nodeSubnetCidr" => ChangeEffect::Replace,
            // Adding or removing the pod subnet happens in place; moving it would strand its pods.
            "podSubnetCidr" if change.old.is_some() && change.new.is_some() => {
                ChangeEffect::Replace
            }
            "vnetCidr" => {
                let expanded = match (
                    change.old.and_then(|v| v.as_str()),
                    change.new.and_then(|v| v.as_str()),
                ) {
                    (Some(old), Some(new)) => match (net::parse_cidr(old), net::parse_cidr(new)) {
                        (Ok(old), Ok(new)) => net::contains(new, old),
                        _ => false,
                    },
                    _ => false,
                };
                if expanded {
                    ChangeEffect::Update
                } else {
                    ChangeEffect::Replace
                }
            }
            _ => ChangeEffect::Update,
        }
    }

    fn preview(
        &self,
        inputs: &RegionalNetworkInputs,
        unknowns: &crate::property::Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut known = serde_json::Map::new();
        if unknowns.is_unknown("location")
            || unknowns.is_unknown("namePrefix")
            || inputs.name_prefix.is_empty()
        {
            return known;
        }
        let names = inputs.names();
        known.insert("resourceGroupName".into(), names.resource_group.into());
        known.insert("vnetName".into(), names.vnet.into());
        known
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: RegionalNetworkInputs,
    ) -> Result<(String, RegionalNetworkState), ResourceError<RegionalNetworkState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&RegionalNetworkInputs, &RegionalNetworkState)>,
    ) -> Result<
        Option<ReadResult<RegionalNetworkInputs, RegionalNetworkState>>,
        ResourceError<RegionalNetworkState>,
    > {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        let vnet_id = ResourceId::parse(id)
            .map_err(|e| ResourceError::Failed(format!("'{id}' is not a VNet resource id: {e}")))?;
        let Some(vnet) = azure
            .get::<VirtualNetwork>(vnet_id.as_str(), api_versions::NETWORK)
            .await?
        else {
            return Ok(None);
        };
        let resource_group = vnet_id.resource_group().unwrap_or_default().to_string();
        let location = vnet.location.clone().unwrap_or_default();
        let subnet_prefix = |name: &str| {
            vnet.properties
                .subnets
                .iter()
                .flatten()
                .find(|s| s.name.eq_ignore_ascii_case(name))
                .and_then(|s| {
                    s.properties.address_prefix.clone().or_else(|| {
                        s.properties
                            .address_prefixes
                            .as_ref()
                            .and_then(|p| p.first().cloned())
                    })
                })
        };
        let name_prefix = match old {
            Some((inputs, _)) => inputs.name_prefix.clone(),
            // Import: recover the prefix from the deterministic VNet name.
            None => vnet_id
                .name()
                .strip_prefix("vnet-")
                .and_then(|rest| rest.strip_suffix(&format!("-{location}")))
                .unwrap_or(vnet_id.name())
                .to_string(),
        };
        let inputs = RegionalNetworkInputs {
            location,
            name_prefix,
            vnet_cidr: vnet
                .properties
                .address_space
                .as_ref()
                .and_then(|a| a.address_prefixes.first().cloned())
                .unwrap_or_default(),
            node_subnet_cidr: subnet_prefix(NODE_SUBNET_NAME).unwrap_or_default(),
            pod_subnet_cidr: subnet_prefix(POD_SUBNET_NAME),
            tags: user_tags(vnet.tags.as_ref()),
        };
        let subscription = azure.subscription_id();
        let state = RegionalNetworkState {
            resource_group_id: resource_group_id(subscription, &resource_group).to_string(),
            resource_group_name: resource_group,
            vnet_name: vnet_id.name().to_string(),
            vnet_id: vnet.id.clone().unwrap_or_else(|| vnet_id.to_string()),
            node_subnet_id: vnet_id.child("subnets", NODE_SUBNET_NAME).to_string(),
            pod_subnet_id: inputs
                .pod_subnet_cidr
                .as_ref()
                .map(|_| vnet_id.child("subnets", POD_SUBNET_NAME).to_string()),
            inputs: inputs.clone(),
        };
        Ok(Some(ReadResult {
            id: state.vnet_id.clone(),
            inputs,
            state,
        }))
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&RegionalNetworkInputs, &RegionalNetworkState),
        news: RegionalNetworkInputs,
    ) -> Result<RegionalNetworkState, ResourceError<RegionalNetworkState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply(azure, context, &news, Some(old.1))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        _id: &str,
        state: &RegionalNetworkState,
    ) -> Result<(), ResourceError<RegionalNetworkState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        // The resource group holds only what aksmesh put there for this region; deleting it removes
        // the VNet and subnets in one operation.
        let options = operation_options(
            context,
            format!("deleting resource group {}", state.resource_group_name),
        );
        azure
            .delete(
                &state.resource_group_id,
                api_versions::RESOURCE_GROUPS,
                &options,
            )
            .await
            .map_err(|e| ResourceError::Failed(e.to_string()))
    }
}

/// Creates or converges the network: resource group, VNet, subnets. Every step is an idempotent PUT,
/// so running it again after a failure resumes where the last run stopped.
async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &RegionalNetworkInputs,
    previous: Option<&RegionalNetworkState>,
) -> Result<(String, RegionalNetworkState), ResourceError<RegionalNetworkState>> {
    let subscription = azure.subscription_id().to_string();
    let names = inputs.names();
    let group_id = resource_group_id(&subscription, &names.resource_group).to_string();
    let vnet_id = virtual_network_id(&subscription, &names.resource_group, &names.vnet).to_string();
    let node_subnet = subnet_id(
        &subscription,
        &names.resource_group,
        &names.vnet,
        NODE_SUBNET_NAME,
    )
    .to_string();
    let pod_subnet = inputs.pod_subnet_cidr.as_ref().map(|_| {
        subnet_id(
            &subscription,
            &names.resource_group,
            &names.vnet,
            POD_SUBNET_NAME,
        )
        .to_string()
    });
    let state = RegionalNetworkState {
        inputs: inputs.clone(),
        resource_group_name: names.resource_group.clone(),
        resource_group_id: group_id.clone(),
        vnet_name: names.vnet.clone(),
        vnet_id: vnet_id.clone(),
        node_subnet_id: node_subnet.clone(),
        pod_subnet_id: pod_subnet.clone(),
    };
    // Once the resource group exists, a failure leaves something behind: report it as partial so the
    // engine keeps the id and the next `up` resumes.
    let partial = |error: AzureError, created: bool| {
        azure_failure(
            error,
            created.then(|| {
                (
                    vnet_id.clone(),
                    previous.cloned().unwrap_or_else(|| state.clone()),
                )
            }),
        )
    };
    let tags = managed_tags(&inputs.tags);
    let location = &inputs.location;

    let group = ResourceGroup {
        location: location.clone(),
        tags: Some(tags.clone()),
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!(
            "creating resource group {} in {location}",
            names.resource_group
        ),
    );
    azure
        .put::<_, ResourceGroup>(&group_id, api_versions::RESOURCE_GROUPS, &group, &options)
        .await
        .map_err(|e| partial(e, previous.is_some()))?;

    let vnet = VirtualNetwork {
        location: Some(location.clone()),
        tags: Some(tags),
        properties: VirtualNetworkProperties {
            address_space: Some(AddressSpace {
                address_prefixes: vec![inputs.vnet_cidr.clone()],
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let options = operation_options(
        context,
        format!("creating VNet {} in {location}", names.vnet),
    );
    azure
        .put::<_, VirtualNetwork>(&vnet_id, api_versions::NETWORK, &vnet, &options)
        .await
        .map_err(|e| partial(e, true))?;

    let mut subnets = vec![(
        NODE_SUBNET_NAME,
        &node_subnet,
        inputs.node_subnet_cidr.clone(),
    )];
    if let (Some(id), Some(cidr)) = (&pod_subnet, &inputs.pod_subnet_cidr) {
        subnets.push((POD_SUBNET_NAME, id, cidr.clone()));
    }
    for (name, id, cidr) in subnets {
        let subnet = Subnet {
            properties: SubnetProperties {
                address_prefix: Some(cidr),
                ..Default::default()
            },
            ..Default::default()
        };
        let options =
            operation_options(context, format!("creating subnet {name} in {}", names.vnet));
        azure
            .put::<_, Subnet>(id, api_versions::NETWORK, &subnet, &options)
            .await
            .map_err(|e| partial(e, true))?;
    }
    // A pod subnet the inputs no longer name is removed (Azure refuses while pods still use it).
    if pod_subnet.is_none() {
        if let Some(old_pod_subnet) = previous.and_then(|p| p.pod_subnet_id.as_ref()) {
            let options = operation_options(
                context,
                format!("deleting subnet {POD_SUBNET_NAME} in {}", names.vnet),
            );
            azure
                .delete(old_pod_subnet, api_versions::NETWORK, &options)
                .await
                .map_err(|e| partial(e, true))?;
        }
    }
    Ok((vnet_id, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::Annotations;

    fn check(inputs: &mut RegionalNetworkInputs) -> Vec<CheckFailure> {
        let unknowns = Annotations::default();
        RegionalNetwork.check(
            inputs,
            None,
            &CheckContext {
                unknowns: &unknowns,
                name: "Platform EUS",
            },
        )
    }

    fn valid() -> RegionalNetworkInputs {
        RegionalNetworkInputs {
            location: "East US".into(),
            vnet_cidr: "10.0.0.0/14".into(),
            node_subnet_cidr: "10.0.0.0/16".into(),
            ..Default::default()
        }
    }

    #[test]
    fn check_normalises_location_and_derives_names() {
        let mut inputs = valid();
        assert!(check(&mut inputs).is_empty());
        assert_eq!(inputs.location, "eastus");
        assert_eq!(inputs.name_prefix, "platform-eus");
        assert_eq!(inputs.names().vnet, "vnet-platform-eus-eastus");
    }

    #[test]
    fn vnet_expansion_updates_in_place_other_changes_replace() {
        let change = |path: &'static str, old: serde_json::Value, new: serde_json::Value| {
            let old = Box::leak(Box::new(old));
            let new = Box::leak(Box::new(new));
            RegionalNetwork.change_effect(&Change {
                path,
                old: Some(old),
                new: Some(new),
                new_is_unknown: false,
            })
        };
        assert_eq!(
            change("vnetCidr", "10.0.0.0/14".into(), "10.0.0.0/13".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            change("vnetCidr", "10.0.0.0/14".into(), "10.4.0.0/14".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            change("location", "eastus".into(), "westus".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            change("tags.env", "a".into(), "b".into()),
            ChangeEffect::Update
        );
    }
}
