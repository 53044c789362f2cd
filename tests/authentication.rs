//! Workload identity end to end against azsim: a federated token file, as AKS projects it into
//! a pod, or a CI system's OIDC token (given, in a file, or from a GitHub Actions-style endpoint),
//! instead of a client secret. (Managed identity reads the process environment, so it has
//! its own test binary: `managed_identity.rs`.)

mod support;

use std::collections::BTreeMap;

use serde_json::json;
use support::azsim::Azsim;
use support::lifecycle::{assert_creates_a_network, provider_configured_with, Lifecycle};

fn workload_identity_environment(azsim: &Azsim, token_file: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("AZURE_TENANT_ID".to_string(), azsim.info.tenant_id.clone()),
        ("AZURE_CLIENT_ID".to_string(), azsim.info.client_id.clone()),
        (
            "AZURE_FEDERATED_TOKEN_FILE".to_string(),
            token_file.to_string(),
        ),
    ])
}

/// With only the variables AKS workload identity sets, both the forced setting and the automatic
/// chain exchange the federated token and create resources.
#[tokio::test(flavor = "multi_thread")]
async fn workload_identity_creates_resources_without_a_secret() {
    let azsim = Azsim::start("authentication-workload-identity");
    let token_file = azsim.info.federated_token_path.display().to_string();
    for authentication in ["workloadIdentity", "auto"] {
        let client = provider_configured_with(
            azsim.secretless_provider_config(authentication),
            workload_identity_environment(&azsim, &token_file),
        )
        .await;
        assert_creates_a_network(client, "platform").await;
    }
    assert!(azsim.ids_of_type("virtualNetworks").is_empty());
}

/// Every secret-free CI sign-in, by the variables azure-native and GitHub Actions set or by
/// azure-native's config keys, exchanges an OIDC token and creates a resource.
#[tokio::test(flavor = "multi_thread")]
async fn ci_oidc_tokens_create_resources_without_a_secret() {
    let azsim = Azsim::start("authentication-oidc");
    let info = &azsim.info;
    let token_file = info.federated_token_path.display().to_string();
    let token = std::fs::read_to_string(&info.federated_token_path).unwrap();
    let ids = [
        ("ARM_TENANT_ID", info.tenant_id.as_str()),
        ("ARM_CLIENT_ID", info.client_id.as_str()),
    ];
    type Variables<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, serde_json::Value, Variables)> = vec![
        (
            "ARM_USE_OIDC with ARM_OIDC_TOKEN",
            json!({}),
            vec![("ARM_USE_OIDC", "true"), ("ARM_OIDC_TOKEN", token.as_str())],
        ),
        (
            "ARM_USE_OIDC with ARM_OIDC_TOKEN_FILE_PATH",
            json!({}),
            vec![
                ("ARM_USE_OIDC", "true"),
                ("ARM_OIDC_TOKEN_FILE_PATH", token_file.as_str()),
            ],
        ),
        (
            "GitHub Actions' request pair",
            json!({}),
            vec![
                ("ARM_USE_OIDC", "true"),
                (
                    "ACTIONS_ID_TOKEN_REQUEST_URL",
                    info.github_id_token_request_url.as_str(),
                ),
                (
                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                    info.github_id_token_request_token.as_str(),
                ),
            ],
        ),
        (
            "azure-native's config keys",
            json!({
                "useOidc": true,
                "tenantId": info.tenant_id,
                "clientId": info.client_id,
                "oidcRequestUrl": info.github_id_token_request_url,
                "oidcRequestToken": info.github_id_token_request_token,
            }),
            vec![],
        ),
    ];
    for (name, keys, variables) in cases {
        let mut config = azsim.secretless_provider_config("auto");
        for (key, value) in keys.as_object().unwrap() {
            config[key] = value.clone();
        }
        let uses_ids = keys.get("tenantId").is_none();
        let environment: BTreeMap<String, String> = variables
            .into_iter()
            .chain(ids.into_iter().filter(|_| uses_ids))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        eprintln!("sign-in: {name}");
        let client = provider_configured_with(config, environment).await;
        assert_creates_a_network(client, "platform").await;
    }
    assert!(azsim.ids_of_type("virtualNetworks").is_empty());
}

/// A federated sign-in that Entra or the token endpoint refuses fails with their reason and what
/// to check, shows no secret, and creates nothing.
#[tokio::test(flavor = "multi_thread")]
async fn refused_federated_sign_ins_fail_with_the_reason() {
    let azsim = Azsim::start("authentication-refused");
    let directory = tempfile::tempdir().expect("temp dir");
    let token_file = directory.path().join("token");
    std::fs::write(
        &token_file,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    )
    .unwrap();
    let mut refused_request = azsim.secretless_provider_config("workloadIdentity");
    refused_request["useOidc"] = json!(true);
    refused_request["tenantId"] = json!(azsim.info.tenant_id);
    refused_request["clientId"] = json!(azsim.info.client_id);
    refused_request["oidcRequestUrl"] = json!(azsim.info.github_id_token_request_url);
    refused_request["oidcRequestToken"] = json!("not-this-job");
    let cases = [
        (
            "an untrusted token file",
            azsim.secretless_provider_config("workloadIdentity"),
            workload_identity_environment(&azsim, &token_file.display().to_string()),
            ["WorkloadIdentityCredential", "AADSTS700211"],
            "c2lnbmF0dXJl",
        ),
        (
            "a refused request token",
            refused_request,
            BTreeMap::new(),
            ["answered 401", "id-token: write"],
            "not-this-job",
        ),
    ];
    for (name, config, environment, reasons, secret) in cases {
        let client = provider_configured_with(config, environment).await;
        let mut network = Lifecycle::new(client, "aksmesh:index:RegionalNetwork", "platform");
        let inputs = network
            .checked(
                json!({}),
                json!({"location": "eastus", "vnetCidr": "10.0.0.0/14", "nodeSubnetCidr": "10.0.0.0/16"}),
            )
            .await;
        let error = network
            .try_create(&inputs)
            .await
            .expect_err("a refused sign-in cannot create anything");
        let message = error.message();
        assert!(
            reasons.iter().all(|reason| message.contains(reason)) && !message.contains(secret),
            "{name}: {message}"
        );
    }
    assert!(azsim.resources().is_empty());
}
