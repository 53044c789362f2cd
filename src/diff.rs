//! The generic, precise diff: compares old and new inputs leaf by leaf and asks the resource, per leaf,
//! whether Azure can apply the change in place. Replaces only what must be replaced.

use std::collections::{BTreeMap, BTreeSet};

use crate::property::{is_beneath, join_index, join_key, PropertyPath, Value};
use crate::resource::{Change, ChangeEffect};

/// The kind of change at one path, as the engine displays it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    Add,
    AddReplace,
    Delete,
    DeleteReplace,
    Update,
    UpdateReplace,
}

/// The result of diffing a resource's inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffResult {
    /// Every changed leaf and how it changes.
    pub detailed: BTreeMap<PropertyPath, DiffKind>,
    /// Top-level keys that changed.
    pub changed_keys: BTreeSet<String>,
    /// Top-level keys whose change forces replacement.
    pub replace_keys: BTreeSet<String>,
    pub delete_before_replace: bool,
    /// Paths compared against the old state rather than the old inputs (the engine shows them
    /// from the outputs): live changes that refresh found and no input expresses.
    pub state_paths: BTreeSet<PropertyPath>,
    /// What the change does beyond the property diff, for the engine to show on the resource.
    pub notes: Vec<String>,
}

impl DiffResult {
    pub fn has_changes(&self) -> bool {
        !self.detailed.is_empty()
    }

    pub fn replaces(&self) -> bool {
        !self.replace_keys.is_empty()
    }
}

/// A leaf-level difference before the resource classified it.
#[derive(Debug, Clone, PartialEq)]
struct RawChange {
    path: PropertyPath,
    old: Option<serde_json::Value>,
    new: Option<serde_json::Value>,
    new_is_unknown: bool,
}

/// Diffs `old` against `new` inputs, skipping `ignore_changes` paths, classifying with `effect`.
pub fn diff_inputs(
    old: &Value,
    new: &Value,
    ignore_changes: &[String],
    delete_before_replace: bool,
    effect: impl Fn(&Change<'_>) -> ChangeEffect,
) -> DiffResult {
    let mut raw = Vec::new();
    compare("", Some(old), Some(new), &mut raw);
    let mut result = DiffResult::default();
    for change in raw {
        if ignore_changes
            .iter()
            .any(|ignored| &change.path == ignored || is_beneath(&change.path, ignored))
        {
            continue;
        }
        let replace = effect(&Change {
            path: &change.path,
            old: change.old.as_ref(),
            new: change.new.as_ref(),
            new_is_unknown: change.new_is_unknown,
        }) == ChangeEffect::Replace;
        let kind = match (&change.old, &change.new, replace) {
            (None, _, false) => DiffKind::Add,
            (None, _, true) => DiffKind::AddReplace,
            (Some(_), None, false) => DiffKind::Delete,
            (Some(_), None, true) => DiffKind::DeleteReplace,
            (Some(_), Some(_), false) => DiffKind::Update,
            (Some(_), Some(_), true) => DiffKind::UpdateReplace,
        };
        let top = top_level_key(&change.path);
        result.changed_keys.insert(top.clone());
        if replace {
            result.replace_keys.insert(top);
        }
        result.detailed.insert(change.path, kind);
    }
    result.delete_before_replace = delete_before_replace && result.replaces();
    result
}

/// The state property where refresh records live changes that no input expresses (a deleted role
/// assignment, a changed remote peering). While it is non-empty the resource needs an in-place
/// update, which rewrites what aksmesh owns and clears it.
pub const OUT_OF_BAND_CHANGES: &str = "outOfBandChanges";

/// Adds the repair of out-of-band changes recorded in `old_state`, unless `ignoreChanges` names it.
pub fn add_out_of_band_repairs(
    result: &mut DiffResult,
    old_state: &Value,
    ignore_changes: &[String],
) {
    let recorded = match old_state {
        Value::Object(map) => map.get(OUT_OF_BAND_CHANGES).map(unwrap),
        _ => None,
    };
    let has_changes = matches!(recorded, Some(Value::Array(items)) if !items.is_empty());
    if !has_changes
        || ignore_changes
            .iter()
            .any(|ignored| ignored == OUT_OF_BAND_CHANGES)
    {
        return;
    }
    result.changed_keys.insert(OUT_OF_BAND_CHANGES.to_string());
    // Shown as a deletion: the update removes the recorded changes.
    result
        .detailed
        .insert(OUT_OF_BAND_CHANGES.to_string(), DiffKind::Delete);
    result.state_paths.insert(OUT_OF_BAND_CHANGES.to_string());
}

fn top_level_key(path: &str) -> String {
    match crate::property::parse_path(path).and_then(|s| s.into_iter().next()) {
        Some(crate::property::PathSegment::Key(key)) => key,
        _ => path.to_string(),
    }
}

/// Strips secret and output wrappers: a secret whose value did not change is no change.
fn unwrap(value: &Value) -> &Value {
    match value {
        Value::Secret(inner) => unwrap(inner),
        Value::Output {
            value: Some(inner), ..
        } => unwrap(inner),
        other => other,
    }
}

fn is_absent(value: Option<&Value>) -> bool {
    matches!(value.map(unwrap), None | Some(Value::Null))
}

fn compare(path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<RawChange>) {
    let old = old.map(unwrap);
    let new = new.map(unwrap);
    if is_absent(old) && is_absent(new) {
        return;
    }
    match (old, new) {
        (_, Some(v)) if v.is_unknown() => out.push(RawChange {
            path: path.to_string(),
            old: (!is_absent(old)).then(|| old.map(plain)).flatten(),
            new: Some(serde_json::Value::Null),
            new_is_unknown: true,
        }),
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                compare(&join_key(path, key), a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                compare(&join_index(path, i), a.get(i), b.get(i), out);
            }
        }
        (a, b) => {
            let a = if is_absent(a) { None } else { a.map(plain) };
            let b = if is_absent(b) { None } else { b.map(plain) };
            if a != b {
                out.push(RawChange {
                    path: path.to_string(),
                    old: a,
                    new: b,
                    new_is_unknown: false,
                });
            }
        }
    }
}

