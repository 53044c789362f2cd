//! The wire agrees with Pulumi's: proto/ is our own declaration of the pulumirpc subset we speak, and
//! this compares it with the descriptors the pinned Pulumi SDK was generated from
//! (scripts/pulumirpc-descriptors.py). Every message, field, enum value and RPC we declare must match
//! Pulumi's; the requests the engine sends us (the inputs of ResourceProvider RPCs, and every message
//! they carry) must declare all of Pulumi's fields, so no request field is silently dropped. For the
//! responses and for what we send the ResourceMonitor, fields we leave out are fine.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::OnceLock;

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet,
    ServiceDescriptorProto,
};

/// proto/ as build.rs compiled it.
const OURS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/pulumirpc-descriptors.bin"));

/// The packages we declare by hand (Pulumi's SDK carries google.rpc.Status too); google.protobuf
/// comes with protoc.
const PACKAGES: [&str; 2] = ["pulumirpc", "google.rpc"];

fn is_own(name: &str) -> bool {
    PACKAGES.iter().any(|p| {
        name.strip_prefix('.')
            .and_then(|n| n.strip_prefix(p))
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The service whose inputs the engine sends us, so they must be declared in full.
const PROVIDER_SERVICE: &str = ".pulumirpc.ResourceProvider";

fn ours() -> FileDescriptorSet {
    FileDescriptorSet::decode(OURS).expect("build.rs writes a valid FileDescriptorSet")
}

/// Pulumi's descriptors, read once from the Python SDK that scripts/env.sh installs.
fn pulumi() -> &'static FileDescriptorSet {
    static SET: OnceLock<FileDescriptorSet> = OnceLock::new();
    SET.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let out = dir.path().join("pulumi.pb");
        let python = support::pulumi::python();
        let output = Command::new(&python)
            .arg(support::pulumi::repository().join("scripts/pulumirpc-descriptors.py"))
            .arg(&out)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
        assert!(
            output.status.success(),
            "reading Pulumi's descriptors with {} failed (is the venv from scripts/env.sh \
             installed?):\n{}",
            python.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        let bytes = std::fs::read(&out).expect("the script writes its output file");
        FileDescriptorSet::decode(bytes.as_slice()).expect("Pulumi's FileDescriptorSet decodes")
    })
}

/// Every message, enum and service of a set by fully qualified name (".pulumirpc.A.B").
#[derive(Default)]
struct Index<'a> {
    messages: BTreeMap<String, &'a DescriptorProto>,
    enums: BTreeMap<String, &'a EnumDescriptorProto>,
    services: BTreeMap<String, &'a ServiceDescriptorProto>,
    /// Names declared in files of PACKAGES (what we compare).
    own_messages: Vec<String>,
    own_enums: Vec<String>,
    own_services: Vec<String>,
}

impl<'a> Index<'a> {
    fn new(set: &'a FileDescriptorSet) -> Self {
        let mut index = Index::default();
        for file in &set.file {
            let package = file.package();
            let own = PACKAGES.contains(&package);
            let scope = format!(".{package}");
            for message in &file.message_type {
                index.add_message(&scope, message, own);
            }
            for en in &file.enum_type {
                index.add_enum(&scope, en, own);
            }
            for service in &file.service {
                let name = format!("{scope}.{}", service.name());
                if own {
                    index.own_services.push(name.clone());
                }
                index.services.insert(name, service);
            }
        }
        index
    }

    fn add_message(&mut self, scope: &str, message: &'a DescriptorProto, own: bool) {
        let name = format!("{scope}.{}", message.name());
        for nested in &message.nested_type {
            self.add_message(&name, nested, own);
        }
        for en in &message.enum_type {
            self.add_enum(&name, en, own);
        }
        if own {
            self.own_messages.push(name.clone());
        }
        self.messages.insert(name, message);
    }

    fn add_enum(&mut self, scope: &str, en: &'a EnumDescriptorProto, own: bool) {
        let name = format!("{scope}.{}", en.name());
        if own {
            self.own_enums.push(name.clone());
        }
        self.enums.insert(name, en);
    }
}

