//! ARM protocol pieces shared by every resource type: the type registry, resource ids
//! and their case-insensitive parsing, the error shape, and the response value handlers build.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// ARM's `ErrorDetail`: `{code, message, target, details}`, plus AKS's `subcode`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub target: Option<String>,
    /// AKS answers its validation errors with the category `BadRequest` as the code and the
    /// specific reason here (e.g. `CiliumDataplaneRequiresNetworkPolicyCilium`). Not in the
    /// common-types `ErrorDetail` schema, but what AKS sends. Boxed so that `ArmError` stays
    /// small (it is every handler's `Err`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcode: Option<Box<String>>,
    #[serde(default)]
    pub details: Vec<ErrorBody>,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.to_string(),
            message: message.into(),
            target: None,
            subcode: None,
            details: Vec::new(),
        }
    }
}

/// An error answered to the client with ARM's `{"error": {...}}` body.
#[derive(Debug, Clone)]
pub struct ArmError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// Scaled retry hint in milliseconds (429/503 and some 409s); 32 bits (49 days) keep
    /// `ArmError`, every handler's `Err`, small.
    pub retry_after_ms: Option<u32>,
}

impl ArmError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ArmError {
            status,
            body: ErrorBody::new(code, message),
            retry_after_ms: None,
        }
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// An AKS validation error as AKS sends it: 400, code `BadRequest`, the reason as `subcode`.
    pub fn aks_bad_request(subcode: &str, message: impl Into<String>) -> Self {
        let mut error = Self::bad_request("BadRequest", message);
        error.body.subcode = Some(Box::new(subcode.to_string()));
        error
    }
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }
    /// AKS's `subcode` beside another code (AKS sends `""` when it names no reason).
    pub fn with_subcode(mut self, subcode: &str) -> Self {
        self.body.subcode = Some(Box::new(subcode.to_string()));
        self
    }
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.body.target = Some(target.into());
        self
    }
    pub fn with_retry_after_ms(mut self, ms: u64) -> Self {
        self.retry_after_ms = Some(u32::try_from(ms).unwrap_or(u32::MAX));
        self
    }
    pub fn invalid_content(message: impl Into<String>) -> Self {
        Self::bad_request("InvalidRequestContent", message)
    }
    pub fn to_json(&self) -> Value {
        error_json(&self.body)
    }
}

pub fn error_json(body: &ErrorBody) -> Value {
    json!({ "error": error_detail_json(body) })
}

pub fn error_detail_json(body: &ErrorBody) -> Value {
    let mut detail = json!({
        "code": body.code,
        "message": body.message,
        "target": body.target,
        "details": body.details.iter().map(error_detail_json).collect::<Vec<_>>(),
    });
    if let Some(subcode) = &body.subcode {
        detail["subcode"] = json!(subcode);
    }
    detail
}

/// A response built by a handler; turned into HTTP by [`IntoResponse`].
#[derive(Debug)]
pub struct ArmResponse {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Option<Value>,
}

