//! The real `pulumi` CLI against azsim: two regions and one VnetPeering from a YAML program, through
//! up, refresh, in-place and replacing changes, out-of-band drift and destroy.

mod support;

use support::azsim::Azsim;
use support::programs::REGIONAL;
use support::pulumi::Project;

/// The operations a preview plans, by resource name (from `pulumi preview --json`).

#[test]
fn two_regions_and_a_peering_with_the_real_cli() {
    let azsim = Azsim::start("cli-regional");
    let project = Project::new("regional", "yaml", REGIONAL, &[]);
    project.use_azsim(&azsim);

    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let outputs = project.outputs();
    assert_eq!(outputs["peeringState"], "Connected");
    assert!(outputs["eastFqdn"].as_str().is_some_and(|f| !f.is_empty()));
    assert!(
        outputs["kubeconfig"]
            .as_str()
            .is_some_and(|k| k.contains("clusters")),
        "kubeconfig is exported"
    );
    assert_eq!(azsim.ids_of_type("managedClusters").len(), 2);
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 2);
    // The kubeconfig never lands in the state file in plain text.
    let stack_state = std::fs::read_to_string(
        walk(project.state.path())
            .into_iter()
            .find(|p| {
                p.extension().is_some_and(|e| e == "json") && p.to_string_lossy().contains("stacks")
            })
            .expect("stack state file"),
    )
    .expect("read state");
    let kubeconfig = outputs["kubeconfig"].as_str().unwrap_or_default();
    assert!(
        !stack_state.contains(kubeconfig.lines().next().unwrap_or("clusters")),
        "kubeconfig is stored encrypted"
    );

    // Refresh right after up finds no drift, and a second up changes nothing.
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    project
        .pulumi(&["up", "--yes", "--expect-no-changes"])
        .success();

    // A Kubernetes version change updates both clusters in place.
    project.config_set("kubernetesVersion", "1.34");
    let mut steps = project.planned();
    steps.sort();
    assert_eq!(
        steps,
        [
            ("eastCluster".to_string(), "update".to_string()),
            ("westCluster".to_string(), "update".to_string())
        ]
    );
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();

    // A pod CIDR change (not an expansion) replaces only that cluster.
    project.config_set("eastPodCidr", "10.56.0.0/13");
    let steps = project.planned();
    assert!(
        steps.iter().all(|(name, _)| name == "eastCluster"),
        "only the east cluster changes: {steps:?}"
    );
    assert!(
        steps.iter().any(|(_, op)| op.contains("replace")),
        "{steps:?}"
    );
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    assert_eq!(project.outputs()["eastPodCidr"], "10.56.0.0/13");

    // An out-of-band change in Azure shows up in refresh, and up puts it back.
    let vnet_id = azsim
        .ids_of_type("virtualNetworks")
        .into_iter()
        .find(|id| id.contains("westeurope"))
        .expect("west VNet");
    let (_, vnet) = azsim.arm("GET", &format!("{vnet_id}?api-version=2025-07-01"), None);
    let mut tags = vnet["tags"].clone();
    tags["changed-by"] = "portal".into();
    let (status, _) = azsim.arm(
        "PUT",
        &format!("{vnet_id}?api-version=2025-07-01"),
        Some(serde_json::json!({"location": vnet["location"], "tags": tags, "properties": {"addressSpace": vnet["properties"]["addressSpace"]}})),
    );
    assert!(
        status == 200 || status == 201,
        "out-of-band change: {status}"
    );
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .failure();
    project.pulumi(&["refresh", "--yes"]).success();
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();

    // A change no input shows (the east cluster's role assignment deleted) is recorded by
    // refresh, and the next up updates only that cluster, in place, to grant it again.
    let assignment = azsim
        .ids_of_type("roleAssignments")
        .into_iter()
        .find(|id| id.contains("eastus"))
        .expect("east role assignment");
    let (status, _) = azsim.arm(
        "DELETE",
        &format!("{assignment}?api-version=2022-04-01"),
        None,
    );
    assert!(matches!(status, 200 | 204), "out-of-band DELETE: {status}");
    project.pulumi(&["refresh", "--yes"]).success();
    assert_eq!(
        project.planned(),
        [("eastCluster".to_string(), "update".to_string())]
    );
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    assert!(azsim.ids_of_type("roleAssignments").contains(&assignment));
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();

    project.destroy_leaves_azsim_empty(&azsim, &[]);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}
