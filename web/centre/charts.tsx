/**
 * The centre's charts, every one read from GET /api/v1/indicators/{id} with the centre's filters (docs/indicators.md):
 * today's demands per hour (by channel, and in against closed), the backlog by department and by district (bars
 * that drill down to their demands), and by day over the last 30 days, beside the comparison period: deadline
 * compliance, the times to first answer and to closure (median and p90, business or calendar hours), satisfaction,
 * "resolveu?" and reopenings; and the channel shift over 13 months.
 */
import { Chart, type ChartSeries } from "../ui/chart.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import type { FilterLists } from "./filters.tsx";
import { dayLabel, daysOf, indicatorUrl, monthLabel, type Reading, useApi, valuesOn } from "./readings.ts";
import type { Drill, Selection } from "./selection.ts";

type Format = (value: number) => string;

interface Shared {
  env: StaffEnv;
  where: string;
  tick: number;
}

function formats(locale: string) {
  const number = (v: number, digits: number) =>
    v.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return {
    count: (v: number) => number(v, 0),
    share: (v: number) => `${number(v * 100, 1)} %`,
    // Minutes under an hour, hours above: "40 min", "6,5 h".
    hours: (v: number) => (Math.abs(v) < 60 ? `${number(v, 0)} min` : `${number(v / 60, 1)} h`),
    rating: (v: number) => number(v, 2),
  };
}

/** The chart's common words: its table's summary and the text of a chart with no data. */
function words(env: StaffEnv) {
  return {
    locale: env.locale,
    emptyText: env.t("centre.charts.empty"),
    tableLabel: env.t("centre.charts.table"),
  };
}

/** The most frequent values of `key` over `rows` (by `name`), at most `most`. */
function topKeys(rows: Reading["rows"], key: string, name: string, most: number): string[] {
  const total = new Map<string, number>();
  for (const row of rows) {
    const k = row.key[key];
    if (k) total.set(k, (total.get(k) ?? 0) + (row.values[name] ?? 0));
  }
  return [...total.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, most)
    .map(([k]) => k);
}

/** Today in the city's zone, as the API's days are. */
function today(timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
}

function HoursToday(props: Shared) {
  const { env, where, tick } = props;
  const { t } = env;
  const day = today(env.boot.timeZone);
  const period = `from=${day}&to=${day}`;
  const opened = useApi<Reading>(
    indicatorUrl("demands-opened", "groupBy=hour,channel", period, where),
    env.locale,
    tick,
  );
  const closed = useApi<Reading>(
    indicatorUrl("demands-closed", "groupBy=hour", period, where),
    env.locale,
    tick,
  );
  const hours = Array.from({ length: 24 }, (_, h) => `${day}T${String(h).padStart(2, "0")}:00`);
  const labels = hours.map((h) => `${h.slice(11, 13)}h`);
  const rows = opened.data?.rows ?? [];
  const channels = topKeys(rows, "channel", "count", 6);
  const zero = (values: Array<number | null>) => values.map((v) => v ?? 0);
  const byChannel: ChartSeries[] = channels.map((c) => ({
    label: t(`centre.channels.${c}`),
    values: zero(valuesOn(rows, "hour", hours, "count", (r) => r.key.channel === c)),
  }));
  const openedTotal = hours.map((h) =>
    rows.filter((r) => r.key.hour === h).reduce((sum, r) => sum + (r.values.count ?? 0), 0),
  );
  const f = formats(env.locale);
  return (
    <>
      <Chart
        {...words(env)}
        kind="line"
        title={t("centre.charts.hours_by_channel")}
        categories={labels}
        series={opened.data ? byChannel : []}
        format={f.count}
        whole
      />
      <Chart
        {...words(env)}
        kind="area"
        title={t("centre.charts.hours_in_closed")}
        categories={labels}
        series={
          opened.data && closed.data
            ? [
                { label: t("centre.charts.opened"), values: openedTotal },
                {
                  label: t("centre.charts.closed"),
                  values: zero(valuesOn(closed.data.rows, "hour", hours, "count")),
                },
              ]
            : []
        }
        format={f.count}
        whole
      />
    </>
  );
}

function BacklogBars(
  props: Shared & {
    by: "department" | "district";
    names: Map<string, string>;
    onDrill: (drill: Drill) => void;
  },
) {
  const { env, where, tick, by, names } = props;
  const { t } = env;
  const { data } = useApi<Reading>(indicatorUrl("backlog", `groupBy=${by}`, where), env.locale, tick);
  const rows = [...(data?.rows ?? [])]
    .filter((r) => r.key[by])
    .sort((a, b) => (b.values.open ?? 0) - (a.values.open ?? 0))
    .slice(0, 12);
  const codes = rows.map((r) => r.key[by] ?? "");
  return (
    <Chart
      {...words(env)}
      kind="bars"
      title={t(`centre.charts.backlog_by_${by}`)}
      categories={codes.map((c) => names.get(c) ?? c)}
      series={[
        { label: t("centre.charts.open"), values: rows.map((r) => r.values.open ?? 0) },
        { label: t("centre.charts.late"), values: rows.map((r) => r.values.late ?? 0) },
      ]}
      format={formats(env.locale).count}
      whole
      onPick={(i) => props.onDrill({ kind: by, code: codes[i]! })}
      pickLabel={(i) => t("centre.drill.show", { name: names.get(codes[i]!) ?? codes[i]! })}
    />
  );
}

