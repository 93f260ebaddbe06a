/**
 * Seeds São Paulo's areas from the open data in SHARED_DATA_DIR/sao-paulo-geo: subprefeituras and districts always,
 * then either every street and fiscal block of the city ("full") or the small committed cut in tests/fixtures/.
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

async function count(sql: Sql, table: string): Promise<number> {
  const rows = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

/** Inserts `rows` in chunks through one jsonb parameter each; `select` reads the element `e`. */
async function insertJson(sql: Sql, rows: unknown[], insert: string): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await sql.query(insert, [JSON.stringify(rows.slice(i, i + CHUNK))]);
  }
}

async function seedBoundaries(db: Db, dir: string): Promise<void> {
  if ((await count(db, "districts")) > 0) return;
  const subprefeituras = readFeatures(join(dir, "sp_subprefeituras.geojson")).map((f) => ({
    c: String(f.properties.codigo_subprefeitura),
    n: f.properties.nome_subprefeitura,
    g: f.geometry,
  }));
  const districts = readFeatures(join(dir, "sp_distritos.geojson")).map((f) => ({
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
       FROM jsonb_array_elements($1::jsonb) e ON CONFLICT (code) DO NOTHING`,
    );
    await insertJson(
      tx,
      districts,
      `INSERT INTO districts (code, name, subprefeitura_code, geom)
       SELECT e->>'c', e->>'n', e->>'s', ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(e->>'g'), 4326))
       FROM jsonb_array_elements($1::jsonb) e ON CONFLICT (code) DO NOTHING`,
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
     ON CONFLICT (kind, alias) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

async function seedStreets(db: Db, path: string): Promise<number> {
  if ((await count(db, "streets")) > 0) return 0;
  const rows = readFeatures(path).map((f) => {
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
       WHERE e->>'k' <> ''`,
    ),
  );
  return rows.length;
}

async function seedBlocks(db: Db, path: string): Promise<number> {
  if ((await count(db, "blocks")) > 0) return 0;
  const rows = readFeatures(path).map((f) => ({
    s: f.properties.setor,
    q: f.properties.quadra,
    l: f.properties.n_lotes,
    g: f.geometry,
  }));
  await db.transaction((tx) =>
    insertJson(
      tx,
      rows,
      `INSERT INTO blocks (sector, block, lots, geom)
       SELECT e->>'s', e->>'q', (e->>'l')::int, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(e->>'g'), 4326))
       FROM jsonb_array_elements($1::jsonb) e
       ON CONFLICT (sector, block) DO NOTHING`,
    ),
  );
  return rows.length;
}

/** Loads the demo city's areas; idempotent: each table is skipped once it holds rows. */
export async function seedAreas(db: Db, options: SeedOptions): Promise<void> {
  const dir = join(options.sharedDataDir, "sao-paulo-geo");
  const full = options.scope === "full";
  let started = Date.now();
  await seedBoundaries(db, dir);
  await seedAliases(db);
  options.log?.(`areas: districts and subprefeituras in ${Date.now() - started} ms`);
  started = Date.now();
  const streets = await seedStreets(
    db,
    full ? join(dir, "sp_logradouros.geojson") : join(FIXTURES_DIR, "streets.geojson"),
  );
  if (streets > 0) options.log?.(`areas: ${streets} street features in ${Date.now() - started} ms`);
  started = Date.now();
  const blocks = await seedBlocks(
    db,
    full ? join(dir, "sp_quadras_fiscais.geojson") : join(FIXTURES_DIR, "blocks.geojson"),
  );
  if (blocks > 0) options.log?.(`areas: ${blocks} fiscal blocks in ${Date.now() - started} ms`);
  started = Date.now();
  const postcodes = await seedPostcodes(
    db,
    full
      ? learnPostcodes(readFileSync(join(options.sharedDataDir, SP156_RECORDS), "utf8"))
      : readPostcodeFixture(),
  );
  if (postcodes > 0) options.log?.(`areas: ${postcodes} street postcodes in ${Date.now() - started} ms`);
}
