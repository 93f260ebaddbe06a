import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { testConfig, testDb } from "../../tests/helpers.ts";
import type { AppContext } from "../context.ts";
import { currentRequestId } from "../observability/context.ts";
import { claimDue, LEASE_SECONDS, renewLeases } from "./leases.ts";
import { purgeExpired } from "./registry.ts";
import { finishIn, type Job, runOnce, startWorker } from "./runner.ts";
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

  it("ends a row done in the job's own last transaction, and not when that transaction rolls back", async () => {
    let fail = true;
    const job: Job = {
      name: "test-finish-in",
      payload: z.object({}),
      maxAttempts: 3,
      run: (c, _p, claim) =>
        c.db.transaction(async (tx) => {
          await tx.query("UPDATE outbox SET last_error = 'work written' WHERE id = $1", [claim!.id]);
          await finishIn(tx, claim);
          if (fail) throw new Error("the work's commit failed");
        }),
    };
    const [row] = await enqueue("test-finish-in");
    await runOnce(ctx, [job]);
    const retried = await rowOf(row!.id);
    assert.equal(retried.state, "pending", "a rolled-back finish leaves the row to run again");
    assert.equal(retried.last_error, "the work's commit failed");
    fail = false;
    await db.query("UPDATE outbox SET run_at = now() WHERE id = $1", [row!.id]);
    await runOnce(ctx, [job]);
    const [done] = await db.query<{ state: string; last_error: string; lease_id: string | null }>(
      "SELECT state, last_error, lease_id FROM outbox WHERE id = $1",
      [row!.id],
    );
    assert.deepEqual(done, { state: "done", last_error: "work written", lease_id: null });
    // A row whose lease another worker took meanwhile is not ended by the old holder.
    const [other] = await enqueue("test-finish-in");
    const [claimed] = await claimDue(db, ["test-finish-in"], 1);
    await db.transaction((tx) => finishIn(tx, { id: other!.id, attempts: 1, lease: crypto.randomUUID() }));
    assert.equal(claimed?.id, other!.id);
    assert.equal((await rowOf(other!.id)).state, "running");
  });

  it("runs up to its concurrency of jobs at once, never more", async () => {
    for (let i = 0; i < 9; i++) await enqueue("test-wide", { n: i });
    let inFlight = 0;
    let most = 0;
    const wide: Job = {
      name: "test-wide",
      payload: z.object({ n: z.number() }),
      maxAttempts: 3,
      run: async () => {
        most = Math.max(most, ++inFlight);
        await sleep(200);
        inFlight--;
      },
    };
    const started = Date.now();
    const worker = startWorker(ctx, [wide], 20, { concurrency: 3 });
    while ((await db.query("SELECT 1 FROM outbox WHERE job = 'test-wide' AND state <> 'done'")).length > 0)
      await sleep(20);
    await worker.stop();
    assert.equal(most, 3);
    assert.ok(Date.now() - started < 9 * 200, "faster than one at a time");
  });

  it("runs the jobs of one demand one after another, in the order they were written", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await enqueue("test-order", { demandId: 424242, n: i }))[0]!.id);
    for (let i = 0; i < 4; i++) await enqueue("test-order", { demandId: 424300 + i, n: i });
    const log: string[] = [];
    const ordered: Job = {
      name: "test-order",
      payload: z.object({ demandId: z.number(), n: z.number() }),
      maxAttempts: 3,
      run: async (_c, p, claim) => {
        const mine = (p as { demandId: number }).demandId === 424242;
        if (mine) log.push(`start ${claim!.id}`);
        await sleep(mine ? 60 - (p as { n: number }).n * 15 : 10); // later rows are quicker: order must be kept
        if (mine) log.push(`end ${claim!.id}`);
      },
    };
    assert.equal(await runOnce(ctx, [ordered], { concurrency: 8 }), 8);
    assert.deepEqual(
      log,
      ids.flatMap((id) => [`start ${id}`, `end ${id}`]),
    );
  });

  it("runs each job under the request id that queued it, or the job's own", async () => {
    const seen: Array<string | undefined> = [];
    const traced: Job = {
      name: "test-traced",
      payload: z.object({}),
      maxAttempts: 1,
      run: async () => void seen.push(currentRequestId()),
    };
    await db.query("INSERT INTO outbox (job, payload, request_id) VALUES ('test-traced', '{}', 'req-7f3a')");
    const [plain] = await db.query<{ id: number }>(
      "INSERT INTO outbox (job, payload, request_id) VALUES ('test-traced', '{}', NULL) RETURNING id",
    );
    await runOnce(ctx, [traced]);
    assert.deepEqual(seen, ["req-7f3a", `job-${plain!.id}`]);
  });

  it("gives back at once, on stop, the rows it holds but has not started", async () => {
    // Three jobs of one demand: the first runs, the other two wait for it in this worker's lanes.
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await enqueue("test-stop", { demandId: 515151 }))[0]!.id);
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const gated: Job = {
      name: "test-stop",
      payload: z.object({ demandId: z.number() }),
      maxAttempts: 3,
      run: async () => {
        started++;
        await gate;
      },
    };
    const worker = startWorker(ctx, [gated], 20, { concurrency: 4, stopGraceMs: 5_000 });
    while (started === 0) await sleep(10);
    const stopping = worker.stop();
    await sleep(200);
    // While the first still runs, the two waiting rows are back in the queue, unleased, their attempt returned.
    for (const id of ids.slice(1)) {
      const row = await rowOf(id);
      assert.equal(row.state, "pending");
      assert.equal(row.attempts, 0);
    }
    const again = await claimDue(db, ["test-stop"], 5, 30);
    assert.deepEqual(
      again.map((r) => r.id).sort(),
      ids.slice(1).sort(),
      "another worker takes them with no lease to wait for",
    );
    release();
    await stopping;
    assert.equal(started, 1);
    assert.equal((await rowOf(ids[0]!)).state, "done", "the running job was let finish");
  });

  it("gives back a job still running when the stop's grace runs out", async () => {
    const [row] = await enqueue("test-stuck");
    let started = false;
    const stuck: Job = {
      name: "test-stuck",
      payload: z.object({}),
      maxAttempts: 3,
      run: async () => {
        started = true;
        await sleep(3000);
      },
    };
    const worker = startWorker(ctx, [stuck], 20, { concurrency: 2, stopGraceMs: 300 });
    while (!started) await sleep(10);
    const before = Date.now();
    await worker.stop();
    assert.ok(Date.now() - before < 2000, "stop is bounded");
    const back = await db.query<{ state: string; lease_id: string | null; attempts: number }>(
      "SELECT state, lease_id, attempts FROM outbox WHERE id = $1",
      [row!.id],
    );
    assert.deepEqual(back[0], { state: "pending", lease_id: null, attempts: 1 });
    await sleep(3000); // the abandoned run ends: its outcome names a lease it no longer holds
    assert.equal((await rowOf(row!.id)).state, "pending");
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
    const periodic = [{ job: "purge-expired", everySeconds: 3600 }] as const;
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
