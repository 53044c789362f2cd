//! Golden examples (issue 9): for every operation the provider calls, azsim answers each example
//! *request* of Microsoft's REST API specifications (`../shared/azure-specs`, their `x-ms-examples`)
//! with a status the example lists and a body that carries every property the provider reads
//! (`tests/data/golden/provider-reads.json`) where the example's own response carries it.
//!
//! The examples are discovered from the swagger files at run time, so a new example file is
//! picked up without a change here. Each example runs against its own azsim, whose `oav` traffic
//! goes to a fresh directory under `AKSMESH_TRAFFIC_DIR` (default `<workspace>/target/arm-traffic`),
//! so `make test` also checks these exchanges against the specifications.
//!
//! What an example needs to exist first (its resource group, parent, the resources its body names,
//! and for GET/DELETE/POST/PATCH the target itself) is created with minimal valid bodies, as a
//! client would have done on Azure. Ids are rewritten to azsim's subscription (resource groups and
//! names are kept); the placeholder region `location1` becomes `eastus`.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use azsim::client::ClientResponse;
use common::*;
use serde_json::{json, Map, Value};

/// The operations the provider calls, by the provider namespace whose swagger defines them (the
/// namespace tells the Front Door `Routes_*` from the route-table operations of the same name).
const PROVIDER_OPERATIONS: &[(&str, &[&str])] = &[
    (
        "Microsoft.Cdn",
        &[
            "AFDEndpoints_Create",
            "AFDEndpoints_Get",
            "AFDEndpoints_Delete",
            "AFDOriginGroups_Create",
            "AFDOriginGroups_Get",
            "AFDOriginGroups_Delete",
            "AFDOrigins_Create",
            "AFDOrigins_Get",
            "AFDOrigins_Delete",
            "AFDOrigins_ListByOriginGroup",
            "AFDProfiles_Upgrade",
            "Profiles_Create",
            "Profiles_Delete",
            "Profiles_Get",
            "Routes_Create",
            "Routes_Delete",
            "Routes_Get",
        ],
    ),
    (
        "Microsoft.ContainerService",
        &[
            "AgentPools_CreateOrUpdate",
            "AgentPools_Get",
            "ClusterMeshProfiles_Apply",
            "ClusterMeshProfiles_CreateOrUpdate",
            "ClusterMeshProfiles_Delete",
            "ClusterMeshProfiles_Get",
            "FleetMembers_Create",
            "FleetMembers_Delete",
            "FleetMembers_Get",
            "FleetMembers_ListByFleet",
            "Fleets_CreateOrUpdate",
            "Fleets_Delete",
            "Fleets_Get",
            "ManagedClusters_CreateOrUpdate",
            "ManagedClusters_Delete",
            "ManagedClusters_Get",
            "ManagedClusters_ListClusterUserCredentials",
            "ManagedClusters_ListKubernetesVersions",
            "ManagedClusters_UpdateTags",
        ],
    ),
    (
        "Microsoft.Resources",
        &[
            "ResourceGroups_CreateOrUpdate",
            "ResourceGroups_Delete",
            "ResourceGroups_Get",
        ],
    ),
    (
        "Microsoft.Authorization",
        &[
            "RoleAssignments_Create",
            "RoleAssignments_Delete",
            "RoleAssignments_Get",
        ],
    ),
    (
        "Microsoft.Network",
        &[
            "Subnets_CreateOrUpdate",
            "Subnets_Delete",
            "Subnets_Get",
            "VirtualNetworkPeerings_CreateOrUpdate",
            "VirtualNetworkPeerings_Delete",
            "VirtualNetworkPeerings_Get",
            "VirtualNetworks_CreateOrUpdate",
            "VirtualNetworks_Get",
        ],
    ),
];

/// Examples that Azure itself refuses today, or that need a resource azsim does not simulate:
/// the answer is asserted to be this error instead. Keep these few, each with its source.
struct Refused {
    example: &'static str,
    status: u16,
    code: &'static str,
    why: &'static str,
}

const REFUSED: &[Refused] = &[
    Refused {
        example: "AgentPoolsCreate_TypeVirtualMachines_Autoscale",
        status: 400,
        code: "AgentPoolK8sVersionNotSupported",
        why: "orchestratorVersion 1.29.0: Kubernetes 1.29 left AKS standard support (Learn: \
              'Supported Kubernetes versions in AKS', release calendar) and is five minors behind \
              the default control plane (the spec's orchestratorVersion: a pool stays within the \
              allowed skew of the control plane)",
    },
    Refused {
        example: "AgentPoolsCreate_WindowsDisableOutboundNAT",
        status: 400,
        code: "AgentPoolK8sVersionNotSupported",
        why: "orchestratorVersion 1.23.8: Kubernetes 1.23 was retired by AKS in 2023 (Learn: \
              'Supported Kubernetes versions in AKS', release calendar)",
    },
    Refused {
        example: "RoleAssignments_CreateForResource",
        status: 400,
        code: "InvalidRoleAssignmentScope",
        why: "the scope is a Cosmos DB account (Microsoft.DocumentDb), a type azsim does not \
              simulate, so it cannot exist first as Azure requires",
    },
];

const SIMULATED_NAMESPACES: &[&str] = &[
    "Microsoft.Network",
    "Microsoft.Cdn",
    "Microsoft.ContainerService",
    "Microsoft.Authorization",
];

/// Properties an example request sends that its own api-version's swagger does not define (oav
/// reports them as additional properties in the request): left out, so the exchange is checked
/// against the specification as a real client's would be.
const NOT_IN_SPEC: &[(&str, &str, &str)] = &[(
    "AFDOrigins_Create",
    "/origin/properties/originCapacityResource",
    "AFDOriginProperties in Cdn 2025-12-01 openapi.json has no originCapacityResource",
)];

/// The placeholder region of the AKS examples; Azure knows no such region.
const PLACEHOLDER_LOCATION: &str = "location1";
const LOCATION: &str = "eastus";

// ---------------------------------------------------------------------------------------------
// Discovery

