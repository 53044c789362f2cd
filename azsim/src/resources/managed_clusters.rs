//! `Microsoft.ContainerService/managedClusters` and `…/agentPools` (2026-05-01), validated
//! the way AKS validates: network-profile combinations, CIDR overlaps with the referenced
//! VNet, DNS service IP, immutable fields, and the read-only fields AKS returns.
//!
//! Agent pools follow AKS's rules as Microsoft documents them (each rule cites its source; rules
//! without one say "inferred"): a cluster update writes only the pools its inline list names,
//! system pools, zones per region (`zone_regions.json`), OS disk defaults by VM size
//! (`pool_data.rs`), counts and autoscaler bounds, Kubernetes versions per pool, and
//! `autoscale`, the cluster autoscaler behind `POST /azsim/autoscale`.

use std::net::IpAddr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ipnet::IpNet;
use serde_json::{json, Map, Value};

use super::{new_resource, parent_key, pool_data, resource_groups, start_write, Ctx};
use crate::arm::{self, ArmError, ArmResponse, Kind, ResourceAddress, Route};
use crate::cidr;
use crate::resources::network;
use crate::state::{Resource, Settings, World};

/// Supported Kubernetes versions: minor → patches (newest last).
const KUBERNETES_VERSIONS: &[(&str, &[&str])] = &[
    ("1.32", &["1.32.7", "1.32.9"]),
    ("1.33", &["1.33.3", "1.33.5"]),
    ("1.34", &["1.34.1", "1.34.2"]),
    ("1.35", &["1.35.0"]),
];
const DEFAULT_KUBERNETES_VERSION: &str = "1.34";
const DEFAULT_VM_SIZE: &str = "Standard_DS2_v2";

fn invalid(target: &str, message: impl Into<String>) -> ArmError {
    ArmError::bad_request("InvalidParameter", message).with_target(target)
}

fn change_not_allowed(target: &str, property: &str) -> ArmError {
    ArmError::bad_request(
        "PropertyChangeNotAllowed",
        format!("Changing property '{property}' is not allowed."),
    )
    .with_target(target)
}

/// Resolves `1.34` or `1.34.2` to (requested, current patch).
fn resolve_version(requested: &str) -> Result<String, ArmError> {
    let requested = requested.trim();
    for (minor, patches) in KUBERNETES_VERSIONS {
        if requested == *minor {
            return Ok(patches.last().copied().unwrap_or(minor).to_string());
        }
        if patches.contains(&requested) {
            return Ok(requested.to_string());
        }
    }
    Err(ArmError::aks_bad_request(
            "AgentPoolK8sVersionNotSupported",
        format!("Version {requested} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list"),
    )
    .with_target("properties.kubernetesVersion"))
}

fn minor_of(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

fn eq_opt(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

// ---------------------------------------------------------------------------------------
// Agent pools
// ---------------------------------------------------------------------------------------

fn valid_pool_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 12
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// How the cluster hands out pod IPs; decides pool defaults.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PodNetworking {
    Overlay,
    Kubenet,
    NodeSubnet,
    PodSubnet,
    BringYourOwn,
}

/// Resolves a subnet reference of a pool; it must exist.
fn resolve_subnet(
    world: &World,
    settings: &Settings,
    id: &str,
    target: &str,
) -> Result<String, ArmError> {
    match arm::parse_path(id, &settings.subscription_id) {
        Ok(Route::Resource(address)) if address.kind == Kind::Subnet => {
            if world.get(&address.key).is_some() {
                Ok(address.key)
            } else {
                let vnet = address.names.first().cloned().unwrap_or_default();
                Err(ArmError::aks_bad_request(
            "SubnetNotFound",
                    format!(
                        "Could not find subnet {} in vnet {vnet} from resource group {} of subscription {}.",
                        address.name(),
                        address.resource_group.as_deref().unwrap_or(""),
                        settings.subscription_id
                    ),
                )
                .with_target(target))
            }
        }
        _ => Err(invalid(
            target,
            format!("The value of parameter {target} is invalid: '{id}' is not a valid subnet resource ID."),
        )),
    }
}

/// What one pool is validated against.
struct PoolScope<'a> {
    name: &'a str,
    /// `properties` (agentPools API) or `agentPoolProfiles[{name}]` (inline).
    target: String,
    /// The cluster's region.
    location: &'a str,
    /// The control plane's current version.
    cluster_version: &'a str,
    /// The pool's stored properties when it exists already.
    old: Option<&'a Map<String, Value>>,
    /// A pool created through the agentPools API (AKS requires `count` there).
    agent_pools_api: bool,
}

/// Properties an update may leave out and still keep: AKS does not reset a pool's immutable
/// settings to defaults that could differ (inferred; Learn "Upgrade node pools" documents the same
/// fallback to the pool's existing value for its Kubernetes version in ARM templates). `count`
/// is kept so that a PUT without it does not undo the cluster autoscaler's work.
const KEPT_WHEN_OMITTED: &[&str] = &[
    "mode",
    "count",
    "vmSize",
    "osType",
    "osSKU",
    "osDiskType",
    "osDiskSizeGB",
    "maxPods",
    "availabilityZones",
    "vnetSubnetID",
    "podSubnetID",
    "type",
    "kubeletDiskType",
];

const ALLOWED_MAX_COUNT: i64 = 1000;

/// AKS's message for a node count outside the allowed range (seen verbatim from AKS in
/// kubernetes-sigs/cluster-api-provider-azure#5947, 2025; code `InvalidParameter` and target
/// `agentPoolProfile.count` as in Azure/azure-cli#22442). System pools need one node, user pools
/// none; a VMSS pool has at most 1000 (managedClusters.json `count`).
fn count_out_of_range(field: &str, value: i64, low: i64) -> ArmError {
    invalid(
        &format!("agentPoolProfile.{field}"),
        format!("agentPoolProfile.{field} was {value}. It must be greater or equal to minCount:{low} and less than or equal to maxCount:{ALLOWED_MAX_COUNT}. If allowedMinCount was expected to be 0 but is 1: 1) The nodepool is a VMAS pool. 2) api Version is less than 2020-03-01. 3) The node is a system pool."),
    )
}

