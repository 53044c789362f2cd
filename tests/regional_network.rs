//! RegionalNetwork through the provider's gRPC surface against azsim: the whole lifecycle, and
//! bad input caught by Check before any Azure call.

mod support;

use aksmesh::rpc::pulumirpc::{diff_response::DiffChanges, property_diff::Kind};
use serde_json::json;
use support::azsim::Azsim;
use support::lifecycle::{assert_check_rejects, configured_provider, Lifecycle, Rejection};
use support::to_json;

const TOKEN: &str = "aksmesh:index:RegionalNetwork";

fn inputs() -> serde_json::Value {
    json!({
        "location": "eastus",
        "vnetCidr": "10.0.0.0/14",
        "nodeSubnetCidr": "10.0.0.0/16",
        "podSubnetCidr": "10.1.0.0/16",
        "tags": {"team": "platform"}
    })
}

async fn network(azsim: &Azsim) -> Lifecycle {
    Lifecycle::new(configured_provider(azsim).await, TOKEN, "platform")
}

#[tokio::test(flavor = "multi_thread")]
async fn regional_network_lifecycle_against_azsim() {
    let azsim = Azsim::start("regional-network-lifecycle");
    let mut network = network(&azsim).await;
    let inputs = network.checked(json!({}), inputs()).await;
    assert_eq!(to_json(&inputs)["namePrefix"], "platform");

    // Preview calls no Azure API and projects inputs and deterministic names.
    let projected = network.preview(&inputs).await;
    assert_eq!(projected["vnetName"], "vnet-platform-eastus");
    assert_eq!(projected["vnetCidr"], "10.0.0.0/14");
    assert!(azsim.resources().is_empty(), "preview must not touch Azure");

    let created = network.create(&inputs).await;
    assert!(
        created
            .id
            .ends_with("/virtualNetworks/vnet-platform-eastus"),
        "{}",
        created.id
    );
    assert!(created.state_json()["podSubnetId"]
        .as_str()
        .unwrap_or_default()
        .ends_with("/subnets/pods"));
    assert_eq!(azsim.ids_of_type("virtualNetworks").len(), 1);
    assert_eq!(azsim.ids_of_type("subnets").len(), 2);

    // Refresh right after create shows no drift.
    let refreshed = network.refresh(&created).await.expect("still exists");
    assert_eq!(refreshed.id, created.id);
    let drift = network.diff(&refreshed, &inputs).await;
    assert_eq!(
        drift.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        drift.detailed_diff
    );

    // A tag change updates in place.
    let mut retagged = self::inputs();
    retagged["tags"]["team"] = "networking".into();
    let retagged = network.checked(to_json(&inputs), retagged).await;
    let diff = network.diff(&created, &retagged).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty());
    assert_eq!(diff.detailed_diff["tags.team"].kind, Kind::Update as i32);
    let updated = network.update(&created, &retagged).await;
    assert_eq!(updated.state_json()["tags"]["team"], "networking");
    let (status, vnet) = azsim.arm(
        "GET",
        &format!("{}?api-version=2025-07-01", created.id),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(vnet["tags"]["team"], "networking");
    assert_eq!(vnet["tags"]["managed-by"], "aksmesh");

    // An out-of-band tag change shows up in refresh as drift.
    let mut drifted = vnet.clone();
    drifted["tags"]["team"] = "someone-else".into();
    let body = json!({"location": drifted["location"], "tags": drifted["tags"], "properties": {"addressSpace": drifted["properties"]["addressSpace"]}});
    let (status, _) = azsim.arm(
        "PUT",
        &format!("{}?api-version=2025-07-01", created.id),
        Some(body),
    );
    assert!(status == 200 || status == 201, "out-of-band PUT: {status}");
    let refreshed = network.refresh(&updated).await.expect("still exists");
    assert_eq!(to_json(&refreshed.inputs)["tags"]["team"], "someone-else");
    assert_eq!(
        network.diff(&refreshed, &retagged).await.changes,
        DiffChanges::DiffSome as i32
    );

    // A node subnet change must replace, deleting first because names are deterministic.
    let mut moved = self::inputs();
    moved["nodeSubnetCidr"] = "10.2.0.0/16".into();
    let moved = network.checked(to_json(&retagged), moved).await;
    let diff = network.diff(&updated, &moved).await;
    assert_eq!(diff.replaces, ["nodeSubnetCidr"]);
    assert!(diff.delete_before_replace);

    // Removing the pod subnet updates in place and deletes the subnet.
    let mut without_pods = self::inputs();
    without_pods
        .as_object_mut()
        .unwrap()
        .remove("podSubnetCidr");
    let without_pods = network.checked(to_json(&retagged), without_pods).await;
    assert!(network
        .diff(&updated, &without_pods)
        .await
        .replaces
        .is_empty());
    let updated = network.update(&updated, &without_pods).await;
    assert_eq!(azsim.ids_of_type("subnets").len(), 1);

    network.delete(&updated).await;
    assert!(
        azsim.resources().is_empty(),
        "delete leaves azsim empty: {:?}",
        azsim.resources()
    );
    assert!(
        network.refresh(&created).await.is_none(),
        "refresh reports a deleted network as gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_reads_inputs_without_service_defaults() {
    let azsim = Azsim::start("regional-network-import");
    let mut network = network(&azsim).await;
    let inputs = network.checked(json!({}), inputs()).await;
    let created = network.create(&inputs).await;
    let imported = network.import(&created.id).await.expect("exists");
    assert_eq!(to_json(&imported.inputs), to_json(&inputs));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_after_a_crash_adopts_what_exists() {
    let azsim = Azsim::start("regional-network-adopt");
    let mut network = network(&azsim).await;
    let inputs = network.checked(json!({}), inputs()).await;
    let first = network.create(&inputs).await;
    // The engine lost the result (crash): the same create runs again and converges, no duplicates.
    let again = network.create(&inputs).await;
    assert_eq!(first.id, again.id);
    assert_eq!(azsim.ids_of_type("virtualNetworks").len(), 1);
}

/// Bad input, one row per case: Check fails at the property, naming the fix, before any Azure call.
#[tokio::test]
async fn check_rejects_bad_input() {
    let rows = [
        Rejection::new(
            "unknown region",
            "location",
            &["did you mean eastus"],
            |n| n["location"] = "eastuss".into(),
        ),
        Rejection::new("missing vnet range", "vnetCidr", &["required"], |n| {
            n["vnetCidr"] = "".into()
        }),
        Rejection::new("malformed vnet range", "vnetCidr", &["10.0.0/14"], |n| {
            n["vnetCidr"] = "10.0.0/14".into()
        }),
        Rejection::new(
            "vnet range with host bits",
            "vnetCidr",
            &["10.0.0.0/14"],
            |n| n["vnetCidr"] = "10.0.0.1/14".into(),
        ),
        Rejection::new("reserved vnet range", "vnetCidr", &["reserves"], |n| {
            n["vnetCidr"] = "172.30.0.0/16".into();
            n["nodeSubnetCidr"] = "172.30.0.0/20".into();
            n.as_object_mut().unwrap().remove("podSubnetCidr");
        }),
        Rejection::new(
            "node subnet outside the vnet",
            "nodeSubnetCidr",
            &["not inside"],
            |n| n["nodeSubnetCidr"] = "10.8.0.0/16".into(),
        ),
        Rejection::new(
            "pod subnet overlapping the node subnet",
            "podSubnetCidr",
            &["overlaps the node subnet"],
            |n| n["podSubnetCidr"] = "10.0.128.0/17".into(),
        ),
        Rejection::new(
            "subnet smaller than Azure allows",
            "nodeSubnetCidr",
            &["/29"],
            |n| n["nodeSubnetCidr"] = "10.0.0.0/30".into(),
        ),
        Rejection::new(
            "name prefix with bad characters",
            "namePrefix",
            &["may only contain"],
            |n| n["namePrefix"] = "my platform!".into(),
        ),
        Rejection::new(
            "names longer than node labels allow",
            "namePrefix",
            &["63"],
            |n| {
                n["namePrefix"] = "a".repeat(40).into();
                n["location"] = "australiasoutheast".into();
            },
        ),
        Rejection::new(
            "the tag aksmesh owns",
            "tags.managed-by",
            &["set by aksmesh"],
            |n| n["tags"]["managed-by"] = "me".into(),
        ),
        Rejection::new("wrongly typed tags", "tags", &["invalid type"], |n| {
            n["tags"] = json!(["a", "b"])
        }),
        Rejection::new(
            "empty name prefix",
            "namePrefix",
            &["namePrefix is empty; remove it"],
            |n| n["namePrefix"] = "".into(),
        ),
    ];
    assert_check_rejects(TOKEN, inputs(), &rows).await;
}

/// Cancel (or Ctrl-C) stops Azure polling at once; what was created is reported, so `up` resumes.
#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_polling_before_azure_finishes_and_reports_partial_state() {
    use aksmesh::rpc::google_rpc;
    use prost::Message;
    // Real-time durations: a VNet create takes about ten seconds.
    let azsim = Azsim::start_with("regional-network-cancel", |config| config.time_scale = 1.0);
    let mut network = network(&azsim).await;
    let inputs = network.checked(json!({}), inputs()).await;
    let mut canceller = network.client.clone();
    let creating = tokio::spawn(async move { network.try_create(&inputs).await });
    // Wait until the VNet's long-running operation is under way.
    for _ in 0..100 {
        if !azsim.ids_of_type("virtualNetworks").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    canceller.cancel(()).await.expect("cancel");
    let status = creating
        .await
        .expect("create task")
        .expect_err("a cancelled create fails");
    // The create returned while Azure was still working on the VNet: polling stopped at the
    // cancel instead of waiting the operation out.
    let vnet = azsim
        .resources()
        .into_iter()
        .find(|r| r["type"].as_str() == Some("Microsoft.Network/virtualNetworks"))
        .expect("the VNet exists");
    assert_ne!(vnet["provisioningState"], "Succeeded", "{vnet}");
    let details = google_rpc::Status::decode(status.details()).expect("status details");
    assert_eq!(
        details.details[0].type_url,
        "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
    );
    let init_failed = aksmesh::rpc::pulumirpc::ErrorResourceInitFailed::decode(
        details.details[0].value.as_slice(),
    )
    .expect("init failed detail");
    assert!(
        init_failed
            .id
            .ends_with("/virtualNetworks/vnet-platform-eastus"),
        "{}",
        init_failed.id
    );
}

/// Progress goes to the engine as ephemeral status lines on the resource's row.
#[tokio::test(flavor = "multi_thread")]
async fn progress_reaches_the_engine_as_status_lines() {
    let azsim = Azsim::start("regional-network-progress");
    let (engine, engine_address) = support::start_engine().await;
    let mut client = configured_provider(&azsim).await;
    client
        .handshake(aksmesh::rpc::pulumirpc::ProviderHandshakeRequest {
            engine_address,
            ..Default::default()
        })
        .await
        .expect("handshake");
    let mut network = Lifecycle::new(client, TOKEN, "platform");
    let inputs = network.checked(json!({}), inputs()).await;
    network.create(&inputs).await;
    let messages = engine
        .messages_once(|m| m.ephemeral && m.urn == network.urn)
        .await;
    let status: Vec<_> = messages
        .iter()
        .filter(|m| m.ephemeral && m.urn == network.urn)
        .collect();
    assert!(
        status.iter().any(|m| m
            .message
            .starts_with("creating VNet vnet-platform-eastus in eastus")),
        "{messages:?}"
    );
}
