//! The closed vocabularies of aksmesh's inputs, each an enum defined once.
//!
//! Every resource, component and function takes these types, so a value is checked and spelled one
//! way everywhere. Values are read case-insensitively (`Overlay`, `OVERLAY`) and written in their
//! canonical spelling, which is what earlier versions stored in state. An unknown value fails to
//! deserialise with a message naming the allowed values; the provider's adapter puts the property
//! path in (see [`PROPERTY_PLACEHOLDER`]) and reports it as a CheckFailure at that path.

use std::fmt;

/// Stands for the property path in a vocabulary's error message; the adapter that knows the path
/// replaces it (`'x' is not a valid podNetworking; use one of …`).
pub const PROPERTY_PLACEHOLDER: &str = "{property}";

/// A closed set of values with one canonical spelling each.
pub trait Vocabulary: Copy + Eq + Sized + 'static {
    /// Every value, in the order the schema lists them.
    const ALL: &'static [Self];

    /// The canonical spelling.
    fn as_str(self) -> &'static str;

    /// The value spelled `text`, ignoring case and surrounding blanks.
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.as_str().eq_ignore_ascii_case(text))
    }

    /// The value a JSON input holds, if it is one of ours (diffs compare raw JSON).
    fn from_json(value: Option<&serde_json::Value>) -> Option<Self> {
        value
            .and_then(serde_json::Value::as_str)
            .and_then(Self::parse)
    }

    /// "overlay, flat, byoCni": for messages.
    fn listing() -> String {
        Self::ALL
            .iter()
            .map(|value| value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The message for a value that is none of ours, with the property left for the caller.
    fn refusal(text: &str) -> String {
        format!(
            "'{text}' is not a valid {PROPERTY_PLACEHOLDER}; use one of {}",
            Self::listing()
        )
    }
}

/// Declares a vocabulary enum: canonical spellings, case-insensitive serde, Display.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl Vocabulary for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];

            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "enum": [$($text),+]})
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                <$name as Vocabulary>::parse(&text)
                    .ok_or_else(|| serde::de::Error::custom(<$name as Vocabulary>::refusal(&text)))
            }
        }
    };
}

vocabulary! {
    /// How pods get IP addresses.
    #[derive(Default)]
    PodNetworking {
        /// Azure CNI Overlay: pod IPs come from a private pod CIDR that the VNet fabric cannot route.
        #[default]
        Overlay = "overlay",
        /// Azure CNI with a pod subnet: pod IPs are VNet IPs.
        Flat = "flat",
        /// Bring your own CNI (`networkPlugin: none`): pod IPs come from the CNI's own (non-VNet) pool.
        ByoCni = "byoCni",
    }
}

vocabulary! {
    /// The dataplane of Azure CNI (`networkDataplane`).
    NetworkDataplane {
        Cilium = "cilium",
        Azure = "azure",
    }
}

vocabulary! {
    /// The network policy engine (`networkPolicy`).
    NetworkPolicy {
        Cilium = "cilium",
        Azure = "azure",
        Calico = "calico",
        None = "none",
    }
}

impl NetworkPolicy {
    /// What AKS pairs with a dataplane when no policy is given.
    pub fn default_for(dataplane: NetworkDataplane) -> Self {
        match dataplane {
            NetworkDataplane::Cilium => NetworkPolicy::Cilium,
            NetworkDataplane::Azure => NetworkPolicy::None,
        }
    }
}

vocabulary! {
    /// The AKS pricing tier (`sku.tier`).
    SkuTier {
        Free = "Free",
        Standard = "Standard",
        Premium = "Premium",
    }
}

vocabulary! {
    /// The Linux OS image of a node pool (`osSKU`; the Windows images are not offered: system
    /// pools must run Linux, and aksmesh's pools share the node subnet's Linux defaults).
    OsSku {
        AzureLinux = "AzureLinux",
        AzureLinux3 = "AzureLinux3",
        Ubuntu = "Ubuntu",
        Ubuntu2204 = "Ubuntu2204",
        Ubuntu2404 = "Ubuntu2404",
    }
}

vocabulary! {
    /// Where a node's OS disk lives (`osDiskType`).
    OsDiskType {
        /// On the VM's cache or temporary disk: faster, and AKS's default where it fits.
        Ephemeral = "Ephemeral",
        /// An Azure managed disk.
        Managed = "Managed",
    }
}

vocabulary! {
    /// How the cluster autoscaler picks the pool to grow.
    Expander {
        LeastWaste = "least-waste",
        MostPods = "most-pods",
        Priority = "priority",
        Random = "random",
    }
}

vocabulary! {
    /// Which defaults a new cluster's pools and tier get.
    ClusterProfile {
        /// A system pool of 2 nodes over the region's zones, Free tier, no user pool.
        Basic = "basic",
        /// What a security review accepts: a system pool of 3 zonal nodes tainted
        /// `CriticalAddonsOnly`, one autoscaled user pool, Standard tier.
        Production = "production",
    }
}

