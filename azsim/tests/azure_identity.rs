//! The token endpoint works with the provider's real `azure_identity` client-secret
//! credential (custom cloud authority host, transport trusting the azsim CA).

mod common;

use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::Transport;
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use common::*;

fn credential(info: &azsim::StartInfo, secret: &str) -> Arc<ClientSecretCredential> {
    let http = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(info.ca_pem.as_bytes()).expect("CA PEM"),
        )
        .build()
        .expect("reqwest client");
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = info.authority_host.clone();
    let mut options = ClientSecretCredentialOptions::default();
    options.client_options.transport = Some(Transport::new(Arc::new(http)));
    options.client_options.cloud = Some(Arc::new(CloudConfiguration::from(cloud)));
    ClientSecretCredential::new(
        &info.tenant_id,
        info.client_id.clone(),
        Secret::new(secret.to_string()),
        Some(options),
    )
    .expect("credential")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_credential_gets_a_token_azsim_accepts() {
    let sim = start(0.001).await;
    let info = sim.running.info().clone();
    let token = credential(&info, &info.client_secret)
        .get_token(&["https://management.azure.com/.default"], None)
        .await
        .expect("token");
    let mut client = azsim::client::Client::anonymous(&info).unwrap();
    client.set_token(Some(token.token.secret().to_string()));
    let r = client
        .put(
            &with_api(&sim.rg("rg"), RG),
            &serde_json::json!({"location": "westeurope"}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", body_text(&r));

    let error = credential(&info, "wrong-secret")
        .get_token(&["https://management.azure.com/.default"], None)
        .await
        .expect_err("a wrong secret is refused");
    assert!(format!("{error:?}").contains("AADSTS7000215"), "{error:?}");
}
