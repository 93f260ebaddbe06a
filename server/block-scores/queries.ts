/**
 * Reads of the block scores: the command centre map's layer (the blocks of a box, per service or summed over
 * services), one block's scores with the evidence behind them, and the public figure per district.
 */
import type { Sql } from "../db/index.ts";
import { AppError, notFound, unprocessable } from "../errors.ts";
import { currentTenant } from "../tenants/current.ts";

/** Blocks one map answer holds at most: the whole city is ~35,000; a screen of the command centre far fewer. */
export const MAX_FEATURES = 5000;

/**
 * Blocks with a score a district needs before its score is published: one block's score is close to one inspector's
 * visit or one citizen's rating of one street, and a mean of a few blocks is noise, not a district's quality.
 */
export const MIN_PUBLIC_BLOCKS = 5;

/** Rows of each kind of evidence one block's answer lists (the latest). */
export const EVIDENCE_ROWS = 50;

/** Which services a read covers: one by code, a group's (with its sub-groups), or every service. */
export interface ServiceFilter {
  service?: string | undefined;
  group?: string | undefined;
}

/** The service ids of a filter (null: every service); an unknown code is a 422 naming the field. */
export async function resolveServices(sql: Sql, filter: ServiceFilter): Promise<number[] | null> {
  if (filter.service !== undefined) {
    const rows = await sql.query<{ id: number }>("SELECT id FROM services WHERE code = $1", [filter.service]);
    if (rows.length === 0) throw unprocessable("unknown_service", "service", { code: filter.service });
    return rows.map((r) => Number(r.id));
  }
  if (filter.group !== undefined) {
    const rows = await sql.query<{ id: number | null }>(
      `SELECT s.id FROM service_groups g
         LEFT JOIN services s ON s.group_id IN (SELECT c.id FROM service_groups c WHERE c.id = g.id OR c.parent_id = g.id)
        WHERE g.code = $1`,
      [filter.group],
    );
    if (rows.length === 0) throw unprocessable("unknown_group", "group", { code: filter.group });
    return rows.filter((r) => r.id !== null).map((r) => Number(r.id));
  }
  return null;
}

/** A block of the map layer: its score (the mean over the services read), and its worst service. */
export interface LayerRow {
  block_id: number;
  sector: string;
  block: string;
  score: number;
  evidence: number;
  services: number;
  worst_service: string;
  worst_score: number;
  geometry: string;
}

/**
 * The scored blocks whose outline meets the box, each with the mean of its services' scores (of the filter), their
 * evidence summed and its worst service. More than `max` blocks is a 422: the map asks again zoomed in.
 */
export async function readLayer(
  sql: Sql,
  bbox: readonly [number, number, number, number],
  serviceIds: number[] | null,
  max = MAX_FEATURES,
): Promise<LayerRow[]> {
  const rows = await sql.query<LayerRow>(
    `WITH hit AS (
       SELECT b.id, b.sector, b.block, b.geom FROM blocks b
        WHERE b.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)
          AND ST_Intersects(b.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))),
     per AS (
       SELECT h.id, avg(bs.score)::real AS score, sum(bs.evidence)::int AS evidence, count(*)::int AS services,
              (array_agg(s.code ORDER BY bs.score, s.code))[1] AS worst_service, min(bs.score) AS worst_score
         FROM hit h
         JOIN block_scores bs ON bs.block_id = h.id
         JOIN services s ON s.id = bs.service_id
        WHERE $5::bigint[] IS NULL OR bs.service_id = ANY($5::bigint[])
        GROUP BY h.id
        ORDER BY h.id
        LIMIT $6)
     SELECT h.id AS block_id, h.sector, h.block, p.score, p.evidence, p.services, p.worst_service, p.worst_score,
            ST_AsGeoJSON(ST_SimplifyPreserveTopology(h.geom, 0.00002), 6) AS geometry
       FROM per p JOIN hit h ON h.id = p.id
      ORDER BY h.id`,
    [...bbox, serviceIds, max + 1],
  );
  if (rows.length > max) {
    throw new AppError(422, "bbox_too_large", { max }, [
      {
        field: "bbox",
        code: "bbox_too_large",
        key: "block_scores.bbox_too_large",
        params: { max },
      },
    ]);
  }
  return rows;
}

