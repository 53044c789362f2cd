//! Node pools with the real `pulumi` CLI against azsim (issue 11): adding a user pool writes only
//! that pool, fixed settings rotate a pool (new one first, old one after) instead of replacing the
//! cluster, the autoscaler's count is no drift, and a rotation killed half-way finishes on the
//! next `up`.

mod support;

use std::time::{Duration, Instant};

use support::azsim::Azsim;
use support::pulumi::Project;

/// A network and a cluster in East US (a region with zones); `{pools}` is the cluster's pool
/// settings.
fn program(pools: &str) -> String {
    format!(
        r#"
resources:
  east:
    type: aksmesh:index:RegionalNetwork
    properties:
      location: eastus
      namePrefix: pools
      vnetCidr: 10.0.0.0/14
      nodeSubnetCidr: 10.0.0.0/16
  cluster:
    type: aksmesh:index:RegionalCluster
    properties:
      location: eastus
      namePrefix: pools
      resourceGroupName: ${{east.resourceGroupName}}
      nodeSubnetId: ${{east.nodeSubnetId}}
      vnetCidr: ${{east.vnetCidr}}
      nodeSubnetCidr: ${{east.nodeSubnetCidr}}
{pools}
outputs:
  clusterId: ${{cluster.clusterId}}
  agentPools: ${{cluster.agentPoolNames}}
"#
    )
}

const APPS: &str = r#"      userPools:
        apps:
          autoscaling:
            minCount: 1
            maxCount: 5"#;

const AUTOSCALER: &str = r#"      autoScalerProfile:
        scanInterval: 20s
        expander: least-waste
        scaleDownUtilizationThreshold: "0.6""#;

const BIGGER_SYSTEM: &str = r#"      systemPool:
        vmSize: Standard_D8s_v5"#;

const APPS_IN_ONE_ZONE: &str = r#"          zones: ["1"]"#;

const APPS_BIGGER: &str = r#"          vmSize: Standard_D8s_v5"#;

/// One request azsim received.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
}

/// azsim's requests from line `from` on (writes only: reads and polls are noise here).
fn writes_since(azsim: &Azsim, from: usize) -> Vec<Request> {
    std::fs::read_to_string(azsim.request_log())
        .unwrap_or_default()
        .lines()
        .skip(from)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|entry| Request {
            method: entry["method"].as_str().unwrap_or_default().to_string(),
            path: entry["path"]
                .as_str()
                .unwrap_or_default()
                .split('?')
                .next()
                .unwrap_or_default()
                .to_string(),
        })
        .filter(|r| r.method == "PUT" || r.method == "DELETE")
        .filter(|r| !r.path.contains("/operations/") && !r.path.contains("/azsim/"))
        .collect()
}

fn log_length(azsim: &Azsim) -> usize {
    std::fs::read_to_string(azsim.request_log())
        .unwrap_or_default()
        .lines()
        .count()
}

