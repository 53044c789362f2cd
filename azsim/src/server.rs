//! HTTPS serving: the accept loop (TLS, HTTP/1.1, dropped-connection faults), the request
//! pipeline (body limit, request ids, request log), the ARM handler (auth, faults,
//! api-version, dispatch under the world lock, commit before answering) and the
//! `/azsim/` control endpoints.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::arm::{self, ArmError, ArmResponse};
use crate::auth::{self, TokenAuthority};
use crate::faults::{FaultKind, FaultPlan};
use crate::operations::{now_ms, scale};
use crate::request_log::{Entry, RequestLog};
use crate::resources::{self, Ctx};
use crate::state::{Settings, World};
use crate::store::Store;
use crate::throttle::{self, Decision, RequestKind, Throttle};
use crate::traffic::{Exchange, TrafficLog};

/// Request bodies larger than this are refused.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub struct Inner {
    pub world: World,
    pub store: Store,
}

pub struct AppState {
    pub settings: Settings,
    pub inner: Mutex<Inner>,
    pub tokens: TokenAuthority,
    pub faults: Mutex<FaultPlan>,
    pub log: RequestLog,
    /// `oav` traffic files, when configured.
    pub traffic: Option<TrafficLog>,
    /// Seed used when a new fault spec arrives without one.
    pub seed: u64,
    /// ARM's subscription token buckets.
    pub throttle: Throttle,
}

impl AppState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means an earlier request panicked; the data is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Per-connection handle a handler uses to drop its connection without answering.
#[derive(Clone)]
struct ConnectionControl {
    drop: Arc<Notify>,
    peer: SocketAddr,
}

#[derive(Clone)]
struct RequestBody(Bytes);

#[derive(Clone)]
struct RequestId(String);

/// What the request log records as the body.
#[derive(Clone)]
struct LogBody(Value, Option<String>);

/// Marks a response produced by an injected fault.
#[derive(Clone, Copy)]
struct FaultNote(&'static str);

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/azsim/health", get(health))
        .route("/azsim/resources", get(list_resources))
        .route("/azsim/faults", get(get_faults).put(put_faults))
        .route("/azsim/autoscale", post(autoscale))
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/msi/token", get(managed_identity_token))
        .route(auth::GITHUB_ID_TOKEN_PATH, get(github_id_token))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .fallback(arm_handler)
        .layer(middleware::from_fn_with_state(state.clone(), pipeline))
        .with_state(state)
}

/// Accepts connections until `shutdown` fires (or its sender is dropped).
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<AppState>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let app = router(state);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(serve_connection(stream, peer, acceptor.clone(), app.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    app: Router,
) {
    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            return;
        }
        Err(_) => return,
    };
    let control = ConnectionControl {
        drop: Arc::new(Notify::new()),
        peer,
    };
    let dropped = control.drop.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(control.clone());
        let app = app.clone();
        async move { app.oneshot(request.map(Body::new)).await }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .keep_alive(true)
        .serve_connection(TokioIo::new(tls), service);
    tokio::select! {
        result = connection => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        _ = dropped.notified() => {
            tracing::debug!(%peer, "dropping connection (fault)");
        }
    }
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Buffers the body (bounded), assigns request ids and writes the request log.
async fn pipeline(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let is_control =
        request.uri().path() == "/azsim" || request.uri().path().starts_with("/azsim/");
    let is_token = request.uri().path().ends_with("/oauth2/v2.0/token");
    let correlation = request
        .headers()
        .get("x-ms-correlation-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    let client_request_id = request
        .headers()
        .get("x-ms-client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_msi =
        request.uri().path() == "/msi/token" || request.uri().path() == auth::GITHUB_ID_TOKEN_PATH;
    // Only ARM exchanges are traffic: token and control requests are no Azure REST operation.
    let traffic = state
        .traffic
        .as_ref()
        .filter(|_| !is_control && !is_token && !is_msi);
    let request_headers = traffic.map(|_| request.headers().clone());
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error = ArmError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                format!(
                    "The request body is larger than {MAX_BODY_BYTES} bytes or could not be read."
                ),
            );
            let mut response = ArmResponse::from(error).into_response();
            response
                .headers_mut()
                .insert("x-ms-request-id", header_value(&request_id));
            // The rest of the body is unread: close the connection after answering.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                HeaderValue::from_static("close"),
            );
            if !is_control {
                state.log.append(Entry {
                    method: method.as_str(),
                    path: &path,
                    body: Value::Null,
                    status: Some(response.status().as_u16()),
                    request_id: &request_id,
                    duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                    fault: None,
                    raw_body: None,
                });
            }
            return response;
        }
    };
    let (log_body, raw_body) = if is_token || bytes.is_empty() {
        // Token requests carry the client secret: never log their body.
        (Value::Null, None)
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => (value, None),
            Err(_) => {
                let text = String::from_utf8_lossy(&bytes);
                (
                    Value::Null,
                    Some(text.chars().take(64 * 1024).collect::<String>()),
                )
            }
        }
    };
    parts.extensions.insert(RequestBody(bytes.clone()));
    parts.extensions.insert(RequestId(request_id.clone()));
    parts
        .extensions
        .insert(LogBody(log_body.clone(), raw_body.clone()));
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert("x-ms-request-id", header_value(&request_id));
    headers.insert("x-ms-correlation-request-id", header_value(&correlation));
    headers.insert(
        "x-ms-routing-request-id",
        header_value(&format!("LOCAL:{request_id}")),
    );
    if let Some(client) = client_request_id {
        headers.insert("x-ms-client-request-id", header_value(&client));
    }
    if let (Some(traffic), Some(request_headers)) = (traffic, request_headers.as_ref()) {
        response = record_traffic(
            &state,
            traffic,
            &path,
            method.as_str(),
            request_headers,
            log_body.clone(),
            &request_id,
            response,
        )
        .await;
    }
    if !is_control {
        let fault = response.extensions().get::<FaultNote>().map(|f| f.0);
        state.log.append(Entry {
            method: method.as_str(),
            path: &path,
            body: log_body,
            status: Some(response.status().as_u16()),
            request_id: &request_id,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            fault,
            raw_body,
        });
    }
    response
}

