/** Reads of satisfaction: the indicators by department, channel or service. */
import type { Sql } from "../db/index.ts";

const KEYS = {
  department: "coalesce(dep.code, '-')",
  channel: "s.channel",
  service: "sv.code",
} as const;

/**
 * Surveys asked and answered, mean rating and share solved, grouped by `by`, for surveys answered since `since`
 * (YYYY-MM-DD) or all.
 */
export async function summarizeSatisfaction(sql: Sql, by: keyof typeof KEYS, since?: string) {
  const rows = await sql.query<{
    key: string;
    asked: number;
    answered: number;
    mean: number | null;
    solved: number;
  }>(
    `SELECT ${KEYS[by]} AS key, count(*)::int AS asked, count(s.answered_at)::int AS answered,
            round(avg(s.rating), 2)::float8 AS mean, count(*) FILTER (WHERE s.solved)::int AS solved
       FROM satisfaction_surveys s
       JOIN demands d ON d.id = s.demand_id
       JOIN services sv ON sv.id = d.service_id
       LEFT JOIN departments dep ON dep.id = s.department_id
      WHERE ($1::date IS NULL OR s.answered_at >= $1::date)
      GROUP BY 1 ORDER BY 2 DESC`,
    [since ?? null],
  );
  return rows.map((r) => ({
    [by]: r.key,
    asked: r.asked,
    answered: r.answered,
    meanRating: r.mean,
    solvedShare: r.answered > 0 ? Math.round((r.solved / r.answered) * 1000) / 1000 : null,
  }));
}
