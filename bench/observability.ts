/**
 * What logs and metrics cost intake: in one run, the app serves the intake load of bench/intake.ts (16 clients
 * posting `POST /api/v1/demands` on loopback) with observability off (LOG_LEVEL=silent, no METRICS_TOKEN or
 * METRICS_PORT: no request line, no HTTP histogram) and on (LOG_LEVEL=info, a request line per answer through pino
 * to a file, METRICS_TOKEN set and /metrics scraped every second while the load runs). Off and on alternate, the
 * order swapped every round so the machine's drift falls on both; prints the medians and the ratio on/off.
 *
 *   npm run bench -- observability [--db=postgres|pglite|both] [--rounds=3] [--seconds=8] [--connections=16]
 *
 * PostgreSQL: a database bench_obs_<pid> on BENCH_DATABASE_URL, dropped at the end; PGlite: a temporary folder.
 * The request id's set_config in each transaction (server/db/index.ts) is not a switch: both sides pay it.
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

type Mode = "off" | "on";

interface Options {
  rounds: number;
  seconds: number;
  connections: number;
}

/** One measured side of a round: the load's figures, the log lines written, the scrapes answered. */
interface Side extends LoadResult {
  mode: Mode;
  logLines: number;
  scrapes: number;
  scrapeFailures: number;
  /** The app process's CPU time (user + system) per accepted demand, in ms: far less swayed by others' load. */
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

/** One side of a round: a fresh app process with `mode`'s environment, warmed up, then measured. */
async function measure(
  mode: Mode,
  base: Record<string, string | undefined>,
  bodies: string[],
  options: Options,
  dir: string,
): Promise<Side> {
  const logFile = join(dir, `app-${mode}.log`);
  const app = await startApp({ ...base, ...ENV[mode] }, logFile);
  try {
    await postLoad(app.url, PATH, bodies, options.connections, 2);
    const linesBefore = countRequestLines(app.output());
    const cpuBefore = cpuMs(app.child.pid);
    const stopScraping = mode === "on" ? scrapeEverySecond(app.url) : undefined;
    const load = await postLoad(app.url, PATH, bodies, options.connections, options.seconds);
    const cpu = cpuMs(app.child.pid) - cpuBefore;
    const scraped = (await stopScraping?.()) ?? { scrapes: 0, failures: 0 };
    return {
      mode,
      ...load,
      logLines: countRequestLines(app.output()) - linesBefore,
      scrapes: scraped.scrapes,
      scrapeFailures: scraped.failures,
      cpuMsPerDemand: cpu / (load.rps * options.seconds),
    };
  } finally {
    await stopServer(app);
  }
}

/** A live process's CPU time so far (user + system), in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function countRequestLines(log: string): number {
  return log.split('"msg":"request completed"').length - 1;
}

/** Seeds the fixture city through the CLI, then runs the alternating rounds against `base`'s database. */
async function rounds(
  label: string,
  base: Record<string, string | undefined>,
  options: Options,
  dir: string,
): Promise<Side[]> {
  await runNode(["server/cli/main.ts", "seed", "--fixture"], base);
  const first = await startApp({ ...base, LOG_LEVEL: "warn" }, join(dir, "setup.log"));
  let bodies: string[];
  try {
    bodies = await buildBodies(first.url, await pickService(first.url));
  } finally {
    await stopServer(first);
  }
  const sides: Side[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order: Mode[] = round % 2 === 0 ? ["off", "on"] : ["on", "off"];
    for (const mode of order) {
      const side = await measure(mode, base, bodies, options, dir);
      sides.push(side);
      log(
        `${label} round ${round + 1} ${mode}: ${side.rps.toFixed(1)}/s, p50 ${side.p50} ms, p99 ${side.p99} ms, ` +
          `${side.cpuMsPerDemand.toFixed(2)} CPU ms/demand, ${side.failures} failed, ${side.logLines} request lines, ${side.scrapes} scrapes` +
          (side.scrapeFailures > 0 ? ` (${side.scrapeFailures} FAILED)` : "") +
          `; load ${loadavg()[0]?.toFixed(1)}`,
      );
    }
  }
  return sides;
}

async function benchPostgres(options: Options): Promise<Side[]> {
  const bench = await createBenchDatabase("obs");
  const dir = mkdtempSync(join(tmpdir(), "bench-obs-"));
  try {
    const base = {
      DATABASE_URL: bench.url,
      SHARED_DATA_DIR,
      PORT: "0",
      SEED_DEMO: "never",
      LOG_LEVEL: "warn",
    };
    return await rounds("postgres", base, options, dir);
  } finally {
    await bench.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPglite(options: Options): Promise<Side[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-obs-"));
  try {
    const base = {
      DATA_DIR: join(dir, "app"),
      SHARED_DATA_DIR,
      PORT: "0",
      SEED_DEMO: "never",
      LOG_LEVEL: "warn",
    };
    return await rounds("pglite", base, options, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The markdown lines of one database: medians of off and on, on/off of the medians and the median of each round's
 * own on/off (the two sides of a round ran back to back, so that ratio is less swayed by drift), and CPU per demand.
 */
export function summarise(db: string, sides: Side[]): string {
  const median = (mode: Mode, pick: (s: Side) => number) =>
    percentile(sides.filter((s) => s.mode === mode).map(pick), 50);
  const off = median("off", (s) => s.rps);
  const on = median("on", (s) => s.rps);
  const row = (mode: Mode) =>
    `| ${db} | ${mode} | ${median(mode, (s) => s.rps).toFixed(1)} | ${median(mode, (s) => s.p50)} | ` +
    `${median(mode, (s) => s.p99)} | ${median(mode, (s) => s.cpuMsPerDemand).toFixed(2)} | ` +
    `${sides.filter((s) => s.mode === mode).reduce((n, s) => n + s.failures, 0)} |`;
  const paired: number[] = [];
  for (let i = 0; i + 1 < sides.length; i += 2) {
    const [a, b] = [sides[i] as Side, sides[i + 1] as Side];
    paired.push(a.mode === "on" ? a.rps / b.rps : b.rps / a.rps);
  }
  const cpu = median("on", (s) => s.cpuMsPerDemand) / median("off", (s) => s.cpuMsPerDemand);
  return [
    "| database | observability | demands/s (median) | p50 ms | p99 ms | app CPU ms/demand | failures |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    row("off"),
    row("on"),
    "",
    `${db}: on/off = ${(on / off).toFixed(3)} of the medians; per round ${paired.map((r) => r.toFixed(3)).join(", ")} ` +
      `(median ${percentile(paired, 50).toFixed(3)}); CPU per demand on/off = ${cpu.toFixed(3)}`,
  ].join("\n");
}

function log(line: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Runs the rounds on the databases named by `--db` and prints each summary. */
export async function runObservabilityBench(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const options: Options = {
    rounds: Number(arg("rounds", "3")),
    seconds: Number(arg("seconds", "8")),
    connections: Number(arg("connections", "16")),
  };
  const which = arg("db", "postgres");
  const benches: (readonly [string, (o: Options) => Promise<Side[]>])[] = [
    ...(which === "postgres" || which === "both" ? [["postgres", benchPostgres] as const] : []),
    ...(which === "pglite" || which === "both" ? [["pglite", benchPglite] as const] : []),
  ];
  for (const [db, bench] of benches) {
    log(
      `${db}: load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(", ")}`,
    );
    const sides = await bench(options);
    console.log(
      `\n${summarise(db, sides)}\n\nload average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(", ")}\n`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runObservabilityBench(process.argv.slice(2));
}
