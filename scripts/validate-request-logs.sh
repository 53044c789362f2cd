#!/usr/bin/env bash
# Checks every ARM write the test suite sent to azsim against Azure's published schemas.
# Fails when a body is invalid, or when the suite recorded no writes at all (a silent no-op).
set -euo pipefail
shared=$1 logs=$2
mapfile -t files < <(find "$logs" -name '*.jsonl' -size +0 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "validate-request-logs: no request logs in $logs; the azsim tests recorded nothing" >&2
  exit 1
fi
"${AKSMESH_PYTHON:-python3}" "$shared/tools/validate-arm-requests" "${files[@]}"
