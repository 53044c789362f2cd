//! Create and update: converge both directions, then wait until they are Connected and FullyInSync.

use std::time::Duration;

use super::super::common::{azure_failure, operation_options, read_options, PollSchedule};
use super::body::peering_body;
use super::status::{is_disconnected, is_fully_in_sync, summarise};
use super::types::{base_state, Endpoints, EndpointsError, VnetPeeringInputs, VnetPeeringState};
use crate::azure::models::network::VirtualNetworkPeering;
use crate::azure::{ArmClient, AzureError, ResourceId, WriteFailure};
use crate::resource::{Failure, OperationContext, ResourceError};

/// First wait between polls for Connected; doubled up to the ceiling.
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);
const POLL_INTERVAL_CEILING: Duration = Duration::from_secs(5);

/// Creates or converges both directions and waits until they are Connected and FullyInSync.
/// Every write is an idempotent PUT (or the DELETE of a Disconnected side), so running it again
/// after a failure resumes where the last run stopped.
pub(super) async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &VnetPeeringInputs,
    previous: Option<&VnetPeeringState>,
    force_sync: bool,
) -> Result<(String, VnetPeeringState), ResourceError<VnetPeeringState>> {
    let endpoints = known_endpoints(inputs, previous)?;
    let mut run = Apply {
        azure,
        context,
        inputs,
        previous,
        state: base_state(inputs, &endpoints),
        endpoints,
        something_exists: previous.is_some(),
        sync: force_sync,
    };
    let last_written = if previous.is_none() && !force_sync {
        run.write_new_directions().await?
    } else {
        let bodies = run.clear_disconnected_directions().await?;
        run.write_directions(bodies).await?
    };
    run.wait_until_connected(last_written).await?;
    Ok((run.state.local_peering_id.clone(), run.state))
}

/// The endpoints of the inputs, keeping the ids the peering already has (an import may have found
/// other names).
fn known_endpoints(
    inputs: &VnetPeeringInputs,
    previous: Option<&VnetPeeringState>,
) -> Result<Endpoints, EndpointsError> {
    let mut endpoints = inputs.endpoints()?;
    if let Some(previous) = previous {
        for (slot, known) in [
            (&mut endpoints.local_peering, &previous.local_peering_id),
            (&mut endpoints.remote_peering, &previous.remote_peering_id),
        ] {
            if let Ok(known) = ResourceId::parse(known) {
                *slot = known;
            }
        }
    }
    Ok(endpoints)
}

/// One run of [`apply`]: what it works on and what it has found so far.
struct Apply<'a> {
    azure: &'a ArmClient,
    context: &'a OperationContext,
    inputs: &'a VnetPeeringInputs,
    previous: Option<&'a VnetPeeringState>,
    endpoints: Endpoints,
    state: VnetPeeringState,
    /// Once either direction exists, a failure leaves something behind: report it as partial so
    /// the engine keeps the id and the next `up` resumes.
    something_exists: bool,
    /// Whether the PUTs ask Azure to re-sync the address spaces.
    sync: bool,
}

