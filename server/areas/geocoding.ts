/**
 * Offline geocoding over the city's street layer: fuzzy street names through pg_trgm, house numbers interpolated
 * along the centreline over the street's known range, and the nearest street of a point. When nothing matches the
 * answer is empty and the caller keeps the address as it was given.
 */
import {
  normalizeAreaName,
  type ParsedAddress,
  parseAddress,
  parseStreetName,
} from "../../domain/address.ts";
import type { Sql } from "../db/index.ts";
import type { LatLon } from "./queries.ts";

/** One place an address may be. */
export interface GeocodeCandidate {
  /** The street's official name: "R AUGUSTA". */
  street: string;
  number: number | null;
  lat: number;
  lon: number;
  /** About 0..1: name similarity, plus whether the number falls inside a known range and the street lies in the hinted district. */
  score: number;
  /** The district the point lies in; null when the street runs outside the districts' polygons. */
  districtCode: string | null;
  /** The district's and its subprefeitura's names, so two "R VERGUEIRO, 3000" can be told apart; null as above. */
  districtName: string | null;
  subprefeituraCode: string | null;
  subprefeituraName: string | null;
  /**
   * "interpolated": placed along the street by the number read as metres from its start, and a known number range
   * of the street holds the number; "estimated": placed the same way, no range confirms it; "street": no number,
   * the middle of the street.
   */
  precision: "interpolated" | "estimated" | "street";
}

/** The street nearest a point, with the house number estimated from its range, its postcode and its areas. */
export interface ReverseGeocode {
  street: string;
  number?: number;
  distanceMeters: number;
  /**
   * The postcode (CEP, 8 digits) the city's records of the same street gave nearest the point, within
   * POSTCODE_METERS; null when no record of that street is that near (docs/geocoding.md).
   */
  postcode: string | null;
  districtCode: string | null;
  districtName: string | null;
  subprefeituraCode: string | null;
  subprefeituraName: string | null;
}

/**
 * A postcode learnt from records farther than this along the same street is not trusted for the point: São Paulo's
 * long streets change postcode every few hundred metres, and same-name streets elsewhere have others.
 */
export const POSTCODE_METERS = 400;

// How many rows of each kind are read before ranking: same-name streets are many ("R UM" exists in dozens of places).
const EXACT_POOL = 400;
const FUZZY_POOL = 200;
// Same-name pieces whose ends lie this close are one street cut by the layer's gaps; farther ones are namesakes.
const JOIN_METERS = 500;
// Ranking weights: name similarity dominates; the rest only orders streets whose names match about equally well.
const WEIGHT = { name: 0.8, type: 0.05, inRange: 0.15, onStreet: 0.1, district: 0.2, saintMismatch: 0.1 };
// São Paulo numbers buildings from the street's end nearer Praça da Sé (where `seed.ts` starts every centreline).
const MARCO_ZERO = { lat: -23.55034, lon: -46.63394 };

interface PieceRow {
  id: number;
  name: string;
  street_type: string | null;
  num_min: number | null;
  num_max: number | null;
  sim: number;
  length: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  in_hint: boolean;
}

/** Where a number lies on a street, and how many metres (numbers) beyond the street's pieces it fell. */
interface Placement {
  at: { id: number; fraction: number };
  precision: GeocodeCandidate["precision"];
  miss: number;
}

/** A street as the geocoder ranks it: the same-name pieces that lie together. */
interface Street {
  name: string;
  pieces: PieceRow[];
  score: number;
  /** The piece the answer lies on and the fraction along it. */
  at: { id: number; fraction: number };
  precision: GeocodeCandidate["precision"];
}

/** The areas columns both geocoders read for a point `pt`. */
interface AreaColumns {
  district_code: string | null;
  district_name: string | null;
  subprefeitura_code: string | null;
  subprefeitura_name: string | null;
}