impl ArmResponse {
    pub fn json(status: StatusCode, body: Value) -> Self {
        ArmResponse {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }
    pub fn empty(status: StatusCode) -> Self {
        ArmResponse {
            status,
            headers: Vec::new(),
            body: None,
        }
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers
            .push((HeaderName::from_static(name), value.into()));
        self
    }
    /// Adds `Retry-After` (whole seconds, at least 1) and `retry-after-ms` (at least 10).
    pub fn retry_after(self, scaled_ms: u64) -> Self {
        let (seconds, ms) = retry_after_values(scaled_ms);
        self.header("retry-after", seconds.to_string())
            .header("retry-after-ms", ms.to_string())
    }
}

/// `Retry-After` seconds (ceil, ≥ 1) and `retry-after-ms` (≥ 10) for a scaled delay.
pub fn retry_after_values(scaled_ms: u64) -> (u64, u64) {
    let seconds = scaled_ms.div_ceil(1000).max(1);
    (seconds, scaled_ms.max(10))
}

impl From<ArmError> for ArmResponse {
    fn from(error: ArmError) -> Self {
        let mut response = ArmResponse::json(error.status, error.to_json());
        if let Some(ms) = error.retry_after_ms {
            response = response.retry_after(u64::from(ms));
        }
        response
    }
}

impl IntoResponse for ArmResponse {
    fn into_response(self) -> Response {
        let mut response = match &self.body {
            Some(body) => {
                let bytes = serde_json::to_vec(body).unwrap_or_default();
                let mut r = (self.status, bytes).into_response();
                r.headers_mut().insert(
                    axum::http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                );
                r
            }
            None => self.status.into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

/// Every resource type azsim knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    ResourceGroup,
    VirtualNetwork,
    Subnet,
    VirtualNetworkPeering,
    ManagedCluster,
    AgentPool,
    RoleAssignment,
    FrontDoorProfile,
    FrontDoorEndpoint,
    FrontDoorOriginGroup,
    FrontDoorOrigin,
    FrontDoorRoute,
    Fleet,
    FleetMember,
    ClusterMeshProfile,
}

pub struct TypeSpec {
    pub kind: Kind,
    pub namespace: &'static str,
    /// Canonical type segments, e.g. `["virtualNetworks", "subnets"]`.
    pub types: &'static [&'static str],
    pub api_version: &'static str,
}

pub const API_RESOURCES: &str = "2025-04-01";
pub const API_NETWORK: &str = "2025-07-01";
pub const API_AKS: &str = "2026-05-01";
pub const API_AUTHORIZATION: &str = "2022-04-01";
pub const API_CDN: &str = "2025-12-01";
pub const API_FLEET: &str = "2026-03-02-preview";

pub const TYPES: &[TypeSpec] = &[
    TypeSpec {
        kind: Kind::ResourceGroup,
        namespace: "Microsoft.Resources",
        types: &["resourceGroups"],
        api_version: API_RESOURCES,
    },
    TypeSpec {
        kind: Kind::VirtualNetwork,
        namespace: "Microsoft.Network",
        types: &["virtualNetworks"],
        api_version: API_NETWORK,
    },
    TypeSpec {
        kind: Kind::Subnet,
        namespace: "Microsoft.Network",
        types: &["virtualNetworks", "subnets"],
        api_version: API_NETWORK,
    },
    TypeSpec {
        kind: Kind::VirtualNetworkPeering,
        namespace: "Microsoft.Network",
        types: &["virtualNetworks", "virtualNetworkPeerings"],
        api_version: API_NETWORK,
    },
    TypeSpec {
        kind: Kind::ManagedCluster,
        namespace: "Microsoft.ContainerService",
        types: &["managedClusters"],
        api_version: API_AKS,
    },
    TypeSpec {
        kind: Kind::AgentPool,
        namespace: "Microsoft.ContainerService",
        types: &["managedClusters", "agentPools"],
        api_version: API_AKS,
    },
    TypeSpec {
        kind: Kind::RoleAssignment,
        namespace: "Microsoft.Authorization",
        types: &["roleAssignments"],
        api_version: API_AUTHORIZATION,
    },
    TypeSpec {
        kind: Kind::FrontDoorProfile,
        namespace: "Microsoft.Cdn",
        types: &["profiles"],
        api_version: API_CDN,
    },
    TypeSpec {
        kind: Kind::FrontDoorEndpoint,
        namespace: "Microsoft.Cdn",
        types: &["profiles", "afdEndpoints"],
        api_version: API_CDN,
    },
    TypeSpec {
        kind: Kind::FrontDoorOriginGroup,
        namespace: "Microsoft.Cdn",
        types: &["profiles", "originGroups"],
        api_version: API_CDN,
    },
    TypeSpec {
        kind: Kind::FrontDoorOrigin,
        namespace: "Microsoft.Cdn",
        types: &["profiles", "originGroups", "origins"],
        api_version: API_CDN,
    },
    TypeSpec {
        kind: Kind::FrontDoorRoute,
        namespace: "Microsoft.Cdn",
        types: &["profiles", "afdEndpoints", "routes"],
        api_version: API_CDN,
    },
    TypeSpec {
        kind: Kind::Fleet,
        namespace: "Microsoft.ContainerService",
        types: &["fleets"],
        api_version: API_FLEET,
    },
    TypeSpec {
        kind: Kind::FleetMember,
        namespace: "Microsoft.ContainerService",
        types: &["fleets", "members"],
        api_version: API_FLEET,
    },
    TypeSpec {
        kind: Kind::ClusterMeshProfile,
        namespace: "Microsoft.ContainerService",
        types: &["fleets", "clusterMeshProfiles"],
        api_version: API_FLEET,
    },
];

impl Kind {
    pub fn spec(self) -> &'static TypeSpec {
        // TYPES lists every variant exactly once, in declaration order.
        &TYPES[self as usize]
    }
    pub fn namespace(self) -> &'static str {
        self.spec().namespace
    }
    pub fn api_version(self) -> &'static str {
        self.spec().api_version
    }
    /// The ARM `type` string, e.g. `Microsoft.Network/virtualNetworks/subnets`.
    pub fn type_name(self) -> String {
        format!("{}/{}", self.namespace(), self.spec().types.join("/"))
    }
    /// Front Door returns lower-cased ids.
    pub fn lowercase_ids(self) -> bool {
        self.namespace() == "Microsoft.Cdn"
    }
    /// The kind whose last type segment follows this one, e.g. VirtualNetwork + "subnets".
    pub fn child(self, segment: &str) -> Option<Kind> {
        let parent = self.spec();
        TYPES
            .iter()
            .find(|t| {
                t.namespace == parent.namespace
                    && t.types.len() == parent.types.len() + 1
                    && t.types[..parent.types.len()] == *parent.types
                    && t.types[parent.types.len()].eq_ignore_ascii_case(segment)
            })
            .map(|t| t.kind)
    }
    pub fn parent(self) -> Option<Kind> {
        let spec = self.spec();
        if spec.types.len() < 2 {
            return None;
        }
        let parent_types = &spec.types[..spec.types.len() - 1];
        TYPES
            .iter()
            .find(|t| t.namespace == spec.namespace && t.types == parent_types)
            .map(|t| t.kind)
    }
    /// Whether writes to this type are long-running operations.
    pub fn is_async(self) -> bool {
        !matches!(self, Kind::ResourceGroup | Kind::RoleAssignment)
    }
}

