//! The `pulumirpc.ResourceProvider` service: converts requests into [`Value`]s once, dispatches by
//! type token to the registry, and converts results back.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status};

use super::bounded_text::bounded;
use super::child_failures::{child_urn, ChildFailures};
use super::engine::{EngineLog, Severity};
use super::errors::{missing_config_keys, resource_init_failed};
use super::monitor::MonitorRegistrar;
use super::pulumirpc::resource_provider_server::ResourceProvider;
use super::pulumirpc::{
    self as rpc, diff_response::DiffChanges, property_diff::Kind as RpcDiffKind,
};
use super::values::{from_struct, to_struct, too_deep_reason, DecodeError};
use crate::azure::ArmClient;
use crate::component::ChildRegistrar;
use crate::config::{self, ConfigOutcome};
use crate::diff::{diff_inputs, DiffKind, DiffResult};
use crate::property::Value;
use crate::provider::{DynResource, OperationError, Registry};
use crate::resource::{ChangeEffect, CheckFailure, OperationContext};

/// The schema served by GetSchema, embedded at build time.
pub const SCHEMA: &str = include_str!("../../schema.json");

#[derive(Default)]
struct Configured {
    azure: Option<ArmClient>,
    default_location: Option<String>,
}

/// The provider service. Cheap to clone.
#[derive(Clone)]
pub struct ProviderService {
    registry: Registry,
    configured: Arc<RwLock<Configured>>,
    /// Root of the one cancellation tree: Cancel and SIGINT cancel every in-flight operation.
    cancel: CancellationToken,
    engine: EngineLog,
    environment: Environment,
    /// Check, Create and Update failures, for the components whose children they are.
    failures: ChildFailures,
}

/// Looks up an environment variable (replaceable, so tests never read the machine's).
type Environment = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

impl ProviderService {
    pub fn new(registry: Registry, cancel: CancellationToken, engine: EngineLog) -> Self {
        ProviderService {
            registry,
            configured: Arc::default(),
            cancel,
            engine,
            environment: Arc::new(|name| std::env::var(name).ok()),
            failures: ChildFailures::default(),
        }
    }

    /// Replaces the environment lookup (tests must not depend on the machine's variables).
    pub fn with_environment(
        mut self,
        environment: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.environment = Arc::new(environment);
        self
    }

    fn resource(&self, token: &str) -> Result<&Arc<dyn DynResource>, Status> {
        self.registry.resources.get(token).ok_or_else(|| {
            Status::unimplemented(format!(
                "aksmesh has no resource type '{token}'; check the type token, or upgrade aksmesh if it is newer than this plugin ({})",
                env!("CARGO_PKG_VERSION")
            ))
        })
    }

    fn context(&self, urn: &str, name: &str, timeout_seconds: f64) -> OperationContext {
        let (azure, default_location) = match self.configured.read() {
            Ok(configured) => (
                configured.azure.clone(),
                configured.default_location.clone(),
            ),
            Err(_) => (None, None),
        };
        let status_log = self.engine.clone();
        let warn_log = self.engine.clone();
        let status_urn = urn.to_string();
        let warn_urn = urn.to_string();
        OperationContext {
            azure,
            default_location,
            cancel: self.cancel.child_token(),
            timeout: (timeout_seconds > 0.0 && timeout_seconds.is_finite())
                .then(|| Duration::from_secs_f64(timeout_seconds)),
            urn: urn.to_string(),
            name: name.to_string(),
            progress: Arc::new(move |text| status_log.status(&status_urn, text)),
            warn: Arc::new(move |text| warn_log.log(Severity::Warning, &warn_urn, text, false)),
        }
    }

    /// Announces a failure to the component waiting on `urn` (if any), and hands it on.
    fn failed(&self, urn: &str, status: Status) -> Status {
        self.failures.announce(urn, status.message());
        status
    }

