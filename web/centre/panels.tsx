/**
 * The centre's indicator cards (every indicator the role reads, for the selection, with the change against the
 * comparison period) and the drill-down list (the open demands behind a bar, a row or a cluster, each linking to
 * its page in the console).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { OpenDemand } from "../../domain/open-demand.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { formatIndicatorValue, type IndicatorDefinition } from "../ui/indicators.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import type { FilterLists } from "./filters.tsx";
import { type Reading, useApi } from "./readings.ts";
import { type Drill, type Selection, whereOf } from "./selection.ts";

const NO_CACHE: RequestInit = { cache: "no-store" };

/** The change of a card against the comparison period: points for shares, per cent for the others. */
function changeOf(
  unit: IndicatorDefinition["unit"],
  now: number | null | undefined,
  before: number | null | undefined,
  locale: string,
): string | null {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  const signed = (n: number, digits: number) =>
    `${n > 0 ? "+" : n < 0 ? "−" : "±"}${Math.abs(n).toLocaleString(locale, { maximumFractionDigits: digits })}`;
  if (unit === "share") return `${signed((now - before) * 100, 1)} p.p.`;
  if (before === 0) return null;
  return `${signed(((now - before) / before) * 100, 0)} %`;
}

/** The cards: each indicator's headline value for the selection, and the comparison period's beside it. */
export function IndicatorsPanel(props: { env: StaffEnv; selection: Selection; where: string; tick: number }) {
  const { env, selection, where, tick } = props;
  const { t, locale } = env;
  const definitions = useApi<{ indicators: IndicatorDefinition[] }>("/api/v1/indicators", locale, 0);
  const [readings, setReadings] = useState<Record<string, Reading>>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const compare = selection.compare;
  useEffect(() => {
    const list = definitions.data?.indicators;
    if (!list) return;
    let cancelled = false;
    void Promise.all(
      list.map(async (d) => {
        const query = [d.periodBy !== "now" && compare ? `compare=${compare}` : "", where]
          .filter(Boolean)
          .join("&");
        const reading = await api<Reading>(`/api/v1/indicators/${d.id}?${query}`, NO_CACHE, locale);
        return [d.id, reading] as const;
      }),
    )
      .then((pairs) => {
        if (cancelled) return;
        setReadings(Object.fromEntries(pairs));
        setProblem(null);
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [definitions.data, where, compare, tick, locale]);
  const lag = Object.values(readings).find((r) => r.source?.replica)?.source?.lagSeconds;
  return (
    <section aria-labelledby="centre-indicators">
      <h2 id="centre-indicators">{t("centre.panel.indicators")}</h2>
      <ProblemAlert problem={problem ?? definitions.problem} t={t} />
      {lag !== undefined && lag !== null ? (
        <p class="hint">{t("centre.panel.replica", { seconds: lag.toFixed(1) })}</p>
      ) : null}
      <ul class="indicator-cards">
        {(definitions.data?.indicators ?? []).map((d) => {
          const reading = readings[d.id];
          const value = reading?.rows[0]?.values[d.headline];
          const before = reading?.previous?.rows[0]?.values[d.headline];
          const change = changeOf(d.unit, value, before, locale);
          return (
            <li key={d.id} class="indicator-card" data-indicator={d.id}>
              <h3>{d.title}</h3>
              <p class="indicator-value" data-value={value ?? ""}>
                {reading ? formatIndicatorValue(d.unit, value, t, locale, "centre.panel") : t("ui.loading")}
              </p>
              {reading?.previous && compare ? (
                <p class="hint indicator-previous" data-value={before ?? ""}>
                  {t(`centre.panel.${compare.replace("-", "_")}`, {
                    value: formatIndicatorValue(d.unit, before, t, locale, "centre.panel"),
                  })}
                  {change ? <strong class="indicator-change"> ({change})</strong> : null}
                </p>
              ) : (
                <p class="hint">
                  {d.periodBy === "now" ? t("centre.panel.now") : t("centre.panel.last_30_days")}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** What a drill-down is called: the department's code, the district's name, or "this part of the map". */
function drillName(drill: Drill, lists: FilterLists, env: StaffEnv): string {
  if (drill.kind === "cell") return env.t("centre.drill.cell");
  const list = drill.kind === "department" ? lists.departments : lists.districts;
  return list.find((o) => o.code === drill.code)?.name ?? drill.code;
}

/** The open demands behind a drill-down, newest first, each linking to its page. */
export function DrillPanel(props: {
  env: StaffEnv;
  selection: Selection;
  drill: Drill;
  lists: FilterLists;
  tick: number;
  onClose: () => void;
}) {
  const { env, selection, drill, lists, tick } = props;
  const { t, locale } = env;
  const heading = useRef<HTMLHeadingElement>(null);
  const where = whereOf(
    selection.filters,
    drill.kind === "department"
      ? { department: drill.code }
      : drill.kind === "district"
        ? { district: drill.code }
        : {},
  );
  const bbox = drill.kind === "cell" ? `bbox=${drill.bbox.join(",")}` : "";
  const { data, problem } = useApi<{ total: number; demands: OpenDemand[] }>(
    `/api/v1/map/demands?${[where, bbox, "limit=100"].filter(Boolean).join("&")}`,
    locale,
    tick,
  );
  const key = JSON.stringify(drill);
  useEffect(() => heading.current?.focus(), [key]);
  return (
    <section class="centre-drill" aria-labelledby="centre-drill">
      <h2 id="centre-drill" ref={heading} tabIndex={-1}>
        {t("centre.drill.title", { name: drillName(drill, lists, env) })}
      </h2>
      <ProblemAlert problem={problem} t={t} />
      <p class="hint" role="status" data-total={data ? data.total : ""}>
        {data ? t("centre.drill.total", { count: data.total, shown: data.demands.length }) : t("ui.loading")}
      </p>
      {data && data.demands.length > 0 ? (
        <table class="centre-drill-table">
          <thead>
            <tr>
              <th scope="col">{t("centre.drill.protocol")}</th>
              <th scope="col">{t("centre.drill.service")}</th>
              <th scope="col">{t("centre.drill.status")}</th>
              <th scope="col">{t("centre.drill.where")}</th>
              <th scope="col">{t("centre.drill.department")}</th>
              <th scope="col">{t("centre.drill.opened")}</th>
            </tr>
          </thead>
          <tbody>
            {data.demands.map((d) => (
              <tr key={d.protocol} data-protocol={d.protocol}>
                <th scope="row">
                  <a href={withLang(`/console/demanda/${d.protocol}`, locale)}>{d.protocol}</a>
                </th>
                <td>{d.service.name}</td>
                <td>
                  {t(`status.${d.status}`)}
                  {d.late ? <strong class="late"> {t("centre.drill.late")}</strong> : null}
                </td>
                <td>{[d.address, d.district].filter(Boolean).join(" — ")}</td>
                <td>{d.department ?? "–"}</td>
                <td>{formatWhen(d.openedAt, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p>
        <button type="button" onClick={props.onClose}>
          {t("centre.drill.close")}
        </button>
      </p>
    </section>
  );
}
