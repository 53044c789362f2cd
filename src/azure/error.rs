//! Errors of the ARM client, and the parser for ARM's error bodies.
//!
//! Every message says what happened and, where there is one, what the user can do about it.
//! No message ever contains a token, a client secret or a request body.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Result type of the ARM client.
pub type AzureResult<T> = Result<T, AzureError>;

/// One entry of ARM's `error.details` (also used for AKS's nested `subcode`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmErrorDetail {
    /// Machine-readable error code, e.g. `VnetAddressSpacesOverlap`.
    #[serde(default)]
    pub code: String,
    /// Human-readable message from Azure.
    #[serde(default)]
    pub message: String,
    /// The property or resource the error is about, when Azure says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// Everything that can go wrong while talking to Azure Resource Manager.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// ARM (or a resource provider) answered with an error status.
    #[error("{}", describe_arm_error(*status, code, subcode.as_deref().map(String::as_str), message, target.as_deref(), request_id.as_deref(), details))]
    Arm {
        /// HTTP status code.
        status: u16,
        /// ARM error code, e.g. `ResourceNotFound` (the HTTP reason when the body had none).
        code: String,
        /// Azure's message.
        message: String,
        /// The property or resource the error is about.
        target: Option<String>,
        /// AKS's specific reason when `code` is only the category (`BadRequest`), e.g.
        /// `CiliumDataplaneRequiresNetworkPolicyCilium`. Boxed, like `request_id`, to keep
        /// `AzureError` (every client call's `Err`) small.
        subcode: Option<Box<String>>,
        /// `x-ms-request-id` (or the correlation id) of the failed request, for support cases.
        request_id: Option<Box<str>>,
        /// Nested details.
        details: Vec<ArmErrorDetail>,
    },
    /// No token could be obtained.
    #[error("Azure authentication failed: {message}")]
    Auth {
        /// What failed and what to set.
        message: String,
    },
    /// The request never got an HTTP answer (DNS, TCP, TLS, connection reset).
    #[error(
        "could not reach Azure Resource Manager: {message}; check network connectivity, proxy \
         settings, the ARM endpoint and, for private endpoints, the trusted CA certificate"
    )]
    Transport {
        /// What failed.
        message: String,
    },
    /// The operation's deadline passed before Azure finished.
    #[error(
        "{operation} did not finish within {}; Azure may still be working on it: run the \
         update again later, or raise the timeout",
        format_duration(*after)
    )]
    Timeout {
        /// What was being done.
        operation: String,
        /// The deadline that passed.
        after: Duration,
    },
    /// The caller canceled the operation.
    #[error(
        "the Azure operation was canceled before it finished; the resource may be left in an \
         intermediate state, run the update again to converge it"
    )]
    Canceled,
    /// A long-running operation ended `Failed` or `Canceled` on Azure's side.
    #[error("the Azure operation failed: {code}: {message}")]
    OperationFailed {
        /// Error code from the operation status (or the terminal state).
        code: String,
        /// Azure's message.
        message: String,
    },
    /// A response could not be decoded into the expected shape.
    #[error("could not decode Azure's response: {message}")]
    Decode {
        /// What could not be decoded, and why.
        message: String,
    },
    /// The client configuration is unusable (bad URL, bad CA certificate, bad resource id).
    #[error("invalid Azure client configuration: {message}")]
    Config {
        /// What is wrong and what to set.
        message: String,
    },
}

