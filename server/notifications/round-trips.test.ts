/**
 * How many statements a `send-message` job sends to the database (decision 0043): on this path a statement's round
 * trip is most of its cost, so the count is the drain's budget. Counted, not timed: the job runs on a Db whose
 * statements, BEGINs and COMMITs are counted, under a request id as in a worker (a lone statement that writes a
 * timeline event would otherwise be wrapped in a transaction by server/db/index.ts, unseen without one).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drain, fileDemand, testAppWithMail } from "../../tests/factories.ts";
import { countStatements } from "../../tests/statements.ts";
import { claimDue } from "../jobs/leases.ts";
import type { Claim } from "../jobs/runner.ts";
import { runWithRequestId } from "../observability/context.ts";
import { channelsOf, sendMessage } from "./jobs.ts";
import type { SendMessagePayload } from "./schemas.ts";

const { app, ctx, fake, mailsTo } = await testAppWithMail();

/** The receipt row of a demand, claimed as a worker claims it. */
async function claimReceipt(demandId: number): Promise<{ claim: Claim; payload: SendMessagePayload }> {
  const rows = await claimDue(ctx.db, ["send-message"], 20);
  const row = rows.find((r) => (r.payload as { demandId: number }).demandId === demandId);
  assert.ok(row, "the receipt is due");
  return {
    claim: { id: row.id, attempts: row.attempts, lease: row.lease },
    payload: sendMessage.payload.parse(row.payload),
  };
}

/** Runs the job as a worker does, under a request id; its statements, and the error it ended with ("" for none). */
async function runAs(requestId: string, claim: Claim, payload: SendMessagePayload) {
  // The tenant's providers are read at most every few seconds: read now, so the count never holds that read.
  await channelsOf(ctx);
  const { n, error } = await countStatements(ctx.db, () =>
    runWithRequestId(requestId, () => sendMessage.run(ctx, payload, claim)),
  );
  return { statements: n, error: error instanceof Error ? error.message : error ? String(error) : "" };
}

describe("statements per message", () => {
  it("delivers a message in 3 statements: the plan's read, the row with its attempt, the outcome", async () => {
    // A first demand, routed and told, warms this process's calendar and makes the consent links' key.
    await fileDemand({ app, ctx }, { email: "warm.count@example.org" });
    await drain(ctx);
    const filed = await fileDemand({ app, ctx }, { email: "three.count@example.org" });
    const { claim, payload } = await claimReceipt(filed.id);
    assert.deepEqual(await runAs("req-three", claim, payload), { statements: 3, error: "" });
    assert.equal(claim.finished, true, "the outcome's statement ended the outbox row");
    assert.equal((await mailsTo("three.count@example.org")).length, 1);
    const [row] = await ctx.db.query<{ state: string; event_request_id: string }>(
      `SELECT o.state, e.request_id AS event_request_id FROM outbox o
         JOIN messages m ON m.outbox_id = o.id
         JOIN demand_events e ON e.demand_id = m.demand_id AND e.type = 'message.sent'
        WHERE o.id = $1`,
      [claim.id],
    );
    assert.deepEqual(row, { state: "done", event_request_id: "req-three" });

    // With a shared rate for e-mail, the channel's slot is one statement more.
    const rated = await fileDemand({ app, ctx }, { email: "four.count@example.org" });
    const next = await claimReceipt(rated.id);
    const rates = ctx.config.messaging.sendRates;
    ctx.config.messaging.sendRates = { whatsapp: 0, telegram: 0, sms: 0, email: 1000 };
    try {
      assert.deepEqual(await runAs("req-four", next.claim, next.payload), { statements: 4, error: "" });
    } finally {
      ctx.config.messaging.sendRates = rates;
    }

    // Run again (a worker that died after the outcome): one read, nothing sent twice.
    assert.deepEqual(await runAs("req-again", { id: claim.id, attempts: 2 }, payload), {
      statements: 1,
      error: "",
    });
    assert.equal((await mailsTo("three.count@example.org")).length, 1);
  });

  it("retries after a relay's 4xx in the same 3 statements, on the message row the first run made", async () => {
    const filed = await fileDemand({ app, ctx }, { email: "retry.count@example.org" });
    const { claim, payload } = await claimReceipt(filed.id);
    fake.fail(451, 1);
    // The plan's read, the row with its attempt, the attempt's failure (the runner then records the retry).
    const failed = await runAs("req-retry", claim, payload);
    assert.equal(failed.statements, 3);
    assert.match(failed.error, /451/);
    assert.equal(claim.finished, undefined);
    assert.deepEqual(await runAs("req-retry", { ...claim, attempts: 2 }, payload), {
      statements: 3,
      error: "",
    });
    const attempts = await ctx.db.query<{ outcome: string; attempts: number }>(
      `SELECT a.outcome, m.attempts FROM message_attempts a JOIN messages m ON m.id = a.message_id
        WHERE m.outbox_id = $1 ORDER BY a.id`,
      [claim.id],
    );
    assert.deepEqual(attempts, [
      { outcome: "temporary", attempts: 2 },
      { outcome: "sent", attempts: 2 },
    ]);
    assert.equal((await mailsTo("retry.count@example.org")).length, 1);
  });
});
