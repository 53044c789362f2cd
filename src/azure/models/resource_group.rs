//! `Microsoft.Resources/resourceGroups` (api-version 2025-04-01).

use serde::{Deserialize, Serialize};

use super::Tags;

/// A resource group. PUT body: `{"location", "tags"}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Azure region, e.g. `westeurope`.
    pub location: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Id of the resource that manages this group (AKS node resource groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// Read-only properties.
    #[serde(default, skip_serializing)]
    pub properties: Option<ResourceGroupProperties>,
}

/// Read-only properties of a resource group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroupProperties {
    /// `Succeeded`, or `Deleting` while the group is being deleted.
    #[serde(default)]
    pub provisioning_state: Option<String>,
}

impl ResourceGroup {
    /// A group in `location` with `tags`.
    pub fn new(location: impl Into<String>, tags: Option<Tags>) -> Self {
        ResourceGroup {
            location: location.into(),
            tags,
            ..Default::default()
        }
    }

    /// The provisioning state reported by Azure.
    pub fn provisioning_state(&self) -> Option<&str> {
        self.properties.as_ref()?.provisioning_state.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::api_versions;
    use crate::azure::models::schema_check::assert_valid_put;

    #[test]
    fn request_body_matches_schema() {
        let mut tags = Tags::new();
        tags.insert("owner".into(), "platform".into());
        let group = ResourceGroup::new("westeurope", Some(tags));
        assert_valid_put(
            &format!(
                "/subscriptions/s/resourcegroups/rg-weu?api-version={}",
                api_versions::RESOURCE_GROUPS
            ),
            &group,
        );
    }

    #[test]
    fn get_body_round_trips_without_read_only_fields() {
        let body = serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg",
            "name": "rg",
            "type": "Microsoft.Resources/resourceGroups",
            "location": "westeurope",
            "properties": {"provisioningState": "Succeeded"}
        });
        let group: ResourceGroup = serde_json::from_value(body).unwrap();
        assert_eq!(group.provisioning_state(), Some("Succeeded"));
        assert_eq!(
            serde_json::to_value(&group).unwrap(),
            serde_json::json!({"location": "westeurope"})
        );
    }
}
