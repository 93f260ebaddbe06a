/**
 * Crash and fault soak (issue 11; figures in docs/reliability.md). Steady intake with e-mail contacts while app
 * processes are killed with SIGKILL at random and started again; on PostgreSQL (a server of the soak's own, never the
 * shared one) separate web, worker and scheduler processes and one crash of the database server itself; on PGlite
 * the one process over one DATA_DIR. Then every acknowledged demand must be there once, every message delivered
 * once to the loopback SMTP server, every alarm fired once, and requests made while the database was down must
 * have failed fast with 503 and Retry-After. Loopback only; bounded in time; exits 1 when a check fails.
 *
 *   npx tsx bench/soak.ts --db=postgres [--seconds=120] [--clients=4] [--drain-seconds=420] [--port=55432]
 *   npx tsx bench/soak.ts --db=pglite [--seconds=120] [--clients=2]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startFakeSmtp } from "../channels/email/fake.ts";
import { loadCalendar } from "../server/calendar/queries.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import { connect, type Db, one } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { listAlarmRules, startDeadline } from "../server/deadlines/commands.ts";
import { type Acknowledged, checkSoak, soakDescription, workLeft } from "./soak-checks.ts";
import { startOwnPostgres } from "./soak-postgres.ts";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "postgres" },
    seconds: { type: "string", default: "120" },
    clients: { type: "string", default: "4" },
    "drain-seconds": { type: "string", default: "420" },
    port: { type: "string", default: "55432" },
    "db-down-seconds": { type: "string", default: "5" },
  },
});
const onServer = args.db === "postgres";
const seconds = Number(args.seconds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const work = mkdtempSync(join(tmpdir(), "responsiva-soak-"));
const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const t0 = Date.now();

// The soak's own database server on PostgreSQL; on PGlite the data dir the one process owns.
const pg = onServer ? startOwnPostgres(Number(args.port)) : undefined;
const dataDir = join(work, "data");
const openDb = () =>
  connect(
    pg ? { databaseUrl: pg.url, poolSize: 3, connectTimeoutMs: 2000 } : { dataDir: `${dataDir}/pglite` },
  );
const smtp = await startFakeSmtp();
let db: Db = await openDb();
await migrate(db);
await seedDemoCity(db, { sharedDataDir: process.env.SHARED_DATA_DIR ?? "../shared/data", scope: "fixture" });
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  )
).code;
// Places anywhere in a 5 km square of the centre that the city places in a district (a few gaps between the
// fixture's district outlines are outside the city): most demands are dispatched, those within 50 m of another
// go to triage as possible duplicates.
const places = await db.query<{ lat: number; lon: number }>(
  `SELECT lat, lon FROM (SELECT -23.53 - random() * 0.05 AS lat, -46.61 - random() * 0.05 AS lon
                           FROM generate_series(1, 3000)) g
    WHERE EXISTS (SELECT 1 FROM place_point(lon, lat))`,
);
if (!pg) await db.close();
log(`database ready (${args.db}), service ${service}, SMTP ${smtp.url}`);

/** One app process the soak starts, kills and starts again. */
interface Proc {
  name: string;
  roles: string;
  port: number;
  child?: ChildProcess;
  killedByUs?: boolean;
}
const basePort = 56100 + Math.floor(Math.random() * 800);
const procs: Proc[] = pg
  ? [
      { name: "web-1", roles: "web", port: basePort },
      { name: "web-2", roles: "web", port: basePort + 1 },
      { name: "worker-1", roles: "worker", port: 0 },
      { name: "worker-2", roles: "worker", port: 0 },
      { name: "scheduler-1", roles: "scheduler", port: 0 },
      { name: "scheduler-2", roles: "scheduler", port: 0 },
    ]
  : [{ name: "all", roles: "web,worker,scheduler", port: basePort }];
const webs = procs.filter((p) => p.roles.includes("web"));
const figures = { kills: 0, starts: 0, selfExits: 0, dbRestarts: 0 };
let running = true;

function start(p: Proc): void {
  const out = openSync(join(work, `${p.name}.log`), "a");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    SEED_DEMO: "never",
    LOG_LEVEL: "warn",
    PORT: String(p.port),
    DATABASE_POOL_SIZE: "4",
    ANONYMOUS_RATE_LIMIT_PER_MINUTE: "1000000",
  };
  if (pg) env.DATABASE_URL = pg.url;
  else {
    delete env.DATABASE_URL;
    delete env.READ_DATABASE_URL;
  }
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", `--roles=${p.roles}`], {
    env,
    stdio: ["ignore", out, out],
  });
  p.child = child;
  p.killedByUs = false;
  figures.starts++;
  // A process that dies by itself (e.g. it started while the database was down) is started again, as a supervisor
  // (systemd, Kubernetes) would.
  child.on("exit", () => {
    if (p.child !== child || p.killedByUs || !running) return;
    figures.selfExits++;
    log(`${p.name} exited by itself; starting it again`);
    setTimeout(() => running && p.child === child && start(p), 1000);
  });
}