impl Apply<'_> {
    /// The state a partial failure reports: the previous one when updating, else what this run has.
    fn partial_state(&self) -> VnetPeeringState {
        self.previous.cloned().unwrap_or_else(|| self.state.clone())
    }

    fn partial(&self, reason: Failure, exists: bool) -> ResourceError<VnetPeeringState> {
        if exists {
            ResourceError::Partial {
                id: self.state.local_peering_id.clone(),
                state: self.partial_state(),
                reason,
            }
        } else {
            ResourceError::Failed(reason)
        }
    }

    fn azure_partial(&self, error: AzureError, exists: bool) -> ResourceError<VnetPeeringState> {
        azure_failure(
            error,
            exists.then(|| (self.state.local_peering_id.clone(), self.partial_state())),
        )
    }

    /// Reads both directions, deletes a Disconnected one, and notes whether one is out of sync.
    /// Returns the body to PUT for each direction.
    async fn clear_disconnected_directions(
        &mut self,
    ) -> Result<Vec<(ResourceId, VirtualNetworkPeering)>, ResourceError<VnetPeeringState>> {
        let sides = [
            self.endpoints.local_peering.clone(),
            self.endpoints.remote_peering.clone(),
        ];
        for peering_id in sides {
            let existing = self
                .azure
                .get::<VirtualNetworkPeering>(&peering_id, &read_options(self.context))
                .await
                .map_err(|e| self.azure_partial(e, self.something_exists))?;
            if let Some(existing) = existing {
                self.something_exists = true;
                if is_disconnected(&existing) {
                    // Azure never reconnects a Disconnected side, and refuses to PUT the other side
                    // while it exists (RemotePeeringIsDisconnected): delete it, then recreate it.
                    let options = operation_options(
                        self.context,
                        format!("deleting disconnected peering {}", peering_id.name()),
                    );
                    self.azure
                        .delete::<VirtualNetworkPeering>(&peering_id, &options)
                        .await
                        .map_err(|e| self.azure_partial(e, true))?;
                } else if !is_fully_in_sync(&existing) {
                    self.sync = true;
                }
            }
        }
        Ok(self.bodies())
    }

    /// The body to PUT for each direction, local first.
    fn bodies(&self) -> Vec<(ResourceId, VirtualNetworkPeering)> {
        vec![
            (
                self.endpoints.local_peering.clone(),
                peering_body(self.inputs, &self.endpoints.remote_vnet, true),
            ),
            (
                self.endpoints.remote_peering.clone(),
                peering_body(self.inputs, &self.endpoints.local_vnet, false),
            ),
        ]
    }

    /// A new peering: both directions are written without reading them first (two GETs fewer per
    /// peering, which a full mesh of many regions feels in ARM's read bucket). The one leftover
    /// that needs the reads, a Disconnected direction of an earlier attempt, Azure names itself
    /// by refusing the other direction's PUT with `RemotePeeringIsDisconnected`; then the
    /// directions are read, the Disconnected one deleted, and both written again.
    async fn write_new_directions(
        &mut self,
    ) -> Result<VirtualNetworkPeering, ResourceError<VnetPeeringState>> {
        let mut last = None;
        for (peering_id, body) in self.bodies() {
            match self.put_direction(&peering_id, &body).await {
                Ok(written) => last = Some(written),
                Err(failure)
                    if failure.refused
                        && failure.error.code() == Some("RemotePeeringIsDisconnected") =>
                {
                    let bodies = self.clear_disconnected_directions().await?;
                    return self.write_directions(bodies).await;
                }
                Err(failure) => {
                    let exists = self.something_exists || !failure.refused;
                    return Err(self.azure_partial(failure.error, exists));
                }
            }
        }
        last.ok_or_else(|| {
            self.partial(
                Failure::Invalid("a peering has two directions".into()),
                true,
            )
        })
    }

    /// PUTs both directions, asking for an address-space sync when one is due. Returns what the
    /// last PUT left (the remote direction).
    async fn write_directions(
        &mut self,
        bodies: Vec<(ResourceId, VirtualNetworkPeering)>,
    ) -> Result<VirtualNetworkPeering, ResourceError<VnetPeeringState>> {
        let mut last = None;
        for (peering_id, body) in bodies {
            // Unless Azure refused it outright, a failed PUT may have created this direction.
            let written = self
                .put_direction(&peering_id, &body)
                .await
                .map_err(|failure| {
                    let exists = self.something_exists || !failure.refused;
                    self.azure_partial(failure.error, exists)
                })?;
            last = Some(written);
        }
        last.ok_or_else(|| {
            self.partial(
                Failure::Invalid("a peering has two directions".into()),
                true,
            )
        })
    }

    /// One direction's PUT and its long-running operation; the direction's state afterwards.
    async fn put_direction(
        &mut self,
        peering_id: &ResourceId,
        body: &VirtualNetworkPeering,
    ) -> Result<VirtualNetworkPeering, WriteFailure> {
        let doing = format!(
            "{} peering {} on {}",
            if self.sync { "syncing" } else { "writing" },
            peering_id.name(),
            peering_id
                .virtual_network()
                .map(|vnet| vnet.name().to_string())
                .unwrap_or_default()
        );
        let mut options = operation_options(self.context, doing);
        if self.sync {
            // Makes Azure re-read the other VNet's address space (after it grew).
            options = options.with_query("syncRemoteAddressSpace", "true");
        }
        let written = self.azure.put_tracked(peering_id, body, &options).await?;
        self.something_exists = true;
        Ok(written)
    }

    /// Polls both directions until they are Connected and FullyInSync, recording their status in
    /// the state and reporting each change of it. `remote_written` is the remote direction as its
    /// PUT just left it, so the first round reads only the local one.
    async fn wait_until_connected(
        &mut self,
        remote_written: VirtualNetworkPeering,
    ) -> Result<(), ResourceError<VnetPeeringState>> {
        let describe = self.endpoints.describe();
        let mut schedule =
            PollSchedule::new(self.context, FIRST_POLL_INTERVAL, POLL_INTERVAL_CEILING);
        let mut last_reported = String::new();
        let mut remote_known = Some(remote_written);
        loop {
            let local = self
                .read_direction(&self.endpoints.local_peering, &describe)
                .await?;
            let remote = match remote_known.take() {
                Some(remote) => remote,
                None => {
                    self.read_direction(&self.endpoints.remote_peering, &describe)
                        .await?
                }
            };
            let (peering_state, sync_level) = summarise(&local, &remote);
            self.state.peering_state = Some(peering_state.clone());
            self.state.peering_sync_level = Some(sync_level.clone());
            let report = format!("peering {describe}: {peering_state} ({sync_level})");
            if report != last_reported {
                self.context.progress(&report);
                last_reported = report;
            }
            if local.is_connected_and_in_sync() && remote.is_connected_and_in_sync() {
                return Ok(());
            }
            if peering_state == "Disconnected" {
                return Err(self.partial(
                    Failure::Invalid(format!("peering {describe} became Disconnected (a VNet or one direction was deleted meanwhile); run `pulumi up` again to recreate it")),
                    true,
                ));
            }
            let waiting_for = format!("peering {describe} to be Connected and FullyInSync (now {peering_state}, {sync_level})");
            schedule
                .pause(&waiting_for)
                .await
                .map_err(|reason| self.partial(reason, true))?;
        }
    }

    /// One direction while waiting; it disappearing means something deleted it meanwhile.
    async fn read_direction(
        &self,
        peering_id: &ResourceId,
        describe: &str,
    ) -> Result<VirtualNetworkPeering, ResourceError<VnetPeeringState>> {
        let peering = self
            .azure
            .get::<VirtualNetworkPeering>(peering_id, &read_options(self.context))
            .await
            .map_err(|e| self.azure_partial(e, true))?;
        peering.ok_or_else(|| {
            self.partial(
                Failure::Invalid(format!("peering {} disappeared while waiting for {describe} to connect; run `pulumi up` again to recreate it", peering_id.name())),
                true,
            )
        })
    }
}
