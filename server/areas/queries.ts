/** Reads of the areas concept: which district and block a point is in, and areas by name. */
import { normalizeAreaName } from "../../domain/address.ts";
import type { Sql } from "../db/index.ts";

/** A point in WGS84 degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** Where a point lies: its district, subprefeitura and fiscal block (null where the block layer has none). */
export interface Place {
  districtCode: string;
  districtName: string;
  subprefeituraCode: string;
  subprefeituraName: string;
  blockId: number | null;
}

/** An area as listed to callers. */
export interface Area {
  code: string;
  name: string;
}

/** Places a point in the city's areas through the GiST indexes; null when it is outside every district. */
export async function placePoint(sql: Sql, point: LatLon): Promise<Place | null> {
  // The rule lives in the SQL function place_point (migration 0012), which intake also joins to the matrix.
  const rows = await sql.query<Place>(
    `SELECT district_code AS "districtCode", district_name AS "districtName",
            subprefeitura_code AS "subprefeituraCode", subprefeitura_name AS "subprefeituraName", block_id AS "blockId"
       FROM place_point($1, $2)`,
    [point.lon, point.lat],
  );
  return rows[0] ?? null;
}

async function findAreaByName(
  sql: Sql,
  kind: "district" | "subprefeitura",
  name: string,
): Promise<Area | null> {
  const key = normalizeAreaName(name);
  if (!key) return null;
  const table = kind === "district" ? "districts" : "subprefeituras";
  const rows = await sql.query<Area>(
    `SELECT t.code, t.name FROM ${table} t
     WHERE trim(regexp_replace(upper(unaccent(t.name)), '[^A-Z0-9]+', ' ', 'g')) = $1
        OR t.code = (SELECT a.code FROM area_aliases a WHERE a.kind = $2 AND a.alias = $1)
     LIMIT 1`,
    [key, kind],
  );
  return rows[0] ?? null;
}

/** Finds a district by any spelling ("Guaianases", "GUAIANAZES", "São Luís"), through normalisation and aliases. */
export function findDistrictByName(sql: Sql, name: string): Promise<Area | null> {
  return findAreaByName(sql, "district", name);
}

/** Finds a subprefeitura by any spelling ("PIRITUBA-JARAGUA", "M'Boi Mirim"), through normalisation and aliases. */
export function findSubprefeituraByName(sql: Sql, name: string): Promise<Area | null> {
  return findAreaByName(sql, "subprefeitura", name);
}

/** Every district with the code of its subprefeitura, by name. */
export function listDistricts(sql: Sql): Promise<(Area & { subprefeituraCode: string })[]> {
  return sql.query(
    `SELECT code, name, subprefeitura_code AS "subprefeituraCode" FROM districts ORDER BY name`,
  );
}

/** Every subprefeitura, by name. */
export function listSubprefeituras(sql: Sql): Promise<Area[]> {
  return sql.query("SELECT code, name FROM subprefeituras ORDER BY name");
}

/**
 * The districts as one GeoJSON FeatureCollection for the screens' maps, simplified (about 50 m tolerance, topology
 * kept) and with 4-decimal coordinates (about 11 m), so the whole city stays small enough for a phone on a slow network.
 */
export async function districtsGeoJson(sql: Sql): Promise<string> {
  const [row] = await sql.query<{ doc: string }>(
    `SELECT json_build_object(
       'type', 'FeatureCollection',
       'features', coalesce(json_agg(json_build_object(
         'type', 'Feature',
         'id', d.code,
         'properties', json_build_object('code', d.code, 'name', d.name, 'subprefeitura', s.name),
         'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(d.geom, 0.0005), 4)::json
       ) ORDER BY d.code), '[]'::json)
     )::text AS doc
     FROM districts d JOIN subprefeituras s ON s.code = d.subprefeitura_code`,
  );
  return row!.doc;
}