/// Buffers the response body, writes the exchange as a traffic file and hands the response on.
#[allow(clippy::too_many_arguments)]
async fn record_traffic(
    state: &AppState,
    traffic: &TrafficLog,
    path: &str,
    method: &str,
    request_headers: &axum::http::HeaderMap,
    request_body: Value,
    request_id: &str,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    // azsim's answers are small JSON documents; a body that cannot be read is recorded as empty.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    traffic.record(Exchange {
        url: &format!("{}{path}", state.settings.base_url),
        method,
        request_headers,
        request_body,
        status: parts.status.as_u16(),
        response_headers: &parts.headers,
        response_body: &bytes,
        request_id,
    });
    Response::from_parts(parts, Body::from(bytes))
}

fn fault_response(
    kind: FaultKind,
    retry_seconds: u64,
    path: &str,
    settings: &Settings,
) -> Response {
    let retry_ms = scale(retry_seconds as i64 * 1000, settings.time_scale).max(0) as u64;
    let lower = path.to_ascii_lowercase();
    let label = kind.label();
    let error = match kind {
        FaultKind::Throttle => ArmError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "SubscriptionRequestsThrottled",
            format!("Number of requests for subscription '{}' exceeded the limit (azsim fault). Please try again after '{retry_seconds}' seconds.", settings.subscription_id),
        )
        .with_retry_after_ms(retry_ms),
        FaultKind::Unavailable => ArmError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unavailable (azsim fault). Please retry later.",
        )
        .with_retry_after_ms(retry_ms),
        FaultKind::Conflict(Some(code)) => conflict_fault(&code, path),
        FaultKind::Conflict(None) if lower.contains("/providers/microsoft.network/") => {
            conflict_fault("AnotherOperationInProgress", path)
        }
        FaultKind::Conflict(None) if lower.contains("/providers/microsoft.containerservice/") => {
            conflict_fault("OperationNotAllowed", path)
        }
        FaultKind::Conflict(None) => ArmError::conflict("Conflict", "The resource is busy (azsim fault)."),
        _ => ArmError::internal("An internal server error occurred (azsim fault)."),
    };
    let mut response = ArmResponse::from(error).into_response();
    response.extensions_mut().insert(FaultNote(label));
    response
}