/// Parses `1.34.2` (or `1.34`) into comparable numbers.
fn version_tuple(version: &str) -> (u32, u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The version a requested `major.minor[.patch]` runs: a `major.minor` equal to the minor the
/// resource already runs keeps its patch (managedClusters.json, kubernetesVersion /
/// orchestratorVersion: "Updating the cluster with the same <major.minor> once it has been created
/// (e.g. 1.14.x -> 1.14) will not trigger an upgrade, even if a newer patch version is
/// available"); otherwise the newest patch.
fn running_version(requested: &str, current: Option<&str>) -> Result<String, ArmError> {
    if let Some(current) = current {
        if requested.matches('.').count() == 1 && minor_of(requested) == minor_of(current) {
            return Ok(current.to_string());
        }
    }
    resolve_version(requested)
}

/// The OS disk AKS gives a pool (Learn AKS "Storage concepts", Default OS disk sizing and
/// Ephemeral OS disks; managedClusters.json `osDiskType`: "The default is 'Ephemeral' if the VM
/// supports it and has a cache disk larger than the requested OSDiskSizeGB. Otherwise, defaults
/// to 'Managed'"). Sizes azsim does not know get what was asked, `Managed` and 128 GB by default.
fn resolve_os_disk(props: &mut Map<String, Value>, target: &str) -> Result<(), ArmError> {
    let vm = str_of(props, "vmSize")
        .unwrap_or(DEFAULT_VM_SIZE)
        .to_string();
    // 0 means "the default for the VM size" (managedClusters.json `osDiskSizeGB`).
    let requested_size = arm::opt_i64(props, "osDiskSizeGB")?.filter(|s| *s != 0);
    if let Some(size) = requested_size {
        // Learn AKS "Create node pools": "the minimum size for AKS images is 30 GB"; the
        // spec's maximum is 2048.
        if !(30..=2048).contains(&size) {
            return Err(invalid(
                &format!("{target}.osDiskSizeGB"),
                format!("osDiskSizeGB {size} is out of range: use 30 to 2048 GB, or 0 for the default of the VM size."),
            ));
        }
    }
    let requested_type = match arm::opt_str(props, "osDiskType")? {
        Some(t) => Some(one_of(
            t,
            &["Managed", "Ephemeral"],
            &format!("{target}.osDiskType"),
        )?),
        None => None,
    };
    let (disk_type, size) = match pool_data::vm_size(&vm) {
        None => (
            requested_type.unwrap_or("Managed"),
            requested_size.unwrap_or(128),
        ),
        Some(known) => {
            let capacity = i64::from(known.ephemeral_capacity_gib());
            let managed_default = i64::from(pool_data::default_managed_os_disk_gib(known.vcpus));
            // Without a size, an ephemeral disk takes the whole local disk when it holds at
            // least 128 GiB, else the 128 GiB default, which then must fit.
            let ephemeral_default = if capacity >= 128 { capacity } else { 128 };
            match (requested_type, requested_size) {
                (Some("Ephemeral"), size) => {
                    let size = size.unwrap_or(ephemeral_default);
                    if size > capacity {
                        // AKS's refusal, verbatim in shape (Azure/AKS#2672, rancher/rancher#33679).
                        return Err(ArmError::bad_request(
                            "VMCacheSizeTooSmall",
                            format!(
                                "The virtual machine size {vm} has a cache size of {} bytes, but the OS disk requires {} bytes. Use a VM size with larger cache or disable ephemeral OS.",
                                capacity << 30,
                                size << 30
                            ),
                        ));
                    }
                    ("Ephemeral", size)
                }
                (Some(_), size) => ("Managed", size.unwrap_or(managed_default)),
                (None, Some(size)) if size <= capacity => ("Ephemeral", size),
                (None, Some(size)) => ("Managed", size),
                (None, None) if capacity >= 128 => ("Ephemeral", capacity),
                (None, None) => ("Managed", managed_default),
            }
        }
    };
    props.insert("osDiskType".into(), json!(disk_type));
    props.insert("osDiskSizeGB".into(), json!(size));
    Ok(())
}

/// Validates one pool's properties and fills AKS's defaults.
fn prepare_pool(
    world: &World,
    settings: &Settings,
    scope: &PoolScope,
    mut props: Map<String, Value>,
) -> Result<Map<String, Value>, ArmError> {
    let name = scope.name;
    let target = scope.target.as_str();
    for key in [
        "provisioningState",
        "powerState",
        "currentOrchestratorVersion",
        "nodeImageVersion",
        "name",
        "eTag",
    ] {
        props.remove(key);
    }
    if let Some(old) = scope.old {
        for key in KEPT_WHEN_OMITTED {
            if props.get(*key).is_none_or(Value::is_null) {
                if let Some(value) = old.get(*key) {
                    props.insert((*key).into(), value.clone());
                }
            }
        }
    }
    if !valid_pool_name(name) {
        return Err(invalid(
            &format!("{target}.name"),
            format!("Agent pool name '{name}' is invalid: it must start with a lowercase letter and contain only lowercase letters and digits, at most 12 characters."),
        ));
    }
    let os_type = arm::opt_str(&props, "osType")?
        .unwrap_or("Linux")
        .to_string();
    if !["Linux", "Windows"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(&os_type))
    {
        return Err(invalid(
            &format!("{target}.osType"),
            format!("osType '{os_type}' is not supported."),
        ));
    }
    let windows = os_type.eq_ignore_ascii_case("Windows");
    if windows && name.len() > 6 {
        return Err(invalid(
            &format!("{target}.name"),
            format!("Windows agent pool name '{name}' can not be longer than 6 characters."),
        ));
    }
    let mode = arm::opt_str(&props, "mode")?.unwrap_or("User").to_string();
    let mode = match mode.to_ascii_lowercase().as_str() {
        "system" => "System",
        "user" => "User",
        "gateway" => "Gateway",
        _ => {
            return Err(invalid(
                &format!("{target}.mode"),
                format!("Agent pool mode '{mode}' is not supported."),
            ))
        }
    };
    // Learn "Manage system node pools": "System pools osType must be Linux".
    if mode == "System" && windows {
        return Err(invalid(
            &format!("{target}.mode"),
            "System agent pools must run Linux; give the system pool osType Linux and put Windows workloads in a User pool.",
        ));
    }
    // The default OS SKU: Ubuntu for Linux, Windows2022 for Windows from Kubernetes 1.25
    // (managedClusters.json 2026-05-01, `osSKU`). SKUs azsim does not know pass as given (the enum
    // is `modelAsString`); a known SKU must match the OS type (inferred).
    let os_sku = match arm::opt_str(&props, "osSKU")? {
        Some(sku) => match pool_data::canonical_os_sku(sku) {
            Some(known) => {
                let windows_sku = pool_data::WINDOWS_OS_SKUS.contains(&known);
                if windows_sku != windows {
                    return Err(invalid(
                        &format!("{target}.osSKU"),
                        format!("osSKU '{known}' does not match osType '{os_type}'."),
                    ));
                }
                known.to_string()
            }
            None => sku.to_string(),
        },
        None if windows => "Windows2022".to_string(),
        None => "Ubuntu".to_string(),
    };

    // Counts and the autoscaler.
    let low = if mode == "System" { 1 } else { 0 };
    let autoscaled = arm::opt_bool(&props, "enableAutoScaling")? == Some(true);
    let min = arm::opt_i64(&props, "minCount")?;
    let max = arm::opt_i64(&props, "maxCount")?;
    let given_count = arm::opt_i64(&props, "count")?;
    if autoscaled && given_count.is_none() && scope.agent_pools_api && scope.old.is_none() {
        // The agentPools API insists on `count` for a new autoscaled pool (Azure/
        // azure-service-operator#3220, pulumi/pulumi-azure-native#2943, 2023).
        return Err(invalid(
            "properties.count",
            "Required parameter properties.count is missing (null).",
        ));
    }
    if autoscaled {
        let (Some(min), Some(max)) = (min, max) else {
            // Inferred: AKS cannot run the autoscaler without bounds.
            let missing = if min.is_none() {
                "minCount"
            } else {
                "maxCount"
            };
            return Err(invalid(
                &format!("agentPoolProfile.{missing}"),
                format!("agentPoolProfile.{missing} is required when enableAutoScaling is true; set minCount and maxCount."),
            ));
        };
        if !(low..=ALLOWED_MAX_COUNT).contains(&min) {
            return Err(count_out_of_range("minCount", min, low));
        }
        if !(low..=ALLOWED_MAX_COUNT).contains(&max) {
            return Err(count_out_of_range("maxCount", max, low));
        }
        if min > max {
            // Inferred wording.
            return Err(invalid(
                "agentPoolProfile.minCount",
                format!("agentPoolProfile.minCount {min} is greater than agentPoolProfile.maxCount {max}; minCount must not exceed maxCount."),
            ));
        }
    } else if min.is_some() || max.is_some() {
        // Azure refuses bounds without the autoscaler (ksctl/ksctl#628, fixed by #629, 2026);
        // wording inferred.
        let field = if min.is_some() {
            "minCount"
        } else {
            "maxCount"
        };
        return Err(invalid(
            &format!("agentPoolProfile.{field}"),
            "minCount and maxCount can only be set when enableAutoScaling is true; remove them or turn the autoscaler on.",
        ));
    }
    // A count outside [minCount, maxCount] is accepted: AKS dropped that check so minCount can be
    // raised above the current size (Azure/AKS#1758, Azure/azure-cli-extensions#1606), and
    // Microsoft's own AgentPools_Update.json (count 3, minCount 2, maxCount 2) is answered 200.
    // Without a count an autoscaled pool starts at its minimum (inferred), others at 1 (spec).
    let count = given_count.unwrap_or(if autoscaled {
        min.unwrap_or(1).max(low)
    } else {
        1
    });
    if !(low..=ALLOWED_MAX_COUNT).contains(&count) {
        return Err(count_out_of_range("count", count, low));
    }

    if let Some(zones) = arm::opt_array(&props, "availabilityZones")? {
        let mut seen: Vec<&str> = Vec::new();
        for zone in zones {
            match zone.as_str() {
                Some(z @ ("1" | "2" | "3")) if !seen.contains(&z) => seen.push(z),
                _ => {
                    return Err(invalid(
                        "agentPoolProfile.availabilityZones",
                        "Availability zones must be distinct values of \"1\", \"2\" and \"3\".",
                    ))
                }
            }
        }
        if !seen.is_empty() && !pool_data::region_has_zones(scope.location) {
            // AKS's refusal (rancher/rancher#33019: code and target; MicrosoftDocs/
            // azure-aks-docs#416, 2026: the message).
            return Err(ArmError::bad_request(
                "AvailabilityZoneNotSupported",
                format!(
                    "The zone(s) {} for resource {name} is not supported. The supported zones for location {} are (empty). Leave availabilityZones out in this region, or use a region with availability zones.",
                    seen.join(","),
                    scope.location
                ),
            )
            .with_target("agentPoolProfile.availabilityZone"));
        }
    }
    if let Some(id) = arm::opt_str(&props, "vnetSubnetID")? {
        resolve_subnet(world, settings, id, &format!("{target}.vnetSubnetID"))?;
    }
    if let Some(id) = arm::opt_str(&props, "podSubnetID")? {
        resolve_subnet(world, settings, id, &format!("{target}.podSubnetID"))?;
        if arm::opt_str(&props, "vnetSubnetID")?.is_none() {
            return Err(invalid(
                &format!("{target}.vnetSubnetID"),
                "podSubnetID requires vnetSubnetID on the same agent pool.",
            ));
        }
    }

    // Kubernetes version. Learn "Upgrade node pools" (rules for submitting an upgrade): "If a
    // node pool Kubernetes version isn't specified ... In ARM templates, declaration falls back to
    // the existing version defined for the node pool. If nothing is set, it falls back to the
    // control plane version." An empty value means "not specified" (AgentPoolsCreate_*.json
    // 2026-05-01 send `"orchestratorVersion": ""`).
    let old_requested = scope
        .old
        .and_then(|o| str_of(o, "orchestratorVersion"))
        .filter(|v| !v.is_empty());
    let old_current = scope
        .old
        .and_then(|o| str_of(o, "currentOrchestratorVersion"));
    let orchestrator = arm::opt_str(&props, "orchestratorVersion")?
        .filter(|v| !v.is_empty())
        .or(old_requested)
        .unwrap_or(scope.cluster_version)
        .to_string();
    let current = running_version(&orchestrator, old_current)
        .map_err(|e| e.with_target(format!("{target}.orchestratorVersion")))?;
    if let Some(old) = old_current {
        if version_tuple(&current) < version_tuple(old) {
            // Learn "Upgrade node pools": no downgrades; AKS's code and wording from
            // kubernetes-sigs/cluster-api-provider-azure#1883.
            return Err(ArmError::bad_request(
                "AgentPoolUpgradeVersionNotAllowed",
                format!("Upgrade agent pool version from {old} to {current} is not allowed, you can only upgrade one minor version at a time. Please use [az aks get-upgrades] command to get the supported upgrade versions."),
            )
            .with_target(format!("{target}.orchestratorVersion")));
        }
    }
    let (cluster_major, cluster_minor) = minor_of(scope.cluster_version);
    let (pool_major, pool_minor) = minor_of(&current);
    // Learn "Upgrade the AKS control plane": from Kubernetes 1.28 the control plane can be up to
    // three minor versions ahead of node pools; a pool is never ahead of it.
    if pool_major != cluster_major
        || version_tuple(&current) > version_tuple(scope.cluster_version)
        || cluster_minor.saturating_sub(pool_minor) > 3
    {
        return Err(invalid(
            &format!("{target}.orchestratorVersion"),
            format!("Agent pool version {current} must not be newer than the control plane version {}, nor more than three minor versions older.", scope.cluster_version),
        ));
    }

    props.insert("mode".into(), json!(mode));
    props.insert("count".into(), json!(count));
    props.insert(
        "osType".into(),
        json!(if windows { "Windows" } else { "Linux" }),
    );
    props.insert("osSKU".into(), json!(os_sku));
    props
        .entry("vmSize")
        .or_insert_with(|| json!(DEFAULT_VM_SIZE));
    props
        .entry("type")
        .or_insert_with(|| json!("VirtualMachineScaleSets"));
    resolve_os_disk(&mut props, target)?;
    props
        .entry("kubeletDiskType")
        .or_insert_with(|| json!("OS"));
    props
        .entry("enableNodePublicIP")
        .or_insert_with(|| json!(false));
    props.entry("enableFIPS").or_insert_with(|| json!(false));
    props
        .entry("scaleDownMode")
        .or_insert_with(|| json!("Delete"));
    props
        .entry("upgradeSettings")
        .or_insert_with(|| json!({"maxSurge": "10%"}));
    props.insert("orchestratorVersion".into(), json!(orchestrator));
    props.insert(
        "nodeImageVersion".into(),
        json!(pool_data::node_image_version(&os_sku, minor_of(&current))),
    );
    props.insert("currentOrchestratorVersion".into(), json!(current));
    props.insert("powerState".into(), json!({"code": "Running"}));
    Ok(props)
}

/// Fills `maxPods` once the cluster's pod networking is known, and checks overlay limits.
fn finish_pool(
    props: &mut Map<String, Value>,
    networking: PodNetworking,
    target: &str,
) -> Result<(), ArmError> {
    let default = match networking {
        PodNetworking::Overlay | PodNetworking::PodSubnet | PodNetworking::BringYourOwn => 250,
        PodNetworking::Kubenet => 110,
        PodNetworking::NodeSubnet => 30,
    };
    let max_pods = arm::opt_i64(props, "maxPods")?.unwrap_or(default);
    let (low, high) = (10, 250);
    if !(low..=high).contains(&max_pods) {
        return Err(invalid(
            &format!("{target}.maxPods"),
            format!("maxPods must be between {low} and {high}, got {max_pods}."),
        ));
    }
    // Learn (maximum pods per node): under 30 only "if the configuration of each node pool has
    // space for a minimum of 30 pods"; an autoscaled pool counts its minimum. Learn "Manage
    // system node pools" holds system pools to the same formula.
    let autoscaled = props.get("enableAutoScaling").and_then(Value::as_bool) == Some(true);
    let nodes = if autoscaled {
        arm::opt_i64(props, "minCount")?
    } else {
        arm::opt_i64(props, "count")?
    }
    .unwrap_or(1);
    if max_pods < 30 && nodes.saturating_mul(max_pods) < 30 {
        return Err(invalid(
            &format!("{target}.maxPods"),
            format!("maxPods {max_pods} with {nodes} node(s) leaves room for fewer than 30 pods in the pool; a pool needs room for at least 30 pods."),
        ));
    }
    props.insert("maxPods".into(), json!(max_pods));
    if networking == PodNetworking::Overlay
        && props.get("podSubnetID").is_some_and(|v| !v.is_null())
    {
        return Err(invalid(
            &format!("{target}.podSubnetID"),
            "podSubnetID cannot be used with networkPluginMode overlay.",
        ));
    }
    Ok(())
}

/// AKS's refusal to change an immutable pool property: `PropertyChangeNotAllowed`, an empty
/// subcode, and the property as `agentPoolProfile.{name}` in target and message
/// (hashicorp/terraform-provider-azurerm#26139, 2024, verbatim: "Changing property
/// 'agentPoolProfile.OSSKU' is not allowed."; Azure/bicep-registry-modules#7130, 2026:
/// `agentPoolProfile.vmSize`; Azure/ACS#76: `agentPoolProfile.OSType`). Other property names
/// follow the JSON spelling (inferred).
fn pool_change_not_allowed(pool: &str, property: &str) -> ArmError {
    let label = format!("agentPoolProfile.{property}");
    ArmError::bad_request(
        "PropertyChangeNotAllowed",
        format!("Changing property '{label}' is not allowed. (Agent pool '{pool}': create a new pool with the new value, move the workloads, then delete this pool.)"),
    )
    .with_subcode("")
    .with_target(label)
}

fn zones_of(map: &Map<String, Value>) -> Vec<String> {
    let mut zones: Vec<String> = map
        .get("availabilityZones")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    zones.sort();
    zones
}

/// Changes AKS refuses on an existing pool (both the agentPools API and inline pools).
/// Learn "Manage node pools" (Limitations): "You can't change the VM size of a node pool after you
/// create it" (in-place VMSS resize is a preview behind the `AgentPoolVMSSResize` feature
/// registration, Learn "Resize node pools", which azsim does not model); Learn "Storage concepts":
/// the OS disk size can't change after creation; managedClusters.json `osDiskType`: "May not be
/// changed after creation"; Learn "Manage system node pools": create a new pool to change
/// `maxPods`. Zones, subnets and the OS type have no update path on Learn either.
fn check_pool_changes(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    pool: &str,
) -> Result<(), ArmError> {
    for (field, label) in [
        ("vmSize", "vmSize"),
        ("osType", "OSType"),
        ("osDiskType", "osDiskType"),
        ("vnetSubnetID", "vnetSubnetID"),
        ("podSubnetID", "podSubnetID"),
    ] {
        if !eq_opt(str_of(old, field), str_of(new, field)) {
            return Err(pool_change_not_allowed(pool, label));
        }
    }
    for field in ["maxPods", "osDiskSizeGB"] {
        if old.get(field) != new.get(field) {
            return Err(pool_change_not_allowed(pool, field));
        }
    }
    if zones_of(old) != zones_of(new) {
        return Err(pool_change_not_allowed(pool, "availabilityZones"));
    }
    if let (Some(from), Some(to)) = (str_of(old, "osSKU"), str_of(new, "osSKU")) {
        if !pool_data::os_sku_change_in_place(from, to) {
            return Err(pool_change_not_allowed(pool, "OSSKU"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Network profile
// ---------------------------------------------------------------------------------------

struct NetworkPlan {
    stored: Map<String, Value>,
    networking: PodNetworking,
    pod_cidr: Option<IpNet>,
    service_cidr: IpNet,
}

fn parse_cidr(text: &str, target: &str) -> Result<IpNet, ArmError> {
    cidr::parse_prefix(text).map_err(|_| {
        ArmError::aks_bad_request("CidrStringParseError", format!("Cidr '{text}' is invalid."))
            .with_target(target)
    })
}

fn one_of(value: &str, allowed: &[&'static str], target: &str) -> Result<&'static str, ArmError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value))
        .copied()
        .ok_or_else(|| {
            invalid(
                target,
                format!(
                    "The value '{value}' of {target} is not supported; allowed values are {}.",
                    allowed.join(", ")
                ),
            )
        })
}

fn plan_network(
    props: &Map<String, Value>,
    pools: &[Map<String, Value>],
) -> Result<NetworkPlan, ArmError> {
    let mut np = arm::opt_object(props, "networkProfile")?
        .cloned()
        .unwrap_or_default();
    let any_pod_subnet = pools
        .iter()
        .any(|p| p.get("podSubnetID").is_some_and(|v| !v.is_null()));
    let plugin_given = arm::opt_str(&np, "networkPlugin")?.map(str::to_string);
    let plugin = match &plugin_given {
        Some(p) => one_of(
            p,
            &["azure", "kubenet", "none"],
            "networkProfile.networkPlugin",
        )?,
        None => "azure",
    };
    let mode = match arm::opt_str(&np, "networkPluginMode")? {
        Some(m) => Some(one_of(m, &["overlay"], "networkProfile.networkPluginMode")?),
        // AKS's default for a cluster that names no plugin is Azure CNI Overlay.
        None if plugin_given.is_none() && !any_pod_subnet => Some("overlay"),
        None => None,
    };
    if mode == Some("overlay") && plugin != "azure" {
        return Err(invalid(
            "networkProfile.networkPluginMode",
            "networkPluginMode 'overlay' requires networkPlugin 'azure'.",
        ));
    }
    let dataplane = match arm::opt_str(&np, "networkDataplane")? {
        Some(d) => one_of(d, &["azure", "cilium"], "networkProfile.networkDataplane")?,
        None => "azure",
    };
    let policy = match arm::opt_str(&np, "networkPolicy")? {
        Some(p) => one_of(
            p,
            &["none", "calico", "azure", "cilium"],
            "networkProfile.networkPolicy",
        )?,
        None if dataplane == "cilium" => "cilium",
        None => "none",
    };
    if dataplane == "cilium" && matches!(policy, "azure" | "calico") {
        return Err(ArmError::aks_bad_request(
            "CiliumDataplaneRequiresNetworkPolicyCilium",
            format!("Network policy '{policy}' is not supported with networkDataplane 'cilium'; use networkPolicy 'cilium' (or 'none')."),
        )
        .with_target("networkProfile.networkPolicy"));
    }
    if policy == "cilium" && dataplane != "cilium" {
        return Err(invalid(
            "networkProfile.networkPolicy",
            "networkPolicy 'cilium' requires networkDataplane 'cilium'.",
        ));
    }
    if dataplane == "cilium" && plugin != "azure" {
        return Err(invalid(
            "networkProfile.networkDataplane",
            "networkDataplane 'cilium' requires networkPlugin 'azure'.",
        ));
    }
    if policy == "azure" && plugin != "azure" {
        return Err(invalid(
            "networkProfile.networkPolicy",
            "networkPolicy 'azure' requires networkPlugin 'azure'.",
        ));
    }
    if let Some(mode_value) = np.get("networkMode").and_then(Value::as_str) {
        if mode_value.eq_ignore_ascii_case("bridge") || plugin != "azure" {
            return Err(invalid(
                "networkProfile.networkMode",
                "networkMode is only supported as 'transparent' with networkPlugin 'azure'.",
            ));
        }
    }
    let networking = match (plugin, mode, any_pod_subnet) {
        ("azure", Some("overlay"), _) => PodNetworking::Overlay,
        ("azure", _, true) => PodNetworking::PodSubnet,
        ("azure", _, false) => PodNetworking::NodeSubnet,
        ("kubenet", _, _) => PodNetworking::Kubenet,
        _ => PodNetworking::BringYourOwn,
    };
    let uses_pod_cidr = matches!(
        networking,
        PodNetworking::Overlay | PodNetworking::Kubenet | PodNetworking::BringYourOwn
    );
    let pod_cidr = match arm::opt_str(&np, "podCidr")? {
        Some(text) if uses_pod_cidr => Some(parse_cidr(text, "networkProfile.podCIDR")?),
        Some(_) => {
            return Err(invalid(
                "networkProfile.podCidr",
                "podCidr can only be set with networkPlugin 'kubenet', 'none' or networkPluginMode 'overlay'.",
            ))
        }
        None if uses_pod_cidr => Some(parse_cidr("10.244.0.0/16", "networkProfile.podCIDR")?),
        None => None,
    };
    let service_text = arm::opt_str(&np, "serviceCidr")?
        .unwrap_or("10.0.0.0/16")
        .to_string();
    let service_cidr = parse_cidr(&service_text, "networkProfile.serviceCIDR")?;
    // Learn: the service range "must be smaller than /12", so /12 itself is refused.
    if service_cidr.prefix_len() <= 12 && matches!(service_cidr, IpNet::V4(_)) {
        return Err(invalid(
            "networkProfile.serviceCidr",
            format!("The service CIDR {service_cidr} is too large; it must be smaller than /12."),
        ));
    }
    let dns_text = arm::opt_str(&np, "dnsServiceIP")?
        .unwrap_or("10.0.0.10")
        .to_string();
    let dns: IpAddr = dns_text.trim().parse().map_err(|_| {
        invalid(
            "networkProfile.dnsServiceIP",
            format!("dnsServiceIP '{dns_text}' is not a valid IP address."),
        )
    })?;
    if !service_cidr.contains(&dns) {
        return Err(ArmError::aks_bad_request(
            "DnsServiceIpOutOfServiceCidr",
            format!("DNSServiceIP {dns} is not within ServiceCIDR {service_cidr}."),
        )
        .with_target("networkProfile.dnsServiceIP"));
    }
    let network_address = cidr::nth_address(&service_cidr, 0);
    let first_address = cidr::nth_address(&service_cidr, 1);
    if Some(dns) == network_address || Some(dns) == first_address {
        return Err(ArmError::aks_bad_request(
            "InvalidDnsServiceIP",
            format!("DNSServiceIP {dns} must not be the first address of ServiceCIDR {service_cidr}; that address is used by the kubernetes service."),
        )
        .with_target("networkProfile.dnsServiceIP"));
    }
    let reserved = cidr::aks_reserved();
    if let Some((a, r)) = cidr::first_overlap(&[service_cidr], &reserved) {
        return Err(invalid(
            "networkProfile.serviceCidr",
            format!("The service CIDR {a} overlaps the reserved range {r}."),
        ));
    }
    if let Some(pod) = pod_cidr {
        if let Some((a, r)) = cidr::first_overlap(&[pod], &reserved) {
            return Err(invalid(
                "networkProfile.podCidr",
                format!("The pod CIDR {a} overlaps the reserved range {r}."),
            ));
        }
        if cidr::overlaps(&pod, &service_cidr) {
            return Err(invalid(
                "networkProfile.serviceCidr",
                format!("The service CIDR {service_cidr} overlaps the pod CIDR {pod}."),
            ));
        }
    }
    let outbound = match arm::opt_str(&np, "outboundType")? {
        Some(o) => one_of(
            o,
            &[
                "loadBalancer",
                "userDefinedRouting",
                "managedNATGateway",
                "userAssignedNATGateway",
                "none",
            ],
            "networkProfile.outboundType",
        )?,
        None => "loadBalancer",
    };
    let lb_sku = match arm::opt_str(&np, "loadBalancerSku")? {
        Some(s) => one_of(s, &["standard", "basic"], "networkProfile.loadBalancerSku")?,
        None => "standard",
    };
    if let Some(advanced) = arm::opt_object(&np, "advancedNetworking")? {
        let security = advanced
            .get("security")
            .and_then(|s| s.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if security && dataplane != "cilium" {
            return Err(invalid(
                "networkProfile.advancedNetworking.security",
                "Advanced Container Networking security features require networkDataplane 'cilium'.",
            ));
        }
    }
    np.insert("networkPlugin".into(), json!(plugin));
    match mode {
        Some(m) => {
            np.insert("networkPluginMode".into(), json!(m));
        }
        None => {
            np.remove("networkPluginMode");
        }
    }
    np.insert("networkDataplane".into(), json!(dataplane));
    np.insert("networkPolicy".into(), json!(policy));
    match pod_cidr {
        Some(p) => {
            np.insert("podCidr".into(), json!(p.to_string()));
            np.insert("podCidrs".into(), json!([p.to_string()]));
        }
        None => {
            np.remove("podCidr");
            np.remove("podCidrs");
        }
    }
    np.insert("serviceCidr".into(), json!(service_cidr.to_string()));
    np.insert("serviceCidrs".into(), json!([service_cidr.to_string()]));
    np.insert("dnsServiceIP".into(), json!(dns.to_string()));
    np.insert("outboundType".into(), json!(outbound));
    np.insert("loadBalancerSku".into(), json!(lb_sku));
    np.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
    if outbound == "loadBalancer" {
        np.entry("loadBalancerProfile").or_insert_with(|| {
            json!({"managedOutboundIPs": {"count": 1}, "backendPoolType": "NodeIPConfiguration"})
        });
    }
    Ok(NetworkPlan {
        stored: np,
        networking,
        pod_cidr,
        service_cidr,
    })
}

/// The service CIDR must miss every subnet of the VNets the pools use, and the pod CIDR
/// those VNets' address spaces.
fn check_vnet_overlaps(
    world: &World,
    settings: &Settings,
    plan: &NetworkPlan,
    pools: &[Map<String, Value>],
) -> Result<(), ArmError> {
    let mut vnets: Vec<String> = Vec::new();
    for pool in pools {
        for field in ["vnetSubnetID", "podSubnetID"] {
            if let Some(id) = str_of(pool, field) {
                if let Ok(Route::Resource(address)) = arm::parse_path(id, &settings.subscription_id)
                {
                    let vnet = parent_key(&address.key);
                    if !vnets.contains(&vnet) {
                        vnets.push(vnet);
                    }
                }
            }
        }
    }
    for vnet_key in &vnets {
        let Some(vnet) = world.get(vnet_key) else {
            continue;
        };
        for subnet in world.children(vnet_key, Kind::Subnet) {
            if let Some((_, s)) =
                cidr::first_overlap(&[plan.service_cidr], &network::subnet_prefixes(subnet))
            {
                return Err(ArmError::aks_bad_request(
            "ServiceCidrOverlapExistingSubnetsCidr",
                    format!("The specified service CIDR {} is conflicted with an existing subnet CIDR {s} (subnet {}).", plan.service_cidr, subnet.id),
                )
                .with_target("networkProfile.serviceCIDR"));
            }
        }
        if let Some(pod) = plan.pod_cidr {
            if let Some((_, space)) = cidr::first_overlap(&[pod], &network::address_space(vnet)) {
                return Err(ArmError::aks_bad_request(
            "NetworkProfileCIDROverlapVNET",
                    format!("The pod CIDR {pod} overlaps with the address space {space} of virtual network {}.", vnet.id),
                )
                .with_target("networkProfile.podCIDR"));
            }
        }
    }
    Ok(())
}

/// Network-profile changes AKS refuses; the supported one-way migrations pass.
fn check_network_changes(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Result<(), ArmError> {
    let get = |m: &Map<String, Value>, k: &str| str_of(m, k).map(str::to_ascii_lowercase);
    let old_plugin = get(old, "networkPlugin");
    let new_plugin = get(new, "networkPlugin");
    let new_mode = get(new, "networkPluginMode");
    if old_plugin != new_plugin {
        let migration = old_plugin.as_deref() == Some("kubenet")
            && new_plugin.as_deref() == Some("azure")
            && new_mode.as_deref() == Some("overlay");
        if !migration {
            return Err(change_not_allowed(
                "networkProfile.networkPlugin",
                "networkPlugin",
            ));
        }
    }
    let old_mode = get(old, "networkPluginMode");
    if old_mode != new_mode && new_mode.as_deref() != Some("overlay") {
        return Err(change_not_allowed(
            "networkProfile.networkPluginMode",
            "networkPluginMode",
        ));
    }
    let old_dataplane = get(old, "networkDataplane");
    let new_dataplane = get(new, "networkDataplane");
    let dataplane_upgrade =
        old_dataplane.as_deref() == Some("azure") && new_dataplane.as_deref() == Some("cilium");
    if old_dataplane != new_dataplane && !dataplane_upgrade {
        return Err(change_not_allowed(
            "networkProfile.networkDataplane",
            "networkDataplane",
        ));
    }
    let old_policy = get(old, "networkPolicy");
    let new_policy = get(new, "networkPolicy");
    if old_policy != new_policy && !(dataplane_upgrade && new_policy.as_deref() == Some("cilium")) {
        return Err(change_not_allowed(
            "networkProfile.networkPolicy",
            "networkPolicy",
        ));
    }
    for field in ["serviceCidr", "dnsServiceIP", "loadBalancerSku"] {
        if get(old, field) != get(new, field) {
            return Err(change_not_allowed(
                &format!("networkProfile.{field}"),
                field,
            ));
        }
    }
    let old_pod = str_of(old, "podCidr").and_then(|s| cidr::parse_prefix(s).ok());
    let new_pod = str_of(new, "podCidr").and_then(|s| cidr::parse_prefix(s).ok());
    if old_pod != new_pod {
        let expansion = match (old_pod, new_pod) {
            (Some(o), Some(n)) => {
                new_mode.as_deref() == Some("overlay")
                    && n.prefix_len() < o.prefix_len()
                    && cidr::within(&o, &n)
            }
            // Migrating to overlay assigns a pod CIDR for the first time.
            (None, Some(_)) => {
                new_mode.as_deref() == Some("overlay") && old_mode.as_deref() != Some("overlay")
            }
            _ => false,
        };
        if !expansion {
            return Err(change_not_allowed("networkProfile.podCidr", "podCidr"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Clusters
// ---------------------------------------------------------------------------------------

fn valid_cluster_name(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    let edge = |c: &char| c.is_ascii_alphanumeric();
    !chars.is_empty()
        && chars.len() <= 63
        && chars.first().is_some_and(edge)
        && chars.last().is_some_and(edge)
        && chars
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
}

fn valid_dns_prefix(prefix: &str) -> bool {
    let chars: Vec<char> = prefix.chars().collect();
    !chars.is_empty()
        && chars.len() <= 54
        && chars.first().is_some_and(char::is_ascii_alphanumeric)
        && chars.last().is_some_and(char::is_ascii_alphanumeric)
        && chars.iter().all(|c| c.is_ascii_alphanumeric() || *c == '-')
}

fn short_hex(len: usize) -> String {
    uuid::Uuid::new_v4().simple().to_string()[..len].to_string()
}

fn node_resource_group_address(settings: &Settings, name: &str) -> ResourceAddress {
    arm::build_address(
        &settings.subscription_id,
        Kind::ResourceGroup,
        name,
        vec![name.to_string()],
    )
}

/// The key of a cluster's node resource group, if it has one.
pub fn node_resource_group_key(settings: &Settings, cluster: &Resource) -> Option<String> {
    cluster
        .prop_str("nodeResourceGroup")
        .map(|name| node_resource_group_address(settings, name).key)
}

fn parse_identity(
    body: &Value,
    existing: Option<&Resource>,
    settings: &Settings,
) -> Result<Value, ArmError> {
    let given = match body.get("identity") {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'identity' must be an object.",
            ))
        }
    };
    let mut identity = given.unwrap_or_default();
    let kind = arm::opt_str(&identity, "type")?
        .unwrap_or("SystemAssigned")
        .to_string();
    let kind = one_of(
        &kind,
        &["SystemAssigned", "UserAssigned", "None"],
        "identity.type",
    )?;
    identity.insert("type".into(), json!(kind));
    identity.remove("principalId");
    identity.remove("tenantId");
    let previous = existing.and_then(|e| e.body.get("identity"));
    match kind {
        "SystemAssigned" => {
            let principal = previous
                .filter(|p| p.get("type").and_then(Value::as_str) == Some("SystemAssigned"))
                .and_then(|p| p.get("principalId"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            identity.insert("principalId".into(), json!(principal));
            identity.insert("tenantId".into(), json!(settings.tenant_id));
        }
        "UserAssigned" => {
            let Some(Value::Object(map)) = identity.get("userAssignedIdentities").cloned() else {
                return Err(invalid(
                    "identity.userAssignedIdentities",
                    "identity.userAssignedIdentities is required when identity.type is 'UserAssigned'.",
                ));
            };
            if map.is_empty() {
                return Err(invalid(
                    "identity.userAssignedIdentities",
                    "identity.userAssignedIdentities must name one identity.",
                ));
            }
            let mut filled = Map::new();
            for (id, _) in map {
                let seed = id.to_ascii_lowercase();
                filled.insert(
                    id,
                    json!({
                        "principalId": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("principal:{seed}").as_bytes()).to_string(),
                        "clientId": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("client:{seed}").as_bytes()).to_string(),
                    }),
                );
            }
            identity.insert("userAssignedIdentities".into(), Value::Object(filled));
        }
        _ => {}
    }
    Ok(Value::Object(identity))
}

/// An agent pool's name and properties.
type NamedPool = (String, Map<String, Value>);

/// Parses `agentPoolProfiles` into (name, properties) in request order.
fn parse_inline_pools(props: &Map<String, Value>) -> Result<Option<Vec<NamedPool>>, ArmError> {
    let Some(list) = arm::opt_array(props, "agentPoolProfiles")? else {
        return Ok(None);
    };
    let mut pools = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: agentPoolProfiles items must be objects.",
            ));
        };
        let name = arm::opt_str(map, "name")?
            .ok_or_else(|| {
                invalid(
                    &format!("agentPoolProfiles[{i}].name"),
                    "Every agent pool profile needs a name.",
                )
            })?
            .to_string();
        if pools.iter().any(|(n, _): &(String, _)| n == &name) {
            return Err(invalid(
                &format!("agentPoolProfiles[{name}].name"),
                format!("Agent pool name '{name}' is used more than once."),
            ));
        }
        pools.push((name, map.clone()));
    }
    Ok(Some(pools))
}

/// The support plan, kept from the cluster when the body names none. Learn: "Enabling LTS
/// requires moving your cluster to the Premium tier and explicitly selecting the LTS support plan"
/// (long-term-support), and "LongTermSupport and Premium tier should be enabled/disabled
/// together" (free-standard-pricing-tiers), so each needs the other.
fn support_plan(
    props: &Map<String, Value>,
    old_props: &Map<String, Value>,
    tier: &str,
) -> Result<&'static str, ArmError> {
    let given = arm::opt_str(props, "supportPlan")?
        .or_else(|| str_of(old_props, "supportPlan"))
        .unwrap_or("KubernetesOfficial");
    let plan = one_of(
        given,
        &["KubernetesOfficial", "AKSLongTermSupport"],
        "properties.supportPlan",
    )?;
    let premium = tier == "Premium";
    if premium != (plan == "AKSLongTermSupport") {
        return Err(invalid(
            "properties.supportPlan",
            format!("Support plan '{plan}' is not allowed with the '{tier}' tier: the Premium tier and the AKSLongTermSupport support plan must be enabled and disabled together."),
        ));
    }
    Ok(plan)
}

/// `autoUpgradeProfile`: the channels are the spec's enums (`UpgradeChannel`, `NodeOSUpgradeChannel`
/// in managedClusters.json 2026-05-01), answered in their canonical spelling; a cluster that names
/// none reports Azure's defaults, `none` and `NodeImage` (the spec's descriptions).
fn normalize_auto_upgrade(props: &mut Map<String, Value>) -> Result<(), ArmError> {
    let mut profile = match props.remove("autoUpgradeProfile") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(profile)) => profile,
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'autoUpgradeProfile' must be an object.",
            ))
        }
    };
    let channels: [(&str, &[&'static str], &'static str); 2] = [
        (
            "upgradeChannel",
            &["rapid", "stable", "patch", "node-image", "none"],
            "none",
        ),
        (
            "nodeOSUpgradeChannel",
            &["None", "Unmanaged", "NodeImage", "SecurityPatch"],
            "NodeImage",
        ),
    ];
    for (key, allowed, default) in channels {
        let value = match arm::opt_str(&profile, key)? {
            Some(given) => one_of(
                given,
                allowed,
                &format!("properties.autoUpgradeProfile.{key}"),
            )?,
            None => default,
        };
        profile.insert(key.into(), json!(value));
    }
    props.insert("autoUpgradeProfile".into(), Value::Object(profile));
    Ok(())
}

