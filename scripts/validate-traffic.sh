#!/usr/bin/env bash
# Checks every ARM exchange the azsim tests recorded (tests/support/azsim.rs keeps them under <traffic-dir>,
# one `oav` traffic file each) against Microsoft's REST API specs in <shared>/azure-specs, with the
# pinned `oav` (scripts/install-oav.sh). Fails on any error oav reports (additional properties the spec
# does not define included), on any request that matches no operation, and when nothing was recorded.
# Findings listed in tests/data/oav-known-findings.txt (one per line, with a reason) are reported but
# accepted. Prints, per operation, how many exchanges were checked.
# Usage: scripts/validate-traffic.sh <shared-dir> <traffic-dir> [known-findings-file]
set -euo pipefail
shared=${1:?usage: validate-traffic.sh <shared-dir> <traffic-dir> [known-findings-file]}
traffic=${2:?usage: validate-traffic.sh <shared-dir> <traffic-dir> [known-findings-file]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
known=${3:-$here/../tests/data/oav-known-findings.txt}
specs="$shared/azure-specs/specification"
[ -d "$specs" ] || { echo "validate-traffic: no specs at $specs; is <shared-dir> right?" >&2; exit 1; }
if [ -z "$(find "$traffic" -name '*.json' -print -quit 2>/dev/null)" ]; then
  echo "validate-traffic: no traffic in $traffic; the azsim tests recorded nothing" >&2
  exit 1
fi
oav_bin=$(bash "$here/install-oav.sh" | tail -n 1)
oav_package=$(cd "$(dirname "$oav_bin")/../oav" && pwd)
# oav logs on stdout (a lot, even when all is well): keep that in a file, the report comes on fd 3.
log="${traffic%/}.oav.log"
rc=0
node "$here/validate-traffic.mjs" "$oav_package" "$specs" "$traffic" "$known" 3>&1 >"$log" 2>&1 || rc=$?
# A swagger file oav could not load would make its operations look unmatched or unchecked.
# (It also tries to load the bundled examples/ as specs and fails; those do not matter.)
if unloaded=$(grep -o 'Failed to load spec [^ '"'"'"]*' "$log" | grep -v '/examples/' | sort -u) && [ -n "$unloaded" ]; then
  echo "validate-traffic: oav could not load these specs (details in $log):" >&2
  echo "$unloaded" >&2
  rc=1
fi
[ "$rc" -eq 0 ] || echo "validate-traffic: FAILED (oav's own log: $log)" >&2
exit "$rc"
