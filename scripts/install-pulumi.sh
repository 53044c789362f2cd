#!/usr/bin/env bash
# Installs the pinned Pulumi engine (the `pulumi` CLI and the YAML language host) once, into a cache
# outside the repository, and prints the bin directory on the last line. Reuses `pulumi` from PATH when
# it already is the pinned version.
#
# The python, nodejs and go language hosts are separate, untagged Go modules that the module proxy
# reachable here refuses (403 "This module version is not available"). Python and TypeScript programs
# therefore run through the Automation API's inline mode: the real CLI connects (`--client`) to the
# language runtime that the pinned PyPI/npm SDK serves in-process (see scripts/run-program.py).
set -euo pipefail

PULUMI_VERSION=${PULUMI_VERSION:-3.259.0}      # also pins the PyPI and npm SDKs (see scripts/env.sh)
PULUMI_YAML_VERSION=1.38.1
CLIPBOARD_REPLACE='github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e'

cache=${AKSMESH_CACHE:-$HOME/.cache/aksmesh}
bin="$cache/pulumi-v$PULUMI_VERSION/bin"
log() { echo "install-pulumi: $*" >&2; }

has_all() {
  for tool in pulumi pulumi-language-yaml; do
    [ -x "$1/$tool" ] || return 1
  done
}

# A pulumi on PATH of the pinned version, with its language hosts beside it, is used as it is.
if ambient=$(command -v pulumi 2>/dev/null); then
  dir=$(dirname "$ambient")
  if [ "$("$ambient" version 2>/dev/null)" = "v$PULUMI_VERSION" ] && has_all "$dir"; then
    echo "$dir"; exit 0
  fi
fi
if has_all "$bin"; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { log "Go >= 1.24 is needed to build Pulumi; install Go and run again"; exit 1; }
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=auto
export GOSUMDB=${GOSUMDB:-off}   # the checksum database is not reachable from this network; the proxy is
work="$cache/pulumi-v$PULUMI_VERSION/build"
mkdir -p "$work" "$bin"
cd "$work"
if ! grep -q "pulumi/pkg/v3 v$PULUMI_VERSION" go.mod 2>/dev/null || ! grep -q "pulumi-yaml v$PULUMI_YAML_VERSION" go.mod; then
  log "resolving pulumi v$PULUMI_VERSION modules (first run only)"
  printf 'module local/pulumi-build\n\ngo 1.25.11\n\nreplace %s\n' "$CLIPBOARD_REPLACE" > go.mod
  go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION"
  go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  go get -tool "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION"
fi
flags=(-trimpath -tags osusergo,grpcnotrace)
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
build() { # output package [extra ldflags]
  [ -x "$bin/$1" ] && return 0
  log "building $1 (cold builds take several minutes)"
  go build "${flags[@]}" -ldflags "$ldflags ${3:-}" -o "$bin/$1.tmp" "$2"
  mv "$bin/$1.tmp" "$bin/$1"
}
build pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
build pulumi-language-yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
  "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION"
has_all "$bin" || { log "build finished but tools are missing in $bin"; exit 1; }
echo "$bin"
