//! Deeply nested inputs through the real gRPC server: whatever the depth (up to 100000 levels, far
//! past prost's recursion limit), every RPC that takes property values answers normally, naming
//! the deepest property it can, and the server keeps serving.
//!
//! Requests are built as raw protobuf without recursion: prost would recurse once per level to
//! encode them, and a deep value is appended as a second occurrence of the request's Struct field,
//! which protobuf merges into the first.

mod support;

use std::collections::BTreeMap;
use std::marker::PhantomData;

use aksmesh::rpc::pulumirpc as rpc;
use aksmesh::rpc::values::MAX_NESTING;
use prost::bytes::{Buf, BufMut};
use prost::Message;
use support::{start_provider, to_struct, TestProvider};
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::{Code, Status};

const NETWORK: &str = "aksmesh:index:RegionalNetwork";
const NETWORK_URN: &str = "urn:pulumi:dev::test::aksmesh:index:RegionalNetwork::eus";
const TOO_DEEP: &str =
    "levels deep; aksmesh inputs are at most a few levels deep, flatten this value";

fn network_inputs() -> serde_json::Value {
    serde_json::json!({
        "location": "eastus",
        "vnetCidr": "10.0.0.0/14",
        "nodeSubnetCidr": "10.0.0.0/16",
        "podSubnetCidr": "10.1.0.0/16",
    })
}

/// How a value nests: objects `{"k": …}` or lists `[…]`.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Objects,
    Lists,
}

impl Shape {
    /// The path of the value at `level` below `key` (level 1 is `key` itself).
    fn path(self, key: &str, level: usize) -> String {
        let step = match self {
            Shape::Objects => ".k",
            Shape::Lists => "[0]",
        };
        format!("{key}{}", step.repeat(level - 1))
    }
}

/// One length-delimited wrapper: `tag`, the length of what follows, `fixed` bytes, then the next.
struct Frame<'a> {
    tag: u8,
    fixed: &'a [u8],
}

/// Field `field` of a request (a Struct) holding one property `key` whose value nests `levels`
/// levels in `shape`, the innermost being the string "x". Built outside-in after measuring
/// inside-out, so memory is one Vec of sizes and no recursion.
fn deep_property(field: u32, key: &str, levels: usize, shape: Shape) -> Vec<u8> {
    let key_field = [&[0x0a, key.len() as u8][..], key.as_bytes()].concat();
    let per_level = match shape {
        Shape::Objects => 3,
        Shape::Lists => 2,
    };
    // Frames 0..3: the request's field, the Struct entry with the key, the entry's Value; then,
    // per further level, the Value's container and what holds the next Value.
    let frame = |n: usize| -> Frame<'_> {
        let (tag, fixed): (u8, &[u8]) = match (n, shape, n.saturating_sub(3) % per_level) {
            (0, ..) => ((field << 3 | 2) as u8, &[]),
            (1, ..) => (0x0a, &key_field),
            (2, ..) => (0x12, &[]),
            (_, Shape::Objects, 0) => (0x2a, &[]), // Value.struct_value
            (_, Shape::Objects, 1) => (0x0a, &[0x0a, 0x01, b'k']), // Struct entry, key "k"
            (_, Shape::Objects, _) => (0x12, &[]), // the entry's Value
            (_, Shape::Lists, 0) => (0x32, &[]),   // Value.list_value
            (_, Shape::Lists, _) => (0x0a, &[]),   // ListValue.values
        };
        Frame { tag, fixed }
    };
    let frames = 3 + per_level * (levels - 1);
    let leaf: &[u8] = &[0x1a, 0x01, b'x']; // Value.string_value "x"
    let mut content = vec![0usize; frames];
    let mut inner = leaf.len();
    for n in (0..frames).rev() {
        content[n] = frame(n).fixed.len() + inner;
        inner = 1 + varint_len(content[n]) + content[n];
    }
    let mut out = Vec::with_capacity(inner);
    for (n, size) in content.iter().enumerate() {
        let frame = frame(n);
        out.push(frame.tag);
        put_varint(*size as u64, &mut out);
        out.extend_from_slice(frame.fixed);
    }
    out.extend_from_slice(leaf);
    out
}

fn put_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint_len(value: usize) -> usize {
    let mut out = Vec::new();
    put_varint(value as u64, &mut out);
    out.len()
}

/// Sends bytes as they are and decodes the answer with prost.
struct RawCodec<D>(PhantomData<D>);

struct RawEncoder;

struct RawDecoder<D>(PhantomData<D>);

impl<D: Message + Default + Send + 'static> Codec for RawCodec<D> {
    type Encode = Vec<u8>;
    type Decode = D;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder<D>;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> RawDecoder<D> {
        RawDecoder(PhantomData)
    }
}

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.put_slice(&item);
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