/// The cluster's agent pools, as ARM lists them: (name, mode, the program's pool it carries).
fn pools(azsim: &Azsim, cluster_id: &str) -> Vec<(String, String, String)> {
    let (status, list) = azsim.arm(
        "GET",
        &format!("{cluster_id}/agentPools?api-version=2026-05-01"),
        None,
    );
    assert_eq!(status, 200, "{list}");
    let mut found: Vec<(String, String, String)> = list["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|pool| {
            let props = &pool["properties"];
            (
                pool["name"].as_str().unwrap_or_default().to_string(),
                props["mode"].as_str().unwrap_or_default().to_string(),
                props["tags"]["aksmesh-pool"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn touched(writes: &[Request]) -> Vec<String> {
    writes
        .iter()
        .map(|w| {
            let tail = w.path.rsplit("/providers/").next().unwrap_or_default();
            format!("{} {tail}", w.method)
        })
        .collect()
}

#[test]
fn pools_change_without_an_outage() {
    // Slower than the other CLI tests, so the rotation is still running when it is interrupted.
    let azsim = Azsim::start_with("cli-pools", |config| config.time_scale = 0.01);
    let project = Project::new("pools", "yaml", &program(""), &[]);
    project.use_azsim(&azsim);
    let rewrite = |pools: &str| project.rewrite_program("pools", "yaml", &program(pools));

    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let cluster_id = project.outputs()["clusterId"].clone();
    let id = cluster_id.as_str().expect("cluster id").to_string();
    assert_eq!(
        pools(&azsim, &id),
        [("system".into(), "System".into(), "system".into())]
    );

    // Adding a user pool creates only that pool: the cluster is not written.
    rewrite(APPS);
    assert_eq!(
        project.planned(),
        [("cluster".to_string(), "update".to_string())]
    );
    let mark = log_length(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let writes = touched(&writes_since(&azsim, mark));
    assert!(
        writes
            .iter()
            .all(|w| !w.ends_with("managedClusters/aks-pools-eastus")),
        "the cluster is not written: {writes:?}"
    );
    let pool_writes: Vec<&String> = writes.iter().filter(|w| w.contains("agentPools")).collect();
    assert_eq!(
        pool_writes,
        [
            &"PUT Microsoft.ContainerService/managedClusters/aks-pools-eastus/agentPools/apps"
                .to_string()
        ],
        "{writes:?}"
    );

    // The autoscaler's settings update the cluster in place, and no pool.
    rewrite(&format!("{AUTOSCALER}\n{APPS}"));
    let mark = log_length(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let writes = touched(&writes_since(&azsim, mark));
    assert_eq!(
        writes,
        ["PUT Microsoft.ContainerService/managedClusters/aks-pools-eastus"],
        "only the cluster is written"
    );
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();

    // The autoscaler scales the pool: refresh and preview see no change.
    let apps_id = format!("{id}/agentPools/apps");
    let (status, body) = azsim.arm(
        "POST",
        "/azsim/autoscale",
        Some(serde_json::json!({"id": apps_id, "count": 4})),
    );
    assert_eq!(status, 200, "{body}");
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    project
        .pulumi(&["preview", "--expect-no-changes"])
        .success();

    // A bigger system VM size rotates the system pool: the preview says so, the cluster keeps its
    // id, and the new pool is created before the old one is deleted.
    rewrite(&format!("{AUTOSCALER}\n{BIGGER_SYSTEM}\n{APPS}"));
    assert_eq!(
        project.planned(),
        [("cluster".to_string(), "update".to_string())],
        "an update, not a replacement"
    );
    let preview = project.pulumi(&["preview"]).success();
    assert!(
        preview.stdout().contains("rotates pool systemPool: vmSize"),
        "{}",
        preview.stdout()
    );
    let mark = log_length(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    assert_eq!(project.outputs()["clusterId"], cluster_id);
    let writes = touched(&writes_since(&azsim, mark));
    let created = writes
        .iter()
        .position(|w| w.starts_with("PUT") && w.contains("agentPools/system"))
        .unwrap_or_else(|| panic!("no new system pool: {writes:?}"));
    let deleted = writes
        .iter()
        .position(|w| w.starts_with("DELETE") && w.ends_with("agentPools/system"))
        .unwrap_or_else(|| panic!("the old system pool stays: {writes:?}"));
    assert!(
        created < deleted,
        "create-new before delete-old: {writes:?}"
    );
    assert!(
        writes.iter().all(|w| !w.contains("agentPools/apps")),
        "the user pool is untouched: {writes:?}"
    );
    let now = pools(&azsim, &id);
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(now
        .iter()
        .any(|(name, mode, pool)| name.starts_with("system")
            && name != "system"
            && mode == "System"
            && pool == "system"));
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();

    // Zones of the user pool rotate only that pool.
    rewrite(&format!(
        "{AUTOSCALER}\n{BIGGER_SYSTEM}\n{APPS}\n{APPS_IN_ONE_ZONE}"
    ));
    let mark = log_length(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let writes = touched(&writes_since(&azsim, mark));
    assert!(
        writes.iter().all(|w| w.contains("agentPools/apps")),
        "only the apps pool is written: {writes:?}"
    );
    assert!(writes
        .iter()
        .any(|w| w.starts_with("DELETE") && w.ends_with("agentPools/apps")));
    let apps: Vec<_> = pools(&azsim, &id)
        .into_iter()
        .filter(|p| p.2 == "apps")
        .collect();
    assert_eq!(apps.len(), 1, "{apps:?}");

    // Killing the provider in the middle of a rotation, then `up` again, converges with exactly
    // one pool carrying apps.
    rewrite(&format!(
        "{AUTOSCALER}\n{BIGGER_SYSTEM}\n{APPS}\n{APPS_IN_ONE_ZONE}\n{APPS_BIGGER}"
    ));
    let mark = log_length(&azsim);
    let mut up = project.spawn_pulumi(&["up", "--yes", "--skip-preview"]);
    let started = Instant::now();
    loop {
        let creating = writes_since(&azsim, mark)
            .iter()
            .any(|w| w.method == "PUT" && w.path.contains("/agentPools/apps"));
        if creating {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the rotation never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = kill_descendants_named(up.id(), "pulumi-resource-aksmesh");
    assert!(killed > 0, "found the provider to kill");
    let status = up.wait().expect("pulumi exits");
    assert!(!status.success(), "the interrupted up fails");
    let during: Vec<_> = pools(&azsim, &id)
        .into_iter()
        .filter(|p| p.2 == "apps")
        .collect();
    assert!(!during.is_empty(), "never no pool");
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let apps: Vec<_> = pools(&azsim, &id)
        .into_iter()
        .filter(|p| p.2 == "apps")
        .collect();
    assert_eq!(apps.len(), 1, "exactly one pool carries apps: {apps:?}");
    assert!(apps[0].0.starts_with("apps"), "{apps:?}");
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();

    project.destroy_leaves_azsim_empty(&azsim, &[]);
}

/// Kills (SIGKILL) every process below `root` whose command is `name`; returns how many.
fn kill_descendants_named(root: u32, name: &str) -> usize {
    let parent_of = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command may hold spaces: the fields after its closing parenthesis are fixed.
        let after = stat.rsplit_once(')')?.1;
        after.split_whitespace().nth(1)?.parse().ok()
    };
    let command_of = |pid: u32| std::fs::read_to_string(format!("/proc/{pid}/comm")).ok();
    let below_root = |mut pid: u32| {
        while let Some(parent) = parent_of(pid) {
            if parent == root {
                return true;
            }
            if parent <= 1 {
                return false;
            }
            pid = parent;
        }
        false
    };
    let mut killed = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // /proc/*/comm holds at most 15 characters.
        let matches = command_of(pid).is_some_and(|c| name.starts_with(c.trim()));
        if matches && below_root(pid) {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
            killed += 1;
        }
    }
    killed
}

/// MultiRegionAks: production pools by default (zonal where the region has zones), each region's
/// pools in `clusters`, and one region upgraded first (a canary).
#[test]
fn a_platform_gets_production_pools_and_a_canary_region() {
    let azsim = Azsim::start("cli-pools-platform");
    let platform = |canary: &str| {
        format!(
            r#"
resources:
  platform:
    type: aksmesh:index:MultiRegionAks
    properties:
      kubernetesVersion: "1.33"
      regions:
        - location: eastus
{canary}
        - location: westus
outputs:
  clusters: ${{platform.clusters}}
"#
        )
    };
    let project = Project::new("platform-pools", "yaml", &platform(""), &[]);
    project.use_azsim(&azsim);
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let clusters = project.outputs()["clusters"].clone();
    for region in ["eastus", "westus"] {
        assert_eq!(
            clusters[region]["agentPools"],
            serde_json::json!({"system": "system", "user": "user"}),
            "{region}: {clusters}"
        );
        let id = clusters[region]["id"].as_str().expect("cluster id");
        let (_, cluster) = azsim.arm("GET", &format!("{id}?api-version=2026-05-01"), None);
        assert_eq!(cluster["sku"]["tier"], "Standard", "{region}");
        let (_, system) = azsim.arm(
            "GET",
            &format!("{id}/agentPools/system?api-version=2026-05-01"),
            None,
        );
        let (_, user) = azsim.arm(
            "GET",
            &format!("{id}/agentPools/user?api-version=2026-05-01"),
            None,
        );
        assert_eq!(system["properties"]["count"], 3, "{region}");
        assert_eq!(
            system["properties"]["nodeTaints"],
            serde_json::json!(["CriticalAddonsOnly=true:NoSchedule"])
        );
        assert_eq!(user["properties"]["enableAutoScaling"], true);
        assert_eq!(user["properties"]["osSKU"], "AzureLinux");
        let zones = user["properties"]["availabilityZones"].clone();
        if region == "eastus" {
            assert_eq!(zones, serde_json::json!(["1", "2", "3"]));
        } else {
            assert!(
                zones.as_array().is_none_or(Vec::is_empty),
                "westus has no zones: {zones}"
            );
        }
    }

    // East US goes first: only its cluster changes.
    project.rewrite_program(
        "platform-pools",
        "yaml",
        &platform("          kubernetesVersion: \"1.34\""),
    );
    let steps = project.planned();
    assert!(
        steps
            .iter()
            .all(|(name, op)| name.contains("cluster-eastus") && op == "update"),
        "{steps:?}"
    );
    project.pulumi(&["up", "--yes", "--skip-preview"]).success();
    let clusters = project.outputs()["clusters"].clone();
    let version = |region: &str| {
        clusters[region]["kubernetesVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(version("eastus").starts_with("1.34"), "{clusters}");
    assert!(version("westus").starts_with("1.33"), "{clusters}");
    project
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    project.destroy_leaves_azsim_empty(&azsim, &[]);
}
