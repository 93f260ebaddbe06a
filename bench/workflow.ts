/**
 * Workflow benchmarks on the PostgreSQL server:
 * - deadline scan: 1,000,000 open demands, each with a running clock (next alarm at least a day away), of which
 *   1,000 are made due; one tick
 *   (scanDeadlines: claim the due clocks, raise their alarms, move them on) is timed, `runs` times, with the due
 *   clocks reset between runs. Baseline in the same run: the bare claim of the same 1,000 due instants (the index
 *   read with FOR UPDATE SKIP LOCKED, nothing else), and, for scale, a count of every running clock.
 * - queue take-next: `agents` concurrent agents (own connections) take the next item of a queue of `queue`
 *   demands and hand it on, for `seconds`; p50/p99 latency and a check that no item was taken twice. Baseline:
 *   the same loop with the bare SKIP LOCKED claim of the first row in queue order (no own-claim renewal, no claim
 *   check, no status check).
 *
 *   npm run bench -- workflow [--rows=1000000] [--due=1000] [--runs=3] [--agents=50] [--queue=5000] [--seconds=10]
 *                             [--think=250]   (mean ms an agent holds an item; 0 = take again at once)
 *
 * PostgreSQL is reached as BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres): the script creates
 * `bench_workflow_<pid>` there and drops it at the end. Bounded in rows and time; loopback only.
 */
import { loadavg } from "node:os";
import type { Staff } from "../server/access/principal.ts";
import { seedDemoCity } from "../server/cli/seed.ts";
import { connect, type Db, one } from "../server/db/index.ts";
import { migrate } from "../server/db/migrate.ts";
import { scanDeadlines } from "../server/deadlines/scan.ts";
import { takeNext } from "../server/triage/commands.ts";
import { createBenchDatabase, percentile } from "./harness.ts";

interface Options {
  rows: number;
  due: number;
  runs: number;
  agents: number;
  queue: number;
  seconds: number;
  /** Mean milliseconds an agent holds an item before handing it on (0: take again at once). */
  think: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string, fallback: number) =>
    Number(argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
  return {
    rows: get("rows", 1_000_000),
    due: get("due", 1000),
    runs: get("runs", 3),
    agents: get("agents", 50),
    queue: get("queue", 5000),
    seconds: get("seconds", 10),
    think: get("think", 250),
  };
}

