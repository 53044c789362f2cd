//! Fixtures the unit tests of every file here share: a valid cluster in East US and Check on it.

use super::{RegionalCluster, RegionalClusterInputs};
use crate::property::Annotations;
use crate::resource::{CheckContext, CheckFailure, Resource};

pub(super) const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000001";

pub(super) fn node_subnet() -> String {
    crate::azure::ids::subnet_id(
        SUBSCRIPTION,
        "rg-platform-eastus",
        "vnet-platform-eastus",
        "nodes",
    )
    .to_string()
}

pub(super) fn pod_subnet() -> String {
    crate::azure::ids::subnet_id(
        SUBSCRIPTION,
        "rg-platform-eastus",
        "vnet-platform-eastus",
        "pods",
    )
    .to_string()
}

pub(super) fn valid() -> RegionalClusterInputs {
    RegionalClusterInputs {
        location: "East US".into(),
        resource_group_name: "rg-platform-eastus".into(),
        node_subnet_id: node_subnet(),
        vnet_cidr: Some("10.0.0.0/14".into()),
        node_subnet_cidr: Some("10.0.0.0/16".into()),
        ..Default::default()
    }
}

pub(super) fn check(inputs: &mut RegionalClusterInputs) -> Vec<CheckFailure> {
    let unknowns = Annotations::default();
    RegionalCluster.check(
        inputs,
        None,
        &CheckContext {
            unknowns: &unknowns,
            name: "Platform",
        },
    )
}
