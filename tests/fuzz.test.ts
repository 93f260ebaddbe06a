/**
 * Property-based fuzzing of every route of the OpenAPI document, anonymously and as an admin: hostile strings (NUL,
 * controls, lone surrogates, bidi, combining marks, emoji, huge), wrong types, deep nesting, malformed JSON, form
 * and multipart bodies, wrong content types. No answer may be a 5xx or show a stack trace, and a refused request
 * may write no row. A fixed seed and case count; FUZZ_RUNS and FUZZ_SEED override them (bench/fuzz.ts runs long).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { anyRequest, fuzzTargets } from "./fuzz-cases.ts";
import { createFuzzAdmin, runCase, WriteProbe } from "./fuzz-run.ts";
import { testApp, testMessaging } from "./helpers.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? 156311);

// No anonymous rate limit: thousands of calls from one address would otherwise soon all answer 429.
const { app } = await testApp({
  anonymousRateLimitPerMinute: 1_000_000_000,
  // Telephony configured, so its webhooks check signatures instead of answering 503 "not configured".
  telephonyWebhookSecret: "fuzz-telephony-secret",
  twilioAuthToken: "fuzz-twilio-token",
  // The auditors' calls too: planning one is refused or planned, not "not configured" (nothing answers on port 9).
  auditorCalls: {
    apiUrl: "http://127.0.0.1:9",
    accountSid: `AC${"0".repeat(32)}`,
    authToken: "fuzz-twilio-token",
    from: "+551133330156",
    concurrent: 1,
  },
  // The written channels too: their webhooks check signatures (on loopback addresses nothing answers).
  messaging: testMessaging(undefined, "fuzz-twilio-token"),
});

describe("fuzzing every route", () => {
  it("answers no 5xx, no stack trace and writes nothing for a refused request, whatever is sent", async () => {
    const targets = fuzzTargets();
    assert.ok(targets.length > 100, `only ${targets.length} operations in the OpenAPI document`);
    const admin = await createFuzzAdmin(app.ctx.db);
    const probe = new WriteProbe(app.ctx.db);
    await probe.start();
    await fc.assert(
      fc.asyncProperty(anyRequest(targets), async (request) => {
        const { finding } = await runCase(app, probe, request, admin);
        assert.equal(finding, undefined, JSON.stringify(finding, null, 2));
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
