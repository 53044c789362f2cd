#!/usr/bin/env python3
"""Where the time of one benchmark step went: reads an azsim request log kept by
`AKSMESH_BENCH_KEEP_LOGS=DIR scripts/bench-scale.py` (DIR/regions20-up.jsonl, say) and prints,
per method and ARM resource type, how many requests there were, when the first and the last came
(seconds from the step's first request), their statuses, and the writes per second over time, so a
gap (the provider waiting) or a tail (one slow chain) shows. A diagnostic for people, not a test.

Usage: scripts/bench-timeline.py LOG.jsonl [bucket seconds, default 2]
"""
import collections
import datetime
import json
import re
import sys


def resource_type(path):
    """`/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/virtualNetworkPeerings/p`
    -> `virtualNetworks/virtualNetworkPeerings`; operation polls -> `operations`."""
    path = path.split("?")[0]
    if re.search(r"/(operations|operationresults|operationstatuses)/", path, re.I):
        return "operations (polls)"
    parts = path.strip("/").split("/")
    if "providers" not in parts:
        return "resourceGroups" if "resourceGroups" in parts or "resourcegroups" in parts else path
    tail = parts[len(parts) - 1 - parts[::-1].index("providers") + 1:]
    # namespace, then type/name pairs: keep the types
    types = tail[1::2]
    return "/".join(types) or tail[0]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    bucket = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    entries = []
    with open(sys.argv[1]) as f:
        for line in f:
            if line.strip():
                entry = json.loads(line)
                entry["at"] = datetime.datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()
                entries.append(entry)
    if not entries:
        sys.exit("no requests in the log")
    start = min(e["at"] for e in entries)
    groups = collections.defaultdict(list)
    for e in entries:
        groups[(e["method"], resource_type(e["path"]))].append(e)
    print(f"{len(entries)} requests over {max(e['at'] for e in entries) - start:.1f} s")
    print(f"{'method':7s} {'type':55s} {'count':>5s} {'first':>7s} {'last':>7s}  statuses")
    for (method, kind), group in sorted(groups.items(), key=lambda g: min(e["at"] for e in g[1])):
        statuses = collections.Counter(str(e["status"]) for e in group)
        first = min(e["at"] for e in group) - start
        last = max(e["at"] for e in group) - start
        print(f"{method:7s} {kind[:55]:55s} {len(group):5d} {first:7.1f} {last:7.1f}  "
              + ", ".join(f"{s}x{n}" for s, n in sorted(statuses.items())))
    print(f"writes and deletes per {bucket:g} s (429s in brackets):")
    per = collections.Counter()
    refused = collections.Counter()
    for e in entries:
        if e["method"] in ("PUT", "PATCH", "POST", "DELETE"):
            slot = int((e["at"] - start) // bucket)
            per[slot] += 1
            refused[slot] += e["status"] == 429
    for slot in range(max(per) + 1 if per else 0):
        print(f"  {slot * bucket:6.1f} s {per[slot]:4d} ({refused[slot]})")


if __name__ == "__main__":
    main()
