/**
 * The call planner: how many calls a week follow the block's situation (scores, open and late demands) within each
 * auditor's limit, on different days inside their windows with room for the retries, spread over a shared window,
 * never before the run's lead time, planned once however often it runs, none for whoever may not be called; and
 * the worker's line limit, which makes a try wait for a free line or miss the call when the window ends first.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AuditorWindow, auditorCallsApp, EVERY_DAY } from "../../tests/auditor-calls.ts";
import { fileDemand } from "../../tests/factories.ts";
import { one } from "../db/index.ts";
import { PERIODIC } from "../jobs/registry.ts";
import { runOnce } from "../jobs/runner.ts";
import { enqueueDue } from "../jobs/scheduler.ts";
import { CALL_RETRY_MINUTES, MAX_CALL_ATTEMPTS, placeAuditorCallJob } from "./calls.ts";
import { dispatchAuditorCalls, PLAN_LEAD_MINUTES, planAuditorCallsJob, planAuditorWeek } from "./planner.ts";

const { twilio, app, ctx, db, agent, enrol: enrolAt } = await auditorCallsApp();

await one(
  db,
  `INSERT INTO questionnaires (code, title, service_group_id)
   VALUES ('auditor-planner', '{"pt-BR": "Coleta"}', (SELECT id FROM service_groups ORDER BY id LIMIT 1)) RETURNING id`,
);
const { id: versionId } = await one<{ id: number }>(
  db,
  `INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
   SELECT id, 1, 'published', $1, now() FROM questionnaires WHERE code = 'auditor-planner' RETURNING id`,
  [
    JSON.stringify({
      questions: [{ name: "coleta", type: "yes_no", required: true, label: { "pt-BR": "A coleta passou?" } }],
    }),
  ],
);

/** Blocks no demand of the template is on, each with a point inside it. */
const blocks = await db.query<{ id: number; lat: number; lon: number }>(
  `SELECT b.id, ST_Y(ST_PointOnSurface(b.geom)) AS lat, ST_X(ST_PointOnSurface(b.geom)) AS lon FROM blocks b
    WHERE NOT EXISTS (SELECT 1 FROM demands d WHERE d.block_id = b.id)
      AND NOT EXISTS (SELECT 1 FROM block_scores s WHERE s.block_id = b.id)
    ORDER BY b.id LIMIT 12`,
);
assert.ok(blocks.length >= 11, "the template has blocks to enrol on");
const service = await one<{ id: number }>(db, "SELECT id FROM services ORDER BY id LIMIT 1");

/** A block's situation: one service's score, and late open demands on it. */
async function situation(blockIndex: number, score: number | null, lateDemands = 0): Promise<void> {
  const block = blocks[blockIndex]!;
  if (score !== null)
    await db.query(
      `INSERT INTO block_scores (block_id, service_id, score, components, evidence) VALUES ($1, $2, $3, '{}', 5)`,
      [block.id, service.id, score],
    );
  if (lateDemands > 0) {
    for (let i = 0; i < lateDemands; i++)
      await fileDemand({ app, ctx }, { at: { lat: block.lat, lon: block.lon } });
    // Filed on the block; their deadline passed two days ago.
    const moved = await db.query(
      "UPDATE demands SET due_at = now() - interval '2 days' WHERE block_id = $1 RETURNING id",
      [block.id],
    );
    assert.equal(moved.length, lateDemands, "the demands are on the block");
  }
}

async function enrol(
  blockIndex: number,
  maxCallsPerWeek: number,
  windows: AuditorWindow[] = EVERY_DAY,
): Promise<number> {
  const block = blocks[blockIndex]!;
  return (
    await enrolAt({ point: { lat: block.lat, lon: block.lon }, windows, maxCallsPerWeek, name: "Auditor" })
  ).id;
}

/** The planned calls of an auditor: due and until as instants, and their day and time on the city's wall clock. */
const callsOf = (auditorId: number) =>
  db.query<{
    id: number;
    due_at: Date;
    until_at: Date;
    day: string;
    dow: number;
    due: string;
    until: string;
  }>(
    `SELECT id, due_at, until_at, to_char(city_local_time(due_at), 'YYYY-MM-DD') AS day,
            extract(dow FROM city_local_time(due_at))::int AS dow,
            to_char(city_local_time(due_at), 'HH24:MI') AS due, to_char(city_local_time(until_at), 'HH24:MI') AS until
       FROM auditor_calls WHERE auditor_id = $1 AND state = 'planned' ORDER BY due_at`,
    [auditorId],
  );

const NOW = new Date();
const NEXT_WEEK = new Date(NOW.getTime() + 7 * 86_400_000);
const planNextWeek = () => db.transaction((tx) => planAuditorWeek(tx, NEXT_WEEK, NOW));

