#!/usr/bin/env bash
# Installs Microsoft's pinned `oav` (OpenAPI validation tools) once, into a cache outside the repository:
#   $AKSMESH_CACHE/node-oav-<ver>/node_modules/.bin/oav
# scripts/validate-traffic.sh uses it to check azsim's recorded exchanges against the Azure REST specs.
# Idempotent: a stamp file records what was installed; a re-run with the stamp present does nothing.
# Prints the path of the oav binary on its last stdout line; progress goes to stderr.
set -euo pipefail

OAV_VERSION=${OAV_VERSION:-4.0.3}
cache=${AKSMESH_CACHE:-$HOME/.cache/aksmesh}
dir="$cache/node-oav-$OAV_VERSION"
log() { echo "install-oav: $*" >&2; }

if [ "$(cat "$dir/.aksmesh-stamp" 2>/dev/null)" != "oav@$OAV_VERSION" ]; then
  command -v npm >/dev/null || { log "npm is needed to install oav; install Node.js >= 18"; exit 1; }
  log "installing oav@$OAV_VERSION into $dir"
  mkdir -p "$dir"
  # A private package.json keeps npm from walking up into other projects.
  [ -f "$dir/package.json" ] || echo '{"name":"aksmesh-oav","private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --save-exact --loglevel=error "oav@$OAV_VERSION" >&2)
  echo "oav@$OAV_VERSION" > "$dir/.aksmesh-stamp"
fi
[ -x "$dir/node_modules/.bin/oav" ] || { log "no oav in $dir/node_modules/.bin; delete $dir and re-run"; exit 1; }
echo "$dir/node_modules/.bin/oav"
