//! The one small trait every aksmesh resource implements, with typed inputs and state.
//!
//! Modelled on pulumi-go-provider's `infer`: a resource is a type with methods. The generic adapter in
//! `crate::provider` turns engine values into these types, so no resource module sees protobuf, unknown
//! sentinels or secret wrappers.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::azure::{ArmClient, AzureError};
use crate::property::{Annotations, PropertyPath};

/// A bad input found offline, reported by the engine as "property X has a problem: reason".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// Property path (`regions[1].vnetCidr`); empty for a problem with the resource as a whole.
    pub property: PropertyPath,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl CheckFailure {
    pub fn new(property: impl Into<PropertyPath>, reason: impl Into<String>) -> Self {
        CheckFailure {
            property: property.into(),
            reason: reason.into(),
        }
    }
}

impl From<crate::property::TypeError> for CheckFailure {
    /// A value of the wrong type. Closed vocabularies leave the property for us to name; other
    /// mismatches point at the schema.
    fn from(error: crate::property::TypeError) -> Self {
        use crate::vocabulary::PROPERTY_PLACEHOLDER;
        let reason = if error.message.contains(PROPERTY_PLACEHOLDER) {
            error.message.replace(PROPERTY_PLACEHOLDER, &error.path)
        } else {
            format!(
                "{}; see the aksmesh schema for this property's type",
                error.message
            )
        };
        CheckFailure::new(error.path, reason)
    }
}

/// What Check knows besides the typed inputs.
pub struct CheckContext<'a> {
    /// Paths of the new inputs that are unknown (preview); validation skips them.
    pub unknowns: &'a Annotations,
    /// The resource's logical name in the program, used for default Azure names.
    pub name: &'a str,
}

impl CheckContext<'_> {
    pub fn is_unknown(&self, path: &str) -> bool {
        self.unknowns.is_unknown(path)
    }
}

/// One changed input leaf, as the generic differ found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<'a> {
    /// Path of the change (`networkProfile.podCidr`, `tags.env`).
    pub path: &'a str,
    /// The old input value; `None` when the property is being added.
    pub old: Option<&'a serde_json::Value>,
    /// The new input value; `None` when the property is being removed, `Some(Null)` if unknown.
    pub new: Option<&'a serde_json::Value>,
    /// The new value is not known yet (preview).
    pub new_is_unknown: bool,
}

/// How a resource reacts to one changed input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeEffect {
    /// Azure can change it in place.
    Update,
    /// Azure cannot change it: the resource must be replaced.
    Replace,
}

/// Everything an operation that calls Azure needs.
#[derive(Clone)]
pub struct OperationContext {
    pub azure: Option<ArmClient>,
    /// `aksmesh:location`, for resources whose inputs name no region.
    pub default_location: Option<String>,
    /// Cancelled by the engine's Cancel or by Ctrl-C.
    pub cancel: CancellationToken,
    /// The user's customTimeouts value for this operation, if any.
    pub timeout: Option<Duration>,
    pub urn: String,
    pub name: String,
    pub progress: Arc<dyn Fn(&str) + Send + Sync>,
    pub warn: Arc<dyn Fn(&str) + Send + Sync>,
}

impl OperationContext {
    /// The ARM client, or a clear error when the provider is not configured for Azure.
    pub fn azure(&self) -> Result<&ArmClient, Failure> {
        self.azure.as_ref().ok_or(Failure::NotConfigured)
    }

    /// Reports progress as an ephemeral status line on the resource's row.
    pub fn progress(&self, message: &str) {
        (self.progress)(message)
    }

    pub fn warn(&self, message: &str) {
        (self.warn)(message)
    }
}

/// What went wrong in an operation that calls Azure.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Azure refused or could not complete a request. (Boxed: ARM errors are large and most
    /// results are not errors.)
    #[error(transparent)]
    Azure(Box<AzureError>),
    /// One step of a multi-step operation failed; the message names the step.
    #[error("{step} failed: {source}")]
    Step {
        step: String,
        #[source]
        source: Box<AzureError>,
    },
    /// The provider has no Azure configuration.
    #[error("aksmesh is not configured for Azure: set aksmesh:subscriptionId (or ARM_SUBSCRIPTION_ID) and credentials")]
    NotConfigured,
    /// Waiting for a condition Azure reports only through reads (peerings Connected, members in
    /// the mesh) ran out of time or was canceled.
    #[error("{0}")]
    Waiting(String),
    /// An id, a stored value or a result that cannot be used; the message says what to do.
    #[error("{0}")]
    Invalid(String),
    /// A resource's own typed error about its inputs or state, with its cause kept.
    #[error(transparent)]
    Input(Box<dyn std::error::Error + Send + Sync>),
}

/// Lets a resource's own error type flow into [`Failure`] and [`ResourceError`] with `?`, its
/// message unchanged and its sources kept.
macro_rules! input_error {
    ($error:ty) => {
        impl From<$error> for $crate::resource::Failure {
            fn from(error: $error) -> Self {
                $crate::resource::Failure::Input(Box::new(error))
            }
        }

        impl<S> From<$error> for $crate::resource::ResourceError<S> {
            fn from(error: $error) -> Self {
                $crate::resource::ResourceError::Failed(error.into())
            }
        }
    };
}
pub(crate) use input_error;

