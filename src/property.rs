//! Pulumi's property values as plain Rust data: what the engine sends and receives, minus protobuf.
//!
//! The RPC layer converts `google.protobuf.Struct` into [`Value`] once; resources then see typed inputs
//! produced by [`Value::to_typed`], which also reports which paths were unknown (preview) or secret.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::vocabulary::PROPERTY_PLACEHOLDER;

/// One Pulumi property value, with the engine's special values kept.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(BTreeMap<String, Value>),
    /// A value the engine does not know yet (only during preview).
    Unknown,
    Secret(Box<Value>),
    ResourceReference {
        urn: String,
        id: Option<Box<Value>>,
        package_version: String,
    },
    /// An output value; `None` is an unknown one.
    Output {
        value: Option<Box<Value>>,
        secret: bool,
        dependencies: Vec<String>,
    },
}

/// A property path in the engine's syntax: `regions[0].vnetCidr`.
pub type PropertyPath = String;

/// Appends an object key to a path, quoting keys the dotted syntax cannot hold.
pub fn join_key(path: &str, key: &str) -> PropertyPath {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", serde_json::Value::String(key.to_string())),
    }
}

/// The path with every array index written `[*]`, so one secret path covers every element
/// (`clusters[*].helmValues`).
fn any_index(path: &str) -> PropertyPath {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        match rest.find(']') {
            Some(close) if close > 0 && rest[..close].bytes().all(|b| b.is_ascii_digit()) => {
                out.push('*');
                rest = &rest[close..];
            }
            _ => {}
        }
    }
    out.push_str(rest);
    out
}

/// Appends an array index to a path.
pub fn join_index(path: &str, index: usize) -> PropertyPath {
    format!("{path}[{index}]")
}

/// What plain data loses of a value: which paths were unknown or secret, and which strings were
/// given empty (a typed `String` with a default cannot tell `""` from "not given").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Annotations {
    pub unknown: BTreeSet<PropertyPath>,
    pub secret: BTreeSet<PropertyPath>,
    pub empty: BTreeSet<PropertyPath>,
    /// Infinite and NaN numbers, which plain JSON can only hold as null.
    pub non_finite: BTreeMap<PropertyPath, f64>,
}

impl Annotations {
    /// True when the value at `path` was given as an empty string.
    pub fn is_given_empty(&self, path: &str) -> bool {
        self.empty.contains(path)
    }

    /// True when `path` or anything beneath it is unknown.
    pub fn is_unknown(&self, path: &str) -> bool {
        self.unknown
            .iter()
            .any(|p| p == path || is_beneath(p, path) || is_beneath(path, p))
    }
}

/// Is `path` strictly beneath `ancestor` (`a.b` is beneath `a`, `a[0]` is beneath `a`)?
pub fn is_beneath(path: &str, ancestor: &str) -> bool {
    path.len() > ancestor.len()
        && path.starts_with(ancestor)
        && matches!(path.as_bytes()[ancestor.len()], b'.' | b'[')
}

/// A value could not be turned into the type a resource expects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TypeError {
    /// Property path of the offending value, empty for the whole object.
    pub path: PropertyPath,
    pub message: String,
}

