//! roleAssignments at any scope: idempotent PUT, duplicates, immutable fields, lookups.

mod common;

use common::*;
use serde_json::{json, Value};

const NETWORK_CONTRIBUTOR: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";
const PRINCIPAL: &str = "6c1f3a2e-1b7d-4c55-9f1e-2a7b9c0d1e2f";

fn assignment(sim: &Sim, principal: &str, with_type: bool) -> Value {
    let mut props = json!({
        "roleDefinitionId": format!("{}/providers/Microsoft.Authorization/roleDefinitions/{NETWORK_CONTRIBUTOR}", sim.sub),
        "principalId": principal,
    });
    if with_type {
        props["principalType"] = json!("ServicePrincipal");
    }
    json!({ "properties": props })
}

fn at(scope: &str, name: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_assignments_are_idempotent_and_unique_per_principal_role_and_scope() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "10.0.0.0/16", "nodes", "10.0.0.0/24")
        .await;
    let scope = sim.subnet_id("rg", "v", "nodes");
    let first = at(&scope, "9a3c5f0e-8d1b-4c2a-b6e7-0f1e2d3c4b5a");
    let r = sim
        .put(&first, AUTHZ, assignment(&sim, PRINCIPAL, true))
        .await;
    assert_eq!(r.status, 201, "{}", body_text(&r));
    let body = r.json();
    assert_eq!(body["type"], "Microsoft.Authorization/roleAssignments");
    assert_eq!(body["properties"]["scope"], scope);
    assert_eq!(body["properties"]["principalType"], "ServicePrincipal");
    let r = sim
        .put(&first, AUTHZ, assignment(&sim, PRINCIPAL, true))
        .await;
    assert_eq!(r.status, 200);
    let r = sim
        .put(
            &at(&scope, "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            assignment(&sim, PRINCIPAL, true),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code().as_deref(), Some("RoleAssignmentExists"));
    let r = sim
        .put(
            &first,
            AUTHZ,
            assignment(&sim, "0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e0e", true),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_code().as_deref(),
        Some("RoleAssignmentUpdateNotPermitted")
    );
    // The same principal and role at another scope is a different assignment.
    let r = sim
        .put(
            &at(&sim.rg("rg"), "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            assignment(&sim, PRINCIPAL, true),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = sim
        .put(
            &at(&sim.sub, "2b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            assignment(&sim, PRINCIPAL, true),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(sim.get(&first, AUTHZ).await.status, 200);
    let list = sim
        .get(
            &format!(
                "{}/providers/Microsoft.Authorization/roleAssignments",
                sim.rg("rg")
            ),
            AUTHZ,
        )
        .await
        .json();
    assert_eq!(list["value"].as_array().unwrap().len(), 3, "{list}");
    let filtered = sim
        .get(&format!("{}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId%20eq%20'{PRINCIPAL}'", scope), AUTHZ)
        .await
        .json();
    assert_eq!(filtered["value"].as_array().unwrap().len(), 3);
    let r = sim.delete(&first, AUTHZ).await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.delete(&first, AUTHZ).await.status, 204);
    let r = sim.get(&first, AUTHZ).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("RoleAssignmentNotFound"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_assignment_inputs_are_validated() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    let scope = sim.rg("rg");
    let r = sim
        .put(
            &at(&scope, "not-a-guid"),
            AUTHZ,
            assignment(&sim, PRINCIPAL, true),
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("InvalidRoleAssignmentId"));
    let r = sim
        .put(
            &at(&scope, "3b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            json!({"properties": {"principalId": PRINCIPAL}}),
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("InvalidRoleDefinitionId"));
    let r = sim
        .put(
            &at(&scope, "3b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            assignment(&sim, "nobody", true),
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("InvalidPrincipalId"));
    // Without principalType the principal is looked up (and this one is unknown).
    let r = sim
        .put(
            &at(&scope, "3b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            assignment(&sim, PRINCIPAL, false),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code().as_deref(), Some("PrincipalNotFound"));
    let r = sim
        .put(
            &at(&sim.rg("missing"), "3b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            assignment(&sim, PRINCIPAL, true),
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("ResourceGroupNotFound"));
    let r = sim
        .put(
            &at(
                &sim.subnet_id("rg", "nope", "s"),
                "3b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
            ),
            AUTHZ,
            assignment(&sim, PRINCIPAL, true),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_identity_is_a_known_principal() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "10.0.0.0/14", "nodes", "10.1.0.0/16")
        .await;
    let subnet = sim.subnet_id("rg", "v", "nodes");
    let cluster = sim
        .put_and_wait(&sim.aks("rg", "c"), AKS, cluster_body(&subnet))
        .await;
    let principal = cluster["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = sim
        .put(
            &at(&subnet, "4b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"),
            AUTHZ,
            assignment(&sim, &principal, false),
        )
        .await;
    assert_eq!(r.status, 201, "{}", body_text(&r));
    // Assignments go with their scope.
    sim.delete_and_wait(&sim.aks("rg", "c"), AKS).await;
    sim.delete_and_wait(&subnet, NET).await;
    let r = sim
        .get(&at(&subnet, "4b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"), AUTHZ)
        .await;
    assert_eq!(r.status, 404);
}
