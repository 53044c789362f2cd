//! Long-running operations: how long each kind of write takes, how operations start,
//! how their status URLs answer, and how due operations are completed.

use axum::http::StatusCode;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::arm::{ArmError, ArmResponse, ErrorBody, Kind};
use crate::state::{Action, Operation, OperationStatus, Settings, World};

/// Wall-clock time in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn format_time(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;

/// Unscaled duration of each write, in milliseconds (0 = synchronous).
pub fn base_duration_ms(kind: Kind, action: Action) -> i64 {
    use Action::*;
    use Kind::*;
    match (kind, action) {
        (_, MeshApply) => 2 * MINUTE,
        (ResourceGroup, Delete) => 30 * SECOND,
        (ResourceGroup, _) => 0,
        (VirtualNetwork, _) => 10 * SECOND,
        (Subnet, _) => 5 * SECOND,
        (VirtualNetworkPeering, _) => 3 * SECOND,
        (ManagedCluster, Create) => 6 * MINUTE,
        (ManagedCluster, Delete) => 4 * MINUTE,
        (ManagedCluster, _) => 3 * MINUTE,
        (AgentPool, Create) => 3 * MINUTE,
        (AgentPool, _) => 2 * MINUTE,
        (RoleAssignment, _) => 0,
        (FrontDoorProfile, Update) => 30 * SECOND,
        (FrontDoorProfile, _) => 60 * SECOND,
        (FrontDoorEndpoint, Update) => 20 * SECOND,
        (FrontDoorEndpoint, _) => 30 * SECOND,
        (FrontDoorOriginGroup, _) => 20 * SECOND,
        (FrontDoorOrigin, Create) => 25 * SECOND,
        (FrontDoorOrigin, _) => 20 * SECOND,
        (FrontDoorRoute, Create) => 45 * SECOND,
        (FrontDoorRoute, _) => 30 * SECOND,
        (Fleet, Update) => MINUTE,
        (Fleet, _) => 2 * MINUTE,
        (FleetMember, Update) => 30 * SECOND,
        (FleetMember, _) => MINUTE,
        (ClusterMeshProfile, Delete) => 30 * SECOND,
        (ClusterMeshProfile, _) => 20 * SECOND,
    }
}

/// Unscaled poll interval advertised in `Retry-After`: a sixth of the duration, 1–15 s.
pub fn base_poll_interval_ms(duration_ms: i64) -> i64 {
    (duration_ms / 6).clamp(SECOND, 15 * SECOND)
}

pub fn scale(ms: i64, time_scale: f64) -> i64 {
    let scaled = (ms as f64 * time_scale).round();
    if scaled.is_finite() {
        scaled.clamp(0.0, i64::MAX as f64 / 4.0) as i64
    } else {
        0
    }
}

/// The provisioning state a resource shows while an action runs.
pub fn transitional_state(kind: Kind, action: Action, created: bool) -> &'static str {
    match (kind, action) {
        (Kind::FleetMember, Action::Create) => "Joining",
        (Kind::FleetMember, Action::Delete) => "Leaving",
        (_, Action::Delete) => "Deleting",
        (_, Action::Create) if created => "Creating",
        _ => "Updating",
    }
}

pub struct StartOptions {
    pub action: Action,
    pub location: String,
    pub api_version: String,
    pub inject_failure: bool,
    pub affected: Vec<String>,
    pub data: Value,
}

/// Starts an operation on the resource at `key` and marks it (and `affected`) in progress.
pub fn start(
    world: &mut World,
    settings: &Settings,
    now_ms: i64,
    key: &str,
    options: StartOptions,
) -> Option<String> {
    let resource = world.get(key)?;
    let kind = resource.kind;
    let resource_id = resource.id.clone();
    let base = base_duration_ms(kind, options.action);
    let id = uuid::Uuid::new_v4().to_string();
    let planned_failure = options.inject_failure.then(|| {
        ErrorBody::new(
            "InternalOperationError",
            "azsim injected a failure into this long-running operation (fault 'lro-fail').",
        )
    });
    let operation = Operation {
        id: id.clone(),
        namespace: kind.namespace().to_string(),
        location: options.location,
        api_version: options.api_version,
        resource_key: key.to_string(),
        resource_id,
        kind,
        action: options.action,
        start_ms: now_ms,
        duration_ms: scale(base, settings.time_scale),
        poll_interval_ms: scale(base_poll_interval_ms(base), settings.time_scale),
        planned_failure,
        status: OperationStatus::InProgress,
        end_ms: None,
        error: None,
        affected: options.affected.clone(),
        data: options.data,
    };
    let created = options.action == Action::Create;
    if options.action != Action::MeshApply {
        let state = transitional_state(kind, options.action, created);
        for k in std::iter::once(key.to_string()).chain(options.affected) {
            if let Some(r) = world.get_mut(&k) {
                r.operation = Some(id.clone());
                r.set_provisioning_state(state);
            }
        }
    } else if let Some(r) = world.get_mut(key) {
        r.operation = Some(id.clone());
    }
    world.insert_operation(operation);
    Some(id)
}

