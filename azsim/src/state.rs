//! The in-memory world: every resource and operation, with change tracking so each
//! request's writes reach the store before its response is sent.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::arm::{ErrorBody, Kind};
use crate::store::{Store, StoreError};

/// Fixed facts of one azsim instance.
#[derive(Debug, Clone)]
pub struct Settings {
    pub subscription_id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub time_scale: f64,
    /// `https://127.0.0.1:PORT`, used to build absolute operation URLs.
    pub base_url: String,
    /// The `X-IDENTITY-HEADER` value the managed identity endpoint requires (new at each start,
    /// as App Service sets `IDENTITY_HEADER` per process).
    pub identity_header: String,
    /// The bearer token the GitHub Actions-style ID token endpoint requires (new at each start, as
    /// GitHub sets `ACTIONS_ID_TOKEN_REQUEST_TOKEN` per job).
    pub github_request_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    /// Canonical id as first created.
    pub id: String,
    pub kind: Kind,
    pub name: String,
    /// Stored representation without `id`, `name` and `type` (added when rendered).
    pub body: Value,
    /// Id of the operation in flight on this resource.
    #[serde(default)]
    pub operation: Option<String>,
    pub etag: String,
    /// Kind-specific hidden state.
    #[serde(default)]
    pub internal: Value,
    /// Creation order, so collections list in the order resources were created.
    #[serde(default)]
    pub seq: u64,
}

impl Resource {
    pub fn new(id: String, kind: Kind, name: String, body: Value) -> Self {
        Resource {
            id,
            kind,
            name,
            body,
            operation: None,
            etag: uuid::Uuid::new_v4().to_string(),
            internal: Value::Null,
            seq: 0,
        }
    }
    pub fn key(&self) -> String {
        self.id.to_ascii_lowercase()
    }
    pub fn properties(&self) -> Option<&Map<String, Value>> {
        self.body.get("properties").and_then(Value::as_object)
    }
    pub fn properties_mut(&mut self) -> &mut Map<String, Value> {
        if !self.body.is_object() {
            self.body = Value::Object(Map::new());
        }
        let body = self.body.as_object_mut().expect("body is an object");
        let entry = body
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        entry.as_object_mut().expect("properties is an object")
    }
    pub fn prop_str(&self, key: &str) -> Option<&str> {
        self.properties()?.get(key)?.as_str()
    }
    pub fn provisioning_state(&self) -> &str {
        self.prop_str("provisioningState").unwrap_or("Succeeded")
    }
    pub fn set_provisioning_state(&mut self, state: &str) {
        self.properties_mut()
            .insert("provisioningState".into(), Value::String(state.into()));
    }
    pub fn location(&self) -> Option<&str> {
        self.body.get("location")?.as_str()
    }
    pub fn is_busy(&self) -> bool {
        self.operation.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Create,
    Update,
    Delete,
    /// Fleet cluster-mesh `apply`.
    MeshApply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationStatus {
    InProgress,
    Succeeded,
    Failed,
    Canceled,
}

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::InProgress => "InProgress",
            OperationStatus::Succeeded => "Succeeded",
            OperationStatus::Failed => "Failed",
            OperationStatus::Canceled => "Canceled",
        }
    }
}

/// A long-running operation. Completion is computed from wall time, so an operation
/// in flight when azsim stops finishes on schedule after a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    pub id: String,
    pub namespace: String,
    pub location: String,
    pub api_version: String,
    pub resource_key: String,
    pub resource_id: String,
    pub kind: Kind,
    pub action: Action,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub poll_interval_ms: i64,
    /// When set, the operation ends `Failed` with this error (faults or validation found late).
    pub planned_failure: Option<ErrorBody>,
    pub status: OperationStatus,
    pub end_ms: Option<i64>,
    pub error: Option<ErrorBody>,
    /// Other resources whose provisioning state follows this operation (inline children).
    #[serde(default)]
    pub affected: Vec<String>,
    /// Action-specific data (e.g. the members a mesh apply selected).
    #[serde(default)]
    pub data: Value,
}

impl Operation {
    pub fn due_ms(&self) -> i64 {
        self.start_ms.saturating_add(self.duration_ms)
    }
    pub fn is_done(&self) -> bool {
        self.status != OperationStatus::InProgress
    }
}

#[derive(Default)]
pub struct World {
    resources: BTreeMap<String, Resource>,
    pub operations: HashMap<String, Operation>,
    /// In-progress operations ordered by due time.
    pending: BTreeSet<(i64, String)>,
    dirty_resources: BTreeSet<String>,
    dirty_operations: BTreeSet<String>,
    next_seq: u64,
}

impl World {
    pub fn load(resources: Vec<Resource>, operations: Vec<Operation>) -> Self {
        let mut world = World::default();
        for resource in resources {
            world.next_seq = world.next_seq.max(resource.seq + 1);
            world.resources.insert(resource.key(), resource);
        }
        for operation in operations {
            if operation.status == OperationStatus::InProgress {
                world
                    .pending
                    .insert((operation.due_ms(), operation.id.clone()));
            }
            world.operations.insert(operation.id.clone(), operation);
        }
        world
    }

