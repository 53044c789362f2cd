//! Workload identity end to end against azsim: a federated token file, as AKS projects it into
//! a pod, instead of a client secret. (Managed identity reads the process environment, so it has
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

/// A token file Entra does not trust fails with Entra's reason and what to check.
#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_federated_token_fails_with_the_reason() {
    let azsim = Azsim::start("authentication-untrusted-token");
    let directory = tempfile::tempdir().expect("temp dir");
    let token_file = directory.path().join("token");
    std::fs::write(
        &token_file,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    )
    .unwrap();
    let client = provider_configured_with(
        azsim.secretless_provider_config("workloadIdentity"),
        workload_identity_environment(&azsim, &token_file.display().to_string()),
    )
    .await;
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
        .expect_err("an untrusted token cannot create anything");
    assert!(
        error.message().contains("WorkloadIdentityCredential")
            && error.message().contains("AADSTS700211"),
        "{}",
        error.message()
    );
    assert!(azsim.resources().is_empty());
}
