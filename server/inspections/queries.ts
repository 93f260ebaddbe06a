/**
 * Reads of inspection routes (issue 17): a route with its visits, the routes of a day, the numbers a block shows
 * (open demands, late work orders, its worst score) and the planner's ranking of the blocks of an area by them.
 */
import type { Sql } from "../db/index.ts";

/** Demand statuses still waiting for the city: not yet answered, closed, cancelled or merged. */
const OPEN_DEMAND = "d.status NOT IN ('answered', 'closed', 'cancelled', 'merged')";

/** A block's district: the one holding a point on its surface (a block lies in one district). */
export const BLOCK_DISTRICT_SQL = `(SELECT dd.code FROM districts dd
   WHERE ST_Intersects(dd.geom, ST_PointOnSurface(b.geom)) ORDER BY dd.code LIMIT 1)`;

/** What the planner saw at a block: its open demands, its open work orders past their due time, its worst score. */
export interface BlockFacts {
  openDemands: number;
  lateOrders: number;
  /** The lowest of its block scores (0–100), or null when it has none. */
  score: number | null;
}

/**
 * The facts of the given blocks (all of them, of every service; of `serviceIds` only for the scores when given),
 * in three grouped reads over the demands' block index.
 */
export async function blockFacts(
  sql: Sql,
  blockIds: number[],
  serviceIds: number[] | null = null,
): Promise<Map<number, BlockFacts>> {
  const rows = await sql.query<{
    id: number;
    open_demands: number;
    late_orders: number;
    score: number | null;
  }>(
    `WITH ids AS (SELECT DISTINCT unnest($1::bigint[]) AS id),
     o AS (SELECT d.block_id, count(*)::int AS n FROM demands d
            WHERE d.block_id IN (SELECT id FROM ids) AND ${OPEN_DEMAND} GROUP BY d.block_id),
     l AS (SELECT d.block_id, count(*)::int AS n FROM work_orders w JOIN demands d ON d.id = w.demand_id
            WHERE d.block_id IN (SELECT id FROM ids) AND w.finished_at IS NULL AND w.due_at < now()
            GROUP BY d.block_id),
     s AS (SELECT block_id, min(score)::float8 AS score FROM block_scores
            WHERE block_id IN (SELECT id FROM ids) AND ($2::bigint[] IS NULL OR service_id = ANY($2::bigint[]))
            GROUP BY block_id)
     SELECT ids.id, coalesce(o.n, 0) AS open_demands, coalesce(l.n, 0) AS late_orders, s.score
       FROM ids LEFT JOIN o ON o.block_id = ids.id LEFT JOIN l ON l.block_id = ids.id
       LEFT JOIN s ON s.block_id = ids.id`,
    [blockIds, serviceIds],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        openDemands: r.open_demands,
        lateOrders: r.late_orders,
        score: r.score === null ? null : Math.round(r.score),
      },
    ]),
  );
}

/** A route row with its inspector. */
export interface RouteRow {
  id: number;
  inspector_id: number;
  inspector_name: string;
  day: string;
  state: "planned" | "cancelled";
  revision: number;
  note: string | null;
}

/** A visit row with its block and questionnaire. */
export interface VisitRow {
  id: number;
  route_id: number;
  position: number;
  block_id: number;
  sector: string;
  block: string;
  district_code: string | null;
  questionnaire_id: number;
  questionnaire_code: string;
  questionnaire_title: Record<string, string>;
  reason: string;
  evidence: Record<string, unknown>;
  state: "pending" | "done" | "skipped";
  note: string | null;
  done_at: Date | null;
}

const ROUTES = `SELECT r.id, r.inspector_id, u.name AS inspector_name, to_char(r.day, 'YYYY-MM-DD') AS day, r.state,
       r.revision, r.note
  FROM inspection_routes r JOIN staff_users u ON u.id = r.inspector_id`;

/** The routes with these ids or of a day (of one inspector), with their visits not removed. */
async function routesWhere(
  sql: Sql,
  where: string,
  params: unknown[],
): Promise<{ route: RouteRow; visits: VisitRow[] }[]> {
  const routes = await sql.query<RouteRow>(`${ROUTES} WHERE ${where} ORDER BY r.day, u.name, r.id`, params);
  if (routes.length === 0) return [];
  const visits = await sql.query<VisitRow>(
    `SELECT v.id, v.route_id, v.position, v.block_id, b.sector, b.block, ${BLOCK_DISTRICT_SQL} AS district_code,
            v.questionnaire_id, q.code AS questionnaire_code, q.title AS questionnaire_title, v.reason, v.evidence,
            v.state, v.note, v.done_at
       FROM inspection_visits v JOIN blocks b ON b.id = v.block_id JOIN questionnaires q ON q.id = v.questionnaire_id
      WHERE v.route_id = ANY($1::bigint[]) AND v.removed_at IS NULL
      ORDER BY v.route_id, v.position, v.id`,
    [routes.map((r) => r.id)],
  );
  return routes.map((route) => ({ route, visits: visits.filter((v) => v.route_id === route.id) }));
}

/** One route with its visits, or undefined. */
export async function findRoute(sql: Sql, id: number) {
  return (await routesWhere(sql, "r.id = $1", [id]))[0];
}

