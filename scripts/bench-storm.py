#!/usr/bin/env python3
"""Fault-storm figures of a 3-region peered MultiRegionAks against azsim (a benchmark, not a test).

A baseline run without faults records which resources the program makes. Then each of RUNS runs starts a fresh
azsim whose ARM requests fail about 20 % of the time (429, 500, 503, 409 and dropped connections, a different seed
per run) and does, with the real pulumi CLI:
  1. `pulumi up`; if it fails, `up` again (at most MAX_EXTRA_UPS more times) until it converges;
  2. with faults off, compares what azsim holds with the baseline:
     - duplicates: resources beyond the baseline's count for the same key, where the key is the lower-cased ARM id
       with every GUID replaced by {guid} (so two role assignments at one scope count as one duplicate, and a
       resource under a name the baseline never made counts as one too);
     - missing: baseline keys azsim does not hold (a converged `up` should leave none);
     - not Succeeded: resources whose provisioningState is not Succeeded;
  3. with faults back on (another seed), `pulumi destroy`, again at most MAX_EXTRA_DESTROYS more times;
  4. with faults off, orphans: everything azsim still holds.
Targets: first-`up` successes RUNS/RUNS, 0 duplicates, 0 orphans. Every failed command's diagnostics are printed
with the run, the step and the resources they name; full outputs stay in the work dir when KEEP=1.

Environment: AKSMESH_BENCH_TIME_SCALE (default 0.005: an AKS create takes 1.8 s), AKSMESH_STORM_RUNS (10),
AKSMESH_STORM_FAULTS (the rate spec, without seed), AKSMESH_STORM_KEEP=1 keeps the work dir.
Run with the venv python after `source scripts/env.sh` (`make bench-storm` does both); builds release binaries.
"""
import collections
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIME_SCALE = os.environ.get("AKSMESH_BENCH_TIME_SCALE", "0.005")
RUNS = int(os.environ.get("AKSMESH_STORM_RUNS", "10"))
FAULTS = os.environ.get("AKSMESH_STORM_FAULTS", "429:0.05,500:0.04,503:0.04,409:0.04,drop:0.015,drop-after:0.015")
KEEP = os.environ.get("AKSMESH_STORM_KEEP") == "1"
MAX_EXTRA_UPS = 3
MAX_EXTRA_DESTROYS = 3
COMMAND_TIMEOUT = 1200  # seconds; a hung command is reported as a failure
REGIONS = ["eastus", "westeurope", "southeastasia"]
GUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")

PROGRAM = "\n".join([
    "resources:",
    "  platform:",
    "    type: aksmesh:index:MultiRegionAks",
    "    properties:",
    "      enableVnetPeering: true",
    "      regions:",
    *[f"        - location: {region}" for region in REGIONS],
    "outputs:",
    "  peerings: ${platform.peerings}",
]) + "\n"


def build():
    result = subprocess.run(["cargo", "build", "--release", "--quiet", "--workspace", "--bins"], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"cargo build failed:\n{result.stderr}")