// The district and subprefeitura of p.pt (a LATERAL subquery; no row outside the city).
const AREAS_OF_PT = `SELECT d.code AS district_code, d.name AS district_name,
                            sp.code AS subprefeitura_code, sp.name AS subprefeitura_name
                     FROM districts d JOIN subprefeituras sp ON sp.code = d.subprefeitura_code
                     WHERE ST_Intersects(d.geom, p.pt) LIMIT 1`;

function areasOf(row: AreaColumns) {
  return {
    districtCode: row.district_code,
    districtName: row.district_name,
    subprefeituraCode: row.subprefeitura_code,
    subprefeituraName: row.subprefeitura_name,
  };
}

/** Ranked places for a typed address; [] when no street name is close enough. */
export async function geocodeAddress(
  sql: Sql,
  text: string,
  options: { limit?: number; district?: string } = {},
): Promise<GeocodeCandidate[]> {
  const parsed = parseAddress(text);
  if (parsed.normalizedName.length < 2) return [];
  const number = parsed.number ?? null;
  const limit = options.limit ?? 5;
  const hint = options.district ? normalizeAreaName(options.district) : null;
  // The exact comparable name first (a btree lookup), then the nearest names by trigram similarity.
  const rows = await sql.query<PieceRow>(
    `WITH c AS (
       (SELECT s.id, 1::float8 AS sim FROM streets s WHERE s.normalized_name = $1 LIMIT ${EXACT_POOL})
       UNION
       (SELECT s.id, similarity(s.normalized_name, $1)::float8 FROM streets s
        WHERE s.normalized_name % $1 ORDER BY 2 DESC LIMIT ${FUZZY_POOL})
     ), hint AS (
       SELECT d.geom FROM districts d
       WHERE $2::text IS NOT NULL
         AND (d.code = $2 OR trim(regexp_replace(upper(unaccent(d.name)), '[^A-Z0-9]+', ' ', 'g')) = $2
              OR d.code IN (SELECT a.code FROM area_aliases a WHERE a.kind = 'district' AND a.alias = $2))
     )
     SELECT s.id, s.name, s.street_type, s.num_min, s.num_max, max(c.sim) AS sim,
            s.length_m::float8 AS length,
            ST_X(ST_StartPoint(s.geom)) AS x0, ST_Y(ST_StartPoint(s.geom)) AS y0,
            ST_X(ST_EndPoint(s.geom)) AS x1, ST_Y(ST_EndPoint(s.geom)) AS y1,
            EXISTS (SELECT 1 FROM hint WHERE ST_Intersects(hint.geom, s.geom)) AS in_hint
     FROM c JOIN streets s ON s.id = c.id
     GROUP BY s.id`,
    [parsed.normalizedName, hint],
  );
  const streets = groupStreets(rows)
    .map((pieces) => rankStreet(pieces, parsed, number))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit * 3);
  if (streets.length === 0) return [];
  const points = await sql.query<{ lat: number; lon: number } & AreaColumns>(
    `SELECT ST_Y(p.pt) AS lat, ST_X(p.pt) AS lon, a.district_code, a.district_name,
            a.subprefeitura_code, a.subprefeitura_name
     FROM unnest($1::bigint[], $2::float8[]) WITH ORDINALITY AS u(id, fraction, i)
     JOIN streets s ON s.id = u.id,
     LATERAL (SELECT ST_LineInterpolatePoint(s.geom, u.fraction) AS pt) p
     LEFT JOIN LATERAL (${AREAS_OF_PT}) a ON true
     ORDER BY u.i`,
    [streets.map((s) => s.at.id), streets.map((s) => s.at.fraction)],
  );
  // One candidate per street and district: the pieces of one street are one answer, its namesakes elsewhere are not.
  const seen = new Set<string>();
  const candidates: GeocodeCandidate[] = [];
  streets.forEach((s, i) => {
    const p = points[i];
    if (!p || seen.has(`${s.name}|${p.district_code}`)) return;
    seen.add(`${s.name}|${p.district_code}`);
    candidates.push({
      street: s.name,
      number,
      lat: round(p.lat, 6),
      lon: round(p.lon, 6),
      score: round(s.score, 3),
      ...areasOf(p),
      precision: s.precision,
    });
  });
  return candidates.slice(0, limit);
}

