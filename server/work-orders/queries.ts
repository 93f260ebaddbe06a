/** Reads of work orders, scoped in the query for department roles. */
import type { Sql } from "../db/index.ts";

export interface WorkOrderListRow {
  id: number;
  protocol: string;
  state: string;
  department_code: string;
  service_code: string;
  dispatched_at: Date;
  accepted_at: Date | null;
  finished_at: Date | null;
  due_at: Date | null;
  reason: string | null;
  answer: string | null;
  complement_question: string | null;
  service_name: Record<string, string>;
  district_code: string | null;
  district_name: string | null;
  lat: number | null;
  lon: number | null;
  open_alarms: number;
  clock_share: string | number | null;
}

// The alarms counted are the order's own and those of its demand's clock raised to the same department.
const SELECT = `SELECT w.id, d.protocol, w.state, dep.code AS department_code, s.code AS service_code,
       w.dispatched_at, w.accepted_at, w.finished_at, w.due_at, w.reason, w.answer, w.complement_question,
       s.name AS service_name, d.district_code, dis.name AS district_name,
       ST_Y(d.location) AS lat, ST_X(d.location) AS lon,
       (SELECT count(*)::int FROM alarms a
         WHERE a.demand_id = w.demand_id AND a.acknowledged_at IS NULL
           AND (a.work_order_id = w.id OR (a.work_order_id IS NULL AND a.department_id = w.department_id))
       ) AS open_alarms,
       (SELECT max(f.fraction) FROM deadlines c, unnest(c.fractions, c.fire_at) AS f(fraction, at)
         WHERE c.demand_id = w.demand_id AND c.work_order_id = w.id AND c.stage = 'execution'
           AND c.state = 'running' AND f.at <= now()
       ) AS clock_share
  FROM work_orders w
  JOIN demands d ON d.id = w.demand_id
  JOIN departments dep ON dep.id = w.department_id
  JOIN services s ON s.id = d.service_id
  LEFT JOIN districts dis ON dis.code = d.district_code`;

/**
 * Orders in some states, of one department (or all when null), soonest deadline first (none last), a page after
 * `after` (the keyset of the last row of the previous page: the deadline as text, "infinity" for none, and the id).
 */
export function listWorkOrders(
  sql: Sql,
  filter: {
    departmentId: number | null;
    departmentCode?: string;
    states: string[];
    protocol?: string;
    limit: number;
    after?: readonly (string | number)[] | null;
  },
): Promise<(WorkOrderListRow & { sort_key: string })[]> {
  const [afterDue, afterId] = filter.after ?? [null, null];
  return sql.query<WorkOrderListRow & { sort_key: string }>(
    `${SELECT.replace("SELECT w.id,", "SELECT COALESCE(w.due_at, 'infinity')::text AS sort_key, w.id,")}
      WHERE w.state = ANY($1::text[])
        AND ($2::bigint IS NULL OR w.department_id = $2)
        AND ($3::text IS NULL OR dep.code = $3)
        AND ($5::text IS NULL OR d.protocol = $5)
        AND ($6::timestamptz IS NULL OR (COALESCE(w.due_at, 'infinity'), w.id) > ($6::timestamptz, $7::bigint))
      ORDER BY COALESCE(w.due_at, 'infinity'), w.id
      LIMIT $4`,
    [
      filter.states,
      filter.departmentId,
      filter.departmentCode ?? null,
      filter.limit,
      filter.protocol ?? null,
      afterDue,
      afterId,
    ],
  );
}

export async function findWorkOrder(
  sql: Sql,
  id: number,
): Promise<(WorkOrderListRow & { department_id: number }) | undefined> {
  const [row] = await sql.query<WorkOrderListRow & { department_id: number }>(
    `${SELECT.replace("SELECT w.id,", "SELECT w.id, w.department_id,")} WHERE w.id = $1`,
    [id],
  );
  return row;
}

export interface AnswerTemplateRow {
  id: number;
  service_code: string | null;
  title: string;
  body: string;
  locale: string;
}

/** The templates for a service: its own first, then those for every service. */
export function listAnswerTemplates(sql: Sql, serviceCode: string | undefined): Promise<AnswerTemplateRow[]> {
  return sql.query<AnswerTemplateRow>(
    `SELECT t.id, s.code AS service_code, t.title, t.body, t.locale
       FROM answer_templates t LEFT JOIN services s ON s.id = t.service_id
      WHERE t.active AND (t.service_id IS NULL OR $1::text IS NULL OR s.code = $1)
      ORDER BY t.service_id IS NULL, t.title`,
    [serviceCode ?? null],
  );
}