/** A block as its evidence page names it. */
export interface BlockRow {
  id: number;
  sector: string;
  block: string;
}

/** One block's score for one service, as stored. */
export interface ScoreRow {
  service_id: number;
  service_code: string;
  service_name: Record<string, string>;
  score: number;
  components: Record<
    string,
    { value: number; weight: number; evidence: number; open?: number; late?: number }
  >;
  evidence: number;
  computed_at: Date;
}

/** A scored answer given on the block: an inspector's (with their name) or a citizen auditor's (never who). */
export interface AnswerRow {
  response_id: number;
  service_id: number;
  question: string;
  /** The question's label in the version it was answered on, per locale. */
  label: Record<string, string> | null;
  value: unknown;
  score: number;
  answered_at: Date;
  respondent_kind: "inspector" | "auditor";
  inspector_name: string | null;
}

/** An open demand of the block. */
export interface OpenDemandRow {
  protocol: string;
  service_id: number;
  service_code: string;
  status: string;
  due_at: Date | null;
  late: boolean;
}

/** A satisfaction rating of a demand of the block (no comment: the citizen's own words stay with the demand). */
export interface RatingRow {
  protocol: string;
  service_id: number;
  rating: number;
  solved: boolean | null;
  answered_at: Date;
}

/** Everything the evidence page of one block shows. */
export interface BlockEvidence {
  block: BlockRow;
  scores: ScoreRow[];
  answers: AnswerRow[];
  demands: OpenDemandRow[];
  ratings: RatingRow[];
}

/** One block's scores and the latest evidence of each kind (within `windowDays`); 404 for an unknown block. */
export async function readBlockEvidence(
  sql: Sql,
  blockId: number,
  windowDays: number,
): Promise<BlockEvidence> {
  const [block] = await sql.query<BlockRow>("SELECT id, sector, block FROM blocks WHERE id = $1", [blockId]);
  if (!block) throw notFound(`/api/v1/block-scores/blocks/${blockId}`);
  const scores = await sql.query<ScoreRow>(
    `SELECT bs.service_id, s.code AS service_code, s.name AS service_name, bs.score, bs.components, bs.evidence,
            bs.computed_at
       FROM block_scores bs JOIN services s ON s.id = bs.service_id
      WHERE bs.block_id = $1
      ORDER BY bs.score, s.code`,
    [blockId],
  );
  const answers = await sql.query<AnswerRow>(
    `SELECT a.response_id, a.service_id, a.question, a.value, a.score, a.answered_at, a.respondent_kind,
            CASE WHEN a.respondent_kind = 'inspector' THEN u.name END AS inspector_name,
            (SELECT q->'label' FROM jsonb_array_elements(v.definition->'questions') q
              WHERE q->>'name' = a.question LIMIT 1) AS label
       FROM answers a
       JOIN responses r ON r.id = a.response_id AND r.state = 'accepted'
       JOIN questionnaire_versions v ON v.id = r.version_id
       LEFT JOIN staff_users u ON u.id = r.staff_user_id
      WHERE a.block_id = $1 AND a.score IS NOT NULL AND a.service_id IS NOT NULL
        AND a.answered_at >= now() - make_interval(days => $2::int)
      ORDER BY a.answered_at DESC, a.id DESC
      LIMIT $3`,
    [blockId, windowDays, EVIDENCE_ROWS],
  );
  const demands = await sql.query<OpenDemandRow>(
    `SELECT d.protocol, d.service_id, s.code AS service_code, d.status, d.due_at,
            (d.due_at < now() AND d.paused_at IS NULL) AS late
       FROM demands d JOIN services s ON s.id = d.service_id
      WHERE d.block_id = $1 AND d.status NOT IN ('answered', 'closed', 'cancelled', 'merged')
      ORDER BY (d.due_at < now() AND d.paused_at IS NULL) DESC, d.due_at NULLS LAST, d.id
      LIMIT $2`,
    [blockId, EVIDENCE_ROWS],
  );
  const ratings = await sql.query<RatingRow>(
    `SELECT d.protocol, d.service_id, v.rating, v.solved, v.answered_at
       FROM satisfaction_surveys v JOIN demands d ON d.id = v.demand_id
      WHERE d.block_id = $1 AND v.rating IS NOT NULL
        AND v.answered_at >= now() - make_interval(days => $2::int)
      ORDER BY v.answered_at DESC, v.id DESC
      LIMIT $3`,
    [blockId, windowDays, EVIDENCE_ROWS],
  );
  return { block, scores, answers, demands, ratings };
}

