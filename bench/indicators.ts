/**
 * Indicators at São Paulo's scale (issue 15): the panels, the map and the cost of keeping them live, on the city of
 * bench/indicators-data.ts (the SP156 history copied to ~10 M demands, ~1 M of them open), on the primary and on its
 * streaming replica, beside the plain SQL over the raw tables measured in the same run.
 *
 *   npx tsx bench/indicators-data.ts                      # once: builds responsiva_bench_indicators (~20 min)
 *   bash .ci/replica.sh start                            # the replica on 127.0.0.1:5433 (before the build, or after)
 *   npm run bench -- indicators [--runs=3] [--reads=20] [--only=panels,portal,map,baseline,live,build]
 *
 * - panels: every period indicator as the screens read it (the last 30 days beside the 30 before; the last 12
 *   months by month) for the whole city and for its busiest district; the "now" ones (backlog, late) whole and by
 *   department; today by hour and channel. Each read `--reads` times through readPanel (the API's own code); p95.
 * - portal: the transparency portal's area pages (12 months beside the year before, for the busiest district,
 *   department and service) and its ranking (12 months by district, department, service), p95.
 * - baseline: the same numbers by plain SQL over demands and demand_events (no facts, no summary), p95.
 * - map: clusters of the open demands at every zoom 0–20 over a 1920×1080 screen centred on the city (whole city
 *   box at low zooms), through readClusters; the public map through readPublicClusters (kept cells) and grouped live
 *   from the facts; the plain query over demands, p95.
 * - build: the summary tables made from zero (rebuildSummaries), seconds.
 * - live: 100 demand events a second for 30 s through the facts job while an intake-like insert runs, with and
 *   without the job: the job's CPU share and the added latency of the insert.
 * Each figure is the median of `--runs` runs.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import pg from "pg";
import { connect, type Db } from "../server/db/index.ts";
import { refreshIndicatorFacts } from "../server/indicators/facts.ts";
import { rebuildMapCells } from "../server/indicators/kept.ts";
import { rebuildIndicatorMonths } from "../server/indicators/months.ts";
import { percentile } from "./harness.ts";
import {
  baselineCases,
  type Case,
  mapBaselineCases,
  mapCases,
  panelCases,
  portalCases,
  publicLiveCases,
  publicMapCases,
  ZONE,
} from "./indicators-cases.ts";
import { BENCH_DB, SERVER } from "./indicators-data.ts";

function option(argv: string[], name: string, fallback: string): string {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function p95Of(reads: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm
  const times: number[] = [];
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return percentile(times, 95);
}

/** CPU seconds (user + system) a local process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The facts job as the scheduler runs it (every 5 s, one connection), for `seconds`; prints its own CPU and its
 * database backend's CPU (both on this machine) as JSON. Run as a child of the live measurement.
 */
async function runLiveJob(url: string, seconds: number, everyMs: number): Promise<void> {
  const db = await connect({ databaseUrl: url, poolSize: 1 });
  const pid = (await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))[0]!.pid;
  const cpu0 = process.cpuUsage();
  const backend0 = cpuSecondsOf(pid);
  const until = Date.now() + seconds * 1000;
  let demands = 0;
  let runs = 0;
  const runMs: number[] = [];
  while (Date.now() < until) {
    const t = performance.now();
    demands += await refreshIndicatorFacts(db);
    runMs.push(performance.now() - t);
    runs++;
    await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - t))));
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      runs,
      demands,
      runMsMedian: median(runMs),
      runMsMax: Math.max(...runMs),
      nodeCpuSeconds: (cpu.user + cpu.system) / 1e6,
      backendCpuSeconds: cpuSecondsOf(pid) - backend0,
    }),
  );
  await db.close();
}

/**
 * 100 demand events a second for `seconds`: four in ten a new demand (the demand and its demand.created event in one
 * transaction, as intake writes them), the others an event on an open demand; each write timed. Returns the
 * write latencies (ms).
 */
