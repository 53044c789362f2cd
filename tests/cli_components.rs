//! Component resources through the real CLI: the engine calls Construct, aksmesh registers the
//! children through the ResourceMonitor, and each child runs its own lifecycle against azsim.

mod support;

use support::azsim::Azsim;
use support::pulumi::Project;

const OVERLAY_PEERING: &str = r#"
resources:
  east:
    type: aksmesh:index:RegionalNetwork
    properties: { location: eastus, namePrefix: mesh, vnetCidr: 10.0.0.0/14, nodeSubnetCidr: 10.0.0.0/16 }
  west:
    type: aksmesh:index:RegionalNetwork
    properties: { location: westeurope, namePrefix: mesh, vnetCidr: 10.4.0.0/14, nodeSubnetCidr: 10.4.0.0/16 }
  asia:
    type: aksmesh:index:RegionalNetwork
    properties: { location: southeastasia, namePrefix: mesh, vnetCidr: 10.8.0.0/14, nodeSubnetCidr: 10.8.0.0/16 }
  mesh:
    type: aksmesh:index:OverlayPeering
    properties:
      networks:
        - { name: eastus, vnetId: "${east.vnetId}", addressSpace: ["${east.vnetCidr}"], podCidr: 10.32.0.0/13 }
        - { name: westeurope, vnetId: "${west.vnetId}", addressSpace: ["${west.vnetCidr}"], podCidr: 10.40.0.0/13 }
        - { name: southeastasia, vnetId: "${asia.vnetId}", addressSpace: ["${asia.vnetCidr}"], podCidr: 10.48.0.0/13 }
outputs:
  peerings: ${mesh.peerings}
"#;

