//! ARM's subscription request throttling: token buckets per subscription, principal and kind
//! of request (read, write, delete).
//!
//! Source: Microsoft Learn, "Understand how Azure Resource Manager throttles requests"
//! (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling),
//! section "Regional throttling and token bucket algorithm": since 2024 ARM throttles with token
//! buckets, per region, and "the subscription limits apply per subscription, per service
//! principal, and per operation type": reads bucket 250 refilling 25/s, deletes 200 refilling
//! 10/s, writes 200 refilling 10/s. An empty bucket answers 429 with `Retry-After`; reads carry
//! `x-ms-ratelimit-remaining-subscription-reads`, writes `…-writes` (and deletes `…-deletes`).
//!
//! What azsim leaves out, and why: azsim is one ARM endpoint, that is one region, so the region
//! part of the key is constant; it has one principal, so the global subscription limit (15 times
//! a principal's, across principals) can never bind; tenant-level requests do not exist here.
//!
//! Time: buckets refill in *simulated* time, like every other duration in azsim: with
//! `time_scale` s (0.001 makes a 6-minute AKS create take 0.36 s) a bucket gains
//! `refill / s` tokens per wall second, and `Retry-After` is scaled the same way. A run at any
//! scale is then a compressed replay of the same run against Azure: a client that polls as
//! told by (scaled) `Retry-After` spends tokens at the same rate per simulated second as it
//! would against ARM, so whether it stays inside the limits does not depend on the scale, and
//! a benchmark at one fixed scale measures what Azure would do. Refilling in wall time instead
//! would throttle a compressed run far harder than Azure ever would (a scaled-down AKS create
//! followed by the same number of polls would burn a bucket that, in real time, refills
//! between them). A time scale of 0 (operations complete at once) refills at once: it never
//! throttles.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::Method;
use serde::Serialize;

/// One bucket's size and refill rate (tokens per simulated second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLimit {
    pub capacity: u32,
    pub refill_per_second: f64,
}

/// ARM throttling settings; [`ThrottleConfig::default`] is Microsoft's published limits, on.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleConfig {
    /// Off: no buckets, no `x-ms-ratelimit-remaining-*` headers, never a 429 from throttling.
    pub enabled: bool,
    pub reads: BucketLimit,
    pub writes: BucketLimit,
    pub deletes: BucketLimit,
}

/// Learn, "Understand how Azure Resource Manager throttles requests" (see the module docs).
pub const ARM_READS: BucketLimit = BucketLimit {
    capacity: 250,
    refill_per_second: 25.0,
};
pub const ARM_WRITES: BucketLimit = BucketLimit {
    capacity: 200,
    refill_per_second: 10.0,
};
pub const ARM_DELETES: BucketLimit = BucketLimit {
    capacity: 200,
    refill_per_second: 10.0,
};

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            enabled: true,
            reads: ARM_READS,
            writes: ARM_WRITES,
            deletes: ARM_DELETES,
        }
    }
}

impl ThrottleConfig {
    /// Throttling off.
    pub fn off() -> Self {
        ThrottleConfig {
            enabled: false,
            ..ThrottleConfig::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        for (name, limit) in [
            ("reads", self.reads),
            ("writes", self.writes),
            ("deletes", self.deletes),
        ] {
            if limit.capacity == 0 {
                return Err(format!(
                    "the {name} bucket must hold at least 1 token (turn throttling off instead)"
                ));
            }
            if !limit.refill_per_second.is_finite() || limit.refill_per_second <= 0.0 {
                return Err(format!(
                    "the {name} refill rate must be a finite number > 0, got {}",
                    limit.refill_per_second
                ));
            }
        }
        Ok(())
    }

    fn limit(&self, kind: RequestKind) -> BucketLimit {
        match kind {
            RequestKind::Read => self.reads,
            RequestKind::Write => self.writes,
            RequestKind::Delete => self.deletes,
        }
    }
}

/// Which bucket a request draws from: GET/HEAD read, DELETE deletes, everything else
/// (PUT, PATCH, POST actions) writes, as ARM counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Read,
    Write,
    Delete,
}

