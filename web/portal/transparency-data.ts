/**
 * What the transparency pages share: the pages of a district, a service and a department, the indicators they show
 * ("resolveu?": volume, on-time share, time to resolve, solved share, satisfaction) and the last 12 months in the
 * city's calendar, all read from the public indicators API (GET /api/v1/indicators/{id}).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../ui/api.ts";
import { withLang } from "../ui/i18n.ts";
import { formatIndicatorValue, type IndicatorDefinition } from "../ui/indicators.ts";
import type { Env } from "./env.ts";

/** What a page of the portal is about. */
export type Dimension = "district" | "service" | "department";
export const DIMENSIONS: readonly Dimension[] = ["district", "service", "department"];

/** The path word of each dimension's page (/transparencia/distrito/{code} …). */
export const PAGE_OF: Record<Dimension, string> = {
  district: "distrito",
  service: "servico",
  department: "orgao",
};

/** The dimension of a path word, or undefined. */
export function dimensionOf(word: string): Dimension | undefined {
  return DIMENSIONS.find((d) => PAGE_OF[d] === word);
}

/** The page of one district, service or department, in the reader's language. */
export function pageHref(dimension: Dimension, code: string, locale: string): string {
  return withLang(`/transparencia/${PAGE_OF[dimension]}/${encodeURIComponent(code)}`, locale);
}

/** An indicator's value as people read it, in the page's language. */
export function formatValue(
  unit: IndicatorDefinition["unit"],
  value: number | null | undefined,
  env: Env,
): string {
  return formatIndicatorValue(unit, value, env.t, env.locale, "portal.transparency");
}

/** An indicator's answer as the pages read it. */
export interface Reading {
  id: string;
  title: string;
  unit: IndicatorDefinition["unit"];
  period: { from: string; to: string } | null;
  rows: Array<{ key: Record<string, string | null>; values: Record<string, number | null> }>;
  previous?: { period: { from: string; to: string }; rows: Reading["rows"] };
  /** The names of the codes in the rows and the filters (server/indicators/labels.ts). */
  labels: Partial<Record<Dimension, Record<string, string>>>;
}

/** One figure of "resolveu?": an indicator and the value of it shown. */
export interface Figure {
  id: string;
  value: string;
  /** A second value shown beside it (the 90th percentile of a time). */
  also?: string;
}

/** The figures of every page and of the ranking, in the order they are shown. */
export const FIGURES: readonly Figure[] = [
  { id: "demands-opened", value: "count" },
  { id: "deadline-compliance", value: "share" },
  { id: "time-to-closure", value: "median_business", also: "p90_business" },
  { id: "solved", value: "share" },
  { id: "satisfaction", value: "mean" },
];

/** Reads one indicator with a query string (filters, period, grouping, comparison). */
export function readIndicator(id: string, query: string, locale: string): Promise<Reading> {
  return api<Reading>(`/api/v1/indicators/${id}?${query}`, {}, locale);
}

/** The last `count` months of the city's calendar up to today: the period (days) and each month (YYYY-MM). */
export function lastMonths(
  timeZone: string,
  count = 12,
  now = new Date(),
): { from: string; to: string; months: string[] } {
  const to = new Intl.DateTimeFormat("en-CA", { timeZone }).format(now);
  const [y, m] = to.split("-").map(Number) as [number, number];
  const months = Array.from({ length: count }, (_, i) => {
    const at = new Date(Date.UTC(y, m - 1 - (count - 1 - i), 1));
    return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, "0")}`;
  });
  return { from: `${months[0]}-01`, to, months };
}

/** A month (YYYY-MM) as people write it short in `locale` ("dez. de 25"). */
export function monthLabel(month: string, locale: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 15)).toLocaleDateString(locale, {
    timeZone: "UTC",
    month: "short",
    year: "2-digit",
  });
}

/**
 * True once the element has come near the screen: the map and the rankings wait for it, so the first screen
 * downloads and reads only the cards.
 */
export function useNearScreen(): [{ current: HTMLElement | null }, boolean] {
  const ref = useRef<HTMLElement | null>(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (near || !element) return;
    if (typeof IntersectionObserver === "undefined") {
      setNear(true);
      return;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setNear(true);
      },
      { rootMargin: "200px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [near]);
  return [ref, near];
}