/// An injected 409 with `code`, worded as Azure words it where we know the code.
fn conflict_fault(code: &str, path: &str) -> ArmError {
    let message = match code {
        "AnotherOperationInProgress" => {
            "Another operation on this or dependent resource is in progress (azsim fault).".to_string()
        }
        "OperationNotAllowed" => "Operation is not allowed because there's an in progress operation (azsim fault). See https://aka.ms/aks-pending-operation for more details.".to_string(),
        "ResourceGroupBeingDeleted" => {
            let group = resource_group_of(path).unwrap_or("?");
            format!("The resource group '{group}' is in deprovisioning state and cannot perform this operation (azsim fault).")
        }
        // Names an assignment that is not the one being written: someone else's equal grant.
        "RoleAssignmentExists" => "The role assignment already exists. The ID of the existing role assignment is 0f0f0f0f0f0f4f0f8f0f0f0f0f0f0f0f (azsim fault).".to_string(),
        // No reason given: a client cannot tell busy from a real conflict.
        "Conflict" => "The request conflicts with the current state of the resource (azsim fault).".to_string(),
        other => format!("Injected conflict {other} (azsim fault)."),
    };
    ArmError::conflict(code, message)
}

/// The resource group segment of an ARM path, if any.
fn resource_group_of(path: &str) -> Option<&str> {
    let mut segments = path.split('/');
    while let Some(segment) = segments.next() {
        if segment.eq_ignore_ascii_case("resourcegroups") {
            return segments.next().filter(|name| !name.is_empty());
        }
    }
    None
}

fn drop_connection(state: &AppState, request: &Request, fault: &'static str) {
    let method = request.method().as_str().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let (body, raw) = request
        .extensions()
        .get::<LogBody>()
        .map(|b| (b.0.clone(), b.1.clone()))
        .unwrap_or((Value::Null, None));
    state.log.append(Entry {
        method: &method,
        path: &path,
        body,
        status: None,
        request_id: &id,
        duration_ms: 0.0,
        fault: Some(fault),
        raw_body: raw,
    });
    if let Some(control) = request.extensions().get::<ConnectionControl>() {
        control.drop.notify_one();
    }
}

async fn arm_handler(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let settings = &state.settings;
    let now = now_ms();
    let claims = match state.tokens.verify(settings, request.headers(), now / 1000) {
        Ok(claims) => claims,
        Err(error) => {
            let code = error.body.code.clone();
            let mut response = ArmResponse::from(error).into_response();
            response.headers_mut().insert(
                "www-authenticate",
                header_value(&auth::www_authenticate(settings, &code)),
            );
            return response;
        }
    };
    // ARM throttles an authenticated request before it reaches the resource provider; the
    // request then counts whatever the provider answers (faults and errors included).
    let kind = RequestKind::of(request.method());
    let principal = if claims.oid.is_empty() {
        claims.sub.as_str()
    } else {
        claims.oid.as_str()
    };
    let path = request.uri().path().to_string();
    let decision = throttle::subscription_of(&path).and_then(|subscription| {
        state
            .throttle
            .take(subscription, principal, kind, std::time::Instant::now())
            .map(|decision| (subscription, decision))
    });
    let remaining = match decision {
        Some((subscription, Decision::Throttled { wait_ms, .. })) => {
            return throttled_response(&state.throttle, subscription, principal, kind, wait_ms)
        }
        Some((_, Decision::Allowed { remaining })) => Some(remaining),
        None => None,
    };
    let mut response = arm_request(&state, request, now).await;
    if let Some(remaining) = remaining {
        response
            .headers_mut()
            .insert(kind.header(), header_value(&remaining.to_string()));
    }
    response
}

/// 429 `TooManyRequests` for an empty bucket, shaped as ARM answers it.
fn throttled_response(
    throttle: &Throttle,
    subscription: &str,
    principal: &str,
    kind: RequestKind,
    wait_ms: u64,
) -> Response {
    let (seconds, _) = arm::retry_after_values(wait_ms);
    let limit = match kind {
        RequestKind::Read => throttle.config().reads,
        RequestKind::Write => throttle.config().writes,
        RequestKind::Delete => throttle.config().deletes,
    };
    let error = ArmError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        format!(
            "Number of '{}' requests for subscription '{subscription}' by principal '{principal}' exceeded the limit (a bucket of {} tokens refilling {} per second). Please try again after '{seconds}' seconds, when a token is back. See https://aka.ms/arm-throttling.",
            kind.label(),
            limit.capacity,
            limit.refill_per_second,
        ),
    )
    .with_retry_after_ms(wait_ms);
    let mut response = ArmResponse::from(error).into_response();
    response
        .headers_mut()
        .insert(kind.header(), HeaderValue::from_static("0"));
    response
}