struct Case {
    operation_id: String,
    method: String,
    path_template: String,
    api_version: String,
    /// The example file, relative to the specs' `specification/` folder.
    example_file: String,
    example: Value,
    /// Name of the body parameter, if the operation has one.
    body_param: Option<String>,
    query_params: Vec<String>,
    header_params: Vec<String>,
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn specs_root() -> PathBuf {
    std::env::var_os("AKSMESH_AZURE_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/azure-specs"))
        .join("specification")
}

fn swagger_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "examples") {
                swagger_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Loads JSON files once each.
#[derive(Default)]
struct Documents(HashMap<PathBuf, Value>);

impl Documents {
    fn load(&mut self, path: &Path) -> &Value {
        let key = path.to_path_buf();
        self.0.entry(key).or_insert_with(|| {
            let text =
                std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            serde_json::from_slice(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
        })
    }

    /// A parameter object, following one `$ref` (local or into another file).
    fn parameter(&mut self, file: &Path, parameter: &Value) -> Value {
        let Some(reference) = parameter.get("$ref").and_then(Value::as_str) else {
            return parameter.clone();
        };
        let (target_file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if target_file.is_empty() {
            file.to_path_buf()
        } else {
            normalize(&file.parent().expect("a folder").join(target_file))
        };
        self.load(&target)
            .pointer(pointer)
            .cloned()
            .unwrap_or_else(|| panic!("{reference} (from {}) does not resolve", file.display()))
    }
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every present example of every provider operation, and the example files the specs name but
/// do not contain (the specs' README lists them).
fn discover() -> (Vec<Case>, Vec<(String, String)>) {
    let root = specs_root();
    let mut files = Vec::new();
    swagger_files(&root, &mut files);
    assert!(
        !files.is_empty(),
        "no swagger files under {}; set AKSMESH_AZURE_SPECS to the azure-specs folder",
        root.display()
    );
    let mut documents = Documents::default();
    let mut cases = Vec::new();
    let mut missing = Vec::new();
    for file in files {
        let file_text = file.to_string_lossy().replace('\\', "/");
        let Some((_, operations)) = PROVIDER_OPERATIONS
            .iter()
            .find(|(namespace, _)| file_text.contains(&format!("/{namespace}/")))
        else {
            continue;
        };
        let swagger = documents.load(&file).clone();
        if swagger.get("swagger").is_none() {
            continue;
        }
        let api_version = swagger["info"]["version"]
            .as_str()
            .expect("info.version")
            .to_string();
        let Some(paths) = swagger.get("paths").and_then(Value::as_object) else {
            continue;
        };
        for (path_template, item) in paths {
            let shared_parameters = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (method, operation) in item.as_object().expect("path item") {
                let Some(operation_id) = operation.get("operationId").and_then(Value::as_str)
                else {
                    continue;
                };
                if !operations.contains(&operation_id) {
                    continue;
                }
                let mut body_param = None;
                let mut query_params = Vec::new();
                let mut header_params = Vec::new();
                let own = operation
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for parameter in shared_parameters.iter().chain(own.iter()) {
                    let parameter = documents.parameter(&file, parameter);
                    let name = parameter["name"].as_str().unwrap_or_default().to_string();
                    match parameter["in"].as_str() {
                        Some("body") => body_param = Some(name),
                        Some("query") if name != "api-version" => query_params.push(name),
                        Some("header") => header_params.push(name),
                        _ => {}
                    }
                }
                let Some(examples) = operation.get("x-ms-examples").and_then(Value::as_object)
                else {
                    continue;
                };
                for example in examples.values() {
                    let reference = example["$ref"].as_str().expect("example $ref");
                    let example_path = normalize(&file.parent().expect("a folder").join(reference));
                    let relative = example_path
                        .strip_prefix(&root)
                        .unwrap_or(&example_path)
                        .to_string_lossy()
                        .into_owned();
                    if !example_path.exists() {
                        missing.push((operation_id.to_string(), relative));
                        continue;
                    }
                    cases.push(Case {
                        operation_id: operation_id.to_string(),
                        method: method.to_ascii_uppercase(),
                        path_template: path_template.clone(),
                        api_version: api_version.clone(),
                        example_file: relative,
                        example: documents.load(&example_path).clone(),
                        body_param: body_param.clone(),
                        query_params: query_params.clone(),
                        header_params: header_params.clone(),
                    });
                }
            }
        }
    }
    cases.sort_by(|a, b| {
        (&a.operation_id, &a.example_file).cmp(&(&b.operation_id, &b.example_file))
    });
    missing.sort();
    (cases, missing)
}

// ---------------------------------------------------------------------------------------------
// Rewriting the example to azsim's subscription

/// `…subscriptions/<anything>…` → `…subscriptions/<sub>…` in one string (case-insensitive).
fn rewrite_subscription(text: &str, sub: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find("subscriptions/") {
        let start = at + found;
        let boundary = start == 0 || text.as_bytes()[start - 1] == b'/';
        let value_start = start + "subscriptions/".len();
        out.push_str(&text[at..value_start]);
        if boundary {
            let value_end = text[value_start..]
                .find(['/', '?', '"'])
                .map_or(text.len(), |i| value_start + i);
            out.push_str(sub);
            at = value_end;
        } else {
            at = value_start;
        }
    }
    out.push_str(&text[at..]);
    out
}

/// Ids in strings and object keys point at azsim's subscription; the placeholder region is a real one.
fn rewrite(value: &Value, sub: &str) -> Value {
    match value {
        Value::String(s) if s == PLACEHOLDER_LOCATION => json!(LOCATION),
        Value::String(s) => Value::String(rewrite_subscription(s, sub)),
        Value::Array(items) => Value::Array(items.iter().map(|v| rewrite(v, sub)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (rewrite_subscription(k, sub), rewrite(v, sub)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn parameter_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The request path (with query) built from the swagger path template and the example's parameters.
fn request_path(case: &Case, parameters: &Value) -> (String, String) {
    let mut path = String::new();
    let mut rest = case.path_template.as_str();
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("closing brace") + open;
        let name = &rest[open + 1..close];
        let value = parameters
            .get(name)
            .map(parameter_text)
            .unwrap_or_else(|| panic!("{}: no value for {{{name}}}", case.example_file));
        path.push_str(&value);
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    let path = path.replace("//", "/");
    let mut query = format!("api-version={}", case.api_version);
    for name in &case.query_params {
        if let Some(value) = parameters.get(name) {
            query.push_str(&format!("&{name}={}", parameter_text(value)));
        }
    }
    (path.clone(), format!("{path}?{query}"))
}

// ---------------------------------------------------------------------------------------------
// ARM ids

/// A resource id split into its resource group and (type, name) pairs below the namespace.
#[derive(Debug, Clone)]
struct Id {
    text: String,
    resource_group: Option<String>,
    namespace: Option<String>,
    types: Vec<(String, String)>,
}

fn parse_id(text: &str) -> Id {
    let segments: Vec<&str> = text.trim_matches('/').split('/').collect();
    let mut resource_group = None;
    let mut namespace = None;
    let mut types = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        let segment = segments[i].to_ascii_lowercase();
        if segment == "resourcegroups" && namespace.is_none() {
            resource_group = segments.get(i + 1).map(|s| s.to_string());
            i += 2;
        } else if segment == "providers" {
            namespace = segments.get(i + 1).map(|s| s.to_string());
            types.clear();
            i += 2;
        } else if namespace.is_some() {
            if let Some(name) = segments.get(i + 1) {
                types.push((segment, name.to_string()));
            }
            i += 2;
        } else {
            i += 2;
        }
    }
    Id {
        text: format!("/{}", text.trim_matches('/')),
        resource_group,
        namespace,
        types,
    }
}

impl Id {
    fn kind(&self) -> Vec<&str> {
        self.types.iter().map(|(t, _)| t.as_str()).collect()
    }
    fn name(&self) -> &str {
        self.types
            .last()
            .map(|(_, n)| n.as_str())
            .unwrap_or_default()
    }
    /// The id of the parent resource (one type level up), if there is one below the namespace.
    fn parent(&self) -> Option<String> {
        if self.types.len() < 2 {
            return None;
        }
        let segments: Vec<&str> = self.text.trim_matches('/').split('/').collect();
        Some(format!("/{}", segments[..segments.len() - 2].join("/")))
    }
    fn namespace_is(&self, namespace: &str) -> bool {
        self.namespace
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(namespace))
    }
}

// ---------------------------------------------------------------------------------------------
// Setup: what Azure requires to exist before the example request

struct Golden {
    sim: Sim,
    sub_id: String,
    /// Setup requests' problems, reported with the example.
    notes: Vec<String>,
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn prefixes(value: Option<&Value>) -> Vec<String> {
    strings(value.and_then(|v| v.get("addressPrefixes")))
}

/// The strings of a JSON array (none when it is not one).
fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Address prefixes for `count` subnets inside `space`: /24s of the first IPv4 prefix, else one
/// IPv6 prefix each.
fn subnet_prefixes(space: &[String], count: usize) -> Vec<String> {
    if let Some(v4) = space.iter().find_map(|p| p.parse::<ipnet::Ipv4Net>().ok()) {
        let length = v4.prefix_len().max(24);
        return v4
            .subnets(length)
            .expect("subnets")
            .take(count)
            .map(|n| n.to_string())
            .collect();
    }
    space.iter().take(count).cloned().collect()
}

fn api_for(id: &Id) -> &'static str {
    match id
        .namespace
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("microsoft.network") => NET,
        Some("microsoft.cdn") => CDN,
        Some("microsoft.authorization") => AUTHZ,
        Some("microsoft.containerservice") if id.kind().first() == Some(&"fleets") => FLEET,
        Some("microsoft.containerservice") => AKS,
        _ => RG,
    }
}

impl Golden {
    async fn exists(&self, id: &str, api: &str) -> bool {
        self.sim.get(id, api).await.status == 200
    }

    /// PUTs `body` at `id` and waits for the operation to end; records a note when it fails.
    async fn create(&mut self, id: &str, api: &str, body: Value) {
        let r = self.sim.put(id, api, body).await;
        if !matches!(r.status, 200 | 201) {
            self.notes.push(format!(
                "setup PUT {id} answered {}: {}",
                r.status,
                body_text(&r)
            ));
            return;
        }
        if r.header("azure-asyncoperation").is_some() {
            let status = self.sim.wait_async(&r).await;
            if status["status"] != "Succeeded" {
                self.notes.push(format!("setup PUT {id} ended {}", status));
            }
        }
    }

    async fn ensure_group(&mut self, id: &Id) {
        if let Some(group) = &id.resource_group {
            let path = self.sim.rg(group);
            if !self.exists(&path, RG).await {
                self.create(&path, RG, json!({"location": LOCATION})).await;
            }
        }
    }

    /// Makes sure the resource `id` exists, creating its resource group and parents first.
    /// `hint` is what the example says about it (its request or response body), to create it alike.
    async fn ensure(&mut self, id_text: &str, hint: &Value) {
        let id = parse_id(id_text);
        self.ensure_group(&id).await;
        if id.types.is_empty() {
            return; // a subscription or resource group
        }
        if !SIMULATED_NAMESPACES.iter().any(|n| id.namespace_is(n)) {
            // Not even asked about: such a GET would match no operation of the specs.
            self.notes
                .push(format!("setup: azsim does not simulate {}", id.text));
            return;
        }
        let api = api_for(&id);
        if self.exists(&id.text, api).await {
            return;
        }
        if let Some(parent) = id.parent() {
            Box::pin(self.ensure(&parent, &Value::Null)).await;
        }
        let Some(body) = self.setup_body(&id, hint).await else {
            self.notes
                .push(format!("setup: azsim does not simulate {}", id.text));
            return;
        };
        self.create(&id.text, api, body).await;
        self.put_in_mesh_like(&id, hint).await;
    }

    /// A minimal valid PUT body for `id`, like `hint` where that matters, after creating what it names.
    async fn setup_body(&mut self, id: &Id, hint: &Value) -> Option<Value> {
        let props = hint.get("properties").cloned().unwrap_or(json!({}));
        let kind = id.kind();
        let body = if id.namespace_is("Microsoft.Network") {
            match kind.as_slice() {
                ["virtualnetworks"] => {
                    let mut space = prefixes(props.get("addressSpace"));
                    if space.is_empty() {
                        space = vec!["10.0.0.0/16".into()];
                    }
                    json!({"location": LOCATION,
                           "properties": {"addressSpace": {"addressPrefixes": space}}})
                }
                ["virtualnetworks", "subnets"] => {
                    let mut space = prefixes(Some(&props));
                    if let Some(p) = props.get("addressPrefix").and_then(Value::as_str) {
                        space.push(p.to_string());
                    }
                    if space.is_empty() {
                        space = vec!["10.0.0.0/24".into()];
                    }
                    json!({"properties": {"addressPrefixes": space}})
                }
                ["virtualnetworks", "virtualnetworkpeerings"] => {
                    let remote = str_at(&props, "/remoteVirtualNetwork/id")?.to_string();
                    self.peering_vnets(id, &remote, &props).await;
                    let mut body = json!({"properties": {
                        "remoteVirtualNetwork": {"id": remote},
                        "allowVirtualNetworkAccess": true
                    }});
                    for key in [
                        "peerCompleteVnets",
                        "enableOnlyIPv6Peering",
                        "localSubnetNames",
                        "remoteSubnetNames",
                    ] {
                        if let Some(v) = props.get(key) {
                            body["properties"][key] = v.clone();
                        }
                    }
                    body
                }
                _ => return None,
            }
        } else if id.namespace_is("Microsoft.Cdn") {
            match kind.as_slice() {
                ["profiles"] => json!({"location": "global",
                                       "sku": {"name": "Standard_AzureFrontDoor"}}),
                ["profiles", "afdendpoints"] => json!({"location": "global", "properties": {}}),
                ["profiles", "origingroups"] => {
                    let mut body = json!({"properties": {
                        "loadBalancingSettings": {"sampleSize": 4, "successfulSamplesRequired": 3,
                                                  "additionalLatencyInMilliseconds": 50}
                    }});
                    for key in ["loadBalancingSettings", "healthProbeSettings"] {
                        if let Some(v) = props.get(key) {
                            body["properties"][key] = v.clone();
                        }
                    }
                    body
                }
                ["profiles", "origingroups", "origins"] => json!({"properties": {
                    "hostName": props.get("hostName").cloned().unwrap_or(json!("origin.contoso.com"))
                }}),
                ["profiles", "afdendpoints", "routes"] => {
                    let group = str_at(&props, "/originGroup/id")
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            format!(
                                "{}/originGroups/origingroup1",
                                id.text.split("/afdEndpoints/").next().unwrap_or_default()
                            )
                        });
                    Box::pin(self.ensure(&group, &Value::Null)).await;
                    json!({"properties": {"originGroup": {"id": group}, "patternsToMatch": ["/*"],
                                          "linkToDefaultDomain": "Enabled"}})
                }
                _ => return None,
            }
        } else if id.namespace_is("Microsoft.ContainerService") {
            match kind.as_slice() {
                ["managedclusters"] => cluster_setup_body(id.name(), hint),
                ["managedclusters", "agentpools"] => json!({"properties": {
                    "count": 1, "vmSize": "Standard_D4s_v5", "mode": "User", "osType": "Linux"
                }}),
                ["fleets"] => json!({"location": LOCATION}),
                ["fleets", "members"] => {
                    let cluster = str_at(&props, "/clusterResourceId")
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            format!(
                                "{}/providers/Microsoft.ContainerService/managedClusters/{}",
                                self.sim.rg(id.resource_group.as_deref().unwrap_or("rg")),
                                id.name()
                            )
                        });
                    Box::pin(self.ensure(&cluster, &Value::Null)).await;
                    let labels: Map<String, Value> = props
                        .get("labels")
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .filter(|(k, _)| !k.starts_with("fleet.azure.com/"))
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect()
                        })
                        .unwrap_or_default();
                    json!({"properties": {"clusterResourceId": cluster, "labels": labels}})
                }
                ["fleets", "clustermeshprofiles"] => {
                    let selector =
                        str_at(&props, "/memberSelector/byLabel").unwrap_or("env=production");
                    json!({"properties": {"memberSelector": {"byLabel": selector}}})
                }
                _ => return None,
            }
        } else if id.namespace_is("Microsoft.Authorization") {
            match kind.as_slice() {
                ["roleassignments"] => {
                    let scope = id
                        .text
                        .split("/providers/Microsoft.Authorization/")
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    Box::pin(self.ensure(&scope, &Value::Null)).await;
                    json!({"properties": {
                        "roleDefinitionId": props.get("roleDefinitionId").cloned().unwrap_or(json!(format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", self.sub_id))),
                        "principalId": props.get("principalId").cloned().unwrap_or(json!("ce2ce14e-85d7-4629-bdbc-454d0519d987")),
                        "principalType": props.get("principalType").cloned().unwrap_or(json!("User"))
                    }})
                }
                _ => return None,
            }
        } else {
            return None;
        };
        Some(body)
    }

    /// Where the example shows a mesh already applied (a member's `meshProperties`, a profile's
    /// `status.lastAppliedMemberLabelSelector`), makes it so: a member selected by a profile of
    /// the same fleet, applied. (The example's own profile id names another fleet, so the
    /// profile is made in the member's fleet.)
    async fn put_in_mesh_like(&mut self, id: &Id, hint: &Value) {
        let fleet = match id.kind().as_slice() {
            ["fleets", "members"] if hint.pointer("/properties/meshProperties").is_some() => {
                id.parent().expect("a fleet")
            }
            ["fleets", "clustermeshprofiles"]
                if str_at(hint, "/properties/status/lastAppliedMemberLabelSelector").is_some() =>
            {
                id.parent().expect("a fleet")
            }
            _ => return,
        };
        let (profile, selector) = if id.kind().last() == Some(&"clustermeshprofiles") {
            let selector = str_at(hint, "/properties/status/lastAppliedMemberLabelSelector")
                .unwrap_or_default()
                .to_string();
            // A member the selector picks, on its own cluster.
            let labels: Map<String, Value> = selector
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), json!(v.trim())))
                .collect();
            let member = format!("{fleet}/members/meshmember1");
            let member_hint = json!({"properties": {"labels": labels}});
            Box::pin(self.ensure(&member, &member_hint)).await;
            (id.text.clone(), selector)
        } else {
            let selector = hint
                .pointer("/properties/labels")
                .and_then(Value::as_object)
                .and_then(|labels| {
                    labels
                        .iter()
                        .find(|(k, _)| !k.starts_with("fleet.azure.com/"))
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                })
                .unwrap_or_else(|| "env=production".into());
            let profile = format!("{fleet}/clusterMeshProfiles/meshprofile1");
            let profile_hint = json!({"properties": {"memberSelector": {"byLabel": selector}}});
            Box::pin(self.ensure(&profile, &profile_hint)).await;
            (profile, selector)
        };
        let apply = self
            .sim
            .client
            .post(&with_api(&format!("{profile}/apply"), FLEET), None)
            .await
            .expect("apply");
        match follow(&self.sim, &apply).await {
            Ok(status) if apply.status == 202 && status == "Succeeded" => {}
            outcome => self.notes.push(format!(
                "setup: applying {profile} ({selector}) answered {} and ended {outcome:?}: {}",
                apply.status,
                body_text(&apply)
            )),
        }
    }

    /// Creates the two VNets (and the subnets it names) a peering at `id` needs.
    async fn peering_vnets(&mut self, id: &Id, remote: &str, props: &Value) {
        let local_space = {
            let space = prefixes(props.get("localVirtualNetworkAddressSpace"));
            if space.is_empty() {
                vec!["10.0.0.0/16".to_string()]
            } else {
                space
            }
        };
        let remote_space = {
            let mut space = prefixes(props.get("remoteVirtualNetworkAddressSpace"));
            if space.is_empty() {
                space = prefixes(props.get("remoteAddressSpace"));
            }
            if space.is_empty() {
                vec!["12.0.0.0/8".to_string()]
            } else {
                space
            }
        };
        let local = id.parent().expect("a peering has a VNet");
        let names = |key: &str| strings(props.get(key));
        for (vnet, space, subnets) in [
            (local, local_space, names("localSubnetNames")),
            (remote.to_string(), remote_space, names("remoteSubnetNames")),
        ] {
            let vnet_id = parse_id(&vnet);
            self.ensure_group(&vnet_id).await;
            if self.exists(&vnet, NET).await {
                continue;
            }
            let subnets: Vec<Value> = subnets
                .iter()
                .zip(subnet_prefixes(&space, subnets.len()))
                .map(
                    |(name, prefix)| json!({"name": name, "properties": {"addressPrefix": prefix}}),
                )
                .collect();
            self.create(
                &vnet,
                NET,
                json!({"location": LOCATION, "properties": {
                    "addressSpace": {"addressPrefixes": space}, "subnets": subnets}}),
            )
            .await;
        }
    }
}

