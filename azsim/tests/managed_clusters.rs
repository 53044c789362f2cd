//! managedClusters: AKS validation rules, immutable fields, returned fields, conflicts,
//! credentials and agent pools.

mod common;

use base64::Engine;
use common::*;
use serde_json::{json, Value};

/// RG `rg` with VNet 10.0.0.0/14 and node subnet 10.1.0.0/16.
async fn network(sim: &Sim) -> String {
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "10.0.0.0/14", "nodes", "10.1.0.0/16")
        .await;
    sim.subnet_id("rg", "v", "nodes")
}

fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = body.pointer_mut(parent).unwrap();
    target[key] = value;
    body
}

fn without(mut body: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    body.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_cluster_reports_the_read_only_fields_aks_returns() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    let r = sim.put(&path, AKS, cluster_body(&subnet)).await;
    assert_eq!(r.status, 201, "{}", body_text(&r));
    assert_eq!(r.json()["properties"]["provisioningState"], "Creating");
    assert!(r
        .header("azure-asyncoperation")
        .unwrap()
        .contains("/providers/Microsoft.ContainerService/locations/westeurope/operations/"));
    let done = sim.wait_async(&r).await;
    assert_eq!(done["status"], "Succeeded");
    let body = sim.get(&path, AKS).await.json();
    let p = &body["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(body["type"], "Microsoft.ContainerService/managedClusters");
    assert!(uuid::Uuid::parse_str(body["identity"]["principalId"].as_str().unwrap()).is_ok());
    assert_eq!(body["identity"]["tenantId"], sim.running.info().tenant_id);
    assert!(p["fqdn"].as_str().unwrap().starts_with("plat-weu-"));
    assert!(p["fqdn"]
        .as_str()
        .unwrap()
        .ends_with(".hcp.westeurope.azmk8s.io"));
    assert_eq!(p["nodeResourceGroup"], "MC_rg_c1_westeurope");
    assert_eq!(p["powerState"]["code"], "Running");
    assert!(p["oidcIssuerProfile"]["issuerURL"]
        .as_str()
        .unwrap()
        .starts_with("https://westeurope.oic.prod-aks.azure.com/"));
    assert_eq!(p["currentKubernetesVersion"], "1.34.2");
    assert_eq!(p["kubernetesVersion"], "1.34");
    let pools = p["agentPoolProfiles"].as_array().unwrap();
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0]["name"], "system");
    assert_eq!(pools[0]["provisioningState"], "Succeeded");
    assert_eq!(pools[0]["currentOrchestratorVersion"], "1.34.2");
    assert!(p["identityProfile"]["kubeletidentity"]["objectId"].is_string());
    assert_eq!(p["networkProfile"]["networkDataplane"], "cilium");
    assert!(body["eTag"].is_string());
    // The node resource group exists, managed by the cluster.
    let node_rg = sim.get(&sim.rg("MC_rg_c1_westeurope"), RG).await.json();
    assert_eq!(
        node_rg["managedBy"].as_str().unwrap().to_lowercase(),
        path.to_lowercase()
    );
    // An update keeps identity and fqdn.
    let r = sim
        .put(
            &path,
            AKS,
            with(
                cluster_body(&subnet),
                "/properties/agentPoolProfiles/0/count",
                json!(3),
            ),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["properties"]["provisioningState"], "Updating");
    let updated = sim.wait_terminal(&path, AKS).await;
    assert_eq!(
        updated["identity"]["principalId"],
        body["identity"]["principalId"]
    );
    assert_eq!(updated["properties"]["fqdn"], body["properties"]["fqdn"]);
    assert_eq!(updated["properties"]["agentPoolProfiles"][0]["count"], 3);
    // Deleting the cluster removes the node resource group.
    sim.delete_and_wait(&path, AKS).await;
    assert_eq!(
        sim.get(&sim.rg("MC_rg_c1_westeurope"), RG).await.status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_profile_validation_rules() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    let base = cluster_body(&subnet);
    let cases: Vec<(Value, &str, &str)> = vec![
        // The documented default-service-CIDR trap: 10.0.0.0/16 vs a 10.0.0.0/16 node subnet.
        (
            with(
                base.clone(),
                "/properties/networkProfile/serviceCidr",
                json!("10.1.0.0/16"),
            ),
            "DnsServiceIpOutOfServiceCidr",
            "networkProfile.dnsServiceIP",
        ),
        (
            with(
                with(
                    base.clone(),
                    "/properties/networkProfile/serviceCidr",
                    json!("10.1.0.0/16"),
                ),
                "/properties/networkProfile/dnsServiceIP",
                json!("10.1.0.10"),
            ),
            "ServiceCidrOverlapExistingSubnetsCidr",
            "networkProfile.serviceCIDR",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/podCidr",
                json!("10.2.0.0/16"),
            ),
            "NetworkProfileCIDROverlapVNET",
            "networkProfile.podCIDR",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/networkPolicy",
                json!("azure"),
            ),
            "CiliumDataplaneRequiresNetworkPolicyCilium",
            "networkProfile.networkPolicy",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/networkPolicy",
                json!("calico"),
            ),
            "CiliumDataplaneRequiresNetworkPolicyCilium",
            "networkProfile.networkPolicy",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/dnsServiceIP",
                json!("10.97.0.10"),
            ),
            "DnsServiceIpOutOfServiceCidr",
            "networkProfile.dnsServiceIP",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/dnsServiceIP",
                json!("10.96.0.1"),
            ),
            "InvalidDnsServiceIP",
            "networkProfile.dnsServiceIP",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/dnsServiceIP",
                json!("10.96.0.0"),
            ),
            "InvalidDnsServiceIP",
            "networkProfile.dnsServiceIP",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/serviceCidr",
                json!("not-a-cidr"),
            ),
            "CidrStringParseError",
            "networkProfile.serviceCIDR",
        ),
        (
            with(
                base.clone(),
                "/properties/kubernetesVersion",
                json!("1.20.7"),
            ),
            "AgentPoolK8sVersionNotSupported",
            "properties.kubernetesVersion",
        ),
        (
            with(
                base.clone(),
                "/properties/agentPoolProfiles/0/vnetSubnetID",
                json!(sim.subnet_id("rg", "v", "missing")),
            ),
            "SubnetNotFound",
            "agentPoolProfiles[system].vnetSubnetID",
        ),
        (
            with(
                base.clone(),
                "/properties/agentPoolProfiles/0/mode",
                json!("User"),
            ),
            "MustDefineAtLeastOneSystemPool",
            "properties.agentPoolProfiles",
        ),
        (
            with(
                base.clone(),
                "/properties/agentPoolProfiles/0/name",
                json!("System-Pool"),
            ),
            "InvalidParameter",
            "agentPoolProfiles[System-Pool].name",
        ),
    ];
    for (body, reason, target) in cases {
        let r = sim.put(&path, AKS, body).await;
        assert_eq!(r.status, 400, "{reason}: {}", body_text(&r));
        // AKS's own validation reasons come as BadRequest with the reason as the subcode;
        // InvalidParameter is a code of its own.
        let (code, subcode) = match reason {
            "InvalidParameter" => ("InvalidParameter", None),
            reason => ("BadRequest", Some(reason)),
        };
        assert_eq!(r.error_code().as_deref(), Some(code), "{}", body_text(&r));
        assert_eq!(r.error_subcode().as_deref(), subcode, "{}", body_text(&r));
        assert_eq!(r.json()["error"]["target"], target, "{reason}");
    }
    // Cilium dataplane with policy "none" and the default service CIDR outside the VNet are fine.
    sim.create_rg("rg2", "westeurope").await;
    sim.vnet("rg2", "v", "172.16.0.0/16", "nodes", "172.16.0.0/20")
        .await;
    let body = without(
        without(
            cluster_body(&sim.subnet_id("rg2", "v", "nodes")),
            "/properties/networkProfile/serviceCidr",
        ),
        "/properties/networkProfile/dnsServiceIP",
    );
    let body = with(
        body,
        "/properties/networkProfile/networkPolicy",
        json!("none"),
    );
    let done = sim.put_and_wait(&sim.aks("rg2", "ok"), AKS, body).await;
    assert_eq!(
        done["properties"]["networkProfile"]["serviceCidr"],
        "10.0.0.0/16"
    );
    assert_eq!(
        done["properties"]["networkProfile"]["dnsServiceIP"],
        "10.0.0.10"
    );
    assert_eq!(
        sim.get(&path, AKS).await.status,
        404,
        "no rejected PUT created anything"
    );
}

