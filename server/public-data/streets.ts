/** The official street names a typed address is checked against before its street is published. */
import type { Sql } from "../db/index.ts";
import { currentTenant, tenantsOf } from "../tenants/current.ts";
import type { OfficialStreets } from "./record.ts";

/** How long a process keeps the names before reading them again (the street layer changes with a re-seed). */
const STREETS_CACHE_MS = 10 * 60_000;

const cache = new WeakMap<Sql, Map<number, { streets: Promise<OfficialStreets>; until: number }>>();

/**
 * The official streets by "TYPE|NORMALISED NAME", read once per database and process and kept for ten minutes
 * (São Paulo's ~50,000 names take a few MB; an export's memory does not grow with its rows).
 */
export function loadOfficialStreets(sql: Sql): Promise<OfficialStreets> {
  const byTenant = tenantsOf(cache, sql);
  const tenant = currentTenant();
  const hit = byTenant.get(tenant);
  if (hit && hit.until > Date.now()) return hit.streets;
  const streets = readStreets(sql);
  byTenant.set(tenant, { streets, until: Date.now() + STREETS_CACHE_MS });
  streets.catch(() => byTenant.delete(tenant));
  return streets;
}

async function readStreets(sql: Sql): Promise<OfficialStreets> {
  const rows = await sql.query<{ street_type: string; normalized_name: string; name: string }>(
    `SELECT DISTINCT ON (street_type, normalized_name) street_type, normalized_name,
            trim(regexp_replace(name, '\\s*\\([^)]*\\)\\s*$', '')) AS name
       FROM streets WHERE street_type IS NOT NULL ORDER BY street_type, normalized_name, id`,
  );
  return new Map(rows.map((r) => [`${r.street_type}|${r.normalized_name}`, r.name]));
}
