//! A small HTTPS client for azsim (tests, the benchmark, drift scripts): one keep-alive
//! HTTP/1.1 connection trusting the azsim CA, with a token from azsim's token endpoint.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::StartInfo;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("{0}")]
    Other(String),
}

#[derive(Debug, Clone)]
pub struct ClientResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl ClientResponse {
    /// The body as JSON (`Null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// `error.code` of an ARM error body.
    pub fn error_code(&self) -> Option<String> {
        self.json()
            .get("error")
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
    /// `error.subcode` of an AKS error body: the reason behind a `BadRequest`.
    pub fn error_subcode(&self) -> Option<String> {
        self.json()
            .get("error")
            .and_then(|e| e.get("subcode"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

pub struct Client {
    address: SocketAddr,
    base: String,
    connector: TlsConnector,
    sender: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
    token: Option<String>,
}

impl Client {
    /// A client without a token.
    pub fn anonymous(info: &StartInfo) -> Result<Self, ClientError> {
        let config = crate::tls::client_config(&info.ca_pem)
            .map_err(|e| ClientError::Other(e.to_string()))?;
        Ok(Client {
            address: SocketAddr::from(([127, 0, 0, 1], info.port)),
            base: info.arm_endpoint.clone(),
            connector: TlsConnector::from(Arc::new(config)),
            sender: tokio::sync::Mutex::new(None),
            token: None,
        })
    }

    /// A client holding a token for the configured client id and secret.
    pub async fn connect(info: &StartInfo) -> Result<Self, ClientError> {
        let mut client = Self::anonymous(info)?;
        let token = client.fetch_token(info).await?;
        client.token = Some(token);
        Ok(client)
    }

    /// The same client with another bearer token (or none).
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    async fn fetch_token(&self, info: &StartInfo) -> Result<String, ClientError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &info.client_id)
            .append_pair("client_secret", &info.client_secret)
            .append_pair("scope", "https://management.azure.com/.default")
            .append_pair("grant_type", "client_credentials")
            .finish();
        let path = format!("/{}/oauth2/v2.0/token", info.tenant_id);
        let response = self
            .send(
                "POST",
                &path,
                &[("content-type", "application/x-www-form-urlencoded")],
                form.into_bytes(),
                false,
            )
            .await?;
        response
            .json()
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                ClientError::Other(format!(
                    "token request failed with {}: {}",
                    response.status,
                    String::from_utf8_lossy(&response.body)
                ))
            })
    }

    async fn open(&self) -> Result<SendRequest<Full<Bytes>>, ClientError> {
        let tcp = TcpStream::connect(self.address).await?;
        let _ = tcp.set_nodelay(true);
        let name = rustls::pki_types::ServerName::IpAddress(self.address.ip().into());
        let tls = self.connector.connect(name, tcp).await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends a request; `path` may be a path with query or an absolute azsim URL.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        with_token: bool,
    ) -> Result<ClientResponse, ClientError> {
        let path = path.strip_prefix(&self.base).unwrap_or(path);
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", format!("127.0.0.1:{}", self.address.port()));
        if with_token {
            if let Some(token) = &self.token {
                builder = builder.header("authorization", format!("Bearer {token}"));
            }
        }
        if !body.is_empty()
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            builder = builder.header("content-type", "application/json");
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ClientError::Other(e.to_string()))?;
        let mut guard = self.sender.lock().await;
        let reusable = match guard.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !reusable {
            *guard = Some(self.open().await?);
        }
        let sender = guard
            .as_mut()
            .ok_or_else(|| ClientError::Other("no connection".into()))?;
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                // The connection is gone (e.g. an injected drop); the next call reconnects.
                *guard = None;
                return Err(e.into());
            }
        };
        let closing = response
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if closing {
            *guard = None;
        }
        drop(guard);
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await?.to_bytes().to_vec();
        Ok(ClientResponse {
            status,
            headers,
            body,
        })
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ClientResponse, ClientError> {
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        self.send(method, path, &[], bytes, true).await
    }

    pub async fn get(&self, path: &str) -> Result<ClientResponse, ClientError> {
        self.request("GET", path, None).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Result<ClientResponse, ClientError> {
        self.request("PUT", path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Result<ClientResponse, ClientError> {
        self.request("PATCH", path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Result<ClientResponse, ClientError> {
        self.request("DELETE", path, None).await
    }
    pub async fn post(
        &self,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ClientResponse, ClientError> {
        self.request("POST", path, body).await
    }
}
