import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { testConfig, testDb } from "../../tests/helpers.ts";
import type { AppContext } from "../context.ts";
import { purgeExpired } from "./registry.ts";
import { claimDue, type Job, LEASE_SECONDS, renewLeases, runOnce } from "./runner.ts";
import { enqueueDue } from "./scheduler.ts";

const db = await testDb();
const ctx: AppContext = { db, config: testConfig() };

const enqueue = (job: string, payload: unknown = {}) =>
  db.query<{ id: number }>("INSERT INTO outbox (job, payload) VALUES ($1, $2) RETURNING id", [
    job,
    JSON.stringify(payload),
  ]);
const rowOf = async (id: number) =>
  (
    await db.query<{ state: string; attempts: number; last_error: string | null; run_at: Date }>(
      "SELECT state, attempts, last_error, run_at FROM outbox WHERE id = $1",
      [id],
    )
  )[0]!;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("job runner", () => {
  it("never hands the same row to two concurrent claimers", async () => {
    for (let i = 0; i < 30; i++) await enqueue("test-claim");
    const [a, b, c] = await Promise.all([
      claimDue(db, ["test-claim"], 12),
      claimDue(db, ["test-claim"], 12),
      claimDue(db, ["test-claim"], 12),
    ]);
    const ids = [...a!, ...b!, ...c!].map((r) => r.id);
    assert.equal(ids.length, 30);
    assert.equal(new Set(ids).size, 30);
    assert.deepEqual(await claimDue(db, ["test-claim"], 12), [], "leased rows are not taken again");
  });

  it("takes a row again when the lease of a dead worker ran out", async () => {
    const [row] = await enqueue("test-lease");
    await claimDue(db, ["test-lease"], 1);
    await db.query("UPDATE outbox SET locked_until = now() - interval '1 second' WHERE id = $1", [row!.id]);
    const again = await claimDue(db, ["test-lease"], 1);
    assert.equal(again[0]?.id, row!.id);
    assert.equal(again[0]?.attempts, 2);
  });

  it("leases a claim for seconds, not minutes", async () => {
    const [row] = await enqueue("test-short-lease");
    await claimDue(db, ["test-short-lease"], 1);
    const [lease] = await db.query<{ seconds: number }>(
      "SELECT extract(epoch FROM locked_until - now())::float8 AS seconds FROM outbox WHERE id = $1",
      [row!.id],
    );
    assert.ok(LEASE_SECONDS <= 30, "a dead worker's rows wait at most 30 s");
    assert.ok(lease!.seconds > 0 && lease!.seconds <= LEASE_SECONDS, `lease of ${lease!.seconds} s`);
  });

  it("takes the rows of a worker that stopped heartbeating once its short lease runs out", async () => {
    const rows = [(await enqueue("test-heartbeat"))[0]!.id, (await enqueue("test-heartbeat"))[0]!.id];
    const dead = await claimDue(db, ["test-heartbeat"], 5, 1); // then killed: no heartbeat renews these
    assert.equal(dead.length, 2);
    assert.deepEqual(await claimDue(db, ["test-heartbeat"], 5, 1), [], "held while the lease runs");
    await sleep(1300);
    const taken = await claimDue(db, ["test-heartbeat"], 5, 30);
    assert.deepEqual(taken.map((r) => r.id).sort(), rows.sort());
    assert.ok(taken.every((r) => r.attempts === 2));
    assert.equal((await renewLeases(db, dead, 30)).size, 0, "the old leases renew nothing");
    assert.equal((await renewLeases(db, taken, 30)).size, 2, "the new holder's leases renew");
  });

  it("keeps a slow job's row leased by the heartbeat, so no other worker claims it while it runs", async () => {
    const [row] = await enqueue("test-slow");
    let runs = 0;
    let markRunning = () => {};
    const running = new Promise<void>((resolve) => {
      markRunning = resolve;
    });
    const slow: Job = {
      name: "test-slow",
      payload: z.object({}),
      maxAttempts: 3,
      run: async () => {
        runs++;
        markRunning();
        await sleep(3000); // three leases long
      },
    };
    const worker = runOnce(ctx, [slow], { leaseSeconds: 1, heartbeatMs: 250 });
    await running; // the second worker starts polling once the first holds the row
    const stolen: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 3200) {
      stolen.push(...(await claimDue(db, ["test-slow"], 5, 1)).map((r) => r.id));
      await sleep(100);
    }
    assert.equal(await worker, 1);
    assert.deepEqual(stolen, [], "never claimed by a second worker");
    assert.equal(runs, 1);
    const done = await rowOf(row!.id);
    assert.equal(done.state, "done");
    assert.equal(done.attempts, 1);
  });

  it("starts no row and overwrites no outcome once a stalled worker's rows were taken by another", async () => {
    const first = (await enqueue("test-stall", { n: 1 }))[0]!.id;
    const second = (await enqueue("test-stall", { n: 2 }))[0]!.id;
    const ran: number[] = [];
    let taken: number[] = [];
    const stalling: Job = {
      name: "test-stall",
      payload: z.object({ n: z.number() }),
      maxAttempts: 3,
      run: async (_c, p) => {
        ran.push((p as { n: number }).n);
        // The heartbeat never beats in time: both leases run out and another worker takes both rows.
        await sleep(1300);
        taken = (await claimDue(db, ["test-stall"], 5, 30)).map((r) => r.id);
      },
    };
    await runOnce(ctx, [stalling], { leaseSeconds: 1, heartbeatMs: 60_000 });
    assert.deepEqual(taken.sort(), [first, second].sort());
    assert.equal(ran.length, 1, "the row still waiting in the batch is left to its new holder");
    for (const id of [first, second]) assert.equal((await rowOf(id)).state, "running", "the new holder's");
  });

  it("runs a job once, retries a failure with backoff, and parks it as dead after its attempts", async () => {
    const seen: number[] = [];
    const ok: Job = {
      name: "test-ok",
      payload: z.object({ n: z.number() }),
      maxAttempts: 3,
      run: async (_c, p) => void seen.push((p as { n: number }).n),
    };
    const failing: Job = {
      name: "test-fail",
      payload: z.object({}),
      maxAttempts: 2,
      run: async () => {
        throw new Error("provider down");
      },
    };
    const [good] = await enqueue("test-ok", { n: 7 });
    const [bad] = await enqueue("test-fail");
    await runOnce(ctx, [ok, failing]);
    assert.deepEqual(seen, [7]);
    assert.equal((await rowOf(good!.id)).state, "done");
    const retried = await rowOf(bad!.id);
    assert.equal(retried.state, "pending");
    assert.equal(retried.last_error, "provider down");
    assert.ok(retried.run_at.getTime() > Date.now() + 10_000, "backs off before the next attempt");
    await runOnce(ctx, [ok, failing]);
    assert.equal((await rowOf(bad!.id)).attempts, 1, "not retried before its time");
    await db.query("UPDATE outbox SET run_at = now() WHERE id = $1", [bad!.id]);
    await runOnce(ctx, [ok, failing]);
    assert.equal((await rowOf(bad!.id)).state, "dead");
    await runOnce(ctx, [ok, failing]);
    assert.deepEqual(seen, [7], "a done job never runs twice");
  });

  it("leaves rows of jobs it does not know untouched", async () => {
    const [row] = await enqueue("route-demand", { demandId: 1 });
    await runOnce(ctx, [purgeExpired]);
    assert.equal((await rowOf(row!.id)).state, "pending");
  });
});