impl Failure {
    /// A failure of `step`, e.g. "applying cluster mesh profile mesh-x".
    pub fn step(step: impl Into<String>) -> impl FnOnce(AzureError) -> Failure {
        let step = step.into();
        move |source| Failure::Step {
            step,
            source: Box::new(source),
        }
    }
}

impl From<AzureError> for Failure {
    fn from(error: AzureError) -> Self {
        Failure::Azure(Box::new(error))
    }
}

/// Why an operation failed.
#[derive(Debug)]
pub enum ResourceError<S> {
    /// Nothing was created or changed in Azure.
    Failed(Failure),
    /// The resource exists in Azure but the operation did not finish: the engine keeps id and state,
    /// and the next `up` resumes from there.
    Partial {
        id: String,
        state: S,
        reason: Failure,
    },
}

impl<S> ResourceError<S> {
    /// Nothing was changed: `message` says what is wrong and what to do.
    pub fn invalid(message: impl Into<String>) -> Self {
        ResourceError::Failed(Failure::Invalid(message.into()))
    }
}

impl<S> From<AzureError> for ResourceError<S> {
    fn from(error: AzureError) -> Self {
        ResourceError::Failed(error.into())
    }
}

impl<S> From<Failure> for ResourceError<S> {
    fn from(failure: Failure) -> Self {
        ResourceError::Failed(failure)
    }
}

/// What Read found.
pub struct ReadResult<I, S> {
    pub id: String,
    /// Inputs that reproduce the live state: the old inputs where Azure agrees with them, Azure's
    /// values where it does not, and no service defaults on import.
    pub inputs: I,
    pub state: S,
}

/// What Read answers: the live resource, `None` when it no longer exists, or why it could not be read.
pub type ReadOutcome<I, S> = Result<Option<ReadResult<I, S>>, ResourceError<S>>;

/// A custom resource managed by aksmesh.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The type token, e.g. `aksmesh:index:RegionalNetwork`.
    const TOKEN: &'static str;
    /// Output paths that are always secret (e.g. `kubeconfig`).
    const SECRET_OUTPUTS: &'static [&'static str] = &[];
    /// Whether replacement must delete first (true when Azure names are deterministic and reused).
    const DELETE_BEFORE_REPLACE: bool = false;

    type Inputs: Serialize + DeserializeOwned + schemars::JsonSchema + Clone + Send + Sync;
    type State: Serialize + DeserializeOwned + schemars::JsonSchema + Clone + Send + Sync;

    /// Validates the inputs offline and fills derived defaults. Never calls Azure.
    fn check(
        &self,
        inputs: &mut Self::Inputs,
        olds: Option<&Self::Inputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure>;

    /// Whether a change to one input leaf can happen in place.
    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect;

    /// Like [`Resource::change_effect`], for rules that also depend on another of the new inputs
    /// (a pod range grows in place only with overlay). `unknowns` says which new inputs are not
    /// known yet.
    fn change_effect_given(
        &self,
        change: &Change<'_>,
        news: &Self::Inputs,
        unknowns: &Annotations,
    ) -> ChangeEffect {
        let _ = (news, unknowns);
        self.change_effect(change)
    }

    /// What a change does beyond its property diff, in sentences the preview shows on the
    /// resource ("rotates pool systemPool: ..."). Only called when both inputs read as the type.
    fn change_notes(&self, old: &Self::Inputs, new: &Self::Inputs) -> Vec<String> {
        let _ = (old, new);
        Vec::new()
    }

    /// Outputs known before anything exists (deterministic names, ranges), for previews. Inputs that
    /// are also outputs are copied by the adapter; everything else is shown as unknown.
    fn preview(
        &self,
        inputs: &Self::Inputs,
        unknowns: &Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        let _ = (inputs, unknowns);
        serde_json::Map::new()
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: Self::Inputs,
    ) -> Result<(String, Self::State), ResourceError<Self::State>>;

    /// Reads the live resource for refresh (`old` is `Some`) or import (`old` is `None`).
    /// `Ok(None)` means it no longer exists.
    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&Self::Inputs, &Self::State)>,
    ) -> ReadOutcome<Self::Inputs, Self::State>;

    async fn update(
        &self,
        context: &OperationContext,
        id: &str,
        old: (&Self::Inputs, &Self::State),
        news: Self::Inputs,
    ) -> Result<Self::State, ResourceError<Self::State>>;

    async fn delete(
        &self,
        context: &OperationContext,
        id: &str,
        state: &Self::State,
    ) -> Result<(), ResourceError<Self::State>>;
}

/// A function (`pulumi.invoke`) offered by aksmesh. Functions never see unknowns or secrets.
#[async_trait]
pub trait Function: Send + Sync + 'static {
    const TOKEN: &'static str;
    type Arguments: DeserializeOwned + schemars::JsonSchema + Send;
    type Result: Serialize + schemars::JsonSchema + Send;

    /// Answers the call, or explains which arguments are wrong and how to fix them.
    async fn invoke(&self, arguments: Self::Arguments) -> Result<Self::Result, Vec<CheckFailure>>;
}
