#!/usr/bin/env bash
# Installs the pinned Pulumi language SDKs once, into a cache outside the repository:
#   $AKSMESH_CACHE/venv-pulumi-<ver>   Python venv with pulumi==<ver> and jsonschema
#   $AKSMESH_CACHE/node-pulumi-<ver>   node_modules with @pulumi/pulumi@<ver>, typescript 5, @types/node 20
# The SDKs serve the language runtime in-process for scripts/run-program.{py,mjs} (Automation API inline
# mode), so no pulumi-language-python/-nodejs host is needed. Idempotent: a stamp file per directory
# records what was installed, and a re-run with the stamps present does nothing. Progress goes to stderr.
set -euo pipefail

PULUMI_VERSION=${PULUMI_VERSION:-3.259.0}   # must match the CLI pinned in scripts/install-pulumi.sh
cache=${AKSMESH_CACHE:-$HOME/.cache/aksmesh}
venv="$cache/venv-pulumi-$PULUMI_VERSION"
node="$cache/node-pulumi-$PULUMI_VERSION"
py_pkgs=("pulumi==$PULUMI_VERSION" jsonschema)
# typescript 5: TS 6 rejects `moduleResolution: node` used by Pulumi's nodejs templates (TS5107).
# @types/node 20 matches the Node.js 20 runtime of this machine kind.
npm_pkgs=("@pulumi/pulumi@$PULUMI_VERSION" typescript@5 @types/node@20)
log() { echo "install-sdks: $*" >&2; }

# Python venv. The stamp holds the requested package list, so changing the list reinstalls.
py_stamp="${py_pkgs[*]}"
if [ "$(cat "$venv/.aksmesh-stamp" 2>/dev/null)" != "$py_stamp" ]; then
  python=${AKSMESH_BASE_PYTHON:-$(command -v python3)}
  log "creating $venv ($py_stamp)"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${py_pkgs[@]}" >&2
  echo "$py_stamp" > "$venv/.aksmesh-stamp"
fi

# Node modules (a private package.json keeps npm from walking up into other projects).
npm_stamp="${npm_pkgs[*]}"
if [ "$(cat "$node/.aksmesh-stamp" 2>/dev/null)" != "$npm_stamp" ]; then
  command -v npm >/dev/null || { log "npm is needed for TypeScript programs; install Node.js >= 18"; exit 1; }
  log "installing into $node ($npm_stamp)"
  mkdir -p "$node"
  [ -f "$node/package.json" ] || echo '{"name":"aksmesh-pulumi-sdk","private":true}' > "$node/package.json"
  (cd "$node" && npm install --no-audit --no-fund --save-exact --loglevel=error "${npm_pkgs[@]}" >&2)
  echo "$npm_stamp" > "$node/.aksmesh-stamp"
fi