impl Value {
    /// An object from key-value pairs (what components build child inputs and outputs from).
    pub fn object<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Self {
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown | Value::Output { value: None, .. })
    }

    pub fn contains_unknowns(&self) -> bool {
        match self {
            Value::Unknown | Value::Output { value: None, .. } => true,
            Value::Array(items) => items.iter().any(Value::contains_unknowns),
            Value::Object(map) => map.values().any(Value::contains_unknowns),
            Value::Secret(inner) => inner.contains_unknowns(),
            Value::Output { value: Some(v), .. } => v.contains_unknowns(),
            Value::ResourceReference { id, .. } => id.as_deref().is_some_and(Value::is_unknown),
            _ => false,
        }
    }

    /// Adds the URNs that the output values inside this value depend on.
    pub fn collect_output_dependencies(&self, into: &mut BTreeSet<String>) {
        match self {
            Value::Output {
                value,
                dependencies,
                ..
            } => {
                into.extend(dependencies.iter().cloned());
                if let Some(inner) = value {
                    inner.collect_output_dependencies(into);
                }
            }
            Value::Array(items) => items
                .iter()
                .for_each(|item| item.collect_output_dependencies(into)),
            Value::Object(map) => map
                .values()
                .for_each(|item| item.collect_output_dependencies(into)),
            Value::Secret(inner) => inner.collect_output_dependencies(into),
            _ => {}
        }
    }

    /// Looks up a top-level key of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => map.get(key),
            Value::Secret(inner) => inner.get(key),
            _ => None,
        }
    }

    /// Splits the value into plain JSON and the paths that were unknown or secret.
    ///
    /// Unknowns become `null`; secrets and outputs are unwrapped; a resource reference becomes its id.
    pub fn to_plain(&self) -> (serde_json::Value, Annotations) {
        let mut annotations = Annotations::default();
        let plain = self.plain_at("", &mut annotations);
        (plain, annotations)
    }

    fn plain_at(&self, path: &str, annotations: &mut Annotations) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => {
                if !n.is_finite() {
                    annotations.non_finite.insert(path.to_string(), *n);
                }
                number_to_json(*n)
            }
            Value::String(s) => {
                if s.is_empty() {
                    annotations.empty.insert(path.to_string());
                }
                Json::String(s.clone())
            }
            Value::Array(items) => Json::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v.plain_at(&join_index(path, i), annotations))
                    .collect(),
            ),
            Value::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.plain_at(&join_key(path, k), annotations)))
                    .collect(),
            ),
            Value::Unknown => {
                annotations.unknown.insert(path.to_string());
                Json::Null
            }
            Value::Secret(inner) => {
                annotations.secret.insert(path.to_string());
                inner.plain_at(path, annotations)
            }
            Value::Output { value, secret, .. } => {
                if *secret {
                    annotations.secret.insert(path.to_string());
                }
                match value {
                    Some(v) => v.plain_at(path, annotations),
                    None => {
                        annotations.unknown.insert(path.to_string());
                        Json::Null
                    }
                }
            }
            Value::ResourceReference { urn, id, .. } => match id.as_deref() {
                Some(Value::String(id)) if !id.is_empty() => Json::String(id.clone()),
                Some(v) if v.is_unknown() => {
                    annotations.unknown.insert(path.to_string());
                    Json::Null
                }
                _ => Json::String(urn.clone()),
            },
        }
    }

    /// Builds a value from plain JSON, marking the given paths secret.
    pub fn from_plain(json: &serde_json::Value, secret_paths: &BTreeSet<PropertyPath>) -> Value {
        // With no secret path, nodes need no names (large outputs, such as a 20-region
        // connectivity matrix, have tens of thousands of them).
        let root = (!secret_paths.is_empty()).then_some("");
        Self::from_plain_at(json, root, secret_paths)
    }

    /// `path` is the node's property path, or `None` when no path is secret.
    fn from_plain_at(
        json: &serde_json::Value,
        path: Option<&str>,
        secret_paths: &BTreeSet<PropertyPath>,
    ) -> Value {
        use serde_json::Value as Json;
        let value = match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let child = path.map(|path| join_index(path, i));
                        Self::from_plain_at(v, child.as_deref(), secret_paths)
                    })
                    .collect(),
            ),
            Json::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let child = path.map(|path| join_key(path, k));
                        (
                            k.clone(),
                            Self::from_plain_at(v, child.as_deref(), secret_paths),
                        )
                    })
                    .collect(),
            ),
        };
        let secret = path.is_some_and(|path| {
            !path.is_empty()
                && (secret_paths.contains(path) || secret_paths.contains(&any_index(path)))
        });
        if secret && !matches!(value, Value::Null) {
            Value::Secret(Box::new(value))
        } else {
            value
        }
    }

    pub fn from_typed<T: Serialize>(
        typed: &T,
        secret_paths: &BTreeSet<PropertyPath>,
    ) -> Result<Value, TypeError> {
        let json = serde_json::to_value(typed).map_err(|e| TypeError {
            path: String::new(),
            message: e.to_string(),
        })?;
        Ok(Self::from_plain(&json, secret_paths))
    }

    /// Deserialises into the type a resource expects, reporting the path of the first mismatch.
    ///
    /// Unknown leaves (preview) are given a placeholder of whatever type the target field takes, so
    /// a typed value always exists; the returned annotations say which paths are placeholders.
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<(T, Annotations), TypeError> {
        let typed = self.to_typed_all::<T>();
        match (typed.value, typed.errors.into_iter().next()) {
            (Some(value), None) => Ok((value, typed.annotations)),
            (_, Some(error)) => Err(error),
            (None, None) => Err(TypeError {
                path: String::new(),
                message: "the value could not be read".into(),
            }),
        }
    }

    /// Like [`to_typed`](Self::to_typed), but reports every mismatch at once: each offending value
    /// is set aside (a placeholder of a type that fits is put in its place) and marked unknown in
    /// the annotations, so the typed value that remains can still be validated for other problems.
    pub fn to_typed_all<T: DeserializeOwned>(&self) -> Typed<T> {
        let (mut json, mut annotations) = self.to_plain();
        // JSON has no infinity or NaN, so they would arrive as null, i.e. "not given": refuse them
        // here, where the path is still known.
        let mut errors: Vec<TypeError> = Vec::new();
        for (path, number) in std::mem::take(&mut annotations.non_finite) {
            errors.push(TypeError {
                message: format!(
                    "{PROPERTY_PLACEHOLDER} is {number}, which is not a number aksmesh can use; give a finite number"
                ),
                path: path.clone(),
            });
            annotations.unknown.insert(path);
        }
        let mut tried: BTreeMap<PropertyPath, usize> = BTreeMap::new();
        // Every attempt sets one path aside; a value has far fewer paths than this.
        for _ in 0..MAX_REPAIRS {
            let error = match serde_path_to_error::deserialize::<_, T>(&json) {
                Ok(value) => {
                    return Typed {
                        value: Some(value),
                        annotations,
                        errors,
                    }
                }
                Err(error) => error,
            };
            let path = engine_path(error.path());
            let was_unknown = annotations.unknown.contains(&path);
            if !was_unknown
                && !errors
                    .iter()
                    .any(|e| e.path == path || is_beneath(&e.path, &path))
            {
                errors.push(TypeError {
                    path: path.clone(),
                    message: error.inner().to_string(),
                });
            }
            if path.is_empty() {
                break;
            }
            let attempt = tried.entry(path.clone()).or_insert(0);
            if !set_aside(&mut json, &path, *attempt) {
                // Nothing fits here: set the enclosing value aside instead.
                let parent = parent_path(&path);
                if parent.is_empty() {
                    break;
                }
                annotations.unknown.insert(parent.clone());
                set_aside(&mut json, &parent, 0);
                continue;
            }
            *attempt += 1;
            annotations.unknown.insert(path);
        }
        Typed {
            value: None,
            annotations,
            errors,
        }
    }
}

