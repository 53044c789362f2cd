//! Managed identity end to end against azsim's App Service-style identity endpoint. azure_identity
//! reads `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` from the process environment, so this binary
//! holds a single test that sets them.

mod support;

use std::collections::BTreeMap;

use support::azsim::Azsim;
use support::lifecycle::{assert_creates_a_network, provider_configured_with};

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
        let mut config = azsim.secretless_provider_config("managedIdentity");
        if let Some(client_id) = client_id {
            config["clientId"] = client_id.into();
        }
        let client = provider_configured_with(config, BTreeMap::new()).await;
        assert_creates_a_network(client, name).await;
    }
    assert!(azsim.ids_of_type("virtualNetworks").is_empty());
}
