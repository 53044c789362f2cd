//! End-to-end tests of [`ArmClient`] through the real azure_core pipeline (bearer policy, request
//! ids, our retry loop and poller) with a scripted in-memory HTTP client instead of the network.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, HeaderValue, Headers};
use azure_core::http::{AsyncRawResponse, HttpClient, Request, StatusCode};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::api_versions::NETWORK;
use super::models::managed_cluster::CredentialResults;
use super::models::network::{
    AddressSpace, Subnet, SubnetProperties, VirtualNetwork, VirtualNetworkPeering,
    VirtualNetworkProperties,
};
use super::{ArmClient, ArmClientConfig, AzureError, OperationOptions, RetryPolicy};
use crate::azure::models::managed_cluster::ManagedCluster;
use crate::azure::models::role_assignment::RoleAssignment;
use crate::azure::ResourceId;

const ARM: &str = "https://arm.test";
const VNET: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a";

/// One request as the fake server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    url: url::Url,
    headers: HashMap<String, String>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
    fn line(&self) -> String {
        format!("{} {}", self.method, self.url.path())
    }
}

enum Answer {
    Respond(u16, Vec<(&'static str, String)>, Value),
    ConnectionReset,
}

fn respond(status: u16, headers: &[(&'static str, &str)], body: Value) -> Answer {
    Answer::Respond(
        status,
        headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect(),
        body,
    )
}

type Handler = Box<dyn Fn(&Seen) -> Answer + Send + Sync>;

/// Scripted ARM: answers come from `script` in order, or from `handler` once it runs out.
struct FakeArm {
    seen: Mutex<Vec<Seen>>,
    script: Mutex<VecDeque<Answer>>,
    handler: Option<Handler>,
}

impl std::fmt::Debug for FakeArm {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("FakeArm")
    }
}

impl FakeArm {
    fn scripted(answers: Vec<Answer>) -> Arc<Self> {
        Arc::new(FakeArm {
            seen: Mutex::new(Vec::new()),
            script: Mutex::new(answers.into()),
            handler: None,
        })
    }

    fn handled(handler: Handler) -> Arc<Self> {
        Arc::new(FakeArm {
            seen: Mutex::new(Vec::new()),
            script: Mutex::new(VecDeque::new()),
            handler: Some(handler),
        })
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn lines(&self) -> Vec<String> {
        self.seen().iter().map(Seen::line).collect()
    }
}

#[async_trait::async_trait]
impl HttpClient for FakeArm {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let body = azure_core::Bytes::from(request.body());
        let seen = Seen {
            method: format!("{:?}", request.method()).to_uppercase(),
            url: request.url().clone(),
            headers: request
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.as_str().to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        self.seen.lock().unwrap().push(seen.clone());
        let scripted = self.script.lock().unwrap().pop_front();
        let answer = match (scripted, &self.handler) {
            (Some(answer), _) => answer,
            (None, Some(handler)) => handler(&seen),
            (None, None) => respond(
                500,
                &[],
                json!({"error": {"code": "ScriptExhausted", "message": seen.line()}}),
            ),
        };
        match answer {
            Answer::ConnectionReset => Err(azure_core::Error::with_message(
                ErrorKind::Io,
                "connection reset by peer",
            )),
            Answer::Respond(status, headers, body) => {
                let headers: HashMap<HeaderName, HeaderValue> = headers
                    .into_iter()
                    .map(|(n, v)| (HeaderName::from(n.to_owned()), HeaderValue::from(v)))
                    .chain(std::iter::once((
                        HeaderName::from("x-ms-request-id".to_owned()),
                        HeaderValue::from(format!("server-{status}")),
                    )))
                    .collect();
                let bytes = if body.is_null() {
                    Vec::new()
                } else {
                    body.to_string().into_bytes()
                };
                Ok(AsyncRawResponse::from_bytes(
                    StatusCode::from(status),
                    Headers::from(headers),
                    bytes,
                ))
            }
        }
    }
}

#[derive(Debug)]
struct FakeCredential {
    fail: bool,
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        assert_eq!(scopes, ["https://arm.test/.default"]);
        if self.fail {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                "no credential: set aksmesh:clientSecret or ARM_CLIENT_SECRET",
            ));
        }
        Ok(AccessToken::new(
            "token-1",
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

fn config() -> ArmClientConfig {
    let mut config = ArmClientConfig::new("s")
        .with_arm_endpoint(url::Url::parse(ARM).unwrap())
        .with_default_poll_interval(Duration::from_millis(5));
    config.retry = RetryPolicy {
        initial_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(10),
        max_transient_attempts: 4,
    };
    config
}

fn client(fake: &Arc<FakeArm>) -> ArmClient {
    ArmClient::from_parts(
        config(),
        Arc::new(FakeCredential { fail: false }),
        fake.clone(),
    )
    .unwrap()
}

fn vnet_body() -> VirtualNetwork {
    VirtualNetwork {
        location: Some("westeurope".into()),
        properties: VirtualNetworkProperties {
            address_space: Some(AddressSpace {
                address_prefixes: vec!["10.0.0.0/14".into()],
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn put_retries_throttling_then_follows_the_async_operation() {
    let operation = format!("{ARM}/subscriptions/s/providers/Microsoft.Network/locations/weu/operations/op1?api-version={NETWORK}");
    let fake = FakeArm::scripted(vec![
        respond(
            429,
            &[("retry-after-ms", "30")],
            json!({"error": {"code": "RetryableErrorDueToAnotherOperation", "message": "busy"}}),
        ),
        Answer::ConnectionReset,
        respond(
            201,
            &[("azure-asyncoperation", &operation), ("retry-after", "0")],
            json!({"properties": {"provisioningState": "Updating"}}),
        ),
        respond(
            200,
            &[],
            json!({"status": "InProgress", "percentComplete": 50}),
        ),
        respond(200, &[], json!({"status": "Succeeded"})),
        respond(
            200,
            &[],
            json!({"id": VNET, "name": "vnet-a", "location": "westeurope",
                   "properties": {"provisioningState": "Succeeded",
                                  "addressSpace": {"addressPrefixes": ["10.0.0.0/14"]}}}),
        ),
    ]);
    let progress: Arc<Mutex<Vec<String>>> = Arc::default();
    let recorder = progress.clone();
    let options = OperationOptions::default()
        .with_query("syncRemoteAddressSpace", "true")
        .with_progress(Arc::new(move |status: &str| {
            recorder.lock().unwrap().push(status.to_owned())
        }));
    let started = std::time::Instant::now();
    let vnet: VirtualNetwork = client(&fake)
        .put(&ResourceId::parse(VNET).unwrap(), &vnet_body(), &options)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "retry-after-ms honoured"
    );
    assert_eq!(vnet.name.as_deref(), Some("vnet-a"));
    assert_eq!(
        vnet.properties.provisioning_state.as_deref(),
        Some("Succeeded")
    );
    assert_eq!(
        fake.lines(),
        [
            format!("PUT {VNET}"),
            format!("PUT {VNET}"),
            format!("PUT {VNET}"),
            "GET /subscriptions/s/providers/Microsoft.Network/locations/weu/operations/op1".into(),
            "GET /subscriptions/s/providers/Microsoft.Network/locations/weu/operations/op1".into(),
            format!("GET {VNET}"),
        ]
    );
    let seen = fake.seen();
    for request in &seen {
        assert_eq!(request.header("authorization"), Some("Bearer token-1"));
        assert_eq!(
            request.header("x-ms-return-client-request-id"),
            Some("true")
        );
        let id = request.header("x-ms-client-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        let user_agent = request.header("user-agent").unwrap();
        assert!(
            user_agent.starts_with(&format!(
                "pulumi-aksmesh azsdk-rust-aksmesh/{} ",
                env!("CARGO_PKG_VERSION")
            )),
            "{user_agent}"
        );
    }
    // The retried PUT keeps its client request id; the polls get their own.
    assert_eq!(
        seen[0].header("x-ms-client-request-id"),
        seen[2].header("x-ms-client-request-id")
    );
    assert_ne!(
        seen[2].header("x-ms-client-request-id"),
        seen[3].header("x-ms-client-request-id")
    );
    let put_query: BTreeMap<_, _> = seen[0].url.query_pairs().into_owned().collect();
    assert_eq!(
        put_query.get("api-version").map(String::as_str),
        Some(NETWORK)
    );
    assert_eq!(
        put_query.get("syncRemoteAddressSpace").map(String::as_str),
        Some("true")
    );
    assert!(!seen[5].url.as_str().contains("syncRemoteAddressSpace"));
    let sent: Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        sent,
        json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/14"]}}})
    );
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(
        *progress.lock().unwrap(),
        ["Updating", "Updating 50%", "Succeeded"]
    );
}

#[tokio::test]
async fn get_maps_404_to_none_but_not_a_missing_subscription() {
    let fake = FakeArm::scripted(vec![
        respond(
            404,
            &[],
            json!({"error": {"code": "ResourceNotFound", "message": "nope"}}),
        ),
        respond(404, &[], Value::Null),
        respond(
            200,
            &[],
            json!({"name": "nodes", "properties": {"addressPrefix": "10.0.0.0/16"}}),
        ),
        respond(
            404,
            &[],
            json!({"error": {"code": "SubscriptionNotFound", "message": "The subscription 's' could not be found."}}),
        ),
        respond(200, &[], json!({"name": 42})),
    ]);
    let client = client(&fake);
    let subnet_id = format!("{VNET}/subnets/nodes");
    assert!(client
        .get::<Subnet>(
            &ResourceId::parse(&subnet_id).unwrap(),
            &OperationOptions::default()
        )
        .await
        .unwrap()
        .is_none());
    assert!(client
        .get::<Subnet>(
            &ResourceId::parse(&subnet_id).unwrap(),
            &OperationOptions::default()
        )
        .await
        .unwrap()
        .is_none());
    let subnet = client
        .get::<Subnet>(
            &ResourceId::parse(&subnet_id).unwrap(),
            &OperationOptions::default(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        subnet.properties.address_prefix.as_deref(),
        Some("10.0.0.0/16")
    );
    let error = client
        .get::<Subnet>(
            &ResourceId::parse(&subnet_id).unwrap(),
            &OperationOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SubscriptionNotFound"));
    assert_eq!(error.request_id(), Some("server-404"));
    let error = client
        .get::<Subnet>(
            &ResourceId::parse(&subnet_id).unwrap(),
            &OperationOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, AzureError::Decode { .. }), "{error}");
    assert!(error.to_string().contains("name"), "{error}");
}

#[tokio::test]
async fn delete_follows_location_then_confirms_the_404() {
    let location = format!("{ARM}/subscriptions/s/operationResults/del1");
    let fake = FakeArm::scripted(vec![
        respond(
            202,
            &[("location", &location), ("retry-after", "0")],
            Value::Null,
        ),
        respond(202, &[("retry-after-ms", "5")], Value::Null),
        respond(200, &[], Value::Null),
        respond(
            404,
            &[],
            json!({"error": {"code": "ResourceNotFound", "message": "gone"}}),
        ),
        // Second delete: the resource never existed.
        respond(204, &[], Value::Null),
        // Third: already gone.
        respond(
            404,
            &[],
            json!({"error": {"code": "ResourceNotFound", "message": "gone"}}),
        ),
    ]);
    let client = client(&fake);
    let options = OperationOptions::default();
    client
        .delete::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &options)
        .await
        .unwrap();
    client
        .delete::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &options)
        .await
        .unwrap();
    client
        .delete::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &options)
        .await
        .unwrap();
    assert_eq!(
        fake.lines(),
        [
            format!("DELETE {VNET}"),
            "GET /subscriptions/s/operationResults/del1".into(),
            "GET /subscriptions/s/operationResults/del1".into(),
            format!("GET {VNET}"),
            format!("DELETE {VNET}"),
            format!("DELETE {VNET}"),
        ]
    );
}

#[tokio::test]
async fn post_returns_the_body_and_list_follows_next_links() {
    let next = format!("{ARM}{VNET}/virtualNetworkPeerings?api-version={NETWORK}&$skipToken=2");
    let fake = FakeArm::scripted(vec![
        respond(
            200,
            &[],
            json!({"kubeconfigs": [{"name": "clusterUser", "value": "a3ViZWNvbmZpZw=="}]}),
        ),
        respond(
            200,
            &[],
            json!({"value": [{"name": "a-b", "properties": {"peeringState": "Connected"}}], "nextLink": next}),
        ),
        respond(
            200,
            &[],
            json!({"value": [{"name": "a-c", "properties": {"peeringState": "Initiated"}}]}),
        ),
    ]);
    let client = client(&fake);
    let cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1";
    let credentials: CredentialResults = client
        .post::<ManagedCluster, _>(
            &ResourceId::parse(cluster).unwrap(),
            "listClusterUserCredential",
            &OperationOptions::default().with_query("format", "exec"),
        )
        .await
        .unwrap();
    assert_eq!(credentials.first_kubeconfig().unwrap(), "kubeconfig");
    let peerings: Vec<VirtualNetworkPeering> = client
        .list(
            &ResourceId::parse(VNET).unwrap(),
            "virtualNetworkPeerings",
            &OperationOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        peerings
            .iter()
            .map(|p| p.name.clone().unwrap())
            .collect::<Vec<_>>(),
        ["a-b", "a-c"]
    );
    let seen = fake.seen();
    assert_eq!(seen[0].method, "POST");
    assert!(seen[0].url.as_str().contains("format=exec"));
    assert_eq!(seen[0].header("content-length").unwrap_or("0"), "0");
    assert!(seen[2].url.as_str().contains("skipToken=2"));
}

#[tokio::test]
async fn refuses_to_send_tokens_to_another_host() {
    let fake = FakeArm::scripted(vec![respond(
        201,
        &[("azure-asyncoperation", "https://evil.test/operations/1")],
        Value::Null,
    )]);
    let error = client(&fake)
        .put::<VirtualNetwork>(
            &ResourceId::parse(VNET).unwrap(),
            &vnet_body(),
            &OperationOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("evil.test"), "{error}");
    assert_eq!(fake.lines(), [format!("PUT {VNET}")]);
}

#[tokio::test]
async fn operation_failure_and_permanent_errors_surface() {
    let operation = format!("{ARM}/operations/2");
    let fake = FakeArm::scripted(vec![
        respond(
            201,
            &[("azure-asyncoperation", &operation), ("retry-after", "0")],
            Value::Null,
        ),
        respond(
            200,
            &[],
            json!({"status": "Failed", "error": {"code": "InUseSubnetCannotBeDeleted", "message": "Subnet nodes is in use"}}),
        ),
        respond(
            400,
            &[],
            json!({"error": {"code": "VnetAddressSpacesOverlap", "message": "overlap"}}),
        ),
    ]);
    let client = client(&fake);
    let options = OperationOptions::default();
    let error = client
        .put::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &vnet_body(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, AzureError::OperationFailed { code, .. } if code == "InUseSubnetCannotBeDeleted"),
        "{error:?}"
    );
    let error = client
        .put::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &vnet_body(), &options)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("VnetAddressSpacesOverlap"));
    assert!(!error.is_retryable());
}

fn conflict(code: &str, message: &str) -> Answer {
    respond(
        409,
        &[],
        json!({"error": {"code": code, "message": message}}),
    )
}

#[tokio::test]
async fn busy_conflicts_are_retried_on_every_path() {
    let operation = format!("{ARM}/subscriptions/s/providers/Microsoft.Network/locations/weu/operations/op2?api-version={NETWORK}");
    let aks_busy = "Operation is not allowed: Another operation (Updating) is in progress, please \
                    wait for it to finish. See https://aka.ms/aks-pending-operation";
    let vnet = json!({"id": VNET, "name": "vnet-a", "location": "westeurope",
                      "properties": {"provisioningState": "Succeeded"}});
    let fake =
        FakeArm::scripted(vec![
        // GET
        conflict(
            "ResourceGroupBeingDeleted",
            "The resource group 'rg' is in deprovisioning state and cannot perform this operation.",
        ),
        respond(200, &[], vnet.clone()),
        // PUT, its operation poll and its final GET
        conflict("Conflict", "The resource is busy with an Updating operation."),
        respond(
            201,
            &[("azure-asyncoperation", &operation), ("retry-after", "0")],
            json!({"properties": {"provisioningState": "Updating"}}),
        ),
        conflict("OperationNotAllowed", aks_busy),
        respond(200, &[], json!({"status": "Succeeded"})),
        conflict(
            "AnotherOperationInProgress",
            "Another operation on this or dependent resource is in progress.",
        ),
        respond(200, &[], vnet.clone()),
        // POST
        conflict("OperationNotAllowed", aks_busy),
        respond(
            200,
            &[],
            json!({"kubeconfigs": [{"name": "clusterUser", "value": "a3ViZWNvbmZpZw=="}]}),
        ),
        // list: a 409 with no body is a bare Conflict, retried too
        respond(409, &[], Value::Null),
        respond(200, &[], json!({"value": []})),
        // DELETE
        conflict(
            "ResourceGroupBeingDeleted",
            "The resource group 'rg' is in deprovisioning state and cannot perform this operation.",
        ),
        respond(204, &[], Value::Null),
    ]);
    let client = client(&fake);
    let options = OperationOptions::default();
    let id = ResourceId::parse(VNET).unwrap();
    let read: Option<VirtualNetwork> = client.get(&id, &options).await.unwrap();
    assert!(read.is_some());
    let written: VirtualNetwork = client.put(&id, &vnet_body(), &options).await.unwrap();
    assert_eq!(
        written.properties.provisioning_state.as_deref(),
        Some("Succeeded")
    );
    let cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1";
    let credentials: CredentialResults = client
        .post::<ManagedCluster, _>(
            &ResourceId::parse(cluster).unwrap(),
            "listClusterUserCredential",
            &options,
        )
        .await
        .unwrap();
    assert_eq!(credentials.first_kubeconfig().unwrap(), "kubeconfig");
    let peerings: Vec<VirtualNetworkPeering> = client
        .list(&id, "virtualNetworkPeerings", &options)
        .await
        .unwrap();
    assert!(peerings.is_empty());
    client
        .delete::<VirtualNetwork>(&id, &options)
        .await
        .unwrap();
    let poll = "GET /subscriptions/s/providers/Microsoft.Network/locations/weu/operations/op2";
    assert_eq!(
        fake.lines(),
        [
            format!("GET {VNET}"),
            format!("GET {VNET}"),
            format!("PUT {VNET}"),
            format!("PUT {VNET}"),
            poll.into(),
            poll.into(),
            format!("GET {VNET}"),
            format!("GET {VNET}"),
            format!("POST {cluster}/listClusterUserCredential"),
            format!("POST {cluster}/listClusterUserCredential"),
            format!("GET {VNET}/virtualNetworkPeerings"),
            format!("GET {VNET}/virtualNetworkPeerings"),
            format!("DELETE {VNET}"),
            format!("DELETE {VNET}"),
        ]
    );
}

#[tokio::test]
async fn real_conflicts_fail_at_once_with_their_code() {
    let assignment = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/3f2a0d6e-8c1b-4b7a-9e55-0d1c2b3a4f5e";
    let exists = "The role assignment already exists. The ID of the existing role assignment is \
                  0f0f0f0f0f0f4f0f8f0f0f0f0f0f0f0f.";
    let fake = FakeArm::scripted(vec![
        conflict("RoleAssignmentExists", exists),
        conflict(
            "OperationNotAllowed",
            "Operation could not be completed as it results in exceeding approved quota.",
        ),
        // A bare Conflict that never clears: bounded (config() allows 4 attempts).
        conflict(
            "Conflict",
            "The request conflicts with the resource's state.",
        ),
        conflict(
            "Conflict",
            "The request conflicts with the resource's state.",
        ),
        conflict(
            "Conflict",
            "The request conflicts with the resource's state.",
        ),
        conflict(
            "Conflict",
            "The request conflicts with the resource's state.",
        ),
    ]);
    let client = client(&fake);
    let options = OperationOptions::default();
    let grant = RoleAssignment::for_service_principal("/providers/r", "p");
    let error = client
        .put(&ResourceId::parse(assignment).unwrap(), &grant, &options)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("RoleAssignmentExists"));
    assert!(
        error.to_string().contains("RoleAssignmentExists"),
        "{error}"
    );
    assert_eq!(fake.seen().len(), 1);

    let error = client
        .put::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &vnet_body(), &options)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("OperationNotAllowed"));
    assert!(error.to_string().contains("quota"), "{error}");
    assert_eq!(fake.seen().len(), 2);

    let error = client
        .put::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &vnet_body(), &options)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("Conflict"));
    assert!(error.to_string().contains("Conflict"), "{error}");
    assert_eq!(fake.seen().len(), 6);
}