/// A cluster as the provider makes them (overlay, Cilium with ACNS, OIDC issuer), so it can also
/// join a fleet mesh.
/// Tags and the pools' names, sizes, counts and zones follow `hint` (the example's cluster).
fn cluster_setup_body(name: &str, hint: &Value) -> Value {
    let mut body = json!({
        "location": LOCATION,
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "dnsPrefix": name,
            "oidcIssuerProfile": {"enabled": true},
            "agentPoolProfiles": [{
                "name": "nodepool1", "mode": "System", "count": 1, "vmSize": "Standard_D4s_v5",
                "osType": "Linux", "type": "VirtualMachineScaleSets"
            }],
            "networkProfile": {
                "networkPlugin": "azure", "networkPluginMode": "overlay",
                "networkDataplane": "cilium", "networkPolicy": "cilium",
                "advancedNetworking": {"enabled": true}
            }
        }
    });
    if let Some(tags) = hint.get("tags") {
        body["tags"] = tags.clone();
    }
    if let Some(pools) = hint
        .pointer("/properties/agentPoolProfiles")
        .and_then(Value::as_array)
    {
        let pools: Vec<Value> = pools
            .iter()
            .enumerate()
            .map(|(i, pool)| {
                let mut out = json!({
                    "name": pool.get("name").cloned().unwrap_or(json!(format!("pool{i}"))),
                    "mode": pool.get("mode").cloned().unwrap_or(json!(if i == 0 { "System" } else { "User" })),
                    "count": pool.get("count").cloned().unwrap_or(json!(1)),
                    "vmSize": pool.get("vmSize").cloned().unwrap_or(json!("Standard_D4s_v5")),
                    "osType": "Linux", "type": "VirtualMachineScaleSets"
                });
                if let Some(zones) = pool.get("availabilityZones") {
                    out["availabilityZones"] = zones.clone();
                }
                out
            })
            .collect();
        if !pools.is_empty() {
            body["properties"]["agentPoolProfiles"] = json!(pools);
        }
    }
    body
}

