//! `schema.json` and the Rust types cannot drift: every resource's, component's and function's inputs
//! and outputs are derived from the Rust types the provider decodes (schemars, which follows the serde
//! attributes) and compared with the schema, property by property: names, types (nested types and
//! enum values included), required and secret. Config keys and their environment fallbacks too.

use std::collections::{BTreeMap, BTreeSet};

use aksmesh::provider::{DeclaredSchema, Registry};
use serde_json::Value;

fn schema() -> Value {
    serde_json::from_str(include_str!("../schema.json")).expect("schema.json is JSON")
}

/// The shape of a property, with descriptions and formats left out.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    String,
    Integer,
    Number,
    Boolean,
    Any,
    Enum(Vec<String>),
    Array(Box<Shape>),
    Map(Box<Shape>),
    Object(Object),
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Object {
    properties: BTreeMap<String, Shape>,
    required: BTreeSet<String>,
    secret: BTreeSet<String>,
}

/// Reads a schemars (JSON Schema 2020-12) node. `x-required` marks fields that default to empty for
/// Check's sake but that the user must give; `x-resolved` marks inputs that are optional but always
/// set in the outputs (Check or the state fills their default).
fn rust_shape(node: &Value, defs: &Value, outputs: bool) -> Shape {
    if node == &Value::Bool(true) || node.as_object().is_some_and(|o| o.is_empty()) {
        return Shape::Any;
    }
    if let Some(reference) = node["$ref"].as_str() {
        let name = reference.trim_start_matches("#/$defs/");
        return rust_shape(&defs[name], defs, outputs);
    }
    if let Some(options) = node["anyOf"].as_array().or(node["oneOf"].as_array()) {
        let non_null: Vec<&Value> = options.iter().filter(|o| o["type"] != "null").collect();
        if let [only] = non_null.as_slice() {
            return rust_shape(only, defs, outputs);
        }
        // A documented unit-variant enum: one `const` per variant.
        let constants: Option<Vec<String>> = non_null
            .iter()
            .map(|o| o["const"].as_str().map(str::to_string))
            .collect();
        if let Some(values) = constants {
            return Shape::Enum(values);
        }
    }
    let kind = match &node["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or_default(),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("string") => match node["enum"].as_array() {
            Some(values) => Shape::Enum(
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            ),
            None => Shape::String,
        },
        Some("integer") => Shape::Integer,
        Some("number") => Shape::Number,
        Some("boolean") => Shape::Boolean,
        Some("array") => Shape::Array(Box::new(rust_shape(&node["items"], defs, outputs))),
        Some("object") if node.get("properties").is_some() => {
            let mut object = Object::default();
            for (name, property) in node["properties"].as_object().unwrap() {
                object
                    .properties
                    .insert(name.clone(), rust_shape(property, defs, outputs));
                if property["x-required"] == true || (outputs && property["x-resolved"] == true) {
                    object.required.insert(name.clone());
                }
                if property["secret"] == true {
                    object.secret.insert(name.clone());
                }
            }
            for name in node["required"].as_array().into_iter().flatten() {
                object.required.insert(name.as_str().unwrap().to_string());
            }
            Shape::Object(object)
        }
        Some("object") => match node.get("additionalProperties") {
            Some(values) if values.is_object() => {
                Shape::Map(Box::new(rust_shape(values, defs, outputs)))
            }
            _ => Shape::Any,
        },
        _ => Shape::Any,
    }
}

/// Reads a Pulumi schema property; `types` resolves `#/types/…` references.
fn pulumi_shape(node: &Value, types: &Value) -> Shape {
    if let Some(reference) = node["$ref"].as_str() {
        if reference == "pulumi.json#/Any" {
            return Shape::Any;
        }
        let token = reference.trim_start_matches("#/types/");
        let declared = &types[token];
        if let Some(values) = declared["enum"].as_array() {
            return Shape::Enum(
                values
                    .iter()
                    .map(|v| v["value"].as_str().unwrap().to_string())
                    .collect(),
            );
        }
        return pulumi_object(&declared["properties"], &declared["required"], types);
    }
    match node["type"].as_str() {
        Some("string") => Shape::String,
        Some("integer") => Shape::Integer,
        Some("number") => Shape::Number,
        Some("boolean") => Shape::Boolean,
        Some("array") => Shape::Array(Box::new(pulumi_shape(&node["items"], types))),
        Some("object") if node.get("properties").is_some() => {
            pulumi_object(&node["properties"], &node["required"], types)
        }
        Some("object") => match node.get("additionalProperties") {
            Some(values) => Shape::Map(Box::new(pulumi_shape(values, types))),
            None => Shape::Any,
        },
        _ => Shape::Any,
    }
}

