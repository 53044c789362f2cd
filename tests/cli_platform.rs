//! The product flow with the real CLI against azsim: the Python and TypeScript examples' MultiRegionAks,
//! the `enable_vnet_peering` toggle, adding a region, refresh and destroy. The SDKs are installed
//! from sdk/.

mod support;

use serde_json::Value as Json;
use support::azsim::Azsim;
use support::pulumi::{install_python_sdk, repository, Project};

/// A copy of an example program as a project configured against azsim.
fn example(name: &str, azsim: &Azsim) -> Project {
    let project = Project::from_program(&repository().join("examples").join(name));
    project.use_azsim(azsim);
    project
}

/// Runs the program and returns its engine summary (`resourceChanges`).
fn run(project: &Project, command: &str, extra: &[&str]) -> Json {
    let run = project.run_program(command, extra).success();
    let report: Json =
        serde_json::from_str(&run.stdout()).expect("run-program prints one JSON document");
    report["summary"]["resourceChanges"].clone()
}

/// An exported output field: Python SDK objects export snake_case keys, TypeScript camelCase.
fn field(object: &Json, camel: &str) -> Json {
    let snake: String = camel
        .chars()
        .flat_map(|c| {
            if c.is_ascii_uppercase() {
                vec!['_', c.to_ascii_lowercase()]
            } else {
                vec![c]
            }
        })
        .collect();
    object
        .get(camel)
        .or_else(|| object.get(&snake))
        .cloned()
        .unwrap_or(Json::Null)
}

fn count(changes: &Json, operation: &str) -> u64 {
    changes[operation].as_u64().unwrap_or(0)
}

/// Only creates (and sames), nothing updated, replaced or deleted.
fn assert_only_creates(changes: &Json, creates: u64) {
    assert_eq!(count(changes, "create"), creates, "{changes}");
    for operation in [
        "update",
        "replace",
        "delete",
        "create-replacement",
        "delete-replaced",
    ] {
        assert_eq!(count(changes, operation), 0, "{operation} in {changes}");
    }
}

fn peering_toggle_flow(project: &Project, azsim: &Azsim) {
    project
        .pulumi(&["config", "set", "--path", "regions[0]", "eastus"])
        .success();
    project
        .pulumi(&["config", "set", "--path", "regions[1]", "westeurope"])
        .success();

    // 0. A preview of a new stack works with every child output unknown, and touches nothing.
    let planned = run(project, "preview", &[]);
    assert!(count(&planned, "create") >= 5, "{planned}");
    assert!(azsim.resources().is_empty(), "preview must not call Azure");

    // 1. Peering off: clusters and networks only.
    run(project, "up", &[]);
    assert!(azsim.ids_of_type("virtualNetworkPeerings").is_empty());
    assert_eq!(azsim.ids_of_type("managedClusters").len(), 2);

    // 2. Peering on: one VnetPeering (two ARM peerings) inside one OverlayPeering, nothing else changes.
    project.config_set("enable_vnet_peering", "true");
    let changes = run(project, "up", &[]);
    assert_only_creates(&changes, 2);
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 2);
    let peerings = project.outputs()["peerings"].clone();
    assert!(
        peerings.as_array().is_some_and(|p| p.len() == 1),
        "{peerings}"
    );
    assert!(peerings.to_string().contains("Connected"), "{peerings}");

    // 3. Refresh finds no drift and a further up is a no-op.
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    run(project, "up", &["--expect-no-changes"]);

    // 4. Peering off again removes only the peerings.
    project.config_set("enable_vnet_peering", "false");
    let changes = run(project, "up", &[]);
    assert_eq!(count(&changes, "delete"), 2, "{changes}");
    assert_eq!(
        count(&changes, "create") + count(&changes, "update"),
        0,
        "{changes}"
    );
    assert!(azsim.ids_of_type("virtualNetworkPeerings").is_empty());
    assert_eq!(azsim.ids_of_type("managedClusters").len(), 2);

    // 4b. Closing the API servers to one range updates the clusters in place, nothing else.
    project
        .pulumi(&[
            "config",
            "set",
            "--path",
            "authorized_ip_ranges[0]",
            "203.0.113.0/24",
        ])
        .success();
    let changes = run(project, "up", &[]);
    assert!(count(&changes, "update") >= 2, "{changes}");
    for operation in ["create", "replace", "delete", "create-replacement"] {
        assert_eq!(count(&changes, operation), 0, "{operation} in {changes}");
    }
    for id in azsim.ids_of_type("managedClusters") {
        let (_, live) = azsim.arm("GET", &format!("{id}?api-version=2026-05-01"), None);
        assert_eq!(
            live["properties"]["apiServerAccessProfile"]["authorizedIPRanges"],
            serde_json::json!(["203.0.113.0/24"]),
            "{id}"
        );
    }

    // 5. With peering on, adding a region creates only its network, cluster and two peerings.
    project.config_set("enable_vnet_peering", "true");
    run(project, "up", &[]);
    project
        .pulumi(&["config", "set", "--path", "regions[2]", "southeastasia"])
        .success();
    let changes = run(project, "up", &[]);
    assert_only_creates(&changes, 4);
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 6);
    assert_eq!(azsim.ids_of_type("managedClusters").len(), 3);
    let summary = project.outputs()["connectivity"].clone();
    assert_eq!(field(&summary, "podToRemotePod"), false, "{summary}");
    assert_eq!(
        field(&summary, "podToRemoteLoadBalancer"),
        true,
        "{summary}"
    );

    // 6. Destroy leaves azsim empty.
    run(project, "destroy", &[]);
    assert!(azsim.resources().is_empty(), "{:?}", azsim.resources());
}

