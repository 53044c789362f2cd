//! Check: offline validation of a RegionalNetwork's inputs (names, ranges, tags).

use ipnet::Ipv4Net;

use super::types::RegionalNetworkInputs;
use crate::net;
use crate::resource::{CheckContext, CheckFailure};
use crate::resources::common::Validator;

fn name_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

pub(super) fn check(
    inputs: &mut RegionalNetworkInputs,
    context: &CheckContext<'_>,
) -> Vec<CheckFailure> {
    let mut v = Validator::new(context);
    check_names(&mut v, inputs);
    check_ranges(&mut v, inputs);
    v.tags("tags", &inputs.tags);
    v.failures
}

/// Location, name prefix (filled from the program's name) and the names derived from them.
fn check_names(v: &mut Validator<'_, '_>, inputs: &mut RegionalNetworkInputs) {
    let region_ok = v.region("location", &mut inputs.location);
    v.name_prefix("namePrefix", &mut inputs.name_prefix);
    v.name(
        "namePrefix",
        &inputs.name_prefix,
        40,
        "letters, digits, '-', '_' and '.'",
        name_character,
    );
    if region_ok && !v.is_unknown("namePrefix") {
        // Overlay clusters turn VNet and resource group names into node labels: at most 63 characters.
        let names = inputs.names();
        for (what, name) in [
            ("resource group", &names.resource_group),
            ("VNet", &names.vnet),
        ] {
            if name.len() > 63 {
                v.fail("namePrefix", format!("the {what} name '{name}' would be {} characters; AKS allows 63, so shorten namePrefix", name.len()));
            }
        }
    }
}

/// The VNet range and the subnets inside it.
fn check_ranges(v: &mut Validator<'_, '_>, inputs: &RegionalNetworkInputs) {
    let vnet = if v.required(
        "vnetCidr",
        &inputs.vnet_cidr,
        "give the VNet range, for example 10.0.0.0/14 (planAddressSpace plans one)",
    ) {
        v.cidr("vnetCidr", &inputs.vnet_cidr)
    } else {
        None
    };
    let nodes = if v.required(
        "nodeSubnetCidr",
        &inputs.node_subnet_cidr,
        "give the node subnet, for example 10.0.0.0/16 inside vnetCidr",
    ) {
        v.cidr("nodeSubnetCidr", &inputs.node_subnet_cidr)
    } else {
        None
    };
    let pods = inputs
        .pod_subnet_cidr
        .as_deref()
        .and_then(|text| v.cidr("podSubnetCidr", text));
    if let Some(vnet) = vnet {
        check_subnets_inside(
            v,
            vnet,
            [("nodeSubnetCidr", nodes), ("podSubnetCidr", pods)],
        );
    }
    if let (Some(nodes), Some(pods)) = (nodes, pods) {
        if net::overlaps(nodes, pods) {
            v.fail("podSubnetCidr", format!("the pod subnet {pods} overlaps the node subnet {nodes}; give them separate ranges"));
        }
    }
}

fn check_subnets_inside(
    v: &mut Validator<'_, '_>,
    vnet: Ipv4Net,
    subnets: [(&str, Option<Ipv4Net>); 2],
) {
    for (path, subnet) in subnets {
        if let Some(subnet) = subnet {
            if !net::contains(vnet, subnet) {
                v.fail(path, format!("{subnet} is not inside the VNet range {vnet}; pick a subnet within it or widen vnetCidr"));
            } else if subnet.prefix_len() > 29 {
                v.fail(
                    path,
                    format!("{subnet} is smaller than /29, the smallest Azure subnet"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::Annotations;
    use crate::resource::Resource;
    use crate::resources::regional_network::RegionalNetwork;

    fn check(inputs: &mut RegionalNetworkInputs) -> Vec<CheckFailure> {
        let unknowns = Annotations::default();
        RegionalNetwork.check(
            inputs,
            None,
            &CheckContext {
                unknowns: &unknowns,
                name: "Platform EUS",
            },
        )
    }

    fn valid() -> RegionalNetworkInputs {
        RegionalNetworkInputs {
            location: "East US".into(),
            vnet_cidr: "10.0.0.0/14".into(),
            node_subnet_cidr: "10.0.0.0/16".into(),
            ..Default::default()
        }
    }

    #[test]
    fn check_normalises_location_and_derives_names() {
        let mut inputs = valid();
        assert!(check(&mut inputs).is_empty());
        assert_eq!(inputs.location, "eastus");
        assert_eq!(inputs.name_prefix, "platform-eus");
        assert_eq!(inputs.names().vnet, "vnet-platform-eus-eastus");
    }
}
