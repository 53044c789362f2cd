//! Component resources (`Construct`): a component registers itself and its children with the engine,
//! which then runs each child through its own Check/Diff/Create, so children get real previews,
//! diffs, refresh and import. A component is a type with one method, like a resource.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::property::Value;
use crate::resource::{CheckFailure, Resource};

mod links;
pub use links::Links;

/// Resource options the program gave the component, passed on to every child. `None` = the program
/// did not set the option, so the engine applies its own default (e.g. keeps a state's protect flag).
#[derive(Debug, Clone, Default)]
pub struct ComponentOptions {
    pub protect: Option<bool>,
    /// Provider references by package (`aksmesh` → `urn::id`).
    pub providers: BTreeMap<String, String>,
    pub ignore_changes: Vec<String>,
    pub custom_timeouts: Option<CustomTimeouts>,
    pub retain_on_delete: Option<bool>,
    pub delete_before_replace: Option<bool>,
    /// URNs the component depends on: every child depends on them too.
    pub dependencies: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomTimeouts {
    pub create: String,
    pub update: String,
    pub delete: String,
    pub read: String,
}

/// One child to register under the component.
#[derive(Debug, Clone)]
pub struct ChildRequest {
    pub token: String,
    pub name: String,
    pub inputs: Value,
    /// URNs this child depends on (so destroy runs in reverse order).
    pub dependencies: Vec<String>,
    /// The child is itself a component (built by the engine calling Construct), not a custom resource.
    pub component: bool,
}

impl ChildRequest {
    /// A custom resource child, from that resource's own typed inputs and token.
    pub fn resource<R: Resource>(
        name: String,
        inputs: &R::Inputs,
        links: &Links,
        dependencies: Vec<String>,
    ) -> Result<Self, RegistrationError> {
        let inputs = links.resolve(&name, inputs)?;
        Ok(ChildRequest {
            token: R::TOKEN.into(),
            name,
            inputs,
            dependencies,
            component: false,
        })
    }

    /// A component child, from that component's own typed inputs and token.
    pub fn component<C: Component>(
        name: String,
        inputs: &C::Inputs,
        links: &Links,
        dependencies: Vec<String>,
    ) -> Result<Self, RegistrationError> {
        let inputs = links.resolve(&name, inputs)?;
        Ok(ChildRequest {
            token: C::TOKEN.into(),
            name,
            inputs,
            dependencies,
            component: true,
        })
    }
}

/// What the engine answered for a registered child.
#[derive(Debug, Clone)]
pub struct Child {
    pub urn: String,
    pub id: String,
    /// The child's outputs; during preview some are unknown.
    pub outputs: Value,
}

impl Child {
    /// One of the child's outputs as an output value that depends on the child, for another
    /// component's inputs: that component's children then depend on this child only where they
    /// use the value. An absent output is unknown.
    pub fn output_value(&self, key: &str) -> Value {
        let (value, secret) = match self.outputs.get(key) {
            None | Some(Value::Null) | Some(Value::Unknown) => (None, false),
            Some(Value::Secret(inner)) => (Some(inner.clone()), true),
            Some(value) => (Some(Box::new(value.clone())), false),
        };
        Value::Output {
            value,
            secret,
            dependencies: vec![self.urn.clone()],
        }
    }
}

/// The engine side a component talks to. The RPC layer implements it over the ResourceMonitor.
#[async_trait]
pub trait ChildRegistrar: Send + Sync {
    async fn register(&self, child: ChildRequest) -> Result<Child, RegistrationError>;
    fn is_preview(&self) -> bool;
    /// The component's own URN (the parent of every child).
    fn urn(&self) -> &str;
}

/// What a component's construct returns: its outputs (engine values, since children's outputs are
/// unknown during preview and may be secret) and the child URNs they come from.
pub struct Constructed {
    pub outputs: Value,
    pub dependencies: BTreeSet<String>,
}

/// A component resource offered by aksmesh.
#[async_trait]
pub trait Component: Send + Sync + 'static {
    const TOKEN: &'static str;
    type Inputs: DeserializeOwned + serde::Serialize + schemars::JsonSchema + Send + Sync;