fn pulumi_object(properties: &Value, required: &Value, types: &Value) -> Shape {
    let mut object = Object::default();
    for (name, property) in properties.as_object().into_iter().flatten() {
        object
            .properties
            .insert(name.clone(), pulumi_shape(property, types));
        if property["secret"] == true {
            object.secret.insert(name.clone());
        }
    }
    for name in required.as_array().into_iter().flatten() {
        object.required.insert(name.as_str().unwrap().to_string());
    }
    Shape::Object(object)
}

/// Properties the schema keeps as plain strings although Rust reads them as a closed vocabulary, so
/// that the published SDKs did not change; their descriptions list the values.
const STRINGS_IN_THE_SCHEMA: &[&str] = &[
    "aksmesh:index:FrontDoor inputs.sku",
    "aksmesh:index:FrontDoor inputs.probeProtocol",
    "aksmesh:index:FrontDoor inputs.forwardingProtocol",
    "aksmesh:index:FrontDoor outputs.sku",
    "aksmesh:index:FrontDoor outputs.probeProtocol",
    "aksmesh:index:FrontDoor outputs.forwardingProtocol",
    "aksmesh:index:estimateCost inputs.frontDoor.sku",
    "aksmesh:index:estimateCost inputs.regions[].clusterTier",
    "aksmesh:index:MultiRegionAks inputs.podNetworking",
    "aksmesh:index:MultiRegionAks inputs.ciliumMesh.mode",
    "aksmesh:index:OverlayPeering inputs.networks[].podNetworking",
];

/// Every difference between the Rust shape and the schema's, with the path where it is.
fn differences(path: &str, rust: &Shape, pulumi: &Shape, out: &mut Vec<String>) {
    match (rust, pulumi) {
        (Shape::Enum(_), Shape::String) if STRINGS_IN_THE_SCHEMA.contains(&path) => {}
        (Shape::Array(r), Shape::Array(p)) => differences(&format!("{path}[]"), r, p, out),
        (Shape::Map(r), Shape::Map(p)) => differences(&format!("{path}{{}}"), r, p, out),
        (Shape::Object(r), Shape::Object(p)) => {
            let names: BTreeSet<&String> = r.properties.keys().chain(p.properties.keys()).collect();
            for name in names {
                let at = format!("{path}.{name}");
                match (r.properties.get(name), p.properties.get(name)) {
                    (Some(r), Some(p)) => differences(&at, r, p, out),
                    (Some(_), None) => {
                        out.push(format!("{at}: in the Rust type, not in schema.json"))
                    }
                    (None, Some(_)) => {
                        out.push(format!("{at}: in schema.json, not in the Rust type"))
                    }
                    (None, None) => {}
                }
            }
            if r.required != p.required {
                out.push(format!(
                    "{path}: required is {:?} in Rust, {:?} in schema.json",
                    r.required, p.required
                ));
            }
            if r.secret != p.secret {
                out.push(format!(
                    "{path}: secret is {:?} in Rust, {:?} in schema.json",
                    r.secret, p.secret
                ));
            }
        }
        (r, p) if r == p => {}
        (r, p) => out.push(format!("{path}: {r:?} in Rust, {p:?} in schema.json")),
    }
}

fn rust_object(schema: &Value, outputs: bool) -> Shape {
    rust_shape(schema, &schema["$defs"], outputs)
}

/// The Rust declaration's outputs, with its always-secret outputs marked.
fn outputs_of(declared: &DeclaredSchema) -> Option<Shape> {
    let mut outputs = rust_object(declared.outputs.as_ref()?, true);
    if let Shape::Object(object) = &mut outputs {
        // Nested paths (`clusters[*].helmValues`) are marked on their own type instead.
        object.secret.extend(
            (declared.secret_outputs.iter())
                .filter(|s| !s.contains(['.', '[']))
                .map(|s| s.to_string()),
        );
    }
    Some(outputs)
}

