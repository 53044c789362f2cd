//! Nothing panics on any input: every resource's Check, Diff and preview, every component's Check
//! and every function, fed arbitrary values shaped like the schema's (its property names, CIDRs,
//! regions, odd numbers, unknowns, secrets and output values at any depth). None of them call Azure.

use std::collections::{BTreeMap, BTreeSet};

use aksmesh::property::Value;
use aksmesh::provider::Registry;
use proptest::prelude::*;

/// Every property name the schema mentions, so generated objects hit real fields.
fn vocabulary() -> Vec<String> {
    fn collect(node: &serde_json::Value, names: &mut BTreeSet<String>) {
        match node {
            serde_json::Value::Object(map) => {
                for key in ["properties", "inputProperties"] {
                    if let Some(serde_json::Value::Object(properties)) = map.get(key) {
                        names.extend(properties.keys().cloned());
                    }
                }
                map.values().for_each(|child| collect(child, names));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|child| collect(child, names)),
            _ => {}
        }
    }
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema.json")).expect("schema.json is JSON");
    let mut names = BTreeSet::new();
    collect(&schema, &mut names);
    names.insert("unknownProperty".into());
    names.into_iter().collect()
}

fn leaf() -> impl Strategy<Value = Value> {
    let strings = prop_oneof![
        Just("10.0.0.0/14".to_string()),
        Just("10.0.0.0/16".to_string()),
        Just("10.32.0.0/13".to_string()),
        Just("0.0.0.0/0".to_string()),
        Just("255.255.255.255/32".to_string()),
        Just("10.0.0.1/33".to_string()),
        Just("eastus".to_string()),
        Just("westeurope".to_string()),
        Just("overlay".to_string()),
        Just("flat".to_string()),
        Just("byoCni".to_string()),
        Just("fleet".to_string()),
        Just("selfManaged".to_string()),
        Just("1.34".to_string()),
        Just(String::new()),
        Just("/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ];
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(0.0),
            Just(-1.0),
            Just(1.5),
            Just(255.0),
            Just(1e300),
            Just(-1e300),
            Just(f64::NAN),
            Just(f64::INFINITY),
            any::<i32>().prop_map(f64::from),
        ]
        .prop_map(Value::Number),
        strings.prop_map(Value::String),
        Just(Value::Unknown),
        Just(Value::Output {
            value: None,
            secret: false,
            dependencies: Vec::new(),
        }),
    ]
}

fn value(names: Vec<String>) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, move |inner| {
        let key = proptest::sample::select(names.clone());
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner.clone(), 0..6).prop_map(Value::Object),
            inner.clone().prop_map(|v| Value::Secret(Box::new(v))),
            inner.prop_map(|v| Value::Output {
                value: Some(Box::new(v)),
                secret: true,
                dependencies: vec!["urn:pulumi:dev::p::t::n".into()],
            }),
        ]
    })
}

/// A top-level object of schema-named properties.
fn inputs() -> impl Strategy<Value = Value> {
    let names = vocabulary();
    let key = proptest::sample::select(names.clone());
    prop::collection::btree_map(key, value(names), 0..10).prop_map(Value::Object)
}

const SUBNET: &str = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-platform-eastus/providers/Microsoft.Network/virtualNetworks/vnet-platform-eastus/subnets/nodes";
const EAST_VNET: &str = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-platform-eastus/providers/Microsoft.Network/virtualNetworks/vnet-platform-eastus";
const WEST_VNET: &str = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-platform-westeurope/providers/Microsoft.Network/virtualNetworks/vnet-platform-westeurope";

