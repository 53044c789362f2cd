//! Generic ARM resource handling (GET/PUT/PATCH/DELETE/list/actions, parents, conflicts,
//! operation completion) and the dispatch to one module per resource type.

pub mod fleet;
pub mod front_door;
pub mod managed_clusters;
pub mod network;
pub mod pool_data;
pub mod resource_groups;
pub mod role_assignments;

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::arm::{self, ArmError, ArmResponse, CollectionScope, Kind, ResourceAddress, Route};
use crate::operations::{self, StartOptions};
use crate::state::{Action, OperationStatus, Resource, Settings, World};

/// What a handler knows about the request besides the route and body.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub now_ms: i64,
    pub api_version: String,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    /// The fault plan chose `lro-fail` for this request.
    pub inject_lro_failure: bool,
}

impl Ctx<'_> {
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Handles one authenticated ARM request whose api-version was accepted.
pub fn handle(
    world: &mut World,
    ctx: &Ctx,
    method: &Method,
    route: Route,
    body: &[u8],
) -> Result<ArmResponse, ArmError> {
    advance(world, ctx.settings, ctx.now_ms);
    let settings = ctx.settings;
    match route {
        Route::Subscription => {
            require_method(method, &[Method::GET])?;
            Ok(ArmResponse::json(
                StatusCode::OK,
                json!({
                    "id": format!("/subscriptions/{}", settings.subscription_id),
                    "subscriptionId": settings.subscription_id,
                    "tenantId": settings.tenant_id,
                    "displayName": "azsim",
                    "state": "Enabled",
                    "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
                    "authorizationSource": "RoleBased",
                }),
            ))
        }
        Route::ResourceGroupList => {
            require_method(method, &[Method::GET])?;
            let value: Vec<Value> = world
                .of_kind(Kind::ResourceGroup)
                .map(|r| render(world, r))
                .collect();
            Ok(list_response(value))
        }
        Route::ResourceGroupResources(rg) => {
            require_method(method, &[Method::GET])?;
            let rg_key =
                arm::resource_group_id(&settings.subscription_id, &rg).to_ascii_lowercase();
            if world.get(&rg_key).is_none() {
                return Err(resource_group_not_found(&rg));
            }
            let prefix = format!("{rg_key}/providers/");
            let value: Vec<Value> = world
                .with_prefix(&prefix)
                .filter(|r| r.kind.parent().is_none() && r.kind != Kind::RoleAssignment)
                .map(|r| {
                    let id = if r.kind.lowercase_ids() { r.id.to_ascii_lowercase() } else { r.id.clone() };
                    json!({"id": id, "name": r.name, "type": r.kind.type_name(), "location": r.location()})
                })
                .collect();
            Ok(list_response(value))
        }
        Route::SubscriptionOperationResult(id) => {
            require_method(method, &[Method::GET])?;
            operations::result_response(settings, world, &id, ctx.now_ms, |_| None)
        }
        Route::ProviderOperation { id, result, .. } => {
            require_method(method, &[Method::GET])?;
            if result {
                operations::result_response(settings, world, &id, ctx.now_ms, |op| {
                    operation_result_body(world, op)
                })
            } else {
                operations::status_response(settings, world, &id, ctx.now_ms)
            }
        }
        Route::Resource(address) => match *method {
            Method::GET => get(world, ctx, &address),
            Method::HEAD if address.kind == Kind::ResourceGroup => {
                let exists = world.get(&address.key).is_some();
                Ok(ArmResponse::empty(if exists {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::NOT_FOUND
                }))
            }
            Method::PUT => put(world, ctx, &address, body),
            Method::PATCH => patch(world, ctx, &address, body),
            Method::DELETE => delete(world, ctx, &address),
            _ => Err(method_not_allowed(method)),
        },
        Route::Collection { kind, scope } => {
            require_method(method, &[Method::GET])?;
            list(world, ctx, kind, &scope)
        }
        Route::KubernetesVersions(location) => {
            require_method(method, &[Method::GET])?;
            managed_clusters::kubernetes_versions(&location)
        }
        Route::Action { resource, action } => {
            require_method(method, &[Method::POST])?;
            match (resource.kind, action.to_ascii_lowercase().as_str()) {
                (Kind::ManagedCluster, "listclusterusercredential") => {
                    managed_clusters::credentials(world, &resource, "clusterUser")
                }
                (Kind::ManagedCluster, "listclusteradmincredential") => {
                    managed_clusters::credentials(world, &resource, "clusterAdmin")
                }
                (Kind::ManagedCluster, "listclustermonitoringusercredential") => {
                    managed_clusters::credentials(world, &resource, "clusterMonitoringUser")
                }
                (Kind::ClusterMeshProfile, "apply") => fleet::apply(world, ctx, &resource),
                (Kind::FrontDoorProfile, "upgrade") => {
                    front_door::upgrade(world, ctx, &resource, body)
                }
                _ => Err(ArmError::not_found(
                    "InvalidResourceType",
                    format!(
                        "The action '{action}' is not supported on resource type '{}'.",
                        resource.kind.type_name()
                    ),
                )),
            }
        }
    }
}

