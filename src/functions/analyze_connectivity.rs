//! `aksmesh:index:analyzeConnectivity`: who reaches whom across regions, for a pod networking mode,
//! a set of VNet peerings and an optional Cilium mesh. The facts live in `crate::connectivity`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::connectivity::{self, MeshMode, PodNetworking, Summary, Topology, Verdict};
use crate::resource::{CheckFailure, Function};

pub struct AnalyzeConnectivity;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeeringArguments {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Arguments {
    pub regions: Vec<String>,
    /// Default `overlay`.
    pub pod_networking: Option<PodNetworking>,
    #[serde(default)]
    pub peerings: Vec<PeeringArguments>,
    /// Peer every pair of regions; default false.
    pub peer_all: Option<bool>,
    /// Default `none`.
    pub mesh: Option<MeshMode>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectivityReport {
    pub matrix: Vec<Verdict>,
    pub summary: Summary,
}

/// Turns the arguments into a topology.
pub fn topology(arguments: &Arguments) -> Result<Topology, Vec<CheckFailure>> {
    let peer_all = arguments.peer_all.unwrap_or(false);
    if peer_all && !arguments.peerings.is_empty() {
        return Err(vec![CheckFailure::new(
            "peerAll",
            "give either `peerings` or `peerAll: true`, not both: `peerAll` already peers every pair of regions",
        )]);
    }
    let peered_pairs = if peer_all {
        Topology::all_pairs(&arguments.regions)
    } else {
        arguments
            .peerings
            .iter()
            .map(|p| (p.from.clone(), p.to.clone()))
            .collect()
    };
    Ok(Topology {
        regions: arguments.regions.clone(),
        pod_networking: arguments.pod_networking.unwrap_or_default(),
        peered_pairs,
        mesh: arguments.mesh.unwrap_or_default(),
    })
}

/// Analyzes a topology, reporting every problem at the argument it concerns.
pub fn report(topology: &Topology) -> Result<ConnectivityReport, Vec<CheckFailure>> {
    let errors = connectivity::validate(topology);
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| CheckFailure::new(e.property, e.message))
            .collect());
    }
    let matrix = connectivity::analyze(topology)
        .map_err(|e| vec![CheckFailure::new(e.property, e.message)])?;
    let summary = connectivity::summarize(&matrix);
    Ok(ConnectivityReport { matrix, summary })
}

#[async_trait]
impl Function for AnalyzeConnectivity {
    const TOKEN: &'static str = "aksmesh:index:analyzeConnectivity";
    type Arguments = Arguments;
    type Result = ConnectivityReport;

    async fn invoke(&self, arguments: Arguments) -> Result<ConnectivityReport, Vec<CheckFailure>> {
        report(&topology(&arguments)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments(json: serde_json::Value) -> Arguments {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn analyze_connectivity_defaults_to_overlay_without_mesh_or_peering() {
        let t = topology(&arguments(
            serde_json::json!({"regions": ["eastus", "westeurope"]}),
        ))
        .unwrap();
        assert_eq!(t.pod_networking, PodNetworking::Overlay);
        assert_eq!(t.mesh, MeshMode::None);
        assert!(t.peered_pairs.is_empty());
        let report = report(&t).unwrap();
        assert_eq!(report.matrix.len(), 2 * 2 * 12);
        assert!(!report.summary.node_to_remote_node);
        assert!(!report.summary.all_regions_peered);
    }

    #[test]
    fn analyze_connectivity_peer_all_peers_every_pair() {
        let t = topology(&arguments(serde_json::json!({
            "regions": ["eastus", "westeurope", "southeastasia"],
            "peerAll": true,
            "podNetworking": "flat",
            "mesh": "fleet",
        })))
        .unwrap();
        assert_eq!(t.peered_pairs.len(), 3);
        let summary = report(&t).unwrap().summary;
        assert!(
            summary.all_regions_peered
                && summary.pod_to_remote_pod
                && summary.pod_to_remote_service
        );
    }

    #[test]
    fn analyze_connectivity_reports_every_problem_at_its_argument() {
        let conflict = topology(&arguments(serde_json::json!({
            "regions": ["eastus", "westeurope"],
            "peerAll": true,
            "peerings": [{"from": "eastus", "to": "westeurope"}],
        })))
        .unwrap_err();
        assert_eq!(conflict[0].property, "peerAll");

        let t = topology(&arguments(serde_json::json!({
            "regions": ["eastus", "eastus"],
            "peerings": [{"from": "eastus", "to": "uksouth"}],
            "mesh": "selfManaged",
        })))
        .unwrap();
        let failures = report(&t).unwrap_err();
        let properties: Vec<_> = failures.iter().map(|f| f.property.as_str()).collect();
        assert_eq!(properties, ["regions[1]", "peerings[0].to", "mesh"]);
    }

    #[test]
    fn analyze_connectivity_rejects_unknown_modes() {
        let error = serde_json::from_value::<Arguments>(
            serde_json::json!({"regions": ["eastus"], "mesh": "istio"}),
        )
        .unwrap_err();
        assert!(error.to_string().contains("selfManaged"), "{error}");
    }
}
