//! The generic adapter between engine values and typed resources and functions, and the registry
//! of everything aksmesh offers (dispatched by type token).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;

use crate::diff::{add_out_of_band_repairs, diff_inputs, DiffResult};
use crate::property::{join_key, Annotations, PropertyPath, TypeError, Value};
use crate::resource::{
    CheckContext, CheckFailure, Function, OperationContext, Resource, ResourceError,
};

/// Why a lifecycle operation failed, in engine-neutral terms.
#[derive(Debug)]
pub enum OperationError {
    /// Nothing exists in Azure for this operation.
    Failed(String),
    /// The resource exists but the operation did not finish.
    Partial {
        id: String,
        state: Value,
        reason: String,
    },
}

/// What Check returns.
pub struct CheckOutcome {
    pub inputs: Value,
    pub failures: Vec<CheckFailure>,
}

/// What Read returns.
pub struct ReadOutcome {
    pub id: String,
    pub inputs: Value,
    pub state: Value,
}

/// A resource with its types erased, so the RPC layer can dispatch by token.
#[async_trait]
pub trait DynResource: Send + Sync {
    fn check(&self, olds: &Value, news: &Value, name: &str) -> CheckOutcome;
    fn diff(
        &self,
        old_inputs: &Value,
        old_state: &Value,
        news: &Value,
        ignore_changes: &[String],
    ) -> Result<DiffResult, OperationError>;
    fn preview(&self, news: &Value) -> Value;
    async fn create(
        &self,
        context: &OperationContext,
        news: &Value,
    ) -> Result<(String, Value), OperationError>;
    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old_inputs: Option<&Value>,
        old_state: Option<&Value>,
    ) -> Result<Option<ReadOutcome>, OperationError>;
    async fn update(
        &self,
        context: &OperationContext,
        id: &str,
        old_inputs: &Value,
        old_state: &Value,
        news: &Value,
    ) -> Result<Value, OperationError>;
    async fn delete(
        &self,
        context: &OperationContext,
        id: &str,
        old_state: &Value,
    ) -> Result<(), OperationError>;
}

/// A function with its types erased.
#[async_trait]
pub trait DynFunction: Send + Sync {
    async fn invoke(&self, arguments: &Value) -> Result<Value, Vec<CheckFailure>>;
}

fn invalid_state(what: &str, error: TypeError) -> OperationError {
    OperationError::Failed(format!(
        "the stored {what} could not be read at '{}': {} (state written by another aksmesh version?); run `pulumi refresh`",
        error.path, error.message
    ))
}

/// Typed resource → [`DynResource`].
pub struct Adapter<R>(pub R);

impl<R: Resource> Adapter<R> {
    fn secret_outputs(input_secrets: &BTreeSet<PropertyPath>) -> BTreeSet<PropertyPath> {
        R::SECRET_OUTPUTS
            .iter()
            .map(|p| p.to_string())
            .chain(input_secrets.iter().cloned())
            .collect()
    }

    fn state_value(
        state: &R::State,
        input_secrets: &BTreeSet<PropertyPath>,
    ) -> Result<Value, OperationError> {
        Value::from_typed(state, &Self::secret_outputs(input_secrets))
            .map_err(|e| OperationError::Failed(format!("internal error serialising state: {e}")))
    }

    fn convert_error(
        error: ResourceError<R::State>,
        input_secrets: &BTreeSet<PropertyPath>,
    ) -> OperationError {
        match error {
            ResourceError::Failed(failure) => OperationError::Failed(failure.to_string()),
            ResourceError::Partial { id, state, reason } => {
                match Self::state_value(&state, input_secrets) {
                    Ok(state) => OperationError::Partial {
                        id,
                        state,
                        reason: reason.to_string(),
                    },
                    Err(e) => e,
                }
            }
        }
    }

