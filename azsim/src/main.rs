//! `azsim serve`: runs the simulator and prints where it answers as one JSON line.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "azsim",
    version,
    about = "A local, persistent Azure Resource Manager simulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve ARM, the token endpoint and the /azsim control endpoints over HTTPS on 127.0.0.1.
    Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// TCP port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Directory for the CA, the state, the token key and requests.jsonl.
    #[arg(long, default_value = "azsim-data")]
    data_dir: PathBuf,
    /// Multiplies every operation duration (0.001 makes a 6-minute AKS create 0.36 s).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Fault spec, e.g. `429:0.1,500:0.05,lro-fail:0.02,drop:0.01` (see README.md).
    #[arg(long)]
    faults: Option<String>,
    /// Seed of the fault RNG.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value = azsim::DEFAULT_TENANT_ID)]
    tenant_id: String,
    #[arg(long, default_value = azsim::DEFAULT_CLIENT_ID)]
    client_id: String,
    #[arg(long, default_value = azsim::DEFAULT_CLIENT_SECRET)]
    client_secret: String,
    #[arg(long, default_value = azsim::DEFAULT_SUBSCRIPTION_ID)]
    subscription_id: String,
    /// Also write every ARM exchange as one JSON file here, for `oav validate-traffic` (off by default;
    /// the environment variable AZSIM_TRAFFIC_DIR does the same).
    #[arg(long)]
    traffic_dir: Option<PathBuf>,
    /// ARM's subscription throttling (token buckets per subscription, principal and kind):
    /// `on` (Microsoft's limits unless changed below) or `off`.
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    throttle: String,
    /// Tokens in the reads bucket (GET).
    #[arg(long, default_value_t = azsim::ARM_READS.capacity)]
    read_bucket: u32,
    /// Read tokens back per simulated second.
    #[arg(long, default_value_t = azsim::ARM_READS.refill_per_second)]
    read_refill: f64,
    /// Tokens in the writes bucket (PUT, PATCH, POST).
    #[arg(long, default_value_t = azsim::ARM_WRITES.capacity)]
    write_bucket: u32,
    /// Write tokens back per simulated second.
    #[arg(long, default_value_t = azsim::ARM_WRITES.refill_per_second)]
    write_refill: f64,
    /// Tokens in the deletes bucket (DELETE).
    #[arg(long, default_value_t = azsim::ARM_DELETES.capacity)]
    delete_bucket: u32,
    /// Delete tokens back per simulated second.
    #[arg(long, default_value_t = azsim::ARM_DELETES.refill_per_second)]
    delete_refill: f64,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AZSIM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("azsim: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
    }
}

async fn serve(args: ServeArgs) -> std::process::ExitCode {
    let mut config = azsim::Config::new(args.data_dir);
    config.port = args.port;
    config.time_scale = args.time_scale;
    config.faults = args.faults;
    config.seed = args.seed;
    config.tenant_id = args.tenant_id;
    config.client_id = args.client_id;
    config.client_secret = args.client_secret;
    config.subscription_id = args.subscription_id;
    config.traffic_dir = args.traffic_dir;
    config.throttle = azsim::ThrottleConfig {
        enabled: args.throttle == "on",
        reads: azsim::BucketLimit {
            capacity: args.read_bucket,
            refill_per_second: args.read_refill,
        },
        writes: azsim::BucketLimit {
            capacity: args.write_bucket,
            refill_per_second: args.write_refill,
        },
        deletes: azsim::BucketLimit {
            capacity: args.delete_bucket,
            refill_per_second: args.delete_refill,
        },
    };
    let running = match azsim::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("azsim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let line = serde_json::to_string(running.info()).unwrap_or_default();
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
    wait_for_signal().await;
    running.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
