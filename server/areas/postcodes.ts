/**
 * Postcodes (CEP) for the city's streets. The street layer has none, so they are learnt from the city's own SP156
 * records, which carry street, number, CEP and often the point: one row per (postcode, street) with the record
 * points. A point on a street takes the postcode of the nearest record of the same street (docs/geocoding.md).
 *
 *   npx tsx server/areas/postcodes.ts [SHARED_DATA_DIR]   writes the small cut tests/fixtures/postcodes.json
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { normalizeStreetName, parseAddress } from "../../domain/address.ts";
import type { Db, Sql } from "../db/index.ts";
import { POSTCODE_METERS } from "./geocoding.ts";
import { FIXTURES_DIR } from "./seed.ts";

/** One postcode of one street, with where its records lie. */
export interface PostcodeRow {
  postcode: string;
  name: string;
  min: number | null;
  max: number | null;
  records: number;
  /** Distinct record points, [lon, lat] rounded to 5 decimals (about 1 m). */
  points: [number, number][];
}

/** The SP156 file the postcodes are learnt from, under SHARED_DATA_DIR. */
export const SP156_RECORDS = "sp156/sp156_solicitacoes_2019-01_a_2019-04.csv";
const SOURCE = "sp156-2019";
const CHUNK = 1000;

/**
 * Groups SP156 records into postcodes per street. A record counts when it has a street, an 8-digit street CEP (not
 * all zeros, suffix below 900), and a point (the published one, or the one geo-sp156 derived from the fiscal block).
 */
export function learnPostcodes(csv: string): PostcodeRow[] {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  const byKey = new Map<string, PostcodeRow & { seen: Set<string> }>();
  for (const r of rows) {
    const postcode = (r.CEP ?? "").trim();
    const lat = Number(r.Latitude || r.geom_latitude);
    const lon = Number(r.Longitude || r.geom_longitude);
    if (!/^[0-9]{8}$/.test(postcode) || /^0+$/.test(postcode) || !r.Logradouro) continue;
    // Suffixes 900 to 999 name a large user, a post office or a PO box, not a stretch of street.
    if (Number(postcode.slice(5)) >= 900) continue;
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat === 0 || lon === 0) continue;
    const name = parseAddress(r.Logradouro).normalizedName;
    if (name.length < 2) continue;
    const key = `${postcode}|${name}`;
    let row = byKey.get(key);
    if (!row) {
      row = { postcode, name, min: null, max: null, records: 0, points: [], seen: new Set() };
      byKey.set(key, row);
    }
    row.records++;
    const n = Number.parseInt(r.Número ?? "", 10);
    if (Number.isFinite(n) && n > 0) {
      row.min = row.min === null ? n : Math.min(row.min, n);
      row.max = row.max === null ? n : Math.max(row.max, n);
    }
    const point: [number, number] = [round5(lon), round5(lat)];
    const id = point.join(",");
    if (!row.seen.has(id)) {
      row.seen.add(id);
      row.points.push(point);
    }
  }
  return [...byKey.values()]
    .map(({ seen: _, ...row }) => row)
    .sort((a, b) => a.postcode.localeCompare(b.postcode) || a.name.localeCompare(b.name));
}

function round5(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}

// A row's record points, as the geometry the table stores.
const POINTS = `ST_SetSRID(ST_GeomFromGeoJSON(json_build_object('type', 'MultiPoint',
                                                                 'coordinates', e->'points')::text), 4326)`;

/**
 * Inserts the postcodes; skipped when the table already holds rows. Returns how many were inserted. With
 * `onLoadedStreets` (a city cut from São Paulo) only the postcodes the geocoder could give for a loaded street are
 * kept: those of a loaded street's name with a record within POSTCODE_METERS of a street of that name.
 */
export async function seedPostcodes(
  db: Db,
  all: PostcodeRow[],
  options: { onLoadedStreets?: boolean } = {},
): Promise<number> {
  const [existing] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM postcodes");
  if ((existing?.n ?? 0) > 0) return 0;
  const cut = options.onLoadedStreets === true;
  let rows = all;
  if (cut) {
    // The names first, in memory: most of the city's postcodes name streets the cut did not load.
    const names = new Set(
      (await db.query<{ name: string }>("SELECT DISTINCT normalized_name AS name FROM streets")).map(
        (r) => r.name,
      ),
    );
    rows = all.filter((r) => names.has(r.name));
  }
  const onStreet = cut
    ? `WHERE EXISTS (SELECT 1 FROM streets s WHERE s.normalized_name = e->>'name'
                        AND ST_DWithin(s.geom::geography, ${POINTS}::geography, ${POSTCODE_METERS}))`
    : "";
  await db.transaction(async (tx: Sql) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await tx.query(
        `INSERT INTO postcodes (postcode, normalized_name, number_min, number_max, records, source, geom)
         SELECT e->>'postcode', e->>'name', (e->>'min')::int, (e->>'max')::int, (e->>'records')::int, $2,
                ${POINTS}
         FROM jsonb_array_elements($1::jsonb) e
         ${onStreet}
         ON CONFLICT (tenant_id, postcode, normalized_name) DO NOTHING`,
        [JSON.stringify(rows.slice(i, i + CHUNK)), SOURCE],
      );
    }
  });
  if (!cut) return rows.length;
  const [inserted] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM postcodes");
  return inserted?.n ?? 0;
}

/** Reads the committed cut of the postcodes for the fixture scope. */
export function readPostcodeFixture(): PostcodeRow[] {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, "postcodes.json"), "utf8")) as PostcodeRow[];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The cut: the postcodes of the streets the fixture street layer holds.
  const shared = process.argv[2] ?? "../shared/data";
  const streets = JSON.parse(readFileSync(join(FIXTURES_DIR, "streets.geojson"), "utf8")) as {
    features: { properties: { logradouro: string } }[];
  };
  const names = new Set(streets.features.map((f) => normalizeStreetName(f.properties.logradouro)));
  const rows = learnPostcodes(readFileSync(join(shared, SP156_RECORDS), "utf8")).filter((r) =>
    names.has(r.name),
  );
  const text = `[\n${rows.map((r) => JSON.stringify(r)).join(",\n")}\n]\n`;
  writeFileSync(join(FIXTURES_DIR, "postcodes.json"), text);
  console.log(`postcodes: ${rows.length} rows, ${text.length} bytes`);
}
