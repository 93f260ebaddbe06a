/**
 * The transparency portal (/transparencia): its first page shows every public indicator for the city or one
 * district, the last 30 days beside the 30 before them, from the same API (GET /api/v1/indicators/{id}) the command
 * centre and the monthly report read; then the public map, the ranking that leads to each district's, service's and
 * department's page (transparency-area.tsx), and the open data. Loaded on demand by the portal; the map and the
 * ranking load when they come near the screen.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { type IndicatorReading, readingUrl, useIndicatorReadings } from "../ui/indicators.ts";
import { matchPath, useLocation } from "../ui/router.ts";
import type { Env } from "./env.ts";
import { AreaPage } from "./transparency-area.tsx";
import { dimensionOf, formatValue, pageHref } from "./transparency-data.ts";
import { PublicMap } from "./transparency-map.tsx";
import { QualitySection } from "./transparency-quality.tsx";
import { Ranking } from "./transparency-ranking.tsx";

interface District {
  code: string;
  name: string;
}

/** A day of the city's calendar (YYYY-MM-DD) as people write it in `locale`. */
function dayOf(day: string, locale: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(locale, { timeZone: "UTC", dateStyle: "short" });
}

/** The readings asked for before the first page renders (`askEarly`), taken once by the cards. */
const early = new Map<string, Promise<IndicatorReading>>();

function readCard(url: string, locale: string): Promise<IndicatorReading> {
  const asked = early.get(url);
  early.delete(url);
  return asked ?? api<IndicatorReading>(url, {}, locale);
}

/**
 * Asks for the first page's readings as soon as this module runs (the portal calls it while its frame renders),
 * so they arrive while the cards are drawn, not after.
 */
export function askEarly(env: Env): void {
  for (const d of env.boot.indicators ?? []) {
    const url = readingUrl(d, "");
    const reading = api<IndicatorReading>(url, {}, env.locale);
    // Handled where the card takes it; this only keeps a failure from being reported as unhandled meanwhile.
    reading.catch(() => undefined);
    early.set(url, reading);
  }
}

/**
 * The public indicators and each one's reading for `where` (filters), the 30 days beside the 30 before; each card
 * gets its reading as soon as it arrives, so the first screen shows numbers before the last card is read. The shell
 * carries the definitions in the page's language (a change of language asks the API), and the readings asked for
 * early are taken here.
 */
function useCardReadings(env: Env, where: string) {
  const { locale } = env;
  return useIndicatorReadings(locale, where, {
    definitions: env.boot.locale === locale ? (env.boot.indicators ?? null) : null,
    read: (url) => readCard(url, locale),
  });
}

/** The transparency screens: the first page, or the page of a district, a service or a department. */
export function TransparencyScreen(props: { env: Env }) {
  const path = useLocation().pathname;
  const params = matchPath("/transparencia/:dimension/:code", path);
  const dimension = params ? dimensionOf(params.dimension!) : undefined;
  if (params && dimension) {
    return <AreaPage key={path} env={props.env} dimension={dimension} code={params.code!} />;
  }
  return <IndexPage env={props.env} />;
}

function IndexPage(props: { env: Env }) {
  const { env } = props;
  const { t, locale } = env;
  const [districts, setDistricts] = useState<District[]>([]);
  const [district, setDistrict] = useState("");
  const { definitions, readings, problem } = useCardReadings(
    env,
    district ? `district=${encodeURIComponent(district)}` : "",
  );

  useEffect(() => {
    api<{ items: District[] }>("/api/v1/districts", {}, locale)
      .then((r) => setDistricts([...r.items].sort((a, b) => a.name.localeCompare(b.name, locale))))
      .catch(() => setDistricts([]));
  }, [locale]);

  const place = districts.find((d) => d.code === district)?.name ?? t("portal.transparency.whole_city");
  return (
    <>
      <h1 tabIndex={-1}>{t("portal.transparency.title")}</h1>
      <p>{t("portal.transparency.intro")}</p>
      {problem ? <ProblemAlert problem={problem} t={t} /> : null}
      <p>
        <label for="transparency-district">{t("portal.transparency.district")}</label>{" "}
        <select
          id="transparency-district"
          value={district}
          onChange={(e) => setDistrict((e.target as HTMLSelectElement).value)}
        >
          <option value="">{t("portal.transparency.whole_city")}</option>
          {districts.map((d) => (
            <option key={d.code} value={d.code}>
              {d.name}
            </option>
          ))}
        </select>
      </p>
      <h2>{place}</h2>
      {district ? (
        <p>
          <a href={pageHref("district", district, locale)} data-nav>
            {t("portal.transparency.district_page", { name: place })}
          </a>
        </p>
      ) : null}
      {definitions === null ? <p>{t("ui.loading")}</p> : null}
      <ul class="indicator-cards" aria-busy={Object.keys(readings).length === 0}>
        {(definitions ?? []).map((d) => {
          const reading = readings[d.id];
          const value = reading?.rows[0]?.values[d.headline];
          const before = reading?.previous?.rows[0]?.values[d.headline];
          return (
            <li key={d.id} class="indicator-card" data-indicator={d.id}>
              <h3>{d.title}</h3>
              <p class="indicator-value" data-value={value ?? ""}>
                {reading ? formatValue(d.unit, value, env) : t("ui.loading")}
              </p>
              <p class="hint">
                {d.periodBy === "now"
                  ? t("portal.transparency.now")
                  : reading?.period
                    ? t("portal.transparency.period", {
                        from: dayOf(reading.period.from, locale),
                        to: dayOf(reading.period.to, locale),
                      })
                    : ""}
              </p>
              {reading?.previous ? (
                <p class="hint">
                  {t("portal.transparency.previous", { value: formatValue(d.unit, before, env) })}
                </p>
              ) : null}
              <details>
                <summary>{t("portal.transparency.how")}</summary>
                <p>{d.description}</p>
              </details>
            </li>
          );
        })}
      </ul>
      {/* Below the cards, and only once they hold numbers: the map and the ranking never slow the first screen. */}
      {Object.keys(readings).length > 0 ? (
        <>
          <PublicMap env={env} />
          <Ranking env={env} />
          <QualitySection env={env} />
        </>
      ) : null}
      <h2>{t("portal.transparency.data_title")}</h2>
      <p>{t("portal.transparency.data_intro")}</p>
      <ul>
        <li>
          <a href={inBase("/api/v1/open-data/demands.csv")} download>
            {t("portal.transparency.download_csv")}
          </a>
        </li>
        <li>
          <a href={inBase("/api/v1/open-data/demands.geojson")} download>
            {t("portal.transparency.download_geojson")}
          </a>
        </li>
        <li>
          <a href={inBase(`/transparencia/relatorio?lang=${locale}`)}>{t("portal.transparency.report")}</a>
        </li>
        <li>
          <a href={inBase("/api/v1/indicators")}>{t("portal.transparency.api")}</a>
        </li>
        <li>
          <a href={inBase("/openapi.json")}>{t("portal.transparency.openapi")}</a>
        </li>
        <li>
          <a href={inBase("/open311/v2/services.json")}>{t("portal.transparency.open311")}</a>
        </li>
      </ul>
    </>
  );
}
