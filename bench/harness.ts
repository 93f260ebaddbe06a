/**
 * What every benchmark script needs: start a server process and learn its URL, read its peak memory, stop it by
 * its own pid; drive HTTP load for a fixed time with autocannon; run pgbench for a fixed time; take medians.
 * Everything targets 127.0.0.1 and stops by itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";

/** A server process this script started, with the URL it printed. */
export interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `node --import tsx ARGS` and waits until it prints a line matching `ready` with the URL in group 1. */
export function startServer(
  args: string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
  timeoutMs = 300_000,
): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no "${ready}" within ${timeoutMs} ms:\n${log.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = ready.exec(log);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => log });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${log.slice(-2000)}`));
    });
  });
}

/** The peak resident set (VmHWM) of a live process, in MB. */
export function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** Stops a process this script started, by its pid, and waits for it to exit (SIGKILL after 10 s). */
export async function stopServer(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One measured run: successful requests per second, latency percentiles in ms, and failures. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

/**
 * Drives POST `path` with `connections` closed-loop clients (one request in flight each) for `seconds`,
 * cycling through `bodies`. Any non-2xx answer or socket error counts as a failure.
 */
export async function postLoad(
  url: string,
  path: string,
  bodies: string[],
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path,
        headers: { "content-type": "application/json" },
        setupRequest: (req) => {
          next = (next + 1) % bodies.length;
          return { ...req, body: bodies[next] };
        },
      },
    ],
  });
  const ok = result["2xx"];
  return {
    rps: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * Runs a pgbench script with `clients` for `seconds` and reads every transaction's latency from its log:
 * transactions per second and p50/p99 in ms. `vars` become -D variables.
 */
export function runPgbench(
  url: string,
  script: string,
  clients: number,
  seconds: number,
  vars: Record<string, string> = {},
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-pgbench-"));
  const args = [
    "-n",
    "-M",
    "prepared",
    "-f",
    script,
    "-c",
    String(clients),
    "-j",
    "2",
    "-T",
    String(seconds),
    "--log",
    `--log-prefix=${join(dir, "tx")}`,
    ...Object.entries(vars).flatMap(([k, v]) => ["-D", `${k}=${v}`]),
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("pgbench", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.on("exit", (code) => {
      try {
        if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${out.slice(-2000)}`);
        // Log lines: client_id transaction_no time_us script_no time_epoch time_us_part
        const latencies: number[] = [];
        for (const file of readdirSync(dir)) {
          for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
            const us = Number(line.split(" ")[2]);
            if (line && Number.isFinite(us)) latencies.push(us / 1000);
          }
        }
        const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
        const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
        resolve({
          rps: tps,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          failures: failed,
        });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** The p-th percentile of a list (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The median of each figure over the runs, taken figure by figure; failures are summed. */
export function medianRun(runs: LoadResult[]): LoadResult {
  const median = (pick: (r: LoadResult) => number) => percentile(runs.map(pick), 50);
  return {
    rps: median((r) => r.rps),
    p50: median((r) => r.p50),
    p99: median((r) => r.p99),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
  };
}

/** Runs `node --import tsx ARGS` to completion: its output and the seconds it took; rejects when it fails. */
export function runNode(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ seconds: number; output: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (c: Buffer) => {
    log += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    log += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      if (code === 0) resolve({ seconds: (performance.now() - started) / 1000, output: log });
      else reject(new Error(`${args.join(" ")} exited with ${code}:\n${log.slice(-2000)}`));
    });
  });
}

/** A database of a benchmark's own on the PostgreSQL server: its URL, and `drop` for the run's `finally`. */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates `bench_<what>_<pid>` on the server at BENCH_DATABASE_URL (default: the local server's postgres database),
 * so a run never touches another run's data; `drop` removes it, closing any connection left open.
 */
export async function createBenchDatabase(what: string): Promise<BenchDatabase> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1/postgres";
  const name = `bench_${what}_${process.pid}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
