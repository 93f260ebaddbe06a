/**
 * The Open311 benchmark: `POST requests.json` (form-encoded, with an api_key, through the common intake) and
 * `GET requests.json` answering 1,000 requests, on the real app process over PostgreSQL, at 16 and 64 clients.
 * Prints requests per second and p50/p99 in ms, each the median of `runs` runs.
 *
 *   npm run bench -- open311 [--seconds=10] [--runs=3] [--fixture]
 *
 * PostgreSQL is reached as BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres); a database
 * bench_open311_<pid> is created there and dropped at the end. `--fixture` seeds the small test city (quick checks).
 */
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { createApiClient } from "../server/api-keys/commands.ts";
import { connect } from "../server/db/index.ts";
import {
  createBenchDatabase,
  type LoadResult,
  medianRun,
  runNode,
  type Server,
  startServer,
  stopServer,
} from "./harness.ts";

const CONCURRENCY = [16, 64] as const;
const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;

/** Drives `method path` with `connections` closed-loop clients for `seconds`, bodies (if any) in turn. */
async function load(
  url: string,
  request: { method: "GET" | "POST"; path: string; bodies?: string[] },
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  let next = 0;
  const bodies = request.bodies ?? [];
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: request.method,
        path: request.path,
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        setupRequest: (req) => {
          if (bodies.length === 0) return req;
          next = (next + 1) % bodies.length;
          return { ...req, body: bodies[next] };
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

/** Form bodies at points inside districts, for a service with no required field that takes anonymous reports. */
async function buildBodies(dbUrl: string, key: string): Promise<string[]> {
  const db = await connect({ databaseUrl: dbUrl });
  const [service] = await db.query<{ code: string }>(
    `SELECT code FROM services WHERE active AND anonymous_allowed
        AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(attributes) a WHERE (a ->> 'required')::boolean)
      ORDER BY code LIMIT 1`,
  );
  const points = await db.query<{ lat: number; lon: number }>(
    `SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM districts LIMIT 24`,
  );
  await db.close();
  if (!service) throw new Error("no anonymous service without required fields");
  return points.map((p) =>
    new URLSearchParams({
      api_key: key,
      service_code: service.code,
      lat: String(p.lat),
      long: String(p.lon),
      description: "Buraco na calçada, risco de queda para pedestres.",
    }).toString(),
  );
}

function fmt(r: LoadResult): string {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.failures} failures`;
}

/** Runs the Open311 benchmark with the options in `argv`. */
export async function runOpen311Bench(argv: string[]): Promise<void> {
  const option = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const seconds = Number(option("seconds", "10"));
  const runs = Number(option("runs", "3"));
  const bench = await createBenchDatabase("open311");
  const dbUrl = bench.url;
  let app: Server | undefined;
  try {
    const env = { DATABASE_URL: dbUrl, SHARED_DATA_DIR, LOG_LEVEL: "warn", PORT: "0", SEED_DEMO: "never" };
    // Generous limits: the benchmark measures the server, not the rate limiter's refusals.
    const limits = { ...env, ANONYMOUS_RATE_LIMIT_PER_MINUTE: "100000000" };
    await runNode(["server/cli/main.ts", "seed", ...(argv.includes("--fixture") ? ["--fixture"] : [])], env);
    app = await startServer(["server/main.ts", "--roles=web"], limits, APP_READY);
    const db = await connect({ databaseUrl: dbUrl });
    const { key } = await createApiClient(db, { name: "bench", rateLimitPerMinute: 100_000_000 }, null);
    await db.close();
    const bodies = await buildBodies(dbUrl, key);
    console.log(
      `open311: ${bodies.length} bodies; filling 1,000+ requests for the GET (load ${loadavg()[0]})`,
    );
    // The POST warm-up also fills the table, until GET requests.json has its 1,000 results to answer.
    let answered = 0;
    while (answered < 1000) {
      const warm = await load(app.url, { method: "POST", path: "/open311/v2/requests.json", bodies }, 16, 5);
      console.log(`  warm-up POST: ${fmt(warm)}`);
      answered = ((await (await fetch(`${app.url}/open311/v2/requests.json`)).json()) as unknown[]).length;
    }
    console.log(`  GET requests.json answers ${answered} requests`);
    // As autovacuum would have by now on a server that took these requests over hours, not seconds.
    const stats = await connect({ databaseUrl: dbUrl });
    await stats.exec("ANALYZE");
    await stats.close();
    const figures: Record<string, Record<number, LoadResult>> = {};
    for (const c of CONCURRENCY) {
      const post: LoadResult[] = [];
      const get: LoadResult[] = [];
      for (let i = 0; i < runs; i++) {
        post.push(
          await load(app.url, { method: "POST", path: "/open311/v2/requests.json", bodies }, c, seconds),
        );
        get.push(await load(app.url, { method: "GET", path: "/open311/v2/requests.json" }, c, seconds));
        console.log(
          `  c=${c} run ${i + 1}: POST ${fmt(post.at(-1) as LoadResult)}; GET ${fmt(get.at(-1) as LoadResult)}`,
        );
      }
      figures[`POST requests.json c=${c}`] = { [c]: medianRun(post) };
      figures[`GET requests.json (1,000) c=${c}`] = { [c]: medianRun(get) };
    }
    console.log("\n| figure | req/s | p50 ms | p99 ms | failures |\n|---|---|---|---|---|");
    for (const [figure, byC] of Object.entries(figures))
      for (const r of Object.values(byC))
        console.log(`| ${figure} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.failures} |`);
  } finally {
    if (app) await stopServer(app);
    await bench.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runOpen311Bench(process.argv.slice(2));
}
