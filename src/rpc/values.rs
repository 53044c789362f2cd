//! The single place where `google.protobuf.Struct` becomes [`Value`] and back.
//!
//! Encoding rules (pulumi-protocol.md §5): unknowns are string sentinels, special objects carry the
//! signature key, numbers are doubles. Assets and archives are refused: aksmesh has no use for them.

use std::collections::BTreeMap;

use prost_types::value::Kind;
use prost_types::{ListValue, Struct};

use crate::property::Value;

/// The key that marks special objects (`sig.Key`).
pub const SIGNATURE_KEY: &str = "4dabf18193072939515e22adb298388d";
const SECRET_SIG: &str = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REFERENCE_SIG: &str = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_VALUE_SIG: &str = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const ASSET_SIG: &str = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG: &str = "0def7320c3a5731c473e5ecbe6d01bc7";
const BYTE_STRING_SIG: &str = "803fd3297a5875dc03ca845dda5d2a98";

/// The unknown sentinels, one per expected type; any of them means "unknown".
pub const UNKNOWN_STRING: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const UNKNOWN_SENTINELS: [&str; 7] = [
    UNKNOWN_STRING,
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
];

/// How deeply a property value may nest: a top-level property is level 1, and every object, list,
/// secret or output wrapping a value adds one. aksmesh's own inputs use a handful of levels; the
/// bound keeps every request within prost's recursion limit (about 3 message levels per level), so
/// `rpc::nesting` can replace anything deeper and this module names its path.
pub const MAX_NESTING: u32 = 20;

/// Why a value nested deeper than [`MAX_NESTING`] is refused.
pub fn too_deep_reason() -> String {
    format!(
        "nested more than {MAX_NESTING} levels deep; aksmesh inputs are at most a few levels deep, flatten this value"
    )
}

/// A protobuf value aksmesh cannot accept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("property {path}: assets and archives are not supported by aksmesh; pass the content as a string instead")]
    AssetOrArchive { path: String },
    #[error("property {path}: special object with unknown signature {signature}; upgrade aksmesh or report this as a bug")]
    UnknownSignature { path: String, signature: String },
    #[error("property {path}: {reason}")]
    Malformed { path: String, reason: String },
    #[error("property {path}: {}", too_deep_reason())]
    TooDeep { path: String },
}

/// Converts a protobuf Struct (absent = empty object) into an object [`Value`].
pub fn from_struct(s: Option<&Struct>) -> Result<Value, DecodeError> {
    let mut map = BTreeMap::new();
    if let Some(s) = s {
        for (key, value) in &s.fields {
            map.insert(key.clone(), from_protobuf(value, key, 1)?);
        }
    }
    Ok(Value::Object(map))
}

/// `depth` is the value's level (see [`MAX_NESTING`]); it bounds this recursion too.
fn from_protobuf(value: &prost_types::Value, path: &str, depth: u32) -> Result<Value, DecodeError> {
    if depth > MAX_NESTING {
        return Err(DecodeError::TooDeep { path: path.into() });
    }
    Ok(match &value.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::NumberValue(n)) => Value::Number(*n),
        Some(Kind::StringValue(s)) if UNKNOWN_SENTINELS.contains(&s.as_str()) => Value::Unknown,
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::ListValue(list)) => Value::Array(
            list.values
                .iter()
                .enumerate()
                .map(|(i, v)| from_protobuf(v, &format!("{path}[{i}]"), depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Some(Kind::StructValue(s)) => match s.fields.get(SIGNATURE_KEY) {
            // Its fields, the signature included, are one level deeper: past the bound, rpc::nesting
            // may have emptied them, so the signature cannot be trusted.
            Some(_) if depth >= MAX_NESTING => {
                return Err(DecodeError::TooDeep { path: path.into() })
            }
            Some(signature) => special_object(s, signature, path, depth + 1)?,
            None => Value::Object(
                s.fields
                    .iter()
                    .map(|(k, v)| {
                        Ok((
                            k.clone(),
                            from_protobuf(v, &format!("{path}.{k}"), depth + 1)?,
                        ))
                    })
                    .collect::<Result<_, DecodeError>>()?,
            ),
        },
    })
}