#[tokio::test]
async fn writes_to_one_vnet_are_serialised() {
    // Each PUT answers 201 + an operation that needs two polls; the second write must not start
    // before the first one's final GET.
    let fake = FakeArm::handled(Box::new(|seen: &Seen| {
        let path = seen.url.path().to_owned();
        match seen.method.as_str() {
            "PUT" => {
                let operation = format!("{ARM}/operations{path}");
                Answer::Respond(
                    201,
                    vec![
                        ("azure-asyncoperation", operation),
                        ("retry-after-ms", "20".into()),
                    ],
                    Value::Null,
                )
            }
            "GET" if path.starts_with("/operations") => respond(
                200,
                &[("retry-after-ms", "20")],
                json!({"status": "Succeeded"}),
            ),
            _ => respond(
                200,
                &[],
                json!({"properties": {"addressPrefix": "10.0.0.0/24", "provisioningState": "Succeeded"}}),
            ),
        }
    }));
    let client = client(&fake);
    let subnet = Subnet {
        properties: SubnetProperties {
            address_prefix: Some("10.0.0.0/24".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let first_id = format!("{VNET}/subnets/one");
    let second_id = format!("{VNET}/SUBNETS/two").to_lowercase();
    let options = OperationOptions::default();
    let (first_id, second_id) = (
        ResourceId::parse(&first_id).unwrap(),
        ResourceId::parse(&second_id).unwrap(),
    );
    let (first, second) = tokio::join!(
        client.put::<Subnet>(&first_id, &subnet, &options),
        client.put::<Subnet>(&second_id, &subnet, &options),
    );
    first.unwrap();
    second.unwrap();
    let lines = fake.lines();
    let puts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.starts_with("PUT"))
        .map(|(index, _)| index)
        .collect();
    assert_eq!(puts.len(), 2);
    // Between the two PUTs: the first write's operation poll and final GET.
    assert_eq!(puts[1] - puts[0], 3, "{lines:#?}");
}

#[tokio::test]
async fn cancel_stops_a_long_running_operation_within_a_second() {
    let fake = FakeArm::handled(Box::new(|seen: &Seen| {
        if seen.method == "PUT" {
            Answer::Respond(
                201,
                vec![("azure-asyncoperation", format!("{ARM}/operations/slow"))],
                Value::Null,
            )
        } else {
            respond(
                200,
                &[("retry-after", "60")],
                json!({"status": "InProgress"}),
            )
        }
    }));
    let cancel = CancellationToken::new();
    let options = OperationOptions::default().with_cancel(cancel.clone());
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let result = client(&fake)
        .put::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &vnet_body(), &options)
        .await;
    assert!(matches!(result, Err(AzureError::Canceled)), "{result:?}");
    assert!(started.elapsed() < Duration::from_millis(1200));
    canceller.await.unwrap();
}

#[tokio::test]
async fn reads_and_lists_stop_on_cancel_while_throttled() {
    // ARM asks to come back in a minute; the engine's Cancel must not wait for that.
    let fake = FakeArm::handled(Box::new(|_: &Seen| {
        respond(
            429,
            &[("retry-after", "60")],
            json!({"error": {"code": "TooManyRequests", "message": "slow down"}}),
        )
    }));
    let client = client(&fake);
    let vnet = ResourceId::parse(VNET).unwrap();
    for case in ["get", "list"] {
        let cancel = CancellationToken::new();
        let options = OperationOptions::default().with_cancel(cancel.clone());
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            cancel.cancel();
        });
        let result = match case {
            "get" => client
                .get::<VirtualNetwork>(&vnet, &options)
                .await
                .map(|_| ()),
            _ => (client.list::<VirtualNetworkPeering>(&vnet, "virtualNetworkPeerings", &options))
                .await
                .map(|_| ()),
        };
        assert!(
            matches!(result, Err(AzureError::Canceled)),
            "{case}: {result:?}"
        );
        canceller.await.unwrap();
    }
}

