//! The real ARM client against the azsim simulator: a token from azsim's Entra endpoint through
//! `ClientSecretCredential` (custom authority host, azsim's CA trusted via the extra CA PEM),
//! a throttled PUT retried, long-running operations polled, GET, DELETE and 404 → None. The
//! request log azsim keeps is then checked against Azure's published schemas.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aksmesh::azure::ids;
use aksmesh::azure::models::network::{
    AddressSpace, Subnet, SubnetProperties, VirtualNetwork, VirtualNetworkProperties,
};
use aksmesh::azure::models::resource_group::ResourceGroup;
use aksmesh::azure::models::role_assignment::RoleAssignment;
use aksmesh::azure::{
    ArmClient, ArmClientConfig, AuthMethod, AzureError, OperationOptions, ResourceId, RetryPolicy,
    Secret,
};
use url::Url;

async fn start_azsim(data_dir: &std::path::Path, faults: &str) -> azsim::Running {
    let mut config = azsim::Config::new(data_dir);
    config.time_scale = 0.001;
    config.faults = Some(faults.to_owned());
    azsim::start(config).await.expect("azsim starts")
}

fn client_for(info: &azsim::StartInfo) -> ArmClient {
    let config = ArmClientConfig::new(info.subscription_id.clone())
        .with_arm_endpoint(Url::parse(&info.arm_endpoint).unwrap())
        .with_authority_host(Url::parse(&info.authority_host).unwrap())
        // azsim checks audiences like public ARM does.
        .with_token_scope("https://management.azure.com/.default")
        .with_client_secret(
            info.tenant_id.clone(),
            info.client_id.clone(),
            Secret::new(info.client_secret.clone()),
        )
        .with_auth_method(AuthMethod::ClientSecret)
        .with_extra_ca_certificate_pem(info.ca_pem.clone())
        .with_default_poll_interval(Duration::from_millis(50));
    ArmClient::new(config).expect("client builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vnet_lifecycle_against_azsim() {
    let data_dir = tempfile::tempdir().unwrap();
    // The first PUT of the VNet is throttled; the client must wait and retry.
    let running = start_azsim(
        data_dir.path(),
        "script:PUT:virtualNetworks/vnet-weu:1=429/1",
    )
    .await;
    let info = running.info().clone();
    let client = client_for(&info);
    let subscription = info.subscription_id.as_str();

    let group_id = ids::resource_group_id(subscription, "rg-weu");
    let group: ResourceGroup = client
        .put(
            &group_id,
            &ResourceGroup::new("westeurope", None),
            &OperationOptions::default(),
        )
        .await
        .expect("resource group created");
    assert_eq!(group.location, "westeurope");

    let vnet_id = ids::virtual_network_id(subscription, "rg-weu", "vnet-weu");
    let body = VirtualNetwork {
        location: Some("westeurope".into()),
        properties: VirtualNetworkProperties {
            address_space: Some(AddressSpace {
                address_prefixes: vec!["10.0.0.0/14".into()],
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let progress = Arc::new(Mutex::new(Vec::<String>::new()));
    let recorder = progress.clone();
    let options = OperationOptions::default()
        .with_deadline(Duration::from_secs(120))
        .with_progress(Arc::new(move |status: &str| {
            recorder.lock().unwrap().push(status.to_owned())
        }));
    let vnet: VirtualNetwork = client
        .put(&vnet_id, &body, &options)
        .await
        .expect("VNet created despite the 429");
    assert_eq!(
        vnet.properties.provisioning_state.as_deref(),
        Some("Succeeded")
    );
    assert!(ids::ids_equal(
        vnet.id.as_deref().unwrap_or_default(),
        vnet_id.as_str()
    ));

    let subnet_id = ids::subnet_id(subscription, "rg-weu", "vnet-weu", "nodes");
    let subnet: Subnet = client
        .put(
            &subnet_id,
            &Subnet {
                properties: SubnetProperties {
                    address_prefix: Some("10.0.0.0/16".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            &OperationOptions::default(),
        )
        .await
        .expect("subnet created");
    assert_eq!(
        subnet.properties.address_prefix.as_deref(),
        Some("10.0.0.0/16")
    );

    let read: Option<VirtualNetwork> = client
        .get(&vnet_id, &OperationOptions::default())
        .await
        .unwrap();
    assert!(read.is_some());

    client
        .delete::<VirtualNetwork>(&subnet_id, &OperationOptions::default())
        .await
        .expect("subnet deleted");
    client
        .delete::<VirtualNetwork>(&vnet_id, &OperationOptions::default())
        .await
        .expect("VNet deleted");
    let gone: Option<VirtualNetwork> = client
        .get(&vnet_id, &OperationOptions::default())
        .await
        .unwrap();
    assert!(gone.is_none());
    // Deleting again is not an error.
    client
        .delete::<VirtualNetwork>(&vnet_id, &OperationOptions::default())
        .await
        .expect("second delete is a no-op");

    // A missing resource group reads as None, a bad write as an ARM error with a code.
    let missing: Option<ResourceGroup> = client
        .get(
            &ids::resource_group_id(subscription, "rg-missing"),
            &OperationOptions::default(),
        )
        .await
        .unwrap();
    assert!(missing.is_none());

    running.shutdown().await;

    // azsim logged every request: the 429 was retried, and every body we sent is schema-valid.
    let log = std::fs::read_to_string(&info.request_log).unwrap();
    assert!(
        log.contains("/operations/"),
        "the Azure-AsyncOperation was polled: {log}"
    );
    assert_eq!(
        progress.lock().unwrap().last().map(String::as_str),
        Some("Succeeded")
    );
    let vnet_puts: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("\"PUT\"") && line.contains("virtualNetworks/vnet-weu?"))
        .collect();
    assert_eq!(vnet_puts.len(), 2, "{log}");
    assert!(vnet_puts[0].contains("429"), "{log}");
    let validator = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/tools/validate-arm-requests");
    let output = std::process::Command::new("python3")
        .arg(&validator)
        .arg(&info.request_log)
        .output()
        .expect("python3 runs the schema validator");
    assert!(
        output.status.success(),
        "request bodies violate the schemas (pip install jsonschema if it is missing):\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_and_untrusted_ca_fail_clearly() {
    let data_dir = tempfile::tempdir().unwrap();
    let running = start_azsim(data_dir.path(), "").await;
    let info = running.info().clone();
    let group_id = ids::resource_group_id(&info.subscription_id, "rg");

    let mut wrong = info.clone();
    wrong.client_secret = "not-the-secret".into();
    let error = client_for(&wrong)
        .get::<ResourceGroup>(&group_id, &OperationOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, AzureError::Auth { .. }), "{error:?}");
    assert!(!error.to_string().contains("not-the-secret"), "{error}");

    // Without azsim's CA the TLS handshake with the token endpoint fails, and says so.
    let mut untrusted = info.clone();
    untrusted.ca_pem = String::new();
    let error = client_for(&untrusted)
        .get::<ResourceGroup>(&group_id, &OperationOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, AzureError::Auth { .. }), "{error:?}");
    let text = error.to_string().to_lowercase();
    assert!(
        text.contains("certificate") || text.contains("issuer"),
        "{error}"
    );

    running.shutdown().await;
}

/// Busy 409s (a resource group being deleted, a bare `Conflict`, AKS's operation in progress) are
/// retried on writes, reads and actions until they clear; a real conflict (an equal role
/// assignment under another name) fails at once, with its code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_conflicts_are_retried_and_real_ones_fail_at_once() {
    let data_dir = tempfile::tempdir().unwrap();
    let running = start_azsim(
        data_dir.path(),
        "script:PUT:resourceGroups/rg-busy:1-2=409/ResourceGroupBeingDeleted;\
         script:GET:resourceGroups/rg-busy:1=409/Conflict;\
         script:PUT:virtualNetworks/vnet-busy:1=409/OperationNotAllowed",
    )
    .await;
    let info = running.info().clone();
    let mut client_config = client_for(&info).config().clone();
    client_config.retry = RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_transient_attempts: 4,
    };
    let client = ArmClient::new(client_config).expect("client builds");
    let subscription = info.subscription_id.as_str();
    let options = OperationOptions::default().with_deadline(Duration::from_secs(60));

    let group_id = ids::resource_group_id(subscription, "rg-busy");
    let group: ResourceGroup = client
        .put(&group_id, &ResourceGroup::new("westeurope", None), &options)
        .await
        .expect("the resource group is created once the old one is gone");
    assert_eq!(group.location, "westeurope");
    let read: Option<ResourceGroup> = client.get(&group_id, &options).await.unwrap();
    assert!(read.is_some(), "the busy GET was retried");
    let vnet_id = ids::virtual_network_id(subscription, "rg-busy", "vnet-busy");
    let vnet = VirtualNetwork {
        location: Some("westeurope".into()),
        properties: VirtualNetworkProperties {
            address_space: Some(AddressSpace {
                address_prefixes: vec!["10.8.0.0/16".into()],
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let _: VirtualNetwork = client
        .put(&vnet_id, &vnet, &options)
        .await
        .expect("the VNet is created once the other operation is over");

    // Two names for one principal, role and scope: the second is a real conflict.
    let principal = "6b1f0c3e-2d4a-4e5f-9a8b-7c6d5e4f3a2b";
    let role = ids::role_definition_id(subscription, "4d97b98b-1d4f-4787-a291-c67834d212e7");
    let grant = RoleAssignment::for_service_principal(role.as_str(), principal);
    let first = ids::role_assignment_id(&group_id, "0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a");
    let second = ids::role_assignment_id(&group_id, "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b");
    let _: RoleAssignment = client.put(&first, &grant, &options).await.unwrap();
    let error = client.put(&second, &grant, &options).await.unwrap_err();
    assert_eq!(error.code(), Some("RoleAssignmentExists"), "{error}");
    assert!(
        error.to_string().contains("RoleAssignmentExists"),
        "{error}"
    );
    assert_eq!(
        error.existing_role_assignment().map(|id| id.to_string()),
        Some(first.name().to_owned())
    );

    // What azsim saw: each busy 409 then success; the conflicting PUT exactly once.
    let log = std::fs::read_to_string(&info.request_log).unwrap();
    let requests: Vec<(String, String, u64)> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| {
            entry["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/subscriptions/"))
        })
        .map(|entry| {
            let path = entry["path"].as_str().unwrap_or_default();
            let path = path.split('?').next().unwrap_or_default().to_owned();
            (
                entry["method"].as_str().unwrap_or_default().to_owned(),
                path,
                entry["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let statuses = |method: &str, path: &ResourceId| -> Vec<u64> {
        requests
            .iter()
            .filter(|(m, p, _)| m == method && p.eq_ignore_ascii_case(path.as_str()))
            .map(|(_, _, status)| *status)
            .collect()
    };
    assert_eq!(statuses("PUT", &group_id), [409, 409, 201]);
    assert_eq!(statuses("GET", &group_id)[..2], [409, 200]);
    assert_eq!(statuses("PUT", &vnet_id), [409, 201]);
    assert_eq!(statuses("PUT", &second), [409]);
}