const log = (line: string) => console.log(`[workflow] ${line}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (from: number) => performance.now() - from;

/** `rows` open demands with a running demand clock each, due between tomorrow and a month on. */
export async function fillClocks(db: Db, rows: number): Promise<void> {
  const ref = await one<{ service_id: number; department_id: number }>(
    db,
    `SELECT s.id AS service_id, (SELECT id FROM departments ORDER BY id LIMIT 1) AS department_id
       FROM services s WHERE s.active ORDER BY s.id LIMIT 1`,
  );
  for (let from = 1; from <= rows; from += 100_000) {
    const to = Math.min(rows, from + 99_999);
    await db.query(
      `INSERT INTO demands (protocol, service_id, channel, status, description, identity_mode, department_id,
         opened_at, due_at)
       SELECT '7' || lpad(g::text, 12, '0'), $1, 'web', 'dispatched', 'Carga do benchmark ' || g, 'anonymous', $2,
              now() - interval '1 hour', now() + (2 + g % 30) * interval '1 day'
         FROM generate_series($3::int, $4::int) g`,
      [ref.service_id, ref.department_id, from, to],
    );
    await db.query(
      `WITH d AS (
         INSERT INTO deadlines (demand_id, stage, unit, amount, department_id, started_at, due_at, fractions, fire_at)
         SELECT d.id, 'demand', 'calendar_days', 30, d.department_id, d.opened_at, d.due_at, '{0.5,0.8,1,1.5}',
                ARRAY[d.opened_at + (d.due_at - d.opened_at) * 0.5, d.opened_at + (d.due_at - d.opened_at) * 0.8,
                      d.due_at, d.opened_at + (d.due_at - d.opened_at) * 1.5]
           FROM demands d WHERE d.protocol BETWEEN '7' || lpad($1::text, 12, '0') AND '7' || lpad($2::text, 12, '0')
         RETURNING id, fire_at)
       INSERT INTO deadline_fires (deadline_id, position, fire_at)
       SELECT d.id, u.ord::int - 1, u.at FROM d, unnest(d.fire_at) WITH ORDINALITY AS u(at, ord)`,
      [from, to],
    );
  }
  // A settled database, as in service: the bulk load vacuumed and checkpointed before anything is timed.
  await db.exec("VACUUM ANALYZE demands");
  await db.exec("VACUUM ANALYZE deadlines");
  await db.exec("VACUUM ANALYZE deadline_fires");
  await db.exec("CHECKPOINT");
}

/**
 * Makes `due` clocks due now (their 50% instant a minute ago): the `run`-th slice of clocks, so each run fires
 * alarms that do not exist yet, as in service (nothing is deleted between runs).
 */
export async function armDue(db: Db, due: number, run: number): Promise<void> {
  await db.query(
    `WITH slice AS (
       UPDATE deadlines SET next_index = 0, breached_at = NULL,
              started_at = now() - interval '2 days', due_at = now() + interval '2 days',
              fire_at = ARRAY[now() - interval '1 minute', now() + interval '1 day' + interval '4 hours',
                              now() + interval '2 days', now() + interval '4 days']
        WHERE id IN (SELECT id FROM deadlines ORDER BY id OFFSET $2 LIMIT $1)
        RETURNING id, fire_at)
     INSERT INTO deadline_fires (deadline_id, position, fire_at)
     SELECT s.id, u.ord::int - 1, u.at FROM slice s, unnest(s.fire_at) WITH ORDINALITY AS u(at, ord)
     ON CONFLICT (deadline_id, position) DO UPDATE SET fire_at = EXCLUDED.fire_at`,
    [due, (run - 1) * due],
  );
  await db.exec("VACUUM ANALYZE deadline_fires");
}

async function benchScan(db: Db, options: Options) {
  log(`filling ${options.rows.toLocaleString("en")} open demands with running clocks`);
  const started = performance.now();
  await fillClocks(db, options.rows);
  log(`filled in ${(ms(started) / 1000).toFixed(1)} s`);
  const ticks: number[] = [];
  const claims: number[] = [];
  const counts: number[] = [];
  for (let run = 1; run <= options.runs; run++) {
    await armDue(db, options.due, run);
    let t = performance.now();
    const claimed = await db.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT ctid FROM deadline_fires WHERE fire_at <= now()
          ORDER BY fire_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [options.due],
      );
      return rows.length;
    });
    claims.push(ms(t));
    t = performance.now();
    await db.query("SELECT count(*) FROM deadlines WHERE state = 'running'");
    counts.push(ms(t));
    t = performance.now();
    const result = await scanDeadlines(db);
    ticks.push(ms(t));
    log(
      `run ${run}: tick ${ticks.at(-1)!.toFixed(1)} ms for ${result.clocks} clocks / ${result.alarms} alarms; ` +
        `bare claim of ${claimed} ${claims.at(-1)!.toFixed(1)} ms; count of all running ${counts.at(-1)!.toFixed(1)} ms`,
    );
    if (result.fires !== options.due)
      throw new Error(`expected ${options.due} due clocks, scanned ${result.clocks}`);
  }
  return { tick: median(ticks), claim: median(claims), count: median(counts) };
}

interface AgentRun {
  takes: number;
  p50: number;
  p99: number;
  duplicates: number;
  perSecond: number;
}

/** `agents` loops on their own connections: take (with `take`), then hand the item on; for `seconds`. */
async function agentLoad(
  url: string,
  agents: number,
  seconds: number,
  think: number,
  take: (db: Db, staff: Staff) => Promise<number | undefined>,
): Promise<AgentRun> {
  const db = await connect({ databaseUrl: url, poolSize: agents });
  const staffIds = (
    await db.query<{ id: number }>(
      `INSERT INTO staff_users (email, name, password_hash, role)
       SELECT 'bench-agent-' || g || '-' || md5(random()::text) || '@bench.local', 'Agent ' || g, 'x', 'agent'
         FROM generate_series(1, $1) g RETURNING id`,
      [agents],
    )
  ).map((r) => r.id);
  // Agents are connected before they work: open every connection first (not timed).
  await Promise.all(staffIds.map(() => db.query("SELECT pg_sleep(0.05)")));
  const latencies: number[] = [];
  const seen = new Set<number>();
  let duplicates = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    staffIds.map(async (id) => {
      const staff: Staff = { id, name: "Agent", email: "", role: "agent", departmentId: null };
      let first = true;
      while (performance.now() < deadline) {
        const t = performance.now();
        const item = await take(db, staff);
        // Each agent's first take also prepares the statement on its connection: a warm-up, not counted.
        if (!first) latencies.push(ms(t));
        first = false;
        if (item === undefined) break;
        if (seen.has(item)) duplicates++;
        seen.add(item);
        // Reading the demand, deciding: a random share of the mean, up to twice it.
        if (think > 0) await new Promise((r) => setTimeout(r, Math.random() * 2 * think));
        // Handed on: the item leaves the queue (what a dispatch does to it).
        await db.query("DELETE FROM triage_queue WHERE demand_id = $1", [item]);
      }
    }),
  );
  await db.close();
  return {
    takes: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    duplicates,
    perSecond: latencies.length / seconds,
  };
}

async function fillQueue(db: Db, size: number): Promise<void> {
  await db.exec("TRUNCATE triage_queue");
  await db.query(
    `UPDATE demands SET status = 'new', triage_score = (id % 7) * 10
      WHERE id IN (SELECT id FROM demands ORDER BY id DESC LIMIT $1)`,
    [size],
  );
  await db.query(
    `INSERT INTO triage_queue (demand_id, queue_key)
     SELECT id, opened_at - make_interval(hours => triage_score) FROM demands ORDER BY id DESC LIMIT $1`,
    [size],
  );
  await db.exec("VACUUM ANALYZE triage_queue");
}

async function benchQueue(db: Db, url: string, options: Options) {
  const runs: { app: AgentRun[]; bare: AgentRun[] } = { app: [], bare: [] };
  for (let run = 1; run <= options.runs; run++) {
    await fillQueue(db, options.queue);
    const app = await agentLoad(
      url,
      options.agents,
      options.seconds,
      options.think,
      async (d, s) => (await takeNext(d, s))?.id,
    );
    runs.app.push(app);
    await fillQueue(db, options.queue);
    const bare = await agentLoad(url, options.agents, options.seconds, options.think, async (d, s) => {
      const rows = await d.query<{ id: number }>(
        `UPDATE triage_queue SET claimed_by = $1, claimed_until = now() + interval '15 minutes'
          WHERE demand_id = (SELECT demand_id FROM triage_queue
                              WHERE claimed_until IS NULL OR claimed_until < now()
                              ORDER BY queue_key, demand_id LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING demand_id AS id`,
        [s.id],
      );
      return rows[0]?.id;
    });
    runs.bare.push(bare);
    const f = (r: AgentRun) =>
      `${r.takes} takes, ${r.perSecond.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.duplicates} twice`;
    log(`run ${run}: takeNext ${f(app)} | bare claim ${f(bare)}`);
  }
  const mid = (xs: AgentRun[]) => [...xs].sort((a, b) => a.p99 - b.p99)[Math.floor(xs.length / 2)]!;
  return { app: mid(runs.app), bare: mid(runs.bare) };
}

export async function runWorkflowBench(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const bench = await createBenchDatabase("workflow");
  const load: number[] = [loadavg()[0] ?? 0];
  try {
    const db = await connect({ databaseUrl: bench.url, poolSize: 4 });
    try {
      await migrate(db);
      await seedDemoCity(db, {
        sharedDataDir: process.env.SHARED_DATA_DIR ?? "../shared/data",
        scope: "fixture",
      });
      const scan = await benchScan(db, options);
      const queue = await benchQueue(db, bench.url, options);
      load.push(loadavg()[0] ?? 0);
      console.log("");
      console.log(`| figure | measured (median of ${options.runs}) | baseline in the same run | target |`);
      console.log("| --- | --: | --: | --- |");
      console.log(
        `| deadline tick, ${options.due} due of ${options.rows.toLocaleString("en")} running clocks | ${scan.tick.toFixed(1)} ms | bare claim ${scan.claim.toFixed(1)} ms; count of all ${scan.count.toFixed(1)} ms | < 50 ms |`,
      );
      console.log(
        `| queue take-next, ${options.agents} agents (think ${options.think} ms), ${options.queue.toLocaleString("en")} waiting | p99 ${queue.app.p99.toFixed(1)} ms (p50 ${queue.app.p50.toFixed(1)}), ${queue.app.perSecond.toFixed(0)}/s, ${queue.app.duplicates} taken twice | bare claim p99 ${queue.bare.p99.toFixed(1)} ms, ${queue.bare.perSecond.toFixed(0)}/s | p99 < 20 ms, never twice |`,
      );
      console.log(`load average (1 min) at start and end: ${load.map((l) => l.toFixed(2)).join(" → ")}`);
    } finally {
      await db.close();
    }
  } finally {
    await bench.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runWorkflowBench(process.argv.slice(2));
