//! [`ArmClient`]: typed GET/PUT/DELETE/POST/PATCH/list over ARM with retries, long-running
//! operations and per-VNet / per-cluster write serialisation.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::http::HttpClient;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::auth::build_credential;
use super::config::ArmClientConfig;
use super::deadline::OperationDeadline;
use super::error::{AzureError, AzureResult};
use super::lro::{wait_for_completion, LongRunningOperation, OperationKind, PollTransport};
use azure_core::http::Method;

use super::ids::ResourceId;
use super::models::ArmResource;
use super::pacing::{Pacer, RequestKind, ThrottleStats};
use super::request::{ArmPipeline, ArmRequest, ArmResponse};
use super::retry::send_with_retry;
use super::transport::build_http_client;
use super::write_locks::WriteLocks;

/// Default deadline of a managed cluster write (creates take 5–15 min, sometimes far more).
pub const MANAGED_CLUSTER_OPERATION_TIMEOUT: Duration = Duration::from_secs(90 * 60);
/// Default deadline of any other write.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Upper bound on pages read by [`ArmClient::list`], against a server that links in circles.
const MAX_LIST_PAGES: usize = 10_000;

/// Callback receiving status changes of a long-running operation ("Creating", "Updating 40%").
pub type ProgressCallback = Arc<dyn Fn(&str) + Send + Sync>;

/// Per-call options of writes (and of [`ArmClient::get_with_options`]).
#[derive(Clone, Default)]
pub struct OperationOptions {
    /// Overall deadline including retries and polling; `None` = the per-type default.
    pub deadline: Option<Duration>,
    /// Cancels the operation: polling stops within a second with [`AzureError::Canceled`].
    pub cancel: CancellationToken,
    /// Receives status changes.
    pub progress: Option<ProgressCallback>,
    /// Extra query parameters for the initial request, e.g. `syncRemoteAddressSpace=true`.
    pub query: Vec<(String, String)>,
}

impl OperationOptions {
    /// Options with a deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Options with a cancellation token.
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Options with a progress callback.
    pub fn with_progress(mut self, progress: ProgressCallback) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Adds a query parameter to the initial request.
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
}

impl fmt::Debug for OperationOptions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("OperationOptions")
            .field("deadline", &self.deadline)
            .field("canceled", &self.cancel.is_cancelled())
            .field("progress", &self.progress.as_ref().map(|_| "<callback>"))
            .field("query", &self.query)
            .finish()
    }
}

/// Client of Azure Resource Manager. Cheap to clone: clones share the pipeline, the write locks
/// and the pacer, so one client per process paces every operation together.
#[derive(Clone)]
pub struct ArmClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    config: ArmClientConfig,
    pipeline: ArmPipeline,
    locks: WriteLocks,
    pacer: Pacer,
}

impl fmt::Debug for ArmClient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ArmClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl ArmClient {
    /// Builds the client: HTTP client trusting the configured CA, credential chain, pipeline.
    pub fn new(config: ArmClientConfig) -> AzureResult<Self> {
        config.validate()?;
        let http_client = build_http_client(config.extra_ca_certificate_pem.as_deref())?;
        let credential = build_credential(&config, http_client.clone())?;
        Self::from_parts(config, credential, http_client)
    }

    /// Builds the client with a given credential (tests, or callers with their own identity).
    pub fn with_credential(
        config: ArmClientConfig,
        credential: Arc<dyn TokenCredential>,
    ) -> AzureResult<Self> {
        config.validate()?;
        let http_client = build_http_client(config.extra_ca_certificate_pem.as_deref())?;
        Self::from_parts(config, credential, http_client)
    }