/// The shape AKS answers a validation error with: code BadRequest, the reason as the subcode,
/// the property as the target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aks_validation_errors_carry_the_reason_as_subcode() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let body = with(
        cluster_body(&subnet),
        "/properties/networkProfile/networkPolicy",
        json!("calico"),
    );
    let r = sim.put(&sim.aks("rg", "c1"), AKS, body).await;
    assert_eq!(r.status, 400);
    let error = &r.json()["error"];
    assert_eq!(error["code"], "BadRequest", "{error}");
    assert_eq!(
        error["subcode"],
        "CiliumDataplaneRequiresNetworkPolicyCilium"
    );
    assert_eq!(error["target"], "networkProfile.networkPolicy");
    assert!(error["message"].as_str().unwrap().contains("cilium"));
}

/// Microsoft: the service range must be smaller than /12, so /12 itself is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_range_must_be_smaller_than_a_slash_12() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "172.16.0.0/16", "nodes", "172.16.0.0/20")
        .await;
    let subnet = sim.subnet_id("rg", "v", "nodes");
    let service = |cidr: &str, dns: &str| {
        with(
            with(
                cluster_body(&subnet),
                "/properties/networkProfile/serviceCidr",
                json!(cidr),
            ),
            "/properties/networkProfile/dnsServiceIP",
            json!(dns),
        )
    };
    for (cidr, dns) in [
        ("10.64.0.0/11", "10.64.0.10"),
        ("10.96.0.0/12", "10.96.0.10"),
    ] {
        let r = sim.put(&sim.aks("rg", "c1"), AKS, service(cidr, dns)).await;
        assert_eq!(r.status, 400, "{cidr}: {}", body_text(&r));
        assert_eq!(r.json()["error"]["target"], "networkProfile.serviceCidr");
        assert!(
            body_text(&r).contains("smaller than /12"),
            "{}",
            body_text(&r)
        );
    }
    let done = sim
        .put_and_wait(
            &sim.aks("rg", "c1"),
            AKS,
            service("10.96.0.0/13", "10.96.0.10"),
        )
        .await;
    assert_eq!(
        done["properties"]["networkProfile"]["serviceCidr"],
        "10.96.0.0/13"
    );
}