async function writeEvents(db: Db, seconds: number, rate: number): Promise<number[]> {
  const open = await db.query<{ id: number }>(
    "SELECT demand_id AS id FROM demand_facts WHERE status NOT IN ('closed', 'cancelled', 'merged') LIMIT 5000",
  );
  const [place] = await db.query<{ service: number; district: string }>(
    "SELECT service_id AS service, district_code AS district FROM demand_facts WHERE district_code IS NOT NULL LIMIT 1",
  );
  const latencies: number[] = [];
  const started = performance.now();
  let n = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() - started < seconds * 1000) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const i = n++;
    const write = async () => {
      const t = performance.now();
      if (i % 10 < 4) {
        await db.transaction(async (tx) => {
          const [d] = await tx.query<{ id: number }>(
            `INSERT INTO demands (protocol, service_id, channel, status, identity_mode, location, district_code,
                    opened_at, due_at)
             VALUES ($1, $2, 'app', 'new', 'anonymous',
                     ST_SetSRID(ST_MakePoint(-46.63 + random() / 10, -23.55 + random() / 10), 4326), $3, now(),
                     now() + interval '10 days') RETURNING id`,
            [`BENCH-LIVE-${process.pid}-${i}-${Date.now()}`, place!.service, place!.district],
          );
          await tx.query(
            `INSERT INTO demand_events (demand_id, type, actor_kind, visibility) VALUES ($1, 'demand.created', 'citizen', 'public')`,
            [d!.id],
          );
        });
      } else {
        const target = open[i % open.length]!.id;
        await db.query(
          `INSERT INTO demand_events (demand_id, type, actor_kind, visibility) VALUES ($1, 'demand.noted', 'staff', 'internal')`,
          [target],
        );
      }
      latencies.push(performance.now() - t);
    };
    const p = write().finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  return latencies;
}

async function measureLive(url: string, runs: number, seconds: number): Promise<void> {
  console.log(
    `\n## Keeping the panels live at 100 demand events/s (${seconds} s a run; median of ${runs} runs)`,
  );
  console.log(
    "| run | write p50 ms | write p95 ms | write p99 ms | job runs | demands refreshed | job run ms (median / max) | job CPU (node + database) % of a core |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const db = await connect({ databaseUrl: url, poolSize: 8 });
  // Catch the job up first, so each run measures only its own events.
  while ((await refreshIndicatorFacts(db)) > 0) {
    /* caught up */
  }
  for (let r = 0; r < runs; r++) {
    for (const withJob of [false, true]) {
      const child = withJob
        ? spawn(
            process.execPath,
            ["--import", "tsx", "bench/indicators.ts", "--live-job", url, String(seconds + 2)],
            {
              stdio: ["ignore", "pipe", "inherit"],
            },
          )
        : undefined;
      let out = "";
      child?.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
      });
      const done = child ? new Promise((resolve) => child.on("exit", resolve)) : Promise.resolve();
      const lat = await writeEvents(db, seconds, 100);
      await done;
      const job = out ? JSON.parse(out.trim().split("\n").pop()!) : undefined;
      const cpu = job
        ? (((job.nodeCpuSeconds + job.backendCpuSeconds) / (seconds + 2)) * 100).toFixed(1)
        : "—";
      console.log(
        `| ${r + 1} ${withJob ? "with the facts job" : "without"} | ${percentile(lat, 50).toFixed(1)} | ${percentile(lat, 95).toFixed(1)} | ${percentile(lat, 99).toFixed(1)} | ${job?.runs ?? "—"} | ${job?.demands ?? "—"} | ${job ? `${job.runMsMedian.toFixed(0)} / ${job.runMsMax.toFixed(0)}` : "—"} | ${cpu} |`,
      );
    }
  }
  // The bench's own demands and events leave the city as it was.
  await db.query(
    `WITH gone AS (SELECT id FROM demands WHERE protocol LIKE 'BENCH-LIVE-%'),
          f AS (DELETE FROM demand_facts WHERE demand_id IN (SELECT id FROM gone)),
          e AS (DELETE FROM demand_events WHERE demand_id IN (SELECT id FROM gone) OR type = 'demand.noted')
     DELETE FROM demand_search_pending WHERE demand_id IN (SELECT id FROM gone)`,
  );
  await db.query("DELETE FROM demands WHERE protocol LIKE 'BENCH-LIVE-%'");
  // Their facts went without the facts' own statement: the map's cells are made again to match.
  await rebuildMapCells(db);
  await db.close();
}

async function measure(
  label: string,
  cases: Case[],
  targets: Array<[string, Db]>,
  runs: number,
  reads: number,
): Promise<void> {
  console.log(`\n## ${label} (p95 ms over ${reads} reads; median of ${runs} runs)`);
  console.log(`| case | ${targets.map(([n]) => n).join(" | ")} |`);
  console.log(`| --- | ${targets.map(() => "---:").join(" | ")} |`);
  for (const c of cases) {
    const cells: string[] = [];
    for (const [, db] of targets) {
      const each: number[] = [];
      for (let r = 0; r < runs; r++) each.push(await p95Of(reads, () => c.run(db)));
      cells.push(median(each).toFixed(1));
    }
    console.log(`| ${c.name} | ${cells.join(" | ")} |`);
  }
}

