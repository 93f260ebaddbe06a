/**
 * Every indicator, defined once (docs/indicators.md gives each in words with its SQL): what it counts over
 * `demand_facts`, at which instant a demand falls in a period, its unit and the values it gives. The command
 * centre, the public portal, the API and the monthly report all read these, so they always agree.
 */

/** What an indicator's values are. */
export type IndicatorUnit = "count" | "share" | "minutes" | "rating";

/** Which instant of a demand places it in a period; `now` indicators describe the present and take no period. */
export type PeriodBy = "opened_at" | "closed_at" | "first_answer_at" | "now";

export interface IndicatorDefinition {
  /** Stable id, used in the API's path. */
  id: string;
  /** `public`: on the transparency portal and the API without sign-in; `staff`: signed-in staff only. */
  audience: "public" | "staff";
  unit: IndicatorUnit;
  periodBy: PeriodBy;
  /**
   * The values, each an aggregate over the facts `f` of the rows in a group (SQL expressions). `{partition}` stands
   * for the window of the group's period: the time keys of the grouping (empty when it has none).
   */
  values: Readonly<Record<string, string>>;
  /** The rows it counts, besides the filters and the period (an SQL condition over `f`). */
  where?: string;
  /** The value the screens show first. */
  headline: string;
  /**
   * The same values from a summary kept beside the facts (decision 0053), read instead of the facts when the query
   * only filters and groups by keys the summary has: its table (aliased `f`, with the facts' key columns), the rows
   * it counts (instead of `where`) and each value over it.
   */
  kept?: { table: string; where: string; values: Readonly<Record<string, string>> };
  /**
   * How each value over a span of months comes from its months' values (decision 0055, sums.ts), when every value
   * can: `sum` (a count), `ratio` (one summed value over another; null when that is 0), `mean` (weighted by a summed
   * count), `percentile` (of a column of minutes, from the months' kept distributions: decision 0056, within 0.5 %).
   */
  sums?: Readonly<Record<string, Combine>>;
}

/** How a value over several months comes from the months' values (see `sums`). */
export type Combine =
  | "sum"
  | { ratio: readonly [string, string] }
  | { mean: string }
  | { percentile: number; of: string };

/** A demand still waiting for its end: not closed, cancelled or merged. */
export const OPEN = "f.status NOT IN ('closed', 'cancelled', 'merged')";

const median = (column: string) => `percentile_cont(0.5) WITHIN GROUP (ORDER BY f.${column})`;
const p90 = (column: string) => `percentile_cont(0.9) WITHIN GROUP (ORDER BY f.${column})`;
/** The median and 90th percentile of two columns of minutes, business and calendar, and how they combine. */
const times = (business: string, calendar: string) => ({
  values: {
    median_business: median(business),
    p90_business: p90(business),
    median_calendar: median(calendar),
    p90_calendar: p90(calendar),
  },
  sums: {
    median_business: { percentile: 0.5, of: business },
    p90_business: { percentile: 0.9, of: business },
    median_calendar: { percentile: 0.5, of: calendar },
    p90_calendar: { percentile: 0.9, of: calendar },
  },
});
const firstAnswer = times("first_answer_business_minutes", "first_answer_calendar_minutes");
const closure = times("closure_business_minutes", "closure_calendar_minutes");
const share = (condition: string, among: string) =>
  `(count(*) FILTER (WHERE ${condition}))::float8 / NULLIF(count(*) FILTER (WHERE ${among}), 0)`;