/// How many authorized ranges AKS takes (Learn, api-server-authorized-ip-ranges: "The upper limit
/// for the number of IP ranges you can specify is 200").
const MAX_AUTHORIZED_IP_RANGES: usize = 200;

/// `apiServerAccessProfile`: authorized ranges are IPv4 CIDRs or addresses (the Azure CLI: "should
/// be a list of IPv4 addresses or CIDRs"; Learn accepts `137.117.106.90/29` while advising the
/// range's first address), at most 200, and not on a private cluster (Learn: "isn't supported on
/// private clusters"). The count message is the one AKS answers (neumanndaniel/terraform#1).
fn check_api_server_access(props: &Map<String, Value>) -> Result<(), ArmError> {
    let profile = match props.get("apiServerAccessProfile") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(profile)) => profile,
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'apiServerAccessProfile' must be an object.",
            ))
        }
    };
    let target = "properties.apiServerAccessProfile.authorizedIPRanges";
    let ranges: Vec<&str> = match profile.get("authorizedIPRanges") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().ok_or_else(|| {
                    ArmError::invalid_content(
                        "The request content was invalid and could not be deserialized: 'authorizedIPRanges' must be an array of strings.",
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'authorizedIPRanges' must be an array.",
            ))
        }
    };
    if ranges.len() > MAX_AUTHORIZED_IP_RANGES {
        return Err(invalid(
            target,
            format!("The number of APIServer Authorized IP Ranges is greater than the allowed value {MAX_AUTHORIZED_IP_RANGES}."),
        ));
    }
    for range in &ranges {
        let valid = match range.split_once('/') {
            Some(_) => range.parse::<ipnet::Ipv4Net>().is_ok(),
            None => range.parse::<std::net::Ipv4Addr>().is_ok(),
        };
        if !valid {
            return Err(invalid(
                target,
                format!("The APIServer Authorized IP Range '{range}' is invalid: use an IPv4 address or CIDR, e.g. 73.140.245.0/24."),
            ));
        }
    }
    if !ranges.is_empty() && profile.get("enablePrivateCluster") == Some(&Value::Bool(true)) {
        return Err(invalid(
            target,
            "API server authorized IP ranges are not supported on private clusters.",
        ));
    }
    Ok(())
}

