//! Drives one resource through the provider's gRPC lifecycle the way the engine does.
#![allow(dead_code)]

use std::collections::BTreeMap;

use aksmesh::rpc::pulumirpc as rpc;
use aksmesh::rpc::pulumirpc::{diff_response::DiffChanges, property_diff::Kind};
use serde_json::Value as Json;

use super::azsim::Azsim;
use super::{start_provider, to_json, to_struct, Client};

/// A provider configured against azsim.
pub async fn configured_provider(azsim: &Azsim) -> Client {
    provider_configured_with(azsim.provider_config(), BTreeMap::new()).await
}

/// A provider with its own environment, configured with `config`.
pub async fn provider_configured_with(
    config: Json,
    environment: BTreeMap<String, String>,
) -> Client {
    let mut provider = start_provider(environment).await;
    provider
        .client
        .configure(rpc::ConfigureRequest {
            args: Some(to_struct(config)),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .expect("configure against azsim");
    provider.client
}

/// Proves the provider's identity works: creates the RegionalNetwork `name` in eastus, then
/// deletes it.
pub async fn assert_creates_a_network(client: Client, name: &str) {
    let mut network = Lifecycle::new(client, "aksmesh:index:RegionalNetwork", name);
    let inputs = network
        .checked(
            serde_json::json!({}),
            serde_json::json!({"location": "eastus", "vnetCidr": "10.0.0.0/14", "nodeSubnetCidr": "10.0.0.0/16"}),
        )
        .await;
    let created = network.create(&inputs).await;
    assert!(
        created
            .id
            .ends_with(&format!("/virtualNetworks/vnet-{name}-eastus")),
        "{}",
        created.id
    );
    network.delete(&created).await;
}

/// One resource of one type, with the URN and name the engine would use.
pub struct Lifecycle {
    pub client: Client,
    pub token: String,
    pub urn: String,
    pub name: String,
}

/// A created resource: its id, checked inputs and state.
#[derive(Clone, Debug)]
pub struct Created {
    pub id: String,
    pub inputs: prost_types::Struct,
    pub state: prost_types::Struct,
}

impl Created {
    pub fn inputs_json(&self) -> Json {
        to_json(&self.inputs)
    }

    pub fn state_json(&self) -> Json {
        to_json(&self.state)
    }
}

impl Lifecycle {
    pub fn new(client: Client, token: &str, name: &str) -> Self {
        Lifecycle {
            client,
            token: token.into(),
            urn: format!("urn:pulumi:dev::test::{token}::{name}"),
            name: name.into(),
        }
    }

    pub async fn check(&mut self, olds: Json, news: Json) -> rpc::CheckResponse {
        self.client
            .check(rpc::CheckRequest {
                urn: self.urn.clone(),
                olds: Some(to_struct(olds)),
                news: Some(to_struct(news)),
                name: self.name.clone(),
                r#type: self.token.clone(),
                ..Default::default()
            })
            .await
            .expect("check")
            .into_inner()
    }

    /// Check that must pass; returns the checked inputs.
    pub async fn checked(&mut self, olds: Json, news: Json) -> prost_types::Struct {
        let response = self.check(olds, news).await;
        assert!(
            response.failures.is_empty(),
            "unexpected check failures: {:?}",
            response.failures
        );
        response.inputs.expect("check returns inputs")
    }

    /// The failures Check reports, as (property, reason).
    pub async fn failures(&mut self, news: Json) -> Vec<(String, String)> {
        self.check(Json::Object(Default::default()), news)
            .await
            .failures
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    pub async fn preview(&mut self, inputs: &prost_types::Struct) -> Json {
        let response = self
            .client
            .create(rpc::CreateRequest {
                urn: self.urn.clone(),
                properties: Some(inputs.clone()),
                preview: true,
                r#type: self.token.clone(),
                name: self.name.clone(),
                ..Default::default()
            })
            .await
            .expect("preview create")
            .into_inner();
        to_json(&response.properties.expect("preview outputs"))
    }

    pub async fn try_create(
        &mut self,
        inputs: &prost_types::Struct,
    ) -> Result<Created, tonic::Status> {
        self.try_create_within(inputs, None).await
    }

    /// A create as the engine sends it, with the user's `customTimeouts.create` (seconds).
    pub async fn try_create_within(
        &mut self,
        inputs: &prost_types::Struct,
        timeout: Option<f64>,
    ) -> Result<Created, tonic::Status> {
        let response = self
            .client
            .create(rpc::CreateRequest {
                urn: self.urn.clone(),
                properties: Some(inputs.clone()),
                r#type: self.token.clone(),
                name: self.name.clone(),
                timeout: timeout.unwrap_or_default(),
                ..Default::default()
            })
            .await?
            .into_inner();
        Ok(Created {
            id: response.id,
            inputs: inputs.clone(),
            state: response.properties.expect("create returns state"),
        })
    }

    pub async fn create(&mut self, inputs: &prost_types::Struct) -> Created {
        self.try_create(inputs).await.expect("create")
    }

    /// Refresh: Read with old inputs and state. `None` when the resource is gone.
    pub async fn refresh(&mut self, created: &Created) -> Option<Created> {
        self.read(rpc::ReadRequest {
            id: created.id.clone(),
            properties: Some(created.state.clone()),
            inputs: Some(created.inputs.clone()),
            ..Default::default()
        })
        .await
    }

    /// Import: Read with the id only (the engine requires inputs back).
    pub async fn import(&mut self, id: &str) -> Option<Created> {
        self.read(rpc::ReadRequest {
            id: id.into(),
            ..Default::default()
        })
        .await
    }

    async fn read(&mut self, request: rpc::ReadRequest) -> Option<Created> {
        let response = self
            .client
            .read(rpc::ReadRequest {
                urn: self.urn.clone(),
                r#type: self.token.clone(),
                name: self.name.clone(),
                ..request
            })
            .await
            .expect("read")
            .into_inner();
        (!response.id.is_empty()).then(|| Created {
            id: response.id,
            inputs: response.inputs.expect("read returns inputs"),
            state: response.properties.expect("read returns state"),
        })
    }

    /// Diff old inputs/state against new checked inputs.
    pub async fn diff(&mut self, old: &Created, news: &prost_types::Struct) -> rpc::DiffResponse {
        self.client
            .diff(rpc::DiffRequest {
                id: old.id.clone(),
                urn: self.urn.clone(),
                olds: Some(old.state.clone()),
                old_inputs: Some(old.inputs.clone()),
                news: Some(news.clone()),
                r#type: self.token.clone(),
                name: self.name.clone(),
                ..Default::default()
            })
            .await
            .expect("diff")
            .into_inner()
    }

    pub async fn update(&mut self, old: &Created, news: &prost_types::Struct) -> Created {
        let response = self
            .client
            .update(rpc::UpdateRequest {
                id: old.id.clone(),
                urn: self.urn.clone(),
                olds: Some(old.state.clone()),
                old_inputs: Some(old.inputs.clone()),
                news: Some(news.clone()),
                r#type: self.token.clone(),
                name: self.name.clone(),
                ..Default::default()
            })
            .await
            .expect("update")
            .into_inner();
        Created {
            id: old.id.clone(),
            inputs: news.clone(),
            state: response.properties.expect("update returns state"),
        }
    }

    /// Refresh after a change made outside Pulumi: the state records exactly one out-of-band
    /// change, and `describes` accepts its text.
    pub async fn refresh_records_one_out_of_band_change(
        &mut self,
        created: &Created,
        describes: impl Fn(&str) -> bool,
    ) -> Created {
        let drifted = self.refresh(created).await.expect("still exists");
        let recorded = drifted.state_json()["outOfBandChanges"].clone();
        assert!(
            recorded
                .as_array()
                .is_some_and(|changes| changes.len() == 1
                    && describes(changes[0].as_str().unwrap_or_default())),
            "{recorded}"
        );
        drifted
    }

    /// Recorded out-of-band changes make an in-place update, shown as the deletion of
    /// `outOfBandChanges` from the state; the update clears them. Returns the updated resource.
    pub async fn repair_out_of_band_changes(
        &mut self,
        drifted: &Created,
        inputs: &prost_types::Struct,
    ) -> Created {
        let diff = self.diff(drifted, inputs).await;
        assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
        assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
        let repair = &diff.detailed_diff["outOfBandChanges"];
        assert_eq!(repair.kind, Kind::Delete as i32);
        assert!(
            !repair.input_diff,
            "the repair compares the state, not the inputs"
        );
        let repaired = self.update(drifted, inputs).await;
        assert!(repaired.state_json().get("outOfBandChanges").is_none());
        repaired
    }

    /// Refresh finds nothing changed outside Pulumi and the next diff is empty. Returns the
    /// refreshed resource.
    pub async fn assert_refresh_is_clean(
        &mut self,
        created: &Created,
        inputs: &prost_types::Struct,
    ) -> Created {
        let clean = self.refresh(created).await.expect("still exists");
        assert!(clean.state_json().get("outOfBandChanges").is_none());
        let diff = self.diff(&clean, inputs).await;
        assert_eq!(
            diff.changes,
            DiffChanges::DiffNone as i32,
            "{:?}",
            diff.detailed_diff
        );
        clean
    }

    pub async fn delete(&mut self, created: &Created) {
        self.client
            .delete(rpc::DeleteRequest {
                id: created.id.clone(),
                urn: self.urn.clone(),
                properties: Some(created.state.clone()),
                old_inputs: Some(created.inputs.clone()),
                r#type: self.token.clone(),
                name: self.name.clone(),
                ..Default::default()
            })
            .await
            .expect("delete");
    }
}

/// A provider configured with a subscription but pointed at no Azure: Check never calls Azure.
pub async fn offline_lifecycle(token: &str, name: &str) -> Lifecycle {
    let mut provider = start_provider(BTreeMap::new()).await;
    provider
        .client
        .configure(rpc::ConfigureRequest {
            args: Some(to_struct(
                serde_json::json!({"subscriptionId": super::SUBSCRIPTION}),
            )),
            ..Default::default()
        })
        .await
        .expect("configure");
    Lifecycle::new(provider.client, token, name)
}

/// A RegionalNetwork `name` in `location` with node and pod subnets from 10.`octet`.0.0/14,
/// created against `azsim`: the lifecycle, its checked inputs and what Create returned.
pub async fn created_network(
    azsim: &Azsim,
    name: &str,
    location: &str,
    octet: u8,
) -> (Lifecycle, prost_types::Struct, Created) {
    let mut lifecycle = Lifecycle::new(
        configured_provider(azsim).await,
        "aksmesh:index:RegionalNetwork",
        name,
    );
    let inputs = lifecycle
        .checked(
            serde_json::json!({}),
            serde_json::json!({
                "location": location,
                "vnetCidr": format!("10.{octet}.0.0/14"),
                "nodeSubnetCidr": format!("10.{octet}.0.0/16"),
                "podSubnetCidr": format!("10.{}.0.0/16", octet + 1),
            }),
        )
        .await;
    let created = lifecycle.create(&inputs).await;
    (lifecycle, inputs, created)
}

/// One bad input for Check, as a row of a table: `valid` changed by `mutate` must fail at
/// `property` with one reason that names every one of `hints`.
pub struct Rejection {
    pub case: &'static str,
    pub property: &'static str,
    pub hints: &'static [&'static str],
    pub mutate: fn(&mut Json),
}

impl Rejection {
    pub fn new(
        case: &'static str,
        property: &'static str,
        hints: &'static [&'static str],
        mutate: fn(&mut Json),
    ) -> Self {
        Rejection {
            case,
            property,
            hints,
            mutate,
        }
    }
}

/// Runs every row of a Check table for `token`: `valid` passes Check, and each row's mutation of
/// it fails as the row says. Each row is checked twice: by a provider that knows only the
/// subscription (Check needs no credentials), and by one configured against azsim, whose request
/// log must stay as configuring left it (Check never calls Azure). Every row that goes wrong is
/// named in one panic, so a single run shows all of them.
pub async fn assert_check_rejects(token: &str, valid: Json, rows: &[Rejection]) {
    let azsim = Azsim::start(&format!(
        "check-rejects-{}",
        token.rsplit(':').next().unwrap_or(token)
    ));
    let mut online = Lifecycle::new(configured_provider(&azsim).await, token, "platform");
    let mut offline = offline_lifecycle(token, "platform").await;
    let mut requests_so_far = request_count(&azsim);
    let mut wrong = Vec::new();
    for (resource, setting) in [(&mut offline, "offline"), (&mut online, "against azsim")] {
        let failures = resource.failures(valid.clone()).await;
        if !failures.is_empty() {
            wrong.push(format!("the valid inputs ({setting}) fail: {failures:?}"));
        }
    }
    if let Some(reached) = reached_azure(&azsim, &mut requests_so_far) {
        wrong.push(format!("the valid inputs (against azsim): {reached}"));
    }
    for row in rows {
        let mut news = valid.clone();
        (row.mutate)(&mut news);
        for (resource, setting) in [(&mut offline, "offline"), (&mut online, "against azsim")] {
            let failures = resource.failures(news.clone()).await;
            let named = failures.iter().any(|(property, reason)| {
                property == row.property && row.hints.iter().all(|hint| reason.contains(hint))
            });
            if !named {
                wrong.push(format!(
                    "{} ({setting}): expected a failure at {} naming {:?}, got {failures:?}",
                    row.case, row.property, row.hints
                ));
            }
        }
        if let Some(reached) = reached_azure(&azsim, &mut requests_so_far) {
            wrong.push(format!("{} (against azsim): {reached}", row.case));
        }
    }
    assert!(
        wrong.is_empty(),
        "{token} Check table of {} rows:\n{}",
        rows.len(),
        wrong.join("\n")
    );
}

/// How many requests (ARM and token) azsim has logged.
fn request_count(azsim: &Azsim) -> usize {
    std::fs::read_to_string(azsim.request_log())
        .expect("azsim keeps a request log from its start")
        .lines()
        .count()
}

/// What reached azsim since `seen` requests, if anything; `seen` moves on to the current count.
fn reached_azure(azsim: &Azsim, seen: &mut usize) -> Option<String> {
    let before = std::mem::replace(seen, request_count(azsim));
    (*seen != before).then(|| format!("Check reached Azure ({} requests)", *seen - before))
}