    pub fn get(&self, key: &str) -> Option<&Resource> {
        self.resources.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Resource> {
        let resource = self.resources.get_mut(key)?;
        self.dirty_resources.insert(key.to_string());
        Some(resource)
    }

    pub fn insert(&mut self, mut resource: Resource) {
        let key = resource.key();
        resource.seq = match self.resources.get(&key) {
            Some(existing) => existing.seq,
            None => {
                self.next_seq += 1;
                self.next_seq
            }
        };
        self.dirty_resources.insert(key.clone());
        self.resources.insert(key, resource);
    }

    pub fn remove(&mut self, key: &str) -> Option<Resource> {
        let removed = self.resources.remove(key);
        if removed.is_some() {
            self.dirty_resources.insert(key.to_string());
        }
        removed
    }

    pub fn all(&self) -> impl Iterator<Item = &Resource> {
        self.resources.values()
    }

    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// Every resource whose key starts with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> impl Iterator<Item = &Resource> + '_ {
        let prefix = prefix.to_string();
        self.resources
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| r)
    }

    /// Direct children of `parent_key` of the given kind, in creation order.
    pub fn children(&self, parent_key: &str, kind: Kind) -> Vec<&Resource> {
        let segment = kind.spec().types.last().copied().unwrap_or("");
        let prefix = format!("{parent_key}/{}/", segment.to_ascii_lowercase());
        let mut children: Vec<&Resource> = self
            .resources
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, r)| r.kind == kind && !k[prefix.len()..].contains('/'))
            .map(|(_, r)| r)
            .collect();
        children.sort_by_key(|r| r.seq);
        children
    }

    /// Keys of `key` and everything beneath it (children, extension resources).
    pub fn subtree_keys(&self, key: &str) -> Vec<String> {
        let prefix = format!("{key}/");
        let mut keys: Vec<String> = self.with_prefix(&prefix).map(Resource::key).collect();
        if self.resources.contains_key(key) {
            keys.push(key.to_string());
        }
        keys
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.resources.values().filter(move |r| r.kind == kind)
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.get(id)
    }

    pub fn operation_mut(&mut self, id: &str) -> Option<&mut Operation> {
        let operation = self.operations.get_mut(id)?;
        self.dirty_operations.insert(id.to_string());
        Some(operation)
    }

    pub fn insert_operation(&mut self, operation: Operation) {
        if operation.status == OperationStatus::InProgress {
            self.pending
                .insert((operation.due_ms(), operation.id.clone()));
        }
        self.dirty_operations.insert(operation.id.clone());
        self.operations.insert(operation.id.clone(), operation);
    }

    /// Marks an operation finished and takes it off the pending list.
    pub fn finish_operation(
        &mut self,
        id: &str,
        status: OperationStatus,
        end_ms: i64,
        error: Option<ErrorBody>,
    ) {
        if let Some(operation) = self.operations.get_mut(id) {
            self.pending
                .remove(&(operation.due_ms(), operation.id.clone()));
            operation.status = status;
            operation.end_ms = Some(end_ms);
            operation.error = error;
            self.dirty_operations.insert(id.to_string());
        }
    }

    /// The next in-progress operation due at or before `now_ms`.
    pub fn next_due(&self, now_ms: i64) -> Option<(i64, String)> {
        self.pending
            .iter()
            .next()
            .filter(|(due, _)| *due <= now_ms)
            .cloned()
    }

    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Drops finished operations older than `horizon_ms` to bound memory and disk.
    pub fn forget_operations_before(&mut self, horizon_ms: i64) {
        let old: Vec<String> = self
            .operations
            .values()
            .filter(|o| o.is_done() && o.end_ms.unwrap_or(i64::MAX) < horizon_ms)
            .map(|o| o.id.clone())
            .collect();
        for id in old {
            self.operations.remove(&id);
            self.dirty_operations.insert(id);
        }
    }

    pub fn has_changes(&self) -> bool {
        !self.dirty_resources.is_empty() || !self.dirty_operations.is_empty()
    }

    /// Writes every change since the last commit in one transaction.
    pub fn commit(&mut self, store: &mut Store) -> Result<(), StoreError> {
        if self.operations.len() > 20_000 {
            // Keep polling history for an hour of wall time.
            let horizon = crate::operations::now_ms() - 60 * 60 * 1000;
            self.forget_operations_before(horizon);
        }
        if !self.has_changes() {
            return Ok(());
        }
        let mut resources = Vec::with_capacity(self.dirty_resources.len());
        for key in &self.dirty_resources {
            resources.push((key.clone(), self.resources.get(key)));
        }
        let mut operations = Vec::with_capacity(self.dirty_operations.len());
        for id in &self.dirty_operations {
            operations.push((id.clone(), self.operations.get(id)));
        }
        let result = store.write(&resources, &operations);
        self.dirty_resources.clear();
        self.dirty_operations.clear();
        result
    }
}
