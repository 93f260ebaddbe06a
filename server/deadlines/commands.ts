/**
 * Deadline timers: one row per running clock (the demand's, a work order's acceptance and execution stages, the
 * citizen's time to send a complement), with the next alarm instant precomputed so the scanner reads only what is
 * due. Started, paused, resumed and stopped inside the transaction of the change that causes it.
 */
import {
  addClockMinutes,
  addDeadline,
  type BusinessCalendar,
  clockMinutesBetween,
  type DeadlineSpec,
  type DeadlineUnit,
  instantAtFraction,
  resumeDue,
} from "../../domain/business-time.ts";
import { extendOmbudsmanDue, isOmbudsmanType } from "../../domain/business-time-legal.ts";
import type { Staff } from "../access/principal.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { CALENDAR_CACHE_MS, loadCalendar } from "../calendar/queries.ts";
import { perPoolCache } from "../db/cache.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { lockDemand, recordEvent } from "../demands/transitions.ts";
import { AppError } from "../errors.ts";

export const STAGES = ["demand", "acceptance", "execution", "complement"] as const;
export type Stage = (typeof STAGES)[number];

/** A work order must be accepted (or returned) within this much business time of its dispatch. */
export const ACCEPTANCE_DEADLINE: DeadlineSpec = { amount: 8, unit: "business_hours" };

/** One alarm rule: at `fraction` of a stage's clock, an alarm of `kind` for `level`. */
export interface AlarmRule {
  stage: Stage | null;
  department_id: number | null;
  fraction: number;
  kind: "deadline_near" | "deadline_breached" | "escalation";
  level: number;
}

/** The active alarm rules (a small table), read once per command or scan. */
export async function listAlarmRules(sql: Sql): Promise<AlarmRule[]> {
  const rows = await sql.query<AlarmRule>(
    "SELECT stage, department_id, fraction, kind, level FROM alarm_rules WHERE active ORDER BY fraction, level",
  );
  return rows.map((r) => ({ ...r, fraction: Number(r.fraction) }));
}

const alarmRules = perPoolCache(CALENDAR_CACHE_MS, listAlarmRules);

/**
 * The active alarm rules, read at most once per CALENDAR_CACHE_MS per process, like the calendar: every clock a
 * command starts reads them, and they change a few times a year. The process that changes them forgets its copy at
 * once (alarms.ts); the others see the change within that time.
 */
export function cachedAlarmRules(db: Sql, now = Date.now()): Promise<AlarmRule[]> {
  return alarmRules.get(db, now);
}

/** Drops this process's cached alarm rules of `db`, after a change to them. */
export function forgetAlarmRules(db: Sql): void {
  alarmRules.forget(db);
}

/**
 * The rules that apply to a stage of a department's clock: for each (fraction, level), the most specific rule
 * (department and stage, then department, then stage, then the general one).
 */
export function rulesFor(
  rules: readonly AlarmRule[],
  stage: Stage,
  departmentId: number | null,
): AlarmRule[] {
  const specificity = (r: AlarmRule) => (r.department_id !== null ? 2 : 0) + (r.stage !== null ? 1 : 0);
  const best = new Map<string, AlarmRule>();
  for (const r of rules) {
    if (r.stage !== null && r.stage !== stage) continue;
    if (r.department_id !== null && r.department_id !== departmentId) continue;
    const key = `${r.fraction}:${r.level}`;
    const held = best.get(key);
    if (!held || specificity(r) > specificity(held)) best.set(key, r);
  }
  return [...best.values()].sort((a, b) => a.fraction - b.fraction || a.level - b.level);
}

/** The fractions at which a stage's clock fires. The citizen's complement clock fires once, when it runs out. */
export function fractionsFor(
  rules: readonly AlarmRule[],
  stage: Stage,
  departmentId: number | null,
): number[] {
  if (stage === "complement") return [1];
  const set = new Set(rulesFor(rules, stage, departmentId).map((r) => r.fraction));
  return [...set].sort((a, b) => a - b);
}

