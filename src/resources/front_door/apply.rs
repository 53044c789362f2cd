//! Create and update: one ARM step after another, reporting a partial state once the profile
//! exists so the next `up` resumes.

use super::body::{endpoint_body, origin_body, origin_group_body, profile_body, route_body};
use super::types::{
    FrontDoorInputs, FrontDoorOrigin, FrontDoorState, Ids, Names, DEFAULT_SKU, ORIGIN_GROUP_NAME,
    ROUTE_NAME,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::azure::models::front_door::{
    AfdEndpoint, AfdOrigin, FrontDoorProfile, ProfileUpgradeParameters,
};
use crate::azure::models::ArmResource;
use crate::azure::{ArmClient, AzureError, OperationOptions, ResourceId, WriteFailure};
use crate::resource::{OperationContext, ResourceError};
use crate::resources::common::{azure_failure, operation_options, read_options, write_failure};
use crate::vocabulary::{FrontDoorSku as Sku, Vocabulary};

/// Creates or converges the Front Door: profile, endpoint, origin group, origins (adding and removing),
/// route. Every step is an idempotent PUT (or a DELETE of an origin no longer listed), so running it
/// again after a failure resumes where the last run stopped.
pub(super) async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &FrontDoorInputs,
    previous: Option<&FrontDoorState>,
) -> Result<(String, FrontDoorState), ResourceError<FrontDoorState>> {
    let subscription = azure.subscription_id().to_string();
    let names = inputs.names();
    let ids = Ids::new(&subscription, &inputs.resource_group_name, &names);
    let mut state = initial_state(inputs, &names, &ids, previous);
    // The origins that exist in Azure as far as this run knows: the previous state's, plus each one
    // put, minus each one deleted. A partial state records them so the next run removes leftovers.
    let mut existing_origins: Vec<FrontDoorOrigin> = previous
        .map(|p| p.inputs.origins.clone())
        .unwrap_or_default();
    let partial_state = |existing: &[FrontDoorOrigin], state: &FrontDoorState| {
        let mut partial = previous.cloned().unwrap_or_else(|| state.clone());
        partial.inputs.origins = existing.to_vec();
        partial
    };

    // Once the profile may exist (unless Azure refused its PUT outright), a failure leaves
    // something behind: report it as partial so the engine keeps the id, Delete removes the
    // profile with everything in it, and the next `up` resumes.
    let part = Part { azure, context };
    upgrade_if_needed(azure, context, inputs, &ids, previous)
        .await
        .map_err(|e| {
            azure_failure(
                e,
                Some((
                    ids.profile.clone(),
                    partial_state(&existing_origins, &state),
                )),
            )
        })?;
    let profile_name = format!("profile {}", names.profile);
    let profile = (part
        .put(profile_name, &ids.profile, &profile_body(inputs))
        .await)
        .map_err(|failure| {
            write_failure(failure, previous.is_some(), || {
                (
                    ids.profile.clone(),
                    partial_state(&existing_origins, &state),
                )
            })
        })?;
    if let Some(front_door_id) = profile.properties.front_door_id {
        state.front_door_id = front_door_id;
    }
    let partial = |error: AzureError, existing: &[FrontDoorOrigin], state: &FrontDoorState| {
        azure_failure(
            error,
            Some((ids.profile.clone(), partial_state(existing, state))),
        )
    };

    let endpoint_name = format!("endpoint {}", names.endpoint);
    let endpoint = (part
        .put(endpoint_name, &ids.endpoint, &endpoint_body(inputs))
        .await)
        .map_err(|e| partial(e.into(), &existing_origins, &state))?;
    if let Some(host_name) = endpoint.properties.host_name {
        state.endpoint_host_name = host_name;
    }
    let group_name = format!("origin group {ORIGIN_GROUP_NAME}");
    (part
        .put(group_name, &ids.origin_group, &origin_group_body(inputs))
        .await)
        .map_err(|e| partial(e.into(), &existing_origins, &state))?;
    let origin_id = |name: &str| ids.origin(name);
    put_origins(azure, context, inputs, &origin_id, &mut existing_origins)
        .await
        .map_err(|e| partial(e, &existing_origins, &state))?;
    delete_unlisted_origins(azure, context, inputs, &origin_id, &mut existing_origins)
        .await
        .map_err(|e| partial(e, &existing_origins, &state))?;

    // The one route, last: it needs the origin group to exist.
    let route_name = format!("route {ROUTE_NAME} on {}", names.endpoint);
    (part
        .put(route_name, &ids.route, &route_body(&ids, inputs))
        .await)
        .map_err(|e| partial(e.into(), &existing_origins, &state))?;

    read_assigned(azure, &read_options(context), &ids, &mut state).await;
    Ok((ids.profile, state))
}

