//! Test support: the provider served in-process on loopback, a recording Engine for its logs, and
//! real Pulumi projects (`pulumi`).
#![allow(dead_code)]

pub mod azsim;
pub mod lifecycle;
pub mod programs;
pub mod pulumi;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aksmesh::provider::Registry;
use aksmesh::rpc::engine::EngineLog;
use aksmesh::rpc::pulumirpc::engine_server::{Engine, EngineServer};
use aksmesh::rpc::pulumirpc::resource_provider_client::ResourceProviderClient;
use aksmesh::rpc::pulumirpc::LogRequest;
use aksmesh::rpc::server::ProviderService;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

pub type Client = ResourceProviderClient<Channel>;

/// A provider served on 127.0.0.1 with a fixed environment (never the machine's).
pub struct TestProvider {
    pub client: Client,
    pub address: String,
    pub cancel: CancellationToken,
}

pub async fn start_provider(environment: BTreeMap<String, String>) -> TestProvider {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address").to_string();
    let cancel = CancellationToken::new();
    let service = ProviderService::new(Registry::aksmesh(), cancel.clone(), EngineLog::default())
        .with_environment(move |name| environment.get(name).cloned());
    tokio::spawn(aksmesh::rpc::server::serve(
        listener,
        service,
        std::future::pending(),
    ));
    let client = ResourceProviderClient::connect(format!("http://{address}"))
        .await
        .expect("connect to provider");
    TestProvider {
        client,
        address,
        cancel,
    }
}

/// An Engine that records every Log request.
#[derive(Clone, Default)]
pub struct RecordingEngine {
    pub messages: Arc<Mutex<Vec<LogRequest>>>,
}

#[tonic::async_trait]
impl Engine for RecordingEngine {
    async fn log(
        &self,
        request: tonic::Request<LogRequest>,
    ) -> Result<tonic::Response<()>, tonic::Status> {
        self.messages.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(()))
    }
}

impl RecordingEngine {
    /// The messages so far, once one of them matches `wanted`; log calls are delivered in the
    /// background, so a test waits for the line instead of sleeping a guessed time.
    pub async fn messages_once(&self, wanted: impl Fn(&LogRequest) -> bool) -> Vec<LogRequest> {
        for _ in 0..200 {
            let messages = self.messages.lock().unwrap().clone();
            if messages.iter().any(&wanted) {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        self.messages.lock().unwrap().clone()
    }
}

/// Serves a recording engine on loopback and returns its address.
pub async fn start_engine() -> (RecordingEngine, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address").to_string();
    let engine = RecordingEngine::default();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(EngineServer::new(engine.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    (engine, address)
}

/// Builds a protobuf Struct from JSON (plain values only).
pub fn to_struct(json: serde_json::Value) -> prost_types::Struct {
    let value = aksmesh::property::Value::from_plain(&json, &Default::default());
    aksmesh::rpc::values::to_struct(&value)
}

/// Turns a protobuf Struct back into plain JSON.
pub fn to_json(s: &prost_types::Struct) -> serde_json::Value {
    aksmesh::rpc::values::from_struct(Some(s))
        .expect("decodable struct")
        .to_plain()
        .0
}

pub const SUBSCRIPTION: &str = "00000000-0000-4000-8000-000000000001";
