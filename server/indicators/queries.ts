/**
 * Reads an indicator (definitions.ts) with filters, a period, a grouping and a comparison period, as one SQL
 * statement over `demand_facts` joined to the catalogue and the departments. Periods are days in the city's time
 * zone; grouping by hour, day or month is in that zone too.
 */
import { z } from "zod";
import { DEMAND_CHANNELS } from "../../domain/channels.ts";
import type { Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { type IndicatorDefinition, OPEN } from "./definitions.ts";
import { monthPlanOf, readByMonth } from "./months.ts";
import { readSummed } from "./sums.ts";

/** The keys a result may be grouped by, with the SQL of each (time keys use the period's column). */
export const GROUP_KEYS = [
  "hour",
  "day",
  "month",
  "channel",
  "department",
  "district",
  "subprefeitura",
  "service",
  "service-group",
  "theme",
  "status",
] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];
const TIME_KEYS = new Set<GroupKey>(["hour", "day", "month"]);

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD")
  .refine(
    (s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().startsWith(s),
    "not a day of the calendar",
  );
const codes = z
  .string()
  .max(2000)
  .transform((s) =>
    s
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1).max(100)).max(100));

/** The filters of an indicator or of the map, each a comma-separated list of codes. */
export const IndicatorFilters = z.object({
  service: codes.optional(),
  serviceGroup: codes.optional(),
  department: codes.optional(),
  district: codes.optional(),
  subprefeitura: codes.optional(),
  channel: codes.pipe(z.array(z.enum(DEMAND_CHANNELS))).optional(),
  status: codes.optional(),
  /** Only demands opened more than this many days ago (their age now). */
  age: z.coerce.number().int().min(1).max(36_500).optional(),
  /**
   * Only late demands (`true`): open and past due now, or whose deadline was missed (`on_time` false); or only
   * those that are not (`false`).
   */
  late: z.enum(["true", "false"]).optional(),
});
export type IndicatorFilters = z.output<typeof IndicatorFilters>;

/** The filters that take codes (every one but `age` and `late`). */
export const CODE_FILTERS = [
  "service",
  "serviceGroup",
  "department",
  "district",
  "subprefeitura",
  "channel",
  "status",
] as const;

/** The code filters a query sets (with at least one code). */
export const codeFiltersOf = (q: IndicatorFilters) => CODE_FILTERS.filter((k) => (q[k]?.length ?? 0) > 0);

/** The query of an indicator: filters, period, grouping, comparison. */
export const IndicatorQuery = IndicatorFilters.extend({
  from: day.optional(),
  to: day.optional(),
  groupBy: codes.pipe(z.array(z.enum(GROUP_KEYS)).max(2)).optional(),
  compare: z.enum(["previous-month", "previous-year"]).optional(),
}).strict();
export type IndicatorQuery = z.output<typeof IndicatorQuery>;

/** A period of whole days in the city's zone: `from` and `to` both included. */
export interface Period {
  from: string;
  to: string;
}

export interface IndicatorRow {
  key: Partial<Record<GroupKey, string | null>>;
  values: Record<string, number | null>;
}

export interface IndicatorResult {
  rows: IndicatorRow[];
  /** The same indicator over the comparison period, grouped alike (time keys dropped). */
  previous?: { period: Period; rows: IndicatorRow[] };
}

/** The days of `period` moved back a month or a year (the 31st of a shorter month becomes its last day). */
export function shiftPeriod(period: Period, compare: "previous-month" | "previous-year"): Period {
  const back = (date: string) => {
    const [y, m, d] = date.split("-").map(Number) as [number, number, number];
    const year = compare === "previous-year" ? y - 1 : m === 1 ? y - 1 : y;
    const month = compare === "previous-year" ? m : m === 1 ? 12 : m - 1;
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return `${year}-${String(month).padStart(2, "0")}-${String(Math.min(d, last)).padStart(2, "0")}`;
  };
  return { from: back(period.from), to: back(period.to) };
}

