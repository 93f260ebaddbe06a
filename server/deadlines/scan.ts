/**
 * The deadline scan: each tick claims the clocks whose next alarm instant has come (partial index on next_fire_at,
 * FOR UPDATE SKIP LOCKED, so two schedulers split the work), raises the alarms their rules name (one row per
 * occasion: the dedupe key makes a repeated fire a no-op), and moves each clock to its next alarm instant. A tick
 * costs what is due, not what is open. A clock that fired several fractions while no scheduler ran fires them
 * all at once, each once.
 */
import { type BusinessCalendar, instantAtFraction } from "../../domain/business-time.ts";
import { loadCalendar } from "../calendar/queries.ts";
import type { Db, Sql } from "../db/index.ts";
import { type AlarmRule, listAlarmRules, rulesFor, type Stage } from "./commands.ts";

interface DueClock {
  id: number;
  demand_id: number;
  work_order_id: number | null;
  stage: Stage;
  unit: "business_days" | "business_hours" | "calendar_days";
  department_id: number | null;
  started_at: Date;
  due_at: Date;
  fractions: unknown[];
  next_index: number;
  breached_at: Date | null;
}

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

/** One batch: claims up to `limit` due clocks in a transaction and fires them. */
export async function scanBatch(
  tx: Sql,
  cal: BusinessCalendar,
  rules: readonly AlarmRule[],
  now: Date,
  limit: number,
): Promise<ScanResult> {
  const clocks = await tx.query<DueClock>(
    `SELECT id, demand_id, work_order_id, stage, unit, department_id, started_at, due_at, fractions, next_index,
            breached_at
       FROM deadlines
      WHERE state = 'running' AND next_fire_at <= $1
      ORDER BY next_fire_at
      LIMIT $2
        FOR UPDATE SKIP LOCKED`,
    [now.toISOString(), limit],
  );
  const alarms = {
    kind: [] as string[],
    demand: [] as number[],
    order: [] as (number | null)[],
    department: [] as (number | null)[],
    level: [] as number[],
    data: [] as string[],
    key: [] as string[],
  };
  const update = {
    id: [] as number[],
    index: [] as number[],
    fire: [] as (string | null)[],
    breached: [] as (string | null)[],
  };
  const breachedDemands: { demand: number; stage: Stage; clock: number; due: string }[] = [];
  const expiredComplements: ExpiredComplement[] = [];

  for (const clock of clocks) {
    const fractions = clock.fractions.map(Number);
    let index = clock.next_index;
    let breached = clock.breached_at;
    let nextFire: Date | null = null;
    while (index < fractions.length) {
      const fraction = fractions[index]!;
      const at = instantAtFraction(clock.started_at, clock.due_at, fraction, clock.unit, cal);
      if (at.getTime() > now.getTime()) {
        nextFire = at;
        break;
      }
      if (clock.stage === "complement") {
        expiredComplements.push({ demandId: clock.demand_id, workOrderId: clock.work_order_id });
      } else {
        for (const rule of rulesFor(rules, clock.stage, clock.department_id).filter(
          (r) => r.fraction === fraction,
        )) {
          alarms.kind.push(rule.kind);
          alarms.demand.push(clock.demand_id);
          alarms.order.push(clock.work_order_id);
          alarms.department.push(clock.department_id);
          alarms.level.push(rule.level);
          alarms.data.push(
            JSON.stringify({
              stage: clock.stage,
              fraction,
              dueAt: clock.due_at.toISOString(),
              at: at.toISOString(),
            }),
          );
          alarms.key.push(`deadline:${clock.id}:${fraction}:${rule.level}`);
        }
      }
      if (fraction >= 1 && breached === null) {
        breached = clock.due_at;
        if (clock.stage !== "complement") {
          breachedDemands.push({
            demand: clock.demand_id,
            stage: clock.stage,
            clock: clock.id,
            due: clock.due_at.toISOString(),
          });
        }
      }
      index++;
    }
    update.id.push(clock.id);
    update.index.push(index);
    update.fire.push(nextFire?.toISOString() ?? null);
    update.breached.push(breached?.toISOString() ?? null);
  }

  let raised = 0;
  if (alarms.key.length > 0) {
    const rows = await tx.query(
      `INSERT INTO alarms (kind, demand_id, work_order_id, department_id, level, data, dedupe_key)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[], $6::jsonb[], $7::text[])
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [alarms.kind, alarms.demand, alarms.order, alarms.department, alarms.level, alarms.data, alarms.key],
    );
    raised = rows.length;
  }
  if (breachedDemands.length > 0) {
    await tx.query(
      `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
       SELECT b.demand, 'deadline.breached', 'system', 'internal',
              jsonb_build_object('stage', b.stage, 'deadlineId', b.clock, 'dueAt', b.due)
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS b(demand, stage, clock, due)`,
      [
        breachedDemands.map((b) => b.demand),
        breachedDemands.map((b) => b.stage),
        breachedDemands.map((b) => b.clock),
        breachedDemands.map((b) => b.due),
      ],
    );
  }
  if (update.id.length > 0) {
    await tx.query(
      `UPDATE deadlines d SET next_index = u.next_index, next_fire_at = u.next_fire_at,
              breached_at = u.breached_at
         FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::timestamptz[])
              AS u(id, next_index, next_fire_at, breached_at)
        WHERE d.id = u.id`,
      [update.id, update.index, update.fire, update.breached],
    );
  }
  return { clocks: clocks.length, alarms: raised, expiredComplements };
}

/** Scans until nothing is due: batches of `limit` clocks, each in its own transaction. */
export async function scanDeadlines(
  db: Db,
  options: { now?: Date; limit?: number; onExpiredComplement?: (e: ExpiredComplement) => Promise<void> } = {},
): Promise<ScanResult> {
  const cal = await loadCalendar(db);
  const rules = await listAlarmRules(db);
  const now = options.now ?? new Date();
  const limit = options.limit ?? 1000;
  const total: ScanResult = { clocks: 0, alarms: 0, expiredComplements: [] };
  for (;;) {
    const batch = await db.transaction((tx) => scanBatch(tx, cal, rules, now, limit));
    total.clocks += batch.clocks;
    total.alarms += batch.alarms;
    total.expiredComplements.push(...batch.expiredComplements);
    for (const expired of batch.expiredComplements) await options.onExpiredComplement?.(expired);
    if (batch.clocks < limit) break;
  }
  return total;
}
