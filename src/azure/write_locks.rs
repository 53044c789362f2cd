//! Serialises writes per virtual network and per managed cluster.
//!
//! The Network RP allows one write per VNet at a time (`AnotherOperationInProgress`) and AKS one
//! operation per cluster (`OperationNotAllowed`); waiting for our own earlier write is cheaper and
//! quieter than colliding with it and backing off. A peering write also needs its remote VNet idle
//! (Azure answers `ReferencedResourceNotProvisioned` while the remote VNet is being written, as
//! reported in hashicorp/terraform-provider-azurerm#2605), so it holds both VNets. A write takes
//! all its scopes at once or waits holding none: holding one VNet while waiting for another would
//! idle that VNet for every other peering of it, and with many regions in a full mesh the
//! peerings would run nearly one at a time.

use std::collections::HashSet;
use std::sync::Mutex;

use tokio::sync::Notify;

use super::deadline::OperationDeadline;
use super::error::AzureResult;
use super::ids::ResourceId;

/// Held while a write and its long-running operation are in flight; dropping it frees its scopes.
pub(crate) struct WriteGuard<'a> {
    locks: &'a WriteLocks,
    scopes: Vec<String>,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        if self.scopes.is_empty() {
            return;
        }
        let mut held = self.locks.held();
        for scope in &self.scopes {
            held.remove(scope);
        }
        drop(held);
        self.locks.released.notify_waiters();
    }
}

/// The VNets and clusters being written, and a signal for writes waiting on them.
#[derive(Default, Debug)]
pub(crate) struct WriteLocks {
    held: Mutex<HashSet<String>>,
    released: Notify,
}

/// The key a write to `id` is serialised under: the lower-cased VNet or managed cluster id.
pub(crate) fn lock_key(id: &str) -> Option<String> {
    let id = ResourceId::parse(id).ok()?;
    id.virtual_network()
        .or_else(|| id.managed_cluster())
        .map(|scope| scope.to_lowercase())
}

impl WriteLocks {
    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A poisoned set only means another thread panicked while changing it; the set is fine.
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until no other write holds any of the VNets or cluster `ids` are written under, then
    /// takes them all; bounded by the deadline and cancel. Ids without such a scope lock nothing.
    pub(crate) async fn acquire(
        &self,
        ids: &[&str],
        deadline: &OperationDeadline,
    ) -> AzureResult<WriteGuard<'_>> {
        let mut scopes: Vec<String> = ids.iter().filter_map(|id| lock_key(id)).collect();
        scopes.sort();
        scopes.dedup();
        let mut announced = false;
        loop {
            // Listen before looking, so a release between the look and the wait is not missed.
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            {
                let mut held = self.held();
                if scopes.iter().all(|scope| !held.contains(scope)) {
                    held.extend(scopes.iter().cloned());
                    return Ok(WriteGuard {
                        locks: self,
                        scopes,
                    });
                }
            }
            if !announced {
                tracing::info!(scopes = ?scopes, operation = %deadline.operation, "waiting for an earlier write to the same resource");
                announced = true;
            }
            deadline.run(released.as_mut()).await?;
        }
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
        assert_eq!(held.scopes.len(), 1);

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
        assert_eq!(locks.acquire(&[id], &again).await.unwrap().scopes.len(), 1);
        // Unrelated ids do not lock.
        assert!(locks
            .acquire(&["/subscriptions/s/resourceGroups/rg"], &again)
            .await
            .unwrap()
            .scopes
            .is_empty());
    }

    /// A write waits holding nothing: while (b, c) is written, (a, b) waits, and (a, d) need not
    /// wait behind it for `a`.
    #[tokio::test]
    async fn a_waiting_write_holds_none_of_its_scopes() {
        let vnet = |name: &str| {
            format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{name}")
        };
        let (a, b, c, d) = (vnet("a"), vnet("b"), vnet("c"), vnet("d"));
        let locks = WriteLocks::default();
        let deadline =
            || OperationDeadline::new("w", Duration::from_secs(5), CancellationToken::new());
        let first = locks.acquire(&[&b, &c], &deadline()).await.unwrap();
        let waiting_deadline = deadline();
        let waiting_ids = [a.as_str(), b.as_str()];
        let waiting = locks.acquire(&waiting_ids, &waiting_deadline);
        tokio::pin!(waiting);
        // (a, b) cannot start while b is written…
        assert!(
            tokio::time::timeout(Duration::from_millis(50), waiting.as_mut())
                .await
                .is_err()
        );
        // …and does not keep a from (a, d).
        let independent = tokio::time::timeout(
            Duration::from_millis(50),
            locks.acquire(&[&a, &d], &deadline()),
        )
        .await
        .expect("a is free")
        .unwrap();
        drop(independent);
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("the waiting write starts once b is free")
            .unwrap();
        assert_eq!(second.scopes.len(), 2);
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
