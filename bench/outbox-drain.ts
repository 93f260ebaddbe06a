/**
 * Does the outbox keep up with intake? In one run: `--demands` demands (each with an e-mail contact, so a receipt is
 * sent) are posted by 16 clients to a web process while worker processes drain what they cause — `route-demand`
 * and the `send-message` rows (receipt, "sent to the department") — over SMTP to the fake server on loopback
 * (channels/email/fake.ts, in a process of its own). The demands stand at the points SP156 requests really had
 * (../shared/data/sp156), so routing takes its usual path (most dispatched, a few left for triage). Intake is closed
 * loop (each client posts again when answered) or, with `--rate=N`, open loop at N demands/s offered in all.
 *
 * The verdict, per setup: demands/s accepted (over the intake) against demands/s fully drained (every routing and
 * message row done, from the first demand until none is waiting or running) in the same run; "drain ≥ intake" when
 * the second is at least 95 % of the first. Also: jobs/s, the backlog when intake ended and how long it took to reach
 * 0, the mean SMTP exchange (attempt recorded → outcome), the share left for triage, and where the CPU went per demand
 * (web process, worker processes, their PostgreSQL backends, from /proc). On PostgreSQL with 1 and then 2 worker
 * processes; on PGlite one process (all roles) for reference, read through the job view (GET /api/v1/jobs).
 *
 *   npm run bench -- outbox-drain [--db=postgres|pglite|both] [--demands=3000] [--runs=3] [--workers=1,2]
 *                                 [--rate=0] [--concurrency=8] [--smtp-delay-ms=0] [--profile=DIR] [--warmup=300]
 *
 * On PostgreSQL each setup (new worker processes) first drains `--warmup` demands, not counted; each run posts
 * demands of a service of its own, so no run finds the earlier runs' demands as duplicates.
 *
 * `--profile=DIR` writes a CPU profile of each worker process there. PostgreSQL is reached as BENCH_DATABASE_URL
 * (default postgres://postgres@127.0.0.1/postgres): `bench_drain_<pid>` is created there and dropped at the end.
 * PGlite runs in a temporary folder, removed at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { parse } from "csv-parse/sync";
import { SP156_RECORDS } from "../server/areas/postcodes.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import { connect, type Db, one } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { createBenchDatabase, percentile, type Server, startServer, stopServer } from "./harness.ts";

const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;
const WORKER_READY = /Roles: (worker)/;
const CLIENTS = 16;

/**
 * Clients for an offered rate: autocannon paces each connection at a whole number of requests per second
 * (overallRate ÷ connections, rounded down), so 140/s over 16 clients offers only 128/s. The smallest count from 16
 * up that divides the rate offers it exactly; 16 when none up to 64 does (the table then says what was offered).
 */
export function clientsFor(rate: number): number {
  if (rate <= 0) return CLIENTS;
  for (let c = CLIENTS; c <= 64; c++) if (rate % c === 0) return c;
  return CLIENTS;
}
const WORK = "job IN ('route-demand', 'send-message')";

interface Options {
  db: "postgres" | "pglite" | "both";
  demands: number;
  runs: number;
  workers: number[];
  concurrency: number;
  smtpDelayMs: number;
  profile: string | undefined;
  /** Demands per second offered in all (open loop); 0: as fast as the 16 clients get answers (closed loop). */
  rate: number;
  /** Demands posted and drained before each PostgreSQL setup's measured runs, not counted (0: none). */
  warmup: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const db = get("db") ?? "both";
  return {
    db: db === "postgres" || db === "pglite" ? db : "both",
    demands: Math.min(10_000, Number(get("demands") ?? 3000)),
    runs: Number(get("runs") ?? 3),
    workers: (get("workers") ?? "1,2").split(",").map(Number),
    concurrency: Number(get("concurrency") ?? 8),
    warmup: Number(get("warmup") ?? 300),
    smtpDelayMs: Number(get("smtp-delay-ms") ?? 0),
    profile: get("profile"),
    rate: Number(get("rate") ?? 0),
  };
}

/** Node flags writing a CPU profile of each worker process into `--profile=DIR` (read with Chrome's DevTools). */
function profileArgs(o: Options): string[] {
  return o.profile ? ["--cpu-prof", `--cpu-prof-dir=${o.profile}`] : [];
}