    fn typed_inputs(news: &Value) -> Result<(R::Inputs, Annotations), OperationError> {
        news.to_typed::<R::Inputs>()
            .map_err(|e| invalid_state("inputs", e))
    }
}

/// Puts unknowns back at the paths they came from (typed values carry placeholders there).
fn restore_unknowns(value: &mut Value, path: &str, unknown: &BTreeSet<PropertyPath>) {
    if !path.is_empty() && unknown.contains(path) {
        *value = Value::Unknown;
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                restore_unknowns(child, &join_key(path, key), unknown);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                restore_unknowns(child, &crate::property::join_index(path, i), unknown);
            }
        }
        Value::Secret(inner) => restore_unknowns(inner, path, unknown),
        _ => {}
    }
}

/// Unknown top-level keys the typed inputs dropped (they were null) must still be shown as unknown.
fn reinsert_unknown_keys(value: &mut Value, unknown: &BTreeSet<PropertyPath>) {
    if let Value::Object(map) = value {
        for path in unknown {
            if crate::property::parse_path(path).is_some_and(|s| s.len() == 1)
                && !map.contains_key(path)
            {
                map.insert(path.clone(), Value::Unknown);
            }
        }
    }
}

#[async_trait]
impl<R: Resource> DynResource for Adapter<R> {
    fn check(&self, olds: &Value, news: &Value, name: &str) -> CheckOutcome {
        let typed = news.to_typed_all::<R::Inputs>();
        let mut failures: Vec<CheckFailure> = typed.errors.into_iter().map(Into::into).collect();
        let annotations = typed.annotations;
        let Some(mut inputs) = typed.value else {
            return CheckOutcome {
                inputs: news.clone(),
                failures,
            };
        };
        let olds: Option<R::Inputs> = match olds {
            Value::Object(map) if !map.is_empty() => olds.to_typed().ok().map(|(typed, _)| typed),
            _ => None,
        };
        let context = CheckContext {
            unknowns: &annotations,
            name,
        };
        let type_failures = !failures.is_empty();
        failures.extend(self.0.check(&mut inputs, olds.as_ref(), &context));
        if type_failures {
            // Mismatched values were set aside to check the rest; hand back what the user wrote.
            return CheckOutcome {
                inputs: news.clone(),
                failures,
            };
        }
        let inputs = match Value::from_typed(&inputs, &annotations.secret) {
            Ok(mut value) => {
                restore_unknowns(&mut value, "", &annotations.unknown);
                reinsert_unknown_keys(&mut value, &annotations.unknown);
                value
            }
            Err(_) => news.clone(),
        };
        CheckOutcome { inputs, failures }
    }

    fn diff(
        &self,
        old_inputs: &Value,
        old_state: &Value,
        news: &Value,
        ignore_changes: &[String],
    ) -> Result<DiffResult, OperationError> {
        // Typed new inputs for the rules that look beyond one leaf; inputs that do not read as
        // the resource's type fall back to the one-leaf rules.
        let typed_news = news.to_typed::<R::Inputs>().ok();
        let mut result = diff_inputs(
            old_inputs,
            news,
            ignore_changes,
            R::DELETE_BEFORE_REPLACE,
            |change| match &typed_news {
                Some((inputs, unknowns)) => self.0.change_effect_given(change, inputs, unknowns),
                None => self.0.change_effect(change),
            },
        );
        add_out_of_band_repairs(&mut result, old_state, ignore_changes);
        if result.has_changes() {
            if let (Ok((old, _)), Some((new, _))) =
                (old_inputs.to_typed::<R::Inputs>(), &typed_news)
            {
                result.notes = self.0.change_notes(&old, new);
            }
        }
        Ok(result)
    }

    fn preview(&self, news: &Value) -> Value {
        let Ok((inputs, annotations)) = news.to_typed::<R::Inputs>() else {
            return news.clone();
        };
        let mut outputs = match news {
            Value::Object(map) => map.clone(),
            _ => BTreeMap::new(),
        };
        for (key, json) in self.0.preview(&inputs, &annotations) {
            outputs.insert(key, Value::from_plain(&json, &BTreeSet::new()));
        }
        Value::Object(outputs)
    }