/** Groups the rows into streets: same official name, pieces chained by ends closer than JOIN_METERS. */
function groupStreets(rows: PieceRow[]): PieceRow[][] {
  const byName = new Map<string, PieceRow[]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const groups: PieceRow[][] = [];
  for (const pieces of byName.values()) {
    const open = [...pieces];
    while (open.length > 0) {
      const group = [open.pop() as PieceRow];
      for (let i = 0; i < group.length; i++) {
        for (let j = open.length - 1; j >= 0; j--) {
          if (endGap(group[i] as PieceRow, open[j] as PieceRow) <= JOIN_METERS)
            group.push(...open.splice(j, 1));
        }
      }
      groups.push(group);
    }
  }
  return groups;
}

/** Scores one street for the parsed address and places the house number on it. */
function rankStreet(pieces: PieceRow[], parsed: ParsedAddress, number: number | null): Street {
  const first = pieces[0] as PieceRow;
  const official = parseStreetName(first.name);
  const placed = number === null ? placeMiddle(pieces) : placeNumber(pieces, number);
  const score =
    WEIGHT.name * Math.max(...pieces.map((p) => p.sim)) +
    (parsed.type && parsed.type === first.street_type ? WEIGHT.type : 0) +
    (placed.precision === "interpolated" ? WEIGHT.inRange : placed.miss <= 100 ? WEIGHT.onStreet : 0) +
    (pieces.some((p) => p.in_hint) ? WEIGHT.district : 0) -
    // Dropping "São"/"Santo" makes "Rua Dias da Silva" equal "Praça Santo Dias da Silva"; prefer the street that
    // did not need it.
    ((official.saint ?? "") !== (parsed.saint ?? "") ? WEIGHT.saintMismatch : 0);
  return { name: first.name, pieces, score, ...placed };
}

/** Without a number: the middle of the street's longest piece. */
function placeMiddle(pieces: PieceRow[]): Placement {
  const longest = pieces.reduce((a, b) => (b.length > a.length ? b : a));
  return { at: { id: longest.id, fraction: 0.5 }, precision: "street", miss: 0 };
}

/**
 * Places a house number on a street by São Paulo's metric numbering: a building's number is about its distance in
 * metres from the street's start. Taken in order of distance from Praça da Sé, the first piece starts at 0 and each
 * next one where the nearest end of an already placed piece lies, plus the gap (so the two carriageways of an avenue
 * start at the same number rather than one after the other). The derived number ranges proved less accurate than
 * this on the SP156 benchmark (docs/geocoding.md), so a range only confirms the number and ranks the street higher.
 */
function placeNumber(pieces: PieceRow[], n: number): Placement {
  const confirmed = pieces.some((p) => isBelievable(p) && p.num_min! <= n && n <= p.num_max!);
  const ordered = [...pieces].sort((a, b) => fromMarcoZero(a) - fromMarcoZero(b));
  const placed: { piece: PieceRow; offset: number }[] = [];
  let best: Placement | undefined;
  for (const p of ordered) {
    let offset = 0;
    let gap = Number.POSITIVE_INFINITY;
    for (const q of placed) {
      const fromStart = meters(q.piece.x0, q.piece.y0, p.x0, p.y0);
      const fromEnd = meters(q.piece.x1, q.piece.y1, p.x0, p.y0);
      if (fromStart < gap) [gap, offset] = [fromStart, q.offset + fromStart];
      if (fromEnd < gap) [gap, offset] = [fromEnd, q.offset + q.piece.length + fromEnd];
    }
    placed.push({ piece: p, offset });
    const along = n - offset;
    const miss = along < 0 ? -along : Math.max(0, along - p.length);
    if (!best || miss < best.miss) {
      best = {
        at: { id: p.id, fraction: p.length > 0 ? clamp(along / p.length) : 0.5 },
        precision: confirmed ? "interpolated" : "estimated",
        miss,
      };
    }
  }
  return best as Placement;
}

