/**
 * The page of one district, service or department (/transparencia/distrito/{code}, /servico/{code},
 * /orgao/{code}): "resolveu?" over the last 12 months beside the 12 before them (volume, on-time share, time to
 * resolve, solved share, satisfaction), what is open now, the month-by-month trend, its open demands on the map and
 * its open data. Every number comes from the public indicators API, filtered by the code.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { Chart } from "../ui/chart.tsx";
import { ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import type { Env } from "./env.ts";
import {
  type Dimension,
  FIGURES,
  formatValue,
  lastMonths,
  monthLabel,
  type Reading,
  readIndicator,
} from "./transparency-data.ts";
import { PublicMap } from "./transparency-map.tsx";

/** A day (YYYY-MM-DD) as people write it in `locale`. */
function dayOf(day: string, locale: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(locale, { timeZone: "UTC", dateStyle: "short" });
}

interface Readings {
  totals: Reading[];
  trend: Reading[];
  backlog: Reading;
}

/** The indicators of the page: totals compared with the year before, by month, and the backlog now. */
function useAreaReadings(env: Env, where: string) {
  const [readings, setReadings] = useState<Readings | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useEffect(() => {
    let cancelled = false;
    setReadings(null);
    setProblem(null);
    const { from, to } = lastMonths(env.boot.timeZone);
    const period = `from=${from}&to=${to}&${where}`;
    Promise.all([
      Promise.all(FIGURES.map((f) => readIndicator(f.id, `${period}&compare=previous-year`, env.locale))),
      Promise.all(FIGURES.map((f) => readIndicator(f.id, `${period}&groupBy=month`, env.locale))),
      readIndicator("backlog", where, env.locale),
    ])
      .then(([totals, trend, backlog]) => {
        if (!cancelled) setReadings({ totals, trend, backlog });
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [where, env.locale]);
  return { readings, problem };
}

/** The page of a district, a service or a department. */
export function AreaPage(props: { env: Env; dimension: Dimension; code: string }) {
  const { env, dimension, code } = props;
  const { t, locale } = env;
  const where = `${dimension}=${encodeURIComponent(code)}`;
  const { readings, problem } = useAreaReadings(env, where);
  const { months, from, to } = lastMonths(env.boot.timeZone);
  const name = readings?.totals[0]?.labels[dimension]?.[code];
  const kind = t(`portal.transparency.area.${dimension}`);
  const back = (
    <p>
      <a href={withLang("/transparencia", locale)} data-nav>
        {t("portal.transparency.area.back")}
      </a>
    </p>
  );
  if (readings && !name) {
    return (
      <>
        {back}
        <h1 tabIndex={-1}>{t("portal.transparency.area.unknown", { kind })}</h1>
      </>
    );
  }
  const period = readings?.totals[0]?.period;
  const previous = readings?.totals[0]?.previous?.period;
  const monthly = (i: number) => {
    const reading = readings?.trend[i];
    const byMonth = new Map(
      (reading?.rows ?? []).map((r) => [r.key.month, r.values[FIGURES[i]!.value] ?? null]),
    );
    return months.map((m) => byMonth.get(m) ?? null);
  };
  const categories = months.map((m) => monthLabel(m, locale));
  const share = (v: number) => formatValue("share", v, env);
  const open = readings?.backlog.rows[0]?.values;
  return (
    <>
      {back}
      <h1 tabIndex={-1} data-code={code}>
        {name ?? t("ui.loading")}
      </h1>
      <p class="hint">
        {kind}
        {period
          ? ` · ${t("portal.transparency.period", { from: dayOf(period.from, locale), to: dayOf(period.to, locale) })}`
          : ""}
      </p>
      {problem ? <ProblemAlert problem={problem} t={t} /> : null}
      <h2>{t("portal.transparency.area.resolved")}</h2>
      <ul class="indicator-cards" aria-busy={!readings}>
        {FIGURES.map((f, i) => {
          const reading = readings?.totals[i];
          const value = reading?.rows[0]?.values[f.value];
          const also = f.also ? reading?.rows[0]?.values[f.also] : undefined;
          const before = reading?.previous?.rows[0]?.values[f.value];
          return (
            <li key={f.id} class="indicator-card" data-indicator={f.id}>
              <h3>{reading?.title ?? t("ui.loading")}</h3>
              <p class="indicator-value" data-value={value ?? ""}>
                {reading ? formatValue(reading.unit, value, env) : t("ui.loading")}
              </p>
              {reading && f.also && also !== undefined && also !== null ? (
                <p class="hint">
                  {t("portal.transparency.area.p90", { value: formatValue(reading.unit, also, env) })}
                </p>
              ) : null}
              {reading && previous ? (
                <p class="hint">
                  {t("portal.transparency.area.year_before", {
                    value: formatValue(reading.unit, before, env),
                  })}
                </p>
              ) : null}
            </li>
          );
        })}
        <li class="indicator-card" data-indicator="backlog">
          <h3>{readings?.backlog.title ?? t("ui.loading")}</h3>
          <p class="indicator-value" data-value={open?.open ?? ""}>
            {readings ? formatValue("count", open?.open ?? 0, env) : t("ui.loading")}
          </p>
          {readings ? (
            <p class="hint">{t("portal.transparency.area.late", { count: open?.late ?? 0 })}</p>
          ) : null}
        </li>
      </ul>
      <h2>{t("portal.transparency.area.trend")}</h2>
      {readings ? (
        <div class="transparency-charts">
          <Chart
            kind="bars"
            title={t("portal.transparency.area.trend_volume")}
            categories={categories}
            series={[{ label: readings.trend[0]!.title, values: monthly(0) }]}
            locale={locale}
            emptyText={t("portal.transparency.no_data")}
            tableLabel={t("portal.transparency.area.trend_table")}
          />
          <Chart
            kind="line"
            title={t("portal.transparency.area.trend_quality")}
            categories={categories}
            series={[
              { label: readings.trend[1]!.title, values: monthly(1) },
              { label: readings.trend[3]!.title, values: monthly(3) },
            ]}
            format={share}
            locale={locale}
            emptyText={t("portal.transparency.no_data")}
            tableLabel={t("portal.transparency.area.trend_table")}
          />
        </div>
      ) : (
        <p>{t("ui.loading")}</p>
      )}
      <PublicMap env={env} where={where} />
      <h2>{t("portal.transparency.data_title")}</h2>
      <ul>
        {dimension === "department" ? null : (
          <li>
            <a href={inBase(`/api/v1/open-data/demands.csv?${where}`)} download>
              {t("portal.transparency.area.download_csv", { name: name ?? code })}
            </a>
          </li>
        )}
        {FIGURES.map((f, i) => (
          <li key={f.id}>
            <a href={inBase(`/api/v1/indicators/${f.id}?from=${from}&to=${to}&${where}&groupBy=month`)}>
              {t("portal.transparency.area.api", { indicator: readings?.trend[i]?.title ?? f.id })}
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}