#[test]
fn overlay_peering_meshes_three_networks_through_construct() {
    let azsim = Azsim::start("cli-overlay-peering");
    let project = Project::new("mesh", "yaml", OVERLAY_PEERING, &[]);
    project.use_azsim(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let peerings = project.outputs()["peerings"].clone();
    let states: Vec<_> = peerings
        .as_array()
        .expect("peerings")
        .iter()
        .map(|p| p["peeringState"].clone())
        .collect();
    assert_eq!(
        states,
        ["Connected", "Connected", "Connected"],
        "{peerings}"
    );
    // N·(N−1)/2 VnetPeerings are N·(N−1) ARM peerings.
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings").len(), 6);
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    project
        .pulumi(&["up", "--yes", "--expect-no-changes"])
        .success();
    project.destroy_leaves_azsim_empty(&azsim, &[]);
}

#[test]
fn overlapping_networks_fail_before_any_azure_call() {
    let azsim = Azsim::start("cli-overlay-peering-overlap");
    let program = r#"
resources:
  mesh:
    type: aksmesh:index:OverlayPeering
    properties:
      networks:
        - { name: eastus, vnetId: /subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/a/providers/Microsoft.Network/virtualNetworks/a, addressSpace: [10.0.0.0/14] }
        - { name: westus, vnetId: /subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/b/providers/Microsoft.Network/virtualNetworks/b, addressSpace: [10.2.0.0/16] }
"#;
    let project = Project::new("mesh-overlap", "yaml", program, &[]);
    project.use_azsim(&azsim);
    let run = project.pulumi(&["preview"]).failure();
    let said = format!("{}{}", run.stdout(), run.stderr());
    assert!(
        said.contains("networks[1].addressSpace[0]") && said.contains("VnetAddressSpacesOverlap"),
        "{said}"
    );
    assert!(azsim.resources().is_empty());
}

/// Resource options on a component reach its children: a protected OverlayPeering protects its
/// VnetPeerings, so destroy refuses until the program lifts the protection.
#[test]
fn component_options_reach_the_children() {
    let azsim = Azsim::start("cli-component-options");
    let protected = OVERLAY_PEERING.replace(
        "    type: aksmesh:index:OverlayPeering\n",
        "    type: aksmesh:index:OverlayPeering\n    options:\n      protect: true\n      customTimeouts:\n        create: 20m\n",
    );
    let project = Project::new("mesh-options", "yaml", &protected, &[]);
    project.use_azsim(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let state = project.pulumi(&["stack", "export"]).success().stdout();
    let export: serde_json::Value = serde_json::from_str(&state).expect("stack export");
    let peerings: Vec<_> = export["deployment"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["type"] == "aksmesh:index:VnetPeering")
        .collect();
    assert_eq!(peerings.len(), 3);
    assert!(
        peerings.iter().all(|r| r["protect"] == true),
        "children inherit protect: {peerings:?}"
    );
    assert!(
        peerings
            .iter()
            .all(|r| r["customTimeouts"]["create"].as_f64() == Some(1200.0)
                || r["customTimeouts"]["create"] == "20m"),
        "children inherit customTimeouts: {peerings:?}"
    );
    let refused = project
        .pulumi(&["destroy", "--yes", "--skip-preview"])
        .failure();
    assert!(format!("{}{}", refused.stdout(), refused.stderr()).contains("protected"));
    assert_eq!(
        azsim.ids_of_type("virtualNetworkPeerings").len(),
        6,
        "nothing was deleted"
    );
    project
        .pulumi(&["state", "unprotect", "--all", "--yes"])
        .success();
    project.destroy_leaves_azsim_empty(&azsim, &[]);
}

const TWO_PEERED: &str = r#"
resources:
  east:
    type: aksmesh:index:RegionalNetwork
    properties: { location: eastus, namePrefix: alias, vnetCidr: 10.0.0.0/14, nodeSubnetCidr: 10.0.0.0/16 }
  west:
    type: aksmesh:index:RegionalNetwork
    properties: { location: westeurope, namePrefix: alias, vnetCidr: 10.4.0.0/14, nodeSubnetCidr: 10.4.0.0/16 }
  NAME:
    type: aksmesh:index:OverlayPeering
    OPTIONS
    properties:
      networks:
        - { name: eastus, vnetId: "${east.vnetId}", addressSpace: ["${east.vnetCidr}"] }
        - { name: westeurope, vnetId: "${west.vnetId}", addressSpace: ["${west.vnetCidr}"] }
"#;

/// Renaming a component with an alias keeps its children: the engine derives their aliases from
/// the component's, so nothing is replaced.
#[test]
fn a_renamed_component_with_an_alias_keeps_its_children() {
    let azsim = Azsim::start("cli-component-alias");
    let program =
        |name: &str, options: &str| TWO_PEERED.replace("NAME", name).replace("OPTIONS", options);
    let project = Project::new("alias", "yaml", &program("mesh", ""), &[]);
    project.use_azsim(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let peering = azsim.ids_of_type("virtualNetworkPeerings");
    assert_eq!(peering.len(), 2);

    let renamed = program(
        "platformMesh",
        "options: { aliases: [\"urn:pulumi:dev::alias::aksmesh:index:OverlayPeering::mesh\"] }",
    );
    project.rewrite_program("alias", "yaml", &renamed);
    let changes = project.planned();
    assert!(changes.is_empty(), "{changes:#?}");
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    assert_eq!(azsim.ids_of_type("virtualNetworkPeerings"), peering);
    project.destroy_leaves_azsim_empty(&azsim, &[]);
}

/// The same for MultiRegionAks, whose children include a nested component (its OverlayPeering):
/// renaming the platform with an alias changes no cluster, network or peering.
#[test]
fn a_renamed_platform_with_an_alias_keeps_every_child() {
    let azsim = Azsim::start("cli-platform-alias");
    let program = |name: &str, options: &str| {
        format!(
            r#"
resources:
  {name}:
    type: aksmesh:index:MultiRegionAks
    {options}
    properties:
      namePrefix: alias
      regions: [{{ location: eastus }}, {{ location: westeurope }}]
      enableVnetPeering: true
"#
        )
    };
    let project = Project::new("platform", "yaml", &program("platform", ""), &[]);
    project.use_azsim(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let before = azsim.resources();
    project.rewrite_program(
        "platform",
        "yaml",
        &program(
            "renamedPlatform",
            "options: { aliases: [\"urn:pulumi:dev::platform::aksmesh:index:MultiRegionAks::platform\"] }",
        ),
    );
    let changes = project.planned();
    assert!(changes.is_empty(), "{changes:#?}");
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let ids = |resources: Vec<serde_json::Value>| -> Vec<String> {
        let mut ids: Vec<String> = resources
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(azsim.resources()), ids(before));
    project.destroy_leaves_azsim_empty(&azsim, &[]);
}

/// A child that fails inside a component: the engine reports the child's own error on the child,
/// and the component's error names the child by URN instead of the engine's shutdown noise.
#[test]
fn a_failing_child_is_named_by_the_component() {
    let azsim = Azsim::start_with("cli-component-child-fails", |config| {
        config.faults = Some("script:PUT:virtualNetworkPeerings:*=lro-fail".into());
    });
    let project = Project::new("mesh-child-fails", "yaml", OVERLAY_PEERING, &[]);
    project.use_azsim(&azsim);
    let run = project.pulumi(&["up", "--yes", "--skip-preview"]).failure();
    let said = format!("{}{}", run.stdout(), run.stderr());
    let component_error = said
        .lines()
        .find(|line| line.contains("resource 'mesh' has a problem"))
        .unwrap_or_else(|| panic!("the component reports a problem:\n{said}"));
    for expected in [
        "aksmesh:index:VnetPeering mesh-",
        "failed (urn:pulumi:dev::mesh-child-fails::aksmesh:index:OverlayPeering$aksmesh:index:VnetPeering::mesh-",
        "InternalOperationError",
    ] {
        assert!(component_error.contains(expected), "{expected} in {component_error}");
    }
    assert!(!said.contains("client connection is closing"), "{said}");
}