class Azsim:
    """One azsim process with its own data dir."""

    def __init__(self, work, name, faults):
        self.data = os.path.join(work, f"azsim-{name}")
        args = [os.path.join(ROOT, "target/release/azsim"), "serve", "--port", "0", "--data-dir", self.data,
                "--time-scale", TIME_SCALE]
        if faults:
            args += ["--faults", faults]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.info = json.loads(self.process.stdout.readline())
        self.tls = ssl.create_default_context(cafile=self.info["caCertPath"])
        self.injected = 0

    def control(self, method, path, body=None):
        """`path` is under the control endpoint (…/azsim)."""
        request = urllib.request.Request(self.info["controlEndpoint"].rstrip("/") + path, method=method,
                                         data=body.encode() if body is not None else None)
        with urllib.request.urlopen(request, context=self.tls, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def set_faults(self, spec):
        # Replacing the spec resets azsim's counter: keep what it counted so far.
        self.injected += self.control("GET", "/faults").get("injected", 0)
        self.control("PUT", "/faults", spec)

    def resources(self):
        return self.control("GET", "/resources")

    def requests(self):
        """(ARM requests, injected faults) so far, from the request log and the fault counter."""
        total = 0
        with open(self.info["requestLog"]) as log:
            for line in log:
                if line.strip() and json.loads(line).get("path", "").startswith("/subscriptions"):
                    total += 1
        return total, self.injected + self.control("GET", "/faults").get("injected", 0)

    def stop(self):
        self.process.terminate()
        self.process.wait()

    def environment(self):
        """The provider reads its configuration from these (see src/config.rs KEYS)."""
        info = self.info
        return {
            "ARM_SUBSCRIPTION_ID": info["subscriptionId"], "ARM_TENANT_ID": info["tenantId"],
            "ARM_CLIENT_ID": info["clientId"], "ARM_CLIENT_SECRET": info["clientSecret"],
            "AKSMESH_AUTHENTICATION": "clientSecret", "ARM_ENDPOINT": info["armEndpoint"],
            "AZURE_AUTHORITY_HOST": info["authorityHost"], "AKSMESH_TRUSTED_CA_CERTIFICATE": info["caCertPath"],
        }


def key_of(resource_id):
    return GUID.sub("{guid}", resource_id.lower())


def diagnostics(output):
    """The engine's Diagnostics section: which resource failed and how (condensed)."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Diagnostics:"), None)
    if start is None:
        tail = [line for line in lines if "error" in line.lower()]
        return "\n".join(tail[-10:]) or "\n".join(lines[-10:])
    kept = []
    for line in lines[start + 1:]:
        if line.strip() in ("Outputs:", "Resources:") or line.startswith("Duration:"):
            break
        if line.strip():
            kept.append(line.rstrip())
    return "\n".join(kept)


class Run:
    def __init__(self, work, name, azsim, plugin_dir):
        self.name = name
        self.azsim = azsim
        self.project = os.path.join(work, name)
        os.makedirs(self.project)
        with open(os.path.join(self.project, "Pulumi.yaml"), "w") as f:
            f.write(f"name: storm\nruntime: yaml\nplugins:\n  providers:\n    - name: aksmesh\n      path: {plugin_dir}\n")
            f.write(PROGRAM)
        state = os.path.join(work, f"state-{name}")
        os.makedirs(state)
        self.env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{state}", PULUMI_CONFIG_PASSPHRASE="bench",
                        **azsim.environment())
        self.log = os.path.join(work, f"{name}.log")
        self.pulumi(["stack", "init", "dev", "--non-interactive"], must=True)

    def pulumi(self, args, must=False):
        started = time.monotonic()
        try:
            result = subprocess.run(["pulumi", *args], cwd=self.project, env=self.env, capture_output=True,
                                    text=True, timeout=COMMAND_TIMEOUT)
            code, output = result.returncode, result.stdout + result.stderr
        except subprocess.TimeoutExpired as timeout:
            code, output = -1, f"timed out after {COMMAND_TIMEOUT} s\n{timeout.stdout or ''}{timeout.stderr or ''}"
        wall = time.monotonic() - started
        with open(self.log, "a") as log:
            log.write(f"\n===== pulumi {' '.join(args)} (exit {code}, {wall:.1f} s)\n{output}")
        if must and code != 0:
            sys.exit(f"{self.name}: pulumi {' '.join(args)} failed:\n{output}")
        return code == 0, wall, output

    def until_done(self, command, extra):
        """Runs `pulumi <command>` until it succeeds (1 + extra tries): (ok, tries, walls, failures)."""
        walls, failures = [], []
        for attempt in range(1 + extra):
            ok, wall, output = self.pulumi([command, "--yes", "--skip-preview", "--non-interactive"])
            walls.append(wall)
            if ok:
                return True, attempt + 1, walls, failures
            failures.append(diagnostics(output))
        return False, 1 + extra, walls, failures


def main():
    build()
    work = tempfile.mkdtemp(prefix="aksmesh-storm-")
    plugin_dir = os.path.join(work, "plugin")
    os.makedirs(plugin_dir)
    os.symlink(os.path.join(ROOT, "target/release/pulumi-resource-aksmesh"),
               os.path.join(plugin_dir, "pulumi-resource-aksmesh"))
    try:
        # Baseline: what the program makes when nothing fails.
        azsim = Azsim(work, "baseline", None)
        try:
            run = Run(work, "baseline", azsim, plugin_dir)
            ok, _, walls, failures = run.until_done("up", 0)
            if not ok:
                sys.exit("the baseline up failed without faults:\n" + "\n".join(failures))
            expected = collections.Counter(key_of(r["id"]) for r in azsim.resources())
            ok, _, _, failures = run.until_done("destroy", 0)
            left = azsim.resources()
            if not ok or left:
                sys.exit(f"the baseline destroy failed or left {len(left)} resources:\n" + "\n".join(failures))
            baseline_up = walls[0]
        finally:
            azsim.stop()
        print(f"storm benchmark: {RUNS} runs of a 3-region peered MultiRegionAks ({', '.join(REGIONS)}), "
              f"azsim time scale {TIME_SCALE} (an AKS create takes {360 * float(TIME_SCALE):.1f} s)")
        print(f"  faults: {FAULTS} (seed = run number; destroy uses seed + 1000)")
        print(f"  baseline without faults: {sum(expected.values())} resources, up {baseline_up:.1f} s")
        print("  run  first-up  ups  up-wall(s)  dups  missing  not-ok  destroys  destroy-wall(s)  orphans  "
              "ARM requests (faults)")

        results = []
        for number in range(1, RUNS + 1):
            spec = f"{FAULTS},seed={number}"
            azsim = Azsim(work, f"run{number}", spec)
            try:
                run = Run(work, f"run{number}", azsim, plugin_dir)
                up_ok, ups, up_walls, up_failures = run.until_done("up", MAX_EXTRA_UPS)
                azsim.set_faults("")
                held = azsim.resources()
                counts = collections.Counter(key_of(r["id"]) for r in held)
                duplicates = {k: n - expected[k] for k, n in counts.items() if n > expected[k]}
                missing = {k: expected[k] - counts[k] for k in expected if counts[k] < expected[k]}
                not_ok = [r for r in held if (r.get("provisioningState") or "Succeeded") != "Succeeded"]
                azsim.set_faults(f"{FAULTS},seed={number + 1000}")
                destroy_ok, destroys, destroy_walls, destroy_failures = run.until_done("destroy", MAX_EXTRA_DESTROYS)
                azsim.set_faults("")
                orphans = azsim.resources()
                requests, injected = azsim.requests()
            finally:
                azsim.stop()
            result = {
                "run": number, "first_up": up_ok and ups == 1, "converged": up_ok, "ups": ups,
                "up_wall": sum(up_walls), "duplicates": duplicates, "missing": missing, "not_ok": not_ok,
                "destroyed": destroy_ok, "destroys": destroys, "destroy_wall": sum(destroy_walls),
                "orphans": orphans, "requests": requests, "injected": injected,
                "up_failures": up_failures, "destroy_failures": destroy_failures,
            }
            results.append(result)
            print(f"  {number:3d}  {'yes' if result['first_up'] else 'NO ':>8}  {ups:3d}{'' if up_ok else '!'}"
                  f"  {result['up_wall']:10.1f}  {sum(duplicates.values()):4d}  {sum(missing.values()):7d}"
                  f"  {len(not_ok):6d}  {destroys:8d}{'' if destroy_ok else '!'}  {result['destroy_wall']:15.1f}"
                  f"  {len(orphans):7d}  {requests} ({injected}, {100 * injected / max(requests, 1):.0f} %)",
                  flush=True)

        first = sum(r["first_up"] for r in results)
        converged = sum(r["converged"] for r in results)
        duplicates = sum(sum(r["duplicates"].values()) for r in results)
        missing = sum(sum(r["missing"].values()) for r in results)
        orphans = sum(len(r["orphans"]) for r in results)
        destroyed = sum(r["destroyed"] for r in results)
        print(f"  total: first-up successes {first}/{RUNS} (target {RUNS}/{RUNS}), converged {converged}/{RUNS}, "
              f"ups {sum(r['ups'] for r in results)}, duplicates {duplicates} (target 0), missing {missing}, "
              f"destroys succeeded {destroyed}/{RUNS}, orphans {orphans} (target 0)")
        print(f"  wall: up {sum(r['up_wall'] for r in results):.0f} s, destroy "
              f"{sum(r['destroy_wall'] for r in results):.0f} s; ARM requests {sum(r['requests'] for r in results)}, "
              f"faults injected {sum(r['injected'] for r in results)}")

        for r in results:
            for step, failures in (("up", r["up_failures"]), ("destroy", r["destroy_failures"])):
                for attempt, text in enumerate(failures, 1):
                    print(f"\n--- run {r['run']}: {step} #{attempt} failed:\n{text}")
            for key, extra in r["duplicates"].items():
                print(f"--- run {r['run']}: duplicate x{extra}: {key}")
            for key, count in r["missing"].items():
                print(f"--- run {r['run']}: missing x{count}: {key}")
            for resource in r["not_ok"]:
                print(f"--- run {r['run']}: {resource.get('provisioningState')}: {resource['id']}")
            for resource in r["orphans"]:
                print(f"--- run {r['run']}: orphan: {resource['id']} ({resource.get('provisioningState')})")
        if KEEP:
            print(f"\nlogs and state kept in {work}")
    finally:
        if not KEEP:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