fn require_method(method: &Method, allowed: &[Method]) -> Result<(), ArmError> {
    if allowed.contains(method) {
        Ok(())
    } else {
        Err(method_not_allowed(method))
    }
}

fn method_not_allowed(method: &Method) -> ArmError {
    ArmError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        format!("The requested resource does not support http method '{method}'."),
    )
}

pub fn list_response(value: Vec<Value>) -> ArmResponse {
    ArmResponse::json(StatusCode::OK, json!({ "value": value }))
}

pub fn resource_group_not_found(name: &str) -> ArmError {
    ArmError::not_found(
        "ResourceGroupNotFound",
        format!("Resource group '{name}' could not be found."),
    )
}

pub fn not_found(address: &ResourceAddress) -> ArmError {
    match address.kind {
        Kind::ResourceGroup => resource_group_not_found(address.name()),
        Kind::RoleAssignment => ArmError::not_found(
            "RoleAssignmentNotFound",
            format!("The role assignment '{}' is not found.", address.name()),
        ),
        kind => ArmError::not_found(
            "ResourceNotFound",
            format!(
                "The Resource '{}/{}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
                kind.type_name(),
                address.names.join("/"),
                address.resource_group.as_deref().unwrap_or("")
            ),
        ),
    }
}

fn parent_not_found(id: &str) -> ArmError {
    ArmError::not_found(
        "ParentResourceNotFound",
        format!("Can not perform requested operation on nested resource. Parent resource '{id}' not found."),
    )
}

/// The lower-cased key of the parent of a child resource key.
pub fn parent_key(key: &str) -> String {
    let mut parts = key.rsplitn(3, '/');
    let _name = parts.next();
    let _type = parts.next();
    parts.next().unwrap_or("").to_string()
}

/// The id a resource is shown with (Front Door lower-cases ids).
pub fn display_id(resource: &Resource) -> String {
    if resource.kind.lowercase_ids() {
        resource.id.to_ascii_lowercase()
    } else {
        resource.id.clone()
    }
}