describe("scheduler", () => {
  it("enqueues a periodic job once per slot, however many schedulers tick", async () => {
    const now = new Date("2026-03-02T10:15:00Z");
    const periodic = [{ job: "purge-expired", everySeconds: 3600 }];
    const written = await Promise.all([enqueueDue(db, periodic, now), enqueueDue(db, periodic, now)]);
    assert.equal(written[0]! + written[1]!, 1);
    assert.equal(await enqueueDue(db, periodic, new Date("2026-03-02T10:59:59Z")), 0);
    assert.equal(await enqueueDue(db, periodic, new Date("2026-03-02T11:00:00Z")), 1);
  });

  it("purges done work a month old, including the send-message rows that messages remember", async () => {
    const [old] = await db.query<{ id: number }>(
      `INSERT INTO outbox (job, payload, state, done_at) VALUES ('send-message', '{}', 'done', now() - interval '31 days')
       RETURNING id`,
    );
    const [recent] = await db.query<{ id: number }>(
      "INSERT INTO outbox (job, payload, state, done_at) VALUES ('send-message', '{}', 'done', now()) RETURNING id",
    );
    for (const row of [old!, recent!])
      await db.query(
        "INSERT INTO messages (outbox_id, template, locale, state) VALUES ($1, 'demand.received', 'pt-BR', 'sent')",
        [row.id],
      );
    await purgeExpired.run(ctx, { slot: "x" });
    const left = await db.query<{ id: number }>("SELECT id FROM outbox WHERE id = ANY($1::bigint[])", [
      [old!.id, recent!.id],
    ]);
    assert.deepEqual(
      left.map((r) => r.id),
      [recent!.id],
    );
    const messages = await db.query("SELECT 1 FROM messages WHERE outbox_id = ANY($1::bigint[])", [
      [old!.id, recent!.id],
    ]);
    assert.equal(messages.length, 2, "the messages stay, as history");
  });

  it("purges expired sessions and stale idempotency records", async () => {
    await db.query(
      "INSERT INTO idempotency_keys (scope, key, fingerprint, response_status, response_body, created_at) VALUES ('t', 'old', 'f', 201, '{}', now() - interval '2 days'), ('t', 'new', 'f', 201, '{}', now())",
    );
    await purgeExpired.run(ctx, { slot: "x" });
    const keys = await db.query<{ key: string }>("SELECT key FROM idempotency_keys WHERE scope = 't'");
    assert.deepEqual(
      keys.map((k) => k.key),
      ["new"],
    );
  });
});