#[test]
fn python_example_peering_toggle_and_region_growth() {
    install_python_sdk();
    let azsim = Azsim::start("cli-platform-python");
    let project = example("python", &azsim);
    peering_toggle_flow(&project, &azsim);
}

#[test]
fn typescript_example_peering_toggle_and_region_growth() {
    let azsim = Azsim::start("cli-platform-typescript");
    let project = example("typescript", &azsim);
    std::fs::remove_file(project.dir.path().join("package.json"))
        .expect("the test links the SDK instead");
    project.link_node_sdk();
    peering_toggle_flow(&project, &azsim);
}

#[test]
fn yaml_example_runs_with_the_plain_cli() {
    let azsim = Azsim::start("cli-platform-yaml");
    let project = example("yaml", &azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let outputs = project.outputs();
    assert_eq!(outputs["clusters"].as_object().map(|c| c.len()), Some(2));
    assert_eq!(outputs["connectivity"]["nodeToRemoteNode"], true);
    assert_eq!(outputs["connectivity"]["podToRemotePod"], false);
    project.destroy_leaves_azsim_empty(&azsim, &[]);
}

/// Sets the example's region list.
fn set_regions(project: &Project, regions: &[&str]) {
    // The key may not be set yet; either way the list is rebuilt below.
    let _ = project.pulumi(&["config", "rm", "regions"]);
    for (i, region) in regions.iter().enumerate() {
        project
            .pulumi(&["config", "set", "--path", &format!("regions[{i}]"), region])
            .success();
    }
}

#[test]
fn python_fleet_mesh_on_flat_networking_connects_every_member() {
    install_python_sdk();
    let azsim = Azsim::start("cli-mesh-fleet");
    let project = example("python", &azsim);
    set_regions(&project, &["eastus", "westeurope"]);
    project.config_set("pod_networking", "flat");
    project.config_set("enable_vnet_peering", "true");
    project.config_set("cilium_mesh", "fleet");
    run(&project, "up", &[]);
    let outputs = project.outputs();
    let members = outputs["ciliumMesh"]["members"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(members.len(), 2, "{outputs}");
    assert!(
        members.iter().all(|m| m["status"] == "Connected"),
        "{members:?}"
    );
    assert_eq!(
        field(&outputs["connectivity"], "podToRemotePod"),
        true,
        "{}",
        outputs["connectivity"]
    );
    assert_eq!(
        field(&outputs["connectivity"], "podToRemoteService"),
        true,
        "{}",
        outputs["connectivity"]
    );
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    run(&project, "destroy", &[]);
    assert!(azsim.resources().is_empty(), "{:?}", azsim.resources());
}

#[test]
fn python_mesh_on_overlay_fails_at_preview_before_any_azure_call() {
    install_python_sdk();
    let azsim = Azsim::start("cli-mesh-overlay");
    let project = example("python", &azsim);
    set_regions(&project, &["eastus", "westeurope"]);
    project.config_set("enable_vnet_peering", "true");
    project.config_set("cilium_mesh", "fleet");
    let run = project.run_program("preview", &[]).failure();
    let said = format!("{}{}", run.stdout(), run.stderr());
    assert!(said.contains("Azure/AKS#5194"), "{said}");
    assert!(
        said.contains("flat") && said.contains("selfManaged"),
        "both supported routes are named: {said}"
    );
    assert!(
        azsim.resources().is_empty(),
        "nothing reached Azure: {:?}",
        azsim.resources()
    );
}

#[test]
fn python_self_managed_mesh_is_stable_and_front_door_follows_regions() {
    install_python_sdk();
    let azsim = Azsim::start("cli-mesh-self-managed");
    let project = example("python", &azsim);
    set_regions(&project, &["eastus", "westeurope"]);
    project.config_set("pod_networking", "byoCni");
    project.config_set("enable_vnet_peering", "true");
    project.config_set("cilium_mesh", "selfManaged");
    project.config_set("front_door", "true");
    run(&project, "up", &[]);
    let first = project.outputs();
    let ids = |outputs: &Json| -> Vec<(String, Json)> {
        outputs["ciliumMesh"]["clusters"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap_or_default().to_string(),
                            c["clusterId"].clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(ids(&first).len(), 2, "{first}");
    assert_eq!(azsim.ids_of_type("origins").len(), 2);
    assert!(
        first["frontDoor"]["endpointHostName"]
            .as_str()
            .or(first["frontDoor"]["endpoint_host_name"].as_str())
            .is_some_and(|h| h.ends_with(".azurefd.net")),
        "{first}"
    );

    // A second up changes nothing: the CA, ids and IPs are stable.
    run(&project, "up", &["--expect-no-changes"]);
    assert_eq!(project.outputs()["ciliumMesh"], first["ciliumMesh"]);

    // Adding a region keeps the existing cluster ids and adds a Front Door origin in place.
    set_regions(&project, &["eastus", "westeurope", "southeastasia"]);
    run(&project, "up", &[]);
    let grown = project.outputs();
    let grown_ids = ids(&grown);
    assert_eq!(grown_ids.len(), 3);
    for existing in ids(&first) {
        assert!(
            grown_ids.contains(&existing),
            "{existing:?} kept in {grown_ids:?}"
        );
    }
    assert_eq!(
        grown["ciliumMesh"]["ca"], first["ciliumMesh"]["ca"],
        "the shared CA is stable"
    );
    assert_eq!(azsim.ids_of_type("origins").len(), 3);

    // Removing it removes its origin.
    set_regions(&project, &["eastus", "westeurope"]);
    run(&project, "up", &[]);
    assert_eq!(azsim.ids_of_type("origins").len(), 2);
    run(&project, "destroy", &[]);
    assert!(azsim.resources().is_empty(), "{:?}", azsim.resources());
}

/// Ten regions in a full mesh of peerings (issue 16) under azsim's default ARM throttling: `up`
/// converges with no error, a refresh finds nothing changed, and `destroy` leaves azsim empty.
/// Ten regions need more than MultiRegionAks's eight automatic address slots, so each region
/// names its own /15 VNet (room for the /16 node and pod subnets) and /14 pod CIDR.
#[test]
fn ten_regions_in_a_full_mesh_converge_under_arm_throttling() {
    const REGIONS: [&str; 10] = [
        "eastus",
        "westeurope",
        "southeastasia",
        "westus2",
        "northeurope",
        "uksouth",
        "japaneast",
        "australiaeast",
        "canadacentral",
        "centralindia",
    ];
    let azsim = Azsim::start("cli-platform-ten-regions");
    // Throttling is on by default; AKSMESH_TEST_THROTTLE=off measures what it costs.
    assert_eq!(
        azsim.health()["throttle"]["enabled"],
        std::env::var("AKSMESH_TEST_THROTTLE").as_deref() != Ok("off"),
        "throttling is on by default"
    );
    let regions: String = REGIONS
        .iter()
        .enumerate()
        .map(|(i, location)| {
            format!(
                "        - location: {location}\n          vnetCidr: 10.{}.0.0/15\n          podCidr: 10.{}.0.0/14\n",
                2 * i,
                128 + 4 * i
            )
        })
        .collect();
    let body = format!(
        "resources:\n  platform:\n    type: aksmesh:index:MultiRegionAks\n    properties:\n      enableVnetPeering: true\n      regions:\n{regions}outputs:\n  clusters: ${{platform.clusters}}\n  peerings: ${{platform.peerings}}\n"
    );
    let project = Project::new("ten-regions", "yaml", &body, &[]);
    project.use_azsim(&azsim);
    // The engine runs 4 operations per core at once by default; let all regions go at once.
    let parallel = ["--parallel", "64"];
    project
        .pulumi(&[&["up", "--yes", "--skip-preview"][..], &parallel].concat())
        .success();
    let pairs = REGIONS.len() * (REGIONS.len() - 1) / 2;
    assert_eq!(azsim.ids_of_type("managedClusters").len(), REGIONS.len());
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 2 * pairs);
    let outputs = project.outputs();
    assert_eq!(outputs["peerings"].as_array().map(Vec::len), Some(pairs));
    assert!(
        outputs["peerings"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|p| p.to_string().contains("Connected")),
        "{}",
        outputs["peerings"]
    );
    assert_peerings_depend_on_their_two_networks(&project, pairs);
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    project.destroy_leaves_azsim_empty(&azsim, &parallel);
    // What ARM throttling answered 429 (if any) the provider absorbed: every step above succeeded.
    println!("azsim throttle: {}", azsim.health()["throttle"]);
}

/// Each peering depends on its own two networks, and each VNet id on its own network only: not on
/// every region's network (which the engine would store with every property of all 45 peerings,
/// rewriting a state that grows with the square of the regions after every step).
fn assert_peerings_depend_on_their_two_networks(project: &Project, pairs: usize) {
    let export: Json =
        serde_json::from_str(&project.pulumi(&["stack", "export"]).success().stdout())
            .expect("stack export is JSON");
    let resources = export["deployment"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let network_urn = |vnet_id: &Json| {
        resources
            .iter()
            .find(|r| {
                r["type"] == "aksmesh:index:RegionalNetwork" && r["outputs"]["vnetId"] == *vnet_id
            })
            .map(|r| r["urn"].clone())
            .unwrap_or(Json::Null)
    };
    let peerings: Vec<&Json> = resources
        .iter()
        .filter(|r| r["type"] == "aksmesh:index:VnetPeering")
        .collect();
    assert_eq!(peerings.len(), pairs);
    for peering in peerings {
        let local = network_urn(&peering["inputs"]["localVnetId"]);
        let remote = network_urn(&peering["inputs"]["remoteVnetId"]);
        let mut expected = vec![local.clone(), remote.clone()];
        expected.sort_by_key(|urn| urn.to_string());
        let mut dependencies = peering["dependencies"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        dependencies.sort_by_key(|urn| urn.to_string());
        assert_eq!(dependencies, expected, "{}", peering["urn"]);
        assert_eq!(
            peering["propertyDependencies"]["localVnetId"],
            Json::Array(vec![local]),
            "{}",
            peering["urn"]
        );
        assert_eq!(
            peering["propertyDependencies"]["remoteVnetId"],
            Json::Array(vec![remote]),
            "{}",
            peering["urn"]
        );
    }
}