/// The ARM representation of a resource.
pub fn render(world: &World, resource: &Resource) -> Value {
    let mut out = match &resource.body {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    out.insert("id".into(), Value::String(display_id(resource)));
    out.insert("name".into(), Value::String(resource.name.clone()));
    out.insert("type".into(), Value::String(resource.kind.type_name()));
    match resource.kind.namespace() {
        "Microsoft.Network" => {
            out.insert(
                "etag".into(),
                Value::String(format!("W/\"{}\"", resource.etag)),
            );
        }
        // An agent pool's eTag lives in its properties (managedClusters.json 2026-05-01).
        "Microsoft.ContainerService" if resource.kind == Kind::AgentPool => {
            if let Some(Value::Object(props)) = out.get_mut("properties") {
                props.insert("eTag".into(), Value::String(resource.etag.clone()));
            }
        }
        "Microsoft.ContainerService" => {
            out.insert("eTag".into(), Value::String(resource.etag.clone()));
        }
        _ => {}
    }
    match resource.kind {
        Kind::VirtualNetwork => network::render_virtual_network(world, resource, &mut out),
        Kind::VirtualNetworkPeering => network::render_peering(world, resource, &mut out),
        Kind::ManagedCluster => managed_clusters::render_cluster(world, resource, &mut out),
        _ => {}
    }
    Value::Object(out)
}

/// Checks that the resource group and every parent exist (and, for writes, are not being deleted).
fn check_parents(
    world: &World,
    settings: &Settings,
    address: &ResourceAddress,
    for_write: bool,
) -> Result<(), ArmError> {
    if address.kind == Kind::ResourceGroup {
        return Ok(());
    }
    if let Some(rg) = &address.resource_group {
        let rg_key = arm::resource_group_id(&settings.subscription_id, rg).to_ascii_lowercase();
        match world.get(&rg_key) {
            None => return Err(resource_group_not_found(rg)),
            Some(group) if for_write && group.provisioning_state() == "Deleting" => {
                return Err(ArmError::conflict(
                    "ResourceGroupBeingDeleted",
                    format!("The resource group '{rg}' is in deprovisioning state and cannot perform this operation."),
                ))
            }
            Some(_) => {}
        }
    }
    if address.kind == Kind::RoleAssignment {
        return role_assignments::check_scope(world, address);
    }
    let mut parent = address.parent(&settings.subscription_id);
    while let Some(p) = parent {
        match world.get(&p.key) {
            None => return Err(parent_not_found(&p.id)),
            Some(resource) if for_write && resource.provisioning_state() == "Deleting" => {
                return Err(busy_error(resource.kind, &resource.id, "Delete"));
            }
            Some(_) => {}
        }
        parent = p.parent(&settings.subscription_id);
    }
    Ok(())
}

/// The 409 a write gets while another operation runs, with each RP's code.
pub fn busy_error(kind: Kind, id: &str, running: &str) -> ArmError {
    match kind.namespace() {
        "Microsoft.Network" => ArmError::conflict(
            "AnotherOperationInProgress",
            format!("Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: {id}. Operation in progress: {running}."),
        ),
        "Microsoft.ContainerService" => ArmError::conflict(
            "OperationNotAllowed",
            format!("Operation is not allowed because there's an in progress {running} operation on '{id}'. Please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details."),
        ),
        "Microsoft.Resources" => ArmError::conflict(
            "ResourceGroupBeingDeleted",
            format!("The resource group '{id}' is in deprovisioning state and cannot perform this operation."),
        ),
        _ => ArmError::conflict(
            "Conflict",
            format!("The resource '{id}' is busy with a {running} operation. Retry after it completes."),
        ),
    }
}

pub(crate) fn running_action(world: &World, resource: &Resource) -> &'static str {
    resource
        .operation
        .as_ref()
        .and_then(|id| world.operation(id))
        .map(|op| match op.action {
            Action::Create => "Creating",
            Action::Update => "Updating",
            Action::Delete => "Deleting",
            Action::MeshApply => "Applying",
        })
        .unwrap_or("Updating")
}

/// Resources that must be idle for a write to `address` (one write per VNet, per cluster).
///
/// Network: one write at a time per VNet, its subnets and peerings included; a second one answers
/// 409 `AnotherOperationInProgress` "Another operation on this or dependent resource is in
/// progress" (Azure's wording, e.g. microsoft/AzureTRE#2222 for a subnet PUT). Learn's
/// "Understand how Azure Resource Manager throttles requests" (Error code) describes the same lock:
/// the Network RP answers `RetryableErrorDueToAnotherOperation` when the target resource is locked
/// by another operation (azsim answers the 409 `AnotherOperationInProgress` the RP gives a PUT).
/// AKS: one operation per cluster and its agent pools (`OperationNotAllowed`,
/// aka.ms/aks-pending-operation).
pub(crate) fn lock_group<'a>(
    world: &'a World,
    settings: &Settings,
    address: &ResourceAddress,
) -> Vec<&'a Resource> {
    let top = |kind: Kind| -> Option<String> {
        let rg = address.resource_group.as_deref()?;
        Some(
            arm::build_address(
                &settings.subscription_id,
                kind,
                rg,
                address.names[..1].to_vec(),
            )
            .key,
        )
    };
    let group_root = match address.kind {
        Kind::VirtualNetwork | Kind::Subnet | Kind::VirtualNetworkPeering => {
            top(Kind::VirtualNetwork)
        }
        Kind::ManagedCluster | Kind::AgentPool => top(Kind::ManagedCluster),
        _ => None,
    };
    match group_root {
        Some(root) => {
            let mut members: Vec<&Resource> = world.get(&root).into_iter().collect();
            let prefix = format!("{root}/");
            members.extend(
                world
                    .with_prefix(&prefix)
                    .filter(|r| r.kind != Kind::RoleAssignment),
            );
            members
        }
        None => {
            // The resource and its ancestors.
            let mut members: Vec<&Resource> = world.get(&address.key).into_iter().collect();
            let mut parent = address.parent(&settings.subscription_id);
            while let Some(p) = parent {
                members.extend(world.get(&p.key));
                parent = p.parent(&settings.subscription_id);
            }
            members
        }
    }
}

