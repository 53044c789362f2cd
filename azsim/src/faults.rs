//! Fault injection: rate-based faults drawn from a seeded RNG and scripted faults that hit
//! the nth request matching a method and a path substring. The syntax is documented in
//! README.md ("Faults").

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `Retry-After`.
    Throttle,
    /// 500 `InternalServerError`.
    ServerError,
    /// 503 with `Retry-After`.
    Unavailable,
    /// 409 with the given code, or with the namespace's "another operation in progress" code.
    Conflict(Option<String>),
    /// The long-running operation the request starts ends `Failed`.
    LroFail,
    /// The connection is closed without a response; the request is not processed.
    Drop,
    /// The request is processed, then the connection is closed without a response.
    DropAfter,
}

impl FaultKind {
    fn parse(text: &str) -> Option<(FaultKind, Option<u64>)> {
        let (name, parameter) = match text.split_once('/') {
            Some((n, p)) => (n, Some(p.trim())),
            None => (text, None),
        };
        // `409/CODE` names the error code; the others take a retry hint in seconds.
        if name.trim() == "409" {
            let code = match parameter {
                None => None,
                Some(code) if is_error_code(code) => Some(code.to_string()),
                Some(_) => return None,
            };
            return Some((FaultKind::Conflict(code), None));
        }
        let parameter = match parameter {
            Some(p) => Some(p.parse::<u64>().ok()?),
            None => None,
        };
        let kind = match name.trim().to_ascii_lowercase().as_str() {
            "429" => FaultKind::Throttle,
            "500" => FaultKind::ServerError,
            "503" => FaultKind::Unavailable,
            "lro-fail" => FaultKind::LroFail,
            "drop" => FaultKind::Drop,
            "drop-after" => FaultKind::DropAfter,
            _ => return None,
        };
        if parameter.is_some() && !matches!(kind, FaultKind::Throttle | FaultKind::Unavailable) {
            return None;
        }
        Some((kind, parameter))
    }
    pub fn label(&self) -> &'static str {
        match self {
            FaultKind::Throttle => "429",
            FaultKind::ServerError => "500",
            FaultKind::Unavailable => "503",
            FaultKind::Conflict(_) => "409",
            FaultKind::LroFail => "lro-fail",
            FaultKind::Drop => "drop",
            FaultKind::DropAfter => "drop-after",
        }
    }
}

/// An ARM error code: a letter, then letters and digits (at most 64).
fn is_error_code(text: &str) -> bool {
    text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A fault chosen for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Unscaled retry hint for 429/503, in seconds.
    pub retry_after_seconds: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    method: Option<String>,
    path_contains: Option<String>,
}