#[test]
fn every_token_in_the_registry_is_in_the_schema_and_back() {
    let schema = schema();
    let registry = Registry::aksmesh();
    let declared: BTreeSet<String> = registry.declared_schemas().keys().cloned().collect();
    let mut published: BTreeSet<String> = BTreeSet::new();
    for section in ["resources", "functions"] {
        published.extend(schema[section].as_object().unwrap().keys().cloned());
    }
    assert_eq!(declared, published);
}

#[test]
fn inputs_and_outputs_match_the_rust_types_property_by_property() {
    let schema = schema();
    let types = &schema["types"];
    let mut problems = Vec::new();
    for (token, declared) in Registry::aksmesh().declared_schemas() {
        let (inputs, outputs) = match (&schema["resources"][&token], &schema["functions"][&token]) {
            (resource, _) if resource.is_object() => (
                pulumi_object(
                    &resource["inputProperties"],
                    &resource["requiredInputs"],
                    types,
                ),
                resource["properties"]
                    .is_object()
                    .then(|| pulumi_object(&resource["properties"], &resource["required"], types)),
            ),
            (_, function) => (
                pulumi_shape(&function["inputs"], types),
                Some(pulumi_shape(&function["outputs"], types)),
            ),
        };
        differences(
            &format!("{token} inputs"),
            &rust_object(&declared.inputs, false),
            &inputs,
            &mut problems,
        );
        if let (Some(rust), Some(pulumi)) = (outputs_of(&declared), outputs) {
            differences(&format!("{token} outputs"), &rust, &pulumi, &mut problems);
        }
    }
    assert!(
        problems.is_empty(),
        "schema.json and the Rust types differ:\n{}",
        problems.join("\n")
    );
}

#[test]
fn config_keys_and_their_environment_fallbacks_match_the_schema() {
    let schema = schema();
    let variables = schema["config"]["variables"].as_object().unwrap();
    let mut problems = Vec::new();
    let names: BTreeSet<&str> = aksmesh::config::KEYS.iter().map(|k| k.name).collect();
    let published: BTreeSet<&str> = variables.keys().map(String::as_str).collect();
    if names != published {
        problems.push(format!(
            "keys: {names:?} in Rust, {published:?} in schema.json"
        ));
    }
    for key in aksmesh::config::KEYS {
        let Some(variable) = variables.get(key.name) else {
            continue;
        };
        let environment: Vec<&str> = variable["defaultInfo"]["environment"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if environment != key.environment {
            problems.push(format!(
                "{}: environment {:?} in Rust, {environment:?} in schema.json",
                key.name, key.environment
            ));
        }
        if (variable["secret"] == true) != key.secret {
            problems.push(format!("{}: secret differs", key.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_renamed_field_or_a_changed_type_is_reported() {
    // The comparison itself must see drift: a property renamed, retyped, made optional or no
    // longer secret in one of the two.
    let types = Value::Null;
    let published = pulumi_object(
        &serde_json::json!({
            "location": {"type": "string"},
            "count": {"type": "integer"},
            "kubeconfig": {"type": "string", "secret": true},
        }),
        &serde_json::json!(["location"]),
        &types,
    );
    let rust = |properties: Value, required: Value| {
        rust_object(
            &serde_json::json!({"type": "object", "properties": properties, "required": required}),
            false,
        )
    };
    let cases = [
        (
            rust(
                serde_json::json!({"location": {"type": "string"}, "count": {"type": "integer"}, "kubeconfig": {"type": "string", "secret": true}}),
                serde_json::json!(["location"]),
            ),
            0,
        ),
        (
            rust(
                serde_json::json!({"region": {"type": "string"}, "count": {"type": "integer"}, "kubeconfig": {"type": "string", "secret": true}}),
                serde_json::json!(["region"]),
            ),
            3,
        ),
        (
            rust(
                serde_json::json!({"location": {"type": "string"}, "count": {"type": "number"}, "kubeconfig": {"type": "string", "secret": true}}),
                serde_json::json!(["location"]),
            ),
            1,
        ),
        (
            rust(
                serde_json::json!({"location": {"type": "string"}, "count": {"type": "integer"}, "kubeconfig": {"type": "string"}}),
                serde_json::json!([]),
            ),
            2,
        ),
    ];
    for (i, (rust, expected)) in cases.into_iter().enumerate() {
        let mut problems = Vec::new();
        differences("case", &rust, &published, &mut problems);
        assert_eq!(problems.len(), expected, "case {i}: {problems:?}");
    }
}
