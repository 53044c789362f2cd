#!/usr/bin/env python3
"""Prints how a MultiRegionAks platform with a full mesh of peerings scales under ARM throttling
(issue 16; a benchmark, not a test): 3, 10 and 20 regions, each `up`, `refresh`, `destroy`,
against one azsim at one fixed time scale with its default throttling (ARM's token buckets).

Per size and step it prints:
- wall time, and wall time / the throttle-bound minimum: the larger of
  - the critical path: the same step of a two-region peered platform (one region's chain of
    long-running operations plus one peering; more regions only add parallel work), and
  - the writes (or deletes) of the step / ARM's refill rate (10 per simulated second), scaled;
- ARM requests by kind: writes and reads / the minimum needed (each distinct resource written once
  with PUT, POST or DELETE, and each distinct resource read once), and status polls per
  long-running write (a client must wait the operation's Retry-After between polls; azsim, like
  AKS, advertises about a sixth of the operation's duration, so ~6 is what obeying it costs);
- 429s answered by azsim (by kind), seen by the provider (AKSMESH_THROTTLE_LOG) and surfaced to
  the user (a failed step or a 429 in the engine's output);
- provider CPU as a share of the wall time, and its peak RSS (the engine starts the provider
  through a wrapper that runs it under /usr/bin/time).

Targets at 20 regions: 0 errors surfaced, wall <= 1.2x the bound, requests <= 1.3x the minimum,
provider CPU <= 2 %, peak RSS <= 40 MB. Run with the venv python after `source scripts/env.sh`
(`make bench-scale`); it builds release binaries. AKSMESH_BENCH_TIME_SCALE changes the time scale,
AKSMESH_BENCH_SIZES the sizes (e.g. "3,10"); AKSMESH_BENCH_KEEP_LOGS=DIR keeps each step's
azsim request log there.
"""
import json
import os
import time
import urllib.request
import ssl

from bench_support import program, provider_processes, provider_usage, provider_wrapper, sh, azsim_running, yaml_project

TIME_SCALE = float(os.environ.get("AKSMESH_BENCH_TIME_SCALE", "0.05"))  # AKS create = 18 s
SIZES = [int(n) for n in os.environ.get("AKSMESH_BENCH_SIZES", "3,10,20").split(",")]
WRITE_REFILL_PER_SECOND = 10  # ARM's write and delete buckets (azsim's defaults)
REGIONS = ["eastus", "westeurope", "southeastasia", "westus2", "northeurope", "uksouth", "japaneast",
           "australiaeast", "canadacentral", "centralindia", "eastus2", "westus3", "centralus",
           "brazilsouth", "francecentral", "germanywestcentral", "swedencentral", "koreacentral",
           "switzerlandnorth", "southafricanorth"]


def regions(count):
    """Regions beyond MultiRegionAks's eight automatic slots name their own ranges: /14 VNets
    from 10.0.0.0/9 and /14 overlay pod CIDRs from 10.128.0.0/9."""
    return [(location, f"10.{4 * i}.0.0/14", f"10.{128 + 4 * i}.0.0/14") for i, location in enumerate(REGIONS[:count])]


