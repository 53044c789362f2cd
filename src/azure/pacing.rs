//! Client-side pacing under ARM's subscription throttling.
//!
//! ARM throttles each subscription (per principal and region) with token buckets, one for reads,
//! one for writes (PUT, PATCH, POST) and one for deletes, and tells what is left of each in the
//! `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}` response headers. One [`Pacer`]
//! per client (so per provider process, shared by every operation) mirrors those buckets:
//!
//! - every request of a kind takes one token from our estimate of its bucket; the estimate is
//!   reset to the server's count (less the requests still waiting or in flight) by every response
//!   that carries the header, and refills at the bucket's refill rate in between;
//! - a request that would leave fewer than the reserve ([`PacingPolicy::reserve`] worth of
//!   refill) in the bucket waits until the refill covers it, so once a burst has used the bucket
//!   down to the reserve, requests of that kind go out one per refill interval: the fastest pace
//!   the bucket sustains, and never an empty bucket;
//! - a throttling 429 with `Retry-After` holds every request of its kind until then, not just the
//!   one that got it, since they would all be refused;
//! - without headers the estimate stays unknown and nothing is delayed (only a 429 pauses).
//!
//! Waits end early on cancellation, and a wait that would end after the operation's deadline
//! fails at once with a timeout instead of sleeping into it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use azure_core::http::Method;
use tokio::time::Instant;

use super::deadline::OperationDeadline;
use super::error::AzureResult;
use super::request::ArmResponse;
use super::retry::{classify_error, retry_after, RetryClass};

/// Refill rates of ARM's subscription buckets and how much of them we leave unused.
///
/// The defaults are Microsoft's published figures for the token-bucket throttling of ARM
/// (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling):
/// writes and deletes refill at 10 per second, reads at 25 per second. The bucket sizes (200, 250,
/// 200) need no setting: the headers tell what is left.
#[derive(Clone, Debug, PartialEq)]
pub struct PacingPolicy {
    /// Refill rate of the reads bucket, requests per second.
    pub reads_per_second: f64,
    /// Refill rate of the writes bucket (PUT, PATCH, POST), requests per second.
    pub writes_per_second: f64,
    /// Refill rate of the deletes bucket, requests per second.
    pub deletes_per_second: f64,
    /// How much refill time to keep in every bucket: pacing starts when a request would leave
    /// fewer than `reserve × rate` tokens (20 writes, 50 reads, 20 deletes by default). Two
    /// seconds leaves room for what other clients of the subscription (a second stack, the portal,
    /// the az CLI) spend between two of our responses, and costs a burst only the first two
    /// seconds' worth of requests.
    pub reserve: Duration,
}

impl Default for PacingPolicy {
    fn default() -> Self {
        PacingPolicy {
            reads_per_second: 25.0,
            writes_per_second: 10.0,
            deletes_per_second: 10.0,
            reserve: Duration::from_secs(2),
        }
    }
}

impl PacingPolicy {
    fn rate(&self, kind: RequestKind) -> f64 {
        match kind {
            RequestKind::Read => self.reads_per_second,
            RequestKind::Write => self.writes_per_second,
            RequestKind::Delete => self.deletes_per_second,
        }
    }
}

/// ARM's throttling categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RequestKind {
    Read,
    Write,
    Delete,
}

impl RequestKind {
    const ALL: [RequestKind; 3] = [RequestKind::Read, RequestKind::Write, RequestKind::Delete];

    pub(crate) fn of(method: Method) -> Self {
        match method {
            Method::Get | Method::Head => RequestKind::Read,
            Method::Delete => RequestKind::Delete,
            _ => RequestKind::Write,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The plural ARM uses in its header names.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RequestKind::Read => "reads",
            RequestKind::Write => "writes",
            RequestKind::Delete => "deletes",
        }
    }

    fn remaining_header(self) -> &'static str {
        match self {
            RequestKind::Read => "x-ms-ratelimit-remaining-subscription-reads",
            RequestKind::Write => "x-ms-ratelimit-remaining-subscription-writes",
            RequestKind::Delete => "x-ms-ratelimit-remaining-subscription-deletes",
        }
    }
}