/// Faults, then the request itself, for an authenticated request that got a token.
async fn arm_request(state: &AppState, request: Request, now: i64) -> Response {
    let settings = &state.settings;
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let fault = state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .decide(method.as_str(), &path);
    let mut inject_lro_failure = false;
    let mut drop_after = false;
    if let Some(fault) = fault {
        match fault.kind {
            FaultKind::Drop => {
                drop_connection(state, &request, fault.kind.label());
                return std::future::pending::<Response>().await;
            }
            FaultKind::DropAfter => drop_after = true,
            FaultKind::LroFail => inject_lro_failure = true,
            kind => return fault_response(kind, fault.retry_after_seconds, &path, settings),
        }
    }
    let response = match process(state, &request, now, inject_lro_failure) {
        Ok(response) => response,
        Err(error) => ArmResponse::from(error),
    };
    let mut response = response.into_response();
    if drop_after {
        drop_connection(state, &request, "drop-after");
        return std::future::pending::<Response>().await;
    }
    if inject_lro_failure {
        response.extensions_mut().insert(FaultNote("lro-fail"));
    }
    response
}

fn process(
    state: &AppState,
    request: &Request,
    now: i64,
    inject_lro_failure: bool,
) -> Result<ArmResponse, ArmError> {
    let settings = &state.settings;
    let route = arm::parse_path(request.uri().path(), &settings.subscription_id)?;
    let query: Vec<(String, String)> =
        form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let api_version = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.clone());
    let supported = route.api_versions();
    let api_version = match api_version {
        None => {
            return Err(ArmError::bad_request(
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ))
        }
        Some(v) if !supported.contains(&v.as_str()) => {
            return Err(ArmError::bad_request(
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{v}' is invalid. The supported versions are '{}'.",
                    supported.join(",")
                ),
            ))
        }
        Some(v) => v,
    };
    let body = request
        .extensions()
        .get::<RequestBody>()
        .map(|b| b.0.clone())
        .unwrap_or_default();
    let method = request.method().clone();
    let ctx = Ctx {
        settings,
        now_ms: now,
        api_version,
        query,
        headers: request.headers(),
        inject_lro_failure,
    };
    let mut inner = state.lock();
    let inner = &mut *inner;
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        resources::handle(&mut inner.world, &ctx, &method, route, &body)
    }));
    let committed = inner.world.commit(&mut inner.store);
    let result = match outcome {
        Ok(result) => result,
        Err(_) => Err(ArmError::internal(
            "azsim hit an internal error handling this request.",
        )),
    };
    if let Err(e) = committed {
        tracing::error!(error = %e, "could not persist the state");
        return Err(ArmError::internal(format!(
            "azsim could not persist the change: {e}"
        )));
    }
    result
}

async fn token(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    request: Request,
) -> Response {
    let body = request
        .extensions()
        .get::<RequestBody>()
        .map(|b| b.0.clone())
        .unwrap_or_default();
    auth::token_response(&state.tokens, &state.settings, &tenant, &body).into_response()
}

async fn managed_identity_token(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let query = request.uri().query().unwrap_or_default();
    auth::managed_identity_token(&state.tokens, &state.settings, request.headers(), query)
        .into_response()
}

async fn github_id_token(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let query = request.uri().query().unwrap_or_default();
    auth::github_id_token(&state.tokens, &state.settings, request.headers(), query).into_response()
}

async fn openid_configuration(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Response {
    ArmResponse::json(
        StatusCode::OK,
        auth::openid_configuration(&state.settings, &tenant),
    )
    .into_response()
}

/// The body of a control request, once it is known to come from a loopback client.
fn control_body(request: &Request) -> Result<Bytes, Box<Response>> {
    if let Some(denied) = loopback_only(request) {
        return Err(Box::new(denied));
    }
    Ok(request
        .extensions()
        .get::<RequestBody>()
        .map(|b| b.0.clone())
        .unwrap_or_default())
}

fn loopback_only(request: &Request) -> Option<Response> {
    let peer = request
        .extensions()
        .get::<ConnectionControl>()
        .map(|c| c.peer);
    match peer {
        Some(peer) if !peer.ip().is_loopback() => Some(
            ArmResponse::from(ArmError::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "azsim control endpoints answer loopback clients only.",
            ))
            .into_response(),
        ),
        _ => None,
    }
}