    async fn create(
        &self,
        context: &OperationContext,
        news: &Value,
    ) -> Result<(String, Value), OperationError> {
        let (inputs, annotations) = Self::typed_inputs(news)?;
        match self.0.create(context, inputs).await {
            Ok((id, state)) => Ok((id, Self::state_value(&state, &annotations.secret)?)),
            Err(error) => Err(Self::convert_error(error, &annotations.secret)),
        }
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old_inputs: Option<&Value>,
        old_state: Option<&Value>,
    ) -> Result<Option<ReadOutcome>, OperationError> {
        let old = match (old_inputs, old_state) {
            (Some(inputs), Some(state)) if !matches!(state, Value::Object(m) if m.is_empty()) => {
                let (inputs, annotations) = Self::typed_inputs(inputs)?;
                let (state, _) = state
                    .to_typed::<R::State>()
                    .map_err(|e| invalid_state("state", e))?;
                Some((inputs, state, annotations.secret))
            }
            _ => None,
        };
        let input_secrets = old.as_ref().map(|(_, _, s)| s.clone()).unwrap_or_default();
        let found = self
            .0
            .read(context, id, old.as_ref().map(|(i, s, _)| (i, s)))
            .await
            .map_err(|e| Self::convert_error(e, &input_secrets))?;
        let Some(found) = found else { return Ok(None) };
        Ok(Some(ReadOutcome {
            id: found.id,
            inputs: Value::from_typed(&found.inputs, &input_secrets)
                .map_err(|e| OperationError::Failed(e.to_string()))?,
            state: Self::state_value(&found.state, &input_secrets)?,
        }))
    }

    async fn update(
        &self,
        context: &OperationContext,
        id: &str,
        old_inputs: &Value,
        old_state: &Value,
        news: &Value,
    ) -> Result<Value, OperationError> {
        let (old_inputs, _) = Self::typed_inputs(old_inputs)?;
        let (old_state, _) = old_state
            .to_typed::<R::State>()
            .map_err(|e| invalid_state("state", e))?;
        let (inputs, annotations) = Self::typed_inputs(news)?;
        match self
            .0
            .update(context, id, (&old_inputs, &old_state), inputs)
            .await
        {
            Ok(state) => Self::state_value(&state, &annotations.secret),
            Err(error) => Err(Self::convert_error(error, &annotations.secret)),
        }
    }

    async fn delete(
        &self,
        context: &OperationContext,
        id: &str,
        old_state: &Value,
    ) -> Result<(), OperationError> {
        let (state, _) = old_state
            .to_typed::<R::State>()
            .map_err(|e| invalid_state("state", e))?;
        self.0
            .delete(context, id, &state)
            .await
            .map_err(|e| Self::convert_error(e, &BTreeSet::new()))
    }
}

/// Typed function → [`DynFunction`].
pub struct FunctionAdapter<F>(pub F);

#[async_trait]
impl<F: Function> DynFunction for FunctionAdapter<F> {
    async fn invoke(&self, arguments: &Value) -> Result<Value, Vec<CheckFailure>> {
        if arguments.contains_unknowns() {
            return Err(vec![CheckFailure::new(
                "",
                format!("{} needs known arguments; it cannot run on values computed during this preview", F::TOKEN),
            )]);
        }
        let typed = arguments.to_typed_all::<F::Arguments>();
        let mut failures: Vec<CheckFailure> = typed.errors.into_iter().map(Into::into).collect();
        let Some(arguments) = typed.value else {
            return Err(failures);
        };
        // Functions are offline: with mismatched values set aside, they still report the rest.
        let result = match self.0.invoke(arguments).await {
            Ok(result) if failures.is_empty() => result,
            Ok(_) => return Err(failures),
            Err(more) => {
                failures.extend(more);
                return Err(failures);
            }
        };
        Value::from_typed(&result, &BTreeSet::new())
            .map_err(|e| vec![CheckFailure::new("", format!("internal error: {e}"))])
    }
}

