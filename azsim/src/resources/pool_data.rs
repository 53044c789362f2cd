//! Reference data behind AKS's agent-pool rules: regions with availability zones, the local
//! (cache / temp) disk of common VM sizes, and the OS SKUs. Each table names its source and date.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Deserialize)]
struct ZoneRegions {
    regions: Vec<String>,
}

/// Regions with availability zones, from `zone_regions.json` (dated, with its Learn source).
fn zone_regions() -> &'static [String] {
    static REGIONS: OnceLock<Vec<String>> = OnceLock::new();
    REGIONS.get_or_init(|| {
        serde_json::from_str::<ZoneRegions>(include_str!("zone_regions.json"))
            .map(|z| z.regions)
            .unwrap_or_default()
    })
}

pub fn region_has_zones(location: &str) -> bool {
    zone_regions()
        .iter()
        .any(|r| r.eq_ignore_ascii_case(location))
}

/// A VM size as AKS sizes its OS disk: vCPUs, and the local disk an ephemeral OS disk goes on.
pub struct VmSize {
    pub name: &'static str,
    pub vcpus: u32,
    /// Dedicated cache (previous generations), GiB; 0 when the size has none.
    pub cache_gib: u32,
    /// Temporary (resource) disk, GiB; 0 when the size has none.
    pub temp_gib: u32,
}

impl VmSize {
    /// Where AKS places an ephemeral OS disk: the cache when the size has one, else the temp disk
    /// (Learn, AKS "Storage concepts", Ephemeral OS disks: "Previous generation VMs ... have
    /// dedicated cache space in addition to temp disk space. However, the cache disk space is used
    /// when evaluating ephemeral placement instead of temporary storage").
    pub fn ephemeral_capacity_gib(&self) -> u32 {
        if self.cache_gib > 0 {
            self.cache_gib
        } else {
            self.temp_gib
        }
    }
}

/// Common sizes, read 2026-12-01 from the Microsoft Learn VM size pages (MicrosoftDocs/
/// azure-compute-docs, articles/virtual-machines/sizes/…): Dsv3 (temp and "Disk Cache Size"
/// columns), Dsv5 ("no temporary storage"), Ddsv5, Dadsv5, Edsv5, B-series v1 (temp disk), and
/// Standard_DS2_v2's 86 GB cache from Learn AKS "Create node pools" (Ephemeral OS note).
/// Sizes not listed are not checked (azsim is permissive about what it does not know).
pub const VM_SIZES: &[VmSize] = &[
    VmSize {
        name: "Standard_D2s_v3",
        vcpus: 2,
        cache_gib: 50,
        temp_gib: 16,
    },
    VmSize {
        name: "Standard_D4s_v3",
        vcpus: 4,
        cache_gib: 100,
        temp_gib: 32,
    },
    VmSize {
        name: "Standard_D8s_v3",
        vcpus: 8,
        cache_gib: 200,
        temp_gib: 64,
    },
    VmSize {
        name: "Standard_DS2_v2",
        vcpus: 2,
        cache_gib: 86,
        temp_gib: 14,
    },
    VmSize {
        name: "Standard_DS3_v2",
        vcpus: 4,
        cache_gib: 172,
        temp_gib: 28,
    },
    VmSize {
        name: "Standard_D2s_v5",
        vcpus: 2,
        cache_gib: 0,
        temp_gib: 0,
    },
    VmSize {
        name: "Standard_D4s_v5",
        vcpus: 4,
        cache_gib: 0,
        temp_gib: 0,
    },
    VmSize {
        name: "Standard_D8s_v5",
        vcpus: 8,
        cache_gib: 0,
        temp_gib: 0,
    },
    VmSize {
        name: "Standard_D16s_v5",
        vcpus: 16,
        cache_gib: 0,
        temp_gib: 0,
    },
    VmSize {
        name: "Standard_D2ds_v5",
        vcpus: 2,
        cache_gib: 0,
        temp_gib: 75,
    },
    VmSize {
        name: "Standard_D4ds_v5",
        vcpus: 4,
        cache_gib: 0,
        temp_gib: 150,
    },
    VmSize {
        name: "Standard_D8ds_v5",
        vcpus: 8,
        cache_gib: 0,
        temp_gib: 300,
    },
    VmSize {
        name: "Standard_D2ads_v5",
        vcpus: 2,
        cache_gib: 0,
        temp_gib: 75,
    },
    VmSize {
        name: "Standard_D4ads_v5",
        vcpus: 4,
        cache_gib: 0,
        temp_gib: 150,
    },
    VmSize {
        name: "Standard_D8ads_v5",
        vcpus: 8,
        cache_gib: 0,
        temp_gib: 300,
    },
    VmSize {
        name: "Standard_E4ds_v5",
        vcpus: 4,
        cache_gib: 0,
        temp_gib: 150,
    },
    VmSize {
        name: "Standard_B2s",
        vcpus: 2,
        cache_gib: 0,
        temp_gib: 8,
    },
];

