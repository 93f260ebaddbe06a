/**
 * The deadline clocks of imported demands still open in the old system: each carries on from its real opening with
 * the same clock a demand filed here gets when it is dispatched (startDemandClock: the service's deadline, or the
 * ombudsman's legal 30 days), so imported backlogs alarm like everything else, and gets a work order of its
 * department (dispatched at the opening, due with the demand) so the department can accept and answer it. The order
 * has no acceptance or execution clock of its own: the demand's clock is the one the old system's promise ran on,
 * and two clocks would alarm twice for one late demand. Set-based, inside the import batch's transaction, so a
 * demand is never committed without its clock and order.
 *
 * A clock whose alarm instants are already past does not fire them all: only the last one that has come stays
 * pending, and the next deadline scan raises it at once, once (the scan's dedupe key makes a second scan a no-op).
 * A three-month-old backlog would otherwise raise "half time", "80%", "late" and each escalation for every demand
 * at the same moment: the department needs to know how late each one is now, not its history under the old system.
 * Nothing goes to citizens: imported demands are anonymous and have no citizen to message.
 */
import { addDeadline, type BusinessCalendar, type DeadlineSpec } from "../../domain/business-time.ts";
import { isOmbudsmanType, OMBUDSMAN_DEADLINE } from "../../domain/business-time-legal.ts";
import { loadCalendar } from "../calendar/queries.ts";
import type { Db, Sql } from "../db/index.ts";
import { type AlarmRule, fractionsFor, instantsOf, listAlarmRules } from "../deadlines/commands.ts";

/** What the clocks of one import need, loaded once: the calendar, the alarm rules and each service's deadline. */
export interface ImportClocks {
  cal: BusinessCalendar;
  rules: AlarmRule[];
  specs: Map<number, DeadlineSpec>;
  /** The instant the import counts "already past" from. */
  now: Date;
}

/** Loads the calendar, the rules and the deadline of every service (the ombudsman's for ombudsman types). */
export async function loadImportClocks(sql: Sql, now = new Date()): Promise<ImportClocks> {
  const [cal, rules, services] = await Promise.all([
    loadCalendar(sql),
    listAlarmRules(sql),
    sql.query<{
      id: number;
      demand_type: string;
      deadline_amount: number;
      deadline_unit: DeadlineSpec["unit"];
    }>("SELECT id, demand_type, deadline_amount, deadline_unit FROM services"),
  ]);
  const specs = new Map(
    services.map((s) => [
      s.id,
      isOmbudsmanType(s.demand_type)
        ? OMBUDSMAN_DEADLINE
        : { amount: s.deadline_amount, unit: s.deadline_unit },
    ]),
  );
  return { cal, rules, specs, now };
}

/** An imported demand that is still open. */
export interface OpenImported {
  id: number;
  serviceId: number;
  departmentId: number;
  openedAt: Date;
}

/**
 * The positions of a clock's alarm instants to keep pending: every future one, and of the past ones only the last
 * (the lateness the demand has reached), so a late clock raises one occasion when the scan comes.
 */
export function pendingPositions(fireAt: readonly Date[], now: Date): number[] {
  const past = fireAt.filter((at) => at <= now).length;
  return fireAt.map((_, i) => i).filter((i) => i >= past - 1);
}

/**
 * Starts the demand clock of every open imported demand from its opening, records each due instant on it, and opens
 * its department's work order.
 */
export async function startImportedClocks(
  tx: Sql,
  clocks: ImportClocks,
  open: OpenImported[],
): Promise<void> {
  if (open.length === 0) return;
  const rows = open.map((d) => {
    const spec = clocks.specs.get(d.serviceId)!;
    const due = addDeadline(d.openedAt, spec, clocks.cal);
    const fractions = fractionsFor(clocks.rules, "demand", d.departmentId);
    const fireAt = instantsOf(d.openedAt, due, fractions, spec.unit, clocks.cal);
    return {
      demand_id: d.id,
      unit: spec.unit,
      amount: spec.amount,
      department_id: d.departmentId,
      started_at: d.openedAt.toISOString(),
      due_at: due.toISOString(),
      fractions: `{${fractions.join(",")}}`,
      fire_at: `{${fireAt.map((at) => at.toISOString()).join(",")}}`,
      pending: pendingPositions(fireAt, clocks.now),
    };
  });
  await tx.query(
    `WITH r AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(demand_id bigint, unit text, amount int, department_id bigint,
         started_at timestamptz, due_at timestamptz, fractions text, fire_at text, pending int[])),
     due AS (UPDATE demands d SET due_at = r.due_at FROM r WHERE d.id = r.demand_id),
     orders AS (
       INSERT INTO work_orders (demand_id, department_id, dispatched_at, due_at)
       SELECT demand_id, department_id, started_at, due_at FROM r),
     c AS (
       INSERT INTO deadlines (demand_id, stage, unit, amount, department_id, started_at, due_at, fractions, fire_at)
       SELECT demand_id, 'demand', unit, amount, department_id, started_at, due_at, fractions::numeric[],
              fire_at::timestamptz[]
         FROM r
       RETURNING id, demand_id, fire_at)
     INSERT INTO deadline_fires (deadline_id, position, fire_at)
     SELECT c.id, p.position, c.fire_at[p.position + 1]
       FROM c JOIN r ON r.demand_id = c.demand_id
       CROSS JOIN LATERAL unnest(r.pending) AS p(position)`,
    [JSON.stringify(rows)],
  );
}

/**
 * Starts the clocks and orders of open imported demands that have none: those an import made before open demands
 * got clocks (the "259 open demands with no deadline clock at all"). Run at the end of every import, so
 * importing the file again repairs an older import. Returns how many were started.
 */
export async function startMissingClocks(db: Db, clocks: ImportClocks): Promise<number> {
  return db.transaction(async (tx) => {
    const missing = await tx.query<{
      id: number;
      service_id: number;
      department_id: number;
      opened_at: Date;
    }>(
      `SELECT d.id, d.service_id, d.department_id, d.opened_at FROM demands d
        WHERE d.source_ref LIKE 'sp156:%' AND d.status = 'dispatched' AND d.department_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM deadlines c WHERE c.demand_id = d.id AND c.stage = 'demand')
          AND NOT EXISTS (SELECT 1 FROM work_orders w WHERE w.demand_id = d.id)
        ORDER BY d.id
          FOR UPDATE OF d SKIP LOCKED`,
    );
    await startImportedClocks(
      tx,
      clocks,
      missing.map((d) => ({
        id: d.id,
        serviceId: d.service_id,
        departmentId: d.department_id,
        openedAt: d.opened_at,
      })),
    );
    return missing.length;
  });
}
