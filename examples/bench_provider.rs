//! Prints the provider's start-up and protocol figures (a benchmark, not a test):
//! time from process start to the printed port, the GetSchema round trip, RSS after Configure, and
//! the provider CPU of `estimateCost` and `analyzeConnectivity` for a 20-region full mesh.
//!
//! `cargo run --release --example bench_provider -- target/release/pulumi-resource-aksmesh`

use std::time::{Duration, Instant};

use aksmesh::rpc::pulumirpc::resource_provider_client::ResourceProviderClient;
use aksmesh::rpc::pulumirpc::{ConfigureRequest, GetSchemaRequest, InvokeRequest};

#[path = "support/plugin.rs"]
mod plugin;

const STARTS: usize = 50;
const SCHEMA_CALLS: usize = 500;
const INVOKES: u32 = 50;
/// Twenty regions a global platform might run in (issue 16's scale).
const TWENTY_REGIONS: [&str; 20] = [
    "eastus",
    "eastus2",
    "westus2",
    "westus3",
    "centralus",
    "canadacentral",
    "brazilsouth",
    "northeurope",
    "westeurope",
    "uksouth",
    "francecentral",
    "germanywestcentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "southafricanorth",
    "centralindia",
    "japaneast",
    "koreacentral",
    "australiaeast",
];

/// CPU time (user + system) the process has used so far.
fn cpu_time(pid: u32) -> Duration {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which may hold spaces) end with ')'.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    // Linux reports clock ticks of 1/100 s (USER_HZ).
    Duration::from_millis(ticks * 10)
}

/// Invoke arguments as the engine sends them, built by the provider's own conversion.
fn to_struct(value: serde_json::Value) -> prost_types::Struct {
    aksmesh::rpc::values::to_struct(&aksmesh::property::Value::from_plain(
        &value,
        &Default::default(),
    ))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn millis(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/pulumi-resource-aksmesh".into());

    let mut to_port: Vec<Duration> = (0..STARTS)
        .map(|_| {
            let (mut child, _, elapsed) = plugin::start(&binary);
            let _ = child.kill();
            let _ = child.wait();
            elapsed
        })
        .collect();
    to_port.sort();

    let (mut child, port, _) = plugin::start(&binary);
    // Point the protocol measurements at an already running provider (e.g. one under strace).
    let port = std::env::var("AKSMESH_BENCH_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(port);
    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect")
        .max_decoding_message_size(400 << 20);
    let schema_bytes = client
        .get_schema(GetSchemaRequest::default())
        .await
        .expect("schema")
        .into_inner()
        .schema
        .len();
    let mut schema_calls = Vec::with_capacity(SCHEMA_CALLS);
    for _ in 0..SCHEMA_CALLS {
        let started = Instant::now();
        client
            .get_schema(GetSchemaRequest::default())
            .await
            .expect("schema");
        schema_calls.push(started.elapsed());
    }
    schema_calls.sort();
    let mut info_calls = Vec::with_capacity(SCHEMA_CALLS);
    for _ in 0..SCHEMA_CALLS {
        let started = Instant::now();
        client.get_plugin_info(()).await.expect("plugin info");
        info_calls.push(started.elapsed());
    }
    info_calls.sort();

    let mut args = prost_types::Struct::default();
    args.fields.insert(
        "subscriptionId".into(),
        prost_types::Value {
            kind: Some(prost_types::value::Kind::StringValue(
                "00000000-0000-4000-8000-000000000001".into(),
            )),
        },
    );
    let configure_started = Instant::now();
    client
        .configure(ConfigureRequest {
            args: Some(args),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .expect("configure");
    let configure_time = configure_started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss = rss_kib(child.id());

    // Provider CPU per call of the two functions a 20-region platform leans on.
    let cost_args = serde_json::json!({
        "regions": TWENTY_REGIONS.iter().map(|r| serde_json::json!({"location": r, "clusterTier": "Standard"})).collect::<Vec<_>>(),
        "crossRegionTrafficGbPerMonth": 10000,
        "frontDoor": {"requestsPerMonth": 100000000, "egressGbPerMonth": 1000, "originGbPerMonth": 100},
    });
    let connectivity_args = serde_json::json!({
        "regions": TWENTY_REGIONS,
        "peerAll": true,
        "podNetworking": "overlay",
    });
    let mut invoke_cpu = Vec::new();
    for (token, args) in [
        ("aksmesh:index:estimateCost", cost_args),
        ("aksmesh:index:analyzeConnectivity", connectivity_args),
    ] {
        let before = cpu_time(child.id());
        let started = Instant::now();
        for _ in 0..INVOKES {
            let response = client
                .invoke(InvokeRequest {
                    tok: token.into(),
                    args: Some(to_struct(args.clone())),
                    ..Default::default()
                })
                .await
                .expect("invoke")
                .into_inner();
            assert!(
                response.failures.is_empty(),
                "{token}: {:?}",
                response.failures
            );
        }
        invoke_cpu.push((
            token,
            (cpu_time(child.id()) - before) / INVOKES,
            started.elapsed() / INVOKES,
        ));
    }
    let _ = child.kill();
    let _ = child.wait();

    println!("provider benchmark ({binary})");
    println!(
        "  start to port line ({STARTS} starts): median {}  p90 {}  max {}   target <= 10 ms median",
        millis(percentile(&to_port, 0.5)),
        millis(percentile(&to_port, 0.9)),
        millis(*to_port.last().expect("samples"))
    );
    println!(
        "  GetSchema round trip ({SCHEMA_CALLS} calls, {schema_bytes} bytes): median {}  p99 {}   target <= 1 ms",
        millis(percentile(&schema_calls, 0.5)),
        millis(percentile(&schema_calls, 0.99))
    );
    println!(
        "  GetPluginInfo round trip ({SCHEMA_CALLS} calls): median {}  p99 {}",
        millis(percentile(&info_calls, 0.5)),
        millis(percentile(&info_calls, 0.99))
    );
    println!("  Configure: {}", millis(configure_time));
    println!(
        "  RSS after Configure: {:.1} MB ({rss} KiB)   target <= 15 MB",
        rss as f64 / 1024.0
    );
    for (token, cpu, wall) in invoke_cpu {
        println!(
            "  {token}, 20 regions, full mesh ({INVOKES} calls): provider CPU {} per call, round trip {}   target < 50 ms CPU",
            millis(cpu),
            millis(wall)
        );
    }
}
