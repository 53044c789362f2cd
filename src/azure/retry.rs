//! Our own retry loop around single ARM requests.
//!
//! azure_core's retry policy decides by HTTP status alone and gives up after 60 s in total, but ARM
//! says "busy, try again" with a 409 and an error code (`AnotherOperationInProgress`, AKS's
//! `OperationNotAllowed` while an operation runs) that a status cannot tell from a real conflict,
//! and its throttling and operation conflicts outlast 60 s; so the pipeline runs without it and
//! this module decides: which failures are worth another try, how long to wait (exponential
//! backoff with jitter, never sooner than the server's `retry-after-ms`, `x-ms-retry-after-ms` or
//! `Retry-After`), and when to stop (attempt limit for transient faults, the operation deadline and
//! cancellation for everything).

use std::future::Future;
use std::time::Duration;

use super::deadline::OperationDeadline;
use super::error::{AzureError, AzureResult};
use super::request::{ArmResponse, ResponseHeaders};

/// Backoff settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay before the first retry (doubles each time, with jitter).
    pub initial_delay: Duration,
    /// Longest backoff delay (a server's `Retry-After` may still ask for more).
    pub max_delay: Duration,
    /// Attempts for transient faults (5xx, dropped connections, a bare 409 `Conflict`).
    /// Throttling and "busy" conflicts are retried until the operation deadline instead,
    /// because they are expected to clear.
    pub max_transient_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            max_transient_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `retry` (1-based): `initial * 2^(retry-1)`, capped, then
    /// scaled by a random factor in [0.5, 1.0] so that parallel clients spread out.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let base = self
            .initial_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        base.mul_f64(0.5 + 0.5 * random_fraction())
    }
}

/// How a failure should be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    /// 429: wait as told and retry until the deadline.
    Throttled,
    /// Another operation holds the resource: retry until the deadline.
    Conflict,
    /// 5xx or a dropped connection: retry a bounded number of times.
    Transient,
    /// A bare 409 `Conflict` without a reason: usually a resource busy for a moment, but it may
    /// be a real conflict, so it is retried a bounded number of times like a transient fault.
    AmbiguousConflict,
    /// Retrying cannot help.
    Permanent,
}

impl RetryClass {
    pub fn is_retryable(self) -> bool {
        !matches!(self, RetryClass::Permanent)
    }
}

/// Decides whether an error is worth retrying.
pub fn classify_error(error: &AzureError) -> RetryClass {
    match error {
        AzureError::Arm {
            status,
            code,
            message,
            ..
        } => classify_arm(*status, code, message),
        AzureError::Transport { .. } => RetryClass::Transient,
        _ => RetryClass::Permanent,
    }
}

/// Reads ARM's 409s by their code, because the status alone cannot tell "busy, try again" from
/// a real conflict. The REST specs (azure-rest-api-specs, in ../shared/azure-specs) declare no
/// codes for 409: every operation answers `default: CloudError`; the codes and wording come from
/// Microsoft's troubleshooting pages and ARM's answers:
/// - AKS `OperationNotAllowed` "Another operation (…) is in progress, please wait for it to
///   finish" (learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/
///   operationnotallowed, aka.ms/aks-pending-operation); the same code also refuses quota and
///   "already stopped" requests, which waiting never fixes, so only in-progress wording retries;
/// - Network `AnotherOperationInProgress` / `RetryableErrorDueToAnotherOperation`, and a plain
///   `Conflict` "Another operation on this or dependent resource is in progress";
/// - `ResourceGroupBeingDeleted` ("… is in deprovisioning state"): clears when the delete ends
///   (then the write either succeeds or gets a plain 404);
/// - real conflicts carry their own code and fail at once: `RoleAssignmentExists` ("a similar
///   role assignment already exists", learn.microsoft.com/rest/api/authorization; our own
///   assignment is recognised by its callers via [`AzureError::existing_role_assignment`]),
///   `…AlreadyExists`, `…AlreadyTaken`, `InUse…`, `ScopeLocked`, `…DeletionBlocked`. A bare
///   `Conflict` that gives no reason may be either, so it is retried a bounded number of times,
///   like a 5xx.
fn classify_arm(status: u16, code: &str, message: &str) -> RetryClass {
    let code_is = |expected: &str| code.eq_ignore_ascii_case(expected);
    // Network RP reports its one-write-per-VNet rule with these codes under several statuses.
    if code_is("RetryableErrorDueToAnotherOperation") || code_is("AnotherOperationInProgress") {
        return RetryClass::Conflict;
    }
    if status == 429 {
        return RetryClass::Throttled;
    }
    if status == 409 {
        return classify_conflict(code, message);
    }
    // Right after a VNet or peering is created, dependants briefly see it as not provisioned.
    if code_is("ReferencedResourceNotProvisioned") {
        return RetryClass::Conflict;
    }
    // A just-created identity is not yet replicated to the directory.
    if code_is("PrincipalNotFound") {
        return RetryClass::Transient;
    }
    match status {
        408 | 500 | 502 | 503 | 504 => RetryClass::Transient,
        _ => RetryClass::Permanent,
    }
}

