/**
 * Typed enqueue: every registered job takes the payload schema payloads.ts names for it, a payload that does not
 * match fails before a row is written, and a typo'd job name does not compile.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { factoriesFor } from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";
import { enqueue, enqueueMany, enqueueSql, sqlLiteral, sqlValue } from "./enqueue.ts";
import { JOB_PAYLOADS, type JobName, SlotPayload } from "./payloads.ts";
import { JOBS, PERIODIC } from "./registry.ts";

const world = await testApp();
const db = world.ctx.db;
const { fileDemand } = factoriesFor(world);
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

describe("enqueueSql", () => {
  it("writes the rows of a larger statement, each field from its expression", async () => {
    const insert = enqueueSql(
      "send-message",
      {
        demandId: sqlValue<number>("d.id"),
        citizenId: sqlValue<number | null>("NULL::bigint"),
        template: sqlLiteral("demand.received"),
        channel: sqlValue<string>("$1::text"),
      },
      "d",
      "d.id > 1",
    );
    const rows = await db.query<{ job: string; payload: unknown }>(
      `WITH d AS (SELECT unnest(ARRAY[1, 2, 3]::bigint[]) AS id) ${insert} RETURNING job, payload`,
      ["it's web"],
    );
    assert.deepEqual(
      rows.map((r) => r.payload),
      [2, 3].map((demandId) => ({
        demandId,
        citizenId: null,
        template: "demand.received",
        channel: "it's web",
      })),
    );
    for (const r of rows) JOB_PAYLOADS["send-message"].parse(r.payload);
  });

  it("does not compile a field the job does not take, a missing one, or one of another type", () => {
    // Only the types matter here: the statements are never run.
    const id = sqlValue<number>("d.id");
    const citizenId = sqlValue<number>("1");
    const typo = sqlLiteral("demand.recieved");
    const wrong = [
      // @ts-expect-error: route-demand takes no citizenId.
      enqueueSql("route-demand", { demandId: id, citizenId }, "d"),
      // @ts-expect-error: the demand id is required.
      enqueueSql("route-demand", {}, "d"),
      // @ts-expect-error: a text is not a demand id.
      enqueueSql("route-demand", { demandId: sqlValue<string>("d.protocol") }, "d"),
      // @ts-expect-error: there is no such template.
      enqueueSql("send-message", { demandId: id, template: typo }, "d"),
    ];
    assert.equal(wrong.length, 4);
  });

  it("queues intake's work with payloads its jobs parse", async () => {
    const { id } = await fileDemand({ email: "h13-enqueue@example.org" });
    const rows = await db.query<{ job: JobName; payload: unknown }>(
      "SELECT job, payload FROM outbox WHERE payload->>'demandId' = $1 ORDER BY job",
      [String(id)],
    );
    assert.deepEqual(
      rows.map((r) => r.job),
      ["route-demand", "send-message"],
    );
    for (const r of rows) {
      const parsed = JOB_PAYLOADS[r.job].safeParse(r.payload);
      assert.ok(parsed.success, `${r.job}: ${JSON.stringify(r.payload)}`);
    }
    const [demand] = await db.query<{ citizen_id: number }>("SELECT citizen_id FROM demands WHERE id = $1", [
      id,
    ]);
    assert.ok(demand?.citizen_id);
    assert.deepEqual(rows[1]!.payload, {
      demandId: id,
      citizenId: demand.citizen_id,
      template: "demand.received",
      channel: "web",
    });
  });
});

describe("the outbox", () => {
  it("is written by no source file outside server/jobs/ by hand: work is queued with enqueue", () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const hand = /\binsert\s+into\s+outbox\b/i;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== "node_modules") walk(path);
        } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts")) {
          if (hand.test(readFileSync(path, "utf8"))) offenders.push(relative(root, path));
        }
      }
    };
    for (const top of ["server", "channels", "domain", "web", "bench", "scripts", "tests"])
      walk(join(root, top));
    // Tests may still place rows in states enqueue never writes (dead, done); only server/jobs/ queues by hand.
    assert.deepEqual(
      offenders.filter((f) => !f.startsWith("server/jobs/")),
      [],
    );
    // The check sees what it looks for: enqueue itself is found.
    assert.ok(offenders.includes("server/jobs/enqueue.ts"), offenders.join(", "));
  });
});
