//! Provider configuration: the `aksmesh:*` config keys, with the `ARM_*` / `AZURE_*` environment
//! variables as fallbacks (as pulumi-azure-native and terraform read them).

use std::collections::BTreeMap;

use crate::property::Value;
use crate::resource::CheckFailure;

pub use crate::azure::AuthMethod;

const AUTHENTICATION_METHODS: &str =
    "auto, azureCli, clientSecret, managedIdentity, workloadIdentity";

/// Known clouds and their endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    #[default]
    Public,
    UsGovernment,
    China,
}

impl Cloud {
    /// The audience ARM tokens are issued for; it stays the cloud's when the endpoint is overridden
    /// (a private ARM endpoint or the azsim simulator still expects the cloud's audience).
    fn token_scope(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com/.default",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net/.default",
            Cloud::China => "https://management.chinacloudapi.cn/.default",
        }
    }

    /// The cloud's Resource Manager endpoint; the ARM client derives the authority host from it.
    fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com/",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net/",
            Cloud::China => "https://management.chinacloudapi.cn/",
        }
    }
}

/// The provider's settings after config and environment were merged.
#[derive(Clone, PartialEq)]
pub struct ProviderConfig {
    pub subscription_id: String,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub authentication: AuthMethod,
    pub cloud: Cloud,
    pub arm_endpoint: String,
    /// Overrides the authority host derived from the endpoint's cloud.
    pub authority_host: Option<String>,
    /// PEM text of an extra CA to trust (sovereign clouds behind proxies, the azsim simulator).
    pub trusted_ca_certificate: Option<String>,
    pub location: Option<String>,
    /// Workload identity's federated token file (`federatedTokenFile`, else `oidcTokenFilePath`).
    pub federated_token_file: Option<String>,
    /// `useOidc`: sign in with the OIDC token or token endpoint below.
    pub use_oidc: bool,
    pub oidc_token: Option<String>,
    pub oidc_request_token: Option<String>,
    pub oidc_request_url: Option<String>,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("subscription_id", &self.subscription_id)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[secret]"),
            )
            .field("authentication", &self.authentication)
            .field("arm_endpoint", &self.arm_endpoint)
            .field("authority_host", &self.authority_host)
            .finish_non_exhaustive()
    }
}

/// One config key: its name, environment fallbacks and description (also used for missing-key errors).
pub struct ConfigKey {
    pub name: &'static str,
    pub environment: &'static [&'static str],
    pub description: &'static str,
    /// Kept encrypted in state and never printed.
    pub secret: bool,
}

