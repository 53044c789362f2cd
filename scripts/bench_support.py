"""What the MultiRegionAks benchmarks share: release builds, one azsim, the provider measured
through a /usr/bin/time wrapper, and YAML projects configured against azsim."""
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(args, cwd=None, env=None, check=True):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def program(regions, peering):
    """A MultiRegionAks over (location, vnetCidr or None, podCidr) regions, with or without peering."""
    lines = ["resources:", "  platform:", "    type: aksmesh:index:MultiRegionAks", "    properties:",
             f"      enableVnetPeering: {'true' if peering else 'false'}", "      regions:"]
    for location, vnet, pods in regions:
        lines.append(f"        - location: {location}")
        if vnet:
            lines.append(f"          vnetCidr: {vnet}")
            lines.append(f"          podCidr: {pods}")
    lines += ["outputs:", "  peerings: ${platform.peerings}"]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def azsim_running(prefix, time_scale):
    """Builds the release binaries and runs azsim in a fresh work directory; yields the directory
    and azsim's start line, and stops azsim and removes the directory afterwards."""
    sh(["cargo", "build", "--release", "--quiet", "--workspace", "--bins"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix=prefix)
    azsim = subprocess.Popen([os.path.join(ROOT, "target/release/azsim"), "serve", "--port", "0", "--data-dir",
                              os.path.join(work, "azsim"), "--time-scale", str(time_scale),
                              # e.g. "--throttle off", to compare
                              *os.environ.get("AKSMESH_BENCH_AZSIM_ARGS", "").split()],
                             stdout=subprocess.PIPE, text=True)
    try:
        yield work, json.loads(azsim.stdout.readline())
    finally:
        azsim.terminate()
        azsim.wait()
        shutil.rmtree(work, ignore_errors=True)


def provider_wrapper(work):
    """A plugin directory whose provider runs under /usr/bin/time, which appends "user system
    maxrss-kB" per provider process to the returned usage file.

    AKSMESH_BENCH_PROVIDER runs another provider binary (e.g. a release build with symbols), and
    AKSMESH_BENCH_PERF=DIR records each provider process with `perf record -g` into DIR (the CPU
    figures then include perf's own cost)."""
    plugin_dir = os.path.join(work, "plugin")
    os.makedirs(plugin_dir)
    usage = os.path.join(work, "provider-usage.txt")
    wrapper = os.path.join(plugin_dir, "pulumi-resource-aksmesh")
    provider = os.environ.get("AKSMESH_BENCH_PROVIDER") or os.path.join(ROOT, "target/release/pulumi-resource-aksmesh")
    perf_dir = os.environ.get("AKSMESH_BENCH_PERF")
    perf = ""
    if perf_dir:
        os.makedirs(perf_dir, exist_ok=True)
        perf = f"perf record -q -g -F 499 -o {shlex.quote(perf_dir)}/provider-$$.data "
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec /usr/bin/time -a -o {shlex.quote(usage)} -f '%U %S %M' "
                f"{perf}{shlex.quote(provider)} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    return plugin_dir, usage


def yaml_project(work, name, plugin_dir, program, info, **extra_env):
    """The project `name` (created on first use, its stack configured against azsim) and the
    environment to run the CLI in."""
    project = os.path.join(work, name)
    env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{work}/state-{name}", PULUMI_CONFIG_PASSPHRASE="bench",
               **extra_env)
    os.makedirs(project, exist_ok=True)
    os.makedirs(f"{work}/state-{name}", exist_ok=True)
    with open(os.path.join(project, "Pulumi.yaml"), "w") as f:
        f.write(f"name: {name}\nruntime: yaml\nplugins:\n  providers:\n    - name: aksmesh\n      path: {plugin_dir}\n")
        f.write(program)
    if not os.path.exists(os.path.join(project, "Pulumi.dev.yaml")):
        sh(["pulumi", "stack", "init", "dev", "--non-interactive"], cwd=project, env=env)
        for key, value in [("subscriptionId", info["subscriptionId"]), ("tenantId", info["tenantId"]),
                           ("clientId", info["clientId"]), ("authentication", "clientSecret"),
                           ("armEndpoint", info["armEndpoint"]), ("authorityHost", info["authorityHost"]),
                           ("trustedCaCertificate", info["caCertPath"])]:
            sh(["pulumi", "config", "set", f"aksmesh:{key}", value], cwd=project, env=env)
        sh(["pulumi", "config", "set", "--secret", "aksmesh:clientSecret", info["clientSecret"]], cwd=project, env=env)
    return project, env


def provider_processes(usage):
    """(CPU seconds, peak RSS kB) of each provider process in the usage file, in the order they ended."""
    processes = []
    if os.path.exists(usage):
        for line in open(usage):
            parts = line.split()
            if len(parts) == 3 and parts[0].replace(".", "").isdigit():
                processes.append((float(parts[0]) + float(parts[1]), int(parts[2])))
    return processes


def provider_usage(usage):
    """Total provider CPU seconds and peak RSS (kB) in the usage file (0 when none)."""
    processes = provider_processes(usage)
    return sum(cpu for cpu, _ in processes), max((rss for _, rss in processes), default=0)
