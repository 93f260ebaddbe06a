/**
 * The long fuzz run: `npx tsx bench/fuzz.ts --runs=100000 [--seed=N]` sends that many generated requests over every
 * route of the OpenAPI document (tests/fuzz-cases.ts, the same cases as tests/fuzz.test.ts) to an in-process app on
 * a copy of the test database (PGlite, or PostgreSQL with DATABASE_URL; run `npx tsx tests/prepare.ts` first), and
 * prints every kind of finding with one example, the cases per second and the time. Exits 1 when anything was found.
 */
import { test } from "node:test";
import fc from "fast-check";
import { anyRequest, fuzzTargets } from "../tests/fuzz-cases.ts";
import { createFuzzAdmin, type Finding, runCase, WriteProbe } from "../tests/fuzz-run.ts";
import { testApp } from "../tests/helpers.ts";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v = ""] = a.replace(/^--/, "").split("=");
    return [k!, v];
  }),
);
const runs = Number(args.get("runs") ?? 100_000);
const seed = Number(args.get("seed") ?? 156311);

// Inside a test, so the helpers' after-hooks close the app and drop the PostgreSQL copy when it ends.
test("fuzz every route", async () => {
  const { app } = await testApp({
    anonymousRateLimitPerMinute: 1_000_000_000,
    // Telephony configured, so its webhooks check signatures instead of answering 503 "not configured".
    telephonyWebhookSecret: "fuzz-telephony-secret",
    twilioAuthToken: "fuzz-twilio-token",
  });
  const targets = fuzzTargets();
  const admin = await createFuzzAdmin(app.ctx.db);
  const probe = new WriteProbe(app.ctx.db);
  await probe.start();

  const findings = new Map<string, { count: number; example: Finding }>();
  const statuses = new Map<number, number>();
  let done = 0;
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(anyRequest(targets), async (request) => {
      const { status, finding } = await runCase(app, probe, request, admin);
      done++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (done % 5000 === 0) {
        const seconds = (Date.now() - started) / 1000;
        console.log(`${done} cases in ${seconds.toFixed(0)} s, ${findings.size} kinds of finding`);
      }
      if (!finding) return;
      // One kind of finding per operation and problem.
      const key = `${finding.problem.split(":")[0]} ${request.operation}`;
      const seen = findings.get(key);
      if (seen) seen.count++;
      else findings.set(key, { count: 1, example: finding });
    }),
    { numRuns: runs, seed },
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\n${done} cases over ${targets.length} operations in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(0)}/s), ` +
      `seed ${seed}, database ${app.ctx.db.kind}: ${findings.size} kinds of finding`,
  );
  console.log(
    `answers by status: ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status} ×${n}`)
      .join(", ")}`,
  );
  for (const [key, { count, example }] of findings) {
    console.log(`\n${count} × ${key}\n  ${example.request}\n  → ${example.status} ${example.body}`);
  }
  process.exitCode = findings.size > 0 ? 1 : 0;
});
