//! `aksmesh:index:FrontDoor`: an Azure Front Door Standard/Premium profile in front of one origin per
//! region: profile → endpoint → origin group (health probe, latency 0 so users reach the nearest
//! healthy region) → origins, and a `/*` route from the endpoint to the group.
//!
//! Names are deterministic, so a create re-run after a crash adopts what exists (PUT is idempotent).
//! Origins are child resources: adding or removing one is a PUT or DELETE of that origin alone.
//!
//! Files: `types` (inputs, state, defaults, names and ids), `check` (validation and defaults),
//! `changes` (replace rules and preview outputs), `body` (ARM request bodies), `apply` (create and
//! update), `read` (refresh and import) and `drift` (out-of-band changes no input shows).

mod apply;
mod body;
mod changes;
mod check;
mod drift;
mod read;
mod types;
#[cfg(test)]
pub(crate) use read::{recorded, Children};

use async_trait::async_trait;

use crate::azure::models::front_door::FrontDoorProfile;
use crate::azure::ResourceId;
use crate::resource::ReadOutcome;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, Resource, ResourceError,
};
use crate::resources::common::operation_options;
use crate::resources::common::read_options;

pub use types::{
    FrontDoorInputs, FrontDoorOrigin, FrontDoorState, Names, DEFAULT_FORWARDING_PROTOCOL,
    DEFAULT_PRIORITY, DEFAULT_PROBE_INTERVAL, DEFAULT_PROBE_PATH, DEFAULT_PROBE_PROTOCOL,
    DEFAULT_SKU, DEFAULT_WEIGHT, ORIGIN_GROUP_NAME, ROUTE_NAME,
};

pub struct FrontDoor;

#[async_trait]
impl Resource for FrontDoor {
    const TOKEN: &'static str = "aksmesh:index:FrontDoor";
    /// Names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = FrontDoorInputs;
    type State = FrontDoorState;

    fn check(
        &self,
        inputs: &mut FrontDoorInputs,
        _olds: Option<&FrontDoorInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        check::check(inputs, context)
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        changes::change_effect(change)
    }

    fn preview(
        &self,
        inputs: &FrontDoorInputs,
        unknowns: &crate::property::Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        changes::preview(inputs, unknowns)
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: FrontDoorInputs,
    ) -> Result<(String, FrontDoorState), ResourceError<FrontDoorState>> {
        let azure = context.azure()?;
        apply::apply(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&FrontDoorInputs, &FrontDoorState)>,
    ) -> ReadOutcome<FrontDoorInputs, FrontDoorState> {
        let azure = context.azure()?;
        read::read(azure, &read_options(context), id, old).await
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&FrontDoorInputs, &FrontDoorState),
        news: FrontDoorInputs,
    ) -> Result<FrontDoorState, ResourceError<FrontDoorState>> {
        let azure = context.azure()?;
        apply::apply(azure, context, &news, Some(old.1))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        _id: &str,
        state: &FrontDoorState,
    ) -> Result<(), ResourceError<FrontDoorState>> {
        let azure = context.azure()?;
        // Deleting the profile deletes its endpoint, route, origin group and origins.
        let options = operation_options(
            context,
            format!("deleting Front Door profile {}", state.profile_name),
        );
        azure
            .delete::<FrontDoorProfile>(&ResourceId::parse(&state.profile_id)?, &options)
            .await
            .map_err(ResourceError::from)
    }
}
