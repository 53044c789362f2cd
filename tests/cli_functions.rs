//! The real `pulumi` CLI drives the built plugin: schema, provider config and planAddressSpace from
//! YAML and Python programs.

mod support;

use support::pulumi::{engine_bin, Project};
use support::SUBSCRIPTION;

#[test]
fn package_get_schema_prints_the_schema() {
    let output = std::process::Command::new(engine_bin().join("pulumi"))
        .args([
            "package",
            "get-schema",
            env!("CARGO_BIN_EXE_pulumi-resource-aksmesh"),
        ])
        .env("PULUMI_SKIP_UPDATE_CHECK", "true")
        .env("PULUMI_HOME", tempfile::tempdir().unwrap().path())
        .output()
        .expect("run pulumi package get-schema");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON schema");
    assert_eq!(schema["name"], "aksmesh");
    assert!(schema["functions"]["aksmesh:index:planAddressSpace"].is_object());
}

const YAML_PLAN: &str = r#"
variables:
  plan:
    fn::invoke:
      function: aksmesh:index:planAddressSpace
      arguments:
        regions:
          - location: eastus
          - location: westeurope
          - location: southeastasia
outputs:
  plan: ${plan}
  firstVnet: ${plan.regions[0].vnetCidr}
"#;

#[test]
fn yaml_program_plans_address_space_with_pulumi_up() {
    let project = Project::new("plan-yaml", "yaml", YAML_PLAN, &[]);
    project.config_set("aksmesh:subscriptionId", SUBSCRIPTION);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let outputs = project.outputs();
    assert_eq!(outputs["firstVnet"], "10.0.0.0/14");
    let pods: Vec<_> = outputs["plan"]["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| r["podCidr"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(pods, ["10.32.0.0/13", "10.40.0.0/13", "10.48.0.0/13"]);
    assert_eq!(outputs["plan"]["dnsServiceIP"], "10.96.0.10");
}

#[test]
fn missing_subscription_tells_the_user_which_config_to_set() {
    let project = Project::new("plan-missing", "yaml", YAML_PLAN, &[]);
    let run = project.pulumi(&["up", "--yes", "--skip-preview"]).failure();
    let said = format!("{}{}", run.stdout(), run.stderr());
    assert!(said.contains("aksmesh:subscriptionId"), "{said}");
    assert!(said.contains("pulumi config set"), "{said}");
}

#[test]
fn yaml_program_sees_impossible_plans_as_errors() {
    let program = r#"
variables:
  plan:
    fn::invoke:
      function: aksmesh:index:planAddressSpace
      arguments:
        regions:
          - location: eastus
            vnetCidr: 10.0.0.0/14
          - location: westus
            vnetCidr: 10.2.0.0/16
outputs:
  plan: ${plan}
"#;
    let project = Project::new("plan-overlap", "yaml", program, &[]);
    project.config_set("aksmesh:subscriptionId", SUBSCRIPTION);
    let run = project.pulumi(&["up", "--yes", "--skip-preview"]).failure();
    let said = format!("{}{}", run.stdout(), run.stderr());
    assert!(
        said.contains("10.2.0.0/16") && said.contains("10.0.0.0/14"),
        "{said}"
    );
}

const PYTHON_PLAN: &str = r#"
import pulumi

plan = pulumi.runtime.invoke(
    "aksmesh:index:planAddressSpace",
    {"regions": [{"location": "eastus"}, {"location": "westeurope"}], "baseCidr": "10.0.0.0/8"},
).value
pulumi.export("vnets", [region["vnetCidr"] for region in plan["regions"]])
pulumi.export("serviceCidr", plan["serviceCidr"])
pulumi.export("location", pulumi.Config("aksmesh").require("location"))
"#;

#[test]
fn python_program_plans_address_space_with_pulumi_up() {
    let project = Project::new("plan-python", "python", "", &[("__main__.py", PYTHON_PLAN)]);
    project.config_set("aksmesh:subscriptionId", SUBSCRIPTION);
    project.config_set("aksmesh:location", "westeurope");
    project.run_program("up", &[]).success();
    let outputs = project.outputs();
    assert_eq!(
        outputs["vnets"],
        serde_json::json!(["10.0.0.0/14", "10.4.0.0/14"])
    );
    assert_eq!(outputs["serviceCidr"], "10.96.0.0/16");
    assert_eq!(outputs["location"], "westeurope");
}