/// Api-versions accepted for an operation-status URL of a namespace.
pub fn namespace_api_versions(namespace: &str) -> Vec<&'static str> {
    let mut versions: Vec<&'static str> = TYPES
        .iter()
        .filter(|t| t.namespace.eq_ignore_ascii_case(namespace))
        .map(|t| t.api_version)
        .collect();
    versions.dedup();
    versions
}

pub fn canonical_namespace(namespace: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .map(|t| t.namespace)
        .find(|n| n.eq_ignore_ascii_case(namespace))
}

/// The address of one resource instance.
#[derive(Debug, Clone)]
pub struct ResourceAddress {
    pub kind: Kind,
    /// Canonical id (types in canonical casing, names as the request spelled them).
    pub id: String,
    /// Lower-cased id: the key resources are stored under.
    pub key: String,
    pub resource_group: Option<String>,
    /// Names for each type segment (for role assignments: the assignment name only).
    pub names: Vec<String>,
    /// Role assignments: the scope they are attached to, as the request spelled it.
    pub scope: Option<String>,
}

impl ResourceAddress {
    pub fn name(&self) -> &str {
        self.names.last().map(String::as_str).unwrap_or("")
    }
    pub fn resource_group_key(&self, subscription: &str) -> Option<String> {
        self.resource_group
            .as_ref()
            .map(|rg| resource_group_id(subscription, rg).to_ascii_lowercase())
    }
    /// The address of the parent resource (for child types).
    pub fn parent(&self, subscription: &str) -> Option<ResourceAddress> {
        let parent_kind = self.kind.parent()?;
        let rg = self.resource_group.clone()?;
        let names = self.names[..self.names.len() - 1].to_vec();
        Some(build_address(subscription, parent_kind, &rg, names))
    }
}

pub fn resource_group_id(subscription: &str, name: &str) -> String {
    format!("/subscriptions/{subscription}/resourceGroups/{name}")
}

/// Builds the address of a resource inside a resource group.
pub fn build_address(
    subscription: &str,
    kind: Kind,
    rg: &str,
    names: Vec<String>,
) -> ResourceAddress {
    let spec = kind.spec();
    let mut id = if kind == Kind::ResourceGroup {
        resource_group_id(
            subscription,
            names.first().map(String::as_str).unwrap_or(""),
        )
    } else {
        format!(
            "{}/providers/{}",
            resource_group_id(subscription, rg),
            spec.namespace
        )
    };
    if kind != Kind::ResourceGroup {
        for (segment, name) in spec.types.iter().zip(names.iter()) {
            id.push('/');
            id.push_str(segment);
            id.push('/');
            id.push_str(name);
        }
    }
    ResourceAddress {
        kind,
        key: id.to_ascii_lowercase(),
        id,
        resource_group: Some(if kind == Kind::ResourceGroup {
            names.first().cloned().unwrap_or_default()
        } else {
            rg.to_string()
        }),
        names,
        scope: None,
    }
}

