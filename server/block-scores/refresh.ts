/**
 * Computes the quality score of every block and service pair, or of some blocks' pairs, in one set-based statement
 * (the method is docs/quality-scores.md): four components in 0..1 — the inspectors' answers (field), the citizen
 * auditors' answers (auditor), the open and late demands (demands) and the satisfaction ratings (satisfaction) —
 * each with its evidence count, and the score 100 × Σ(weight × value) / Σ(weight) over the components that have
 * evidence. A pair with no evidence (or whose evidence all weighs 0) loses its row.
 */
import type { Sql } from "../db/index.ts";
import { loadScoreSettings, type ScoreSettings } from "./settings.ts";

/** What one refresh did: score rows written (new or updated) and rows removed because their evidence vanished. */
export interface RefreshOutcome {
  written: number;
  removed: number;
}

/**
 * Statuses in which a demand is no longer waiting for the city: answered (the department filed its answer), closed,
 * cancelled, merged. The others count as open (the same split as Open311's open/closed).
 */
export const NOT_OPEN = ["answered", "closed", "cancelled", "merged"];

/**
 * The age of the evidence at `at` in half-lives, capped at 1000 so that the weight never underflows to 0. An answer
 * stamped after the instant (a tablet's clock ahead of the server's) is counted as new, not left out: the refresh
 * that follows its sync must see it.
 */
const halfLives = (at: string) =>
  `least(1000, greatest(0, extract(epoch FROM s.at - ${at})::float8) / 86400 / s.half_life)`;

