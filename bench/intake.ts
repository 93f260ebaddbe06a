/**
 * The intake benchmark: HTTP `POST /api/v1/demands` on the real app process (placement, protocol, timeline event,
 * outbox row) at 16 and 64 clients, against a minimal Fastify handler inserting the same row and, on PostgreSQL,
 * pgbench; then again after 1,000,000 demands are in the table. Prints the table docs/performance.md shows.
 *
 *   npm run bench -- intake [--db=postgres|pglite|both] [--seconds=10] [--runs=3] [--rows=1000000]
 *
 * PostgreSQL is reached as BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres); a database
 * bench_intake_<pid> is created there and dropped at the end. PGlite runs in temporary folders, removed at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "csv-parse/sync";
import { connect, type Sql } from "../server/db/index.ts";
import {
  createBenchDatabase,
  type LoadResult,
  medianRun,
  peakRssMb,
  postLoad,
  runNode,
  runPgbench,
  type Server,
  startServer,
  stopServer,
} from "./harness.ts";

const CONCURRENCY = [16, 64] as const;
const PATH = "/api/v1/demands";
const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;
const BASELINE_READY = /Baseline is up on (http:\/\/\S+)/;

interface Options {
  seconds: number;
  runs: number;
  rows: number;
}

/** The figures of one database, each the median of `runs` runs. */
export interface IntakeReport {
  db: "postgres" | "pglite";
  service: string;
  points: number;
  seedSeconds: number;
  fillSeconds: number | null;
  peakRssMb: number;
  /** Keyed by figure name, then by concurrency. */
  figures: Record<string, Record<number, LoadResult>>;
  bareInsertsPerSecond?: number;
  /** The machine's 1-minute load average when this database's runs began and ended: others' work skews figures. */
  load: [number, number];
}

