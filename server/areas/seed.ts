/**
 * Seeds São Paulo's areas from the open data in SHARED_DATA_DIR/sao-paulo-geo: subprefeituras and districts always,
 * then either every street and fiscal block of the city ("full") or the small committed cut in tests/fixtures/.
 * With `subprefeitura` set, one subprefeitura becomes the whole city: its outline, its districts, and only the
 * streets, blocks and postcodes within it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { normalizeAreaName, parseStreetName } from "../../domain/address.ts";
import type { SeedOptions } from "../cli/seed.ts";
import type { Db, Sql } from "../db/index.ts";
import { learnPostcodes, readPostcodeFixture, SP156_RECORDS, seedPostcodes } from "./postcodes.ts";

/** The folder of the committed street and block cut used by the "fixture" scope. */
export const FIXTURES_DIR = fileURLToPath(new URL("../../tests/fixtures/", import.meta.url));

// Features per INSERT: big enough to amortise the round trip, small enough to keep one statement's JSON modest.
const CHUNK = 2000;

// São Paulo numbers a street from the end nearer the marco zero at Praça da Sé, so every centreline is stored
// running away from it: then num_min sits at the start and ST_LineInterpolatePoint reads the range the right way.
const MARCO_ZERO = "ST_SetSRID(ST_MakePoint(-46.63394, -23.55034), 4326)";

// Spellings SP156 uses that do not match the polygons' names once normalised (found over the 2019 sample).
const ALIASES: { kind: "district" | "subprefeitura"; alias: string; name: string }[] = [
  { kind: "subprefeitura", alias: "PIRITUBA-JARAGUA", name: "PIRITUBA" },
  { kind: "subprefeitura", alias: "ARICANDUVA-FORMOSA-CARRAO", name: "ARICANDUVA" },
  { kind: "subprefeitura", alias: "GUAIANASES", name: "GUAIANAZES" },
  { kind: "subprefeitura", alias: "MBOI MIRIM", name: "M'BOI MIRIM" },
  { kind: "subprefeitura", alias: "CASA VERDE", name: "CASA VERDE-CACHOEIRINHA" },
  { kind: "subprefeitura", alias: "FREGUESIA DO O-BRASILANDIA", name: "FREGUESIA-BRASILANDIA" },
  { kind: "district", alias: "GUAIANAZES", name: "GUAIANASES" },
];

interface Feature {
  properties: Record<string, string | number | null | undefined>;
  geometry: unknown;
}

function readFeatures(path: string): Feature[] {
  return (JSON.parse(readFileSync(path, "utf8")) as { features: Feature[] }).features;
}

