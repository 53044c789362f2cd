//! The identities besides a client secret: workload identity (a federated client assertion at the
//! token endpoint) and an App Service-style managed identity endpoint. Both give ARM tokens.

mod common;

use azsim::client::Client;
use common::*;

const ASSERTION_TYPE: &str = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";
const SCOPE: &str = "https%3A%2F%2Fmanagement.azure.com%2F.default";

fn assertion_form(client_id: &str, assertion: &str) -> Vec<u8> {
    format!("client_assertion={assertion}&client_assertion_type={ASSERTION_TYPE}&client_id={client_id}&grant_type=client_credentials&scope={SCOPE}")
        .into_bytes()
}

/// An ARM call with `token`, answered 200 only when ARM accepts the token.
async fn arm_accepts(sim: &Sim, token: &str) -> bool {
    let mut caller = Client::anonymous(sim.running.info()).unwrap();
    caller.set_token(Some(token.to_string()));
    let path = with_api(&format!("{}/resourceGroups", sim.sub), RG);
    caller.get(&path).await.unwrap().status == 200
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_federated_assertion_is_exchanged_for_an_arm_token() {
    let sim = start(0.001).await;
    let info = sim.running.info().clone();
    let assertion = std::fs::read_to_string(&info.federated_token_path).unwrap();
    let anonymous = Client::anonymous(&info).unwrap();
    let token_path = format!("/{}/oauth2/v2.0/token", info.tenant_id);
    let ct = [("content-type", "application/x-www-form-urlencoded")];

    let r = anonymous
        .send(
            "POST",
            &token_path,
            &ct,
            assertion_form(&info.client_id, &assertion),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let token = r.json()["access_token"].as_str().unwrap().to_string();
    assert!(arm_accepts(&sim, &token).await);
    // The federated token itself is not an ARM token.
    assert!(!arm_accepts(&sim, &assertion).await);

    // A tampered assertion is refused the way Entra refuses an unknown issuer.
    let signature_start = assertion.rfind('.').unwrap() + 1;
    let mut forged = assertion.clone();
    let replacement = if assertion.as_bytes()[signature_start] == b'A' {
        "B"
    } else {
        "A"
    };
    forged.replace_range(signature_start..signature_start + 1, replacement);
    let r = anonymous
        .send(
            "POST",
            &token_path,
            &ct,
            assertion_form(&info.client_id, &forged),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_client");
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS700211"));

    // An ARM access token is signed by azsim too, but has the wrong audience for an assertion.
    let r = anonymous
        .send(
            "POST",
            &token_path,
            &ct,
            assertion_form(&info.client_id, &token),
            false,
        )
        .await
        .unwrap();
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS700212"));

    // The assertion belongs to the configured app only.
    let r = anonymous
        .send(
            "POST",
            &token_path,
            &ct,
            assertion_form("someone-else", &assertion),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.json()["error"], "unauthorized_client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_managed_identity_endpoint_needs_its_header_and_gives_arm_tokens() {
    let sim = start(0.001).await;
    let info = sim.running.info().clone();
    let anonymous = Client::anonymous(&info).unwrap();
    let query = |extra: &str| {
        format!(
            "{}?api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com{extra}",
            info.identity_endpoint
        )
    };
    let header = [("x-identity-header", info.identity_header.as_str())];

    let r = anonymous
        .send("GET", &query(""), &header, Vec::new(), false)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["resource"], "https://management.azure.com");
    // azure_identity reads expires_on as a string of Unix seconds.
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > 1_700_000_000);
    assert!(arm_accepts(&sim, body["access_token"].as_str().unwrap()).await);

    let with_client = format!("&client_id={}", info.client_id);
    let r = anonymous
        .send("GET", &query(&with_client), &header, Vec::new(), false)
        .await
        .unwrap();
    assert_eq!(r.status, 200);

    let r = anonymous
        .send("GET", &query(""), &[], Vec::new(), false)
        .await
        .unwrap();
    assert_eq!(r.status, 401, "the secret header is required");
    let r = anonymous
        .send(
            "GET",
            &query(""),
            &[("x-identity-header", "guess")],
            Vec::new(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    let r = anonymous
        .send(
            "GET",
            &query("&client_id=unknown"),
            &header,
            Vec::new(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400, "an identity that is not assigned");
    let r = anonymous
        .send(
            "GET",
            &format!(
                "{}?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net",
                info.identity_endpoint
            ),
            &header,
            Vec::new(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400, "only ARM tokens");
    let r = anonymous
        .send(
            "GET",
            &format!(
                "{}?api-version=2017-09-01&resource=https%3A%2F%2Fmanagement.azure.com",
                info.identity_endpoint
            ),
            &header,
            Vec::new(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400, "only the 2019-08-01 protocol");
}
