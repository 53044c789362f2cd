//! Credentials: which Entra ID identity the client acts as.
//!
//! azure_identity 1.x has no `DefaultAzureCredential` and no environment credential, so the chain
//! is built here. `Auto` picks the first *configured* source (explicit client secret, then
//! `AZURE_CLIENT_SECRET`/`ARM_CLIENT_SECRET`, then workload identity from
//! `AZURE_FEDERATED_TOKEN_FILE`); a configured source is used alone so that a wrong secret is
//! reported as such instead of silently falling through to another identity. With nothing
//! configured, the ambient sources are tried in order at token time: managed identity, then the
//! Azure CLI and the Azure Developer CLI.
//!
//! Every azure_identity credential gets the configured authority host (as a custom cloud) and our
//! HTTP client, so token requests trust the same extra CA as ARM requests.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientOptions, ExponentialRetryOptions, HttpClient, RetryOptions, Transport,
};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, AzureDeveloperCliCredential, ClientAssertion,
    ClientAssertionCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::config::{ArmClientConfig, AuthMethod};
use super::error::{AzureError, AzureResult};
use super::oidc::{GivenAssertion, RequestedAssertion};

/// How long `Auto` waits for a managed identity endpoint before moving on to developer tools.
/// Off Azure the IMDS address often swallows packets, and azure_identity retries for 72 s.
const MANAGED_IDENTITY_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where environment variables come from (injectable for tests).
pub type EnvironmentLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads a process environment variable, treating empty values as unset.
pub fn process_environment(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// Builds the credential for `config` from the process environment.
pub fn build_credential(
    config: &ArmClientConfig,
    http_client: Arc<dyn HttpClient>,
) -> AzureResult<Arc<dyn TokenCredential>> {
    build_credential_with_environment(config, http_client, &process_environment)
}

/// Builds the credential for `config`, reading variables through `environment`.
pub fn build_credential_with_environment(
    config: &ArmClientConfig,
    http_client: Arc<dyn HttpClient>,
    environment: EnvironmentLookup<'_>,
) -> AzureResult<Arc<dyn TokenCredential>> {
    let settings = Settings::resolve(config, environment);
    let factory = Factory {
        config,
        http_client,
    };
    match config.auth_method {
        AuthMethod::ClientSecret => {
            let (tenant_id, client_id, secret, _) =
                settings.client_secret().ok_or_else(|| AzureError::Auth {
                    message: settings.missing_for_client_secret(),
                })?;
            factory.client_secret(&tenant_id, &client_id, secret)
        }
        AuthMethod::WorkloadIdentity => {
            let (tenant_id, client_id, source) =
                settings
                    .workload_identity()
                    .ok_or_else(|| AzureError::Auth {
                        message: settings.missing_for_workload_identity(),
                    })?;
            factory.federated(tenant_id, client_id, source)
        }
        AuthMethod::ManagedIdentity => factory.managed_identity(settings.client_id.clone()),
        AuthMethod::AzureCli => factory.azure_cli(settings.tenant_id.clone()),
        AuthMethod::Auto => {
            if let Some((tenant_id, client_id, secret, origin)) = settings.client_secret() {
                tracing::info!("Azure credential: client secret from {origin}");
                return factory.client_secret(&tenant_id, &client_id, secret);
            }
            if let Some((tenant_id, client_id, source)) = settings.workload_identity() {
                tracing::info!("Azure credential: federated token ({})", source.name());
                return factory.federated(tenant_id, client_id, source);
            }
            if settings.secret_given_without_ids() {
                return Err(AzureError::Auth {
                    message: settings.missing_for_client_secret(),
                });
            }
            let mut sources = Vec::new();
            match factory.managed_identity(settings.client_id.clone()) {
                Ok(credential) => sources.push(ChainSource {
                    name: "managed identity",
                    credential,
                    probe_timeout: Some(MANAGED_IDENTITY_PROBE_TIMEOUT),
                }),
                Err(error) => tracing::debug!("managed identity unavailable: {error}"),
            }
            sources.push(ChainSource {
                name: "Azure CLI",
                credential: factory.azure_cli(settings.tenant_id.clone())?,
                probe_timeout: None,
            });
            match AzureDeveloperCliCredential::new(None) {
                Ok(credential) => sources.push(ChainSource {
                    name: "Azure Developer CLI",
                    credential,
                    probe_timeout: None,
                }),
                Err(error) => tracing::debug!("Azure Developer CLI unavailable: {error}"),
            }
            Ok(Arc::new(CredentialChain::new(sources)))
        }
    }
}

/// Identity settings merged from the configuration and the environment.
struct Settings {
    tenant_id: Option<String>,
    client_id: Option<String>,
    configured_secret: Option<Secret>,
    environment_secret: Option<(Secret, &'static str)>,
    federated_token_file: Option<String>,
    oidc: super::oidc::OidcSettings,
}

/// Where a federated assertion comes from, in the order they are preferred.
enum FederatedSource {
    /// `ARM_OIDC_TOKEN` (with OIDC on).
    Token(Secret),
    /// The token file (AKS workload identity, `ARM_OIDC_TOKEN_FILE_PATH`).
    File(String),
    /// A GitHub Actions-style ID token endpoint (with OIDC on).
    Request(url::Url, Secret),
}

impl FederatedSource {
    fn name(&self) -> &'static str {
        match self {
            FederatedSource::Token(_) => "OIDC token",
            FederatedSource::File(_) => "token file",
            FederatedSource::Request(..) => "OIDC token endpoint",
        }
    }
}

impl Settings {
    fn resolve(config: &ArmClientConfig, environment: EnvironmentLookup<'_>) -> Self {
        let first = |names: &[&'static str]| -> Option<String> {
            names
                .iter()
                .find_map(|name| environment(name).filter(|value| !value.trim().is_empty()))
        };
        let non_empty = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        let environment_secret = ["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"]
            .iter()
            .find_map(|name| {
                environment(name)
                    .filter(|value| !value.is_empty())
                    .map(|value| (Secret::new(value), *name))
            });
        Settings {
            tenant_id: non_empty(&config.tenant_id)
                .or_else(|| first(&["AZURE_TENANT_ID", "ARM_TENANT_ID"])),
            client_id: non_empty(&config.client_id)
                .or_else(|| first(&["AZURE_CLIENT_ID", "ARM_CLIENT_ID"])),
            configured_secret: config
                .client_secret
                .clone()
                .filter(|secret| !secret.secret().is_empty()),
            environment_secret,
            federated_token_file: non_empty(&config.federated_token_file)
                .or_else(|| first(&["AZURE_FEDERATED_TOKEN_FILE", "ARM_OIDC_TOKEN_FILE_PATH"])),
            oidc: config.oidc.clone(),
        }
    }

    /// (tenant, client, secret, where the secret came from) when all three are known.
    fn client_secret(&self) -> Option<(String, String, Secret, &'static str)> {
        let (secret, origin) = match (&self.configured_secret, &self.environment_secret) {
            (Some(secret), _) => (secret.clone(), "aksmesh:clientSecret"),
            (None, Some((secret, name))) => (secret.clone(), *name),
            (None, None) => return None,
        };
        Some((
            self.tenant_id.clone()?,
            self.client_id.clone()?,
            secret,
            origin,
        ))
    }

    /// (tenant, client, assertion source) when a federated sign-in is possible.
    fn workload_identity(&self) -> Option<(String, String, FederatedSource)> {
        Some((
            self.tenant_id.clone()?,
            self.client_id.clone()?,
            self.federated_source()?,
        ))
    }

    fn federated_source(&self) -> Option<FederatedSource> {
        let oidc = &self.oidc;
        let given = oidc
            .token
            .clone()
            .filter(|token| oidc.enabled && !token.secret().trim().is_empty());
        if let Some(token) = given {
            return Some(FederatedSource::Token(token));
        }
        if let Some(file) = &self.federated_token_file {
            return Some(FederatedSource::File(file.clone()));
        }
        match (&oidc.request_url, &oidc.request_token) {
            (Some(url), Some(token)) if oidc.enabled => {
                Some(FederatedSource::Request(url.clone(), token.clone()))
            }
            _ => None,
        }
    }

    fn secret_given_without_ids(&self) -> bool {
        (self.configured_secret.is_some() || self.environment_secret.is_some())
            && (self.tenant_id.is_none() || self.client_id.is_none())
    }

    fn missing_for_client_secret(&self) -> String {
        let mut missing = Vec::new();
        if self.tenant_id.is_none() {
            missing.push("aksmesh:tenantId or ARM_TENANT_ID");
        }
        if self.client_id.is_none() {
            missing.push("aksmesh:clientId or ARM_CLIENT_ID");
        }
        if self.configured_secret.is_none() && self.environment_secret.is_none() {
            missing.push("aksmesh:clientSecret or ARM_CLIENT_SECRET");
        }
        format!(
            "client secret authentication needs a tenant id, a client id and a secret: set {}",
            missing.join(", ")
        )
    }

    fn missing_for_workload_identity(&self) -> String {
        let mut missing = Vec::new();
        if self.tenant_id.is_none() {
            missing.push("aksmesh:tenantId or AZURE_TENANT_ID");
        }
        if self.client_id.is_none() {
            missing.push("aksmesh:clientId or AZURE_CLIENT_ID");
        }
        if self.federated_source().is_none() {
            missing.push(
                "aksmesh:federatedTokenFile or AZURE_FEDERATED_TOKEN_FILE (the projected service \
                 account token), or with aksmesh:useOidc (ARM_USE_OIDC) an OIDC token \
                 (ARM_OIDC_TOKEN) or token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL and \
                 ACTIONS_ID_TOKEN_REQUEST_TOKEN)",
            );
        }
        format!(
            "workload identity (OIDC) authentication needs a tenant id, a client id and a \
             federated token: set {}",
            missing.join(", ")
        )
    }
}

/// Creates azure_identity credentials that use our authority host and HTTP client.
struct Factory<'a> {
    config: &'a ArmClientConfig,
    http_client: Arc<dyn HttpClient>,
}

