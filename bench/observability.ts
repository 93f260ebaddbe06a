/**
 * What logs and metrics cost intake. Two app processes run side by side on the same database, alike but for
 * observability: **off** (LOG_LEVEL=silent, no METRICS_TOKEN or METRICS_PORT: no request line, no HTTP histogram)
 * and **on** (LOG_LEVEL=info, a request line per answer through pino to a file, METRICS_TOKEN set and /metrics
 * scraped every second while its load runs). Both are warmed up, then the intake load of bench/intake.ts (16 clients
 * posting `POST /api/v1/demands` on loopback) goes to one, then the other, in many short windows whose order swaps
 * every round (off/on, on/off, …), so the machine's drift and other people's load fall on both sides alike.
 *
 * Two figures per window: demands per second (the figure) and the app process's CPU time (user + system,
 * from /proc/<pid>/stat) per accepted demand. On a shared machine the first swings with everyone else's load; the
 * second much less (it counts the app's own work, not its waiting), and on a CPU-bound process throughput ∝ 1/CPU.
 * Prints the medians of both sides, the on/off ratios of the medians and the median of each round's own on/off.
 *
 *   npm run bench -- observability [--db=postgres|pglite|both] [--rounds=8] [--seconds=4] [--warmup=12]
 *     [--connections=16]
 *
 * PostgreSQL: a database bench_obs_<pid> on BENCH_DATABASE_URL, dropped at the end; PGlite: a temporary folder per
 * process (an embedded database has one process). The request id's set_config in each transaction
 * (server/db/index.ts) and its AsyncLocalStorage context are not switches: both sides pay them.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createBenchDatabase,
  type LoadResult,
  percentile,
  postLoad,
  runNode,
  type Server,
  stopServer,
} from "./harness.ts";
import { buildBodies, pickService } from "./intake.ts";

const PATH = "/api/v1/demands";
const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;
const METRICS_TOKEN = randomBytes(16).toString("hex");
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

type Mode = "off" | "on";
const MODES: readonly Mode[] = ["off", "on"];

interface Options {
  rounds: number;
  seconds: number;
  connections: number;
  /** Seconds of load each app gets before anything counts. */
  warmup: number;
}

/** One measured window: the load's figures, the log lines written, the scrapes answered, the app's CPU. */
interface Side extends LoadResult {
  mode: Mode;
  round: number;
  logLines: number;
  scrapes: number;
  scrapeFailures: number;
  /** The app process's CPU time (user + system) per accepted demand, in ms. */
  cpuMsPerDemand: number;
}

const ENV: Record<Mode, Record<string, string | undefined>> = {
  off: { LOG_LEVEL: "silent", METRICS_TOKEN: undefined, METRICS_PORT: undefined },
  on: { LOG_LEVEL: "info", METRICS_TOKEN, METRICS_PORT: undefined },
};

/**
 * Starts the web role with its stdout and stderr on `logFile` (the real pino path, to a file as under a process
 * manager; a pipe into this process would make the bench read every line) and waits for the ready line in it.
 */
async function startApp(env: Record<string, string | undefined>, logFile: string): Promise<Server> {
  const fd = openSync(logFile, "w");
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", "--roles=web"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const output = () => readFileSync(logFile, "utf8");
  const started = Date.now();
  while (Date.now() - started < 120_000) {
    if (child.exitCode !== null)
      throw new Error(`the app exited with ${child.exitCode}:\n${output().slice(-2000)}`);
    const url = APP_READY.exec(output())?.[1];
    if (url) return { child, url, output };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`the app was not up within 120 s:\n${output().slice(-2000)}`);
}

