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

/// Builds a protobuf Struct from JSON (plain values only; see [`non_finite`]).
pub fn to_struct(json: serde_json::Value) -> prost_types::Struct {
    let value = aksmesh::property::Value::from_plain(&json, &Default::default());
    let mut message = aksmesh::rpc::values::to_struct(&value);
    for field in message.fields.values_mut() {
        restore_non_finite(field);
    }
    message
}

const NON_FINITE_KEY: &str = "$nonFiniteNumber";

/// JSON has no infinity or NaN, but the engine can send them (YAML's `.inf`, `.nan`): tables write
/// them with this marker, which [`to_struct`] turns into the number itself.
pub fn non_finite(number: f64) -> serde_json::Value {
    serde_json::json!({ NON_FINITE_KEY: number.to_string() })
}

fn restore_non_finite(value: &mut prost_types::Value) {
    use prost_types::value::Kind;
    match &mut value.kind {
        Some(Kind::StructValue(inner)) => {
            let marked = match (inner.fields.len(), inner.fields.get(NON_FINITE_KEY)) {
                (
                    1,
                    Some(prost_types::Value {
                        kind: Some(Kind::StringValue(text)),
                    }),
                ) => text.parse::<f64>().ok(),
                _ => None,
            };
            match marked {
                Some(number) => value.kind = Some(Kind::NumberValue(number)),
                None => inner.fields.values_mut().for_each(restore_non_finite),
            }
        }
        Some(Kind::ListValue(list)) => list.values.iter_mut().for_each(restore_non_finite),
        _ => {}
    }
}

/// Turns a protobuf Struct back into plain JSON.
pub fn to_json(s: &prost_types::Struct) -> serde_json::Value {
    aksmesh::rpc::values::from_struct(Some(s))
        .expect("decodable struct")
        .to_plain()
        .0
}

pub const SUBSCRIPTION: &str = "00000000-0000-4000-8000-000000000001";

/// One bad argument set for a function, as a row of a table: invoking it with `args` must report
/// its first failure at `property`, with a reason naming every one of `hints` (and, when `only`,
/// no other failure).
pub struct InvokeRejection {
    pub case: &'static str,
    pub args: serde_json::Value,
    pub property: &'static str,
    pub hints: &'static [&'static str],
    pub only: bool,
}

impl InvokeRejection {
    pub fn new(
        case: &'static str,
        args: serde_json::Value,
        property: &'static str,
        hints: &'static [&'static str],
    ) -> Self {
        InvokeRejection {
            case,
            args,
            property,
            hints,
            only: false,
        }
    }

    /// The row's failure must be the only one reported.
    pub fn only(self) -> Self {
        InvokeRejection { only: true, ..self }
    }
}

/// Invokes the function `token` once per row on an unconfigured provider (functions need no
/// Azure) and names every row whose failures differ from what it expects in one panic.
pub async fn assert_invoke_rejects(token: &str, rows: &[InvokeRejection]) {
    let provider = start_provider(BTreeMap::new()).await;
    let mut wrong = Vec::new();
    for row in rows {
        let failures: Vec<(String, String)> = provider
            .client
            .clone()
            .invoke(aksmesh::rpc::pulumirpc::InvokeRequest {
                tok: token.into(),
                args: Some(to_struct(row.args.clone())),
                preview: false,
            })
            .await
            .expect("invoke")
            .into_inner()
            .failures
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect();
        let first_matches = failures.first().is_some_and(|(property, reason)| {
            property == row.property && row.hints.iter().all(|hint| reason.contains(hint))
        });
        if !first_matches || (row.only && failures.len() != 1) {
            let expected = if row.only { "only" } else { "first" };
            wrong.push(format!(
                "{}: expected the {expected} failure at {} naming {:?}, got {failures:?}",
                row.case, row.property, row.hints
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{token} table of {} rows:\n{}",
        rows.len(),
        wrong.join("\n")
    );
}
