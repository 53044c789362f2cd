//! gRPC errors with the details the engine understands.

use prost::Message;
use tonic::Code;

use super::google_rpc;
use super::pulumirpc::{
    configure_error_missing_keys::MissingKey, ConfigureErrorMissingKeys, ErrorResourceInitFailed,
};

/// A status whose `grpc-status-details-bin` carries `detail`. The code inside the encoded
/// `google.rpc.Status` must equal the gRPC code, or grpc-go replaces the error with "details mismatch".
fn with_detail(code: Code, message: String, type_name: &str, detail: Vec<u8>) -> tonic::Status {
    let status = google_rpc::Status {
        code: code as i32,
        message: message.clone(),
        details: vec![prost_types::Any {
            type_url: format!("type.googleapis.com/{type_name}"),
            value: detail,
        }],
    };
    tonic::Status::with_details(code, message, status.encode_to_vec().into())
}

/// The resource exists in Azure but the operation did not finish; the engine keeps id and state and
/// shows `reason` on the next `up`, which resumes.
pub fn resource_init_failed(
    id: String,
    properties: prost_types::Struct,
    inputs: Option<prost_types::Struct>,
    reason: String,
) -> tonic::Status {
    let detail = ErrorResourceInitFailed {
        id,
        properties: Some(properties),
        reasons: vec![reason.clone()],
        inputs,
        refresh_before_update: true,
    };
    with_detail(
        Code::Unknown,
        reason,
        "pulumirpc.ErrorResourceInitFailed",
        detail.encode_to_vec(),
    )
}

/// Required configuration is missing; the engine turns this into "missing required configuration
/// key … run `pulumi config set aksmesh:<key> <value>`".
pub fn missing_config_keys(keys: &[(&str, &str)]) -> tonic::Status {
    let detail = ConfigureErrorMissingKeys {
        missing_keys: keys
            .iter()
            .map(|(name, description)| MissingKey {
                name: format!("aksmesh:{name}"),
                description: description.to_string(),
            })
            .collect(),
    };
    with_detail(
        Code::InvalidArgument,
        "required configuration keys were missing".into(),
        "pulumirpc.ConfigureErrorMissingKeys",
        detail.encode_to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_code_matches_the_grpc_code() {
        let status = resource_init_failed("id".into(), Default::default(), None, "stopped".into());
        let decoded = google_rpc::Status::decode(status.details()).unwrap();
        assert_eq!(decoded.code, status.code() as i32);
        assert_eq!(decoded.message, status.message());
        let detail = ErrorResourceInitFailed::decode(decoded.details[0].value.as_slice()).unwrap();
        assert_eq!(detail.id, "id");
        assert_eq!(detail.reasons, ["stopped"]);

        let status = missing_config_keys(&[("subscriptionId", "the subscription")]);
        let decoded = google_rpc::Status::decode(status.details()).unwrap();
        assert_eq!(decoded.code, Code::InvalidArgument as i32);
        let detail =
            ConfigureErrorMissingKeys::decode(decoded.details[0].value.as_slice()).unwrap();
        assert_eq!(detail.missing_keys[0].name, "aksmesh:subscriptionId");
    }
}