/// Where a list (collection GET) looks.
#[derive(Debug, Clone)]
pub enum CollectionScope {
    Subscription,
    ResourceGroup(String),
    Parent(ResourceAddress),
    /// Role assignments at a scope path.
    Scope(String),
}

#[derive(Debug, Clone)]
pub enum Route {
    Subscription,
    ResourceGroupList,
    ResourceGroupResources(String),
    /// ARM-style RG delete status: `/subscriptions/{sub}/operationresults/{id}`.
    SubscriptionOperationResult(String),
    /// `/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations|operationresults/{id}`.
    ProviderOperation {
        namespace: String,
        id: String,
        result: bool,
    },
    Resource(ResourceAddress),
    Collection {
        kind: Kind,
        scope: CollectionScope,
    },
    Action {
        resource: ResourceAddress,
        action: String,
    },
    /// `/subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}/kubernetesVersions`.
    KubernetesVersions(String),
}

impl Route {
    /// The namespace whose api-versions apply (None = no check, e.g. subscription GET).
    pub fn api_versions(&self) -> Vec<&'static str> {
        match self {
            Route::Subscription => vec![API_RESOURCES, "2022-12-01", "2020-01-01"],
            Route::ResourceGroupList
            | Route::ResourceGroupResources(_)
            | Route::SubscriptionOperationResult(_) => vec![API_RESOURCES],
            Route::ProviderOperation { namespace, .. } => namespace_api_versions(namespace),
            Route::Resource(address) => vec![address.kind.api_version()],
            Route::Collection { kind, .. } => vec![kind.api_version()],
            Route::Action { resource, .. } => vec![resource.kind.api_version()],
            Route::KubernetesVersions(_) => vec![API_AKS],
        }
    }
}

fn decode(segment: &str) -> Result<String, ArmError> {
    let decoded = percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            ArmError::bad_request("InvalidRequestUri", "The request URI is not valid UTF-8.")
        })?;
    // An encoded '/' or a control character would make ids ambiguous.
    if decoded.contains('/') || decoded.chars().any(char::is_control) {
        return Err(ArmError::bad_request(
            "InvalidRequestUri",
            format!("The path segment '{segment}' is not a valid resource name."),
        ));
    }
    Ok(decoded)
}

fn no_route(path: &str) -> ArmError {
    ArmError::not_found(
        "InvalidRequestUri",
        format!("No HTTP resource was found that matches the request URI '{path}'."),
    )
}

fn unknown_type(namespace: &str, types: &[String]) -> ArmError {
    ArmError::not_found(
        "InvalidResourceType",
        format!(
            "The resource type '{}' could not be found in the namespace '{}' for the api-versions supported by azsim.",
            types.join("/"),
            namespace
        ),
    )
}

