//! One HTTP exchange with ARM through the azure_core pipeline: request ids, logging, and the
//! conversion of the response into [`ArmResponse`].

use std::collections::BTreeMap;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::headers::HeaderName;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::Policy;
use azure_core::http::request::options::ClientRequestId;
use azure_core::http::{
    ClientOptions, Context, HttpClient, Method, Pipeline, PipelineSendOptions, Request,
    RetryOptions, Transport, UserAgentOptions,
};
use url::Url;

use super::error::{parse_arm_error, AzureError, AzureResult};

const RETURN_CLIENT_REQUEST_ID: HeaderName =
    HeaderName::from_static("x-ms-return-client-request-id");
const CONTENT_TYPE: HeaderName = HeaderName::from_static("content-type");
const ACCEPT: HeaderName = HeaderName::from_static("accept");
/// azure_core refuses (panics on) longer application ids in the `User-Agent`.
const MAX_APPLICATION_ID: usize = 24;

/// A request ready to be sent (and re-sent by the retry loop).
#[derive(Clone, Debug)]
pub(crate) struct ArmRequest {
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// JSON body; `None` sends no body.
    pub(crate) body: Option<Vec<u8>>,
    /// Kept across retries so that ARM logs tie the attempts together.
    pub(crate) client_request_id: String,
}

impl ArmRequest {
    pub(crate) fn new(method: Method, url: Url, body: Option<Vec<u8>>) -> Self {
        ArmRequest {
            method,
            url,
            body,
            client_request_id: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// Response headers with lower-cased names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ResponseHeaders(BTreeMap<String, String>);

impl ResponseHeaders {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }

    #[cfg(test)]
    pub(crate) fn with(mut self, name: &str, value: &str) -> Self {
        self.0.insert(name.to_ascii_lowercase(), value.to_owned());
        self
    }
}

impl FromIterator<(String, String)> for ResponseHeaders {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        ResponseHeaders(
            iter.into_iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value))
                .collect(),
        )
    }
}

/// A complete ARM response.
#[derive(Clone, Debug)]
pub(crate) struct ArmResponse {
    pub(crate) status: u16,
    pub(crate) headers: ResponseHeaders,
    pub(crate) body: Vec<u8>,
}

impl ArmResponse {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `x-ms-request-id`, else the correlation id: what support asks for.
    pub(crate) fn request_id(&self) -> Option<String> {
        self.headers
            .get("x-ms-request-id")
            .or_else(|| self.headers.get("x-ms-correlation-request-id"))
            .map(str::to_owned)
    }

    /// The ARM error this response carries.
    pub(crate) fn to_error(&self) -> AzureError {
        parse_arm_error(
            self.status,
            &self.body,
            self.headers.get("x-ms-error-code"),
            self.request_id(),
        )
    }

    /// The body as JSON, `null` when empty.
    pub(crate) fn json_value(&self) -> AzureResult<serde_json::Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&self.body)
            .map_err(|error| AzureError::decode("response body", error))
    }
}

/// The azure_core pipeline for ARM: bearer token (https only), user agent, no built-in retry.
#[derive(Clone, Debug)]
pub(crate) struct ArmPipeline {
    pipeline: Pipeline,
}

