# The two commands on a fresh machine:
#   make demo   the main job: builds everything, starts azsim and runs the Python example's `pulumi up`
#   make test   every test: lint, unit, in-process gRPC, azsim, real-CLI end to end, ARM schema validation,
#               and every recorded ARM exchange checked against the REST specs with `oav` (validate-traffic)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
SHARED ?= $(abspath ../shared)
REQUEST_LOGS := $(abspath target/arm-requests)
export AKSMESH_REQUEST_LOG_DIR := $(REQUEST_LOGS)
# Every ARM exchange of the azsim tests, one `oav` traffic file each (tests/support/azsim.rs).
TRAFFIC := $(abspath target/arm-traffic)
export AKSMESH_TRAFFIC_DIR := $(TRAFFIC)

.PHONY: demo test lint build bench bench-storm bench-scale clean-logs sdk-check

build:
	cargo build --workspace --bins

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

clean-logs:
	rm -rf $(REQUEST_LOGS) $(TRAFFIC) && mkdir -p $(REQUEST_LOGS) $(TRAFFIC)

test: lint clean-logs build sdk-check
	source scripts/env.sh && cargo test --workspace --no-fail-fast 2>&1 | tee target/test-output.txt
	source scripts/env.sh && scripts/validate-request-logs.sh $(SHARED) $(REQUEST_LOGS)
	scripts/validate-traffic-selftest.sh $(SHARED)
	scripts/validate-traffic.sh $(SHARED) $(TRAFFIC) tests/data/oav-known-findings.txt

# The committed SDKs must be exactly what schema.json generates, and the Go SDK must compile.
sdk-check:
	source scripts/env.sh && scripts/gen-sdk.sh --check
	cd sdk && GOFLAGS=-mod=mod GOSUMDB=off go build ./...

demo:
	source scripts/env.sh && scripts/demo.sh

bench:
	source scripts/env.sh && scripts/bench-provider.sh && "$$AKSMESH_PYTHON" scripts/bench-platform.py
	cargo run -p azsim --release --quiet --example bench

# 10 `up`/`destroy` cycles of a 3-region peered platform with ~20 % of ARM requests failing (a few minutes).
bench-storm:
	source scripts/env.sh && "$$AKSMESH_PYTHON" scripts/bench-storm.py

# 3, 10 and 20 regions in a full mesh, up/refresh/destroy under ARM throttling (issue 16; several minutes).
bench-scale:
	source scripts/env.sh && "$$AKSMESH_PYTHON" scripts/bench-scale.py
