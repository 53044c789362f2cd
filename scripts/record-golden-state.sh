#!/usr/bin/env bash
# Records the upgrade test's stacks (tests/data/upgrade/<name>/state.json and Pulumi.dev.yaml) with the
# provider built from this checkout: each program's `up` against azsim, then `pulumi stack export`.
# tests/upgrade.rs previews them with every later provider and expects no changes, so record again only
# when a change of behaviour is meant, and from a committed provider (the recording names its commit).
#
#   scripts/record-golden-state.sh [NAME]    NAME: one row of GOLDENS in tests/upgrade.rs (default: all)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
if [ -n "${1:-}" ]; then export AKSMESH_GOLDEN=$1; fi
cargo test --test upgrade -- --ignored --exact record --nocapture
