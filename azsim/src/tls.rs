//! The local CA (kept in the data dir so clients keep trusting it across restarts) and the
//! server certificate it signs for 127.0.0.1 / localhost on every start.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::Error;

pub const CA_CERT_FILE: &str = "ca.pem";
pub const CA_KEY_FILE: &str = "ca-key.pem";

pub struct Tls {
    pub ca_pem: String,
    pub ca_path: PathBuf,
    pub server_config: Arc<rustls::ServerConfig>,
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "azsim local CA");
    name.push(DnType::OrganizationName, "azsim");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2099, 1, 1);
    params
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Tls(format!("{what}: {e}"))
}

/// Loads the CA from `data_dir` (creating it on first start) and issues a server certificate.
pub fn load_or_create(data_dir: &Path) -> Result<Tls, Error> {
    let ca_path = data_dir.join(CA_CERT_FILE);
    let key_path = data_dir.join(CA_KEY_FILE);
    let (ca_pem, ca_key) = if ca_path.exists() && key_path.exists() {
        let pem = std::fs::read_to_string(&ca_path)?;
        let key_pem = std::fs::read_to_string(&key_path)?;
        let key = KeyPair::from_pem(&key_pem).map_err(|e| tls_error("reading the CA key", e))?;
        (pem, key)
    } else {
        let key = KeyPair::generate().map_err(|e| tls_error("generating the CA key", e))?;
        let cert = ca_params()
            .self_signed(&key)
            .map_err(|e| tls_error("signing the CA", e))?;
        let pem = cert.pem();
        write_private(&key_path, key.serialize_pem().as_bytes())?;
        std::fs::write(&ca_path, pem.as_bytes())?;
        (pem, key)
    };
    // Re-creating the issuer from the same name and key signs certificates that chain to the
    // stored CA certificate.
    let issuer = Issuer::new(ca_params(), ca_key);

    let server_key = KeyPair::generate().map_err(|e| tls_error("generating the server key", e))?;
    let mut params = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        "::1".to_string(),
    ])
    .map_err(|e| tls_error("server certificate names", e))?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "azsim");
    params.distinguished_name = name;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2099, 1, 1);
    params.use_authority_key_identifier_extension = true;
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .map_err(|e| tls_error("signing the server certificate", e))?;

    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| tls_error("TLS server configuration", e))?;
    // HTTP/1.1 only: a dropped-connection fault then drops exactly one request.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem,
        ca_path,
        server_config: Arc::new(config),
    })
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(contents)?;
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, contents)?;
        Ok(())
    }
}

/// A rustls client configuration trusting only the azsim CA (for tests and tools).
pub fn client_config(ca_pem: &str) -> Result<rustls::ClientConfig, Error> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| tls_error("reading the CA certificate", e))?;
        roots
            .add(cert)
            .map_err(|e| tls_error("trusting the CA certificate", e))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS versions", e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
