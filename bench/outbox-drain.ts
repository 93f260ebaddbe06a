/**
 * Does the outbox keep up with intake? In one run: `--demands` demands (each with an e-mail contact, so a receipt is
 * sent) are posted by 16 clients to a web process while worker processes drain what they cause — `route-demand`
 * and the `send-message` rows (receipt, "sent to the department") — over SMTP to the fake server on loopback
 * (channels/email/fake.ts, in a process of its own). Reports demands/s accepted, jobs/s drained (from the first
 * demand until no routing or message is waiting or running), the backlog when intake ended and how long it took to
 * reach 0, and the mean SMTP exchange of one message (from the attempt recorded to its outcome). On PostgreSQL with 1 and then 2 worker processes; on PGlite one process (all roles) for
 * reference, read through the job view (GET /api/v1/jobs).
 *
 *   npm run bench -- outbox-drain [--db=postgres|pglite|both] [--demands=3000] [--runs=3] [--workers=1,2]
 *                                 [--concurrency=8] [--smtp-delay-ms=0]
 *
 * PostgreSQL is reached as BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres): `bench_drain_<pid>`
 * is created there and dropped at the end. PGlite runs in a temporary folder, removed at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { seedDemoCity } from "../server/cli/seed.ts";
import { connect, type Db, one } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { createBenchDatabase, percentile, type Server, startServer, stopServer } from "./harness.ts";

const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;
const WORKER_READY = /Roles: (worker)/;
const CLIENTS = 16;
const WORK = "job IN ('route-demand', 'send-message')";

interface Options {
  db: "postgres" | "pglite" | "both";
  demands: number;
  runs: number;
  workers: number[];
  concurrency: number;
  smtpDelayMs: number;
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
    smtpDelayMs: Number(get("smtp-delay-ms") ?? 0),
  };
}

/** One run's figures. */
interface DrainRun {
  demandsPerSecond: number;
  jobs: number;
  jobsPerSecond: number;
  backlogAtIntakeEnd: number;
  tailSeconds: number;
  smtpMs: number;
  failures: number;
}

/** Request bodies at points of the fixture city, each with its own e-mail contact: a receipt per demand. */
function bodies(service: string): string[] {
  return Array.from({ length: 64 }, (_, i) =>
    JSON.stringify({
      service,
      description: `Lâmpada do poste apagada há três noites, rua escura (bench ${i}).`,
      location: { lat: -23.5503 - (i % 8) * 0.003, lon: -46.634 - Math.floor(i / 8) * 0.003 },
      citizen: { name: `Pessoa ${i}`, email: `pessoa${i}@example.org` },
    }),
  );
}

