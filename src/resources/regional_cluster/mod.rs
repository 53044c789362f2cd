//! `aksmesh:index:RegionalCluster`: an AKS cluster in a RegionalNetwork's subnet.
//!
//! Azure CNI Overlay with the Cilium dataplane by default; flat pod-subnet mode and BYO CNI are
//! options. The cluster identity gets Network Contributor on its subnets so internal load balancers
//! work. Names are deterministic and every write is an idempotent PUT, so a create re-run after a
//! crash adopts the cluster and resumes.
//!
//! One concept per file: `types` (inputs, outputs, defaults, names), `check`, `changes` (what
//! replaces), `preview`, `body` (the ARM PUT), `pools` (which agent pool carries each pool, and
//! what rotates one), `pool_apply` (writing the pools), `roles` (Network Contributor grants), `kubeconfig`,
//! `read` (refresh and import), `live_inputs` (the live cluster as inputs), `apply` (create and
//! update), `delete`.

mod apply;
mod body;
mod changes;
mod check;
mod delete;
mod kubeconfig;
pub(crate) mod kubernetes_versions;
mod live_inputs;
mod pool_apply;
mod pools;
mod preview;
mod read;
mod roles;
#[cfg(test)]
mod test_support;
mod types;
#[cfg(test)]
pub(crate) use read::{recorded, unmanageable};

use async_trait::async_trait;

use crate::property::Annotations;
use crate::resource::ReadOutcome;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, Resource, ResourceError,
};

pub use types::{
    AutoScalerSettings, Autoscaling, Names, NodePoolSettings, RegionalClusterInputs,
    RegionalClusterState, SystemPoolInputs, DEFAULT_DNS_SERVICE_IP, DEFAULT_MAX_PODS,
    DEFAULT_NODE_COUNT, DEFAULT_POD_CIDR, DEFAULT_POOL_NAME, DEFAULT_SERVICE_CIDR,
    DEFAULT_SKU_TIER, DEFAULT_VM_SIZE,
};

pub struct RegionalCluster;

#[async_trait]
impl Resource for RegionalCluster {
    const TOKEN: &'static str = "aksmesh:index:RegionalCluster";
    const SECRET_OUTPUTS: &'static [&'static str] = &["kubeconfig"];
    /// Names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = RegionalClusterInputs;
    type State = RegionalClusterState;

    fn check(
        &self,
        inputs: &mut RegionalClusterInputs,
        olds: Option<&RegionalClusterInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        check::check(inputs, olds, context)
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        changes::change_effect(change)
    }

    fn change_effect_given(
        &self,
        change: &Change<'_>,
        news: &RegionalClusterInputs,
        unknowns: &Annotations,
    ) -> ChangeEffect {
        changes::change_effect_given(change, news, unknowns)
    }

    /// A pool whose fixed settings change is rotated, never the cluster replaced: say so.
    fn change_notes(
        &self,
        old: &RegionalClusterInputs,
        new: &RegionalClusterInputs,
    ) -> Vec<String> {
        pools::rotations(old, new)
            .into_iter()
            .map(|(pool, fields)| {
                format!(
                    "rotates pool {pool}: {} cannot change in place, so a new agent pool is created, and once it is ready the old one is drained and deleted; the cluster stays",
                    fields.join(", ")
                )
            })
            .collect()
    }

    fn preview(
        &self,
        inputs: &RegionalClusterInputs,
        unknowns: &Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        preview::preview(inputs, unknowns)
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: RegionalClusterInputs,
    ) -> Result<(String, RegionalClusterState), ResourceError<RegionalClusterState>> {
        let azure = context.azure()?;
        if let Some(version) = inputs.kubernetes_version.as_deref() {
            kubernetes_versions::confirm_offered(azure, context, &inputs.location, version).await?;
        }
        apply::apply(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&RegionalClusterInputs, &RegionalClusterState)>,
    ) -> ReadOutcome<RegionalClusterInputs, RegionalClusterState> {
        let azure = context.azure()?;
        read::read(azure, context, id, old).await
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&RegionalClusterInputs, &RegionalClusterState),
        news: RegionalClusterInputs,
    ) -> Result<RegionalClusterState, ResourceError<RegionalClusterState>> {
        let azure = context.azure()?;
        if let Some(version) = news.kubernetes_version.as_deref() {
            if old.0.kubernetes_version.as_deref() != Some(version) {
                kubernetes_versions::confirm_offered(azure, context, &news.location, version)
                    .await?;
            }
        }
        apply::apply(azure, context, &news, Some(old))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        id: &str,
        state: &RegionalClusterState,
    ) -> Result<(), ResourceError<RegionalClusterState>> {
        let azure = context.azure()?;
        delete::delete(azure, context, id, state).await
    }
}
