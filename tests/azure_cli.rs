//! Azure CLI authentication end to end: aksmesh asks `az account get-access-token` for an ARM
//! token and uses it. The `az` on PATH here is a small script that logs its arguments and gets a
//! token from azsim's token endpoint, as a signed-in CLI would from Entra. azure_identity finds `az`
//! through the process PATH, so this binary holds a single test that sets it.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;

use support::azsim::Azsim;
use support::lifecycle::{assert_creates_a_network, provider_configured_with};

#[tokio::test(flavor = "multi_thread")]
async fn azure_cli_authentication_uses_the_cli_token() {
    let azsim = Azsim::start("authentication-azure-cli");
    let bin = tempfile::tempdir().expect("temp dir");
    let calls = bin.path().join("calls.log");
    let script = format!(
        r#"#!/bin/sh
echo "$@" >> '{calls}'
token=$(curl -sS --cacert '{ca}' -d 'grant_type=client_credentials&client_id={client}&client_secret={secret}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default' '{endpoint}' | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || {{ echo "ERROR: Please run 'az login' to setup account." >&2; exit 1; }}
expires=$(( $(date +%s) + 3599 ))
printf '{{"accessToken":"%s","expiresOn":"2099-01-01 00:00:00.000000","expires_on":%s,"subscription":"{subscription}","tenant":"{tenant}","tokenType":"Bearer"}}\n' "$token" "$expires"
"#,
        calls = calls.display(),
        ca = azsim.info.ca_cert_path.display(),
        client = azsim.info.client_id,
        secret = azsim.info.client_secret,
        endpoint = azsim.info.token_endpoint,
        subscription = azsim.info.subscription_id,
        tenant = azsim.info.tenant_id,
    );
    let az = bin.path().join("az");
    std::fs::write(&az, script).expect("write az");
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod az");
    std::env::set_var(
        "PATH",
        format!(
            "{}:{}",
            bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );

    let mut config = azsim.secretless_provider_config("azureCli");
    config["tenantId"] = azsim.info.tenant_id.clone().into();
    let client = provider_configured_with(config, BTreeMap::new()).await;
    assert_creates_a_network(client, "cli").await;

    // The CLI was asked for an ARM token in the configured tenant, and only once: the token is
    // cached until it nears expiry.
    let log = std::fs::read_to_string(&calls).expect("az was called");
    let invocations: Vec<&str> = log.lines().collect();
    assert_eq!(invocations.len(), 1, "{log}");
    assert!(
        invocations[0].starts_with("account get-access-token")
            && invocations[0].contains("https://management.azure.com/.default")
            && invocations[0].contains(&format!("--tenant {}", azsim.info.tenant_id)),
        "{log}"
    );
}
