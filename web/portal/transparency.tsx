/**
 * The transparency portal's first page (/transparencia): every public indicator for the city or one district, the
 * last 30 days beside the 30 before them, from the same API (GET /api/v1/indicators/{id}) the command centre and
 * the monthly report read. Loaded on demand: it is not part of the portal's first screen.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatIndicatorValue, type IndicatorDefinition, useIndicatorReadings } from "../ui/indicators.ts";
import type { Env } from "./env.ts";

type Definition = IndicatorDefinition;

interface District {
  code: string;
  name: string;
}

/** An indicator's headline value as people read it, in the page's language. */
export function formatValue(unit: Definition["unit"], value: number | null | undefined, env: Env): string {
  return formatIndicatorValue(unit, value, env.t, env.locale, "portal.transparency");
}

/** A day of the city's calendar (YYYY-MM-DD) as people write it in `locale`. */
function dayOf(day: string, locale: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(locale, { timeZone: "UTC", dateStyle: "short" });
}

/** The transparency screen. */
export function TransparencyScreen(props: { env: Env }) {
  const { env } = props;
  const { t, locale } = env;
  const [districts, setDistricts] = useState<District[]>([]);
  const [district, setDistrict] = useState("");
  const { definitions, readings, problem } = useIndicatorReadings(
    locale,
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
      <h2>{t("portal.transparency.data_title")}</h2>
      <ul>
        <li>
          <a href="/api/v1/open-data/demands.csv" download>
            {t("portal.transparency.download_csv")}
          </a>
        </li>
        <li>
          <a href="/api/v1/open-data/demands.geojson" download>
            {t("portal.transparency.download_geojson")}
          </a>
        </li>
        <li>
          <a href={`/transparencia/relatorio?lang=${locale}`}>{t("portal.transparency.report")}</a>
        </li>
        <li>
          <a href="/api/v1/indicators">{t("portal.transparency.api")}</a>
        </li>
      </ul>
    </>
  );
}
