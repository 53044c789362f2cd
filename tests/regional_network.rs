//! RegionalNetwork through the provider's gRPC surface against azsim: the whole lifecycle.

mod support;

use std::collections::BTreeMap;

use aksmesh::rpc::pulumirpc::{self as rpc, diff_response::DiffChanges, property_diff::Kind};
use support::azsim::Azsim;
use support::{start_provider, to_json, to_struct, Client};

const TOKEN: &str = "aksmesh:index:RegionalNetwork";
const URN: &str = "urn:pulumi:dev::net::aksmesh:index:RegionalNetwork::platform";

async fn configured(azsim: &Azsim) -> Client {
    let mut provider = start_provider(BTreeMap::new()).await;
    provider
        .client
        .configure(rpc::ConfigureRequest {
            args: Some(to_struct(azsim.provider_config())),
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .expect("configure against azsim");
    provider.client
}

async fn check(
    client: &mut Client,
    olds: serde_json::Value,
    news: serde_json::Value,
) -> rpc::CheckResponse {
    client
        .check(rpc::CheckRequest {
            urn: URN.into(),
            olds: Some(to_struct(olds)),
            news: Some(to_struct(news)),
            name: "platform".into(),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("check")
        .into_inner()
}

fn inputs() -> serde_json::Value {
    serde_json::json!({
        "location": "eastus",
        "vnetCidr": "10.0.0.0/14",
        "nodeSubnetCidr": "10.0.0.0/16",
        "podSubnetCidr": "10.1.0.0/16",
        "tags": {"team": "platform"}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn regional_network_lifecycle_against_azsim() {
    let azsim = Azsim::start("regional-network-lifecycle");
    let mut client = configured(&azsim).await;

    let checked = check(&mut client, serde_json::json!({}), inputs()).await;
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    let checked_inputs = checked.inputs.expect("inputs");
    assert_eq!(to_json(&checked_inputs)["namePrefix"], "platform");

    // Preview calls no Azure API and projects inputs and deterministic names.
    let preview = client
        .create(rpc::CreateRequest {
            urn: URN.into(),
            properties: Some(checked_inputs.clone()),
            preview: true,
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("preview")
        .into_inner();
    let projected = to_json(preview.properties.as_ref().expect("preview outputs"));
    assert_eq!(projected["vnetName"], "vnet-platform-eastus");
    assert_eq!(projected["vnetCidr"], "10.0.0.0/14");
    assert!(azsim.resources().is_empty(), "preview must not touch Azure");

    let created = client
        .create(rpc::CreateRequest {
            urn: URN.into(),
            properties: Some(checked_inputs.clone()),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner();
    let state = created.properties.expect("state");
    let state_json = to_json(&state);
    assert!(
        created
            .id
            .ends_with("/virtualNetworks/vnet-platform-eastus"),
        "{}",
        created.id
    );
    assert!(state_json["podSubnetId"]
        .as_str()
        .unwrap_or_default()
        .ends_with("/subnets/pods"));
    assert_eq!(azsim.ids_of_type("virtualNetworks").len(), 1);
    assert_eq!(azsim.ids_of_type("subnets").len(), 2);

    // Refresh right after create: the read inputs diff clean against what the program says.
    let read = client
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: URN.into(),
            properties: Some(state.clone()),
            inputs: Some(checked_inputs.clone()),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("read")
        .into_inner();
    assert_eq!(read.id, created.id);
    let refreshed = client
        .diff(rpc::DiffRequest {
            id: created.id.clone(),
            urn: URN.into(),
            olds: read.properties.clone(),
            old_inputs: read.inputs.clone(),
            news: Some(checked_inputs.clone()),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("diff")
        .into_inner();
    assert_eq!(
        refreshed.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        refreshed.detailed_diff
    );

    // A tag change updates in place.
    let mut new_inputs = inputs();
    new_inputs["tags"]["team"] = "networking".into();
    let checked_new = check(&mut client, to_json(&checked_inputs), new_inputs)
        .await
        .inputs
        .expect("inputs");
    let diff = client
        .diff(rpc::DiffRequest {
            id: created.id.clone(),
            urn: URN.into(),
            olds: Some(state.clone()),
            old_inputs: Some(checked_inputs.clone()),
            news: Some(checked_new.clone()),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("diff")
        .into_inner();
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty());
    assert_eq!(diff.detailed_diff["tags.team"].kind, Kind::Update as i32);
    let updated = client
        .update(rpc::UpdateRequest {
            id: created.id.clone(),
            urn: URN.into(),
            olds: Some(state.clone()),
            old_inputs: Some(checked_inputs.clone()),
            news: Some(checked_new.clone()),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("update")
        .into_inner();
    let updated_state = updated.properties.expect("state");
    assert_eq!(to_json(&updated_state)["tags"]["team"], "networking");
    let (status, vnet) = azsim.arm(
        "GET",
        &format!("{}?api-version=2025-07-01", created.id),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(vnet["tags"]["team"], "networking");
    assert_eq!(vnet["tags"]["managed-by"], "aksmesh");

    // A node subnet change must replace, deleting first because names are deterministic.
    let mut moved = inputs();
    moved["nodeSubnetCidr"] = "10.2.0.0/16".into();
    let checked_moved = check(&mut client, to_json(&checked_new), moved)
        .await
        .inputs
        .expect("inputs");
    let diff = client
        .diff(rpc::DiffRequest {
            id: created.id.clone(),
            urn: URN.into(),
            olds: Some(updated_state.clone()),
            old_inputs: Some(checked_new.clone()),
            news: Some(checked_moved),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("diff")
        .into_inner();
    assert_eq!(diff.replaces, ["nodeSubnetCidr"]);
    assert!(diff.delete_before_replace);

    client
        .delete(rpc::DeleteRequest {
            id: created.id.clone(),
            urn: URN.into(),
            properties: Some(updated_state),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("delete");
    assert!(
        azsim.resources().is_empty(),
        "delete leaves azsim empty: {:?}",
        azsim.resources()
    );

    // Refresh of a deleted network reports it gone.
    let gone = client
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: URN.into(),
            properties: Some(state),
            inputs: Some(checked_inputs),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("read")
        .into_inner();
    assert!(gone.id.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn import_reads_inputs_without_service_defaults() {
    let azsim = Azsim::start("regional-network-import");
    let mut client = configured(&azsim).await;
    let checked = check(&mut client, serde_json::json!({}), inputs())
        .await
        .inputs
        .expect("inputs");
    let created = client
        .create(rpc::CreateRequest {
            urn: URN.into(),
            properties: Some(checked.clone()),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner();
    let imported = client
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: URN.into(),
            r#type: TOKEN.into(),
            ..Default::default()
        })
        .await
        .expect("import read")
        .into_inner();
    assert_eq!(
        to_json(imported.inputs.as_ref().expect("import needs inputs")),
        to_json(&checked)
    );
}
