//! The HTTP client shared by ARM calls and token requests.
//!
//! A `reqwest` client (rustls, the platform's root store) that additionally trusts the configured
//! CA certificate(s). It is handed to azure_core as an [`HttpClient`] through
//! `ClientOptions::transport`, both for the ARM pipeline and for azure_identity's credentials, so
//! the token endpoint of a private or simulated cloud is verified against the same CA.

use std::sync::Arc;
use std::time::Duration;

use azure_core::http::HttpClient;

use super::error::{AzureError, AzureResult};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds the HTTP client; `extra_ca_certificate_pem` may hold one or more PEM certificates.
pub fn build_http_client(
    extra_ca_certificate_pem: Option<&str>,
) -> AzureResult<Arc<dyn HttpClient>> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        // ARM answers with Location headers that mean "poll here", never "follow me".
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = extra_ca_certificate_pem.filter(|pem| !pem.trim().is_empty()) {
        builder = builder.tls_certs_merge(parse_certificates(pem)?);
    }
    let client = builder.build().map_err(|error| {
        AzureError::config(format!("could not build the HTTPS client: {error}"))
    })?;
    Ok(Arc::new(client))
}

fn parse_certificates(pem: &str) -> AzureResult<Vec<reqwest::Certificate>> {
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(AzureError::config(
            "the extra CA certificate is not PEM text (expected -----BEGIN CERTIFICATE-----); \
             pass the certificate's contents, not its path",
        ));
    }
    let certificates = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|error| {
        AzureError::config(format!(
            "the extra CA certificate is not valid PEM: {error}"
        ))
    })?;
    if certificates.is_empty() {
        return Err(AzureError::config(
            "the extra CA certificate PEM contains no certificate",
        ));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_pem() {
        let error = build_http_client(Some("/etc/ssl/my-ca.pem")).unwrap_err();
        assert!(error.to_string().contains("not PEM"), "{error}");
        let error = build_http_client(Some(
            "-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n",
        ))
        .unwrap_err();
        assert!(matches!(error, AzureError::Config { .. }), "{error}");
    }

    /// A throwaway self-signed CA (public certificate only), valid until 2126.
    const TEST_CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBlTCCATugAwIBAgIUScXPpK0c1XE1oI2AZDjM67YL9cowCgYIKoZIzj0EAwIw\nHzEdMBsGA1UEAwwUYWtzbWVzaCB1bml0IHRlc3QgQ0EwIBcNMjYxMTI2MTMxMjM0\nWhgPMjEyNjExMDIxMzEyMzRaMB8xHTAbBgNVBAMMFGFrc21lc2ggdW5pdCB0ZXN0\nIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEi8qDJbEVXwxQReI150xz2lB/\n5R3uXNNiu8shuRzGcZq+2zKMWtBPjMTdCmQ6OMFzwYZGDizEGNtMwSDY/AsQYKNT\nMFEwHQYDVR0OBBYEFEB2wCpmQGxDUlbWcsD/nbJwnexPMB8GA1UdIwQYMBaAFEB2\nwCpmQGxDUlbWcsD/nbJwnexPMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID\nSAAwRQIhAKJtBe/ZGoPF5zXxxUTDX/6/chjRbQIJu84heuIwBaXvAiA6Uh8UIkSX\ntjbHHNVvZQsqofGg3AW9ZP9lby2yKhkNpg==\n-----END CERTIFICATE-----\n";

    #[test]
    fn accepts_a_pem_bundle() {
        assert_eq!(parse_certificates(TEST_CA_PEM).unwrap().len(), 1);
        let bundle = format!("{TEST_CA_PEM}{TEST_CA_PEM}");
        assert_eq!(parse_certificates(&bundle).unwrap().len(), 2);
        assert!(build_http_client(Some(TEST_CA_PEM)).is_ok());
    }

    #[test]
    fn builds_without_extra_ca() {
        assert!(build_http_client(None).is_ok());
        assert!(build_http_client(Some("  ")).is_ok());
    }
}
