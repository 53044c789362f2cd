//! What every aksmesh resource shares: offline validation helpers, the aksmesh tag, and the options
//! that tie an ARM operation to the engine (deadline, cancellation, progress).

use std::collections::BTreeMap;
use std::sync::Arc;

use ipnet::Ipv4Net;

use crate::azure::client::OperationOptions;
use crate::azure::{AzureError, WriteFailure};
use crate::net;
use crate::regions;
use crate::resource::{
    Change, CheckContext, CheckFailure, Failure, OperationContext, ResourceError,
};
use crate::resources::regional_network::default_name_prefix;
use crate::vocabulary::Vocabulary;

/// Tag put on everything aksmesh creates, so people (and aksmesh) can tell what it owns.
pub const MANAGED_BY_TAG: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "aksmesh";
/// How many API server authorized ranges AKS takes.
const MAX_AUTHORIZED_IP_RANGES: usize = 200;

/// Collects failures for one resource's inputs, skipping paths that are unknown in a preview.
pub struct Validator<'a, 'c> {
    context: &'a CheckContext<'c>,
    pub failures: Vec<CheckFailure>,
}

impl<'a, 'c> Validator<'a, 'c> {
    pub fn new(context: &'a CheckContext<'c>) -> Self {
        Validator {
            context,
            failures: Vec::new(),
        }
    }

    pub fn is_unknown(&self, path: &str) -> bool {
        self.context.is_unknown(path)
    }

    pub fn fail(&mut self, path: &str, reason: impl Into<String>) {
        self.failures.push(CheckFailure::new(path, reason));
    }

    /// The prefix of a resource's Azure names: when not given, the resource's name in the program
    /// (cleaned); given empty, refused, because every Azure name would silently change to the
    /// default's.
    pub fn name_prefix(&mut self, path: &str, prefix: &mut String) {
        if !prefix.is_empty() || self.is_unknown(path) {
            return;
        }
        let default = default_name_prefix(self.context.name);
        if self.context.unknowns.is_given_empty(path) {
            self.fail(path, format!("{path} is empty; remove it to name the Azure resources after this resource ('{default}'), or give a prefix"));
        } else {
            *prefix = default;
        }
    }

    /// A required string: present and not empty (unknown counts as present).
    pub fn required(&mut self, path: &str, value: &str, hint: &str) -> bool {
        if self.is_unknown(path) {
            return false;
        }
        if value.trim().is_empty() {
            self.fail(path, format!("{path} is required; {hint}"));
            return false;
        }
        true
    }

    /// Normalises and checks an Azure region name; returns whether it is usable.
    pub fn region(&mut self, path: &str, location: &mut String) -> bool {
        if !self.required(
            path,
            location,
            "set it to an Azure region such as eastus or westeurope",
        ) {
            return false;
        }
        *location = regions::canonical(location);
        if regions::is_known(location) {
            return true;
        }
        self.fail(path, regions::refusal(location));
        false
    }

    /// Parses a CIDR that must not touch the ranges AKS reserves.
    pub fn cidr(&mut self, path: &str, text: &str) -> Option<Ipv4Net> {
        if self.is_unknown(path) {
            return None;
        }
        let cidr = match net::parse_cidr(text) {
            Ok(cidr) => cidr,
            Err(error) => {
                self.fail(path, error.to_string());
                return None;
            }
        };
        if let Some(reserved) = net::reserved_overlap(cidr) {
            self.fail(
                path,
                format!("{cidr} overlaps {reserved}, which AKS reserves; choose a range outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24"),
            );
            return None;
        }
        Some(cidr)
    }

    /// An Azure resource name: length bounds and allowed characters.
    pub fn name(
        &mut self,
        path: &str,
        value: &str,
        max_length: usize,
        pattern_hint: &str,
        allowed: impl Fn(char) -> bool,
    ) {
        if self.is_unknown(path) {
            return;
        }
        if value.is_empty() || value.len() > max_length {
            self.fail(
                path,
                format!("'{value}' must be 1 to {max_length} characters long"),
            );
        } else if !value.chars().all(allowed) {
            self.fail(path, format!("'{value}' may only contain {pattern_hint}"));
        }
    }

    /// A resource group name input: given (`hint` says where from), 1 to 90 letters, digits,
    /// '-', '_', '.', '(' and ')', not ending in '.'. Azure's naming rules for
    /// Microsoft.Resources/resourceGroups count letters and digits as Unicode's.
    pub fn resource_group_name(&mut self, path: &str, value: &str, hint: &str) {
        if !self.required(path, value, hint) {
            return;
        }
        self.name(
            path,
            value,
            90,
            "letters, digits, '-', '_', '.', '(' and ')'",
            |c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'),
        );
        if value.ends_with('.') {
            self.fail(path, "resource group names cannot end with '.'");
        }
    }

