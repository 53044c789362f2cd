//! Managed identity end to end against azsim's App Service-style identity endpoint. azure_identity
//! reads `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` from the process environment, so this binary
//! holds a single test that sets them.

mod support;

use std::collections::BTreeMap;

use aksmesh::rpc::pulumirpc as rpc;
use serde_json::json;
use support::azsim::Azsim;
use support::lifecycle::Lifecycle;
use support::{start_provider, to_struct};

#[tokio::test(flavor = "multi_thread")]
async fn managed_identity_creates_resources_without_a_secret() {
    let azsim = Azsim::start("authentication-managed-identity");
    std::env::set_var("IDENTITY_ENDPOINT", &azsim.info.identity_endpoint);
    std::env::set_var("IDENTITY_HEADER", &azsim.info.identity_header);
    // System-assigned (no client id), then user-assigned (the identity's client id).
    for (name, client_id) in [
        ("system", None),
        ("user", Some(azsim.info.client_id.clone())),
    ] {
        let mut config = json!({
            "subscriptionId": azsim.info.subscription_id,
            "authentication": "managedIdentity",
            "armEndpoint": azsim.info.arm_endpoint,
            "authorityHost": azsim.info.authority_host,
            "trustedCaCertificate": azsim.info.ca_cert_path.display().to_string(),
        });
        if let Some(client_id) = client_id {
            config["clientId"] = client_id.into();
        }
        let mut provider = start_provider(BTreeMap::new()).await;
        provider
            .client
            .configure(rpc::ConfigureRequest {
                args: Some(to_struct(config)),
                accept_secrets: true,
                accept_resources: true,
                ..Default::default()
            })
            .await
            .expect("configure");
        let mut network = Lifecycle::new(provider.client, "aksmesh:index:RegionalNetwork", name);
        let inputs = network
            .checked(
                json!({}),
                json!({"location": "eastus", "vnetCidr": "10.0.0.0/14", "nodeSubnetCidr": "10.0.0.0/16"}),
            )
            .await;
        let created = network.create(&inputs).await;
        assert!(
            created
                .id
                .ends_with(&format!("/virtualNetworks/vnet-{name}-eastus")),
            "{}",
            created.id
        );
        network.delete(&created).await;
    }
    assert!(azsim.ids_of_type("virtualNetworks").is_empty());
}
