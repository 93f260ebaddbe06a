/**
 * The call planner (issue 18, docs/auditors.md "The planner"): once an hour it plans the calls of the city's week
 * (Monday to Sunday on the city's wall clock) and the next, for every auditor who may be called by voice, in one
 * statement per week. How many calls a week an auditor gets follows their block's situation: the worst of its quality
 * scores and its open and late demands make a need from 0 (all is well) to 1 (bad); the rate goes from one call every
 * two weeks (need 0) up to the auditor's own limit (need 1), never more than `max_calls_per_week`. The calls fall on
 * different days, inside the auditor's windows, spread evenly over each window among the auditors who share it (so
 * the line carries few calls at once), each leaving room for the retries before the window ends. A run plans only what
 * a week still lacks: run twice, it plans nothing the second time. The planned calls are the queue themselves: every
 * minute the dispatcher (`dispatch-auditor-calls`) queues the first try of those due within the next two minutes,
 * each at its own time, claiming them with FOR UPDATE SKIP LOCKED so two workers never queue one twice.
 */

import { NOT_OPEN } from "../block-scores/refresh.ts";
import type { AppContext } from "../context.ts";
import { one, type Sql } from "../db/index.ts";
import { enqueueSql, sqlValue } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { logger } from "../observability/log.ts";
import { CALL_RETRY_MINUTES, CALLABLE, callableVersion, MAX_CALL_ATTEMPTS, PLACE_CALL_JOB } from "./calls.ts";

const log = logger("auditor-planner");

export const PLAN_JOB = "plan-auditor-calls";
/** How often the scheduler runs the planner (it plans this week and the next each time). */
export const PLAN_EVERY_SECONDS = 3600;
/** The least a call is planned ahead of the run, so the worker is never asked for a call already late. */
export const PLAN_LEAD_MINUTES = 5;
/** A block with no score and no demand: its need is taken as middling (nothing known yet is worth asking). */
export const UNKNOWN_NEED = 0.5;
/** Open demands (a late one counting twice) at which the demands' need is one half. */
export const DEMANDS_HALF = 3;

/** What one week's run did. */
export interface WeekPlan {
  /** The week's first instant (Monday 00:00 on the city's wall clock). */
  weekStart: Date;
  /** Calls planned by this run. */
  planned: number;
  /** Auditors this run planned at least one call for. */
  auditors: number;
  /** Why nothing was planned, when nothing could be. */
  skipped?: "no_voice_questionnaire";
}

