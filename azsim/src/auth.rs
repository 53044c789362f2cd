//! Entra-style identity: the client-credentials token endpoint (with a client secret or a
//! federated client assertion, as workload identity sends), an App Service-style managed identity
//! endpoint, and bearer-token checks. Tokens are JWT-shaped and signed (HS256) with a key kept in
//! the data dir, so tokens issued before a restart stay valid after it.

use std::path::Path;

use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::arm::{ArmError, ArmResponse};
use crate::state::Settings;
use crate::Error;

pub const TOKEN_KEY_FILE: &str = "token-signing.key";
pub const TOKEN_LIFETIME_SECONDS: i64 = 3599;
/// The federated token azsim writes at start, as Kubernetes projects a service-account token
/// into a workload identity pod (`AZURE_FEDERATED_TOKEN_FILE`).
pub const FEDERATED_TOKEN_FILE: &str = "federated-token.jwt";
/// The audience Entra requires of federated client assertions.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";
const FEDERATED_TOKEN_LIFETIME_SECONDS: i64 = 24 * 60 * 60;
const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Where azsim answers as a GitHub Actions job's ID token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`).
pub const GITHUB_ID_TOKEN_PATH: &str = "/github-actions/idtoken";
/// The issuer of GitHub Actions ID tokens.
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The simulated job's repository owner: GitHub's default audience is the owner's URL.
const GITHUB_OWNER_URL: &str = "https://github.com/contoso";
/// How long GitHub's ID tokens live (about five minutes; Entra checks `exp`).
const GITHUB_TOKEN_LIFETIME_SECONDS: i64 = 5 * 60;
/// The only api-version of the App Service managed identity protocol azure_identity speaks.
const MANAGED_IDENTITY_API_VERSION: &str = "2019-08-01";

pub struct TokenAuthority {
    key: hmac::Key,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub appid: String,
    pub oid: String,
    pub sub: String,
    pub tid: String,
    pub idtyp: String,
    pub ver: String,
}

impl TokenAuthority {
    pub fn load_or_create(data_dir: &Path) -> Result<Self, Error> {
        let path = data_dir.join(TOKEN_KEY_FILE);
        let secret = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() >= 32 => bytes,
            _ => {
                let mut bytes = Vec::with_capacity(64);
                bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                std::fs::write(&path, &bytes)?;
                bytes
            }
        };
        Ok(TokenAuthority {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        })
    }

    pub fn issue(&self, settings: &Settings, audience: &str, now_seconds: i64) -> String {
        let object_id = principal_object_id(&settings.client_id);
        self.sign(&Claims {
            aud: audience.to_string(),
            iss: format!("https://sts.windows.net/{}/", settings.tenant_id),
            iat: now_seconds,
            nbf: now_seconds - 300,
            exp: now_seconds + TOKEN_LIFETIME_SECONDS,
            appid: settings.client_id.clone(),
            oid: object_id.clone(),
            sub: object_id,
            tid: settings.tenant_id.clone(),
            idtyp: "app".into(),
            ver: "1.0".into(),
        })
    }

    /// A service-account token for the token exchange, from azsim's own OIDC issuer, which the
    /// configured app trusts through a federated credential.
    pub fn issue_federated(&self, settings: &Settings, now_seconds: i64) -> String {
        self.sign(&Claims {
            aud: TOKEN_EXCHANGE_AUDIENCE.into(),
            iss: format!("{}/oidc", settings.base_url),
            iat: now_seconds,
            nbf: now_seconds - 300,
            exp: now_seconds + FEDERATED_TOKEN_LIFETIME_SECONDS,
            appid: settings.client_id.clone(),
            oid: String::new(),
            sub: "system:serviceaccount:platform:aksmesh".into(),
            tid: settings.tenant_id.clone(),
            idtyp: "serviceaccount".into(),
            ver: "1.0".into(),
        })
    }

    /// A GitHub Actions ID token for `audience` (GitHub's default: the repository owner's URL).
    fn issue_github(&self, settings: &Settings, audience: &str, now_seconds: i64) -> String {
        self.sign(&Claims {
            aud: audience.into(),
            iss: GITHUB_ISSUER.into(),
            iat: now_seconds,
            nbf: now_seconds - 5,
            exp: now_seconds + GITHUB_TOKEN_LIFETIME_SECONDS,
            appid: settings.client_id.clone(),
            oid: String::new(),
            sub: "repo:contoso/platform:ref:refs/heads/main".into(),
            tid: settings.tenant_id.clone(),
            idtyp: "github-actions".into(),
            ver: "1.0".into(),
        })
    }

    fn sign(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"azsim"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let signature = hmac::sign(&self.key, signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        )
    }

    /// Checks the `Authorization` header of an ARM request.
    pub fn verify(
        &self,
        settings: &Settings,
        headers: &HeaderMap,
        now_seconds: i64,
    ) -> Result<Claims, ArmError> {
        let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Err(unauthorized(
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            ));
        };
        let value = value.to_str().unwrap_or("");
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(unauthorized("AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                ))
            }
        };
        let claims = self.signed_claims(token).ok_or_else(|| {
            unauthorized("InvalidAuthenticationToken", "The access token is invalid.")
        })?;
        if claims.exp <= now_seconds {
            return Err(unauthorized(
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            ));
        }
        if !is_management_audience(&claims.aud) {
            return Err(unauthorized("InvalidAuthenticationTokenAudience",
                format!("The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", claims.aud),
            ));
        }
        if !claims.tid.eq_ignore_ascii_case(&settings.tenant_id) {
            return Err(unauthorized(
                "InvalidAuthenticationTokenTenant",
                format!(
                    "The access token is from the wrong issuer '{}'.",
                    claims.iss
                ),
            ));
        }
        Ok(claims)
    }
}