/** Points in the city taken from the SP156 open data, a few per district over several districts. */
function samplePoints(): { lat: number; lon: number }[] {
  const file = join(SHARED_DATA_DIR, "sp156", "sp156_solicitacoes_2019-01_a_2019-04.csv");
  const head = readFileSync(file, "utf8").slice(0, 400_000);
  const rows = parse(head.slice(0, head.lastIndexOf("\n")), { columns: true }) as Record<string, string>[];
  const perDistrict = new Map<string, { lat: number; lon: number }[]>();
  for (const row of rows) {
    const lat = Number(row.Latitude);
    const lon = Number(row.Longitude);
    if (!row.Latitude || !row.Longitude || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const list = perDistrict.get(row.Distrito ?? "") ?? [];
    if (list.length < 8) list.push({ lat, lon });
    perDistrict.set(row.Distrito ?? "", list);
  }
  return [...perDistrict.values()].slice(0, 12).flat();
}

/** A seeded service that takes anonymous demands and has no required extra field. */
export async function pickService(url: string): Promise<string> {
  const services = (await (await fetch(`${url}/api/v1/services`)).json()) as {
    code: string;
    anonymousAllowed: boolean;
    active: boolean;
  }[];
  for (const s of services.filter((x) => x.anonymousAllowed && x.active)) {
    const detail = (await (await fetch(`${url}/api/v1/services/${s.code}`)).json()) as {
      attributes: { required: boolean }[];
    };
    if (detail.attributes.every((a) => !a.required)) return s.code;
  }
  throw new Error("the seeded catalogue has no anonymous service without required fields");
}

/** The request bodies: one per point the app accepts (a point it places in a district), checked one by one. */
export async function buildBodies(url: string, service: string): Promise<string[]> {
  const bodies: string[] = [];
  for (const location of samplePoints()) {
    const body = JSON.stringify({
      service,
      description: "Buraco na calçada em frente ao número 120, risco de queda para pedestres.",
      identity: "anonymous",
      location,
    });
    const res = await fetch(`${url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    if (res.status === 201) bodies.push(body);
  }
  if (bodies.length < 8) throw new Error(`only ${bodies.length} sample points were accepted by intake`);
  return bodies;
}

/**
 * Adds `rows` demands with one INSERT … SELECT per 100,000 over generate_series: a valid service and district,
 * points spread over the centre, mostly closed, opened over the past years. Returns the seconds taken.
 */
async function fillDemands(sql: Sql, rows: number): Promise<number> {
  const started = performance.now();
  const [ref] = await sql.query<{ service_id: number; district_code: string; subprefeitura_code: string }>(
    `SELECT service_id, district_code, subprefeitura_code FROM demands
      WHERE district_code IS NOT NULL ORDER BY id LIMIT 1`,
  );
  if (!ref) throw new Error("no placed demand to copy the service and district from");
  for (let from = 1; from <= rows; from += 100_000) {
    await sql.query(
      `INSERT INTO demands (protocol, service_id, channel, status, description, identity_mode, location,
         district_code, subprefeitura_code, secret_hash, opened_at, created_at)
       SELECT '8' || lpad(g::text, 12, '0'), $1, 'web', CASE WHEN g % 10 = 0 THEN 'new' ELSE 'closed' END,
              'Demanda de carga do benchmark ' || g, 'anonymous',
              ST_SetSRID(ST_MakePoint(-46.72 + random() * 0.14, -23.62 + random() * 0.14), 4326),
              $2, $3, md5(g::text), now() - g * interval '1 minute', now() - g * interval '1 minute'
         FROM generate_series($4::int, $5::int) g`,
      [ref.service_id, ref.district_code, ref.subprefeitura_code, from, Math.min(rows, from + 99_999)],
    );
  }
  await sql.exec("ANALYZE demands");
  return (performance.now() - started) / 1000;
}

/** Measures `figure` at every concurrency, `runs` times, with `measure` doing one run. */
async function measureFigures(
  report: IntakeReport,
  options: Options,
  figures: Record<string, (c: number) => Promise<LoadResult>>,
) {
  for (const c of CONCURRENCY) {
    const runs: Record<string, LoadResult[]> = {};
    for (let i = 0; i < options.runs; i++) {
      for (const [name, measure] of Object.entries(figures)) {
        const result = await measure(c);
        runs[name] = [...(runs[name] ?? []), result];
        log(`  ${name} c=${c} run ${i + 1}: ${fmt(result)}`);
      }
    }
    for (const [name, list] of Object.entries(runs)) {
      const byConcurrency = report.figures[name] ?? {};
      byConcurrency[c] = medianRun(list);
      report.figures[name] = byConcurrency;
    }
  }
}

async function benchPostgres(options: Options): Promise<IntakeReport> {
  const bench = await createBenchDatabase("intake");
  const { name, url: dbUrl } = bench;
  const servers: Server[] = [];
  try {
    log(`postgres: seeding the full demo city into ${name}`);
    const env = { DATABASE_URL: dbUrl, SHARED_DATA_DIR, LOG_LEVEL: "warn", PORT: "0", SEED_DEMO: "never" };
    const seed = await runNode(["server/cli/main.ts", "seed"], env);
    const baseline = await startServer(["bench/baseline-server.ts"], env, BASELINE_READY);
    servers.push(baseline);
    const app = await startServer(["server/main.ts", "--roles=web"], env, APP_READY);
    servers.push(app);
    const service = await pickService(app.url);
    const bodies = await buildBodies(app.url, service);
    const report: IntakeReport = {
      db: "postgres",
      service,
      points: bodies.length,
      seedSeconds: seed.seconds,
      fillSeconds: null,
      peakRssMb: 0,
      figures: {},
      load: [loadavg()[0] ?? 0, 0],
    };
    log(`postgres: service ${service}, ${bodies.length} points; warming up`);
    await postLoad(app.url, PATH, bodies, 16, 3);
    await postLoad(baseline.url, PATH, bodies, 16, 3);
    const pgSeconds = Math.max(3, Math.round(options.seconds / 2));
    await measureFigures(report, options, {
      pgbench: (c) => runPgbench(dbUrl, "bench/intake-plain.pgbench.sql", c, pgSeconds),
      "pgbench intake tx": (c) =>
        runPgbench(dbUrl, "bench/intake-full.pgbench.sql", c, pgSeconds, { service }),
      minimal: (c) => postLoad(baseline.url, PATH, bodies, c, options.seconds),
      intake: (c) => postLoad(app.url, PATH, bodies, c, options.seconds),
    });

    log(`postgres: adding ${options.rows} demands`);
    const db = await connect({ databaseUrl: dbUrl, poolSize: 1 });
    report.fillSeconds = await fillDemands(db, options.rows);
    const [count] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM demands");
    await db.close();
    log(`postgres: ${count?.n} demands after ${report.fillSeconds.toFixed(0)} s`);
    await postLoad(app.url, PATH, bodies, 16, 3);
    await measureFigures(report, options, {
      "intake at 1M": (c) => postLoad(app.url, PATH, bodies, c, options.seconds),
    });
    report.peakRssMb = peakRssMb(app.child.pid);
    report.load[1] = loadavg()[0] ?? 0;
    return report;
  } finally {
    for (const s of servers) await stopServer(s);
    await bench.drop();
  }
}

async function benchPglite(options: Options): Promise<IntakeReport> {
  const root = mkdtempSync(join(tmpdir(), "bench-intake-"));
  const dataDir = join(root, "app");
  const servers: Server[] = [];
  try {
    log(`pglite: seeding the full demo city into ${dataDir}`);
    const env = { DATA_DIR: dataDir, SHARED_DATA_DIR, LOG_LEVEL: "warn", PORT: "0", SEED_DEMO: "never" };
    const seed = await runNode(["server/cli/main.ts", "seed"], env);
    const baselineEnv = { ...env, DATA_DIR: join(root, "baseline") };
    const baseline = await startServer(["bench/baseline-server.ts"], baselineEnv, BASELINE_READY);
    servers.push(baseline);
    let app = await startServer(["server/main.ts", "--roles=web"], env, APP_READY);
    servers.push(app);
    const service = await pickService(app.url);
    const bodies = await buildBodies(app.url, service);
    const report: IntakeReport = {
      db: "pglite",
      service,
      points: bodies.length,
      seedSeconds: seed.seconds,
      fillSeconds: null,
      peakRssMb: 0,
      figures: {},
      load: [loadavg()[0] ?? 0, 0],
    };
    const bare: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const dir = join(root, `bare-${i}`);
      const run = await runNode(["bench/baseline-server.ts", "--bare=5"], { ...env, DATA_DIR: dir });
      bare.push(Number(/bare ([\d.]+)/.exec(run.output)?.[1]));
      rmSync(dir, { recursive: true, force: true });
    }
    report.bareInsertsPerSecond = bare.sort((a, b) => a - b)[Math.floor(bare.length / 2)];
    log(
      `pglite: service ${service}, ${bodies.length} points, bare ${report.bareInsertsPerSecond}/s; warming up`,
    );
    await postLoad(app.url, PATH, bodies, 16, 3);
    await postLoad(baseline.url, PATH, bodies, 16, 3);
    await measureFigures(report, options, {
      minimal: (c) => postLoad(baseline.url, PATH, bodies, c, options.seconds),
      intake: (c) => postLoad(app.url, PATH, bodies, c, options.seconds),
    });

    // PGlite is one process's database: stop the app, fill its data dir here, start it again.
    let peak = peakRssMb(app.child.pid);
    await stopServer(app);
    log(`pglite: adding ${options.rows} demands`);
    const db = await connect({ dataDir: `${dataDir}/pglite` });
    report.fillSeconds = await fillDemands(db, options.rows);
    await db.close();
    log(`pglite: filled in ${report.fillSeconds.toFixed(0)} s`);
    app = await startServer(["server/main.ts", "--roles=web"], env, APP_READY);
    servers.push(app);
    await postLoad(app.url, PATH, bodies, 16, 3);
    await measureFigures(report, options, {
      "intake at 1M": (c) => postLoad(app.url, PATH, bodies, c, options.seconds),
    });
    peak = Math.max(peak, peakRssMb(app.child.pid));
    report.peakRssMb = peak;
    report.load[1] = loadavg()[0] ?? 0;
    return report;
  } finally {
    for (const s of servers) await stopServer(s);
    rmSync(root, { recursive: true, force: true });
  }
}

function log(line: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function fmt(r: LoadResult): string {
  const failures = r.failures > 0 ? `, ${r.failures} FAILED` : "";
  return `${r.rps.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms${failures}`;
}

/** The report as the markdown table of docs/performance.md. */
export function formatReport(report: IntakeReport): string {
  const lines = [
    `### ${report.db}`,
    "",
    `Service ${report.service}, ${report.points} points; seed ${report.seedSeconds.toFixed(0)} s; ` +
      `fill of 1M ${report.fillSeconds?.toFixed(0) ?? "-"} s; app peak RSS ${report.peakRssMb.toFixed(0)} MB` +
      (report.bareInsertsPerSecond
        ? `; bare serial PGlite insert ${report.bareInsertsPerSecond.toFixed(0)}/s`
        : ""),
    "",
    "| figure | c | requests/s | p50 ms | p99 ms | × minimal | failures |",
    "| --- | --: | --: | --: | --: | --: | --: |",
  ];
  for (const [name, byC] of Object.entries(report.figures)) {
    for (const c of CONCURRENCY) {
      const r = byC[c];
      if (!r) continue;
      const minimal = report.figures.minimal?.[c]?.rps;
      const ratio = minimal ? (r.rps / minimal).toFixed(2) : "-";
      lines.push(
        `| ${name} | ${c} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${ratio} | ${r.failures} |`,
      );
    }
  }
  return lines.join("\n");
}

/** Runs the benchmark on the databases named by `--db` and prints each report. */
export async function runIntakeBench(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const options: Options = {
    seconds: Number(arg("seconds", "10")),
    runs: Number(arg("runs", "3")),
    rows: Number(arg("rows", "1000000")),
  };
  const which = arg("db", "both");
  // Each database's report is printed as soon as it is done, so a failure on the other keeps it.
  const benches = [
    ...(which === "postgres" || which === "both" ? [benchPostgres] : []),
    ...(which === "pglite" || which === "both" ? [benchPglite] : []),
  ];
  for (const bench of benches) {
    const report = await bench(options);
    console.log(`\n${formatReport(report)}\n\n${JSON.stringify(report)}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runIntakeBench(process.argv.slice(2));
}