/// Parses an ARM request path (case-insensitively) into a route.
pub fn parse_path(path: &str, subscription: &str) -> Result<Route, ArmError> {
    let raw: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut segments = Vec::with_capacity(raw.len());
    for s in &raw {
        segments.push(decode(s)?);
    }
    if segments.len() < 2 || !segments[0].eq_ignore_ascii_case("subscriptions") {
        return Err(no_route(path));
    }
    if !segments[1].eq_ignore_ascii_case(subscription) {
        return Err(ArmError::not_found(
            "SubscriptionNotFound",
            format!("The subscription '{}' could not be found.", segments[1]),
        ));
    }
    let providers_at = segments
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))
        .filter(|&i| i + 1 < segments.len());

    let Some(p) = providers_at else {
        return parse_scope_only(&segments, subscription, path);
    };
    let scope = &segments[..p];
    let namespace_raw = &segments[p + 1];
    let rest = &segments[p + 2..];

    if namespace_raw.eq_ignore_ascii_case("Microsoft.Authorization") {
        return parse_role_assignment(scope, rest, subscription, path);
    }
    let namespace = canonical_namespace(namespace_raw).ok_or_else(|| {
        ArmError::not_found(
            "NoRegisteredProviderFound",
            format!(
                "No registered resource provider found for namespace '{namespace_raw}'. azsim simulates Microsoft.Resources, Microsoft.Network, Microsoft.ContainerService, Microsoft.Authorization and Microsoft.Cdn."
            ),
        )
    })?;

    match scope.len() {
        // Subscription-level provider paths: operations and lists by subscription.
        2 => {
            if rest.len() == 4
                && rest[0].eq_ignore_ascii_case("locations")
                && (rest[2].eq_ignore_ascii_case("operations")
                    || rest[2].eq_ignore_ascii_case("operationresults"))
            {
                return Ok(Route::ProviderOperation {
                    namespace: namespace.to_string(),
                    id: rest[3].clone(),
                    result: rest[2].eq_ignore_ascii_case("operationresults"),
                });
            }
            if rest.len() == 3
                && namespace == "Microsoft.ContainerService"
                && rest[0].eq_ignore_ascii_case("locations")
                && rest[2].eq_ignore_ascii_case("kubernetesVersions")
            {
                return Ok(Route::KubernetesVersions(normalize_location(&rest[1])));
            }
            if rest.len() == 1 {
                let kind = top_level_kind(namespace, &rest[0])
                    .ok_or_else(|| unknown_type(namespace, rest))?;
                return Ok(Route::Collection {
                    kind,
                    scope: CollectionScope::Subscription,
                });
            }
            Err(unknown_type(namespace, rest))
        }
        4 if scope[2].eq_ignore_ascii_case("resourcegroups") => {
            let rg = scope[3].clone();
            parse_provider_resource(namespace, &rg, rest, subscription)
        }
        _ => Err(no_route(path)),
    }
}

fn top_level_kind(namespace: &str, segment: &str) -> Option<Kind> {
    TYPES
        .iter()
        .find(|t| {
            t.namespace == namespace
                && t.types.len() == 1
                && t.types[0].eq_ignore_ascii_case(segment)
        })
        .map(|t| t.kind)
}

fn parse_scope_only(
    segments: &[String],
    subscription: &str,
    path: &str,
) -> Result<Route, ArmError> {
    match segments.len() {
        2 => Ok(Route::Subscription),
        3 if segments[2].eq_ignore_ascii_case("resourcegroups") => Ok(Route::ResourceGroupList),
        4 if segments[2].eq_ignore_ascii_case("resourcegroups") => {
            Ok(Route::Resource(build_address(
                subscription,
                Kind::ResourceGroup,
                &segments[3],
                vec![segments[3].clone()],
            )))
        }
        4 if segments[2].eq_ignore_ascii_case("operationresults") => {
            Ok(Route::SubscriptionOperationResult(segments[3].clone()))
        }
        5 if segments[2].eq_ignore_ascii_case("resourcegroups")
            && segments[4].eq_ignore_ascii_case("resources") =>
        {
            Ok(Route::ResourceGroupResources(segments[3].clone()))
        }
        _ => Err(no_route(path)),
    }
}

fn parse_provider_resource(
    namespace: &'static str,
    rg: &str,
    rest: &[String],
    subscription: &str,
) -> Result<Route, ArmError> {
    if rest.is_empty() {
        return Err(unknown_type(namespace, rest));
    }
    let mut kind =
        top_level_kind(namespace, &rest[0]).ok_or_else(|| unknown_type(namespace, rest))?;
    if rest.len() == 1 {
        return Ok(Route::Collection {
            kind,
            scope: CollectionScope::ResourceGroup(rg.to_string()),
        });
    }
    let mut names = vec![rest[1].clone()];
    let mut i = 2;
    while i < rest.len() {
        let segment = &rest[i];
        match kind.child(segment) {
            Some(child) => {
                let parent = build_address(subscription, kind, rg, names.clone());
                if i + 1 == rest.len() {
                    return Ok(Route::Collection {
                        kind: child,
                        scope: CollectionScope::Parent(parent),
                    });
                }
                kind = child;
                names.push(rest[i + 1].clone());
                i += 2;
            }
            None => {
                if i + 1 == rest.len() {
                    return Ok(Route::Action {
                        resource: build_address(subscription, kind, rg, names),
                        action: segment.clone(),
                    });
                }
                return Err(unknown_type(namespace, rest));
            }
        }
    }
    Ok(Route::Resource(build_address(
        subscription,
        kind,
        rg,
        names,
    )))
}

