#!/usr/bin/env node
// Runs a Pulumi TypeScript (or JavaScript) program with the real `pulumi` CLI, without pulumi-language-nodejs.
//
//   . scripts/env.sh
//   node scripts/run-program.mjs PROGRAM_DIR --stack NAME [--backend file:///DIR] \
//       [--refresh] [--expect-no-changes] [--show-secrets] [--json-events FILE] up|preview|refresh|destroy|outputs
//
// PROGRAM_DIR is an ordinary Pulumi project (Pulumi.yaml with `runtime: nodejs`, index.ts or index.js) that also
// runs unchanged with `pulumi up` where the Node.js language host exists. index.ts is type-checked and compiled
// with the cached tsc (its tsconfig.json is honoured) into a temp dir; the Automation API's inline mode then serves
// the language runtime from this process, requires the compiled index and returns its exports as stack outputs,
// like the real host does for CommonJS programs. The stack is selected or created in PROGRAM_DIR, so `pulumi config
// set` run there beforehand applies. Engine output streams to stderr; stdout gets one JSON object, the same as
// scripts/run-program.py: {"command", "summary": {"result", "resourceChanges"}, "outputs"} (+ "error", exit 1).
import { spawn } from "node:child_process";
import fs from "node:fs";
import Module, { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const COMMANDS = ["up", "preview", "refresh", "destroy", "outputs"];
const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stack: { type: "string" },
    backend: { type: "string" },
    refresh: { type: "boolean" },
    "expect-no-changes": { type: "boolean" },
    "show-secrets": { type: "boolean" },
    "json-events": { type: "string" },
  },
});
const [dirArg, command] = positionals;
if (positionals.length !== 2 || !COMMANDS.includes(command) || !opt.stack) {
  console.error(`usage: run-program.mjs PROGRAM_DIR --stack NAME [options] ${COMMANDS.join("|")}`);
  process.exit(2);
}
const die = (msg) => { console.error(`run-program: ${msg}`); process.exit(1); };
const programDir = path.resolve(dirArg);
const nodeModules = process.env.AKSMESH_NODE_MODULES
  || path.join(process.env.AKSMESH_CACHE || path.join(os.homedir(), ".cache/aksmesh"), "node-pulumi-3.259.0/node_modules");
const binDir = process.env.AKSMESH_PULUMI_BIN;
if (!binDir || !fs.existsSync(path.join(binDir, "pulumi"))) die("AKSMESH_PULUMI_BIN unset; source scripts/env.sh first");
if (!fs.existsSync(path.join(nodeModules, "@pulumi/pulumi"))) die(`no @pulumi/pulumi in ${nodeModules}; run scripts/install-sdks.sh`);

// Packages the program imports resolve from PROGRAM_DIR/node_modules (e.g. a local SDK), then the cached ones.
// NODE_PATH is read once at startup, so re-read it (long-standing CommonJS loader hook).
process.env.NODE_PATH = [path.join(programDir, "node_modules"), nodeModules, process.env.NODE_PATH]
  .filter(Boolean).join(path.delimiter);
Module._initPaths();
process.env.PULUMI_SKIP_UPDATE_CHECK ??= "true";
process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ??= "true";
process.env.PATH = `${binDir}${path.delimiter}${process.env.PATH}`; // pulumi-language-yaml and plugins

// The program's console.log must not mix with the JSON result on stdout.
const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
const finish = (result, code) => { writeResult(JSON.stringify(result, null, 2) + "\n", () => process.exit(code)); };
const fail = (error, resourceChanges = {}) => finish({ command, summary: { result: "failed", resourceChanges }, error }, 1);