fn check_lock_group(
    world: &World,
    settings: &Settings,
    address: &ResourceAddress,
) -> Result<(), ArmError> {
    if let Some(busy) = lock_group(world, settings, address)
        .into_iter()
        .find(|r| r.is_busy())
    {
        return Err(busy_error(
            address.kind,
            &busy.id,
            running_action(world, busy),
        ));
    }
    Ok(())
}

fn strip_etag(value: &str) -> &str {
    value.trim().trim_start_matches("W/").trim_matches('"')
}

fn check_preconditions(headers: &HeaderMap, existing: Option<&Resource>) -> Result<(), ArmError> {
    let failed = |message: &str| {
        ArmError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            message,
        )
    };
    if let Some(value) = headers.get("if-none-match").and_then(|v| v.to_str().ok()) {
        if value.trim() == "*" && existing.is_some() {
            return Err(failed(
                "The resource already exists and If-None-Match: * was given.",
            ));
        }
        if let Some(e) = existing {
            if strip_etag(value) == e.etag {
                return Err(failed("The resource's ETag matches If-None-Match."));
            }
        }
    }
    if let Some(value) = headers.get("if-match").and_then(|v| v.to_str().ok()) {
        match existing {
            None => {
                return Err(failed(
                    "The resource does not exist and If-Match was given.",
                ))
            }
            Some(e) if value.trim() != "*" && strip_etag(value) != e.etag => {
                return Err(failed(
                    "The ETag in If-Match does not match the resource's current ETag.",
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn get(world: &World, ctx: &Ctx, address: &ResourceAddress) -> Result<ArmResponse, ArmError> {
    if address.kind != Kind::ResourceGroup {
        check_parents(world, ctx.settings, address, false)?;
    }
    let resource = world.get(&address.key).ok_or_else(|| not_found(address))?;
    Ok(ArmResponse::json(StatusCode::OK, render(world, resource)))
}

/// The location an operation is reported under: the resource's or its nearest parent's.
pub fn operation_location(world: &World, key: &str) -> String {
    let mut current = key.to_string();
    loop {
        if let Some(location) = world.get(&current).and_then(Resource::location) {
            return location.to_string();
        }
        let parent = parent_key(&current);
        if parent.is_empty() || !parent.contains("/providers/") {
            return "global".into();
        }
        current = parent;
    }
}

/// Starts the create/update operation of a write.
pub fn start_write(
    world: &mut World,
    ctx: &Ctx,
    key: &str,
    created: bool,
    affected: Vec<String>,
) -> Option<String> {
    let location = operation_location(world, key);
    operations::start(
        world,
        ctx.settings,
        ctx.now_ms,
        key,
        StartOptions {
            action: if created {
                Action::Create
            } else {
                Action::Update
            },
            location,
            api_version: ctx.api_version.clone(),
            inject_failure: ctx.inject_lro_failure,
            affected,
            data: Value::Null,
        },
    )
}

/// A new stored resource for a PUT, keeping the id spelling and hidden state of an existing one.
pub fn new_resource(
    address: &ResourceAddress,
    existing: Option<&Resource>,
    body: Value,
) -> Resource {
    let mut resource = Resource::new(
        address.id.clone(),
        address.kind,
        address.name().to_string(),
        body,
    );
    if let Some(e) = existing {
        resource.id = e.id.clone();
        resource.name = e.name.clone();
        resource.internal = e.internal.clone();
    }
    resource
}

fn put(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &[u8],
) -> Result<ArmResponse, ArmError> {
    let body = arm::parse_object(body)?;
    check_parents(world, ctx.settings, address, true)?;
    let existing = world.get(&address.key).cloned();
    if let Some(e) = &existing {
        if e.is_busy() {
            return Err(busy_error(e.kind, &e.id, running_action(world, e)));
        }
    }
    check_lock_group(world, ctx.settings, address)?;
    check_preconditions(ctx.headers, existing.as_ref())?;
    let existing = existing.as_ref();
    let operation = match address.kind {
        Kind::ResourceGroup => resource_groups::put(world, ctx, address, &body, existing)?,
        Kind::VirtualNetwork => network::put_virtual_network(world, ctx, address, &body, existing)?,
        Kind::Subnet => network::put_subnet(world, ctx, address, &body, existing)?,
        Kind::VirtualNetworkPeering => network::put_peering(world, ctx, address, &body, existing)?,
        Kind::ManagedCluster => {
            managed_clusters::put_cluster(world, ctx, address, &body, existing)?
        }
        Kind::AgentPool => managed_clusters::put_agent_pool(world, ctx, address, &body, existing)?,
        Kind::RoleAssignment => role_assignments::put(world, ctx, address, &body, existing)?,
        Kind::FrontDoorProfile
        | Kind::FrontDoorEndpoint
        | Kind::FrontDoorOriginGroup
        | Kind::FrontDoorOrigin
        | Kind::FrontDoorRoute => front_door::put(world, ctx, address, &body, existing)?,
        Kind::Fleet | Kind::FleetMember | Kind::ClusterMeshProfile => {
            fleet::put(world, ctx, address, &body, existing)?
        }
    };
    let resource = world
        .get(&address.key)
        .ok_or_else(|| ArmError::internal("the resource vanished while it was written"))?;
    let created = existing.is_none();
    // Role assignments answer 201 only for a new assignment; an identical re-PUT is 200.
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = ArmResponse::json(status, render(world, resource));
    if let Some(op) = operation.as_ref().and_then(|id| world.operation(id)) {
        response = operations::with_polling_headers(response, ctx.settings, op, ctx.now_ms, false);
    }
    Ok(response)
}

fn patch(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
    body: &[u8],
) -> Result<ArmResponse, ArmError> {
    let body = arm::parse_object(body)?;
    check_parents(world, ctx.settings, address, true)?;
    if address.kind.parent().is_some() || address.kind == Kind::RoleAssignment {
        return Err(ArmError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The requested resource does not support http method 'PATCH'.",
        ));
    }
    let tags = arm::tags(&body)?;
    let Some(existing) = world.get(&address.key) else {
        return Err(not_found(address));
    };
    if existing.is_busy() {
        return Err(busy_error(
            existing.kind,
            &existing.id,
            running_action(world, existing),
        ));
    }
    check_preconditions(ctx.headers, Some(existing))?;
    if let Some(resource) = world.get_mut(&address.key) {
        if let (Some(tags), Some(map)) = (tags, resource.body.as_object_mut()) {
            map.insert("tags".into(), tags);
        }
        resource.etag = uuid::Uuid::new_v4().to_string();
    }
    let resource = world
        .get(&address.key)
        .ok_or_else(|| ArmError::internal("the resource vanished while it was written"))?;
    Ok(ArmResponse::json(StatusCode::OK, render(world, resource)))
}

fn delete(
    world: &mut World,
    ctx: &Ctx,
    address: &ResourceAddress,
) -> Result<ArmResponse, ArmError> {
    let settings = ctx.settings;
    if address.kind == Kind::ResourceGroup {
        if world.get(&address.key).is_none() {
            return Err(resource_group_not_found(address.name()));
        }
    } else if let Some(rg) = &address.resource_group {
        let rg_key = arm::resource_group_id(&settings.subscription_id, rg).to_ascii_lowercase();
        if world.get(&rg_key).is_none() {
            return Err(resource_group_not_found(rg));
        }
    }
    let Some(existing) = world.get(&address.key).cloned() else {
        return Ok(ArmResponse::empty(StatusCode::NO_CONTENT));
    };
    if let Some(op) = existing
        .operation
        .as_ref()
        .and_then(|id| world.operation(id))
    {
        if op.action == Action::Delete {
            // A repeated DELETE joins the delete already running.
            let response = ArmResponse::empty(StatusCode::ACCEPTED);
            return Ok(operations::with_polling_headers(
                response, settings, op, ctx.now_ms, true,
            ));
        }
        return Err(busy_error(
            existing.kind,
            &existing.id,
            running_action(world, &existing),
        ));
    }
    if address.kind != Kind::ResourceGroup {
        check_lock_group(world, settings, address)?;
    }
    check_preconditions(ctx.headers, Some(&existing))?;
    match existing.kind {
        Kind::Subnet | Kind::VirtualNetwork => network::check_delete(world, &existing)?,
        Kind::FrontDoorOriginGroup | Kind::FrontDoorEndpoint => {
            front_door::check_delete(world, &existing)?
        }
        Kind::FleetMember => fleet::check_delete_member(&existing)?,
        Kind::ClusterMeshProfile => fleet::check_delete_profile(world, &existing)?,
        Kind::AgentPool => managed_clusters::check_delete_agent_pool(world, &existing)?,
        _ => {}
    }
    if existing.kind == Kind::RoleAssignment {
        let body = render(world, &existing);
        remove_tree(world, settings, &address.key, ctx.now_ms, None);
        return Ok(ArmResponse::json(StatusCode::OK, body));
    }
    let location = operation_location(world, &address.key);
    let api_version = ctx.api_version.clone();
    let op_id = operations::start(
        world,
        settings,
        ctx.now_ms,
        &address.key,
        StartOptions {
            action: Action::Delete,
            location,
            api_version,
            inject_failure: ctx.inject_lro_failure,
            affected: Vec::new(),
            data: Value::Null,
        },
    )
    .ok_or_else(|| ArmError::internal("could not start the delete operation"))?;
    match existing.kind {
        Kind::FrontDoorProfile
        | Kind::FrontDoorEndpoint
        | Kind::FrontDoorOriginGroup
        | Kind::FrontDoorOrigin
        | Kind::FrontDoorRoute => front_door::on_delete_started(world, &address.key),
        _ => {}
    }
    let op = world
        .operation(&op_id)
        .ok_or_else(|| ArmError::internal("the delete operation vanished"))?;
    Ok(operations::with_polling_headers(
        ArmResponse::empty(StatusCode::ACCEPTED),
        settings,
        op,
        ctx.now_ms,
        true,
    ))
}

fn list(
    world: &World,
    ctx: &Ctx,
    kind: Kind,
    scope: &CollectionScope,
) -> Result<ArmResponse, ArmError> {
    let settings = ctx.settings;
    let resources: Vec<&Resource> = match scope {
        CollectionScope::Subscription => world.of_kind(kind).collect(),
        CollectionScope::ResourceGroup(rg) => {
            let rg_key = arm::resource_group_id(&settings.subscription_id, rg).to_ascii_lowercase();
            if world.get(&rg_key).is_none() {
                return Err(resource_group_not_found(rg));
            }
            let prefix = format!("{rg_key}/providers/");
            world
                .with_prefix(&prefix)
                .filter(|r| r.kind == kind)
                .collect()
        }
        CollectionScope::Parent(parent) => {
            check_parents(world, settings, parent, false)?;
            if world.get(&parent.key).is_none() {
                return Err(not_found(parent));
            }
            world.children(&parent.key, kind)
        }
        CollectionScope::Scope(scope) => {
            return role_assignments::list(world, ctx, scope);
        }
    };
    Ok(list_response(
        resources.into_iter().map(|r| render(world, r)).collect(),
    ))
}

/// The final body a `Location` poll returns for a finished operation.
fn operation_result_body(world: &World, operation: &crate::state::Operation) -> Option<Value> {
    match operation.action {
        Action::Delete => None,
        Action::MeshApply => Some(operation.data.clone()),
        Action::Create | Action::Update => {
            world.get(&operation.resource_key).map(|r| render(world, r))
        }
    }
}

/// Completes every operation due by `now_ms`, in due order.
pub fn advance(world: &mut World, settings: &Settings, now_ms: i64) {
    while let Some((due, id)) = world.next_due(now_ms) {
        complete(world, settings, &id, due);
    }
}

fn complete(world: &mut World, settings: &Settings, op_id: &str, at_ms: i64) {
    let Some(op) = world.operation(op_id).cloned() else {
        return;
    };
    let failure = op.planned_failure.clone();
    match op.action {
        Action::Create | Action::Update => {
            let keys: Vec<String> = std::iter::once(op.resource_key.clone())
                .chain(op.affected.iter().cloned())
                .collect();
            let state = if failure.is_some() {
                "Failed"
            } else {
                "Succeeded"
            };
            let mut finished = Vec::new();
            for key in &keys {
                if let Some(resource) = world.get_mut(key) {
                    if resource.operation.as_deref() == Some(op_id) {
                        resource.operation = None;
                        resource.set_provisioning_state(state);
                        finished.push(key.clone());
                    }
                }
            }
            match failure {
                Some(error) => {
                    world.finish_operation(op_id, OperationStatus::Failed, at_ms, Some(error));
                }
                None => {
                    for key in &finished {
                        on_write_succeeded(world, key);
                    }
                    world.finish_operation(op_id, OperationStatus::Succeeded, at_ms, None);
                }
            }
        }
        Action::Delete => match failure {
            Some(error) => {
                if let Some(resource) = world.get_mut(&op.resource_key) {
                    if resource.operation.as_deref() == Some(op_id) {
                        resource.operation = None;
                        resource.set_provisioning_state("Failed");
                    }
                }
                world.finish_operation(op_id, OperationStatus::Failed, at_ms, Some(error));
            }
            None => {
                remove_tree(world, settings, &op.resource_key, at_ms, Some(op_id));
                world.finish_operation(op_id, OperationStatus::Succeeded, at_ms, None);
            }
        },
        Action::MeshApply => fleet::complete_apply(world, &op, at_ms),
    }
}

fn on_write_succeeded(world: &mut World, key: &str) {
    let Some(kind) = world.get(key).map(|r| r.kind) else {
        return;
    };
    match kind {
        Kind::VirtualNetworkPeering => network::connect_peering(world, key),
        Kind::FrontDoorProfile
        | Kind::FrontDoorEndpoint
        | Kind::FrontDoorOriginGroup
        | Kind::FrontDoorOrigin
        | Kind::FrontDoorRoute => front_door::on_write_succeeded(world, key),
        Kind::FleetMember => fleet::on_member_joined(world, key),
        _ => {}
    }
}

/// Removes a resource and everything beneath it, cancelling their operations and
/// applying each type's side effects (peerings disconnect, node resource groups go).
pub fn remove_tree(
    world: &mut World,
    settings: &Settings,
    key: &str,
    at_ms: i64,
    completing: Option<&str>,
) {
    let keys = world.subtree_keys(key);
    let mut removed = Vec::with_capacity(keys.len());
    for k in keys {
        if let Some(resource) = world.remove(&k) {
            removed.push(resource);
        }
    }
    for resource in &removed {
        if let Some(op_id) = &resource.operation {
            if Some(op_id.as_str()) != completing {
                let running = world.operation(op_id).is_some_and(|op| !op.is_done());
                if running {
                    world.finish_operation(
                        op_id,
                        OperationStatus::Canceled,
                        at_ms,
                        Some(crate::arm::ErrorBody::new(
                            "OperationCanceled",
                            "The operation was canceled because the resource was deleted.",
                        )),
                    );
                }
            }
        }
    }
    for resource in &removed {
        match resource.kind {
            Kind::VirtualNetwork => network::on_virtual_network_removed(world, resource),
            Kind::VirtualNetworkPeering => network::on_peering_removed(world, resource),
            Kind::ManagedCluster => {
                if let Some(node_rg) = managed_clusters::node_resource_group_key(settings, resource)
                {
                    let managed_by_cluster = world
                        .get(&node_rg)
                        .and_then(|rg| rg.body.get("managedBy"))
                        .and_then(Value::as_str)
                        .is_some_and(|m| m.eq_ignore_ascii_case(&resource.id));
                    if managed_by_cluster {
                        remove_tree(world, settings, &node_rg, at_ms, completing);
                    }
                }
            }
            Kind::ClusterMeshProfile => fleet::on_profile_removed(world, resource),
            _ => {}
        }
    }
}
