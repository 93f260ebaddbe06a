/**
 * Reads of the GeoReport v2 server: demands as public records (the columns and rules of server/public-data), the
 * public timeline events that make the update feed, and tokens.
 */
import { maybeOne, type Sql } from "../db/index.ts";
import { knownPersonSql } from "../public-data/known.ts";
import {
  PUBLIC_DEMAND_COLUMNS,
  PUBLIC_DEMAND_JOINS,
  type PublicDemandSource,
} from "../public-data/record.ts";
import type { KnownPerson } from "../public-data/redact.ts";

/** The most requests one answer holds (the spec's default limit). */
export const MAX_REQUESTS = 1000;
/** The most updates one answer of the update feed holds; the client asks again from the last instant it got. */
export const MAX_UPDATES = 1000;

/** A demand as GET requests shows it: its public record's source, and what Open311 adds. */
export interface RequestRow extends PublicDemandSource {
  due_at: Date | null;
  department_name: string | null;
  /** A point inside the district, for records published at district level only. */
  district_lat: number | null;
  district_lon: number | null;
  /** The latest public answer of the department, to publish through `redactPublicText`. */
  answer: string | null;
  /** What is known of the demand's people, when there is an answer to redact. */
  known: KnownPerson | null;
  /** The latest public event. */
  updated_at: Date | null;
  media_url: string | null;
}

/**
 * The requests of a page of demand ids (`page`, a CTE of at most MAX_REQUESTS ids): the joins, the district point and
 * the per-demand subqueries run for the page only, never for every demand of the window. The subqueries are ordered
 * as the (demand_id, id) index is, so each reads a demand's few events off it: written as max(at) with a filter on
 * visibility, a planner with stale statistics combined it with the partial index of every public event (0.4 ms a row).
 */
const SELECT_PAGE = `
  SELECT ${PUBLIC_DEMAND_COLUMNS}, d.due_at, dep.name AS department_name, o.media_url,
         CASE WHEN s.sensitive OR d.identity_mode = 'confidential' THEN ST_Y(ST_PointOnSurface(di.geom)) END
           AS district_lat,
         CASE WHEN s.sensitive OR d.identity_mode = 'confidential' THEN ST_X(ST_PointOnSurface(di.geom)) END
           AS district_lon,
         ans.answer, CASE WHEN ans.answer IS NOT NULL THEN ${knownPersonSql("d")} END AS known,
         (SELECT e.at FROM demand_events e WHERE e.demand_id = d.id AND e.visibility = 'public'
           ORDER BY e.demand_id DESC, e.id DESC LIMIT 1) AS updated_at
    FROM page JOIN (${PUBLIC_DEMAND_JOINS}) ON d.id = page.id
    LEFT JOIN open311_requests o ON o.demand_id = d.id
    LEFT JOIN LATERAL (SELECT e.data ->> 'answer' AS answer FROM demand_events e
           WHERE e.demand_id = d.id AND e.type = 'demand.answered'
           ORDER BY e.demand_id DESC, e.id DESC LIMIT 1) ans ON true
   ORDER BY d.opened_at DESC, d.id DESC`;

/** The filters of GET requests, already checked. */
export type RequestsFilter =
  | { kind: "ids"; protocols: string[] }
  | { kind: "search"; start: Date; end: Date; serviceCodes: string[] | null; statuses: string[] | null };

/** Demands matching the filter, newest first, at most MAX_REQUESTS. */
export function listRequests(sql: Sql, filter: RequestsFilter): Promise<RequestRow[]> {
  if (filter.kind === "ids") {
    return sql.query<RequestRow>(
      `WITH page AS (SELECT id FROM demands WHERE protocol = ANY($1::text[]) LIMIT ${MAX_REQUESTS})
       ${SELECT_PAGE}`,
      [filter.protocols],
    );
  }
  // The page is read off the (opened_at, id) index backwards; services are matched by id, not joined per row.
  return sql.query<RequestRow>(
    `WITH page AS (
       SELECT d.id FROM demands d
        WHERE d.opened_at >= $1 AND d.opened_at <= $2
          AND ($3::text[] IS NULL OR d.service_id IN (SELECT id FROM services WHERE code = ANY($3::text[])))
          AND ($4::text[] IS NULL OR d.status = ANY($4::text[]))
          -- A merged duplicate is not listed: its citizens follow the demand it joined (asked by id, it answers).
          AND d.status <> 'merged'
        ORDER BY d.opened_at DESC, d.id DESC LIMIT ${MAX_REQUESTS})
     ${SELECT_PAGE}`,
    [filter.start.toISOString(), filter.end.toISOString(), filter.serviceCodes, filter.statuses],
  );
}

/** The protocol number a token stands for; undefined when the token is unknown. */
export async function findProtocolByToken(sql: Sql, token: string): Promise<string | undefined> {
  const row = await maybeOne<{ protocol: string }>(
    sql,
    `SELECT d.protocol FROM open311_requests o JOIN demands d ON d.id = o.demand_id WHERE o.token = $1`,
    [token],
  );
  return row?.protocol;
}

/** One public status event of the update feed. */
export interface UpdateRow {
  id: number;
  at: Date;
  type: string;
  answer: string | null;
  /** What is known of the demand's people, when there is an answer to redact. */
  known: KnownPerson | null;
  protocol: string;
  outcome: string | null;
}

/** Public status events (`types`) between two instants, oldest first, at most MAX_UPDATES. */
export function listUpdates(
  sql: Sql,
  start: Date,
  end: Date,
  types: readonly string[],
): Promise<UpdateRow[]> {
  return sql.query<UpdateRow>(
    `SELECT e.id, e.at, e.type, e.data ->> 'answer' AS answer, d.protocol, d.outcome,
            CASE WHEN e.data ? 'answer' THEN ${knownPersonSql("d")} END AS known
       FROM demand_events e JOIN demands d ON d.id = e.demand_id
      WHERE e.visibility = 'public' AND e.at >= $1 AND e.at <= $2 AND e.type = ANY($3::text[])
      ORDER BY e.at, e.id LIMIT ${MAX_UPDATES}`,
    [start.toISOString(), end.toISOString(), types],
  );
}

/** The latest instant the catalogue changed: the discovery document's changeset. */
export async function catalogueChangedAt(sql: Sql): Promise<Date> {
  const row = await maybeOne<{ at: Date | null }>(sql, "SELECT max(updated_at) AS at FROM services");
  return row?.at ?? new Date(0);
}