    fn operation_status(&self, error: OperationError, inputs: Option<&Value>) -> Status {
        match error {
            OperationError::Failed(message) if self.cancel.is_cancelled() => {
                Status::cancelled(bounded(message))
            }
            OperationError::Failed(message) => {
                Status::new(Code::FailedPrecondition, bounded(message))
            }
            OperationError::Partial { id, state, reason } => resource_init_failed(
                id,
                to_struct(&state),
                inputs.map(to_struct),
                bounded(reason),
            ),
        }
    }
}

fn decode(s: Option<&prost_types::Struct>) -> Result<Value, Status> {
    from_struct(s).map_err(decode_error)
}

fn decode_error(error: DecodeError) -> Status {
    Status::invalid_argument(bounded(error.to_string()))
}

/// Inputs that Check and Invoke validate: a value nested too deep is a failure at its property
/// (the caller's mistake, like any other bad input); other decode errors stay InvalidArgument.
fn decode_inputs(
    s: Option<&prost_types::Struct>,
) -> Result<Result<Value, Vec<rpc::CheckFailure>>, Status> {
    match from_struct(s) {
        Ok(value) => Ok(Ok(value)),
        Err(DecodeError::TooDeep { path }) => Ok(Err(failures(vec![CheckFailure::new(
            path,
            too_deep_reason(),
        )]))),
        Err(error) => Err(decode_error(error)),
    }
}

/// The type token of a request: its `type` field, else the last type in the URN.
fn token_of<'a>(type_field: &'a str, urn: &'a str) -> &'a str {
    if !type_field.is_empty() {
        return type_field;
    }
    urn.split("::")
        .nth(2)
        .and_then(|t| t.rsplit('$').next())
        .unwrap_or("")
}

/// The resource's name: its `name` field, else the URN's last part.
fn name_of<'a>(name_field: &'a str, urn: &'a str) -> &'a str {
    if !name_field.is_empty() {
        return name_field;
    }
    urn.rsplit("::").next().unwrap_or("")
}

fn failures(failures: Vec<CheckFailure>) -> Vec<rpc::CheckFailure> {
    failures
        .into_iter()
        .map(|f| rpc::CheckFailure {
            property: bounded(f.property),
            reason: bounded(f.reason),
        })
        .collect()
}

fn diff_response(result: DiffResult) -> rpc::DiffResponse {
    let detailed_diff = result
        .detailed
        .iter()
        .map(|(path, kind)| {
            let kind = match kind {
                DiffKind::Add => RpcDiffKind::Add,
                DiffKind::AddReplace => RpcDiffKind::AddReplace,
                DiffKind::Delete => RpcDiffKind::Delete,
                DiffKind::DeleteReplace => RpcDiffKind::DeleteReplace,
                DiffKind::Update => RpcDiffKind::Update,
                DiffKind::UpdateReplace => RpcDiffKind::UpdateReplace,
            };
            (
                path.clone(),
                rpc::PropertyDiff {
                    kind: kind as i32,
                    input_diff: !result.state_paths.contains(path),
                },
            )
        })
        .collect();
    rpc::DiffResponse {
        replaces: result.replace_keys.iter().cloned().collect(),
        stables: Vec::new(),
        delete_before_replace: result.delete_before_replace,
        changes: if result.has_changes() {
            DiffChanges::DiffSome
        } else {
            DiffChanges::DiffNone
        } as i32,
        diffs: result.changed_keys.iter().cloned().collect(),
        detailed_diff,
        has_detailed_diff: true,
    }
}

/// Keys the engine adds to provider config that are not ours.
fn without_engine_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "version" | "pluginDownloadURL") && !k.starts_with("__")
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Provider config from Configure: `args` when present, else the deprecated `variables` map.
fn configure_args(request: &rpc::ConfigureRequest) -> Result<Value, Status> {
    if request.args.is_some() {
        return decode(request.args.as_ref());
    }
    let map = request
        .variables
        .iter()
        .map(|(key, value)| {
            let short = key.rsplit(':').next().unwrap_or(key).to_string();
            (short, Value::String(value.clone()))
        })
        .collect();
    Ok(Value::Object(map))
}

