//! azsim: a local, persistent simulator of the Azure Resource Manager slice aksmesh uses.
//!
//! It serves HTTPS on 127.0.0.1 with its own CA, issues Entra-style tokens to one client,
//! and implements resource groups, networking, AKS, role assignments, Front Door and Fleet
//! with ARM's semantics (long-running operations, error shapes, conflicts, subscription throttling), realistic
//! durations scaled by `time_scale`, fault injection and durable state. See README.md.
//!
//! ```no_run
//! # async fn demo() -> Result<(), azsim::Error> {
//! let mut config = azsim::Config::new("/tmp/azsim-data");
//! config.time_scale = 0.001;
//! let running = azsim::start(config).await?;
//! println!("ARM at {}", running.info().arm_endpoint);
//! running.shutdown().await;
//! # Ok(()) }
//! ```

pub mod arm;
mod auth;
mod cidr;
pub mod client;
mod faults;
mod operations;
mod request_log;
mod resources;
mod server;
mod state;
mod store;
mod throttle;
mod tls;
mod traffic;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::FaultSpecError;
pub use operations::base_duration_ms;
pub use state::Action;
pub use throttle::{BucketLimit, RequestKind, ThrottleConfig, ARM_DELETES, ARM_READS, ARM_WRITES};

pub const DEFAULT_TENANT_ID: &str = "72f988bf-0000-4000-8000-000000000001";
pub const DEFAULT_CLIENT_ID: &str = "aksmesh-test-client";
pub const DEFAULT_CLIENT_SECRET: &str = "azsim-secret";
pub const DEFAULT_SUBSCRIPTION_ID: &str = "00000000-0000-4000-8000-000000000001";

/// File (in the data dir) where the SQLite state lives.
pub const STATE_FILE: &str = "state.sqlite";
/// File (in the data dir) holding the last start's [`StartInfo`] as JSON.
pub const START_INFO_FILE: &str = "azsim.json";

#[derive(Debug, Clone)]
pub struct Config {
    /// TCP port on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// Where the CA, the state, the token key and `requests.jsonl` live.
    pub data_dir: PathBuf,
    /// Multiplies every operation duration (0.001 makes a 6-minute AKS create 0.36 s).
    pub time_scale: f64,
    /// Fault spec (README.md "Faults"), e.g. `429:0.1,drop:0.01`.
    pub faults: Option<String>,
    /// Seed of the fault RNG.
    pub seed: u64,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub subscription_id: String,
    /// When set, every ARM exchange is also written here as one JSON file in the traffic format of
    /// Microsoft's `oav validate-traffic` (README.md "Traffic"). Token and control requests are not.
    pub traffic_dir: Option<PathBuf>,
    /// ARM's subscription throttling (token buckets per subscription, principal and kind; README.md
    /// "Throttling"). On by default with Microsoft's published limits.
    pub throttle: ThrottleConfig,
}

/// Environment variable that sets [`Config::traffic_dir`] when the caller left it unset.
pub const TRAFFIC_DIR_ENV: &str = "AZSIM_TRAFFIC_DIR";

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            port: 0,
            data_dir: data_dir.into(),
            time_scale: 1.0,
            faults: None,
            seed: 0,
            tenant_id: DEFAULT_TENANT_ID.into(),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            subscription_id: DEFAULT_SUBSCRIPTION_ID.into(),
            traffic_dir: None,
            throttle: ThrottleConfig::default(),
        }
    }
}