vocabulary! {
    /// Whether (and how) a Cilium Cluster Mesh joins the clusters, as the connectivity model sees it.
    #[derive(Default)]
    MeshMode {
        /// No mesh: every cluster is on its own.
        #[default]
        None = "none",
        /// Azure Kubernetes Fleet Manager cluster mesh: Cilium Cluster Mesh run by AKS (ACNS), flat networking only.
        Fleet = "fleet",
        /// Upstream Cilium Cluster Mesh installed by you on BYO CNI clusters, in tunnel (VXLAN) mode.
        SelfManaged = "selfManaged",
    }
}

impl MeshMode {
    pub fn is_mesh(self) -> bool {
        self != MeshMode::None
    }
}

vocabulary! {
    /// How AKS upgrades the cluster's Kubernetes version by itself (`autoUpgradeProfile.upgradeChannel`,
    /// spelled as ARM spells it). Azure's default is `none`.
    #[derive(Default)]
    UpgradeChannel {
        /// The latest patch of the latest minor version.
        Rapid = "rapid",
        /// The latest patch of the minor version before the latest.
        Stable = "stable",
        /// The latest patch of the cluster's own minor version.
        Patch = "patch",
        /// Only the node image (prefer `nodeOsUpgradeChannel`).
        NodeImage = "node-image",
        #[default]
        None = "none",
    }
}

vocabulary! {
    /// How the nodes' operating system is kept patched (`autoUpgradeProfile.nodeOSUpgradeChannel`,
    /// spelled as ARM spells it). Azure's default is `NodeImage`.
    #[derive(Default)]
    NodeOsUpgradeChannel {
        None = "None",
        Unmanaged = "Unmanaged",
        #[default]
        NodeImage = "NodeImage",
        SecurityPatch = "SecurityPatch",
    }
}

vocabulary! {
    /// How a `CiliumMesh` is run.
    CiliumMeshMode {
        /// Azure Kubernetes Fleet Manager's managed cluster mesh.
        Fleet = "fleet",
        /// Cilium installed with Helm by the user on BYO CNI clusters.
        SelfManaged = "selfManaged",
    }
}

impl From<CiliumMeshMode> for MeshMode {
    fn from(mode: CiliumMeshMode) -> Self {
        match mode {
            CiliumMeshMode::Fleet => MeshMode::Fleet,
            CiliumMeshMode::SelfManaged => MeshMode::SelfManaged,
        }
    }
}

vocabulary! {
    /// The Front Door profile SKU.
    FrontDoorSku {
        Standard = "Standard_AzureFrontDoor",
        Premium = "Premium_AzureFrontDoor",
    }
}

vocabulary! {
    /// The Front Door tier a cost estimate prices.
    FrontDoorTier {
        Standard = "Standard",
        Premium = "Premium",
    }
}

vocabulary! {
    /// The protocol of Front Door's health probes.
    ProbeProtocol {
        Http = "Http",
        Https = "Https",
    }
}

vocabulary! {
    /// The protocol Front Door uses towards origins.
    ForwardingProtocol {
        HttpOnly = "HttpOnly",
        HttpsOnly = "HttpsOnly",
        MatchRequest = "MatchRequest",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_json::from_value(serde_json::json!(text)).map_err(|error| error.to_string())
    }

    #[test]
    fn values_are_read_case_insensitively_and_written_canonically() {
        let cases: &[(&str, &str)] = &[
            ("OVERLAY", "overlay"),
            (" byocni ", "byoCni"),
            ("standard", "Standard"),
            ("premium_azurefrontdoor", "Premium_AzureFrontDoor"),
            ("SELFMANAGED", "selfManaged"),
        ];
        for (given, canonical) in cases {
            let written = [
                read::<PodNetworking>(given).map(|v| v.as_str()),
                read::<SkuTier>(given).map(|v| v.as_str()),
                read::<FrontDoorSku>(given).map(|v| v.as_str()),
                read::<CiliumMeshMode>(given).map(|v| v.as_str()),
            ];
            assert!(
                written.iter().any(|w| w.as_deref() == Ok(*canonical)),
                "{given} → {written:?}"
            );
        }
    }

    #[test]
    fn unknown_values_name_every_allowed_value() {
        let cases = [
            (
                read::<PodNetworking>("kubenet").unwrap_err(),
                "'kubenet' is not a valid {property}; use one of overlay, flat, byoCni",
            ),
            (
                read::<NetworkPolicy>("weave").unwrap_err(),
                "'weave' is not a valid {property}; use one of cilium, azure, calico, none",
            ),
            (
                read::<ForwardingProtocol>("ftp").unwrap_err(),
                "'ftp' is not a valid {property}; use one of HttpOnly, HttpsOnly, MatchRequest",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error, expected);
        }
    }

    #[test]
    fn serialisation_round_trips_every_value() {
        fn all<T: Vocabulary + serde::Serialize + serde::de::DeserializeOwned + fmt::Debug>() {
            for value in T::ALL {
                let json = serde_json::to_value(value).unwrap();
                assert_eq!(json, value.as_str());
                assert_eq!(serde_json::from_value::<T>(json).unwrap(), *value);
            }
        }
        all::<PodNetworking>();
        all::<NetworkDataplane>();
        all::<NetworkPolicy>();
        all::<SkuTier>();
        all::<MeshMode>();
        all::<CiliumMeshMode>();
        all::<FrontDoorSku>();
        all::<FrontDoorTier>();
        all::<ProbeProtocol>();
        all::<ForwardingProtocol>();
    }
}