// $1 an instant of the week, $2 the earliest a call may be due, $3 the version, $4 the statuses not open,
// $5 the room each call keeps before its window ends for its retries (seconds), $6 unknown need, $7 demands half,
// $8 this part and $9 the parts (the auditors whose id % $9 = $8).
const PLAN_SQL = `
WITH zone AS (
  SELECT coalesce((SELECT time_zone FROM calendar_settings WHERE id), 'America/Sao_Paulo') AS tz),
week AS (
  SELECT date_trunc('week', $1::timestamptz AT TIME ZONE zone.tz) AS local_start, zone.tz,
         to_char(date_trunc('week', $1::timestamptz AT TIME ZONE zone.tz), 'IYYY-IW') AS tag
    FROM zone),
bounds AS (
  SELECT week.*, week.local_start AT TIME ZONE week.tz AS starts_at,
         (week.local_start + interval '7 days') AT TIME ZONE week.tz AS ends_at
    FROM week),
callable AS (
  SELECT a.id, a.block_id, a.max_calls_per_week FROM auditors a WHERE ${CALLABLE} AND a.id % $9::int = $8::int),
blocks_of AS (SELECT DISTINCT block_id FROM callable),
scored AS (
  SELECT s.block_id, min(s.score) AS worst FROM block_scores s JOIN blocks_of USING (block_id) GROUP BY s.block_id),
demanded AS (
  SELECT d.block_id, count(*) AS open,
         count(*) FILTER (WHERE d.due_at < now() AND d.paused_at IS NULL) AS late
    FROM demands d JOIN blocks_of USING (block_id)
   WHERE d.status <> ALL($4::text[]) GROUP BY d.block_id),
need AS (
  SELECT b.block_id,
         CASE WHEN sc.worst IS NULL AND dm.open IS NULL THEN $6::float8
              ELSE greatest(coalesce(1 - sc.worst / 100.0, 0),
                            coalesce((dm.open + dm.late)::float8 / (dm.open + dm.late + $7::float8), 0)) END AS need
    FROM blocks_of b LEFT JOIN scored sc USING (block_id) LEFT JOIN demanded dm USING (block_id)),
made AS (
  SELECT c.auditor_id, count(*) AS n, array_agg(DISTINCT (c.due_at AT TIME ZONE bounds.tz)::date) AS days
    FROM auditor_calls c CROSS JOIN bounds
   WHERE c.due_at >= bounds.starts_at AND c.due_at < bounds.ends_at AND c.state <> 'cancelled'
   GROUP BY c.auditor_id),
wanted AS (
  SELECT c.id, c.max_calls_per_week AS cap, coalesce(m.n, 0) AS made, coalesce(m.days, '{}') AS days,
         -- The week's rate: floor, plus one more with the fraction's chance (drawn from the auditor and the week,
         -- so that every run of the week draws the same).
         0.5 + n.need * (c.max_calls_per_week - 0.5) AS rate,
         (hashtext(c.id::text || '@' || bounds.tag)::float8 + 2147483648) / 4294967296 AS draw
    FROM callable c JOIN need n USING (block_id) CROSS JOIN bounds LEFT JOIN made m ON m.auditor_id = c.id),
todo AS (
  SELECT w.id, least(w.cap, floor(w.rate)::int + (w.draw < w.rate - floor(w.rate))::int) - w.made AS more, w.days
    FROM wanted w),
openings AS (
  -- Each window falls on one day of the week (Monday first): no calendar is generated.
  SELECT t.id AS auditor_id, t.more, d.day, w.weekday, w.starts, o.opens, o.closes,
         greatest(o.opens, $2::timestamptz) AS first_at,
         o.closes - make_interval(secs => $5::float8) AS last_at
    FROM todo t
    JOIN auditor_windows w ON w.auditor_id = t.id
    CROSS JOIN bounds
    CROSS JOIN LATERAL (SELECT (bounds.local_start + make_interval(days => (w.weekday + 6) % 7))::date AS day) d
    CROSS JOIN LATERAL (SELECT (d.day + w.starts) AT TIME ZONE bounds.tz AS opens,
                               (d.day + w.ends) AT TIME ZONE bounds.tz AS closes) o
   WHERE t.more > 0 AND NOT d.day = ANY(t.days)),
usable AS (
  -- The draws are integer hashes of the auditor and the window (its weekday, its start in minutes).
  SELECT o.*,
         row_number() OVER (PARTITION BY o.auditor_id, o.day
                            ORDER BY hashint8(o.auditor_id * 1440 + (extract(epoch FROM o.starts) / 60)::bigint))
           AS in_day
    FROM openings o WHERE o.last_at > o.first_at),
picked AS (
  SELECT u.*, row_number() OVER (PARTITION BY u.auditor_id
                                 ORDER BY u.in_day, hashint8(u.auditor_id * 16 + u.weekday)) AS pick
    FROM usable u),
chosen AS (
  SELECT p.*, row_number() OVER (PARTITION BY p.first_at, p.last_at ORDER BY hashint8(p.auditor_id * 16 + p.weekday + 8))
           - 1 AS pos,
         count(*) OVER (PARTITION BY p.first_at, p.last_at) AS sharing
    FROM picked p WHERE p.pick <= p.more),
calls AS (
  INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at)
  -- A part's calls fall between the other parts' (pos · parts + part), so the parts together stay evenly spread.
  SELECT c.auditor_id, $3,
         date_trunc('second', c.first_at + (c.last_at - c.first_at)
                                           * ((c.pos * $9::int + $8::int)::float8 / (c.sharing * $9::int))),
         c.closes
    FROM chosen c
  RETURNING id, auditor_id, due_at)
SELECT (SELECT starts_at FROM bounds) AS week_start, (SELECT count(*) FROM calls)::int AS planned,
       (SELECT count(DISTINCT auditor_id) FROM calls)::int AS auditors`;

/**
 * Plans the week that holds `week` (its part from `now` on): the calls it still lacks, with their jobs. Runs in the
 * caller's transaction.
 */
export async function planAuditorWeek(
  tx: Sql,
  week: Date,
  now: Date = new Date(),
  part: { index: number; of: number } = { index: 0, of: 1 },
): Promise<WeekPlan> {
  const version = await callableVersion(tx);
  const earliest = new Date(now.getTime() + PLAN_LEAD_MINUTES * 60_000);
  if (version === undefined) {
    const { week_start } = await one<{ week_start: Date }>(
      tx,
      `SELECT date_trunc('week', city_local_time($1::timestamptz))
                AT TIME ZONE coalesce((SELECT time_zone FROM calendar_settings WHERE id), 'America/Sao_Paulo')
                AS week_start`,
      [week.toISOString()],
    );
    return { weekStart: new Date(week_start), planned: 0, auditors: 0, skipped: "no_voice_questionnaire" };
  }
  const row = await one<{ week_start: Date; planned: number; auditors: number }>(tx, PLAN_SQL, [
    week.toISOString(),
    earliest.toISOString(),
    version,
    NOT_OPEN,
    (MAX_CALL_ATTEMPTS - 1) * CALL_RETRY_MINUTES * 60,
    UNKNOWN_NEED,
    DEMANDS_HALF,
    part.index,
    part.of,
  ]);
  return { weekStart: new Date(row.week_start), planned: row.planned, auditors: row.auditors };
}