// Compile index.ts with tsc into a temp dir (index.js programs are required as they are).
// Resolves to {entry} or {error}; runs in the background while the Automation API loads.
function compile() {
  const ts = path.join(programDir, "index.ts");
  if (!fs.existsSync(ts)) {
    const js = path.join(programDir, "index.js");
    return Promise.resolve(fs.existsSync(js) ? { entry: js } : { error: `${programDir} has no index.ts or index.js` });
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aksmesh-ts-"));
  process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
  const own = path.join(programDir, "tsconfig.json");
  const config = {
    ...(fs.existsSync(own) ? { extends: own } : {}),
    compilerOptions: {
      // Defaults like Pulumi's templates, unless the program's tsconfig.json says otherwise.
      ...(fs.existsSync(own) ? {} : { strict: true, target: "es2020", esModuleInterop: true }),
      // Forced: CommonJS output that `require` can load, in our temp dir.
      module: "commonjs", moduleResolution: "node10", outDir: path.join(tmp, "out"), rootDir: programDir,
      noEmit: false, sourceMap: true, skipLibCheck: true,
      // Type lookup like NODE_PATH above: the program's node_modules, then the cached SDK.
      paths: { "*": [path.join(programDir, "node_modules/*"), path.join(nodeModules, "*")] },
      typeRoots: [path.join(programDir, "node_modules/@types"), path.join(nodeModules, "@types")],
    },
    files: [ts],
    include: [],
  };
  fs.writeFileSync(path.join(tmp, "tsconfig.json"), JSON.stringify(config, null, 2));
  const tsc = spawn(process.execPath, [path.join(nodeModules, "typescript/bin/tsc"), "-p", tmp, "--pretty", "false"]);
  let log = "";
  tsc.stdout.on("data", (d) => { log += d; });
  tsc.stderr.on("data", (d) => { log += d; });
  return new Promise((resolve) => tsc.on("close", (code) => {
    process.stderr.write(log);
    resolve(code === 0 ? { entry: path.join(tmp, "out/index.js") } : { error: `TypeScript compilation failed:\n${log.trim()}` });
  }));
}
let compiled;
const compileOnce = () => (compiled ??= compile());
if (command === "up" || command === "preview") compileOnce(); // refresh/destroy run the program only if asked

const require = createRequire(path.join(nodeModules, "_"));
const auto = require("@pulumi/pulumi/automation"); // takes ~0.8 s

async function main() {
  if (compiled && (await compiled).error) return fail((await compiled).error);
  process.setSourceMapsEnabled(true); // stack traces point into index.ts
  process.chdir(programDir);
  // What the Node.js host does for a CommonJS program: exports are the outputs; an exported function is called.
  const program = async () => {
    const { entry, error } = await compileOnce();
    if (error) throw new Error(error);
    const exported = require(entry);
    return exported instanceof Function ? exported() : exported;
  };
  const envVars = {};
  if (opt.backend) {
    envVars.PULUMI_BACKEND_URL = opt.backend;
    if (opt.backend.startsWith("file://")) fs.mkdirSync(opt.backend.slice("file://".length), { recursive: true });
  }
  const pulumiCommand = await auto.PulumiCommand.get({ root: path.dirname(binDir) }); // runs ROOT/bin/pulumi
  const ws = await auto.LocalWorkspace.create({ workDir: programDir, program, envVars, pulumiCommand });

  const lines = { out: [], err: [] };
  const stream = (kind) => (text) => { lines[kind].push(text); process.stderr.write(text); };
  const events = opt["json-events"] ? fs.openSync(opt["json-events"], "w") : null;
  const lastChanges = {}; // from the engine's summary event: still known when --expect-no-changes fails
  const onEvent = (e) => {
    if (e.summaryEvent) Object.assign(lastChanges, e.summaryEvent.resourceChanges);
    if (events !== null) fs.writeSync(events, JSON.stringify(e) + "\n");
  };
  const opts = { onOutput: stream("out"), onError: stream("err"), onEvent };
  if (opt["expect-no-changes"]) opts.expectNoChanges = true;

  let stack;
  try {
    stack = await auto.Stack.createOrSelect(opt.stack, ws);
    let summary;
    if (command === "preview") {
      const res = await stack.preview({ ...opts, refresh: opt.refresh });
      summary = { result: "succeeded", resourceChanges: res.changeSummary };
    } else if (command === "outputs") {
      const info = await stack.info(false);
      summary = info ? { result: info.result, resourceChanges: info.resourceChanges ?? {} } : null;
    } else {
      const res = command === "up" ? await stack.up({ ...opts, refresh: opt.refresh, showSecrets: false })
        : command === "refresh" ? await stack.refresh({ ...opts, showSecrets: false })
          : await stack.destroy({ onOutput: opts.onOutput, onError: opts.onError, onEvent, showSecrets: false });
      summary = { result: res.summary.result, resourceChanges: res.summary.resourceChanges ?? {} };
    }
    const outputs = {};
    for (const [k, v] of Object.entries(await stack.outputs())) {
      outputs[k] = v.secret && !opt["show-secrets"] ? "[secret]" : v.value;
    }
    finish({ command, summary, outputs }, 0);
  } catch (e) {
    if (!(e instanceof auto.CommandError)) throw e;
    // The Diagnostics block of the CLI's stdout plus its stderr; the whole error if both are empty.
    const out = lines.out.join("").split("\n");
    const start = out.indexOf("Diagnostics:");
    const diag = start < 0 ? [] : out.slice(start, out.indexOf("", start) < 0 ? undefined : out.indexOf("", start));
    const text = [...diag, ...lines.err.join("").split("\n")].filter((l) => l.trim()).join("\n");
    fail(text || String(e), lastChanges);
  } finally {
    if (events !== null) fs.closeSync(events);
  }
}

main().catch((e) => fail(String(e?.stack ?? e)));
