//! The gRPC codec of every pulumirpc service: prost's, except for property values nested too deep.
//!
//! prost refuses any message nested deeper than 100 levels (its guard against stack overflow), and
//! one level of a `google.protobuf.Struct` costs three (Struct → map entry → Value). Such a request
//! used to fail in tonic, before the handler ran, with an error naming no property. Now, only when
//! prost reports its recursion limit, the request's bytes are rewritten: guided by the declarations
//! in proto/ (compiled into the descriptor set), a walk goes down the message fields and, inside
//! property values, replaces every value deeper than [`MAX_NESTING`] by an empty (null) value. prost
//! then decodes the result, and `values::from_struct`, which refuses the same levels, names the
//! first too-deep property in its path. The walk never parses what it drops (length-delimited
//! fields are skipped by their length), so its recursion is bounded by [`MAX_NESTING`] and
//! [`MESSAGE_DEPTH_LIMIT`] whatever the input, even 400 MiB of pure nesting.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::OnceLock;

use prost::bytes::{Buf, Bytes};
use prost::{Message, Name};
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic::Status;
use tonic_prost::ProstEncoder;

use super::values::MAX_NESTING;

/// prost's own bound on message nesting; the walk keeps to it outside property values as well.
pub const MESSAGE_DEPTH_LIMIT: u32 = 100;

const STRUCT: &str = "google.protobuf.Struct";
const STRUCT_ENTRY: &str = "google.protobuf.Struct.FieldsEntry";
const VALUE: &str = "google.protobuf.Value";
const LIST_VALUE: &str = "google.protobuf.ListValue";

/// Encodes with prost; decodes with prost, bounding property nesting when prost refuses the depth.
pub struct NestingCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for NestingCodec<T, U> {
    fn default() -> Self {
        NestingCodec(PhantomData)
    }
}

impl<T, U> Codec for NestingCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Name + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = NestingDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::new(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        NestingDecoder(PhantomData)
    }
}

pub struct NestingDecoder<U>(PhantomData<U>);

impl<U: Message + Default + Name> Decoder for NestingDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        // Zero-copy: the frame already sits in one buffer.
        let bytes = buf.copy_to_bytes(buf.remaining());
        decode_bounded(bytes).map(Some)
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

/// Decodes `U`, replacing property values nested deeper than [`MAX_NESTING`] by null values when
/// prost refuses the message's depth.
pub fn decode_bounded<U: Message + Default + Name>(bytes: Bytes) -> Result<U, Status> {
    match U::decode(bytes.clone()) {
        Ok(message) => Ok(message),
        Err(error) if is_recursion_limit(&error) => {
            let bounded = bound_nesting(&U::full_name(), &bytes)?;
            U::decode(bounded.as_slice()).map_err(|error| {
                Status::invalid_argument(format!(
                    "{} is nested too deeply to decode even with its property values bounded \
                     to {MAX_NESTING} levels ({error}); this is a bug in the caller",
                    U::full_name()
                ))
            })
        }
        // What tonic's own prost codec answers.
        Err(error) => Err(Status::internal(error.to_string())),
    }
}

/// prost's DecodeError exposes no kind; its text is checked by a test against prost itself.
fn is_recursion_limit(error: &prost::DecodeError) -> bool {
    error.to_string().contains("recursion limit reached")
}

/// The message-typed fields of every message declared in proto/: message → field number → type.
struct Schema(HashMap<String, HashMap<u32, String>>);

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let set = prost_types::FileDescriptorSet::decode(
            &include_bytes!(concat!(env!("OUT_DIR"), "/pulumirpc-descriptors.bin"))[..],
        )
        // build.rs wrote these bytes with protoc in this very build.
        .expect("build.rs writes a valid descriptor set");
        let mut messages = HashMap::new();
        for file in &set.file {
            for message in &file.message_type {
                add_message(&mut messages, file.package(), message);
            }
        }
        // The well-known types that carry property values, whatever the set includes.
        messages.insert(STRUCT.into(), HashMap::from([(1, STRUCT_ENTRY.into())]));
        messages.insert(STRUCT_ENTRY.into(), HashMap::from([(2, VALUE.into())]));
        messages.insert(
            VALUE.into(),
            HashMap::from([(5, STRUCT.into()), (6, LIST_VALUE.into())]),
        );
        messages.insert(LIST_VALUE.into(), HashMap::from([(1, VALUE.into())]));
        Schema(messages)
    })
}

