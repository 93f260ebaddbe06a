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

/**
 * The statement counting the facts of `indicator` by the keys and the bucket of each of `columns` (columns "b0",
 * "b1" …, null where that column is; "v_n" the count): one scan of the facts for every measure.
 */
function bucketStatement(
  indicator: IndicatorDefinition,
  columns: readonly string[],
  query: IndicatorQuery,
  period: Period,
  timeZone: string,
  keys: readonly GroupKey[],
) {
  const counted: IndicatorDefinition = {
    ...indicator,
    where: `${indicator.where ? `(${indicator.where}) AND ` : ""}(${columns.map((c) => `f.${c} IS NOT NULL`).join(" OR ")})`,
    values: { n: "count(*)" },
  };
  return buildIndicatorSql(
    counted,
    query,
    period,
    timeZone,
    keys,
    false,
    columns.map((c) => bucketSql(`f.${c}`)),
  );
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
  const measures = measuresOf(indicator);
  if (measures.length === 0) return;
  const statement = bucketStatement(indicator, measures, {}, period, timeZone, keys);
  const params: unknown[] = [...statement.params];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  // The facts read once; each measure's buckets added up from them.
  const parts = measures.map(
    (measure, i) =>
      `SELECT ${param(measure)}::text AS measure, code, month, b${i} AS b, sum(n)::int AS n
         FROM s WHERE b${i} IS NOT NULL GROUP BY code, month, b${i}`,
  );
  await tx.query(
    `WITH s AS MATERIALIZED (
       SELECT ${dim === "" ? "''" : `coalesce(x."${dim}", '')`} AS code, (x.month || '-01')::date AS month,
              ${measures.map((_, i) => `x.b${i}`).join(", ")}, x.v_n::int AS n
         FROM (${statement.text}) x),
     parts AS (${parts.join(" UNION ALL ")})
     INSERT INTO indicator_distributions (indicator, measure, dim, code, month, buckets, counts)
     SELECT ${param(indicator.id)}, measure, ${param(dim)}, code, month, array_agg(b ORDER BY b), array_agg(n ORDER BY b)
       FROM parts WHERE month = ANY(${param(months)}::date[])
      GROUP BY measure, code, month`,
    params,
  );
}

/**
 * The percentile values of `indicator` for `query` (grouped by at most one kept key `dim`, or filtered to its `code`)
 * over the whole months `built` read from the kept distributions plus the days of `fresh` read from the facts
 * (except its days in `built` months); by key ('' for none or a missing code), each value by name. The buckets are
 * merged here rather than in SQL: a year of 96 districts is some 130,000 (bucket, count) pairs a measure, which
 * PostgreSQL would sort (on disk, at the default work_mem) where a map adds them up in a few milliseconds.
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
  const measures = measuresOf(indicator);
  const builtMonths = built.map((m) => `${m.slice(0, 7)}-01`);
  // measure → key → demands by bucket (a packed array of counts, the bucket its index)
  const merged = new Map<string, Map<string, number[]>>(measures.map((m) => [m, new Map()]));
  const add = (measure: string, code: string, bucket: number, n: number) => {
    const byCode = merged.get(measure)!;
    let counts = byCode.get(code);
    if (!counts) {
      counts = [];
      byCode.set(code, counts);
    }
    while (counts.length <= bucket) counts.push(0);
    counts[bucket]! += n;
  };
  // The kept months and the facts' days asked at once (on the server, each on a connection of its own).
  const keptRows =
    builtMonths.length === 0
      ? Promise.resolve([])
      : sql.query<{ measure: string; code: string; buckets: number[]; counts: number[] }>(
          // As JSON, which the drivers parse natively (an integer array's text form is parsed element by element).
          // One index scan per measure and month (LATERAL, not pulled up: OFFSET 0), every key column an equality:
          // with `= ANY` the generic plan under row-level security kept only indicator and dim in the index
          // condition and filtered the rest (bench/tenancy-baseline.ts; months.ts readByMonth).
          `SELECT d.measure, d.code, array_to_json(d.buckets) AS buckets, array_to_json(d.counts) AS counts
             FROM unnest($2::text[]) AS m(measure) CROSS JOIN unnest($4::date[]) AS mo(month)
            CROSS JOIN LATERAL (SELECT k.measure, k.code, k.buckets, k.counts FROM indicator_distributions k
                                 WHERE k.indicator = $1 AND k.measure = m.measure AND k.dim = $3
                                   AND k.month = mo.month AND ($5::text IS NULL OR k.code = $5)
                                OFFSET 0) d`,
          [indicator.id, measures, plan.dim, builtMonths, plan.code ?? null],
        );
  const freshRows = async () => {
    if (!fresh) return [];
    const statement = bucketStatement(indicator, measures, query, fresh, timeZone, ["month", ...keys]);
    return sql.query<Record<string, string | number | null>>(statement.text, statement.params);
  };
  const [kept, fromFacts] = await Promise.all([keptRows, freshRows()]);
  for (const row of kept) {
    const code = grouped ? row.code : "";
    for (let i = 0; i < row.buckets.length; i++)
      add(row.measure, code, Number(row.buckets[i]), Number(row.counts[i]));
  }
  const skip = new Set(built.map((m) => m.slice(0, 7)));
  for (const row of fromFacts) {
    if (skip.has(String(row.month))) continue;
    const code = grouped ? String(row[keys[0]!] ?? "") : "";
    for (const [i, measure] of measures.entries()) {
      const bucket = row[`b${i}`];
      if (bucket !== null && bucket !== undefined) add(measure, code, Number(bucket), Number(row.v_n));
    }
  }
  const out = new Map<string, Record<string, number | null>>();
  for (const p of percentilesOf(indicator)) {
    for (const [code, counts] of merged.get(p.of)!) {
      const values = out.get(code) ?? {};
      out.set(code, values);
      values[p.name] = percentileOf(counts, p.p);
    }
  }
  return out;
}

/** `percentile_cont(p)` over demands counted by bucket (index): the value at rank p × (n − 1), between the two around it. */
export function percentileOf(counts: readonly number[], p: number): number | null {
  let total = 0;
  for (const n of counts) total += n;
  if (total === 0) return null;
  const at = p * (total - 1);
  const rank = Math.floor(at);
  let seen = 0;
  let low: number | undefined;
  for (let bucket = 0; bucket < counts.length; bucket++) {
    const n = counts[bucket]!;
    if (n === 0) continue;
    seen += n;
    if (low === undefined && seen > rank) low = valueOfBucket(bucket);
    if (low !== undefined && seen > rank + 1) return low + (at - rank) * (valueOfBucket(bucket) - low);
  }
  return low ?? null;
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