pub fn put_cluster(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    let settings = ctx.settings;
    let name = address.name().to_string();
    if !valid_cluster_name(&name) {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!("The value of parameter name is invalid: '{name}' must be 1-63 characters, start and end with a letter or digit, and contain only letters, digits, '-' and '_'."),
        )
        .with_target("name"));
    }
    let location = arm::require_location(body, false)?;
    let tags = arm::tags(body)?;
    let mut props = arm::properties(body)?;
    for key in [
        "provisioningState",
        "powerState",
        "fqdn",
        "privateFQDN",
        "azurePortalFQDN",
        "currentKubernetesVersion",
        "maxAgentPools",
        "resourceUID",
    ] {
        props.remove(key);
    }
    let old_props = existing
        .and_then(Resource::properties)
        .cloned()
        .unwrap_or_default();
    if let Some(e) = existing {
        if e.location() != Some(location.as_str()) {
            return Err(change_not_allowed("location", "location"));
        }
    }

    let identity = parse_identity(body, existing, settings)?;
    let mut sku = match body.get("sku") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'sku' must be an object.",
            ))
        }
    };
    // Microsoft's own 2026-05-01 examples (ManagedClustersCreate_*.json) still send the SKU's
    // earlier name `Basic` and are answered 200/201, so it is taken as `Base`.
    let sku_name = match arm::opt_str(&sku, "name")? {
        Some(name) if name.eq_ignore_ascii_case("Basic") => "Base",
        name => one_of(name.unwrap_or("Base"), &["Base", "Automatic"], "sku.name")?,
    };
    let sku_tier = one_of(
        arm::opt_str(&sku, "tier")?.unwrap_or("Free"),
        &["Free", "Standard", "Premium"],
        "sku.tier",
    )?;
    sku.insert("name".into(), json!(sku_name));
    sku.insert("tier".into(), json!(sku_tier));
    let support_plan = support_plan(&props, &old_props, sku_tier)?;
    check_api_server_access(&props)?;
    normalize_auto_upgrade(&mut props)?;
    // `securityProfile.workloadIdentity` is kept as sent. Learn pairs it with the OIDC issuer, but
    // ARM does not refuse it alone: Microsoft's ManagedClustersCreate_SecurityProfile example
    // enables it without an issuer and is answered 200.

    // An update without a version keeps the cluster's; only a create gets the default.
    // An empty version means "not specified", as in Microsoft's 2026-05-01 examples
    // (ManagedClustersCreate_*.json send `"kubernetesVersion": ""` and get the default).
    let requested_version = arm::opt_str(&props, "kubernetesVersion")?
        .filter(|v| !v.is_empty())
        .or_else(|| str_of(&old_props, "kubernetesVersion"))
        .unwrap_or(DEFAULT_KUBERNETES_VERSION)
        .to_string();
    let current_version = running_version(
        &requested_version,
        str_of(&old_props, "currentKubernetesVersion"),
    )?;
    if let Some(old) = str_of(&old_props, "currentKubernetesVersion") {
        let (old_major, old_minor) = minor_of(old);
        let (new_major, new_minor) = minor_of(&current_version);
        if (new_major, new_minor) < (old_major, old_minor) {
            return Err(ArmError::aks_bad_request(
                "NotAllowedDowngrade",
                format!("Downgrading Kubernetes from {old} to {current_version} is not allowed."),
            )
            .with_target("properties.kubernetesVersion"));
        }
        if new_major == old_major && new_minor > old_minor + 1 {
            return Err(ArmError::aks_bad_request(
            "UpgradeNotAllowedSkipMinorVersion",
                format!("Upgrading Kubernetes from {old} to {current_version} skips a minor version; upgrade one minor version at a time."),
            )
            .with_target("properties.kubernetesVersion"));
        }
    }

    let dns_prefix = arm::opt_str(&props, "dnsPrefix")?.map(str::to_string);
    let fqdn_subdomain = arm::opt_str(&props, "fqdnSubdomain")?.map(str::to_string);
    let dns_prefix = match (dns_prefix, &fqdn_subdomain) {
        (Some(p), _) => Some(p),
        (None, Some(_)) => None,
        (None, None) => Some(
            str_of(&old_props, "dnsPrefix")
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let rg: String = address
                        .resource_group
                        .clone()
                        .unwrap_or_default()
                        .chars()
                        .take(16)
                        .collect();
                    let short: String = name.chars().take(10).collect();
                    let sub: String = settings.subscription_id.chars().take(6).collect();
                    let generated = format!("{short}-{rg}-{sub}");
                    generated
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                        .collect::<String>()
                        .trim_matches('-')
                        .to_string()
                }),
        ),
    };
    if let Some(prefix) = &dns_prefix {
        if !valid_dns_prefix(prefix) {
            return Err(invalid(
                "properties.dnsPrefix",
                format!("DNS prefix '{prefix}' is invalid: 1-54 characters, letters, digits and '-', starting and ending with a letter or digit."),
            ));
        }
    }
    let enable_rbac = arm::opt_bool(&props, "enableRBAC")?.unwrap_or(true);
    let default_node_rg = {
        let raw = format!(
            "MC_{}_{}_{}",
            address.resource_group.as_deref().unwrap_or(""),
            name,
            location
        );
        raw.chars().take(80).collect::<String>()
    };
    let node_rg = match arm::opt_str(&props, "nodeResourceGroup")? {
        Some(rg) => rg.to_string(),
        None => str_of(&old_props, "nodeResourceGroup")
            .map(str::to_string)
            .unwrap_or(default_node_rg),
    };

    // Pools. On create the inline list is the pool collection. On update AKS changes only the
    // pools the list names: pools left out stay (Azure/AKS#1511; pulumi/pulumi-azure-native#579),
    // a list left out keeps every pool, and a name the cluster does not have is refused — new
    // pools go through the agentPools API (AKS's answer, e.g. microsoft/tyger#121, 2024).
    let existing_pools: Vec<Resource> = world
        .children(&address.key, Kind::AgentPool)
        .into_iter()
        .cloned()
        .collect();
    let inline = parse_inline_pools(&props)?;
    props.remove("agentPoolProfiles");
    let no_system_pool = || {
        ArmError::aks_bad_request(
            "MustDefineAtLeastOneSystemPool",
            "Must define at least one system pool.",
        )
        .with_target("properties.agentPoolProfiles")
    };
    let mut pool_specs: Vec<(String, Map<String, Value>)> = match (inline, existing) {
        (Some(list), None) if !list.is_empty() => list,
        (_, None) => return Err(no_system_pool()),
        (Some(list), Some(_)) => {
            if let Some((new_name, _)) = list
                .iter()
                .find(|(n, _)| !existing_pools.iter().any(|p| &p.name == n))
            {
                return Err(ArmError::bad_request(
                    "BadRequest",
                    format!("A new agent pool was introduced. Adding agent pools to an existing cluster is not allowed through managed cluster operations. For agent pool specific change, please use per agent pool operations: https://aka.ms/agent-pool-rest-api (create '{new_name}' with PUT …/agentPools/{new_name})"),
                )
                .with_subcode("")
                .with_target("agentPoolProfiles"));
            }
            list
        }
        (None, Some(_)) => Vec::new(),
    };
    // A new cluster whose pools name no mode gets its first pool as the system pool.
    if existing.is_none()
        && pool_specs
            .iter()
            .all(|(_, p)| p.get("mode").is_none_or(Value::is_null))
    {
        if let Some((_, first)) = pool_specs.first_mut() {
            first.insert("mode".into(), json!("System"));
        }
    }
    let stored_props = |name: &str| {
        existing_pools
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.properties().cloned())
    };
    // The pools this request writes, then the ones it leaves alone.
    let mut pools: Vec<(String, Map<String, Value>)> = Vec::new();
    for (pool_name, raw) in pool_specs {
        let old = stored_props(&pool_name);
        let scope = PoolScope {
            name: &pool_name,
            target: format!("agentPoolProfiles[{pool_name}]"),
            location: &location,
            cluster_version: &current_version,
            old: old.as_ref(),
            agent_pools_api: false,
        };
        let prepared = prepare_pool(world, settings, &scope, raw)?;
        pools.push((pool_name, prepared));
    }
    let written = pools.len();
    for pool in &existing_pools {
        if pools.iter().any(|(n, _)| n == &pool.name) {
            continue;
        }
        // An untouched pool keeps its version; it must stay within the skew of an upgraded
        // control plane (Learn "Upgrade the AKS control plane").
        let old = pool.properties().cloned().unwrap_or_default();
        let scope = PoolScope {
            name: &pool.name,
            target: format!("agentPoolProfiles[{}]", pool.name),
            location: &location,
            cluster_version: &current_version,
            old: Some(&old),
            agent_pools_api: false,
        };
        prepare_pool(world, settings, &scope, old.clone())?;
        pools.push((pool.name.clone(), old));
    }
    if !pools
        .iter()
        .any(|(_, p)| str_of(p, "mode") == Some("System"))
    {
        return Err(no_system_pool());
    }
    let pool_maps: Vec<Map<String, Value>> = pools.iter().map(|(_, p)| p.clone()).collect();
    let plan = plan_network(&props, &pool_maps)?;
    for (pool_name, pool) in pools.iter_mut().take(written) {
        finish_pool(
            pool,
            plan.networking,
            &format!("agentPoolProfiles[{pool_name}]"),
        )?;
    }
    check_vnet_overlaps(world, settings, &plan, &pool_maps)?;
    pools.truncate(written);

    if existing.is_some() {
        let keep = |field: &str, new: Option<&str>| -> Result<(), ArmError> {
            if !eq_opt(str_of(&old_props, field), new) {
                return Err(change_not_allowed(&format!("properties.{field}"), field));
            }
            Ok(())
        };
        keep("dnsPrefix", dns_prefix.as_deref())?;
        keep("fqdnSubdomain", fqdn_subdomain.as_deref())?;
        keep("nodeResourceGroup", Some(&node_rg))?;
        if old_props.get("enableRBAC").and_then(Value::as_bool) != Some(enable_rbac) {
            return Err(change_not_allowed("properties.enableRBAC", "enableRBAC"));
        }
        let old_network = old_props
            .get("networkProfile")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        check_network_changes(&old_network, &plan.stored)?;
        for (pool_name, pool) in &pools {
            if let Some(old) = stored_props(pool_name) {
                check_pool_changes(&old, pool, pool_name)?;
            }
        }
    } else if let Some(rg) = world.get(&node_resource_group_address(settings, &node_rg).key) {
        let managed_by_us = rg
            .body
            .get("managedBy")
            .and_then(Value::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case(&address.id));
        if !managed_by_us {
            return Err(ArmError::bad_request(
                "NodeResourceGroupAlreadyExists",
                format!(
                    "The node resource group '{node_rg}' already exists; AKS needs to create it."
                ),
            )
            .with_target("properties.nodeResourceGroup"));
        }
    }

    // Read-only outputs, kept stable across updates.
    let keep_or = |key: &str, make: &dyn Fn() -> Value| -> Value {
        old_props.get(key).cloned().unwrap_or_else(make)
    };
    let host = dns_prefix
        .clone()
        .or(fqdn_subdomain.clone())
        .unwrap_or_else(|| name.clone());
    let fqdn = keep_or("fqdn", &|| {
        json!(format!("{host}-{}.hcp.{location}.azmk8s.io", short_hex(8)))
    });
    let portal_fqdn = keep_or("azurePortalFQDN", &|| {
        let f = fqdn
            .as_str()
            .unwrap_or_default()
            .replacen(".hcp.", ".portal.hcp.", 1);
        json!(f)
    });
    // Secrets are write-only: managedClusters.json marks them `x-ms-secret`, so no response
    // carries them (oav: SECRET_PROPERTY). Azure keeps them; azsim has no use for them.
    for (profile, secret) in [
        ("windowsProfile", "adminPassword"),
        ("servicePrincipalProfile", "secret"),
        ("aadProfile", "serverAppSecret"),
    ] {
        if let Some(Value::Object(p)) = props.get_mut(profile) {
            p.remove(secret);
        }
    }
    props.insert("kubernetesVersion".into(), json!(requested_version));
    props.insert("currentKubernetesVersion".into(), json!(current_version));
    if let Some(p) = &dns_prefix {
        props.insert("dnsPrefix".into(), json!(p));
    }
    props.insert("fqdn".into(), fqdn);
    props.insert("azurePortalFQDN".into(), portal_fqdn);
    props.insert("enableRBAC".into(), json!(enable_rbac));
    props.insert("nodeResourceGroup".into(), json!(node_rg));
    props.insert("powerState".into(), json!({"code": "Running"}));
    props.insert("maxAgentPools".into(), json!(100));
    props.insert(
        "resourceUID".into(),
        keep_or("resourceUID", &|| json!(short_hex(24))),
    );
    props.insert("supportPlan".into(), json!(support_plan));
    props
        .entry("disableLocalAccounts")
        .or_insert_with(|| json!(false));
    props.insert("networkProfile".into(), Value::Object(plan.stored.clone()));
    let oidc_enabled = props
        .get("oidcIssuerProfile")
        .and_then(|o| o.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if oidc_enabled {
        let issuer = old_props
            .get("oidcIssuerProfile")
            .and_then(|o| o.get("issuerURL"))
            .cloned()
            .unwrap_or_else(|| {
                json!(format!(
                    "https://{location}.oic.prod-aks.azure.com/{}/{}/",
                    settings.tenant_id,
                    uuid::Uuid::new_v4()
                ))
            });
        props.insert(
            "oidcIssuerProfile".into(),
            json!({"enabled": true, "issuerURL": issuer}),
        );
    } else {
        props.insert("oidcIssuerProfile".into(), json!({"enabled": false}));
    }
    let kubelet_given = props
        .get("identityProfile")
        .and_then(|p| p.get("kubeletidentity"))
        .is_some();
    if !kubelet_given {
        let kubelet = old_props
            .get("identityProfile")
            .cloned()
            .unwrap_or_else(|| {
                json!({"kubeletidentity": {
                    "resourceId": format!("/subscriptions/{}/resourcegroups/{node_rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}-agentpool", settings.subscription_id),
                    "clientId": uuid::Uuid::new_v4().to_string(),
                    "objectId": uuid::Uuid::new_v4().to_string(),
                }})
            });
        props.insert("identityProfile".into(), kubelet);
    }

    let mut stored = Map::new();
    stored.insert("location".into(), json!(location));
    if let Some(tags) = tags {
        stored.insert("tags".into(), tags);
    }
    stored.insert("sku".into(), Value::Object(sku));
    stored.insert("identity".into(), identity);
    for key in ["kind", "extendedLocation"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            stored.insert(key.into(), v.clone());
        }
    }
    stored.insert("properties".into(), Value::Object(props));
    world.insert(new_resource(address, existing, Value::Object(stored)));

    // Write the pools the request names; the others are left as they are.
    let mut affected = Vec::new();
    for (pool_name, pool) in pools {
        let pool_address = arm::build_address(
            &settings.subscription_id,
            Kind::AgentPool,
            address.resource_group.as_deref().unwrap_or(""),
            vec![address.name().to_string(), pool_name],
        );
        let current = world.get(&pool_address.key).cloned();
        world.insert(new_resource(
            &pool_address,
            current.as_ref(),
            json!({"properties": Value::Object(pool)}),
        ));
        affected.push(pool_address.key);
    }
    if existing.is_none() {
        let node_rg_address = node_resource_group_address(settings, &node_rg);
        let location = world
            .get(&address.key)
            .and_then(Resource::location)
            .unwrap_or_default()
            .to_string();
        let cluster_id = world
            .get(&address.key)
            .map(|r| r.id.clone())
            .unwrap_or_default();
        resource_groups::ensure_managed(world, &node_rg_address, &location, &cluster_id);
    }
    Ok(start_write(
        world,
        ctx,
        &address.key,
        existing.is_none(),
        affected,
    ))
}

