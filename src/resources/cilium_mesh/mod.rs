//! `aksmesh:index:CiliumMesh`: Cilium Cluster Mesh across RegionalClusters, in one of the two ways
//! that work on AKS.
//!
//! - `fleet`: Azure Kubernetes Fleet Manager's managed cluster mesh (2026-03-02-preview). A hubless
//!   fleet (or a given one), one labelled member per cluster, a clusterMeshProfile selecting the
//!   label, `POST …/apply`, then polling until every member is `Connected`. Needs flat pod-subnet
//!   clusters with ACNS (managed Cilium) on Kubernetes ≥ 1.32 in peered VNets.
//! - `selfManaged`: BYO CNI clusters running their own Cilium. No Azure or Kubernetes calls: the
//!   resource computes a consistent mesh configuration (shared CA, cluster names and ids, an internal
//!   load-balancer IP per clustermesh-apiserver, and per-cluster Helm values).
//!
//! Overlay clusters with AKS-managed Cilium cannot be meshed at all: AKS reconciles a self-installed
//! mesh away (Azure/AKS#5194) and Fleet's mesh needs flat networking. Check says so.
//!
//! Files: `types` (inputs, state, names, limits), `check` (validation and defaults), `changes`
//! (replace rules and preview outputs), `self_managed` (CA, cluster ids, IPs, Helm values) and
//! `fleet` (apply, read, delete against Fleet Manager).

mod changes;
mod check;
mod fleet;
mod self_managed;
#[cfg(test)]
mod tests;
mod types;
#[cfg(test)]
pub(crate) use fleet::{
    mesh_cluster, mesh_status as member_mesh_status, recorded as recorded_fleet, Live as LiveFleet,
};

use async_trait::async_trait;
use serde_json::Value;

use crate::resource::ReadOutcome;
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, ReadResult, Resource,
    ResourceError,
};
use crate::resources::common::read_options;
use crate::vocabulary::CiliumMeshMode;

pub use types::{
    CiliumMeshInputs, CiliumMeshState, MeshCa, MeshClusterInputs, MeshClusterOutput, MeshMember,
    VnetPair, CLUSTERMESH_PORT, DEFAULT_API_SERVER_IP_OFFSET, MAX_CLUSTERS,
    OVERLAY_MANAGED_CILIUM_REASON,
};

pub struct CiliumMesh;

#[async_trait]
impl Resource for CiliumMesh {
    const TOKEN: &'static str = "aksmesh:index:CiliumMesh";
    /// The CA, and the Helm values that carry it.
    const SECRET_OUTPUTS: &'static [&'static str] = &["ca", "clusters[*].helmValues"];
    /// Fleet and profile names are deterministic, so a replacement must free them first.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = CiliumMeshInputs;
    type State = CiliumMeshState;

    fn check(
        &self,
        inputs: &mut CiliumMeshInputs,
        olds: Option<&CiliumMeshInputs>,
        context: &CheckContext<'_>,
    ) -> Vec<CheckFailure> {
        check::check(inputs, olds, context)
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        changes::change_effect(change)
    }

    fn preview(
        &self,
        inputs: &CiliumMeshInputs,
        unknowns: &crate::property::Annotations,
    ) -> serde_json::Map<String, Value> {
        changes::preview(inputs, unknowns)
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: CiliumMeshInputs,
    ) -> Result<(String, CiliumMeshState), ResourceError<CiliumMeshState>> {
        if inputs.mode == Some(CiliumMeshMode::SelfManaged) {
            let state = self_managed::self_managed_state(&inputs, None)?;
            return Ok((self_managed::self_managed_id(&inputs), state));
        }
        let azure = context.azure()?;
        fleet::apply_fleet(azure, context, &inputs, None).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&CiliumMeshInputs, &CiliumMeshState)>,
    ) -> ReadOutcome<CiliumMeshInputs, CiliumMeshState> {
        match old {
            Some((inputs, state)) if state.mode == Some(CiliumMeshMode::SelfManaged) => {
                // Nothing lives in Azure: the configuration is what was computed.
                Ok(Some(ReadResult {
                    id: id.to_string(),
                    inputs: inputs.clone(),
                    state: state.clone(),
                }))
            }
            None if id.starts_with("cilium-mesh/") => Err(ResourceError::invalid(format!(
                "'{id}' is a selfManaged mesh, which exists only in Pulumi state and cannot be imported; declare it in the program instead"
            ))),
            _ => {
                let azure = context.azure()?;
                fleet::read_fleet(azure, &read_options(context), id, old).await
            }
        }
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&CiliumMeshInputs, &CiliumMeshState),
        news: CiliumMeshInputs,
    ) -> Result<CiliumMeshState, ResourceError<CiliumMeshState>> {
        if news.mode == Some(CiliumMeshMode::SelfManaged) {
            return Ok(self_managed::self_managed_state(&news, Some(old.1))?);
        }
        let azure = context.azure()?;
        fleet::apply_fleet(azure, context, &news, Some(old.1))
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        _id: &str,
        state: &CiliumMeshState,
    ) -> Result<(), ResourceError<CiliumMeshState>> {
        if state.mode == Some(CiliumMeshMode::SelfManaged) {
            return Ok(());
        }
        let azure = context.azure()?;
        fleet::delete_fleet(azure, context, state).await
    }
}
