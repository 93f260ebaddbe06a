/**
 * The indicators by month, kept (decision 0053): each period indicator's rows grouped by month, for the whole city
 * and per district, subprefeitura, department, service and channel, written to `indicator_months` by the
 * indicator's own statement (queries.ts). A trend over many months then reads a few hundred stored rows instead of
 * millions of facts. A month is served from here only while it is built at the version its facts have now
 * (indicator_month_state, raised by every write of facts touching it, facts.ts); any other month — the current
 * one, always — is read from the facts by the same statement, so the answer is the same either way.
 */
import type { Db, Sql } from "../db/index.ts";
import { INDICATORS, type IndicatorDefinition } from "./definitions.ts";
import { storeDistributions } from "./distributions.ts";
import {
  buildIndicatorSql,
  codeFiltersOf,
  type GroupKey,
  type IndicatorQuery,
  type IndicatorRow,
  type Period,
  rowOf,
} from "./queries.ts";

/** The keys kept by month, each with the filter that selects one of its codes. */
const DIMS = [
  ["district", "district"],
  ["subprefeitura", "subprefeitura"],
  ["department", "department"],
  ["service", "service"],
  ["channel", "channel"],
] as const satisfies ReadonlyArray<readonly [GroupKey, keyof IndicatorQuery]>;
export type MonthDim = (typeof DIMS)[number][0];

/** The months a query asks for, when they can be read by month: whole months from `from`, the last up to `to`. */
interface MonthPlan {
  months: string[]; // YYYY-MM-01
  dim: MonthDim | "";
  code?: string;
}

