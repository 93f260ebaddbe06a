/**
 * Street tiles for the screens' maps, drawn from the city's own street layer so a map needs no internet. PGlite's
 * PostGIS is built without protobuf-c (ST_AsMVT fails there), so a tile is JSON in the shape of a vector tile: each
 * street clipped to the tile, simplified to a pixel and snapped to integer tile coordinates, by the same SQL on
 * PGlite and PostgreSQL (decision 0028).
 */
import { createHash } from "node:crypto";
import type { Sql } from "../db/index.ts";

/** The zoom levels served: below, the city is a few pixels of streets; above, the client scales the z16 tiles. */
export const TILE_ZOOMS = { min: 10, max: 16 } as const;
/** The tile's coordinate space: 0..EXTENT on each side (512 draws sharp on a 2× phone screen at 256 CSS px). */
export const TILE_EXTENT = 512;
// Drawn beyond the tile's edge so a line's width does not stop short at the border.
const MARGIN = 8;
// Street types that carry a city's traffic, drawn from the lowest zooms: avenues, roads, viaducts, bridges, tunnels.
const MAJOR_TYPES = ["AV", "ES", "VD", "RV", "PTE", "TN", "VIA", "EL"];

/** One street in a tile: its name, type word and lines in tile coordinates ([x0, y0], [x1, y1], …). */
export interface TileStreet {
  name: string;
  type: string | null;
  lines: [number, number][][];
}

/** A street tile as served. */
export interface StreetTile {
  extent: number;
  streets: TileStreet[];
}

/** A tile's JSON text and its entity tag. */
export interface EncodedTile {
  body: string;
  etag: string;
}

/** True when z/x/y names a tile of the served zoom range (x and y inside the zoom's 2^z grid). */
export function isServedTile(z: number, x: number, y: number): boolean {
  if (![z, x, y].every(Number.isInteger)) return false;
  if (z < TILE_ZOOMS.min || z > TILE_ZOOMS.max) return false;
  return x >= 0 && y >= 0 && x < 2 ** z && y < 2 ** z;
}

/**
 * Which streets a zoom shows: the major ones (long enough to be seen) at the lowest zooms, every street from 14 on.
 * Returns a SQL condition over `s` (streets).
 */
function zoomFilter(z: number): string {
  const major = `s.street_type IN (${MAJOR_TYPES.map((t) => `'${t}'`).join(", ")})`;
  if (z <= 11) return `${major} AND s.length_m >= 500`;
  if (z === 12) return major;
  if (z === 13) return `(${major} OR s.length_m >= 300)`;
  return "true";
}

/** Reads the street tile z/x/y (the caller checked it with isServedTile). */
export async function readStreetTile(sql: Sql, z: number, x: number, y: number): Promise<EncodedTile> {
  const [row] = await sql.query<{ doc: string }>(
    `WITH t AS (SELECT ST_TileEnvelope($1, $2, $3) AS env),
     b AS (
       SELECT env, ST_XMin(env) AS x0, ST_YMax(env) AS y1, (ST_XMax(env) - ST_XMin(env)) / $4 AS px,
              ST_Transform(ST_Expand(env, (ST_XMax(env) - ST_XMin(env)) * $5 / $4), 4326) AS q
       FROM t
     ),
     s AS (
       SELECT s.name, s.street_type,
              ST_CollectionExtract(ST_SnapToGrid(ST_Affine(
                ST_SimplifyPreserveTopology(
                  ST_ClipByBox2D(ST_Transform(s.geom, 3857), ST_Expand(b.env, b.px * $5)::box2d), b.px),
                1 / b.px, 0, 0, -1 / b.px, -b.x0 / b.px, b.y1 / b.px), 1), 2) AS g
       FROM streets s, b
       WHERE s.geom && b.q AND ${zoomFilter(z)}
     )
     SELECT json_build_object(
       'extent', $4::int,
       'streets', coalesce(json_agg(json_build_object(
         'name', s.name, 'type', s.street_type,
         'lines', (ST_AsGeoJSON(ST_Multi(s.g), 0)::json)->'coordinates'
       ) ORDER BY s.name), '[]'::json)
     )::text AS doc
     FROM s WHERE NOT ST_IsEmpty(s.g)`,
    [z, x, y, TILE_EXTENT, MARGIN],
  );
  const body = row!.doc;
  return { body, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
}
