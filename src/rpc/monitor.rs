//! Construct's engine side: registers a component and its children through the engine's
//! ResourceMonitor, passing the program's resource options on to every child.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use tonic::transport::{Channel, Endpoint};

use super::child_failures::{child_urn, ChildFailures};
use super::pulumirpc::register_resource_request::{self, CustomTimeouts as RegisterTimeouts};
use super::pulumirpc::resource_monitor_client::ResourceMonitorClient;
use super::pulumirpc::{ConstructRequest, RegisterResourceOutputsRequest, RegisterResourceRequest};
use super::values::{from_struct, to_struct};
use super::MAX_MESSAGE_SIZE;
use crate::component::{
    Child, ChildRegistrar, ChildRequest, ComponentOptions, CustomTimeouts, RegistrationError,
};
use crate::property::Value;

/// The program's resource options as Construct received them.
pub fn component_options(request: &ConstructRequest) -> ComponentOptions {
    ComponentOptions {
        protect: request.protect,
        providers: request.providers.clone().into_iter().collect(),
        ignore_changes: request.ignore_changes.clone(),
        custom_timeouts: request.custom_timeouts.as_ref().map(|t| CustomTimeouts {
            create: t.create.clone(),
            update: t.update.clone(),
            delete: t.delete.clone(),
            read: t.read.clone(),
        }),
        retain_on_delete: request.retain_on_delete,
        delete_before_replace: request.delete_before_replace,
        dependencies: explicit_dependencies(request),
    }
}

/// The component's dependencies that no input value carries: the program's `dependsOn`, which
/// every child inherits. A dependency an output value carries reaches only the children whose
/// inputs use that value, so a peering of two regions depends on those two networks, not on every
/// region's (each needless dependency is stored with every property of every child, and the
/// engine rewrites the whole state after each step: a 20-region mesh grew it by 3.4 MB).
fn explicit_dependencies(request: &ConstructRequest) -> Vec<String> {
    let mut carried = BTreeSet::new();
    if let Ok(inputs) = from_struct(request.inputs.as_ref()) {
        inputs.collect_output_dependencies(&mut carried);
    }
    request
        .dependencies
        .iter()
        .filter(|urn| !carried.contains(*urn))
        .cloned()
        .collect()
}