impl AzureError {
    /// True when the resource (or its resource group) does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            AzureError::Arm { status, code, .. } => {
                *status == 404
                    || code.eq_ignore_ascii_case("ResourceNotFound")
                    || code.eq_ignore_ascii_case("ResourceGroupNotFound")
                    || code.eq_ignore_ascii_case("NotFound")
            }
            _ => false,
        }
    }

    /// True when sending the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        crate::azure::retry::classify_error(self).is_retryable()
    }

    /// The ARM error code (or the operation's failure code), if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            AzureError::Arm { code, .. } | AzureError::OperationFailed { code, .. } => {
                Some(code.as_str())
            }
            _ => None,
        }
    }

    /// AKS's `subcode`: the specific reason behind a `BadRequest`.
    pub fn subcode(&self) -> Option<&str> {
        match self {
            AzureError::Arm { subcode, .. } => subcode.as_deref().map(String::as_str),
            _ => None,
        }
    }

    /// The HTTP status of an ARM error.
    pub fn status(&self) -> Option<u16> {
        match self {
            AzureError::Arm { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// For `RoleAssignmentExists`, the name of the assignment that already grants the role. ARM
    /// names it only in the message ("… The ID of the existing role assignment is
    /// 0b4f…(32 hex digits)."), without dashes.
    pub fn existing_role_assignment(&self) -> Option<uuid::Uuid> {
        let AzureError::Arm { code, message, .. } = self else {
            return None;
        };
        if !code.eq_ignore_ascii_case("RoleAssignmentExists") {
            return None;
        }
        message
            .split(|c: char| !c.is_ascii_hexdigit() && c != '-')
            .filter(|word| word.chars().filter(char::is_ascii_hexdigit).count() == 32)
            .find_map(|word| uuid::Uuid::parse_str(word).ok())
    }

    /// `x-ms-request-id` of the failed request, if known.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            AzureError::Arm { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn decode(what: &str, error: impl fmt::Display) -> Self {
        AzureError::Decode {
            message: format!("{what}: {error}"),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        AzureError::Config {
            message: message.into(),
        }
    }
}

/// Builds an [`AzureError::Arm`] from a failed response.
///
/// Understands `{"error": {...}}` (common-types `ErrorResponse`), a bare `{code, message}`,
/// AKS's `subcode` beside the code (AKS answers `BadRequest` with the reason as the subcode, and
/// an empty subcode when there is none), AKS's JSON object serialised into `message`, and
/// missing or non-JSON bodies.
pub fn parse_arm_error(
    status: u16,
    body: &[u8],
    error_code_header: Option<&str>,
    request_id: Option<String>,
) -> AzureError {
    let parsed = parse_error_body(body);
    let (mut code, mut message, mut target, mut subcode, details) = match parsed {
        Some(body) => (
            body.code.unwrap_or_default(),
            body.message.unwrap_or_default(),
            body.target,
            body.subcode,
            body.details
                .unwrap_or_default()
                .into_iter()
                .map(ArmErrorDetail::from)
                .collect::<Vec<_>>(),
        ),
        None => (String::new(), body_snippet(body), None, None, Vec::new()),
    };

    // AKS sometimes serialises a whole error object into `message`.
    if let Some(nested) = nested_error(&message) {
        if code.is_empty() {
            code = nested.code.clone().unwrap_or_default();
        }
        if target.is_none() {
            target = nested.target.clone();
        }
        if subcode.as_deref().is_none_or(str::is_empty) {
            subcode = nested.subcode.clone();
        }
        if let Some(inner_message) = nested.message.filter(|m| !m.is_empty()) {
            message = inner_message;
        }
    }
    let subcode = subcode.filter(|s| !s.trim().is_empty()).map(Box::new);
    let request_id = request_id.map(String::into_boxed_str);

    if code.is_empty() {
        code = error_code_header
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| reason_code(status).to_owned());
    }
    if message.is_empty() {
        message = format!("Azure returned HTTP {status} without an error message");
    }

    AzureError::Arm {
        status,
        code,
        message,
        target,
        subcode,
        request_id,
        details,
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: Option<RawErrorBody>,
    #[serde(flatten)]
    bare: RawErrorBody,
}

#[derive(Deserialize, Default, Clone)]
struct RawErrorBody {
    #[serde(default, alias = "Code")]
    code: Option<String>,
    #[serde(default, alias = "Message")]
    message: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    subcode: Option<String>,
    /// AKS sends `"details": null`.
    #[serde(default)]
    details: Option<Vec<RawErrorDetail>>,
}

#[derive(Deserialize, Default, Clone)]
struct RawErrorDetail {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    target: Option<String>,
}

impl From<RawErrorDetail> for ArmErrorDetail {
    fn from(detail: RawErrorDetail) -> Self {
        ArmErrorDetail {
            code: detail.code.unwrap_or_default(),
            message: detail.message.unwrap_or_default(),
            target: detail.target,
        }
    }
}

fn parse_error_body(body: &[u8]) -> Option<RawErrorBody> {
    let envelope: ErrorEnvelope = serde_json::from_slice(body).ok()?;
    match envelope.error {
        Some(inner) => Some(inner),
        None if envelope.bare.code.is_some() || envelope.bare.message.is_some() => {
            Some(envelope.bare)
        }
        None => None,
    }
}

fn nested_error(message: &str) -> Option<RawErrorBody> {
    let trimmed = message.trim();
    let start = trimmed.find('{')?;
    // Only a message that *is* JSON (possibly after a short prefix such as "Details: ").
    if start > 64 {
        return None;
    }
    let candidate = &trimmed[start..];
    let end = candidate.rfind('}')?;
    let inner: RawErrorBody = serde_json::from_str(&candidate[..=end]).ok()?;
    if inner.code.is_none() && inner.message.is_none() && inner.subcode.is_none() {
        return None;
    }
    Some(inner)
}

fn body_snippet(body: &[u8]) -> String {
    const LIMIT: usize = 512;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}

/// A code for errors whose body said nothing.
fn reason_code(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        408 => "RequestTimeout",
        409 => "Conflict",
        412 => "PreconditionFailed",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "HttpError",
    }
}

fn describe_arm_error(
    status: u16,
    code: &str,
    subcode: Option<&str>,
    message: &str,
    target: Option<&str>,
    request_id: Option<&str>,
    details: &[ArmErrorDetail],
) -> String {
    let mut text = match subcode {
        Some(subcode) => format!("Azure returned HTTP {status} {code} ({subcode}): {message}"),
        None => format!("Azure returned HTTP {status} {code}: {message}"),
    };
    if let Some(target) = target.filter(|t| !t.is_empty()) {
        text.push_str(&format!(" (target: {target})"));
    }
    for detail in details.iter().take(5) {
        if detail.message.is_empty() || detail.message == message {
            text.push_str(&format!("; {}", detail.code));
        } else {
            text.push_str(&format!("; {}: {}", detail.code, detail.message));
        }
    }
    if let Some(hint) = hint_for(status, code) {
        text.push_str(". ");
        text.push_str(hint);
    }
    if let Some(request_id) = request_id {
        text.push_str(&format!(" [x-ms-request-id: {request_id}]"));
    }
    text
}

/// What the user can do about common failures.
fn hint_for(status: u16, code: &str) -> Option<&'static str> {
    let code = code.to_ascii_lowercase();
    Some(match (status, code.as_str()) {
        (_, "authorizationfailed") | (_, "linkedauthorizationfailed") | (403, _) => {
            "The identity used by the provider lacks permission: grant it a role (e.g. \
             Contributor, plus Network Contributor on peered VNets) at the right scope"
        }
        (_, "invalidauthenticationtokenaudience") => {
            "The token was issued for another audience: set the token scope to the one this ARM \
             endpoint expects (e.g. https://management.azure.com/.default)"
        }
        (401, _) | (_, "invalidauthenticationtoken") | (_, "expiredauthenticationtoken") => {
            "The token was rejected: check tenantId, clientId and the credential in use"
        }
        (_, "subscriptionnotfound") | (_, "invalidsubscriptionid") => {
            "Check aksmesh:subscriptionId (or ARM_SUBSCRIPTION_ID)"
        }
        (_, "missingsubscriptionregistration") => {
            "Register the resource provider in the subscription (az provider register)"
        }
        (429, _) => "Azure is throttling requests; wait and run the update again",
        (_, "resourcegroupbeingdeleted") => {
            "The resource group is being deleted; wait for that to finish and run again"
        }
        (_, "operationnotallowed") | (_, "anotheroperationinprogress") => {
            "Another operation is in progress on this resource; wait for it and run again"
        }
        _ => return None,
    })
}

fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 3600 && seconds.is_multiple_of(60) {
        format!("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60)
    } else if seconds >= 60 {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    } else if seconds >= 1 {
        format!("{seconds}s")
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_existing_role_assignment_is_read_from_the_message() {
        let error = |code: &str, message: &str| AzureError::Arm {
            status: 409,
            code: code.into(),
            message: message.into(),
            target: None,
            subcode: None,
            request_id: None,
            details: Vec::new(),
        };
        let id = "0b4f2f9a-1c3e-4d5f-8a6b-7c8d9e0f1a2b";
        let cases = [
            (
                error("RoleAssignmentExists", "The role assignment already exists. The ID of the existing role assignment is 0b4f2f9a1c3e4d5f8a6b7c8d9e0f1a2b."),
                Some(id),
            ),
            (error("RoleAssignmentExists", &format!("exists: {id}")), Some(id)),
            (error("RoleAssignmentExists", "The role assignment already exists."), None),
            (error("Conflict", "The ID is 0b4f2f9a1c3e4d5f8a6b7c8d9e0f1a2b."), None),
        ];
        for (error, expected) in cases {
            assert_eq!(
                error
                    .existing_role_assignment()
                    .map(|u| u.to_string())
                    .as_deref(),
                expected,
                "{error}"
            );
        }
    }

    #[test]
    fn parses_common_error_response() {
        let body = br#"{"error":{"code":"VnetAddressSpacesOverlap","message":"Cannot be peered because their address spaces overlap.","target":"remoteVirtualNetwork","details":[{"code":"Inner","message":"more"}]}}"#;
        let error = parse_arm_error(400, body, None, Some("rid-1".into()));
        match &error {
            AzureError::Arm {
                status,
                code,
                message,
                target,
                subcode,
                request_id,
                details,
            } => {
                assert_eq!(*subcode, None);
                assert_eq!(*status, 400);
                assert_eq!(code, "VnetAddressSpacesOverlap");
                assert!(message.contains("overlap"));
                assert_eq!(target.as_deref(), Some("remoteVirtualNetwork"));
                assert_eq!(request_id.as_deref(), Some("rid-1"));
                assert_eq!(details.len(), 1);
                assert_eq!(details[0].code, "Inner");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(error.code(), Some("VnetAddressSpacesOverlap"));
        let text = error.to_string();
        assert!(text.contains("HTTP 400 VnetAddressSpacesOverlap"), "{text}");
        assert!(text.contains("rid-1"), "{text}");
    }

    #[test]
    fn parses_aks_json_in_message() {
        let body = br#"{"code":"BadRequest","message":"{\n  \"code\": \"BadRequest\",\n  \"subcode\": \"CiliumDataplaneRequiresNetworkPolicyCilium\",\n  \"message\": \"Cilium dataplane requires network policy cilium.\",\n  \"target\": \"networkProfile.networkPolicy\"\n}"}"#;
        let error = parse_arm_error(400, body, None, None);
        let AzureError::Arm {
            code,
            message,
            target,
            details,
            ..
        } = &error
        else {
            panic!("unexpected {error:?}");
        };
        assert_eq!(code, "BadRequest");
        assert_eq!(message, "Cilium dataplane requires network policy cilium.");
        assert_eq!(target.as_deref(), Some("networkProfile.networkPolicy"));
        assert!(details.is_empty(), "{details:?}");
        assert_eq!(
            error.subcode(),
            Some("CiliumDataplaneRequiresNetworkPolicyCilium")
        );
        assert!(error
            .to_string()
            .contains("BadRequest (CiliumDataplaneRequiresNetworkPolicyCilium)"));
    }

    /// AKS puts the reason beside the code: `BadRequest` plus a `subcode`, inside the
    /// `error` envelope or bare; an empty subcode means there is none.
    #[test]
    fn parses_the_aks_subcode_beside_the_code() {
        let cilium = "Network policy 'azure' is not supported with networkDataplane 'cilium'.";
        let rows: [(&[u8], Option<&str>, &str); 4] = [
            (
                br#"{"error":{"code":"BadRequest","message":"Network policy 'azure' is not supported with networkDataplane 'cilium'.","target":"networkProfile.networkPolicy","subcode":"CiliumDataplaneRequiresNetworkPolicyCilium","details":[]}}"#,
                Some("CiliumDataplaneRequiresNetworkPolicyCilium"),
                cilium,
            ),
            (
                br#"{"code":"BadRequest","details":null,"message":"Network policy 'azure' is not supported with networkDataplane 'cilium'.","subcode":"CiliumDataplaneRequiresNetworkPolicyCilium","target":"networkProfile.networkPolicy"}"#,
                Some("CiliumDataplaneRequiresNetworkPolicyCilium"),
                cilium,
            ),
            (
                br#"{"code":"ErrCode_InsufficientVCPUQuota","details":null,"message":"Insufficient regional vcpu quota left","subcode":""}"#,
                None,
                "Insufficient regional vcpu quota left",
            ),
            (
                br#"{"error":{"code":"InvalidParameter","message":"bad name","subcode":"  "}}"#,
                None,
                "bad name",
            ),
        ];
        for (body, subcode, message) in rows {
            let error = parse_arm_error(400, body, None, None);
            assert_eq!(error.subcode(), subcode, "{error:?}");
            let text = error.to_string();
            assert!(text.contains(message), "{text}");
            match subcode {
                Some(subcode) => {
                    assert_eq!(error.code(), Some("BadRequest"));
                    assert!(
                        text.starts_with(&format!(
                            "Azure returned HTTP 400 BadRequest ({subcode}): "
                        )),
                        "{text}"
                    );
                    assert!(
                        text.contains("(target: networkProfile.networkPolicy)"),
                        "{text}"
                    );
                }
                None => assert!(!text.contains("()"), "{text}"),
            }
        }
    }

    #[test]
    fn parses_aks_nested_message_inside_envelope() {
        let body = br#"{"error":{"code":"ServiceCidrOverlapExistingSubnetsCidr","message":"{\"code\":\"ServiceCidrOverlapExistingSubnetsCidr\",\"message\":\"The specified service CIDR 10.0.0.0/16 is conflicted with an existing subnet CIDR 10.0.0.0/16\",\"target\":\"networkProfile.serviceCIDR\"}"}}"#;
        let error = parse_arm_error(400, body, None, None);
        let AzureError::Arm {
            code,
            message,
            target,
            ..
        } = &error
        else {
            panic!("unexpected {error:?}");
        };
        assert_eq!(code, "ServiceCidrOverlapExistingSubnetsCidr");
        assert!(message.starts_with("The specified service CIDR"));
        assert_eq!(target.as_deref(), Some("networkProfile.serviceCIDR"));
    }

    #[test]
    fn tolerates_missing_and_garbage_bodies() {
        let error = parse_arm_error(404, b"", None, None);
        assert!(error.is_not_found());
        assert_eq!(error.code(), Some("NotFound"));

        let error = parse_arm_error(502, b"<html>Bad gateway</html>", None, None);
        assert_eq!(error.code(), Some("BadGateway"));
        assert!(error.to_string().contains("Bad gateway"));

        let error = parse_arm_error(409, b"{}", Some("Conflict"), None);
        assert_eq!(error.code(), Some("Conflict"));

        let error = parse_arm_error(400, b"{\"error\": null}", None, None);
        assert_eq!(error.code(), Some("BadRequest"));

        let error = parse_arm_error(500, b"{\"message\": \"{not json\"}", None, None);
        assert_eq!(error.code(), Some("InternalServerError"));
        assert!(error.to_string().contains("{not json"));
    }

    #[test]
    fn not_found_codes() {
        let error = parse_arm_error(
            404,
            br#"{"error":{"code":"ResourceGroupNotFound","message":"Resource group 'x' could not be found."}}"#,
            None,
            None,
        );
        assert!(error.is_not_found());
        assert!(!AzureError::Canceled.is_not_found());
    }

    #[test]
    fn messages_give_advice() {
        let error = parse_arm_error(
            403,
            br#"{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization"}}"#,
            None,
            None,
        );
        assert!(error.to_string().contains("grant it a role"));
        let timeout = AzureError::Timeout {
            operation: "create of managed cluster c1".into(),
            after: Duration::from_secs(90 * 60),
        };
        assert!(timeout.to_string().contains("1h30m"), "{timeout}");
    }
}
