/**
 * Reads of the demand exports: the filters turned into SQL, checked against the catalogue and the areas, and the
 * rows read in batches by keyset (`d.id > last id ORDER BY d.id LIMIT n`), so an export of any size holds one
 * batch in memory, on PGlite and on PostgreSQL alike. Each batch is its own snapshot: a demand changed while an
 * export runs appears once, as it was when its batch was read.
 */
import { maybeOne, type Sql } from "../db/index.ts";
import { unprocessable } from "../errors.ts";
import { PUBLIC_DEMAND_JOINS } from "../public-data/record.ts";
import type { ExportFilters } from "./schemas.ts";

/** Rows per batch: large enough that a query's round trip is small against its rows, small enough to hold. */
export const EXPORT_BATCH_ROWS = 2000;

/** Who reads: the public (open data) or a staff member, scoped to a department or not. */
export interface ExportScope {
  /** Only this department's demands (department roles). */
  departmentId?: number | null;
  /** Open data: merged duplicates are left out unless a status filter names them. */
  public?: boolean;
  /** Published points inside [west, south, east, north] only (open data GeoJSON). */
  bbox?: [number, number, number, number] | undefined;
}

/** A WHERE clause (conditions joined by AND, after the cursor's) and its parameters, numbered from $3. */
export interface ExportWhere {
  conditions: string[];
  params: unknown[];
}

// A date is the city's midnight; the time zone is data (calendar_settings), São Paulo's when none is set.
const instant = (n: number, value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? `($${n}::date::timestamp AT TIME ZONE (SELECT coalesce(max(time_zone), 'America/Sao_Paulo') FROM calendar_settings))`
    : `$${n}::timestamptz`;

/** The filters as SQL over `PUBLIC_DEMAND_JOINS`; only the filters given become conditions. */
export function exportWhere(filters: ExportFilters, scope: ExportScope): ExportWhere {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (value: unknown, condition: (n: number) => string) => {
    params.push(value);
    conditions.push(condition(params.length + 2));
  };
  if (filters.from !== undefined) add(filters.from, (n) => `d.opened_at >= ${instant(n, filters.from!)}`);
  if (filters.to !== undefined) add(filters.to, (n) => `d.opened_at < ${instant(n, filters.to!)}`);
  if (filters.service !== undefined) add(filters.service, (n) => `s.code = $${n}`);
  if (filters.group !== undefined) add(filters.group, (n) => `(g.code = $${n} OR pg.code = $${n})`);
  if (filters.status !== undefined) add(filters.status, (n) => `d.status = ANY($${n}::text[])`);
  // A merged duplicate is the same problem as the demand it joined: open data lists it once (decision 0026),
  // unless its status is asked for; the staff export keeps every row.
  else if (scope.public) conditions.push("d.status <> 'merged'");
  if (filters.district !== undefined) add(filters.district, (n) => `d.district_code = $${n}`);
  if (filters.subprefeitura !== undefined) add(filters.subprefeitura, (n) => `d.subprefeitura_code = $${n}`);
  if (filters.channel !== undefined) add(filters.channel, (n) => `d.channel = ANY($${n}::text[])`);
  if (scope.departmentId !== undefined && scope.departmentId !== null)
    add(scope.departmentId, (n) => `d.department_id = $${n}`);
  if (scope.bbox) {
    // The index finds the points near the box; the published (rounded) point must lie in it, so a small box
    // tells nothing finer than the grid. District-level demands publish no point, so no box holds them.
    params.push(...scope.bbox);
    const [w, s, e, n] = [params.length - 1, params.length, params.length + 1, params.length + 2];
    conditions.push(
      `d.location && ST_MakeEnvelope($${w}::float8 - 0.001, $${s}::float8 - 0.001, $${e}::float8 + 0.001, $${n}::float8 + 0.001, 4326)`,
      `round(ST_X(d.location)::numeric, 3) BETWEEN $${w}::numeric AND $${e}::numeric`,
      `round(ST_Y(d.location)::numeric, 3) BETWEEN $${s}::numeric AND $${n}::numeric`,
      "NOT s.sensitive AND d.identity_mode <> 'confidential'",
    );
  }
  return { conditions, params };
}

/**
 * Refuses filters that name nothing: an unknown service, group or area is a 422 naming the field, not an empty
 * file that looks like "no demands".
 */
export async function checkExportFilters(sql: Sql, filters: ExportFilters): Promise<void> {
  const checks: [string | undefined, string, string, string][] = [
    [filters.service, "service", "SELECT 1 FROM services WHERE code = $1", "unknown_service"],
    [filters.group, "group", "SELECT 1 FROM service_groups WHERE code = $1", "unknown_group"],
    [filters.district, "district", "SELECT 1 FROM districts WHERE code = $1", "unknown_area"],
    [filters.subprefeitura, "subprefeitura", "SELECT 1 FROM subprefeituras WHERE code = $1", "unknown_area"],
  ];
  for (const [value, field, query, code] of checks) {
    if (value !== undefined && !(await maybeOne(sql, query, [value])))
      throw unprocessable(code, field, { code: value });
  }
}

/**
 * The rows of an export, `batchRows` at a time, in demand id order: `columns` over `PUBLIC_DEMAND_JOINS`, each
 * row with its `id`. The next batch is read only when the caller asks for it, so a slow reader holds one batch.
 */
export async function* readDemandBatches<T>(
  sql: Sql,
  columns: string,
  where: ExportWhere,
  batchRows = EXPORT_BATCH_ROWS,
): AsyncGenerator<(T & { id: number })[]> {
  const text = `SELECT d.id, ${columns} FROM ${PUBLIC_DEMAND_JOINS}
     WHERE d.id > $1${where.conditions.map((c) => `\n       AND ${c}`).join("")}
     ORDER BY d.id LIMIT $2`;
  let after = 0;
  for (;;) {
    const rows = await sql.query<T & { id: number }>(text, [after, batchRows, ...where.params]);
    if (rows.length > 0) yield rows;
    if (rows.length < batchRows) return;
    after = (rows[rows.length - 1] as { id: number }).id;
  }
}