// ---------------------------------------------------------------------------------------------
// Properties the provider reads

/// `tests/data/golden/provider-reads.json`: operationId → RFC 6901 pointers, `*` = every element.
fn provider_reads() -> BTreeMap<String, Vec<String>> {
    let path = workspace().join("tests/data/golden/provider-reads.json");
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn has_value(value: Option<&Value>) -> bool {
    value.is_some_and(|v| !v.is_null())
}

/// Walks `segments` through the example and azsim's body together: where the example has a value,
/// azsim's body must have one too. Returns how many values were compared; problems go to `missing`.
fn check_pointer(
    example: &Value,
    actual: &Value,
    segments: &[String],
    at: &str,
    missing: &mut BTreeSet<String>,
) -> usize {
    let Some((segment, rest)) = segments.split_first() else {
        return 1;
    };
    if segment == "*" {
        let example_items: Vec<&Value> = match example {
            Value::Array(items) => items.iter().collect(),
            Value::Object(map) => map.values().collect(),
            _ => return 0,
        };
        let actual_items: Vec<(String, &Value)> = match actual {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            _ => return 0,
        };
        let mut checked = 0;
        for (key, item) in actual_items {
            for example_item in &example_items {
                checked += check_pointer(example_item, item, rest, &format!("{at}/{key}"), missing);
            }
        }
        return checked;
    }
    let segment = unescape(segment);
    let child = |v: &'_ Value| -> Option<Value> {
        match v {
            Value::Object(map) => map.get(&segment).cloned(),
            Value::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i).cloned()),
            _ => None,
        }
    };
    let example_child = child(example);
    if !has_value(example_child.as_ref()) {
        return 0;
    }
    let here = format!("{at}/{segment}");
    match child(actual) {
        Some(actual_child) if !actual_child.is_null() => check_pointer(
            example_child.as_ref().expect("checked"),
            &actual_child,
            rest,
            &here,
            missing,
        ),
        // Only a value at the end of the pointer counts, not the objects on the way to it.
        _ if reaches_value(example_child.as_ref().expect("checked"), rest) => {
            missing.insert(here);
            0
        }
        _ => 0,
    }
}