    /// Validates the inputs offline (the engine does not run Check for components).
    fn check(
        &self,
        inputs: &Self::Inputs,
        unknowns: &crate::property::Annotations,
    ) -> Vec<CheckFailure>;

    /// Registers the children and returns the component's outputs. `raw` holds the same inputs as
    /// engine values: pass those on to children, so unknowns and secrets stay what they are.
    async fn construct(
        &self,
        registrar: Arc<dyn ChildRegistrar>,
        name: &str,
        inputs: Self::Inputs,
        raw: &Value,
    ) -> Result<Constructed, ComponentError>;
}

/// Why a child could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// The engine refused the registration (or the child's own Check or Create failed).
    #[error("{token} {name}: {message}")]
    Refused {
        token: String,
        name: String,
        message: String,
    },
    /// The child's own Check, Create or Update failed (the engine reports it on the child too).
    #[error("{token} {name} failed ({urn}): {message}")]
    Failed {
        token: String,
        name: String,
        urn: String,
        message: String,
    },
    /// The engine's answer could not be read.
    #[error("{token} {name}: the engine's answer could not be read: {source}")]
    Outputs {
        token: String,
        name: String,
        #[source]
        source: crate::rpc::values::DecodeError,
    },
    /// The child's typed inputs could not be encoded (a bug in aksmesh).
    #[error("internal error: the inputs of {name} could not be encoded: {message}")]
    Inputs { name: String, message: String },
}

/// A component with its types erased, for dispatch by token.
#[async_trait]
pub trait DynComponent: Send + Sync {
    /// Checks the inputs before anything is registered.
    fn check(&self, inputs: &Value) -> Result<(), ComponentError>;
    async fn construct(
        &self,
        registrar: Arc<dyn ChildRegistrar>,
        name: &str,
        inputs: &Value,
    ) -> Result<Constructed, ComponentError>;
}

/// Why a component could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// Bad inputs, found before anything was registered.
    #[error("{}", describe(.0))]
    Invalid(Vec<CheckFailure>),
    /// A child could not be registered.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    /// The platform's shape admits no connectivity report.
    #[error(transparent)]
    Topology(#[from] crate::connectivity::TopologyError),
}

/// One line per failure: `property: reason`.
fn describe(failures: &[CheckFailure]) -> String {
    let lines: Vec<String> = failures
        .iter()
        .map(|f| {
            if f.property.is_empty() {
                f.reason.clone()
            } else {
                format!("{}: {}", f.property, f.reason)
            }
        })
        .collect();
    lines.join("\n")
}

pub struct ComponentAdapter<C>(pub C);

impl<C: Component> ComponentAdapter<C> {
    fn typed(&self, inputs: &Value) -> Result<C::Inputs, ComponentError> {
        let typed = inputs.to_typed_all::<C::Inputs>();
        let mut failures: Vec<CheckFailure> = typed.errors.into_iter().map(Into::into).collect();
        let Some(value) = typed.value else {
            return Err(ComponentError::Invalid(failures));
        };
        // Mismatched values were set aside (marked unknown), so the rest is still checked.
        failures.extend(self.0.check(&value, &typed.annotations));
        let typed = value;
        if failures.is_empty() {
            Ok(typed)
        } else {
            Err(ComponentError::Invalid(failures))
        }
    }
}

#[async_trait]
impl<C: Component> DynComponent for ComponentAdapter<C> {
    fn check(&self, inputs: &Value) -> Result<(), ComponentError> {
        self.typed(inputs).map(|_| ())
    }

    async fn construct(
        &self,
        registrar: Arc<dyn ChildRegistrar>,
        name: &str,
        inputs: &Value,
    ) -> Result<Constructed, ComponentError> {
        let typed = self.typed(inputs)?;
        self.0.construct(registrar, name, typed, inputs).await
    }
}
