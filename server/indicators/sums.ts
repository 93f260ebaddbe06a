/**
 * A period of many months read as the sum of its kept months (decision 0055): the transparency portal's area pages
 * (12 months beside the year before, for a district, a department or a service) and its ranking (12 months by
 * district, department or service) ask for totals over a year, not a trend. When an indicator's values all combine
 * from month values (`sums` in definitions.ts: counts add up, a share is one sum over another, a mean is weighted by
 * its count), the whole months come from indicator_months where built (readByMonth, the same rows the facts give)
 * and are added up; a last month cut short before today comes from the facts. A percentile does not combine from
 * the months' percentiles: over two months or more it is read from the months' kept distributions (decision 0056,
 * distributions.ts); over one month or less, from the facts, exactly.
 */
import type { Sql } from "../db/index.ts";
import type { IndicatorDefinition } from "./definitions.ts";
import { freshSpan, percentilesOf, readPercentiles } from "./distributions.ts";
import { builtMonthsOf, firstOf, lastDayOf, monthPlanOf, readByMonth } from "./months.ts";
import {
  buildIndicatorSql,
  type GroupKey,
  type IndicatorQuery,
  type IndicatorRow,
  type Period,
  rowOf,
} from "./queries.ts";

/** The day before `day` (YYYY-MM-DD). */
function dayBefore(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The rows of `query` over `period` as the sum of its months, or undefined when they cannot be (an indicator that
 * does not combine, a grouping by time or by more than one key, filters the months do not keep, a period that does
 * not start on a month's first day or is shorter than a month).
 */
export async function readSummed(
  sql: Sql,
  indicator: IndicatorDefinition,
  query: IndicatorQuery,
  period: Period,
  timeZone: string,
  today: string,
): Promise<IndicatorRow[] | undefined> {
  const sums = indicator.sums;
  const keys = (query.groupBy ?? []) as GroupKey[];
  if (!sums || keys.length > 1 || keys.includes("month")) return undefined;
  // Whole months up to `to`; a last month cut short before today (the year before's) is read from the facts.
  const cut = period.to < today && period.to !== lastDayOf(period.to);
  const wholeTo = cut ? dayBefore(firstOf(period.to)) : period.to;
  if (wholeTo < period.from) return undefined;
  const monthly: IndicatorQuery = { ...query, groupBy: ["month", ...keys] };
  const plan = monthPlanOf(indicator, monthly, { from: period.from, to: wholeTo }, today);
  if (!plan) return undefined;
  const percentiles = percentilesOf(indicator);
  if (percentiles.length > 0 && plan.months.length + (cut ? 1 : 0) < 2) return undefined;
  const rest: Period | undefined = cut ? { from: firstOf(period.to), to: period.to } : undefined;
  // The months built when the distributions are read (the month rows find theirs again, a moment later: a month
  // built or touched in between is counted alike by both, from its kept rows or from the facts).
  const built = percentiles.length > 0 ? await builtMonthsOf(sql, plan.months) : new Set<string>();
  // The months' rows, the last days' and the percentiles asked at once (each on a connection of its own).
  const restRows = async () => {
    if (!rest) return [];
    const statement = buildIndicatorSql(indicator, query, rest, timeZone, keys);
    const raw = await sql.query<Record<string, string | number | null>>(statement.text, statement.params);
    return raw.map((r) => rowOf(r, keys, Object.keys(indicator.values)));
  };
  const [rows, last, values] = await Promise.all([
    readByMonth(sql, indicator, monthly, plan, timeZone),
    restRows(),
    percentiles.length === 0
      ? undefined
      : readPercentiles(
          sql,
          indicator,
          query,
          plan,
          plan.months.filter((m) => built.has(m.slice(0, 7))),
          freshSpan(plan.months, built, rest),
          timeZone,
        ),
  ]);
  const combined = combine(sums, [...rows, ...last], keys, Object.keys(indicator.values));
  if (!values) return combined;
  for (const row of combined) {
    const found = values.get(keys[0] === undefined ? "" : (row.key[keys[0]] ?? ""));
    for (const { name } of percentiles) row.values[name] = found?.[name] ?? null;
  }
  return combined;
}

/** Adds up month rows by their non-time key, each value by its rule; ordered by key, a missing key last. */
export function combine(
  sums: NonNullable<IndicatorDefinition["sums"]>,
  rows: readonly IndicatorRow[],
  keys: readonly GroupKey[],
  names: readonly string[],
): IndicatorRow[] {
  const groups = new Map<string, { key: IndicatorRow["key"]; totals: Map<string, number> }>();
  // Ungrouped, the facts' statement gives one row even over no demand: so does the sum.
  if (keys.length === 0) groups.set("", { key: {}, totals: new Map() });
  for (const row of rows) {
    const key = Object.fromEntries(keys.map((k) => [k, row.key[k] ?? null])) as IndicatorRow["key"];
    const id = keys.length === 0 ? "" : JSON.stringify(key);
    const group = groups.get(id) ?? { key, totals: new Map() };
    groups.set(id, group);
    const add = (name: string, value: number) =>
      group.totals.set(name, (group.totals.get(name) ?? 0) + value);
    for (const [name, rule] of Object.entries(sums)) {
      const value = row.values[name] ?? null;
      if (rule === "sum") add(name, value ?? 0);
      // A percentile is read from the kept distributions (readSummed).
      else if ("percentile" in rule) continue;
      // A mean of integers (ratings) times its count is their sum, an integer: rounding undoes the float's error.
      else if ("mean" in rule && value !== null) add(name, Math.round(value * (row.values[rule.mean] ?? 0)));
    }
  }
  const combined = (totals: Map<string, number>, name: string): number | null => {
    const rule = sums[name];
    if (rule === undefined || (typeof rule === "object" && "percentile" in rule)) return null;
    if (rule === "sum") return totals.get(name) ?? 0;
    const [over, under] = "ratio" in rule ? rule.ratio : [name, rule.mean];
    const denominator = totals.get(under) ?? 0;
    return denominator === 0 ? null : (totals.get(over) ?? 0) / denominator;
  };
  const out = [...groups.values()].map((g) => ({
    key: g.key,
    values: Object.fromEntries(names.map((n) => [n, combined(g.totals, n)])),
  }));
  const order = (r: IndicatorRow) => (keys[0] === undefined ? "" : (r.key[keys[0]] ?? "\uffff"));
  return out.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
