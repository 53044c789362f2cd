//! `aksmesh:index:VnetPeering`: one bidirectional link between two VNets.
//!
//! Azure models a peering as two child resources, one under each VNet, and connects them only when
//! both exist. This resource owns both directions: it PUTs both, waits until both are `Connected`
//! and `FullyInSync`, and deletes both. Names are deterministic, so a re-run after a crash adopts
//! what exists (PUT is idempotent), and a direction left `Disconnected` is deleted and recreated.

use std::time::Duration;

use async_trait::async_trait;
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use super::common::{azure_failure, operation_options, read_options, PollSchedule, Validator};
use crate::azure::ids::ids_equal;
use crate::azure::models::network::{VirtualNetworkPeering, VirtualNetworkPeeringProperties};
use crate::azure::models::SubResource;
use crate::azure::{api_versions, ArmClient, AzureError, ResourceId};
use crate::net;
use crate::property::{join_index, Annotations};
use crate::resource::{
    Change, ChangeEffect, CheckContext, CheckFailure, OperationContext, ReadResult, Resource,
    ResourceError,
};

/// Azure's limit on a peering name.
pub const MAX_PEERING_NAME_LENGTH: usize = 80;
const VIRTUAL_NETWORK_TYPE: &str = "Microsoft.Network/virtualNetworks";
const PEERING_TYPE: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";
const PEERINGS: &str = "virtualNetworkPeerings";
/// First wait between polls for Connected; doubled up to the ceiling.
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);
const POLL_INTERVAL_CEILING: Duration = Duration::from_secs(5);

pub struct VnetPeering;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VnetPeeringInputs {
    #[serde(default)]
    pub local_vnet_id: String,
    #[serde(default)]
    pub remote_vnet_id: String,
    /// The local VNet's CIDRs, only for offline overlap checks and to trigger an address-space sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_address_space: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_address_space: Option<Vec<String>>,
    #[serde(default = "default_true")]
    pub allow_forwarded_traffic: bool,
    #[serde(default)]
    pub allow_gateway_transit: bool,
    #[serde(default)]
    pub use_remote_gateways: bool,
    /// Peering name on both VNets; `None` = `peer-{from}-to-{to}` on each side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn default_true() -> bool {
    true
}

