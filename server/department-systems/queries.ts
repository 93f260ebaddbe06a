/** Reads of department systems: the configuration, what the send job needs of an order, what the pull needs. */
import type { Open311Endpoint } from "../../channels/open311/adapter.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import type { UpdateAction } from "./schemas.ts";

/** A department_systems row with its department's code. */
export interface SystemRow {
  id: number;
  department_id: number;
  department_code: string;
  base_url: string;
  format: "xml" | "json";
  api_key: string;
  jurisdiction_id: string | null;
  service_codes: Record<string, string>;
  default_service_code: string | null;
  status_actions: Record<string, UpdateAction>;
  active: boolean;
  pull_interval_seconds: number;
  push_secret_hash: string;
  pulled_until: Date | null;
  last_pulled_at: Date | null;
  last_pull_error: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

const SELECT_SYSTEM = `
  SELECT s.id, s.department_id, d.code AS department_code, s.base_url, s.format, s.api_key, s.jurisdiction_id,
         s.service_codes, s.default_service_code, s.status_actions, s.active, s.pull_interval_seconds,
         s.push_secret_hash, s.pulled_until, s.last_pulled_at, s.last_pull_error, s.created_at, s.deleted_at
    FROM department_systems s JOIN departments d ON d.id = s.department_id`;

/** The endpoint the adapter calls for a system. */
export function endpointOf(system: SystemRow): Open311Endpoint {
  return {
    baseUrl: system.base_url,
    format: system.format,
    apiKey: system.api_key,
    jurisdictionId: system.jurisdiction_id,
  };
}

/** The current (not deleted) system of a department, by the department's code. */
export function findSystemByDepartmentCode(sql: Sql, code: string): Promise<SystemRow | undefined> {
  return maybeOne<SystemRow>(sql, `${SELECT_SYSTEM} WHERE d.code = $1 AND s.deleted_at IS NULL`, [code]);
}

/** A system by id, deleted or not (orders sent to it keep pointing at it). */
export function findSystemById(sql: Sql, id: number): Promise<SystemRow | undefined> {
  return maybeOne<SystemRow>(sql, `${SELECT_SYSTEM} WHERE s.id = $1`, [id]);
}

/** Every current system, by department code. */
export function listSystems(sql: Sql): Promise<SystemRow[]> {
  return sql.query<SystemRow>(`${SELECT_SYSTEM} WHERE s.deleted_at IS NULL ORDER BY d.code`);
}

/** How many orders of a system are in each sending state. */
export async function countOrdersByState(sql: Sql, systemId: number): Promise<Record<string, number>> {
  const rows = await sql.query<{ state: string; n: number }>(
    "SELECT state, count(*)::int AS n FROM external_work_orders WHERE system_id = $1 GROUP BY state",
    [systemId],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Everything the send job puts in one service request. */
export interface OrderToSend {
  work_order_id: number;
  system_id: number;
  send_state: "queued" | "token" | "sent" | "failed" | "cancelled";
  order_state: string;
  department_id: number;
  demand_id: number;
  protocol: string;
  description: string;
  address: string | null;
  lat: number | null;
  long: number | null;
  attributes: Record<string, unknown>;
  identity_mode: "identified" | "confidential" | "anonymous";
  service_code: string;
  citizen_name: string | null;
  citizen_email: string | null;
  citizen_phone: string | null;
}

/**
 * The order, its demand and (only for an identified demand whose citizen was not erased) the citizen's name,
 * e-mail and phone: the department sees who asked only when the citizen let it.
 */
export function findOrderToSend(sql: Sql, workOrderId: number): Promise<OrderToSend | undefined> {
  return maybeOne<OrderToSend>(
    sql,
    `SELECT e.work_order_id, e.system_id, e.state AS send_state, w.state AS order_state, w.department_id,
            dm.id AS demand_id, dm.protocol, dm.description, dm.address,
            ST_Y(dm.location) AS lat, ST_X(dm.location) AS long, dm.attributes, dm.identity_mode,
            sv.code AS service_code,
            c.name AS citizen_name,
            (SELECT value FROM citizen_contacts WHERE citizen_id = c.id AND channel = 'email'
              ORDER BY id LIMIT 1) AS citizen_email,
            (SELECT value FROM citizen_contacts WHERE citizen_id = c.id AND channel IN ('phone', 'whatsapp', 'sms')
              ORDER BY id LIMIT 1) AS citizen_phone
       FROM external_work_orders e
       JOIN work_orders w ON w.id = e.work_order_id
       JOIN demands dm ON dm.id = w.demand_id
       JOIN services sv ON sv.id = dm.service_id
       LEFT JOIN citizens c ON c.id = dm.citizen_id AND dm.identity_mode = 'identified' AND c.erased_at IS NULL
      WHERE e.work_order_id = $1`,
    [workOrderId],
  );
}

/** Orders of a system still waiting for the id behind their token, oldest first, while the order is open here. */
export function listPendingTokens(
  sql: Sql,
  systemId: number,
  limit: number,
): Promise<Array<{ work_order_id: number; token: string }>> {
  return sql.query(
    `SELECT e.work_order_id, e.token FROM external_work_orders e JOIN work_orders w ON w.id = e.work_order_id
      WHERE e.system_id = $1 AND e.state = 'token'
        AND w.state IN ('dispatched', 'accepted', 'in_progress', 'waiting_citizen')
      ORDER BY e.work_order_id LIMIT $2`,
    [systemId, limit],
  );
}