/// What the client saw of ARM's throttling since it was built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThrottleStats {
    /// 429 answers received (every one was retried or ended in the operation's own error).
    pub throttled: u64,
    /// 429 answers by kind: reads, writes, deletes.
    pub throttled_by_kind: [u64; 3],
    /// Requests the pacer delayed.
    pub paced_requests: u64,
    /// Their delays added up.
    pub paced_time: Duration,
}

/// Our estimate of one bucket.
#[derive(Clone, Copy, Debug)]
struct Estimate {
    /// Tokens left at `as_of`, after the requests reserved since the last header (may be negative
    /// when requests queue).
    tokens: f64,
    as_of: Instant,
}

#[derive(Debug, Default)]
struct Bucket {
    /// `None` until a response carries the header: then nothing is paced.
    estimate: Option<Estimate>,
    /// The largest count the server reported: the bucket's size, as far as we know.
    capacity: f64,
    /// Requests that took a token and got no answer yet (waiting or in flight).
    outstanding: u32,
    /// A 429's `Retry-After`: no request of this kind before then.
    paused_until: Option<Instant>,
}

impl Bucket {
    /// The estimate refilled up to `now`.
    fn tokens_at(&self, now: Instant, rate: f64) -> Option<f64> {
        self.estimate.map(|estimate| {
            let refill = rate * now.saturating_duration_since(estimate.as_of).as_secs_f64();
            (estimate.tokens + refill).min(self.capacity)
        })
    }

    /// Takes a token for a request and says when it may be sent.
    fn reserve(&mut self, now: Instant, rate: f64, reserve: f64) -> Instant {
        // A bucket smaller than we thought (or first seen nearly empty) must not be held at a
        // level it never reaches: keep at most half of what we know it holds.
        let reserve = reserve.min(self.capacity / 2.0);
        let mut at = now;
        if let Some(tokens) = self.tokens_at(now, rate) {
            let left = tokens - 1.0;
            if left < reserve && rate > 0.0 {
                at = now + Duration::from_secs_f64(((reserve - left) / rate).min(86_400.0));
            }
            self.estimate = Some(Estimate {
                tokens: left,
                as_of: now,
            });
        }
        if let Some(paused_until) = self.paused_until {
            at = at.max(paused_until);
        }
        self.outstanding += 1;
        at
    }

    /// Gives back a token of a request that was never sent.
    fn refund(&mut self) {
        self.outstanding = self.outstanding.saturating_sub(1);
        if let Some(estimate) = &mut self.estimate {
            estimate.tokens += 1.0;
        }
    }

    /// A request that was sent ended; `remaining` is the server's count if it sent one.
    fn answered(&mut self, now: Instant, remaining: Option<f64>, pause: Option<Duration>) {
        self.outstanding = self.outstanding.saturating_sub(1);
        if let Some(remaining) = remaining {
            self.capacity = self.capacity.max(remaining);
            // The requests still outstanding may not be counted in the server's figure yet.
            self.estimate = Some(Estimate {
                tokens: remaining - f64::from(self.outstanding),
                as_of: now,
            });
        }
        if let Some(pause) = pause {
            let until = now + pause;
            self.paused_until = Some(self.paused_until.map_or(until, |known| known.max(until)));
        }
    }
}

/// The limiter shared by all requests of one client.
#[derive(Debug)]
pub(crate) struct Pacer {
    policy: PacingPolicy,
    buckets: [Mutex<Bucket>; 3],
    throttled: [AtomicU64; 3],
    paced_requests: AtomicU64,
    paced_micros: AtomicU64,
    /// One JSON line per 429 is appended here, for benchmarks that run the provider as a plugin.
    throttle_log: Option<PathBuf>,
}

impl Pacer {
    pub(crate) fn new(policy: PacingPolicy, throttle_log: Option<PathBuf>) -> Self {
        Pacer {
            policy,
            buckets: Default::default(),
            throttled: Default::default(),
            paced_requests: AtomicU64::new(0),
            paced_micros: AtomicU64::new(0),
            throttle_log,
        }
    }

