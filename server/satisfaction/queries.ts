/**
 * Reads of satisfaction: what the citizen may still do on a demand, and the indicators by department, channel or
 * service.
 */
import { maybeOne, type Sql } from "../db/index.ts";
import { REOPEN_WINDOW_DAYS } from "./commands.ts";

/** What the citizen who proved a demand is theirs may do on its page now: the rules of commands.ts, read. */
export interface CitizenChoices {
  /** The latest closure's survey waits for an answer. */
  canRate: boolean;
  /** Closed, within the reopen window, and not rated solved. */
  canReopen: boolean;
  /** The last moment to reopen (closure + the window), when closed. */
  reopenUntil: string | null;
}

/** The rating and reopening the citizen's page offers for a demand (the commands check the same again). */
export async function findCitizenChoices(sql: Sql, demandId: number): Promise<CitizenChoices> {
  const row = await maybeOne<{
    closed: boolean;
    until: Date | null;
    within: boolean | null;
    surveyed: boolean;
    answered: boolean;
    solved: boolean | null;
  }>(
    sql,
    `SELECT d.status = 'closed' AS closed,
            d.closed_at + make_interval(days => $2) AS until,
            d.closed_at + make_interval(days => $2) > now() AS within,
            s.id IS NOT NULL AS surveyed, s.answered_at IS NOT NULL AS answered, s.solved
       FROM demands d
       LEFT JOIN satisfaction_surveys s ON s.demand_id = d.id AND s.round = d.reopen_count
      WHERE d.id = $1`,
    [demandId, REOPEN_WINDOW_DAYS],
  );
  if (!row?.closed) return { canRate: false, canReopen: false, reopenUntil: null };
  return {
    canRate: row.surveyed && !row.answered,
    canReopen: row.within === true && row.solved !== true,
    reopenUntil: row.until ? new Date(row.until).toISOString() : null,
  };
}

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
