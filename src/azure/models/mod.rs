//! Hand-written serde models of the ARM resources aksmesh manages.
//!
//! One type serves both directions: GET bodies deserialize into it, and serialising it yields a
//! valid PUT body. Read-only fields (`id`, `name`, `type`, `etag`, `provisioningState`, `fqdn`,
//! `principalId`, `peeringState`, …) are `#[serde(skip_serializing)]`, so even a struct read from a
//! GET serialises without them; writable optional fields are skipped when `None`.

pub mod fleet;
pub mod front_door;
pub mod managed_cluster;
pub mod network;
pub mod resource_group;
pub mod role_assignment;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Resource tags.
pub type Tags = BTreeMap<String, String>;

/// A type of ARM resource: its model carries the api-version aksmesh is pinned to (as kube-rs's
/// `Resource` carries its group and version), so no call names a version separately.
pub trait ArmResource {
    /// The pinned api-version of this type's operations (see `shared/azure-specs`).
    const API_VERSION: &'static str;
}

/// Declares the api-version of model types.
macro_rules! api_version {
    ($version:expr => $($model:ty),+ $(,)?) => {
        $(impl ArmResource for $model {
            const API_VERSION: &'static str = $version;
        })+
    };
}

use super::api_versions;

api_version!(api_versions::RESOURCE_GROUPS => resource_group::ResourceGroup);
api_version!(api_versions::NETWORK =>
    network::VirtualNetwork,
    network::Subnet,
    network::VirtualNetworkPeering,
);
api_version!(api_versions::MANAGED_CLUSTERS =>
    managed_cluster::ManagedCluster,
    managed_cluster::AgentPool,
    managed_cluster::KubernetesVersionList,
);
api_version!(api_versions::ROLE_ASSIGNMENTS => role_assignment::RoleAssignment);
api_version!(api_versions::CDN =>
    front_door::FrontDoorProfile,
    front_door::AfdEndpoint,
    front_door::AfdOriginGroup,
    front_door::AfdOrigin,
    front_door::AfdRoute,
);
api_version!(api_versions::FLEET =>
    fleet::Fleet,
    fleet::FleetMember,
    fleet::ClusterMeshProfile,
);

/// A reference to another resource by id (`SubResource` / `ResourceReference`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubResource {
    /// Resource id.
    pub id: String,
}

impl SubResource {
    /// A reference to `id`.
    pub fn new(id: impl Into<String>) -> Self {
        SubResource { id: id.into() }
    }
}

#[cfg(test)]
pub(crate) mod schema_check {
    //! Runs `shared/tools/validate-arm-requests` on a request body: proof that what we send
    //! matches Azure's published schema, strictly (no read-only or unknown properties).

    use std::io::Write;
    use std::process::Command;

    use serde::Serialize;

    fn tool() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join("tools")
            .join("validate-arm-requests")
    }

    /// Panics (this is a test helper) with the tool's report when the body is invalid.
    pub(crate) fn assert_valid_put(path_with_api_version: &str, body: &impl Serialize) {
        assert_valid(
            "PUT",
            path_with_api_version,
            &serde_json::to_value(body).unwrap(),
        );
    }

    pub(crate) fn assert_valid(
        method: &str,
        path_with_api_version: &str,
        body: &serde_json::Value,
    ) {
        let tool = tool();
        assert!(
            tool.exists(),
            "schema validator {} not found: the shared/ folder must sit beside the project",
            tool.display()
        );
        let mut log = tempfile::NamedTempFile::new().unwrap();
        let line =
            serde_json::json!({"method": method, "path": path_with_api_version, "body": body});
        writeln!(log, "{line}").unwrap();
        log.flush().unwrap();
        let output = Command::new("python3")
            .arg(&tool)
            .arg(log.path())
            .output()
            .expect("python3 is needed to run validate-arm-requests");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success(),
            "schema validation failed for {method} {path_with_api_version} (if jsonschema is \
             missing: pip install jsonschema)\nbody: {body:#}\n{report}"
        );
        assert!(report.contains("1 bodies checked, 0 problems"), "{report}");
    }

    #[test]
    fn validator_rejects_read_only_fields() {
        // Guard against a validator that accepts anything: provisioningState must be refused.
        let tool = tool();
        let mut log = tempfile::NamedTempFile::new().unwrap();
        let line = serde_json::json!({
            "method": "PUT",
            "path": "/subscriptions/s/resourceGroups/rg?api-version=2025-04-01",
            "body": {"location": "westeurope", "properties": {"provisioningState": "Succeeded"}}
        });
        writeln!(log, "{line}").unwrap();
        let output = Command::new("python3")
            .arg(&tool)
            .arg(log.path())
            .output()
            .unwrap();
        assert!(!output.status.success());
    }
}
