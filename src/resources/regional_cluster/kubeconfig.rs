//! The cluster user kubeconfig, read after every write and on refresh.

use crate::azure::client::OperationOptions;
use crate::azure::models::managed_cluster::CredentialResults;
use crate::azure::{api_versions, ArmClient, AzureError};

pub(super) async fn user_kubeconfig(
    azure: &ArmClient,
    cluster_id: &str,
    options: &OperationOptions,
) -> Result<String, AzureError> {
    let credentials: CredentialResults = azure
        .post(
            &format!("{cluster_id}/listClusterUserCredential"),
            api_versions::MANAGED_CLUSTERS,
            None::<&serde_json::Value>,
            options,
        )
        .await?;
    credentials.first_kubeconfig()
}