export interface StartDeadline {
  demandId: number;
  workOrderId?: number | null;
  stage: Stage;
  spec: DeadlineSpec;
  departmentId: number | null;
  startedAt: Date;
  /** A due instant decided elsewhere (the ombudsman legal deadline); otherwise computed from the spec. */
  due?: Date;
}

/** Starts a clock; returns its due instant. */
export async function startDeadline(
  tx: Sql,
  cal: BusinessCalendar,
  rules: readonly AlarmRule[],
  input: StartDeadline,
): Promise<Date> {
  const [due] = await startDeadlines(tx, cal, rules, [input]);
  return due as Date;
}

/**
 * Starts several clocks in one statement (a work order's acceptance and execution clocks), each with its pending
 * alarm instants (one deadline_fires row per fraction); returns their due instants in the order given.
 * `unlessDemandClockRuns`: a clock of stage `demand` is not started when the demand already has one running or
 * paused, and its due instant becomes the demand's `due_at`; `started` says which clocks were.
 */
export async function startDeadlines(
  tx: Sql,
  cal: BusinessCalendar,
  rules: readonly AlarmRule[],
  inputs: readonly StartDeadline[],
  options: { unlessDemandClockRuns?: boolean } = {},
): Promise<Date[] & { started: boolean[] }> {
  const clocks = inputs.map((input) => {
    const due = input.due ?? addDeadline(input.startedAt, input.spec, cal);
    const fractions = fractionsFor(rules, input.stage, input.departmentId);
    const fireAt = instantsOf(input.startedAt, due, fractions, input.spec.unit, cal);
    return { input, due, fractions, fireAt };
  });
  const column = <T>(pick: (c: (typeof clocks)[number]) => T) => clocks.map(pick);
  const rows = await tx.query<{ ord: number }>(
    `WITH r AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::bigint[],
                            $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[])
                WITH ORDINALITY AS r(demand_id, work_order_id, stage, unit, amount, department_id, started_at,
                                     due_at, fractions, fire_at, ord)),
     d AS (
       INSERT INTO deadlines (demand_id, work_order_id, stage, unit, amount, department_id, started_at, due_at,
         fractions, fire_at)
       SELECT demand_id, work_order_id, stage, unit, amount, department_id, started_at, due_at,
              fractions::numeric[], fire_at::timestamptz[]
         FROM r
        WHERE NOT $11::boolean OR r.stage <> 'demand'
           OR NOT EXISTS (SELECT 1 FROM deadlines x WHERE x.demand_id = r.demand_id AND x.stage = 'demand'
                             AND x.state IN ('running', 'paused'))
        ORDER BY r.ord
       RETURNING id, demand_id, stage, due_at, fire_at),
     f AS (
       INSERT INTO deadline_fires (deadline_id, position, fire_at)
       SELECT d.id, u.ord::int - 1, u.at FROM d, unnest(d.fire_at) WITH ORDINALITY AS u(at, ord)),
     u AS (
       UPDATE demands SET due_at = d.due_at FROM d
        WHERE $11::boolean AND d.stage = 'demand' AND demands.id = d.demand_id)
     SELECT r.ord::int AS ord FROM r JOIN d ON d.demand_id = r.demand_id AND d.stage = r.stage`,
    [
      column((c) => c.input.demandId),
      column((c) => c.input.workOrderId ?? null),
      column((c) => c.input.stage),
      column((c) => c.input.spec.unit),
      column((c) => c.input.spec.amount),
      column((c) => c.input.departmentId),
      column((c) => c.input.startedAt.toISOString()),
      column((c) => c.due.toISOString()),
      column((c) => `{${c.fractions.join(",")}}`),
      column((c) => `{${c.fireAt.map((d) => `"${d.toISOString()}"`).join(",")}}`),
      options.unlessDemandClockRuns ?? false,
    ],
  );
  const started = new Set(rows.map((r) => r.ord));
  return Object.assign(
    clocks.map((c) => c.due),
    { started: clocks.map((_, i) => started.has(i + 1)) },
  );
}

