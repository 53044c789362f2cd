#!/usr/bin/env bash
# The main job: builds aksmesh and azsim, starts azsim (the local Azure), and runs the Python
# example's `pulumi up` against it with three regions and VNet peering on. Prints the stack outputs.
# Needs scripts/env.sh sourced (the Makefile does it). Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cargo build --workspace --bins
scripts/gen-sdk.sh >/dev/null
"$AKSMESH_PYTHON" -m pip install --quiet --disable-pip-version-check "$root/sdk/python"

work=$(mktemp -d "${TMPDIR:-/tmp}/aksmesh-demo.XXXXXX")
cleanup() {
  [ -n "${azsim_pid:-}" ] && kill "$azsim_pid" 2>/dev/null && wait "$azsim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# azsim runs time 50x faster than Azure: an AKS create takes about 7 seconds instead of 6 minutes.
target/debug/azsim serve --port 0 --data-dir "$work/azsim" --time-scale "${AKSMESH_DEMO_TIME_SCALE:-0.02}" > "$work/azsim.json" &
azsim_pid=$!
for _ in $(seq 100); do [ -s "$work/azsim.json" ] && break; sleep 0.1; done
info=$(head -1 "$work/azsim.json")
field() { "$AKSMESH_PYTHON" -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$info" "$1"; }
echo "azsim: $(field armEndpoint)" >&2

# The program runs from a copy whose Pulumi.yaml points at the freshly built plugin.
program="$work/program"
cp -r examples/python "$program"
printf 'plugins:\n  providers:\n    - name: aksmesh\n      path: %s\n' "$root/target/debug" >> "$program/Pulumi.yaml"
export PULUMI_BACKEND_URL="file://$work/state"
mkdir -p "$work/state"
cd "$program"
pulumi stack init demo --non-interactive >/dev/null
pulumi config set aksmesh:subscriptionId "$(field subscriptionId)"
pulumi config set aksmesh:tenantId "$(field tenantId)"
pulumi config set aksmesh:clientId "$(field clientId)"
pulumi config set --secret aksmesh:clientSecret "$(field clientSecret)"
pulumi config set aksmesh:authentication clientSecret
pulumi config set aksmesh:armEndpoint "$(field armEndpoint)"
pulumi config set aksmesh:authorityHost "$(field authorityHost)"
pulumi config set aksmesh:trustedCaCertificate "$(field caCertPath)"
pulumi config set enable_vnet_peering true
"$AKSMESH_PYTHON" "$root/scripts/run-program.py" "$program" --stack demo up > "$work/up.json"
echo
echo "Stack outputs (kubeconfigs are secrets and stay hidden):"
pulumi stack output --json | "$AKSMESH_PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))'
