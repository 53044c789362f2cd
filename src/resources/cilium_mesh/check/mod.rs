//! Check: every problem with a CiliumMesh's inputs, found offline and reported at once, plus the
//! defaults Check fills in (name prefix, the fleet's region).

mod clusters;
mod peering;
mod settings;

use super::types::CiliumMeshInputs;
use crate::resource::{CheckContext, CheckFailure};
use crate::resources::common::Validator;
use crate::vocabulary::CiliumMeshMode;

pub(super) fn check(
    inputs: &mut CiliumMeshInputs,
    olds: Option<&CiliumMeshInputs>,
    context: &CheckContext<'_>,
) -> Vec<CheckFailure> {
    let mut v = Validator::new(context);
    let mode = if v.is_unknown("mode") {
        None
    } else if inputs.mode.is_none() {
        v.fail("mode", "mode is required: `fleet` for Azure Fleet Manager's managed cluster mesh (flat pod networking with ACNS), or `selfManaged` for BYO CNI clusters running Cilium installed with Helm");
        None
    } else {
        inputs.mode
    };
    v.name_prefix("namePrefix", &mut inputs.name_prefix);
    clusters::check_clusters(&mut v, inputs, mode);
    peering::check_peering(&mut v, inputs);
    match mode {
        Some(CiliumMeshMode::Fleet) => settings::check_fleet_settings(&mut v, inputs, olds),
        Some(CiliumMeshMode::SelfManaged) => settings::check_self_managed_settings(&mut v, inputs),
        None => {}
    }
    v.tags("tags", &inputs.tags);
    v.failures
}

/// Fleet, member and profile names: `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
fn valid_dns_label(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}
