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
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIME_SCALE = os.environ.get("AKSMESH_BENCH_TIME_SCALE", "0.01")  # AKS create = 3.6 s


def sh(args, cwd=None, env=None, check=True):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def program(regions, peering):
    lines = ["resources:", "  platform:", "    type: aksmesh:index:MultiRegionAks", "    properties:",
             f"      enableVnetPeering: {'true' if peering else 'false'}", "      regions:"]
    for location, vnet, pods in regions:
        lines.append(f"        - location: {location}")
        if vnet:
            lines.append(f"          vnetCidr: {vnet}")
            lines.append(f"          podCidr: {pods}")
    lines += ["outputs:", "  peerings: ${platform.peerings}"]
    return "\n".join(lines) + "\n"


def main():
    sh(["cargo", "build", "--release", "--quiet", "--workspace", "--bins"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="aksmesh-bench-")
    azsim = subprocess.Popen([os.path.join(ROOT, "target/release/azsim"), "serve", "--port", "0", "--data-dir",
                              os.path.join(work, "azsim"), "--time-scale", TIME_SCALE], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(azsim.stdout.readline())
        # The wrapper appends "user system maxrss-kB" per provider process to a file.
        plugin_dir = os.path.join(work, "plugin")
        os.makedirs(plugin_dir)
        measurements = os.path.join(work, "provider-usage.txt")
        wrapper = os.path.join(plugin_dir, "pulumi-resource-aksmesh")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec /usr/bin/time -a -o {measurements} -f '%U %S %M' "
                    f"{os.path.join(ROOT, 'target/release/pulumi-resource-aksmesh')} \"$@\"\n")
        os.chmod(wrapper, 0o755)

        def run(name, regions, peering, command):
            project = os.path.join(work, name)
            os.makedirs(project, exist_ok=True)
            with open(os.path.join(project, "Pulumi.yaml"), "w") as f:
                f.write(f"name: {name}\nruntime: yaml\nplugins:\n  providers:\n    - name: aksmesh\n      path: {plugin_dir}\n")
                f.write(program(regions, peering))
            env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{work}/state-{name}", PULUMI_CONFIG_PASSPHRASE="bench")
            os.makedirs(f"{work}/state-{name}", exist_ok=True)
            if not os.path.exists(os.path.join(project, "Pulumi.dev.yaml")):
                sh(["pulumi", "stack", "init", "dev", "--non-interactive"], cwd=project, env=env)
                for key, value in [("subscriptionId", info["subscriptionId"]), ("tenantId", info["tenantId"]),
                                   ("clientId", info["clientId"]), ("authentication", "clientSecret"),
                                   ("armEndpoint", info["armEndpoint"]), ("authorityHost", info["authorityHost"]),
                                   ("trustedCaCertificate", info["caCertPath"])]:
                    sh(["pulumi", "config", "set", f"aksmesh:{key}", value], cwd=project, env=env)
                sh(["pulumi", "config", "set", "--secret", "aksmesh:clientSecret", info["clientSecret"]], cwd=project, env=env)
            if os.path.exists(measurements):
                os.remove(measurements)
            started = time.monotonic()
            args = ["pulumi", command, "--yes", "--skip-preview"] if command != "preview" else ["pulumi", "preview"]
            sh(args + ["--non-interactive"], cwd=project, env=env)
            wall = time.monotonic() - started
            cpu, rss = 0.0, 0
            with open(measurements) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and parts[0].replace(".", "").isdigit():
                        cpu += float(parts[0]) + float(parts[1])
                        rss = max(rss, int(parts[2]))
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
    finally:
        azsim.terminate()
        azsim.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
