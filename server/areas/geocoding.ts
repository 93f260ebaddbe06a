/**
 * Offline geocoding over the city's street layer: fuzzy street names through pg_trgm, house numbers interpolated
 * along the centreline over the street's known range, and the nearest street of a point. When nothing matches the
 * answer is empty and the caller keeps the address as it was given.
 */
import { parseAddress } from "../../domain/address.ts";
import type { Sql } from "../db/index.ts";
import type { LatLon } from "./queries.ts";

/** One place an address may be. */
export interface GeocodeCandidate {
  /** The street's official name: "R AUGUSTA". */
  street: string;
  number: number | null;
  lat: number;
  lon: number;
  /** 0..1: name similarity, plus whether the number falls inside the street's known range. */
  score: number;
  /** The district the point lies in; null when the street runs outside the districts' polygons. */
  districtCode: string | null;
  /** "interpolated": placed along the line by the house number; "street": the middle of the street. */
  precision: "interpolated" | "street";
}

/** The street nearest a point, with the house number estimated from its range. */
export interface ReverseGeocode {
  street: string;
  number?: number;
  distanceMeters: number;
  districtCode: string | null;
}

// How many name matches are read before ranking: same-name streets are many ("R UM" exists in dozens of places).
const POOL = 200;

interface CandidateRow {
  name: string;
  street_type: string | null;
  sim: number;
  in_range: boolean;
  interpolated: boolean;
  lat: number;
  lon: number;
  district_code: string | null;
}

/** Ranked places for a typed address; [] when no street name is close enough. */
export async function geocodeAddress(
  sql: Sql,
  text: string,
  options: { limit?: number } = {},
): Promise<GeocodeCandidate[]> {
  const parsed = parseAddress(text);
  if (parsed.normalizedName.length < 2) return [];
  const number = parsed.number ?? null;
  const rows = await sql.query<CandidateRow>(
    `WITH c AS (
       SELECT s.name, s.street_type, s.num_min, s.num_max, s.geom, similarity(s.normalized_name, $1) AS sim
       FROM streets s
       WHERE s.normalized_name % $1
       ORDER BY sim DESC
       LIMIT ${POOL}
     ), r AS (
       SELECT c.*,
              coalesce($2::int BETWEEN c.num_min AND c.num_max, false) AS in_range,
              ($2::int IS NOT NULL AND c.num_max > c.num_min) AS interpolated
       FROM c
     ), p AS (
       SELECT r.*,
              ST_LineInterpolatePoint(r.geom, CASE WHEN r.interpolated
                THEN least(1, greatest(0, ($2::int - r.num_min)::float8 / (r.num_max - r.num_min)))
                ELSE 0.5 END) AS pt
       FROM r
     )
     SELECT p.name, p.street_type, p.sim::float8 AS sim, p.in_range, p.interpolated,
            ST_Y(p.pt) AS lat, ST_X(p.pt) AS lon,
            (SELECT d.code FROM districts d WHERE ST_Intersects(d.geom, p.pt) LIMIT 1) AS district_code
     FROM p`,
    [parsed.normalizedName, number],
  );
  const ranked = rows
    .map((r) => ({
      street: r.name,
      number,
      lat: round(r.lat, 6),
      lon: round(r.lon, 6),
      score: round(
        0.8 * r.sim + (r.in_range ? 0.15 : 0) + (parsed.type && parsed.type === r.street_type ? 0.05 : 0),
        3,
      ),
      districtCode: r.district_code,
      precision: r.interpolated ? ("interpolated" as const) : ("street" as const),
    }))
    .sort((a, b) => b.score - a.score);
  // One candidate per street and district: the pieces of one street are one answer, its namesakes elsewhere are not.
  const seen = new Set<string>();
  const unique = ranked.filter((c) => {
    const key = `${c.street}|${c.districtCode}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.slice(0, options.limit ?? 5);
}

/** The nearest street within `maxMeters` (150 by default) and its estimated house number; null when none is near. */
export async function reverseGeocode(
  sql: Sql,
  point: LatLon,
  options: { maxMeters?: number } = {},
): Promise<ReverseGeocode | null> {
  const rows = await sql.query<{
    name: string;
    num_min: number | null;
    num_max: number | null;
    fraction: number;
    distance: number;
    district_code: string | null;
  }>(
    `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g),
     near AS (SELECT s.name, s.num_min, s.num_max, s.geom FROM streets s, p ORDER BY s.geom <-> p.g LIMIT 8)
     SELECT near.name, near.num_min, near.num_max,
            ST_LineLocatePoint(near.geom, p.g)::float8 AS fraction,
            ST_Distance(near.geom::geography, p.g::geography)::float8 AS distance,
            (SELECT d.code FROM districts d WHERE ST_Intersects(d.geom, p.g) LIMIT 1) AS district_code
     FROM near, p
     ORDER BY distance
     LIMIT 1`,
    [point.lon, point.lat],
  );
  const row = rows[0];
  if (!row || row.distance > (options.maxMeters ?? 150)) return null;
  const hasRange = row.num_min !== null && row.num_max !== null;
  return {
    street: row.name,
    ...(hasRange ? { number: Math.round(row.num_min! + row.fraction * (row.num_max! - row.num_min!)) } : {}),
    distanceMeters: Math.round(row.distance),
    districtCode: row.district_code,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
