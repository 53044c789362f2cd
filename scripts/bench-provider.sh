#!/usr/bin/env bash
# Prints the provider's start-up, GetSchema, memory and cancel figures for a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin pulumi-resource-aksmesh
cargo run --release --quiet --example bench_provider -- target/release/pulumi-resource-aksmesh
cargo run --release --quiet --example bench_cancel -- target/release/pulumi-resource-aksmesh