impl TokenAuthority {
    /// The claims of a token azsim signed, or `None` for anything else.
    fn signed_claims(&self, token: &str) -> Option<Claims> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        hmac::verify(
            &self.key,
            format!("{header}.{payload}").as_bytes(),
            &signature,
        )
        .ok()?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Checks a federated client assertion (workload identity); `Err` is the Entra error.
    fn check_assertion(
        &self,
        assertion: &str,
        now_seconds: i64,
    ) -> Result<(), (StatusCode, &'static str, String)> {
        let Some(claims) = self.signed_claims(assertion) else {
            return Err((
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "AADSTS700211: No matching federated identity record found for presented assertion issuer. Check the federated identity credential of the app.".into(),
            ));
        };
        if claims.aud != TOKEN_EXCHANGE_AUDIENCE {
            return Err((
                StatusCode::BAD_REQUEST,
                "invalid_client",
                format!("AADSTS700212: No matching federated identity record found for presented assertion audience '{}'.", claims.aud),
            ));
        }
        if claims.exp <= now_seconds {
            return Err((
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "AADSTS700024: Client assertion is not within its valid time range.".into(),
            ));
        }
        Ok(())
    }
}

/// Writes a fresh federated token into the data dir and returns its path.
pub fn write_federated_token(
    authority: &TokenAuthority,
    settings: &Settings,
    data_dir: &Path,
) -> Result<std::path::PathBuf, Error> {
    let path = data_dir.join(FEDERATED_TOKEN_FILE);
    let now_seconds = crate::operations::now_ms() / 1000;
    std::fs::write(&path, authority.issue_federated(settings, now_seconds))?;
    Ok(path)
}

/// Handles the App Service managed identity protocol: `GET /msi/token?api-version=2019-08-01&
/// resource=…[&client_id=…]` with the `X-IDENTITY-HEADER` secret.
pub fn managed_identity_token(
    authority: &TokenAuthority,
    settings: &Settings,
    headers: &HeaderMap,
    query: &str,
) -> ArmResponse {
    let failure = |status: StatusCode, message: String| {
        ArmResponse::json(
            status,
            json!({"statusCode": status.as_u16(), "message": message}),
        )
    };
    let secret = headers
        .get("x-identity-header")
        .and_then(|value| value.to_str().ok());
    if secret != Some(settings.identity_header.as_str()) {
        return failure(
            StatusCode::UNAUTHORIZED,
            "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.".into(),
        );
    }
    let mut api_version = None;
    let mut resource = None;
    let mut client_id = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "api-version" => api_version = Some(value.into_owned()),
            "resource" => resource = Some(value.into_owned()),
            "client_id" => client_id = Some(value.into_owned()),
            _ => {}
        }
    }
    if api_version.as_deref() != Some(MANAGED_IDENTITY_API_VERSION) {
        return failure(
            StatusCode::BAD_REQUEST,
            format!("api-version must be {MANAGED_IDENTITY_API_VERSION}."),
        );
    }
    let resource = resource.unwrap_or_default();
    if !is_management_audience(&resource) {
        return failure(
            StatusCode::BAD_REQUEST,
            format!("azsim issues managed identity tokens for Azure Resource Manager only, not '{resource}'."),
        );
    }
    if client_id
        .as_deref()
        .is_some_and(|id| id != settings.client_id)
    {
        return failure(
            StatusCode::BAD_REQUEST,
            "No user-assigned identity with this client_id is assigned to this resource.".into(),
        );
    }
    let now_seconds = crate::operations::now_ms() / 1000;
    ArmResponse::json(
        StatusCode::OK,
        json!({
            "access_token": authority.issue(settings, &resource, now_seconds),
            "expires_on": (now_seconds + TOKEN_LIFETIME_SECONDS).to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": settings.client_id,
        }),
    )
}