impl Filter {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_ref()
                .is_none_or(|p| path.to_ascii_lowercase().contains(p.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq)]
struct RateRule {
    kind: FaultKind,
    retry_after_seconds: Option<u64>,
    probability: f64,
    filter: Filter,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Occurrence {
    Nth(u64),
    Range(u64, u64),
    From(u64),
    Every,
}

impl Occurrence {
    fn hits(self, n: u64) -> bool {
        match self {
            Occurrence::Nth(k) => n == k,
            Occurrence::Range(a, b) => a <= n && n <= b,
            Occurrence::From(k) => n >= k,
            Occurrence::Every => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ScriptRule {
    kind: FaultKind,
    retry_after_seconds: Option<u64>,
    filter: Filter,
    occurrence: Occurrence,
    seen: u64,
}

/// A parsed fault specification plus its RNG and script counters.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    text: String,
    seed: u64,
    rates: Vec<RateRule>,
    scripts: Vec<ScriptRule>,
    rng: Pcg64,
    injected: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid fault spec item '{item}': {reason}")]
pub struct FaultSpecError {
    pub item: String,
    pub reason: String,
}

fn spec_error(item: &str, reason: &str) -> FaultSpecError {
    FaultSpecError {
        item: item.to_string(),
        reason: reason.to_string(),
    }
}

const DEFAULT_RETRY_AFTER_SECONDS: u64 = 2;

impl FaultPlan {
    pub fn none(seed: u64) -> Self {
        FaultPlan {
            text: String::new(),
            seed,
            rates: Vec::new(),
            scripts: Vec::new(),
            rng: Pcg64::seed_from_u64(seed),
            injected: 0,
        }
    }

    /// Parses a spec; `seed=N` inside the spec overrides `seed`.
    pub fn parse(text: &str, seed: u64) -> Result<Self, FaultSpecError> {
        let mut plan = FaultPlan::none(seed);
        plan.text = text.trim().to_string();
        for item in text
            .split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if let Some(value) = item.strip_prefix("seed=") {
                plan.seed = value
                    .trim()
                    .parse()
                    .map_err(|_| spec_error(item, "seed must be an unsigned integer"))?;
                continue;
            }
            if let Some(script) = item.strip_prefix("script:") {
                plan.scripts.push(parse_script(item, script)?);
                continue;
            }
            plan.rates.push(parse_rate(item)?);
        }
        let total: f64 = plan.rates.iter().map(|r| r.probability).sum();
        if total > 1.0 + 1e-9 {
            return Err(spec_error(text, "rates add up to more than 1"));
        }
        plan.rng = Pcg64::seed_from_u64(plan.seed);
        Ok(plan)
    }

    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn injected(&self) -> u64 {
        self.injected
    }

    /// Decides the fault for one ARM request. Scripts are checked first; then exactly one
    /// random draw is made (when any rate is configured), so a sequential client sees the
    /// same faults for the same seed.
    pub fn decide(&mut self, method: &str, path: &str) -> Option<Fault> {
        let mut chosen = None;
        for script in &mut self.scripts {
            if script.filter.matches(method, path) {
                script.seen += 1;
                if chosen.is_none() && script.occurrence.hits(script.seen) {
                    chosen = Some(Fault {
                        kind: script.kind.clone(),
                        retry_after_seconds: script
                            .retry_after_seconds
                            .unwrap_or(DEFAULT_RETRY_AFTER_SECONDS),
                    });
                }
            }
        }
        if !self.rates.is_empty() {
            let draw = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if chosen.is_none() {
                let mut cumulative = 0.0;
                for rate in &self.rates {
                    if !rate.filter.matches(method, path) {
                        continue;
                    }
                    cumulative += rate.probability;
                    if draw < cumulative {
                        chosen = Some(Fault {
                            kind: rate.kind.clone(),
                            retry_after_seconds: rate
                                .retry_after_seconds
                                .unwrap_or(DEFAULT_RETRY_AFTER_SECONDS),
                        });
                        break;
                    }
                }
            }
        }
        if chosen.is_some() {
            self.injected += 1;
        }
        chosen
    }
}

fn parse_filter(
    item: &str,
    method: Option<&str>,
    path: Option<&str>,
) -> Result<Filter, FaultSpecError> {
    let method = match method.map(str::trim) {
        None | Some("") | Some("*") => None,
        Some(m) if m.chars().all(|c| c.is_ascii_alphabetic()) => Some(m.to_ascii_uppercase()),
        Some(_) => return Err(spec_error(item, "method must be an HTTP method or *")),
    };
    let path_contains = match path.map(str::trim) {
        None | Some("") | Some("*") => None,
        Some(p) => Some(p.to_ascii_lowercase()),
    };
    Ok(Filter {
        method,
        path_contains,
    })
}

/// `KIND:PROBABILITY[:METHOD[:PATH-SUBSTRING]]`
fn parse_rate(item: &str) -> Result<RateRule, FaultSpecError> {
    let parts: Vec<&str> = item.splitn(4, ':').collect();
    if parts.len() < 2 {
        return Err(spec_error(item, "expected KIND:PROBABILITY"));
    }
    let (kind, retry) = FaultKind::parse(parts[0]).ok_or_else(|| {
        spec_error(
            item,
            "unknown fault kind (429, 500, 503, 409[/CODE], lro-fail, drop, drop-after)",
        )
    })?;
    let probability: f64 = parts[1]
        .trim()
        .parse()
        .map_err(|_| spec_error(item, "probability must be a number"))?;
    if !(0.0..=1.0).contains(&probability) {
        return Err(spec_error(item, "probability must be between 0 and 1"));
    }
    Ok(RateRule {
        kind,
        retry_after_seconds: retry,
        probability,
        filter: parse_filter(item, parts.get(2).copied(), parts.get(3).copied())?,
    })
}

/// `script:METHOD:PATH-SUBSTRING:OCCURRENCE=KIND`
fn parse_script(item: &str, script: &str) -> Result<ScriptRule, FaultSpecError> {
    let (rule, kind) = script
        .rsplit_once('=')
        .ok_or_else(|| spec_error(item, "expected script:METHOD:PATH:N=KIND"))?;
    let (kind, retry) = FaultKind::parse(kind).ok_or_else(|| {
        spec_error(
            item,
            "unknown fault kind (429, 500, 503, 409[/CODE], lro-fail, drop, drop-after)",
        )
    })?;
    let parts: Vec<&str> = rule.split(':').collect();
    if parts.len() != 3 {
        return Err(spec_error(item, "expected script:METHOD:PATH:N=KIND"));
    }
    let occurrence = parse_occurrence(parts[2].trim())
        .ok_or_else(|| spec_error(item, "occurrence must be N, N-M, N+ or *"))?;
    Ok(ScriptRule {
        kind,
        retry_after_seconds: retry,
        filter: parse_filter(item, Some(parts[0]), Some(parts[1]))?,
        occurrence,
        seen: 0,
    })
}

fn parse_occurrence(text: &str) -> Option<Occurrence> {
    if text == "*" {
        return Some(Occurrence::Every);
    }
    if let Some(n) = text.strip_suffix('+') {
        return n.parse().ok().filter(|n| *n >= 1).map(Occurrence::From);
    }
    if let Some((a, b)) = text.split_once('-') {
        let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
        return (a >= 1 && a <= b).then_some(Occurrence::Range(a, b));
    }
    text.parse().ok().filter(|n| *n >= 1).map(Occurrence::Nth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates_and_scripts() {
        let plan = FaultPlan::parse("429:0.1,500:0.05:PUT,lro-fail:0.02:PUT:managedClusters;script:PUT:managedClusters:1=429/5;seed=9", 1).unwrap();
        assert_eq!(plan.rates.len(), 3);
        assert_eq!(plan.scripts.len(), 1);
        assert_eq!(plan.seed(), 9);
        assert!(FaultPlan::parse("999:0.1", 1).is_err());
        assert!(FaultPlan::parse("500:2", 1).is_err());
        assert!(FaultPlan::parse("script:PUT:x:0=500", 1).is_err());
        assert!(FaultPlan::parse("500:0.7,503:0.7", 1).is_err());
    }

    #[test]
    fn conflicts_may_name_their_code() {
        let cases: &[(&str, Option<FaultKind>)] = &[
            ("409:1", Some(FaultKind::Conflict(None))),
            (
                "409/ResourceGroupBeingDeleted:1",
                Some(FaultKind::Conflict(Some(
                    "ResourceGroupBeingDeleted".into(),
                ))),
            ),
            (
                "script:PUT:roleAssignments:1=409/RoleAssignmentExists",
                Some(FaultKind::Conflict(Some("RoleAssignmentExists".into()))),
            ),
            ("409/:1", None),
            ("409/Bad-Code:1", None),
            ("409/5:1", None),
            ("500/Conflict:1", None),
        ];
        for (spec, expected) in cases {
            match (FaultPlan::parse(spec, 0), expected) {
                (Ok(mut plan), Some(kind)) => {
                    let fault = plan.decide("PUT", "/subscriptions/s/x/roleAssignments/a");
                    assert_eq!(fault.map(|f| f.kind).as_ref(), Some(kind), "{spec}");
                }
                (Err(_), None) => {}
                (outcome, _) => panic!("{spec}: {outcome:?}"),
            }
        }
    }

    #[test]
    fn scripts_hit_the_nth_match_only() {
        let mut plan = FaultPlan::parse("script:PUT:virtualnetworks:2=503", 0).unwrap();
        let path =
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v";
        assert_eq!(plan.decide("GET", path), None);
        assert_eq!(plan.decide("PUT", path), None);
        assert_eq!(
            plan.decide("PUT", path).map(|f| f.kind),
            Some(FaultKind::Unavailable)
        );
        assert_eq!(plan.decide("PUT", path), None);
    }

    #[test]
    fn rates_are_deterministic_per_seed() {
        let run = |seed| {
            let mut plan = FaultPlan::parse("500:0.3,drop:0.1", seed).unwrap();
            (0..200)
                .map(|_| plan.decide("GET", "/x").map(|f| f.kind))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|f| f.is_some()).count();
        assert!((50..=110).contains(&hits), "{hits}");
    }
}