/// Everything that decides how a field travels and decodes, in one comparable line.
fn shape(message: &DescriptorProto, field: &FieldDescriptorProto) -> String {
    let label = match field.label() {
        Label::Repeated => "repeated",
        _ if field.proto3_optional() => "optional",
        Label::Required => "required",
        Label::Optional => "singular",
    };
    let kind = match field.r#type() {
        Type::Message | Type::Enum | Type::Group => field.type_name().to_string(),
        other => other
            .as_str_name()
            .trim_start_matches("TYPE_")
            .to_lowercase(),
    };
    // Fields of a real oneof share one slot; a proto3 `optional` is a synthetic oneof (no wire effect).
    let oneof = match field.oneof_index {
        Some(i) if !field.proto3_optional() => {
            format!(" (oneof {})", message.oneof_decl[i as usize].name())
        }
        _ => String::new(),
    };
    format!(
        "{} {label} {kind} = {}{oneof}",
        field.name(),
        field.number()
    )
}

/// The messages and enums a request carries: its own type and every pulumirpc type its fields name,
/// transitively, in Pulumi's declaration.
fn request_closure(pulumi: &Index, roots: &[String]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut messages, mut enums) = (BTreeSet::new(), BTreeSet::new());
    let mut todo: Vec<String> = roots.to_vec();
    while let Some(name) = todo.pop() {
        if !is_own(&name) || !messages.insert(name.clone()) {
            continue;
        }
        let Some(message) = pulumi.messages.get(&name) else {
            continue;
        };
        for field in &message.field {
            match field.r#type() {
                Type::Message => todo.push(field.type_name().to_string()),
                Type::Enum if is_own(field.type_name()) => {
                    enums.insert(field.type_name().to_string());
                }
                _ => {}
            }
        }
    }
    (messages, enums)
}

/// Every way `ours` disagrees with `pulumi`, one line each (empty = the wire agrees).
fn disagreements(ours: &FileDescriptorSet, pulumi: &FileDescriptorSet) -> Vec<String> {
    let (ours, pulumi) = (Index::new(ours), Index::new(pulumi));
    let mut problems = Vec::new();

    // RPCs: same path, same request and response types, same streaming.
    for name in &ours.own_services {
        let Some(theirs) = pulumi.services.get(name) else {
            problems.push(format!("service {name}: Pulumi has no such service"));
            continue;
        };
        for method in &ours.services[name].method {
            let signature = |m: &prost_types::MethodDescriptorProto| {
                format!(
                    "({}{}) returns ({}{})",
                    if m.client_streaming() { "stream " } else { "" },
                    m.input_type(),
                    if m.server_streaming() { "stream " } else { "" },
                    m.output_type()
                )
            };
            match theirs.method.iter().find(|m| m.name() == method.name()) {
                None => problems.push(format!(
                    "rpc {name}/{}: Pulumi has no such method",
                    method.name()
                )),
                Some(m) if signature(m) != signature(method) => problems.push(format!(
                    "rpc {name}/{}: we declare {}, Pulumi {}",
                    method.name(),
                    signature(method),
                    signature(m)
                )),
                Some(_) => {}
            }
        }
    }

    // Every field we declare travels exactly as Pulumi's does.
    for name in &ours.own_messages {
        let mine = ours.messages[name];
        let Some(theirs) = pulumi.messages.get(name) else {
            problems.push(format!("message {name}: Pulumi has no such message"));
            continue;
        };
        for field in &mine.field {
            match theirs.field.iter().find(|f| f.number() == field.number()) {
                None => problems.push(format!(
                    "{name}: we declare `{}`, Pulumi has no field {}{}",
                    shape(mine, field),
                    field.number(),
                    if theirs
                        .reserved_range
                        .iter()
                        .any(|r| (r.start()..r.end()).contains(&field.number()))
                    {
                        " (it reserves the number: the field was retired)"
                    } else {
                        ""
                    }
                )),
                Some(other) if shape(theirs, other) != shape(mine, field) => {
                    problems.push(format!(
                        "{name}: we declare `{}`, Pulumi `{}`",
                        shape(mine, field),
                        shape(theirs, other)
                    ))
                }
                Some(_) => {}
            }
        }
    }
    for name in &ours.own_enums {
        let Some(theirs) = pulumi.enums.get(name) else {
            problems.push(format!("enum {name}: Pulumi has no such enum"));
            continue;
        };
        for value in &ours.enums[name].value {
            match theirs.value.iter().find(|v| v.number() == value.number()) {
                Some(v) if v.name() == value.name() => {}
                other => problems.push(format!(
                    "{name}: we declare {} = {}, Pulumi {}",
                    value.name(),
                    value.number(),
                    other.map_or("has no such number".to_string(), |v| format!(
                        "names it {}",
                        v.name()
                    ))
                )),
            }
        }
    }

    // What the engine sends us is declared in full: a field we lack would be dropped unseen.
    let roots: Vec<String> = ours
        .services
        .get(PROVIDER_SERVICE)
        .map(|service| {
            service
                .method
                .iter()
                .map(|m| m.input_type().to_string())
                .collect()
        })
        .unwrap_or_default();
    if roots.is_empty() {
        problems.push(format!("we declare no {PROVIDER_SERVICE} methods"));
    }
    let (messages, enums) = request_closure(&pulumi, &roots);
    for name in &messages {
        let Some(theirs) = pulumi.messages.get(name) else {
            continue; // reported above as a message Pulumi lacks
        };
        let Some(mine) = ours.messages.get(name) else {
            problems.push(format!(
                "message {name}: the engine sends it, we do not declare it"
            ));
            continue;
        };
        for field in &theirs.field {
            if !mine.field.iter().any(|f| f.number() == field.number()) {
                problems.push(format!(
                    "{name}: the engine sends `{}`, we do not declare it",
                    shape(theirs, field)
                ));
            }
        }
    }
    for name in &enums {
        let (Some(theirs), Some(mine)) = (pulumi.enums.get(name), ours.enums.get(name)) else {
            continue; // a missing enum shows as a field or message above
        };
        for value in &theirs.value {
            if !mine.value.iter().any(|v| v.number() == value.number()) {
                problems.push(format!(
                    "{name}: the engine sends {} = {}, we do not declare it",
                    value.name(),
                    value.number()
                ));
            }
        }
    }
    problems
}

