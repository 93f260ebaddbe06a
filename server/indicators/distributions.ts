/**
 * Percentiles over many months from distributions kept by month (decision 0056). A median or a 90th percentile of a
 * year is not made of its months' medians, so the times (to the first answer, to closure) of every month are kept
 * beside its values in `indicator_distributions`: for each measured column, key and month, how many demands took
 * each bucket of minutes. Below EXACT_BELOW minutes a bucket is one minute; above, each is GROWTH times as wide as
 * the one before (1 %), so a value read back from its bucket's middle is within half a percent of the minutes it
 * stands for. Months add up exactly (counts per bucket), and `percentile_cont` over the merged buckets is then within
 * 0.5 % (and a minute) of the exact one, for a year of a whole department in a few milliseconds.
 *
 * The months read are those built (indicator_month_state, as for the month rows); any other month of the span, and
 * a last month cut short, are bucketed from the facts by the same expression in the same statement.
 */
import type { Sql } from "../db/index.ts";
import type { IndicatorDefinition } from "./definitions.ts";
import { lastDayOf, type MonthDim } from "./months.ts";
import { buildIndicatorSql, type GroupKey, type IndicatorQuery, type Period } from "./queries.ts";

/** Minutes below this are kept one by one. */
export const EXACT_BELOW = 128;
/** Above, each bucket is this many times as wide as the one before. */
export const GROWTH = 1.01;

/** The bucket of a column of whole minutes (SQL over `f`). */
export function bucketSql(column: string): string {
  return `CASE WHEN ${column} < ${EXACT_BELOW} THEN greatest(${column}, 0)
    ELSE ${EXACT_BELOW} + floor(ln(${column}::float8 / ${EXACT_BELOW}) / ln(${GROWTH}::float8))::int END`;
}

/** The minutes a bucket stands for: itself below EXACT_BELOW; above, the middle of the whole minutes it holds. */
export function valueOfBucket(bucket: number): number {
  if (bucket < EXACT_BELOW) return bucket;
  const k = bucket - EXACT_BELOW;
  const low = Math.ceil(EXACT_BELOW * GROWTH ** k);
  const high = Math.ceil(EXACT_BELOW * GROWTH ** (k + 1)) - 1;
  return high < low ? low : (low + high) / 2;
}

/** An indicator's percentile values: each value's fraction and the column of `demand_facts` it is taken over. */
export function percentilesOf(
  indicator: IndicatorDefinition,
): Array<{ name: string; p: number; of: string }> {
  return Object.entries(indicator.sums ?? {}).flatMap(([name, rule]) =>
    typeof rule === "object" && "percentile" in rule ? [{ name, p: rule.percentile, of: rule.of }] : [],
  );
}

/** The columns an indicator keeps distributions of. */
export const measuresOf = (indicator: IndicatorDefinition) => [
  ...new Set(percentilesOf(indicator).map((p) => p.of)),
];

/** The statement counting the facts of `indicator` by the keys and the bucket of `column` (columns "b", "v_n"). */
function bucketStatement(
  indicator: IndicatorDefinition,
  column: string,
  query: IndicatorQuery,
  period: Period,
  timeZone: string,
  keys: readonly GroupKey[],
) {
  const counted: IndicatorDefinition = {
    ...indicator,
    where: `${indicator.where ? `(${indicator.where}) AND ` : ""}f.${column} IS NOT NULL`,
    values: { n: "count(*)" },
  };
  return buildIndicatorSql(counted, query, period, timeZone, keys, false, bucketSql(`f.${column}`));
}

/**
 * Writes the distributions of every measured column of `indicator` for `months` (already emptied by the caller),
 * by `dim` ("" for the whole city), from one statement over `period`.
 */
export async function storeDistributions(
  tx: Sql,
  indicator: IndicatorDefinition,
  dim: MonthDim | "",
  months: readonly string[],
  period: Period,
  timeZone: string,
): Promise<void> {
  const keys: GroupKey[] = dim === "" ? ["month"] : ["month", dim];
  for (const column of measuresOf(indicator)) {
    const statement = bucketStatement(indicator, column, {}, period, timeZone, keys);
    const n = statement.params.length;
    await tx.query(
      `INSERT INTO indicator_distributions (indicator, measure, dim, code, month, buckets, counts)
       SELECT $${n + 1}, $${n + 2}, $${n + 3}, x.code, x.month, array_agg(x.b ORDER BY x.b), array_agg(x.n ORDER BY x.b)
         FROM (SELECT ${dim === "" ? "''" : `coalesce(s."${dim}", '')`} AS code, (s.month || '-01')::date AS month,
                      s.b, s.v_n::int AS n
                 FROM (${statement.text}) s) x
        WHERE x.month = ANY($${n + 4}::date[])
        GROUP BY x.code, x.month`,
      [...statement.params, indicator.id, column, dim, months],
    );
  }
}

