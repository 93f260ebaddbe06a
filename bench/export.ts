/**
 * The export benchmark: the open-data CSV and GeoJSON of every demand, streamed over HTTP from an app process, at
 * 10,000, 100,000 and 1,000,000 demands. Reports rows per second and the app's peak RSS (VmHWM) in each round: a
 * fresh app process serves each round, so the peak is that round's. The heap reaches its working size within the
 * first ~100k rows; constant memory means the 1M peak stays at the 100k one, while a buffered export would grow by
 * the size of the file (the 1M GeoJSON is ~600 MB).
 *
 *   npm run bench -- export [--rows=1000000] [--small=10000] [--middle=100000] [--fixture]
 *
 * PostgreSQL only (the export's claim is about the server database), reached as BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1/postgres): bench_export_<pid> is created there and dropped at the end. `--fixture`
 * seeds the small fixture city instead of the full one (a quick check of the harness).
 */
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { connect, type Sql } from "../server/db/index.ts";
import { createBenchDatabase, peakRssMb, runNode, type Server, startServer, stopServer } from "./harness.ts";

const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;

/** One streamed export: what arrived and how fast. */
interface StreamResult {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
}

/** One round: the demands in the table, the idle app's RSS, both exports, and the peak RSS after them. */
interface Round {
  demands: number;
  idleRssMb: number;
  csv: StreamResult;
  geojson: StreamResult;
  peakRssMb: number;
}

const log = (line: string) => console.error(`[export] ${line}`);

/**
 * Adds demands up to `total` with one INSERT … SELECT per 100,000 over generate_series: services of the catalogue
 * (sensitive ones among them), the districts in turn, points over the centre, typed addresses on a real street.
 */
async function fillDemands(sql: Sql, total: number): Promise<void> {
  const [have] = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM demands");
  for (let from = (have?.n ?? 0) + 1; from <= total; from += 100_000) {
    await sql.query(
      `WITH s AS (SELECT array_agg(id ORDER BY id) AS ids FROM services WHERE active),
            a AS (SELECT array_agg(code ORDER BY code) AS codes, array_agg(subprefeitura_code ORDER BY code) AS subs
                    FROM districts),
            st AS (SELECT coalesce((SELECT name FROM streets WHERE street_type = 'R' ORDER BY id LIMIT 1), 'R X') AS name)
       INSERT INTO demands (protocol, service_id, channel, status, description, identity_mode, location, address,
         district_code, subprefeitura_code, secret_hash, opened_at, closed_at, created_at)
       SELECT '8' || lpad(g::text, 12, '0'), s.ids[1 + g % array_length(s.ids, 1)],
              (ARRAY['web', 'phone', 'app', 'whatsapp'])[1 + g % 4],
              CASE WHEN g % 10 = 0 THEN 'new' ELSE 'closed' END,
              'Demanda de carga do benchmark ' || g || ', ligue (11) 9' || lpad((g % 100000000)::text, 8, '0'),
              CASE WHEN g % 7 = 0 THEN 'confidential' ELSE 'anonymous' END,
              ST_SetSRID(ST_MakePoint(-46.72 + random() * 0.14, -23.62 + random() * 0.14), 4326),
              st.name || ', ' || (g % 2000 + 1),
              a.codes[1 + g % array_length(a.codes, 1)], a.subs[1 + g % array_length(a.codes, 1)],
              md5(g::text), now() - g * interval '1 minute',
              CASE WHEN g % 10 = 0 THEN NULL ELSE now() - g * interval '1 minute' + interval '3 days' END,
              now() - g * interval '1 minute'
         FROM generate_series($1::int, $2::int) g, s, a, st`,
      [from, Math.min(total, from + 99_999)],
    );
  }
  await sql.exec("ANALYZE demands");
}

/** Streams `path` to the end, counting bytes and lines; never holds more than one chunk. */
async function streamExport(url: string, path: string, headerLines: number): Promise<StreamResult> {
  const started = performance.now();
  const res = await fetch(`${url}${path}`);
  if (res.status !== 200 || !res.body) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = lines - headerLines;
  return { rows, bytes, seconds, rowsPerSecond: rows / seconds };
}

