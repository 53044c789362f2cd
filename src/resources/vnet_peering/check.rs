//! Check: both VNet ids, the peering names, the address spaces (no overlap) and the gateway flags,
//! all offline.

use ipnet::Ipv4Net;

use super::super::common::Validator;
use super::types::{parse_vnet_id, peering_names, VnetPeeringInputs, MAX_PEERING_NAME_LENGTH};
use crate::azure::ResourceId;
use crate::net;
use crate::property::join_index;
use crate::resource::{CheckContext, CheckFailure};

pub(super) fn check(inputs: &VnetPeeringInputs, context: &CheckContext<'_>) -> Vec<CheckFailure> {
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
    validate_name(&mut v, inputs, local.as_ref().zip(remote.as_ref()));
    validate_address_spaces(&mut v, inputs);
    validate_gateways(&mut v, inputs);
    v.failures
}

/// A given name must follow Azure's rules; without one, the default names must fit Azure's limit.
fn validate_name(
    v: &mut Validator<'_, '_>,
    inputs: &VnetPeeringInputs,
    vnets: Option<(&ResourceId, &ResourceId)>,
) {
    match &inputs.name {
        Some(name) if !v.is_unknown("name") => {
            if let Some(problem) = peering_name_problem(name) {
                v.fail("name", problem);
            }
        }
        Some(_) => {}
        None => {
            // Long VNet names can make the default names exceed Azure's limit.
            if let Some((local, remote)) = vnets {
                let names = peering_names(local.name(), remote.name(), None);
                for name in [names.local, names.remote] {
                    if name.len() > MAX_PEERING_NAME_LENGTH {
                        v.fail("name", format!("the default peering name '{name}' would be {} characters; Azure allows {MAX_PEERING_NAME_LENGTH}, so set name to a shorter one", name.len()));
                    }
                }
            }
        }
    }
}

/// Both address spaces parse, and no remote CIDR overlaps a local one.
fn validate_address_spaces(v: &mut Validator<'_, '_>, inputs: &VnetPeeringInputs) {
    let local_space = validate_address_space(
        v,
        "localAddressSpace",
        inputs.local_address_space.as_deref(),
    );
    let remote_space = validate_address_space(
        v,
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
}

fn validate_gateways(v: &mut Validator<'_, '_>, inputs: &VnetPeeringInputs) {
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
            v.fail(path, reason.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peering_names_follow_azure_rules() {
        assert!(peering_name_problem("peer-a-to-b").is_none());
        assert!(peering_name_problem("trailing_").is_none());
        assert!(peering_name_problem(&"a".repeat(81)).is_some());
        assert!(peering_name_problem("-leading").is_some());
        assert!(peering_name_problem("trailing.").is_some());
        assert!(peering_name_problem("has space").is_some());
    }
}