async function kill(p: Proc, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  const child = p.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  p.killedByUs = true;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await exited;
}

/** Waits until a web process answers HTTP at all (any status): it is listening. */
async function listening(p: Proc, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      await fetch(`http://127.0.0.1:${p.port}/health`, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`${p.name} did not start; see ${work}/${p.name}.log`);
}

// What the clients saw.
const http = {
  requests: 0,
  acknowledged: 0,
  unavailable: 0,
  unavailableWithoutRetryAfter: 0,
  refused: 0,
  hung: 0,
  unexpected: 0,
  maxLatencyMs: 0,
  outageRequests: 0,
  outageUnavailable: 0,
  outageMaxLatencyMs: 0,
};
const unexpected: string[] = [];
const acked: Acknowledged[] = [];
const outage = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
const inOutage = (at: number) => at >= outage.from && at <= outage.to + 1000;

/** One request: its outcome is counted; returns the protocol when acknowledged, "retry" or "give-up". */
async function send(base: string, key: string, body: string): Promise<string> {
  const started = Date.now();
  http.requests++;
  try {
    const res = await fetch(`${base}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const ms = Date.now() - started;
    http.maxLatencyMs = Math.max(http.maxLatencyMs, ms);
    if (inOutage(started)) {
      http.outageRequests++;
      http.outageMaxLatencyMs = Math.max(http.outageMaxLatencyMs, ms);
    }
    if (res.status === 201 || res.status === 200) {
      http.acknowledged++;
      return (JSON.parse(text) as { protocol: string }).protocol;
    }
    if (res.status === 503) {
      http.unavailable++;
      if (inOutage(started)) http.outageUnavailable++;
      if (!res.headers.get("retry-after")) http.unavailableWithoutRetryAfter++;
      return "retry";
    }
    http.unexpected++;
    if (unexpected.length < 20) unexpected.push(`${res.status} ${text.slice(0, 300)}`);
    return "give-up";
  } catch (error) {
    if ((error as Error).name === "TimeoutError") {
      http.hung++;
      return "give-up";
    }
    http.refused++; // the web process was killed: connection refused or reset
    return "retry";
  }
}

/** A client filing demands one after another, each retried with its Idempotency-Key as a careful client would. */
async function client(id: number, until: number): Promise<void> {
  for (let n = 0; Date.now() < until; n++) {
    const key = randomUUID();
    const body = JSON.stringify({
      service,
      description: soakDescription(key),
      location: places[Math.floor(Math.random() * places.length)],
      citizen: { name: `Pessoa ${id}-${n}`, email: `soak-${key.slice(0, 8)}@example.org` },
    });
    for (let attempt = 0; attempt < 10; attempt++) {
      const web = webs[Math.floor(Math.random() * webs.length)]!;
      const outcome = await send(`http://127.0.0.1:${web.port}`, key, body);
      if (outcome === "give-up") break;
      if (outcome !== "retry") {
        acked.push({ key, protocol: outcome });
        break;
      }
      await sleep(between(300, 1500));
    }
  }
}

/** Kills a random process now and then and starts it again after a moment. */
async function chaos(until: number): Promise<void> {
  while (Date.now() < until) {
    await sleep(between(onServer ? 3000 : 8000, onServer ? 8000 : 15_000));
    if (Date.now() >= until) break;
    const p = procs[Math.floor(Math.random() * procs.length)]!;
    await kill(p);
    figures.kills++;
    log(`killed ${p.name}`);
    if (!pg) await addClocks(); // the data dir is free while the one process is down
    await sleep(between(300, 2000));
    start(p);
  }
}

/** Crashes the soak's PostgreSQL server once, half-way, and starts it again after `db-down-seconds`. */
async function crashDatabase(): Promise<void> {
  if (!pg) return;
  await sleep((seconds * 1000) / 2);
  outage.from = Date.now();
  await pg.crash();
  log("PostgreSQL stopped (immediate)");
  await sleep(Number(args["db-down-seconds"]) * 1000);
  await pg.start();
  outage.to = Date.now();
  figures.dbRestarts++;
  log(`PostgreSQL up again after ${outage.to - outage.from} ms`);
}