impl ArmPipeline {
    pub(crate) fn new(
        credential: Arc<dyn TokenCredential>,
        token_scope: &str,
        http_client: Arc<dyn HttpClient>,
        application_id: &str,
    ) -> Self {
        let bearer: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            credential,
            [token_scope.to_owned()],
        ));
        let options = ClientOptions {
            per_try_policies: vec![bearer],
            user_agent: UserAgentOptions {
                application_id: application_id_of(application_id),
            },
            // azure_core's retry caps the total at 60 s; retry.rs does ARM-aware retries instead.
            retry: RetryOptions::none(),
            transport: Some(Transport::new(http_client)),
            ..Default::default()
        };
        let pipeline = Pipeline::new(
            Some("aksmesh"),
            Some(env!("CARGO_PKG_VERSION")),
            options,
            Vec::new(),
            Vec::new(),
            None,
        );
        ArmPipeline { pipeline }
    }

    /// Sends one attempt. Any HTTP status is `Ok`; only failures to get an answer are `Err`.
    pub(crate) async fn send(&self, request: &ArmRequest) -> AzureResult<ArmResponse> {
        let mut core_request = Request::new(request.url.clone(), request.method);
        core_request.insert_header(RETURN_CLIENT_REQUEST_ID, "true");
        core_request.insert_header(ACCEPT, "application/json");
        match &request.body {
            Some(body) => {
                core_request.insert_header(CONTENT_TYPE, "application/json");
                core_request.set_body(body.clone());
            }
            None if matches!(request.method, Method::Post | Method::Put | Method::Patch) => {
                // ARM rejects body-less POSTs without a length; an empty body sends `Content-Length: 0`.
                core_request.set_body(Vec::<u8>::new());
            }
            None => {}
        }

        // azure_core's ClientRequestIdPolicy sends it; one id for every attempt of this request.
        let context =
            Context::new().with_value(ClientRequestId::new(request.client_request_id.clone()));
        let started = std::time::Instant::now();
        let sent = self
            .pipeline
            .send(
                &context,
                &mut core_request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await;
        let raw = match sent {
            Ok(raw) => raw,
            Err(error) => {
                tracing::debug!(
                    method = request.method.as_str(),
                    url = %request.url,
                    client_request_id = %request.client_request_id,
                    error = %error,
                    "ARM request failed without a response"
                );
                return Err(map_core_error(&error));
            }
        };

        let (status, headers, body) = raw.deconstruct();
        let headers: ResponseHeaders = headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_str().to_owned()))
            .collect();
        let response = ArmResponse {
            status: u16::from(status),
            headers,
            body: body.to_vec(),
        };
        tracing::debug!(
            method = request.method.as_str(),
            url = %request.url,
            status = response.status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            client_request_id = %request.client_request_id,
            request_id = response.headers.get("x-ms-request-id").unwrap_or(""),
            correlation_request_id = response.headers.get("x-ms-correlation-request-id").unwrap_or(""),
            routing_request_id = response.headers.get("x-ms-routing-request-id").unwrap_or(""),
            "ARM response"
        );
        Ok(response)
    }
}

/// The `User-Agent` application id: RFC 9110 token characters only and at most 24 of them, which
/// azure_core enforces with a panic; `None` if nothing is left.
fn application_id_of(text: &str) -> Option<String> {
    let id: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(*c))
        .take(MAX_APPLICATION_ID)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Maps an azure_core error (no HTTP answer, or no token) to ours.
pub(crate) fn map_core_error(error: &azure_core::Error) -> AzureError {
    let message = error.to_string();
    match error.kind() {
        // Keep the cause (e.g. an untrusted certificate at the token endpoint) visible.
        ErrorKind::Credential => AzureError::Auth {
            message: with_tls_hint(full_chain(error)),
        },
        ErrorKind::Connection | ErrorKind::Io => AzureError::Transport {
            message: with_tls_hint(full_chain(error)),
        },
        ErrorKind::DataConversion => AzureError::Decode { message },
        ErrorKind::HttpResponse { status, .. } => AzureError::Arm {
            status: u16::from(*status),
            code: "HttpError".into(),
            message,
            target: None,
            subcode: None,
            request_id: None,
            details: Vec::new(),
        },
        _ if message.contains("non-TLS") => {
            AzureError::config(format!("{message}: the ARM endpoint must use https"))
        }
        _ if message.contains("authentication failed") || message.contains("Credential") => {
            AzureError::Auth { message }
        }
        _ => AzureError::Transport {
            message: full_chain(error),
        },
    }
}

/// Adds what to do when the cause is an untrusted server certificate.
fn with_tls_hint(message: String) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("unknownissuer")
        || lower.contains("invalid peer certificate")
        || lower.contains("certificate verify failed")
    {
        format!(
            "{message} (the server's TLS certificate is not trusted: for a private cloud or a \
             simulator, set aksmesh:trustedCaCertificate to its CA certificate)"
        )
    } else {
        message
    }
}

/// The error and its sources on one line, so that e.g. a TLS verification failure is visible.
fn full_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    let mut depth = 0;
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod application_id_tests {
    use super::application_id_of;

    #[test]
    fn application_ids_are_tokens_azure_core_accepts() {
        let cases = [
            ("pulumi-aksmesh", Some("pulumi-aksmesh")),
            (
                "pulumi-resource-aksmesh/0.1.0 extra",
                Some("pulumi-resource-aksmesh0"),
            ),
            ("ümlaut ok", Some("mlautok")),
            ("/ ()", None),
        ];
        for (given, expected) in cases {
            assert_eq!(application_id_of(given).as_deref(), expected, "{given}");
        }
    }
}