pub const KEYS: &[ConfigKey] = &[
    ConfigKey { name: "subscriptionId", environment: &["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"], description: "The Azure subscription to deploy into.", secret: false },
    ConfigKey { name: "tenantId", environment: &["ARM_TENANT_ID", "AZURE_TENANT_ID"], description: "The Microsoft Entra tenant of the credentials.", secret: false },
    ConfigKey { name: "clientId", environment: &["ARM_CLIENT_ID", "AZURE_CLIENT_ID"], description: "The client (application) id of a service principal or user-assigned identity.", secret: false },
    ConfigKey { name: "clientSecret", environment: &["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"], description: "The service principal's client secret.", secret: true },
    ConfigKey { name: "authentication", environment: &["AKSMESH_AUTHENTICATION"], description: "How to authenticate: auto, azureCli, clientSecret, managedIdentity or workloadIdentity.", secret: false },
    ConfigKey { name: "federatedTokenFile", environment: &["AZURE_FEDERATED_TOKEN_FILE"], description: "Workload identity: the path of the federated (service account) token file that AKS projects into the pod.", secret: false },
    ConfigKey { name: "useOidc", environment: &["ARM_USE_OIDC"], description: "Sign in with an OIDC token from a CI system (Pulumi ESC, Pulumi Deployments, GitHub Actions): oidcToken, oidcTokenFilePath or the oidcRequestUrl/oidcRequestToken pair. The same key as azure-native's.", secret: false },
    ConfigKey { name: "oidcToken", environment: &["ARM_OIDC_TOKEN"], description: "With useOidc: the OIDC token itself, exchanged with Microsoft Entra for an ARM token.", secret: true },
    ConfigKey { name: "oidcTokenFilePath", environment: &["ARM_OIDC_TOKEN_FILE_PATH"], description: "The path of a file holding the OIDC token (read afresh at each sign-in, so it may be rotated).", secret: false },
    ConfigKey { name: "oidcRequestToken", environment: &["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"], description: "With useOidc: the bearer token of a GitHub Actions-style ID token endpoint (a job with `permissions: id-token: write` has it).", secret: true },
    ConfigKey { name: "oidcRequestUrl", environment: &["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"], description: "With useOidc: the GitHub Actions-style ID token endpoint, asked for a token whose audience is api://AzureADTokenExchange.", secret: false },
    ConfigKey { name: "cloud", environment: &["ARM_ENVIRONMENT", "AZURE_CLOUD"], description: "The Azure cloud: public, usGovernment or china.", secret: false },
    ConfigKey { name: "environment", environment: &[], description: "azure-native's name for cloud: public, usgovernment or china (cloud wins when both are set).", secret: false },
    ConfigKey { name: "useMsi", environment: &["ARM_USE_MSI"], description: "Sign in with the host's managed identity (azure-native's key); the same as authentication managedIdentity when authentication is auto.", secret: false },
    ConfigKey { name: "armEndpoint", environment: &["ARM_ENDPOINT", "AZURE_RESOURCE_MANAGER_ENDPOINT"], description: "The Azure Resource Manager endpoint; overrides the cloud's.", secret: false },
    ConfigKey { name: "authorityHost", environment: &["AZURE_AUTHORITY_HOST"], description: "The Microsoft Entra authority host; overrides the cloud's.", secret: false },
    ConfigKey { name: "trustedCaCertificate", environment: &["AKSMESH_TRUSTED_CA_CERTIFICATE"], description: "An extra CA certificate to trust, as PEM text or a path to a PEM file.", secret: false },
    ConfigKey { name: "location", environment: &["ARM_LOCATION", "AZURE_LOCATION"], description: "The default Azure region for resources that do not name one.", secret: false },
];

