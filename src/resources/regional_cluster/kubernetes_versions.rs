//! Which Kubernetes versions AKS creates clusters on: offline from a dated list (Check), and from
//! the region's own `kubernetesVersions` before a cluster is created or upgraded.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::azure::models::managed_cluster::KubernetesVersionList;
use crate::azure::{ArmClient, ResourceId};
use crate::resource::{OperationContext, ResourceError};
use crate::resources::common::{azure_failure, read_options};

/// The dated list, `kubernetes_versions.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KnownVersions {
    as_of: String,
    oldest_for_new_clusters: String,
    newest_known: String,
}

static KNOWN: LazyLock<KnownVersions> = LazyLock::new(|| {
    serde_json::from_str(include_str!("kubernetes_versions.json"))
        .expect("kubernetes_versions.json is valid (a unit test reads it)")
});

/// `1.34` or `1.34.2` → (1, 34).
fn minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Why Check refuses `version` without asking Azure: it is older than anything AKS still creates.
/// Versions newer than the list knows pass; the region is asked at create.
pub(crate) fn offline_refusal(version: &str) -> Option<String> {
    let requested = minor(version)?;
    let oldest = minor(&KNOWN.oldest_for_new_clusters)?;
    (requested < oldest).then(|| {
        format!(
            "Kubernetes {version} is no longer offered for new AKS clusters: the oldest AKS creates is {} (aksmesh's list of {}, which knows up to {}); use {} or later, or leave kubernetesVersion unset for AKS's default. `az aks get-versions -l <location>` lists what a region offers",
            KNOWN.oldest_for_new_clusters, KNOWN.as_of, KNOWN.newest_known, KNOWN.oldest_for_new_clusters
        )
    })
}

/// Asks the region whether it offers `version` before anything is written, so a version the dated
/// list cannot judge fails with the region's own list instead of a half-made cluster.
pub(super) async fn confirm_offered<S>(
    azure: &ArmClient,
    context: &OperationContext,
    location: &str,
    version: &str,
) -> Result<(), ResourceError<S>> {
    let parent = ResourceId::parse(&format!(
        "/subscriptions/{}/providers/Microsoft.ContainerService/locations/{location}",
        azure.subscription_id()
    ))?;
    let offered: KubernetesVersionList = azure
        .get_listing(&parent, "kubernetesVersions", &read_options(context))
        .await
        .map_err(|error| azure_failure(error, None))?;
    if offered.offers(version) {
        return Ok(());
    }
    Err(ResourceError::invalid(format!(
        "AKS does not offer Kubernetes {version} in {location}; it offers {}. Set kubernetesVersion to one of them (a minor version such as {} takes its latest patch), or leave it unset for AKS's default",
        offered.offered().join(", "),
        offered.offered().last().copied().unwrap_or("1.34"),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dated_list_reads_and_names_a_range() {
        let oldest = minor(&KNOWN.oldest_for_new_clusters).expect("oldest is major.minor");
        let newest = minor(&KNOWN.newest_known).expect("newest is major.minor");
        assert!(oldest <= newest);
        assert!(time::Date::parse(
            &KNOWN.as_of,
            &time::format_description::well_known::Iso8601::DATE
        )
        .is_ok());
    }

    #[test]
    fn versions_older_than_the_list_are_refused_offline() {
        for (version, refused) in [
            ("1.20", true),
            ("1.20.15", true),
            ("1.31.9", true),
            ("1.32", false),
            ("1.34.2", false),
            // Newer than the list knows: the region decides at create.
            ("1.40", false),
            ("2.0", false),
        ] {
            assert_eq!(offline_refusal(version).is_some(), refused, "{version}");
        }
        let message = offline_refusal("1.20").unwrap();
        assert!(
            message.contains("the oldest AKS creates is 1.32"),
            "{message}"
        );
        assert!(message.contains("az aks get-versions"), "{message}");
    }

    #[test]
    fn the_region_list_offers_minor_aliases_and_listed_patches() {
        let list: KubernetesVersionList = serde_json::from_value(serde_json::json!({
            "values": [
                {"version": "1.33", "patchVersions": {"1.33.3": {"upgrades": []}}},
                {"version": "1.34", "isDefault": true, "patchVersions": {"1.34.2": {"upgrades": []}}}
            ]
        }))
        .unwrap();
        for (version, offered) in [
            ("1.34", true),
            ("1.33.3", true),
            ("1.33.4", false),
            ("1.35", false),
            ("1.3", false),
        ] {
            assert_eq!(list.offers(version), offered, "{version}");
        }
    }
}