/** A live process's CPU time so far (user + system), in ms, from /proc (clock ticks of 10 ms); 0 once it ended. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU ms so far of the PostgreSQL backends serving the bench database (the web's and the workers'). */
async function backendsCpu(db: Db): Promise<Map<number, number>> {
  const rows = await db.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
  );
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
}

/** Where the CPU went in a run, in ms per demand: the web process, the worker processes, their backends. */
interface CpuSplit {
  web: number;
  workers: number;
  backends: number;
}

/** One run's figures. */
interface DrainRun {
  /** Demands accepted per second of intake. */
  demandsPerSecond: number;
  /** Demands fully drained (routing and messages done) per second, from the first demand to the last job. */
  drainedPerSecond: number;
  /** Share of the demands routing left for an agent (possible duplicate, classification) instead of dispatching. */
  queuedShare: number;
  jobs: number;
  jobsPerSecond: number;
  backlogAtIntakeEnd: number;
  tailSeconds: number;
  smtpMs: number;
  failures: number;
}

interface Point {
  lat: number;
  lon: number;
}

/**
 * The points citizens really reported: the published coordinates of the SP156 requests of 2019 (about 30,000
 * distinct), in file order. Each run takes the next ones, so routing meets the duplicates real demands have (a few
 * percent within 100 m of an open one) rather than the same handful of points again and again.
 */
function realPoints(): Point[] {
  const rows = parse(readFileSync(join(SHARED_DATA_DIR, SP156_RECORDS), "utf8"), { columns: true }) as Record<
    string,
    string
  >[];
  const seen = new Set<string>();
  const points: Point[] = [];
  for (const r of rows) {
    if (!r.Latitude || !r.Longitude || seen.has(`${r.Latitude},${r.Longitude}`)) continue;
    seen.add(`${r.Latitude},${r.Longitude}`);
    points.push({ lat: Number(r.Latitude), lon: Number(r.Longitude) });
  }
  return points;
}

let nextPoint = 0;

/** `amount` request bodies at the next real points, each with its own e-mail contact: a receipt per demand. */
function bodies(service: string, points: Point[], amount: number): string[] {
  return Array.from({ length: amount }, () => {
    const i = nextPoint++;
    return JSON.stringify({
      service,
      description: `Lâmpada do poste apagada há três noites, rua escura (bench ${i}).`,
      location: points[i % points.length],
      citizen: { name: `Pessoa ${i}`, email: `pessoa${i}@example.org` },
    });
  });
}

/** Posts `amount` demands with `clientsFor(rate)` clients; resolves with the seconds it took and the refusals. */
async function intake(
  url: string,
  list: string[],
  rate: number,
): Promise<{ seconds: number; failures: number }> {
  let next = 0;
  const started = performance.now();
  const result = await autocannon({
    url,
    connections: clientsFor(rate),
    pipelining: 1,
    amount: list.length,
    timeout: 60,
    ...(rate > 0 ? { overallRate: rate } : {}),
    requests: [
      {
        method: "POST",
        path: "/api/v1/demands",
        headers: { "content-type": "application/json" },
        setupRequest: (req) => ({ ...req, body: list[next++ % list.length] }),
      },
    ],
  });
  if (result.non2xx + result.errors > 0)
    console.log(
      `intake: ${result.non2xx} answers other than 2xx, ${result.errors} errors`,
      result.statusCodeStats,
    );
  return { seconds: (performance.now() - started) / 1000, failures: result.non2xx + result.errors };
}

/** The timing of one run, before the totals are read. */
interface Timing {
  demands: number;
  intakeSeconds: number;
  drainedSeconds: number;
  backlogAtIntakeEnd: number;
  refused: number;
}

/** One run: intake and drain at once, the backlog sampled every 100 ms until it is 0 after intake ended. */
async function measure(
  url: string,
  list: string[],
  rate: number,
  backlog: () => Promise<number>,
): Promise<Timing> {
  const started = performance.now();
  let intakeDone: { seconds: number; failures: number } | undefined;
  let backlogAtIntakeEnd = 0;
  const posting = intake(url, list, rate).then(async (r) => {
    backlogAtIntakeEnd = await backlog();
    intakeDone = r;
  });
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (intakeDone && (await backlog()) === 0) break;
    if (performance.now() - started > 1_800_000) throw new Error("the backlog did not drain in 30 minutes");
  }
  await posting;
  const done = intakeDone!;
  return {
    demands: list.length,
    intakeSeconds: done.seconds,
    drainedSeconds: (performance.now() - started) / 1000,
    backlogAtIntakeEnd,
    refused: done.failures,
  };
}