#[tokio::test]
async fn deadline_turns_into_timeout() {
    let fake = FakeArm::handled(Box::new(|seen: &Seen| {
        if seen.method == "PUT" {
            Answer::Respond(
                201,
                vec![("azure-asyncoperation", format!("{ARM}/operations/slow"))],
                Value::Null,
            )
        } else {
            respond(
                200,
                &[("retry-after-ms", "10")],
                json!({"status": "InProgress"}),
            )
        }
    }));
    let options = OperationOptions::default().with_deadline(Duration::from_millis(100));
    let error = client(&fake)
        .put::<VirtualNetwork>(&ResourceId::parse(VNET).unwrap(), &vnet_body(), &options)
        .await
        .unwrap_err();
    match error {
        AzureError::Timeout { operation, after } => {
            assert!(operation.contains("vnet-a"), "{operation}");
            assert_eq!(after, Duration::from_millis(100));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn authentication_failure_is_reported_as_auth() {
    let fake = FakeArm::scripted(vec![]);
    let client = ArmClient::from_parts(
        config(),
        Arc::new(FakeCredential { fail: true }),
        fake.clone(),
    )
    .unwrap();
    let error = client
        .get::<Subnet>(
            &ResourceId::parse(VNET).unwrap(),
            &OperationOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, AzureError::Auth { .. }), "{error:?}");
    assert!(error.to_string().contains("ARM_CLIENT_SECRET"), "{error}");
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() {
    let fake = FakeArm::handled(Box::new(|_: &Seen| Answer::ConnectionReset));
    let error = client(&fake)
        .get::<Subnet>(
            &ResourceId::parse(VNET).unwrap(),
            &OperationOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, AzureError::Transport { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(fake.seen().len(), 4);
}

#[test]
fn plain_http_endpoints_and_bad_ids_are_refused() {
    let fake = FakeArm::scripted(vec![]);
    let config =
        ArmClientConfig::new("s").with_arm_endpoint(url::Url::parse("http://arm.test").unwrap());
    let error = ArmClient::from_parts(
        config,
        Arc::new(FakeCredential { fail: false }),
        fake.clone(),
    )
    .unwrap_err();
    assert!(matches!(error, AzureError::Config { .. }), "{error:?}");
}

#[test]
fn relative_ids_cannot_be_expressed() {
    // Every call takes a typed ResourceId, so a relative path is refused before any request.
    for text in ["subscriptions/s", "", "/subscriptions/s/../x"] {
        let error = ResourceId::parse(text).unwrap_err();
        assert!(
            matches!(error, AzureError::Config { .. }),
            "{text}: {error:?}"
        );
    }
}

/// A subscription bucket on the fake server: `capacity` tokens refilling at `rate` per second.
struct ServerBucket {
    state: Mutex<(f64, std::time::Instant)>,
    capacity: f64,
    rate: f64,
    lowest: Mutex<f64>,
}

impl ServerBucket {
    fn new(capacity: f64, rate: f64) -> Arc<Self> {
        Arc::new(ServerBucket {
            state: Mutex::new((capacity, std::time::Instant::now())),
            capacity,
            rate,
            lowest: Mutex::new(capacity),
        })
    }

    /// Takes a token: `Ok(remaining)`, or `Err(ms until one is back)`.
    fn take(&self) -> Result<f64, u64> {
        let mut state = self.state.lock().unwrap();
        let now = std::time::Instant::now();
        let refill = self.rate * now.duration_since(state.1).as_secs_f64();
        *state = ((state.0 + refill).min(self.capacity), now);
        if state.0 < 1.0 {
            return Err(((1.0 - state.0) / self.rate * 1000.0).ceil() as u64);
        }
        state.0 -= 1.0;
        let mut lowest = self.lowest.lock().unwrap();
        *lowest = lowest.min(state.0);
        Ok(state.0)
    }
}

/// Reads against a bucket of 20 refilling at 100/s: a warm-up GET, then 60 at once. With the
/// remaining-reads header the pacer spaces them and the bucket never empties; without it, nothing
/// is paced and the server throttles, yet every read succeeds after its retries.
#[tokio::test]
async fn pacing_keeps_the_read_bucket_from_emptying() {
    for headers in [true, false] {
        let bucket = ServerBucket::new(20.0, 100.0);
        let server = bucket.clone();
        let fake = FakeArm::handled(Box::new(move |_: &Seen| match server.take() {
            Ok(remaining) => {
                let mut answer = vec![];
                if headers {
                    answer.push((
                        "x-ms-ratelimit-remaining-subscription-reads",
                        format!("{}", remaining.floor()),
                    ));
                }
                Answer::Respond(200, answer, json!({"properties": {}}))
            }
            Err(wait_ms) => Answer::Respond(
                429,
                vec![("retry-after-ms", wait_ms.to_string())],
                json!({"error": {"code": "SubscriptionRequestsThrottled", "message": "slow down"}}),
            ),
        }));
        let mut config = config();
        // 10 ms per read; a reserve of 10 reads.
        config.pacing.reads_per_second = 100.0;
        config.pacing.reserve = Duration::from_millis(100);
        let client = ArmClient::from_parts(
            config,
            Arc::new(FakeCredential { fail: false }),
            fake.clone(),
        )
        .unwrap();
        let id = ResourceId::parse(VNET).unwrap();
        let options = OperationOptions::default();
        client.get::<VirtualNetwork>(&id, &options).await.unwrap();
        let started = std::time::Instant::now();
        let reads = (0..60).map(|_| client.get::<VirtualNetwork>(&id, &options));
        for result in futures::future::join_all(reads).await {
            assert!(result.unwrap().is_some(), "headers: {headers}");
        }
        let elapsed = started.elapsed();
        let stats = client.throttle_stats();
        let lowest = *bucket.lowest.lock().unwrap();
        if headers {
            assert_eq!(stats.throttled, 0, "{stats:?}");
            // 19 left after the warm-up, ~9 reads at once, the rest one per 10 ms.
            assert!((45..=55).contains(&stats.paced_requests), "{stats:?}");
            assert!(lowest >= 5.0, "the bucket fell to {lowest}");
            assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
            assert_eq!(fake.seen().len(), 61);
        } else {
            assert!(stats.throttled > 0, "{stats:?}");
            assert!(lowest < 1.0, "the bucket only fell to {lowest}");
            assert_eq!(fake.seen().len() as u64, 61 + stats.throttled);
        }
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    }
}

/// A throttling 429 with `Retry-After` holds every read until then, not only the one that got it;
/// writes go on.
#[tokio::test]
async fn a_throttled_read_holds_all_reads_until_retry_after() {
    let arrivals: Arc<Mutex<Vec<(String, std::time::Instant)>>> = Arc::default();
    let recorder = arrivals.clone();
    let fake = FakeArm::handled(Box::new(move |seen: &Seen| {
        let line = seen.line();
        let mut arrivals = recorder.lock().unwrap();
        let first = arrivals.is_empty();
        arrivals.push((line, std::time::Instant::now()));
        if first {
            return respond(
                429,
                &[("retry-after-ms", "300")],
                json!({"error": {"code": "SubscriptionRequestsThrottled", "message": "slow down"}}),
            );
        }
        respond(
            200,
            &[],
            json!({"properties": {"provisioningState": "Succeeded"}}),
        )
    }));
    let client = client(&fake);
    let options = OperationOptions::default();
    let first = ResourceId::parse(&format!("{VNET}/subnets/one")).unwrap();
    let second = ResourceId::parse(&format!("{VNET}/subnets/two")).unwrap();
    let other_vnet = ResourceId::parse(&VNET.replace("vnet-a", "vnet-b")).unwrap();
    let body = vnet_body();
    let started = std::time::Instant::now();
    let later = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tokio::join!(
            client.get::<Subnet>(&second, &options),
            client.put::<VirtualNetwork>(&other_vnet, &body, &options),
        )
    };
    let (first_read, (second_read, write)) =
        tokio::join!(client.get::<Subnet>(&first, &options), later);
    first_read.unwrap();
    second_read.unwrap();
    write.unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    let at = |line: &str, nth: usize| {
        arrivals
            .iter()
            .filter(|(seen, _)| seen == line)
            .nth(nth)
            .map(|(_, at)| at.duration_since(started))
            .unwrap_or_else(|| panic!("no {line} #{nth} in {arrivals:?}"))
    };
    let held = Duration::from_millis(290);
    assert!(at(&format!("GET {first}"), 1) >= held, "{arrivals:?}");
    assert!(at(&format!("GET {second}"), 0) >= held, "{arrivals:?}");
    assert!(
        at(&format!("PUT {other_vnet}"), 0) < Duration::from_millis(250),
        "{arrivals:?}"
    );
    let stats = client.throttle_stats();
    assert_eq!((stats.throttled, stats.throttled_by_kind), (1, [1, 0, 0]));
}

/// The Network RP takes one write per VNet at a time, and a peering write needs its remote VNet
/// idle: peerings that share a VNet, either end, are queued behind each other; peerings of
/// unrelated VNets go in parallel.
#[tokio::test]
async fn peerings_of_one_vnet_are_queued() {
    let vnet = |name: &str| VNET.replace("vnet-a", name);
    let peering =
        |from: &str, to: &str| format!("{}/virtualNetworkPeerings/{from}-{to}", vnet(from));
    // (first peering, second peering, requests between the two PUTs)
    let cases = [
        // Same VNet: the first one's operation poll and final GET come first.
        (("vnet-a", "vnet-b"), ("vnet-a", "vnet-c"), 3),
        // The two directions of one peering: each names the other's VNet as remote.
        (("vnet-a", "vnet-b"), ("vnet-b", "vnet-a"), 3),
        // One's remote VNet is the other's own.
        (("vnet-a", "vnet-b"), ("vnet-c", "vnet-a"), 3),
        // Nothing shared: both PUTs at once.
        (("vnet-a", "vnet-b"), ("vnet-c", "vnet-d"), 1),
    ];
    for ((from_one, to_one), (from_two, to_two), gap) in cases {
        let (first, second) = (peering(from_one, to_one), peering(from_two, to_two));
        let fake = FakeArm::handled(Box::new(|seen: &Seen| {
            let path = seen.url.path().to_owned();
            match seen.method.as_str() {
                "PUT" => Answer::Respond(
                    201,
                    vec![
                        ("azure-asyncoperation", format!("{ARM}/operations{path}")),
                        ("retry-after-ms", "20".into()),
                    ],
                    Value::Null,
                ),
                "GET" if path.starts_with("/operations") => {
                    respond(200, &[], json!({"status": "Succeeded"}))
                }
                _ => respond(
                    200,
                    &[],
                    json!({"properties": {"provisioningState": "Succeeded", "peeringState": "Initiated"}}),
                ),
            }
        }));
        let client = client(&fake);
        let body = |to: &str| -> VirtualNetworkPeering {
            serde_json::from_value(
                json!({"properties": {"remoteVirtualNetwork": {"id": vnet(to)}}}),
            )
            .unwrap()
        };
        let options = OperationOptions::default();
        let (one, two) = (
            ResourceId::parse(&first).unwrap(),
            ResourceId::parse(&second).unwrap(),
        );
        let (body_one, body_two) = (body(to_one), body(to_two));
        let (one, two) = tokio::join!(
            client.put::<VirtualNetworkPeering>(&one, &body_one, &options),
            client.put::<VirtualNetworkPeering>(&two, &body_two, &options),
        );
        one.unwrap();
        two.unwrap();
        let lines = fake.lines();
        let puts: Vec<usize> = (lines.iter().enumerate())
            .filter(|(_, line)| line.starts_with("PUT"))
            .map(|(index, _)| index)
            .collect();
        assert_eq!(puts.len(), 2, "{lines:#?}");
        assert_eq!(puts[1] - puts[0], gap, "{first} then {second}: {lines:#?}");
    }
}