    /// Builds the client from explicit parts; `http_client` carries every ARM request.
    pub fn from_parts(
        config: ArmClientConfig,
        credential: Arc<dyn TokenCredential>,
        http_client: Arc<dyn HttpClient>,
    ) -> AzureResult<Self> {
        config.validate()?;
        let pipeline = ArmPipeline::new(
            credential,
            &config.token_scope,
            http_client,
            &config.application_id,
        );
        let pacer = Pacer::new(config.pacing.clone(), config.throttle_log.clone());
        Ok(ArmClient {
            inner: Arc::new(ClientInner {
                config,
                pipeline,
                locks: WriteLocks::default(),
                pacer,
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &ArmClientConfig {
        &self.inner.config
    }

    /// The 429s this client received and the delays its pacing added, since it was built.
    pub fn throttle_stats(&self) -> ThrottleStats {
        self.inner.pacer.stats()
    }

    /// The subscription resources are created in.
    pub fn subscription_id(&self) -> &str {
        &self.inner.config.subscription_id
    }

    /// GETs a resource; `Ok(None)` when it (or its resource group) does not exist.
    pub async fn get<T: ArmResource + DeserializeOwned>(
        &self,
        id: &ResourceId,
        options: &OperationOptions,
    ) -> AzureResult<Option<T>> {
        let id = id.as_str();
        let deadline = self.read_deadline(format!("reading {id}"), options);
        let url = self.inner.url_for(id, T::API_VERSION, &options.query)?;
        let request = ArmRequest::new(Method::Get, url, None);
        let response = self.inner.send(&request, &[404], &deadline).await?;
        if response.status == 404 {
            let error = response.to_error();
            // A missing subscription is a configuration problem, not a missing resource.
            if error.code() == Some("SubscriptionNotFound") {
                return Err(error);
            }
            return Ok(None);
        }
        decode(&format!("GET {id}"), response.json_value()?).map(Some)
    }

    /// Creates or replaces a resource, waits for its long-running operation, and returns the
    /// resource's final state.
    pub async fn put<T>(
        &self,
        id: &ResourceId,
        body: &T,
        options: &OperationOptions,
    ) -> AzureResult<T>
    where
        T: ArmResource + Serialize + DeserializeOwned,
    {
        (self.put_tracked(id, body, options).await).map_err(|failure| failure.error)
    }

    /// [`ArmClient::put`] for the first write of a create, which must tell a refusal (nothing was
    /// written) from a failure after Azure may have acted on the request.
    pub async fn put_tracked<T>(
        &self,
        id: &ResourceId,
        body: &T,
        options: &OperationOptions,
    ) -> Result<T, WriteFailure>
    where
        T: ArmResource + Serialize + DeserializeOwned,
    {
        let id = id.as_str();
        let body = serde_json::to_vec(body)
            .map_err(|error| AzureError::decode(&format!("request body of PUT {id}"), error))
            .map_err(WriteFailure::refused)?;
        let write = Write {
            method: Method::Put,
            id,
            api_version: T::API_VERSION,
            body: Some(body),
            description: format!("create or update of {id}"),
        };
        let value = self.write_tracked(write, options).await?;
        decode(&format!("PUT {id}"), value).map_err(WriteFailure::uncertain)
    }

    /// Replaces a resource's tags (PATCH `{"tags": …}`) and returns its final state.
    pub async fn patch_tags<T: ArmResource + DeserializeOwned>(
        &self,
        id: &ResourceId,
        tags: &BTreeMap<String, String>,
        options: &OperationOptions,
    ) -> AzureResult<T> {
        #[derive(Serialize)]
        struct TagsPatch<'a> {
            tags: &'a BTreeMap<String, String>,
        }
        let id = id.as_str();
        let body = serde_json::to_vec(&TagsPatch { tags })
            .map_err(|error| AzureError::decode("tags", error))?;
        let write = Write {
            method: Method::Patch,
            id,
            api_version: T::API_VERSION,
            body: Some(body),
            description: format!("tag update of {id}"),
        };
        let value = self.write(write, options).await?;
        decode(&format!("PATCH {id}"), value)
    }

    /// Deletes a resource of type `T` and waits until it is gone. A resource that does not exist
    /// is not an error (404 and 204 mean done).
    pub async fn delete<T: ArmResource>(
        &self,
        id: &ResourceId,
        options: &OperationOptions,
    ) -> AzureResult<()> {
        let id = id.as_str();
        let write = Write {
            method: Method::Delete,
            id,
            api_version: T::API_VERSION,
            body: None,
            description: format!("deletion of {id}"),
        };
        self.write(write, options).await.map(|_| ())
    }

    /// Invokes a POST action of a resource of type `R` (e.g. `listClusterUserCredential`),
    /// following a 202 + `Location` when the action is long-running. An empty result decodes from
    /// `null`.
    pub async fn post<R: ArmResource, T: DeserializeOwned>(
        &self,
        id: &ResourceId,
        action: &str,
        options: &OperationOptions,
    ) -> AzureResult<T> {
        self.post_action::<R, T>(id, action, None, options).await
    }

    /// [`ArmClient::post`] for an action that takes a JSON body (Front Door's `upgrade`).
    pub async fn post_with_body<R: ArmResource, B: Serialize, T: DeserializeOwned>(
        &self,
        id: &ResourceId,
        action: &str,
        body: &B,
        options: &OperationOptions,
    ) -> AzureResult<T> {
        let body = serde_json::to_vec(body).map_err(|error| {
            AzureError::decode(&format!("request body of POST {id}/{action}"), error)
        })?;
        self.post_action::<R, T>(id, action, Some(body), options)
            .await
    }

    async fn post_action<R: ArmResource, T: DeserializeOwned>(
        &self,
        id: &ResourceId,
        action: &str,
        body: Option<Vec<u8>>,
        options: &OperationOptions,
    ) -> AzureResult<T> {
        let id_with_action = format!("{id}/{action}");
        let deadline =
            self.write_deadline(format!("action {id_with_action}"), &id_with_action, options);
        let url = (self.inner).url_for(&id_with_action, R::API_VERSION, &options.query)?;
        let request = ArmRequest::new(Method::Post, url.clone(), body);
        let initial = self.inner.send(&request, &[], &deadline).await?;
        let operation = LongRunningOperation {
            kind: OperationKind::Action,
            resource_url: &url,
            poll_interval: self.inner.config.effective_poll_interval(),
            started: tokio::time::Instant::now(),
            progress: options.progress.as_deref(),
            deadline: &deadline,
        };
        let value = wait_for_completion(&*self.inner, operation, initial).await?;
        decode(&format!("POST {id_with_action}"), value)
    }

    /// Lists the `collection` children of `parent` (e.g. a VNet's `virtualNetworkPeerings`),
    /// following `nextLink` pages.
    pub async fn list<T: ArmResource + DeserializeOwned>(
        &self,
        parent: &ResourceId,
        collection: &str,
        options: &OperationOptions,
    ) -> AzureResult<Vec<T>> {
        let collection_path = format!("{parent}/{collection}");
        let deadline = self.read_deadline(format!("listing {collection_path}"), options);
        let mut url = self.inner.url_for(&collection_path, T::API_VERSION, &[])?;
        let mut items = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let request = ArmRequest::new(Method::Get, url.clone(), None);
            let response = self.inner.send(&request, &[], &deadline).await?;
            let page: Page = decode(&format!("GET {collection_path}"), response.json_value()?)?;
            for item in page.value {
                items.push(decode(&format!("an item of {collection_path}"), item)?);
            }
            match next_page(page.next_link, &url)? {
                Some(next) => url = next,
                None => return Ok(items),
            }
        }
        Ok(items)
    }

    /// GETs `{parent}/{collection}` as one document, for read-only listings that answer with a
    /// single body rather than pages of `value` (AKS's `locations/{location}/kubernetesVersions`).
    pub async fn get_listing<T: ArmResource + DeserializeOwned>(
        &self,
        parent: &ResourceId,
        collection: &str,
        options: &OperationOptions,
    ) -> AzureResult<T> {
        let path = format!("{parent}/{collection}");
        let deadline = self.read_deadline(format!("reading {path}"), options);
        let url = self.inner.url_for(&path, T::API_VERSION, &options.query)?;
        let request = ArmRequest::new(Method::Get, url, None);
        let response = self.inner.send(&request, &[], &deadline).await?;
        decode(&format!("GET {path}"), response.json_value()?)
    }

    /// PUT/PATCH/DELETE: serialised per VNet/cluster, retried, then followed to completion.
    async fn write(&self, write: Write<'_>, options: &OperationOptions) -> AzureResult<Value> {
        self.write_tracked(write, options)
            .await
            .map_err(|failure| failure.error)
    }

    /// [`ArmClient::write`], telling whether a failure left Azure unchanged.
    async fn write_tracked(
        &self,
        write: Write<'_>,
        options: &OperationOptions,
    ) -> Result<Value, WriteFailure> {
        let Write {
            method,
            id,
            api_version,
            body,
            description,
        } = write;
        let deadline = self.write_deadline(description, id, options);
        let url =
            (self.inner.url_for(id, api_version, &options.query)).map_err(WriteFailure::refused)?;
        // Extra query parameters (syncRemoteAddressSpace) belong to the write, not to later reads.
        let resource_url =
            (self.inner.url_for(id, api_version, &[])).map_err(WriteFailure::refused)?;
        let remote_vnet = super::write_locks::remote_vnet_of(id, body.as_deref());
        let scopes: Vec<&str> = std::iter::once(id).chain(remote_vnet.as_deref()).collect();
        let _write_guard =
            (self.inner.locks.acquire(&scopes, &deadline).await).map_err(WriteFailure::refused)?;
        let request = ArmRequest::new(method, url, body);
        let delete = method == Method::Delete;
        let accepted: &[u16] = if delete { &[404] } else { &[] };
        let initial = (self.inner.send(&request, accepted, &deadline).await)
            .map_err(WriteFailure::of_request)?;
        if delete && initial.status == 404 {
            return Ok(Value::Null);
        }
        let kind = if delete {
            OperationKind::Delete
        } else {
            OperationKind::CreateOrUpdate
        };
        let operation = LongRunningOperation {
            kind,
            resource_url: &resource_url,
            poll_interval: self.inner.config.effective_poll_interval(),
            started: tokio::time::Instant::now(),
            progress: options.progress.as_deref(),
            deadline: &deadline,
        };
        wait_for_completion(&*self.inner, operation, initial)
            .await
            .map_err(WriteFailure::uncertain)
    }

    fn write_deadline(
        &self,
        description: String,
        id: &str,
        options: &OperationOptions,
    ) -> OperationDeadline {
        let total = options
            .deadline
            .unwrap_or_else(|| default_operation_timeout(id));
        OperationDeadline::new(description, total, options.cancel.clone())
    }

    fn read_deadline(&self, description: String, options: &OperationOptions) -> OperationDeadline {
        let total = options.deadline.unwrap_or(self.inner.config.read_timeout);
        OperationDeadline::new(description, total, options.cancel.clone())
    }
}

/// A write that failed, and whether Azure may have acted on it.
#[derive(Debug)]
pub struct WriteFailure {
    pub error: AzureError,
    /// Azure refused the request itself with a 4xx answer, or it was never sent: nothing was
    /// written. Any other failure (an operation that ended Failed, a read-back that failed, a
    /// dropped connection, a 5xx after retries, a timeout) may have left the write done.
    pub refused: bool,
}

impl WriteFailure {
    /// A write that was never sent or that Azure refused outright.
    pub fn refused(error: AzureError) -> Self {
        WriteFailure {
            error,
            refused: true,
        }
    }

    /// A write whose outcome is unknown.
    pub fn uncertain(error: AzureError) -> Self {
        WriteFailure {
            error,
            refused: false,
        }
    }

    /// A failure of the write request itself: only a 4xx answer is a clean refusal. A 5xx, a
    /// dropped connection or a timeout leaves the outcome unknown.
    fn of_request(error: AzureError) -> Self {
        let refused = matches!(error, AzureError::Arm { status, .. } if (400..500).contains(&status))
            || matches!(error, AzureError::Auth { .. } | AzureError::Config { .. });
        WriteFailure { error, refused }
    }
}

impl From<WriteFailure> for AzureError {
    fn from(failure: WriteFailure) -> Self {
        failure.error
    }
}

/// One write: what the shared write path needs besides the caller's options.
struct Write<'a> {
    method: Method,
    id: &'a str,
    api_version: &'static str,
    body: Option<Vec<u8>>,
    description: String,
}

/// One page of an ARM list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    #[serde(default)]
    value: Vec<Value>,
    #[serde(default)]
    next_link: Option<String>,
}

/// The next page's URL; `None` at the end (or when a server links a page to itself).
fn next_page(link: Option<String>, current: &Url) -> AzureResult<Option<Url>> {
    let Some(link) = link.filter(|link| !link.trim().is_empty()) else {
        return Ok(None);
    };
    let next = Url::parse(&link).map_err(|error| AzureError::Decode {
        message: format!("nextLink {link:?} is not a URL: {error}"),
    })?;
    Ok((&next != current).then_some(next))
}

/// The default deadline of a write to `id`: 90 min for AKS clusters, 30 min otherwise.
pub fn default_operation_timeout(id: &str) -> Duration {
    if id
        .to_ascii_lowercase()
        .contains("/providers/microsoft.containerservice/managedclusters/")
    {
        MANAGED_CLUSTER_OPERATION_TIMEOUT
    } else {
        DEFAULT_OPERATION_TIMEOUT
    }
}

fn decode<T: DeserializeOwned>(what: &str, value: Value) -> AzureResult<T> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        AzureError::Decode {
            message: format!("{what}: at {path}: {}", error.into_inner()),
        }
    })
}