/// What parsing the configuration found.
pub enum ConfigOutcome {
    Ready(Box<ProviderConfig>),
    /// Required keys are missing: the engine tells the user which `pulumi config set` to run.
    Missing(Vec<&'static ConfigKey>),
    Invalid(Vec<CheckFailure>),
}

/// Reads config values, from the engine's args (plain or JSON-encoded strings) and the environment.
pub fn parse(args: &Value, environment: &dyn Fn(&str) -> Option<String>) -> ConfigOutcome {
    let values = collect_values(args, environment);
    let mut failures = Vec::new();
    let mut authentication = authentication(&values, &mut failures);
    if flag(&values, "useMsi", &mut failures) && authentication == AuthMethod::Auto {
        authentication = AuthMethod::ManagedIdentity;
    }
    let cloud = cloud(&values, &mut failures);
    let arm_endpoint = values
        .get("armEndpoint")
        .cloned()
        .unwrap_or_else(|| cloud.arm_endpoint().to_string());
    let authority_host = values.get("authorityHost").map(|host| {
        if host.ends_with('/') {
            host.clone()
        } else {
            format!("{host}/")
        }
    });
    check_urls(&arm_endpoint, authority_host.as_deref(), &mut failures);
    let trusted_ca_certificate = trusted_ca_certificate(&values, &mut failures);
    if authentication == AuthMethod::ClientSecret {
        check_client_secret_keys(&values, &mut failures);
    }
    let use_oidc = flag(&values, "useOidc", &mut failures);
    if use_oidc
        && matches!(
            authentication,
            AuthMethod::Auto | AuthMethod::WorkloadIdentity
        )
    {
        check_oidc_keys(&values, &mut failures);
    }
    check_subscription_id(&values, &mut failures);
    if !failures.is_empty() {
        return ConfigOutcome::Invalid(failures);
    }
    let Some(subscription_id) = values.get("subscriptionId").cloned() else {
        return ConfigOutcome::Missing(
            KEYS.iter().filter(|k| k.name == "subscriptionId").collect(),
        );
    };
    ConfigOutcome::Ready(Box::new(ProviderConfig {
        subscription_id,
        tenant_id: values.get("tenantId").cloned(),
        client_id: values.get("clientId").cloned(),
        client_secret: values.get("clientSecret").cloned(),
        authentication,
        cloud,
        arm_endpoint,
        authority_host,
        trusted_ca_certificate,
        location: values.get("location").cloned(),
        federated_token_file: values
            .get("federatedTokenFile")
            .or_else(|| values.get("oidcTokenFilePath"))
            .cloned(),
        use_oidc,
        oidc_token: values.get("oidcToken").cloned(),
        oidc_request_token: values.get("oidcRequestToken").cloned(),
        oidc_request_url: values.get("oidcRequestUrl").cloned(),
    }))
}

/// Every key that has a value: the config's (a non-empty string or a bool), else the first
/// non-empty environment variable.
fn collect_values(
    args: &Value,
    environment: &dyn Fn(&str) -> Option<String>,
) -> BTreeMap<&'static str, String> {
    let (plain, _) = args.to_plain();
    let mut values: BTreeMap<&'static str, String> = BTreeMap::new();
    for key in KEYS {
        let from_config = match plain.get(key.name) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        let value = from_config.or_else(|| {
            key.environment
                .iter()
                .find_map(|name| environment(name).filter(|v| !v.is_empty()))
        });
        if let Some(value) = value {
            values.insert(key.name, value);
        }
    }
    // azure-native's name for the cloud is the program's own setting, over the environment's.
    if plain.get("cloud").is_none() {
        if let Some(serde_json::Value::String(cloud)) = plain.get("environment") {
            if !cloud.is_empty() {
                values.insert("cloud", cloud.clone());
            }
        }
    }
    values
}

fn authentication(
    values: &BTreeMap<&'static str, String>,
    failures: &mut Vec<CheckFailure>,
) -> AuthMethod {
    match values.get("authentication") {
        None => AuthMethod::Auto,
        Some(text) => AuthMethod::parse(text).unwrap_or_else(|| {
            failures.push(CheckFailure::new(
                "authentication",
                format!(
                    "unknown authentication method '{text}'; use one of {AUTHENTICATION_METHODS}"
                ),
            ));
            AuthMethod::Auto
        }),
    }
}

/// The cloud, by its aksmesh name or the Azure CLI's (`AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`),
/// case-insensitively.
fn cloud(values: &BTreeMap<&'static str, String>, failures: &mut Vec<CheckFailure>) -> Cloud {
    match values.get("cloud").map(|c| c.to_ascii_lowercase()) {
        None => Cloud::Public,
        Some(c) if c == "public" || c == "azurecloud" => Cloud::Public,
        Some(c) if c == "usgovernment" || c == "azureusgovernment" || c == "usgovernmentcloud" => {
            Cloud::UsGovernment
        }
        Some(c) if c == "china" || c == "azurechinacloud" => Cloud::China,
        Some(other) => {
            failures.push(CheckFailure::new(
                "cloud",
                format!("unknown cloud '{other}'; use public, usGovernment or china, or set armEndpoint and authorityHost"),
            ));
            Cloud::Public
        }
    }
}

/// Both endpoints must be https URLs: credentials travel to them.
fn check_urls(arm_endpoint: &str, authority_host: Option<&str>, failures: &mut Vec<CheckFailure>) {
    for (key, url) in [
        ("armEndpoint", Some(arm_endpoint)),
        ("authorityHost", authority_host),
    ] {
        let Some(url) = url else { continue };
        match url::Url::parse(url) {
            Ok(parsed) if parsed.scheme() == "https" => {}
            Ok(_) => failures.push(CheckFailure::new(
                key,
                format!("'{url}' must use https: Azure credentials are never sent over plain http"),
            )),
            Err(e) => failures.push(CheckFailure::new(
                key,
                format!("'{url}' is not a valid URL ({e})"),
            )),
        }
    }
}