export async function runIndicatorsBench(argv: string[]): Promise<void> {
  const runs = Number(option(argv, "runs", "3"));
  const reads = Number(option(argv, "reads", "20"));
  const only = new Set(option(argv, "only", "build,panels,portal,baseline,map,live").split(","));
  const name = option(argv, "db", BENCH_DB);
  const primary = await connect({ databaseUrl: `${SERVER}/${name}` });
  const targets: Array<[string, Db]> = [["primary", primary]];
  const replicaUrl = option(argv, "replica", `postgres://postgres@127.0.0.1:5433/${name}`);
  const probe = new pg.Client({ connectionString: replicaUrl });
  let replica: Db | undefined;
  try {
    await probe.connect();
    const { rows } = await probe.query("SELECT pg_is_in_recovery() AS standby");
    await probe.end();
    if (rows[0].standby) {
      replica = await connect({ databaseUrl: replicaUrl });
      targets.push(["replica", replica]);
    }
  } catch {
    console.log(`no replica at ${replicaUrl}: primary only`);
  }
  const [counts] = await primary.query<{ n: number; open: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE status NOT IN ('closed', 'cancelled', 'merged'))::int AS open
       FROM demand_facts`,
  );
  const [busiest] = await primary.query<{ district: string }>(
    "SELECT district_code AS district FROM demand_facts GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
  );
  const district = busiest!.district;
  const [top] = await primary.query<{ department: string; service: string }>(
    `SELECT (SELECT d.code FROM demand_facts f JOIN departments d ON d.id = f.department_id
              GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS department,
            (SELECT s.code FROM demand_facts f JOIN services s ON s.id = f.service_id
              GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS service`,
  );
  console.log(
    `${counts!.n} demands, ${counts!.open} open; busiest district ${district}; ${new Date().toISOString()}`,
  );
  if (only.has("build")) {
    console.log("\n## Summaries built from zero (seconds)");
    const cells: number[] = [];
    const months: number[] = [];
    let monthCount = 0;
    // The months take minutes at 10 M: built once unless --build-runs says more.
    const buildRuns = Number(option(argv, "build-runs", "1"));
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await rebuildMapCells(primary);
      cells.push((performance.now() - t) / 1000);
    }
    for (let r = 0; r < buildRuns; r++) {
      const t = performance.now();
      monthCount = await rebuildIndicatorMonths(primary, ZONE);
      months.push((performance.now() - t) / 1000);
    }
    const cellRows = (await primary.query<{ n: number }>("SELECT count(*)::int AS n FROM map_cells"))[0]!.n;
    const publicRows = (
      await primary.query<{ n: number }>("SELECT count(*)::int AS n FROM map_cells WHERE public")
    )[0]!.n;
    const monthRows = (
      await primary.query<{ n: number }>("SELECT count(*)::int AS n FROM indicator_months")
    )[0]!.n;
    console.log(`| summary | rows | runs (s) | median (s) |\n| --- | ---: | --- | ---: |`);
    console.log(
      `| map_cells (zooms 0–16, ${publicRows} of them the public map's) and open_counts | ${cellRows} | ${cells.map((x) => x.toFixed(1)).join(", ")} | ${median(cells).toFixed(1)} |`,
    );
    console.log(
      `| indicator_months (${monthCount} months) | ${monthRows} | ${months.map((x) => x.toFixed(1)).join(", ")} | ${median(months).toFixed(1)} |`,
    );
  }
  // --match=TEXT keeps the panel cases whose name holds TEXT (to measure one indicator again).
  const match = option(argv, "match", "");
  const panels = panelCases(district).filter((c) => c.name.includes(match));
  if (only.has("panels")) await measure("Panels (readIndicator)", panels, targets, runs, reads);
  const portal = portalCases({ district, ...top! }).filter((c) => c.name.includes(match));
  if (only.has("portal"))
    await measure("The portal's area pages and ranking (readIndicator)", portal, targets, runs, 5);
  // The plain SQL takes seconds a read: 3 reads a run (their p95 is their slowest), on the primary.
  if (only.has("baseline"))
    await measure("Plain SQL on the raw tables", baselineCases(district), [targets[0]!], runs, 3);
  if (only.has("map")) {
    await measure("Map clusters (readClusters)", mapCases(), targets, runs, reads);
    await measure("Public map (readPublicClusters)", publicMapCases(), targets, runs, reads);
    // The live groupings take seconds a read: one read a run, on the primary.
    await measure("Public map grouped live from the facts", publicLiveCases(), [targets[0]!], runs, 1);
    await measure("Map: plain SQL over demands", mapBaselineCases(), [targets[0]!], runs, 1);
  }
  await primary.close();
  await replica?.close();
  if (only.has("live")) await measureLive(`${SERVER}/${name}`, runs, Number(option(argv, "seconds", "30")));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "--live-job") await runLiveJob(process.argv[3]!, Number(process.argv[4]), 5_000);
  else await runIndicatorsBench(process.argv.slice(2));
}
