//! The cluster user kubeconfig, read after every write and on refresh.

use crate::azure::client::OperationOptions;
use crate::azure::models::managed_cluster::{CredentialResults, ManagedCluster};
use crate::azure::{ArmClient, AzureError, ResourceId};

pub(super) async fn user_kubeconfig(
    azure: &ArmClient,
    cluster_id: &ResourceId,
    options: &OperationOptions,
) -> Result<String, AzureError> {
    let credentials: CredentialResults = azure
        .post::<ManagedCluster, _>(cluster_id, "listClusterUserCredential", options)
        .await?;
    credentials.first_kubeconfig()
}
