#!/usr/bin/env bash
# Proves scripts/validate-traffic.sh still catches what it must: it has to fail on the exchanges in
# tests/data/oav-traffic-selftest (an additional property in a request and in a response, and a request
# that matches no operation) and name each of them. Usage: scripts/validate-traffic-selftest.sh <shared-dir>
set -euo pipefail
shared=${1:?usage: validate-traffic-selftest.sh <shared-dir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/../tests/data/oav-traffic-selftest" "$work/traffic"
: > "$work/known.txt"
if "$here/validate-traffic.sh" "$shared" "$work/traffic" "$work/known.txt" > "$work/out.txt" 2>&1; then
  cat "$work/out.txt"
  echo "validate-traffic-selftest: validate-traffic.sh passed exchanges it must reject" >&2
  exit 1
fi
missing=0
for expected in \
  'ResourceGroups_CreateOrUpdate request 201 OBJECT_ADDITIONAL_PROPERTIES $.extra' \
  'ResourceGroups_CreateOrUpdate response 201 OBJECT_ADDITIONAL_PROPERTIES $.bogus' \
  'GET /subscriptions/{}/providers/Microsoft.Network/locations/{}/operations/{} unmatched'; do
  grep -qF -- "$expected" "$work/out.txt" || { echo "validate-traffic-selftest: not reported: $expected" >&2; missing=1; }
done
if [ "$missing" -ne 0 ]; then cat "$work/out.txt"; exit 1; fi
echo "validate-traffic-selftest: OK (the checker rejects additional properties and unmatched requests)"