pub fn put_agent_pool(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &Value,
    existing: Option<&Resource>,
) -> Result<Option<String>, ArmError> {
    let settings = ctx.settings;
    let cluster_key = parent_key(&address.key);
    let cluster = world
        .get(&cluster_key)
        .cloned()
        .ok_or_else(|| ArmError::internal("the parent cluster vanished"))?;
    let cluster_props = cluster.properties().cloned().unwrap_or_default();
    let version = str_of(&cluster_props, "currentKubernetesVersion")
        .unwrap_or(DEFAULT_KUBERNETES_VERSION)
        .to_string();
    let props = arm::properties(body)?;
    let location = cluster.location().unwrap_or_default().to_string();
    let scope = PoolScope {
        name: address.name(),
        target: "properties".into(),
        location: &location,
        cluster_version: &version,
        old: existing.and_then(Resource::properties),
        agent_pools_api: true,
    };
    let mut pool = prepare_pool(world, settings, &scope, props)?;
    let network = cluster_props
        .get("networkProfile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut siblings: Vec<Map<String, Value>> = world
        .children(&cluster_key, Kind::AgentPool)
        .into_iter()
        .filter(|p| p.key() != address.key)
        .filter_map(|p| p.properties().cloned())
        .collect();
    siblings.push(pool.clone());
    let mut cluster_view = Map::new();
    cluster_view.insert("networkProfile".into(), Value::Object(network));
    let plan = plan_network(&cluster_view, &siblings)?;
    finish_pool(&mut pool, plan.networking, "properties")?;
    check_vnet_overlaps(world, settings, &plan, &[pool.clone()])?;
    if let Some(e) = existing {
        let old = e.properties().cloned().unwrap_or_default();
        check_pool_changes(&old, &pool, address.name())?;
        if str_of(&old, "mode") == Some("System")
            && str_of(&pool, "mode") != Some("System")
            && !siblings
                .iter()
                .take(siblings.len().saturating_sub(1))
                .any(|p| str_of(p, "mode") == Some("System"))
        {
            return Err(ArmError::aks_bad_request(
                "MustDefineAtLeastOneSystemPool",
                "Must define at least one system pool.",
            ));
        }
    }
    world.insert(new_resource(
        address,
        existing,
        json!({"properties": Value::Object(pool)}),
    ));
    Ok(start_write(
        world,
        ctx,
        &address.key,
        existing.is_none(),
        Vec::new(),
    ))
}

/// `POST /azsim/autoscale`: plays the cluster autoscaler, which changes an autoscaled pool's node
/// count out of band (no ARM request). Refused unless the pool autoscales (`AutoScalingNotEnabled`,
/// a code AKS defines) and the count lies in [minCount, maxCount]; a pool with an operation in
/// flight answers 409 like an ARM write. The pool's eTag changes, as for any change to it
/// (inferred); the cluster's does not.
pub fn autoscale(
    world: &mut World,
    settings: &Settings,
    id: &str,
    count: i64,
) -> Result<Value, ArmError> {
    let address = match arm::parse_path(id, &settings.subscription_id) {
        Ok(Route::Resource(address)) if address.kind == Kind::AgentPool => address,
        _ => {
            return Err(invalid(
                "id",
                format!("'{id}' is not an agent pool id (/subscriptions/…/managedClusters/{{cluster}}/agentPools/{{pool}})."),
            ))
        }
    };
    let Some(pool) = world.get(&address.key) else {
        return Err(super::not_found(&address));
    };
    if pool.is_busy() {
        return Err(super::busy_error(
            pool.kind,
            &pool.id,
            super::running_action(world, pool),
        ));
    }
    let props = pool.properties().cloned().unwrap_or_default();
    if props.get("enableAutoScaling").and_then(Value::as_bool) != Some(true) {
        return Err(ArmError::bad_request(
            "AutoScalingNotEnabled",
            format!(
                "Agent pool '{}' does not autoscale; only an autoscaled pool changes size by itself. Turn enableAutoScaling on first.",
                pool.name
            ),
        ));
    }
    let min = props.get("minCount").and_then(Value::as_i64).unwrap_or(0);
    let max = props.get("maxCount").and_then(Value::as_i64).unwrap_or(0);
    if !(min..=max).contains(&count) {
        return Err(invalid(
            "count",
            format!("The autoscaler keeps agent pool '{}' between minCount {min} and maxCount {max}; {count} is outside.", pool.name),
        ));
    }
    let Some(pool) = world.get_mut(&address.key) else {
        return Err(super::not_found(&address));
    };
    pool.properties_mut().insert("count".into(), json!(count));
    pool.etag = uuid::Uuid::new_v4().to_string();
    let pool = pool.clone();
    Ok(super::render(world, &pool))
}

/// The last system pool of a cluster cannot be deleted.
pub fn check_delete_agent_pool(world: &World, pool: &Resource) -> Result<(), ArmError> {
    if pool.prop_str("mode") != Some("System") {
        return Ok(());
    }
    let cluster = parent_key(&pool.key());
    let others = world
        .children(&cluster, Kind::AgentPool)
        .into_iter()
        .filter(|p| p.key() != pool.key())
        .any(|p| p.prop_str("mode") == Some("System"));
    if others {
        Ok(())
    } else {
        Err(ArmError::aks_bad_request(
            "MustDefineAtLeastOneSystemPool",
            format!(
                "Agent pool '{}' is the last system pool of the cluster and cannot be deleted.",
                pool.name
            ),
        ))
    }
}

/// Adds the agent pools to a rendered cluster.
pub fn render_cluster(world: &World, cluster: &Resource, out: &mut Map<String, Value>) {
    let pools: Vec<Value> = world
        .children(&cluster.key(), Kind::AgentPool)
        .into_iter()
        .map(|pool| {
            let mut map = Map::new();
            map.insert("name".into(), json!(pool.name));
            if let Some(props) = pool.properties() {
                for (k, v) in props {
                    map.insert(k.clone(), v.clone());
                }
            }
            Value::Object(map)
        })
        .collect();
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        props.insert("agentPoolProfiles".into(), Value::Array(pools));
    }
}

