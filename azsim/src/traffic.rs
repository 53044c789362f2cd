//! Traffic recording for Microsoft's `oav validate-traffic`: one JSON file per ARM exchange,
//! `{ "liveRequest": { url, method, headers, body }, "liveResponse": { statusCode, headers, body } }`,
//! so every request azsim answers (long-running-operation polls and errors included) can be
//! checked against the Azure REST API specifications. Off unless a traffic directory is configured.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderMap;
use serde_json::{json, Map, Value};

pub struct TrafficLog {
    dir: PathBuf,
    sequence: AtomicU64,
}

/// One request and its answer, as azsim saw them.
pub struct Exchange<'a> {
    /// Absolute URL with the query (oav needs the `api-version` in it).
    pub url: &'a str,
    pub method: &'a str,
    pub request_headers: &'a HeaderMap,
    /// `Null` when there was no JSON body.
    pub request_body: Value,
    pub status: u16,
    pub response_headers: &'a HeaderMap,
    pub response_body: &'a [u8],
    pub request_id: &'a str,
}

impl TrafficLog {
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(TrafficLog {
            dir: dir.to_path_buf(),
            sequence: AtomicU64::new(0),
        })
    }

    pub fn record(&self, exchange: Exchange<'_>) {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{sequence:06}-{}-{}.json",
            exchange.method.to_ascii_lowercase(),
            exchange.request_id
        );
        let document = to_document(&exchange);
        let bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
        if let Err(e) = std::fs::write(self.dir.join(&name), bytes) {
            tracing::warn!(error = %e, file = %name, "could not write a traffic file");
        }
    }
}

fn to_document(exchange: &Exchange<'_>) -> Value {
    // A body that is not JSON (or empty) is kept as text so oav reports it rather than skipping it.
    let response_body = if exchange.response_body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(exchange.response_body).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(exchange.response_body).into_owned())
        })
    };
    json!({
        "liveRequest": {
            "url": exchange.url,
            "method": exchange.method,
            "headers": headers(exchange.request_headers),
            "body": exchange.request_body,
        },
        "liveResponse": {
            // oav reads the status code as a string.
            "statusCode": exchange.status.to_string(),
            "headers": headers(exchange.response_headers),
            "body": response_body,
        },
    })
}

/// Headers as one string per lower-case name; the bearer token is left out (it is a credential and
/// no Azure operation declares it as a parameter).
fn headers(map: &HeaderMap) -> Value {
    let mut out = Map::new();
    for name in map.keys() {
        if name == axum::http::header::AUTHORIZATION {
            continue;
        }
        let values: Vec<&str> = map
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        out.insert(name.as_str().to_string(), Value::String(values.join(", ")));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn header_map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn documents_have_oav_shape_and_omit_the_token() {
        let request_headers = header_map(&[
            ("authorization", "Bearer secret"),
            ("content-type", "application/json"),
        ]);
        let response_headers = header_map(&[("location", "https://x/op"), ("retry-after", "1")]);
        let cases: &[(&[u8], Value)] = &[
            (b"{\"id\":\"/x\"}", json!({"id": "/x"})),
            (b"", Value::Null),
            (b"not json", json!("not json")),
        ];
        for (raw, expected) in cases {
            let document = to_document(&Exchange {
                url: "https://127.0.0.1:1/subscriptions/s?api-version=2025-04-01",
                method: "PUT",
                request_headers: &request_headers,
                request_body: json!({"location": "westeurope"}),
                status: 202,
                response_headers: &response_headers,
                response_body: raw,
                request_id: "r",
            });
            assert_eq!(document["liveResponse"]["body"], *expected);
            assert_eq!(document["liveResponse"]["statusCode"], "202");
            assert_eq!(document["liveResponse"]["headers"]["retry-after"], "1");
            assert_eq!(
                document["liveRequest"]["url"],
                "https://127.0.0.1:1/subscriptions/s?api-version=2025-04-01"
            );
            assert_eq!(document["liveRequest"]["method"], "PUT");
            assert_eq!(document["liveRequest"]["body"]["location"], "westeurope");
            assert_eq!(
                document["liveRequest"]["headers"],
                json!({"content-type": "application/json"})
            );
        }
    }

    #[test]
    fn files_are_numbered_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let log = TrafficLog::open(&dir.path().join("traffic")).unwrap();
        let empty = HeaderMap::new();
        for method in ["GET", "DELETE"] {
            log.record(Exchange {
                url: "https://h/p",
                method,
                request_headers: &empty,
                request_body: Value::Null,
                status: 200,
                response_headers: &empty,
                response_body: b"{}",
                request_id: "id",
            });
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("traffic"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["000000-get-id.json", "000001-delete-id.json"]);
    }
}