/** Starts a fresh app, reads its idle RSS, streams both exports, reads its peak RSS, stops it. */
async function measureRound(env: Record<string, string>, demands: number): Promise<Round> {
  const app: Server = await startServer(["server/main.ts", "--roles=web"], env, APP_READY);
  try {
    await fetch(`${app.url}/health`);
    const idleRssMb = peakRssMb(app.child.pid);
    // CSV: a header line, then one CRLF-ended line per row. GeoJSON: the opening and closing lines around them.
    const csv = await streamExport(app.url, "/api/v1/open-data/demands.csv", 1);
    log(
      `  csv: ${csv.rows} rows, ${(csv.bytes / 1e6).toFixed(0)} MB, ${csv.rowsPerSecond.toFixed(0)} rows/s`,
    );
    const geojson = await streamExport(app.url, "/api/v1/open-data/demands.geojson", 2);
    log(
      `  geojson: ${geojson.rows} rows, ${(geojson.bytes / 1e6).toFixed(0)} MB, ${geojson.rowsPerSecond.toFixed(0)} rows/s`,
    );
    if (csv.rows !== demands || geojson.rows !== demands)
      throw new Error(`expected ${demands} rows, got csv ${csv.rows}, geojson ${geojson.rows}`);
    return { demands, idleRssMb, csv, geojson, peakRssMb: peakRssMb(app.child.pid) };
  } finally {
    await stopServer(app);
  }
}

function formatReport(rounds: Round[], load: [number, number]): string {
  const lines = [
    "| demands | CSV rows/s | CSV MB | GeoJSON rows/s | GeoJSON MB | idle RSS MB | peak RSS MB |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rounds.map(
      (r) =>
        `| ${r.demands.toLocaleString("en")} | ${r.csv.rowsPerSecond.toFixed(0)} | ${(r.csv.bytes / 1e6).toFixed(1)} | ${r.geojson.rowsPerSecond.toFixed(0)} | ${(r.geojson.bytes / 1e6).toFixed(1)} | ${r.idleRssMb.toFixed(0)} | ${r.peakRssMb.toFixed(0)} |`,
    ),
  ];
  const [small, large] = [rounds[0], rounds[rounds.length - 1]];
  if (small && large && small !== large) {
    lines.push(
      "",
      `peak RSS grew by ${(large.peakRssMb - small.peakRssMb).toFixed(0)} MB from ${small.demands.toLocaleString("en")} to ${large.demands.toLocaleString("en")} demands (load ${load[0].toFixed(1)} → ${load[1].toFixed(1)})`,
    );
  }
  return lines.join("\n");
}

/** Runs the export benchmark with `argv` options. */
export async function runExportBench(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const rows = Number(arg("rows", "1000000"));
  const small = Math.min(rows, Number(arg("small", "10000")));
  // Rounds in between show whether the peak levels off (the heap's own growth) or keeps climbing (a leak).
  const middle = arg("middle", "100000")
    .split(",")
    .filter(Boolean)
    .map(Number)
    .filter((n) => n > small && n < rows);
  const bench = await createBenchDatabase("export");
  const { name, url: dbUrl } = bench;
  try {
    const env = { DATABASE_URL: dbUrl, SHARED_DATA_DIR, LOG_LEVEL: "warn", PORT: "0", SEED_DEMO: "never" };
    log(`seeding the demo city into ${name}`);
    await runNode(["server/cli/main.ts", "seed", ...(argv.includes("--fixture") ? ["--fixture"] : [])], env);
    const db = await connect({ databaseUrl: dbUrl, poolSize: 1 });
    const load: [number, number] = [loadavg()[0] ?? 0, 0];
    const rounds: Round[] = [];
    try {
      for (const target of small === rows ? [rows] : [small, ...middle, rows]) {
        const started = performance.now();
        await fillDemands(db, target);
        log(
          `${target} demands in the table (${((performance.now() - started) / 1000).toFixed(0)} s to fill)`,
        );
        rounds.push(await measureRound(env, target));
      }
    } finally {
      await db.close();
    }
    load[1] = loadavg()[0] ?? 0;
    console.log(`\n${formatReport(rounds, load)}\n\n${JSON.stringify(rounds)}\n`);
  } finally {
    await bench.drop();
  }
}

// Run directly: `npx tsx bench/export.ts --rows=…`.
if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? "")).href) {
  await runExportBench(process.argv.slice(2));
}
