// Compiles our own pulumirpc declaration in proto/ with the protoc shipped inside protoc-bin-vendored,
// so a fresh machine needs no system protoc.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("PROTOC").is_none() {
        std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    }
    let include = protoc_bin_vendored::include_path()?;
    let include = include.to_str().ok_or("protoc include path is not UTF-8")?;
    // The descriptors of proto/ as compiled, for tests/pulumirpc_wire.rs to compare with Pulumi's.
    let descriptors =
        std::path::Path::new(&std::env::var("OUT_DIR")?).join("pulumirpc-descriptors.bin");
    // Type names let the codec look up a request's declaration when it must bound its nesting.
    let mut config = prost_build::Config::new();
    config.enable_type_names();
    tonic_prost_build::configure()
        .file_descriptor_set_path(descriptors)
        .build_server(true)
        .build_client(true)
        // Decodes like prost, but answers deeply nested property values with the property's path.
        .codec_path("crate::rpc::nesting::NestingCodec")
        .compile_with_config(
            config,
            &[
                "proto/pulumi/alias.proto",
                "proto/pulumi/provider.proto",
                "proto/pulumi/engine.proto",
                "proto/pulumi/resource.proto",
                "proto/google/rpc/status.proto",
            ],
            &["proto", include],
        )?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
