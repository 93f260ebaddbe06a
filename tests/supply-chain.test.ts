import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { auditVerdict } from "../.ci/audit-verdict.ts";

// The shapes npm 11 prints with --json: a report (auditReportVersion 2), and the endpoint's refusal.
const report = (vulnerabilities: Record<string, unknown>, counts: Record<string, number>) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities,
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts },
    },
  });
const critical = report(
  {
    "fast-xml-parser": {
      name: "fast-xml-parser",
      severity: "critical",
      via: [{ source: 1, title: "Prototype pollution in fast-xml-parser", severity: "critical" }],
    },
    lodash: { name: "lodash", severity: "moderate", via: [{ title: "ReDoS", severity: "moderate" }] },
  },
  { moderate: 1, critical: 1, total: 2 },
);
const moderateOnly = report(
  { lodash: { name: "lodash", severity: "moderate", via: [{ title: "ReDoS" }] } },
  { moderate: 1, total: 1 },
);
const refused = JSON.stringify({
  message: "405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk",
  method: "POST",
  statusCode: 405,
  body: "",
  error: { summary: "", detail: "" },
});
const offline = JSON.stringify({
  error: { code: "ENOTFOUND", summary: "request to registry failed", detail: "" },
});

function verdictOf(stdin: string) {
  const result = spawnSync(process.execPath, ["--import", "tsx", ".ci/audit-verdict.ts"], { input: stdin });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe("npm audit in CI", () => {
  it("fails on a high or critical advisory and names the package", () => {
    const verdict = auditVerdict(critical);
    assert.equal(verdict.kind, "advisories");
    assert.deepEqual(verdict.kind === "advisories" && verdict.found.map((f) => f.name), ["fast-xml-parser"]);
    const run = verdictOf(critical);
    assert.equal(run.code, 1);
    assert.match(run.out, /fast-xml-parser \(critical\): Prototype pollution/);
  });

  it("passes when the advisories are below high", () => {
    assert.equal(auditVerdict(moderateOnly).kind, "clean");
    assert.equal(verdictOf(moderateOnly).code, 0);
  });

  it("warns and goes on when the audit endpoint is unavailable, instead of failing or passing silently", () => {
    for (const output of [refused, offline, "", "npm error something"]) {
      assert.equal(auditVerdict(output).kind, "unavailable", output);
    }
    const run = verdictOf(refused);
    assert.equal(run.code, 0);
    assert.match(
      run.out,
      /^WARNING: npm audit skipped, the audit endpoint is unavailable \(405 Method Not Allowed/m,
    );
  });

  it("runs the production audit in CI right after npm ci", () => {
    const steps = readFileSync(".ci/run", "utf8");
    const install = steps.indexOf("npm ci --no-audit");
    const audit = steps.indexOf("npm audit --omit=dev --audit-level=high --json");
    assert.ok(install >= 0 && audit > install, "the audit follows the install");
    assert.ok(audit < steps.indexOf("npm run check"), "and comes before the checks");
  });
});