/// A value read into a Rust type, with every type mismatch found on the way.
pub struct Typed<T> {
    /// The typed value, with the mismatched paths set aside; `None` when nothing usable remained.
    pub value: Option<T>,
    /// Unknown and secret paths; set-aside paths count as unknown.
    pub annotations: Annotations,
    pub errors: Vec<TypeError>,
}

/// Bound on the repairs [`Value::to_typed_all`] makes, against pathological inputs.
const MAX_REPAIRS: usize = 4096;

/// Puts the `attempt`-th placeholder at `path`; false when every placeholder has been tried.
fn set_aside(json: &mut serde_json::Value, path: &str, attempt: usize) -> bool {
    match PLACEHOLDERS.get(attempt) {
        Some(placeholder) => {
            set_at(json, path, placeholder());
            true
        }
        None => false,
    }
}

fn parent_path(path: &str) -> PropertyPath {
    let Some(mut segments) = parse_path(path) else {
        return String::new();
    };
    segments.pop();
    segments
        .into_iter()
        .fold(String::new(), |out, segment| match segment {
            PathSegment::Key(key) => join_key(&out, &key),
            PathSegment::Index(i) => join_index(&out, i),
        })
}

type Placeholder = fn() -> serde_json::Value;
// Null comes last: optional fields of a closed vocabulary accept only it.
const PLACEHOLDERS: [Placeholder; 6] = [
    || serde_json::Value::String(String::new()),
    || serde_json::json!(0),
    || serde_json::Value::Bool(false),
    || serde_json::json!([]),
    || serde_json::json!({}),
    || serde_json::Value::Null,
];