/// Where a running azsim answers; printed as one JSON line by `azsim serve`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartInfo {
    pub arm_endpoint: String,
    pub authority_host: String,
    pub token_endpoint: String,
    pub ca_cert_path: PathBuf,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub subscription_id: String,
    pub request_log: PathBuf,
    pub control_endpoint: String,
    /// A service-account token the configured app accepts as a federated credential: point
    /// `AZURE_FEDERATED_TOKEN_FILE` here to use workload identity.
    pub federated_token_path: PathBuf,
    /// App Service-style managed identity: set `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` to these.
    pub identity_endpoint: String,
    pub identity_header: String,
    /// A GitHub Actions job's OIDC pair: set `ACTIONS_ID_TOKEN_REQUEST_URL` and
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` to these (the URL already carries a query string).
    pub github_id_token_request_url: String,
    pub github_id_token_request_token: String,
    /// The CA certificate (PEM) clients must trust.
    #[serde(skip)]
    pub ca_pem: String,
    #[serde(skip)]
    pub port: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("state store: {0}")]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    FaultSpec(#[from] FaultSpecError),
    #[error("configuration: {0}")]
    Config(String),
}

/// A running azsim. Dropping it stops the server too; [`Running::shutdown`] also waits.
pub struct Running {
    info: StartInfo,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    pub fn info(&self) -> &StartInfo {
        &self.info
    }

    pub fn port(&self) -> u16 {
        self.info.port
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Starts azsim on the caller's tokio runtime.
pub async fn start(config: Config) -> Result<Running, Error> {
    if !config.time_scale.is_finite() || config.time_scale < 0.0 {
        return Err(Error::Config(format!(
            "time scale must be a finite number ≥ 0, got {}",
            config.time_scale
        )));
    }
    config
        .throttle
        .validate()
        .map_err(|e| Error::Config(format!("throttling: {e}")))?;
    let dir = config.data_dir.clone();
    std::fs::create_dir_all(&dir)?;
    let tls = tls::load_or_create(&dir)?;
    let tokens = auth::TokenAuthority::load_or_create(&dir)?;
    let faults = match config.faults.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(spec) => faults::FaultPlan::parse(spec, config.seed)?,
        None => faults::FaultPlan::none(config.seed),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let port = listener.local_addr()?.port();
    let base_url = format!("https://127.0.0.1:{port}");
    let settings = state::Settings {
        subscription_id: config.subscription_id.clone(),
        tenant_id: config.tenant_id.clone(),
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        time_scale: config.time_scale,
        base_url: base_url.clone(),
        identity_header: uuid::Uuid::new_v4().simple().to_string(),
        github_request_token: uuid::Uuid::new_v4().simple().to_string(),
    };
    let federated_token_path = auth::write_federated_token(&tokens, &settings, &dir)?;

    let mut store = store::Store::open(&dir.join(STATE_FILE))?;
    let (resources, operations) = store.load()?;
    let mut world = state::World::load(resources, operations);
    // Operations that fell due while azsim was stopped finish now, on their own schedule.
    let now = operations::now_ms();
    resources::advance(&mut world, &settings, now);
    world.forget_operations_before(now - 24 * 60 * 60 * 1000);
    world.commit(&mut store)?;

    let log = request_log::RequestLog::open(&dir)?;
    let traffic_dir = config.traffic_dir.clone().or_else(|| {
        std::env::var_os(TRAFFIC_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let traffic = traffic_dir
        .as_deref()
        .map(traffic::TrafficLog::open)
        .transpose()?;
    let info = StartInfo {
        arm_endpoint: base_url.clone(),
        authority_host: format!("{base_url}/"),
        token_endpoint: format!("{base_url}/{}/oauth2/v2.0/token", config.tenant_id),
        ca_cert_path: tls.ca_path.clone(),
        tenant_id: config.tenant_id.clone(),
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        subscription_id: config.subscription_id.clone(),
        request_log: log.path().to_path_buf(),
        control_endpoint: format!("{base_url}/azsim"),
        federated_token_path,
        identity_endpoint: format!("{base_url}/msi/token"),
        identity_header: settings.identity_header.clone(),
        github_id_token_request_url: format!(
            "{base_url}{}?api-version=2.0",
            auth::GITHUB_ID_TOKEN_PATH
        ),
        github_id_token_request_token: settings.github_request_token.clone(),
        ca_pem: tls.ca_pem.clone(),
        port,
    };
    if let Ok(json) = serde_json::to_vec_pretty(&info) {
        let _ = std::fs::write(dir.join(START_INFO_FILE), json);
    }
    let app = Arc::new(server::AppState {
        settings,
        inner: Mutex::new(server::Inner { world, store }),
        tokens,
        faults: Mutex::new(faults),
        log,
        traffic,
        seed: config.seed,
        throttle: throttle::Throttle::new(config.throttle.clone(), config.time_scale),
    });
    let (tx, rx) = oneshot::channel();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config.clone());
    let task = tokio::spawn(server::serve(listener, acceptor, app, rx));
    tracing::info!(endpoint = %info.arm_endpoint, data_dir = %dir.display(), "azsim started");
    Ok(Running {
        info,
        shutdown: Some(tx),
        task,
    })
}
