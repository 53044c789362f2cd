#!/usr/bin/env python3
"""Runs a Pulumi Python program with the real `pulumi` CLI, without pulumi-language-python.

    . scripts/env.sh
    "$AKSMESH_PYTHON" scripts/run-program.py PROGRAM_DIR --stack NAME [--backend file:///DIR] \
        [--refresh] [--expect-no-changes] [--show-secrets] [--json-events FILE] up|preview|refresh|destroy|outputs

PROGRAM_DIR is an ordinary Pulumi project (Pulumi.yaml with `runtime: python`, `__main__.py`) that also runs
unchanged with `pulumi up` where the Python language host exists. Here the Automation API's inline mode serves the
language runtime from this process and the CLI connects to it (`--client`). The stack is selected, or created, in
PROGRAM_DIR, so `pulumi config set` run there beforehand applies. Engine output streams to stderr; stdout gets one
JSON object: {"command", "summary": {"result", "resourceChanges"}, "outputs"} (plus "error" on failure, exit 1).
"outputs" are the stack's outputs after the command (for preview: those of the last update).
"""
import argparse
import json
import os
import runpy
import shutil
import sys

import pulumi.automation as auto
from pulumi.automation.events import EngineEvent

COMMANDS = ("up", "preview", "refresh", "destroy", "outputs")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("program_dir")
    p.add_argument("command", choices=COMMANDS)
    p.add_argument("--stack", required=True)
    p.add_argument("--backend", help="backend URL, e.g. file:///tmp/state (default: the CLI's login)")
    p.add_argument("--refresh", action="store_true", help="refresh before up/preview")
    p.add_argument("--expect-no-changes", action="store_true", help="fail if anything would change")
    p.add_argument("--show-secrets", action="store_true", help="print secret outputs in clear")
    p.add_argument("--json-events", metavar="FILE", help="write the engine events as JSON lines")
    return p.parse_args()


def pulumi_command():
    """PulumiCommand(root=R) runs R/bin/pulumi; the bin dir comes from env.sh or PATH."""
    bin_dir = os.environ.get("AKSMESH_PULUMI_BIN") or os.path.dirname(shutil.which("pulumi") or "")
    if not os.path.isfile(os.path.join(bin_dir, "pulumi")):
        sys.exit("run-program: no pulumi CLI; source scripts/env.sh first")
    # The CLI looks for pulumi-language-yaml and provider plugins on PATH; keep its own dir first.
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    if os.path.basename(bin_dir) == "bin":
        return auto.PulumiCommand(root=os.path.dirname(bin_dir))
    return auto.PulumiCommand()  # plain `pulumi` from PATH


def keep_raw_events():
    """The SDK parses each engine event into objects; keep the engine's own JSON for --json-events."""
    parse = EngineEvent.from_json.__func__

    def from_json(cls, data):
        event = parse(cls, data)
        event.raw = data
        return event

    EngineEvent.from_json = classmethod(from_json)


def changes(op_map):
    return {getattr(k, "value", k): v for k, v in (op_map or {}).items()}


def error_text(lines, exc):
    """The Diagnostics block of the CLI's stdout plus its stderr; the whole CommandError if both are empty."""
    out, diag = lines["out"], []
    if "Diagnostics:" in out:
        for line in out[out.index("Diagnostics:"):]:
            if not line.strip():
                break
            diag.append(line)
    return "\n".join(diag + [line for line in lines["err"] if line.strip()]) or str(exc)


def main():
    args = parse_args()
    out, sys.stdout = sys.stdout, sys.stderr  # the program's prints must not mix with the JSON result
    program_dir = os.path.abspath(args.program_dir)
    if not os.path.isfile(os.path.join(program_dir, "__main__.py")):
        sys.exit(f"run-program: {program_dir}/__main__.py not found")
    os.environ.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
    os.environ.setdefault("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
    env = {}
    if args.backend:
        env["PULUMI_BACKEND_URL"] = args.backend
        if args.backend.startswith("file://"):
            os.makedirs(args.backend[len("file://"):], exist_ok=True)
    os.chdir(program_dir)
    sys.path.insert(0, program_dir)  # stays for imports done later, inside apply callbacks

    def program():
        # What pulumi-language-python-exec does: run the directory's __main__.py as __main__.
        runpy.run_path(program_dir, run_name="__main__")

    ws = auto.LocalWorkspace(work_dir=program_dir, program=program, env_vars=env,
                             pulumi_command=pulumi_command())

    lines = {"out": [], "err": []}  # the CLI's output, kept for the error text

    def stream(kind):
        def emit(line):
            lines[kind].append(line)
            print(line, file=sys.stderr, flush=True)
        return emit

    events = open(args.json_events, "w", encoding="utf-8") if args.json_events else None
    if events:
        keep_raw_events()
    last_changes = {}  # from the engine's summary event: still known when --expect-no-changes fails

    def on_event(e):
        if e.summary_event:
            last_changes.update(changes(e.summary_event.resource_changes))
        if events:
            events.write(json.dumps(getattr(e, "raw", None)) + "\n")

    streams = dict(on_output=stream("out"), on_error=stream("err"), on_event=on_event)
    check = {"expect_no_changes": True} if args.expect_no_changes else {}

    result = {"command": args.command}
    try:
        stack = auto.Stack.create_or_select(args.stack, ws)
        if args.command == "preview":
            res = stack.preview(refresh=args.refresh or None, **check, **streams)
            summary = {"result": "succeeded", "resourceChanges": changes(res.change_summary)}
        elif args.command == "outputs":
            info = stack.info(show_secrets=False)
            summary = info and {"result": info.result, "resourceChanges": changes(info.resource_changes)}
        else:
            if args.command == "up":
                res = stack.up(refresh=args.refresh or None, show_secrets=False, **check, **streams)
            elif args.command == "refresh":
                res = stack.refresh(show_secrets=False, **check, **streams)
            else:
                res = stack.destroy(show_secrets=False, **streams)
            summary = {"result": res.summary.result, "resourceChanges": changes(res.summary.resource_changes)}
        result["summary"] = summary
        result["outputs"] = {k: v.value if args.show_secrets or not v.secret else "[secret]"
                             for k, v in stack.outputs().items()}
        code = 0
    except auto.errors.CommandError as e:
        result.update(summary={"result": "failed", "resourceChanges": last_changes}, error=error_text(lines, e))
        code = 1
    finally:
        if events:
            events.close()
    print(json.dumps(result, indent=2, default=str), file=out, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