export const firstOf = (day: string) => `${day.slice(0, 7)}-01`;
export const lastDayOf = (month: string) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return `${month.slice(0, 7)}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
};
const nextMonth = (month: string) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
};

/**
 * Whether `query` over `period` is a trend the months can answer: grouped by month (and at most one kept key),
 * filtered by at most one kept key with one code (and by nothing else), over whole months (the last may end today).
 */
export function monthPlanOf(
  indicator: IndicatorDefinition,
  query: IndicatorQuery,
  period: Period,
  today: string,
): MonthPlan | undefined {
  if (indicator.periodBy === "now") return undefined;
  const groupBy = query.groupBy ?? [];
  if (groupBy[0] !== "month" || groupBy.length > 2) return undefined;
  const keyed = groupBy[1];
  if (keyed !== undefined && !DIMS.some(([d]) => d === keyed)) return undefined;
  const filters = codeFiltersOf(query);
  if (filters.length > 1 || query.age !== undefined || query.late !== undefined) return undefined;
  let dim: MonthDim | "" = (keyed as MonthDim | undefined) ?? "";
  let code: string | undefined;
  if (filters.length === 1) {
    const f = filters[0]!;
    const kept = DIMS.find(([, filter]) => filter === f);
    const codes = query[f] as string[];
    if (!kept || codes.length !== 1 || (keyed !== undefined && keyed !== kept[0])) return undefined;
    dim = kept[0];
    code = codes[0];
  }
  // A share of its period (a window over the grouping) differs between "filtered to one code" and "grouped by it".
  if (code !== undefined && Object.values(indicator.values).some((v) => v.includes("{partition}")))
    return undefined;
  if (period.from !== firstOf(period.from)) return undefined;
  if (period.to !== lastDayOf(period.to) && period.to < today) return undefined;
  const months: string[] = [];
  for (let m = period.from; m <= period.to; m = nextMonth(m)) months.push(m);
  return { months, dim, code };
}

/** Which of `months` (YYYY-MM-01) are built now, as YYYY-MM. */
export async function builtMonthsOf(sql: Sql, months: readonly string[]): Promise<Set<string>> {
  const rows = await sql.query<{ month: string }>(
    `SELECT to_char(month, 'YYYY-MM') AS month FROM indicator_month_state
      WHERE month = ANY($1::date[]) AND built_version = version`,
    [months],
  );
  return new Set(rows.map((r) => r.month));
}

/**
 * The rows of a month-grouped query: the built months from indicator_months, the others from the facts (one
 * statement over the span of those months, its rows of built months dropped). Ordered by month, then key.
 */
export async function readByMonth(
  sql: Sql,
  indicator: IndicatorDefinition,
  query: IndicatorQuery,
  plan: MonthPlan,
  timeZone: string,
): Promise<IndicatorRow[]> {
  // One statement, so the months it finds built and their rows come from the same snapshot (a month with no row
  // for this indicator and key is built all the same: its row has no code). Each month's rows are read by the
  // month's own index scan (LATERAL, not pulled up: OFFSET 0): as a plain join under row-level security the
  // planner's generic plan left the month out of the index condition and read every month of the key for each
  // month asked, ten times slower at 1 M demands than before tenants (bench/tenancy-baseline.ts).
  const stored = await sql.query<{
    month: string;
    code: string | null;
    vals: Record<string, number | null> | null;
  }>(
    `SELECT to_char(s.month, 'YYYY-MM') AS month, m.code, m.vals
       FROM indicator_month_state s
       LEFT JOIN LATERAL (SELECT k.code, k.vals FROM indicator_months k
                           WHERE k.indicator = $1 AND k.dim = $2 AND k.month = s.month
                             AND ($4::text IS NULL OR k.code = $4)
                          OFFSET 0) m ON true
      WHERE s.month = ANY($3::date[]) AND s.built_version = s.version`,
    [indicator.id, plan.dim, plan.months, plan.code ?? null],
  );
  const builtMonths = new Set(stored.map((r) => r.month));
  const built = stored.flatMap((r) =>
    r.code === null || r.vals === null ? [] : [{ month: r.month, code: r.code, vals: r.vals }],
  );
  const keys = (query.groupBy ?? []) as GroupKey[];
  const names = Object.keys(indicator.values);
  const rows: IndicatorRow[] = built.map((b) => ({
    key: Object.fromEntries(
      keys.map((k) => [k, k === "month" ? b.month : b.code === "" ? null : b.code]),
    ) as IndicatorRow["key"],
    values: Object.fromEntries(names.map((n) => [n, b.vals[n] ?? null])),
  }));
  const missing = plan.months.filter((m) => !builtMonths.has(m.slice(0, 7)));
  if (missing.length > 0) {
    const span: Period = { from: missing[0]!, to: lastDayOf(missing[missing.length - 1]!) };
    const statement = buildIndicatorSql(indicator, query, span, timeZone, keys);
    const fresh = await sql.query<Record<string, string | number | null>>(statement.text, statement.params);
    for (const r of fresh) {
      const row = rowOf(r, keys, names);
      if (!builtMonths.has(String(row.key.month))) rows.push(row);
    }
  }
  const order = (r: IndicatorRow) => `${r.key.month}\u0000${r.key[keys[1] as GroupKey] ?? "\uffff"}`;
  return rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** The statement rows of one indicator by month (and a key) over `period`, ready to store. */
async function monthRows(
  sql: Sql,
  indicator: IndicatorDefinition,
  dim: MonthDim | "",
  period: Period,
  timeZone: string,
): Promise<Array<{ month: string; code: string; vals: Record<string, number | null> }>> {
  const keys: GroupKey[] = dim === "" ? ["month"] : ["month", dim];
  const statement = buildIndicatorSql(indicator, {}, period, timeZone, keys);
  const raw = await sql.query<Record<string, string | number | null>>(statement.text, statement.params);
  const names = Object.keys(indicator.values);
  return raw.map((r) => {
    const row = rowOf(r, keys, names);
    return { month: `${row.key.month}-01`, code: dim === "" ? "" : (row.key[dim] ?? ""), vals: row.values };
  });
}

const PERIOD_INDICATORS = () => INDICATORS.filter((i) => i.periodBy !== "now");

/** Writes the stored rows of `months` (replacing theirs) from one indicator statement per key over `period`. */
async function storeMonths(tx: Sql, months: string[], period: Period, timeZone: string): Promise<void> {
  await tx.query("DELETE FROM indicator_months WHERE month = ANY($1::date[])", [months]);
  await tx.query("DELETE FROM indicator_distributions WHERE month = ANY($1::date[])", [months]);
  for (const indicator of PERIOD_INDICATORS()) {
    for (const dim of ["", ...DIMS.map(([d]) => d)] as Array<MonthDim | "">) {
      // The times of the month by bucket, for percentiles over many months (distributions.ts, decision 0056).
      await storeDistributions(tx, indicator, dim, months, period, timeZone);
      const rows = (await monthRows(tx, indicator, dim, period, timeZone)).filter((r) =>
        months.includes(r.month),
      );
      if (rows.length === 0) continue;
      await tx.query(
        `INSERT INTO indicator_months (indicator, dim, code, month, vals)
         SELECT $1, $2, r.code, r.month::date, r.vals FROM jsonb_to_recordset($3::jsonb) AS r(code text, month text, vals jsonb)`,
        [indicator.id, dim, JSON.stringify(rows)],
      );
    }
  }
}

/**
 * Builds the months whose facts changed since they were built (never the current month, which changes all the
 * time and is read from the facts), oldest first, at most `limit`; returns how many it built. Each month is built in
 * its own transaction at the version read at its start: a write of facts during the build raises the version, and
 * the month stays unbuilt until the next run.
 */
export async function buildIndicatorMonths(db: Db, timeZone: string, limit = 6): Promise<number> {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  const stale = await db.query<{ month: string; version: number }>(
    `SELECT to_char(month, 'YYYY-MM-DD') AS month, version FROM indicator_month_state
      WHERE built_version IS DISTINCT FROM version AND month < $1::date
      ORDER BY month LIMIT $2`,
    [firstOf(today), limit],
  );
  for (const { month, version } of stale) {
    await db.transaction(async (tx) => {
      // One builder at a time per month: a second one waits, then finds it built.
      const [state] = await tx.query<{ version: number; built_version: number | null }>(
        "SELECT version, built_version FROM indicator_month_state WHERE month = $1::date FOR UPDATE",
        [month],
      );
      if (!state || Number(state.built_version) === Number(state.version)) return;
      await storeMonths(tx, [month], { from: month, to: lastDayOf(month) }, timeZone);
      await tx.query(
        "UPDATE indicator_month_state SET built_version = $2, built_at = now() WHERE month = $1::date",
        [month, version],
      );
    });
  }
  return stale.length;
}

/**
 * Builds every past month from zero, one statement per indicator and key over the whole history (the benchmark's
 * "summary tables from zero", and after a bulk load that wrote facts without `writeFacts`, or a restore): every
 * month an instant of the facts falls in is counted first; returns the months built.
 */
export async function rebuildIndicatorMonths(db: Db, timeZone: string): Promise<number> {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO indicator_month_state (month)
       SELECT DISTINCT date_trunc('month', i.t AT TIME ZONE $1::text)::date
         FROM demand_facts f, LATERAL (VALUES (f.opened_at), (f.closed_at), (f.first_answer_at)) AS i(t)
        WHERE i.t IS NOT NULL
       ON CONFLICT (tenant_id, month) DO NOTHING`,
      [timeZone],
    );
    const states = await tx.query<{ month: string; version: number }>(
      `SELECT to_char(month, 'YYYY-MM-DD') AS month, version FROM indicator_month_state
        WHERE month < $1::date ORDER BY month FOR UPDATE`,
      [firstOf(today)],
    );
    if (states.length === 0) return 0;
    const months = states.map((s) => s.month);
    await storeMonths(tx, months, { from: months[0]!, to: lastDayOf(months[months.length - 1]!) }, timeZone);
    await tx.query(
      "UPDATE indicator_month_state SET built_version = version, built_at = now() WHERE month = ANY($1::date[])",
      [months],
    );
    return months.length;
  });
}
