//! `requests.jsonl`: one JSON line per request (`method`, `path` with query, `body`, `status`).
//! Lines are written whole with one `write` so concurrent requests never interleave.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{json, Value};

pub const REQUEST_LOG_FILE: &str = "requests.jsonl";

pub struct RequestLog {
    path: PathBuf,
    file: Mutex<File>,
}

pub struct Entry<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub body: Value,
    /// `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    pub request_id: &'a str,
    pub duration_ms: f64,
    pub fault: Option<&'static str>,
    /// The raw body when it was not JSON (kept so malformed input is visible in the log).
    pub raw_body: Option<String>,
}

impl RequestLog {
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join(REQUEST_LOG_FILE);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(RequestLog {
            path,
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, entry: Entry<'_>) {
        let mut line = json!({
            "time": crate::operations::format_time(crate::operations::now_ms()),
            "method": entry.method,
            "path": entry.path,
            "body": entry.body,
            "status": entry.status,
            "requestId": entry.request_id,
            "durationMs": (entry.duration_ms * 1000.0).round() / 1000.0,
        });
        if let Some(object) = line.as_object_mut() {
            if let Some(fault) = entry.fault {
                object.insert("fault".into(), Value::String(fault.into()));
            }
            if let Some(raw) = entry.raw_body {
                object.insert("rawBody".into(), Value::String(raw));
            }
        }
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(&bytes) {
            tracing::warn!(error = %e, "could not append to the request log");
        }
    }
}