/// The extra CA as PEM text: given inline, or read from the path given.
fn trusted_ca_certificate(
    values: &BTreeMap<&'static str, String>,
    failures: &mut Vec<CheckFailure>,
) -> Option<String> {
    match values.get("trustedCaCertificate") {
        None => None,
        Some(text) if text.trim_start().starts_with("-----BEGIN") => Some(text.clone()),
        Some(path) => {
            match std::fs::read_to_string(path) {
                Ok(pem) if pem.contains("-----BEGIN CERTIFICATE-----") => Some(pem),
                Ok(_) => {
                    failures.push(CheckFailure::new(
                    "trustedCaCertificate",
                    format!("{path} holds no PEM certificate; give PEM text or the path of a PEM file"),
                ));
                    None
                }
                Err(e) => {
                    failures.push(CheckFailure::new(
                    "trustedCaCertificate",
                    format!("cannot read {path} ({e}); give PEM text or the path of a readable PEM file"),
                ));
                    None
                }
            }
        }
    }
}

fn check_client_secret_keys(
    values: &BTreeMap<&'static str, String>,
    failures: &mut Vec<CheckFailure>,
) {
    for key in ["tenantId", "clientId", "clientSecret"] {
        if !values.contains_key(key) {
            failures.push(CheckFailure::new(
                key,
                format!("authentication is clientSecret, so {key} is required: run `pulumi config set aksmesh:{key} ...`{}",
                    if key == "clientSecret" { " --secret" } else { "" }),
            ));
        }
    }
}

/// A switch such as `useOidc` or `useMsi`, as azure-native reads it: `true` or `false`.
fn flag(
    values: &BTreeMap<&'static str, String>,
    key: &'static str,
    failures: &mut Vec<CheckFailure>,
) -> bool {
    match values.get(key).map(|text| text.trim().to_ascii_lowercase()) {
        None => false,
        Some(text) if text == "true" || text == "1" => true,
        Some(text) if text == "false" || text == "0" => false,
        Some(text) => {
            let variable = KEYS
                .iter()
                .find(|k| k.name == key)
                .and_then(|k| k.environment.first())
                .map(|name| format!(" (or {name})"))
                .unwrap_or_default();
            failures.push(CheckFailure::new(
                key,
                format!(
                    "'{text}' is not true or false; set aksmesh:{key}{variable} to true or false"
                ),
            ));
            false
        }
    }
}

/// With `useOidc`, sign-in needs the identity and one source of the token, offline-checkable.
fn check_oidc_keys(values: &BTreeMap<&'static str, String>, failures: &mut Vec<CheckFailure>) {
    for (key, variable) in [("tenantId", "ARM_TENANT_ID"), ("clientId", "ARM_CLIENT_ID")] {
        if !values.contains_key(key) {
            failures.push(CheckFailure::new(
                key,
                format!("useOidc signs in as an app registration or managed identity with a federated credential, so {key} is required: run `pulumi config set aksmesh:{key} ...` or set {variable}"),
            ));
        }
    }
    let request = (values.get("oidcRequestUrl"), values.get("oidcRequestToken"));
    match request {
        (Some(_), None) => failures.push(CheckFailure::new(
            "oidcRequestToken",
            "oidcRequestUrl is set but not the token it requires: set aksmesh:oidcRequestToken (or ACTIONS_ID_TOKEN_REQUEST_TOKEN; GitHub gives it to jobs with `permissions: id-token: write`)",
        )),
        (None, Some(_)) => failures.push(CheckFailure::new(
            "oidcRequestUrl",
            "oidcRequestToken is set but not the endpoint to ask: set aksmesh:oidcRequestUrl (or ACTIONS_ID_TOKEN_REQUEST_URL)",
        )),
        (Some(url), Some(_)) => match url::Url::parse(url) {
            Ok(parsed) if parsed.scheme() == "https" => {}
            _ => failures.push(CheckFailure::new(
                "oidcRequestUrl",
                format!("'{url}' is not an https URL; the request token is only sent over https"),
            )),
        },
        (None, None) => {}
    }
    let has_source = ["oidcToken", "federatedTokenFile", "oidcTokenFilePath"]
        .iter()
        .any(|key| values.contains_key(key))
        || matches!(request, (Some(_), Some(_)));
    if !has_source {
        failures.push(CheckFailure::new(
            "useOidc",
            "useOidc is true but no OIDC token is given: set aksmesh:oidcToken (ARM_OIDC_TOKEN), aksmesh:oidcTokenFilePath (ARM_OIDC_TOKEN_FILE_PATH), or aksmesh:oidcRequestUrl with aksmesh:oidcRequestToken (on GitHub Actions, ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set for jobs with `permissions: id-token: write`)",
        ));
    }
}