/// Whether `value` has a non-null value at `segments` (`*` = any element).
fn reaches_value(value: &Value, segments: &[String]) -> bool {
    let Some((segment, rest)) = segments.split_first() else {
        return !value.is_null();
    };
    match (segment.as_str(), value) {
        ("*", Value::Array(items)) => items.iter().any(|v| reaches_value(v, rest)),
        ("*", Value::Object(map)) => map.values().any(|v| reaches_value(v, rest)),
        (key, Value::Object(map)) => map
            .get(&unescape(key))
            .is_some_and(|v| reaches_value(v, rest)),
        (index, Value::Array(items)) => index
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .is_some_and(|v| reaches_value(v, rest)),
        _ => false,
    }
}

/// Checks every pointer of `operation_id`; returns the count of values compared.
fn check_reads(
    reads: &BTreeMap<String, Vec<String>>,
    operation_id: &str,
    example_body: &Value,
    actual: &Value,
    missing: &mut BTreeSet<String>,
) -> usize {
    let Some(pointers) = reads.get(operation_id) else {
        return 0;
    };
    let mut checked = 0;
    for pointer in pointers {
        let segments: Vec<String> = pointer
            .strip_prefix('/')
            .unwrap_or(pointer)
            .split('/')
            .map(str::to_string)
            .collect();
        checked += check_pointer(example_body, actual, &segments, "", missing);
    }
    checked
}