impl Default for VnetPeeringInputs {
    fn default() -> Self {
        VnetPeeringInputs {
            local_vnet_id: String::new(),
            remote_vnet_id: String::new(),
            local_address_space: None,
            remote_address_space: None,
            allow_forwarded_traffic: true,
            allow_gateway_transit: false,
            use_remote_gateways: false,
            name: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VnetPeeringState {
    #[serde(flatten)]
    pub inputs: VnetPeeringInputs,
    pub local_peering_id: String,
    pub remote_peering_id: String,
    pub local_peering_name: String,
    pub remote_peering_name: String,
    /// `Connected` once both directions are; otherwise the less connected side's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_state: Option<String>,
    /// `FullyInSync` once both directions are; otherwise the first side's level that is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_sync_level: Option<String>,
    /// Flags refresh found changed outside Pulumi where no input shows them (the remote
    /// direction's, or VNet access turned off); the next `up` rewrites both directions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band_changes: Vec<String>,
}

/// The names of the two directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringNames {
    /// Under the local VNet, pointing at the remote one.
    pub local: String,
    /// Under the remote VNet, pointing back.
    pub remote: String,
}

/// Deterministic names: `peer-{from}-to-{to}` on each side, or the given name on both.
pub fn peering_names(local_vnet: &str, remote_vnet: &str, name: Option<&str>) -> PeeringNames {
    match name {
        Some(name) => PeeringNames {
            local: name.to_string(),
            remote: name.to_string(),
        },
        None => PeeringNames {
            local: format!("peer-{local_vnet}-to-{remote_vnet}"),
            remote: format!("peer-{remote_vnet}-to-{local_vnet}"),
        },
    }
}

/// Both VNets and both peering ids, derived from valid inputs.
#[derive(Debug, Clone)]
struct Endpoints {
    local_vnet: ResourceId,
    remote_vnet: ResourceId,
    local_peering: ResourceId,
    remote_peering: ResourceId,
}

impl Endpoints {
    fn names(&self) -> PeeringNames {
        PeeringNames {
            local: self.local_peering.name().to_string(),
            remote: self.remote_peering.name().to_string(),
        }
    }

    /// "vnet-a ↔ vnet-b", for progress lines and errors.
    fn describe(&self) -> String {
        format!("{} ↔ {}", self.local_vnet.name(), self.remote_vnet.name())
    }
}

impl VnetPeeringInputs {
    fn endpoints(&self) -> Result<Endpoints, String> {
        let local_vnet =
            parse_vnet_id(&self.local_vnet_id).map_err(|e| format!("localVnetId: {e}"))?;
        let remote_vnet =
            parse_vnet_id(&self.remote_vnet_id).map_err(|e| format!("remoteVnetId: {e}"))?;
        let names = peering_names(local_vnet.name(), remote_vnet.name(), self.name.as_deref());
        Ok(Endpoints {
            local_peering: local_vnet.child(PEERINGS, &names.local),
            remote_peering: remote_vnet.child(PEERINGS, &names.remote),
            local_vnet,
            remote_vnet,
        })
    }

    /// Whether an update must re-sync address spaces: the address-space inputs changed.
    fn address_spaces_differ(&self, other: &VnetPeeringInputs) -> bool {
        self.local_address_space != other.local_address_space
            || self.remote_address_space != other.remote_address_space
    }
}

/// Parses an ARM id that must name a virtual network.
fn parse_vnet_id(text: &str) -> Result<ResourceId, String> {
    let id = ResourceId::parse(text).map_err(|e| e.to_string())?;
    if !id
        .resource_type()
        .eq_ignore_ascii_case(VIRTUAL_NETWORK_TYPE)
        || id.resource_group().is_none()
    {
        return Err(format!(
            "'{text}' is a {} id, not a virtual network; give an id ending in /providers/Microsoft.Network/virtualNetworks/{{name}} (a RegionalNetwork's vnetId)",
            id.resource_type()
        ));
    }
    Ok(id)
}

/// Azure peering names: letters, digits, '_', '.', '-'; start alphanumeric, end alphanumeric or '_'.
fn peering_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > MAX_PEERING_NAME_LENGTH {
        return Some(format!(
            "'{name}' is {} characters; a peering name must be 1 to {MAX_PEERING_NAME_LENGTH} characters long",
            name.len()
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Some(format!(
            "'{name}' may only contain letters, digits, '_', '.' and '-'"
        ));
    }
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let ends_well = name
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if !starts_well || !ends_well {
        return Some(format!(
            "'{name}' must start with a letter or digit and end with a letter, digit or '_'"
        ));
    }
    None
}

fn validate_vnet_id(v: &mut Validator<'_, '_>, path: &str, text: &str) -> Option<ResourceId> {
    if !v.required(
        path,
        text,
        "give the ARM id of a virtual network, for example a RegionalNetwork's vnetId",
    ) {
        return None;
    }
    match parse_vnet_id(text) {
        Ok(id) => Some(id),
        Err(reason) => {
            v.fail(path, reason);
            None
        }
    }
}

fn validate_address_space(
    v: &mut Validator<'_, '_>,
    path: &str,
    prefixes: Option<&[String]>,
) -> Vec<Ipv4Net> {
    if v.is_unknown(path) {
        return Vec::new();
    }
    let mut parsed = Vec::new();
    for (index, text) in prefixes.into_iter().flatten().enumerate() {
        let item = join_index(path, index);
        if v.is_unknown(&item) {
            continue;
        }
        match net::parse_cidr(text) {
            Ok(cidr) => parsed.push(cidr),
            Err(error) => v.fail(&item, error.to_string()),
        }
    }
    parsed
}

fn peering_state(peering: &VirtualNetworkPeering) -> &str {
    peering
        .properties
        .peering_state
        .as_deref()
        .unwrap_or("Initiated")
}

fn is_disconnected(peering: &VirtualNetworkPeering) -> bool {
    peering_state(peering).eq_ignore_ascii_case("Disconnected")
}

fn is_fully_in_sync(peering: &VirtualNetworkPeering) -> bool {
    peering
        .properties
        .peering_sync_level
        .as_deref()
        .is_none_or(|level| level.eq_ignore_ascii_case("FullyInSync"))
}

/// The state and sync level of the pair, as one value each (the less finished side wins).
fn summarise(local: &VirtualNetworkPeering, remote: &VirtualNetworkPeering) -> (String, String) {
    let state = if is_disconnected(local) || is_disconnected(remote) {
        "Disconnected".to_string()
    } else if peering_state(local).eq_ignore_ascii_case("Connected")
        && peering_state(remote).eq_ignore_ascii_case("Connected")
    {
        "Connected".to_string()
    } else {
        "Initiated".to_string()
    };
    let level = [local, remote]
        .into_iter()
        .find(|p| !is_fully_in_sync(p))
        .and_then(|p| p.properties.peering_sync_level.clone())
        .unwrap_or_else(|| "FullyInSync".to_string());
    (state, level)
}

/// The body of one direction. Gateways are asymmetric: when the local VNet uses the remote
/// gateway, the remote side must allow gateway transit, and the remote side never uses ours.
fn peering_body(
    inputs: &VnetPeeringInputs,
    remote_vnet: &ResourceId,
    local_side: bool,
) -> VirtualNetworkPeering {
    let (allow_gateway_transit, use_remote_gateways) = if local_side {
        (inputs.allow_gateway_transit, inputs.use_remote_gateways)
    } else {
        (inputs.use_remote_gateways, false)
    };
    VirtualNetworkPeering {
        properties: VirtualNetworkPeeringProperties {
            remote_virtual_network: Some(SubResource::new(remote_vnet.to_string())),
            allow_virtual_network_access: Some(true),
            allow_forwarded_traffic: Some(inputs.allow_forwarded_traffic),
            allow_gateway_transit: Some(allow_gateway_transit),
            use_remote_gateways: Some(use_remote_gateways),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn base_state(inputs: &VnetPeeringInputs, endpoints: &Endpoints) -> VnetPeeringState {
    let names = endpoints.names();
    VnetPeeringState {
        inputs: inputs.clone(),
        local_peering_id: endpoints.local_peering.to_string(),
        remote_peering_id: endpoints.remote_peering.to_string(),
        local_peering_name: names.local,
        remote_peering_name: names.remote,
        peering_state: None,
        peering_sync_level: None,
        out_of_band_changes: Vec::new(),
    }
}

/// What differs between both live directions and the bodies aksmesh writes: the local direction
/// against `local_inputs`, the remote one against `remote_inputs`.
fn peering_drift<S>(
    local: &VirtualNetworkPeering,
    remote: &VirtualNetworkPeering,
    local_inputs: &VnetPeeringInputs,
    remote_inputs: &VnetPeeringInputs,
) -> Result<Vec<String>, ResourceError<S>> {
    let local_expected = peering_body(
        local_inputs,
        &local_inputs
            .endpoints()
            .map_err(ResourceError::Failed)?
            .remote_vnet,
        true,
    );
    let remote_expected = peering_body(
        remote_inputs,
        &remote_inputs
            .endpoints()
            .map_err(ResourceError::Failed)?
            .local_vnet,
        false,
    );
    let mut changes = direction_drift(local, &local_expected);
    changes.extend(direction_drift(remote, &remote_expected));
    Ok(changes)
}

/// How one live direction differs from the body aksmesh writes for it.
fn direction_drift(live: &VirtualNetworkPeering, expected: &VirtualNetworkPeering) -> Vec<String> {
    let name = live.name.as_deref().unwrap_or("peering");
    let (live, expected) = (&live.properties, &expected.properties);
    let mut changes = Vec::new();
    for (flag, live, expected) in [
        (
            "allowVirtualNetworkAccess",
            live.allow_virtual_network_access,
            expected.allow_virtual_network_access,
        ),
        (
            "allowForwardedTraffic",
            live.allow_forwarded_traffic,
            expected.allow_forwarded_traffic,
        ),
        (
            "allowGatewayTransit",
            live.allow_gateway_transit,
            expected.allow_gateway_transit,
        ),
        (
            "useRemoteGateways",
            live.use_remote_gateways,
            expected.use_remote_gateways,
        ),
    ] {
        if let (Some(live), Some(expected)) = (live, expected) {
            if live != expected {
                changes.push(format!(
                    "{name}: {flag} is {live} in Azure; aksmesh sets {expected}"
                ));
            }
        }
    }
    let points_at = |p: &VirtualNetworkPeeringProperties| {
        p.remote_virtual_network.as_ref().map(|r| r.id.clone())
    };
    if let (Some(live), Some(expected)) = (points_at(live), points_at(expected)) {
        if !ids_equal(&live, &expected) {
            changes.push(format!(
                "{name}: points at {live} in Azure; aksmesh points it at {expected}"
            ));
        }
    }
    changes
}

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
        let mut v = Validator::new(context);
        let local = validate_vnet_id(&mut v, "localVnetId", &inputs.local_vnet_id);
        let remote = validate_vnet_id(&mut v, "remoteVnetId", &inputs.remote_vnet_id);
        if let (Some(local), Some(remote)) = (&local, &remote) {
            if local == remote {
                v.fail(
                    "remoteVnetId",
                    format!("remoteVnetId names the same virtual network as localVnetId ({}); a peering connects two different VNets", local.name()),
                );
            }
        }
        match &inputs.name {
            Some(name) if !v.is_unknown("name") => {
                if let Some(problem) = peering_name_problem(name) {
                    v.fail("name", problem);
                }
            }
            Some(_) => {}
            None => {
                // Long VNet names can make the default names exceed Azure's limit.
                if let (Some(local), Some(remote)) = (&local, &remote) {
                    let names = peering_names(local.name(), remote.name(), None);
                    for name in [names.local, names.remote] {
                        if name.len() > MAX_PEERING_NAME_LENGTH {
                            v.fail("name", format!("the default peering name '{name}' would be {} characters; Azure allows {MAX_PEERING_NAME_LENGTH}, so set name to a shorter one", name.len()));
                        }
                    }
                }
            }
        }
        let local_space = validate_address_space(
            &mut v,
            "localAddressSpace",
            inputs.local_address_space.as_deref(),
        );
        let remote_space = validate_address_space(
            &mut v,
            "remoteAddressSpace",
            inputs.remote_address_space.as_deref(),
        );
        for remote_cidr in &remote_space {
            if let Some(local_cidr) = local_space
                .iter()
                .find(|local_cidr| net::overlaps(**local_cidr, *remote_cidr))
            {
                v.fail(
                    "remoteAddressSpace",
                    format!("{remote_cidr} overlaps {local_cidr} of localAddressSpace; Azure refuses to peer VNets whose address spaces overlap (VnetAddressSpacesOverlap), so give one network a different range"),
                );
            }
        }
        if inputs.use_remote_gateways
            && inputs.allow_gateway_transit
            && !v.is_unknown("useRemoteGateways")
            && !v.is_unknown("allowGatewayTransit")
        {
            v.fail(
                "useRemoteGateways",
                "useRemoteGateways and allowGatewayTransit cannot both be true: the local VNet either offers its gateway to the remote VNet or uses the remote VNet's gateway, not both",
            );
        }
        v.failures
    }

    fn change_effect(&self, change: &Change<'_>) -> ChangeEffect {
        match change.path {
            // The peered VNets define the resource; Azure refuses to repoint a peering, and names
            // are in the ids.
            "localVnetId" | "remoteVnetId" | "name" => ChangeEffect::Replace,
            // Flags and address spaces (which only trigger a sync) change in place.
            _ => ChangeEffect::Update,
        }
    }

    fn preview(
        &self,
        inputs: &VnetPeeringInputs,
        unknowns: &Annotations,
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut known = serde_json::Map::new();
        if ["localVnetId", "remoteVnetId", "name"]
            .iter()
            .any(|path| unknowns.is_unknown(path))
        {
            return known;
        }
        if let Ok(endpoints) = inputs.endpoints() {
            let names = endpoints.names();
            known.insert("localPeeringName".into(), names.local.into());
            known.insert("remotePeeringName".into(), names.remote.into());
            known.insert(
                "localPeeringId".into(),
                endpoints.local_peering.to_string().into(),
            );
            known.insert(
                "remotePeeringId".into(),
                endpoints.remote_peering.to_string().into(),
            );
        }
        known
    }

    async fn create(
        &self,
        context: &OperationContext,
        inputs: VnetPeeringInputs,
    ) -> Result<(String, VnetPeeringState), ResourceError<VnetPeeringState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        apply(azure, context, &inputs, None, false).await
    }

    async fn read(
        &self,
        context: &OperationContext,
        id: &str,
        old: Option<(&VnetPeeringInputs, &VnetPeeringState)>,
    ) -> Result<
        Option<ReadResult<VnetPeeringInputs, VnetPeeringState>>,
        ResourceError<VnetPeeringState>,
    > {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        match old {
            Some((inputs, state)) => refresh(azure, context, id, inputs, state).await,
            None => import(azure, context, id).await,
        }
    }

    async fn update(
        &self,
        context: &OperationContext,
        _id: &str,
        old: (&VnetPeeringInputs, &VnetPeeringState),
        news: VnetPeeringInputs,
    ) -> Result<VnetPeeringState, ResourceError<VnetPeeringState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        let sync = old.0.address_spaces_differ(&news);
        apply(azure, context, &news, Some(old.1), sync)
            .await
            .map(|(_, state)| state)
    }

    async fn delete(
        &self,
        context: &OperationContext,
        id: &str,
        state: &VnetPeeringState,
    ) -> Result<(), ResourceError<VnetPeeringState>> {
        let azure = context.azure().map_err(ResourceError::Failed)?;
        let mut directions = vec![(
            state.local_peering_name.clone(),
            if state.local_peering_id.is_empty() {
                id.to_string()
            } else {
                state.local_peering_id.clone()
            },
        )];
        let remote_id = if state.remote_peering_id.is_empty() {
            state
                .inputs
                .endpoints()
                .map(|e| e.remote_peering.to_string())
                .ok()
        } else {
            Some(state.remote_peering_id.clone())
        };
        if let Some(remote_id) = remote_id {
            directions.push((state.remote_peering_name.clone(), remote_id));
        }
        // 404 and 204 count as done, so a delete interrupted half-way can simply run again.
        for (name, peering_id) in directions {
            let options = operation_options(context, format!("deleting peering {name}"));
            azure
                .delete(&peering_id, api_versions::NETWORK, &options)
                .await
                .map_err(|e| ResourceError::Failed(e.to_string()))?;
        }
        Ok(())
    }
}

/// Creates or converges both directions and waits until they are Connected and FullyInSync.
/// Every write is an idempotent PUT (or the DELETE of a Disconnected side), so running it again
/// after a failure resumes where the last run stopped.
async fn apply(
    azure: &ArmClient,
    context: &OperationContext,
    inputs: &VnetPeeringInputs,
    previous: Option<&VnetPeeringState>,
    force_sync: bool,
) -> Result<(String, VnetPeeringState), ResourceError<VnetPeeringState>> {
    let mut endpoints = inputs.endpoints().map_err(ResourceError::Failed)?;
    // Keep the ids the peering already has (an import may have found other names).
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
    let mut state = base_state(inputs, &endpoints);
    let local_id = state.local_peering_id.clone();
    let describe = endpoints.describe();
    // Once either direction exists, a failure leaves something behind: report it as partial so
    // the engine keeps the id and the next `up` resumes.
    let mut something_exists = previous.is_some();
    let partial = |reason: String, exists: bool, state: &VnetPeeringState| {
        if exists {
            ResourceError::Partial {
                id: local_id.clone(),
                state: previous.cloned().unwrap_or_else(|| state.clone()),
                reason,
            }
        } else {
            ResourceError::Failed(reason)
        }
    };
    let azure_partial = |error: AzureError, exists: bool, state: &VnetPeeringState| {
        azure_failure(
            error,
            exists.then(|| {
                (
                    local_id.clone(),
                    previous.cloned().unwrap_or_else(|| state.clone()),
                )
            }),
        )
    };

    let mut sync = force_sync;
    let sides = [
        (&endpoints.local_peering, &endpoints.remote_vnet, true),
        (&endpoints.remote_peering, &endpoints.local_vnet, false),
    ];
    let mut bodies = Vec::new();
    for (peering_id, points_at, local_side) in sides {
        let existing = azure
            .get_with_options::<VirtualNetworkPeering>(
                peering_id.as_str(),
                api_versions::NETWORK,
                &read_options(context),
            )
            .await
            .map_err(|e| azure_partial(e, something_exists, &state))?;
        if let Some(existing) = existing {
            something_exists = true;
            if is_disconnected(&existing) {
                // Azure never reconnects a Disconnected side, and refuses to PUT the other side
                // while it exists (RemotePeeringIsDisconnected): delete it, then recreate it.
                let options = operation_options(
                    context,
                    format!("deleting disconnected peering {}", peering_id.name()),
                );
                azure
                    .delete(peering_id.as_str(), api_versions::NETWORK, &options)
                    .await
                    .map_err(|e| azure_partial(e, true, &state))?;
            } else if !is_fully_in_sync(&existing) {
                sync = true;
            }
        }
        bodies.push((peering_id, peering_body(inputs, points_at, local_side)));
    }

    for (peering_id, body) in bodies {
        let doing = format!(
            "{} peering {} on {}",
            if sync { "syncing" } else { "writing" },
            peering_id.name(),
            peering_id
                .virtual_network()
                .map(|vnet| vnet.name().to_string())
                .unwrap_or_default()
        );
        let mut options = operation_options(context, doing);
        if sync {
            // Makes Azure re-read the other VNet's address space (after it grew).
            options = options.with_query("syncRemoteAddressSpace", "true");
        }
        azure
            .put::<_, VirtualNetworkPeering>(
                peering_id.as_str(),
                api_versions::NETWORK,
                &body,
                &options,
            )
            .await
            .map_err(|e| azure_partial(e, something_exists, &state))?;
        something_exists = true;
    }

    let mut schedule = PollSchedule::new(context, FIRST_POLL_INTERVAL, POLL_INTERVAL_CEILING);
    let mut last_reported = String::new();
    loop {
        let mut current = Vec::new();
        for peering_id in [&endpoints.local_peering, &endpoints.remote_peering] {
            let peering = azure
                .get_with_options::<VirtualNetworkPeering>(
                    peering_id.as_str(),
                    api_versions::NETWORK,
                    &read_options(context),
                )
                .await
                .map_err(|e| azure_partial(e, true, &state))?;
            match peering {
                Some(peering) => current.push(peering),
                None => {
                    return Err(partial(
                        format!("peering {} disappeared while waiting for {describe} to connect; run `pulumi up` again to recreate it", peering_id.name()),
                        true,
                        &state,
                    ))
                }
            }
        }
        let (local, remote) = (&current[0], &current[1]);
        let (peering_state, sync_level) = summarise(local, remote);
        state.peering_state = Some(peering_state.clone());
        state.peering_sync_level = Some(sync_level.clone());
        let report = format!("peering {describe}: {peering_state} ({sync_level})");
        if report != last_reported {
            context.progress(&report);
            last_reported = report;
        }
        if local.is_connected_and_in_sync() && remote.is_connected_and_in_sync() {
            return Ok((local_id.clone(), state));
        }
        if peering_state == "Disconnected" {
            return Err(partial(
                format!("peering {describe} became Disconnected (a VNet or one direction was deleted meanwhile); run `pulumi up` again to recreate it"),
                true,
                &state,
            ));
        }
        let waiting_for = format!("peering {describe} to be Connected and FullyInSync (now {peering_state}, {sync_level})");
        schedule
            .pause(&waiting_for)
            .await
            .map_err(|reason| partial(reason, true, &state))?;
    }
}

/// Refresh: both directions must still exist and not be Disconnected, else the peering is gone
/// and the next `up` recreates it. Inputs keep their old representation; flags follow Azure.
async fn refresh(
    azure: &ArmClient,
    context: &OperationContext,
    id: &str,
    inputs: &VnetPeeringInputs,
    state: &VnetPeeringState,
) -> Result<Option<ReadResult<VnetPeeringInputs, VnetPeeringState>>, ResourceError<VnetPeeringState>>
{
    let remote_id = if state.remote_peering_id.is_empty() {
        inputs
            .endpoints()
            .map_err(ResourceError::Failed)?
            .remote_peering
            .to_string()
    } else {
        state.remote_peering_id.clone()
    };
    let options = read_options(context);
    let Some(local) = azure
        .get_with_options::<VirtualNetworkPeering>(id, api_versions::NETWORK, &options)
        .await?
    else {
        return Ok(None);
    };
    let Some(remote) = azure
        .get_with_options::<VirtualNetworkPeering>(&remote_id, api_versions::NETWORK, &options)
        .await?
    else {
        return Ok(None);
    };
    if is_disconnected(&local) || is_disconnected(&remote) {
        return Ok(None);
    }
    let mut inputs = inputs.clone();
    let live = &local.properties;
    inputs.allow_forwarded_traffic = live
        .allow_forwarded_traffic
        .unwrap_or(inputs.allow_forwarded_traffic);
    inputs.allow_gateway_transit = live
        .allow_gateway_transit
        .unwrap_or(inputs.allow_gateway_transit);
    inputs.use_remote_gateways = live
        .use_remote_gateways
        .unwrap_or(inputs.use_remote_gateways);
    if let Some(live_remote) = &live.remote_virtual_network {
        if !ids_equal(&live_remote.id, &inputs.remote_vnet_id) {
            inputs.remote_vnet_id = live_remote.id.clone();
        }
    }
    // The local direction's flags now show in the inputs; what is left (VNet access, the whole
    // remote direction) is recorded so the next `up` puts it right.
    let out_of_band_changes = peering_drift(&local, &remote, &inputs, &state.inputs)?;
    let (peering_state, sync_level) = summarise(&local, &remote);
    let state = VnetPeeringState {
        inputs: inputs.clone(),
        local_peering_id: id.to_string(),
        remote_peering_id: remote_id,
        peering_state: Some(peering_state),
        peering_sync_level: Some(sync_level),
        out_of_band_changes,
        ..state.clone()
    };
    Ok(Some(ReadResult {
        id: id.to_string(),
        inputs,
        state,
    }))
}

/// Import by the local peering id: the remote side is found by its deterministic name, by the
/// same custom name, or by listing the remote VNet's peerings for the one pointing back.
async fn import(
    azure: &ArmClient,
    context: &OperationContext,
    id: &str,
) -> Result<Option<ReadResult<VnetPeeringInputs, VnetPeeringState>>, ResourceError<VnetPeeringState>>
{
    let local_peering_id = ResourceId::parse(id)
        .map_err(|e| ResourceError::Failed(format!("'{id}' is not a VNet peering id: {e}")))?;
    let local_vnet = match local_peering_id.virtual_network() {
        Some(vnet) if local_peering_id.resource_type().eq_ignore_ascii_case(PEERING_TYPE) => vnet,
        _ => {
            return Err(ResourceError::Failed(format!(
                "'{id}' is not a VNet peering id; import with the id of the local direction, …/virtualNetworks/{{vnet}}/virtualNetworkPeerings/{{name}}"
            )))
        }
    };
    let options = read_options(context);
    let Some(local) = azure
        .get_with_options::<VirtualNetworkPeering>(id, api_versions::NETWORK, &options)
        .await?
    else {
        return Ok(None);
    };
    let remote_vnet_text = local
        .properties
        .remote_virtual_network
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let remote_vnet = parse_vnet_id(&remote_vnet_text).map_err(|e| {
        ResourceError::Failed(format!("peering {id} points at no usable remote VNet: {e}"))
    })?;
    let local_name = local_peering_id.name().to_string();
    let defaults = peering_names(local_vnet.name(), remote_vnet.name(), None);
    let points_back = |peering: &VirtualNetworkPeering| {
        peering
            .properties
            .remote_virtual_network
            .as_ref()
            .is_some_and(|r| ids_equal(&r.id, local_vnet.as_str()))
    };
    let mut remote = None;
    for candidate in [defaults.remote.as_str(), local_name.as_str()] {
        let candidate_id = remote_vnet.child(PEERINGS, candidate);
        if let Some(peering) = azure
            .get_with_options::<VirtualNetworkPeering>(
                candidate_id.as_str(),
                api_versions::NETWORK,
                &options,
            )
            .await?
            .filter(|p| points_back(p))
        {
            remote = Some((candidate_id, peering));
            break;
        }
    }
    if remote.is_none() {
        let collection = remote_vnet.child(PEERINGS, "x");
        let collection = collection
            .as_str()
            .strip_suffix("/x")
            .unwrap_or(collection.as_str());
        let listed: Vec<VirtualNetworkPeering> =
            azure.list(collection, api_versions::NETWORK).await?;
        remote = listed.into_iter().find(|p| points_back(p)).and_then(|p| {
            let name = p.name.clone()?;
            Some((remote_vnet.child(PEERINGS, &name), p))
        });
    }
    let Some((remote_peering_id, remote)) = remote else {
        return Ok(None);
    };
    if is_disconnected(&local) || is_disconnected(&remote) {
        return Ok(None);
    }
    let uses_defaults = local_name == defaults.local && remote_peering_id.name() == defaults.remote;
    let live = &local.properties;
    let inputs = VnetPeeringInputs {
        local_vnet_id: local_vnet.to_string(),
        remote_vnet_id: remote_vnet_text,
        local_address_space: None,
        remote_address_space: None,
        allow_forwarded_traffic: live.allow_forwarded_traffic.unwrap_or(false),
        allow_gateway_transit: live.allow_gateway_transit.unwrap_or(false),
        use_remote_gateways: live.use_remote_gateways.unwrap_or(false),
        name: (!uses_defaults).then(|| local_name.clone()),
    };
    let (peering_state, sync_level) = summarise(&local, &remote);
    let out_of_band_changes = peering_drift(&local, &remote, &inputs, &inputs)?;
    let state = VnetPeeringState {
        inputs: inputs.clone(),
        local_peering_id: local_peering_id.to_string(),
        remote_peering_id: remote_peering_id.to_string(),
        local_peering_name: local_name,
        remote_peering_name: remote_peering_id.name().to_string(),
        peering_state: Some(peering_state),
        peering_sync_level: Some(sync_level),
        out_of_band_changes,
    };
    Ok(Some(ReadResult {
        id: state.local_peering_id.clone(),
        inputs,
        state,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EAST: &str = "/subscriptions/s/resourceGroups/rg-platform-eastus/providers/Microsoft.Network/virtualNetworks/vnet-platform-eastus";
    const WEST: &str = "/subscriptions/s/resourceGroups/rg-platform-westeurope/providers/Microsoft.Network/virtualNetworks/vnet-platform-westeurope";

    fn effect(path: &'static str) -> ChangeEffect {
        let old = serde_json::Value::from("a");
        let new = serde_json::Value::from("b");
        VnetPeering.change_effect(&Change {
            path,
            old: Some(&old),
            new: Some(&new),
            new_is_unknown: false,
        })
    }

    #[test]
    fn vnets_and_name_replace_flags_and_address_spaces_update() {
        for path in ["localVnetId", "remoteVnetId", "name"] {
            assert_eq!(effect(path), ChangeEffect::Replace, "{path}");
        }
        for path in [
            "allowForwardedTraffic",
            "allowGatewayTransit",
            "useRemoteGateways",
            "localAddressSpace[0]",
            "remoteAddressSpace",
        ] {
            assert_eq!(effect(path), ChangeEffect::Update, "{path}");
        }
        const { assert!(VnetPeering::DELETE_BEFORE_REPLACE) };
    }

    #[test]
    fn default_names_point_from_each_side_to_the_other() {
        let names = peering_names("vnet-a", "vnet-b", None);
        assert_eq!(names.local, "peer-vnet-a-to-vnet-b");
        assert_eq!(names.remote, "peer-vnet-b-to-vnet-a");
        let custom = peering_names("vnet-a", "vnet-b", Some("link"));
        assert_eq!(
            (custom.local.as_str(), custom.remote.as_str()),
            ("link", "link")
        );
    }

    #[test]
    fn endpoints_put_each_direction_under_its_own_vnet() {
        let inputs = VnetPeeringInputs {
            local_vnet_id: EAST.into(),
            remote_vnet_id: WEST.into(),
            ..Default::default()
        };
        let endpoints = inputs.endpoints().expect("valid ids");
        assert_eq!(
            endpoints.local_peering.to_string(),
            format!("{EAST}/virtualNetworkPeerings/peer-vnet-platform-eastus-to-vnet-platform-westeurope")
        );
        assert_eq!(
            endpoints.remote_peering.to_string(),
            format!("{WEST}/virtualNetworkPeerings/peer-vnet-platform-westeurope-to-vnet-platform-eastus")
        );
    }

    #[test]
    fn peering_names_follow_azure_rules() {
        assert!(peering_name_problem("peer-a-to-b").is_none());
        assert!(peering_name_problem("trailing_").is_none());
        assert!(peering_name_problem(&"a".repeat(81)).is_some());
        assert!(peering_name_problem("-leading").is_some());
        assert!(peering_name_problem("trailing.").is_some());
        assert!(peering_name_problem("has space").is_some());
    }

    #[test]
    fn both_bodies_match_the_azure_schema() {
        let inputs = VnetPeeringInputs {
            local_vnet_id: EAST.into(),
            remote_vnet_id: WEST.into(),
            ..Default::default()
        };
        let endpoints = inputs.endpoints().expect("valid ids");
        for (peering_id, body) in [
            (
                &endpoints.local_peering,
                peering_body(&inputs, &endpoints.remote_vnet, true),
            ),
            (
                &endpoints.remote_peering,
                peering_body(&inputs, &endpoints.local_vnet, false),
            ),
        ] {
            crate::azure::models::schema_check::assert_valid_put(
                &format!(
                    "{peering_id}?api-version={}&syncRemoteAddressSpace=true",
                    api_versions::NETWORK
                ),
                &body,
            );
        }
    }

    #[test]
    fn remote_side_offers_its_gateway_when_the_local_side_uses_it() {
        let inputs = VnetPeeringInputs {
            local_vnet_id: EAST.into(),
            remote_vnet_id: WEST.into(),
            use_remote_gateways: true,
            ..Default::default()
        };
        let endpoints = inputs.endpoints().expect("valid ids");
        let local = peering_body(&inputs, &endpoints.remote_vnet, true).properties;
        let remote = peering_body(&inputs, &endpoints.local_vnet, false).properties;
        assert_eq!(local.use_remote_gateways, Some(true));
        assert_eq!(remote.allow_gateway_transit, Some(true));
        assert_eq!(remote.use_remote_gateways, Some(false));
        assert_eq!(
            remote.remote_virtual_network.map(|r| r.id),
            Some(EAST.to_string())
        );
    }
}
