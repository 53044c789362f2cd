//! `aksmesh:index:VnetPeering`: one bidirectional link between two VNets.
//!
//! Azure models a peering as two child resources, one under each VNet, and connects them only when
//! both exist. This resource owns both directions: it PUTs both, waits until both are `Connected`
//! and `FullyInSync`, and deletes both. Names are deterministic, so a re-run after a crash adopts
//! what exists (PUT is idempotent), and a direction left `Disconnected` is deleted and recreated.
//!
//! One concept per file: `types` (inputs, state, names, ids), `check`, `changes` (replace or
//! update), `preview`, `body` (the ARM body of a direction), `status` (what a live pair says),
//! `drift` (out-of-band changes), `apply` (create/update), `read` (refresh), `import`, `delete`.

mod apply;
mod body;
mod changes;
mod check;
mod delete;
mod drift;
mod import;
mod preview;
mod read;
mod status;
mod types;
#[cfg(test)]
pub(crate) use read::recorded;

use async_trait::async_trait;

pub use types::{
    peering_names, PeeringNames, VnetPeeringInputs, VnetPeeringState, MAX_PEERING_NAME_LENGTH,
};

use crate::property::Annotations;
use crate::resource::ReadOutcome;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, Resource, ResourceError,
};

pub struct VnetPeering;

#[async_trait]
impl Resource for VnetPeering {
    const TOKEN: &'static str = "aksmesh:index:VnetPeering";
    /// Peering names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = VnetPeeringInputs;
    type State = VnetPeeringState;

    fn check(
        &self,
        inputs: &mut VnetPeeringInputs,
        _olds: Option<&VnetPeeringInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        check::check(inputs, context)
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        changes::change_effect(change)
    }

    fn preview(
        &self,
        inputs: &VnetPeeringInputs,
        unknowns: &Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        preview::preview(inputs, unknowns)
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: VnetPeeringInputs,
    ) -> Result<(String, VnetPeeringState), ResourceError<VnetPeeringState>> {
        let azure = context.azure()?;
        apply::apply(azure, context, &inputs, None, false).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&VnetPeeringInputs, &VnetPeeringState)>,
    ) -> ReadOutcome<VnetPeeringInputs, VnetPeeringState> {
        let azure = context.azure()?;
        match old {
            Some((inputs, state)) => read::refresh(azure, context, id, inputs, state).await,
            None => import::import(azure, context, id).await,
        }
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&VnetPeeringInputs, &VnetPeeringState),
        news: VnetPeeringInputs,
    ) -> Result<VnetPeeringState, ResourceError<VnetPeeringState>> {
        let azure = context.azure()?;
        let sync = old.0.address_spaces_differ(&news);
        apply::apply(azure, context, &news, Some(old.1), sync)
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        id: &str,
        state: &VnetPeeringState,
    ) -> Result<(), ResourceError<VnetPeeringState>> {
        let azure = context.azure()?;
        delete::delete(azure, context, id, state).await
    }
}

/// Two real-looking VNet ids shared by the unit tests of the sibling files.
#[cfg(test)]
mod fixtures {
    pub(super) const EAST: &str = "/subscriptions/s/resourceGroups/rg-platform-eastus/providers/Microsoft.Network/virtualNetworks/vnet-platform-eastus";
    pub(super) const WEST: &str = "/subscriptions/s/resourceGroups/rg-platform-westeurope/providers/Microsoft.Network/virtualNetworks/vnet-platform-westeurope";
}