/** São Paulo's subprefeituras in the shared data, code (as the seed stores it: "09" for Sé) to name, by code. */
export function subprefeiturasOf(sharedDataDir: string): Map<string, string> {
  const features = readFeatures(join(sharedDataDir, "sao-paulo-geo", "sp_subprefeituras.geojson"));
  const entries = features.map((f): [string, string] => [
    String(f.properties.codigo_subprefeitura),
    String(f.properties.nome_subprefeitura),
  ]);
  return new Map(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** The codes `SeedOptions.subprefeitura` accepts, in order: the subprefeituras of the shared data. */
export function subprefeituraCodes(sharedDataDir: string): string[] {
  return [...subprefeiturasOf(sharedDataDir).keys()];
}

/** [west, south, east, north] of a GeoJSON geometry's coordinates. */
type Box = [number, number, number, number];

export function boxOf(coordinates: unknown): Box {
  const box: Box = [180, 90, -180, -90];
  const walk = (c: unknown) => {
    if (typeof (c as number[])[0] === "number") {
      const [x, y] = c as [number, number];
      box[0] = Math.min(box[0], x);
      box[1] = Math.min(box[1], y);
      box[2] = Math.max(box[2], x);
      box[3] = Math.max(box[3], y);
    } else for (const inner of c as unknown[]) walk(inner);
  };
  walk(coordinates);
  return box;
}

/**
 * The features whose box meets `box`: a cheap first cut so that the database tests only the few thousand streets
 * or blocks near a subprefeitura, not the city's 69,000 streets and 35,000 blocks (the exact test is in the INSERT).
 */
function near(features: Feature[], box: Box | undefined): Feature[] {
  if (!box) return features;
  return features.filter((f) => {
    const [w, s, e, n] = boxOf((f.geometry as { coordinates: unknown }).coordinates);
    return e >= box[0] && w <= box[2] && n >= box[1] && s <= box[3];
  });
}

/** The loaded subprefeitura's outline, for the statements that keep only what lies in it. */
const OUTLINE = "(SELECT geom FROM subprefeituras WHERE code = $2)";

async function count(sql: Sql, table: string): Promise<number> {
  const rows = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

/** Inserts `rows` in chunks, each through one jsonb parameter ($1, read as the element `e`), then `params`. */
async function insertJson(sql: Sql, rows: unknown[], insert: string, params: unknown[] = []): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await sql.query(insert, [JSON.stringify(rows.slice(i, i + CHUNK)), ...params]);
  }
}

async function seedBoundaries(db: Db, dir: string, only: string | undefined): Promise<void> {
  if ((await count(db, "districts")) > 0) return;
  // A district belongs to the subprefeitura the file names for it (each lies at least 99.8% inside that one).
  const kept = (f: Feature) => only === undefined || String(f.properties.codigo_subprefeitura) === only;
  const subprefeituras = readFeatures(join(dir, "sp_subprefeituras.geojson"))
    .filter(kept)
    .map((f) => ({
      c: String(f.properties.codigo_subprefeitura),
      n: f.properties.nome_subprefeitura,
      g: f.geometry,
    }));
  const districts = readFeatures(join(dir, "sp_distritos.geojson"))
    .filter(kept)
    .map((f) => ({
      c: String(f.properties.codigo_distrito),
      n: f.properties.nome_distrito,
      s: String(f.properties.codigo_subprefeitura),
      g: f.geometry,
    }));
  await db.transaction(async (tx) => {
    await insertJson(
      tx,
      subprefeituras,
      `INSERT INTO subprefeituras (code, name, geom)
       SELECT e->>'c', e->>'n', ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(e->>'g'), 4326))
       FROM jsonb_array_elements($1::jsonb) e ON CONFLICT (tenant_id, code) DO NOTHING`,
    );
    await insertJson(
      tx,
      districts,
      `INSERT INTO districts (code, name, subprefeitura_code, geom)
       SELECT e->>'c', e->>'n', e->>'s', ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(e->>'g'), 4326))
       FROM jsonb_array_elements($1::jsonb) e ON CONFLICT (tenant_id, code) DO NOTHING`,
    );
  });
}

async function seedAliases(db: Db): Promise<void> {
  const rows = ALIASES.map((a) => ({
    k: a.kind,
    a: normalizeAreaName(a.alias),
    n: normalizeAreaName(a.name),
  }));
  // The target is found by its normalised name, so the list survives a change of codes in the source layer.
  await db.query(
    `INSERT INTO area_aliases (kind, alias, code)
     SELECT e->>'k', e->>'a', t.code
     FROM jsonb_array_elements($1::jsonb) e
     JOIN (SELECT 'district' AS kind, code, name FROM districts
           UNION ALL SELECT 'subprefeitura', code, name FROM subprefeituras) t
       ON t.kind = e->>'k'
      AND trim(regexp_replace(upper(unaccent(t.name)), '[^A-Z0-9]+', ' ', 'g')) = e->>'n'
     WHERE e->>'a' <> e->>'n'
     ON CONFLICT (tenant_id, kind, alias) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

/** Where the streets and blocks are cut to one subprefeitura: its code and its outline's box. */
interface Cut {
  code: string;
  box: Box;
}

async function seedStreets(db: Db, path: string, cut: Cut | undefined): Promise<number> {
  if ((await count(db, "streets")) > 0) return 0;
  const rows = near(readFeatures(path), cut?.box).map((f) => {
    const name = String(f.properties.logradouro ?? "").trim();
    const { type, normalizedName } = parseStreetName(name);
    return {
      n: name,
      t: type ?? null,
      k: normalizedName,
      a: f.properties.num_min,
      b: f.properties.num_max,
      g: f.geometry,
    };
  });
  // A MultiLineString feature (parts that do not touch) becomes one row per part, each keeping the feature's range.
  await db.transaction((tx) =>
    insertJson(
      tx,
      rows,
      `INSERT INTO streets (name, street_type, normalized_name, num_min, num_max, geom)
       SELECT e->>'n', e->>'t', e->>'k', (e->>'a')::int, (e->>'b')::int,
              CASE WHEN ST_Distance(ST_EndPoint(d.geom), ${MARCO_ZERO}) < ST_Distance(ST_StartPoint(d.geom), ${MARCO_ZERO})
                   THEN ST_Reverse(d.geom) ELSE d.geom END
       FROM jsonb_array_elements($1::jsonb) e,
            LATERAL ST_Dump(ST_SetSRID(ST_GeomFromGeoJSON(e->>'g'), 4326)) d
       WHERE e->>'k' <> ''${cut ? ` AND ST_Intersects(d.geom, ${OUTLINE})` : ""}`,
      cut ? [cut.code] : [],
    ),
  );
  // Cut to a subprefeitura, the file's count says nothing: the streets kept are counted.
  return cut ? count(db, "streets") : rows.length;
}

async function seedBlocks(db: Db, path: string, cut: Cut | undefined): Promise<number> {
  if ((await count(db, "blocks")) > 0) return 0;
  const rows = near(readFeatures(path), cut?.box).map((f) => ({
    s: f.properties.setor,
    q: f.properties.quadra,
    l: f.properties.n_lotes,
    g: f.geometry,
  }));
  // A block on the border goes to the one subprefeitura holding a point of its inside, never to both.
  const inside = cut
    ? `WHERE ST_Intersects(ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(e->>'g'), 4326)), ${OUTLINE})`
    : "";
  await db.transaction((tx) =>
    insertJson(
      tx,
      rows,
      `INSERT INTO blocks (sector, block, lots, geom)
       SELECT e->>'s', e->>'q', (e->>'l')::int, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(e->>'g'), 4326))
       FROM jsonb_array_elements($1::jsonb) e
       ${inside}
       ON CONFLICT (tenant_id, sector, block) DO NOTHING`,
      cut ? [cut.code] : [],
    ),
  );
  return cut ? count(db, "blocks") : rows.length;
}

/** The cut to `code`'s outline, read from the subprefeitura the boundaries step loaded. */
async function cutOf(db: Db, code: string | undefined): Promise<Cut | undefined> {
  if (code === undefined) return undefined;
  const [row] = await db.query<{ w: number; s: number; e: number; n: number }>(
    `SELECT ST_XMin(geom) AS w, ST_YMin(geom) AS s, ST_XMax(geom) AS e, ST_YMax(geom) AS n
       FROM subprefeituras WHERE code = $1`,
    [code],
  );
  // Boundaries are skipped once loaded, so a subprefeitura missing here means the database already holds another
  // city: said plainly rather than mixing the two.
  if (!row)
    throw new Error(`subprefeitura ${code} is not among this database's areas: it holds another city`);
  return { code, box: [row.w, row.s, row.e, row.n] };
}