fn add_message(
    messages: &mut HashMap<String, HashMap<u32, String>>,
    scope: &str,
    message: &prost_types::DescriptorProto,
) {
    let name = format!("{scope}.{}", message.name());
    let fields = message
        .field
        .iter()
        .filter(|f| f.r#type() == prost_types::field_descriptor_proto::Type::Message)
        .filter_map(|f| {
            let number = u32::try_from(f.number()).ok()?;
            Some((number, f.type_name().trim_start_matches('.').to_string()))
        })
        .collect();
    for nested in &message.nested_type {
        add_message(messages, &name, nested);
    }
    messages.insert(name, fields);
}

/// Rewrites an encoded `message` (its full protobuf name) so that no property value in it is
/// nested deeper than [`MAX_NESTING`]: deeper values become empty `Value`s. Other bytes are kept.
/// Malformed input is an InvalidArgument, never a panic.
pub fn bound_nesting(message: &str, bytes: &[u8]) -> Result<Vec<u8>, Status> {
    bound_with(schema(), message, bytes)
}

fn bound_with(schema: &Schema, message: &str, bytes: &[u8]) -> Result<Vec<u8>, Status> {
    // Two passes over the same walk: the first measures the sub-messages that change (those
    // around a dropped value), the second writes, copying every unchanged sub-message whole. So
    // each byte is copied once, and no buffer is built per level.
    let mut walk = Walk {
        schema,
        base: bytes.as_ptr() as usize,
        changed: Vec::new(),
        next: 0,
        out: None,
    };
    let size = walk.message(bytes, message, 0, 0)?;
    walk.out = Some(Vec::with_capacity(size));
    walk.message(bytes, message, 0, 0)?;
    Ok(walk.out.unwrap_or_default())
}

struct Walk<'s> {
    schema: &'s Schema,
    /// The address of the input, so that a sub-message is known by its payload's offset.
    base: usize,
    /// (offset, rewritten size) of every sub-message that changes, in the order the walk meets
    /// them. A value dropped from a sub-message always shrinks it, so "same size" is "unchanged".
    changed: Vec<(usize, usize)>,
    /// The next entry of `changed` the writing pass will meet.
    next: usize,
    /// None while measuring.
    out: Option<Vec<u8>>,
}

fn malformed(what: &str) -> Status {
    Status::invalid_argument(format!(
        "the request is not valid protobuf ({what}); check the client that sent it"
    ))
}

impl Walk<'_> {
    fn emit(&mut self, bytes: &[u8]) {
        if let Some(out) = &mut self.out {
            out.extend_from_slice(bytes);
        }
    }

    /// Walks the fields of one `message` and returns its rewritten size. `depth` counts messages
    /// around it; `level` is the property level of the value it belongs to (0 outside values).
    fn message(
        &mut self,
        mut input: &[u8],
        message: &str,
        depth: u32,
        level: u32,
    ) -> Result<usize, Status> {
        if depth > MESSAGE_DEPTH_LIMIT {
            return Err(Status::invalid_argument(format!(
                "the request nests messages more than {MESSAGE_DEPTH_LIMIT} levels deep outside \
                 property values; check the client that sent it"
            )));
        }
        let fields = self.schema.0.get(message);
        let in_value = matches!(message, STRUCT | STRUCT_ENTRY | VALUE | LIST_VALUE);
        let mut size = 0;
        while !input.is_empty() {
            let start = input;
            let key = read_varint(&mut input)?;
            let number = u32::try_from(key >> 3)
                .ok()
                .filter(|n| *n != 0)
                .ok_or_else(|| malformed("invalid field number"))?;
            match key & 7 {
                0 => {
                    read_varint(&mut input)?;
                }
                1 => input = skip(input, 8)?,
                5 => input = skip(input, 4)?,
                2 => {
                    let key_bytes = &start[..start.len() - input.len()];
                    let length = usize::try_from(read_varint(&mut input)?)
                        .map_err(|_| malformed("length too large"))?;
                    if length > input.len() {
                        return Err(malformed("a field runs past the end of its message"));
                    }
                    let (payload, rest) = input.split_at(length);
                    input = rest;
                    if let Some(child) = fields.and_then(|f| f.get(&number)) {
                        let child_level = match child.as_str() {
                            VALUE => level + 1,
                            _ if in_value => level,
                            // A property bag (inputs, state…): its fields are at level 1.
                            _ => 0,
                        };
                        size +=
                            self.sub_message(key_bytes, payload, child, depth + 1, child_level)?;
                        continue;
                    }
                }
                // Groups are not used by pulumirpc; refusing them keeps the walk free of recursion.
                _ => return Err(malformed("unsupported wire type")),
            }
            let field = &start[..start.len() - input.len()];
            self.emit(field);
            size += field.len();
        }
        Ok(size)
    }

    /// One message-typed field: returns (and, when writing, emits) its rewritten bytes.
    fn sub_message(
        &mut self,
        key: &[u8],
        payload: &[u8],
        message: &str,
        depth: u32,
        level: u32,
    ) -> Result<usize, Status> {
        let offset = payload.as_ptr() as usize - self.base;
        // Too deep: dropped unparsed for an empty Value, which values.rs refuses at its path.
        let dropped = message == VALUE && level > MAX_NESTING;
        let (size, walk) = if dropped {
            (0, false)
        } else if self.out.is_none() {
            let index = self.changed.len();
            self.changed.push((offset, 0));
            let size = self.message(payload, message, depth, level)?;
            if size == payload.len() {
                self.changed.truncate(index);
            } else {
                self.changed[index].1 = size;
            }
            (size, false)
        } else {
            match self.changed.get(self.next) {
                Some(&(at, size)) if at == offset => {
                    self.next += 1;
                    (size, true)
                }
                _ => (payload.len(), false),
            }
        };
        let mut length = Vec::with_capacity(10);
        write_varint(size as u64, &mut length);
        self.emit(key);
        self.emit(&length);
        if walk {
            self.message(payload, message, depth, level)?;
        } else if !dropped {
            self.emit(payload);
        }
        Ok(key.len() + length.len() + size)
    }
}