/// `depth` is the level of the object's fields.
fn special_object(
    s: &Struct,
    signature: &prost_types::Value,
    path: &str,
    depth: u32,
) -> Result<Value, DecodeError> {
    let signature = match &signature.kind {
        Some(Kind::StringValue(sig)) => sig.as_str(),
        _ => {
            return Err(DecodeError::Malformed {
                path: path.into(),
                reason: "signature is not a string".into(),
            })
        }
    };
    let field = |name: &str| s.fields.get(name);
    let string_field = |name: &str| match field(name).and_then(|v| v.kind.as_ref()) {
        Some(Kind::StringValue(text)) => Some(text.clone()),
        _ => None,
    };
    Ok(match signature {
        SECRET_SIG => {
            let inner = match field("value") {
                Some(v) => from_protobuf(v, path, depth)?,
                None => Value::Null,
            };
            Value::Secret(Box::new(inner))
        }
        RESOURCE_REFERENCE_SIG => Value::ResourceReference {
            urn: string_field("urn").ok_or_else(|| DecodeError::Malformed {
                path: path.into(),
                reason: "resource reference without urn".into(),
            })?,
            id: match field("id") {
                Some(v) => Some(Box::new(match from_protobuf(v, path, depth)? {
                    // An empty id is the engine's way of saying "unknown".
                    Value::String(id) if id.is_empty() => Value::Unknown,
                    other => other,
                })),
                None => None,
            },
            package_version: string_field("packageVersion").unwrap_or_default(),
        },
        OUTPUT_VALUE_SIG => Value::Output {
            value: match field("value") {
                Some(v) => Some(Box::new(from_protobuf(v, path, depth)?)),
                None => None,
            },
            secret: matches!(
                field("secret").and_then(|v| v.kind.as_ref()),
                Some(Kind::BoolValue(true))
            ),
            dependencies: match field("dependencies").and_then(|v| v.kind.as_ref()) {
                Some(Kind::ListValue(list)) => list
                    .values
                    .iter()
                    .filter_map(|v| match &v.kind {
                        Some(Kind::StringValue(urn)) => Some(urn.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
        },
        BYTE_STRING_SIG => {
            return Err(DecodeError::Malformed {
                path: path.into(),
                reason: "binary (non-UTF-8) strings are not accepted; pass text".into(),
            })
        }
        ASSET_SIG | ARCHIVE_SIG => return Err(DecodeError::AssetOrArchive { path: path.into() }),
        other => {
            return Err(DecodeError::UnknownSignature {
                path: path.into(),
                signature: other.into(),
            })
        }
    })
}

/// Converts an object [`Value`] into a protobuf Struct; a non-object becomes an empty Struct.
pub fn to_struct(value: &Value) -> Struct {
    match value {
        Value::Object(map) => Struct {
            fields: map
                .iter()
                .map(|(k, v)| (k.clone(), to_protobuf(v)))
                .collect(),
        },
        Value::Secret(inner) => to_struct(inner),
        _ => Struct::default(),
    }
}

fn kind(kind: Kind) -> prost_types::Value {
    prost_types::Value { kind: Some(kind) }
}

fn signed(signature: &str, mut fields: BTreeMap<String, prost_types::Value>) -> prost_types::Value {
    fields.insert(
        SIGNATURE_KEY.into(),
        kind(Kind::StringValue(signature.into())),
    );
    kind(Kind::StructValue(Struct {
        fields: fields.into_iter().collect(),
    }))
}

fn to_protobuf(value: &Value) -> prost_types::Value {
    match value {
        Value::Null => kind(Kind::NullValue(0)),
        Value::Bool(b) => kind(Kind::BoolValue(*b)),
        Value::Number(n) => kind(Kind::NumberValue(*n)),
        Value::String(s) => kind(Kind::StringValue(s.clone())),
        Value::Array(items) => kind(Kind::ListValue(ListValue {
            values: items.iter().map(to_protobuf).collect(),
        })),
        Value::Object(_) => kind(Kind::StructValue(to_struct(value))),
        Value::Unknown => kind(Kind::StringValue(UNKNOWN_STRING.into())),
        Value::Secret(inner) => signed(
            SECRET_SIG,
            BTreeMap::from([("value".to_string(), to_protobuf(inner))]),
        ),
        Value::ResourceReference {
            urn,
            id,
            package_version,
        } => {
            let mut fields =
                BTreeMap::from([("urn".to_string(), to_protobuf(&Value::String(urn.clone())))]);
            if let Some(id) = id {
                let id = match id.as_ref() {
                    Value::Unknown => Value::String(String::new()),
                    other => other.clone(),
                };
                fields.insert("id".into(), to_protobuf(&id));
            }
            if !package_version.is_empty() {
                fields.insert(
                    "packageVersion".into(),
                    to_protobuf(&Value::String(package_version.clone())),
                );
            }
            signed(RESOURCE_REFERENCE_SIG, fields)
        }
        Value::Output {
            value,
            secret,
            dependencies,
        } => {
            let mut fields = BTreeMap::new();
            if let Some(v) = value {
                fields.insert("value".to_string(), to_protobuf(v));
            }
            if *secret {
                fields.insert("secret".into(), kind(Kind::BoolValue(true)));
            }
            if !dependencies.is_empty() {
                fields.insert(
                    "dependencies".into(),
                    kind(Kind::ListValue(ListValue {
                        values: dependencies
                            .iter()
                            .map(|d| kind(Kind::StringValue(d.clone())))
                            .collect(),
                    })),
                );
            }
            signed(OUTPUT_VALUE_SIG, fields)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: Value) {
        let object = Value::Object(BTreeMap::from([("v".to_string(), value)]));
        let back = from_struct(Some(&to_struct(&object))).unwrap();
        assert_eq!(back, object);
    }

    #[test]
    fn every_kind_round_trips() {
        round_trip(Value::Null);
        round_trip(Value::Bool(true));
        round_trip(Value::Number(3.0));
        round_trip(Value::Number(-0.5));
        round_trip(Value::String("eastus".into()));
        round_trip(Value::Array(vec![
            Value::Number(1.0),
            Value::String("x".into()),
        ]));
        round_trip(Value::Object(BTreeMap::from([(
            "nested".to_string(),
            Value::Object(BTreeMap::from([("deep".to_string(), Value::Bool(false))])),
        )])));
        round_trip(Value::Unknown);
        round_trip(Value::Secret(Box::new(Value::String("s3cr3t".into()))));
        round_trip(Value::Secret(Box::new(Value::Object(BTreeMap::from([(
            "k".to_string(),
            Value::Number(1.0),
        )])))));
        round_trip(Value::ResourceReference {
            urn: "urn:pulumi:dev::p::aksmesh:index:RegionalNetwork::eus".into(),
            id: Some(Box::new(Value::String("/subscriptions/1/x".into()))),
            package_version: "0.1.0".into(),
        });
        round_trip(Value::ResourceReference {
            urn: "urn:pulumi:dev::p::aksmesh:index:RegionalNetwork::eus".into(),
            id: Some(Box::new(Value::Unknown)),
            package_version: String::new(),
        });
        round_trip(Value::Output {
            value: Some(Box::new(Value::String("v".into()))),
            secret: true,
            dependencies: vec!["urn:a".into(), "urn:b".into()],
        });
        round_trip(Value::Output {
            value: None,
            secret: false,
            dependencies: vec![],
        });
    }

    #[test]
    fn every_unknown_sentinel_is_unknown() {
        for sentinel in UNKNOWN_SENTINELS {
            let s = Struct {
                fields: [(
                    "x".to_string(),
                    kind(Kind::StringValue(sentinel.to_string())),
                )]
                .into_iter()
                .collect(),
            };
            assert_eq!(
                from_struct(Some(&s)).unwrap().get("x"),
                Some(&Value::Unknown)
            );
        }
    }

    #[test]
    fn assets_are_refused_with_the_property_path() {
        let asset = signed(
            ASSET_SIG,
            BTreeMap::from([("text".to_string(), kind(Kind::StringValue("hi".into())))]),
        );
        let s = Struct {
            fields: [(
                "files".to_string(),
                kind(Kind::ListValue(ListValue {
                    values: vec![asset],
                })),
            )]
            .into_iter()
            .collect(),
        };
        let error = from_struct(Some(&s)).unwrap_err();
        assert_eq!(
            error,
            DecodeError::AssetOrArchive {
                path: "files[0]".into()
            }
        );
        assert!(error.to_string().contains("not supported"));
    }

    #[test]
    fn absent_struct_is_an_empty_object() {
        assert_eq!(from_struct(None).unwrap(), Value::Object(BTreeMap::new()));
    }
}
