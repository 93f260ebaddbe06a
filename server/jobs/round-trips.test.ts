/**
 * How many statements the outbox's two busiest jobs send to the database (decision 0043): a statement's round trip
 * is most of its cost, so these counts are the drain's budget. Counted, not timed: a wrapper of the Db counts every
 * statement, and BEGIN and COMMIT of each transaction. A change that adds a statement to these paths fails here and
 * says so; raise the bound only with a reason in docs/decisions/0043.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drain, fileDemand, testAppWithMail } from "../../tests/factories.ts";
import { counting } from "../../tests/statements.ts";
import { channelsOf, sendMessage } from "../notifications/jobs.ts";
import { routeDemand } from "../triage/routing.ts";
import { claimDue } from "./leases.ts";

const { app, ctx, mailsTo } = await testAppWithMail();

describe("statements per job", () => {
  it("routes a dispatched demand in at most 13 statements and sends a message in 3", async () => {
    // A first demand, routed and told, warms this process's caches (calendar, alarm rules, the suggester's index)
    // and makes the consent links' key (once per database).
    await fileDemand({ app, ctx }, { email: "warm.round@example.org" });
    await drain(ctx);
    const filed = await fileDemand({ app, ctx }, { email: "count.round@example.org" });
    const counter = counting(ctx.db);
    assert.equal(await routeDemand(ctx.db, filed.id), "dispatched");
    // 12 (one before the transaction), and one more when the suggester's catalogue version is read again (at most
    // every 250 ms).
    const routing = counter.count();
    assert.ok(routing <= 13, `routing took ${routing} statements`);

    // The receipt queued at intake and "sent to the department" queued by the routing.
    counter.stop();
    const rows = (await claimDue(ctx.db, ["send-message"], 10)).filter(
      (r) => (r.payload as { demandId: number }).demandId === filed.id,
    );
    assert.equal(rows.length, 2);
    const again = counting(ctx.db);
    for (const row of rows) {
      // The tenant's providers are read at most every few seconds: read now, so the count never holds that read.
      await channelsOf(ctx);
      again.reset();
      await sendMessage.run(ctx, sendMessage.payload.parse(row.payload), {
        id: row.id,
        attempts: row.attempts,
        lease: row.lease,
      });
      // The plan's read, the message row with its first attempt, the delivery with its event and the row done: one
      // statement each, no BEGIN or COMMIT (server/notifications/round-trips.test.ts, under a request id too).
      assert.equal(again.count(), 3, `message ${(row.payload as { template: string }).template}`);
    }
    again.stop();
    assert.equal((await mailsTo("count.round@example.org")).length, 2);
  });
});