/// Each top-level input's dependencies, from the output values inside it.
fn property_dependencies(inputs: &Value) -> BTreeMap<String, BTreeSet<String>> {
    match inputs {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| {
                let mut urns = BTreeSet::new();
                value.collect_output_dependencies(&mut urns);
                (key.clone(), urns)
            })
            .filter(|(_, urns)| !urns.is_empty())
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Registers children under one component URN.
pub struct MonitorRegistrar {
    client: ResourceMonitorClient<Channel>,
    urn: String,
    preview: bool,
    options: ComponentOptions,
    failures: ChildFailures,
}

impl MonitorRegistrar {
    /// Dials the monitor and registers the component itself; children are registered under it.
    pub async fn register_component(
        request: &ConstructRequest,
        failures: ChildFailures,
    ) -> Result<Self, tonic::Status> {
        let uri = if request.monitor_endpoint.starts_with("http") {
            request.monitor_endpoint.clone()
        } else {
            format!("http://{}", request.monitor_endpoint)
        };
        let channel = Endpoint::from_shared(uri)
            .map_err(|e| tonic::Status::invalid_argument(format!("bad monitor endpoint: {e}")))?
            .connect()
            .await
            .map_err(|e| {
                tonic::Status::unavailable(format!(
                    "cannot reach the engine's resource monitor: {e}"
                ))
            })?;
        let mut client = ResourceMonitorClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let options = component_options(request);
        let response = client
            .register_resource(RegisterResourceRequest {
                r#type: request.r#type.clone(),
                name: request.name.clone(),
                parent: request.parent.clone(),
                custom: false,
                object: Some(prost_types::Struct::default()),
                protect: request.protect,
                dependencies: explicit_dependencies(request),
                providers: request.providers.clone(),
                // The component's own aliases; the engine derives its children's from them.
                aliases: request.aliases.clone(),
                alias_specs: true,
                accept_secrets: true,
                accept_resources: true,
                version: env!("CARGO_PKG_VERSION").to_string(),
                retain_on_delete: request.retain_on_delete,
                ..Default::default()
            })
            .await?
            .into_inner();
        Ok(MonitorRegistrar {
            client,
            urn: response.urn,
            preview: request.dry_run,
            options,
            failures,
        })
    }

    /// Records the component's outputs with the engine (they show on the component's row).
    pub async fn register_outputs(&self, outputs: &Value) -> Result<(), tonic::Status> {
        self.client
            .clone()
            .register_resource_outputs(RegisterResourceOutputsRequest {
                urn: self.urn.clone(),
                outputs: Some(to_struct(outputs)),
            })
            .await?;
        Ok(())
    }
}

#[async_trait]
impl ChildRegistrar for MonitorRegistrar {
    async fn register(&self, child: ChildRequest) -> Result<Child, RegistrationError> {
        // Explicit dependencies, the component's `dependsOn`, and what the inputs' output values
        // carry; each property names its own, so the engine does not give every property all of them.
        let property_dependencies = property_dependencies(&child.inputs);
        let mut dependencies: BTreeSet<String> = child.dependencies.iter().cloned().collect();
        dependencies.extend(self.options.dependencies.iter().cloned());
        dependencies.extend(property_dependencies.values().flatten().cloned());
        let dependencies: Vec<String> = dependencies.into_iter().collect();
        let package = child.token.split(':').next().unwrap_or_default();
        let request = RegisterResourceRequest {
            r#type: child.token.clone(),
            name: child.name.clone(),
            parent: self.urn.clone(),
            custom: !child.component,
            remote: child.component,
            object: Some(to_struct(&child.inputs)),
            protect: self.options.protect,
            dependencies,
            property_dependencies: property_dependencies
                .into_iter()
                .map(|(key, urns)| {
                    (
                        key,
                        register_resource_request::PropertyDependencies {
                            urns: urns.into_iter().collect(),
                        },
                    )
                })
                .collect(),
            provider: self
                .options
                .providers
                .get(package)
                .cloned()
                .unwrap_or_default(),
            delete_before_replace: self.options.delete_before_replace.unwrap_or_default(),
            delete_before_replace_defined: self.options.delete_before_replace.is_some(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            ignore_changes: self.options.ignore_changes.clone(),
            accept_secrets: true,
            accept_resources: true,
            custom_timeouts: self
                .options
                .custom_timeouts
                .as_ref()
                .map(|t| RegisterTimeouts {
                    create: t.create.clone(),
                    update: t.update.clone(),
                    delete: t.delete.clone(),
                    read: t.read.clone(),
                }),
            supports_partial_values: true,
            providers: self
                .options
                .providers
                .clone()
                .into_iter()
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect(),
            retain_on_delete: self.options.retain_on_delete,
            ..Default::default()
        };
        let urn = child_urn(&self.urn, &child.token, &child.name).unwrap_or_default();
        let failures = &self.failures;
        let mut client = self.client.clone();
        let answer = tokio::select! {
            answer = client.register_resource(request) => answer,
            message = failures.failure_of(&urn), if !urn.is_empty() => {
                return Err(RegistrationError::Failed {
                    token: child.token.clone(),
                    name: child.name.clone(),
                    urn,
                    message,
                });
            }
        };
        let response = answer
            .map_err(|status| RegistrationError::Refused {
                token: child.token.clone(),
                name: child.name.clone(),
                message: match status.code() {
                    // The monitor's shutdown, not this child's fault.
                    tonic::Code::Unavailable | tonic::Code::Cancelled => "the engine stopped the deployment before this resource finished; the errors above say why".to_string(),
                    _ => status.message().to_string(),
                },
            })?
            .into_inner();
        let outputs =
            from_struct(response.object.as_ref()).map_err(|source| RegistrationError::Outputs {
                token: child.token.clone(),
                name: child.name.clone(),
                source,
            })?;
        Ok(Child {
            urn: response.urn,
            id: response.id,
            outputs,
        })
    }

    fn is_preview(&self) -> bool {
        self.preview
    }

    fn urn(&self) -> &str {
        &self.urn
    }
}