#[test]
fn proto_declarations_agree_with_the_pinned_pulumi_sdk() {
    let problems = disagreements(&ours(), pulumi());
    assert!(
        problems.is_empty(),
        "proto/ disagrees with Pulumi's pulumirpc; fix proto/ (in our own words):\n  {}",
        problems.join("\n  ")
    );
}

// ---- the comparison itself must catch each kind of mistake ----

fn message_mut<'a>(set: &'a mut FileDescriptorSet, path: &str) -> &'a mut DescriptorProto {
    let mut parts = path.split('.');
    let top = parts.next().expect("a message name");
    let mut message = set
        .file
        .iter_mut()
        .filter(|f| f.package() == "pulumirpc")
        .flat_map(|f| f.message_type.iter_mut())
        .find(|m| m.name() == top)
        .unwrap_or_else(|| panic!("we declare {top}"));
    for part in parts {
        message = message
            .nested_type
            .iter_mut()
            .find(|m| m.name() == part)
            .unwrap_or_else(|| panic!("we declare {path}"));
    }
    message
}

fn field_mut<'a>(
    set: &'a mut FileDescriptorSet,
    message: &str,
    field: &str,
) -> &'a mut FieldDescriptorProto {
    message_mut(set, message)
        .field
        .iter_mut()
        .find(|f| f.name() == field)
        .unwrap_or_else(|| panic!("we declare {message}.{field}"))
}

fn enum_value_mut<'a>(
    set: &'a mut FileDescriptorSet,
    message: &str,
    en: &str,
    value: &str,
) -> &'a mut prost_types::EnumValueDescriptorProto {
    message_mut(set, message)
        .enum_type
        .iter_mut()
        .find(|e| e.name() == en)
        .and_then(|e| e.value.iter_mut().find(|v| v.name() == value))
        .unwrap_or_else(|| panic!("we declare {message}.{en}.{value}"))
}

type Mutation = fn(&mut FileDescriptorSet);

