//! Messages for the user go through the engine's `Engine.Log` (plugin stdout is hidden since v3.144).
//! One background task sends them in order, so callers never wait on the engine.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tonic::transport::{Channel, Endpoint};

use super::pulumirpc::engine_client::EngineClient;
use super::pulumirpc::{LogRequest, LogSeverity};

/// Severity of a message shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Debug,
    Info,
    Warning,
    Error,
}

struct Message {
    severity: Severity,
    urn: String,
    text: String,
    ephemeral: bool,
}

/// A handle for sending messages to the engine. Cheap to clone.
#[derive(Clone, Default)]
pub struct EngineLog {
    sender: Arc<Mutex<Option<mpsc::UnboundedSender<Message>>>>,
}

impl EngineLog {
    /// Connects (lazily) to the engine at `address` (`127.0.0.1:port`); later calls replace the target.
    pub fn connect(&self, address: &str) {
        let uri = if address.starts_with("http") {
            address.to_string()
        } else {
            format!("http://{address}")
        };
        let Ok(endpoint) = Endpoint::from_shared(uri) else {
            tracing::warn!(
                address,
                "engine address is not a valid URI; messages go to the log only"
            );
            return;
        };
        let channel = endpoint.connect_lazy();
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(forward(EngineClient::new(channel), receiver));
        if let Ok(mut slot) = self.sender.lock() {
            *slot = Some(sender);
        }
    }

    pub fn log(&self, severity: Severity, urn: &str, text: &str, ephemeral: bool) {
        tracing::debug!(?severity, urn, ephemeral, "{text}");
        let sender = self.sender.lock().ok().and_then(|s| s.clone());
        if let Some(sender) = sender {
            let _ = sender.send(Message {
                severity,
                urn: urn.to_string(),
                text: text.to_string(),
                ephemeral,
            });
        }
    }

    /// A progress line on the resource's row, replaced by the next one.
    pub fn status(&self, urn: &str, text: &str) {
        self.log(Severity::Info, urn, text, true);
    }
}

async fn forward(
    mut client: EngineClient<Channel>,
    mut receiver: mpsc::UnboundedReceiver<Message>,
) {
    while let Some(message) = receiver.recv().await {
        let severity = match message.severity {
            Severity::Debug => LogSeverity::Debug,
            Severity::Info => LogSeverity::Info,
            Severity::Warning => LogSeverity::Warning,
            Severity::Error => LogSeverity::Error,
        };
        let request = LogRequest {
            severity: severity as i32,
            message: message.text,
            urn: message.urn,
            stream_id: 0,
            ephemeral: message.ephemeral,
        };
        if let Err(error) = client.log(request).await {
            tracing::debug!(%error, "engine log failed");
        }
    }
}