/** A run's figures from its timing and the rows it left. */
function figures(t: Timing, totals: Totals): DrainRun {
  return {
    demandsPerSecond: t.demands / t.intakeSeconds,
    drainedPerSecond: t.demands / t.drainedSeconds,
    queuedShare: totals.queued / t.demands,
    jobs: totals.jobs,
    jobsPerSecond: totals.jobs / t.drainedSeconds,
    backlogAtIntakeEnd: t.backlogAtIntakeEnd,
    tailSeconds: t.drainedSeconds - t.intakeSeconds,
    smtpMs: totals.smtpMs,
    failures: t.refused + totals.dead,
  };
}

interface Mark {
  outbox: number;
  attempt: number;
  demand: number;
}

interface Totals {
  jobs: number;
  queued: number;
  /** The distinct errors of dead rows, to print with the run. */
  deadErrors: string | null;
  smtpMs: number;
  dead: number;
}

/** Where the outbox and the SMTP attempts end now: a run counts what comes after. */
function markOf(db: Db): Promise<Mark> {
  return one<Mark>(
    db,
    `SELECT coalesce((SELECT max(id) FROM outbox), 0)::int AS outbox,
            coalesce((SELECT max(id) FROM message_attempts), 0)::int AS attempt,
            coalesce((SELECT max(id) FROM demands), 0)::int AS demand`,
  );
}

/** Routing and message rows written after `mark`, dead ones, and the mean SMTP exchange of their messages. */
function totalsSince(db: Db, mark: Mark): Promise<Totals> {
  return one<Totals>(
    db,
    `SELECT (SELECT count(*)::int FROM outbox WHERE id > $1 AND ${WORK}) AS jobs,
            (SELECT count(*)::int FROM outbox WHERE id > $1 AND ${WORK} AND state = 'dead') AS dead,
            (SELECT count(*)::int FROM demand_events WHERE demand_id > $3 AND type = 'demand.queued') AS queued,
            (SELECT string_agg(DISTINCT left(job || ': ' || last_error, 160), '; ') FROM outbox
              WHERE id > $1 AND ${WORK} AND state = 'dead') AS "deadErrors",
            (SELECT coalesce(avg(extract(epoch FROM finished_at - started_at) * 1000), 0)::float8
               FROM message_attempts WHERE id > $2) AS "smtpMs"`,
    [mark.outbox, mark.attempt, mark.demand],
  );
}

/** Routing and message rows after `mark` still waiting or running. */
async function backlogSince(db: Db, mark: Mark): Promise<number> {
  const sql = `SELECT count(*)::int AS n FROM outbox WHERE id > $1 AND ${WORK} AND state IN ('pending', 'running')`;
  return (await one<{ n: number }>(db, sql, [mark.outbox])).n;
}

/**
 * Services that go straight to a department, one per run: duplicates are of the same service, so a run of its own
 * service finds none of the earlier runs' demands near its points, and every run routes like the first (without
 * it, later runs left ever more demands for triage, which is cheaper than a dispatch, and looked faster).
 */