/** Today's date (YYYY-MM-DD) in the city's zone. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(now);
}

/** The default period: the 30 days up to today in the city's zone. */
export function defaultPeriod(timeZone: string, now = new Date()): Period {
  const local = (at: Date) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(at);
  return { from: local(new Date(now.getTime() - 29 * 86_400_000)), to: local(now) };
}

interface Built {
  text: string;
  params: unknown[];
}

/** The statement of `indicator` for `query` over `period` (ignored by `now` indicators). */
export function buildIndicatorSql(
  indicator: IndicatorDefinition,
  query: IndicatorQuery,
  period: Period,
  timeZone: string,
  groupBy: readonly GroupKey[] = query.groupBy ?? [],
  kept = false,
  buckets: readonly string[] = [],
): Built {
  const source = kept && indicator.kept ? indicator.kept : undefined;
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const periodColumn = indicator.periodBy === "now" ? undefined : `f.${indicator.periodBy}`;
  let zoneParam: string | undefined;
  const zone = () => {
    zoneParam ??= `${param(timeZone)}::text`;
    return zoneParam;
  };
  const keySql = (key: GroupKey): string => {
    switch (key) {
      case "hour":
      case "day":
      case "month":
        if (!periodColumn) throw new AppError(400, "group_needs_period");
        return `to_char(date_trunc('${key}', ${periodColumn} AT TIME ZONE ${zone()}), '${
          key === "hour" ? 'YYYY-MM-DD"T"HH24:00' : key === "day" ? "YYYY-MM-DD" : "YYYY-MM"
        }')`;
      case "channel":
        return "f.channel";
      case "department":
        return "dep.code";
      case "district":
        return "f.district_code";
      case "subprefeitura":
        return "f.subprefeitura_code";
      case "service":
        return "s.code";
      case "service-group":
        return "g.code";
      case "theme":
        return "coalesce(tg.code, g.code)";
      case "status":
        return "f.status";
    }
  };
  const where: string[] = [];
  const rows = source ? source.where : indicator.where;
  if (rows) where.push(`(${rows})`);
  if (periodColumn) {
    where.push(
      `${periodColumn} >= (${param(period.from)}::date)::timestamp AT TIME ZONE ${zone()}`,
      `${periodColumn} < (${param(period.to)}::date + 1)::timestamp AT TIME ZONE ${zone()}`,
    );
  }
  where.push(...filterConditions(query, param));
  // A distribution's buckets (distributions.ts) are more keys, last: b0, b1 ….
  const keys = [...groupBy.map((k) => `${keySql(k)} AS "${k}"`), ...buckets.map((b, i) => `${b} AS "b${i}"`)];
  const timeKeys = groupBy.filter((k) => TIME_KEYS.has(k));
  const partition = timeKeys.length > 0 ? `PARTITION BY ${timeKeys.map(keySql).join(", ")}` : "";
  const values = Object.entries(source?.values ?? indicator.values).map(
    ([name, sql]) => `(${sql.replaceAll("{partition}", partition)})::float8 AS "v_${name}"`,
  );
  const text = `SELECT ${[...keys, ...values].join(", ")}
    FROM ${source?.table ?? "demand_facts"} f
    ${joinsFor([...keys, ...values, ...where].join(" "))}
    ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
    ${keys.length ? `GROUP BY ${keys.map((_, i) => i + 1).join(", ")} ORDER BY ${keys.map((_, i) => i + 1).join(", ")}` : ""}`;
  return { text, params };
}

/**
 * The joins a statement's text uses, of services `s`, its group `g` and theme `tg`, and departments `dep`. Only
 * those: PostgreSQL drops an unused outer join, but the columns of its condition still keep the facts from an
 * index-only scan (decision 0053), and every fact has its service, so no join changes the rows.
 */
export function joinsFor(text: string): string {
  const dep = /\bdep\./.test(text);
  const tg = /\btg\./.test(text);
  const g = tg || /\bg\./.test(text);
  const s = g || /\bs\./.test(text);
  return [
    s ? "LEFT JOIN services s ON s.id = f.service_id" : "",
    g ? "LEFT JOIN service_groups g ON g.id = s.group_id" : "",
    tg ? "LEFT JOIN service_groups tg ON tg.id = g.parent_id" : "",
    dep ? "LEFT JOIN departments dep ON dep.id = f.department_id" : "",
  ]
    .filter(Boolean)
    .join("\n    ");
}