/// maxPods is 10 to 250, and under 30 only when the pool has room for 30 pods.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_needs_room_for_30_pods() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let pool = |max_pods: i64, count: i64| {
        with(
            with(
                cluster_body(&subnet),
                "/properties/agentPoolProfiles/0/maxPods",
                json!(max_pods),
            ),
            "/properties/agentPoolProfiles/0/count",
            json!(count),
        )
    };
    for (max_pods, count) in [(9, 10), (10, 2), (14, 2), (29, 1)] {
        let r = sim
            .put(&sim.aks("rg", "c1"), AKS, pool(max_pods, count))
            .await;
        assert_eq!(
            r.status,
            400,
            "maxPods {max_pods} × {count}: {}",
            body_text(&r)
        );
        assert_eq!(
            r.json()["error"]["target"],
            "agentPoolProfiles[system].maxPods"
        );
    }
    let done = sim
        .put_and_wait(&sim.aks("rg", "c1"), AKS, pool(10, 3))
        .await;
    assert_eq!(done["properties"]["agentPoolProfiles"][0]["maxPods"], 10);
    // Scaling the pool below room for 30 pods is refused too.
    let r = sim.put(&sim.aks("rg", "c1"), AKS, pool(10, 2)).await;
    assert_eq!(r.status, 400, "{}", body_text(&r));
}

