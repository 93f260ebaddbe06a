/**
 * The deadline scan: each tick takes the pending alarm instants that have come (rows of deadline_fires, read in
 * instant order on their index and deleted, FOR UPDATE SKIP LOCKED so two schedulers split the work) and raises
 * the alarms their rules name (one row per occasion: the dedupe key makes a repeated fire a no-op). A tick costs
 * what is due, not what is open. A clock that passed several fractions while no scheduler ran fires them all at
 * once, each once.
 */
import type { Db, Sql } from "../db/index.ts";
import { timeDeadlineScan } from "../observability/metrics.ts";

/** A complement clock that ran out: the caller archives the demand (Decreto 9.492/2018). */
export interface ExpiredComplement {
  demandId: number;
  workOrderId: number | null;
}

export interface ScanResult {
  /** Alarm instants that came (each a row of deadline_fires, now gone). */
  fires: number;
  /** Clocks they belong to. */
  clocks: number;
  alarms: number;
  expiredComplements: ExpiredComplement[];
}

/**
 * One batch, one statement: deletes up to `limit` pending alarm instants that have come (precomputed on the
 * business calendar when the clock started), raises the alarms their rules name (for each fraction and level the
 * most specific active rule: department and stage, department, stage, general), and records the breach on the
 * clock and the timeline the first time the due instant passes. Complement clocks raise no alarm: they come back
 * for the caller to archive their demand.
 */
export async function scanBatch(tx: Sql, now: Date, limit: number): Promise<ScanResult> {
  // The planner cannot know how few fractions a clock has and overestimates the statement enough to compile it
  // with JIT, which costs a second where running it costs milliseconds. And a tick's alarms and the deleted
  // instants commit together: if the server lost this commit, the instants would be back and the next tick would
  // raise the same alarms, so nothing is lost by not waiting for the disk flush.
  await tx.exec("SET LOCAL jit = off; SET LOCAL synchronous_commit = off");
  const [row] = await tx.query<{
    fires: number;
    clocks: number;
    alarms: number;
    expired: ExpiredComplement[];
  }>(
    `WITH picked AS (
       SELECT ctid FROM deadline_fires
        WHERE fire_at <= $1
        ORDER BY fire_at
        LIMIT $2
          FOR UPDATE SKIP LOCKED),
     gone AS (
       DELETE FROM deadline_fires f USING picked p WHERE f.ctid = p.ctid
       RETURNING f.deadline_id, f.position, f.fire_at),
     fired AS (
       SELECT d.id, d.demand_id, d.work_order_id, d.stage, d.department_id, d.due_at, d.breached_at,
              d.fractions[g.position + 1] AS fraction, g.fire_at AS at
         FROM gone g JOIN deadlines d ON d.id = g.deadline_id
        WHERE d.state = 'running'),
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
       ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
       RETURNING 1),
     -- The first time a clock's due instant passes: recorded on the clock and, for the stages that are the city's
     -- to keep, on the demand's timeline.
     breached AS (
       UPDATE deadlines t SET breached_at = t.due_at
         FROM (SELECT DISTINCT id FROM fired WHERE fraction >= 1 AND breached_at IS NULL) b
        WHERE t.id = b.id AND t.breached_at IS NULL
        RETURNING t.id, t.demand_id, t.stage, t.due_at),
     breach_events AS (
       INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
       SELECT b.demand_id, 'deadline.breached', 'system', 'internal',
              jsonb_build_object('stage', b.stage, 'deadlineId', b.id, 'dueAt', b.due_at)
         FROM breached b WHERE b.stage <> 'complement')
     SELECT (SELECT count(*) FROM gone)::int AS fires,
            (SELECT count(DISTINCT deadline_id) FROM gone)::int AS clocks,
            (SELECT count(*) FROM raised)::int AS alarms,
            coalesce((SELECT jsonb_agg(jsonb_build_object('demandId', f.demand_id, 'workOrderId', f.work_order_id))
                        FROM fired f WHERE f.stage = 'complement' AND f.fraction >= 1), '[]') AS expired`,
    [now.toISOString(), limit],
  );
  return {
    fires: row?.fires ?? 0,
    clocks: row?.clocks ?? 0,
    alarms: row?.alarms ?? 0,
    expiredComplements: row?.expired ?? [],
  };
}

interface ScanOptions {
  now?: Date;
  limit?: number;
  onExpiredComplement?: (e: ExpiredComplement) => Promise<void>;
}

/** Scans until nothing is due: batches of `limit` clocks, each in its own transaction; timed for /metrics. */
export function scanDeadlines(db: Db, options: ScanOptions = {}): Promise<ScanResult> {
  return timeDeadlineScan(() => scanUntilDone(db, options));
}

async function scanUntilDone(db: Db, options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? 2000;
  const total: ScanResult = { fires: 0, clocks: 0, alarms: 0, expiredComplements: [] };
  for (;;) {
    const batch = await db.transaction((tx) => scanBatch(tx, now, limit));
    total.fires += batch.fires;
    total.clocks += batch.clocks;
    total.alarms += batch.alarms;
    total.expiredComplements.push(...batch.expiredComplements);
    for (const expired of batch.expiredComplements) await options.onExpiredComplement?.(expired);
    if (batch.fires < limit) break;
  }
  return total;
}
