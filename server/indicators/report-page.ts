/**
 * The monthly report (/transparencia/relatorio/{YYYY-MM}): the public indicators of one month for the city beside
 * the month before and the same month a year before, then by district and by department. Plain HTML in the
 * portal's frame, with no script, that prints well (a print stylesheet: the browser's "save as PDF" gives the PDF).
 * It reads the same definitions as the API (definitions.ts), so the report and the panels agree.
 */
import type { Sql } from "../db/index.ts";
import { escapeHtml, page } from "../http/html.ts";
import { type Locale, translate } from "../i18n.ts";
import { INDICATORS, type IndicatorDefinition, indicatorOf } from "./definitions.ts";
import { type GroupKey, type IndicatorRow, type Period, readIndicator, shiftPeriod } from "./queries.ts";

/** The report's own style (allowed by its hash in the page's policy): compact tables, and a print layout. */
export const REPORT_STYLE = `
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ccc;padding:.3rem .4rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
caption{text-align:left;font-weight:600;padding:.5rem 0}
.report-table{overflow-x:auto}
@media print{.skip-links,.site-header nav,footer p a,.no-print{display:none}
body{font-size:10pt}h1{font-size:16pt}h2{font-size:13pt;break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}}
@page{size:A4;margin:15mm}
`;

/** The month's whole days: the first to the last. */
export function monthPeriod(month: string): Period {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

/** The indicators of a month: every public one that has a period. */
const MONTHLY = INDICATORS.filter((i) => i.audience === "public" && i.periodBy !== "now");

/** The columns of the tables by district and by department: [indicator, value]. */
const COLUMNS: ReadonlyArray<[string, string]> = [
  ["demands-opened", "count"],
  ["demands-closed", "count"],
  ["deadline-compliance", "share"],
  ["time-to-closure", "median_business"],
  ["satisfaction", "mean"],
];

function formatValue(
  indicator: IndicatorDefinition,
  value: number | null | undefined,
  locale: Locale,
): string {
  if (value === null || value === undefined) return "—";
  const n = (v: number, digits: number) => v.toLocaleString(locale, { maximumFractionDigits: digits });
  switch (indicator.unit) {
    case "count":
      return n(value, 0);
    case "share":
      return `${n(value * 100, 1)} %`;
    case "rating":
      return n(value, 2);
    case "minutes":
      return translate(locale, "web.portal.transparency.business_hours", { value: n(value / 60, 1) });
  }
}

/** The HTML of the report of `month` (YYYY-MM) in `locale`. */
export async function renderMonthlyReport(
  sql: Sql,
  locale: Locale,
  month: string,
  timeZone: string,
): Promise<string> {
  const t = (key: string, params: Record<string, string | number> = {}) =>
    escapeHtml(translate(locale, `web.portal.report.${key}`, params));
  const period = monthPeriod(month);
  const monthName = new Date(`${month}-15T12:00:00Z`).toLocaleDateString(locale, {
    timeZone: "UTC",
    month: "long",
    year: "numeric",
  });
  const dayOf = (day: string) =>
    new Date(`${day}T12:00:00Z`).toLocaleDateString(locale, { timeZone: "UTC", dateStyle: "long" });
  const headline = async (indicator: IndicatorDefinition) => {
    const month = await readIndicator(sql, indicator, { compare: "previous-month" }, period, timeZone);
    // The same month a year before alone: comparing with it would read this month again.
    const yearBefore = shiftPeriod(period, "previous-year");
    const year = await readIndicator(sql, indicator, {}, yearBefore, timeZone);
    const value = (rows: IndicatorRow[] | undefined) => rows?.[0]?.values[indicator.headline];
    return [indicator, value(month.rows), value(month.previous?.rows), value(year.rows)] as const;
  };
  const city = await Promise.all(MONTHLY.map(headline));
  const cityRows = city
    .map(
      ([i, now, before, yearBefore]) =>
        `<tr><th scope="row">${escapeHtml(translate(locale, `indicators.${i.id}.title`))}</th><td>${escapeHtml(
          formatValue(i, now, locale),
        )}</td><td>${escapeHtml(formatValue(i, before, locale))}</td><td>${escapeHtml(
          formatValue(i, yearBefore, locale),
        )}</td></tr>`,
    )
    .join("\n");

  const byKey = async (key: GroupKey, names: Map<string, string>, caption: string) => {
    const columns = await Promise.all(
      COLUMNS.map(async ([id, value]) => {
        const indicator = indicatorOf(id)!;
        const { rows } = await readIndicator(sql, indicator, { groupBy: [key] }, period, timeZone);
        return { indicator, values: new Map(rows.map((r) => [r.key[key] ?? "", r.values[value]])) };
      }),
    );
    const keys = [...new Set(columns.flatMap((c) => [...c.values.keys()]))].sort((a, b) =>
      (names.get(a) ?? a).localeCompare(names.get(b) ?? b, locale),
    );
    if (keys.length === 0) return `<h2>${caption}</h2><p>${t("empty")}</p>`;
    const head = COLUMNS.map(
      ([id]) => `<th scope="col">${escapeHtml(translate(locale, `indicators.${id}.title`))}</th>`,
    ).join("");
    const body = keys
      .map(
        (k) =>
          `<tr><th scope="row">${escapeHtml(names.get(k) ?? (k || t("unknown")))}</th>${columns
            .map((c) => `<td>${escapeHtml(formatValue(c.indicator, c.values.get(k), locale))}</td>`)
            .join("")}</tr>`,
      )
      .join("\n");
    return `<h2>${caption}</h2><div class="report-table" tabindex="0" role="region" aria-label="${caption}"><table><thead><tr><th scope="col">${caption}</th>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  };
  const districts = new Map(
    (await sql.query<{ code: string; name: string }>("SELECT code, name FROM districts")).map((r) => [
      r.code,
      r.name,
    ]),
  );
  const departments = new Map(
    (await sql.query<{ code: string; name: string }>("SELECT code, name FROM departments")).map((r) => [
      r.code,
      r.name,
    ]),
  );
  const main = `<h1>${t("title", { month: monthName })}</h1>
<p>${t("intro", { from: dayOf(period.from), to: dayOf(period.to) })}</p>
<div class="report-table" tabindex="0" role="region" aria-label="${t("city")}"><table>
<caption>${t("city")}</caption>
<thead><tr><th scope="col">${t("indicator")}</th><th scope="col">${escapeHtml(monthName)}</th><th scope="col">${t(
    "month_before",
  )}</th><th scope="col">${t("year_before")}</th></tr></thead>
<tbody>
${cityRows}
</tbody></table></div>
${await byKey("district", districts, t("by_district"))}
${await byKey("department", departments, t("by_department"))}
<p class="no-print">${t("print")}</p>
<p>${t("method")} <a href="/api/v1/indicators?lang=${locale}">${t("api")}</a></p>`;
  const title = translate(locale, "web.portal.report.title", { month: monthName });
  return page(locale, title, main, `/transparencia/relatorio/${month}`, REPORT_STYLE);
}
