//! `aksmesh:index:RegionalNetwork`: one region's resource group, VNet, node subnet and (for flat pod
//! networking) pod subnet.
//!
//! Subnets are managed as child resources so a VNet PUT never drops them or the VNet's peerings.
//! Names are deterministic, so a create re-run after a crash adopts what exists (PUT is idempotent).
//!
//! One concept per file: `types` (inputs, outputs, names), `check`, `changes` (what replaces),
//! `preview`, `read` (refresh and import), `apply` (create and update), `delete`.

mod apply;
mod changes;
mod check;
mod delete;
mod preview;
mod read;
mod types;
#[cfg(test)]
pub(crate) use read::{recorded, unmanageable};

use async_trait::async_trait;

use crate::property::Annotations;
use crate::resource::ReadOutcome;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, Resource, ResourceError,
};
use crate::resources::common::read_options;

pub use types::{
    default_name_prefix, Names, RegionalNetworkInputs, RegionalNetworkState, NODE_SUBNET_NAME,
    POD_SUBNET_NAME,
};

pub struct RegionalNetwork;

#[async_trait]
impl Resource for RegionalNetwork {
    const TOKEN: &'static str = "aksmesh:index:RegionalNetwork";
    /// Names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = RegionalNetworkInputs;
    type State = RegionalNetworkState;

    fn check(
        &self,
        inputs: &mut RegionalNetworkInputs,
        _olds: Option<&RegionalNetworkInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        check::check(inputs, context)
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        changes::change_effect(change)
    }

    fn preview(
        &self,
        inputs: &RegionalNetworkInputs,
        unknowns: &Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        preview::preview(inputs, unknowns)
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: RegionalNetworkInputs,
    ) -> Result<(String, RegionalNetworkState), ResourceError<RegionalNetworkState>> {
        let azure = context.azure()?;
        apply::apply(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&RegionalNetworkInputs, &RegionalNetworkState)>,
    ) -> ReadOutcome<RegionalNetworkInputs, RegionalNetworkState> {
        let azure = context.azure()?;
        read::read(azure, &read_options(context), id, old).await
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&RegionalNetworkInputs, &RegionalNetworkState),
        news: RegionalNetworkInputs,
    ) -> Result<RegionalNetworkState, ResourceError<RegionalNetworkState>> {
        let azure = context.azure()?;
        apply::apply(azure, context, &news, Some(old.1))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        _id: &str,
        state: &RegionalNetworkState,
    ) -> Result<(), ResourceError<RegionalNetworkState>> {
        let azure = context.azure()?;
        delete::delete(azure, context, state).await
    }
}