/** Posts `amount` demands with CLIENTS clients; resolves with the seconds it took and the refusals. */
async function intake(
  url: string,
  list: string[],
  amount: number,
): Promise<{ seconds: number; failures: number }> {
  let next = 0;
  const started = performance.now();
  const result = await autocannon({
    url,
    connections: CLIENTS,
    pipelining: 1,
    amount,
    timeout: 60,
    requests: [
      {
        method: "POST",
        path: "/api/v1/demands",
        headers: { "content-type": "application/json" },
        setupRequest: (req) => {
          next = (next + 1) % list.length;
          return { ...req, body: list[next] };
        },
      },
    ],
  });
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
  amount: number,
  backlog: () => Promise<number>,
): Promise<Timing> {
  const started = performance.now();
  let intakeDone: { seconds: number; failures: number } | undefined;
  let backlogAtIntakeEnd = 0;
  const posting = intake(url, list, amount).then(async (r) => {
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
    demands: amount,
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
}

interface Totals {
  jobs: number;
  smtpMs: number;
  dead: number;
}

/** Where the outbox and the SMTP attempts end now: a run counts what comes after. */
function markOf(db: Db): Promise<Mark> {
  return one<Mark>(
    db,
    `SELECT coalesce((SELECT max(id) FROM outbox), 0)::int AS outbox,
            coalesce((SELECT max(id) FROM message_attempts), 0)::int AS attempt`,
  );
}

/** Routing and message rows written after `mark`, dead ones, and the mean SMTP exchange of their messages. */
function totalsSince(db: Db, mark: Mark): Promise<Totals> {
  return one<Totals>(
    db,
    `SELECT (SELECT count(*)::int FROM outbox WHERE id > $1 AND ${WORK}) AS jobs,
            (SELECT count(*)::int FROM outbox WHERE id > $1 AND ${WORK} AND state = 'dead') AS dead,
            (SELECT coalesce(avg(extract(epoch FROM finished_at - started_at) * 1000), 0)::float8
               FROM message_attempts WHERE id > $2) AS "smtpMs"`,
    [mark.outbox, mark.attempt],
  );
}

/** Routing and message rows after `mark` still waiting or running. */
async function backlogSince(db: Db, mark: Mark): Promise<number> {
  const sql = `SELECT count(*)::int AS n FROM outbox WHERE id > $1 AND ${WORK} AND state IN ('pending', 'running')`;
  return (await one<{ n: number }>(db, sql, [mark.outbox])).n;
}

async function autoDispatchService(db: Db): Promise<string> {
  const row = await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  );
  return row.code;
}

function median(runs: DrainRun[]): DrainRun {
  const m = (pick: (r: DrainRun) => number) => percentile(runs.map(pick), 50);
  return {
    demandsPerSecond: m((r) => r.demandsPerSecond),
    jobs: m((r) => r.jobs),
    jobsPerSecond: m((r) => r.jobsPerSecond),
    backlogAtIntakeEnd: m((r) => r.backlogAtIntakeEnd),
    tailSeconds: m((r) => r.tailSeconds),
    smtpMs: m((r) => r.smtpMs),
    failures: runs.reduce((s, r) => s + r.failures, 0),
  };
}

function line(label: string, runs: DrainRun[]): string {
  const r = median(runs);
  return (
    `| ${label} | ${r.demandsPerSecond.toFixed(0)} | ${r.jobsPerSecond.toFixed(0)} | ${r.jobs.toFixed(0)} | ` +
    `${r.backlogAtIntakeEnd.toFixed(0)} | ${r.tailSeconds.toFixed(1)} | ${r.smtpMs.toFixed(1)} | ${r.failures} |`
  );
}

async function benchPostgres(o: Options, smtpUrl: string): Promise<string[]> {
  const bench = await createBenchDatabase("drain");
  const servers: Server[] = [];
  try {
    const db = await connect({ databaseUrl: bench.url, poolSize: 4 });
    await migrate(db);
    await seedDemoCity(db, { sharedDataDir: SHARED_DATA_DIR, scope: "fixture", accounts: false });
    const list = bodies(await autoDispatchService(db));
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
    for (const count of o.workers) {
      const workers: Server[] = [];
      for (let i = 0; i < count; i++)
        workers.push(await startServer(["server/main.ts", "--roles=worker"], env, WORKER_READY));
      servers.push(...workers);
      const runs: DrainRun[] = [];
      for (let run = 0; run < o.runs; run++) {
        const mark = await markOf(db);
        const r = figures(
          await measure(web.url, list, o.demands, () => backlogSince(db, mark)),
          await totalsSince(db, mark),
        );
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

async function benchPglite(o: Options, smtpUrl: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-drain-"));
  let server: Server | undefined;
  try {
    const seeding = await connect({ dataDir: `${dir}/pglite` });
    await migrate(seeding);
    await seedDemoCity(seeding, { sharedDataDir: SHARED_DATA_DIR, scope: "fixture", accounts: true });
    const list = bodies(await autoDispatchService(seeding));
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
      const timing = await measure(server.url, list, o.demands, await jobViewBacklog(server.url));
      await stopServer(server);
      // The process is the database: its totals are read once it has stopped.
      db = await connect({ dataDir: `${dir}/pglite` });
      const r = figures(timing, await totalsSince(db, mark));
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
    if (o.db !== "pglite") lines.push(...(await benchPostgres(o, smtp.url)));
    if (o.db !== "postgres") lines.push(...(await benchPglite(o, smtp.url)));
    console.log(
      `\n${o.demands} demands by ${CLIENTS} clients per run, WORKER_CONCURRENCY=${o.concurrency}, medians of ${o.runs}:\n`,
    );
    console.log(
      "| setup | demands/s accepted | jobs/s drained | jobs | backlog when intake ended | to 0 after intake (s) | SMTP exchange (ms) | failures |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const l of lines) console.log(l);
  } finally {
    await stopServer(smtp);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runOutboxDrainBench(process.argv.slice(2));
