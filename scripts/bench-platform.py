#!/usr/bin/env python3
"""Prints MultiRegionAks figures against azsim (a benchmark, not a test).

- wall time of `pulumi up` for one region and for three (regions run in parallel: target <= 1.15x),
- the provider's own CPU time as a share of the `up` wall time (target <= 5 %),
- the provider's peak RSS (target <= 30 MB),
- the provider's CPU time during a `preview` of a 10-region platform (target <= 100 ms).

The engine starts the provider, so the provider is measured through a wrapper that runs it under
/usr/bin/time. Run with the venv python after `source scripts/env.sh`; builds release binaries.
"""
import json
import os
import time

from bench_support import program, provider_usage, provider_wrapper, sh, azsim_running, yaml_project

TIME_SCALE = os.environ.get("AKSMESH_BENCH_TIME_SCALE", "0.01")  # AKS create = 3.6 s


def main():
    with azsim_running("aksmesh-bench-", TIME_SCALE) as (work, info):
        plugin_dir, measurements = provider_wrapper(work)

        def run(name, regions, peering, command):
            project, env = yaml_project(work, name, plugin_dir, program(regions, peering), info)
            if os.path.exists(measurements):
                os.remove(measurements)
            started = time.monotonic()
            args = ["pulumi", command, "--yes", "--skip-preview"] if command != "preview" else ["pulumi", "preview"]
            sh(args + ["--non-interactive"], cwd=project, env=env)
            wall = time.monotonic() - started
            cpu, rss = provider_usage(measurements)
            return wall, cpu, rss

        log = info["requestLog"]

        def requests_during(action):
            """Runs action and counts the ARM requests it caused: all, writes, and LRO status polls."""
            before = sum(1 for _ in open(log)) if os.path.exists(log) else 0
            result = action()
            with open(log) as f:
                lines = [json.loads(line) for line in f.readlines()[before:] if line.strip()]
            polls = sum(1 for r in lines if "/operations/" in r["path"].lower() or "/operationresults/" in r["path"].lower())
            writes = sum(1 for r in lines if r["method"] in ("PUT", "PATCH", "DELETE", "POST"))
            return result, (len(lines), writes, polls)

        three = [("eastus", None, None), ("westeurope", None, None), ("southeastasia", None, None)]
        _, two_requests = requests_during(lambda: run("two", three[:2], True, "up"))
        run("two", three[:2], True, "destroy")
        one_wall, one_cpu, one_rss = run("one", three[:1], False, "up")
        run("one", three[:1], False, "destroy")
        three_wall, three_cpu, three_rss = run("three", three, True, "up")
        run("three", three, True, "destroy")
        names = ["eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northeurope", "westeurope",
                 "uksouth", "japaneast"]
        ten = [(names[i], f"10.{4 * i}.0.0/14", f"100.{64 + 4 * i}.0.0/14") for i in range(10)]
        _, preview_cpu, preview_rss = run("ten", ten, True, "preview")

        print(f"platform benchmark (azsim time scale {TIME_SCALE}: an AKS create takes {360 * float(TIME_SCALE):.1f} s)")
        print(f"  up, 1 region:              {one_wall:6.2f} s wall   provider CPU {one_cpu * 1000:6.0f} ms ({100 * one_cpu / one_wall:4.1f} %)   peak RSS {one_rss / 1024:5.1f} MB")
        print(f"  up, 3 regions + peering:   {three_wall:6.2f} s wall   provider CPU {three_cpu * 1000:6.0f} ms ({100 * three_cpu / three_wall:4.1f} %)   peak RSS {three_rss / 1024:5.1f} MB")
        print(f"  3-region / 1-region wall:  {three_wall / one_wall:5.2f}x   target <= 1.15x")
        print(f"  preview, 10 regions:       provider CPU {preview_cpu * 1000:6.0f} ms   target <= 100 ms   peak RSS {preview_rss / 1024:5.1f} MB")
        print("  targets: provider CPU <= 5 % of up wall time, peak RSS <= 30 MB")
        total, writes, polls = two_requests
        print(f"  ARM requests of a two-region up with peering: {total} ({writes} writes, {polls} operation polls, {total - writes - polls} other GETs)")


if __name__ == "__main__":
    main()
