//! agentPools as AKS runs them: inline pools on a cluster update, system-pool rules, zones per
//! region, immutable fields, counts and the autoscaler, OS disks, Kubernetes versions, and the
//! order of a pool rotation in the request log.

mod common;

use common::*;
use serde_json::{json, Map, Value};

const WEU: &str = "westeurope";

/// A cluster `c1` in `location` (overlay networking, no custom subnet) with one system pool.
fn cluster(location: &str, version: &str) -> Value {
    json!({
        "location": location,
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "dnsPrefix": "c1",
            "kubernetesVersion": version,
            "agentPoolProfiles": [{
                "name": "system", "mode": "System", "count": 2, "vmSize": "Standard_D4s_v5",
                "osType": "Linux"
            }]
        }
    })
}

async fn with_cluster(location: &str, version: &str) -> (Sim, String) {
    let sim = start(0.001).await;
    sim.create_rg("rg", location).await;
    let path = sim.aks("rg", "c1");
    let created = sim
        .put_and_wait(&path, AKS, cluster(location, version))
        .await;
    assert_eq!(created["properties"]["provisioningState"], "Succeeded");
    (sim, path)
}

fn pool_path(cluster: &str, pool: &str) -> String {
    format!("{cluster}/agentPools/{pool}")
}

/// A user pool body with `extra` merged into its properties.
fn user_pool(extra: Value) -> Value {
    let mut props: Map<String, Value> = json!({
        "mode": "User", "count": 1, "vmSize": "Standard_D4s_v5", "osType": "Linux"
    })
    .as_object()
    .cloned()
    .unwrap();
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            props.remove(&k);
        } else {
            props.insert(k, v);
        }
    }
    json!({ "properties": props })
}

/// (case, request or None for a DELETE, code, subcode, target)
type SystemCase = (
    &'static str,
    Option<Value>,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);
