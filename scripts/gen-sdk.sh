#!/usr/bin/env bash
# Regenerates the SDKs in sdk/ (python, nodejs, go, dotnet) from schema.json with tools/gen-sdk, which calls
# Pulumi's code generators in-process, so no pulumi-language-<language> host is needed.
#
#   scripts/gen-sdk.sh           rewrite sdk/ (then commit it)
#   scripts/gen-sdk.sh --check   generate into a temp dir; exit 1 listing every file that differs from sdk/
#
# The tool is built once into $AKSMESH_CACHE/gen-sdk-<hash of its sources> and rebuilt only when they change.
# The version has one source, Cargo.toml's [package] version: the script writes it into schema.json's "version"
# (--check fails when they differ) and the generator into every SDK's metadata; tests/version.rs checks them all.
# AKSMESH_SDK_VERSION overrides it for one generation (a pre-release SDK). Progress goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${AKSMESH_CACHE:-$HOME/.cache/aksmesh}
tool_source="$root/tools/gen-sdk"
log() { echo "gen-sdk: $*" >&2; }

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: scripts/gen-sdk.sh [--check]" >&2; exit 2 ;;
esac

command -v go >/dev/null || { log "Go >= 1.24 is needed to build tools/gen-sdk; install Go and run again"; exit 1; }
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
export GOSUMDB=${GOSUMDB:-off}   # the checksum database is not reachable from this network; the proxy is

# Build the tool unless a build of exactly these sources exists.
hash=$(cd "$tool_source" && cat go.mod go.sum main.go aksmesh-logo.png | sha256sum | cut -c1-16)
tool="$cache/gen-sdk-$hash"
if [ ! -x "$tool" ]; then
  log "building tools/gen-sdk into $tool (first run only)"
  mkdir -p "$cache"
  (cd "$tool_source" && go build -trimpath -o "$tool.tmp.$$" .)
  mv "$tool.tmp.$$" "$tool"
fi

# The version: Cargo.toml's, into schema.json.
version=$(awk '/^\[package\]/{p=1;next} /^\[/{p=0} p && /^version *=/{gsub(/[" ]/,"",$0); sub(/^version=/,"",$0); print; exit}' "$root/Cargo.toml")
[ -n "$version" ] || { log "no [package] version in Cargo.toml"; exit 1; }
schema_version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/schema.json" | head -1)
if [ "$schema_version" != "$version" ]; then
  if $check; then
    log "schema.json's version is '$schema_version' but Cargo.toml's is '$version'; run scripts/gen-sdk.sh and commit"
    exit 1
  fi
  sed -i "s/^  \"version\": \".*\",\$/  \"version\": \"$version\",/" "$root/schema.json"
  log "schema.json's version is now $version (from Cargo.toml)"
fi

# Generate into sdk/, or into a temp dir to compare with sdk/.
if $check; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/aksmesh-sdk-check.XXXXXX")
  trap 'rm -rf "$out"' EXIT
else
  out="$root/sdk"
fi
"$tool" --schema "$root/schema.json" --out "$out" --language python,nodejs,go,dotnet \
  --version "${AKSMESH_SDK_VERSION:-$version}"
# The Go SDK's go.mod names only the Pulumi SDK; tidy adds the indirect requirements and writes go.sum.
(cd "$out" && go mod tidy)
$check || { log "wrote $out"; exit 0; }

# Compare with the files of sdk/ that git would commit (tracked, or untracked and not ignored).
committed=$(mktemp "${TMPDIR:-/tmp}/aksmesh-sdk-files.XXXXXX")
trap 'rm -rf "$out" "$committed"' EXIT
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$root" ls-files --cached --others --exclude-standard -- sdk | sed 's|^sdk/||' | sort -u > "$committed"
else
  (cd "$root/sdk" 2>/dev/null && find . -type f | sed 's|^\./||') | sort -u > "$committed"
fi
differences=0
while IFS= read -r file; do
  if [ ! -f "$out/$file" ]; then
    echo "not generated (stale): sdk/$file"; differences=$((differences + 1))
  elif [ ! -f "$root/sdk/$file" ]; then
    echo "missing: sdk/$file"; differences=$((differences + 1))
  elif ! cmp -s "$out/$file" "$root/sdk/$file"; then
    echo "differs: sdk/$file"; differences=$((differences + 1))
  fi
done < <( { cat "$committed"; (cd "$out" && find . -type f | sed 's|^\./||'); } | sort -u)
if [ "$differences" -gt 0 ]; then
  log "$differences file(s) in sdk/ are out of date with schema.json; run scripts/gen-sdk.sh and commit sdk/"
  exit 1
fi
log "sdk/ is up to date with schema.json"