#[tonic::async_trait]
impl ResourceProvider for ProviderService {
    async fn handshake(
        &self,
        request: Request<rpc::ProviderHandshakeRequest>,
    ) -> Result<Response<rpc::ProviderHandshakeResponse>, Status> {
        let request = request.into_inner();
        if !request.engine_address.is_empty() {
            self.engine.connect(&request.engine_address);
        }
        // Must match ConfigureResponse.
        Ok(Response::new(rpc::ProviderHandshakeResponse {
            accept_secrets: true,
            accept_resources: true,
            // Construct gets output values, each with the URNs it depends on, so a component's
            // child depends only on what its own inputs come from (rpc/monitor.rs).
            accept_outputs: true,
            supports_autonaming_configuration: false,
            accepts_byte_string: false,
        }))
    }

    async fn get_schema(
        &self,
        request: Request<rpc::GetSchemaRequest>,
    ) -> Result<Response<rpc::GetSchemaResponse>, Status> {
        let request = request.into_inner();
        if request.version != 0 {
            return Err(Status::invalid_argument(format!(
                "aksmesh serves schema version 0 only, not {}",
                request.version
            )));
        }
        if !request.subpackage_name.is_empty() {
            return Err(Status::invalid_argument(
                "aksmesh has no parameterized sub-packages",
            ));
        }
        Ok(Response::new(rpc::GetSchemaResponse {
            schema: SCHEMA.to_string(),
        }))
    }

    async fn check_config(
        &self,
        request: Request<rpc::CheckRequest>,
    ) -> Result<Response<rpc::CheckResponse>, Status> {
        let request = request.into_inner();
        let news = match decode_inputs(request.news.as_ref())? {
            Ok(news) => news,
            Err(failures) => {
                return Ok(Response::new(rpc::CheckResponse {
                    inputs: request.news,
                    failures,
                }))
            }
        };
        let problems = match config::parse(&without_engine_keys(&news), self.environment.as_ref()) {
            ConfigOutcome::Invalid(failures) => failures,
            // Missing keys are reported by Configure with the engine's `pulumi config set` hint.
            ConfigOutcome::Ready(_) | ConfigOutcome::Missing(_) => Vec::new(),
        };
        Ok(Response::new(rpc::CheckResponse {
            inputs: request.news,
            failures: failures(problems),
        }))
    }

    async fn diff_config(
        &self,
        request: Request<rpc::DiffRequest>,
    ) -> Result<Response<rpc::DiffResponse>, Status> {
        let request = request.into_inner();
        let olds = without_engine_keys(&decode(
            request.old_inputs.as_ref().or(request.olds.as_ref()),
        )?);
        let news = without_engine_keys(&decode(request.news.as_ref())?);
        // A config change never replaces resources: that would replace every cluster the provider manages.
        let result = diff_inputs(&olds, &news, &request.ignore_changes, false, |_| {
            ChangeEffect::Update
        });
        Ok(Response::new(diff_response(result)))
    }

