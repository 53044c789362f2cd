// Validates azsim's recorded ARM exchanges against the Azure REST API specs with oav's traffic
// validator (the engine behind `oav validate-traffic`), one exchange at a time, so that it can also
// fail on what the CLI only logs: requests that match no operation in the specs.
// Usage: node validate-traffic.mjs OAV_PACKAGE_DIR SPEC_DIR TRAFFIC_DIR [KNOWN_FINDINGS_FILE]
// Writes its report to file descriptor 3 (oav itself logs on stdout).
// Exit 0 when every finding is in the known-findings file; 1 otherwise (the new findings are listed).
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [oavDir, specDir, trafficDir, knownFile] = process.argv.slice(2);
if (!oavDir || !specDir || !trafficDir) {
  console.error("usage: validate-traffic.mjs OAV_PACKAGE_DIR SPEC_DIR TRAFFIC_DIR [KNOWN_FINDINGS_FILE]");
  process.exit(2);
}
const require = createRequire(path.join(oavDir, "package.json"));
const oav = require(oavDir);

// The path with resource names replaced by {} (collections, namespaces and actions kept), so a
// finding reads the same in every run whatever the tests named their resources.
function template(url) {
  const segments = new URL(url).pathname.split("/").filter(Boolean);
  const out = [];
  for (let i = 0; i < segments.length; i++) {
    out.push(segments[i]);
    if (i + 1 >= segments.length) break;
    if (segments[i].toLowerCase() === "providers") out.push(segments[++i]);
    else out.push("{}"), i++;
  }
  return "/" + out.join("/");
}

// A finding names the operation, the side, the status and oav's code and message; messages that
// quote payload values stay stable because the tests' payloads are deterministic apart from names.
function oneLine(text) {
  return String(text).replace(/\s+/g, " ").trim();
}

const known = new Map(); // finding -> reason
if (knownFile && fs.existsSync(knownFile)) {
  for (const raw of fs.readFileSync(knownFile, "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ## ");
    if (at < 0) {
      console.error(`validate-traffic: ${knownFile}: '${line}' has no ' ## reason'; add why it is accepted`);
      process.exit(2);
    }
    known.set(line.slice(0, at).trim(), line.slice(at + 4).trim());
  }
}

// oav logs progress and spec-loading trouble on stdout; validate-traffic.sh sends that to a log file
// and reads the report from file descriptor 3.
const print = (text) => fs.writeSync(3, text + "\n");

const validator = new oav.TrafficValidator(specDir, trafficDir);
await validator.initialize();
const files = [...validator.trafficFiles].sort();
if (files.length === 0) {
  print(`validate-traffic: no traffic files in ${trafficDir}; the azsim tests recorded nothing`);
  process.exit(1);
}

const perOperation = new Map(); // operationId -> { exchanges, failed }
const findings = new Map(); // finding -> [example file, count]
function note(finding, file) {
  const entry = findings.get(finding) ?? [file, 0];
  entry[1] += 1;
  findings.set(finding, entry);
}
for (const file of files) {
  const payload = JSON.parse(fs.readFileSync(file, "utf8"));
  const { liveRequest, liveResponse } = payload;
  const result = await validator.liveValidator.validateLiveRequestResponse(payload);
  const request = result.requestValidationResult;
  const response = result.responseValidationResult;
  const operationId = request.operationInfo?.operationId;
  const status = liveResponse.statusCode;
  let failed = false;
  let unmatched;
  if (request.isSuccessful === undefined) {
    // No operation in the specs matches (or oav could not validate): a finding of its own.
    const code = request.runtimeException?.code ?? "RUNTIME_ERROR";
    unmatched = `${liveRequest.method.toUpperCase()} ${template(liveRequest.url)}`;
    note(`${unmatched} unmatched: ${code}`, file);
    failed = true;
  } else {
    for (const [side, outcome] of [["request", request], ["response", response]]) {
      for (const error of outcome.errors ?? []) {
        const where = (error.jsonPathsInPayload ?? []).join(",");
        note(`${operationId} ${side} ${status} ${error.code} ${where}: ${oneLine(error.message)}`, file);
        failed = true;
      }
      if (outcome.isSuccessful === undefined && outcome.runtimeException) {
        note(`${operationId} ${side} ${status} ${outcome.runtimeException.code}: ${oneLine(outcome.runtimeException.message).slice(0, 200)}`, file);
        failed = true;
      }
    }
  }
  const key = unmatched === undefined ? operationId : `(no operation) ${unmatched}`;
  const counts = perOperation.get(key) ?? { exchanges: 0, failed: 0 };
  counts.exchanges += 1;
  counts.failed += failed ? 1 : 0;
  perOperation.set(key, counts);
}

print(`validate-traffic: ${files.length} exchanges checked against ${specDir}`);
print("  exchanges  with findings  operation");
for (const [operation, counts] of [...perOperation].sort((a, b) => a[0].localeCompare(b[0]))) {
  print(`  ${String(counts.exchanges).padStart(9)}  ${String(counts.failed).padStart(13)}  ${operation}`);
}
const fresh = [...findings].filter(([finding]) => !known.has(finding));
const accepted = [...findings].filter(([finding]) => known.has(finding));
const stale = [...known.keys()].filter((finding) => !findings.has(finding));
if (accepted.length > 0) {
  print(`${accepted.length} known finding(s) (accepted in ${knownFile}):`);
  for (const [finding, [, count]] of accepted) print(`  [${count}x] ${finding}`);
}
if (stale.length > 0) {
  // Not an error: a partial run (one test file) does not exercise every known finding.
  print(`${stale.length} known finding(s) not seen in this traffic (remove any that can no longer happen):`);
  for (const finding of stale) print(`  ${finding}`);
}
if (fresh.length > 0) {
  print(`${fresh.length} finding(s) against the specs (fix azsim or the provider; a finding that is`);
  print(`the spec's fault goes into the known-findings file as 'FINDING ## reason'):`);
  for (const [finding, [file, count]] of fresh) print(`  [${count}x] ${finding}\n        e.g. ${file}`);
  process.exit(1);
}
print("validate-traffic: OK");