impl ClientInner {
    /// `{arm_endpoint}{id}?api-version=…&extra…`. A query inside `id` is kept too.
    fn url_for(&self, id: &str, api_version: &str, query: &[(String, String)]) -> AzureResult<Url> {
        let (path, id_query) = match id.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (id, None),
        };
        if !path.starts_with('/') || path.contains("/../") || path.contains('#') {
            return Err(AzureError::config(format!(
                "{id:?} is not an ARM resource path (expected /subscriptions/…)"
            )));
        }
        let mut url = self.config.arm_endpoint.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{}", path.trim_end_matches('/')));
        url.set_query(None);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("api-version", api_version);
            if let Some(id_query) = id_query {
                for (name, value) in url::form_urlencoded::parse(id_query.as_bytes()) {
                    if !name.eq_ignore_ascii_case("api-version") {
                        pairs.append_pair(&name, &value);
                    }
                }
            }
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// Bearer tokens go only to the configured ARM host: poll and page URLs must be on it.
    fn check_origin(&self, url: &Url) -> AzureResult<()> {
        if url.origin() == self.config.arm_endpoint.origin() {
            Ok(())
        } else {
            Err(AzureError::Decode {
                message: format!(
                    "Azure pointed the client at {} which is not the configured ARM endpoint {}; \
                     refusing to send credentials there",
                    url.origin().ascii_serialization(),
                    self.config.arm_endpoint.origin().ascii_serialization()
                ),
            })
        }
    }

