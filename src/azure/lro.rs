//! The one poller for ARM long-running operations.
//!
//! After a PUT, PATCH, DELETE or POST the poller follows, in this order of preference,
//! `Azure-AsyncOperation` (200 + `status` until Succeeded/Failed/Canceled), `Location` (202 until
//! the final 200/204) or the resource's own `provisioningState` (absent = Succeeded). It waits as
//! long as `retry-after-ms` / `x-ms-retry-after-ms` / `Retry-After` say, else the configured
//! interval, and at least a tenth of the time the operation has run (up to 30 s), never less than
//! 10 ms. Failed poll GETs are retried by retry.rs. When the operation has succeeded, a create or
//! update GETs the resource for its final state and a delete waits for the resource's 404. The
//! operation's deadline and cancellation bound everything.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use super::config::MINIMUM_POLL_INTERVAL;
use super::deadline::OperationDeadline;
use super::error::{AzureError, AzureResult};
use super::request::{ArmResponse, ResponseHeaders};
use super::retry::retry_after;

/// Something that can GET poll URLs (with retries) on behalf of the poller.
#[async_trait::async_trait]
pub(crate) trait PollTransport: Send + Sync {
    /// GETs `url`; 2xx and the `accepted` statuses are answers, anything else an error.
    async fn poll_get(
        &self,
        url: &Url,
        accepted: &[u16],
        deadline: &OperationDeadline,
    ) -> AzureResult<ArmResponse>;
}

/// What kind of write started the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OperationKind {
    /// PUT or PATCH: the result is the resource's final state.
    CreateOrUpdate,
    /// DELETE: done when the resource is gone.
    Delete,
    /// POST action: the result is the final response body, if any.
    Action,
}

/// Everything the poller needs besides the initial response.
pub(crate) struct LongRunningOperation<'a> {
    pub(crate) kind: OperationKind,
    /// GET URL of the resource itself (for provisioningState polling and the final state).
    pub(crate) resource_url: &'a Url,
    /// Wait between polls when the server does not say.
    pub(crate) poll_interval: Duration,
    /// When the operation started (its first answer came): the poll back-off grows from there.
    pub(crate) started: Instant,
    pub(crate) progress: Option<&'a (dyn Fn(&str) + Send + Sync)>,
    pub(crate) deadline: &'a OperationDeadline,
}

impl LongRunningOperation<'_> {
    fn next_poll_delay(&self, headers: &ResponseHeaders) -> Duration {
        next_poll_delay(headers, self.poll_interval, self.started.elapsed())
    }
}

/// How many consecutive 404s a just-written resource may show before we believe them.
const MISSING_AFTER_WRITE_LIMIT: u32 = 5;

/// `Azure-AsyncOperation` status document.
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
struct OperationStatus {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    percent_complete: Option<f64>,
    #[serde(default)]
    error: Option<OperationError>,
    #[serde(default)]
    properties: Option<Value>,
}

