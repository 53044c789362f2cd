//! The RegionalNetwork's inputs and outputs, and the Azure names derived from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const NODE_SUBNET_NAME: &str = "nodes";
pub const POD_SUBNET_NAME: &str = "pods";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionalNetworkInputs {
    pub location: String,
    /// Prefix of the Azure names; defaults to the resource's name in the program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("x-resolved" = true))]
    pub name_prefix: String,
    pub vnet_cidr: String,
    pub node_subnet_cidr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_subnet_cidr: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// What refresh found wrong in Azure that no input shows (a VNet or subnet whose last write
    /// Failed); the next `up` writes it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band_changes: Vec<String>,
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