/// One valid input per token: mutating it reaches the checks behind the type checks.
fn valid_inputs(token: &str) -> serde_json::Value {
    use serde_json::json;
    let mesh_cluster = |name: &str, location: &str, second: u8, vnet: &str| {
        json!({"name": name, "clusterId": format!("/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-{name}/providers/Microsoft.ContainerService/managedClusters/aks-{name}"), "location": location,
               "podNetworking": "flat", "networkDataplane": "cilium", "advancedNetworking": true,
               "kubernetesVersion": "1.33", "podSubnetCidr": format!("10.{}.0.0/16", second + 1),
               "nodeSubnetCidr": format!("10.{second}.0.0/16"), "vnetId": vnet})
    };
    match token {
        "aksmesh:index:RegionalNetwork" => json!({"location": "eastus", "vnetCidr": "10.0.0.0/14",
            "nodeSubnetCidr": "10.0.0.0/16", "podSubnetCidr": "10.1.0.0/16", "tags": {"team": "platform"}}),
        "aksmesh:index:RegionalCluster" => {
            json!({"location": "eastus", "resourceGroupName": "rg-platform-eastus",
            "nodeSubnetId": SUBNET, "vnetCidr": "10.0.0.0/14", "nodeSubnetCidr": "10.0.0.0/16",
            "kubernetesVersion": "1.33", "systemPool": {"vmSize": "Standard_D4s_v5", "count": 2}})
        }
        "aksmesh:index:VnetPeering" => json!({"localVnetId": EAST_VNET, "remoteVnetId": WEST_VNET,
            "localAddressSpace": ["10.0.0.0/14"], "remoteAddressSpace": ["10.4.0.0/14"]}),
        "aksmesh:index:FrontDoor" => json!({"resourceGroupName": "rg-platform-eastus", "origins": [
            {"name": "eastus", "hostName": "web.eastus.cloudapp.azure.com", "priority": 1, "weight": 1000},
            {"name": "westeurope", "hostName": "web.westeurope.cloudapp.azure.com"}]}),
        "aksmesh:index:CiliumMesh" => {
            json!({"mode": "fleet", "resourceGroupName": "rg-platform-eastus",
            "clusters": [mesh_cluster("east", "eastus", 0, EAST_VNET), mesh_cluster("west", "westeurope", 4, WEST_VNET)],
            "peeredVnetPairs": [{"from": EAST_VNET, "to": WEST_VNET}]})
        }
        "aksmesh:index:MultiRegionAks" => {
            json!({"regions": [{"location": "eastus"}, {"location": "westeurope", "nodeCount": 3}],
            "enableVnetPeering": true, "frontDoor": {"enabled": true}})
        }
        "aksmesh:index:OverlayPeering" => json!({"networks": [
            {"name": "eastus", "vnetId": EAST_VNET, "addressSpace": ["10.0.0.0/14"], "podCidr": "10.32.0.0/13"},
            {"name": "westeurope", "vnetId": WEST_VNET, "addressSpace": ["10.4.0.0/14"], "podCidr": "10.40.0.0/13"}]}),
        "aksmesh:index:planAddressSpace" => {
            json!({"regions": [{"location": "eastus"}, {"location": "westeurope"}]})
        }
        "aksmesh:index:analyzeConnectivity" => json!({"regions": ["eastus", "westeurope"],
            "peerings": [{"from": "westeurope", "to": "eastus"}]}),
        "aksmesh:index:estimateCost" => {
            json!({"regions": [{"location": "westeurope", "clusterTier": "Standard"},
            {"location": "eastus", "clusterTier": "Standard"}],
            "pairTraffic": [{"from": "westeurope", "to": "eastus", "gbPerMonth": 1000}]})
        }
        other => panic!("no valid inputs for {other}: add them here"),
    }
}

/// Every path in a value (objects and arrays included), for mutation.
fn paths(value: &Value, at: Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let mut next = at.clone();
                next.push(PathStep::Key(key.clone()));
                out.push(next.clone());
                paths(child, next, out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let mut next = at.clone();
                next.push(PathStep::Index(index));
                out.push(next.clone());
                paths(child, next, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// Replaces (or, with `None`, removes) the value at `path`.
fn mutate(value: &mut Value, path: &[PathStep], replacement: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = value;
    for step in parents {
        node = match (node, step) {
            (Value::Object(map), PathStep::Key(key)) => map.get_mut(key).expect("path exists"),
            (Value::Array(items), PathStep::Index(index)) => &mut items[*index],
            _ => return,
        };
    }
    match (node, last, replacement) {
        (Value::Object(map), PathStep::Key(key), Some(new)) => {
            map.insert(key.clone(), new);
        }
        (Value::Object(map), PathStep::Key(key), None) => {
            map.remove(key);
        }
        (Value::Array(items), PathStep::Index(index), Some(new)) => items[*index] = new,
        (Value::Array(items), PathStep::Index(index), None) => {
            items.remove(*index);
        }
        _ => {}
    }
}

/// A token's valid inputs with up to three paths replaced by arbitrary values or removed.
fn mutated(token: &'static str) -> impl Strategy<Value = Value> {
    let base = Value::from_plain(&valid_inputs(token), &BTreeSet::new());
    let edits = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::option::weighted(0.85, value(vocabulary())),
        ),
        1..4,
    );
    edits.prop_map(move |edits| {
        let mut inputs = base.clone();
        for (where_, replacement) in edits {
            let mut all = Vec::new();
            paths(&inputs, Vec::new(), &mut all);
            if all.is_empty() {
                break;
            }
            let chosen: &Vec<PathStep> = where_.get(&all);
            mutate(&mut inputs, chosen, replacement);
        }
        inputs
    })
}

/// A token of any kind, with mutated valid inputs for it.
fn any_token_mutated() -> impl Strategy<Value = (&'static str, Value)> {
    let mut all: Vec<&'static str> = tokens(registry().resources.keys());
    all.extend(tokens(registry().components.keys()));
    all.extend(tokens(registry().functions.keys()));
    proptest::sample::select(all)
        .prop_flat_map(|token| mutated(token).prop_map(move |news| (token, news)))
}

fn registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(Registry::aksmesh)
}