// A range is believable when it is about as long as the piece: the derived ranges of a street split into many parts
// cover the whole street (0…13645 on a 300 m part of Av. Sapopemba) and confirm nothing.
function isBelievable(p: PieceRow): boolean {
  return p.num_min !== null && p.num_max !== null && p.num_max - p.num_min <= 1.5 * p.length + 100;
}

function fromMarcoZero(p: PieceRow): number {
  return meters(p.x0, p.y0, MARCO_ZERO.lon, MARCO_ZERO.lat);
}

/** The shortest distance between the ends of two pieces, in metres. */
function endGap(a: PieceRow, b: PieceRow): number {
  return Math.min(
    meters(a.x0, a.y0, b.x0, b.y0),
    meters(a.x0, a.y0, b.x1, b.y1),
    meters(a.x1, a.y1, b.x0, b.y0),
    meters(a.x1, a.y1, b.x1, b.y1),
  );
}

/** Distance in metres between two lon/lat points (equirectangular: exact enough within a city). */
function meters(x0: number, y0: number, x1: number, y1: number): number {
  const rad = Math.PI / 180;
  const dx = (x1 - x0) * rad * Math.cos(((y0 + y1) / 2) * rad);
  const dy = (y1 - y0) * rad;
  return Math.sqrt(dx * dx + dy * dy) * 6_371_000;
}

function clamp(f: number): number {
  return Math.min(1, Math.max(0, f));
}

/**
 * The nearest street within `maxMeters` (150 by default), its estimated house number, its postcode and the point's
 * district and subprefeitura; null when no street is near.
 */
export async function reverseGeocode(
  sql: Sql,
  point: LatLon,
  options: { maxMeters?: number } = {},
): Promise<ReverseGeocode | null> {
  const rows = await sql.query<
    {
      name: string;
      num_min: number | null;
      num_max: number | null;
      fraction: number;
      distance: number;
      postcode: string | null;
    } & AreaColumns
  >(
    `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS pt),
     -- The point written out (not p.pt) so the GiST index returns the nearest streets in order.
     near AS (SELECT s.name, s.normalized_name, s.num_min, s.num_max, s.geom
              FROM streets s ORDER BY s.geom <-> ST_SetSRID(ST_MakePoint($1, $2), 4326) LIMIT 8),
     best AS (SELECT near.*, ST_LineLocatePoint(near.geom, p.pt)::float8 AS fraction,
                     ST_Distance(near.geom::geography, p.pt::geography)::float8 AS distance
              FROM near, p ORDER BY distance LIMIT 1)
     SELECT best.name, best.num_min, best.num_max, best.fraction, best.distance,
            (SELECT pc.postcode FROM postcodes pc
             WHERE pc.normalized_name = best.normalized_name
               AND ST_DWithin(pc.geom::geography, p.pt::geography, $3)
             ORDER BY pc.geom <-> p.pt, pc.records DESC LIMIT 1) AS postcode,
            a.district_code, a.district_name, a.subprefeitura_code, a.subprefeitura_name
     FROM best CROSS JOIN p LEFT JOIN LATERAL (${AREAS_OF_PT}) a ON true`,
    [point.lon, point.lat, POSTCODE_METERS],
  );
  const row = rows[0];
  if (!row || row.distance > (options.maxMeters ?? 150)) return null;
  const hasRange = row.num_min !== null && row.num_max !== null;
  return {
    street: row.name,
    ...(hasRange ? { number: Math.round(row.num_min! + row.fraction * (row.num_max! - row.num_min!)) } : {}),
    distanceMeters: Math.round(row.distance),
    postcode: row.postcode,
    ...areasOf(row),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
