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

/// A managed-identity token request, with the secret header when `secret` is given.
async fn ask(client: &Client, url: &str, secret: Option<&str>) -> azsim::client::ClientResponse {
    let headers: Vec<(&str, &str)> = secret
        .map(|value| vec![("x-identity-header", value)])
        .unwrap_or_default();
    client
        .send("GET", url, &headers, Vec::new(), false)
        .await
        .unwrap()
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
    let exchange = |client_id: &str, assertion: &str| {
        let form = assertion_form(client_id, assertion);
        let token_path = format!("/{}/oauth2/v2.0/token", info.tenant_id);
        let anonymous = &anonymous;
        async move {
            let ct = [("content-type", "application/x-www-form-urlencoded")];
            anonymous
                .send("POST", &token_path, &ct, form, false)
                .await
                .unwrap()
        }
    };

    let r = exchange(&info.client_id, &assertion).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let token = r.json()["access_token"].as_str().unwrap().to_string();
    assert!(arm_accepts(&sim, &token).await);
    // The federated token itself is not an ARM token.
    assert!(!arm_accepts(&sim, &assertion).await);

    // A tampered assertion is refused the way Entra refuses an unknown issuer.
    let r = exchange(&info.client_id, &with_tampered_signature(&assertion)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_client");
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS700211"));

    // An ARM access token is signed by azsim too, but has the wrong audience for an assertion.
    let r = exchange(&info.client_id, &token).await;
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS700212"));

    // The assertion belongs to the configured app only.
    let r = exchange("someone-else", &assertion).await;
    assert_eq!(r.json()["error"], "unauthorized_client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_managed_identity_endpoint_needs_its_header_and_gives_arm_tokens() {
    let sim = start(0.001).await;
    let info = sim.running.info().clone();
    let anonymous = Client::anonymous(&info).unwrap();
    let url = |api_version: &str, resource: &str, extra: &str| {
        format!(
            "{}?api-version={api_version}&resource={resource}{extra}",
            info.identity_endpoint
        )
    };
    const ARM: &str = "https%3A%2F%2Fmanagement.azure.com";
    let secret = Some(info.identity_header.as_str());

    let r = ask(&anonymous, &url("2019-08-01", ARM, ""), secret).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["resource"], "https://management.azure.com");
    // azure_identity reads expires_on as a string of Unix seconds.
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > 1_700_000_000);
    assert!(arm_accepts(&sim, body["access_token"].as_str().unwrap()).await);

    let with_client = format!("&client_id={}", info.client_id);
    let cases = [
        (
            url("2019-08-01", ARM, &with_client),
            secret,
            200,
            "a user-assigned identity",
        ),
        (
            url("2019-08-01", ARM, ""),
            None,
            401,
            "the secret header is required",
        ),
        (
            url("2019-08-01", ARM, ""),
            Some("guess"),
            401,
            "the secret header must match",
        ),
        (
            url("2019-08-01", ARM, "&client_id=unknown"),
            secret,
            400,
            "an identity that is not assigned",
        ),
        (
            url("2019-08-01", "https%3A%2F%2Fvault.azure.net", ""),
            secret,
            400,
            "only ARM tokens",
        ),
        (
            url("2017-09-01", ARM, ""),
            secret,
            400,
            "only the 2019-08-01 protocol",
        ),
    ];
    for (url, secret, status, why) in cases {
        assert_eq!(ask(&anonymous, &url, secret).await.status, status, "{why}");
    }
}

/// A GitHub Actions job's ID token: only with the job's request token, for the audience asked
/// (GitHub's default is the owner's URL, which Entra refuses), and exchangeable for an ARM token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_github_actions_id_token_endpoint_needs_its_request_token() {
    let sim = start(0.001).await;
    let info = sim.running.info().clone();
    let anonymous = Client::anonymous(&info).unwrap();
    let path = info
        .github_id_token_request_url
        .strip_prefix(&info.arm_endpoint)
        .unwrap()
        .to_string();
    let bearer = format!("Bearer {}", info.github_id_token_request_token);
    let id_token = |query: &'static str, authorization: Option<String>| {
        let url = format!("{path}{query}");
        let anonymous = &anonymous;
        async move {
            let headers: Vec<(&str, &str)> = authorization
                .as_deref()
                .map(|value| vec![("authorization", value)])
                .unwrap_or_default();
            anonymous
                .send("GET", &url, &headers, Vec::new(), false)
                .await
                .unwrap()
        }
    };
    let token_path = format!("/{}/oauth2/v2.0/token", info.tenant_id);
    let exchange = |assertion: String| {
        let form = assertion_form(&info.client_id, &assertion);
        let (anonymous, token_path) = (&anonymous, &token_path);
        async move {
            let ct = [("content-type", "application/x-www-form-urlencoded")];
            anonymous
                .send("POST", token_path, &ct, form, false)
                .await
                .unwrap()
        }
    };

    for authorization in [None, Some("Bearer not-this-job".to_string())] {
        let r = id_token("&audience=api://AzureADTokenExchange", authorization).await;
        assert_eq!(r.status, 401);
    }

    let r = id_token(
        "&audience=api%3A%2F%2FAzureADTokenExchange",
        Some(bearer.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let assertion = r.json()["value"].as_str().unwrap().to_string();
    let r = exchange(assertion).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(arm_accepts(&sim, r.json()["access_token"].as_str().unwrap()).await);

    // Without an audience GitHub issues the token for the owner's URL, which Entra refuses.
    let r = id_token("", Some(bearer)).await;
    let r = exchange(r.json()["value"].as_str().unwrap().to_string()).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS700212"));
}