/// Learn: the Premium tier and the AKSLongTermSupport plan are enabled and disabled together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn premium_tier_and_long_term_support_go_together() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let tiered = |tier: &str, plan: Option<&str>| {
        let body = with(cluster_body(&subnet), "/sku/tier", json!(tier));
        match plan {
            Some(plan) => with(body, "/properties/supportPlan", json!(plan)),
            None => body,
        }
    };
    let refused = [
        ("Premium", None),
        ("Premium", Some("KubernetesOfficial")),
        ("Standard", Some("AKSLongTermSupport")),
        ("Free", Some("AKSLongTermSupport")),
    ];
    for (tier, plan) in refused {
        let r = sim.put(&sim.aks("rg", "c1"), AKS, tiered(tier, plan)).await;
        assert_eq!(r.status, 400, "{tier} {plan:?}: {}", body_text(&r));
        assert_eq!(r.json()["error"]["target"], "properties.supportPlan");
        assert!(body_text(&r).contains("together"), "{}", body_text(&r));
    }
    let path = sim.aks("rg", "c1");
    let done = sim
        .put_and_wait(&path, AKS, tiered("Premium", Some("AKSLongTermSupport")))
        .await;
    assert_eq!(done["sku"]["tier"], "Premium");
    assert_eq!(done["properties"]["supportPlan"], "AKSLongTermSupport");
    // Leaving Premium keeps LTS unless the plan is changed too.
    let r = sim.put(&path, AKS, tiered("Standard", None)).await;
    assert_eq!(r.status, 400, "{}", body_text(&r));
    let done = sim
        .put_and_wait(&path, AKS, tiered("Standard", Some("KubernetesOfficial")))
        .await;
    assert_eq!(done["properties"]["supportPlan"], "KubernetesOfficial");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_service_cidr_collides_with_a_10_0_node_subnet() {
    let sim = start(0.001).await;
    sim.create_rg("rg", "westeurope").await;
    sim.vnet("rg", "v", "10.0.0.0/14", "nodes", "10.0.0.0/16")
        .await;
    let body = without(
        without(
            cluster_body(&sim.subnet_id("rg", "v", "nodes")),
            "/properties/networkProfile/serviceCidr",
        ),
        "/properties/networkProfile/dnsServiceIP",
    );
    let r = sim.put(&sim.aks("rg", "c"), AKS, body).await;
    assert_eq!(r.error_code().as_deref(), Some("BadRequest"));
    assert_eq!(
        r.error_subcode().as_deref(),
        Some("ServiceCidrOverlapExistingSubnetsCidr")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immutable_fields_cannot_change() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    sim.vnet("rg", "other", "172.20.0.0/16", "nodes", "172.20.0.0/20")
        .await;
    let path = sim.aks("rg", "c1");
    let base = cluster_body(&subnet);
    sim.put_and_wait(&path, AKS, base.clone()).await;
    let cases: Vec<(Value, &str)> = vec![
        (with(base.clone(), "/location", json!("eastus")), "location"),
        (
            with(base.clone(), "/properties/dnsPrefix", json!("other")),
            "properties.dnsPrefix",
        ),
        (
            with(
                with(
                    base.clone(),
                    "/properties/networkProfile/serviceCidr",
                    json!("10.98.0.0/16"),
                ),
                "/properties/networkProfile/dnsServiceIP",
                json!("10.98.0.10"),
            ),
            "networkProfile.serviceCidr",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/dnsServiceIP",
                json!("10.96.0.11"),
            ),
            "networkProfile.dnsServiceIP",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/networkPolicy",
                json!("none"),
            ),
            "networkProfile.networkPolicy",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/podCidr",
                json!("10.32.0.0/14"),
            ),
            "networkProfile.podCidr",
        ),
        (
            with(
                base.clone(),
                "/properties/networkProfile/podCidr",
                json!("10.40.0.0/13"),
            ),
            "networkProfile.podCidr",
        ),
        (
            with(
                base.clone(),
                "/properties/nodeResourceGroup",
                json!("custom-nodes"),
            ),
            "properties.nodeResourceGroup",
        ),
        (
            with(base.clone(), "/properties/enableRBAC", json!(false)),
            "properties.enableRBAC",
        ),
        (
            with(
                base.clone(),
                "/properties/agentPoolProfiles/0/vmSize",
                json!("Standard_D8s_v5"),
            ),
            "agentPoolProfile.vmSize",
        ),
        (
            with(
                base.clone(),
                "/properties/agentPoolProfiles/0/vnetSubnetID",
                json!(sim.subnet_id("rg", "other", "nodes")),
            ),
            "agentPoolProfile.vnetSubnetID",
        ),
        (
            with(
                base.clone(),
                "/properties/agentPoolProfiles/0/maxPods",
                json!(200),
            ),
            "agentPoolProfile.maxPods",
        ),
    ];
    for (body, target) in cases {
        let r = sim.put(&path, AKS, body).await;
        assert_eq!(r.status, 400, "{target}: {}", body_text(&r));
        assert_eq!(
            r.error_code().as_deref(),
            Some("PropertyChangeNotAllowed"),
            "{target}: {}",
            body_text(&r)
        );
        assert_eq!(r.json()["error"]["target"], target);
    }
    // A pure expansion of the overlay pod CIDR is allowed.
    let expanded = sim
        .put_and_wait(
            &path,
            AKS,
            with(
                base.clone(),
                "/properties/networkProfile/podCidr",
                json!("10.32.0.0/12"),
            ),
        )
        .await;
    assert_eq!(expanded["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        expanded["properties"]["networkProfile"]["podCidr"],
        "10.32.0.0/12"
    );
    // Upgrades go one minor version at a time and never down.
    let r = sim
        .put(
            &path,
            AKS,
            with(base.clone(), "/properties/kubernetesVersion", json!("1.33")),
        )
        .await;
    assert_eq!(r.status, 400);
}