/**
 * The auditors are planned in this many parts at once (by id), each a transaction of its own on a connection of its
 * own: on a server database the parts run on as many cores (PGlite takes them in turn).
 */
export const PLAN_PARTS = 4;

/** Plans the week that holds `week`, in `parts` parts at once; answers the parts' sum. */
export async function planWeek(
  db: AppContext["db"],
  week: Date,
  now: Date = new Date(),
  parts = PLAN_PARTS,
): Promise<WeekPlan> {
  const plans = await Promise.all(
    Array.from({ length: parts }, (_, index) =>
      db.transaction((tx) => planAuditorWeek(tx, week, now, { index, of: parts })),
    ),
  );
  const first = plans[0]!;
  return {
    weekStart: first.weekStart,
    planned: plans.reduce((sum, p) => sum + p.planned, 0),
    auditors: plans.reduce((sum, p) => sum + p.auditors, 0),
    ...(first.skipped ? { skipped: first.skipped } : {}),
  };
}

/** Plans this week and the next. */
export async function planAuditorCalls(
  ctx: Pick<AppContext, "db">,
  now: Date = new Date(),
): Promise<WeekPlan[]> {
  const weeks = [now, new Date(now.getTime() + 7 * 86_400_000)];
  const plans: WeekPlan[] = [];
  for (const week of weeks) plans.push(await planWeek(ctx.db, week, now));
  return plans;
}

export const DISPATCH_JOB = "dispatch-auditor-calls";
/** How often the dispatcher runs, and how far ahead it queues (a little more, so no call waits for the next run). */
export const DISPATCH_EVERY_SECONDS = 60;
export const DISPATCH_AHEAD_SECONDS = 120;

const DISPATCH_SQL = `
WITH due AS (
  SELECT id FROM auditor_calls
   WHERE state = 'planned' AND queued_at IS NULL AND due_at <= now() + make_interval(secs => $1::float8)
   ORDER BY due_at LIMIT 5000 FOR UPDATE SKIP LOCKED),
queued AS (
  UPDATE auditor_calls c SET queued_at = now() FROM due WHERE c.id = due.id RETURNING c.id, c.due_at)
${enqueueSql(PLACE_CALL_JOB, { callId: sqlValue<number>("q.id") }, "queued q", undefined, undefined, "greatest(q.due_at, now())")}
RETURNING id`;

/** Queues the first try of the planned calls due within `aheadSeconds`, each at its time; answers how many. */
export async function dispatchAuditorCalls(
  ctx: Pick<AppContext, "db">,
  aheadSeconds = DISPATCH_AHEAD_SECONDS,
): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await ctx.db.transaction((tx) => tx.query(DISPATCH_SQL, [aheadSeconds]));
    total += rows.length;
    if (rows.length < 5000) return total;
  }
}

/** `dispatch-auditor-calls`: every minute, the planned calls whose time comes get their first try queued. */
export const dispatchAuditorCallsJob: Job<(typeof JOB_PAYLOADS)[typeof DISPATCH_JOB]> = {
  name: DISPATCH_JOB,
  payload: JOB_PAYLOADS[DISPATCH_JOB],
  maxAttempts: 3,
  async run(ctx) {
    if (!ctx.config.auditorCalls) return;
    await dispatchAuditorCalls(ctx);
  },
};

/** `plan-auditor-calls`: the scheduler's hourly run of the planner, for the tenant it was queued for. */
export const planAuditorCallsJob: Job<(typeof JOB_PAYLOADS)[typeof PLAN_JOB]> = {
  name: PLAN_JOB,
  payload: JOB_PAYLOADS[PLAN_JOB],
  maxAttempts: 3,
  async run(ctx) {
    // Nothing is planned where no call can be placed: the calls would only pile up as missed.
    if (!ctx.config.auditorCalls) return;
    const plans = await planAuditorCalls(ctx);
    const planned = plans.reduce((sum, p) => sum + p.planned, 0);
    if (planned > 0) log.info({ plans }, "auditor calls planned");
  },
};