/** GET /metrics every second until stopped: how many answered 200 with the HTTP histogram in them, how many not. */
function scrapeEverySecond(url: string) {
  let scrapes = 0;
  let failures = 0;
  const scrape = async () => {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await res.text();
    if (res.status === 200 && text.includes("responsiva_http_request_duration_seconds_bucket")) scrapes++;
    else failures++;
  };
  const inFlight: Promise<void>[] = [];
  const timer = setInterval(() => inFlight.push(scrape().catch(() => void failures++)), 1000);
  return async () => {
    clearInterval(timer);
    await Promise.all(inFlight);
    return { scrapes, failures };
  };
}

/** A live process's CPU time so far (user + system, all its threads), in ms, from /proc. */
function cpuMs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function countRequestLines(log: string): number {
  return log.split('"msg":"request completed"').length - 1;
}

/** One window of load on the app of `mode`, already running and warmed up. */
async function measure(
  mode: Mode,
  round: number,
  app: Server,
  bodies: string[],
  options: Options,
): Promise<Side> {
  const linesBefore = mode === "on" ? countRequestLines(app.output()) : 0;
  const cpuBefore = cpuMs(app.child.pid);
  const stopScraping = mode === "on" ? scrapeEverySecond(app.url) : undefined;
  const load = await postLoad(app.url, PATH, bodies, options.connections, options.seconds);
  const scraped = (await stopScraping?.()) ?? { scrapes: 0, failures: 0 };
  const cpu = cpuMs(app.child.pid) - cpuBefore;
  return {
    mode,
    round,
    ...load,
    logLines: mode === "on" ? countRequestLines(app.output()) - linesBefore : 0,
    scrapes: scraped.scrapes,
    scrapeFailures: scraped.failures,
    cpuMsPerDemand: cpu / (load.rps * options.seconds),
  };
}

/**
 * Starts both apps over `bases` (each mode's database: the same PostgreSQL one, or a PGlite folder each, seeded
 * beforehand), warms both up, then runs the alternating windows.
 */
async function rounds(
  label: string,
  bases: Record<Mode, Record<string, string | undefined>>,
  options: Options,
  dir: string,
): Promise<Side[]> {
  const apps: Partial<Record<Mode, Server>> = {};
  try {
    for (const mode of MODES)
      apps[mode] = await startApp({ ...bases[mode], ...ENV[mode] }, join(dir, `app-${mode}.log`));
    const off = apps.off as Server;
    const on = apps.on as Server;
    const bodies = await buildBodies(off.url, await pickService(off.url));
    // Warm-up: both processes JIT-compile the intake path before anything counts (3 s was too short on a loaded
    // machine: the first rounds' CPU per demand still fell, faster on one side than the other).
    for (const app of [off, on]) await postLoad(app.url, PATH, bodies, options.connections, options.warmup);
    const sides: Side[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const order: Mode[] = round % 2 === 0 ? ["off", "on"] : ["on", "off"];
      for (const mode of order) {
        const side = await measure(mode, round, mode === "on" ? on : off, bodies, options);
        sides.push(side);
        log(
          `${label} round ${round + 1} ${mode}: ${side.rps.toFixed(1)}/s, p50 ${side.p50} ms, p99 ${side.p99} ms, ` +
            `${side.cpuMsPerDemand.toFixed(3)} CPU ms/demand, ${side.failures} failed` +
            (mode === "on" ? `, ${side.logLines} request lines, ${side.scrapes} scrapes` : "") +
            (side.scrapeFailures > 0 ? ` (${side.scrapeFailures} FAILED)` : "") +
            `; load ${loadavg()[0]?.toFixed(1)}`,
        );
      }
    }
    return sides;
  } finally {
    for (const app of Object.values(apps)) await stopServer(app);
  }
}

const baseEnv = { SHARED_DATA_DIR, PORT: "0", SEED_DEMO: "never", LOG_LEVEL: "warn" };

