//! When the plugin stops: on SIGINT or SIGTERM, and when its engine is gone.
//!
//! The engine starts the plugin as its child and normally ends it. If the engine is killed (kill -9,
//! an OOM kill, a crashed CI runner), nobody does: the plugin is re-parented and would serve an
//! empty port forever. Watching the parent process catches that within a second.

use std::time::Duration;

/// How often the parent is looked at.
const PARENT_POLL: Duration = Duration::from_millis(500);

/// Resolves on SIGINT/SIGTERM (Ctrl-C), or once the process that started the plugin has gone.
pub async fn shutdown() {
    tokio::select! {
        _ = signal() => {}
        _ = parent_gone() => {
            tracing::warn!("the engine that started this plugin is gone; shutting down");
        }
    }
}

async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Resolves when the parent process changes: on Unix an orphan is re-parented (to init or a
/// subreaper), so a different parent id means the original parent has exited.
async fn parent_gone() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        loop {
            tokio::time::sleep(PARENT_POLL).await;
            if std::os::unix::process::parent_id() != parent {
                return;
            }
        }
    }
    #[cfg(not(unix))]
    {
        std::future::pending::<()>().await
    }
}
