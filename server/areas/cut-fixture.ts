/**
 * Cuts the small street and block layers the tests seed ("fixture" scope) out of the full São Paulo layers: every
 * feature of the streets named by a fixed sample of real SP156 addresses, the streets and blocks around their
 * published points, and the streets of the documented examples. Reproducible: same inputs, same files.
 *
 *   npx tsx server/areas/cut-fixture.ts [SHARED_DATA_DIR]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { normalizeStreetName, parseAddress } from "../../domain/address.ts";
import { boxOf, FIXTURES_DIR } from "./seed.ts";

/** One SP156 request of the fixed sample, with the point SP156 published for it. */
export interface SampleAddress {
  address: string;
  district: string;
  lat: number;
  lon: number;
}

const SAMPLE_SIZE = 60;
const EXAMPLE_STREETS = ["R AUGUSTA", "R ARTUR RAMOS", "AV PAULISTA", "R CANECA"];
const STREET_MARGIN = 0.001; // degrees around a sample point (about 100 m)
const BLOCK_MARGIN = 0.0003;

interface Feature {
  properties: Record<string, unknown>;
  geometry: { coordinates: unknown };
}

function near(feature: Feature, points: SampleAddress[], margin: number): boolean {
  const [x0, y0, x1, y1] = boxOf(feature.geometry.coordinates);
  return points.some(
    (p) => p.lon >= x0 - margin && p.lon <= x1 + margin && p.lat >= y0 - margin && p.lat <= y1 + margin,
  );
}

/** Picks every n-th SP156 row that has a street, a number and a published point: a fixed, spread-out sample. */
export function pickSample(csv: string, size = SAMPLE_SIZE): SampleAddress[] {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  const usable = rows.filter((r) => r.Logradouro && r.Número && r.Latitude && r.Longitude && r.Distrito);
  const step = Math.floor(usable.length / size);
  return Array.from({ length: size }, (_, i) => usable[i * step] as Record<string, string>).map((r) => ({
    address: `${r.Logradouro}, ${r.Número}`,
    district: r.Distrito as string,
    lat: Number(r.Latitude),
    lon: Number(r.Longitude),
  }));
}

function writeCollection(path: string, features: Feature[]): number {
  const text = `{"type":"FeatureCollection","features":[\n${features.map((f) => JSON.stringify(f)).join(",\n")}\n]}\n`;
  writeFileSync(path, text);
  return text.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shared = process.argv[2] ?? "../shared/data";
  const sample = pickSample(
    readFileSync(join(shared, "sp156/sp156_solicitacoes_2019-01_a_2019-04.csv"), "utf8"),
  );
  const names = new Set([
    ...sample.map((s) => parseAddress(s.address).normalizedName),
    ...EXAMPLE_STREETS.map(normalizeStreetName),
  ]);
  const geo = (file: string) =>
    (JSON.parse(readFileSync(join(shared, "sao-paulo-geo", file), "utf8")) as { features: Feature[] })
      .features;
  const streets = geo("sp_logradouros.geojson").filter(
    (f) => names.has(normalizeStreetName(String(f.properties.logradouro))) || near(f, sample, STREET_MARGIN),
  );
  const blocks = geo("sp_quadras_fiscais.geojson").filter((f) => near(f, sample, BLOCK_MARGIN));
  const streetBytes = writeCollection(join(FIXTURES_DIR, "streets.geojson"), streets);
  const blockBytes = writeCollection(join(FIXTURES_DIR, "blocks.geojson"), blocks);
  writeFileSync(join(FIXTURES_DIR, "sp156-addresses.json"), `${JSON.stringify(sample, null, 1)}\n`);
  console.log(
    `streets: ${streets.length} features, ${streetBytes} bytes; blocks: ${blocks.length}, ${blockBytes} bytes`,
  );
}