fn plain(value: &Value) -> serde_json::Value {
    value.to_plain().0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(json: serde_json::Value) -> Value {
        Value::from_plain(&json, &BTreeSet::new())
    }

    fn replace_location(change: &Change<'_>) -> ChangeEffect {
        if change.path == "location" {
            ChangeEffect::Replace
        } else {
            ChangeEffect::Update
        }
    }

    #[test]
    fn recorded_out_of_band_changes_make_an_in_place_update_unless_ignored() {
        let inputs = value(serde_json::json!({"location": "eastus"}));
        let drifted = value(serde_json::json!({
            "location": "eastus",
            "outOfBandChanges": ["the role assignment is missing"]
        }));
        let mut result = diff_inputs(&inputs, &inputs, &[], true, replace_location);
        add_out_of_band_repairs(&mut result, &drifted, &[]);
        assert!(result.has_changes() && !result.replaces());
        assert_eq!(result.detailed[OUT_OF_BAND_CHANGES], DiffKind::Delete);
        assert!(result.state_paths.contains(OUT_OF_BAND_CHANGES));

        let mut ignored = diff_inputs(&inputs, &inputs, &[], true, replace_location);
        add_out_of_band_repairs(&mut ignored, &drifted, &[OUT_OF_BAND_CHANGES.to_string()]);
        assert!(!ignored.has_changes());

        let clean = value(serde_json::json!({"location": "eastus", "outOfBandChanges": []}));
        let mut none = diff_inputs(&inputs, &inputs, &[], true, replace_location);
        add_out_of_band_repairs(&mut none, &clean, &[]);
        assert!(!none.has_changes());
    }

    #[test]
    fn identical_inputs_have_no_changes() {
        let v =
            value(serde_json::json!({"location": "eastus", "tags": {"a": "b"}, "pools": [1, 2]}));
        let result = diff_inputs(&v, &v, &[], true, replace_location);
        assert!(!result.has_changes());
        assert!(!result.delete_before_replace);
    }

    #[test]
    fn nested_changes_are_reported_per_leaf() {
        let old = value(serde_json::json!({"location": "eastus", "tags": {"a": "b", "gone": "x"}}));
        let new = value(serde_json::json!({"location": "eastus", "tags": {"a": "c", "new": "y"}}));
        let result = diff_inputs(&old, &new, &[], false, replace_location);
        assert_eq!(
            result.detailed,
            BTreeMap::from([
                ("tags.a".to_string(), DiffKind::Update),
                ("tags.gone".to_string(), DiffKind::Delete),
                ("tags.new".to_string(), DiffKind::Add),
            ])
        );
        assert_eq!(result.changed_keys, BTreeSet::from(["tags".to_string()]));
        assert!(!result.replaces());
    }

    #[test]
    fn replacing_changes_are_flagged_and_delete_first_when_asked() {
        let old = value(serde_json::json!({"location": "eastus"}));
        let new = value(serde_json::json!({"location": "westus"}));
        let result = diff_inputs(&old, &new, &[], true, replace_location);
        assert_eq!(result.detailed["location"], DiffKind::UpdateReplace);
        assert_eq!(
            result.replace_keys,
            BTreeSet::from(["location".to_string()])
        );
        assert!(result.delete_before_replace);
    }

    #[test]
    fn ignore_changes_hides_paths_and_their_children() {
        let old = value(serde_json::json!({"location": "eastus", "tags": {"a": "b"}}));
        let new = value(serde_json::json!({"location": "westus", "tags": {"a": "c"}}));
        let result = diff_inputs(
            &old,
            &new,
            &["tags".into(), "location".into()],
            false,
            replace_location,
        );
        assert!(!result.has_changes());
    }

    #[test]
    fn unknown_new_values_are_changes() {
        let old = value(serde_json::json!({"location": "eastus"}));
        let mut new = BTreeMap::new();
        new.insert("location".to_string(), Value::Unknown);
        let result = diff_inputs(&old, &Value::Object(new), &[], false, replace_location);
        assert_eq!(result.detailed["location"], DiffKind::UpdateReplace);
    }

    #[test]
    fn secrets_compare_by_value_and_null_equals_absent() {
        let old = Value::Object(BTreeMap::from([
            (
                "secret".to_string(),
                Value::Secret(Box::new(Value::String("s".into()))),
            ),
            ("optional".to_string(), Value::Null),
        ]));
        let new = Value::Object(BTreeMap::from([(
            "secret".to_string(),
            Value::String("s".into()),
        )]));
        assert!(!diff_inputs(&old, &new, &[], false, replace_location).has_changes());
    }

    #[test]
    fn array_growth_is_an_add_at_the_new_index() {
        let old = value(serde_json::json!({"origins": [{"hostName": "a"}]}));
        let new = value(serde_json::json!({"origins": [{"hostName": "a"}, {"hostName": "b"}]}));
        let result = diff_inputs(&old, &new, &[], false, replace_location);
        assert_eq!(
            result.detailed,
            BTreeMap::from([("origins[1]".to_string(), DiffKind::Add)])
        );
    }
}
