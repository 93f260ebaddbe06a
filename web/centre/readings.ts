/**
 * How the centre's panels read the API: one hook that reads a URL again whenever it, the language or the live tick
 * change, past the browser's cache (the panels follow the events), and the shapes and labels of indicator rows.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";

/** One row of GET /api/v1/indicators/{id}: its group's key and its values. */
export interface Row {
  key: Record<string, string | null>;
  values: Record<string, number | null>;
}

/** An indicator's answer, as far as the panels read it. */
export interface Reading {
  period: { from: string; to: string } | null;
  rows: Row[];
  previous?: { period: { from: string; to: string }; rows: Row[] };
  source?: { replica: boolean; lagSeconds: number | null };
}

const NO_CACHE: RequestInit = { cache: "no-store" };

/** Reads `url` (null: nothing yet) and again on every `tick`; keeps the last answer while the next one comes. */
export function useApi<T>(
  url: string | null,
  locale: string,
  tick: number,
): { data: T | null; problem: ApiProblem | null } {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useEffect(() => {
    if (!url) {
      setData(null);
      return;
    }
    let cancelled = false;
    api<T>(url, NO_CACHE, locale)
      .then((body) => {
        if (cancelled) return;
        setData(body);
        setProblem(null);
      })
      .catch((e) => {
        if (!cancelled) setProblem(e instanceof ApiProblem ? e : null);
      });
    return () => {
      cancelled = true;
    };
  }, [url, locale, tick]);
  return { data, problem };
}

/** The URL of an indicator with its query parts (empty ones left out). */
export function indicatorUrl(id: string, ...parts: Array<string | false | undefined>): string {
  const query = parts.filter(Boolean).join("&");
  return `/api/v1/indicators/${id}${query ? `?${query}` : ""}`;
}

/** Every day from `from` to `to` (YYYY-MM-DD, both included). */
export function daysOf(period: { from: string; to: string }): string[] {
  const days: string[] = [];
  for (
    let at = Date.parse(`${period.from}T00:00:00Z`);
    at <= Date.parse(`${period.to}T00:00:00Z`);
    at += 86_400_000
  ) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

/** A day as the axis says it: "05/12" in pt-BR, "12/5" in en. */
export function dayLabel(day: string, locale: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(locale, {
    day: "2-digit",
    month: "2-digit",
    timeZone: "UTC",
  });
}

/** A month as the axis says it: "dez. de 2026" shortened to "dez/26". */
export function monthLabel(month: string, locale: string): string {
  return new Date(`${month}-15T12:00:00Z`).toLocaleDateString(locale, {
    month: "short",
    year: "2-digit",
    timeZone: "UTC",
  });
}

/** The values of one name of `rows`, laid on `keys` by the row key `by` (null where a key has no row). */
export function valuesOn(
  rows: Row[],
  by: string,
  keys: string[],
  name: string,
  filter: (row: Row) => boolean = () => true,
): Array<number | null> {
  const at = new Map<string, number | null>();
  for (const row of rows) if (filter(row)) at.set(row.key[by] ?? "", row.values[name] ?? null);
  return keys.map((k) => at.get(k) ?? null);
}
