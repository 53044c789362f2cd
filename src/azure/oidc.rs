//! Federated sign-in from a CI system's OIDC token (Pulumi ESC, Pulumi Deployments, GitHub
//! Actions): the token is a client assertion Entra exchanges for an ARM token, as
//! azure-native and azurerm do with `ARM_USE_OIDC`.
//!
//! The assertion comes from, in this order: a token given as text (`ARM_OIDC_TOKEN`), the token
//! file (`ARM_OIDC_TOKEN_FILE_PATH`, `AZURE_FEDERATED_TOKEN_FILE`; read by azure_identity's
//! workload identity credential), or a GitHub Actions job's ID token endpoint
//! (`ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN`), asked afresh for each
//! exchange because its tokens live about five minutes.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::Secret;
use azure_core::error::ErrorKind;
use azure_core::http::{ClientMethodOptions, HttpClient, Method, Request, StatusCode};
use azure_identity::ClientAssertion;
use url::Url;

/// The audience Entra requires of a federated assertion (Microsoft Learn, "Workload identity
/// federation": `api://AzureADTokenExchange` for the public cloud).
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The OIDC settings besides the token file (which [`super::ArmClientConfig`] keeps as
/// `federated_token_file`, shared with AKS workload identity).
#[derive(Clone, Debug, Default)]
pub struct OidcSettings {
    /// `ARM_USE_OIDC`: sign in with a token given as text or from a token endpoint. (A token file
    /// is used without it, as AKS workload identity sets only the file.)
    pub enabled: bool,
    /// The assertion itself (`ARM_OIDC_TOKEN`).
    pub token: Option<Secret>,
    /// A GitHub Actions-style ID token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`).
    pub request_url: Option<Url>,
    /// The bearer token that endpoint requires (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    pub request_token: Option<Secret>,
}

/// An assertion given as text.
#[derive(Clone)]
pub struct GivenAssertion(pub Secret);

impl fmt::Debug for GivenAssertion {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("GivenAssertion(<redacted>)")
    }
}

#[async_trait::async_trait]
impl ClientAssertion for GivenAssertion {
    async fn secret(&self, _: Option<ClientMethodOptions<'_>>) -> azure_core::Result<String> {
        Ok(self.0.secret().to_owned())
    }
}

/// An assertion asked of a GitHub Actions job's ID token endpoint for Entra's audience.
pub struct RequestedAssertion {
    url: Url,
    request_token: Secret,
    http_client: Arc<dyn HttpClient>,
}

impl fmt::Debug for RequestedAssertion {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RequestedAssertion")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl RequestedAssertion {
    /// Asks `request_url` (which may already carry a query, as GitHub's does) for a token whose
    /// audience is Entra's token exchange.
    pub fn new(request_url: &Url, request_token: Secret, http_client: Arc<dyn HttpClient>) -> Self {
        let mut url = request_url.clone();
        url.query_pairs_mut()
            .append_pair("audience", TOKEN_EXCHANGE_AUDIENCE);
        RequestedAssertion {
            url,
            request_token,
            http_client,
        }
    }
}

#[async_trait::async_trait]
impl ClientAssertion for RequestedAssertion {
    async fn secret(&self, _: Option<ClientMethodOptions<'_>>) -> azure_core::Result<String> {
        let mut request = Request::new(self.url.clone(), Method::Get);
        request.insert_header(
            "authorization",
            format!("Bearer {}", self.request_token.secret()),
        );
        request.insert_header("accept", "application/json");
        let response = self.http_client.execute_request(&request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?;
        if status != StatusCode::Ok {
            return Err(failure(format!(
                "the OIDC token endpoint {} answered {} ({}); check the request token \
                 (ACTIONS_ID_TOKEN_REQUEST_TOKEN or aksmesh:oidcRequestToken) and, on GitHub \
                 Actions, that the job has `permissions: id-token: write`",
                endpoint(&self.url),
                u16::from(status),
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>(),
            )));
        }
        let value = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|json| json.get("value")?.as_str().map(str::to_owned))
            .filter(|token| !token.is_empty());
        value.ok_or_else(|| {
            failure(format!(
                "the OIDC token endpoint {} answered without a token (expected JSON with `value`)",
                endpoint(&self.url)
            ))
        })
    }
}

/// The endpoint without its query, which may carry job details.
fn endpoint(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.to_string()
}

fn failure(message: String) -> azure_core::Error {
    azure_core::Error::with_message(ErrorKind::Credential, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audience_is_added_to_the_query_the_url_already_has() {
        let client = crate::azure::transport::build_http_client(None).unwrap();
        let cases = [
            (
                "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0",
                "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange",
            ),
            (
                "https://example.test/token",
                "https://example.test/token?audience=api%3A%2F%2FAzureADTokenExchange",
            ),
        ];
        for (given, expected) in cases {
            let assertion = RequestedAssertion::new(
                &Url::parse(given).unwrap(),
                Secret::new("t"),
                client.clone(),
            );
            assert_eq!(assertion.url.as_str(), expected);
            assert!(!format!("{assertion:?}").contains("Secret"));
        }
        assert_eq!(
            format!("{:?}", GivenAssertion(Secret::new("eyJ.secret"))),
            "GivenAssertion(<redacted>)"
        );
    }
}