/// `POST …/listClusterUserCredential` (and the admin / monitoring variants).
pub fn credentials(
    world: &World,
    address: &ResourceAddress,
    user: &str,
) -> Result<ArmResponse, ArmError> {
    let cluster = world
        .get(&address.key)
        .ok_or_else(|| super::not_found(address))?;
    if user == "clusterAdmin"
        && cluster
            .properties()
            .and_then(|p| p.get("disableLocalAccounts"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    {
        return Err(ArmError::bad_request(
            "BadRequest",
            "Getting static credential is not allowed because this cluster is set to disable local accounts.",
        ));
    }
    let fqdn = cluster.prop_str("fqdn").unwrap_or("localhost");
    let rg = address.resource_group.as_deref().unwrap_or("");
    let name = &cluster.name;
    let user_name = format!("{user}_{rg}_{name}");
    let token = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("{}:{user}", cluster.id).as_bytes(),
    )
    .simple()
    .to_string();
    let ca = STANDARD.encode(format!(
        "-----BEGIN CERTIFICATE-----\nazsim-{name}\n-----END CERTIFICATE-----\n"
    ));
    let kubeconfig = format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: https://{fqdn}:443\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n    user: {user_name}\n  name: {name}\ncurrent-context: {name}\nkind: Config\npreferences: {{}}\nusers:\n- name: {user_name}\n  user:\n    token: {token}\n"
    );
    Ok(ArmResponse::json(
        axum::http::StatusCode::OK,
        json!({"kubeconfigs": [{"name": user, "value": STANDARD.encode(kubeconfig)}]}),
    ))
}

