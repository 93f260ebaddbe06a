/**
 * What the transparency portal and the command centre share about indicators (docs/indicators.md): the shapes of
 * GET /api/v1/indicators and /api/v1/indicators/{id}, a value as people read it, and the portal's reading of them.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "./api.ts";
import type { Translate } from "./i18n.ts";

export interface IndicatorDefinition {
  id: string;
  title: string;
  description: string;
  unit: "count" | "share" | "minutes" | "rating";
  periodBy: string;
  headline: string;
}

export interface IndicatorReading {
  period: { from: string; to: string } | null;
  rows: Array<{ values: Record<string, number | null> }>;
  previous?: { period: { from: string; to: string }; rows: Array<{ values: Record<string, number | null> }> };
  source?: { replica: boolean; lagSeconds: number | null };
}

/** An indicator's value as people read it; `t` gives the words (`<prefix>.no_data`, `.rating`, `.business_hours`). */
export function formatIndicatorValue(
  unit: IndicatorDefinition["unit"],
  value: number | null | undefined,
  t: Translate,
  locale: string,
  prefix: string,
): string {
  if (value === null || value === undefined) return t(`${prefix}.no_data`);
  const number = (n: number, digits: number) =>
    n.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  switch (unit) {
    case "count":
      return number(value, 0);
    case "share":
      return `${number(value * 100, 1)} %`;
    case "rating":
      return t(`${prefix}.rating`, { value: number(value, 1) });
    case "minutes":
      return t(`${prefix}.business_hours`, { value: number(value / 60, 1) });
  }
}

/**
 * The URL of an indicator's reading: the 30 days beside the 30 before where it has a period, narrowed by `where` (a
 * query string of filters, "" or "district=SE"). The same URLs as the portal's shell preloads for the first cards
 * (server/http/web.ts firstReadings).
 */
export function readingUrl(d: IndicatorDefinition, where: string): string {
  const query = [d.periodBy === "now" ? "" : "compare=previous-month", where].filter(Boolean).join("&");
  return `/api/v1/indicators/${d.id}${query ? `?${query}` : ""}`;
}

/**
 * The indicators the caller may read (GET /api/v1/indicators) and each one's reading for `where` (`readingUrl`),
 * read again whenever `where` or the language change. Each reading is kept as soon as it arrives, so a screen shows
 * numbers before the last indicator is read. `definitions` are those already at hand in this language (the portal's
 * shell carries them; not asked for then); `read` reads a URL (the portal hands over the readings it asked for
 * early), by default from the API.
 */
export function useIndicatorReadings(
  locale: string,
  where: string,
  options: {
    definitions?: IndicatorDefinition[] | null;
    read?: (url: string) => Promise<IndicatorReading>;
  } = {},
): {
  definitions: IndicatorDefinition[] | null;
  readings: Record<string, IndicatorReading>;
  problem: ApiProblem | null;
} {
  const shipped = options.definitions ?? null;
  const read = options.read ?? ((url: string) => api<IndicatorReading>(url, {}, locale));
  const [definitions, setDefinitions] = useState<IndicatorDefinition[] | null>(shipped);
  const [readings, setReadings] = useState<Record<string, IndicatorReading>>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const fail = (e: unknown) => setProblem(e instanceof ApiProblem ? e : null);
  useEffect(() => {
    if (shipped) return;
    api<{ indicators: IndicatorDefinition[] }>("/api/v1/indicators", {}, locale)
      .then((r) => setDefinitions(r.indicators))
      .catch(fail);
  }, [locale]);
  useEffect(() => {
    if (!definitions) return;
    let cancelled = false;
    setReadings({});
    for (const d of definitions) {
      read(readingUrl(d, where))
        .then((reading) => {
          if (!cancelled) setReadings((all) => ({ ...all, [d.id]: reading }));
        })
        .catch(fail);
    }
    return () => {
      cancelled = true;
    };
  }, [definitions, where, locale]);
  return { definitions, readings, problem };
}