// ---------------------------------------------------------------------------------------------
// Running one example

struct Outcome {
    operation_id: String,
    example: String,
    status: String,
    checked: usize,
    problems: Vec<String>,
}

fn traffic_root() -> PathBuf {
    std::env::var_os("AKSMESH_TRAFFIC_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/arm-traffic"))
        .join(format!("golden-examples-{}", std::process::id()))
}

/// Follows a long-running operation as a client does; returns the final status text.
async fn follow(sim: &Sim, response: &ClientResponse) -> Result<String, String> {
    if response.header("azure-asyncoperation").is_some() {
        let status = sim.wait_async(response).await;
        return Ok(status["status"].as_str().unwrap_or_default().to_string());
    }
    if response.status == 202 && response.header("location").is_some() {
        let done = sim.wait_location(response).await;
        return if matches!(done.status, 200 | 204) {
            Ok("Succeeded".into())
        } else {
            Err(format!(
                "Location ended {}: {}",
                done.status,
                body_text(&done)
            ))
        };
    }
    Ok(String::new())
}

async fn run(case: &Case, reads: &BTreeMap<String, Vec<String>>, traffic: &Path) -> Outcome {
    let stem = Path::new(&case.example_file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let traffic_dir = traffic.join(format!("{}-{stem}", case.operation_id));
    let sim = start_configured(0.0001, move |config| config.traffic_dir = Some(traffic_dir)).await;
    let sub_id = sim.running.info().subscription_id.clone();
    let mut golden = Golden {
        sim,
        sub_id: sub_id.clone(),
        notes: Vec::new(),
    };
    let mut outcome = Outcome {
        operation_id: case.operation_id.clone(),
        example: stem.clone(),
        status: "-".into(),
        checked: 0,
        problems: Vec::new(),
    };

    let mut parameters = rewrite(&case.example["parameters"], &sub_id);
    for (example, pointer, _why) in NOT_IN_SPEC.iter().filter(|(e, _, _)| *e == stem) {
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        let removed = parameters
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(key));
        assert!(
            removed.is_some(),
            "{example} no longer sends {pointer}; drop it from NOT_IN_SPEC"
        );
    }
    parameters["subscriptionId"] = json!(sub_id);
    let responses = rewrite(&case.example["responses"], &sub_id);
    let (target, path) = request_path(case, &parameters);
    let body = case
        .body_param
        .as_ref()
        .and_then(|name| parameters.get(name))
        .cloned();

    // Setup: the target's resource group and parents, what the body names, and for reads, deletes
    // and actions the target itself (like the example's response says it is).
    let target_id = parse_id(&target);
    let settled = ["200", "201"]
        .iter()
        .find_map(|s| responses.get(*s).and_then(|r| r.get("body")).cloned())
        .unwrap_or(Value::Null);
    match case.method.as_str() {
        // A resource group PUT creates it; anything else needs its group first.
        "PUT" if target_id.types.is_empty() => {}
        "PUT" => {
            golden.ensure_group(&target_id).await;
            if let Some(parent) = target_id.parent() {
                golden.ensure(&parent, &Value::Null).await;
            }
            let hint = body.clone().unwrap_or(Value::Null);
            prepare_put(&mut golden, &target_id, &hint, &settled).await;
        }
        // A list: its parent (when it is a resource) with children like the example's items.
        "GET" if case.operation_id.contains("_List") => {
            let parent = target.rsplit_once('/').map(|(p, _)| p).unwrap_or_default();
            if parse_id(parent).resource_group.is_some() {
                golden.ensure(parent, &Value::Null).await;
                let items = settled.get("value").and_then(Value::as_array);
                for item in items.into_iter().flatten() {
                    if let Some(name) = item.get("name").and_then(Value::as_str) {
                        golden.ensure(&format!("{target}/{name}"), item).await;
                    }
                }
            }
        }
        // Reads, deletes and actions: the resource itself, like the example's response shows it.
        _ => {
            let resource = if case.method == "POST" {
                // `…/{name}/apply`, `…/listClusterUserCredential`: the action's resource.
                target.rsplit_once('/').map(|(r, _)| r).unwrap_or_default()
            } else {
                target.as_str()
            };
            let id = parse_id(resource);
            if !id.types.is_empty() || id.resource_group.is_some() {
                golden.ensure(resource, &settled).await;
            }
        }
    }

    // The example request.
    let mut headers: Vec<(String, String)> = Vec::new();
    for name in &case.header_params {
        let Some(value) = parameters.get(name) else {
            continue;
        };
        if name.eq_ignore_ascii_case("If-Match") {
            // A placeholder ETag, like the ids: the current one of the target, when it exists.
            let current = golden.sim.client.get(&path).await.ok();
            if let Some(etag) = current.filter(|r| r.status == 200).and_then(|r| {
                r.json()
                    .get("eTag")
                    .or(r.json().get("etag"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }) {
                headers.push((name.clone(), etag));
            }
            continue;
        }
        headers.push((name.clone(), parameter_text(value)));
    }
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let bytes = body
        .as_ref()
        .map(|b| serde_json::to_vec(b).expect("JSON"))
        .unwrap_or_default();
    let response = golden
        .sim
        .client
        .send(&case.method, &path, &header_refs, bytes, true)
        .await
        .expect("the example request is answered");
    outcome.status = response.status.to_string();

    if let Some(refused) = REFUSED.iter().find(|r| r.example == stem) {
        // AKS puts the reason into the subcode of a `BadRequest`.
        let code = response
            .error_subcode()
            .or_else(|| response.error_code())
            .unwrap_or_default();
        if response.status != refused.status || code != refused.code {
            outcome.problems.push(format!(
                "expected the refusal {} {} ({}), got {} {}",
                refused.status,
                refused.code,
                refused.why,
                response.status,
                body_text(&response)
            ));
        }
        outcome.status = format!("{} {code} (refused)", response.status);
        return outcome;
    }
    outcome.problems.append(&mut golden.notes);

    let listed: Vec<&String> = responses
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    if !listed.iter().any(|s| **s == response.status.to_string()) {
        outcome.problems.push(format!(
            "status {} is not one the example lists ({listed:?}): {}",
            response.status,
            body_text(&response)
        ));
        return outcome;
    }
    let mut missing = BTreeSet::new();
    outcome.checked += check_reads(
        reads,
        &case.operation_id,
        &responses[response.status.to_string()]["body"],
        &response.json(),
        &mut missing,
    );
    for m in &missing {
        outcome
            .problems
            .push(format!("the {} response lacks {m}", response.status));
    }

    match follow(&golden.sim, &response).await {
        Ok(status) if status.is_empty() || status == "Succeeded" => {}
        Ok(status) => outcome
            .problems
            .push(format!("the long-running operation ended {status}")),
        Err(e) => outcome.problems.push(e),
    }

    // After a PUT, a client reads the settled resource: it must carry what the example's settled
    // response (200, else 201) carries.
    if case.method == "PUT" {
        let read = golden.sim.client.get(&path).await.expect("GET");
        if read.status != 200 {
            outcome.problems.push(format!(
                "reading it back answered {}: {}",
                read.status,
                body_text(&read)
            ));
        } else {
            let mut missing = BTreeSet::new();
            outcome.checked += check_reads(
                reads,
                &case.operation_id,
                &settled,
                &read.json(),
                &mut missing,
            );
            for m in &missing {
                outcome
                    .problems
                    .push(format!("the settled resource lacks {m}"));
            }
        }
    }
    if case.method == "DELETE" {
        let read = golden.sim.client.get(&path).await.expect("GET");
        if read.status != 404 {
            outcome
                .problems
                .push(format!("after the delete a GET answered {}", read.status));
        }
    }
    outcome
}

/// Creates what a PUT's body names (the remote VNet of a peering, the cluster of a member, the
/// origin group of a route, a role assignment's scope, a subnet's VNet address space).
async fn prepare_put(golden: &mut Golden, target: &Id, body: &Value, settled: &Value) {
    let props = body.get("properties").cloned().unwrap_or(json!({}));
    let kind = target.kind();
    if target.namespace_is("Microsoft.Network") {
        match kind.as_slice() {
            ["virtualnetworks", "subnets"] => {
                let vnet = target.parent().expect("parent");
                if !golden.exists(&vnet, NET).await {
                    let mut space = prefixes(Some(&props));
                    if let Some(p) = props.get("addressPrefix").and_then(Value::as_str) {
                        space.push(p.to_string());
                    }
                    golden
                        .create(
                            &vnet,
                            NET,
                            json!({"location": LOCATION,
                                   "properties": {"addressSpace": {"addressPrefixes": space}}}),
                        )
                        .await;
                }
            }
            ["virtualnetworks", "virtualnetworkpeerings"] => {
                if let Some(remote) = str_at(&props, "/remoteVirtualNetwork/id") {
                    // The example's response tells the address spaces and subnets of both VNets.
                    let mut described = settled.get("properties").cloned().unwrap_or(json!({}));
                    for key in ["localSubnetNames", "remoteSubnetNames"] {
                        if let Some(v) = props.get(key) {
                            described[key] = v.clone();
                        }
                    }
                    let remote = remote.to_string();
                    golden.peering_vnets(target, &remote, &described).await;
                }
            }
            _ => {}
        }
    } else if target.namespace_is("Microsoft.Cdn") {
        if let Some(group) = str_at(&props, "/originGroup/id") {
            golden.ensure(group, &Value::Null).await;
        }
    } else if target.namespace_is("Microsoft.ContainerService") {
        if let Some(cluster) = str_at(&props, "/clusterResourceId") {
            golden.ensure(cluster, &Value::Null).await;
        }
    } else if target.namespace_is("Microsoft.Authorization") {
        let scope = target
            .text
            .split("/providers/Microsoft.Authorization/")
            .next()
            .unwrap_or_default()
            .to_string();
        golden.ensure(&scope, &Value::Null).await;
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azsim_answers_every_example_request_of_the_operations_the_provider_calls() {
    let (cases, missing) = discover();
    let reads = provider_reads();
    let traffic = traffic_root();
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for case in &cases {
        outcomes.push(run(case, &reads, &traffic).await);
    }

    println!(
        "\ngolden examples: {} present, {} named by the specs but missing; traffic in {}",
        cases.len(),
        missing.len(),
        traffic.display()
    );
    println!("| operationId | example | status | checked properties | result |");
    println!("|---|---|---|---|---|");
    for o in &outcomes {
        println!(
            "| {} | {} | {} | {} | {} |",
            o.operation_id,
            o.example,
            o.status,
            o.checked,
            if o.problems.is_empty() {
                "ok"
            } else {
                "FAILED"
            }
        );
    }
    let calls_without_examples: BTreeSet<&str> = PROVIDER_OPERATIONS
        .iter()
        .flat_map(|(_, ops)| ops.iter().copied())
        .filter(|op| !cases.iter().any(|c| c.operation_id == *op))
        .collect();
    println!("operations without a present example: {calls_without_examples:?}");
    println!("({:.1} s)", started.elapsed().as_secs_f64());

    // Every refusal row names an example that still exists, so stale rows are noticed.
    for refused in REFUSED {
        assert!(
            outcomes.iter().any(|o| o.example == refused.example),
            "REFUSED names {}, which is no longer among the examples",
            refused.example
        );
    }
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.problems.is_empty())
        .map(|o| {
            format!(
                "{} {}:\n  {}",
                o.operation_id,
                o.example,
                o.problems.join("\n  ")
            )
        })
        .collect();
    assert!(
        cases.len() >= 50,
        "only {} examples found; are the specs complete?",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

/// The rule behind "carries every property the provider reads", on small cases.
#[test]
fn a_read_property_is_required_only_where_the_example_has_it() {
    let cases: &[(&str, Value, Value, &[&str], usize)] = &[
        // (pointer, example, azsim, missing, checked)
        (
            "/properties/fqdn",
            json!({"properties": {"fqdn": "a"}}),
            json!({"properties": {"fqdn": "b"}}),
            &[],
            1,
        ),
        (
            "/properties/fqdn",
            json!({"properties": {"fqdn": "a"}}),
            json!({"properties": {}}),
            &["/properties/fqdn"],
            0,
        ),
        (
            "/properties/fqdn",
            json!({"properties": {"fqdn": "a"}}),
            json!({"properties": {"fqdn": null}}),
            &["/properties/fqdn"],
            0,
        ),
        (
            "/properties/fqdn",
            json!({"properties": {}}),
            json!({}),
            &[],
            0,
        ),
        (
            "/properties/fqdn",
            json!({"properties": {"fqdn": null}}),
            json!({}),
            &[],
            0,
        ),
        ("/a~1b", json!({"a/b": 1}), json!({"a/b": 2}), &[], 1),
        (
            "/pools/*/name",
            json!({"pools": [{"name": "x"}]}),
            json!({"pools": [{"name": "y"}, {"count": 1}]}),
            &["/pools/1/name"],
            1,
        ),
        (
            "/pools/*/name",
            json!({"pools": [{"count": 1}]}),
            json!({"pools": [{"count": 2}]}),
            &[],
            0,
        ),
        (
            "/ids/*/principalId",
            json!({"ids": {"/a": {"principalId": "p"}}}),
            json!({"ids": {"/b": {"clientId": "c"}}}),
            &["/ids//b/principalId"],
            0,
        ),
    ];
    for (pointer, example, actual, want_missing, want_checked) in cases {
        let reads = BTreeMap::from([("Op".to_string(), vec![pointer.to_string()])]);
        let mut missing = BTreeSet::new();
        let checked = check_reads(&reads, "Op", example, actual, &mut missing);
        let want: BTreeSet<String> = want_missing.iter().map(|s| s.to_string()).collect();
        assert_eq!(missing, want, "{pointer} over {example} / {actual}");
        assert_eq!(
            checked, *want_checked,
            "{pointer} over {example} / {actual}"
        );
    }
}

#[test]
fn ids_move_to_azsims_subscription_and_keep_the_rest() {
    let sub = "00000000-0000-4000-8000-000000000001";
    for (given, want) in [
        (
            "/subscriptions/subid/resourceGroups/RG/x",
            format!("/subscriptions/{sub}/resourceGroups/RG/x"),
        ),
        (
            "subscriptions/a925/resourceGroups/testrg",
            format!("subscriptions/{sub}/resourceGroups/testrg"),
        ),
        ("/SUBSCRIPTIONS/SUB_ID", format!("/SUBSCRIPTIONS/{sub}")),
        (
            "https://h/subscriptions/s/p?x",
            format!("https://h/subscriptions/{sub}/p?x"),
        ),
        ("mysubscriptions/s", "mysubscriptions/s".to_string()),
        ("no id here", "no id here".to_string()),
    ] {
        assert_eq!(rewrite_subscription(given, sub), want, "{given}");
    }
    assert_eq!(
        rewrite(&json!({"location": "location1"}), sub),
        json!({"location": "eastus"})
    );
}