// Deadline clocks already overdue, on demands acknowledged so far: each must raise its alarms once.
const clockIds: number[] = [];
const clocked = new Set<string>();
async function addClocks(): Promise<void> {
  const sql = pg ? db : await openDb();
  try {
    const fresh = acked.filter((a) => !clocked.has(a.protocol)).slice(0, 3);
    const cal = await loadCalendar(sql);
    const rules = await listAlarmRules(sql);
    for (const a of fresh) {
      // Counted once committed: a clock whose commit failed (the database went down) was never started.
      const id = await sql.transaction(async (tx) => {
        const d = await one<{ id: number }>(tx, "SELECT id FROM demands WHERE protocol = $1", [a.protocol]);
        await startDeadline(tx, cal, rules, {
          demandId: d.id,
          stage: "acceptance",
          spec: { amount: 4, unit: "business_hours" },
          departmentId: null,
          startedAt: new Date(Date.now() - 20 * 86_400_000),
        });
        const c = await one<{ id: number }>(
          tx,
          "SELECT max(id)::int AS id FROM deadlines WHERE demand_id = $1",
          [d.id],
        );
        return c.id;
      });
      clockIds.push(id);
      clocked.add(a.protocol);
    }
  } catch (error) {
    log(`clocks not added now (${(error as Error).message})`);
  } finally {
    if (!pg) await sql.close();
  }
}
async function clocks(until: number): Promise<void> {
  while (pg && Date.now() < until) {
    await sleep(5000);
    await addClocks();
  }
}

/**
 * Waits until the workers have finished everything. On PGlite the process is stopped to look and started again
 * while there is time; it returns with the process stopped and `db` open on its data dir.
 */
async function drain(timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  let rounds = 0;
  for (;;) {
    await sleep(pg ? 2000 : 30_000);
    if (pg) {
      const left = await workLeft(db, clockIds).catch((error: Error) => error.message);
      if (left === "") return true;
      if (++rounds % 5 === 0) log(`left: ${left}`);
    } else {
      await kill(procs[0]!, "SIGTERM");
      db = await openDb();
      const left = await workLeft(db, clockIds);
      if (left === "") return true;
      log(`left: ${left}`);
      if (Date.now() >= end) return false;
      await db.close();
      start(procs[0]!);
    }
    if (Date.now() >= end) return false;
  }
}

let findings: Awaited<ReturnType<typeof checkSoak>> | undefined;
let drained = false;
const began = Date.now();
try {
  for (const p of procs) start(p);
  await Promise.all(webs.map((w) => listening(w)));
  log(`${procs.length} processes up; intake for ${seconds} s`);
  const until = Date.now() + seconds * 1000;
  await Promise.all([
    ...Array.from({ length: Number(args.clients) }, (_, i) => client(i, until)),
    chaos(until),
    crashDatabase(),
    clocks(until),
  ]);
  log(`intake over: ${http.requests} requests, ${acked.length} acknowledged; draining`);
  // Every process is running again; what a killed worker held comes back when its lease runs out.
  for (const p of procs) if (!p.child || p.child.exitCode !== null || p.child.signalCode !== null) start(p);
  drained = await drain(Number(args["drain-seconds"]) * 1000);
  log(drained ? "drained" : "NOT drained in time");
  running = false;
  for (const p of procs) await kill(p, "SIGTERM");
  findings = await checkSoak(db, acked, clockIds, smtp.received);
} finally {
  running = false;
  for (const p of procs) await kill(p, "SIGKILL").catch(() => {});
  await db.close().catch(() => {});
  await smtp.close();
  pg?.remove();
}

const failures = [...(findings?.failures ?? ["no findings"])];
if (!drained) failures.push("the workers did not finish within --drain-seconds");
if (http.unexpected > 0) failures.push(`${http.unexpected} unexpected answers: ${unexpected.join(" | ")}`);
if (http.hung > 0) failures.push(`${http.hung} requests hung for 15 s`);
if (http.unavailableWithoutRetryAfter > 0)
  failures.push(`${http.unavailableWithoutRetryAfter} 503s lacked Retry-After`);
console.log(
  JSON.stringify(
    {
      db: args.db,
      seconds,
      wallSeconds: Math.round((Date.now() - began) / 1000),
      ...figures,
      http,
      ...findings?.figures,
    },
    null,
    2,
  ),
);
if (failures.length > 0) {
  console.log(`FAILED:\n  - ${failures.join("\n  - ")}\nlogs in ${work}`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log("all checks passed");
process.exit(0);
