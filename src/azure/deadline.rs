//! The time budget and cancellation of one operation, shared by retries, polling and lock waits.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::{AzureError, AzureResult};

/// When an operation must be over, and the token that cancels it.
#[derive(Clone, Debug)]
pub(crate) struct OperationDeadline {
    /// What is being done, for messages ("create or update of …").
    pub(crate) operation: String,
    started: Instant,
    total: Duration,
    cancel: CancellationToken,
}

impl OperationDeadline {
    pub(crate) fn new(
        operation: impl Into<String>,
        total: Duration,
        cancel: CancellationToken,
    ) -> Self {
        OperationDeadline {
            operation: operation.into(),
            started: Instant::now(),
            total,
            cancel,
        }
    }

    /// The instant the operation must be over by (saturating far in the future).
    pub(crate) fn deadline(&self) -> Instant {
        self.started
            .checked_add(self.total)
            .unwrap_or_else(|| self.started + Duration::from_secs(100 * 365 * 24 * 3600))
    }

    pub(crate) fn remaining(&self) -> Duration {
        self.deadline().saturating_duration_since(Instant::now())
    }

    pub(crate) fn is_canceled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    pub(crate) fn timeout_error(&self) -> AzureError {
        AzureError::Timeout {
            operation: self.operation.clone(),
            after: self.total,
        }
    }

    /// Fails fast when canceled or out of time.
    pub(crate) fn check(&self) -> AzureResult<()> {
        if self.is_canceled() {
            return Err(AzureError::Canceled);
        }
        if self.remaining().is_zero() {
            return Err(self.timeout_error());
        }
        Ok(())
    }

    /// Runs `work` unless the operation is canceled or its deadline passes first.
    pub(crate) async fn run<F: Future>(&self, work: F) -> AzureResult<F::Output> {
        self.check()?;
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Err(AzureError::Canceled),
            _ = tokio::time::sleep_until(self.deadline()) => Err(self.timeout_error()),
            output = work => Ok(output),
        }
    }

    /// Sleeps for `duration`; a cancel or the deadline ends the sleep with an error.
    pub(crate) async fn sleep(&self, duration: Duration) -> AzureResult<()> {
        self.run(tokio::time::sleep(duration)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_interrupts_sleep() {
        let cancel = CancellationToken::new();
        let deadline = OperationDeadline::new("test", Duration::from_secs(60), cancel.clone());
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            cancel.cancel();
        });
        let started = std::time::Instant::now();
        let result = deadline.sleep(Duration::from_secs(30)).await;
        assert!(matches!(result, Err(AzureError::Canceled)));
        assert!(started.elapsed() < Duration::from_secs(1));
        canceller.await.unwrap();
    }

    #[tokio::test]
    async fn deadline_interrupts_sleep() {
        let deadline =
            OperationDeadline::new("wait", Duration::from_millis(30), CancellationToken::new());
        let result = deadline.sleep(Duration::from_secs(30)).await;
        assert!(matches!(result, Err(AzureError::Timeout { .. })));
    }
}