    async fn configure(
        &self,
        request: Request<rpc::ConfigureRequest>,
    ) -> Result<Response<rpc::ConfigureResponse>, Status> {
        let request = request.into_inner();
        let args = without_engine_keys(&configure_args(&request)?);
        let config = match config::parse(&args, self.environment.as_ref()) {
            ConfigOutcome::Ready(config) => *config,
            ConfigOutcome::Missing(keys) => {
                let keys: Vec<(&str, &str)> =
                    keys.iter().map(|k| (k.name, k.description)).collect();
                return Err(missing_config_keys(&keys));
            }
            ConfigOutcome::Invalid(problems) => {
                let text: Vec<String> = problems
                    .iter()
                    .map(|f| format!("aksmesh:{}: {}", f.property, f.reason))
                    .collect();
                return Err(Status::invalid_argument(bounded(text.join("; "))));
            }
        };
        // Building the client fetches no token: Configure stays fast and works offline.
        let azure = config::arm_client(&config)
            .map_err(|error| Status::invalid_argument(error.to_string()))?;
        if let Ok(mut configured) = self.configured.write() {
            *configured = Configured {
                azure: Some(azure),
                default_location: config.location.clone(),
            };
        }
        Ok(Response::new(rpc::ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: true,
            // Construct gets output values, each with the URNs it depends on, so a component's
            // child depends only on what its own inputs come from (rpc/monitor.rs).
            accept_outputs: true,
            supports_autonaming_configuration: false,
        }))
    }

    async fn invoke(
        &self,
        request: Request<rpc::InvokeRequest>,
    ) -> Result<Response<rpc::InvokeResponse>, Status> {
        let request = request.into_inner();
        let function = self
            .registry
            .functions
            .get(request.tok.as_str())
            .ok_or_else(|| {
                Status::unimplemented(format!(
                    "aksmesh has no function '{}'; check the token",
                    request.tok
                ))
            })?;
        let arguments = match decode_inputs(request.args.as_ref())? {
            Ok(arguments) => arguments,
            Err(failures) => {
                return Ok(Response::new(rpc::InvokeResponse {
                    r#return: None,
                    failures,
                }))
            }
        };
        Ok(Response::new(match function.invoke(&arguments).await {
            Ok(result) => rpc::InvokeResponse {
                r#return: Some(to_struct(&result)),
                failures: Vec::new(),
            },
            Err(problems) => rpc::InvokeResponse {
                r#return: None,
                failures: failures(problems),
            },
        }))
    }

    async fn call(
        &self,
        request: Request<rpc::CallRequest>,
    ) -> Result<Response<rpc::CallResponse>, Status> {
        Err(Status::unimplemented(format!(
            "aksmesh components have no method '{}'",
            request.into_inner().tok
        )))
    }

    async fn check(
        &self,
        request: Request<rpc::CheckRequest>,
    ) -> Result<Response<rpc::CheckResponse>, Status> {
        let request = request.into_inner();
        let resource = self.resource(token_of(&request.r#type, &request.urn))?;
        let olds = decode(request.olds.as_ref())?;
        let news = match decode_inputs(request.news.as_ref())? {
            Ok(news) => news,
            Err(failures) => {
                return Ok(Response::new(rpc::CheckResponse {
                    inputs: request.news,
                    failures,
                }))
            }
        };
        let outcome = resource.check(&olds, &news, name_of(&request.name, &request.urn));
        if let Some(first) = outcome.failures.first() {
            let property = match first.property.as_str() {
                "" => String::new(),
                property => format!("{property}: "),
            };
            self.failures
                .announce(&request.urn, &format!("{property}{}", first.reason));
        }
        Ok(Response::new(rpc::CheckResponse {
            inputs: Some(to_struct(&outcome.inputs)),
            failures: failures(outcome.failures),
        }))
    }

    async fn diff(
        &self,
        request: Request<rpc::DiffRequest>,
    ) -> Result<Response<rpc::DiffResponse>, Status> {
        let request = request.into_inner();
        let resource = self.resource(token_of(&request.r#type, &request.urn))?;
        let old_inputs = decode(request.old_inputs.as_ref().or(request.olds.as_ref()))?;
        let old_state = decode(request.olds.as_ref())?;
        let news = decode(request.news.as_ref())?;
        let result = resource
            .diff(&old_inputs, &old_state, &news, &request.ignore_changes)
            .map_err(|e| self.operation_status(e, None))?;
        for note in &result.notes {
            self.engine.log(Severity::Info, &request.urn, note, false);
        }
        Ok(Response::new(diff_response(result)))
    }

    async fn create(
        &self,
        request: Request<rpc::CreateRequest>,
    ) -> Result<Response<rpc::CreateResponse>, Status> {
        let request = request.into_inner();
        let resource = self.resource(token_of(&request.r#type, &request.urn))?;
        let news = decode(request.properties.as_ref())?;
        if request.preview {
            return Ok(Response::new(rpc::CreateResponse {
                id: String::new(),
                properties: Some(to_struct(&resource.preview(&news))),
                refresh_before_update: false,
            }));
        }
        let context = self.context(
            &request.urn,
            name_of(&request.name, &request.urn),
            request.timeout,
        );
        let (id, state) = resource
            .create(&context, &news)
            .await
            .map_err(|e| self.failed(&request.urn, self.operation_status(e, Some(&news))))?;
        Ok(Response::new(rpc::CreateResponse {
            id,
            properties: Some(to_struct(&state)),
            refresh_before_update: false,
        }))
    }

    async fn read(
        &self,
        request: Request<rpc::ReadRequest>,
    ) -> Result<Response<rpc::ReadResponse>, Status> {
        let request = request.into_inner();
        let resource = self.resource(token_of(&request.r#type, &request.urn))?;
        let old_state = request
            .properties
            .as_ref()
            .map(|s| decode(Some(s)))
            .transpose()?;
        let old_inputs = request
            .inputs
            .as_ref()
            .map(|s| decode(Some(s)))
            .transpose()?;
        let context = self.context(
            &request.urn,
            name_of(&request.name, &request.urn),
            request.timeout,
        );
        let found = resource
            .read(
                &context,
                &request.id,
                old_inputs.as_ref(),
                old_state.as_ref(),
            )
            .await
            .map_err(|e| self.operation_status(e, old_inputs.as_ref()))?;
        Ok(Response::new(match found {
            Some(found) => rpc::ReadResponse {
                id: found.id,
                properties: Some(to_struct(&found.state)),
                inputs: Some(to_struct(&found.inputs)),
                refresh_before_update: false,
            },
            // An empty id tells the engine the resource is gone.
            None => rpc::ReadResponse::default(),
        }))
    }

    async fn update(
        &self,
        request: Request<rpc::UpdateRequest>,
    ) -> Result<Response<rpc::UpdateResponse>, Status> {
        let request = request.into_inner();
        let resource = self.resource(token_of(&request.r#type, &request.urn))?;
        let old_state = decode(request.olds.as_ref())?;
        let old_inputs = match request.old_inputs.as_ref() {
            Some(inputs) => decode(Some(inputs))?,
            None => old_state.clone(),
        };
        let news = decode(request.news.as_ref())?;
        if request.preview {
            // Old outputs stay as they are; inputs show their new values.
            let mut outputs = match old_state {
                Value::Object(map) => map,
                _ => Default::default(),
            };
            if let Value::Object(projected) = resource.preview(&news) {
                outputs.extend(projected);
            }
            return Ok(Response::new(rpc::UpdateResponse {
                properties: Some(to_struct(&Value::Object(outputs))),
                refresh_before_update: false,
            }));
        }
        let context = self.context(
            &request.urn,
            name_of(&request.name, &request.urn),
            request.timeout,
        );
        let state = resource
            .update(&context, &request.id, &old_inputs, &old_state, &news)
            .await
            .map_err(|e| self.failed(&request.urn, self.operation_status(e, Some(&news))))?;
        Ok(Response::new(rpc::UpdateResponse {
            properties: Some(to_struct(&state)),
            refresh_before_update: false,
        }))
    }

    async fn delete(&self, request: Request<rpc::DeleteRequest>) -> Result<Response<()>, Status> {
        let request = request.into_inner();
        let resource = self.resource(token_of(&request.r#type, &request.urn))?;
        let old_state = decode(request.properties.as_ref())?;
        let context = self.context(
            &request.urn,
            name_of(&request.name, &request.urn),
            request.timeout,
        );
        resource
            .delete(&context, &request.id, &old_state)
            .await
            .map_err(|e| self.operation_status(e, None))?;
        Ok(Response::new(()))
    }

    async fn construct(
        &self,
        request: Request<rpc::ConstructRequest>,
    ) -> Result<Response<rpc::ConstructResponse>, Status> {
        let request = request.into_inner();
        let component = self
            .registry
            .components
            .get(request.r#type.as_str())
            .ok_or_else(|| {
                Status::unimplemented(format!(
                    "aksmesh has no component '{}'; check the type token",
                    request.r#type
                ))
            })?;
        let inputs = decode(request.inputs.as_ref())?;
        // A component inside another is its child too: its failure is announced to the parent.
        let own_urn = child_urn(&request.parent, &request.r#type, &request.name);
        let failed = |status: Status| match &own_urn {
            Some(urn) => self.failed(urn, status),
            None => status,
        };
        // The engine runs no Check for components: bad input stops here, before anything is registered.
        component
            .check(&inputs)
            .map_err(|e| failed(Status::invalid_argument(bounded(e.to_string()))))?;
        let registrar =
            Arc::new(MonitorRegistrar::register_component(&request, self.failures.clone()).await?);
        let constructed = component
            .construct(registrar.clone(), &request.name, &inputs)
            .await
            .map_err(|e| failed(Status::unknown(bounded(e.to_string()))))?;
        registrar.register_outputs(&constructed.outputs).await?;
        let dependencies = rpc::construct_response::PropertyDependencies {
            urns: constructed.dependencies.iter().cloned().collect(),
        };
        let state_dependencies = match &constructed.outputs {
            Value::Object(map) => map
                .keys()
                .map(|k| (k.clone(), dependencies.clone()))
                .collect(),
            _ => Default::default(),
        };
        Ok(Response::new(rpc::ConstructResponse {
            urn: registrar.urn().to_string(),
            state: Some(to_struct(&constructed.outputs)),
            state_dependencies,
        }))
    }

    async fn cancel(&self, _: Request<()>) -> Result<Response<()>, Status> {
        // Advisory and non-blocking: in-flight operations notice within their next poll tick.
        self.cancel.cancel();
        Ok(Response::new(()))
    }

    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<rpc::PluginInfo>, Status> {
        Ok(Response::new(rpc::PluginInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
        }))
    }

    async fn attach(&self, request: Request<rpc::PluginAttach>) -> Result<Response<()>, Status> {
        self.engine.connect(&request.into_inner().address);
        Ok(Response::new(()))
    }

    async fn get_mapping(
        &self,
        _: Request<rpc::GetMappingRequest>,
    ) -> Result<Response<rpc::GetMappingResponse>, Status> {
        Ok(Response::new(rpc::GetMappingResponse::default()))
    }

    async fn get_mappings(
        &self,
        _: Request<rpc::GetMappingsRequest>,
    ) -> Result<Response<rpc::GetMappingsResponse>, Status> {
        Ok(Response::new(rpc::GetMappingsResponse::default()))
    }
}

/// Serves the provider on `listener` until `shutdown` completes, with the engine's 400 MiB message
/// limits. Used by the plugin binary and by the in-process test server alike.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: ProviderService,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let server = super::pulumirpc::resource_provider_server::ResourceProviderServer::new(service)
        .max_decoding_message_size(super::MAX_MESSAGE_SIZE)
        .max_encoding_message_size(super::MAX_MESSAGE_SIZE);
    // tonic ignores its tcp_nodelay setting for a caller's listener; without it, a response larger
    // than one write waits for the client's delayed ACK (≈40 ms per GetSchema).
    let incoming = tokio_stream::StreamExt::map(
        tokio_stream::wrappers::TcpListenerStream::new(listener),
        |stream| {
            stream.inspect(|s| {
                let _ = s.set_nodelay(true);
            })
        },
    );
    tonic::transport::Server::builder()
        .add_service(server)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_names_come_from_fields_or_the_urn() {
        let urn = "urn:pulumi:dev::demo::aksmesh:index:MultiRegionAks$aksmesh:index:RegionalNetwork::eastus";
        assert_eq!(token_of("", urn), "aksmesh:index:RegionalNetwork");
        assert_eq!(token_of("aksmesh:index:X", urn), "aksmesh:index:X");
        assert_eq!(name_of("", urn), "eastus");
        assert_eq!(token_of("", "garbage"), "");
    }
}
