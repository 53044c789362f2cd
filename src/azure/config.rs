//! Configuration of the ARM client: where ARM and Entra ID live, who we are, how we authenticate.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use azure_core::credentials::Secret;
use url::Url;

use super::error::{AzureError, AzureResult};
use super::pacing::PacingPolicy;
use super::retry::RetryPolicy;

/// ARM endpoint of the Azure public cloud.
pub const PUBLIC_CLOUD_ARM_ENDPOINT: &str = "https://management.azure.com/";
/// Entra ID authority of the Azure public cloud.
pub const PUBLIC_CLOUD_AUTHORITY_HOST: &str = "https://login.microsoftonline.com/";
/// Default interval between two polls of a long-running operation when Azure gives no `Retry-After`.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Polls are never closer together than this, whatever the server or the configuration says.
pub const MINIMUM_POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Which credential the client uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Configured client secret, then `AZURE_CLIENT_SECRET`/`ARM_CLIENT_SECRET`, then workload
    /// identity, then managed identity, then the Azure CLI / Azure Developer CLI.
    #[default]
    Auto,
    /// Only the Azure CLI (`az login`).
    AzureCli,
    /// Only a service principal with a client secret.
    ClientSecret,
    /// Only the managed identity of the host (system-assigned, or user-assigned by client id).
    ManagedIdentity,
    /// Only workload identity federation (`AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
}

impl AuthMethod {
    /// Parses the user-facing spelling (`auto`, `azurecli`/`cli`, `clientsecret`, `managedidentity`/`msi`,
    /// `workloadidentity`/`oidc`), ignoring case, dashes and underscores.
    pub fn parse(text: &str) -> Option<Self> {
        let normalized: String = text
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match normalized.as_str() {
            "" | "auto" | "default" => AuthMethod::Auto,
            "azurecli" | "cli" | "az" => AuthMethod::AzureCli,
            "clientsecret" | "serviceprincipal" | "secret" => AuthMethod::ClientSecret,
            "managedidentity" | "msi" => AuthMethod::ManagedIdentity,
            "workloadidentity" | "oidc" | "federated" => AuthMethod::WorkloadIdentity,
            _ => return None,
        })
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            AuthMethod::Auto => "auto",
            AuthMethod::AzureCli => "azureCli",
            AuthMethod::ClientSecret => "clientSecret",
            AuthMethod::ManagedIdentity => "managedIdentity",
            AuthMethod::WorkloadIdentity => "workloadIdentity",
        })
    }
}

/// Settings of an [`ArmClient`](super::ArmClient).
///
/// `Debug` never prints the client secret.
#[derive(Clone)]
pub struct ArmClientConfig {
    /// Base URL of Azure Resource Manager, e.g. `https://management.azure.com/`.
    pub arm_endpoint: Url,
    /// Entra ID authority, e.g. `https://login.microsoftonline.com/`.
    pub authority_host: Url,
    /// OAuth scope requested for ARM tokens, e.g. `https://management.azure.com/.default`.
    pub token_scope: String,
    /// Subscription the resources live in.
    pub subscription_id: String,
    /// Entra tenant (directory) id.
    pub tenant_id: Option<String>,
    /// Client (application) id of a service principal or user-assigned identity.
    pub client_id: Option<String>,
    /// Client secret of the service principal.
    pub client_secret: Option<Secret>,
    /// Which credential to use.
    pub auth_method: AuthMethod,
    /// Workload identity's federated token file (else `AZURE_FEDERATED_TOKEN_FILE`).
    pub federated_token_file: Option<String>,
    /// Sign-in with a CI system's OIDC token (besides the token file).
    pub oidc: super::oidc::OidcSettings,
    /// Extra CA certificate(s), PEM text, trusted in addition to the system roots.
    pub extra_ca_certificate_pem: Option<String>,
    /// Poll interval for long-running operations when Azure sends no `Retry-After`.
    pub default_poll_interval: Duration,
    /// The application id azure_core puts first in the `User-Agent` (an RFC 9110 token of at most
    /// 24 characters); azure_core adds `azsdk-rust-aksmesh/{version}` after it.
    pub application_id: String,
    /// Backoff settings for retried requests.
    pub retry: RetryPolicy,
    /// Deadline of plain reads (GET, list) including their retries.
    pub read_timeout: Duration,
    /// How the client paces itself under ARM's subscription throttling.
    pub pacing: PacingPolicy,
    /// A file that gets one JSON line per 429 answer (`{"event":"throttled","kind":"writes",…}`),
    /// for benchmarks that cannot ask the client in-process.
    pub throttle_log: Option<PathBuf>,
}