impl<D: Message + Default> Decoder for RawDecoder<D> {
    type Item = D;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<D>, Status> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        D::decode(bytes)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

async fn raw_call<D: Message + Default + Send + 'static>(
    provider: &TestProvider,
    method: &'static str,
    body: Vec<u8>,
) -> Result<D, Status> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", provider.address))
        .expect("address")
        .connect()
        .await
        .expect("connect to provider");
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("provider ready");
    grpc.unary(
        tonic::Request::new(body),
        PathAndQuery::from_static(method),
        RawCodec::<D>(PhantomData),
    )
    .await
    .map(tonic::Response::into_inner)
}

/// What a row expects.
enum Expect {
    /// A failure at the path of the value at this level, saying it is too deep.
    TooDeepAt(usize),
    /// An InvalidArgument status naming the path of the value at this level.
    InvalidArgumentAt(usize),
    /// Today's answer for a value within the bound: `tags` holds strings, so the one failure is
    /// the type error at `tags.k`.
    TypeError,
}

struct Row {
    case: &'static str,
    method: &'static str,
    /// The request without the deep property, and the number of its Struct field.
    request: Vec<u8>,
    field: u32,
    key: &'static str,
    levels: usize,
    shape: Shape,
    expect: Expect,
}

fn check_request(olds_too: bool) -> Vec<u8> {
    rpc::CheckRequest {
        urn: NETWORK_URN.into(),
        olds: olds_too.then(|| to_struct(serde_json::json!({}))),
        news: Some(to_struct(network_inputs())),
        name: "eus".into(),
        r#type: NETWORK.into(),
        ..Default::default()
    }
    .encode_to_vec()
}

fn invoke_request(token: &str, args: serde_json::Value) -> Vec<u8> {
    rpc::InvokeRequest {
        tok: token.into(),
        args: Some(to_struct(args)),
        preview: false,
    }
    .encode_to_vec()
}

fn rows() -> Vec<Row> {
    let bound = MAX_NESTING as usize;
    let check = |case, levels, shape, expect| Row {
        case,
        method: "/pulumirpc.ResourceProvider/Check",
        request: check_request(true),
        field: 3,
        key: "tags",
        levels,
        shape,
        expect,
    };
    let estimate = |case, levels, shape| Row {
        case,
        method: "/pulumirpc.ResourceProvider/Invoke",
        request: invoke_request(
            "aksmesh:index:estimateCost",
            serde_json::json!({"regions": [{"location": "eastus"}]}),
        ),
        field: 2,
        key: "pairTraffic",
        levels,
        shape,
        expect: Expect::TooDeepAt(bound + 1),
    };
    vec![
        check(
            "Check, tags 10 levels",
            10,
            Shape::Objects,
            Expect::TypeError,
        ),
        check(
            "Check, tags at the bound",
            bound,
            Shape::Objects,
            Expect::TypeError,
        ),
        check(
            "Check, tags one level past the bound (prost decodes it)",
            bound + 1,
            Shape::Objects,
            Expect::TooDeepAt(bound + 1),
        ),
        check(
            "Check, tags 40 levels",
            40,
            Shape::Objects,
            Expect::TooDeepAt(bound + 1),
        ),
        check(
            "Check, tags 1000 levels",
            1000,
            Shape::Objects,
            Expect::TooDeepAt(bound + 1),
        ),
        check(
            "Check, tags 100000 levels",
            100_000,
            Shape::Objects,
            Expect::TooDeepAt(bound + 1),
        ),
        check(
            "Check, tags 100000 levels of lists",
            100_000,
            Shape::Lists,
            Expect::TooDeepAt(bound + 1),
        ),
        estimate(
            "Invoke estimateCost, pairTraffic 1000 levels of lists",
            1000,
            Shape::Lists,
        ),
        estimate(
            "Invoke estimateCost, pairTraffic 100000 levels of objects",
            100_000,
            Shape::Objects,
        ),
        Row {
            case: "CheckConfig, a config key 1000 levels",
            method: "/pulumirpc.ResourceProvider/CheckConfig",
            request: rpc::CheckRequest {
                urn: "urn:pulumi:dev::test::pulumi:providers:aksmesh::default".into(),
                news: Some(to_struct(serde_json::json!({}))),
                ..Default::default()
            }
            .encode_to_vec(),
            field: 3,
            key: "location",
            levels: 1000,
            shape: Shape::Objects,
            expect: Expect::TooDeepAt(bound + 1),
        },
        Row {
            case: "Construct MultiRegionAks, regions 1000 levels",
            method: "/pulumirpc.ResourceProvider/Construct",
            request: rpc::ConstructRequest {
                r#type: "aksmesh:index:MultiRegionAks".into(),
                name: "platform".into(),
                ..Default::default()
            }
            .encode_to_vec(),
            field: construct_inputs_field(),
            key: "regions",
            levels: 1000,
            shape: Shape::Lists,
            expect: Expect::InvalidArgumentAt(bound + 1),
        },
        Row {
            case: "Create (preview) of a network, tags 1000 levels",
            method: "/pulumirpc.ResourceProvider/Create",
            request: rpc::CreateRequest {
                urn: NETWORK_URN.into(),
                properties: Some(to_struct(network_inputs())),
                preview: true,
                r#type: NETWORK.into(),
                ..Default::default()
            }
            .encode_to_vec(),
            field: 2,
            key: "tags",
            levels: 1000,
            shape: Shape::Objects,
            expect: Expect::InvalidArgumentAt(bound + 1),
        },
    ]
}