/// Handles a GitHub Actions job's ID token request: `GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience=…`
/// with `Authorization: Bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}`, answered `{"count":…,"value":jwt}`
/// (GitHub Docs, "Configuring OpenID Connect in cloud providers": requesting the JWT with the
/// request token; Azure's audience is `api://AzureADTokenExchange`).
pub fn github_id_token(
    authority: &TokenAuthority,
    settings: &Settings,
    headers: &HeaderMap,
    query: &str,
) -> ArmResponse {
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if presented != Some(settings.github_request_token.as_str()) {
        return ArmResponse::json(
            StatusCode::UNAUTHORIZED,
            json!({"message": "Bad credentials: the request token is missing or not this job's ACTIONS_ID_TOKEN_REQUEST_TOKEN."}),
        );
    }
    let audience = form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "audience")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| GITHUB_OWNER_URL.into());
    let now_seconds = crate::operations::now_ms() / 1000;
    ArmResponse::json(
        StatusCode::OK,
        json!({"count": 1, "value": authority.issue_github(settings, &audience, now_seconds)}),
    )
}

/// The object id azsim gives the configured client's service principal.
pub fn principal_object_id(client_id: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, client_id.as_bytes()).to_string()
}

fn is_management_audience(audience: &str) -> bool {
    let a = audience.trim_end_matches('/').to_ascii_lowercase();
    a == "https://management.azure.com" || a == "https://management.core.windows.net"
}

fn unauthorized(code: &str, message: impl Into<String>) -> ArmError {
    ArmError::new(StatusCode::UNAUTHORIZED, code, message)
}

/// `WWW-Authenticate` value ARM sends with a 401.
pub fn www_authenticate(settings: &Settings, code: &str) -> String {
    format!(
        "Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"{}\"",
        settings.base_url, settings.tenant_id, code
    )
}

fn aad_error(status: StatusCode, error: &str, description: String) -> ArmResponse {
    let trace = uuid::Uuid::new_v4().to_string();
    ArmResponse::json(
        status,
        json!({
            "error": error,
            "error_description": description,
            "error_codes": [description
                .strip_prefix("AADSTS")
                .and_then(|rest| rest.split(':').next())
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(0)],
            "timestamp": crate::operations::format_time(crate::operations::now_ms()),
            "trace_id": trace,
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        }),
    )
}

/// Handles `POST /{tenant}/oauth2/v2.0/token` (client-credentials grant, with a secret or a
/// federated assertion).
pub fn token_response(
    authority: &TokenAuthority,
    settings: &Settings,
    tenant: &str,
    body: &[u8],
) -> ArmResponse {
    let mut client_id = None;
    let mut client_secret = None;
    let mut scope = None;
    let mut grant_type = None;
    let mut assertion = None;
    let mut assertion_type = None;
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "client_id" => client_id = Some(value.into_owned()),
            "client_secret" => client_secret = Some(value.into_owned()),
            "client_assertion" => assertion = Some(value.into_owned()),
            "client_assertion_type" => assertion_type = Some(value.into_owned()),
            "scope" => scope = Some(value.into_owned()),
            "grant_type" => grant_type = Some(value.into_owned()),
            _ => {}
        }
    }
    if !tenant.eq_ignore_ascii_case(&settings.tenant_id) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        );
    }
    match grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("AADSTS70003: The app requested an unsupported grant type '{other}'."),
            )
        }
        None => return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'grant_type'."
                .into(),
        ),
    }
    let Some(client_id) = client_id else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'client_id'."
                .into(),
        );
    };
    if client_id != settings.client_id {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{}'.", settings.tenant_id),
        );
    }
    let now_seconds = crate::operations::now_ms() / 1000;
    if let Some(assertion) = assertion {
        if assertion_type.as_deref() != Some(CLIENT_ASSERTION_TYPE) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("AADSTS50027: client_assertion_type must be '{CLIENT_ASSERTION_TYPE}'."),
            );
        }
        if let Err((status, error, description)) =
            authority.check_assertion(&assertion, now_seconds)
        {
            return aad_error(status, error, description);
        }
    } else if client_secret.as_deref() != Some(settings.client_secret.as_str()) {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        );
    }
    let scope = scope.unwrap_or_default();
    let Some(resource) = scope
        .split_whitespace()
        .find_map(|s| s.strip_suffix("/.default"))
    else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!("AADSTS1002012: The provided value for scope '{scope}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
        );
    };
    let token = authority.issue(settings, resource, now_seconds);
    ArmResponse::json(
        StatusCode::OK,
        json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "ext_expires_in": TOKEN_LIFETIME_SECONDS,
            "access_token": token,
        }),
    )
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`, for clients that discover.
pub fn openid_configuration(settings: &Settings, tenant: &str) -> Value {
    let base = &settings.base_url;
    json!({
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "issuer": format!("{base}/{tenant}/v2.0"),
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        "response_types_supported": ["token"],
        "tenant_region_scope": "EU",
    })
}