/** Loads the demo city's areas; idempotent: each table is skipped once it holds rows. */
export async function seedAreas(db: Db, options: SeedOptions): Promise<void> {
  const dir = join(options.sharedDataDir, "sao-paulo-geo");
  const full = options.scope === "full";
  let started = Date.now();
  await seedBoundaries(db, dir, options.subprefeitura);
  // Aliases are joined to the areas just loaded, so a subprefeitura city gets only those naming its own.
  await seedAliases(db);
  options.log?.(`areas: districts and subprefeituras in ${Date.now() - started} ms`);
  const cut = await cutOf(db, options.subprefeitura);
  started = Date.now();
  const streets = await seedStreets(
    db,
    full ? join(dir, "sp_logradouros.geojson") : join(FIXTURES_DIR, "streets.geojson"),
    cut,
  );
  if (streets > 0) options.log?.(`areas: ${streets} street features in ${Date.now() - started} ms`);
  started = Date.now();
  const blocks = await seedBlocks(
    db,
    full ? join(dir, "sp_quadras_fiscais.geojson") : join(FIXTURES_DIR, "blocks.geojson"),
    cut,
  );
  if (blocks > 0) options.log?.(`areas: ${blocks} fiscal blocks in ${Date.now() - started} ms`);
  started = Date.now();
  const postcodes = await seedPostcodes(
    db,
    full
      ? learnPostcodes(readFileSync(join(options.sharedDataDir, SP156_RECORDS), "utf8"))
      : readPostcodeFixture(),
    { onLoadedStreets: cut !== undefined },
  );
  if (postcodes > 0) options.log?.(`areas: ${postcodes} street postcodes in ${Date.now() - started} ms`);
}