    /// API server authorized ranges: IPv4 CIDRs (host bits clear) or addresses, each once, at
    /// most 200 (Learn, api-server-authorized-ip-ranges: "The upper limit for the number of IP
    /// ranges you can specify is 200"; the Azure CLI takes "IPv4 addresses or CIDRs").
    pub fn authorized_ip_ranges(&mut self, path: &str, ranges: Option<&[String]>) {
        let Some(ranges) = ranges.filter(|_| !self.is_unknown(path)) else {
            return;
        };
        if ranges.len() > MAX_AUTHORIZED_IP_RANGES {
            self.fail(path, format!("{} ranges given; AKS allows at most {MAX_AUTHORIZED_IP_RANGES}: merge neighbouring ranges into wider CIDRs", ranges.len()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (index, text) in ranges.iter().enumerate() {
            let item = format!("{path}[{index}]");
            if self.is_unknown(&item) {
                continue;
            }
            let parsed = if text.contains('/') {
                crate::net::parse_cidr(text)
            } else {
                crate::net::parse_ip(text).map(ipnet::Ipv4Net::from)
            };
            match parsed {
                Ok(range) if !seen.insert(range) => {
                    self.fail(&item, format!("{range} is listed twice; list each range once"))
                }
                Ok(_) => {}
                Err(error) => self.fail(
                    &item,
                    format!("{error}; authorized ranges are public IPv4 CIDRs or addresses, e.g. 73.140.245.0/24"),
                ),
            }
        }
    }

    /// Azure tags: at most 50, keys ≤ 512 characters without `<>%&\?/`, values ≤ 256.
    pub fn tags(&mut self, path: &str, tags: &BTreeMap<String, String>) {
        if self.is_unknown(path) {
            return;
        }
        if tags.len() > 49 {
            self.fail(path, format!("{} tags given; Azure allows 50 and aksmesh adds '{MANAGED_BY_TAG}', so use at most 49", tags.len()));
        }
        for (key, value) in tags {
            let key_path = crate::property::join_key(path, key);
            if key.is_empty()
                || key.len() > 512
                || key.contains(['<', '>', '%', '&', '\\', '?', '/'])
            {
                self.fail(
                    &key_path,
                    "tag names are 1 to 512 characters without < > % & \\ ? /".to_string(),
                );
            }
            if key.eq_ignore_ascii_case(MANAGED_BY_TAG) {
                self.fail(
                    &key_path,
                    format!("'{MANAGED_BY_TAG}' is set by aksmesh itself; use another tag name"),
                );
            }
            if value.len() > 256 {
                self.fail(
                    &key_path,
                    "tag values are at most 256 characters".to_string(),
                );
            }
        }
    }
}

/// Whether a change to a vocabulary input keeps its meaning (absent means `default`).
pub fn same_choice<V: Vocabulary>(change: &Change<'_>, default: V) -> bool {
    V::from_json(change.old).unwrap_or(default) == V::from_json(change.new).unwrap_or(default)
}

/// The user's tags plus aksmesh's own.
pub fn managed_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut all = tags.clone();
    all.insert(MANAGED_BY_TAG.into(), MANAGED_BY_VALUE.into());
    all
}

/// Live tags without aksmesh's own, as the user wrote them.
pub fn user_tags(tags: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    tags.map(|t| {
        t.iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(MANAGED_BY_TAG))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
    .unwrap_or_default()
}

/// ARM options for a plain read: cancellable, without progress lines or a deadline.
pub fn read_options(context: &OperationContext) -> OperationOptions {
    OperationOptions::default().with_cancel(context.cancel.clone())
}

/// ARM options for one operation: the user's timeout, the engine's cancellation, and progress
/// lines prefixed with what is happening ("creating VNet vnet-x in eastus: Updating").
pub fn operation_options(context: &OperationContext, doing: String) -> OperationOptions {
    let progress = context.progress.clone();
    let mut options = OperationOptions::default()
        .with_cancel(context.cancel.clone())
        .with_progress(Arc::new(move |status: &str| {
            progress(&format!("{doing}: {status}"))
        }));
    if let Some(timeout) = context.timeout {
        options = options.with_deadline(timeout);
    }
    options
}

/// The sentence refresh records in `outOfBandChanges` when Azure reports `part` (e.g. "subnet pods
/// in vnet-x") as `Failed` or `Canceled`: a write to it ended badly, and only writing it again
/// repairs it. `None` for every other state (absent means Succeeded).
pub fn failed_in_azure(part: &str, provisioning_state: Option<&str>) -> Option<String> {
    let state = provisioning_state?;
    ["Failed", "Canceled"]
        .iter()
        .any(|bad| state.eq_ignore_ascii_case(bad))
        .then(|| format!("{part} is {state} in Azure; the next update re-applies it"))
}

/// Turns an Azure failure into the right resource error: partial when something already exists.
pub fn azure_failure<S>(error: AzureError, partial: Option<(String, S)>) -> ResourceError<S> {
    match partial {
        Some((id, state)) => ResourceError::Partial {
            id,
            state,
            reason: error.into(),
        },
        None => error.into(),
    }
}

/// Turns the failure of a create's first write into the right resource error: a plain failure
/// when Azure refused it and nothing existed before (`exists`), else partial with `partial`'s id and
/// state, because the write may have left the resource in Azure (even in Failed state).
pub fn write_failure<S>(
    failure: WriteFailure,
    exists: bool,
    partial: impl FnOnce() -> (String, S),
) -> ResourceError<S> {
    let may_exist = exists || !failure.refused;
    azure_failure(failure.error, may_exist.then(partial))
}

/// Polling for a condition ARM reports only through GETs (peerings becoming Connected): a short
/// first interval that doubles up to a ceiling, bounded by the user's timeout (30 minutes by
/// default) and stopped within a second by the engine's cancellation.
pub struct PollSchedule {
    interval: std::time::Duration,
    ceiling: std::time::Duration,
    deadline: tokio::time::Instant,
    total: std::time::Duration,
    cancel: tokio_util::sync::CancellationToken,
}

impl PollSchedule {
    pub fn new(
        context: &OperationContext,
        first: std::time::Duration,
        ceiling: std::time::Duration,
    ) -> Self {
        let total = context
            .timeout
            .unwrap_or(crate::azure::DEFAULT_OPERATION_TIMEOUT);
        PollSchedule {
            interval: first,
            ceiling: ceiling.max(first),
            deadline: tokio::time::Instant::now() + total,
            total,
            cancel: context.cancel.clone(),
        }
    }

    /// Sleeps until the next poll. Fails, naming `waiting_for`, when the deadline passes or the
    /// operation is canceled.
    pub async fn pause(&mut self, waiting_for: &str) -> Result<(), Failure> {
        let now = tokio::time::Instant::now();
        if now >= self.deadline {
            return Err(Failure::Waiting(format!(
                "timed out after {}s waiting for {waiting_for}; raise customTimeouts or run `pulumi up` again to resume",
                self.total.as_secs()
            )));
        }
        let sleep = self.interval.min(self.deadline - now);
        self.interval = (self.interval * 2).min(self.ceiling);
        tokio::select! {
            _ = self.cancel.cancelled() => Err(Failure::Waiting(format!("canceled while waiting for {waiting_for}"))),
            _ = tokio::time::sleep(sleep) => Ok(()),
        }
    }
}

impl Validator<'_, '_> {
    /// One of a fixed set of values, matched case-insensitively and rewritten to its canonical
    /// spelling (`standard` → `Standard`), so diffs compare like with like.
    pub fn choice(
        &mut self,
        path: &str,
        value: &mut String,
        allowed: &[&'static str],
    ) -> Option<&'static str> {
        if self.is_unknown(path) {
            return None;
        }
        match allowed
            .iter()
            .find(|candidate| candidate.eq_ignore_ascii_case(value.trim()))
        {
            Some(canonical) => {
                *value = (*canonical).to_string();
                Some(canonical)
            }
            None => {
                self.fail(
                    path,
                    format!(
                        "'{value}' is not a valid {path}; use one of {}",
                        allowed.join(", ")
                    ),
                );
                None
            }
        }
    }
}

/// Reads a Kubernetes version given as text (`"1.33"`, `"1.33.2"`) or as a number, which YAML and
/// stack config produce for `1.33`. Every minor version since 1.10 has two digits, so the number 1.3
/// can only mean 1.30.
pub fn kubernetes_version<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    use serde::Deserialize;
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Version {
        Text(String),
        Number(f64),
    }
    Ok(match Option::<Version>::deserialize(deserializer)? {
        None => None,
        Some(Version::Text(text)) => Some(text),
        Some(Version::Number(number)) if number.is_finite() && number >= 1.0 => {
            let major = number.trunc();
            let minor = ((number - major) * 100.0).round();
            Some(format!("{major}.{minor:02}"))
        }
        Some(Version::Number(number)) => Some(number.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct WithVersion {
        #[serde(default, deserialize_with = "kubernetes_version")]
        version: Option<String>,
    }

    #[test]
    fn kubernetes_versions_given_as_numbers_keep_two_digit_minors() {
        let read = |json: &str| serde_json::from_str::<WithVersion>(json).unwrap().version;
        assert_eq!(read(r#"{"version": 1.33}"#).as_deref(), Some("1.33"));
        assert_eq!(read(r#"{"version": 1.3}"#).as_deref(), Some("1.30"));
        assert_eq!(read(r#"{"version": "1.34.2"}"#).as_deref(), Some("1.34.2"));
        assert_eq!(read(r#"{}"#), None);
    }

    #[test]
    fn only_failed_and_canceled_parts_are_recorded() {
        let cases = [
            (
                Some("Failed"),
                Some("subnet pods is Failed in Azure; the next update re-applies it"),
            ),
            (
                Some("canceled"),
                Some("subnet pods is canceled in Azure; the next update re-applies it"),
            ),
            (Some("Succeeded"), None),
            (Some("Updating"), None),
            (None, None),
        ];
        for (state, expected) in cases {
            assert_eq!(
                failed_in_azure("subnet pods", state).as_deref(),
                expected,
                "{state:?}"
            );
        }
    }
}