impl Factory<'_> {
    fn client_options(&self) -> ClientOptions {
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = self.config.authority_host.as_str().to_owned();
        ClientOptions {
            transport: Some(Transport::new(self.http_client.clone())),
            cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))),
            // A few quick retries: an unreachable or untrusted token endpoint should fail in
            // seconds with its cause, not after azure_core's default minute of backoff.
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: azure_core::time::Duration::milliseconds(250),
                max_retries: 3,
                max_total_elapsed: azure_core::time::Duration::seconds(20),
                max_delay: azure_core::time::Duration::seconds(4),
            }),
            ..Default::default()
        }
    }

    fn client_secret(
        &self,
        tenant_id: &str,
        client_id: &str,
        secret: Secret,
    ) -> AzureResult<Arc<dyn TokenCredential>> {
        let options = ClientSecretCredentialOptions {
            client_options: self.client_options(),
        };
        let credential =
            ClientSecretCredential::new(tenant_id, client_id.to_owned(), secret, Some(options))
                .map_err(|error| AzureError::Auth {
                    message: format!(
                        "invalid client secret settings: {error}; check aksmesh:tenantId and \
                         aksmesh:clientId (or ARM_TENANT_ID / ARM_CLIENT_ID)"
                    ),
                })?;
        Ok(credential)
    }

    fn federated(
        &self,
        tenant_id: String,
        client_id: String,
        source: FederatedSource,
    ) -> AzureResult<Arc<dyn TokenCredential>> {
        match source {
            FederatedSource::File(token_file) => {
                self.workload_identity(tenant_id, client_id, token_file)
            }
            FederatedSource::Token(token) => {
                self.assertion_credential(tenant_id, client_id, GivenAssertion(token))
            }
            FederatedSource::Request(url, token) => self.assertion_credential(
                tenant_id,
                client_id,
                RequestedAssertion::new(&url, token, self.http_client.clone()),
            ),
        }
    }

    /// Exchanges what `assertion` supplies for ARM tokens.
    fn assertion_credential<C: ClientAssertion + 'static>(
        &self,
        tenant_id: String,
        client_id: String,
        assertion: C,
    ) -> AzureResult<Arc<dyn TokenCredential>> {
        let options = ClientAssertionCredentialOptions {
            client_options: self.client_options(),
        };
        let credential =
            ClientAssertionCredential::new(tenant_id, client_id, assertion, Some(options))
                .map_err(|error| AzureError::Auth {
                    message: format!(
                    "invalid OIDC settings: {error}; check aksmesh:tenantId and aksmesh:clientId \
                     (or ARM_TENANT_ID / ARM_CLIENT_ID)"
                ),
                })?;
        Ok(credential)
    }

    fn workload_identity(
        &self,
        tenant_id: String,
        client_id: String,
        token_file: String,
    ) -> AzureResult<Arc<dyn TokenCredential>> {
        let options = WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions {
                client_options: self.client_options(),
            },
            client_id: Some(client_id),
            tenant_id: Some(tenant_id),
            token_file_path: Some(token_file.into()),
        };
        let credential =
            WorkloadIdentityCredential::new(Some(options)).map_err(|error| AzureError::Auth {
                message: format!(
                    "invalid workload identity settings: {error}; check AZURE_TENANT_ID, \
                     AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE"
                ),
            })?;
        Ok(credential)
    }

    fn managed_identity(&self, client_id: Option<String>) -> AzureResult<Arc<dyn TokenCredential>> {
        let options = ManagedIdentityCredentialOptions {
            user_assigned_id: client_id.map(UserAssignedId::ClientId),
            client_options: self.client_options(),
        };
        let credential =
            ManagedIdentityCredential::new(Some(options)).map_err(|error| AzureError::Auth {
                message: format!(
                    "managed identity is not available here: {error}; choose another \
                     aksmesh:authentication"
                ),
            })?;
        Ok(credential)
    }

    fn azure_cli(&self, tenant_id: Option<String>) -> AzureResult<Arc<dyn TokenCredential>> {
        let options = AzureCliCredentialOptions {
            tenant_id,
            ..Default::default()
        };
        let credential =
            AzureCliCredential::new(Some(options)).map_err(|error| AzureError::Auth {
                message: format!("the Azure CLI credential cannot be used: {error}"),
            })?;
        Ok(credential)
    }
}