async function autoDispatchServices(db: Db, count: number): Promise<string[]> {
  const rows = await db.query<{ code: string }>(
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT $1`,
    [count],
  );
  if (rows.length === 0) throw new Error("no service goes straight to a department");
  return Array.from({ length: count }, (_, i) => rows[i % rows.length]!.code);
}

function median(runs: DrainRun[]): DrainRun {
  const m = (pick: (r: DrainRun) => number) => percentile(runs.map(pick), 50);
  return {
    demandsPerSecond: m((r) => r.demandsPerSecond),
    drainedPerSecond: m((r) => r.drainedPerSecond),
    queuedShare: m((r) => r.queuedShare),
    jobs: m((r) => r.jobs),
    jobsPerSecond: m((r) => r.jobsPerSecond),
    backlogAtIntakeEnd: m((r) => r.backlogAtIntakeEnd),
    tailSeconds: m((r) => r.tailSeconds),
    smtpMs: m((r) => r.smtpMs),
    failures: runs.reduce((s, r) => s + r.failures, 0),
  };
}

/**
 * Drained at least as fast as accepted, in the same run: demands fully drained per second (first demand to last
 * job) at least 95 % of demands accepted per second — even a worker with no delay ends the last demand's two jobs a
 * little after intake ends, so "equal" cannot be asked of a finite run.
 */
const KEEPS_UP = 0.95;

function line(label: string, runs: DrainRun[]): string {
  const r = median(runs);
  const ratio = r.drainedPerSecond / r.demandsPerSecond;
  return (
    `| ${label} | ${r.demandsPerSecond.toFixed(0)} | ${r.drainedPerSecond.toFixed(0)} | ` +
    `${ratio >= KEEPS_UP ? "**yes**" : "no"} (${ratio.toFixed(2)}) | ${r.jobsPerSecond.toFixed(0)} | ` +
    `${r.backlogAtIntakeEnd.toFixed(0)} | ${r.tailSeconds.toFixed(1)} | ${r.smtpMs.toFixed(1)} | ` +
    `${(100 * r.queuedShare).toFixed(0)} % | ${r.failures} |`
  );
}

async function benchPostgres(o: Options, smtpUrl: string, points: Point[]): Promise<string[]> {
  const bench = await createBenchDatabase("drain");
  const servers: Server[] = [];
  try {
    const db = await connect({ databaseUrl: bench.url, poolSize: 4 });
    await migrate(db);
    await seedDemoCity(db, { sharedDataDir: SHARED_DATA_DIR, scope: "fixture", accounts: false });
    // Per setup: a warm-up service, then one per measured run.
    const services = await autoDispatchServices(db, o.workers.length * (o.runs + 1));
    const env = {
      DATABASE_URL: bench.url,
      SHARED_DATA_DIR,
      SMTP_URL: smtpUrl,
      LOG_LEVEL: "warn",
      PORT: "0",
      SEED_DEMO: "never",
      WORKER_CONCURRENCY: String(o.concurrency),
      // One loopback address posts every demand: the per-address limit would measure itself.
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: "10000000",
    };
    const web = await startServer(["server/main.ts", "--roles=web"], env, APP_READY);
    servers.push(web);
    const lines: string[] = [];
    for (const [setup, count] of o.workers.entries()) {
      const workers: Server[] = [];
      for (let i = 0; i < count; i++)
        workers.push(
          await startServer([...profileArgs(o), "server/main.ts", "--roles=worker"], env, WORKER_READY),
        );
      servers.push(...workers);
      // New processes build their caches and prepare their statements on their first demands: a warm-up, drained
      // and not counted, so the runs measure a worker that has been running (as a city's does).
      if (o.warmup > 0) {
        const mark = await markOf(db);
        const warm = services[setup * (o.runs + 1)]!;
        await measure(web.url, bodies(warm, points, o.warmup), o.rate, () => backlogSince(db, mark));
      }
      const runs: DrainRun[] = [];
      for (let run = 0; run < o.runs; run++) {
        const mark = await markOf(db);
        const cpuBefore = { web: cpuMs(web.child.pid), workers: workers.map((w) => cpuMs(w.child.pid)) };
        const backendsBefore = await backendsCpu(db);
        const service = services[setup * (o.runs + 1) + 1 + run]!;
        const timing = await measure(web.url, bodies(service, points, o.demands), o.rate, () =>
          backlogSince(db, mark),
        );
        let backends = 0;
        for (const [pid, ms] of await backendsCpu(db)) backends += ms - (backendsBefore.get(pid) ?? 0);
        const cpu: CpuSplit = {
          web: (cpuMs(web.child.pid) - cpuBefore.web) / o.demands,
          workers: workers.reduce((s, w, i) => s + cpuMs(w.child.pid) - cpuBefore.workers[i]!, 0) / o.demands,
          backends: backends / o.demands,
        };
        console.log(
          `CPU ms per demand: web ${cpu.web.toFixed(1)}, workers ${cpu.workers.toFixed(1)}, ` +
            `their PostgreSQL backends ${cpu.backends.toFixed(1)}`,
        );
        const totals = await totalsSince(db, mark);
        if (totals.deadErrors) console.log(`dead rows: ${totals.deadErrors}`);
        const r = figures(timing, totals);
        console.log(
          `postgres, ${count} worker(s), run ${run + 1}: ${JSON.stringify(r)} (load ${loadavg()[0]})`,
        );
        runs.push(r);
      }
      lines.push(line(`PostgreSQL, ${count} worker process${count > 1 ? "es" : ""}`, runs));
      for (const w of workers) await stopServer(w);
    }
    await db.close();
    return lines;
  } finally {
    for (const s of servers) await stopServer(s);
    await bench.drop();
  }
}

async function benchPglite(o: Options, smtpUrl: string, points: Point[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-drain-"));
  let server: Server | undefined;
  try {
    const seeding = await connect({ dataDir: `${dir}/pglite` });
    await migrate(seeding);
    await seedDemoCity(seeding, { sharedDataDir: SHARED_DATA_DIR, scope: "fixture", accounts: true });
    const services = await autoDispatchServices(seeding, o.runs);
    await seeding.close();
    const env = {
      DATA_DIR: dir,
      SHARED_DATA_DIR,
      SMTP_URL: smtpUrl,
      LOG_LEVEL: "warn",
      PORT: "0",
      SEED_DEMO: "never",
      WORKER_CONCURRENCY: String(o.concurrency),
      // One loopback address posts every demand: the per-address limit would measure itself.
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: "10000000",
    };
    const runs: DrainRun[] = [];
    for (let run = 0; run < o.runs; run++) {
      let db = await connect({ dataDir: `${dir}/pglite` });
      const mark = await markOf(db);
      await db.close();
      server = await startServer(["server/main.ts"], env, APP_READY);
      const list = bodies(services[run]!, points, o.demands);
      const timing = await measure(server.url, list, o.rate, await jobViewBacklog(server.url));
      await stopServer(server);
      // The process is the database: its totals are read once it has stopped.
      db = await connect({ dataDir: `${dir}/pglite` });
      const totals = await totalsSince(db, mark);
      if (totals.deadErrors) console.log(`dead rows: ${totals.deadErrors}`);
      const r = figures(timing, totals);
      await db.close();
      console.log(`pglite, one process, run ${run + 1}: ${JSON.stringify(r)} (load ${loadavg()[0]})`);
      runs.push(r);
    }
    return [line("PGlite, one process (web, worker, scheduler)", runs)];
  } finally {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The backlog read through the job view of a running process (PGlite allows no second connection). */
async function jobViewBacklog(url: string): Promise<() => Promise<number>> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "admin@responsiva.local", password: "responsiva-admin" }),
  });
  const { token } = (await login.json()) as { token: string };
  return async () => {
    const res = await fetch(`${url}/api/v1/jobs`, { headers: { authorization: `Bearer ${token}` } });
    const view = (await res.json()) as {
      jobs: { job: string; pending: number; running: number; expired: number }[];
    };
    return view.jobs
      .filter((j) => j.job === "route-demand" || j.job === "send-message")
      .reduce((n, j) => n + j.pending + j.running + j.expired, 0);
  };
}

/** Runs the benchmark and prints the table docs/performance.md shows. */
export async function runOutboxDrainBench(argv: string[]): Promise<void> {
  const o = parseOptions(argv);
  // The fake SMTP server runs in a process of its own: in this one it would wait behind the 16 clients' event loop.
  const smtp = await startServer(
    [
      "--input-type=module",
      "-e",
      `import { startFakeSmtp } from "./channels/email/fake.ts";
       const fake = await startFakeSmtp(); fake.delay(${o.smtpDelayMs});
       // Only the count is kept: the bench checks delivery through the messages' own rows.
       setInterval(() => fake.received.splice(0), 1000);
       console.log("Fake SMTP on " + fake.url);`,
    ],
    {},
    /Fake SMTP on (smtp:\/\/\S+)/,
  );
  try {
    const lines: string[] = [];
    const points = realPoints();
    if (o.db !== "pglite") lines.push(...(await benchPostgres(o, smtp.url, points)));
    if (o.db !== "postgres") lines.push(...(await benchPglite(o, smtp.url, points)));
    const paced = clientsFor(o.rate) * Math.floor(o.rate / clientsFor(o.rate));
    const offered = o.rate > 0 ? `offered at ${paced}/s (open loop)` : "as fast as answered (closed loop)";
    console.log(
      `\n${o.demands} demands per run by ${clientsFor(o.rate)} clients, ${offered}, WORKER_CONCURRENCY=${o.concurrency}, ` +
        `medians of ${o.runs}, load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}:\n`,
    );
    console.log(
      "| setup | demands/s accepted | demands/s drained | drain ≥ intake | jobs/s drained | backlog when intake ended | to 0 after intake (s) | SMTP exchange (ms) | left for triage | failures |",
    );
    console.log("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const l of lines) console.log(l);
  } finally {
    await stopServer(smtp);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runOutboxDrainBench(process.argv.slice(2));
