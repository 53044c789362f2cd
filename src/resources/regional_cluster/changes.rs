//! Change rules: which input changes AKS makes in place and which need a new cluster. Absent
//! means the default, so spelling a default out (or dropping it) changes nothing.

use super::types::{
    RegionalClusterInputs, DEFAULT_DNS_SERVICE_IP, DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR,
};
use crate::azure::ids::ids_equal;
use crate::net;
use crate::property::Annotations;
use crate::resource::{Change, ChangeEffect};
use crate::resources::common::same_choice;
use crate::vocabulary::{NetworkDataplane, NetworkPolicy, PodNetworking, Vocabulary};

pub(super) fn change_effect(change: &Change<'_>) -> ChangeEffect {
    match change.path {
        "location" | "namePrefix" | "resourceGroupName" => ChangeEffect::Replace,
        "nodeSubnetId" | "podSubnetId" => replace_unless(
            change,
            match (text(change.old), text(change.new)) {
                (Some(old), Some(new)) => ids_equal(old, new),
                _ => false,
            },
        ),
        "podNetworking" => replace_unless(change, same_choice(change, PodNetworking::Overlay)),
        // Azure → Cilium is AKS's one supported in-place dataplane upgrade.
        "networkDataplane" => replace_unless(
            change,
            same_choice(change, NetworkDataplane::Cilium)
                || NetworkDataplane::from_json(change.new).unwrap_or(NetworkDataplane::Cilium)
                    == NetworkDataplane::Cilium,
        ),
        "networkPolicy" => replace_unless(change, policy_in_place(change)),
        "serviceCidr" => replace_unless(change, same_with_default(change, DEFAULT_SERVICE_CIDR)),
        "dnsServiceIP" => replace_unless(change, same_with_default(change, DEFAULT_DNS_SERVICE_IP)),
        "podCidr" => replace_unless(change, pod_range_kept_or_grown(change)),
        // No pool setting replaces the cluster: what AKS fixes at a pool's creation rotates the
        // pool (`pools`), the rest updates it in place.
        _ => ChangeEffect::Update,
    }
}

/// The rules that depend on another new input: a pod range grows in place only on Azure CNI
/// Overlay (Learn, azure-cni-overlay-pod-expand: "Shrinking or replacing the range isn't
/// supported"); with BYO CNI (or a mode not known yet) any new range needs a new cluster.
pub(super) fn change_effect_given(
    change: &Change<'_>,
    news: &RegionalClusterInputs,
    unknowns: &Annotations,
) -> ChangeEffect {
    let overlay =
        !unknowns.is_unknown("podNetworking") && news.pod_networking() == PodNetworking::Overlay;
    if change.path == "podCidr" && !overlay {
        return replace_unless(change, same_pod_range(change));
    }
    change_effect(change)
}

fn text(value: Option<&serde_json::Value>) -> Option<&str> {
    value.and_then(|v| v.as_str())
}

/// In place when the rule allows it and the new value is known; otherwise a new cluster.
fn replace_unless(change: &Change<'_>, in_place: bool) -> ChangeEffect {
    if in_place && !change.new_is_unknown {
        ChangeEffect::Update
    } else {
        ChangeEffect::Replace
    }
}

fn same_with_default(change: &Change<'_>, default: &str) -> bool {
    text(change.old).unwrap_or(default) == text(change.new).unwrap_or(default)
}

/// A policy change to cilium only passes Check together with the azure → cilium dataplane
/// upgrade, which AKS performs in place; a policy left unset follows the dataplane (none → cilium).
fn policy_in_place(change: &Change<'_>) -> bool {
    NetworkPolicy::from_json(change.new) == Some(NetworkPolicy::Cilium)
        || change.new.is_none()
        || matches!(
            (
                NetworkPolicy::from_json(change.old),
                NetworkPolicy::from_json(change.new)
            ),
            (None, Some(NetworkPolicy::None)) | (Some(NetworkPolicy::None), None)
        )
}

/// AKS can only grow an overlay pod range in place.
fn pod_range_kept_or_grown(change: &Change<'_>) -> bool {
    match pod_ranges(change) {
        Some((old, new)) => old == new || net::is_expansion(old, new),
        None => false,
    }
}

