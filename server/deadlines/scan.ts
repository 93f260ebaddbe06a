/**
 * The deadline scan: each tick claims the clocks whose next alarm instant has come (partial index on next_fire_at,
 * FOR UPDATE SKIP LOCKED, so two schedulers split the work), raises the alarms their rules name (one row per
 * occasion: the dedupe key makes a repeated fire a no-op), and moves each clock to its next alarm instant. A tick
 * costs what is due, not what is open. A clock that fired several fractions while no scheduler ran fires them
 * all at once, each once.
 */
import type { Db, Sql } from "../db/index.ts";

/** A complement clock that ran out: the caller archives the demand (Decreto 9.492/2018). */
export interface ExpiredComplement {
  demandId: number;
  workOrderId: number | null;
}

export interface ScanResult {
  clocks: number;
  alarms: number;
  expiredComplements: ExpiredComplement[];
}

/**
 * One batch, one statement: claims up to `limit` due clocks (SKIP LOCKED), finds the alarm instants of each that
 * have come since its last fire (`fire_at`, precomputed on the business calendar), raises the alarms their rules
 * name (for each fraction and level the most specific active rule: department and stage, department, stage,
 * general), records the breach on the timeline the first time the due instant passes, and moves each clock to its
 * next instant. Complement clocks raise no alarm: they come back for the caller to archive their demand.
 */
export async function scanBatch(tx: Sql, now: Date, limit: number): Promise<ScanResult> {
  // The planner cannot know how few fractions a clock has and overestimates the statement enough to compile it
  // with JIT, which costs a second where running it costs milliseconds. And a tick's alarms and the clocks'
  // advance commit together: if the server lost this commit, the clocks would be back where they were and the
  // next tick would raise the same alarms, so nothing is lost by not waiting for the disk flush.
  await tx.exec("SET LOCAL jit = off; SET LOCAL synchronous_commit = off");
  const [row] = await tx.query<{ clocks: number; alarms: number; expired: ExpiredComplement[] }>(
    `WITH due AS (
       SELECT id, demand_id, work_order_id, stage, department_id, due_at, fractions, fire_at, next_index,
              breached_at,
              greatest(next_index, (SELECT count(*)::int FROM unnest(fire_at) x WHERE x <= $1)) AS fired_to
         FROM deadlines
        WHERE state = 'running' AND next_fire_at <= $1
        ORDER BY next_fire_at
        LIMIT $2
          FOR UPDATE SKIP LOCKED),
     fired AS (
       SELECT d.id, d.demand_id, d.work_order_id, d.stage, d.department_id, d.due_at, d.breached_at,
              d.fractions[i] AS fraction, d.fire_at[i] AS at
         FROM due d, generate_series(d.next_index + 1, d.fired_to) AS i),
     -- The rules for each (stage, department, fraction) that fired, chosen once: for each level the most specific
     -- active rule (department and stage, department, stage, general).
     chosen AS (
       SELECT DISTINCT ON (c.stage, c.department_id, c.fraction, ar.level)
              c.stage, c.department_id, c.fraction, ar.kind, ar.level
         FROM (SELECT DISTINCT stage, department_id, fraction FROM fired WHERE stage <> 'complement') c
         JOIN alarm_rules ar ON ar.active AND ar.fraction = c.fraction
              AND (ar.stage IS NULL OR ar.stage = c.stage)
              AND (ar.department_id IS NULL OR ar.department_id = c.department_id)
        ORDER BY c.stage, c.department_id, c.fraction, ar.level, ar.department_id IS NULL, ar.stage IS NULL),
     raised AS (
       INSERT INTO alarms (kind, demand_id, work_order_id, department_id, level, data, dedupe_key)
       SELECT r.kind, f.demand_id, f.work_order_id, f.department_id, r.level,
              jsonb_build_object('stage', f.stage, 'fraction', f.fraction, 'dueAt', f.due_at, 'at', f.at),
              'deadline:' || f.id || ':' || f.fraction::float8 || ':' || r.level
         FROM fired f
         JOIN chosen r ON r.stage = f.stage AND r.fraction = f.fraction
              AND r.department_id IS NOT DISTINCT FROM f.department_id
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING 1),
     breached AS (
       -- Fractions are in ascending order: the last one fired says whether the due instant has passed.
       INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
       SELECT d.demand_id, 'deadline.breached', 'system', 'internal',
              jsonb_build_object('stage', d.stage, 'deadlineId', d.id, 'dueAt', d.due_at)
         FROM due d
        WHERE d.breached_at IS NULL AND d.fired_to > d.next_index AND d.fractions[d.fired_to] >= 1
          AND d.stage <> 'complement'),
     moved AS (
       UPDATE deadlines t
          SET next_index = d.fired_to,
              next_fire_at = t.fire_at[d.fired_to + 1],
              breached_at = CASE WHEN t.breached_at IS NULL AND d.fired_to > d.next_index
                                      AND t.fractions[d.fired_to] >= 1
                                 THEN t.due_at ELSE t.breached_at END
         FROM due d
        WHERE t.id = d.id)
     SELECT (SELECT count(*) FROM due)::int AS clocks,
            (SELECT count(*) FROM raised)::int AS alarms,
            coalesce((SELECT jsonb_agg(jsonb_build_object('demandId', f.demand_id, 'workOrderId', f.work_order_id))
                        FROM fired f WHERE f.stage = 'complement' AND f.fraction >= 1), '[]') AS expired`,
    [now.toISOString(), limit],
  );
  return { clocks: row?.clocks ?? 0, alarms: row?.alarms ?? 0, expiredComplements: row?.expired ?? [] };
}

/** Scans until nothing is due: batches of `limit` clocks, each in its own transaction. */
export async function scanDeadlines(
  db: Db,
  options: { now?: Date; limit?: number; onExpiredComplement?: (e: ExpiredComplement) => Promise<void> } = {},
): Promise<ScanResult> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? 2000;
  const total: ScanResult = { clocks: 0, alarms: 0, expiredComplements: [] };
  for (;;) {
    const batch = await db.transaction((tx) => scanBatch(tx, now, limit));
    total.clocks += batch.clocks;
    total.alarms += batch.alarms;
    total.expiredComplements.push(...batch.expiredComplements);
    for (const expired of batch.expiredComplements) await options.onExpiredComplement?.(expired);
    if (batch.clocks < limit) break;
  }
  return total;
}
