/**
 * Alarms and alarm rules as the screens read and change them. Department roles see and acknowledge only their
 * department's alarms: the scope is a parameter of every query, not a filter applied afterwards.
 */

import { isDepartmentScoped, type Staff } from "../access/principal.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import { forgetAlarmRules, type Stage } from "./commands.ts";

/** The department a staff member is limited to (-1: a department role without one sees nothing), or null. */
function scopeOf(staff: Staff): number | null {
  return isDepartmentScoped(staff) ? (staff.departmentId ?? -1) : null;
}

export interface AlarmView {
  id: number;
  kind: string;
  level: number;
  protocol: string | null;
  /** The work order whose stage is late (none for the demand's own clock or a delivery alarm). */
  workOrderId: number | null;
  department: string | null;
  data: Record<string, unknown>;
  raisedAt: string;
  acknowledgedAt: string | null;
}

/**
 * A page of alarms newest first: only unacknowledged ones when `open`, of at least `minLevel`, in the staff's
 * scope. The keyset is (raised_at, id), the instant as PostgreSQL's own text so microseconds survive the cursor.
 */
export async function listAlarms(
  sql: Sql,
  staff: Staff,
  filter: { open: boolean; minLevel: number; limit: number; cursor?: string | undefined },
): Promise<{ rows: AlarmView[]; next: string | null }> {
  const after = decodeCursor(filter.cursor, ["string", "number"]);
  const rows = await sql.query<{
    sort_key: string;
    id: number;
    kind: string;
    level: number;
    protocol: string | null;
    work_order_id: number | null;
    department: string | null;
    data: Record<string, unknown>;
    raised_at: Date;
    acknowledged_at: Date | null;
  }>(
    `SELECT a.raised_at::text AS sort_key, a.id, a.kind, a.level, d.protocol, a.work_order_id,
            dep.code AS department, a.data, a.raised_at, a.acknowledged_at
       FROM alarms a
       LEFT JOIN demands d ON d.id = a.demand_id
       LEFT JOIN departments dep ON dep.id = a.department_id
      WHERE ($1::boolean = false OR a.acknowledged_at IS NULL)
        AND a.level >= $2 AND ($3::bigint IS NULL OR a.department_id = $3)
        AND ($5::timestamptz IS NULL OR (a.raised_at, a.id) < ($5::timestamptz, $6::bigint))
      ORDER BY a.raised_at DESC, a.id DESC
      LIMIT $4`,
    [filter.open, filter.minLevel, scopeOf(staff), filter.limit + 1, after?.[0] ?? null, after?.[1] ?? null],
  );
  const page = pageOf(rows, filter.limit, (a) => [a.sort_key, a.id]);
  const views = page.rows.map((a) => ({
    id: a.id,
    kind: a.kind,
    level: a.level,
    protocol: a.protocol,
    workOrderId: a.work_order_id,
    department: a.department,
    data: a.data,
    raisedAt: a.raised_at.toISOString(),
    acknowledgedAt: a.acknowledged_at?.toISOString() ?? null,
  }));
  return { rows: views, next: page.next };
}

/** Marks an alarm acknowledged by the staff member (the first acknowledgement stays); 404 outside their scope. */
export async function acknowledgeAlarm(db: Db, staff: Staff, id: number): Promise<void> {
  const row = await maybeOne<{ id: number }>(
    db,
    `UPDATE alarms SET acknowledged_at = coalesce(acknowledged_at, now()),
            acknowledged_by = coalesce(acknowledged_by, $2)
      WHERE id = $1 AND ($3::bigint IS NULL OR department_id = $3) RETURNING id`,
    [id, staff.id, scopeOf(staff)],
  );
  if (!row) throw new AppError(404, "unknown_alarm", { id });
}

/** The active alarm rules with their department's code, for the screens. */
export async function listAlarmRuleViews(sql: Sql) {
  const rows = await sql.query<{
    id: number;
    stage: string | null;
    department: string | null;
    fraction: number;
    kind: string;
    level: number;
  }>(
    `SELECT r.id, r.stage, d.code AS department, r.fraction, r.kind, r.level
       FROM alarm_rules r LEFT JOIN departments d ON d.id = r.department_id
      WHERE r.active ORDER BY r.fraction, r.level, r.id`,
  );
  return rows.map((r) => ({ ...r, fraction: Number(r.fraction) }));
}

export interface AlarmRuleInput {
  stage?: Stage | undefined;
  department?: string | undefined;
  fraction: number;
  kind: "deadline_near" | "deadline_breached" | "escalation";
  level: number;
}

/** Adds a rule; 422 for an unknown department, 409 when the same stage, department, fraction and level exist. */
export async function addAlarmRule(
  db: Db,
  input: AlarmRuleInput,
  actor: AuditActor,
): Promise<{ id: number }> {
  let departmentId: number | null = null;
  if (input.department) {
    const dep = await maybeOne<{ id: number }>(db, "SELECT id FROM departments WHERE code = $1", [
      input.department,
    ]);
    if (!dep) {
      throw new AppError(422, "unknown_department", { code: input.department }, [
        { field: "department", code: "unknown_department" },
      ]);
    }
    departmentId = dep.id;
  }
  const created = await db.transaction(async (tx) => {
    const row = await maybeOne<{ id: number }>(
      tx,
      `INSERT INTO alarm_rules (stage, department_id, fraction, kind, level) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING id`,
      [input.stage ?? null, departmentId, input.fraction, input.kind, input.level],
    );
    if (!row) throw new AppError(409, "alarm_rule_exists");
    await recordAudit(tx, actor, {
      action: "alarm_rule.created",
      entityType: "alarm_rule",
      entityId: row.id,
      after: input,
    });
    return row;
  });
  // After the commit: forgetting before it could let another request cache the old rules again.
  forgetAlarmRules(db);
  return created;
}

/** Retires a rule (kept for the record); 404 when there is no active rule with that id. */
export async function retireAlarmRule(db: Db, id: number, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await maybeOne(
      tx,
      "UPDATE alarm_rules SET active = false WHERE id = $1 AND active RETURNING id",
      [id],
    );
    if (!row) throw new AppError(404, "unknown_alarm_rule", { id });
    await recordAudit(tx, actor, {
      action: "alarm_rule.retired",
      entityType: "alarm_rule",
      entityId: id,
      before: { active: true },
      after: { active: false },
    });
  });
  forgetAlarmRules(db);
}