/// Everything aksmesh offers, by type token.
#[derive(Default, Clone)]
pub struct Registry {
    pub resources: HashMap<&'static str, Arc<dyn DynResource>>,
    pub functions: HashMap<&'static str, Arc<dyn DynFunction>>,
    pub components: HashMap<&'static str, Arc<dyn crate::component::DynComponent>>,
    schemas: BTreeMap<&'static str, fn() -> DeclaredSchema>,
}

/// What a token's Rust types declare (JSON Schema derived from the serde attributes), which a test
/// compares with `schema.json` so the two cannot drift.
pub struct DeclaredSchema {
    pub inputs: serde_json::Value,
    /// `None` for components, whose outputs are engine values built in `construct`.
    pub outputs: Option<serde_json::Value>,
    pub secret_outputs: &'static [&'static str],
}

fn json_schema<T: schemars::JsonSchema>() -> serde_json::Value {
    schemars::schema_for!(T).to_value()
}

fn resource_schema<R: Resource>() -> DeclaredSchema {
    DeclaredSchema {
        inputs: json_schema::<R::Inputs>(),
        outputs: Some(json_schema::<R::State>()),
        secret_outputs: R::SECRET_OUTPUTS,
    }
}

fn component_schema<C: crate::component::Component>() -> DeclaredSchema {
    DeclaredSchema {
        inputs: json_schema::<C::Inputs>(),
        outputs: None,
        secret_outputs: &[],
    }
}

fn function_schema<F: Function>() -> DeclaredSchema {
    DeclaredSchema {
        inputs: json_schema::<F::Arguments>(),
        outputs: Some(json_schema::<F::Result>()),
        secret_outputs: &[],
    }
}

impl Registry {
    pub fn with_resource<R: Resource>(mut self, resource: R) -> Self {
        self.resources.insert(R::TOKEN, Arc::new(Adapter(resource)));
        self.schemas.insert(R::TOKEN, resource_schema::<R>);
        self
    }

    pub fn with_component<C: crate::component::Component>(mut self, component: C) -> Self {
        self.components.insert(
            C::TOKEN,
            Arc::new(crate::component::ComponentAdapter(component)),
        );
        self.schemas.insert(C::TOKEN, component_schema::<C>);
        self
    }

    pub fn with_function<F: Function>(mut self, function: F) -> Self {
        self.functions
            .insert(F::TOKEN, Arc::new(FunctionAdapter(function)));
        self.schemas.insert(F::TOKEN, function_schema::<F>);
        self
    }

    /// What every token's Rust types declare, by token.
    pub fn declared_schemas(&self) -> BTreeMap<String, DeclaredSchema> {
        (self.schemas.iter())
            .map(|(token, declared)| (token.to_string(), declared()))
            .collect()
    }

    /// The registry of every resource and function aksmesh ships.
    pub fn aksmesh() -> Self {
        Registry::default()
            .with_function(crate::functions::plan_address_space::PlanAddressSpace)
            .with_component(crate::components::overlay_peering::OverlayPeering)
            .with_component(crate::components::multi_region_aks::MultiRegionAks)
            .with_function(crate::functions::analyze_connectivity::AnalyzeConnectivity)
            .with_function(crate::functions::estimate_cost::EstimateCost)
            .with_resource(crate::resources::regional_network::RegionalNetwork)
            .with_resource(crate::resources::regional_cluster::RegionalCluster)
            .with_resource(crate::resources::vnet_peering::VnetPeering)
            .with_resource(crate::resources::cilium_mesh::CiliumMesh)
            .with_resource(crate::resources::front_door::FrontDoor)
    }
}