#[test]
fn each_kind_of_mistake_is_reported() {
    // (what goes wrong, how, the problem line it must produce; None = must stay silent)
    let cases: &[(&str, Mutation, Option<&str>)] = &[
        (
            "wrong field number",
            |s| field_mut(s, "CreateRequest", "preview").number = Some(40),
            Some("CreateRequest: we declare `preview singular bool = 40`, Pulumi has no field 40"),
        ),
        (
            "wrong field name",
            |s| field_mut(s, "DiffRequest", "olds").name = Some("old_outputs".into()),
            Some("DiffRequest: we declare `old_outputs singular"),
        ),
        (
            "wrong scalar type",
            |s| field_mut(s, "CreateRequest", "timeout").r#type = Some(Type::Float.into()),
            Some("CreateRequest: we declare `timeout singular float = 3`, Pulumi `timeout singular double = 3`"),
        ),
        (
            "repeated declared singular",
            |s| field_mut(s, "CheckResponse", "failures").label = Some(Label::Optional.into()),
            Some("CheckResponse: we declare `failures singular .pulumirpc.CheckFailure = 2`"),
        ),
        (
            "wrong message type",
            |s| {
                field_mut(s, "InvokeResponse", "failures").type_name =
                    Some(".pulumirpc.PropertyDiff".into())
            },
            Some("InvokeResponse: we declare `failures repeated .pulumirpc.PropertyDiff = 2`"),
        ),
        (
            "presence lost (optional declared plain)",
            |s| {
                let f = field_mut(s, "ConfigureRequest", "id");
                f.proto3_optional = None;
                f.oneof_index = None;
            },
            Some("ConfigureRequest: we declare `id singular string = 7`, Pulumi `id optional string = 7`"),
        ),
        (
            "wrong enum value number",
            |s| enum_value_mut(s, "PropertyDiff", "Kind", "UPDATE").number = Some(7),
            Some(".pulumirpc.PropertyDiff.Kind: we declare UPDATE = 7, Pulumi has no such number"),
        ),
        (
            "request field missing",
            |s| message_mut(s, "DeleteRequest").field.retain(|f| f.name() != "old_inputs"),
            Some(".pulumirpc.DeleteRequest: the engine sends `old_inputs singular .google.protobuf.Struct = 5`"),
        ),
        (
            "field of a message nested in a request missing",
            |s| {
                message_mut(s, "ConstructRequest.CustomTimeouts")
                    .field
                    .retain(|f| f.name() != "delete")
            },
            Some(".pulumirpc.ConstructRequest.CustomTimeouts: the engine sends `delete singular string = 3`"),
        ),
        (
            "enum value of a request missing",
            |s| {
                message_mut(s, "CheckRequest.AutonamingOptions").enum_type[0]
                    .value
                    .retain(|v| v.name() != "DISABLE")
            },
            Some(".pulumirpc.CheckRequest.AutonamingOptions.Mode: the engine sends DISABLE = 2"),
        ),
        (
            "enum value of a response missing",
            |s| message_mut(s, "PropertyDiff").enum_type[0].value.retain(|v| v.name() != "ADD"),
            None,
        ),
        (
            "retired field declared",
            |s| {
                message_mut(s, "ConstructRequest").field.push(FieldDescriptorProto {
                    name: Some("aliasUrns".into()),
                    number: Some(14),
                    label: Some(Label::Repeated.into()),
                    r#type: Some(Type::String.into()),
                    ..Default::default()
                })
            },
            Some("ConstructRequest: we declare `aliasUrns repeated string = 14`, Pulumi has no field 14 (it reserves"),
        ),
        (
            "response field missing",
            |s| message_mut(s, "CreateResponse").field.retain(|f| f.name() != "refresh_before_update"),
            None,
        ),
        (
            "monitor request field missing",
            |s| message_mut(s, "RegisterResourceRequest").field.retain(|f| f.name() != "importId"),
            None,
        ),
        (
            "message Pulumi lacks",
            |s| {
                s.file.iter_mut().find(|f| f.package() == "pulumirpc").unwrap().message_type.push(
                    DescriptorProto {
                        name: Some("NoSuchMessage".into()),
                        ..Default::default()
                    },
                )
            },
            Some("message .pulumirpc.NoSuchMessage: Pulumi has no such message"),
        ),
        (
            "rpc with the wrong request type",
            |s| {
                let service = s
                    .file
                    .iter_mut()
                    .flat_map(|f| f.service.iter_mut())
                    .find(|sv| sv.name() == "ResourceProvider")
                    .unwrap();
                let method = service.method.iter_mut().find(|m| m.name() == "Read").unwrap();
                method.input_type = Some(".pulumirpc.UpdateRequest".into());
            },
            Some("rpc .pulumirpc.ResourceProvider/Read: we declare (.pulumirpc.UpdateRequest)"),
        ),
    ];
    assert!(
        disagreements(&ours(), pulumi()).is_empty(),
        "the unmutated declaration must agree first (see the other test)"
    );
    for (what, mutate, expected) in cases {
        let mut set = ours();
        mutate(&mut set);
        let problems = disagreements(&set, pulumi());
        match expected {
            Some(line) => assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with(line) || p.contains(line)),
                "{what}: expected a problem like {line:?}, got {problems:#?}"
            ),
            None => assert!(
                problems.is_empty(),
                "{what}: expected none, got {problems:#?}"
            ),
        }
    }
}