// The situations, then the enrolments, then one plan of next week that every test below reads.
await situation(0, 0); // the worst score: need 1
await situation(1, 97); // all is well
await situation(2, null, 6); // no score, six late demands
await situation(3, 0);
await situation(6, 0);
const bad = await enrol(0, 4);
const good = await enrol(1, 4);
const late = await enrol(2, 4);
const capped = await enrol(3, 1);
const tuesday = await enrol(4, 7, [{ weekday: 2, starts: "09:00", ends: "10:00" }]);
const paused = await enrol(5, 7);
const doNotCall = await enrol(5, 7);
await db.query("UPDATE auditors SET state = 'paused' WHERE id = $1", [paused]);
await db.query("UPDATE auditors SET do_not_call = true WHERE id = $1", [doNotCall]);
const sharing = await Promise.all(
  Array.from({ length: 12 }, () => enrol(6, 1, [{ weekday: 3, starts: "10:00", ends: "12:00" }])),
);
const first = await planNextWeek();

describe("the call planner", () => {
  it("plans a week's calls more often where the block is worse, within each auditor's limit", async () => {
    assert.ok(first.planned > 0 && first.auditors > 0, JSON.stringify(first));
    assert.equal((await callsOf(bad)).length, 4, "the worst block: the auditor's limit");
    assert.ok((await callsOf(good)).length <= 1, "a good block: at most one, one week in two on average");
    const byDemands = (await callsOf(late)).length;
    assert.ok(byDemands >= 3 && byDemands <= 4, `six late demands: ${byDemands}`);
    assert.equal((await callsOf(capped)).length, 1, "never more than the auditor's limit");
  });

  it("puts each call on its own day, inside a window, with room for the retries before it ends", async () => {
    const calls = await callsOf(bad);
    assert.equal(new Set(calls.map((c) => c.day)).size, calls.length, "different days");
    const room = (MAX_CALL_ATTEMPTS - 1) * CALL_RETRY_MINUTES * 60_000;
    for (const c of calls) {
      assert.ok(c.due >= "08:00" && c.until === "21:00", `${c.due}–${c.until}`);
      assert.ok(new Date(c.until_at).getTime() - new Date(c.due_at).getTime() >= room);
    }
    const onTuesday = await callsOf(tuesday);
    assert.equal(onTuesday.length, 1, "one window a week: one call, whatever the limit");
    assert.equal(onTuesday[0]!.dow, 2);
    assert.ok(onTuesday[0]!.due >= "09:00" && onTuesday[0]!.due <= "09:30", onTuesday[0]!.due);
    assert.equal(onTuesday[0]!.until, "10:00");
  });

  it("spreads the auditors who share a window over it, a few minutes apart", async () => {
    const times = (await Promise.all(sharing.map(callsOf))).map((calls) => {
      assert.equal(calls.length, 1);
      return new Date(calls[0]!.due_at).getTime();
    });
    times.sort((a, b) => a - b);
    // 12 calls over 90 usable minutes (10:00 to 11:30): 7.5 minutes apart.
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 7 * 60_000, "spread");
    assert.ok(times.at(-1)! - times[0]! >= 80 * 60_000);
  });

  it("plans nobody who may not be called: paused, do-not-call", async () => {
    assert.equal((await callsOf(paused)).length, 0);
    assert.equal((await callsOf(doNotCall)).length, 0);
  });

  it("plans only what the week lacks: a second run plans nothing, a worse block gets more", async () => {
    const again = await planNextWeek();
    assert.equal(again.planned, 0);
    const queuedOf = async (auditorId: number) =>
      (
        await one<{ n: number }>(
          db,
          `SELECT count(*)::int AS n FROM outbox o JOIN auditor_calls c ON c.id = (o.payload->>'callId')::bigint
            WHERE o.job = 'place-auditor-call' AND o.run_at = c.due_at AND c.auditor_id = $1`,
          [auditorId],
        )
      ).n;
    assert.equal(await queuedOf(bad), 0, "nothing is queued a week ahead: the planned calls are the queue");
    // One call's time comes: the dispatcher queues its first try, at its time, once.
    const soon = (await callsOf(bad))[0]!;
    await db.query(
      "UPDATE auditor_calls SET due_at = date_trunc('second', now()) + interval '1 minute' WHERE id = $1",
      [soon.id],
    );
    assert.equal(await dispatchAuditorCalls(ctx), 1);
    assert.equal(await dispatchAuditorCalls(ctx), 0, "queued once");
    assert.equal(await queuedOf(bad), 1);
    assert.ok(PERIODIC.some((p) => p.job === "dispatch-auditor-calls" && p.everySeconds === 60));
    await db.query("UPDATE block_scores SET score = 0 WHERE block_id = $1", [blocks[1]!.id]);
    const before = (await callsOf(good)).length;
    await planNextWeek();
    assert.equal((await callsOf(good)).length, 4, `from ${before} to the limit`);
  });

  it("cancels at once the planned calls of a do-not-call, and those a change of windows leaves outside them", async () => {
    const planned = (await callsOf(late)).length;
    assert.ok(planned > 0);
    const stop = await app.inject({
      method: "PUT",
      url: `/api/v1/auditors/${late}`,
      headers: agent,
      payload: { doNotCall: true },
    });
    assert.equal(stop.statusCode, 200, stop.body);
    assert.equal((await callsOf(late)).length, 0);
    const { n } = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM auditor_calls WHERE auditor_id = $1 AND state = 'cancelled' AND last_outcome = 'not_callable'",
      [late],
    );
    assert.equal(n, planned);
    assert.equal((await planNextWeek()).planned >= 0, true);
    assert.equal((await callsOf(late)).length, 0, "not planned again");

    const moved = await app.inject({
      method: "PUT",
      url: `/api/v1/auditors/${tuesday}`,
      headers: agent,
      payload: { windows: [{ weekday: 4, starts: "15:00", ends: "17:00" }] },
    });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal((await callsOf(tuesday)).length, 0, "Tuesday's call is outside the new window");
    await planNextWeek();
    const thursday = await callsOf(tuesday);
    assert.equal(thursday.length, 1, "planned again in the new window");
    assert.equal(thursday[0]!.dow, 4);
  });

  it("plans this week only from the lead time on", async () => {
    const fresh = await enrol(7, 7);
    await db.transaction((tx) => planAuditorWeek(tx, NOW, NOW));
    for (const c of await callsOf(fresh))
      assert.ok(new Date(c.due_at).getTime() >= NOW.getTime() + PLAN_LEAD_MINUTES * 60_000 - 1000);
  });

  it("runs hourly from the scheduler, and plans nothing where no call can be placed", async () => {
    assert.ok(PERIODIC.some((p) => p.job === "plan-auditor-calls"));
    await db.query("DELETE FROM outbox WHERE job = 'plan-auditor-calls'");
    assert.ok(
      (await enqueueDue(
        db,
        PERIODIC.filter((p) => p.job === "plan-auditor-calls"),
      )) === 1,
    );
    const fresh = await enrol(8, 7);
    const account = ctx.config.auditorCalls;
    ctx.config.auditorCalls = undefined;
    await runOnce(ctx, [planAuditorCallsJob]);
    assert.equal((await callsOf(fresh)).length, 0, "no telephony: nothing planned");
    ctx.config.auditorCalls = account;
    await db.query("UPDATE outbox SET state = 'pending', run_at = now() WHERE job = 'plan-auditor-calls'");
    await runOnce(ctx, [planAuditorCallsJob]);
    assert.ok((await callsOf(fresh)).length >= 1, "this week and the next planned");
  });
});

