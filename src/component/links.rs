//! Engine values inside a child's typed inputs.
//!
//! A component fills each child's own inputs struct (so a renamed field breaks the build, not a
//! stack). Some fields come from other children's outputs, or from the program's inputs as given,
//! which may be unknown during a preview or secret: those are engine values, not plain Rust values.
//! [`Links`] hands out a stand-in for each such value; [`Links::resolve`] puts the engine values back
//! when the typed inputs are turned into the child's registration.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RegistrationError;
use crate::property::Value;

/// Starts every stand-in: a control character no Azure name or user value contains.
const STAND_IN: &str = "\u{1}aksmesh-link:";

/// The engine values placed into one child's typed inputs.
#[derive(Debug, Default)]
pub struct Links {
    values: Vec<Value>,
}

impl Links {
    pub fn new() -> Self {
        Links::default()
    }

    fn stand_in(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("{STAND_IN}{}", self.values.len() - 1)
    }

    /// A string field: the text itself when it is known and plain, else a stand-in.
    pub fn text(&mut self, value: Value) -> String {
        match value {
            Value::String(text) => text,
            other => self.stand_in(other),
        }
    }

    /// An optional string field; `Null` (absent) stays absent.
    pub fn optional_text(&mut self, value: Value) -> Option<String> {
        match value {
            Value::Null => None,
            other => Some(self.text(other)),
        }
    }

    /// A list-of-strings field, kept whole as the engine gave it.
    pub fn list(&mut self, value: Value) -> Vec<String> {
        vec![self.stand_in(value)]
    }

    /// A string-map field (tags), kept whole as the engine gave it; `Null` is an empty map.
    pub fn map(&mut self, value: Value) -> BTreeMap<String, String> {
        match value {
            Value::Null => BTreeMap::new(),
            other => BTreeMap::from([(self.stand_in(other), String::new())]),
        }
    }

    /// The child's inputs as engine values: the typed inputs, with each stand-in replaced by the
    /// engine value it stands for.
    pub fn resolve<T: Serialize>(
        &self,
        child: &str,
        inputs: &T,
    ) -> Result<Value, RegistrationError> {
        let mut value = Value::from_typed(inputs, &Default::default()).map_err(|error| {
            RegistrationError::Inputs {
                name: child.to_string(),
                message: error.message,
            }
        })?;
        self.replace(&mut value);
        Ok(value)
    }

    fn lookup(&self, text: &str) -> Option<&Value> {
        let index: usize = text.strip_prefix(STAND_IN)?.parse().ok()?;
        self.values.get(index)
    }

    fn replace(&self, value: &mut Value) {
        let replacement = match value {
            Value::String(text) => self.lookup(text),
            Value::Array(items) => match items.as_slice() {
                [Value::String(text)] => self.lookup(text),
                _ => None,
            },
            Value::Object(map) if map.len() == 1 => map.keys().next().and_then(|k| self.lookup(k)),
            _ => None,
        };
        if let Some(replacement) = replacement {
            *value = replacement.clone();
            return;
        }
        match value {
            Value::Array(items) => items.iter_mut().for_each(|item| self.replace(item)),
            Value::Object(map) => map.values_mut().for_each(|item| self.replace(item)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Child {
        name: String,
        subnet_id: String,
        pool_id: Option<String>,
        address_space: Vec<String>,
        tags: BTreeMap<String, String>,
    }

    #[test]
    fn engine_values_come_back_where_they_were_placed() {
        let secret = Value::Secret(Box::new(Value::String("s3cret".into())));
        let tags = Value::object([("env", Value::Unknown)]);
        let space = Value::Array(vec![Value::String("10.1.0.0/16".into())]);
        let mut links = Links::new();
        let child = Child {
            name: links.text(Value::String("east".into())),
            subnet_id: links.text(Value::Unknown),
            pool_id: links.optional_text(secret.clone()),
            address_space: links.list(space.clone()),
            tags: links.map(tags.clone()),
        };
        // Known plain text needs no stand-in.
        assert_eq!(child.name, "east");
        let resolved = links.resolve("child", &child).unwrap();
        assert_eq!(
            resolved,
            Value::object([
                ("name", Value::String("east".into())),
                ("subnetId", Value::Unknown),
                ("poolId", secret),
                ("addressSpace", space),
                ("tags", tags),
            ])
        );
    }

    #[test]
    fn absent_values_stay_absent_and_plain_values_are_untouched() {
        let mut links = Links::new();
        assert_eq!(links.optional_text(Value::Null), None);
        assert!(links.map(Value::Null).is_empty());
        let text = format!("{STAND_IN}7");
        // A stand-in that was never handed out is left as it is.
        let resolved = links.resolve("child", &text).unwrap();
        assert_eq!(resolved, Value::String(text));
    }
}