/**
 * The SQL conditions of the filters over `f` (demand_facts), `s` (services), `g`/`tg` (its group and theme) and
 * `dep` (departments); `param` binds a value and gives its placeholder.
 */
export function filterConditions(filters: IndicatorFilters, param: (value: unknown) => string): string[] {
  const where: string[] = [];
  const any = (column: string, values: readonly string[] | undefined) => {
    if (values?.length) where.push(`${column} = ANY(${param(values)}::text[])`);
  };
  any("s.code", filters.service);
  if (filters.serviceGroup?.length) {
    const groups = param(filters.serviceGroup);
    where.push(`(g.code = ANY(${groups}::text[]) OR tg.code = ANY(${groups}::text[]))`);
  }
  any("dep.code", filters.department);
  any("f.district_code", filters.district);
  any("f.subprefeitura_code", filters.subprefeitura);
  any("f.channel", filters.channel);
  any("f.status", filters.status);
  if (filters.age !== undefined)
    where.push(`f.opened_at < now() - make_interval(days => ${param(filters.age)}::int)`);
  if (filters.late) {
    const late = `coalesce((${OPEN} AND f.due_at < now()) OR f.on_time = false, false)`;
    where.push(filters.late === "true" ? late : `NOT ${late}`);
  }
  return where;
}

/** Runs the indicator for `query`: its rows, and the comparison period's when asked. */
export async function readIndicator(
  sql: Sql,
  indicator: IndicatorDefinition,
  query: IndicatorQuery,
  period: Period,
  timeZone: string,
): Promise<IndicatorResult> {
  const groupBy = query.groupBy ?? [];
  if (indicator.periodBy === "now" && (query.compare || groupBy.some((k) => TIME_KEYS.has(k)))) {
    throw new AppError(400, "indicator_describes_now");
  }
  const run = async (p: Period, keys: readonly GroupKey[]) => {
    // A trend by month reads the months kept in indicator_months where they are built (months.ts, decision 0053).
    const plan = monthPlanOf(indicator, { ...query, groupBy: [...keys] }, p, todayIn(timeZone));
    if (plan) return readByMonth(sql, indicator, { ...query, groupBy: [...keys] }, plan, timeZone);
    // A total over whole months adds up the kept months when the indicator's values combine (sums.ts, 0055).
    const summed = await readSummed(
      sql,
      indicator,
      { ...query, groupBy: [...keys] },
      p,
      timeZone,
      todayIn(timeZone),
    );
    if (summed) return summed;
    // The backlog reads the open counts kept beside the facts unless a filter needs the facts themselves.
    const kept = indicator.kept !== undefined && query.age === undefined && query.late === undefined;
    const built = buildIndicatorSql(indicator, query, p, timeZone, keys, kept);
    const raw = await sql.query<Record<string, string | number | null>>(built.text, built.params);
    return raw.map((r) => rowOf(r, keys, Object.keys(indicator.values)));
  };
  const rows = await run(period, groupBy);
  if (!query.compare) return { rows };
  const previousPeriod = shiftPeriod(period, query.compare);
  const previousKeys = groupBy.filter((k) => !TIME_KEYS.has(k));
  return { rows, previous: { period: previousPeriod, rows: await run(previousPeriod, previousKeys) } };
}

/** One result row of an indicator's statement as the API gives it. */
export function rowOf(
  raw: Record<string, string | number | null>,
  keys: readonly GroupKey[],
  names: readonly string[],
): IndicatorRow {
  const key: IndicatorRow["key"] = {};
  for (const k of keys) key[k] = raw[k] === null || raw[k] === undefined ? null : String(raw[k]);
  const values: IndicatorRow["values"] = {};
  for (const name of names) {
    const v = raw[`v_${name}`];
    values[name] = v === null || v === undefined ? null : Number(v);
  }
  return { key, values };
}
