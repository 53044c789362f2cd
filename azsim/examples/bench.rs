//! Load figures for azsim: 2,000 mixed ARM requests from 16 concurrent keep-alive HTTPS
//! clients on loopback. Prints throughput, latency percentiles and the status mix.
//!
//! Run: `cargo run -p azsim --release --example bench`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use azsim::client::Client;
use serde_json::json;

const CLIENTS: usize = 16;
const REQUESTS_PER_CLIENT: usize = 125;

fn main() {
    // The server gets a runtime of its own, as it would in its own process; the clients
    // share another. Both compete for the same two cores.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("azsim-server")
        .enable_all()
        .build()
        .expect("server runtime");
    let dir = std::env::temp_dir().join(format!("azsim-bench-{}", uuid::Uuid::new_v4()));
    let mut config = azsim::Config::new(&dir);
    config.time_scale = 0.001;
    let running = server_runtime
        .block_on(azsim::start(config))
        .expect("azsim starts");
    let info = running.info().clone();
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .expect("client runtime");
    client_runtime.block_on(run(info));
    server_runtime.block_on(running.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}

async fn run(info: azsim::StartInfo) {
    let sub = format!("/subscriptions/{}", info.subscription_id);
    let rg = format!("{sub}/resourceGroups/bench");

    // Setup (not measured): a resource group and one VNet per client.
    let setup = Client::connect(&info).await.expect("client");
    setup
        .put(
            &format!("{rg}?api-version=2025-04-01"),
            &json!({"location": "westeurope"}),
        )
        .await
        .expect("rg");
    for i in 0..CLIENTS {
        let vnet =
            format!("{rg}/providers/Microsoft.Network/virtualNetworks/v{i}?api-version=2025-07-01");
        let body = json!({"location": "westeurope", "properties": {
            "addressSpace": {"addressPrefixes": [format!("10.{i}.0.0/16")]},
            "subnets": [{"name": "nodes", "properties": {"addressPrefix": format!("10.{i}.0.0/24")}}]
        }});
        setup.put(&vnet, &body).await.expect("vnet");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Connect every client (TLS handshake, token, one warm-up request) before timing.
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let client = Client::connect(&info).await.expect("client");
        client
            .get(&format!("{sub}?api-version=2025-04-01"))
            .await
            .expect("warm-up");
        clients.push(client);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let rg = rg.clone();
        let sub = sub.clone();
        tasks.push(tokio::spawn(async move {
            let vnet = format!("{rg}/providers/Microsoft.Network/virtualNetworks/v{i}");
            let mut latencies = Vec::with_capacity(REQUESTS_PER_CLIENT);
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            let mut assignments: Vec<String> = Vec::new();
            let mut last_operation: Option<String> = None;
            for j in 0..REQUESTS_PER_CLIENT {
                let t = Instant::now();
                let response = match j % 20 {
                    0..=3 => client.get(&format!("{rg}?api-version=2025-04-01")).await,
                    4..=7 => client.get(&format!("{vnet}?api-version=2025-07-01")).await,
                    8 | 9 => client.get(&format!("{vnet}/subnets/nodes?api-version=2025-07-01")).await,
                    10 => client.get(&format!("{vnet}/subnets?api-version=2025-07-01")).await,
                    11 => client.get(&format!("{rg}/providers/Microsoft.Network/virtualNetworks?api-version=2025-07-01")).await,
                    12 | 13 => {
                        let name = uuid::Uuid::new_v4().to_string();
                        let path = format!("{vnet}/subnets/nodes/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01");
                        let body = json!({"properties": {
                            "roleDefinitionId": format!("{sub}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"),
                            "principalId": uuid::Uuid::new_v4().to_string(),
                            "principalType": "ServicePrincipal"
                        }});
                        assignments.push(path.clone());
                        client.put(&path, &body).await
                    }
                    14 => match assignments.pop() {
                        Some(path) => client.delete(&path).await,
                        None => client.get(&format!("{sub}?api-version=2025-04-01")).await,
                    },
                    15 => {
                        client
                            .put(&format!("{rg}?api-version=2025-04-01"), &json!({"location": "westeurope", "tags": {"j": j.to_string()}}))
                            .await
                    }
                    16 | 17 => {
                        let path = format!("{vnet}/subnets/s{j}?api-version=2025-07-01");
                        let body = json!({"properties": {"addressPrefix": format!("10.{i}.{}.0/24", (j % 250) + 1)}});
                        let r = client.put(&path, &body).await;
                        if let Ok(r) = &r {
                            if let Some(url) = r.header("azure-asyncoperation") {
                                last_operation = Some(url.to_string());
                            }
                        }
                        r
                    }
                    18 => match &last_operation {
                        Some(url) => client.get(url).await,
                        None => client.get(&format!("{sub}?api-version=2025-04-01")).await,
                    },
                    _ => client.get(&format!("{sub}?api-version=2025-04-01")).await,
                };
                latencies.push(t.elapsed());
                let status = response.map(|r| r.status).unwrap_or(0);
                *statuses.entry(status).or_default() += 1;
            }
            (latencies, statuses)
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for task in tasks {
        let (l, s) = task.await.expect("client task");
        latencies.extend(l);
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| -> f64 {
        let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index].as_secs_f64() * 1000.0
    };
    let total = latencies.len();
    println!("azsim bench: {total} mixed requests, {CLIENTS} concurrent HTTPS keep-alive clients, loopback");
    println!("  wall time   {:.3} s", elapsed.as_secs_f64());
    println!(
        "  throughput  {:.0} req/s",
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency ms  p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        percentile(0.50),
        percentile(0.90),
        percentile(0.99),
        percentile(1.0)
    );
    println!("  statuses    {statuses:?}");
}