impl ArmClientConfig {
    /// Settings for the Azure public cloud.
    pub fn new(subscription_id: impl Into<String>) -> Self {
        let arm_endpoint = Url::parse(PUBLIC_CLOUD_ARM_ENDPOINT).expect("constant URL is valid");
        ArmClientConfig {
            token_scope: token_scope_for_endpoint(&arm_endpoint),
            authority_host: authority_host_for_endpoint(&arm_endpoint),
            arm_endpoint,
            subscription_id: subscription_id.into(),
            tenant_id: None,
            client_id: None,
            client_secret: None,
            auth_method: AuthMethod::Auto,
            federated_token_file: None,
            oidc: Default::default(),
            extra_ca_certificate_pem: None,
            default_poll_interval: DEFAULT_POLL_INTERVAL,
            application_id: "pulumi-aksmesh".into(),
            retry: RetryPolicy::default(),
            read_timeout: Duration::from_secs(5 * 60),
            pacing: PacingPolicy::default(),
            throttle_log: None,
        }
    }

    /// Points the client at another ARM endpoint and derives the token scope and the authority
    /// host of that endpoint's cloud (override them afterwards for a custom cloud).
    pub fn with_arm_endpoint(mut self, arm_endpoint: Url) -> Self {
        self.token_scope = token_scope_for_endpoint(&arm_endpoint);
        self.authority_host = authority_host_for_endpoint(&arm_endpoint);
        self.arm_endpoint = arm_endpoint;
        self
    }

    /// Sets the Entra ID authority host.
    pub fn with_authority_host(mut self, authority_host: Url) -> Self {
        self.authority_host = authority_host;
        self
    }

    /// Sets the token scope explicitly.
    pub fn with_token_scope(mut self, token_scope: impl Into<String>) -> Self {
        self.token_scope = token_scope.into();
        self
    }

    /// Sets a service principal with a client secret.
    pub fn with_client_secret(
        mut self,
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret);
        self
    }

    /// Sets the authentication method.
    pub fn with_auth_method(mut self, auth_method: AuthMethod) -> Self {
        self.auth_method = auth_method;
        self
    }

    /// Trusts extra CA certificate(s) given as PEM text.
    pub fn with_extra_ca_certificate_pem(mut self, pem: impl Into<String>) -> Self {
        self.extra_ca_certificate_pem = Some(pem.into());
        self
    }

    /// Sets the default poll interval of long-running operations.
    pub fn with_default_poll_interval(mut self, interval: Duration) -> Self {
        self.default_poll_interval = interval;
        self
    }

    /// Checks what can be checked without the network.
    pub fn validate(&self) -> AzureResult<()> {
        if self.arm_endpoint.scheme() != "https" {
            return Err(AzureError::config(format!(
                "the ARM endpoint must use https (got {}); bearer tokens are never sent over \
                 plain http",
                self.arm_endpoint
            )));
        }
        if self.arm_endpoint.host_str().is_none() {
            return Err(AzureError::config(format!(
                "the ARM endpoint {} has no host",
                self.arm_endpoint
            )));
        }
        if self.authority_host.scheme() != "https" {
            return Err(AzureError::config(format!(
                "the authority host must use https (got {})",
                self.authority_host
            )));
        }
        if self.token_scope.trim().is_empty() {
            return Err(AzureError::config("the token scope is empty"));
        }
        if self.subscription_id.trim().is_empty() {
            return Err(AzureError::config(
                "no subscription id: set aksmesh:subscriptionId or ARM_SUBSCRIPTION_ID",
            ));
        }
        if self
            .subscription_id
            .chars()
            .any(|c| matches!(c, '/' | '?' | '#') || c.is_whitespace())
        {
            return Err(AzureError::config(format!(
                "the subscription id {:?} is not a valid id",
                self.subscription_id
            )));
        }
        Ok(())
    }

    /// The poll interval actually used (never below [`MINIMUM_POLL_INTERVAL`]).
    pub fn effective_poll_interval(&self) -> Duration {
        self.default_poll_interval.max(MINIMUM_POLL_INTERVAL)
    }
}

impl fmt::Debug for ArmClientConfig {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ArmClientConfig")
            .field("arm_endpoint", &self.arm_endpoint.as_str())
            .field("authority_host", &self.authority_host.as_str())
            .field("token_scope", &self.token_scope)
            .field("subscription_id", &self.subscription_id)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("auth_method", &self.auth_method)
            .field("oidc", &self.oidc)
            .field(
                "extra_ca_certificate_pem",
                &self
                    .extra_ca_certificate_pem
                    .as_ref()
                    .map(|pem| format!("<{} bytes of PEM>", pem.len())),
            )
            .field("default_poll_interval", &self.default_poll_interval)
            .field("application_id", &self.application_id)
            .field("retry", &self.retry)
            .field("read_timeout", &self.read_timeout)
            .field("pacing", &self.pacing)
            .field("throttle_log", &self.throttle_log)
            .finish()
    }
}