/// Standard → Premium happens in place through the profile's `upgrade` action (AFDProfiles_Upgrade
/// in Microsoft.Cdn 2025-12-01); a PUT cannot change the sku of an existing profile. Microsoft
/// documents the upgrade as free of downtime (Learn: "Upgrade from Azure Front Door Standard to
/// Premium"). The profile is read first, so a run resumed after the upgrade does not repeat it.
async fn upgrade_if_needed(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &FrontDoorInputs,
    ids: &Ids,
    previous: Option<&FrontDoorState>,
) -> Result<(), AzureError> {
    let wanted = inputs.sku.unwrap_or(DEFAULT_SKU);
    let was = previous.map(|p| p.inputs.sku.unwrap_or(DEFAULT_SKU));
    if wanted != Sku::Premium || was != Some(Sku::Standard) {
        return Ok(());
    }
    let id = ResourceId::parse(&ids.profile)?;
    let live = azure
        .get::<FrontDoorProfile>(&id, &read_options(context))
        .await?;
    if live.is_none_or(|p| Sku::parse(&p.sku.name) != Some(Sku::Standard)) {
        return Ok(());
    }
    let options = operation_options(
        context,
        format!("upgrading Front Door profile {} to Premium", id.name()),
    );
    azure
        .post_with_body::<FrontDoorProfile, _, FrontDoorProfile>(
            &id,
            "upgrade",
            &ProfileUpgradeParameters::default(),
            &options,
        )
        .await
        .map(|_| ())
}

/// The state this run writes, keeping what Azure assigned earlier until it answers again.
fn initial_state(
    inputs: &FrontDoorInputs,
    names: &Names,
    ids: &Ids,
    previous: Option<&FrontDoorState>,
) -> FrontDoorState {
    FrontDoorState {
        inputs: inputs.clone(),
        profile_name: names.profile.clone(),
        endpoint_name: names.endpoint.clone(),
        profile_id: ids.profile.clone(),
        endpoint_id: ids.endpoint.clone(),
        origin_group_id: ids.origin_group.clone(),
        route_id: ids.route.clone(),
        endpoint_host_name: previous
            .map(|p| p.endpoint_host_name.clone())
            .unwrap_or_default(),
        front_door_id: previous
            .map(|p| p.front_door_id.clone())
            .unwrap_or_default(),
        out_of_band_changes: Vec::new(),
    }
}

/// Writes the parts of one Front Door.
struct Part<'a> {
    azure: &'a ArmClient,
    context: &'a OperationContext,
}

impl Part<'_> {
    /// PUTs one part, reporting progress as "creating Front Door {name}", and whether a failure
    /// may have left the part in Azure.
    async fn put<T>(&self, name: String, id: &str, body: &T) -> Result<T, WriteFailure>
    where
        T: ArmResource + Serialize + DeserializeOwned,
    {
        let options = operation_options(self.context, format!("creating Front Door {name}"));
        let id = ResourceId::parse(id).map_err(WriteFailure::refused)?;
        self.azure.put_tracked(&id, body, &options).await
    }
}

/// Every listed origin, each recorded in `existing` once put.
async fn put_origins(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &FrontDoorInputs,
    origin_id: &impl Fn(&str) -> String,
    existing: &mut Vec<FrontDoorOrigin>,
) -> Result<(), AzureError> {
    let part = Part { azure, context };
    for origin in &inputs.origins {
        let name = format!("origin {}", origin.name);
        let put = (part.put(name, &origin_id(&origin.name), &origin_body(origin))).await;
        // An origin whose PUT may have taken effect is recorded too, so a later run that no
        // longer lists it removes it.
        if matches!(&put, Err(failure) if failure.refused) {
            return put.map(|_| ()).map_err(AzureError::from);
        }
        existing.retain(|o| !o.name.eq_ignore_ascii_case(&origin.name));
        existing.push(origin.clone());
        put?;
    }
    Ok(())
}

/// Origins the inputs no longer list are removed.
async fn delete_unlisted_origins(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &FrontDoorInputs,
    origin_id: &impl Fn(&str) -> String,
    existing: &mut Vec<FrontDoorOrigin>,
) -> Result<(), AzureError> {
    let removed: Vec<FrontDoorOrigin> = existing
        .iter()
        .filter(|old| {
            !inputs
                .origins
                .iter()
                .any(|new| new.name.eq_ignore_ascii_case(&old.name))
        })
        .cloned()
        .collect();
    for origin in removed {
        let options = operation_options(
            context,
            format!("deleting Front Door origin {}", origin.name),
        );
        azure
            .delete::<AfdOrigin>(&ResourceId::parse(&origin_id(&origin.name))?, &options)
            .await?;
        existing.retain(|o| !o.name.eq_ignore_ascii_case(&origin.name));
    }
    Ok(())
}

/// The endpoint's host name and the Front Door id are assigned on create; read them if the PUT
/// responses did not carry them.
async fn read_assigned(
    azure: &ArmClient,
    options: &OperationOptions,
    ids: &Ids,
    state: &mut FrontDoorState,
) {
    if let (true, Ok(endpoint_id)) = (
        state.endpoint_host_name.is_empty(),
        ResourceId::parse(&ids.endpoint),
    ) {
        if let Ok(Some(endpoint)) = azure.get::<AfdEndpoint>(&endpoint_id, options).await {
            state.endpoint_host_name = endpoint.properties.host_name.unwrap_or_default();
        }
    }
    if let (true, Ok(profile_id)) = (
        state.front_door_id.is_empty(),
        ResourceId::parse(&ids.profile),
    ) {
        if let Ok(Some(profile)) = azure.get::<FrontDoorProfile>(&profile_id, options).await {
            state.front_door_id = profile.properties.front_door_id.unwrap_or_default();
        }
    }
}
