/**
 * What the transparency portal and the command centre share about indicators (docs/indicators.md): the shapes of
 * GET /api/v1/indicators and /api/v1/indicators/{id}, and a value as people read it.
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
 * The indicators the caller may read (GET /api/v1/indicators) and each one's reading for `where` (a query string
 * of filters, "" or "district=SE"), compared with the 30 days before where it has a period; read again whenever
 * `where`, the language or `tick` change. `fresh` reads past the browser's cache (the live panels).
 */
export function useIndicatorReadings(
  locale: string,
  where: string,
  tick = 0,
  fresh = false,
): {
  definitions: IndicatorDefinition[] | null;
  readings: Record<string, IndicatorReading>;
  problem: ApiProblem | null;
} {
  const [definitions, setDefinitions] = useState<IndicatorDefinition[] | null>(null);
  const [readings, setReadings] = useState<Record<string, IndicatorReading>>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useEffect(() => {
    api<{ indicators: IndicatorDefinition[] }>("/api/v1/indicators", {}, locale)
      .then((r) => setDefinitions(r.indicators))
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
  }, [locale]);
  useEffect(() => {
    if (!definitions) return;
    let cancelled = false;
    const init: RequestInit = fresh ? { cache: "no-store" } : {};
    void Promise.all(
      definitions.map(async (d) => {
        const query = [d.periodBy === "now" ? "" : "compare=previous-month", where].filter(Boolean).join("&");
        const reading = await api<IndicatorReading>(`/api/v1/indicators/${d.id}?${query}`, init, locale);
        return [d.id, reading] as const;
      }),
    )
      .then((pairs) => {
        if (!cancelled) setReadings(Object.fromEntries(pairs));
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
    return () => {
      cancelled = true;
    };
  }, [definitions, where, tick, locale]);
  return { definitions, readings, problem };
}