/// A 409 other than the Network RP's busy codes (handled before).
fn classify_conflict(code: &str, message: &str) -> RetryClass {
    let code_is = |expected: &str| code.eq_ignore_ascii_case(expected);
    if code_is("ResourceGroupBeingDeleted") {
        return RetryClass::Conflict;
    }
    if code_is("OperationNotAllowed") {
        let busy =
            says_operation_in_progress(message) && !message.to_ascii_lowercase().contains("quota");
        return if busy {
            RetryClass::Conflict
        } else {
            RetryClass::Permanent
        };
    }
    // `Conflict` is also the code our error parser gives a 409 with an empty body.
    if code_is("Conflict") {
        return if says_operation_in_progress(message) {
            RetryClass::Conflict
        } else if says_already_taken(message) {
            // "already a fleet member", "already exists": a fact about other resources that
            // waiting does not change.
            RetryClass::Permanent
        } else {
            RetryClass::AmbiguousConflict
        };
    }
    RetryClass::Permanent
}

/// Whether an error message says the resource is busy with another operation.
fn says_operation_in_progress(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "in progress",
        "inprogress",
        "another operation",
        "pending operation",
        "aks-pending-operation",
        "is busy",
        "being updated",
        "being deleted",
        "being created",
        "being performed",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

/// Whether an error message says the name or membership is held by something else.
fn says_already_taken(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "already a ",
        "already exists",
        "already taken",
        "already in use",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

/// The server's minimum wait: `retry-after-ms`, else `x-ms-retry-after-ms`, else `Retry-After`
/// (seconds or an HTTP date). The first one present wins, as in the Azure SDKs (azure_core's
/// `get_retry_after`, core-rest-pipeline's throttling policy): the millisecond headers say the
/// same wish precisely, while `Retry-After` can only round it up to whole seconds, which would
/// make every sub-second operation cost a full second.
pub(crate) fn retry_after(headers: &ResponseHeaders) -> Option<Duration> {
    retry_after_at(headers, time::OffsetDateTime::now_utc())
}

pub(crate) fn retry_after_at(
    headers: &ResponseHeaders,
    now: time::OffsetDateTime,
) -> Option<Duration> {
    ["retry-after-ms", "x-ms-retry-after-ms"]
        .iter()
        .find_map(|name| headers.get(name).and_then(parse_milliseconds))
        .or_else(|| {
            headers
                .get("retry-after")
                .and_then(|value| parse_retry_after(value, now))
        })
}

fn parse_milliseconds(value: &str) -> Option<Duration> {
    let number: f64 = value.trim().parse().ok()?;
    duration_from_f64(number / 1000.0)
}

/// `Retry-After`: delta-seconds (integer or, leniently, decimal) or an IMF-fixdate.
pub(crate) fn parse_retry_after(value: &str, now: time::OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(number) = value.parse::<f64>() {
        return duration_from_f64(number);
    }
    let when = azure_core::time::parse_rfc7231(value).ok()?;
    let delta = when - now;
    if delta.is_negative() {
        Some(Duration::ZERO)
    } else {
        Duration::try_from(delta).ok()
    }
}

fn duration_from_f64(seconds: f64) -> Option<Duration> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    // A server asking for more than a day is broken; the deadline caps us anyway.
    Some(Duration::from_secs_f64(seconds.min(86_400.0)))
}

/// A random number in [0, 1) from the OS random source (through uuid v4), for jitter.
fn random_fraction() -> f64 {
    // The low 53 bits of a v4 UUID are all random (version and variant bits sit higher).
    let bits = (uuid::Uuid::new_v4().as_u128() as u64) & ((1u64 << 53) - 1);
    bits as f64 / (1u64 << 53) as f64
}

/// Sends `attempt` until it yields a response whose status is a success or in `accepted`, or
/// until retrying stops making sense. Non-accepted failures become [`AzureError`]s.
pub(crate) async fn send_with_retry<F, Fut>(
    policy: &RetryPolicy,
    deadline: &OperationDeadline,
    accepted: &[u16],
    mut attempt: F,
) -> AzureResult<ArmResponse>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AzureResult<ArmResponse>>,
{
    let mut retries: u32 = 0;
    loop {
        let outcome = deadline.run(attempt()).await?;
        let (error, server_wait) = match outcome {
            Ok(response) if response.is_success() || accepted.contains(&response.status) => {
                return Ok(response)
            }
            Ok(response) => (response.to_error(), retry_after(&response.headers)),
            Err(error) => (error, None),
        };
        let class = classify_error(&error);
        retries += 1;
        let give_up = match class {
            RetryClass::Permanent => true,
            RetryClass::Transient | RetryClass::AmbiguousConflict => {
                retries >= policy.max_transient_attempts.max(1)
            }
            RetryClass::Throttled | RetryClass::Conflict => false,
        };
        if give_up {
            return Err(error);
        }
        let backoff = policy.backoff(retries);
        let wait = server_wait.map_or(backoff, |server| server.max(backoff));
        if wait >= deadline.remaining() {
            // Waiting would outlive the operation; the server's error says more than a timeout.
            tracing::warn!(
                operation = %deadline.operation,
                error = %error,
                "giving up retrying: the next attempt would be after the deadline"
            );
            return Err(error);
        }
        tracing::info!(
            operation = %deadline.operation,
            retry = retries,
            wait_ms = wait.as_millis() as u64,
            class = ?class,
            error = %error,
            "retrying ARM request"
        );
        deadline.sleep(wait).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::error::parse_arm_error;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio_util::sync::CancellationToken;

    fn now() -> time::OffsetDateTime {
        time::PrimitiveDateTime::new(
            time::Date::from_calendar_date(2026, time::Month::November, 26).unwrap(),
            time::Time::from_hms(12, 0, 0).unwrap(),
        )
        .assume_utc()
    }

    #[test]
    fn retry_after_variants() {
        let headers = ResponseHeaders::default().with("Retry-After", "7");
        assert_eq!(
            retry_after_at(&headers, now()),
            Some(Duration::from_secs(7))
        );

        let headers = ResponseHeaders::default().with("retry-after-ms", "250");
        assert_eq!(
            retry_after_at(&headers, now()),
            Some(Duration::from_millis(250))
        );

        let headers = ResponseHeaders::default().with("x-ms-retry-after-ms", "1500");
        assert_eq!(
            retry_after_at(&headers, now()),
            Some(Duration::from_millis(1500))
        );

        // Several headers: the precise one wins over `Retry-After`'s whole seconds, in the Azure
        // SDKs' order; an unreadable one is skipped.
        for (headers, expected) in [
            (
                ResponseHeaders::default()
                    .with("retry-after-ms", "100")
                    .with("Retry-After", "1"),
                Duration::from_millis(100),
            ),
            (
                ResponseHeaders::default()
                    .with("x-ms-retry-after-ms", "300")
                    .with("retry-after-ms", "40")
                    .with("Retry-After", "1"),
                Duration::from_millis(40),
            ),
            (
                ResponseHeaders::default()
                    .with("retry-after-ms", "soon")
                    .with("x-ms-retry-after-ms", "300")
                    .with("Retry-After", "1"),
                Duration::from_millis(300),
            ),
            (
                ResponseHeaders::default()
                    .with("retry-after-ms", "soon")
                    .with("Retry-After", "2"),
                Duration::from_secs(2),
            ),
        ] {
            assert_eq!(
                retry_after_at(&headers, now()),
                Some(expected),
                "{headers:?}"
            );
        }

        let headers =
            ResponseHeaders::default().with("Retry-After", "Thu, 26 Nov 2026 12:00:30 GMT");
        assert_eq!(
            retry_after_at(&headers, now()),
            Some(Duration::from_secs(30))
        );

        let headers =
            ResponseHeaders::default().with("Retry-After", "Thu, 26 Nov 2026 11:00:00 GMT");
        assert_eq!(retry_after_at(&headers, now()), Some(Duration::ZERO));

        for garbage in ["soon", "-5", "NaN", "Thu, 99 Foo 2026 12:00:30 GMT", ""] {
            let headers = ResponseHeaders::default().with("Retry-After", garbage);
            assert_eq!(retry_after_at(&headers, now()), None, "{garbage}");
        }
        assert_eq!(retry_after_at(&ResponseHeaders::default(), now()), None);
    }

    fn arm(status: u16, code: &str, message: &str) -> AzureError {
        let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
        parse_arm_error(status, body.as_bytes(), None, None)
    }

    #[test]
    fn classification() {
        use RetryClass::*;
        let aks_busy = "Operation is not allowed: Another operation (Updating) is in progress, \
                        please wait for it to finish before starting a new operation. See \
                        https://aka.ms/aks-pending-operation for more details";
        let aks_pool_busy = "Operation is not allowed because there's an in progress create \
                             managed cluster operation on this managed cluster.";
        let network_busy = "Another operation on this or dependent resource is in progress. To \
                            retrieve status of the operation use uri: https://…/operations/1.";
        let cases: &[(u16, &str, &str, RetryClass)] = &[
            // Throttling.
            (429, "TooManyRequests", "", Throttled),
            (429, "SubscriptionRequestsThrottled", "", Throttled),
            // Network RP's busy codes, whatever the status.
            (429, "RetryableErrorDueToAnotherOperation", "", Conflict),
            (400, "AnotherOperationInProgress", "", Conflict),
            (409, "AnotherOperationInProgress", network_busy, Conflict),
            (409, "anotheroperationinprogress", "", Conflict),
            // AKS: busy while an operation runs; refusals that waiting cannot fix are final.
            (409, "OperationNotAllowed", aks_busy, Conflict),
            (409, "OperationNotAllowed", aks_pool_busy, Conflict),
            (
                409,
                "OperationNotAllowed",
                "Operation could not be completed as it results in exceeding approved Total \
                 Regional Cores quota. Another operation is in progress.",
                Permanent,
            ),
            (
                409,
                "OperationNotAllowed",
                "managed cluster is not currently running, stopping cannot be performed",
                Permanent,
            ),
            (
                409,
                "OperationNotAllowed",
                "Member 'm' is part of cluster mesh profile 'p' (Connected). Remove it from the \
                 mesh before deleting the member.",
                Permanent,
            ),
            // A write into a resource group whose delete runs: wait for the delete.
            (
                409,
                "ResourceGroupBeingDeleted",
                "The resource group 'rg' is in deprovisioning state and cannot perform this \
                 operation.",
                Conflict,
            ),
            // A bare Conflict: busy when it says so, else bounded retries.
            (409, "Conflict", network_busy, Conflict),
            (
                409,
                "Conflict",
                "The resource '/…/profiles/fd' is busy with a Creating operation.",
                Conflict,
            ),
            (409, "Conflict", "", AmbiguousConflict),
            (
                409,
                "Conflict",
                "The managed cluster 'c' is already a fleet member as 'm'.",
                Permanent,
            ),
            (
                409,
                "Conflict",
                "A resource with the name 'x' already exists.",
                Permanent,
            ),
            // Real conflicts fail at once.
            (
                409,
                "RoleAssignmentExists",
                "The role assignment already exists. The ID of the existing role assignment \
                 is 0b4f2f9a1c3e4d5f8a6b7c8d9e0f1a2b.",
                Permanent,
            ),
            (
                409,
                "ConflictingResource",
                "in use by another resource",
                Permanent,
            ),
            (409, "StorageAccountAlreadyTaken", "", Permanent),
            (409, "NodeResourceGroupAlreadyExists", "", Permanent),
            (409, "InUseSubnetCannotBeDeleted", "", Permanent),
            (409, "ResourceGroupDeletionBlocked", "", Permanent),
            (409, "ScopeLocked", "", Permanent),
            (400, "InvalidResourceName", "", Permanent),
            // Resources not yet visible to their dependants.
            (400, "ReferencedResourceNotProvisioned", "", Conflict),
            (400, "PrincipalNotFound", "", Transient),
            // Server faults.
            (408, "RequestTimeout", "", Transient),
            (500, "InternalServerError", "", Transient),
            (502, "BadGateway", "", Transient),
            (503, "ServiceUnavailable", "", Transient),
            (504, "GatewayTimeout", "", Transient),
            // Everything else.
            (400, "InvalidParameter", "", Permanent),
            (404, "ResourceNotFound", "", Permanent),
            (412, "PreconditionFailed", "", Permanent),
        ];
        for (status, code, message, expected) in cases {
            assert_eq!(
                classify_error(&arm(*status, code, message)),
                *expected,
                "{status} {code}: {message}"
            );
        }
        // A 409 with an empty body gets the code `Conflict` from the parser.
        let empty = parse_arm_error(409, b"", None, None);
        assert_eq!(classify_error(&empty), AmbiguousConflict);
        assert_eq!(
            classify_error(&AzureError::Transport {
                message: "connection reset".into()
            }),
            Transient
        );
        assert_eq!(classify_error(&AzureError::Canceled), Permanent);
        assert_eq!(
            classify_error(&AzureError::Auth {
                message: "x".into()
            }),
            Permanent
        );
        assert!(arm(503, "ServiceUnavailable", "").is_retryable());
        assert!(!arm(409, "RoleAssignmentExists", "").is_retryable());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_transient_attempts: 5,
        };
        for retry in 1..40 {
            let delay = policy.backoff(retry);
            let base = Duration::from_millis(100)
                .saturating_mul(1 << (retry - 1).min(20))
                .min(Duration::from_millis(1000));
            assert!(delay <= base && delay >= base / 2, "{retry}: {delay:?}");
        }
    }

    fn response(status: u16, headers: ResponseHeaders) -> ArmResponse {
        ArmResponse {
            status,
            headers,
            body: Vec::new(),
        }
    }

    fn fast_policy() -> RetryPolicy {
        RetryPolicy {
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_transient_attempts: 3,
        }
    }

    #[tokio::test]
    async fn honours_retry_after_and_then_succeeds() {
        let deadline =
            OperationDeadline::new("t", Duration::from_secs(10), CancellationToken::new());
        let calls = AtomicU32::new(0);
        let started = std::time::Instant::now();
        let result = send_with_retry(&fast_policy(), &deadline, &[], || {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(if call == 0 {
                    response(
                        429,
                        ResponseHeaders::default().with("retry-after-ms", "120"),
                    )
                } else {
                    response(200, ResponseHeaders::default())
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(result.status, 200);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_millis(120));
    }

    #[tokio::test]
    async fn transient_faults_are_bounded() {
        let deadline =
            OperationDeadline::new("t", Duration::from_secs(10), CancellationToken::new());
        let calls = AtomicU32::new(0);
        let result = send_with_retry(&fast_policy(), &deadline, &[], || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok(response(503, ResponseHeaders::default())) }
        })
        .await;
        assert_eq!(result.unwrap_err().status(), Some(503));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_errors_and_accepted_statuses() {
        let deadline =
            OperationDeadline::new("t", Duration::from_secs(10), CancellationToken::new());
        let calls = AtomicU32::new(0);
        let result = send_with_retry(&fast_policy(), &deadline, &[], || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok(response(400, ResponseHeaders::default())) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let result = send_with_retry(&fast_policy(), &deadline, &[404], || async {
            Ok(response(404, ResponseHeaders::default()))
        })
        .await
        .unwrap();
        assert_eq!(result.status, 404);
    }

    #[tokio::test]
    async fn retry_after_beyond_deadline_gives_up_with_the_server_error() {
        let deadline =
            OperationDeadline::new("t", Duration::from_millis(200), CancellationToken::new());
        let result = send_with_retry(&fast_policy(), &deadline, &[], || async {
            Ok(response(
                429,
                ResponseHeaders::default().with("Retry-After", "30"),
            ))
        })
        .await;
        assert_eq!(result.unwrap_err().status(), Some(429));
    }

    #[tokio::test]
    async fn cancel_stops_retrying() {
        let cancel = CancellationToken::new();
        let deadline = OperationDeadline::new("t", Duration::from_secs(60), cancel.clone());
        let canceller = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                cancel.cancel();
            })
        };
        let started = std::time::Instant::now();
        let result = send_with_retry(&fast_policy(), &deadline, &[], || async {
            let body = br#"{"error":{"code":"AnotherOperationInProgress","message":"busy"}}"#;
            Ok(ArmResponse {
                status: 409,
                headers: ResponseHeaders::default().with("Retry-After", "20"),
                body: body.to_vec(),
            })
        })
        .await;
        assert!(matches!(result, Err(AzureError::Canceled)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        canceller.await.unwrap();
    }

    fn conflict(code: &str, message: &str) -> ArmResponse {
        let body = serde_json::json!({"error": {"code": code, "message": message}});
        ArmResponse {
            status: 409,
            headers: ResponseHeaders::default(),
            body: body.to_string().into_bytes(),
        }
    }

    /// How many attempts each kind of 409 gets when it never clears (fast_policy allows 3
    /// transient attempts; busy conflicts go on until the deadline).
    #[tokio::test]
    async fn conflicts_are_retried_by_what_they_mean() {
        let cases: &[(&str, &str, u32)] = &[
            (
                "RoleAssignmentExists",
                "The role assignment already exists.",
                1,
            ),
            ("NodeResourceGroupAlreadyExists", "taken", 1),
            ("OperationNotAllowed", "quota exceeded", 1),
            ("Conflict", "", 3),
            ("Conflict", "The resource is busy.", 12),
            ("AnotherOperationInProgress", "busy", 12),
            (
                "OperationNotAllowed",
                "Another operation is in progress",
                12,
            ),
            ("ResourceGroupBeingDeleted", "deprovisioning", 12),
        ];
        for (code, message, expected_calls) in cases {
            let deadline =
                OperationDeadline::new("t", Duration::from_secs(10), CancellationToken::new());
            let calls = AtomicU32::new(0);
            let result = send_with_retry(&fast_policy(), &deadline, &[], || {
                // Busy conflicts clear on the 12th attempt; the others never do.
                let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
                let answer = if call == 12 {
                    response(200, ResponseHeaders::default())
                } else {
                    conflict(code, message)
                };
                async move { Ok(answer) }
            })
            .await;
            assert_eq!(
                calls.load(Ordering::SeqCst),
                *expected_calls,
                "{code}: {message}"
            );
            if *expected_calls == 12 {
                assert_eq!(result.unwrap().status, 200, "{code}");
            } else {
                let error = result.unwrap_err();
                assert_eq!(error.code(), Some(*code));
                assert!(error.to_string().contains(code), "{error}");
            }
        }
    }
}