/// One candidate of the ambient chain.
pub struct ChainSource {
    /// Shown in errors and logs.
    pub name: &'static str,
    /// The credential.
    pub credential: Arc<dyn TokenCredential>,
    /// Until a source has worked, give up on this one after this long.
    pub probe_timeout: Option<Duration>,
}

/// Tries sources in order until one returns a token, then sticks to that one.
pub struct CredentialChain {
    sources: Vec<ChainSource>,
    selected: AtomicUsize,
}

const NONE_SELECTED: usize = usize::MAX;

impl CredentialChain {
    /// A chain over `sources`, tried in order.
    pub fn new(sources: Vec<ChainSource>) -> Self {
        CredentialChain {
            sources,
            selected: AtomicUsize::new(NONE_SELECTED),
        }
    }
}

impl fmt::Debug for CredentialChain {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CredentialChain")
            .field(
                "sources",
                &self.sources.iter().map(|s| s.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for CredentialChain {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let selected = self.selected.load(Ordering::Acquire);
        if let Some(source) = self.sources.get(selected) {
            return source.credential.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for (index, source) in self.sources.iter().enumerate() {
            let attempt = source.credential.get_token(scopes, options.clone());
            let outcome = match source.probe_timeout {
                Some(limit) => match tokio::time::timeout(limit, attempt).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        failures.push(format!(
                            "{}: no answer within {}s",
                            source.name,
                            limit.as_secs()
                        ));
                        continue;
                    }
                },
                None => attempt.await,
            };
            match outcome {
                Ok(token) => {
                    tracing::info!("Azure credential: {}", source.name);
                    self.selected.store(index, Ordering::Release);
                    return Ok(token);
                }
                Err(error) => failures.push(format!("{}: {}", source.name, first_line(&error))),
            }
        }
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "no Azure credential is available. Set aksmesh:clientId, aksmesh:clientSecret and \
                 aksmesh:tenantId (or ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID), use \
                 workload identity (AZURE_FEDERATED_TOKEN_FILE) or a managed identity, or run \
                 `az login`. Tried: {}",
                failures.join("; ")
            ),
        ))
    }
}