/** Writes a clock's pending alarm instants from `from` (a position in its fractions) on. */
async function writeFires(tx: Sql, id: number, fireAt: readonly Date[], from: number): Promise<void> {
  await tx.query(
    `INSERT INTO deadline_fires (deadline_id, position, fire_at)
     SELECT $1, u.ord::int - 1, u.at FROM unnest($2::timestamptz[]) WITH ORDINALITY AS u(at, ord)
      WHERE u.ord::int - 1 >= $3
     ON CONFLICT (deadline_id, position) DO UPDATE SET fire_at = EXCLUDED.fire_at`,
    [id, fireAt.map((d) => d.toISOString()), from],
  );
}

/** The instant of every fraction of a clock from `start` to `due`, on the clock's own time, in order. */
export function instantsOf(
  start: Date,
  due: Date,
  fractions: readonly number[],
  unit: DeadlineUnit,
  cal: BusinessCalendar,
): Date[] {
  return fractions.map((f) => instantAtFraction(start, due, f, unit, cal));
}

/** Which running clocks a stop or pause applies to. */
export interface ClockFilter {
  demandId: number;
  workOrderId?: number;
  stages?: Stage[];
}

function filterSql(filter: ClockFilter, first: number): { where: string; params: unknown[] } {
  const params: unknown[] = [filter.demandId];
  let where = `demand_id = $${first}`;
  if (filter.workOrderId !== undefined) {
    params.push(filter.workOrderId);
    where += ` AND work_order_id = $${first + params.length - 1}`;
  }
  if (filter.stages) {
    params.push(filter.stages);
    where += ` AND stage = ANY($${first + params.length - 1}::text[])`;
  }
  return { where, params };
}

/** Stops clocks for good: `met` (the stage was done) or `cancelled` (the stage no longer exists). */
export async function stopDeadlines(tx: Sql, filter: ClockFilter, state: "met" | "cancelled"): Promise<void> {
  const { where, params } = filterSql(filter, 2);
  await tx.query(
    `WITH s AS (
       UPDATE deadlines SET state = $1, stopped_at = now()
        WHERE ${where} AND state IN ('running', 'paused')
        RETURNING id)
     DELETE FROM deadline_fires WHERE deadline_id IN (SELECT id FROM s)`,
    [state, ...params],
  );
}

/** Pauses running clocks at `at` (the department asked the citizen for a complement). */
export async function pauseDeadlines(tx: Sql, filter: ClockFilter, at: Date): Promise<void> {
  const { where, params } = filterSql(filter, 2);
  // The first pending fraction is remembered (next_index) so that resuming writes the pending ones again.
  await tx.query(
    `WITH s AS (
       UPDATE deadlines SET state = 'paused', paused_at = $1,
              next_index = coalesce((SELECT min(f.position) FROM deadline_fires f WHERE f.deadline_id = deadlines.id),
                                    cardinality(fractions))
        WHERE ${where} AND state = 'running'
        RETURNING id)
     DELETE FROM deadline_fires WHERE deadline_id IN (SELECT id FROM s)`,
    [at.toISOString(), ...params],
  );
}

interface ClockRow {
  id: number;
  stage: Stage;
  unit: DeadlineUnit;
  started_at: Date;
  due_at: Date;
  paused_at: Date | null;
  fractions: unknown[];
  next_index: number;
}

/**
 * Starts paused clocks again at `at`: the clock left at the pause is counted from `at`, and the start moves by the
 * pause too, so the 50%/80% alarms still fall at their share of the clock. Returns the demand clock's new due.
 */
export async function resumeDeadlines(
  tx: Sql,
  cal: BusinessCalendar,
  filter: ClockFilter,
  at: Date,
): Promise<Date | undefined> {
  const { where, params } = filterSql(filter, 1);
  const rows = await tx.query<ClockRow>(
    `SELECT id, stage, unit, started_at, due_at, paused_at, fractions, next_index FROM deadlines
      WHERE ${where} AND state = 'paused' FOR UPDATE`,
    params,
  );
  let demandDue: Date | undefined;
  for (const row of rows) {
    const pausedAt = row.paused_at ?? at;
    const due = resumeDue(row.due_at, pausedAt, at, row.unit, cal);
    const ran = clockMinutesBetween(row.started_at, pausedAt, row.unit, cal);
    const start = addClockMinutes(at, -ran, row.unit, cal);
    const fireAt = instantsOf(start, due, row.fractions.map(Number), row.unit, cal);
    await tx.query(
      `UPDATE deadlines SET state = 'running', paused_at = NULL, started_at = $2, due_at = $3,
              fire_at = $4::timestamptz[]
        WHERE id = $1`,
      [row.id, start.toISOString(), due.toISOString(), fireAt.map((d) => d.toISOString())],
    );
    await writeFires(tx, row.id, fireAt, row.next_index);
    if (row.stage === "demand") demandDue = due;
  }
  return demandDue;
}