export const INDICATORS: readonly IndicatorDefinition[] = [
  {
    id: "demands-opened",
    audience: "public",
    unit: "count",
    periodBy: "opened_at",
    values: { count: "count(*)" },
    headline: "count",
    sums: { count: "sum" },
  },
  {
    id: "demands-closed",
    audience: "public",
    unit: "count",
    periodBy: "closed_at",
    where: "f.status = 'closed'",
    values: { count: "count(*)" },
    headline: "count",
    sums: { count: "sum" },
  },
  {
    id: "backlog",
    audience: "public",
    unit: "count",
    periodBy: "now",
    where: OPEN,
    values: { open: "count(*)", late: "count(*) FILTER (WHERE f.due_at < now())" },
    headline: "open",
    // Late as of the facts job's last step (seconds ago) rather than now().
    kept: {
      table: "open_counts",
      where: "f.open > 0",
      values: { open: "coalesce(sum(f.open), 0)", late: "coalesce(sum(f.late), 0)" },
    },
  },
  {
    id: "deadline-compliance",
    audience: "public",
    unit: "share",
    periodBy: "first_answer_at",
    where: "f.on_time IS NOT NULL",
    values: {
      share: "avg(f.on_time::int)::float8",
      on_time: "count(*) FILTER (WHERE f.on_time)",
      decided: "count(*)",
    },
    headline: "share",
    sums: { share: { ratio: ["on_time", "decided"] }, on_time: "sum", decided: "sum" },
  },
  {
    id: "time-to-first-answer",
    audience: "public",
    unit: "minutes",
    periodBy: "first_answer_at",
    where: "f.first_answer_at IS NOT NULL",
    values: { ...firstAnswer.values, answered: "count(*)" },
    headline: "median_business",
    sums: { ...firstAnswer.sums, answered: "sum" },
  },
  {
    id: "time-to-closure",
    audience: "public",
    unit: "minutes",
    periodBy: "closed_at",
    where: "f.status = 'closed'",
    values: { ...closure.values, closed: "count(*)" },
    headline: "median_business",
    sums: { ...closure.sums, closed: "sum" },
  },
  {
    id: "answer-delivered",
    audience: "public",
    unit: "share",
    periodBy: "first_answer_at",
    where: "f.first_answer_at IS NOT NULL AND f.status NOT IN ('cancelled', 'merged')",
    values: {
      share: "avg(f.answer_delivered::int)::float8",
      delivered: "count(*) FILTER (WHERE f.answer_delivered)",
      answered: "count(*)",
    },
    headline: "share",
    sums: { share: { ratio: ["delivered", "answered"] }, delivered: "sum", answered: "sum" },
  },
  {
    id: "satisfaction",
    audience: "public",
    unit: "rating",
    periodBy: "closed_at",
    where: "f.status = 'closed' AND f.rating IS NOT NULL",
    values: { mean: "avg(f.rating)::float8", rated: "count(*)" },
    headline: "mean",
    sums: { mean: { mean: "rated" }, rated: "sum" },
  },
  {
    id: "solved",
    audience: "public",
    unit: "share",
    periodBy: "closed_at",
    where: "f.status = 'closed' AND f.solved IS NOT NULL",
    values: {
      share: "avg(f.solved::int)::float8",
      solved: "count(*) FILTER (WHERE f.solved)",
      asked: "count(*)",
    },
    headline: "share",
    sums: { share: { ratio: ["solved", "asked"] }, solved: "sum", asked: "sum" },
  },
  {
    id: "reopen-rate",
    audience: "public",
    unit: "share",
    periodBy: "closed_at",
    where: "f.status = 'closed'",
    values: {
      share: "avg(f.reopened::int)::float8",
      reopened: "count(*) FILTER (WHERE f.reopened)",
      closed: "count(*)",
    },
    headline: "share",
    sums: { share: { ratio: ["reopened", "closed"] }, reopened: "sum", closed: "sum" },
  },
  {
    id: "channel-share",
    audience: "public",
    unit: "share",
    periodBy: "opened_at",
    values: {
      count: "count(*)",
      // The share of each group within its period (by month and channel: the channel shift over months).
      share_of_period: "count(*)::float8 / NULLIF(sum(count(*)) OVER ({partition}), 0)",
      digital: share("f.channel NOT IN ('phone', 'counter', 'import')", "true"),
    },
    headline: "digital",
  },
  {
    id: "late-open",
    audience: "staff",
    unit: "count",
    periodBy: "now",
    where: `${OPEN} AND f.due_at < now()`,
    values: {
      late: "count(*)",
      days_late_mean: "avg(extract(epoch FROM now() - f.due_at)) / 86400",
    },
    headline: "late",
    // Late as of the facts job's last step; the mean days late from the late deadlines' sum at that instant.
    kept: {
      table: "open_counts",
      where: "f.late > 0",
      values: {
        late: "coalesce(sum(f.late), 0)",
        days_late_mean: `(extract(epoch FROM (SELECT late_as_of FROM map_cells_state)) * sum(f.late) - sum(f.late_due_sum))
          / NULLIF(sum(f.late), 0) / 86400`,
      },
    },
  },
];

/** The indicator of `id`, or undefined. */
export function indicatorOf(id: string): IndicatorDefinition | undefined {
  return INDICATORS.find((i) => i.id === id);
}
