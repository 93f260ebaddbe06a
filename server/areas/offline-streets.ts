/**
 * The city's streets as the agent console keeps them for working without the network (issue 16, decision 0058):
 * each official street name with each district it runs through and the house numbers known on it there (the
 * centrelines' num_min and num_max: estimates, docs/geocoding.md). Rows of four values sorted by name, so São Paulo's
 * ~50,000 names gzip to a fraction; versioned by a hash of the content, so an unchanged list is answered 304.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { one, type Sql } from "../db/index.ts";
import { currentTenant, tenantsOf } from "../tenants/current.ts";

const Int = z.number().int();

export const OfflineStreetsView = z.object({
  /** A hash of the districts and streets below: the list's ETag. */
  version: z.string(),
  /** The districts as [code, name]; a street names its district by its position in this list. */
  districts: z.tuple([z.string(), z.string()]).array(),
  /**
   * [official name ("R AUGUSTA"), district position (null: outside every district), lowest known house number,
   * highest (null: none known)], by name then district; a street through three districts has three rows.
   */
  streets: z.tuple([z.string(), Int.nullable(), Int.nullable(), Int.nullable()]).array(),
});
export type OfflineStreetsView = z.infer<typeof OfflineStreetsView>;

/** The list as sent: its JSON text and version. */
export interface OfflineStreets {
  version: string;
  body: string;
}

// What the list is made of, in one cheap read: a new stamp after any load or edit of the streets or districts (new
// ids, names or ranges), so the list is built again only then.
const STAMP_SQL = `
  SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(sum(hashtext(name)), 0) || ':'
                 || coalesce(sum(coalesce(num_min, 0)::bigint + coalesce(num_max, 0)), 0) FROM streets)
      || '|' || (SELECT count(*) || ':' || coalesce(sum(hashtext(code || ':' || name)), 0) || ':'
                        || coalesce(sum(ST_NPoints(geom)), 0) FROM districts) AS stamp`;

// Built lists per database and tenant: the latest stamp's only (the previous one is dropped when a new one is built).
const built = new WeakMap<Sql, Map<number, { stamp: string; list: Promise<OfflineStreets> }>>();

/** The tenant's street list, built once per process for each state of its streets and districts. */
export async function offlineStreets(sql: Sql): Promise<OfflineStreets> {
  const { stamp } = await one<{ stamp: string }>(sql, STAMP_SQL);
  const byTenant = tenantsOf(built, sql);
  const tenant = currentTenant();
  const kept = byTenant.get(tenant);
  if (kept?.stamp === stamp) return kept.list;
  const list = buildList(sql);
  byTenant.set(tenant, { stamp, list });
  list.catch(() => {
    if (byTenant.get(tenant)?.list === list) byTenant.delete(tenant);
  });
  return list;
}

async function buildList(sql: Sql): Promise<OfflineStreets> {
  const districts = await sql.query<{ code: string; name: string }>(
    "SELECT code, name FROM districts ORDER BY name, code",
  );
  const position = new Map(districts.map((d, i) => [d.code, i]));
  // A piece belongs to every district it runs through (a street on a border belongs to both); the numbers of a name
  // in a district are the widest range of its pieces there.
  const rows = await sql.query<{
    name: string;
    district: string | null;
    low: number | null;
    high: number | null;
  }>(
    `SELECT s.name, d.code AS district, min(s.num_min) AS low, max(s.num_max) AS high
       FROM streets s LEFT JOIN districts d ON ST_Intersects(d.geom, s.geom)
      GROUP BY s.name, d.code
      ORDER BY s.name COLLATE "C", d.code COLLATE "C"`,
  );
  const content = {
    districts: districts.map((d): [string, string] => [d.code, d.name]),
    streets: rows.map((r): [string, number | null, number | null, number | null] => [
      r.name,
      r.district === null ? null : (position.get(r.district) ?? null),
      r.low,
      r.high,
    ]),
  };
  const version = createHash("sha256").update(JSON.stringify(content)).digest("base64url").slice(0, 22);
  return { version, body: JSON.stringify({ version, ...content }) };
}

/** Whether an If-None-Match header names `version` (a list, weak validators and "*" included). */
export function isUnchanged(ifNoneMatch: string | undefined, version: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === "*" || tag === `"${version}"`);
}