#[derive(Deserialize, Default, Debug, Clone)]
struct OperationError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Terminal states of both `status` and `provisioningState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Terminal {
    Succeeded,
    Failed,
    Canceled,
}

pub(crate) fn terminal_state(state: &str) -> Option<Terminal> {
    match state.to_ascii_lowercase().as_str() {
        "succeeded" => Some(Terminal::Succeeded),
        "failed" => Some(Terminal::Failed),
        "canceled" | "cancelled" => Some(Terminal::Canceled),
        _ => None,
    }
}

/// `properties.provisioningState` (or a top-level `provisioningState`) of a resource body.
pub(crate) fn provisioning_state(body: &Value) -> Option<&str> {
    body.get("properties")
        .and_then(|properties| properties.get("provisioningState"))
        .or_else(|| body.get("provisioningState"))
        .and_then(Value::as_str)
}

/// A long operation is polled no more often than every tenth of the time it has run so far: its
/// end is then seen at most 10 % later than it could be, while a 10-minute AKS create costs about
/// 35 polls instead of 120 at 5 s, so that twenty of them do not drain the read bucket.
const POLL_BACKOFF_DIVISOR: u32 = 10;
/// The back-off stops growing here (a server's `Retry-After` may still ask for more).
pub(crate) const POLL_BACKOFF_CAP: Duration = Duration::from_secs(30);

/// The back-off floor of the poll interval once the operation has run for `running_for`.
pub(crate) fn poll_backoff(running_for: Duration) -> Duration {
    (running_for / POLL_BACKOFF_DIVISOR).min(POLL_BACKOFF_CAP)
}

/// The interval before the next poll: the server's wish, else ours, stretched by the back-off of
/// long operations, never below the minimum.
pub(crate) fn next_poll_delay(
    headers: &ResponseHeaders,
    default: Duration,
    running_for: Duration,
) -> Duration {
    retry_after(headers)
        .unwrap_or(default)
        .max(poll_backoff(running_for))
        .max(MINIMUM_POLL_INTERVAL)
}

/// Calls the progress callback when the status text changes.
struct ProgressReporter<'a> {
    callback: Option<&'a (dyn Fn(&str) + Send + Sync)>,
    last: Option<String>,
    operation: &'a str,
}

impl ProgressReporter<'_> {
    fn report(&mut self, status: &str) {
        let status = status.trim();
        if status.is_empty() || self.last.as_deref() == Some(status) {
            return;
        }
        tracing::info!(operation = %self.operation, status, "long-running operation progress");
        if let Some(callback) = self.callback {
            callback(status);
        }
        self.last = Some(status.to_owned());
    }
}

/// Follows the operation started by `initial` to its end. Returns the resource's final state
/// (create/update), the final body (actions; `null` when none) or `null` (delete).
pub(crate) async fn wait_for_completion(
    transport: &dyn PollTransport,
    operation: LongRunningOperation<'_>,
    initial: ArmResponse,
) -> AzureResult<Value> {
    let deadline = operation.deadline;
    let mut progress = ProgressReporter {
        callback: operation.progress,
        last: None,
        operation: &deadline.operation,
    };
    let initial_body = initial.json_value().unwrap_or(Value::Null);
    let initial_state = provisioning_state(&initial_body).map(str::to_owned);
    if let Some(state) = &initial_state {
        progress.report(state);
    }
    let first_wait = operation.next_poll_delay(&initial.headers);
    let async_operation_url = header_url(&initial.headers, "azure-asyncoperation")?;
    let location_url = header_url(&initial.headers, "location")?;

    if let Some(url) = async_operation_url {
        let status = poll_async_operation(
            transport,
            &url,
            first_wait,
            &operation,
            initial_state.as_deref(),
            &mut progress,
        )
        .await?;
        let location = location_url.filter(|_| initial.status == 202);
        return after_async_operation(transport, &operation, &mut progress, status, location).await;
    }
    if let (202, Some(location)) = (initial.status, location_url) {
        let body =
            poll_location(transport, &location, first_wait, &operation, &mut progress).await?;
        return match operation.kind {
            OperationKind::Action => Ok(body),
            _ => settle(transport, &operation, &mut progress).await,
        };
    }
    let initial = Initial {
        status: initial.status,
        body: initial_body,
        state: initial_state,
        first_wait,
    };
    without_operation_headers(transport, &operation, &mut progress, initial).await
}

/// After a write's operation ended: the resource's final state, or its absence after a delete.
async fn settle(
    transport: &dyn PollTransport,
    operation: &LongRunningOperation<'_>,
    progress: &mut ProgressReporter<'_>,
) -> AzureResult<Value> {
    match operation.kind {
        OperationKind::Delete => {
            wait_until_gone(transport, operation, progress, Duration::ZERO).await
        }
        _ => final_resource_state(transport, operation, progress).await,
    }
}

/// The result once `Azure-AsyncOperation` reports success: an action's body may still wait at
/// `Location` (202) or come in the status's `properties`.
async fn after_async_operation(
    transport: &dyn PollTransport,
    operation: &LongRunningOperation<'_>,
    progress: &mut ProgressReporter<'_>,
    status: OperationStatus,
    location: Option<Url>,
) -> AzureResult<Value> {
    match (operation.kind, location) {
        (OperationKind::Action, Some(location)) => {
            poll_location(transport, &location, Duration::ZERO, operation, progress).await
        }
        (OperationKind::Action, None) => Ok(status.properties.unwrap_or(Value::Null)),
        _ => settle(transport, operation, progress).await,
    }
}

/// The first response of an operation that sent neither `Azure-AsyncOperation` nor a 202 with
/// `Location`.
struct Initial {
    status: u16,
    body: Value,
    state: Option<String>,
    first_wait: Duration,
}

/// Without operation headers, a write is followed through the resource's `provisioningState`
/// (or its disappearance); an action's result is the response itself.
async fn without_operation_headers(
    transport: &dyn PollTransport,
    operation: &LongRunningOperation<'_>,
    progress: &mut ProgressReporter<'_>,
    initial: Initial,
) -> AzureResult<Value> {
    match operation.kind {
        OperationKind::CreateOrUpdate => {
            let terminal = initial.state.as_deref().and_then(terminal_state);
            if let Some(state) = terminal.filter(|state| *state != Terminal::Succeeded) {
                return Err(resource_failure(&initial.body, state));
            }
            let in_progress =
                initial.status == 202 || (initial.state.is_some() && terminal.is_none());
            let first = if in_progress {
                initial.first_wait
            } else {
                Duration::ZERO
            };
            poll_resource_state(transport, operation, progress, first).await
        }
        OperationKind::Delete if initial.status == 202 => {
            wait_until_gone(transport, operation, progress, initial.first_wait).await
        }
        OperationKind::Delete => Ok(Value::Null),
        OperationKind::Action => Ok(initial.body),
    }
}

/// A URL from a header, which must be absolute.
fn header_url(headers: &ResponseHeaders, name: &str) -> AzureResult<Option<Url>> {
    match headers.get(name) {
        None => Ok(None),
        Some(text) => Url::parse(text)
            .map(Some)
            .map_err(|error| AzureError::Decode {
                message: format!("the {name} header {text:?} is not an absolute URL: {error}"),
            }),
    }
}

async fn poll_async_operation(
    transport: &dyn PollTransport,
    url: &Url,
    first_wait: Duration,
    operation: &LongRunningOperation<'_>,
    resource_state: Option<&str>,
    progress: &mut ProgressReporter<'_>,
) -> AzureResult<OperationStatus> {
    let deadline = operation.deadline;
    let mut wait = first_wait;
    loop {
        deadline.sleep(wait).await?;
        let response = transport.poll_get(url, &[], deadline).await?;
        let status: OperationStatus = match response.json_value() {
            Ok(Value::Null) | Err(_) => OperationStatus::default(),
            Ok(value) => serde_json::from_value(value).unwrap_or_default(),
        };
        let text = status.status.clone().unwrap_or_else(|| "InProgress".into());
        match terminal_state(&text) {
            Some(Terminal::Succeeded) => {
                progress.report("Succeeded");
                return Ok(status);
            }
            Some(terminal) => {
                progress.report(&text);
                let error = status.error.unwrap_or_default();
                return Err(AzureError::OperationFailed {
                    code: error
                        .code
                        .filter(|code| !code.is_empty())
                        .unwrap_or_else(|| terminal_code(terminal).into()),
                    message: error.message.filter(|m| !m.is_empty()).unwrap_or_else(|| {
                        format!("the operation ended {text} without an error message")
                    }),
                });
            }
            None => {
                progress.report(&progress_text(
                    &text,
                    resource_state,
                    status.percent_complete,
                ));
            }
        }
        wait = operation.next_poll_delay(&response.headers);
    }
}

/// "Creating 40%" rather than "InProgress 40%" when the resource told us what it is doing.
fn progress_text(status: &str, resource_state: Option<&str>, percent: Option<f64>) -> String {
    let generic = matches!(
        status.to_ascii_lowercase().as_str(),
        "inprogress" | "running" | "accepted" | "notstarted"
    );
    let label = match resource_state {
        Some(state) if generic && terminal_state(state).is_none() => state,
        _ => status,
    };
    match percent {
        Some(percent) if percent.is_finite() && percent > 0.0 => {
            format!("{label} {}%", percent.clamp(0.0, 100.0).round() as u32)
        }
        _ => label.to_owned(),
    }
}

fn terminal_code(terminal: Terminal) -> &'static str {
    match terminal {
        Terminal::Succeeded => "Succeeded",
        Terminal::Failed => "Failed",
        Terminal::Canceled => "Canceled",
    }
}

/// Polls a `Location` URL: 202 while running, then the final response.
async fn poll_location(
    transport: &dyn PollTransport,
    url: &Url,
    first_wait: Duration,
    operation: &LongRunningOperation<'_>,
    progress: &mut ProgressReporter<'_>,
) -> AzureResult<Value> {
    let deadline = operation.deadline;
    let accepted: &[u16] = match operation.kind {
        OperationKind::Delete => &[404],
        _ => &[],
    };
    let mut wait = first_wait;
    loop {
        deadline.sleep(wait).await?;
        let response = transport.poll_get(url, accepted, deadline).await?;
        if response.status == 202 {
            progress.report("InProgress");
            wait = operation.next_poll_delay(&response.headers);
            continue;
        }
        if response.status == 404 || response.status == 204 {
            return Ok(Value::Null);
        }
        let body = response.json_value().unwrap_or(Value::Null);
        if let Some(terminal) = provisioning_state(&body).and_then(terminal_state) {
            if terminal != Terminal::Succeeded {
                return Err(resource_failure(&body, terminal));
            }
        }
        progress.report("Succeeded");
        return Ok(body);
    }
}

/// Polls the resource until its provisioningState is terminal.
async fn poll_resource_state(
    transport: &dyn PollTransport,
    operation: &LongRunningOperation<'_>,
    progress: &mut ProgressReporter<'_>,
    first_wait: Duration,
) -> AzureResult<Value> {
    let deadline = operation.deadline;
    let mut wait = first_wait;
    let mut missing = 0;
    loop {
        deadline.sleep(wait).await?;
        let response = transport
            .poll_get(operation.resource_url, &[404], deadline)
            .await?;
        wait = operation.next_poll_delay(&response.headers);
        if response.status == 404 {
            // Replication can hide a just-written resource for a moment.
            missing += 1;
            if missing >= MISSING_AFTER_WRITE_LIMIT {
                return Err(response.to_error());
            }
            continue;
        }
        missing = 0;
        let body = response.json_value()?;
        let state = provisioning_state(&body).unwrap_or("Succeeded").to_owned();
        match terminal_state(&state) {
            Some(Terminal::Succeeded) => {
                progress.report("Succeeded");
                return Ok(body);
            }
            Some(terminal) => {
                progress.report(&state);
                return Err(resource_failure(&body, terminal));
            }
            None => progress.report(&state),
        }
    }
}

/// After the operation succeeded: the resource's state as it is now.
async fn final_resource_state(
    transport: &dyn PollTransport,
    operation: &LongRunningOperation<'_>,
    progress: &mut ProgressReporter<'_>,
) -> AzureResult<Value> {
    poll_resource_state(transport, operation, progress, Duration::ZERO).await
}

/// Polls the resource until it answers 404.
async fn wait_until_gone(
    transport: &dyn PollTransport,
    operation: &LongRunningOperation<'_>,
    progress: &mut ProgressReporter<'_>,
    first_wait: Duration,
) -> AzureResult<Value> {
    let deadline = operation.deadline;
    let mut wait = first_wait;
    loop {
        deadline.sleep(wait).await?;
        let response = transport
            .poll_get(operation.resource_url, &[404], deadline)
            .await?;
        if response.status == 404 || response.status == 204 {
            progress.report("Deleted");
            return Ok(Value::Null);
        }
        let body = response.json_value().unwrap_or(Value::Null);
        let state = provisioning_state(&body).unwrap_or("Deleting").to_owned();
        match terminal_state(&state) {
            Some(terminal @ (Terminal::Failed | Terminal::Canceled)) => {
                return Err(resource_failure(&body, terminal));
            }
            _ => progress.report(if state.eq_ignore_ascii_case("Succeeded") {
                "Deleting"
            } else {
                &state
            }),
        }
        wait = operation.next_poll_delay(&response.headers);
    }
}

/// An `OperationFailed` from a resource body in a terminal failure state, using AKS's
/// `properties.status.provisioningError` when present.
fn resource_failure(body: &Value, terminal: Terminal) -> AzureError {
    let provisioning_error = body
        .pointer("/properties/status/provisioningError")
        .or_else(|| body.pointer("/properties/provisioningError"))
        .and_then(|error| serde_json::from_value::<OperationError>(error.clone()).ok())
        .unwrap_or_default();
    AzureError::OperationFailed {
        code: provisioning_error
            .code
            .filter(|code| !code.is_empty())
            .unwrap_or_else(|| terminal_code(terminal).into()),
        message: provisioning_error
            .message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| {
                format!(
                    "the resource's provisioningState is {}; check the resource in the Azure \
                     portal or its activity log",
                    terminal_code(terminal)
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use tokio_util::sync::CancellationToken;

    /// One scripted answer: status, headers, JSON body (`null` = empty).
    type Answer = (u16, Vec<(&'static str, &'static str)>, Value);

    /// Answers polls from a script, recording the URLs.
    struct ScriptedTransport {
        answers: Mutex<VecDeque<Answer>>,
        requested: Mutex<Vec<String>>,
    }

    impl ScriptedTransport {
        fn new(answers: Vec<Answer>) -> Self {
            ScriptedTransport {
                answers: Mutex::new(answers.into()),
                requested: Mutex::new(Vec::new()),
            }
        }
        fn requested(&self) -> Vec<String> {
            self.requested.lock().unwrap().clone()
        }
    }

    fn response(status: u16, headers: &[(&str, &str)], body: &Value) -> ArmResponse {
        let mut map = ResponseHeaders::default();
        for (name, value) in headers {
            map = map.with(name, value);
        }
        ArmResponse {
            status,
            headers: map,
            body: if body.is_null() {
                Vec::new()
            } else {
                body.to_string().into_bytes()
            },
        }
    }

    #[async_trait::async_trait]
    impl PollTransport for ScriptedTransport {
        async fn poll_get(
            &self,
            url: &Url,
            accepted: &[u16],
            _deadline: &OperationDeadline,
        ) -> AzureResult<ArmResponse> {
            self.requested.lock().unwrap().push(url.path().to_owned());
            let (status, headers, body) = self
                .answers
                .lock()
                .unwrap()
                .pop_front()
                .expect("no scripted answer left");
            let answer = response(status, &headers, &body);
            if answer.is_success() || accepted.contains(&status) {
                Ok(answer)
            } else {
                Err(answer.to_error())
            }
        }
    }

    fn url(path: &str) -> Url {
        Url::parse(&format!("https://arm.test{path}")).unwrap()
    }

    async fn run(
        transport: &ScriptedTransport,
        kind: OperationKind,
        initial: ArmResponse,
        seen: &Mutex<Vec<String>>,
    ) -> AzureResult<Value> {
        let resource = url("/resource");
        let deadline =
            OperationDeadline::new("test", Duration::from_secs(10), CancellationToken::new());
        let callback = |status: &str| seen.lock().unwrap().push(status.to_owned());
        wait_for_completion(
            transport,
            LongRunningOperation {
                kind,
                resource_url: &resource,
                poll_interval: Duration::from_millis(1),
                started: Instant::now(),
                progress: Some(&callback),
                deadline: &deadline,
            },
            initial,
        )
        .await
    }

    #[tokio::test]
    async fn async_operation_then_final_get() {
        let transport = ScriptedTransport::new(vec![
            (
                200,
                vec![],
                serde_json::json!({"status": "InProgress", "percentComplete": 40}),
            ),
            (
                200,
                vec![("retry-after-ms", "20")],
                serde_json::json!({"status": "InProgress", "percentComplete": 40}),
            ),
            (200, vec![], serde_json::json!({"status": "Succeeded"})),
            (
                200,
                vec![],
                serde_json::json!({"properties": {"provisioningState": "Succeeded"}, "name": "x"}),
            ),
        ]);
        let seen = Mutex::new(Vec::new());
        let initial = response(
            201,
            &[
                ("Azure-AsyncOperation", "https://arm.test/operations/1"),
                ("Retry-After", "0"),
            ],
            &serde_json::json!({"properties": {"provisioningState": "Creating"}}),
        );
        let value = run(&transport, OperationKind::CreateOrUpdate, initial, &seen)
            .await
            .unwrap();
        assert_eq!(value["name"], "x");
        assert_eq!(
            transport.requested(),
            [
                "/operations/1",
                "/operations/1",
                "/operations/1",
                "/resource"
            ]
        );
        assert_eq!(
            *seen.lock().unwrap(),
            ["Creating", "Creating 40%", "Succeeded"]
        );
    }

    #[tokio::test]
    async fn async_operation_failure_carries_the_error() {
        let transport = ScriptedTransport::new(vec![(
            200,
            vec![],
            serde_json::json!({"status": "Failed", "error": {"code": "SubnetIsFull", "message": "Subnet nodes has no capacity"}}),
        )]);
        let seen = Mutex::new(Vec::new());
        let initial = response(
            200,
            &[("azure-asyncoperation", "https://arm.test/operations/2")],
            &Value::Null,
        );
        let error = run(&transport, OperationKind::CreateOrUpdate, initial, &seen)
            .await
            .unwrap_err();
        match error {
            AzureError::OperationFailed { code, message } => {
                assert_eq!(code, "SubnetIsFull");
                assert!(message.contains("capacity"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn location_polling_for_delete_and_confirmation() {
        let transport = ScriptedTransport::new(vec![
            (202, vec![], Value::Null),
            (200, vec![], Value::Null),
            (
                200,
                vec![],
                serde_json::json!({"properties": {"provisioningState": "Deleting"}}),
            ),
            (
                404,
                vec![],
                serde_json::json!({"error": {"code": "ResourceNotFound", "message": "gone"}}),
            ),
        ]);
        let seen = Mutex::new(Vec::new());
        let initial = response(
            202,
            &[("Location", "https://arm.test/operationResults/3")],
            &Value::Null,
        );
        let value = run(&transport, OperationKind::Delete, initial, &seen)
            .await
            .unwrap();
        assert!(value.is_null());
        assert_eq!(
            transport.requested(),
            [
                "/operationResults/3",
                "/operationResults/3",
                "/resource",
                "/resource"
            ]
        );
        assert_eq!(
            *seen.lock().unwrap(),
            ["InProgress", "Succeeded", "Deleting", "Deleted"]
        );
    }

    #[tokio::test]
    async fn location_result_is_the_action_body() {
        let transport = ScriptedTransport::new(vec![
            (202, vec![("Retry-After", "0")], Value::Null),
            (200, vec![], serde_json::json!({"kubeconfigs": []})),
        ]);
        let seen = Mutex::new(Vec::new());
        let initial = response(
            202,
            &[("Location", "https://arm.test/operationResults/4")],
            &Value::Null,
        );
        let value = run(&transport, OperationKind::Action, initial, &seen)
            .await
            .unwrap();
        assert_eq!(value, serde_json::json!({"kubeconfigs": []}));
    }

    #[tokio::test]
    async fn provisioning_state_polling() {
        let transport = ScriptedTransport::new(vec![
            (
                200,
                vec![],
                serde_json::json!({"properties": {"provisioningState": "Updating"}}),
            ),
            (
                200,
                vec![],
                serde_json::json!({"properties": {"provisioningState": "Succeeded"}, "id": "r"}),
            ),
        ]);
        let seen = Mutex::new(Vec::new());
        let initial = response(
            200,
            &[],
            &serde_json::json!({"properties": {"provisioningState": "Updating"}}),
        );
        let value = run(&transport, OperationKind::CreateOrUpdate, initial, &seen)
            .await
            .unwrap();
        assert_eq!(value["id"], "r");
        assert_eq!(*seen.lock().unwrap(), ["Updating", "Succeeded"]);

        let transport = ScriptedTransport::new(vec![(
            200,
            vec![],
            serde_json::json!({"properties": {"provisioningState": "Failed", "status": {"provisioningError": {"code": "ServiceCidrOverlapExistingSubnetsCidr", "message": "overlap"}}}}),
        )]);
        let initial = response(
            201,
            &[],
            &serde_json::json!({"properties": {"provisioningState": "Creating"}}),
        );
        let error = run(&transport, OperationKind::CreateOrUpdate, initial, &seen)
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some("ServiceCidrOverlapExistingSubnetsCidr"));
    }

    #[tokio::test]
    async fn synchronous_results() {
        // A synchronous PUT still reads the final state; absent provisioningState = Succeeded.
        let transport = ScriptedTransport::new(vec![(
            200,
            vec![],
            serde_json::json!({"location": "westeurope"}),
        )]);
        let seen = Mutex::new(Vec::new());
        let initial = response(201, &[], &serde_json::json!({"location": "westeurope"}));
        let value = run(&transport, OperationKind::CreateOrUpdate, initial, &seen)
            .await
            .unwrap();
        assert_eq!(value["location"], "westeurope");

        let transport = ScriptedTransport::new(vec![]);
        let initial = response(204, &[], &Value::Null);
        assert!(run(&transport, OperationKind::Delete, initial, &seen)
            .await
            .unwrap()
            .is_null());
        let initial = response(
            200,
            &[],
            &serde_json::json!({"kubeconfigs": [{"name": "clusterUser", "value": "YQ=="}]}),
        );
        let value = run(&transport, OperationKind::Action, initial, &seen)
            .await
            .unwrap();
        assert_eq!(value["kubeconfigs"][0]["name"], "clusterUser");
        assert!(transport.requested().is_empty());
    }

    #[tokio::test]
    async fn cancel_stops_polling_quickly() {
        struct NeverDone;
        #[async_trait::async_trait]
        impl PollTransport for NeverDone {
            async fn poll_get(
                &self,
                _url: &Url,
                _accepted: &[u16],
                _deadline: &OperationDeadline,
            ) -> AzureResult<ArmResponse> {
                Ok(response(
                    200,
                    &[("Retry-After", "30")],
                    &serde_json::json!({"status": "InProgress"}),
                ))
            }
        }
        let cancel = CancellationToken::new();
        let deadline = OperationDeadline::new("test", Duration::from_secs(600), cancel.clone());
        let resource = url("/resource");
        let canceller = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                cancel.cancel();
            })
        };
        let started = std::time::Instant::now();
        let result = wait_for_completion(
            &NeverDone,
            LongRunningOperation {
                kind: OperationKind::CreateOrUpdate,
                resource_url: &resource,
                poll_interval: Duration::from_secs(5),
                started: Instant::now(),
                progress: None,
                deadline: &deadline,
            },
            response(
                201,
                &[("Azure-AsyncOperation", "https://arm.test/op")],
                &Value::Null,
            ),
        )
        .await;
        assert!(matches!(result, Err(AzureError::Canceled)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(1));
        canceller.await.unwrap();
    }

    /// Polls thin out as the operation ages, though the server keeps asking for 10 ms.
    #[tokio::test]
    async fn polls_back_off_on_long_operations() {
        struct Eager(std::sync::atomic::AtomicU32);
        #[async_trait::async_trait]
        impl PollTransport for Eager {
            async fn poll_get(
                &self,
                _url: &Url,
                _accepted: &[u16],
                _deadline: &OperationDeadline,
            ) -> AzureResult<ArmResponse> {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(response(
                    200,
                    &[("retry-after-ms", "10")],
                    &serde_json::json!({"status": "InProgress"}),
                ))
            }
        }
        // (the operation has run for, polls expected within 600 ms: min, max)
        let cases = [
            (Duration::ZERO, 10, 60),
            // 4 s: a first poll after 400 ms, the next one 440 ms later, past the deadline.
            (Duration::from_secs(4), 1, 1),
            // 100 s: 10 s between polls.
            (Duration::from_secs(100), 0, 0),
        ];
        let resource = url("/resource");
        for (age, min, max) in cases {
            let transport = Eager(Default::default());
            let deadline = OperationDeadline::new(
                "test",
                Duration::from_millis(600),
                CancellationToken::new(),
            );
            let result = wait_for_completion(
                &transport,
                LongRunningOperation {
                    kind: OperationKind::CreateOrUpdate,
                    resource_url: &resource,
                    poll_interval: Duration::from_millis(10),
                    started: Instant::now().checked_sub(age).unwrap(),
                    progress: None,
                    deadline: &deadline,
                },
                response(
                    201,
                    &[
                        ("Azure-AsyncOperation", "https://arm.test/op"),
                        ("retry-after-ms", "10"),
                    ],
                    &Value::Null,
                ),
            )
            .await;
            assert!(
                matches!(result, Err(AzureError::Timeout { .. })),
                "{result:?}"
            );
            let polls = transport.0.load(std::sync::atomic::Ordering::SeqCst);
            assert!((min..=max).contains(&polls), "{age:?}: {polls} polls");
        }
    }

    #[tokio::test]
    async fn deadline_gives_timeout() {
        let transport = ScriptedTransport::new(
            (0..100)
                .map(|_| (202u16, vec![("retry-after-ms", "10")], Value::Null))
                .collect(),
        );
        let deadline = OperationDeadline::new(
            "slow delete",
            Duration::from_millis(50),
            CancellationToken::new(),
        );
        let resource = url("/resource");
        let result = wait_for_completion(
            &transport,
            LongRunningOperation {
                kind: OperationKind::Delete,
                resource_url: &resource,
                poll_interval: Duration::from_millis(10),
                started: Instant::now(),
                progress: None,
                deadline: &deadline,
            },
            response(202, &[("Location", "https://arm.test/op")], &Value::Null),
        )
        .await;
        match result {
            Err(AzureError::Timeout { operation, .. }) => assert_eq!(operation, "slow delete"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn poll_delay_rules() {
        let none = ResponseHeaders::default();
        let server = ResponseHeaders::default().with("Retry-After", "12");
        let tiny = ResponseHeaders::default().with("retry-after-ms", "1");
        let secs = Duration::from_secs;
        // (headers, default interval, running for, expected delay)
        let cases = [
            (&none, secs(5), secs(0), secs(5)),
            (&none, Duration::ZERO, secs(0), MINIMUM_POLL_INTERVAL),
            (&server, secs(5), secs(0), secs(12)),
            (&tiny, secs(5), secs(0), MINIMUM_POLL_INTERVAL),
            // Short operations keep the server's (or our) pace.
            (
                &tiny,
                secs(5),
                Duration::from_millis(50),
                Duration::from_millis(10),
            ),
            (&none, secs(5), secs(50), secs(5)),
            (&server, secs(5), secs(100), secs(12)),
            // Long ones back off to a tenth of their running time…
            (&none, secs(5), secs(80), secs(8)),
            (&server, secs(5), secs(200), secs(20)),
            (&tiny, secs(5), secs(100), secs(10)),
            // …up to the cap, beyond which only the server may ask for more.
            (&none, secs(5), secs(3600), POLL_BACKOFF_CAP),
            (
                &ResponseHeaders::default().with("Retry-After", "60"),
                secs(5),
                secs(3600),
                secs(60),
            ),
        ];
        for (headers, default, running_for, expected) in cases {
            assert_eq!(
                next_poll_delay(headers, default, running_for),
                expected,
                "{headers:?} {default:?} {running_for:?}"
            );
        }
        assert_eq!(
            progress_text("InProgress", Some("Updating"), Some(39.6)),
            "Updating 40%"
        );
        assert_eq!(progress_text("Running", None, None), "Running");
        assert_eq!(
            progress_text("InProgress", Some("Succeeded"), None),
            "InProgress"
        );
    }
}