fn first_line(error: &azure_core::Error) -> String {
    let text = error.to_string();
    text.lines().next().unwrap_or_default().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::transport::build_http_client;
    use std::collections::HashMap;
    use std::sync::atomic::AtomicU32;

    #[derive(Debug)]
    struct FakeCredential {
        answer: Result<&'static str, &'static str>,
        delay: Duration,
        calls: AtomicU32,
    }

    impl FakeCredential {
        fn new(answer: Result<&'static str, &'static str>) -> Arc<Self> {
            Arc::new(FakeCredential {
                answer,
                delay: Duration::ZERO,
                calls: AtomicU32::new(0),
            })
        }
    }

    #[async_trait::async_trait]
    impl TokenCredential for FakeCredential {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            match self.answer {
                Ok(token) => Ok(AccessToken::new(
                    token,
                    time::OffsetDateTime::now_utc() + time::Duration::hours(1),
                )),
                Err(message) => Err(azure_core::Error::with_message(
                    ErrorKind::Credential,
                    message,
                )),
            }
        }
    }

    #[tokio::test]
    async fn chain_tries_in_order_and_sticks() {
        let slow = Arc::new(FakeCredential {
            answer: Ok("never"),
            delay: Duration::from_secs(30),
            calls: AtomicU32::new(0),
        });
        let failing = FakeCredential::new(Err("not logged in"));
        let working = FakeCredential::new(Ok("token-3"));
        let chain = CredentialChain::new(vec![
            ChainSource {
                name: "managed identity",
                credential: slow.clone(),
                probe_timeout: Some(Duration::from_millis(20)),
            },
            ChainSource {
                name: "Azure CLI",
                credential: failing.clone(),
                probe_timeout: None,
            },
            ChainSource {
                name: "Azure Developer CLI",
                credential: working.clone(),
                probe_timeout: None,
            },
        ]);
        let token = chain.get_token(&["scope"], None).await.unwrap();
        assert_eq!(token.token.secret(), "token-3");
        chain.get_token(&["scope"], None).await.unwrap();
        assert_eq!(slow.calls.load(Ordering::SeqCst), 1);
        assert_eq!(failing.calls.load(Ordering::SeqCst), 1);
        assert_eq!(working.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn chain_error_lists_sources_and_advice() {
        let chain = CredentialChain::new(vec![ChainSource {
            name: "Azure CLI",
            credential: FakeCredential::new(Err("az not found")),
            probe_timeout: None,
        }]);
        let error = chain.get_token(&["scope"], None).await.unwrap_err();
        let text = error.to_string();
        assert!(text.contains("Azure CLI: az not found"), "{text}");
        assert!(text.contains("ARM_CLIENT_SECRET"), "{text}");
    }

    fn environment(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn build(
        config: &ArmClientConfig,
        variables: &HashMap<String, String>,
    ) -> AzureResult<Arc<dyn TokenCredential>> {
        let lookup = |name: &str| variables.get(name).cloned();
        build_credential_with_environment(config, build_http_client(None).unwrap(), &lookup)
    }

    fn debug_of(result: AzureResult<Arc<dyn TokenCredential>>) -> String {
        match result {
            Ok(credential) => format!("{credential:?}"),
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn auto_prefers_configured_secret_then_environment() {
        let config = ArmClientConfig::new("sub").with_client_secret(
            "00000000-0000-0000-0000-000000000001",
            "client",
            Secret::new("s3cret"),
        );
        let printed = debug_of(build(&config, &environment(&[])));
        assert!(printed.contains("ClientSecretCredential"), "{printed}");
        assert!(!printed.contains("s3cret"), "{printed}");

        let variables = environment(&[
            ("ARM_TENANT_ID", "00000000-0000-0000-0000-000000000001"),
            ("ARM_CLIENT_ID", "client"),
            ("ARM_CLIENT_SECRET", "from-env"),
        ]);
        let printed = debug_of(build(&ArmClientConfig::new("sub"), &variables));
        assert!(printed.contains("ClientSecretCredential"), "{printed}");

        let token_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(token_file.path(), "service-account-token").unwrap();
        let token_path = token_file.path().to_string_lossy().into_owned();
        let variables = environment(&[
            ("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000001"),
            ("AZURE_CLIENT_ID", "client"),
            ("AZURE_FEDERATED_TOKEN_FILE", &token_path),
        ]);
        let printed = debug_of(build(&ArmClientConfig::new("sub"), &variables));
        assert!(printed.contains("WorkloadIdentityCredential"), "{printed}");

        // A missing token file is reported with the variable to fix.
        let variables = environment(&[
            ("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000001"),
            ("AZURE_CLIENT_ID", "client"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/aksmesh/token"),
        ]);
        let printed = debug_of(build(&ArmClientConfig::new("sub"), &variables));
        assert!(printed.contains("AZURE_FEDERATED_TOKEN_FILE"), "{printed}");

        // Nothing configured: the ambient chain (built lazily, nothing is contacted here).
        let printed = debug_of(build(&ArmClientConfig::new("sub"), &environment(&[])));
        assert!(printed.contains("CredentialChain"), "{printed}");
        assert!(printed.contains("Azure CLI"), "{printed}");
    }

    #[test]
    fn errors_say_what_to_set() {
        let config = ArmClientConfig::new("sub").with_auth_method(AuthMethod::ClientSecret);
        let printed = debug_of(build(&config, &environment(&[("ARM_CLIENT_ID", "c")])));
        assert!(
            printed.contains("aksmesh:clientSecret or ARM_CLIENT_SECRET"),
            "{printed}"
        );
        assert!(printed.contains("ARM_TENANT_ID"), "{printed}");
        assert!(!printed.contains("aksmesh:clientId"), "{printed}");

        let config = ArmClientConfig::new("sub").with_auth_method(AuthMethod::WorkloadIdentity);
        let printed = debug_of(build(&config, &environment(&[])));
        assert!(printed.contains("AZURE_FEDERATED_TOKEN_FILE"), "{printed}");

        // A secret without ids in Auto mode is a mistake worth reporting, not skipping.
        let printed = debug_of(build(
            &ArmClientConfig::new("sub"),
            &environment(&[("ARM_CLIENT_SECRET", "x")]),
        ));
        assert!(printed.contains("ARM_TENANT_ID"), "{printed}");
        assert!(!printed.contains("\"x\""), "{printed}");
    }

    #[test]
    fn forced_methods() {
        let config = ArmClientConfig::new("sub").with_auth_method(AuthMethod::AzureCli);
        let printed = debug_of(build(&config, &environment(&[])));
        assert!(printed.contains("AzureCliCredential"), "{printed}");
    }
}
