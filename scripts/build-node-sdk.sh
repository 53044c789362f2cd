#!/usr/bin/env bash
# Compiles the generated TypeScript SDK (sdk/nodejs, npm name @aksmesh/pulumi) into a cache outside the repository
# and prints the package directory on the last line: package.json, .js and .d.ts files, like the published package.
# It compiles with the cached TypeScript and @pulumi/pulumi of scripts/install-sdks.sh (no npm install, no network)
# and rebuilds only when sdk/nodejs changes.
#
#   scripts/build-node-sdk.sh [--link PROGRAM_DIR]
#
# --link makes PROGRAM_DIR/node_modules/@aksmesh/pulumi a symlink to the package, which is how a TypeScript program
# run by scripts/run-program.mjs imports it (`import * as aksmesh from "@aksmesh/pulumi"`): run-program.mjs resolves
# packages from PROGRAM_DIR/node_modules first and @pulumi/pulumi from the cached node_modules (NODE_PATH and tsc
# `paths`), so the program and the SDK share one @pulumi/pulumi. A program with its own package.json can instead
# `npm install <printed dir> @pulumi/pulumi@3.259.0`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${AKSMESH_CACHE:-$HOME/.cache/aksmesh}
node_modules=${AKSMESH_NODE_MODULES:-$cache/node-pulumi-${PULUMI_VERSION:-3.259.0}/node_modules}
log() { echo "build-node-sdk: $*" >&2; }

link=""
case "${1:-}" in
  --link) link=${2:?usage: scripts/build-node-sdk.sh [--link PROGRAM_DIR]} ;;
  "") ;;
  *) echo "usage: scripts/build-node-sdk.sh [--link PROGRAM_DIR]" >&2; exit 2 ;;
esac
for needed in @pulumi/pulumi typescript/bin/tsc @types/node; do
  [ -e "$node_modules/$needed" ] || { log "no $needed in $node_modules; run scripts/install-sdks.sh"; exit 1; }
done

# The package directory is keyed by the SDK sources and the @pulumi/pulumi it was compiled against.
pulumi_version=$(node -p "require('$node_modules/@pulumi/pulumi/package.json').version")
hash=$(cd "$root/sdk/nodejs" && find . -type f -not -path './node_modules/*' -not -path './bin/*' | LC_ALL=C sort \
  | xargs sha256sum | { cat; echo "@pulumi/pulumi $pulumi_version"; } | sha256sum | cut -c1-16)
package="$cache/node-sdk-aksmesh-$hash"

if [ ! -f "$package/index.js" ]; then
  log "compiling sdk/nodejs into $package"
  work=$(mktemp -d "${TMPDIR:-/tmp}/aksmesh-node-sdk.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cp -r "$root/sdk/nodejs" "$work/source"
  rm -rf "$work/source/node_modules" "$work/source/bin"
  ln -s "$node_modules" "$work/source/node_modules"   # tsc finds @pulumi/pulumi and @types/node here
  (cd "$work/source" && node "$node_modules/typescript/bin/tsc" -p tsconfig.json)
  # Like publishing: the package is tsc's output directory plus package.json and README.md.
  cp "$work/source/package.json" "$work/source/README.md" "$work/source/bin/"
  mkdir -p "$cache"
  mv "$work/source/bin" "$package.tmp.$$"
  rm -rf "$package"
  mv "$package.tmp.$$" "$package"
fi

if [ -n "$link" ]; then
  mkdir -p "$link/node_modules/@aksmesh"
  ln -sfn "$package" "$link/node_modules/@aksmesh/pulumi"
  log "linked $link/node_modules/@aksmesh/pulumi -> $package"
fi
echo "$package"