/// (case, properties over a user pool, the stored count or (code, target))
type CountCase = (
    &'static str,
    Value,
    Result<i64, (&'static str, &'static str)>,
);
/// (vmSize, osDiskType, osDiskSizeGB, the resulting (type, size) or None for the refusal)
type DiskCase = (
    &'static str,
    Option<&'static str>,
    Option<i64>,
    Option<(&'static str, i64)>,
);

fn pool_names(cluster: &Value) -> Vec<String> {
    let mut names: Vec<String> = cluster["properties"]["agentPoolProfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Asserts an error answer: status, code, and (when given) subcode and target.
fn assert_error(
    r: &azsim::client::ClientResponse,
    case: &str,
    code: &str,
    subcode: Option<&str>,
    target: Option<&str>,
) {
    assert_eq!(r.status, 400, "{case}: {}", body_text(r));
    assert_eq!(
        r.error_code().as_deref(),
        Some(code),
        "{case}: {}",
        body_text(r)
    );
    if let Some(subcode) = subcode {
        assert_eq!(
            r.error_subcode().as_deref(),
            Some(subcode),
            "{case}: {}",
            body_text(r)
        );
    }
    if let Some(target) = target {
        assert_eq!(
            r.json()["error"]["target"],
            target,
            "{case}: {}",
            body_text(r)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_update_changes_only_the_pools_it_names() {
    let (sim, path) = with_cluster(WEU, "1.34").await;
    sim.put_and_wait(&pool_path(&path, "user1"), AKS, user_pool(json!({})))
        .await;

    // The inline list names only the system pool: user1 stays (Azure/AKS#1511).
    let mut body = cluster(WEU, "1.34");
    body["properties"]["agentPoolProfiles"][0]["count"] = json!(3);
    let after = sim.put_and_wait(&path, AKS, body.clone()).await;
    assert_eq!(pool_names(&after), ["system", "user1"]);
    let system = sim.get(&pool_path(&path, "system"), AKS).await.json();
    assert_eq!(system["properties"]["count"], 3, "a named pool is updated");
    let user1 = sim.get(&pool_path(&path, "user1"), AKS).await;
    assert_eq!(user1.status, 200);

    // No list at all keeps every pool.
    let mut no_list = cluster(WEU, "1.34");
    no_list["properties"]
        .as_object_mut()
        .unwrap()
        .remove("agentPoolProfiles");
    let after = sim.put_and_wait(&path, AKS, no_list).await;
    assert_eq!(pool_names(&after), ["system", "user1"]);
    assert_eq!(
        sim.get(&pool_path(&path, "system"), AKS).await.json()["properties"]["count"],
        3
    );

    // A pool the cluster does not have is refused; new pools go through agentPools.
    let mut new_pool = body.clone();
    new_pool["properties"]["agentPoolProfiles"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "user2", "mode": "User", "count": 1, "vmSize": "Standard_D4s_v5"}));
    let r = sim.put(&path, AKS, new_pool).await;
    assert_error(
        &r,
        "new inline pool",
        "BadRequest",
        Some(""),
        Some("agentPoolProfiles"),
    );
    assert!(body_text(&r).contains("A new agent pool was introduced"));
    assert_eq!(sim.get(&pool_path(&path, "user2"), AKS).await.status, 404);

    // Inline pools follow the agentPools API's immutable fields.
    let mut resized = body.clone();
    resized["properties"]["agentPoolProfiles"][0]["vmSize"] = json!("Standard_D8s_v5");
    let r = sim.put(&path, AKS, resized).await;
    assert_error(
        &r,
        "inline vmSize",
        "PropertyChangeNotAllowed",
        Some(""),
        Some("agentPoolProfile.vmSize"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_always_keeps_a_linux_system_pool() {
    let (sim, path) = with_cluster(WEU, "1.34").await;
    let system = pool_path(&path, "system");
    let system_body = |mode: &str| json!({"properties": {"mode": mode, "count": 2, "vmSize": "Standard_D4s_v5", "osType": "Linux"}});
    let cases: Vec<SystemCase> = vec![
        (
            "delete the last system pool",
            None,
            "BadRequest",
            Some("MustDefineAtLeastOneSystemPool"),
            None,
        ),
        (
            "last system pool to User",
            Some(system_body("User")),
            "BadRequest",
            Some("MustDefineAtLeastOneSystemPool"),
            None,
        ),
        (
            "system pool with no nodes",
            Some(
                json!({"properties": {"mode": "System", "count": 0, "vmSize": "Standard_D4s_v5"}}),
            ),
            "InvalidParameter",
            None,
            Some("agentPoolProfile.count"),
        ),
        (
            "autoscaled system pool from 0",
            Some(
                json!({"properties": {"mode": "System", "count": 1, "vmSize": "Standard_D4s_v5",
                "enableAutoScaling": true, "minCount": 0, "maxCount": 3}}),
            ),
            "InvalidParameter",
            None,
            Some("agentPoolProfile.minCount"),
        ),
    ];
    for (case, request, code, subcode, target) in cases {
        let r = match request {
            Some(body) => sim.put(&system, AKS, body).await,
            None => sim.delete(&system, AKS).await,
        };
        assert_error(&r, case, code, subcode, target);
    }
    // A Windows pool cannot be a system pool.
    let r = sim
        .put(
            &pool_path(&path, "win1"),
            AKS,
            json!({"properties": {"mode": "System", "count": 1, "osType": "Windows", "vmSize": "Standard_D4s_v5"}}),
        )
        .await;
    assert_error(
        &r,
        "windows system pool",
        "InvalidParameter",
        None,
        Some("properties.mode"),
    );
    // A user pool may have no nodes.
    let empty = sim
        .put_and_wait(
            &pool_path(&path, "user0"),
            AKS,
            user_pool(json!({"count": 0})),
        )
        .await;
    assert_eq!(empty["properties"]["count"], 0);
    // With a second system pool the first may become a user pool and then go.
    sim.put_and_wait(&pool_path(&path, "system2"), AKS, system_body("System"))
        .await;
    let demoted = sim.put_and_wait(&system, AKS, system_body("User")).await;
    assert_eq!(demoted["properties"]["mode"], "User");
    sim.delete_and_wait(&system, AKS).await;
    let r = sim.delete(&pool_path(&path, "system2"), AKS).await;
    assert_error(
        &r,
        "now system2 is the last",
        "BadRequest",
        Some("MustDefineAtLeastOneSystemPool"),
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_zones_need_a_region_that_has_them() {
    // (location, zones, expected error code or None)
    let cases: &[(&str, Value, Option<&str>)] = &[
        ("westeurope", json!(["1", "2", "3"]), None),
        ("westus2", json!(["2"]), None),
        ("westus", json!(["1"]), Some("AvailabilityZoneNotSupported")),
        (
            "northcentralus",
            json!(["1", "2"]),
            Some("AvailabilityZoneNotSupported"),
        ),
        ("westus", json!([]), None),
        ("westeurope", json!(["4"]), Some("InvalidParameter")),
        ("westeurope", json!(["1", "1"]), Some("InvalidParameter")),
        ("westeurope", json!([1]), Some("InvalidParameter")),
    ];
    let sim = start(0.001).await;
    for (i, (location, zones, expected)) in cases.iter().enumerate() {
        let rg = format!("rg{i}");
        sim.create_rg(&rg, location).await;
        let path = sim.aks(&rg, "c1");
        let mut body = cluster(location, "1.34");
        body["properties"]["agentPoolProfiles"][0]["availabilityZones"] = zones.clone();
        let r = sim.put(&path, AKS, body).await;
        let case = format!("{location} {zones}");
        match expected {
            None => {
                assert_eq!(r.status, 201, "{case}: {}", body_text(&r));
                let done = sim.wait_terminal(&path, AKS).await;
                let got = &done["properties"]["agentPoolProfiles"][0]["availabilityZones"];
                assert_eq!(got, zones, "{case}");
            }
            Some(code) => {
                assert_error(&r, &case, code, None, None);
                if *code == "AvailabilityZoneNotSupported" {
                    assert_eq!(
                        r.json()["error"]["target"],
                        "agentPoolProfile.availabilityZone"
                    );
                    assert!(body_text(&r).contains(location), "{case}");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immutable_pool_fields_are_refused_and_the_rest_change_in_place() {
    let sim = start(0.001).await;
    sim.create_rg("rg", WEU).await;
    sim.vnet("rg", "v", "10.0.0.0/14", "nodes", "10.1.0.0/16")
        .await;
    sim.put_and_wait(
        &sim.net("rg", "virtualNetworks/v/subnets/nodes2"),
        NET,
        json!({"properties": {"addressPrefix": "10.2.0.0/16"}}),
    )
    .await;
    let nodes = sim.subnet_id("rg", "v", "nodes");
    let nodes2 = sim.subnet_id("rg", "v", "nodes2");
    let path = sim.aks("rg", "c1");
    sim.put_and_wait(&path, AKS, cluster_body(&nodes)).await;
    let pool = pool_path(&path, "np1");
    let base = json!({
        "vmSize": "Standard_D8ds_v5",
        "vnetSubnetID": nodes, "availabilityZones": ["1", "2"], "osDiskType": "Managed",
        "osDiskSizeGB": 128, "maxPods": 110, "osSKU": "Ubuntu"
    });
    let created = sim.put_and_wait(&pool, AKS, user_pool(base.clone())).await;
    assert_eq!(created["properties"]["provisioningState"], "Succeeded");

    let merged = |change: Value| {
        let mut props = base.as_object().cloned().unwrap();
        for (k, v) in change.as_object().cloned().unwrap() {
            props.insert(k, v);
        }
        user_pool(Value::Object(props))
    };
    // (change, the property AKS names)
    let refused: Vec<(Value, &str)> = vec![
        (json!({"vmSize": "Standard_D8s_v5"}), "vmSize"),
        (json!({"availabilityZones": ["1"]}), "availabilityZones"),
        (json!({"osDiskType": "Ephemeral"}), "osDiskType"),
        (json!({"osDiskSizeGB": 256}), "osDiskSizeGB"),
        (json!({"maxPods": 60}), "maxPods"),
        (
            json!({"osType": "Windows", "osSKU": "Windows2022"}),
            "OSType",
        ),
        (json!({"vnetSubnetID": nodes2}), "vnetSubnetID"),
        (json!({"osSKU": "Flatcar"}), "OSSKU"),
    ];
    for (change, property) in refused {
        let case = change.to_string();
        let r = sim.put(&pool, AKS, merged(change)).await;
        assert_error(
            &r,
            &case,
            "PropertyChangeNotAllowed",
            Some(""),
            Some(&format!("agentPoolProfile.{property}")),
        );
        assert!(
            body_text(&r).contains(&format!(
                "Changing property 'agentPoolProfile.{property}' is not allowed."
            )),
            "{case}"
        );
    }
    // Zone order is no change.
    let same = sim
        .put_and_wait(&pool, AKS, merged(json!({"availabilityZones": ["2", "1"]})))
        .await;
    assert_eq!(same["properties"]["provisioningState"], "Succeeded");

    // In place: count, autoscaler, labels, and a Linux OS SKU migration (Learn "Upgrade OS
    // versions in AKS").
    let changed = sim
        .put_and_wait(
            &pool,
            AKS,
            merged(json!({"count": 3, "nodeLabels": {"tier": "web"}, "osSKU": "AzureLinux"})),
        )
        .await;
    let p = &changed["properties"];
    assert_eq!(p["count"], 3);
    assert_eq!(p["osSKU"], "AzureLinux");
    assert!(
        p["nodeImageVersion"]
            .as_str()
            .unwrap()
            .starts_with("AKSAzureLinux-V3"),
        "{p}"
    );
    let back = sim
        .put_and_wait(&pool, AKS, merged(json!({"osSKU": "Ubuntu2404"})))
        .await;
    assert_eq!(back["properties"]["osSKU"], "Ubuntu2404");
    // Leaving immutable fields out keeps them.
    let sparse = sim
        .put_and_wait(&pool, AKS, json!({"properties": {"count": 2}}))
        .await;
    let p = &sparse["properties"];
    assert_eq!(p["maxPods"], 110);
    assert_eq!(p["vmSize"], "Standard_D8ds_v5");
    assert_eq!(p["osDiskType"], "Managed");
    assert_eq!(p["availabilityZones"], json!(["1", "2"]));
    assert_eq!(p["mode"], "User");
    assert_eq!(p["count"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_and_autoscaler_bounds() {
    let (sim, path) = with_cluster(WEU, "1.34").await;
    let cases: Vec<CountCase> = vec![
        ("user pool of 1000", json!({"count": 1000}), Ok(1000)),
        (
            "1001 nodes",
            json!({"count": 1001}),
            Err(("InvalidParameter", "agentPoolProfile.count")),
        ),
        (
            "negative",
            json!({"count": -1}),
            Err(("InvalidParameter", "agentPoolProfile.count")),
        ),
        (
            "autoscaler without minCount",
            json!({"enableAutoScaling": true, "maxCount": 3}),
            Err(("InvalidParameter", "agentPoolProfile.minCount")),
        ),
        (
            "autoscaler without maxCount",
            json!({"enableAutoScaling": true, "minCount": 1}),
            Err(("InvalidParameter", "agentPoolProfile.maxCount")),
        ),
        (
            "minCount above maxCount",
            json!({"enableAutoScaling": true, "minCount": 4, "maxCount": 3}),
            Err(("InvalidParameter", "agentPoolProfile.minCount")),
        ),
        (
            "maxCount above 1000",
            json!({"enableAutoScaling": true, "minCount": 1, "maxCount": 1001}),
            Err(("InvalidParameter", "agentPoolProfile.maxCount")),
        ),
        (
            "bounds without the autoscaler",
            json!({"minCount": 1, "maxCount": 3}),
            Err(("InvalidParameter", "agentPoolProfile.minCount")),
        ),
        (
            "autoscaled create without count (agentPools API)",
            json!({"enableAutoScaling": true, "minCount": 1, "maxCount": 3, "count": null}),
            Err(("InvalidParameter", "properties.count")),
        ),
        (
            "count outside the bounds is accepted (AgentPools_Update.json)",
            json!({"enableAutoScaling": true, "minCount": 2, "maxCount": 2, "count": 3}),
            Ok(3),
        ),
        (
            "user pool scaled to zero by the autoscaler",
            json!({"enableAutoScaling": true, "minCount": 0, "maxCount": 5, "count": 0}),
            Ok(0),
        ),
    ];
    for (i, (case, props, expected)) in cases.into_iter().enumerate() {
        let pool = pool_path(&path, &format!("p{i}"));
        let body = user_pool(props);
        match expected {
            Ok(count) => {
                let done = sim.put_and_wait(&pool, AKS, body).await;
                assert_eq!(done["properties"]["count"], count, "{case}");
                sim.delete_and_wait(&pool, AKS).await;
            }
            Err((code, target)) => {
                let r = sim.put(&pool, AKS, body).await;
                assert_error(&r, case, code, None, Some(target));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn os_disk_type_and_size_follow_the_vm_size() {
    let (sim, path) = with_cluster(WEU, "1.34").await;
    let cases: &[DiskCase] = &[
        ("Standard_D8ds_v5", None, None, Some(("Ephemeral", 300))),
        ("Standard_D4ds_v5", None, None, Some(("Ephemeral", 150))),
        ("Standard_E4ds_v5", None, None, Some(("Ephemeral", 150))),
        ("Standard_D4ads_v5", None, None, Some(("Ephemeral", 150))),
        ("Standard_D2ads_v5", None, None, Some(("Managed", 128))),
        ("Standard_D2ads_v5", None, Some(64), Some(("Ephemeral", 64))),
        ("Standard_DS2_v2", None, None, Some(("Managed", 128))),
        ("Standard_DS2_v2", None, Some(86), Some(("Ephemeral", 86))),
        ("Standard_DS2_v2", Some("Ephemeral"), None, None),
        (
            "Standard_DS2_v2",
            Some("Ephemeral"),
            Some(80),
            Some(("Ephemeral", 80)),
        ),
        ("Standard_D2s_v3", None, None, Some(("Managed", 128))),
        ("Standard_D2s_v3", None, Some(50), Some(("Ephemeral", 50))),
        ("Standard_D4s_v5", None, None, Some(("Managed", 128))),
        ("Standard_D8s_v5", None, None, Some(("Managed", 256))),
        ("Standard_D4s_v5", Some("Ephemeral"), Some(64), None),
        ("Standard_B2s", Some("Ephemeral"), Some(30), None),
        (
            "Standard_D8ds_v5",
            Some("Managed"),
            None,
            Some(("Managed", 256)),
        ),
        ("Standard_D8ds_v5", None, Some(512), Some(("Managed", 512))),
        // Unknown sizes are taken as asked.
        (
            "Standard_Z9_v9",
            Some("Ephemeral"),
            Some(500),
            Some(("Ephemeral", 500)),
        ),
        ("Standard_Z9_v9", None, None, Some(("Managed", 128))),
    ];
    for (i, (vm, kind, size, expected)) in cases.iter().enumerate() {
        let case = format!("{vm} {kind:?} {size:?}");
        let pool = pool_path(&path, &format!("d{i}"));
        let body = user_pool(json!({"vmSize": vm, "osDiskType": kind, "osDiskSizeGB": size}));
        match expected {
            Some((kind, size)) => {
                let done = sim.put_and_wait(&pool, AKS, body).await;
                assert_eq!(done["properties"]["osDiskType"], *kind, "{case}");
                assert_eq!(done["properties"]["osDiskSizeGB"], *size, "{case}");
                sim.delete_and_wait(&pool, AKS).await;
            }
            None => {
                let r = sim.put(&pool, AKS, body).await;
                assert_error(&r, &case, "VMCacheSizeTooSmall", None, None);
                assert!(body_text(&r)
                    .contains("Use a VM size with larger cache or disable ephemeral OS."));
            }
        }
    }
    for size in [29, 2049] {
        let r = sim
            .put(
                &pool_path(&path, "small"),
                AKS,
                user_pool(json!({"osDiskSizeGB": size})),
            )
            .await;
        assert_error(
            &r,
            &format!("{size} GB"),
            "InvalidParameter",
            None,
            Some("properties.osDiskSizeGB"),
        );
    }
    // The default OS SKU of a Linux pool is Ubuntu (22.04 images before Kubernetes 1.35).
    let system = sim.get(&pool_path(&path, "system"), AKS).await.json();
    assert_eq!(system["properties"]["osSKU"], "Ubuntu");
    assert!(system["properties"]["nodeImageVersion"]
        .as_str()
        .unwrap()
        .starts_with("AKSUbuntu-2204"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_autoscaler_route_changes_an_autoscaled_pools_count() {
    let (sim, path) = with_cluster(WEU, "1.34").await;
    let auto = pool_path(&path, "auto");
    sim.put_and_wait(
        &auto,
        AKS,
        user_pool(json!({"enableAutoScaling": true, "minCount": 1, "maxCount": 5, "count": 2})),
    )
    .await;
    let before = sim.get(&auto, AKS).await.json();
    let fixed = pool_path(&path, "fixed");
    sim.put_and_wait(&fixed, AKS, user_pool(json!({}))).await;
    let id = |p: &str| p.to_string();
    let scale = |pool: String, count: Value| {
        let client = &sim.client;
        async move {
            client
                .post(
                    "/azsim/autoscale",
                    Some(&json!({"id": pool, "count": count})),
                )
                .await
                .expect("autoscale")
        }
    };
    // (pool, count, status, code)
    let refusals: Vec<(String, Value, u16, &str)> = vec![
        (id(&auto), json!(6), 400, "InvalidParameter"),
        (id(&auto), json!(0), 400, "InvalidParameter"),
        (id(&fixed), json!(2), 400, "AutoScalingNotEnabled"),
        (pool_path(&path, "none"), json!(2), 404, "ResourceNotFound"),
        (sim.rg("rg"), json!(2), 400, "InvalidParameter"),
        (id(&auto), json!("3"), 400, "InvalidRequestContent"),
    ];
    for (pool, count, status, code) in refusals {
        let case = format!("{pool} {count}");
        let r = scale(pool, count).await;
        assert_eq!(r.status, status, "{case}: {}", body_text(&r));
        assert_eq!(r.error_code().as_deref(), Some(code), "{case}");
    }
    let r = scale(id(&auto), json!(4)).await;
    assert_eq!(r.status, 200, "{}", body_text(&r));
    assert_eq!(r.json()["properties"]["count"], 4);
    let after = sim.get(&auto, AKS).await.json();
    assert_eq!(after["properties"]["count"], 4);
    assert_ne!(after["properties"]["eTag"], before["properties"]["eTag"]);
    // Not an ARM request: the request log does not see it.
    let log = std::fs::read_to_string(&sim.running.info().request_log).unwrap();
    assert!(!log.contains("/azsim/autoscale"));
    // A later PUT without count keeps the autoscaler's count.
    let kept = sim
        .put_and_wait(
            &auto,
            AKS,
            user_pool(
                json!({"enableAutoScaling": true, "minCount": 1, "maxCount": 5, "count": null}),
            ),
        )
        .await;
    assert_eq!(kept["properties"]["count"], 4);
    // While the pool has an operation in flight the autoscaler waits, like any write.
    let slow = start(1.0).await;
    slow.create_rg("rg", WEU).await;
    let slow_path = slow.aks("rg", "c1");
    let r = slow.put(&slow_path, AKS, cluster(WEU, "1.34")).await;
    assert_eq!(r.status, 201);
    let r = slow
        .client
        .post(
            "/azsim/autoscale",
            Some(&json!({"id": pool_path(&slow_path, "system"), "count": 2})),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 409, "{}", body_text(&r));
    assert_eq!(r.error_code().as_deref(), Some("OperationNotAllowed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_plane_upgrade_leaves_the_pools_at_their_version() {
    let (sim, path) = with_cluster(WEU, "1.33").await;
    let user = pool_path(&path, "user1");
    let created = sim
        .put_and_wait(
            &user,
            AKS,
            user_pool(json!({"orchestratorVersion": "1.33.3"})),
        )
        .await;
    assert_eq!(
        created["properties"]["currentOrchestratorVersion"],
        "1.33.3"
    );

    // The cluster goes to 1.34; the inline system pool names no version, user1 is not listed.
    let upgraded = sim.put_and_wait(&path, AKS, cluster(WEU, "1.34")).await;
    assert_eq!(upgraded["properties"]["currentKubernetesVersion"], "1.34.2");
    let version = |pool: &str| {
        let sim = &sim;
        let path = pool_path(&path, pool);
        async move {
            sim.get(&path, AKS).await.json()["properties"]["currentOrchestratorVersion"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(version("system").await, "1.33.5");
    assert_eq!(version("user1").await, "1.33.3");

    // (case, orchestratorVersion, expected version or error code)
    let cases: &[(&str, &str, Result<&str, &str>)] = &[
        ("same minor keeps the patch", "1.33", Ok("1.33.3")),
        (
            "newer than the control plane",
            "1.35",
            Err("InvalidParameter"),
        ),
        ("upgrade to the control plane", "1.34", Ok("1.34.2")),
        (
            "downgrade",
            "1.33.5",
            Err("AgentPoolUpgradeVersionNotAllowed"),
        ),
        ("no version keeps the pool's", "", Ok("1.34.2")),
    ];
    for (case, requested, expected) in cases {
        let body = user_pool(json!({"orchestratorVersion": requested}));
        match expected {
            Ok(running) => {
                let done = sim.put_and_wait(&user, AKS, body).await;
                assert_eq!(
                    done["properties"]["currentOrchestratorVersion"], *running,
                    "{case}"
                );
            }
            Err(code) => {
                let r = sim.put(&user, AKS, body).await;
                assert_error(&r, case, code, None, Some("properties.orchestratorVersion"));
            }
        }
    }
    // An inline pool that names the version is upgraded with the cluster PUT.
    let mut body = cluster(WEU, "1.34");
    body["properties"]["agentPoolProfiles"][0]["orchestratorVersion"] = json!("1.34");
    sim.put_and_wait(&path, AKS, body).await;
    assert_eq!(version("system").await, "1.34.2");
}

/// A rotation (create the new pool, wait for it, delete the old one) shows in the request log in
/// that order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_shows_a_rotation_in_order() {
    let (sim, path) = with_cluster(WEU, "1.34").await;
    let old = pool_path(&path, "blue");
    let new = pool_path(&path, "green");
    sim.put_and_wait(&old, AKS, user_pool(json!({}))).await;
    sim.put_and_wait(&new, AKS, user_pool(json!({"vmSize": "Standard_D8s_v5"})))
        .await;
    sim.delete_and_wait(&old, AKS).await;
    let log = std::fs::read_to_string(&sim.running.info().request_log).unwrap();
    let entries: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let position = |method: &str, pool: &str, status: u64| {
        entries
            .iter()
            .position(|e| {
                e["method"] == method
                    && e["path"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("/agentPools/{pool}?"))
                    && e["status"] == status
            })
            .unwrap_or_else(|| panic!("no {method} {pool} {status} in the log"))
    };
    let created = position("PUT", "green", 201);
    let deleted = position("DELETE", "blue", 202);
    assert!(
        created < deleted,
        "green created at {created}, blue deleted at {deleted}"
    );
    // The new pool was Succeeded (polled) before the old one's delete was sent.
    let polled = entries[created..deleted].iter().any(|e| {
        e["method"] == "GET" && e["path"].as_str().unwrap().contains("/agentPools/green?")
    });
    assert!(polled);
}