fn number_to_json(n: f64) -> serde_json::Value {
    // Integers travel as doubles; give them back as integers so typed u32 fields accept them.
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::json!(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Converts serde_path_to_error's path into the engine's property path syntax.
fn engine_path(path: &serde_path_to_error::Path) -> PropertyPath {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out = join_index(&out, *index),
            Segment::Map { key } => out = join_key(&out, key),
            Segment::Enum { variant } => out = join_key(&out, variant),
            Segment::Unknown => {}
        }
    }
    out
}

/// Replaces the JSON value at a property path (only paths produced by [`join_key`]/[`join_index`]).
fn set_at(json: &mut serde_json::Value, path: &str, replacement: serde_json::Value) {
    if let Some(slot) = pointer_mut(json, path) {
        *slot = replacement;
    }
}

fn pointer_mut<'a>(
    json: &'a mut serde_json::Value,
    path: &str,
) -> Option<&'a mut serde_json::Value> {
    let mut current = json;
    for segment in parse_path(path)? {
        current = match segment {
            PathSegment::Key(key) => current.as_object_mut()?.get_mut(&key)?,
            PathSegment::Index(i) => current.as_array_mut()?.get_mut(i)?,
        };
    }
    Some(current)
}

/// One step of a property path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// Parses the engine's property path syntax (`a.b[0]["odd key"]`); `None` when malformed.
pub fn parse_path(path: &str) -> Option<Vec<PathSegment>> {
    let mut segments = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => i += 1,
            b'[' => {
                let close = path[i..].find(']')? + i;
                let inner = &path[i + 1..close];
                if inner.starts_with('"') {
                    // Quoted keys may contain ']'; parse the JSON string properly.
                    let mut de = serde_json::Deserializer::from_str(&path[i + 1..]).into_iter();
                    let key: String = serde_json::from_value(de.next()?.ok()?).ok()?;
                    let consumed = de.byte_offset();
                    segments.push(PathSegment::Key(key));
                    i = i + 1 + consumed;
                    if bytes.get(i) != Some(&b']') {
                        return None;
                    }
                    i += 1;
                } else if inner == "*" {
                    segments.push(PathSegment::Key("*".into()));
                    i = close + 1;
                } else {
                    segments.push(PathSegment::Index(inner.parse().ok()?));
                    i = close + 1;
                }
            }
            _ => {
                let end = path[i..]
                    .find(['.', '['])
                    .map(|e| e + i)
                    .unwrap_or(path.len());
                segments.push(PathSegment::Key(path[i..end].to_string()));
                i = end;
            }
        }
    }
    Some(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Cluster {
        location: String,
        node_count: u32,
        acns: bool,
        tags: BTreeMap<String, String>,
        pools: Vec<String>,
        pod_cidr: Option<String>,
    }

    fn obj(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn paths_follow_engine_syntax() {
        assert_eq!(join_key("", "regions"), "regions");
        assert_eq!(join_index("regions", 2), "regions[2]");
        assert_eq!(join_key("regions[2]", "vnetCidr"), "regions[2].vnetCidr");
        assert_eq!(join_key("tags", "a.b"), "tags[\"a.b\"]");
        assert_eq!(
            parse_path("tags[\"a.b\"].x[3]").unwrap(),
            vec![
                PathSegment::Key("tags".into()),
                PathSegment::Key("a.b".into()),
                PathSegment::Key("x".into()),
                PathSegment::Index(3)
            ]
        );
        assert!(is_beneath("regions[0].podCidr", "regions"));
        assert!(!is_beneath("regionsX", "regions"));
    }

    #[test]
    fn unknown_leaves_get_placeholders_of_the_field_type() {
        let value = obj(&[
            ("location", Value::Unknown),
            ("nodeCount", Value::Unknown),
            ("acns", Value::Unknown),
            ("tags", Value::Unknown),
            ("pools", Value::Unknown),
            ("podCidr", Value::Unknown),
        ]);
        let (cluster, annotations): (Cluster, _) = value.to_typed().unwrap();
        assert_eq!(cluster.location, "");
        assert_eq!(cluster.node_count, 0);
        assert_eq!(cluster.pod_cidr, None);
        assert!(annotations.is_unknown("nodeCount"));
        assert!(annotations.is_unknown("tags"));
        assert!(!annotations.is_unknown("nodeCountX"));
    }

    #[test]
    fn type_errors_name_the_property_path() {
        let value = obj(&[
            ("location", Value::String("eastus".into())),
            ("nodeCount", Value::String("three".into())),
            ("acns", Value::Bool(true)),
            ("tags", obj(&[])),
            ("pools", Value::Array(vec![])),
        ]);
        let error = value.to_typed::<Cluster>().unwrap_err();
        assert_eq!(error.path, "nodeCount");
        assert!(error.message.contains("invalid type"), "{}", error.message);
    }

    #[test]
    fn every_type_mismatch_is_reported_and_the_rest_still_reads() {
        let value = obj(&[
            ("location", Value::Number(3.0)),
            ("nodeCount", Value::String("three".into())),
            ("acns", Value::Bool(true)),
            ("tags", obj(&[("env", Value::Bool(false))])),
            ("pools", Value::Array(vec![Value::String("system".into())])),
            ("podCidr", Value::Unknown),
        ]);
        let typed = value.to_typed_all::<Cluster>();
        let paths: Vec<&str> = typed.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["location", "nodeCount", "tags.env"]);
        // The well-typed values survive; the set-aside ones count as unknown, as in a preview.
        let cluster = typed
            .value
            .expect("a typed value with the mismatches set aside");
        assert!(cluster.acns);
        assert_eq!(cluster.pools, ["system"]);
        for path in ["location", "nodeCount", "tags.env", "podCidr"] {
            assert!(typed.annotations.is_unknown(path), "{path}");
        }
        assert!(!typed.annotations.is_unknown("acns"));
    }

    #[test]
    fn infinite_and_nan_numbers_are_refused_where_they_stand() {
        for (number, shown) in [
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "NaN"),
        ] {
            let value = obj(&[
                ("location", Value::String("eastus".into())),
                ("nodeCount", Value::Secret(Box::new(Value::Number(number)))),
                ("acns", Value::Bool(true)),
                ("tags", obj(&[])),
                ("pools", Value::Array(vec![])),
                ("podCidr", Value::Array(vec![Value::Number(number)])),
            ]);
            let typed = value.to_typed_all::<Cluster>();
            let errors: Vec<(&str, &str)> = typed
                .errors
                .iter()
                .map(|e| (e.path.as_str(), e.message.as_str()))
                .collect();
            let expected = format!("{PROPERTY_PLACEHOLDER} is {shown}, which is not a number aksmesh can use; give a finite number");
            assert_eq!(
                errors,
                [
                    ("nodeCount", expected.as_str()),
                    ("podCidr[0]", expected.as_str())
                ],
                "{number}"
            );
            assert!(typed.annotations.is_unknown("nodeCount"));
        }
    }

    #[test]
    fn secrets_are_unwrapped_and_restored_by_path() {
        let value = obj(&[
            (
                "kubeconfig",
                Value::Secret(Box::new(Value::String("k".into()))),
            ),
            ("fqdn", Value::String("f".into())),
        ]);
        let (json, annotations) = value.to_plain();
        assert_eq!(json["kubeconfig"], "k");
        assert!(annotations.secret.contains("kubeconfig"));
        assert_eq!(Value::from_plain(&json, &annotations.secret), value);
    }

    #[test]
    fn whole_numbers_become_integers() {
        let (json, _) = Value::Number(3.0).to_plain();
        assert_eq!(json, serde_json::json!(3));
        let (json, _) = Value::Number(2.5).to_plain();
        assert_eq!(json, serde_json::json!(2.5));
    }

    #[test]
    fn resource_references_become_ids_and_outputs_unwrap() {
        let reference = Value::ResourceReference {
            urn: "urn:pulumi:s::p::t::n".into(),
            id: Some(Box::new(Value::String("/subscriptions/x".into()))),
            package_version: String::new(),
        };
        assert_eq!(reference.to_plain().0, "/subscriptions/x");
        let secret_output = Value::Output {
            value: Some(Box::new(Value::String("s".into()))),
            secret: true,
            dependencies: vec![],
        };
        let (json, annotations) = obj(&[("a", secret_output)]).to_plain();
        assert_eq!(json["a"], "s");
        assert!(annotations.secret.contains("a"));
        let unknown_output = Value::Output {
            value: None,
            secret: false,
            dependencies: vec![],
        };
        assert!(obj(&[("a", unknown_output)]).contains_unknowns());
    }
}