/// `GET …/locations/{location}/kubernetesVersions`.
pub fn kubernetes_versions(location: &str) -> Result<ArmResponse, ArmError> {
    if !arm::REGIONS.contains(&location) {
        return Err(ArmError::bad_request(
            "LocationNotAvailableForResourceType",
            format!("The provided location '{location}' is not available for this resource type."),
        ));
    }
    let values: Vec<Value> = KUBERNETES_VERSIONS
        .iter()
        .enumerate()
        .map(|(i, (minor, patches))| {
            let next: Vec<&str> = KUBERNETES_VERSIONS
                .get(i + 1)
                .map(|(_, p)| p.to_vec())
                .unwrap_or_default();
            let mut patch_versions = Map::new();
            for (j, patch) in patches.iter().enumerate() {
                let mut upgrades: Vec<&str> = patches[j + 1..].to_vec();
                upgrades.extend(next.iter().copied());
                patch_versions.insert(patch.to_string(), json!({"upgrades": upgrades}));
            }
            json!({
                "version": minor,
                "capabilities": {"supportPlan": ["KubernetesOfficial", "AKSLongTermSupport"]},
                "isPreview": false,
                "isDefault": *minor == DEFAULT_KUBERNETES_VERSION,
                "patchVersions": patch_versions,
            })
        })
        .collect();
    Ok(ArmResponse::json(
        axum::http::StatusCode::OK,
        json!({"values": values}),
    ))
}

/// Principal ids azsim knows (cluster and kubelet identities), for role assignment checks.
pub fn known_principals(world: &World) -> Vec<String> {
    let mut principals = Vec::new();
    for cluster in world.of_kind(Kind::ManagedCluster) {
        if let Some(p) = cluster
            .body
            .get("identity")
            .and_then(|i| i.get("principalId"))
            .and_then(Value::as_str)
        {
            principals.push(p.to_ascii_lowercase());
        }
        if let Some(map) = cluster
            .body
            .get("identity")
            .and_then(|i| i.get("userAssignedIdentities"))
            .and_then(Value::as_object)
        {
            for v in map.values() {
                if let Some(p) = v.get("principalId").and_then(Value::as_str) {
                    principals.push(p.to_ascii_lowercase());
                }
            }
        }
        if let Some(p) = cluster
            .properties()
            .and_then(|p| p.get("identityProfile"))
            .and_then(|i| i.get("kubeletidentity"))
            .and_then(|k| k.get("objectId"))
            .and_then(Value::as_str)
        {
            principals.push(p.to_ascii_lowercase());
        }
    }
    principals
}
