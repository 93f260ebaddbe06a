/**
 * The names of the codes an indicator's answer carries (its rows' keys and its filters): districts, subprefeituras,
 * services, service groups and themes, departments, in the caller's language. They are the public bodies' and
 * places' own names (the monthly report prints them too), so a screen or an API client can say "Sé" rather than
 * "77" without a staff-only list of departments.
 */
import type { Sql } from "../db/index.ts";
import { type Locale, pickLocalized } from "../i18n.ts";
import type { GroupKey, IndicatorFilters, IndicatorRow } from "./queries.ts";

/** The kinds of code that have a name. */
export const LABELLED_KEYS = [
  "district",
  "subprefeitura",
  "service",
  "service-group",
  "theme",
  "department",
] as const;
export type LabelledKey = (typeof LABELLED_KEYS)[number];

/** code → name, per kind of code; only the kinds present in the answer. */
export type Labels = Partial<Record<LabelledKey, Record<string, string>>>;

// The filter of each kind (a theme is filtered as a service group, and named there).
type CodeFilter = "district" | "subprefeitura" | "service" | "serviceGroup" | "department";
const FILTER_OF: Record<LabelledKey, CodeFilter | undefined> = {
  district: "district",
  subprefeitura: "subprefeitura",
  service: "service",
  "service-group": "serviceGroup",
  theme: undefined,
  department: "department",
};

/** The SQL that names a list of codes ($1) of each kind: `code`, `name` (text, or jsonb by language). */
const NAMES: Record<LabelledKey, string> = {
  district: "SELECT code, to_jsonb(name) AS name FROM districts WHERE code = ANY($1::text[])",
  subprefeitura: "SELECT code, to_jsonb(name) AS name FROM subprefeituras WHERE code = ANY($1::text[])",
  service: "SELECT code, name FROM services WHERE code = ANY($1::text[])",
  "service-group": "SELECT code, name FROM service_groups WHERE code = ANY($1::text[])",
  theme: "SELECT code, name FROM service_groups WHERE code = ANY($1::text[])",
  department: "SELECT code, to_jsonb(name) AS name FROM departments WHERE code = ANY($1::text[])",
};

/** The names of every code in `rows`' keys and in `filters`, in `locale`; a code that names nothing is left out. */
export async function readLabels(
  sql: Sql,
  locale: Locale,
  rows: readonly IndicatorRow[],
  filters: Pick<IndicatorFilters, CodeFilter>,
): Promise<Labels> {
  const labels: Labels = {};
  await Promise.all(
    LABELLED_KEYS.map(async (kind) => {
      const filter = FILTER_OF[kind];
      const codes = new Set<string>(filter ? (filters[filter] ?? []) : []);
      for (const row of rows) {
        const code = row.key[kind as GroupKey];
        if (code) codes.add(code);
      }
      if (codes.size === 0) return;
      const found = await sql.query<{ code: string; name: string | Partial<Record<Locale, string>> }>(
        NAMES[kind],
        [[...codes]],
      );
      if (found.length === 0) return;
      labels[kind] = Object.fromEntries(
        found.map((r) => [r.code, typeof r.name === "string" ? r.name : pickLocalized(r.name, locale)]),
      );
    }),
  );
  return labels;
}