impl RequestKind {
    pub fn of(method: &Method) -> Self {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => RequestKind::Read,
            Method::DELETE => RequestKind::Delete,
            _ => RequestKind::Write,
        }
    }

    /// The response header ARM reports this bucket's remaining tokens in.
    pub fn header(self) -> &'static str {
        match self {
            RequestKind::Read => "x-ms-ratelimit-remaining-subscription-reads",
            RequestKind::Write => "x-ms-ratelimit-remaining-subscription-writes",
            RequestKind::Delete => "x-ms-ratelimit-remaining-subscription-deletes",
        }
    }

    /// The word ARM's 429 message uses.
    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Read => "read",
            RequestKind::Write => "write",
            RequestKind::Delete => "delete",
        }
    }
}

/// What the throttle decided for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// A token was taken; `remaining` whole tokens are left.
    Allowed { remaining: u32 },
    /// The bucket is empty: the next token is back after `wait_ms` wall milliseconds
    /// (`simulated_seconds` in simulated time).
    Throttled {
        wait_ms: u64,
        simulated_seconds: f64,
    },
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// Wall time the tokens were last brought up to date.
    updated: Instant,
}

/// 429s answered so far, per kind (for `/azsim/health` and benchmarks).
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct ThrottledCounts {
    pub reads: u64,
    pub writes: u64,
    pub deletes: u64,
}

#[derive(Debug)]
pub struct Throttle {
    config: ThrottleConfig,
    time_scale: f64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Keyed by (lower-cased subscription id, principal object id, kind).
    buckets: HashMap<(String, String, RequestKind), Bucket>,
    throttled: ThrottledCounts,
}