def main():
    with azsim_running("aksmesh-scale-", TIME_SCALE) as (work, info):
        tls = ssl.create_default_context(cafile=info["caCertPath"])

        def throttled():
            with urllib.request.urlopen(f"{info['controlEndpoint']}/health", context=tls) as response:
                return json.load(response)["throttle"]["throttled"]

        plugin_dir, usage = provider_wrapper(work)
        throttle_log = os.path.join(work, "throttle.jsonl")
        log = info["requestLog"]

        def step(name, count, command):
            project, env = yaml_project(work, name, plugin_dir, program(regions(count), True), info,
                                        AKSMESH_THROTTLE_LOG=throttle_log)
            for path in (usage, throttle_log):
                if os.path.exists(path):
                    os.remove(path)
            before_lines = sum(1 for _ in open(log)) if os.path.exists(log) else 0
            before_429 = throttled()
            started = time.monotonic()
            # The engine runs 4 operations per core at once by default (8 here): let a platform of
            # many regions run every independent operation at once, as the throttle-bound minimum assumes.
            result = sh(["pulumi", command, "--yes", "--skip-preview", "--non-interactive", "--parallel", "256"],
                        cwd=project, env=env,
                        check=False)
            wall = time.monotonic() - started
            with open(log) as f:
                lines = [line for line in f.readlines()[before_lines:] if line.strip()]
            requests = [json.loads(line) for line in lines]
            keep = os.environ.get("AKSMESH_BENCH_KEEP_LOGS")
            if keep:
                # For a timeline of where the time went (e.g. scripts/bench-timeline.py).
                os.makedirs(keep, exist_ok=True)
                with open(os.path.join(keep, f"{name}-{command}.jsonl"), "w") as f:
                    f.writelines(lines)
            after_429 = throttled()
            cpu, rss = provider_usage(usage)
            per_process = [round(cpu * 1000) for cpu, _ in provider_processes(usage)]
            seen = sum(1 for _ in open(throttle_log)) if os.path.exists(throttle_log) else 0
            output = result.stdout + result.stderr
            surfaced = (result.returncode != 0) + output.count("429")
            return {
                "wall": wall, "cpu": cpu, "per_process": per_process, "rss": rss, "requests": requests, "seen": seen, "surfaced": surfaced,
                "azsim429": {k: after_429.get(k, 0) - before_429.get(k, 0) for k in after_429},
                "failed": result.returncode != 0, "output": output,
            }

        def kinds(requests):
            polls = [r for r in requests if "/operations/" in r["path"].lower() or "/operationresults/" in r["path"].lower()]
            writes = [r for r in requests if r["method"] in ("PUT", "PATCH", "POST")]
            deletes = [r for r in requests if r["method"] == "DELETE"]
            reads = [r for r in requests if r["method"] == "GET" and r not in polls]
            distinct = len({(r["method"], r["path"].split("?")[0].lower()) for r in writes + deletes})
            distinct_reads = len({r["path"].split("?")[0].lower() for r in reads})
            return len(writes), len(deletes), len(polls), len(reads), distinct, distinct_reads

        baseline = {}
        for command in ("up", "refresh", "destroy"):
            baseline[command] = step("baseline", 2, command)["wall"]

        print(f"scale benchmark (azsim time scale {TIME_SCALE}: an AKS create takes {360 * TIME_SCALE:.1f} s; "
              f"ARM throttling on with its default buckets)")
        for count in SIZES:
            name = f"regions{count}"
            for command in ("up", "refresh", "destroy"):
                figures = step(name, count, command)
                writes, deletes, polls, reads, distinct, distinct_reads = kinds(figures["requests"])
                writes_bound = (writes + deletes) / WRITE_REFILL_PER_SECOND * TIME_SCALE
                bound = max(baseline[command], writes_bound)
                total = writes + deletes + polls + reads
                minimum = max(1, distinct + distinct_reads)
                print(f"  {count:2d} regions {command:8s} wall {figures['wall']:7.2f} s = {figures['wall'] / bound:4.2f}x the bound "
                      f"({bound:.2f} s: critical path {baseline[command]:.2f} s, writes {writes_bound:.2f} s)")
                print(f"      requests {total}: {writes} writes, {deletes} deletes, {reads} reads = "
                      f"{(total - polls) / minimum:4.2f}x the minimum {minimum} ({distinct} resources written, "
                      f"{distinct_reads} read); {polls} operation polls = {polls / max(1, distinct):.1f} per write")
                print(f"      429s: azsim {figures['azsim429']}, seen by the provider {figures['seen']}, "
                      f"surfaced {figures['surfaced']}; provider CPU {figures['cpu'] * 1000:.0f} ms "
                      f"({100 * figures['cpu'] / figures['wall']:.2f} %; ms per process {figures['per_process']}), "
                      f"peak RSS {figures['rss'] / 1024:.1f} MB")
                if figures["failed"]:
                    print("      FAILED:\n" + figures["output"][-3000:])
        print("  targets at 20 regions: 0 surfaced, wall <= 1.2x, requests <= 1.3x, provider CPU <= 2 %, RSS <= 40 MB")


if __name__ == "__main__":
    main()
