//! In-process gRPC tests: a tonic client against the real provider server, one RPC at a time,
//! including bad input.

mod support;

use std::collections::BTreeMap;

use aksmesh::rpc::google_rpc;
use aksmesh::rpc::pulumirpc::{self as rpc, diff_response::DiffChanges};
use prost::Message;
use support::{
    assert_invoke_rejects, non_finite, start_provider, to_json, to_struct, InvokeRejection,
    SUBSCRIPTION,
};
use tonic::Code;

fn configure_request(args: serde_json::Value) -> rpc::ConfigureRequest {
    rpc::ConfigureRequest {
        args: Some(to_struct(args)),
        accept_secrets: true,
        accept_resources: true,
        sends_old_inputs: true,
        sends_old_inputs_to_delete: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn handshake_answers_match_configure() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let handshake = provider
        .client
        .handshake(rpc::ProviderHandshakeRequest {
            engine_address: String::new(),
            configure_with_urn: true,
            invoke_with_preview: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let configure = provider
        .client
        .configure(configure_request(
            serde_json::json!({"subscriptionId": SUBSCRIPTION}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(handshake.accept_secrets && handshake.accept_resources);
    assert_eq!(handshake.accept_secrets, configure.accept_secrets);
    assert_eq!(handshake.accept_resources, configure.accept_resources);
    assert_eq!(handshake.accept_outputs, configure.accept_outputs);
    assert_eq!(
        handshake.supports_autonaming_configuration,
        configure.supports_autonaming_configuration
    );
    assert!(configure.supports_preview);
}

#[tokio::test]
async fn plugin_info_is_the_crate_version() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let info = provider
        .client
        .get_plugin_info(())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn schema_is_served_and_other_versions_are_refused() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let schema = provider
        .client
        .get_schema(rpc::GetSchemaRequest::default())
        .await
        .unwrap()
        .into_inner()
        .schema;
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
    assert_eq!(schema["name"], "aksmesh");
    assert!(schema["functions"]["aksmesh:index:planAddressSpace"].is_object());
    assert_eq!(
        schema["config"]["variables"]["clientSecret"]["secret"],
        true
    );

    let refused = provider
        .client
        .get_schema(rpc::GetSchemaRequest {
            version: 2,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn check_config_reports_bad_values_with_their_keys() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let response = provider
        .client
        .check_config(rpc::CheckRequest {
            urn: "urn:pulumi:dev::p::pulumi:providers:aksmesh::default".into(),
            news: Some(to_struct(serde_json::json!({
                "subscriptionId": "nope",
                "armEndpoint": "http://127.0.0.1:1",
                "version": "0.1.0"
            }))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let properties: Vec<_> = response
        .failures
        .iter()
        .map(|f| f.property.as_str())
        .collect();
    assert_eq!(properties, ["armEndpoint", "subscriptionId"]);
    assert!(response.inputs.is_some(), "inputs are always returned");

    let good = provider
        .client
        .check_config(rpc::CheckRequest {
            news: Some(to_struct(
                serde_json::json!({"subscriptionId": SUBSCRIPTION}),
            )),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(good.failures.is_empty());
}

#[tokio::test]
async fn configure_without_subscription_returns_missing_keys() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let status = provider
        .client
        .configure(configure_request(serde_json::json!({})))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = google_rpc::Status::decode(status.details()).unwrap();
    assert_eq!(details.code, Code::InvalidArgument as i32);
    assert_eq!(
        details.details[0].type_url,
        "type.googleapis.com/pulumirpc.ConfigureErrorMissingKeys"
    );
    let missing =
        rpc::ConfigureErrorMissingKeys::decode(details.details[0].value.as_slice()).unwrap();
    assert_eq!(missing.missing_keys[0].name, "aksmesh:subscriptionId");
    assert!(!missing.missing_keys[0].description.is_empty());
}

#[tokio::test]
async fn configure_reads_the_environment_and_the_deprecated_variables() {
    let environment =
        BTreeMap::from([("ARM_SUBSCRIPTION_ID".to_string(), SUBSCRIPTION.to_string())]);
    let mut provider = start_provider(environment).await;
    provider
        .client
        .configure(configure_request(serde_json::json!({})))
        .await
        .expect("subscription from ARM_SUBSCRIPTION_ID");

    let mut provider = start_provider(BTreeMap::new()).await;
    provider
        .client
        .configure(rpc::ConfigureRequest {
            variables: [(
                "aksmesh:config:subscriptionId".to_string(),
                SUBSCRIPTION.to_string(),
            )]
            .into(),
            ..Default::default()
        })
        .await
        .expect("subscription from variables");
}

#[tokio::test]
async fn configure_rejects_invalid_values_with_the_key_to_fix() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let status = provider
        .client
        .configure(configure_request(
            serde_json::json!({"subscriptionId": SUBSCRIPTION, "authentication": "password"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("aksmesh:authentication"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn diff_config_never_replaces() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let response = provider
        .client
        .diff_config(rpc::DiffRequest {
            olds: Some(to_struct(
                serde_json::json!({"subscriptionId": SUBSCRIPTION, "location": "eastus"}),
            )),
            news: Some(to_struct(
                serde_json::json!({"subscriptionId": SUBSCRIPTION, "location": "westus"}),
            )),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.changes, DiffChanges::DiffSome as i32);
    assert!(response.replaces.is_empty());
    assert!(response.has_detailed_diff);
    assert_eq!(response.diffs, ["location"]);

    let same = provider
        .client
        .diff_config(rpc::DiffRequest {
            olds: Some(to_struct(
                serde_json::json!({"subscriptionId": SUBSCRIPTION, "version": "0.0.1"}),
            )),
            news: Some(to_struct(
                serde_json::json!({"subscriptionId": SUBSCRIPTION, "version": "0.1.0"}),
            )),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        same.changes,
        DiffChanges::DiffNone as i32,
        "the engine's version key is not ours"
    );
}

#[tokio::test]
async fn plan_address_space_defaults_reproduce_the_familiar_layout() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let response = provider
        .client
        .invoke(rpc::InvokeRequest {
            tok: "aksmesh:index:planAddressSpace".into(),
            args: Some(to_struct(serde_json::json!({
                "regions": [{"location": "eastus"}, {"location": "westeurope"}, {"location": "southeastasia"}]
            }))),
            preview: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(response.failures.is_empty(), "{:?}", response.failures);
    let plan = to_json(response.r#return.as_ref().unwrap());
    let vnets: Vec<_> = plan["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["vnetCidr"].clone())
        .collect();
    let pods: Vec<_> = plan["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["podCidr"].clone())
        .collect();
    assert_eq!(vnets, ["10.0.0.0/14", "10.4.0.0/14", "10.8.0.0/14"]);
    assert_eq!(pods, ["10.32.0.0/13", "10.40.0.0/13", "10.48.0.0/13"]);
    assert_eq!(plan["regions"][1]["nodeSubnetCidr"], "10.4.0.0/16");
    assert_eq!(plan["serviceCidr"], "10.96.0.0/16");
    assert_eq!(plan["dnsServiceIP"], "10.96.0.10");
}

#[tokio::test]
async fn plan_address_space_reports_bad_input_at_the_property() {
    let nine: Vec<_> = [
        "eastus",
        "eastus2",
        "westus",
        "westus2",
        "westus3",
        "centralus",
        "northeurope",
        "westeurope",
        "uksouth",
    ]
    .iter()
    .map(|location| serde_json::json!({ "location": location }))
    .collect();
    let rows = [
        InvokeRejection::new(
            "vnet range with host bits",
            serde_json::json!({"regions": [{"location": "eastus", "vnetCidr": "10.0.0.1/14"}]}),
            "regions[0].vnetCidr",
            &["10.0.0.0/14"],
        ),
        InvokeRejection::new(
            "nine regions",
            serde_json::json!({"regions": nine}),
            "regions",
            &["8"],
        )
        .only(),
        InvokeRejection::new(
            "regions not a list",
            serde_json::json!({"regions": "eastus"}),
            "regions",
            &[],
        ),
        InvokeRejection::new(
            "reserved vnet range",
            serde_json::json!({"regions": [{"location": "eastus", "vnetCidr": "172.31.0.0/16"}]}),
            "regions[0].vnetCidr",
            &[],
        ),
        InvokeRejection::new(
            "unknown region, refused as MultiRegionAks refuses it",
            serde_json::json!({"regions": [{"location": "eastus"}, {"location": "westeuropa"}]}),
            "regions[1].location",
            &["'westeuropa' is not an Azure region (did you mean westeurope?)"],
        )
        .only(),
    ];
    assert_invoke_rejects("aksmesh:index:planAddressSpace", &rows).await;
}

#[tokio::test]
async fn infinite_and_nan_numbers_are_refused_at_their_property() {
    let hints: &[&str] = &["not a number aksmesh can use", "finite"];
    let region = || serde_json::json!({"location": "westeurope"});
    let estimate_rows = [
        InvokeRejection::new(
            "infinite cross-region traffic",
            serde_json::json!({"regions": [region()], "crossRegionTrafficGbPerMonth": non_finite(f64::INFINITY)}),
            "crossRegionTrafficGbPerMonth",
            hints,
        )
        .only(),
        InvokeRejection::new(
            "NaN pair traffic",
            serde_json::json!({"regions": [region(), {"location": "eastus"}],
                "pairTraffic": [{"from": "westeurope", "to": "eastus", "gbPerMonth": non_finite(f64::NAN)}]}),
            "pairTraffic[0].gbPerMonth",
            hints,
        )
        .only(),
        InvokeRejection::new(
            "minus infinity Front Door requests",
            serde_json::json!({"regions": [region()], "frontDoor": {"requestsPerMonth": non_finite(f64::NEG_INFINITY)}}),
            "frontDoor.requestsPerMonth",
            hints,
        )
        .only(),
    ];
    assert_invoke_rejects("aksmesh:index:estimateCost", &estimate_rows).await;
    let plan_rows = [InvokeRejection::new(
        "infinite prefix length",
        serde_json::json!({"regions": [region()], "vnetPrefixLength": non_finite(f64::INFINITY)}),
        "vnetPrefixLength",
        hints,
    )
    .only()];
    assert_invoke_rejects("aksmesh:index:planAddressSpace", &plan_rows).await;
}

#[tokio::test]
async fn unknown_tokens_are_unimplemented_with_a_clear_message() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let status = provider
        .client
        .invoke(rpc::InvokeRequest {
            tok: "aksmesh:index:doesNotExist".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(status.message().contains("aksmesh:index:doesNotExist"));

    let status = provider
        .client
        .check(rpc::CheckRequest {
            urn: "urn:pulumi:dev::p::aksmesh:index:Nope::n".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(status.message().contains("aksmesh:index:Nope"));

    let status = provider
        .client
        .call(rpc::CallRequest {
            tok: "aksmesh:index:X/method".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
}

#[tokio::test]
async fn assets_in_arguments_are_refused_clearly() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let mut args = to_struct(serde_json::json!({"regions": []}));
    let asset = prost_types::Struct {
        fields: [
            (
                "4dabf18193072939515e22adb298388d".to_string(),
                prost_types::Value {
                    kind: Some(prost_types::value::Kind::StringValue(
                        "c44067f5952c0a294b673a41bacd8c17".into(),
                    )),
                },
            ),
            (
                "text".to_string(),
                prost_types::Value {
                    kind: Some(prost_types::value::Kind::StringValue("x".into())),
                },
            ),
        ]
        .into(),
    };
    args.fields.insert(
        "baseCidr".into(),
        prost_types::Value {
            kind: Some(prost_types::value::Kind::StructValue(asset)),
        },
    );
    let status = provider
        .client
        .invoke(rpc::InvokeRequest {
            tok: "aksmesh:index:planAddressSpace".into(),
            args: Some(args),
            preview: false,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("baseCidr") && status.message().contains("assets"));
}

#[tokio::test]
async fn cancel_returns_and_cancels_the_tree() {
    let mut provider = start_provider(BTreeMap::new()).await;
    assert!(!provider.cancel.is_cancelled());
    provider.client.cancel(()).await.unwrap();
    assert!(provider.cancel.is_cancelled());
}

#[tokio::test]
async fn attach_and_mappings_answer() {
    let mut provider = start_provider(BTreeMap::new()).await;
    let (_engine, engine_address) = support::start_engine().await;
    provider
        .client
        .attach(rpc::PluginAttach {
            address: engine_address,
        })
        .await
        .unwrap();
    let mapping = provider
        .client
        .get_mapping(rpc::GetMappingRequest {
            key: "tf".into(),
            provider: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(mapping.data.is_empty() && mapping.provider.is_empty());
    let mappings = provider
        .client
        .get_mappings(rpc::GetMappingsRequest { key: "tf".into() })
        .await
        .unwrap()
        .into_inner();
    assert!(mappings.providers.is_empty());
}

/// A 1 MiB value given where a short one belongs is named in the failure by its start, end and
/// length, never echoed whole; Check and Invoke stay fast.
#[tokio::test]
async fn long_values_are_shortened_in_messages() {
    let mebibyte = "q".repeat(1 << 20);
    let network = serde_json::json!({
        "location": "eastus",
        "vnetCidr": "10.0.0.0/14",
        "nodeSubnetCidr": "10.0.0.0/16",
    });
    let rows: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "location",
            {
                let mut n = network.clone();
                n["location"] = mebibyte.clone().into();
                n
            },
            "location",
        ),
        (
            "vnet range",
            {
                let mut n = network.clone();
                n["vnetCidr"] = mebibyte.clone().into();
                n
            },
            "vnetCidr",
        ),
        (
            "name prefix",
            {
                let mut n = network.clone();
                n["namePrefix"] = mebibyte.clone().into();
                n
            },
            "namePrefix",
        ),
    ];
    let mut resource =
        support::lifecycle::offline_lifecycle("aksmesh:index:RegionalNetwork", "net").await;
    let started = std::time::Instant::now();
    let mut wrong = Vec::new();
    for (case, news, property) in rows {
        let failures = resource.failures(news).await;
        let named = failures.iter().find(|(path, _)| path == property);
        match named {
            Some((_, reason)) if reason.len() < 4096 && reason.contains("(1048578 characters)") => {
            }
            other => wrong.push(format!(
                "{case}: {:?}",
                other.map(|(p, r)| (p, r.chars().take(200).collect::<String>(), r.len()))
            )),
        }
    }
    let mut provider = start_provider(BTreeMap::new()).await;
    let response = provider
        .client
        .invoke(rpc::InvokeRequest {
            tok: "aksmesh:index:estimateCost".into(),
            args: Some(to_struct(
                serde_json::json!({"regions": [{"location": mebibyte.clone()}]}),
            )),
            preview: false,
        })
        .await
        .unwrap()
        .into_inner();
    let reason = response
        .failures
        .first()
        .map(|f| f.reason.clone())
        .unwrap_or_default();
    if reason.len() >= 4096 || !reason.contains("characters") {
        wrong.push(format!("estimateCost location: {} bytes", reason.len()));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}