/// ConstructRequest.inputs' field number, read from an encoding rather than written down twice.
fn construct_inputs_field() -> u32 {
    let encoded = rpc::ConstructRequest {
        inputs: Some(prost_types::Struct::default()),
        ..Default::default()
    }
    .encode_to_vec();
    u32::from(encoded[0] >> 3)
}

/// The failures (or status) a row's request gets, as (property, reason) pairs.
async fn answer(provider: &TestProvider, row: &Row) -> Result<Vec<(String, String)>, Status> {
    let mut body = row.request.clone();
    body.extend(deep_property(row.field, row.key, row.levels, row.shape));
    let pairs = |failures: Vec<rpc::CheckFailure>| {
        failures
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    };
    match row.method {
        "/pulumirpc.ResourceProvider/Check" | "/pulumirpc.ResourceProvider/CheckConfig" => {
            raw_call::<rpc::CheckResponse>(provider, row.method, body)
                .await
                .map(|r| pairs(r.failures))
        }
        "/pulumirpc.ResourceProvider/Invoke" => {
            raw_call::<rpc::InvokeResponse>(provider, row.method, body)
                .await
                .map(|r| pairs(r.failures))
        }
        "/pulumirpc.ResourceProvider/Construct" => {
            raw_call::<rpc::ConstructResponse>(provider, row.method, body)
                .await
                .map(|_| Vec::new())
        }
        _ => raw_call::<rpc::CreateResponse>(provider, row.method, body)
            .await
            .map(|_| Vec::new()),
    }
}

#[tokio::test]
async fn deep_inputs_fail_at_their_deepest_nameable_property() {
    let provider = start_provider(BTreeMap::new()).await;
    let mut wrong = Vec::new();
    for row in rows() {
        let answer = answer(&provider, &row).await;
        let verdict = match (&row.expect, &answer) {
            (Expect::TooDeepAt(level), Ok(failures)) => {
                let path = row.shape.path(row.key, *level);
                let expected = format!("nested more than {MAX_NESTING} {TOO_DEEP}");
                (failures.len() == 1 && failures[0] == (path.clone(), expected))
                    .then_some(())
                    .ok_or(format!("expected the one failure at {path}"))
            }
            (Expect::InvalidArgumentAt(level), Err(status)) => {
                let path = row.shape.path(row.key, *level);
                (status.code() == Code::InvalidArgument
                    && status.message()
                        == format!("property {path}: nested more than {MAX_NESTING} {TOO_DEEP}"))
                .then_some(())
                .ok_or(format!("expected InvalidArgument naming {path}"))
            }
            (Expect::TypeError, Ok(failures)) => (failures.len() == 1
                && failures[0].0 == "tags.k"
                && failures[0].1.contains("expected a string"))
            .then_some(())
            .ok_or("expected the type error at tags.k".to_string()),
            _ => Err("unexpected kind of answer".to_string()),
        };
        if let Err(why) = verdict {
            wrong.push(format!("{}: {why}, got {answer:?}", row.case));
        }
        // The server still answers, and ordinary input still passes.
        let next = provider
            .client
            .clone()
            .check(rpc::CheckRequest {
                urn: NETWORK_URN.into(),
                olds: Some(to_struct(serde_json::json!({}))),
                news: Some(to_struct(network_inputs())),
                name: "eus".into(),
                r#type: NETWORK.into(),
                ..Default::default()
            })
            .await;
        match next {
            Ok(response) if response.get_ref().failures.is_empty() => {}
            other => wrong.push(format!("{}: the next Check got {other:?}", row.case)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The raw builder makes what prost makes, so the rows test real requests.
#[test]
fn the_raw_builder_matches_prost() {
    for shape in [Shape::Objects, Shape::Lists] {
        for levels in [1, 2, 5] {
            let mut value = prost_types::Value {
                kind: Some(prost_types::value::Kind::StringValue("x".into())),
            };
            for _ in 1..levels {
                value = prost_types::Value {
                    kind: Some(match shape {
                        Shape::Objects => {
                            prost_types::value::Kind::StructValue(prost_types::Struct {
                                fields: [("k".to_string(), value)].into(),
                            })
                        }
                        Shape::Lists => {
                            prost_types::value::Kind::ListValue(prost_types::ListValue {
                                values: vec![value],
                            })
                        }
                    }),
                };
            }
            let expected = rpc::CheckRequest {
                news: Some(prost_types::Struct {
                    fields: [("tags".to_string(), value)].into(),
                }),
                ..Default::default()
            }
            .encode_to_vec();
            assert_eq!(
                deep_property(3, "tags", levels, shape),
                expected,
                "{shape:?}, {levels} levels"
            );
        }
    }
}