/**
 * The percentile values of `indicator` for `query` (grouped by at most one kept key `dim`, or filtered to its `code`)
 * over the whole months `built` read from the kept distributions plus the days of `fresh` read from the facts
 * (except its days in `built` months); by key ('' for none or a missing code), each value by name.
 */
export async function readPercentiles(
  sql: Sql,
  indicator: IndicatorDefinition,
  query: IndicatorQuery,
  plan: { dim: MonthDim | ""; code?: string },
  built: readonly string[],
  fresh: Period | undefined,
  timeZone: string,
): Promise<Map<string, Record<string, number | null>>> {
  const keys = (query.groupBy ?? []) as GroupKey[];
  const grouped = keys.length === 1;
  const out = new Map<string, Record<string, number | null>>();
  for (const column of measuresOf(indicator)) {
    const ps = percentilesOf(indicator).filter((p) => p.of === column);
    const statement = fresh
      ? bucketStatement(indicator, column, query, fresh, timeZone, ["month", ...keys])
      : undefined;
    const params: unknown[] = [...(statement?.params ?? [])];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const builtMonths = built.map((m) => `${m.slice(0, 7)}-01`);
    const parts = [
      `SELECT ${grouped ? "d.code" : "''"} AS code, u.b, u.n
         FROM indicator_distributions d CROSS JOIN LATERAL unnest(d.buckets, d.counts) AS u(b, n)
        WHERE d.indicator = ${param(indicator.id)} AND d.measure = ${param(column)} AND d.dim = ${param(plan.dim)}
          AND d.month = ANY(${param(builtMonths)}::date[])
          ${plan.code === undefined ? "" : `AND d.code = ${param(plan.code)}`}`,
    ];
    if (statement) {
      parts.push(
        `SELECT ${grouped ? `coalesce(s."${keys[0]}", '')` : "''"} AS code, s.b, s.v_n::bigint AS n
           FROM (${statement.text}) s
          WHERE (s.month || '-01')::date <> ALL(${param(builtMonths)}::date[])`,
      );
    }
    const ranks = ps.flatMap((p) => {
      const at = `floor(${param(p.p)}::float8 * (total - 1))`;
      return [
        `min(b) FILTER (WHERE cum > ${at}) AS "${p.name}_0"`,
        `min(b) FILTER (WHERE cum > ${at} + 1) AS "${p.name}_1"`,
      ];
    });
    const rows = await sql.query<Record<string, string | number | null>>(
      `WITH h AS (SELECT code, b, sum(n) AS n FROM (${parts.join(" UNION ALL ")}) a GROUP BY code, b),
            c AS (SELECT code, b, sum(n) OVER (PARTITION BY code ORDER BY b) AS cum,
                         sum(n) OVER (PARTITION BY code) AS total FROM h)
       SELECT code, total::float8 AS total, ${ranks.join(", ")} FROM c GROUP BY code, total`,
      params,
    );
    for (const row of rows) {
      const total = Number(row.total);
      const values = out.get(String(row.code)) ?? {};
      out.set(String(row.code), values);
      for (const p of ps) {
        // percentile_cont: the value at rank p × (n − 1), between the two ranks around it.
        const at = p.p * (total - 1);
        const low = valueOfBucket(Number(row[`${p.name}_0`]));
        const next = row[`${p.name}_1`];
        const high = next === null || next === undefined ? low : valueOfBucket(Number(next));
        values[p.name] = low + (at - Math.floor(at)) * (high - low);
      }
    }
  }
  return out;
}

/** The days a span's facts are read from: its months not built, and a last month cut short. */
export function freshSpan(
  months: readonly string[],
  built: ReadonlySet<string>,
  cut?: Period,
): Period | undefined {
  const missing = months.filter((m) => !built.has(m.slice(0, 7)));
  if (missing.length === 0) return cut;
  return { from: missing[0]!, to: cut?.to ?? lastDayOf(missing[missing.length - 1]!) };
}