fn check_subscription_id(
    values: &BTreeMap<&'static str, String>,
    failures: &mut Vec<CheckFailure>,
) {
    if let Some(id) = values.get("subscriptionId") {
        if uuid::Uuid::parse_str(id).is_err() {
            failures.push(CheckFailure::new(
                "subscriptionId",
                format!("'{id}' is not a subscription id; it looks like 00000000-0000-0000-0000-000000000000 (see `az account show --query id`)"),
            ));
        }
    }
}

/// Why the configuration gives no ARM client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("aksmesh:{key}: '{text}' is not a valid URL ({source})")]
    Url {
        key: &'static str,
        text: String,
        #[source]
        source: url::ParseError,
    },
    #[error(transparent)]
    Azure(Box<crate::azure::AzureError>),
}

/// Builds the ARM client for this configuration. Fetches no token, so Configure stays fast and offline.
pub fn arm_client(config: &ProviderConfig) -> Result<crate::azure::ArmClient, ClientError> {
    let parse = |key: &'static str, text: &str| {
        url::Url::parse(text).map_err(|source| ClientError::Url {
            key,
            text: text.to_string(),
            source,
        })
    };
    let mut settings = crate::azure::ArmClientConfig::new(config.subscription_id.clone())
        .with_arm_endpoint(parse("armEndpoint", &config.arm_endpoint)?)
        .with_token_scope(config.cloud.token_scope());
    if let Some(host) = &config.authority_host {
        settings = settings.with_authority_host(parse("authorityHost", host)?);
    }
    settings.tenant_id = config.tenant_id.clone();
    settings.client_id = config.client_id.clone();
    settings.client_secret = config
        .client_secret
        .clone()
        .map(azure_core::credentials::Secret::new);
    settings.auth_method = config.authentication;
    settings.federated_token_file = config.federated_token_file.clone();
    settings.oidc = crate::azure::OidcSettings {
        enabled: config.use_oidc,
        token: config
            .oidc_token
            .clone()
            .map(azure_core::credentials::Secret::new),
        request_url: match &config.oidc_request_url {
            Some(text) => Some(parse("oidcRequestUrl", text)?),
            None => None,
        },
        request_token: config
            .oidc_request_token
            .clone()
            .map(azure_core::credentials::Secret::new),
    };
    settings.extra_ca_certificate_pem = config.trusted_ca_certificate.clone();
    // Benchmarks count the 429s the provider saw here (one JSON line each).
    settings.throttle_log = std::env::var_os("AKSMESH_THROTTLE_LOG").map(std::path::PathBuf::from);
    crate::azure::ArmClient::new(settings).map_err(|error| ClientError::Azure(Box::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(json: serde_json::Value) -> Value {
        Value::from_plain(&json, &Default::default())
    }

    fn no_environment(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn subscription_from_config_or_environment() {
        let sub = "00000000-0000-4000-8000-000000000001";
        match parse(
            &args(serde_json::json!({"subscriptionId": sub})),
            &no_environment,
        ) {
            ConfigOutcome::Ready(c) => {
                assert_eq!(c.subscription_id, sub);
                assert_eq!(c.arm_endpoint, "https://management.azure.com/");
                assert_eq!(c.authority_host, None);
            }
            _ => panic!("expected ready"),
        }
        let env = |name: &str| (name == "ARM_SUBSCRIPTION_ID").then(|| sub.to_string());
        assert!(matches!(
            parse(&args(serde_json::json!({})), &env),
            ConfigOutcome::Ready(_)
        ));
    }

    #[test]
    fn missing_subscription_is_reported_as_missing_key() {
        match parse(&args(serde_json::json!({})), &no_environment) {
            ConfigOutcome::Missing(keys) => assert_eq!(keys[0].name, "subscriptionId"),
            _ => panic!("expected missing keys"),
        }
    }

    #[test]
    fn bad_values_name_the_key_and_the_fix() {
        let outcome = parse(
            &args(serde_json::json!({
                "subscriptionId": "not-a-guid",
                "authentication": "password",
                "armEndpoint": "http://127.0.0.1:1",
                "trustedCaCertificate": "/nonexistent/ca.pem"
            })),
            &no_environment,
        );
        let ConfigOutcome::Invalid(failures) = outcome else {
            panic!("expected invalid")
        };
        let properties: Vec<_> = failures.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(
            properties,
            [
                "authentication",
                "armEndpoint",
                "trustedCaCertificate",
                "subscriptionId"
            ]
        );
        assert!(failures[1].reason.contains("https"));
    }

    #[test]
    fn client_secret_method_requires_its_keys() {
        let outcome = parse(
            &args(
                serde_json::json!({"subscriptionId": "00000000-0000-4000-8000-000000000001", "authentication": "clientSecret", "tenantId": "t"}),
            ),
            &no_environment,
        );
        let ConfigOutcome::Invalid(failures) = outcome else {
            panic!("expected invalid")
        };
        assert_eq!(failures.len(), 2);
        assert!(failures[1].reason.contains("--secret"));
    }

    #[test]
    fn sovereign_cloud_endpoints_and_debug_redacts_secret() {
        let outcome = parse(
            &args(
                serde_json::json!({"subscriptionId": "00000000-0000-4000-8000-000000000001", "cloud": "usGovernment", "clientSecret": "hunter2"}),
            ),
            &no_environment,
        );
        let ConfigOutcome::Ready(c) = outcome else {
            panic!("expected ready")
        };
        assert_eq!(c.arm_endpoint, "https://management.usgovcloudapi.net/");
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    /// useOidc needs the identity and one token source; each gap is named at its key, all at once.
    #[test]
    fn oidc_settings_are_checked_offline() {
        let sub = "00000000-0000-4000-8000-000000000001";
        let with = |extra: serde_json::Value| {
            let mut config = serde_json::json!({"subscriptionId": sub});
            for (key, value) in extra.as_object().unwrap() {
                config[key] = value.clone();
            }
            config
        };
        let url = "https://token.example/idtoken?api-version=2.0";
        let cases: Vec<(serde_json::Value, &[&str])> = vec![
            (
                with(
                    serde_json::json!({"useOidc": true, "oidcToken": "eyJ", "tenantId": "t", "clientId": "c"}),
                ),
                &[],
            ),
            (
                with(
                    serde_json::json!({"useOidc": "true", "oidcRequestUrl": url, "oidcRequestToken": "r", "tenantId": "t", "clientId": "c"}),
                ),
                &[],
            ),
            (
                with(
                    serde_json::json!({"useOidc": true, "oidcTokenFilePath": "/var/run/token", "tenantId": "t", "clientId": "c"}),
                ),
                &[],
            ),
            // Off, the OIDC keys are not needed.
            (with(serde_json::json!({"useOidc": false})), &[]),
            (
                with(serde_json::json!({"useOidc": true})),
                &["tenantId", "clientId", "useOidc"],
            ),
            (
                with(
                    serde_json::json!({"useOidc": true, "oidcRequestUrl": url, "tenantId": "t", "clientId": "c"}),
                ),
                &["oidcRequestToken", "useOidc"],
            ),
            (
                with(
                    serde_json::json!({"useOidc": true, "oidcRequestToken": "r", "tenantId": "t", "clientId": "c"}),
                ),
                &["oidcRequestUrl", "useOidc"],
            ),
            (
                with(
                    serde_json::json!({"useOidc": true, "oidcRequestUrl": "http://token.example/", "oidcRequestToken": "r", "tenantId": "t", "clientId": "c"}),
                ),
                &["oidcRequestUrl"],
            ),
            (
                with(serde_json::json!({"useOidc": "yes", "oidcToken": "eyJ"})),
                &["useOidc"],
            ),
            // An explicit other method is not an OIDC sign-in.
            (
                with(serde_json::json!({"useOidc": true, "authentication": "azureCli"})),
                &[],
            ),
        ];
        for (config, expected) in cases {
            let outcome = parse(&args(config.clone()), &no_environment);
            let properties: Vec<String> = match &outcome {
                ConfigOutcome::Invalid(failures) => {
                    failures.iter().map(|f| f.property.clone()).collect()
                }
                ConfigOutcome::Ready(_) => Vec::new(),
                ConfigOutcome::Missing(_) => panic!("{config}: nothing is missing"),
            };
            assert_eq!(properties, expected, "{config}");
            if let ConfigOutcome::Ready(c) = outcome {
                assert!(!format!("{c:?}").contains("eyJ"), "{config}");
            }
        }
    }

    /// azure-native's `environment` and `useMsi` mean what they mean there.
    #[test]
    fn azure_native_names_for_cloud_and_managed_identity() {
        let sub = "00000000-0000-4000-8000-000000000001";
        let cases = [
            (
                serde_json::json!({"environment": "usgovernment"}),
                Cloud::UsGovernment,
                AuthMethod::Auto,
            ),
            (
                serde_json::json!({"environment": "usgovernment", "cloud": "china"}),
                Cloud::China,
                AuthMethod::Auto,
            ),
            (
                serde_json::json!({"useMsi": true}),
                Cloud::Public,
                AuthMethod::ManagedIdentity,
            ),
            (
                serde_json::json!({"useMsi": "false"}),
                Cloud::Public,
                AuthMethod::Auto,
            ),
            (
                serde_json::json!({"useMsi": true, "authentication": "azureCli"}),
                Cloud::Public,
                AuthMethod::AzureCli,
            ),
        ];
        for (mut config, cloud, authentication) in cases {
            config["subscriptionId"] = sub.into();
            let ConfigOutcome::Ready(c) = parse(&args(config.clone()), &no_environment) else {
                panic!("{config}: expected ready")
            };
            assert_eq!(
                (c.cloud, c.authentication),
                (cloud, authentication),
                "{config}"
            );
        }
        let outcome = parse(
            &args(serde_json::json!({"subscriptionId": sub, "useMsi": "sometimes"})),
            &no_environment,
        );
        let ConfigOutcome::Invalid(failures) = outcome else {
            panic!("expected invalid")
        };
        assert_eq!(failures[0].property, "useMsi");
        assert!(
            failures[0].reason.contains("ARM_USE_MSI"),
            "{}",
            failures[0].reason
        );
    }

    /// The GitHub Actions and azure-native variable names feed the same keys.
    #[test]
    fn oidc_settings_come_from_the_ci_environment() {
        let environment = |name: &str| {
            let value = match name {
                "ARM_SUBSCRIPTION_ID" => "00000000-0000-4000-8000-000000000001",
                "ARM_TENANT_ID" => "t",
                "ARM_CLIENT_ID" => "c",
                "ARM_USE_OIDC" => "true",
                "ACTIONS_ID_TOKEN_REQUEST_URL" => {
                    "https://pipelines.example/idtoken?api-version=2.0"
                }
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => "job-token",
                _ => return None,
            };
            Some(value.to_string())
        };
        let ConfigOutcome::Ready(c) = parse(&args(serde_json::json!({})), &environment) else {
            panic!("expected ready")
        };
        assert!(c.use_oidc);
        assert_eq!(
            c.oidc_request_url.as_deref(),
            Some("https://pipelines.example/idtoken?api-version=2.0")
        );
        assert_eq!(c.oidc_request_token.as_deref(), Some("job-token"));
        assert!(!format!("{c:?}").contains("job-token"));
    }
}