// $1 the blocks (null: all), $2 half-life (days), $3 window (days), $4 demands_half, $5..$8 the weights, $9 the
// instant the evidence is aged to (null: now), $10 the statuses that are not open.
const REFRESH_SQL = `
WITH s AS (
  SELECT coalesce($9::timestamptz, now()) AS at, $2::float8 AS half_life,
         coalesce($9::timestamptz, now()) - make_interval(days => $3::int) AS since),
answered AS (
  SELECT a.block_id, a.service_id, a.respondent_kind AS kind, count(*)::int AS n,
         sum(power(0.5, ${halfLives("a.answered_at")}) * a.score) / sum(power(0.5, ${halfLives("a.answered_at")}))
           AS value
    FROM answers a
    JOIN responses r ON r.id = a.response_id AND r.state = 'accepted'
    CROSS JOIN s
   WHERE a.score IS NOT NULL AND a.block_id IS NOT NULL AND a.service_id IS NOT NULL
     AND a.answered_at >= s.since
     AND ($1::bigint[] IS NULL OR a.block_id = ANY($1::bigint[]))
   GROUP BY 1, 2, 3),
demanded AS (
  SELECT d.block_id, d.service_id, count(*)::int AS n,
         count(*) FILTER (WHERE d.status <> ALL($10::text[]))::int AS open,
         count(*) FILTER (WHERE d.status <> ALL($10::text[]) AND d.due_at < s.at AND d.paused_at IS NULL)::int
           AS late
    FROM demands d
    CROSS JOIN s
   WHERE d.block_id IS NOT NULL
     AND (d.status <> ALL($10::text[]) OR d.opened_at >= s.since)
     AND ($1::bigint[] IS NULL OR d.block_id = ANY($1::bigint[]))
   GROUP BY 1, 2),
rated AS (
  SELECT d.block_id, d.service_id, count(*)::int AS n,
         sum(power(0.5, ${halfLives("v.answered_at")}) * (v.rating - 1) / 4.0)
           / sum(power(0.5, ${halfLives("v.answered_at")})) AS value
    FROM satisfaction_surveys v
    JOIN demands d ON d.id = v.demand_id
    CROSS JOIN s
   WHERE v.rating IS NOT NULL AND d.block_id IS NOT NULL
     AND v.answered_at >= s.since
     AND ($1::bigint[] IS NULL OR d.block_id = ANY($1::bigint[]))
   GROUP BY 1, 2),
pairs AS (
  SELECT block_id, service_id FROM answered
  UNION SELECT block_id, service_id FROM demanded
  UNION SELECT block_id, service_id FROM rated),
parts AS (
  SELECT p.block_id, p.service_id,
         f.value AS fv, coalesce(f.n, 0) AS fn, au.value AS av, coalesce(au.n, 0) AS an,
         $4::float8 / ($4::float8 + dm.open + dm.late) AS dv, coalesce(dm.n, 0) AS dn, dm.open, dm.late,
         r.value AS sv, coalesce(r.n, 0) AS sn
    FROM pairs p
    LEFT JOIN answered f ON f.block_id = p.block_id AND f.service_id = p.service_id AND f.kind = 'inspector'
    LEFT JOIN answered au ON au.block_id = p.block_id AND au.service_id = p.service_id AND au.kind = 'auditor'
    LEFT JOIN demanded dm ON dm.block_id = p.block_id AND dm.service_id = p.service_id
    LEFT JOIN rated r ON r.block_id = p.block_id AND r.service_id = p.service_id),
scored AS (
  SELECT x.*,
         ($5::float8 * coalesce(fv, 0) + $6::float8 * coalesce(av, 0) + $7::float8 * coalesce(dv, 0)
            + $8::float8 * coalesce(sv, 0))
         / nullif($5::float8 * (fv IS NOT NULL)::int + $6::float8 * (av IS NOT NULL)::int
            + $7::float8 * (dv IS NOT NULL)::int + $8::float8 * (sv IS NOT NULL)::int, 0) AS ratio
    FROM parts x),
final AS (
  SELECT block_id, service_id, round((100 * ratio)::numeric, 1)::real AS score, fn + an + dn + sn AS evidence,
         jsonb_strip_nulls(jsonb_build_object(
           'field', CASE WHEN fv IS NOT NULL THEN
             jsonb_build_object('value', round(fv::numeric, 4), 'weight', $5::float8, 'evidence', fn) END,
           'auditor', CASE WHEN av IS NOT NULL THEN
             jsonb_build_object('value', round(av::numeric, 4), 'weight', $6::float8, 'evidence', an) END,
           'demands', CASE WHEN dv IS NOT NULL THEN
             jsonb_build_object('value', round(dv::numeric, 4), 'weight', $7::float8, 'evidence', dn,
                                'open', open, 'late', late) END,
           'satisfaction', CASE WHEN sv IS NOT NULL THEN
             jsonb_build_object('value', round(sv::numeric, 4), 'weight', $8::float8, 'evidence', sn) END))
           AS components
    FROM scored
   WHERE ratio IS NOT NULL),
written AS (
  INSERT INTO block_scores (block_id, service_id, score, components, evidence, computed_at)
  SELECT f.block_id, f.service_id, f.score, f.components, f.evidence, s.at FROM final f CROSS JOIN s
  ON CONFLICT (tenant_id, block_id, service_id) DO UPDATE
    SET score = EXCLUDED.score, components = EXCLUDED.components, evidence = EXCLUDED.evidence,
        computed_at = EXCLUDED.computed_at
  RETURNING 1),
removed AS (
  DELETE FROM block_scores b
   WHERE ($1::bigint[] IS NULL OR b.block_id = ANY($1::bigint[]))
     AND NOT EXISTS (SELECT 1 FROM final f WHERE f.block_id = b.block_id AND f.service_id = b.service_id)
  RETURNING 1)
SELECT (SELECT count(*) FROM written)::int AS written, (SELECT count(*) FROM removed)::int AS removed`;

/** Options of a refresh: the settings (default: the tenant's) and the instant evidence is aged to (default: now). */
export interface RefreshOptions {
  settings?: ScoreSettings;
  asOf?: Date;
}

/**
 * Recomputes the scores of the given blocks (null: every pair of the tenant) in one statement. Call it inside a
 * transaction: refreshes of one tenant take turns on an advisory lock, so a full and an incremental refresh never
 * write the same rows in two orders (a deadlock) and the last to commit saw the other's evidence.
 */
export async function refreshBlockScores(
  tx: Sql,
  blockIds: readonly number[] | null,
  options: RefreshOptions = {},
): Promise<RefreshOutcome> {
  if (blockIds !== null && blockIds.length === 0) return { written: 0, removed: 0 };
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('block-scores'), coalesce(responsiva_tenant(), 0))");
  const settings = options.settings ?? (await loadScoreSettings(tx));
  const [outcome] = await tx.query<RefreshOutcome>(REFRESH_SQL, [
    blockIds,
    settings.halfLifeDays,
    settings.windowDays,
    settings.demandsHalf,
    settings.fieldWeight,
    settings.auditorWeight,
    settings.demandsWeight,
    settings.satisfactionWeight,
    options.asOf ?? null,
    NOT_OPEN,
  ]);
  return outcome ?? { written: 0, removed: 0 };
}