pub fn vm_size(name: &str) -> Option<&'static VmSize> {
    VM_SIZES.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// AKS's default Managed OS disk size by vCPU count (Learn, AKS "Storage concepts", Default OS
/// disk sizing, Managed OS disks table).
pub fn default_managed_os_disk_gib(vcpus: u32) -> u32 {
    match vcpus {
        0..=7 => 128,
        8..=15 => 256,
        16..=63 => 512,
        _ => 1024,
    }
}

/// Linux OS SKUs of the 2026-05-01 `OSSKU` enum plus the ones Learn documents beside it
/// ("Upgrade OS versions in AKS", Supported OS versions: AzureLinuxOSGuard, Flatcar).
pub const LINUX_OS_SKUS: &[&str] = &[
    "Ubuntu",
    "Ubuntu2204",
    "Ubuntu2404",
    "AzureLinux",
    "AzureLinux3",
    "AzureLinuxOSGuard",
    "AzureContainerLinux",
    "CBLMariner",
    "Flatcar",
];
pub const WINDOWS_OS_SKUS: &[&str] = &["Windows2019", "Windows2022", "Windows2025"];

/// The canonical spelling of a known OS SKU.
pub fn canonical_os_sku(sku: &str) -> Option<&'static str> {
    LINUX_OS_SKUS
        .iter()
        .chain(WINDOWS_OS_SKUS)
        .find(|s| s.eq_ignore_ascii_case(sku))
        .copied()
}

/// Whether AKS changes a pool's OS SKU in place. Learn "Upgrade OS versions in AKS" (Update OS
/// SKU on an existing node pool): "migrate between any supported Linux os-sku"; Windows2022 and
/// Windows2025 are not supported for node pool update. Learn "Flatcar Container Linux for AKS":
/// no in-place migration to or from Flatcar.
pub fn os_sku_change_in_place(from: &str, to: &str) -> bool {
    let linux = |s: &str| LINUX_OS_SKUS.iter().any(|l| l.eq_ignore_ascii_case(s));
    let flatcar = |s: &str| s.eq_ignore_ascii_case("Flatcar");
    from.eq_ignore_ascii_case(to) || (linux(from) && linux(to) && !flatcar(from) && !flatcar(to))
}

/// The node image AKS reports for an OS SKU at a Kubernetes version. Learn "Upgrade OS versions
/// in AKS": `Ubuntu` is Ubuntu 22.04 up to Kubernetes 1.34 and 24.04 from 1.35; `AzureLinux` is
/// Azure Linux 3.0 from 1.32. Image dates are azsim's.
pub fn node_image_version(os_sku: &str, minor: (u32, u32)) -> String {
    let image = match os_sku {
        "Ubuntu" if minor >= (1, 35) => "AKSUbuntu-2404gen2containerd",
        "Ubuntu2404" => "AKSUbuntu-2404gen2containerd",
        "Ubuntu" | "Ubuntu2204" => "AKSUbuntu-2204gen2containerd",
        "AzureLinux" | "AzureLinux3" => "AKSAzureLinux-V3gen2",
        "AzureLinuxOSGuard" => "AKSAzureLinuxOSGuard-V3gen2",
        "AzureContainerLinux" => "AKSAzureContainerLinux-gen2",
        "CBLMariner" => "AKSCBLMariner-V2gen2",
        "Flatcar" => "AKSFlatcar-gen2",
        "Windows2019" => "AKSWindows-2019-containerd",
        "Windows2025" => "AKSWindows-2025-containerd",
        _ => "AKSWindows-2022-containerd",
    };
    format!("{image}-202611.03.0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_list_loads_and_answers_case_insensitively() {
        assert!(region_has_zones("westeurope"));
        assert!(region_has_zones("WestUS2"));
        assert!(!region_has_zones("westus"));
        assert!(!region_has_zones("northcentralus"));
    }

    #[test]
    fn ephemeral_placement_prefers_the_cache() {
        assert_eq!(
            vm_size("standard_ds2_v2").map(VmSize::ephemeral_capacity_gib),
            Some(86)
        );
        assert_eq!(
            vm_size("Standard_D8ds_v5").map(VmSize::ephemeral_capacity_gib),
            Some(300)
        );
        assert_eq!(
            vm_size("Standard_D4s_v5").map(VmSize::ephemeral_capacity_gib),
            Some(0)
        );
    }

    #[test]
    fn os_sku_migrations() {
        let cases = [
            ("Ubuntu", "AzureLinux", true),
            ("AzureLinux", "Ubuntu2404", true),
            ("Ubuntu", "AzureContainerLinux", true),
            ("Ubuntu", "Flatcar", false),
            ("Flatcar", "Ubuntu", false),
            ("Windows2022", "Windows2025", false),
            ("Ubuntu", "Windows2022", false),
            ("Windows2022", "Windows2022", true),
        ];
        for (from, to, expected) in cases {
            assert_eq!(os_sku_change_in_place(from, to), expected, "{from} -> {to}");
        }
    }
}
