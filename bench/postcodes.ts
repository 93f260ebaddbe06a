/**
 * How well a tapped point gets its CEP: the whole city's streets in an embedded database, postcodes learnt from the
 * SP156 records of January to March 2019, and each April record with a published point and a street CEP reverse
 * geocoded; the answer is compared with the CEP written on the record. Then the street tiles over the city centre
 * are read at every zoom, cold, and their size and time reported. Numbers in docs/geocoding.md.
 *
 *   npx tsx bench/postcodes.ts [SHARED_DATA_DIR] [SAMPLE]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { reverseGeocode } from "../server/areas/geocoding.ts";
import { learnPostcodes, SP156_RECORDS, seedPostcodes } from "../server/areas/postcodes.ts";
import { seedAreas } from "../server/areas/seed.ts";
import { readStreetTile, TILE_ZOOMS } from "../server/areas/tiles.ts";
import { connect } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";

const shared = process.argv[2] ?? "../shared/data";
const size = Number(process.argv[3] ?? 2000);
const rows = parse(readFileSync(join(shared, SP156_RECORDS), "utf8"), { columns: true }) as Record<
  string,
  string
>[];
const learnt = rows.filter((r) => (r["Data de abertura"] ?? "") < "2019-04");
const held = rows.filter(
  (r) =>
    (r["Data de abertura"] ?? "") >= "2019-04" &&
    r.Latitude &&
    r.Longitude &&
    /^[0-9]{5}[0-8][0-9]{2}$/.test(r.CEP ?? "") &&
    !/^0+$/.test(r.CEP ?? ""),
);
const step = Math.max(1, Math.floor(held.length / size));
const sample = held.filter((_, i) => i % step === 0).slice(0, size);

const started = Date.now();
const db = await connect({});
await migrate(db);
await seedAreas(db, { sharedDataDir: shared, scope: "full" });
await db.query("DELETE FROM postcodes");
const inserted = await seedPostcodes(db, learnPostcodes(stringify(learnt, { header: true })));
console.log(
  `city loaded in ${Date.now() - started} ms; ${inserted} postcodes learnt from ${learnt.length} records`,
);

let street = 0;
let given = 0;
let exact = 0;
let prefix = 0;
const timings: number[] = [];
for (const r of sample) {
  const t = performance.now();
  const place = await reverseGeocode(db, { lat: Number(r.Latitude), lon: Number(r.Longitude) });
  timings.push(performance.now() - t);
  if (!place) continue;
  street++;
  if (!place.postcode) continue;
  given++;
  if (place.postcode === r.CEP) exact++;
  if (place.postcode.slice(0, 5) === r.CEP!.slice(0, 5)) prefix++;
}
timings.sort((a, b) => a - b);
const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`;
console.log(`April 2019 records with a point and a street CEP: ${sample.length} (of ${held.length})`);
console.log(`a street within 150 m: ${street} (${pct(street, sample.length)})`);
console.log(`a CEP given: ${given} (${pct(given, sample.length)})`);
console.log(
  `CEP equal to the record's: ${exact} (${pct(exact, given)} of those given, ${pct(exact, sample.length)} of all)`,
);
console.log(`first five digits equal: ${prefix} (${pct(prefix, given)} of those given)`);
console.log(
  `reverse geocoding p50 ${timings[Math.floor(timings.length / 2)]!.toFixed(1)} ms, p95 ${timings[Math.floor(timings.length * 0.95)]!.toFixed(1)} ms`,
);

// The tiles of a phone screen (3 × 4) around Praça da Sé at each zoom, read cold.
for (let z = TILE_ZOOMS.min; z <= TILE_ZOOMS.max; z++) {
  const n = 2 ** z;
  const rad = (-23.5503 * Math.PI) / 180;
  const cx = Math.floor(((-46.634 + 180) / 360) * n);
  const cy = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  const sizes: number[] = [];
  const times: number[] = [];
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -2; dy <= 1; dy++) {
      const t = performance.now();
      const tile = await readStreetTile(db, z, cx + dx, cy + dy);
      times.push(performance.now() - t);
      sizes.push(tile.body.length);
    }
  }
  const sample = await readStreetTile(db, z, cx, cy);
  console.log(
    `z${z}: 12 tiles, mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024).toFixed(1)} KB ` +
      `(centre tile ${(sample.body.length / 1024).toFixed(1)} KB, ${(gzipSync(sample.body).length / 1024).toFixed(1)} KB gzipped), ` +
      `max ${Math.max(...times).toFixed(0)} ms, mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(0)} ms`,
  );
}
await db.close();
