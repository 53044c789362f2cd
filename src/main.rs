//! `pulumi-resource-aksmesh`: binds, prints its port, serves the provider protocol, handles signals.
//!
//! Launch: `pulumi-resource-aksmesh [--logtostderr] [-v=N] [--tracing X] <engine-address>`; with no
//! address it runs in attach mode (`PULUMI_DEBUG_PROVIDERS`) and learns the engine from Handshake.

use std::io::Write;

use aksmesh::provider::Registry;
use aksmesh::rpc::engine::EngineLog;
use aksmesh::rpc::server::{self, ProviderService};
use tokio_util::sync::CancellationToken;

/// The engine address is the last positional argument; flags before it are tolerated.
fn engine_address(arguments: &[String]) -> Option<&str> {
    let mut positional = Vec::new();
    let mut skip_value = false;
    for argument in arguments {
        if skip_value {
            skip_value = false;
        } else if argument == "--tracing" {
            skip_value = true;
        } else if !argument.starts_with('-') {
            positional.push(argument.as_str());
        }
    }
    positional.last().copied()
}

fn main() -> std::process::ExitCode {
    // azure_core's errors capture a backtrace whenever RUST_BACKTRACE is set, and its pipeline
    // makes and drops such errors on ordinary requests: that unwinding was 5-7 % of a 20-region
    // `up`'s provider CPU and about a third of a refresh's. Library backtraces stay off unless asked for by name; panics still print
    // theirs. Set before any thread starts, so nothing reads the environment concurrently.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    // Bind and print the port before anything else: the engine waits on this line.
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("pulumi-resource-aksmesh: cannot listen on 127.0.0.1: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{port}")
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return std::process::ExitCode::FAILURE;
    }
    drop(stdout);

    if std::env::var_os("RUST_LOG").is_some() || arguments.iter().any(|a| a.starts_with("-v")) {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }

    // One thread: the provider waits on Azure and the engine, and a second worker only added
    // wake-ups between threads (a third of the provider's CPU in a 20-region `up`).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("pulumi-resource-aksmesh: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(
        listener,
        engine_address(&arguments).map(str::to_string),
    ));
    // Do not wait for lingering blocking tasks: the engine SIGKILLs 5 s after SIGINT anyway.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pulumi-resource-aksmesh: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    engine: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let cancel = CancellationToken::new();
    let engine_log = EngineLog::default();
    if let Some(address) = engine {
        engine_log.connect(&address);
    }
    let service = ProviderService::new(Registry::aksmesh(), cancel.clone(), engine_log);
    server::serve(listener, service, async move {
        aksmesh::lifetime::shutdown().await;
        // Stop in-flight Azure polling at once; operations report what they created so far.
        cancel.cancel();
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_address_is_the_last_positional_argument() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            engine_address(&args(&["127.0.0.1:1234"])),
            Some("127.0.0.1:1234")
        );
        assert_eq!(
            engine_address(&args(&[
                "--logtostderr",
                "-v=9",
                "--tracing",
                "http://x",
                "127.0.0.1:5"
            ])),
            Some("127.0.0.1:5")
        );
        assert_eq!(engine_address(&args(&[])), None);
    }
}