describe("the line's limit", () => {
  it("makes a try wait for a free line, and misses the call when its window ends first", async () => {
    const account = ctx.config.auditorCalls!;
    account.concurrent = 1;
    const [one1, two] = [await enrol(9, 7), await enrol(10, 7)];
    const due = await db.query<{ id: number }>(
      `INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at)
       SELECT a, $3, now(), now() + interval '2 hours' FROM unnest(ARRAY[$1, $2]::bigint[]) a RETURNING id`,
      [one1, two, versionId],
    );
    const [firstCall, secondCall] = due.map((r) => Number(r.id));
    await db.query(
      `INSERT INTO outbox (job, payload) SELECT 'place-auditor-call', jsonb_build_object('callId', c)
         FROM unnest(ARRAY[$1, $2]::bigint[]) c`,
      [firstCall, secondCall],
    );
    const before = twilio.calls.length;
    await runOnce(ctx, [placeAuditorCallJob]);
    await runOnce(ctx, [placeAuditorCallJob]);
    assert.equal(twilio.calls.length, before + 1, "one line: one call at a time");
    const waiting = await one<{ state: string; due_at: Date; attempts: number }>(
      db,
      "SELECT state, due_at, attempts FROM auditor_calls WHERE id = $1",
      [secondCall],
    );
    assert.equal(waiting.state, "planned");
    assert.equal(waiting.attempts, 0, "a wait is not a try");
    assert.ok(new Date(waiting.due_at).getTime() > Date.now() + 30_000, "due again in a minute");

    // Its window ends before a line is free: missed, lines_busy.
    await db.query(
      "UPDATE auditor_calls SET due_at = now(), until_at = now() + interval '30 seconds' WHERE id = $1",
      [secondCall],
    );
    await db.query(
      "UPDATE outbox SET run_at = now() WHERE job = 'place-auditor-call' AND state = 'pending' AND (payload->>'callId')::bigint = $1",
      [secondCall],
    );
    await runOnce(ctx, [placeAuditorCallJob]);
    const missed = await one<{ state: string; last_outcome: string }>(
      db,
      "SELECT state, last_outcome FROM auditor_calls WHERE id = $1",
      [secondCall],
    );
    assert.deepEqual({ ...missed }, { state: "missed", last_outcome: "lines_busy" });
    assert.equal(twilio.calls.length, before + 1);
    account.concurrent = 10;
  });
});