fn tokens(map_keys: impl Iterator<Item = &'static &'static str>) -> Vec<&'static str> {
    let mut tokens: Vec<&'static str> = map_keys.copied().collect();
    tokens.sort();
    tokens
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn resources_check_diff_and_preview_anything(
        which in any::<prop::sample::Index>(),
        olds in inputs(),
        news in inputs(),
        state in inputs(),
        ignore in prop::collection::vec(proptest::sample::select(vocabulary()), 0..2),
    ) {
        let all = tokens(registry().resources.keys());
        let resource = &registry().resources[which.get(&all)];
        let checked = resource.check(&olds, &news, "platform");
        let _ = resource.preview(&checked.inputs);
        let _ = resource.preview(&news);
        let _ = resource.diff(&olds, &state, &checked.inputs, &ignore);
        let _ = resource.diff(&checked.inputs, &state, &news, &ignore);
    }

    #[test]
    fn components_check_anything(which in any::<prop::sample::Index>(), news in inputs()) {
        let all = tokens(registry().components.keys());
        let _ = registry().components[which.get(&all)].check(&news);
    }

    #[test]
    fn functions_answer_anything(which in any::<prop::sample::Index>(), arguments in inputs()) {
        let all = tokens(registry().functions.keys());
        let function = &registry().functions[which.get(&all)];
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let _ = runtime.block_on(function.invoke(&arguments));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_valid_inputs_never_panic((token, news) in any_token_mutated()) {
        let valid = Value::from_plain(&valid_inputs(token), &BTreeSet::new());
        if let Some(resource) = registry().resources.get(token) {
            let checked = resource.check(&valid, &news, "platform");
            let _ = resource.preview(&checked.inputs);
            let _ = resource.diff(&valid, &valid, &checked.inputs, &[]);
        } else if let Some(component) = registry().components.get(token) {
            let _ = component.check(&news);
        } else {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            let _ = runtime.block_on(registry().functions[token].invoke(&news));
        }
    }
}

/// Each valid base really is valid, so mutations start behind the type checks.
#[test]
fn the_valid_bases_pass() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for (token, resource) in &registry().resources {
        let inputs = Value::from_plain(&valid_inputs(token), &BTreeSet::new());
        let checked = resource.check(&Value::Object(BTreeMap::new()), &inputs, "platform");
        assert!(
            checked.failures.is_empty(),
            "{token}: {:?}",
            checked.failures
        );
    }
    for (token, component) in &registry().components {
        let inputs = Value::from_plain(&valid_inputs(token), &BTreeSet::new());
        assert!(
            component.check(&inputs).is_ok(),
            "{token}: {:?}",
            component.check(&inputs).err()
        );
    }
    for (token, function) in &registry().functions {
        let inputs = Value::from_plain(&valid_inputs(token), &BTreeSet::new());
        let answer = runtime.block_on(function.invoke(&inputs));
        assert!(answer.is_ok(), "{token}: {:?}", answer.err());
    }
}

/// The generator reaches every token and real property names (a test of the test).
#[test]
fn the_generator_covers_the_registry_and_the_schema() {
    let names = vocabulary();
    for expected in [
        "vnetCidr",
        "podCidr",
        "regions",
        "clusters",
        "origins",
        "systemPool",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let counts: BTreeMap<&str, usize> = [
        ("resources", registry().resources.len()),
        ("components", registry().components.len()),
        ("functions", registry().functions.len()),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        counts,
        BTreeMap::from([("components", 2), ("functions", 3), ("resources", 5)])
    );
}