/** One district's public figure: the mean of its blocks' scores, shown only with MIN_PUBLIC_BLOCKS blocks. */
export interface DistrictRow {
  code: string;
  name: string;
  blocks: number;
  score: number | null;
  evidence: number | null;
}

/**
 * Every district with how many of its blocks have a score (of the filter's services) and the mean of those blocks'
 * scores (each block the mean of its services'), withheld under MIN_PUBLIC_BLOCKS. A block belongs to the district
 * that holds a point of its surface. The points are made in a step of their own: in the district join the predicate
 * is then only ST_Intersects (LEAKPROOF, migration 0065), so under row-level security it still uses the districts'
 * GiST index.
 */
export async function readDistricts(sql: Sql, serviceIds: number[] | null): Promise<DistrictRow[]> {
  return sql.query<DistrictRow>(
    `WITH per AS (
       SELECT bs.block_id, avg(bs.score) AS score, sum(bs.evidence) AS evidence
         FROM block_scores bs
        WHERE $1::bigint[] IS NULL OR bs.service_id = ANY($1::bigint[])
        GROUP BY bs.block_id),
     points AS MATERIALIZED (
       SELECT p.score, p.evidence, ST_PointOnSurface(b.geom) AS pt FROM per p JOIN blocks b ON b.id = p.block_id),
     placed AS (
       SELECT d.code, p.score, p.evidence FROM points p JOIN districts d ON ST_Intersects(d.geom, p.pt))
     SELECT d.code, d.name, count(x.score)::int AS blocks,
            CASE WHEN count(x.score) >= $2 THEN round(avg(x.score)::numeric, 1)::real END AS score,
            (CASE WHEN count(x.score) >= $2 THEN sum(x.evidence) END)::int AS evidence
       FROM districts d LEFT JOIN placed x ON x.code = d.code
      GROUP BY d.code, d.name
      ORDER BY d.name, d.code`,
    [serviceIds, MIN_PUBLIC_BLOCKS],
  );
}

/** How long a process keeps a public district answer: scores move hourly, and the read joins every block. */
export const DISTRICTS_HELD_MS = 60_000;
const heldDistricts = new Map<string, { until: number; rows: Promise<DistrictRow[]> }>();

/** Drops the district answers this process holds (a process that moves to another database: the test shards). */
export function forgetHeldDistricts(): void {
  heldDistricts.clear();
}

/**
 * readDistricts behind a short per-process cache by tenant and services, so that a public page read by many costs
 * one join a minute. Bounded: past 500 keys (filters) the cache starts again.
 */
export function readDistrictsHeld(
  sql: Sql,
  serviceIds: number[] | null,
  now = Date.now(),
): Promise<DistrictRow[]> {
  const key = `${currentTenant()}|${serviceIds?.join(",") ?? "*"}`;
  const held = heldDistricts.get(key);
  if (held && held.until > now) return held.rows;
  if (heldDistricts.size >= 500) heldDistricts.clear();
  const rows = readDistricts(sql, serviceIds);
  heldDistricts.set(key, { until: now + DISTRICTS_HELD_MS, rows });
  rows.catch(() => heldDistricts.delete(key));
  return rows;
}
