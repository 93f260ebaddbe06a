/**
 * Typed enqueue: every registered job takes the payload schema payloads.ts names for it, a payload that does not
 * match fails before a row is written, and a typo'd job name does not compile.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDb } from "../../tests/helpers.ts";
import { enqueue, enqueueMany } from "./enqueue.ts";
import { JOB_PAYLOADS, SlotPayload } from "./payloads.ts";
import { JOBS, PERIODIC } from "./registry.ts";

const db = await testDb();
const count = async () =>
  Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox"))[0]!.n);

describe("the job catalogue", () => {
  it("names the schema every registered job parses its rows with, and no job that is not registered", () => {
    for (const job of JOBS) {
      assert.equal(job.payload, JOB_PAYLOADS[job.name as keyof typeof JOB_PAYLOADS], job.name);
    }
    assert.deepEqual(Object.keys(JOB_PAYLOADS).sort(), JOBS.map((j) => j.name).sort());
  });

  it("gives every periodic job its time slot as payload", () => {
    for (const p of PERIODIC) assert.equal(JOB_PAYLOADS[p.job], SlotPayload, p.job);
  });
});

describe("enqueue", () => {
  it("writes the parsed payload, and once per dedupe key", async () => {
    await db.transaction(async (tx) => {
      const id = await enqueue(tx, "route-demand", { demandId: 7 }, { dedupeKey: "h8-enqueue-test" });
      assert.ok(id);
      assert.equal(
        await enqueue(tx, "route-demand", { demandId: 7 }, { dedupeKey: "h8-enqueue-test" }),
        null,
      );
      const [row] = await tx.query<{ job: string; payload: unknown }>(
        "SELECT job, payload FROM outbox WHERE id = $1",
        [id],
      );
      assert.deepEqual(row, { job: "route-demand", payload: { demandId: 7 } });
    });
  });

  it("answers the ids of many rows in the payloads' order, each with its delay", async () => {
    const ids = await db.transaction((tx) =>
      enqueueMany(tx, "deliver-webhook", [{ deliveryId: 3 }, { deliveryId: 1 }, { deliveryId: 2 }], {
        delayMinutes: 5,
      }),
    );
    const rows = await db.query<{ id: number; payload: { deliveryId: number }; later: boolean }>(
      "SELECT id, payload, run_at > now() + interval '4 minutes' AS later FROM outbox WHERE id = ANY($1::bigint[])",
      [ids],
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    assert.deepEqual(
      ids.map((id) => byId.get(id)!.payload.deliveryId),
      [3, 1, 2],
    );
    assert.ok(rows.every((r) => r.later));
  });

  it("refuses a payload its job's schema rejects, before any row is written", async () => {
    const before = await count();
    await assert.rejects(
      db.transaction((tx) =>
        // @ts-expect-error: the demand id is a number, and the compiler says so too.
        enqueue(tx, "route-demand", { demandId: "7" }),
      ),
      /enqueue route-demand: invalid payload/,
    );
    await assert.rejects(
      db.transaction((tx) => enqueue(tx, "send-message", { demandId: 1, template: "demand.answered" })),
      /needs data\.answer/,
    );
    assert.equal(await count(), before);
  });

  it("does not compile a job name this release does not know", () => {
    // Only the type matters here: the call is never run.
    const typo = (tx: Parameters<typeof enqueue>[0]) =>
      // @ts-expect-error: "send-mesage" is not a job.
      enqueue(tx, "send-mesage", { demandId: 1 });
    assert.equal(typeof typo, "function");
  });
});