    fn bucket(&self, kind: RequestKind) -> std::sync::MutexGuard<'_, Bucket> {
        // A poisoned bucket only means a panic elsewhere while it was held; its numbers are fine.
        self.buckets[kind.index()]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reserve_tokens(&self, kind: RequestKind) -> f64 {
        self.policy.rate(kind).max(0.0) * self.policy.reserve.as_secs_f64()
    }

    /// Waits until a request of `kind` may go out. The returned ticket must see the answer.
    pub(crate) async fn admit(
        &self,
        kind: RequestKind,
        deadline: &OperationDeadline,
    ) -> AzureResult<Ticket<'_>> {
        deadline.check()?;
        let now = Instant::now();
        let at = self
            .bucket(kind)
            .reserve(now, self.policy.rate(kind), self.reserve_tokens(kind));
        let mut ticket = Ticket {
            pacer: self,
            kind,
            sent: false,
            answered: false,
        };
        if at > now {
            if at > deadline.deadline() {
                tracing::warn!(
                    operation = %deadline.operation,
                    kind = kind.as_str(),
                    wait_ms = (at - now).as_millis() as u64,
                    "ARM's throttling would hold this request past the operation's deadline"
                );
                return Err(deadline.timeout_error());
            }
            tracing::debug!(
                operation = %deadline.operation,
                kind = kind.as_str(),
                wait_ms = (at - now).as_millis() as u64,
                "pacing an ARM request to stay within the subscription's throttling"
            );
            // Dropping the ticket (cancel, deadline) gives its token back.
            deadline.run(tokio::time::sleep_until(at)).await?;
            self.paced_requests.fetch_add(1, Ordering::Relaxed);
            self.paced_micros
                .fetch_add((at - now).as_micros() as u64, Ordering::Relaxed);
        }
        ticket.sent = true;
        Ok(ticket)
    }

    fn record_throttled(&self, kind: RequestKind, response: &ArmResponse) {
        self.throttled[kind.index()].fetch_add(1, Ordering::Relaxed);
        let total = self.stats().throttled;
        let retry_after_ms = retry_after(&response.headers).map(|wait| wait.as_millis() as u64);
        tracing::info!(
            kind = kind.as_str(),
            retry_after_ms,
            throttled_total = total,
            "ARM throttled a request (429); it will be retried"
        );
        if let Some(path) = &self.throttle_log {
            let line = serde_json::json!({
                "event": "throttled",
                "pid": std::process::id(),
                "kind": kind.as_str(),
                "status": response.status,
                "code": response.to_error().code(),
                "retryAfterMs": retry_after_ms,
                "total": total,
            });
            append_line(path, &line.to_string());
        }
    }

    pub(crate) fn stats(&self) -> ThrottleStats {
        let throttled_by_kind =
            RequestKind::ALL.map(|kind| self.throttled[kind.index()].load(Ordering::Relaxed));
        ThrottleStats {
            throttled: throttled_by_kind.iter().sum(),
            throttled_by_kind,
            paced_requests: self.paced_requests.load(Ordering::Relaxed),
            paced_time: Duration::from_micros(self.paced_micros.load(Ordering::Relaxed)),
        }
    }
}

/// Appends one line; a failure only costs the benchmark a figure, so it is logged, not raised.
fn append_line(path: &std::path::Path, line: &str) {
    use std::io::Write;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(error) = written {
        tracing::warn!(path = %path.display(), %error, "could not append to the throttle log");
    }
}

/// One admitted request; [`Ticket::answered`] feeds its answer back. Dropped unanswered, it gives
/// its token back if the request was never sent.
#[must_use]
pub(crate) struct Ticket<'a> {
    pacer: &'a Pacer,
    kind: RequestKind,
    sent: bool,
    answered: bool,
}

