//! `Microsoft.Authorization/roleAssignments` (api-version 2022-04-01), an extension resource on any
//! scope. Name it with [`role_assignment_name`](crate::azure::ids::role_assignment_name) so that
//! re-runs are idempotent.

use serde::{Deserialize, Serialize};

/// A role assignment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Resource id (read-only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name, a GUID (read-only; it is in the URL).
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Properties.
    #[serde(default)]
    pub properties: RoleAssignmentProperties,
}

/// Properties of a role assignment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    /// `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}`.
    pub role_definition_id: String,
    /// Object id of the principal.
    pub principal_id: String,
    /// `User`, `Group`, `ServicePrincipal`, `ForeignGroup` or `Device`. `ServicePrincipal` skips
    /// the directory lookup that fails for just-created identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_type: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ABAC condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// `2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_version: Option<String>,
    /// Scope (read-only).
    #[serde(default, skip_serializing)]
    pub scope: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub created_on: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub updated_on: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub created_by: Option<String>,
    /// Read-only.
    #[serde(default, skip_serializing)]
    pub updated_by: Option<String>,
}

impl RoleAssignment {
    /// An assignment of `role_definition_id` to a service principal (managed identities included).
    pub fn for_service_principal(
        role_definition_id: impl Into<String>,
        principal_id: impl Into<String>,
    ) -> Self {
        RoleAssignment {
            properties: RoleAssignmentProperties {
                role_definition_id: role_definition_id.into(),
                principal_id: principal_id.into(),
                principal_type: Some("ServicePrincipal".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::api_versions::ROLE_ASSIGNMENTS;
    use crate::azure::ids;
    use crate::azure::models::schema_check::assert_valid_put;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    #[test]
    fn request_body_matches_schema() {
        let scope = ids::subnet_id(SUB, "rg", "vnet-weu", "nodes");
        let role = ids::role_definition_id(SUB, ids::NETWORK_CONTRIBUTOR_ROLE);
        let principal = "11111111-2222-3333-4444-555555555555";
        let name = ids::role_assignment_name(scope.as_str(), principal, role.as_str());
        let id = ids::role_assignment_id(&scope, &name.to_string());
        let mut assignment = RoleAssignment::for_service_principal(role.to_string(), principal);
        assignment.properties.description =
            Some("aksmesh: cluster identity joins the subnet".into());
        assert_valid_put(&format!("{id}?api-version={ROLE_ASSIGNMENTS}"), &assignment);

        // A GET body echoes back without its read-only fields.
        let from_get: RoleAssignment = serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "name": name.to_string(), "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": role.to_string(), "principalId": principal,
                "principalType": "ServicePrincipal", "scope": scope.to_string(),
                "createdOn": "2026-01-01T00:00:00Z", "updatedOn": "2026-01-01T00:00:00Z",
                "createdBy": "x", "updatedBy": "x"}
        }))
        .unwrap();
        assert_eq!(from_get.properties.scope.as_deref(), Some(scope.as_str()));
        assert_valid_put(&format!("{id}?api-version={ROLE_ASSIGNMENTS}"), &from_get);
    }
}
