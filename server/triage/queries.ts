/** Reads of the triage queue and of possible duplicates. */
import type { Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";

/**
 * Puts a demand in the triage queue (or back at a fresh place, unclaimed, when it is there already). Its place:
 * the opening moved earlier by an hour per point of triage score, and no later than two days before its deadline.
 */
export async function enqueueDemand(sql: Sql, demandId: number): Promise<void> {
  await sql.query(
    `INSERT INTO triage_queue (demand_id, queue_key)
     SELECT id, least(opened_at - make_interval(hours => triage_score), coalesce(due_at - interval '2 days', 'infinity'))
       FROM demands WHERE id = $1
     ON CONFLICT (demand_id) DO UPDATE
       SET queue_key = EXCLUDED.queue_key, queued_at = now(), claimed_by = NULL, claimed_until = NULL`,
    [demandId],
  );
}

/** Takes a demand out of the triage queue (dispatched, merged, cancelled); nothing when it was not there. */
export async function dequeueDemand(sql: Sql, demandId: number): Promise<void> {
  await sql.query("DELETE FROM triage_queue WHERE demand_id = $1", [demandId]);
}

/** The live claim on a queued demand, if any. */
export async function claimOf(sql: Sql, demandId: number): Promise<{ claimed_by: number } | undefined> {
  const [row] = await sql.query<{ claimed_by: number }>(
    "SELECT claimed_by FROM triage_queue WHERE demand_id = $1 AND claimed_until > now()",
    [demandId],
  );
  return row;
}

/** A demand is a possible duplicate of another of the same service this close, opened this recently. */
export const DUPLICATE_RADIUS_METRES = 100;
export const DUPLICATE_WINDOW_DAYS = 30;

/**
 * A possible duplicate. Only protocol, status and dates ever leave through a public route; the rest (distance, block,
 * address, answer) is what the linking rule (server/duplicates/rule.ts) and the triage desk read.
 */
export interface DuplicateCandidate {
  id: number;
  protocol: string;
  status: string;
  opened_at: Date;
  distance_m: number;
  /** Both demands lie in the same fiscal block. */
  same_block: boolean;
  /** The candidate's address as its citizen typed it (never published: only compared with the new one's). */
  address: string | null;
  /** The new demand's own typed address (the same on every row), null for a bare point. */
  origin_address: string | null;
  /** The candidate has an answer written. */
  answered: boolean;
  /** Hours between the candidate's opening and the new demand's (or now). */
  age_hours: number;
}

/**
 * Open demands of the same service near a point (or near a demand, opened before it), nearest first. About
 * 0.0015° of latitude is the radius's bounding box, so the GiST index on location answers.
 */
export function findDuplicates(
  sql: Sql,
  near: { demandId: number } | { serviceId: number; lat: number; lon: number; radiusM?: number },
): Promise<DuplicateCandidate[]> {
  const origin =
    "demandId" in near
      ? "SELECT location AS geom, service_id, opened_at, id, block_id, address FROM demands WHERE id = $1"
      : `SELECT ST_SetSRID(ST_MakePoint($3::float8, $2::float8), 4326) AS geom, $1::bigint AS service_id,
                now() AS opened_at, 0::bigint AS id, NULL::bigint AS block_id, NULL::text AS address`;
  const params = "demandId" in near ? [near.demandId] : [near.serviceId, near.lat, near.lon];
  const n = params.length;
  return sql.query<DuplicateCandidate>(
    `WITH o AS (${origin})
     SELECT d.id, d.protocol, d.status, d.opened_at,
            round(ST_Distance(d.location::geography, o.geom::geography))::int AS distance_m,
            coalesce(d.block_id = o.block_id, false) AS same_block,
            d.address, o.address AS origin_address,
            (d.answered_at IS NOT NULL OR d.status = 'answered') AS answered,
            extract(epoch FROM o.opened_at - d.opened_at)::float8 / 3600 AS age_hours
       FROM demands d, o
      WHERE o.geom IS NOT NULL
        AND d.location && ST_Expand(o.geom, 0.0015)
        AND ST_DWithin(d.location::geography, o.geom::geography, $${n + 1})
        AND d.service_id = o.service_id AND d.id <> o.id
        AND d.opened_at <= o.opened_at AND d.opened_at > o.opened_at - make_interval(days => $${n + 2})
        AND d.status NOT IN ('closed', 'cancelled', 'merged')
      ORDER BY distance_m, d.opened_at
      LIMIT 10`,
    [...params, ("radiusM" in near && near.radiusM) || DUPLICATE_RADIUS_METRES, DUPLICATE_WINDOW_DAYS],
  );
}

/** One line of the queue as agents and supervisors see it. */
export interface QueueItem {
  id: number;
  protocol: string;
  status: string;
  service_code: string;
  opened_at: Date;
  due_at: Date | null;
  priority: number;
  claimed_by: number | null;
  claimed_until: Date | null;
}

/** The waiting demands, most urgent first, as takeNext orders them; priority is hours since the queue key. */
export async function listQueue(
  sql: Sql,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ rows: QueueItem[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["string", "number"]);
  // The queue key travels as PostgreSQL's own text of the instant, so microseconds survive the cursor.
  const rows = await sql.query<QueueItem & { sort_key: string }>(
    `SELECT q.queue_key::text AS sort_key, d.id, d.protocol, d.status, s.code AS service_code, d.opened_at, d.due_at,
            floor(extract(epoch FROM now() - q.queue_key) / 3600)::int AS priority,
            CASE WHEN q.claimed_until > now() THEN q.claimed_by END AS claimed_by,
            CASE WHEN q.claimed_until > now() THEN q.claimed_until END AS claimed_until
       FROM triage_queue q
       JOIN demands d ON d.id = q.demand_id
       JOIN services s ON s.id = d.service_id
      WHERE $2::timestamptz IS NULL OR (q.queue_key, q.demand_id) > ($2::timestamptz, $3::bigint)
      ORDER BY q.queue_key, q.demand_id
      LIMIT $1`,
    [query.limit + 1, after?.[0] ?? null, after?.[1] ?? null],
  );
  return pageOf(rows, query.limit, (r) => [r.sort_key, r.id]);
}