fn parse_role_assignment(
    scope: &[String],
    rest: &[String],
    subscription: &str,
    path: &str,
) -> Result<Route, ArmError> {
    if rest.is_empty() || !rest[0].eq_ignore_ascii_case("roleAssignments") {
        return Err(unknown_type("Microsoft.Authorization", rest));
    }
    if scope.len() < 2 {
        return Err(no_route(path));
    }
    let scope_path = format!("/{}", scope.join("/"));
    let resource_group = if scope.len() >= 4 && scope[2].eq_ignore_ascii_case("resourcegroups") {
        Some(scope[3].clone())
    } else {
        None
    };
    let _ = subscription;
    match rest.len() {
        1 => Ok(Route::Collection {
            kind: Kind::RoleAssignment,
            scope: CollectionScope::Scope(scope_path),
        }),
        2 => {
            let name = rest[1].clone();
            let id =
                format!("{scope_path}/providers/Microsoft.Authorization/roleAssignments/{name}");
            Ok(Route::Resource(ResourceAddress {
                kind: Kind::RoleAssignment,
                key: id.to_ascii_lowercase(),
                id,
                resource_group,
                names: vec![name],
                scope: Some(scope_path),
            }))
        }
        _ => Err(unknown_type("Microsoft.Authorization", rest)),
    }
}

/// Normalises a location the way ARM echoes it ("West Europe" → "westeurope").
pub fn normalize_location(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Azure public-cloud regions azsim accepts (plus `global` where a type allows it).
pub const REGIONS: &[&str] = &[
    "eastus",
    "eastus2",
    "westus",
    "westus2",
    "westus3",
    "centralus",
    "northcentralus",
    "southcentralus",
    "westcentralus",
    "canadacentral",
    "canadaeast",
    "brazilsouth",
    "brazilsoutheast",
    "mexicocentral",
    "chilecentral",
    "northeurope",
    "westeurope",
    "uksouth",
    "ukwest",
    "francecentral",
    "francesouth",
    "germanywestcentral",
    "germanynorth",
    "norwayeast",
    "norwaywest",
    "switzerlandnorth",
    "switzerlandwest",
    "swedencentral",
    "swedensouth",
    "polandcentral",
    "italynorth",
    "spaincentral",
    "austriaeast",
    "belgiumcentral",
    "denmarkeast",
    "eastasia",
    "southeastasia",
    "japaneast",
    "japanwest",
    "koreacentral",
    "koreasouth",
    "centralindia",
    "southindia",
    "westindia",
    "jioindiawest",
    "jioindiacentral",
    "australiaeast",
    "australiasoutheast",
    "australiacentral",
    "australiacentral2",
    "newzealandnorth",
    "indonesiacentral",
    "malaysiawest",
    "uaenorth",
    "uaecentral",
    "qatarcentral",
    "israelcentral",
    "southafricanorth",
    "southafricawest",
    "eastus2euap",
    "centraluseuap",
];

/// Validates and normalises the `location` of a PUT body.
pub fn require_location(body: &Value, allow_global: bool) -> Result<String, ArmError> {
    let location = match body.get("location") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(ArmError::bad_request(
                "LocationRequired",
                "The location property is required for this definition.",
            ))
        }
        Some(_) => {
            return Err(ArmError::invalid_content(
                "The request content was invalid and could not be deserialized: 'location' must be a string.",
            ))
        }
    };
    let normalized = normalize_location(location);
    if (allow_global && normalized == "global") || REGIONS.contains(&normalized.as_str()) {
        Ok(normalized)
    } else {
        Err(ArmError::bad_request(
            "LocationNotAvailableForResourceType",
            format!("The provided location '{location}' is not available for this resource type."),
        )
        .with_target("location"))
    }
}

/// Returns the body's `tags` after checking it is an object of strings.
pub fn tags(body: &Value) -> Result<Option<Value>, ArmError> {
    match body.get("tags") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if map.values().all(Value::is_string) {
                Ok(Some(Value::Object(map.clone())))
            } else {
                Err(ArmError::invalid_content(
                    "The request content was invalid and could not be deserialized: tag values must be strings.",
                ))
            }
        }
        Some(_) => Err(ArmError::invalid_content(
            "The request content was invalid and could not be deserialized: 'tags' must be an object.",
        )),
    }
}

/// Parses a request body that must be a JSON object.
pub fn parse_object(body: &[u8]) -> Result<Value, ArmError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ArmError::invalid_content(
            "The request content was invalid and could not be deserialized: the body is empty.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ArmError::invalid_content(
            "The request content was invalid and could not be deserialized: expected a JSON object.",
        )),
        Err(e) => Err(ArmError::invalid_content(format!(
            "The request content was invalid and could not be deserialized: {e}."
        ))),
    }
}