/** One indicator by day over the last 30 days, each value name a series, with the comparison period dashed. */
function DayChart(
  props: Shared & {
    id: string;
    title: string;
    names: Array<{ name: string; label: string }>;
    compare: Selection["compare"];
    format: Format;
    kind?: "line" | "area";
  },
) {
  const { env, where, tick, compare } = props;
  const { t } = env;
  const main = useApi<Reading>(
    indicatorUrl(props.id, "groupBy=day", where, compare && `compare=${compare}`),
    env.locale,
    tick,
  );
  const before = main.data?.previous?.period;
  const previous = useApi<Reading>(
    compare && before
      ? indicatorUrl(props.id, "groupBy=day", where, `from=${before.from}`, `to=${before.to}`)
      : null,
    env.locale,
    tick,
  );
  const period = main.data?.period;
  const days = period ? daysOf(period) : [];
  const series: ChartSeries[] = [];
  if (main.data) {
    for (const { name, label } of props.names) {
      series.push({ label, values: valuesOn(main.data.rows, "day", days, name) });
      if (compare && previous.data?.period) {
        const earlier = daysOf(previous.data.period);
        series.push({
          label: t("centre.charts.previous_of", {
            label,
            period: t(`centre.filters.${compare.replace("-", "_")}`),
          }),
          values: valuesOn(previous.data.rows, "day", earlier, name).slice(0, days.length),
          previous: true,
        });
      }
    }
  }
  return (
    <Chart
      {...words(env)}
      kind={props.kind ?? "line"}
      title={props.title}
      categories={days.map((d) => dayLabel(d, env.locale))}
      series={series}
      format={props.format}
    />
  );
}

/** The first day of the same month a year before `day`: with it, 13 months of channel shift. */
function thirteenMonthsFrom(day: string): string {
  return `${Number(day.slice(0, 4)) - 1}${day.slice(4, 7)}-01`;
}

function ChannelShift(props: Shared) {
  const { env, where, tick } = props;
  const { t } = env;
  const to = today(env.boot.timeZone);
  const from = thirteenMonthsFrom(to);
  const { data } = useApi<Reading>(
    indicatorUrl("channel-share", "groupBy=month,channel", `from=${from}`, `to=${to}`, where),
    env.locale,
    tick,
  );
  const rows = data?.rows ?? [];
  const months: string[] = [];
  for (
    let [y, m] = from.split("-").map(Number) as [number, number];
    `${y}-${String(m).padStart(2, "0")}` <= to.slice(0, 7);
  ) {
    months.push(`${y}-${String(m).padStart(2, "0")}`);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  const channels = topKeys(rows, "channel", "count", 6);
  return (
    <Chart
      {...words(env)}
      kind="line"
      title={t("centre.charts.channel_shift")}
      categories={months.map((m) => monthLabel(m, env.locale))}
      series={
        data
          ? channels.map((c) => ({
              label: t(`centre.channels.${c}`),
              values: valuesOn(rows, "month", months, "share_of_period", (r) => r.key.channel === c),
            }))
          : []
      }
      format={formats(env.locale).share}
    />
  );
}

/** Every chart of the centre, for the selection's filters and comparison. */
export function ChartsPanel(props: {
  env: StaffEnv;
  selection: Selection;
  where: string;
  tick: number;
  lists: FilterLists;
  onDrill: (drill: Drill) => void;
}) {
  const { env, selection, where, tick, lists } = props;
  const { t } = env;
  const f = formats(env.locale);
  const shared = { env, where, tick };
  const compare = selection.compare;
  const clock = selection.clock;
  const times = (id: string, title: string) => (
    <DayChart
      {...shared}
      id={id}
      title={`${title} (${t(`centre.filters.clock_${clock}`)})`}
      compare={compare}
      format={f.hours}
      names={[
        { name: `median_${clock}`, label: t("centre.charts.median") },
        { name: `p90_${clock}`, label: t("centre.charts.p90") },
      ]}
    />
  );
  return (
    <section aria-labelledby="centre-charts">
      <h2 id="centre-charts">{t("centre.charts.title")}</h2>
      <div class="centre-charts">
        <HoursToday {...shared} />
        <BacklogBars
          {...shared}
          by="department"
          names={new Map(lists.departments.map((d) => [d.code, d.code]))}
          onDrill={props.onDrill}
        />
        <BacklogBars
          {...shared}
          by="district"
          names={new Map(lists.districts.map((d) => [d.code, d.name]))}
          onDrill={props.onDrill}
        />
        <DayChart
          {...shared}
          id="deadline-compliance"
          kind="area"
          title={t("centre.charts.compliance")}
          compare={compare}
          format={f.share}
          names={[{ name: "share", label: t("centre.charts.on_time") }]}
        />
        {times("time-to-first-answer", t("centre.charts.first_answer"))}
        {times("time-to-closure", t("centre.charts.closure"))}
        <DayChart
          {...shared}
          id="satisfaction"
          title={t("centre.charts.satisfaction")}
          compare={compare}
          format={f.rating}
          names={[{ name: "mean", label: t("centre.charts.mean_rating") }]}
        />
        <DayChart
          {...shared}
          id="solved"
          title={t("centre.charts.solved")}
          compare={compare}
          format={f.share}
          names={[{ name: "share", label: t("centre.charts.solved_share") }]}
        />
        <DayChart
          {...shared}
          id="reopen-rate"
          title={t("centre.charts.reopen_rate")}
          compare={compare}
          format={f.share}
          names={[{ name: "share", label: t("centre.charts.reopened_share") }]}
        />
        <ChannelShift {...shared} />
      </div>
    </section>
  );
}