async function benchPostgres(options: Options): Promise<Side[]> {
  const bench = await createBenchDatabase("obs");
  const dir = mkdtempSync(join(tmpdir(), "bench-obs-"));
  try {
    const base = { ...baseEnv, DATABASE_URL: bench.url };
    await runNode(["server/cli/main.ts", "seed", "--fixture"], base);
    return await rounds("postgres", { off: base, on: base }, options, dir);
  } finally {
    await bench.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPglite(options: Options): Promise<Side[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-obs-"));
  try {
    const bases = {
      off: { ...baseEnv, DATA_DIR: join(dir, "app-off") },
      on: { ...baseEnv, DATA_DIR: join(dir, "app-on") },
    };
    for (const mode of MODES) await runNode(["server/cli/main.ts", "seed", "--fixture"], bases[mode]);
    return await rounds("pglite", bases, options, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The markdown lines of one database: per side the medians of demands/s, latency and CPU per demand; then on/off
 * of the medians and the median of each round's own on/off (its two windows ran back to back), for both figures.
 */
export function summarise(db: string, sides: Side[]): string {
  const of = (mode: Mode) => sides.filter((s) => s.mode === mode);
  const median = (mode: Mode, pick: (s: Side) => number) => percentile(of(mode).map(pick), 50);
  const row = (mode: Mode) =>
    `| ${db} | ${mode} | ${median(mode, (s) => s.rps).toFixed(1)} | ${median(mode, (s) => s.p50)} | ` +
    `${median(mode, (s) => s.p99)} | ${median(mode, (s) => s.cpuMsPerDemand).toFixed(3)} | ` +
    `${of(mode).reduce((n, s) => n + s.failures, 0)} |`;
  const perRound = (pick: (s: Side) => number) => {
    const ratios: number[] = [];
    for (let round = 0; round < sides.length / 2; round++) {
      const on = sides.find((s) => s.round === round && s.mode === "on");
      const off = sides.find((s) => s.round === round && s.mode === "off");
      if (on && off) ratios.push(pick(on) / pick(off));
    }
    return ratios;
  };
  const ratioLine = (name: string, pick: (s: Side) => number) => {
    const paired = perRound(pick);
    const sorted = [...paired].sort((a, b) => a - b);
    return (
      `${db} ${name} on/off: ${(median("on", pick) / median("off", pick)).toFixed(3)} of the medians; ` +
      `per round median ${percentile(paired, 50).toFixed(3)} ` +
      `(range ${sorted[0]?.toFixed(3)}–${sorted.at(-1)?.toFixed(3)}; ${paired.map((r) => r.toFixed(3)).join(", ")})`
    );
  };
  return [
    "| database | observability | demands/s (median) | p50 ms | p99 ms | app CPU ms/demand | failures |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    row("off"),
    row("on"),
    "",
    ratioLine("demands/s", (s) => s.rps),
    ratioLine("CPU ms/demand", (s) => s.cpuMsPerDemand),
    `${db} on side: ${of("on").reduce((n, s) => n + s.logLines, 0)} request lines, ` +
      `${of("on").reduce((n, s) => n + s.scrapes, 0)} scrapes, ` +
      `${of("on").reduce((n, s) => n + s.scrapeFailures, 0)} failed scrapes`,
  ].join("\n");
}

function log(line: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(", ");

/** Runs the rounds on the databases named by `--db` and prints each summary. */
export async function runObservabilityBench(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const options: Options = {
    rounds: Number(arg("rounds", "8")),
    seconds: Number(arg("seconds", "4")),
    connections: Number(arg("connections", "16")),
    warmup: Number(arg("warmup", "12")),
  };
  const which = arg("db", "postgres");
  const benches: (readonly [string, (o: Options) => Promise<Side[]>])[] = [
    ...(which === "postgres" || which === "both" ? [["postgres", benchPostgres] as const] : []),
    ...(which === "pglite" || which === "both" ? [["pglite", benchPglite] as const] : []),
  ];
  for (const [db, bench] of benches) {
    log(`${db}: load average ${loadAverage()}`);
    const sides = await bench(options);
    console.log(`\n${summarise(db, sides)}\n\nload average at the end: ${loadAverage()}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runObservabilityBench(process.argv.slice(2));
}