    async fn send(
        &self,
        request: &ArmRequest,
        accepted: &[u16],
        deadline: &OperationDeadline,
    ) -> AzureResult<ArmResponse> {
        self.check_origin(&request.url)?;
        let kind = RequestKind::of(request.method);
        // Every attempt, retries and polls included, passes the shared pacer.
        send_with_retry(&self.config.retry, deadline, accepted, move || async move {
            let ticket = self.pacer.admit(kind, deadline).await?;
            let outcome = self.pipeline.send(request).await;
            ticket.answered(&outcome);
            outcome
        })
        .await
    }
}

#[async_trait::async_trait]
impl PollTransport for ClientInner {
    async fn poll_get(
        &self,
        url: &Url,
        accepted: &[u16],
        deadline: &OperationDeadline,
    ) -> AzureResult<ArmResponse> {
        let request = ArmRequest::new(Method::Get, url.clone(), None);
        self.send(&request, accepted, deadline).await
    }
}

#[cfg(test)]
mod write_failure_tests {
    use super::*;

    /// Only a 4xx answer to the write itself (or a write never sent) means nothing was written.
    #[test]
    fn only_a_4xx_answer_is_a_refusal() {
        let arm = |status| AzureError::Arm {
            status,
            code: "Code".into(),
            message: String::new(),
            target: None,
            subcode: None,
            request_id: None,
            details: Vec::new(),
        };
        let cases = [
            (arm(400), true),
            (arm(404), true),
            (arm(409), true),
            (arm(500), false),
            (arm(503), false),
            (AzureError::config("bad id"), true),
            (
                AzureError::Transport {
                    message: "connection closed".into(),
                },
                false,
            ),
            (AzureError::Canceled, false),
            (
                AzureError::Timeout {
                    operation: "create".into(),
                    after: Duration::from_secs(1),
                },
                false,
            ),
        ];
        for (error, refused) in cases {
            let text = error.to_string();
            assert_eq!(WriteFailure::of_request(error).refused, refused, "{text}");
        }
    }
}