/**
 * Extends a demand's ombudsman legal deadline once by 30 days, with a reason (Lei 13.460/2017 art. 16); 409 when
 * it was extended already, 422 without a reason. Returns the new due instant.
 */
export async function extendDemandDeadline(
  tx: Sql,
  cal: BusinessCalendar,
  demandId: number,
  reason: string,
): Promise<Date> {
  const row = await maybeOne<ClockRow & { extended: boolean; state: string }>(
    tx,
    `SELECT id, stage, unit, started_at, due_at, paused_at, fractions, next_index, extended, state
       FROM deadlines WHERE demand_id = $1 AND stage = 'demand' AND state IN ('running', 'paused')
      ORDER BY id DESC LIMIT 1 FOR UPDATE`,
    [demandId],
  );
  if (!row) throw new AppError(409, "no_running_deadline");
  const outcome = extendOmbudsmanDue(row.due_at, row.extended ? 1 : 0, reason, cal);
  if (!outcome.ok) {
    if (outcome.reason === "already_extended") throw new AppError(409, "deadline_already_extended");
    throw new AppError(422, "reason_required", {}, [{ field: "reason", code: "required" }]);
  }
  const fireAt = instantsOf(row.started_at, outcome.due, row.fractions.map(Number), row.unit, cal);
  await tx.query(
    "UPDATE deadlines SET due_at = $2, extended = true, fire_at = $3::timestamptz[] WHERE id = $1",
    [row.id, outcome.due.toISOString(), fireAt.map((d) => d.toISOString())],
  );
  if (row.state === "running") {
    // The fractions still pending move with the due instant; those fired stay fired.
    const pending = await tx.query<{ position: number }>(
      "DELETE FROM deadline_fires WHERE deadline_id = $1 RETURNING position",
      [row.id],
    );
    if (pending.length > 0) await writeFires(tx, row.id, fireAt, Math.min(...pending.map((p) => p.position)));
  }
  return outcome.due;
}

/** The extension as a command: locks the demand, extends its clock, records the new due and a public event. */
export async function extendLegalDeadline(
  db: Db,
  staff: Staff,
  demandId: number,
  reason: string,
): Promise<Date> {
  const cal = await loadCalendar(db);
  return db.transaction(async (tx) => {
    const demand = await lockDemand(tx, demandId);
    // Lei 13.460/2017 art. 16 extends the ombudsman's answer to a manifestation (complaint, report, compliment,
    // suggestion); an ordinary service request runs on its service's own deadline and is never extended by it.
    const kind = await one<{ demand_type: string }>(
      tx,
      "SELECT s.demand_type FROM demands d JOIN services s ON s.id = d.service_id WHERE d.id = $1",
      [demandId],
    );
    if (!isOmbudsmanType(kind.demand_type)) {
      throw new AppError(409, "extension_not_applicable", { demandType: kind.demand_type });
    }
    const due = await extendDemandDeadline(tx, cal, demandId, reason);
    await tx.query("UPDATE demands SET due_at = $2, extended_at = now() WHERE id = $1", [
      demandId,
      due.toISOString(),
    ]);
    await recordEvent(tx, demandId, "deadline.extended", { kind: "staff", id: staff.id }, "public", {
      reason,
      dueAt: due.toISOString(),
    });
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "deadline.extended",
      entityType: "demand",
      entityId: demandId,
      before: { dueAt: demand.due_at ? new Date(demand.due_at).toISOString() : null },
      after: { dueAt: due.toISOString() },
    });
    return due;
  });
}
