/**
 * Reads of live events: new timeline events and alarms by id cursor (with the ids still missing below it), and the
 * replay of what a reconnecting client missed. Rows come with the demand's protocol and department for scoping.
 */
import type { Sql } from "../db/index.ts";
import { knownPersonSql } from "../public-data/known.ts";
import type { KnownPerson } from "../public-data/redact.ts";

/** One timeline event with what scoping and presenting need. */
export interface LiveEventRow {
  id: number;
  /** The hub reads every tenant's events and hands each stream its own tenant's. */
  tenant_id: number;
  demand_id: number;
  protocol: string;
  department_id: number | null;
  at: Date;
  type: string;
  actor_kind: string;
  actor_id: number | null;
  visibility: "public" | "internal";
  data: Record<string, unknown>;
  /** What is known of the demand's people; public events only. */
  known: KnownPerson | null;
}

/** One alarm with its demand's protocol. */
export interface LiveAlarmRow {
  id: number;
  tenant_id: number;
  kind: string;
  demand_id: number | null;
  protocol: string | null;
  work_order_id: number | null;
  department_id: number | null;
  level: number;
  data: Record<string, unknown>;
  raised_at: Date;
}

/** What a replay is narrowed to: the reader's department, one demand, some types, public events only. */
export interface ReplayFilter {
  departmentId: number | null;
  demandId: number | null;
  types: string[] | null;
  publicOnly: boolean;
}

// A public event carries what is known of its demand's people, for the public stream's redaction.
const EVENT_COLUMNS = `e.id, e.tenant_id, e.demand_id, d.protocol, d.department_id, e.at, e.type, e.actor_kind, e.actor_id,
       e.visibility, e.data, CASE WHEN e.visibility = 'public' THEN ${knownPersonSql("d")} END AS known`;
const ALARM_COLUMNS = `a.id, a.tenant_id, a.kind, a.demand_id, d.protocol, a.work_order_id,
       COALESCE(a.department_id, d.department_id) AS department_id, a.level, a.data, a.raised_at`;

/** Timeline events above `after`, or among `missing` ids below it, oldest first. */
export function readEventsSince(
  sql: Sql,
  after: number,
  missing: readonly number[],
  limit: number,
): Promise<LiveEventRow[]> {
  return sql.query<LiveEventRow>(
    `SELECT ${EVENT_COLUMNS}
       FROM demand_events e JOIN demands d ON d.id = e.demand_id
      WHERE e.id > $1 OR e.id = ANY($2::bigint[])
      ORDER BY e.id LIMIT $3`,
    [after, missing, limit],
  );
}

/** Alarms above `after`, or among `missing` ids below it, oldest first. */
export function readAlarmsSince(
  sql: Sql,
  after: number,
  missing: readonly number[],
  limit: number,
): Promise<LiveAlarmRow[]> {
  return sql.query<LiveAlarmRow>(
    `SELECT ${ALARM_COLUMNS}
       FROM alarms a LEFT JOIN demands d ON d.id = a.demand_id
      WHERE a.id > $1 OR a.id = ANY($2::bigint[])
      ORDER BY a.id LIMIT $3`,
    [after, missing, limit],
  );
}

/** The highest timeline event and alarm ids: where a live cursor starts. */
export async function readLatestIds(sql: Sql): Promise<{ event: number; alarm: number }> {
  const rows = await sql.query<{ event: number; alarm: number }>(
    `SELECT COALESCE((SELECT max(id) FROM demand_events), 0) AS event,
            COALESCE((SELECT max(id) FROM alarms), 0) AS alarm`,
  );
  return rows[0] ?? { event: 0, alarm: 0 };
}

/** The events after `after` a reconnecting client may see, oldest first, at most `limit`. */
export function replayEvents(
  sql: Sql,
  after: number,
  filter: ReplayFilter,
  limit: number,
): Promise<LiveEventRow[]> {
  return sql.query<LiveEventRow>(
    `SELECT ${EVENT_COLUMNS}
       FROM demand_events e JOIN demands d ON d.id = e.demand_id
      WHERE e.id > $1
        AND ($2::bigint IS NULL OR d.department_id = $2)
        AND ($3::bigint IS NULL OR e.demand_id = $3)
        AND ($4::text[] IS NULL OR e.type = ANY($4))
        AND (NOT $5 OR e.visibility = 'public')
      ORDER BY e.id LIMIT $6`,
    [after, filter.departmentId, filter.demandId, filter.types, filter.publicOnly, limit],
  );
}

/** The alarms after `after` a reconnecting client may see, oldest first, at most `limit`. */
export function replayAlarms(
  sql: Sql,
  after: number,
  filter: ReplayFilter,
  limit: number,
): Promise<LiveAlarmRow[]> {
  return sql.query<LiveAlarmRow>(
    `SELECT ${ALARM_COLUMNS}
       FROM alarms a LEFT JOIN demands d ON d.id = a.demand_id
      WHERE a.id > $1
        AND ($2::bigint IS NULL OR COALESCE(a.department_id, d.department_id) = $2)
        AND ($3::bigint IS NULL OR a.demand_id = $3)
      ORDER BY a.id LIMIT $4`,
    [after, filter.departmentId, filter.demandId, limit],
  );
}