/// Milliseconds a client should wait before polling again (scaled).
pub fn retry_after_ms(operation: &Operation, now_ms: i64) -> u64 {
    let remaining = (operation.due_ms() - now_ms).max(0);
    operation.poll_interval_ms.min(remaining).max(0) as u64
}

pub fn async_operation_url(settings: &Settings, operation: &Operation) -> String {
    format!(
        "{}/subscriptions/{}/providers/{}/locations/{}/operations/{}?api-version={}",
        settings.base_url,
        settings.subscription_id,
        operation.namespace,
        operation.location,
        operation.id,
        operation.api_version
    )
}

pub fn location_url(settings: &Settings, operation: &Operation) -> String {
    if operation.kind == Kind::ResourceGroup {
        // ARM's own shape for resource-group deletes.
        return format!(
            "{}/subscriptions/{}/operationresults/{}?api-version={}",
            settings.base_url, settings.subscription_id, operation.id, operation.api_version
        );
    }
    format!(
        "{}/subscriptions/{}/providers/{}/locations/{}/operationresults/{}?api-version={}",
        settings.base_url,
        settings.subscription_id,
        operation.namespace,
        operation.location,
        operation.id,
        operation.api_version
    )
}

/// Adds the polling headers of an operation to a response.
pub fn with_polling_headers(
    response: ArmResponse,
    settings: &Settings,
    operation: &Operation,
    now_ms: i64,
    location: bool,
) -> ArmResponse {
    let mut response = response
        .header(
            "azure-asyncoperation",
            async_operation_url(settings, operation),
        )
        .retry_after(retry_after_ms(operation, now_ms));
    if location {
        response = response.header("location", location_url(settings, operation));
    }
    response
}

/// The ARM status resource of `Azure-AsyncOperation` (200 while running).
pub fn status_body(settings: &Settings, operation: &Operation, now_ms: i64) -> Value {
    let percent = if operation.is_done() {
        100.0
    } else if operation.duration_ms <= 0 {
        0.0
    } else {
        (((now_ms - operation.start_ms) as f64 / operation.duration_ms as f64) * 100.0)
            .clamp(0.0, 99.0)
    };
    json!({
        "id": format!(
            "/subscriptions/{}/providers/{}/locations/{}/operations/{}",
            settings.subscription_id, operation.namespace, operation.location, operation.id
        ),
        "name": operation.id,
        "status": operation.status.as_str(),
        "startTime": format_time(operation.start_ms),
        "endTime": operation.end_ms.map(format_time),
        "percentComplete": percent.floor(),
        "error": operation.error.as_ref().map(crate::arm::error_detail_json),
    })
}

/// Answers `GET` on an `Azure-AsyncOperation` URL.
pub fn status_response(
    settings: &Settings,
    world: &World,
    id: &str,
    now_ms: i64,
) -> Result<ArmResponse, ArmError> {
    let operation = world.operation(id).ok_or_else(|| operation_not_found(id))?;
    let mut response = ArmResponse::json(StatusCode::OK, status_body(settings, operation, now_ms));
    if !operation.is_done() {
        response = response.retry_after(retry_after_ms(operation, now_ms));
    }
    Ok(response)
}

pub fn operation_not_found(id: &str) -> ArmError {
    ArmError::not_found(
        "OperationNotFound",
        format!("The operation '{id}' could not be found."),
    )
}

/// Answers `GET` on a `Location` URL: 202 while running, then the final response.
pub fn result_response(
    settings: &Settings,
    world: &World,
    id: &str,
    now_ms: i64,
    final_body: impl Fn(&Operation) -> Option<Value>,
) -> Result<ArmResponse, ArmError> {
    let operation = world.operation(id).ok_or_else(|| operation_not_found(id))?;
    match operation.status {
        OperationStatus::InProgress => Ok(ArmResponse::empty(StatusCode::ACCEPTED)
            .header("location", location_url(settings, operation))
            .retry_after(retry_after_ms(operation, now_ms))),
        OperationStatus::Succeeded => match final_body(operation) {
            Some(body) => Ok(ArmResponse::json(StatusCode::OK, body)),
            None if operation.kind == Kind::ResourceGroup => Ok(ArmResponse::empty(StatusCode::OK)),
            None => Ok(ArmResponse::empty(StatusCode::NO_CONTENT)),
        },
        OperationStatus::Failed | OperationStatus::Canceled => {
            let error = operation.error.clone().unwrap_or_else(|| {
                ErrorBody::new("OperationCanceled", "The operation was canceled.")
            });
            let status = if error.code == "InternalOperationError" {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::BAD_REQUEST
            };
            Ok(ArmResponse::json(status, crate::arm::error_json(&error)))
        }
    }
}