/// `properties` of a body as an object (absent ⇒ empty).
pub fn properties(body: &Value) -> Result<serde_json::Map<String, Value>, ArmError> {
    match body.get("properties") {
        None | Some(Value::Null) => Ok(serde_json::Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(ArmError::invalid_content(
            "The request content was invalid and could not be deserialized: 'properties' must be an object.",
        )),
    }
}

/// Optional string field; a non-string is a deserialisation error.
pub fn opt_str<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ArmError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ArmError::invalid_content(format!(
            "The request content was invalid and could not be deserialized: '{key}' must be a string."
        ))),
    }
}

pub fn opt_bool(map: &serde_json::Map<String, Value>, key: &str) -> Result<Option<bool>, ArmError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ArmError::invalid_content(format!(
            "The request content was invalid and could not be deserialized: '{key}' must be a boolean."
        ))),
    }
}

pub fn opt_i64(map: &serde_json::Map<String, Value>, key: &str) -> Result<Option<i64>, ArmError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| {
            ArmError::invalid_content(format!(
                "The request content was invalid and could not be deserialized: '{key}' must be an integer."
            ))
        }),
    }
}

/// Optional object field.
pub fn opt_object<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a serde_json::Map<String, Value>>, ArmError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(ArmError::invalid_content(format!(
            "The request content was invalid and could not be deserialized: '{key}' must be an object."
        ))),
    }
}

/// Optional array field.
pub fn opt_array<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Vec<Value>>, ArmError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(ArmError::invalid_content(format!(
            "The request content was invalid and could not be deserialized: '{key}' must be an array."
        ))),
    }
}

/// Optional `{ "id": "..." }` reference.
pub fn opt_reference(
    map: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<String>, ArmError> {
    match opt_object(map, key)? {
        None => Ok(None),
        Some(o) => Ok(opt_str(o, "id")?.map(str::to_string)),
    }
}

/// Checks a name against ARM's common rules plus a type-specific pattern.
pub fn check_name(
    name: &str,
    max: usize,
    allowed: impl Fn(usize, char) -> bool,
    what: &str,
) -> Result<(), ArmError> {
    let count = name.chars().count();
    if count == 0 || count > max || !name.chars().enumerate().all(|(i, c)| allowed(i, c)) {
        return Err(ArmError::bad_request(
            "InvalidResourceName",
            format!("The {what} name '{name}' is invalid. It must be 1-{max} characters and use only the allowed characters."),
        )
        .with_target("name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-0000-4000-8000-000000000001";

    #[test]
    fn every_kind_indexes_its_own_spec() {
        for spec in TYPES {
            assert_eq!(spec.kind.spec().kind, spec.kind);
        }
    }

    #[test]
    fn parses_child_resource_case_insensitively() {
        let route = parse_path(
            &format!("/SUBSCRIPTIONS/{SUB}/resourcegroups/rg1/providers/microsoft.network/VIRTUALNETWORKS/v1/Subnets/s1"),
            SUB,
        )
        .unwrap();
        match route {
            Route::Resource(a) => {
                assert_eq!(a.kind, Kind::Subnet);
                assert_eq!(
                    a.id,
                    format!("/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1/subnets/s1")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn parses_actions_collections_and_role_assignments() {
        let base =
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService");
        assert!(matches!(
            parse_path(
                &format!("{base}/managedClusters/c/listClusterUserCredential"),
                SUB
            )
            .unwrap(),
            Route::Action { .. }
        ));
        assert!(matches!(
            parse_path(&format!("{base}/managedClusters/c/agentPools"), SUB).unwrap(),
            Route::Collection {
                kind: Kind::AgentPool,
                ..
            }
        ));
        let scope = format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s");
        match parse_path(
            &format!("{scope}/providers/Microsoft.Authorization/roleAssignments/abc"),
            SUB,
        )
        .unwrap()
        {
            Route::Resource(a) => {
                assert_eq!(a.kind, Kind::RoleAssignment);
                assert_eq!(a.scope.as_deref(), Some(scope.as_str()));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(parse_path(&format!("{base}/nothing/x"), SUB).is_err());
        assert!(parse_path("/subscriptions/other/resourceGroups/x", SUB).is_err());
    }
}