impl Ticket<'_> {
    /// Reads the remaining-requests header and, for a throttling 429, pauses the kind.
    pub(crate) fn answered(mut self, outcome: &AzureResult<ArmResponse>) {
        self.answered = true;
        let (pacer, kind) = (self.pacer, self.kind);
        let now = Instant::now();
        let Ok(response) = outcome else {
            // No answer (dropped connection): the server may have counted it; keep the token spent.
            pacer.bucket(kind).answered(now, None, None);
            return;
        };
        let remaining = response
            .headers
            .get(kind.remaining_header())
            .and_then(|value| value.parse::<f64>().ok())
            .filter(|value| value.is_finite() && *value >= 0.0);
        let throttled = response.status == 429;
        // Only throttling pauses the kind: the Network RP also answers 429 for a busy VNet.
        let pause = (throttled && classify_error(&response.to_error()) == RetryClass::Throttled)
            .then(|| retry_after(&response.headers))
            .flatten();
        pacer.bucket(kind).answered(now, remaining, pause);
        if throttled {
            pacer.record_throttled(kind, response);
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let mut bucket = self.pacer.bucket(self.kind);
        if self.sent {
            // Sent, but the caller stopped waiting for the answer.
            bucket.answered(Instant::now(), None, None);
        } else {
            bucket.refund();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::error::AzureError;
    use tokio_util::sync::CancellationToken;

    const RATE: f64 = 10.0;
    const RESERVE: f64 = 20.0;

    fn ms(milliseconds: u64) -> Duration {
        Duration::from_millis(milliseconds)
    }

    /// When each of `count` requests made at `now` may go, relative to `now`.
    fn schedule(bucket: &mut Bucket, now: Instant, count: usize) -> Vec<Duration> {
        (0..count)
            .map(|_| bucket.reserve(now, RATE, RESERVE) - now)
            .collect()
    }

    #[test]
    fn requests_are_spaced_at_the_refill_rate_below_the_reserve() {
        let now = Instant::now();
        // (remaining reported, requests at once, how many go at once, delay of the last)
        let cases: &[(Option<f64>, usize, usize, Duration)] = &[
            // No header: nothing is known, nothing is delayed.
            (None, 300, 300, Duration::ZERO),
            // Plenty left: the burst goes out while the bucket stays above the reserve.
            (Some(200.0), 180, 180, Duration::ZERO),
            // 30 left: 10 go at once, the next 5 follow at 100 ms intervals.
            (Some(30.0), 15, 10, ms(500)),
            // At the reserve: every request waits its turn.
            (Some(20.0), 3, 0, ms(300)),
            // Empty: first the reserve refills, then one per 100 ms.
            (Some(0.0), 2, 0, ms(2200)),
        ];
        for (remaining, count, immediate, last) in cases {
            let mut bucket = Bucket::default();
            if let Some(remaining) = remaining {
                // A bucket of 200, as an earlier answer showed.
                bucket.capacity = 200.0;
                bucket.reserve(now, RATE, RESERVE);
                bucket.answered(now, Some(*remaining), None);
            }
            let delays = schedule(&mut bucket, now, *count);
            let at_once = delays.iter().filter(|delay| delay.is_zero()).count();
            assert_eq!(at_once, *immediate, "{remaining:?}: {delays:?}");
            let slowest = *delays.last().unwrap();
            assert!(
                slowest.abs_diff(*last) < ms(1),
                "{remaining:?}: last {slowest:?}"
            );
            for pair in delays.windows(2).filter(|pair| !pair[0].is_zero()) {
                assert!((pair[1] - pair[0]).abs_diff(ms(100)) < ms(1), "{delays:?}");
            }
            assert_eq!(bucket.outstanding as usize, *count);
        }
    }

    #[test]
    fn the_estimate_refills_and_follows_the_server() {
        let now = Instant::now();
        let mut bucket = Bucket::default();
        bucket.reserve(now, RATE, RESERVE);
        bucket.answered(now, Some(20.0), None);
        assert_eq!(bucket.capacity, 20.0);
        // Two seconds later 20 more tokens are back, but never more than the bucket holds.
        let later = now + Duration::from_secs(2);
        assert_eq!(bucket.tokens_at(later, RATE), Some(20.0));
        bucket.capacity = 200.0;
        assert_eq!(bucket.tokens_at(later, RATE), Some(40.0));
        // Two requests reserved, one answered with the server's count: the other still counts.
        bucket.reserve(later, RATE, RESERVE);
        bucket.reserve(later, RATE, RESERVE);
        bucket.answered(later, Some(5.0), None);
        assert_eq!(bucket.outstanding, 1);
        assert_eq!(bucket.tokens_at(later, RATE), Some(4.0));
        // A request never sent gives its token back.
        bucket.reserve(later, RATE, RESERVE);
        bucket.refund();
        assert_eq!(bucket.tokens_at(later, RATE), Some(4.0));
        assert_eq!(bucket.outstanding, 1);
        // Answers without the header leave the estimate alone.
        bucket.answered(later, None, None);
        assert_eq!(bucket.tokens_at(later, RATE), Some(4.0));
        assert_eq!(bucket.outstanding, 0);
    }

    /// A bucket known to hold only 10 keeps a reserve of 5, not 20 it never reaches; one first
    /// seen empty is paced at the refill rate.
    #[test]
    fn the_reserve_fits_the_bucket() {
        let now = Instant::now();
        // (largest count seen, count now, when the next three requests go)
        let cases = [
            (10.0, 10.0, [ms(0), ms(0), ms(0)]),
            (10.0, 6.0, [ms(0), ms(100), ms(200)]),
            (0.0, 0.0, [ms(100), ms(200), ms(300)]),
        ];
        for (seen, remaining, expected) in cases {
            let mut bucket = Bucket::default();
            bucket.reserve(now, RATE, RESERVE);
            bucket.answered(now, Some(seen), None);
            bucket.reserve(now, RATE, RESERVE);
            bucket.answered(now, Some(remaining), None);
            let delays = schedule(&mut bucket, now, 3);
            for (delay, expected) in delays.iter().zip(expected) {
                assert!(
                    delay.abs_diff(expected) < ms(1),
                    "{seen} {remaining}: {delays:?}"
                );
            }
        }
    }

    #[test]
    fn a_pause_holds_every_request_of_the_kind() {
        let now = Instant::now();
        let mut bucket = Bucket::default();
        bucket.reserve(now, RATE, RESERVE);
        bucket.answered(now, None, Some(ms(1500)));
        // Without any header only the pause applies, to every request.
        assert_eq!(schedule(&mut bucket, now + ms(500), 3), [ms(1000); 3]);
        // A shorter pause later does not shorten it.
        bucket.answered(now, None, Some(ms(100)));
        assert_eq!(bucket.reserve(now, RATE, RESERVE) - now, ms(1500));
        // After it, requests go.
        let after = now + ms(1600);
        assert_eq!(bucket.reserve(after, RATE, RESERVE), after);
    }

    #[test]
    fn kinds_and_headers() {
        let cases = [
            (Method::Get, RequestKind::Read, "reads"),
            (Method::Head, RequestKind::Read, "reads"),
            (Method::Put, RequestKind::Write, "writes"),
            (Method::Patch, RequestKind::Write, "writes"),
            (Method::Post, RequestKind::Write, "writes"),
            (Method::Delete, RequestKind::Delete, "deletes"),
        ];
        for (method, kind, name) in cases {
            assert_eq!(RequestKind::of(method), kind, "{method:?}");
            assert_eq!(kind.as_str(), name);
            assert_eq!(
                kind.remaining_header(),
                format!("x-ms-ratelimit-remaining-subscription-{name}")
            );
        }
        let policy = PacingPolicy::default();
        assert_eq!(
            RequestKind::ALL.map(|kind| policy.rate(kind)),
            [25.0, 10.0, 10.0]
        );
    }

    fn answer(status: u16, headers: &[(&str, &str)]) -> AzureResult<ArmResponse> {
        let mut map = super::super::request::ResponseHeaders::default();
        for (name, value) in headers {
            map = map.with(name, value);
        }
        let body = match status {
            429 => br#"{"error":{"code":"SubscriptionRequestsThrottled","message":"slow down"}}"#
                .to_vec(),
            _ => Vec::new(),
        };
        Ok(ArmResponse {
            status,
            headers: map,
            body,
        })
    }

    /// Waits in the pacer end early: a cancel at once, a deadline the wait would cross before it
    /// starts; tokens of requests that never went out come back.
    #[tokio::test]
    async fn waits_stop_on_cancel_and_never_cross_the_deadline() {
        let reads_header = "x-ms-ratelimit-remaining-subscription-reads";
        // (what makes reads wait, how the wait ends)
        let cases = [
            ("empty bucket", "cancel"),
            ("empty bucket", "deadline"),
            ("429", "cancel"),
            ("429", "deadline"),
        ];
        for (cause, end) in cases {
            let pacer = Pacer::new(PacingPolicy::default(), None);
            let warmup = OperationDeadline::new(
                "warm-up",
                Duration::from_secs(60),
                CancellationToken::new(),
            );
            let ticket = pacer.admit(RequestKind::Read, &warmup).await.unwrap();
            ticket.answered(&answer(200, &[(reads_header, "250")]));
            let ticket = pacer.admit(RequestKind::Read, &warmup).await.unwrap();
            match cause {
                "429" => ticket.answered(&answer(429, &[("Retry-After", "30")])),
                _ => ticket.answered(&answer(200, &[(reads_header, "0")])),
            }
            let cancel = CancellationToken::new();
            let total = if end == "deadline" {
                ms(300)
            } else {
                Duration::from_secs(60)
            };
            let deadline = OperationDeadline::new("read", total, cancel.clone());
            let canceller = tokio::spawn(async move {
                tokio::time::sleep(ms(100)).await;
                cancel.cancel();
            });
            let started = std::time::Instant::now();
            let result = pacer.admit(RequestKind::Read, &deadline).await.map(|_| ());
            let elapsed = started.elapsed();
            match end {
                "cancel" => {
                    assert!(
                        matches!(result, Err(AzureError::Canceled)),
                        "{cause}: {result:?}"
                    );
                    assert!(
                        elapsed >= ms(90) && elapsed < ms(600),
                        "{cause}: {elapsed:?}"
                    );
                }
                _ => {
                    assert!(
                        matches!(result, Err(AzureError::Timeout { .. })),
                        "{cause}: {result:?}"
                    );
                    // The wait would end after the deadline: fail at once rather than sleep.
                    assert!(elapsed < ms(90), "{cause}: {elapsed:?}");
                }
            }
            canceller.abort();
            let bucket = pacer.bucket(RequestKind::Read);
            assert_eq!(bucket.outstanding, 0, "{cause} {end}");
            // Writes were never held.
            drop(bucket);
            let now = Instant::now();
            assert_eq!(
                pacer.bucket(RequestKind::Write).reserve(now, 10.0, 20.0),
                now
            );
        }
    }

    #[tokio::test]
    async fn throttled_answers_are_counted_and_logged() {
        let directory = tempfile::tempdir().unwrap();
        let log = directory.path().join("throttle.jsonl");
        let pacer = Pacer::new(PacingPolicy::default(), Some(log.clone()));
        let deadline =
            OperationDeadline::new("t", Duration::from_secs(60), CancellationToken::new());
        // (kind, answer): two throttled writes, a throttled delete, a busy VNet (429 too), a 200.
        let busy = || {
            Ok(ArmResponse {
                status: 429,
                headers: Default::default(),
                body:
                    br#"{"error":{"code":"RetryableErrorDueToAnotherOperation","message":"busy"}}"#
                        .to_vec(),
            })
        };
        let answers = [
            (RequestKind::Write, answer(429, &[("retry-after-ms", "1")])),
            (RequestKind::Write, answer(429, &[])),
            (RequestKind::Delete, answer(429, &[("retry-after-ms", "1")])),
            (RequestKind::Read, busy()),
            (RequestKind::Read, answer(200, &[])),
        ];
        for (kind, outcome) in &answers {
            pacer
                .admit(*kind, &deadline)
                .await
                .unwrap()
                .answered(outcome);
        }
        let stats = pacer.stats();
        assert_eq!(stats.throttled, 4);
        assert_eq!(stats.throttled_by_kind, [1, 2, 1]);
        // A busy VNet is not the subscription's bucket: it pauses nothing.
        assert!(pacer.bucket(RequestKind::Read).paused_until.is_none());
        assert!(pacer.bucket(RequestKind::Write).paused_until.is_some());
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["kind"], "writes");
        assert_eq!(lines[0]["code"], "SubscriptionRequestsThrottled");
        assert_eq!(lines[0]["retryAfterMs"], 1);
        assert_eq!(lines[3]["kind"], "reads");
        assert_eq!(lines[3]["code"], "RetryableErrorDueToAnotherOperation");
        assert_eq!(lines[3]["total"], 4);
    }
}