impl Throttle {
    pub fn new(config: ThrottleConfig, time_scale: f64) -> Self {
        Throttle {
            config,
            time_scale,
            state: Mutex::new(State::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    pub fn config(&self) -> &ThrottleConfig {
        &self.config
    }

    pub fn throttled(&self) -> ThrottledCounts {
        self.lock().throttled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a request panicked while holding it; the counts are fine.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a token for a `kind` request by `principal` on `subscription` at wall time `now`,
    /// or says how long until one is back. `None` when throttling is off.
    pub fn take(
        &self,
        subscription: &str,
        principal: &str,
        kind: RequestKind,
        now: Instant,
    ) -> Option<Decision> {
        if !self.config.enabled {
            return None;
        }
        let limit = self.config.limit(kind);
        let capacity = f64::from(limit.capacity);
        let mut state = self.lock();
        let bucket = state
            .buckets
            .entry((
                subscription.to_ascii_lowercase(),
                principal.to_string(),
                kind,
            ))
            .or_insert(Bucket {
                tokens: capacity,
                updated: now,
            });
        let wall_seconds = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.updated = now.max(bucket.updated);
        bucket.tokens = if self.time_scale > 0.0 {
            // Simulated seconds = wall seconds ÷ time scale (see the module docs).
            (bucket.tokens + wall_seconds / self.time_scale * limit.refill_per_second).min(capacity)
        } else {
            capacity
        };
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Some(Decision::Allowed {
                remaining: bucket.tokens.floor() as u32,
            });
        }
        let simulated_seconds = (1.0 - bucket.tokens) / limit.refill_per_second;
        let wait_ms = (simulated_seconds * self.time_scale * 1000.0).ceil() as u64;
        match kind {
            RequestKind::Read => state.throttled.reads += 1,
            RequestKind::Write => state.throttled.writes += 1,
            RequestKind::Delete => state.throttled.deletes += 1,
        }
        Some(Decision::Throttled {
            wait_ms,
            simulated_seconds,
        })
    }
}

/// The subscription segment of an ARM path (`/subscriptions/{id}/…`), if it is one.
pub fn subscription_of(path: &str) -> Option<&str> {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    match (segments.next(), segments.next()) {
        (Some(first), Some(id)) if first.eq_ignore_ascii_case("subscriptions") => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn drain(throttle: &Throttle, kind: RequestKind, now: Instant) -> u32 {
        let mut taken = 0;
        while let Some(Decision::Allowed { .. }) = throttle.take("s", "p", kind, now) {
            taken += 1;
            assert!(taken <= 10_000, "the bucket never empties");
        }
        taken
    }

    #[test]
    fn buckets_hold_their_capacity_and_refill_in_simulated_time() {
        // (kind, capacity, refill per simulated second)
        let cases = [
            (RequestKind::Read, 250, 25.0),
            (RequestKind::Write, 200, 10.0),
            (RequestKind::Delete, 200, 10.0),
        ];
        for time_scale in [1.0, 0.01] {
            for (kind, capacity, refill) in cases {
                let throttle = Throttle::new(ThrottleConfig::default(), time_scale);
                let start = Instant::now();
                assert_eq!(drain(&throttle, kind, start), capacity, "{kind:?}");
                // Two simulated seconds later, 2 × refill tokens are back.
                let later = start + Duration::from_secs_f64(2.0 * time_scale);
                assert_eq!(
                    drain(&throttle, kind, later),
                    (2.0 * refill) as u32,
                    "{kind:?} at scale {time_scale}"
                );
            }
        }
    }

    #[test]
    fn an_empty_bucket_says_when_the_next_token_is_back() {
        let throttle = Throttle::new(ThrottleConfig::default(), 0.5);
        let now = Instant::now();
        drain(&throttle, RequestKind::Write, now);
        match throttle.take("s", "p", RequestKind::Write, now) {
            Some(Decision::Throttled {
                wait_ms,
                simulated_seconds,
            }) => {
                assert!(
                    (simulated_seconds - 0.1).abs() < 1e-9,
                    "{simulated_seconds}"
                );
                assert_eq!(wait_ms, 50);
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        assert_eq!(throttle.throttled().writes, 2);
    }

    #[test]
    fn off_and_zero_scale_never_throttle() {
        let now = Instant::now();
        let off = Throttle::new(ThrottleConfig::off(), 1.0);
        assert_eq!(off.take("s", "p", RequestKind::Write, now), None);
        let instant = Throttle::new(ThrottleConfig::default(), 0.0);
        for _ in 0..1000 {
            assert!(matches!(
                instant.take("s", "p", RequestKind::Write, now),
                Some(Decision::Allowed { remaining: 199 })
            ));
        }
    }

    #[test]
    fn subscriptions_principals_and_kinds_have_their_own_buckets() {
        let throttle = Throttle::new(ThrottleConfig::default(), 1.0);
        let now = Instant::now();
        drain(&throttle, RequestKind::Write, now);
        for (sub, principal, kind) in [
            ("S", "p", RequestKind::Write),
            ("other", "p", RequestKind::Write),
            ("s", "q", RequestKind::Write),
            ("s", "p", RequestKind::Read),
            ("s", "p", RequestKind::Delete),
        ] {
            let expected = sub == "S";
            let throttled = matches!(
                throttle.take(sub, principal, kind, now),
                Some(Decision::Throttled { .. })
            );
            assert_eq!(throttled, expected, "{sub} {principal} {kind:?}");
        }
    }

    #[test]
    fn invalid_limits_are_refused() {
        let mut config = ThrottleConfig::default();
        assert!(config.validate().is_ok());
        config.writes.capacity = 0;
        assert!(config.validate().is_err());
        config = ThrottleConfig::default();
        config.reads.refill_per_second = 0.0;
        assert!(config.validate().is_err());
    }

    #[test]
    fn subscription_segment() {
        for (path, expected) in [
            ("/subscriptions/abc/resourceGroups/rg", Some("abc")),
            ("/Subscriptions/abc", Some("abc")),
            ("/subscriptions", None),
            ("/tenants", None),
        ] {
            assert_eq!(subscription_of(path), expected, "{path}");
        }
    }
}