/// The same pod range, spelled out or left to the default.
fn same_pod_range(change: &Change<'_>) -> bool {
    pod_ranges(change).is_some_and(|(old, new)| old == new)
}

fn pod_ranges(change: &Change<'_>) -> Option<(ipnet::Ipv4Net, ipnet::Ipv4Net)> {
    let old = net::parse_cidr(text(change.old).unwrap_or(DEFAULT_POD_CIDR)).ok()?;
    let new = net::parse_cidr(text(change.new).unwrap_or(DEFAULT_POD_CIDR)).ok()?;
    Some((old, new))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{node_subnet, pod_subnet};
    use super::super::RegionalCluster;
    use super::*;
    use crate::resource::Resource;

    fn effect(
        path: &'static str,
        old: Option<serde_json::Value>,
        new: Option<serde_json::Value>,
    ) -> ChangeEffect {
        let old = old.map(|v| &*Box::leak(Box::new(v)));
        let new = new.map(|v| &*Box::leak(Box::new(v)));
        RegionalCluster.change_effect(&Change {
            path,
            old,
            new,
            new_is_unknown: false,
        })
    }

    fn update(path: &'static str, old: serde_json::Value, new: serde_json::Value) -> ChangeEffect {
        effect(path, Some(old), Some(new))
    }

    #[test]
    fn immutable_settings_replace() {
        for path in ["location", "namePrefix", "resourceGroupName"] {
            assert_eq!(
                update(path, "a".into(), "b".into()),
                ChangeEffect::Replace,
                "{path}"
            );
        }
        assert_eq!(
            update("podNetworking", "overlay".into(), "flat".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("podNetworking", None, Some("overlay".into())),
            ChangeEffect::Update
        );
        assert_eq!(
            update("serviceCidr", "10.96.0.0/16".into(), "10.97.0.0/16".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("serviceCidr", None, Some(DEFAULT_SERVICE_CIDR.into())),
            ChangeEffect::Update
        );
        assert_eq!(
            update("dnsServiceIP", "10.96.0.10".into(), "10.96.0.11".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            update("nodeSubnetId", node_subnet().into(), pod_subnet().into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            update(
                "nodeSubnetId",
                node_subnet().into(),
                node_subnet().to_uppercase().into()
            ),
            ChangeEffect::Update,
            "ids compare case-insensitively"
        );
        assert_eq!(
            update("podSubnetId", pod_subnet().into(), node_subnet().into()),
            ChangeEffect::Replace
        );
    }

    /// No pool setting replaces the cluster, not even those AKS fixes at a pool's creation: those
    /// rotate the pool instead (`pools::rotations`).
    #[test]
    fn no_pool_setting_replaces_the_cluster() {
        let rows: [(&str, Option<serde_json::Value>, Option<serde_json::Value>); 9] = [
            (
                "systemPool.vmSize",
                Some("Standard_D4s_v5".into()),
                Some("Standard_D8s_v5".into()),
            ),
            ("systemPool.name", Some("system".into()), Some("sys".into())),
            ("systemPool.maxPods", Some(110.into()), Some(250.into())),
            ("systemPool.zones[0]", Some("1".into()), Some("2".into())),
            ("systemPool.osSku", None, Some("Ubuntu".into())),
            (
                "systemPool",
                None,
                Some(serde_json::json!({"vmSize": "Standard_D8s_v5"})),
            ),
            (
                "userPools.apps.osDiskType",
                Some("Managed".into()),
                Some("Ephemeral".into()),
            ),
            (
                "userPools.apps",
                Some(serde_json::json!({"count": 3})),
                None,
            ),
            (
                "userPools.gpu",
                None,
                Some(serde_json::json!({"vmSize": "Standard_NC6s_v3"})),
            ),
        ];
        for (path, old, new) in rows {
            assert_eq!(effect(path, old, new), ChangeEffect::Update, "{path}");
        }
    }

    #[test]
    fn dataplane_upgrades_in_place_only_from_azure_to_cilium() {
        assert_eq!(
            update("networkDataplane", "azure".into(), "cilium".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            effect("networkDataplane", Some("azure".into()), None),
            ChangeEffect::Update
        );
        assert_eq!(
            update("networkDataplane", "cilium".into(), "azure".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("networkDataplane", None, Some("azure".into())),
            ChangeEffect::Replace
        );
        assert_eq!(
            update("networkPolicy", "azure".into(), "cilium".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("networkPolicy", "azure".into(), "calico".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("networkPolicy", None, Some("calico".into())),
            ChangeEffect::Replace
        );
        assert_eq!(
            effect("networkPolicy", None, Some("none".into())),
            ChangeEffect::Update
        );
    }

    #[test]
    fn pod_range_expansion_updates_other_changes_replace() {
        assert_eq!(
            update("podCidr", "10.244.0.0/16".into(), "10.244.0.0/15".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            effect("podCidr", None, Some("10.244.0.0/15".into())),
            ChangeEffect::Update
        );
        assert_eq!(
            update("podCidr", "10.244.0.0/16".into(), "10.245.0.0/16".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            update("podCidr", "10.244.0.0/15".into(), "10.244.0.0/16".into()),
            ChangeEffect::Replace
        );
        assert_eq!(
            RegionalCluster.change_effect(&Change {
                path: "podCidr",
                old: Some(&"10.244.0.0/16".into()),
                new: Some(&serde_json::Value::Null),
                new_is_unknown: true,
            }),
            ChangeEffect::Replace,
            "an unknown new range may not be an expansion"
        );
    }

    /// The whole new inputs decide: only overlay grows its pod range in place.
    #[test]
    fn pod_range_expansion_updates_only_on_overlay() {
        let expand = Change {
            path: "podCidr",
            old: Some(&*Box::leak(Box::new("10.244.0.0/16".into()))),
            new: Some(&*Box::leak(Box::new("10.244.0.0/15".into()))),
            new_is_unknown: false,
        };
        let spelled_default = Change {
            path: "podCidr",
            old: None,
            new: Some(&*Box::leak(Box::new(DEFAULT_POD_CIDR.into()))),
            new_is_unknown: false,
        };
        let mut unknown_mode = Annotations::default();
        unknown_mode.unknown.insert("podNetworking".into());
        let inputs = |mode: Option<PodNetworking>| RegionalClusterInputs {
            pod_networking: mode,
            ..Default::default()
        };
        let rows = [
            (
                "overlay by default",
                inputs(None),
                Annotations::default(),
                &expand,
                ChangeEffect::Update,
            ),
            (
                "overlay",
                inputs(Some(PodNetworking::Overlay)),
                Annotations::default(),
                &expand,
                ChangeEffect::Update,
            ),
            (
                "BYO CNI",
                inputs(Some(PodNetworking::ByoCni)),
                Annotations::default(),
                &expand,
                ChangeEffect::Replace,
            ),
            (
                "mode not known yet",
                inputs(None),
                unknown_mode,
                &expand,
                ChangeEffect::Replace,
            ),
            (
                "BYO CNI spelling out the default",
                inputs(Some(PodNetworking::ByoCni)),
                Annotations::default(),
                &spelled_default,
                ChangeEffect::Update,
            ),
        ];
        for (case, news, unknowns, change, expected) in rows {
            assert_eq!(
                RegionalCluster.change_effect_given(change, &news, &unknowns),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn in_place_settings_update() {
        assert_eq!(
            update("kubernetesVersion", "1.33".into(), "1.34".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("systemPool.count", 2.into(), 5.into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("skuTier", "Free".into(), "Standard".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("advancedNetworking", false.into(), true.into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("upgradeChannel", "none".into(), "patch".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update(
                "nodeOsUpgradeChannel",
                "NodeImage".into(),
                "SecurityPatch".into()
            ),
            ChangeEffect::Update
        );
        assert_eq!(
            update(
                "authorizedIpRanges[0]",
                "1.2.3.0/24".into(),
                "1.2.4.0/24".into()
            ),
            ChangeEffect::Update
        );
        assert_eq!(
            update("tags.env", "a".into(), "b".into()),
            ChangeEffect::Update
        );
        assert_eq!(
            update("vnetCidr", "10.0.0.0/14".into(), "10.0.0.0/13".into()),
            ChangeEffect::Update
        );
    }
}