/// An update that leaves out the version or maxPods keeps the cluster's values, as AKS does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn omitted_version_and_max_pods_keep_their_values() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    let mut body = cluster_body(&subnet);
    body["properties"]["kubernetesVersion"] = json!("1.33");
    sim.put_and_wait(&path, AKS, body.clone()).await;
    let properties = body["properties"].as_object_mut().unwrap();
    properties.remove("kubernetesVersion");
    properties["agentPoolProfiles"][0]
        .as_object_mut()
        .unwrap()
        .remove("maxPods");
    properties["agentPoolProfiles"][0]["count"] = json!(3);
    let updated = sim.put_and_wait(&path, AKS, body).await;
    assert_eq!(updated["properties"]["provisioningState"], "Succeeded");
    assert_eq!(updated["properties"]["kubernetesVersion"], "1.33");
    let pool = &updated["properties"]["agentPoolProfiles"][0];
    assert_eq!(pool["maxPods"], 110);
    assert_eq!(pool["count"], 3);
    // The agentPools endpoint behaves the same.
    let pool_path = format!("{path}/agentPools/system");
    let pool = sim
        .put_and_wait(
            &pool_path,
            AKS,
            json!({"properties": {"mode": "System", "count": 3, "vmSize": "Standard_D4s_v5", "osType": "Linux", "type": "VirtualMachineScaleSets", "vnetSubnetID": subnet}}),
        )
        .await;
    assert_eq!(pool["properties"]["maxPods"], 110);
    let r = sim
        .put(
            &pool_path,
            AKS,
            json!({"properties": {"mode": "System", "count": 3, "vmSize": "Standard_D4s_v5", "osType": "Linux", "type": "VirtualMachineScaleSets", "maxPods": 30, "vnetSubnetID": subnet}}),
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("PropertyChangeNotAllowed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supported_in_place_migrations_pass() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    // Azure CNI (node subnet) with the azure dataplane.
    let mut body = cluster_body(&subnet);
    body["properties"]["networkProfile"] = json!({
        "networkPlugin": "azure", "networkDataplane": "azure", "networkPolicy": "none",
        "serviceCidr": "10.96.0.0/16", "dnsServiceIP": "10.96.0.10"
    });
    let created = sim.put_and_wait(&path, AKS, body.clone()).await;
    assert!(created["properties"]["networkProfile"]
        .get("networkPluginMode")
        .is_none());
    assert_eq!(
        created["properties"]["agentPoolProfiles"][0]["maxPods"],
        110
    );
    // The plugin itself is immutable (kubenet is no migration target).
    let mut kubenet = body.clone();
    kubenet["properties"]["networkProfile"]["networkPlugin"] = json!("kubenet");
    let r = sim.put(&path, AKS, kubenet).await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("PropertyChangeNotAllowed"),
        "{}",
        body_text(&r)
    );
    assert_eq!(r.json()["error"]["target"], "networkProfile.networkPlugin");
    // → overlay, then azure → cilium dataplane (with cilium policy).
    body["properties"]["networkProfile"]["networkPluginMode"] = json!("overlay");
    body["properties"]["networkProfile"]["podCidr"] = json!("10.32.0.0/13");
    let migrated = sim.put_and_wait(&path, AKS, body.clone()).await;
    assert_eq!(migrated["properties"]["provisioningState"], "Succeeded");
    body["properties"]["networkProfile"]["networkDataplane"] = json!("cilium");
    body["properties"]["networkProfile"]["networkPolicy"] = json!("cilium");
    let upgraded = sim.put_and_wait(&path, AKS, body.clone()).await;
    assert_eq!(
        upgraded["properties"]["networkProfile"]["networkDataplane"],
        "cilium"
    );
    // cilium → azure is not supported.
    body["properties"]["networkProfile"]["networkDataplane"] = json!("azure");
    body["properties"]["networkProfile"]["networkPolicy"] = json!("none");
    let r = sim.put(&path, AKS, body).await;
    assert_eq!(r.error_code().as_deref(), Some("PropertyChangeNotAllowed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_a_cluster_operation_get_operation_not_allowed() {
    let sim = start(0.01).await; // create takes 3.6 s
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    let first = sim.put(&path, AKS, cluster_body(&subnet)).await;
    assert_eq!(first.status, 201);
    let r = sim.put(&path, AKS, cluster_body(&subnet)).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code().as_deref(), Some("OperationNotAllowed"));
    let r = sim.delete(&path, AKS).await;
    assert_eq!(r.status, 409);
    let r = sim
        .put(&format!("{path}/agentPools/user1"), AKS, json!({"properties": {"count": 1, "vmSize": "Standard_D4s_v5", "mode": "User", "vnetSubnetID": subnet}}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code().as_deref(), Some("OperationNotAllowed"));
    let status = sim
        .client
        .get(first.header("azure-asyncoperation").unwrap())
        .await
        .unwrap()
        .json();
    assert_eq!(status["status"], "InProgress");
    assert!(status["percentComplete"].as_f64().unwrap() < 100.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_cluster_user_credential_returns_a_kubeconfig() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    let cluster = sim.put_and_wait(&path, AKS, cluster_body(&subnet)).await;
    let r = sim
        .client
        .post(
            &with_api(&format!("{path}/listClusterUserCredential"), AKS),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", body_text(&r));
    let body = r.json();
    assert_eq!(body["kubeconfigs"][0]["name"], "clusterUser");
    let yaml = base64::engine::general_purpose::STANDARD
        .decode(body["kubeconfigs"][0]["value"].as_str().unwrap())
        .unwrap();
    let yaml = String::from_utf8(yaml).unwrap();
    assert!(
        yaml.contains(&format!(
            "server: https://{}:443",
            cluster["properties"]["fqdn"].as_str().unwrap()
        )),
        "{yaml}"
    );
    assert!(yaml.contains("kind: Config"));
    let r = sim
        .client
        .post(
            &with_api(
                &format!("{}/listClusterUserCredential", sim.aks("rg", "none")),
                AKS,
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_pools_are_child_resources_too() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    sim.put_and_wait(&path, AKS, cluster_body(&subnet)).await;
    let pool = format!("{path}/agentPools/user1");
    let body = json!({"properties": {"count": 1, "vmSize": "Standard_D4s_v5", "mode": "User", "vnetSubnetID": subnet}});
    let created = sim.put_and_wait(&pool, AKS, body.clone()).await;
    assert_eq!(
        created["type"],
        "Microsoft.ContainerService/managedClusters/agentPools"
    );
    assert_eq!(created["properties"]["maxPods"], 250);
    let cluster = sim.get(&path, AKS).await.json();
    assert_eq!(
        cluster["properties"]["agentPoolProfiles"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let list = sim.get(&format!("{path}/agentPools"), AKS).await.json();
    assert_eq!(list["value"].as_array().unwrap().len(), 2);
    let r = sim
        .put(
            &pool,
            AKS,
            with(body, "/properties/vmSize", json!("Standard_E4s_v5")),
        )
        .await;
    assert_eq!(r.error_code().as_deref(), Some("PropertyChangeNotAllowed"));
    assert_eq!(r.json()["error"]["target"], "agentPoolProfile.vmSize");
    let r = sim.delete(&format!("{path}/agentPools/system"), AKS).await;
    assert_eq!(r.error_code().as_deref(), Some("BadRequest"));
    assert_eq!(
        r.error_subcode().as_deref(),
        Some("MustDefineAtLeastOneSystemPool")
    );
    sim.delete_and_wait(&pool, AKS).await;
    // An inline list without a pool leaves it alone (Azure/AKS#1511); tests/agent_pools.rs has more.
    sim.put_and_wait(&pool, AKS, json!({"properties": {"count": 1, "mode": "User", "vmSize": "Standard_D4s_v5", "vnetSubnetID": subnet}})).await;
    let after = sim.put_and_wait(&path, AKS, cluster_body(&subnet)).await;
    assert_eq!(
        after["properties"]["agentPoolProfiles"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_versions_are_listed_per_location() {
    let sim = start(0.001).await;
    let r = sim
        .get(
            &format!(
                "{}/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions",
                sim.sub
            ),
            AKS,
        )
        .await;
    assert_eq!(r.status, 200, "{}", body_text(&r));
    let values = r.json()["values"].as_array().cloned().unwrap();
    let default: Vec<&Value> = values.iter().filter(|v| v["isDefault"] == true).collect();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0]["version"], "1.34");
    assert!(default[0]["patchVersions"]["1.34.2"]["upgrades"]
        .as_array()
        .unwrap()
        .contains(&json!("1.35.0")));
}

/// Authorized ranges: IPv4 addresses or CIDRs, at most 200, not on a private cluster; they
/// change in place and an empty list lifts the restriction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_server_authorized_ranges() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    let ranges = |value: Value| {
        with(
            cluster_body(&subnet),
            "/properties/apiServerAccessProfile",
            json!({"authorizedIPRanges": value}),
        )
    };
    let too_many: Vec<String> = (0..201).map(|i| format!("20.0.{i}.0/24")).collect();
    let refused = [
        (json!(too_many), "greater than the allowed value 200"),
        (json!(["2001:db8::/32"]), "'2001:db8::/32' is invalid"),
        (json!(["73.140.245.0/33"]), "is invalid"),
        (json!(["office"]), "'office' is invalid"),
    ];
    for (value, reason) in refused {
        let r = sim.put(&path, AKS, ranges(value.clone())).await;
        assert_eq!(r.status, 400, "{value}: {}", body_text(&r));
        assert_eq!(r.json()["error"]["code"], "InvalidParameter");
        assert_eq!(
            r.json()["error"]["target"],
            "properties.apiServerAccessProfile.authorizedIPRanges"
        );
        assert!(body_text(&r).contains(reason), "{}", body_text(&r));
    }
    let private = with(
        ranges(json!(["73.140.245.0/24"])),
        "/properties/apiServerAccessProfile/enablePrivateCluster",
        json!(true),
    );
    let r = sim.put(&path, AKS, private).await;
    assert_eq!(r.status, 400, "{}", body_text(&r));
    assert!(body_text(&r).contains("private clusters"));

    let done = sim
        .put_and_wait(
            &path,
            AKS,
            ranges(json!(["73.140.245.0/24", "20.42.25.196"])),
        )
        .await;
    assert_eq!(
        done["properties"]["apiServerAccessProfile"]["authorizedIPRanges"],
        json!(["73.140.245.0/24", "20.42.25.196"])
    );
    let done = sim.put_and_wait(&path, AKS, ranges(json!([]))).await;
    assert_eq!(
        done["properties"]["apiServerAccessProfile"]["authorizedIPRanges"],
        json!([])
    );
}

/// Upgrade channels: the spec's values in their spelling, Azure's defaults when none is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_upgrade_channels() {
    let sim = start(0.001).await;
    let subnet = network(&sim).await;
    let path = sim.aks("rg", "c1");
    let channels = |profile: Value| {
        with(
            cluster_body(&subnet),
            "/properties/autoUpgradeProfile",
            profile,
        )
    };
    for (profile, target) in [
        (
            json!({"upgradeChannel": "weekly"}),
            "properties.autoUpgradeProfile.upgradeChannel",
        ),
        (
            json!({"nodeOSUpgradeChannel": "Nightly"}),
            "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
        ),
    ] {
        let r = sim.put(&path, AKS, channels(profile.clone())).await;
        assert_eq!(r.status, 400, "{profile}: {}", body_text(&r));
        assert_eq!(r.json()["error"]["target"], target);
    }
    let done = sim.put_and_wait(&path, AKS, cluster_body(&subnet)).await;
    assert_eq!(
        done["properties"]["autoUpgradeProfile"],
        json!({"upgradeChannel": "none", "nodeOSUpgradeChannel": "NodeImage"})
    );
    let done = sim
        .put_and_wait(
            &path,
            AKS,
            channels(json!({"upgradeChannel": "Stable", "nodeOSUpgradeChannel": "securitypatch"})),
        )
        .await;
    assert_eq!(
        done["properties"]["autoUpgradeProfile"],
        json!({"upgradeChannel": "stable", "nodeOSUpgradeChannel": "SecurityPatch"})
    );
}
