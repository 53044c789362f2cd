//! FrontDoor through the provider's gRPC surface against azsim: the whole lifecycle (origins added
//! and removed in place), and bad input caught by Check before any Azure call.

mod support;

use aksmesh::rpc::pulumirpc::diff_response::DiffChanges;
use serde_json::json;
use support::azsim::Azsim;
use support::lifecycle::{assert_check_rejects, configured_provider, Lifecycle, Rejection};
use support::to_json;

const TOKEN: &str = "aksmesh:index:FrontDoor";
const NETWORK: &str = "aksmesh:index:RegionalNetwork";
const CDN: &str = "2025-12-01";

fn origin(name: &str) -> serde_json::Value {
    json!({"name": name, "hostName": format!("web-{name}.{name}.cloudapp.azure.com")})
}

fn inputs() -> serde_json::Value {
    json!({
        "resourceGroupName": "rg-platform-eastus",
        "origins": [origin("eastus"), origin("westeurope")],
        "tags": {"team": "platform"}
    })
}

fn origin_names(azsim: &Azsim) -> Vec<String> {
    let mut names: Vec<String> = azsim
        .ids_of_type("profiles/originGroups/origins")
        .iter()
        .map(|id| id.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn front_door_lifecycle_against_azsim() {
    let azsim = Azsim::start("front-door-lifecycle");
    let mut network = Lifecycle::new(configured_provider(&azsim).await, NETWORK, "platform");
    let network_inputs = network
        .checked(
            json!({}),
            json!({"location": "eastus", "vnetCidr": "10.0.0.0/14", "nodeSubnetCidr": "10.0.0.0/16"}),
        )
        .await;
    let network_created = network.create(&network_inputs).await;
    assert_eq!(
        network_created.state_json()["resourceGroupName"],
        "rg-platform-eastus"
    );

    let mut front_door = Lifecycle::new(configured_provider(&azsim).await, TOKEN, "web");
    let checked = front_door.checked(json!({}), inputs()).await;
    let checked_json = to_json(&checked);
    assert_eq!(checked_json["namePrefix"], "web");
    assert_eq!(checked_json["sku"], "Standard_AzureFrontDoor");
    assert_eq!(checked_json["probePath"], "/healthz");
    assert_eq!(
        checked_json["origins"][0]["hostHeader"],
        "web-eastus.eastus.cloudapp.azure.com"
    );

    let projected = front_door.preview(&checked).await;
    assert_eq!(projected["profileName"], "afd-web");
    assert_eq!(projected["endpointName"], "web");

    let created = front_door.create(&checked).await;
    let state = created.state_json();
    assert!(
        created
            .id
            .ends_with("/providers/Microsoft.Cdn/profiles/afd-web"),
        "{}",
        created.id
    );
    assert_eq!(state["profileId"], created.id.as_str());
    let host = state["endpointHostName"].as_str().unwrap_or_default();
    assert!(host.ends_with(".azurefd.net"), "endpointHostName {host:?}");
    assert!(!state["frontDoorId"].as_str().unwrap_or_default().is_empty());
    assert!(state["routeId"]
        .as_str()
        .unwrap_or_default()
        .ends_with("/afdEndpoints/web/routes/default"));
    assert_eq!(origin_names(&azsim), ["eastus", "westeurope"]);

    // What Azure holds: latency 0 (nearest region), HEAD probes on the configured path, a /* route.
    let (status, group) = azsim.arm(
        "GET",
        &format!(
            "{}?api-version={CDN}",
            state["originGroupId"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(status, 200);
    let group = &group["properties"];
    assert_eq!(
        group["loadBalancingSettings"]["additionalLatencyInMilliseconds"],
        0
    );
    assert_eq!(group["healthProbeSettings"]["probePath"], "/healthz");
    assert_eq!(group["healthProbeSettings"]["probeRequestType"], "HEAD");
    assert_eq!(group["healthProbeSettings"]["probeProtocol"], "Https");
    let (status, route) = azsim.arm(
        "GET",
        &format!("{}?api-version={CDN}", state["routeId"].as_str().unwrap()),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(route["properties"]["patternsToMatch"], json!(["/*"]));
    assert_eq!(route["properties"]["httpsRedirect"], "Enabled");
    assert_eq!(route["properties"]["forwardingProtocol"], "MatchRequest");

    // Refresh right after create shows no drift.
    let refreshed = front_door.refresh(&created).await.expect("still exists");
    assert_eq!(refreshed.id, created.id);
    let drift = front_door.diff(&refreshed, &checked).await;
    assert_eq!(
        drift.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        drift.detailed_diff
    );

    // A third origin is added in place: exactly one new origin in Azure.
    let mut three = inputs();
    three["origins"]
        .as_array_mut()
        .unwrap()
        .push(origin("uksouth"));
    let three = front_door.checked(to_json(&checked), three).await;
    let diff = front_door.diff(&created, &three).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = front_door.update(&created, &three).await;
    assert_eq!(origin_names(&azsim), ["eastus", "uksouth", "westeurope"]);
    assert_eq!(
        updated.state_json()["origins"].as_array().map(Vec::len),
        Some(3)
    );

    // Removing one deletes exactly that origin.
    let mut two = to_json(&three);
    two["origins"].as_array_mut().unwrap().remove(0);
    let two = front_door.checked(to_json(&three), two).await;
    let diff = front_door.diff(&updated, &two).await;
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = front_door.update(&updated, &two).await;
    assert_eq!(origin_names(&azsim), ["uksouth", "westeurope"]);

    // A probe path change updates in place.
    let mut probed = to_json(&two);
    probed["probePath"] = "/ready".into();
    let probed = front_door.checked(to_json(&two), probed).await;
    let diff = front_door.diff(&updated, &probed).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let updated = front_door.update(&updated, &probed).await;
    let (_, group) = azsim.arm(
        "GET",
        &format!(
            "{}?api-version={CDN}",
            state["originGroupId"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(
        group["properties"]["healthProbeSettings"]["probePath"],
        "/ready"
    );
    let refreshed = front_door.refresh(&updated).await.expect("still exists");
    let drift = front_door.diff(&refreshed, &probed).await;
    assert_eq!(
        drift.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        drift.detailed_diff
    );

    // Someone deletes the route: no input shows it, so refresh records it and the next `up`
    // writes it again.
    let route_id = state["routeId"].as_str().unwrap().to_string();
    let (status, _) = azsim.arm("DELETE", &format!("{route_id}?api-version={CDN}"), None);
    assert!(
        matches!(status, 200 | 202 | 204),
        "out-of-band DELETE: {status}"
    );
    for _ in 0..200 {
        if azsim
            .arm("GET", &format!("{route_id}?api-version={CDN}"), None)
            .0
            == 404
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let drifted = front_door
        .refresh_records_one_out_of_band_change(&updated, |change| change.ends_with("is missing"))
        .await;
    let updated = front_door
        .repair_out_of_band_changes(&drifted, &probed)
        .await;
    assert_eq!(
        azsim
            .arm("GET", &format!("{route_id}?api-version={CDN}"), None)
            .0,
        200
    );
    front_door.assert_refresh_is_clean(&updated, &probed).await;

    // Standard → Premium is an in-place, no-downtime upgrade (the profile's `upgrade` action): the
    // same profile, Front Door id and host name, nothing deleted.
    let mut premium = to_json(&probed);
    premium["sku"] = "Premium_AzureFrontDoor".into();
    let premium = front_door.checked(to_json(&probed), premium).await;
    let diff = front_door.diff(&updated, &premium).await;
    assert_eq!(diff.changes, DiffChanges::DiffSome as i32);
    assert!(diff.replaces.is_empty(), "{:?}", diff.replaces);
    let upgraded = front_door.update(&updated, &premium).await;
    let upgraded_state = upgraded.state_json();
    assert_eq!(upgraded_state["sku"], "Premium_AzureFrontDoor");
    for kept in ["frontDoorId", "endpointHostName", "profileId"] {
        assert_eq!(upgraded_state[kept], updated.state_json()[kept], "{kept}");
    }
    let (status, profile) = azsim.arm("GET", &format!("{}?api-version={CDN}", created.id), None);
    assert_eq!(status, 200);
    assert_eq!(profile["sku"]["name"], "Premium_AzureFrontDoor");
    assert_eq!(origin_names(&azsim), ["uksouth", "westeurope"]);
    front_door
        .assert_refresh_is_clean(&upgraded, &premium)
        .await;
    // A PUT cannot change the sku; only the upgrade action does, and only from Standard.
    let put_standard = json!({"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}});
    let (status, _) = azsim.arm(
        "PUT",
        &format!("{}?api-version={CDN}", created.id),
        Some(put_standard),
    );
    assert_eq!(status, 400, "a PUT downgrade is refused");
    let (status, _) = azsim.arm(
        "POST",
        &format!("{}/upgrade?api-version={CDN}", created.id),
        Some(json!({"wafMappingList": []})),
    );
    assert_eq!(status, 400, "a Premium profile cannot be upgraded again");

    // Only a downgrade replaces, deleting first because names are deterministic.
    let diff = front_door.diff(&upgraded, &probed).await;
    assert_eq!(diff.replaces, ["sku"]);
    assert!(diff.delete_before_replace);
    let updated = upgraded;

    // Import by id reproduces the inputs.
    let imported = front_door.import(&created.id).await.expect("exists");
    assert_eq!(to_json(&imported.inputs), to_json(&premium));
    assert!(imported.state_json()["endpointHostName"]
        .as_str()
        .unwrap_or_default()
        .ends_with(".azurefd.net"));

    // Delete removes the profile and its children, leaving only the network.
    front_door.delete(&updated).await;
    assert!(
        azsim.ids_of_type("profiles").is_empty()
            && azsim.ids_of_type("origins").is_empty()
            && azsim.ids_of_type("afdEndpoints").is_empty(),
        "{:?}",
        azsim.resources()
    );
    assert!(!azsim.ids_of_type("virtualNetworks").is_empty());
    assert!(
        front_door.refresh(&updated).await.is_none(),
        "refresh reports a deleted Front Door as gone"
    );
    network.delete(&network_created).await;
    assert!(
        azsim.resources().is_empty(),
        "azsim is empty: {:?}",
        azsim.resources()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_after_a_crash_adopts_what_exists() {
    let azsim = Azsim::start("front-door-adopt");
    let mut network = Lifecycle::new(configured_provider(&azsim).await, NETWORK, "platform");
    let network_inputs = network
        .checked(
            json!({}),
            json!({"location": "eastus", "vnetCidr": "10.0.0.0/14", "nodeSubnetCidr": "10.0.0.0/16"}),
        )
        .await;
    network.create(&network_inputs).await;
    let mut front_door = Lifecycle::new(configured_provider(&azsim).await, TOKEN, "web");
    let checked = front_door.checked(json!({}), inputs()).await;
    let first = front_door.create(&checked).await;
    let again = front_door.create(&checked).await;
    assert_eq!(first.id, again.id);
    assert_eq!(
        first.state_json()["endpointHostName"],
        again.state_json()["endpointHostName"]
    );
    assert_eq!(azsim.ids_of_type("profiles").len(), 1);
    assert_eq!(origin_names(&azsim), ["eastus", "westeurope"]);
}

/// Bad input, one row per case: Check fails at the property, naming the fix, before any Azure call.
#[tokio::test]
async fn check_rejects_bad_input() {
    let rows = [
        Rejection::new("no origins", "origins", &["at least one origin"], |n| {
            n["origins"] = json!([])
        }),
        Rejection::new(
            "missing origins",
            "origins",
            &["at least one origin"],
            |n| {
                n.as_object_mut().unwrap().remove("origins");
            },
        ),
        Rejection::new(
            "duplicate origin names",
            "origins[1].name",
            &["used twice"],
            |n| n["origins"][1]["name"] = "EastUS".into(),
        ),
        Rejection::new(
            "empty host name",
            "origins[0].hostName",
            &["required"],
            |n| n["origins"][0]["hostName"] = "".into(),
        ),
        Rejection::new(
            "host name with scheme",
            "origins[0].hostName",
            &["without scheme"],
            |n| n["origins"][0]["hostName"] = "https://web.example.com".into(),
        ),
        Rejection::new("priority six", "origins[0].priority", &["1 to 5"], |n| {
            n["origins"][0]["priority"] = 6.into()
        }),
        Rejection::new("weight zero", "origins[1].weight", &["1 to 1000"], |n| {
            n["origins"][1]["weight"] = 0.into()
        }),
        Rejection::new(
            "probe path without leading slash",
            "probePath",
            &["must start with '/'"],
            |n| n["probePath"] = "healthz".into(),
        ),
        Rejection::new(
            "probe interval zero",
            "probeIntervalInSeconds",
            &["1 to 255"],
            |n| n["probeIntervalInSeconds"] = 0.into(),
        ),
        Rejection::new(
            "unknown sku",
            "sku",
            &["Standard_AzureFrontDoor, Premium_AzureFrontDoor"],
            |n| n["sku"] = "Basic".into(),
        ),
        Rejection::new(
            "unknown forwarding protocol",
            "forwardingProtocol",
            &["HttpOnly, HttpsOnly, MatchRequest"],
            |n| n["forwardingProtocol"] = "Https".into(),
        ),
        Rejection::new(
            "invalid name prefix",
            "namePrefix",
            &["letters, digits and '-'"],
            |n| n["namePrefix"] = "web_front".into(),
        ),
        Rejection::new(
            "missing resource group",
            "resourceGroupName",
            &["required"],
            |n| n["resourceGroupName"] = "".into(),
        ),
        Rejection::new(
            "empty name prefix",
            "namePrefix",
            &["namePrefix is empty; remove it"],
            |n| n["namePrefix"] = "".into(),
        ),
    ];
    assert_check_rejects(TOKEN, inputs(), &rows).await;
}