fn skip(input: &[u8], count: usize) -> Result<&[u8], Status> {
    input
        .get(count..)
        .ok_or_else(|| malformed("a field runs past the end of its message"))
}

fn read_varint(input: &mut &[u8]) -> Result<u64, Status> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let (&byte, rest) = input
            .split_first()
            .ok_or_else(|| malformed("truncated varint"))?;
        *input = rest;
        if shift == 63 && byte > 1 {
            return Err(malformed("varint overflows 64 bits"));
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(malformed("varint longer than 10 bytes"))
}

fn write_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use prost_types::value::Kind;
    use prost_types::{ListValue, Struct, Value as PbValue};
    use tonic::Code;

    use super::*;
    use crate::rpc::pulumirpc::{CheckRequest, InvokeRequest};
    use crate::rpc::values::{from_struct, DecodeError, SIGNATURE_KEY};

    fn object(key: &str, value: PbValue) -> PbValue {
        PbValue {
            kind: Some(Kind::StructValue(Struct {
                fields: [(key.to_string(), value)].into(),
            })),
        }
    }

    fn list(value: PbValue) -> PbValue {
        PbValue {
            kind: Some(Kind::ListValue(ListValue {
                values: vec![value],
            })),
        }
    }

    fn secret(value: PbValue) -> PbValue {
        PbValue {
            kind: Some(Kind::StructValue(Struct {
                fields: [
                    (
                        SIGNATURE_KEY.to_string(),
                        PbValue {
                            kind: Some(Kind::StringValue(
                                "1b47061264138c4ac30d75fd1eb44270".into(),
                            )),
                        },
                    ),
                    ("value".to_string(), value),
                ]
                .into(),
            })),
        }
    }

    fn leaf() -> PbValue {
        PbValue {
            kind: Some(Kind::StringValue("x".into())),
        }
    }

    /// `tags` holding `levels` levels in all, built by `wrap` (level 1 is `tags` itself).
    fn request(levels: usize, wrap: Wrap) -> CheckRequest {
        let mut value = leaf();
        for level in (2..=levels).rev() {
            value = wrap(level, value);
        }
        CheckRequest {
            urn: "urn:pulumi:dev::p::aksmesh:index:RegionalNetwork::n".into(),
            news: Some(Struct {
                fields: [("tags".to_string(), value)].into(),
            }),
            ..Default::default()
        }
    }

    /// Wraps the value of the next level down, given the level of the wrapper.
    type Wrap = fn(usize, PbValue) -> PbValue;

    const SHAPES: [(&str, Wrap); 3] = [
        ("objects", |_, v| object("k", v)),
        ("lists", |_, v| list(v)),
        ("secrets every third level", |level, v| {
            if level % 3 == 0 {
                secret(v)
            } else {
                object("k", v)
            }
        }),
    ];

    #[test]
    fn prost_recursion_errors_are_recognised() {
        let deep = request(40, |_, v| object("k", v)).encode_to_vec();
        let error = CheckRequest::decode(deep.as_slice()).unwrap_err();
        assert!(is_recursion_limit(&error), "{error}");
        let garbage = CheckRequest::decode(&[0x1a, 0x05, 0x0a][..]).unwrap_err();
        assert!(!is_recursion_limit(&garbage), "{garbage}");
    }

    /// Where prost decodes a request by itself, the rewrite changes nothing values.rs decides:
    /// same value below the bound, same TooDeep path above it, so the two count levels alike.
    #[test]
    fn the_rewrite_agrees_with_values_at_every_depth() {
        for (shape, wrap) in SHAPES {
            for levels in 1..=30 {
                let original = request(levels, wrap);
                let bytes = original.encode_to_vec();
                let rewritten = CheckRequest::decode(
                    bound_nesting(&CheckRequest::full_name(), &bytes)
                        .unwrap()
                        .as_slice(),
                )
                .unwrap();
                let direct = from_struct(original.news.as_ref());
                assert_eq!(
                    from_struct(rewritten.news.as_ref()),
                    direct,
                    "{shape}, {levels} levels"
                );
                assert_eq!(
                    direct.is_ok(),
                    levels <= MAX_NESTING as usize,
                    "{shape}, {levels} levels: {direct:?}"
                );
                if levels <= MAX_NESTING as usize {
                    assert_eq!(rewritten, original, "{shape}, {levels} levels");
                }
            }
        }
    }

    #[test]
    fn requests_prost_refuses_name_the_deepest_nameable_property() {
        for (shape, wrap) in SHAPES {
            for levels in [40, 1000] {
                let bytes = request(levels, wrap).encode_to_vec();
                let decoded: CheckRequest = decode_bounded(Bytes::from(bytes)).unwrap();
                assert_eq!(
                    decoded.urn,
                    "urn:pulumi:dev::p::aksmesh:index:RegionalNetwork::n"
                );
                let Err(DecodeError::TooDeep { path }) = from_struct(decoded.news.as_ref()) else {
                    panic!("{shape}, {levels} levels: not refused as too deep");
                };
                let expected = request(MAX_NESTING as usize + 1, wrap);
                let Err(DecodeError::TooDeep { path: at_bound }) =
                    from_struct(expected.news.as_ref())
                else {
                    panic!("{shape}: one level past the bound is accepted");
                };
                assert_eq!(path, at_bound, "{shape}, {levels} levels");
                assert!(path.starts_with("tags"), "{path}");
            }
        }
        // The object shape's path, spelled out.
        let bytes = request(1000, |_, v| object("k", v)).encode_to_vec();
        let decoded: CheckRequest = decode_bounded(Bytes::from(bytes)).unwrap();
        let expected = format!("tags{}", ".k".repeat(MAX_NESTING as usize));
        assert_eq!(
            from_struct(decoded.news.as_ref()),
            Err(DecodeError::TooDeep { path: expected })
        );
    }

    #[test]
    fn everything_but_the_deep_value_is_kept() {
        let mut original = request(1000, |_, v| object("k", v));
        let news = original.news.as_mut().unwrap();
        news.fields.insert("location".into(), leaf());
        news.fields.insert("zones".into(), list(list(leaf())));
        let olds = Struct {
            fields: [("shallow".to_string(), object("k", leaf()))].into(),
        };
        original.olds = Some(olds.clone());
        original.name = "n".into();
        let decoded: CheckRequest = decode_bounded(Bytes::from(original.encode_to_vec())).unwrap();
        let mut expected = original.clone();
        let mut tags = expected
            .news
            .as_mut()
            .unwrap()
            .fields
            .get_mut("tags")
            .unwrap();
        // `tags` is level 1; the value MAX_NESTING levels below it is the one emptied.
        for _ in 0..MAX_NESTING {
            let Some(Kind::StructValue(s)) = &mut tags.kind else {
                unreachable!()
            };
            tags = s.fields.get_mut("k").unwrap();
        }
        *tags = PbValue::default();
        assert_eq!(decoded, expected);
    }

    /// `levels` levels of Value → ListValue → Value… as InvokeRequest.args["a"], built without
    /// recursion (prost would recurse once per level to encode it).
    fn pure_list_nesting(levels: usize) -> Vec<u8> {
        // Sizes from the innermost Value outwards: a Value holds a ListValue, which holds a Value.
        let mut sizes = Vec::with_capacity(2 * levels + 1);
        let mut size = 0usize; // the innermost Value is empty
        sizes.push(size);
        for _ in 0..2 * levels {
            size += 1 + varint_len(size);
            sizes.push(size);
        }
        let mut out = Vec::with_capacity(size + 16);
        let entry_size = 3 + 1 + varint_len(size) + size; // key "a", then the Value
        out.push(0x12); // InvokeRequest.args
        write_varint((1 + varint_len(entry_size) + entry_size) as u64, &mut out);
        out.push(0x0a); // Struct.fields
        write_varint(entry_size as u64, &mut out);
        out.extend_from_slice(&[0x0a, 0x01, b'a', 0x12]);
        write_varint(size as u64, &mut out);
        for (i, inner) in sizes.iter().rev().skip(1).enumerate() {
            // Even steps are Values holding a list (field 6), odd ones ListValues (field 1).
            out.push(if i % 2 == 0 { 0x32 } else { 0x0a });
            write_varint(*inner as u64, &mut out);
        }
        out
    }

    fn varint_len(value: usize) -> usize {
        let mut out = Vec::new();
        write_varint(value as u64, &mut out);
        out.len()
    }

    #[test]
    fn millions_of_levels_are_bounded_without_recursion() {
        for levels in [10, 100_000, 2_000_000] {
            let bytes = pure_list_nesting(levels);
            let decoded: InvokeRequest = decode_bounded(Bytes::from(bytes)).unwrap();
            let error = from_struct(decoded.args.as_ref());
            if levels < MAX_NESTING as usize {
                assert!(error.is_ok(), "{levels}: {error:?}");
            } else {
                let expected = format!("a{}", "[0]".repeat(MAX_NESTING as usize));
                assert_eq!(
                    error,
                    Err(DecodeError::TooDeep { path: expected }),
                    "{levels}"
                );
            }
        }
    }

    #[test]
    fn malformed_bytes_are_invalid_argument_never_a_panic() {
        let name = CheckRequest::full_name();
        let rows: [(&str, &[u8]); 8] = [
            ("truncated key", &[0x80]),
            (
                "varint past 10 bytes",
                &[
                    0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                ],
            ),
            ("field number 0", &[0x00, 0x01]),
            ("length past the end", &[0x1a, 0x05, 0x0a]),
            ("nested length past the end", &[0x1a, 0x02, 0x0a, 0x09]),
            ("fixed64 cut short", &[0x09, 0x01, 0x02]),
            ("group", &[0x0b, 0x0c]),
            ("wire type 7", &[0x0f]),
        ];
        for (case, bytes) in rows {
            let status = bound_nesting(&name, bytes).unwrap_err();
            assert_eq!(status.code(), Code::InvalidArgument, "{case}: {status:?}");
        }
        // Every prefix of a deep request: a clean error or a decodable rewrite, never a panic.
        let deep = request(40, |_, v| object("k", v)).encode_to_vec();
        for end in 0..deep.len() {
            match bound_nesting(&name, &deep[..end]) {
                Ok(rewritten) => drop(CheckRequest::decode(rewritten.as_slice())),
                Err(status) => assert_eq!(status.code(), Code::InvalidArgument, "prefix {end}"),
            }
            drop(decode_bounded::<CheckRequest>(Bytes::copy_from_slice(
                &deep[..end],
            )));
        }
    }

    #[test]
    fn self_nesting_messages_stop_at_the_message_limit() {
        // pulumirpc has no recursive message today; a future one must not recurse without end.
        let schema = Schema(HashMap::from([(
            "t.Tree".to_string(),
            HashMap::from([(1, "t.Tree".to_string())]),
        )]));
        let nested = |levels: usize| {
            let mut bytes = Vec::new();
            for _ in 0..levels {
                let mut outer = vec![0x0a];
                write_varint(bytes.len() as u64, &mut outer);
                outer.extend_from_slice(&bytes);
                bytes = outer;
            }
            bytes
        };
        let shallow = nested(MESSAGE_DEPTH_LIMIT as usize);
        assert_eq!(bound_with(&schema, "t.Tree", &shallow).unwrap(), shallow);
        let status = bound_with(&schema, "t.Tree", &nested(5000)).unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().contains("more than 100 levels"),
            "{status:?}"
        );
    }
}
