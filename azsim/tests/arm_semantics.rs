//! ARM protocol semantics: resource groups, api-versions, ids, LROs, deletes, parents,
//! conflicts, error shapes, auth, malformed input, the request log and control endpoints.

mod common;

use std::time::Duration;

use azsim::client::Client;
use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_group_create_update_read_and_errors() {
    let sim = start(0.001).await;
    let path = sim.rg("rg1");
    let r = sim
        .put(
            &path,
            RG,
            json!({"location": "West Europe", "tags": {"env": "test"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", body_text(&r));
    let body = r.json();
    assert_eq!(body["id"], format!("{}/resourceGroups/rg1", sim.sub));
    assert_eq!(body["location"], "westeurope");
    assert_eq!(body["type"], "Microsoft.Resources/resourceGroups");
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
    let r = sim.put(&path, RG, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 200);
    let r = sim.put(&path, RG, json!({"location": "eastus"})).await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error_code().as_deref(),
        Some("InvalidResourceGroupLocation")
    );
    let r = sim.put(&sim.rg("rg2"), RG, json!({})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code().as_deref(), Some("LocationRequired"));
    let r = sim
        .put(&sim.rg("rg3"), RG, json!({"location": "atlantis"}))
        .await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("LocationNotAvailableForResourceType")
    );
    let r = sim.get(&sim.rg("missing"), RG).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("ResourceGroupNotFound"));
    let r = sim
        .client
        .request("HEAD", &with_api(&path, RG), None)
        .await
        .unwrap();
    assert_eq!(r.status, 204);
    let r = sim
        .client
        .request("HEAD", &with_api(&sim.rg("missing"), RG), None)
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    let r = sim.get(&format!("{}/resourcegroups", sim.sub), RG).await;
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 1);
    let r = sim
        .client
        .patch(&with_api(&path, RG), &json!({"tags": {"a": "b"}}))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["tags"], json!({"a": "b"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_version_is_required_and_checked() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    let r = sim.client.get(&sim.rg("rg")).await.unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_code().as_deref(),
        Some("MissingApiVersionParameter")
    );
    let r = sim.get(&sim.rg("rg"), "2019-01-01").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_code().as_deref(),
        Some("InvalidApiVersionParameter")
    );
    let r = sim.get(&sim.net("rg", "virtualNetworks/v"), AKS).await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("InvalidApiVersionParameter")
    );
    let r = sim.get(&sim.aks("rg", "c"), NET).await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("InvalidApiVersionParameter")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_ids_are_case_insensitive() {
    let sim = start(0.001).await;
    sim.create_rg("MyRg", "westeurope").await;
    sim.vnet("MyRg", "Vnet-A", "10.0.0.0/16", "nodes", "10.0.0.0/24")
        .await;
    let lower = format!(
        "{}/resourcegroups/myrg/providers/microsoft.network/virtualnetworks/vnet-a",
        sim.sub.to_uppercase()
    );
    let r = sim.get(&lower, NET).await;
    assert_eq!(r.status, 200, "{}", body_text(&r));
    assert_eq!(
        r.json()["id"],
        format!(
            "{}/resourceGroups/MyRg/providers/Microsoft.Network/virtualNetworks/Vnet-A",
            sim.sub
        )
    );
    let r = sim
        .put(&lower, NET, json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}))
        .await;
    assert_eq!(r.status, 200, "an update, not a second resource");
    let inventory = sim.inventory().await;
    assert_eq!(
        inventory
            .iter()
            .filter(|r| r["type"] == "Microsoft.Network/virtualNetworks")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_running_put_reports_progress_through_the_status_resource() {
    let sim = start(0.1).await; // VNet create takes 1 s
    sim.create_rg("rg", "westeurope").await;
    let path = sim.net("rg", "virtualNetworks/v1");
    let body = json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}});
    let r = sim.put(&path, NET, body.clone()).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["properties"]["provisioningState"], "Creating");
    let url = r.header("azure-asyncoperation").unwrap().to_string();
    let prefix = format!(
        "{}/subscriptions/{}/providers/Microsoft.Network/locations/westeurope/operations/",
        sim.running.info().arm_endpoint,
        sim.running.info().subscription_id
    );
    assert!(url.starts_with(&prefix), "{url}");
    assert!(url.ends_with("?api-version=2025-07-01"), "{url}");
    let seconds: u64 = r.header("retry-after").unwrap().parse().unwrap();
    let ms: u64 = r.header("retry-after-ms").unwrap().parse().unwrap();
    assert!(seconds >= 1 && (10..=1000).contains(&ms), "{seconds} {ms}");
    assert!(ms <= 167, "a sixth of the scaled duration: {ms}");
    let poll = sim.client.get(&url).await.unwrap();
    assert_eq!(poll.status, 200);
    let status = poll.json();
    assert_eq!(status["status"], "InProgress");
    for key in ["id", "name", "status", "startTime", "percentComplete"] {
        assert!(!status[key].is_null(), "status body lacks {key}: {status}");
    }
    let r2 = sim.get(&path, NET).await;
    assert_eq!(r2.json()["properties"]["provisioningState"], "Creating");
    let done = sim.wait_async(&r).await;
    assert_eq!(done["status"], "Succeeded");
    assert!(done["endTime"].is_string());
    assert_eq!(done["percentComplete"], 100.0);
    assert_eq!(
        sim.get(&path, NET).await.json()["properties"]["provisioningState"],
        "Succeeded"
    );
    let r = sim.put(&path, NET, body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["properties"]["provisioningState"], "Updating");
    sim.wait_async(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_answers_202_and_is_polled_then_missing_resources_give_204_or_404() {
    let sim = start(0.1).await;
    sim.create_rg("rg", "westeurope").await;
    let path = sim.net("rg", "virtualNetworks/v1");
    sim.vnet("rg", "v1", "10.1.0.0/16", "s", "10.1.0.0/24")
        .await;
    let r = sim.delete(&path, NET).await;
    assert_eq!(r.status, 202);
    assert!(r.header("location").is_some() && r.header("azure-asyncoperation").is_some());
    assert!(r.header("retry-after").is_some() && r.header("retry-after-ms").is_some());
    assert_eq!(
        sim.get(&path, NET).await.json()["properties"]["provisioningState"],
        "Deleting"
    );
    let again = sim.delete(&path, NET).await;
    assert_eq!(again.status, 202, "a repeated DELETE joins the running one");
    let first_poll = sim.client.get(r.header("location").unwrap()).await.unwrap();
    assert_eq!(first_poll.status, 202);
    let done = sim.wait_location(&r).await;
    assert_eq!(done.status, 204);
    let r = sim.get(&path, NET).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("ResourceNotFound"));
    assert_eq!(sim.delete(&path, NET).await.status, 204);
    assert_eq!(sim.delete(&sim.aks("rg", "nothing"), AKS).await.status, 204);
    let r = sim.delete(&sim.rg("missing"), RG).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("ResourceGroupNotFound"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_resource_group_deletes_everything_in_it() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.create_rg("keep", "westeurope").await;
    sim.vnet("rg", "v1", "10.1.0.0/16", "nodes", "10.1.0.0/24")
        .await;
    sim.vnet("keep", "v2", "10.2.0.0/16", "nodes", "10.2.0.0/24")
        .await;
    let scope = sim.subnet_id("rg", "v1", "nodes");
    let r = sim
        .put(
            &format!("{scope}/providers/Microsoft.Authorization/roleAssignments/0b6c2a2e-3c57-4e41-9e0e-3d9a2d1d1a11"),
            AUTHZ,
            json!({"properties": {"roleDefinitionId": format!("{}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7", sim.sub), "principalId": "11111111-2222-4333-8444-555555555555", "principalType": "ServicePrincipal"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", body_text(&r));
    let r = sim.delete(&sim.rg("rg"), RG).await;
    assert_eq!(r.status, 202);
    let location = r.header("location").unwrap();
    assert!(location.contains("/operationresults/"), "{location}");
    // Writes into a group being deleted are refused.
    let w = sim.put(&sim.net("rg", "virtualNetworks/v9"), NET, json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}})).await;
    if w.status == 409 {
        assert_eq!(w.error_code().as_deref(), Some("ResourceGroupBeingDeleted"));
    }
    let done = sim.wait_location(&r).await;
    assert_eq!(done.status, 200);
    let remaining: Vec<String> = sim
        .inventory()
        .await
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        remaining
            .iter()
            .all(|id| id.contains("/resourceGroups/keep")),
        "{remaining:?}"
    );
    assert_eq!(remaining.len(), 3);
    let r = sim.get(&sim.net("rg", "virtualNetworks/v1"), NET).await;
    assert_eq!(r.error_code().as_deref(), Some("ResourceGroupNotFound"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_parents_are_reported() {
    let sim = start(0.001).await;
    let r = sim
        .put(&sim.net("nowhere", "virtualNetworks/v"), NET, json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("ResourceGroupNotFound"));
    sim.create_rg("rg", "westeurope").await;
    let r = sim
        .put(
            &sim.subnet_id("rg", "novnet", "s"),
            NET,
            json!({"properties": {"addressPrefix": "10.0.0.0/24"}}),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("ParentResourceNotFound"));
    let r = sim.get(&sim.subnet_id("rg", "novnet", "s"), NET).await;
    assert_eq!(r.error_code().as_deref(), Some("ParentResourceNotFound"));
    let r = sim
        .get(&format!("{}/agentPools", sim.aks("rg", "none")), AKS)
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_while_a_network_operation_runs_conflict() {
    let sim = start(0.1).await; // VNet writes take 1 s
    sim.create_rg("rg", "westeurope").await;
    let vnet = sim.net("rg", "virtualNetworks/v1");
    let body = json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}});
    let first = sim.put(&vnet, NET, body.clone()).await;
    assert_eq!(first.status, 201);
    let r = sim.put(&vnet, NET, body.clone()).await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error_code().as_deref(),
        Some("AnotherOperationInProgress")
    );
    let r = sim
        .put(
            &sim.subnet_id("rg", "v1", "s1"),
            NET,
            json!({"properties": {"addressPrefix": "10.1.0.0/24"}}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error_code().as_deref(),
        Some("AnotherOperationInProgress")
    );
    let r = sim.delete(&vnet, NET).await;
    assert_eq!(r.status, 409);
    sim.wait_async(&first).await;
    let r = sim
        .put(
            &sim.subnet_id("rg", "v1", "s1"),
            NET,
            json!({"properties": {"addressPrefix": "10.1.0.0/24"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", body_text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_the_arm_shape_and_request_ids() {
    let sim = start(0.001).await;
    let r = sim.get(&sim.rg("missing"), RG).await;
    let body = r.json();
    let error = &body["error"];
    assert!(error["code"].is_string() && error["message"].is_string());
    assert!(
        error.get("target").is_some() && error["details"].is_array(),
        "{body}"
    );
    assert!(r.header("x-ms-request-id").is_some());
    let r = sim
        .client
        .send(
            "GET",
            &with_api(&sim.rg("missing"), RG),
            &[("x-ms-client-request-id", "abc-123")],
            Vec::new(),
            true,
        )
        .await
        .unwrap();
    assert_eq!(r.header("x-ms-client-request-id"), Some("abc-123"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_are_required_and_checked() {
    let sim = start(0.001).await;
    let info = sim.running.info().clone();
    let mut anonymous = Client::anonymous(&info).unwrap();
    let r = anonymous.get(&with_api(&sim.rg("x"), RG)).await.unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code().as_deref(), Some("AuthenticationFailed"));
    assert!(r.header("www-authenticate").is_some());
    anonymous.set_token(Some("not.a.token".into()));
    let r = anonymous.get(&with_api(&sim.rg("x"), RG)).await.unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(
        r.error_code().as_deref(),
        Some("InvalidAuthenticationToken")
    );
    anonymous.set_token(Some(with_tampered_signature(sim.client.token().unwrap())));
    assert_eq!(
        anonymous
            .get(&with_api(&sim.rg("x"), RG))
            .await
            .unwrap()
            .status,
        401
    );

    let form = |id: &str, secret: &str| {
        format!("client_id={id}&client_secret={secret}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default&grant_type=client_credentials")
            .into_bytes()
    };
    let token_path = format!("/{}/oauth2/v2.0/token", info.tenant_id);
    let ct = [("content-type", "application/x-www-form-urlencoded")];
    let r = anonymous
        .send(
            "POST",
            &token_path,
            &ct,
            form(&info.client_id, &info.client_secret),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let token = r.json();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3599);
    assert_eq!(token["ext_expires_in"], 3599);
    assert!(token["access_token"].as_str().unwrap().split('.').count() == 3);
    let r = anonymous
        .send(
            "POST",
            &token_path,
            &ct,
            form(&info.client_id, "wrong"),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "invalid_client");
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215"));
    let r = anonymous
        .send("POST", &token_path, &ct, form("someone-else", "x"), false)
        .await
        .unwrap();
    assert_eq!(r.json()["error"], "unauthorized_client");
    let r = anonymous
        .send(
            "POST",
            "/00000000-0000-0000-0000-00000000dead/oauth2/v2.0/token",
            &ct,
            form(&info.client_id, &info.client_secret),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_gets_arm_errors_and_never_crashes() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    let vnet = with_api(&sim.net("rg", "virtualNetworks/v"), NET);
    for bad in [
        &b"{not json"[..],
        b"[1,2,3]",
        b"",
        b"\"text\"",
        &[0xff, 0xfe, 0x00][..],
    ] {
        let r = sim
            .client
            .send("PUT", &vnet, &[], bad.to_vec(), true)
            .await
            .unwrap();
        assert_eq!(r.status, 400, "{:?}", bad);
        assert_eq!(r.error_code().as_deref(), Some("InvalidRequestContent"));
    }
    let deep = "[".repeat(100_000);
    let r = sim
        .client
        .send("PUT", &vnet, &[], deep.into_bytes(), true)
        .await
        .unwrap();
    assert_eq!(r.error_code().as_deref(), Some("InvalidRequestContent"));
    let r = sim
        .put(&vnet, NET, json!({"location": 5, "properties": {"addressSpace": {"addressPrefixes": "10.0.0.0/8"}}}))
        .await;
    assert_eq!(r.status, 400);
    let r = sim
        .get(
            &format!("{}/providers/Microsoft.Network/flyingCars/x", sim.rg("rg")),
            NET,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("InvalidResourceType"));
    let r = sim
        .get(
            &format!("{}/providers/Contoso.Widgets/things/x", sim.rg("rg")),
            NET,
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("NoRegisteredProviderFound"));
    let huge = vec![b' '; 5 * 1024 * 1024];
    let r = sim.client.send("PUT", &vnet, &[], huge, true).await;
    if let Ok(r) = r {
        assert_eq!(r.status, 413);
    }
    let encoded_slash = format!("{}/resourceGroups/a%2Fb?api-version=2025-04-01", sim.sub);
    for path in [
        "/",
        "/subscriptions",
        "/subscriptions/x/y/z",
        "/%ff%fe",
        "/subscriptions/../../etc/passwd?api-version=1",
        &encoded_slash,
    ] {
        let r = sim.client.get(path).await.unwrap();
        assert!(r.status >= 400 && r.status < 500, "{path}: {}", r.status);
        assert!(r.error_code().is_some(), "{path}");
    }
    let r = sim
        .client
        .request(
            "POST",
            &with_api(&format!("{}/fly", sim.aks("rg", "c")), AKS),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    let r = sim
        .client
        .request("OPTIONS", &with_api(&sim.rg("rg"), RG), None)
        .await
        .unwrap();
    assert_eq!(r.status, 405);
    let health = sim.client.get("/azsim/health").await.unwrap();
    assert_eq!(health.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_band_changes_are_visible_to_later_reads() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v1", "10.1.0.0/16", "a", "10.1.0.0/24")
        .await;
    sim.put_and_wait(
        &sim.net("rg", "virtualNetworks/v1"),
        NET,
        json!({"location": "westeurope", "tags": {"drift": "yes"}, "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16", "10.5.0.0/16"]}}}),
    )
    .await;
    sim.delete_and_wait(&sim.subnet_id("rg", "v1", "a"), NET)
        .await;
    let body = sim
        .get(&sim.net("rg", "virtualNetworks/v1"), NET)
        .await
        .json();
    assert_eq!(body["tags"]["drift"], "yes");
    assert_eq!(
        body["properties"]["addressSpace"]["addressPrefixes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(body["properties"]["subnets"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preconditions_are_honoured() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    let path = with_api(&sim.rg("rg"), RG);
    let body = serde_json::to_vec(&json!({"location": "westeurope"})).unwrap();
    let r = sim
        .client
        .send("PUT", &path, &[("if-none-match", "*")], body.clone(), true)
        .await
        .unwrap();
    assert_eq!(r.status, 412);
    let r = sim
        .client
        .send(
            "PUT",
            &path,
            &[("if-match", "\"nope\"")],
            body.clone(),
            true,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 412);
    let r = sim
        .client
        .send("PUT", &path, &[("if-match", "*")], body, true)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_records_every_arm_request() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    let bad = sim
        .client
        .send(
            "PUT",
            &with_api(&sim.rg("x"), RG),
            &[],
            b"{oops".to_vec(),
            true,
        )
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    let _ = sim.client.get("/azsim/health").await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let text = std::fs::read_to_string(&sim.running.info().request_log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines
        .iter()
        .all(|l| !l["path"].as_str().unwrap().starts_with("/azsim")));
    let token = &lines[0];
    assert_eq!(token["method"], "POST");
    assert!(
        token["body"].is_null(),
        "token bodies carry secrets and are not logged"
    );
    let put = lines
        .iter()
        .find(|l| l["method"] == "PUT" && l["status"] == 201)
        .unwrap();
    assert_eq!(put["body"], json!({"location": "westeurope"}));
    assert!(put["path"]
        .as_str()
        .unwrap()
        .ends_with("?api-version=2025-04-01"));
    let malformed = lines.iter().find(|l| l["status"] == 400).unwrap();
    assert!(malformed["body"].is_null());
    assert_eq!(malformed["rawBody"], "{oops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_endpoints_report_state_and_faults() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    let health = sim.client.get("/azsim/health").await.unwrap().json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["resources"], 1);
    let inventory = sim.inventory().await;
    assert_eq!(inventory[0]["type"], "Microsoft.Resources/resourceGroups");
    assert_eq!(inventory[0]["provisioningState"], "Succeeded");
    let faults = sim.client.get("/azsim/faults").await.unwrap().json();
    assert_eq!(faults["spec"], "");
    let r = sim
        .client
        .send("PUT", "/azsim/faults", &[], b"500:0.5".to_vec(), false)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["spec"], "500:0.5");
    let r = sim
        .client
        .send("PUT", "/azsim/faults", &[], b"nonsense:7".to_vec(), false)
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let r = sim
        .client
        .send(
            "PUT",
            "/azsim/faults",
            &[],
            serde_json::to_vec(&json!({"spec": "", "seed": 3})).unwrap(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.json()["seed"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_info_has_the_documented_fields() {
    let sim = start(0.001).await;
    let info = sim.running.info();
    let json = serde_json::to_value(info).unwrap();
    for key in [
        "armEndpoint",
        "authorityHost",
        "tokenEndpoint",
        "caCertPath",
        "tenantId",
        "clientId",
        "clientSecret",
        "subscriptionId",
        "requestLog",
        "controlEndpoint",
    ] {
        assert!(json[key].is_string(), "{key} missing from {json}");
    }
    assert!(info.arm_endpoint.starts_with("https://127.0.0.1:"));
    assert_eq!(info.authority_host, format!("{}/", info.arm_endpoint));
    assert_eq!(
        info.token_endpoint,
        format!("{}/{}/oauth2/v2.0/token", info.arm_endpoint, info.tenant_id)
    );
    assert!(info.ca_pem.contains("BEGIN CERTIFICATE"));
    assert_eq!(
        std::fs::read_to_string(&info.ca_cert_path).unwrap(),
        info.ca_pem
    );
}

/// Random requests built from ARM-ish fragments: never a 5xx (a caught panic answers 500),
/// and the server keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_never_break_the_server() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "10.0.0.0/14", "s", "10.1.0.0/16").await;
    let segments = [
        "resourceGroups",
        "rg",
        "providers",
        "Microsoft.Network",
        "virtualNetworks",
        "v",
        "subnets",
        "s",
        "virtualNetworkPeerings",
        "p",
        "Microsoft.ContainerService",
        "managedClusters",
        "c",
        "agentPools",
        "pool",
        "fleets",
        "f",
        "members",
        "m",
        "clusterMeshProfiles",
        "mesh",
        "apply",
        "Microsoft.Cdn",
        "profiles",
        "afdEndpoints",
        "routes",
        "originGroups",
        "origins",
        "Microsoft.Authorization",
        "roleAssignments",
        "0b6c2a2e-3c57-4e41-9e0e-3d9a2d1d1a11",
        "locations",
        "westeurope",
        "operations",
        "operationresults",
        "listClusterUserCredential",
        "kubernetesVersions",
        "%2e%2e",
        "x",
    ];
    let versions = [
        "2025-04-01",
        "2025-07-01",
        "2026-05-01",
        "2022-04-01",
        "2025-12-01",
        "2026-03-02-preview",
        "bad",
    ];
    let subnet = sim.subnet_id("rg", "v", "s");
    let bodies: Vec<Value> = vec![
        json!({}),
        json!({"location": "westeurope"}),
        json!({"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}),
        json!({"properties": 5}),
        json!({"location": [], "tags": {"a": 1}}),
        json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": [1, "x", "10.0.0.0/8"]}, "subnets": [{"name": 3}, {}]}}),
        json!({"properties": {"addressPrefix": "10.1.0.0/16", "addressPrefixes": "nope"}}),
        json!({"properties": {"remoteVirtualNetwork": {"id": 7}}}),
        json!({"properties": {"remoteVirtualNetwork": {"id": "/subscriptions/zzz"}}}),
        cluster_body(&subnet),
        json!({"location": "westeurope", "identity": {"type": "UserAssigned", "userAssignedIdentities": []}, "properties": {"agentPoolProfiles": [{"name": "a", "count": "x"}], "networkProfile": {"podCidr": 3}}}),
        json!({"location": "westeurope", "properties": {"agentPoolProfiles": [{"name": "system", "mode": "System", "vnetSubnetID": "/x"}], "networkProfile": {"serviceCidr": "::/0", "dnsServiceIP": "::1"}}}),
        json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7", "principalId": "0b6c2a2e-3c57-4e41-9e0e-3d9a2d1d1a11", "principalType": "Alien"}}),
        json!({"properties": {"memberSelector": {"byLabel": 5}, "clusterResourceId": "nope", "labels": [1]}}),
        json!({"properties": {"originGroup": {"id": ""}, "hostName": "", "loadBalancingSettings": {"sampleSize": -1}, "healthProbeSettings": {"probePath": 1}}}),
        json!([1, 2, 3]),
    ];
    let methods = ["GET", "PUT", "DELETE", "POST", "PATCH", "HEAD"];
    let mut state: u64 = 0x9e3779b97f4a7c15;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n
    };
    for _ in 0..400 {
        let depth = next(9);
        let mut path = sim.sub.clone();
        if next(4) > 0 {
            path.push_str("/resourceGroups/rg");
        }
        for _ in 0..depth {
            path.push('/');
            path.push_str(segments[next(segments.len())]);
        }
        if next(8) > 0 {
            path.push_str(&format!("?api-version={}", versions[next(versions.len())]));
        }
        let method = methods[next(methods.len())];
        let body = if method == "PUT" || method == "PATCH" || method == "POST" {
            serde_json::to_vec(&bodies[next(bodies.len())]).unwrap()
        } else {
            Vec::new()
        };
        let r = sim
            .client
            .send(method, &path, &[], body, true)
            .await
            .unwrap();
        assert!(
            r.status < 500,
            "{method} {path}: {} {}",
            r.status,
            body_text(&r)
        );
        if r.status >= 400 && method != "HEAD" {
            assert!(
                r.error_code().is_some(),
                "{method} {path}: {}",
                body_text(&r)
            );
        }
    }
    assert_eq!(sim.client.get("/azsim/health").await.unwrap().status, 200);
}
