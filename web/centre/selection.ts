/**
 * What the command centre shows, kept in the URL's query so a wall screen can be bookmarked: the filters (the
 * indicators' and the map's own: docs/indicators.md), the comparison period, the heat layer, the times' clock and
 * the drill-down open. Pure functions over URLSearchParams, and one writer that replaces the URL in place.
 */

/** The filters, in the API's own names (GET /api/v1/indicators/{id}, /api/v1/map/clusters, /api/v1/map/demands). */
export const FILTER_KEYS = [
  "serviceGroup",
  "service",
  "department",
  "district",
  "subprefeitura",
  "channel",
  "status",
  "age",
  "late",
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

export type Compare = "previous-month" | "previous-year" | "";

/** A drill-down: the open demands of a department, a district or a map cluster's cell (west,south,east,north). */
export type Drill =
  | { kind: "department" | "district"; code: string }
  | { kind: "cell"; bbox: [number, number, number, number] };

/** Everything the URL holds for the centre. */
export interface Selection {
  filters: Filters;
  compare: Compare;
  heat: boolean;
  /** The times' charts in business hours (the city's clock) or in calendar hours (the citizen's wait). */
  clock: "business" | "calendar";
  drill: Drill | null;
}

function drillOf(value: string | null): Drill | null {
  if (!value) return null;
  const [kind, rest] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
  if ((kind === "department" || kind === "district") && rest) return { kind, code: rest };
  if (kind === "cell") {
    const box = rest.split(",").map(Number);
    if (box.length === 4 && box.every(Number.isFinite)) {
      return { kind, bbox: box as [number, number, number, number] };
    }
  }
  return null;
}

/** The selection a URL holds; the comparison is the month before unless the URL says otherwise. */
export function selectionOf(params: URLSearchParams): Selection {
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  const compare = params.get("compare");
  return {
    filters,
    compare: compare === "none" ? "" : compare === "previous-year" ? "previous-year" : "previous-month",
    heat: params.get("heat") === "1",
    clock: params.get("clock") === "calendar" ? "calendar" : "business",
    drill: drillOf(params.get("drill")),
  };
}

/** The query string of a selection, with the other parameters of `base` (the language) kept. */
export function searchOf(selection: Selection, base: URLSearchParams): string {
  const params = new URLSearchParams();
  const lang = base.get("lang");
  if (lang) params.set("lang", lang);
  for (const key of FILTER_KEYS) {
    const value = selection.filters[key];
    if (value) params.set(key, value);
  }
  if (selection.compare !== "previous-month") params.set("compare", selection.compare || "none");
  if (selection.heat) params.set("heat", "1");
  if (selection.clock === "calendar") params.set("clock", "calendar");
  const drill = selection.drill;
  if (drill)
    params.set(
      "drill",
      drill.kind === "cell" ? `cell:${drill.bbox.join(",")}` : `${drill.kind}:${drill.code}`,
    );
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The API query of the filters ("district=SE&late=true"), `extra` added (a drill-down's own filter wins). */
export function whereOf(filters: Filters, extra: Filters = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = extra[key] ?? filters[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** Replaces the page's URL with the selection's (no new history entry per click) and tells the router. */
export function showSelection(selection: Selection): void {
  const url = new URL(location.href);
  history.replaceState(null, "", `${url.pathname}${searchOf(selection, url.searchParams)}`);
  dispatchEvent(new PopStateEvent("popstate"));
}