/// Well-known clouds: (ARM host, token scope, authority host).
const KNOWN_CLOUDS: &[(&str, &str, &str)] = &[
    (
        "management.azure.com",
        "https://management.azure.com/.default",
        "https://login.microsoftonline.com/",
    ),
    (
        "management.usgovcloudapi.net",
        "https://management.usgovcloudapi.net/.default",
        "https://login.microsoftonline.us/",
    ),
    (
        "management.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
        "https://login.chinacloudapi.cn/",
    ),
];

fn known_cloud(endpoint: &Url) -> Option<&'static (&'static str, &'static str, &'static str)> {
    let host = endpoint
        .host_str()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    KNOWN_CLOUDS
        .iter()
        .find(|(arm_host, _, _)| *arm_host == host)
}

/// Token scope for an ARM endpoint: the well-known scope of a known cloud, else `{endpoint}/.default`.
pub fn token_scope_for_endpoint(arm_endpoint: &Url) -> String {
    match known_cloud(arm_endpoint) {
        Some((_, scope, _)) => (*scope).to_owned(),
        None => format!("{}/.default", arm_endpoint.as_str().trim_end_matches('/')),
    }
}

/// Entra authority of a known cloud; the public cloud's for anything else.
pub fn authority_host_for_endpoint(arm_endpoint: &Url) -> Url {
    let authority = match known_cloud(arm_endpoint) {
        Some((_, _, authority)) => *authority,
        None => PUBLIC_CLOUD_AUTHORITY_HOST,
    };
    Url::parse(authority).expect("constant URL is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn token_scope_follows_the_cloud() {
        assert_eq!(
            token_scope_for_endpoint(&url("https://management.azure.com/")),
            "https://management.azure.com/.default"
        );
        assert_eq!(
            token_scope_for_endpoint(&url("https://Management.USGovCloudApi.net")),
            "https://management.usgovcloudapi.net/.default"
        );
        assert_eq!(
            token_scope_for_endpoint(&url("https://management.chinacloudapi.cn/")),
            "https://management.chinacloudapi.cn/.default"
        );
        assert_eq!(
            token_scope_for_endpoint(&url("https://127.0.0.1:8443/")),
            "https://127.0.0.1:8443/.default"
        );
        assert_eq!(
            token_scope_for_endpoint(&url("https://arm.example.test/base/")),
            "https://arm.example.test/base/.default"
        );
    }

    #[test]
    fn endpoint_change_derives_scope_and_authority() {
        let config = ArmClientConfig::new("sub")
            .with_arm_endpoint(url("https://management.usgovcloudapi.net/"));
        assert_eq!(
            config.token_scope,
            "https://management.usgovcloudapi.net/.default"
        );
        assert_eq!(
            config.authority_host.as_str(),
            "https://login.microsoftonline.us/"
        );
        let config = ArmClientConfig::new("sub")
            .with_arm_endpoint(url("https://localhost:9443/"))
            .with_authority_host(url("https://localhost:9443/"));
        assert_eq!(config.token_scope, "https://localhost:9443/.default");
        assert_eq!(config.authority_host.as_str(), "https://localhost:9443/");
    }

    #[test]
    fn debug_redacts_the_secret() {
        let config = ArmClientConfig::new("sub").with_client_secret(
            "tenant",
            "client",
            Secret::new("super-secret-value"),
        );
        let printed = format!("{config:?}");
        assert!(!printed.contains("super-secret-value"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
        assert!(printed.contains("client"), "{printed}");
    }

    #[test]
    fn validation_rejects_plain_http() {
        let config = ArmClientConfig::new("sub").with_arm_endpoint(url("http://localhost:1/"));
        assert!(matches!(config.validate(), Err(AzureError::Config { .. })));
        assert!(ArmClientConfig::new("").validate().is_err());
        assert!(ArmClientConfig::new("a/b").validate().is_err());
        assert!(ArmClientConfig::new("00000000-0000-0000-0000-000000000000")
            .validate()
            .is_ok());
    }

    #[test]
    fn auth_method_spellings() {
        assert_eq!(AuthMethod::parse("azure-cli"), Some(AuthMethod::AzureCli));
        assert_eq!(
            AuthMethod::parse("ClientSecret"),
            Some(AuthMethod::ClientSecret)
        );
        assert_eq!(AuthMethod::parse("MSI"), Some(AuthMethod::ManagedIdentity));
        assert_eq!(
            AuthMethod::parse("workload_identity"),
            Some(AuthMethod::WorkloadIdentity)
        );
        assert_eq!(AuthMethod::parse(""), Some(AuthMethod::Auto));
        assert_eq!(AuthMethod::parse("password"), None);
    }
}