async fn health(State(state): State<Arc<AppState>>, request: Request) -> Response {
    if let Some(denied) = loopback_only(&request) {
        return denied;
    }
    let (resources, pending) = {
        let inner = state.lock();
        (inner.world.resource_count(), inner.world.pending_count())
    };
    ArmResponse::json(
        StatusCode::OK,
        json!({
            "status": "ok",
            "resources": resources,
            "pendingOperations": pending,
            "timeScale": state.settings.time_scale,
            "subscriptionId": state.settings.subscription_id,
            "throttle": {
                "enabled": state.throttle.enabled(),
                "throttled": state.throttle.throttled(),
            },
        }),
    )
    .into_response()
}

async fn list_resources(State(state): State<Arc<AppState>>, request: Request) -> Response {
    if let Some(denied) = loopback_only(&request) {
        return denied;
    }
    let mut inner = state.lock();
    let inner = &mut *inner;
    resources::advance(&mut inner.world, &state.settings, now_ms());
    if let Err(e) = inner.world.commit(&mut inner.store) {
        tracing::error!(error = %e, "could not persist the state");
    }
    let list: Vec<Value> = inner
        .world
        .all()
        .map(|r| {
            json!({
                "id": resources::display_id(r),
                "type": r.kind.type_name(),
                "name": r.name,
                "location": r.location(),
                "provisioningState": r.provisioning_state(),
            })
        })
        .collect();
    ArmResponse::json(StatusCode::OK, Value::Array(list)).into_response()
}

/// `POST /azsim/autoscale` with `{"id": "<agent pool id>", "count": N}`: the cluster autoscaler
/// changes an autoscaled pool's node count (see `managed_clusters::autoscale`); answers the pool
/// as ARM's GET would.
async fn autoscale(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let body = match control_body(&request) {
        Ok(body) => body,
        Err(denied) => return *denied,
    };
    let parsed = serde_json::from_slice::<Value>(&body).ok();
    let id = parsed
        .as_ref()
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let count = parsed
        .as_ref()
        .and_then(|v| v.get("count"))
        .and_then(Value::as_i64);
    let (Some(id), Some(count)) = (id, count) else {
        return ArmResponse::from(ArmError::bad_request(
            "InvalidRequestContent",
            "Send {\"id\": \"<agent pool resource id>\", \"count\": <nodes>}.",
        ))
        .into_response();
    };
    let mut inner = state.lock();
    let inner = &mut *inner;
    resources::advance(&mut inner.world, &state.settings, now_ms());
    let result =
        resources::managed_clusters::autoscale(&mut inner.world, &state.settings, &id, count);
    if let Err(e) = inner.world.commit(&mut inner.store) {
        return ArmResponse::from(ArmError::internal(format!(
            "azsim could not persist the change: {e}"
        )))
        .into_response();
    }
    match result {
        Ok(pool) => ArmResponse::json(StatusCode::OK, pool).into_response(),
        Err(e) => ArmResponse::from(e).into_response(),
    }
}

fn faults_body(plan: &FaultPlan) -> Value {
    json!({"spec": plan.text(), "seed": plan.seed(), "injected": plan.injected()})
}

async fn get_faults(State(state): State<Arc<AppState>>, request: Request) -> Response {
    if let Some(denied) = loopback_only(&request) {
        return denied;
    }
    let plan = state.faults.lock().unwrap_or_else(|e| e.into_inner());
    ArmResponse::json(StatusCode::OK, faults_body(&plan)).into_response()
}

async fn put_faults(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let body = match control_body(&request) {
        Ok(body) => body,
        Err(denied) => return *denied,
    };
    let (spec, seed) = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => (
            map.get("spec")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            map.get("seed")
                .and_then(Value::as_u64)
                .unwrap_or(state.seed),
        ),
        Ok(Value::String(s)) => (s, state.seed),
        _ => (String::from_utf8_lossy(&body).into_owned(), state.seed),
    };
    match FaultPlan::parse(&spec, seed) {
        Ok(plan) => {
            let body = faults_body(&plan);
            *state.faults.lock().unwrap_or_else(|e| e.into_inner()) = plan;
            ArmResponse::json(StatusCode::OK, body).into_response()
        }
        Err(e) => ArmResponse::from(ArmError::bad_request("InvalidFaultSpec", e.to_string()))
            .into_response(),
    }
}
