/**
 * What the transparency portal and the command centre share about indicators (docs/indicators.md): the shapes of
 * GET /api/v1/indicators and /api/v1/indicators/{id}, and a value as people read it.
 */
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
