/**
 * The suggester's latency: `suggestServices` in process, and `GET /api/v1/services/suggest` over HTTP on loopback,
 * over the 200 labelled SP156 messages (shared/data/classifier/), on a database holding the SP156 catalogue.
 *
 *   npm run bench -- suggest [--db=pglite|postgres] [--rounds=20] [--seconds=5]
 *
 * A child process (this file with --serve) migrates a fresh database, seeds the catalogue, times the first call
 * (the index build), then every message `rounds` times in process, and listens; this process then drives the route
 * with autocannon at 1 and 16 connections, cycling through the messages. PostgreSQL is reached as
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres): a database bench_suggest_<pid> (or
 * --pgname) is created there and dropped at the end. PGlite runs in memory.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { parse } from "csv-parse/sync";
import pg from "pg";
import { seedCatalogue } from "../server/catalogue/seed.ts";
import { suggestServices } from "../server/classification/queries.ts";
import { parseConfig } from "../server/config.ts";
import { connect, type Db } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { buildApp } from "../server/http/app.ts";
import { percentile, startServer, stopServer } from "./harness.ts";

const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const READY = /Suggest bench is up on (http:\/\/\S+)/;

function option(argv: string[], name: string, fallback: string): string {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

function messages(): string[] {
  const file = join(SHARED_DATA_DIR, "classifier", "sp156_frases_dev.csv");
  return (parse(readFileSync(file, "utf8"), { columns: true }) as { text: string }[]).map((r) => r.text);
}

const ms = (n: number) => n.toFixed(2);

// The child: a database with the catalogue, the in-process figures, then the app listening on loopback.
async function serve(argv: string[]): Promise<void> {
  const url = option(argv, "url", "");
  const db: Db = await connect({ databaseUrl: url || undefined, poolSize: 10 });
  await migrate(db);
  await seedCatalogue(db, { sharedDataDir: SHARED_DATA_DIR, scope: "fixture" });
  const texts = messages();
  const rounds = Number(option(argv, "rounds", "20"));
  let started = performance.now();
  await suggestServices(db, texts[0] as string, { limit: 5 });
  const buildMs = performance.now() - started;
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const text of texts) {
      started = performance.now();
      await suggestServices(db, text, { limit: 5 });
      times.push(performance.now() - started);
    }
  }
  console.log(
    `in process: first call (index build) ${ms(buildMs)} ms; ${times.length} calls p50 ${ms(percentile(times, 50))} ms, p99 ${ms(percentile(times, 99))} ms, max ${ms(Math.max(...times))} ms`,
  );
  const parsed = parseConfig({ DATABASE_URL: url || undefined, LOG_LEVEL: "warn", SHARED_DATA_DIR });
  if ("problems" in parsed) throw new Error(parsed.problems.join("; "));
  const app = await buildApp({ db, config: parsed.config });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  console.log(`Suggest bench is up on ${address}`);
  process.once("SIGTERM", async () => {
    await app.close();
    await db.close();
    process.exit(0);
  });
}

async function httpLoad(url: string, paths: string[], connections: number, seconds: number) {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => {
          next = (next + 1) % paths.length;
          return { ...req, path: paths[next] as string };
        },
      },
    ],
  });
  return {
    rps: result["2xx"] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** Runs the benchmark and prints its figures. */
export async function runSuggestBench(argv: string[]): Promise<void> {
  const which = option(argv, "db", "pglite");
  const seconds = Number(option(argv, "seconds", "5"));
  const rounds = option(argv, "rounds", "20");
  let url = "";
  let drop: (() => Promise<void>) | undefined;
  if (which === "postgres") {
    const base = new URL(process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1/postgres");
    const name = option(argv, "pgname", `bench_suggest_${process.pid}`);
    const admin = new pg.Client({ connectionString: base.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const target = new URL(base.toString());
    target.pathname = `/${name}`;
    url = target.toString();
    drop = async () => {
      const dropper = new pg.Client({ connectionString: base.toString() });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    };
  }
  try {
    const server = await startServer(
      ["bench/suggest.ts", "--serve", `--url=${url}`, `--rounds=${rounds}`],
      {},
      READY,
    );
    try {
      console.log(`database: ${which}`);
      console.log(
        server
          .output()
          .split("\n")
          .find((l) => l.startsWith("in process")),
      );
      const paths = messages().map((t) => `/api/v1/services/suggest?q=${encodeURIComponent(t)}&limit=5`);
      for (const connections of [1, 16]) {
        const r = await httpLoad(server.url, paths, connections, seconds);
        console.log(
          `HTTP, ${connections} connection(s), ${seconds} s: ${Math.round(r.rps)} requests/s, p50 ${r.p50} ms, p99 ${r.p99} ms, failures ${r.failures}`,
        );
      }
    } finally {
      await stopServer(server);
    }
  } finally {
    await drop?.();
  }
}

if (process.argv.includes("--serve")) await serve(process.argv);
else if (import.meta.url === `file://${process.argv[1]}`) await runSuggestBench(process.argv.slice(2));