/** The routes of a day, of every inspector or of one; cancelled ones too (their state says so). */
export function listRoutes(sql: Sql, day: string, inspectorId: number | undefined) {
  return routesWhere(sql, "r.day = $1::date AND ($2::bigint IS NULL OR r.inspector_id = $2)", [
    day,
    inspectorId ?? null,
  ]);
}

/** One block the planner proposes, with why and the numbers behind it. */
export interface Suggestion {
  block: { id: number; sector: string; block: string; districtCode: string | null };
  reason: "open_demands" | "late_orders" | "bad_scores";
  evidence: BlockFacts;
  rank: number;
}

/** Where to look and how many blocks to propose. */
export interface SuggestionArea {
  day: string;
  district?: string;
  subprefeitura?: string;
  serviceIds: number[] | null;
  count: number;
  skipVisitedDays: number;
}

/**
 * The blocks of an area ranked by where the data says to look: a late work order weighs two open demands, and a
 * score counts by how far below 100 it is (a score of 0 weighs five open demands). Blocks with nothing to see are
 * left out, and so are blocks answered for or planned in the `skipVisitedDays` before the day (or on it).
 */
export async function suggestBlocks(sql: Sql, area: SuggestionArea): Promise<Suggestion[]> {
  const rows = await sql.query<{
    id: number;
    sector: string;
    block: string;
    district_code: string | null;
    open_demands: number;
    late_orders: number;
    score: number | null;
  }>(
    `WITH area AS (
       SELECT b.id FROM blocks b
        WHERE ($1::text IS NULL OR EXISTS (SELECT 1 FROM districts d
                WHERE d.code = $1 AND ST_Intersects(d.geom, ST_PointOnSurface(b.geom))))
          AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM subprefeituras s
                WHERE s.code = $2 AND ST_Intersects(s.geom, ST_PointOnSurface(b.geom))))),
     o AS (SELECT d.block_id, count(*)::int AS n FROM demands d
            WHERE d.block_id IN (SELECT id FROM area) AND ${OPEN_DEMAND} GROUP BY d.block_id),
     l AS (SELECT d.block_id, count(*)::int AS n FROM work_orders w JOIN demands d ON d.id = w.demand_id
            WHERE d.block_id IN (SELECT id FROM area) AND w.finished_at IS NULL AND w.due_at < now()
            GROUP BY d.block_id),
     s AS (SELECT block_id, min(score)::float8 AS score FROM block_scores
            WHERE block_id IN (SELECT id FROM area) AND ($3::bigint[] IS NULL OR service_id = ANY($3::bigint[]))
            GROUP BY block_id),
     seen AS (
       SELECT r.block_id FROM responses r
        WHERE r.block_id IN (SELECT id FROM area) AND r.state = 'accepted'
          AND r.answered_at >= $4::date - $5::int
       UNION
       SELECT v.block_id FROM inspection_visits v JOIN inspection_routes ir ON ir.id = v.route_id
        WHERE v.block_id IN (SELECT id FROM area) AND v.removed_at IS NULL AND ir.state = 'planned'
          AND ir.day BETWEEN $4::date - $5::int AND $4::date),
     ranked AS (
       SELECT a.id, coalesce(o.n, 0) AS open_demands, coalesce(l.n, 0) AS late_orders, s.score,
              coalesce(o.n, 0) + 2 * coalesce(l.n, 0) + coalesce((100 - s.score) / 20, 0) AS weight
         FROM area a LEFT JOIN o ON o.block_id = a.id LEFT JOIN l ON l.block_id = a.id
         LEFT JOIN s ON s.block_id = a.id
        WHERE a.id NOT IN (SELECT block_id FROM seen WHERE block_id IS NOT NULL))
     SELECT r.id, b.sector, b.block, ${BLOCK_DISTRICT_SQL} AS district_code, r.open_demands, r.late_orders, r.score
       FROM ranked r JOIN blocks b ON b.id = r.id
      WHERE r.weight > 0
      ORDER BY r.weight DESC, r.id
      LIMIT $6`,
    [
      area.district ?? null,
      area.subprefeitura ?? null,
      area.serviceIds,
      area.day,
      area.skipVisitedDays,
      area.count,
    ],
  );
  return rows.map((r, i) => {
    const evidence: BlockFacts = {
      openDemands: r.open_demands,
      lateOrders: r.late_orders,
      score: r.score === null ? null : Math.round(r.score),
    };
    // The reason is the largest part of the weight.
    const parts = [
      ["late_orders", 2 * r.late_orders],
      ["open_demands", r.open_demands],
      ["bad_scores", r.score === null ? 0 : (100 - r.score) / 20],
    ] as const;
    const reason = parts.reduce((best, p) => (p[1] > best[1] ? p : best))[0];
    return {
      block: { id: r.id, sector: r.sector, block: r.block, districtCode: r.district_code },
      reason,
      evidence,
      rank: i + 1,
    };
  });
}

/** The services a set of questionnaires measure: each one's service, or every service of its group. */
export async function servicesOfQuestionnaires(sql: Sql, ids: number[]): Promise<number[]> {
  const rows = await sql.query<{ id: number }>(
    `SELECT q.service_id AS id FROM questionnaires q WHERE q.id = ANY($1::bigint[]) AND q.service_id IS NOT NULL
     UNION
     SELECT s.id FROM services s JOIN questionnaires q ON q.service_group_id = s.group_id
      WHERE q.id = ANY($1::bigint[])`,
    [ids],
  );
  return rows.map((r) => r.id);
}
