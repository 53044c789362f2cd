//! Serialises writes per virtual network and per managed cluster.
//!
//! The Network RP allows one write per VNet at a time (`AnotherOperationInProgress`) and AKS one
//! operation per cluster (`OperationNotAllowed`); waiting for our own earlier write is cheaper and
//! quieter than colliding with it and backing off. A peering write also needs its remote VNet idle
//! (Azure answers `ReferencedResourceNotProvisioned` while the remote VNet is being written, as
//! reported in hashicorp/terraform-provider-azurerm#2605), so it holds both VNets' locks, taken
//! in one global order so that the two directions of a pair cannot deadlock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use super::deadline::OperationDeadline;
use super::error::AzureResult;
use super::ids::ResourceId;

/// Held while a write and its long-running operation are in flight.
pub(crate) struct WriteGuard {
    _guard: OwnedMutexGuard<()>,
}

#[derive(Default, Debug)]
pub(crate) struct WriteLocks {
    locks: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

/// The key a write to `id` is serialised under: the lower-cased VNet or managed cluster id.
pub(crate) fn lock_key(id: &str) -> Option<String> {
    let id = ResourceId::parse(id).ok()?;
    id.virtual_network()
        .or_else(|| id.managed_cluster())
        .map(|scope| scope.to_lowercase())
}

impl WriteLocks {
    /// Waits for the locks of the VNets or cluster `ids` are written under (any that have one),
    /// bounded by the deadline and cancel. Locks are taken in sorted order, so writes that need
    /// the same locks queue instead of deadlocking.
    pub(crate) async fn acquire(
        &self,
        ids: &[&str],
        deadline: &OperationDeadline,
    ) -> AzureResult<Vec<WriteGuard>> {
        let mut keys: Vec<String> = ids.iter().filter_map(|id| lock_key(id)).collect();
        keys.sort();
        keys.dedup();
        let mut guards = Vec::with_capacity(keys.len());
        for key in keys {
            let lock = {
                // A poisoned map only means another thread panicked while inserting; the map is fine.
                let mut locks = self
                    .locks
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                // Drop entries nobody holds or waits for, so the map does not grow without bound.
                locks.retain(|_, lock| Arc::strong_count(lock) > 1);
                locks.entry(key.clone()).or_default().clone()
            };
            if lock.try_lock().is_err() {
                tracing::info!(scope = %key, operation = %deadline.operation, "waiting for an earlier write to the same resource");
            }
            let guard = deadline.run(lock.lock_owned()).await?;
            guards.push(WriteGuard { _guard: guard });
        }
        Ok(guards)
    }
}

/// The remote VNet a peering write names in its body (`properties.remoteVirtualNetwork.id`).
pub(crate) fn remote_vnet_of(id: &str, body: Option<&[u8]>) -> Option<String> {
    let id = ResourceId::parse(id).ok()?;
    if !id
        .resource_type()
        .eq_ignore_ascii_case("Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
    {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(body?).ok()?;
    body.pointer("/properties/remoteVirtualNetwork/id")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn keys() {
        let subnet = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/VNet-A/subnets/nodes";
        let peering = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet-a/virtualNetworkPeerings/a-b";
        assert_eq!(lock_key(subnet), lock_key(peering));
        assert_eq!(
            lock_key(subnet).unwrap(),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet-a"
        );
        let pool = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1/agentPools/p";
        assert_eq!(
            lock_key(pool).unwrap(),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c1"
        );
        assert_eq!(lock_key("/subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(lock_key("not an id"), None);
    }

    #[tokio::test]
    async fn second_writer_waits_and_cancel_releases_the_wait() {
        let locks = WriteLocks::default();
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v";
        let deadline =
            OperationDeadline::new("first", Duration::from_secs(5), CancellationToken::new());
        let held = locks.acquire(&[id], &deadline).await.unwrap();
        assert_eq!(held.len(), 1);

        let cancel = CancellationToken::new();
        let waiting = OperationDeadline::new("second", Duration::from_secs(5), cancel.clone());
        cancel.cancel();
        assert!(locks
            .acquire(&[&format!("{id}/subnets/x")], &waiting)
            .await
            .is_err());

        let short =
            OperationDeadline::new("third", Duration::from_millis(20), CancellationToken::new());
        assert!(locks.acquire(&[id], &short).await.is_err());

        drop(held);
        let again =
            OperationDeadline::new("fourth", Duration::from_secs(5), CancellationToken::new());
        assert_eq!(locks.acquire(&[id], &again).await.unwrap().len(), 1);
        // Unrelated ids do not lock.
        assert!(locks
            .acquire(&["/subscriptions/s/resourceGroups/rg"], &again)
            .await
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_peering_write_names_its_remote_vnet() {
        let peering = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/a/virtualNetworkPeerings/a-b";
        let remote =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/b";
        let body = format!(r#"{{"properties": {{"remoteVirtualNetwork": {{"id": "{remote}"}}}}}}"#);
        let cases: [(&str, Option<&str>, Option<&str>); 5] = [
            (peering, Some(&body), Some(remote)),
            (peering, None, None),
            (peering, Some("not json"), None),
            (peering, Some("{}"), None),
            // A VNet body may mention peerings; only a peering write is held by its remote.
            (
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/a",
                Some(&body),
                None,
            ),
        ];
        for (id, body, expected) in cases {
            assert_eq!(
                remote_vnet_of(id, body.map(str::as_bytes)).as_deref(),
                expected,
                "{id} {body:?}"
            );
        }
    }
}
