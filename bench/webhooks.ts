/**
 * The messaging webhooks (issue 14): how fast the app acknowledges a WhatsApp webhook, against a minimal Fastify
 * handler that checks the same signature and inserts the raw message, in the same run; and a conversation's turn
 * time, from posting a citizen's first message to the reply reaching the fake Graph API. PostgreSQL only.
 *
 *   npm run bench -- webhooks [--rate=500] [--seconds=10] [--clients=32] [--closed-seconds=8] [--runs=3]
 *                             [--turns=200] [--turn-rate=10] [--fixture] [--idle-ms=100] [--profile=DIR]
 *
 * Ack: `server/main.ts --roles=web` alone (no worker: its steps wait in the outbox, so the figure is the webhook's
 * own cost; the turn part runs the worker) and `bench/webhook-baseline.ts`, both on one fresh database. Each run
 * sends correctly signed text-message webhooks from this process over loopback, each with its own wamid and sender
 * and a real citizen's sentence from the SP156 messages: open loop at `--rate` for `--seconds` (a request's latency
 * counts from when it was due, so a late send is counted against the server), then closed loop with `--clients`
 * connections for `--closed-seconds` (the most each sustains). Turn: a worker process joins, WHATSAPP_API_URL points
 * at the fake (channels/whatsapp/fake.ts, in this process), and `--turns` first messages of new conversations are
 * posted at `--turn-rate`; a turn ends when the fake takes the first message to that number. Each figure is the
 * median of `--runs` runs; the machine's load average is printed before and after.
 *
 * `--idle-ms=N` then runs the turns again with the real worker replaced by this script's diagnostic worker
 * (`--worker-idle-ms=N`: the same jobs and lease as `--roles=worker`, but polling the outbox every N ms when idle
 * instead of the runner's 1000 ms): what a faster wake would give. 0 skips it. `--profile=DIR` writes a CPU profile
 * of the web process there (read with Chrome's DevTools).
 *
 * PostgreSQL is reached as BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres): bench_webhooks_<pid>
 * is created there and dropped at the end, even when a run fails. Every process started here is stopped by its pid.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "csv-parse/sync";
import { startFakeWhatsApp, webhookSender } from "../channels/whatsapp/fake.ts";
import { signWhatsAppBody, WHATSAPP_SIGNATURE_HEADER } from "../channels/whatsapp/parse.ts";
import { loadConfig } from "../server/config.ts";
import { connect } from "../server/db/index.ts";
import { JOBS } from "../server/jobs/registry.ts";
import { startWorker } from "../server/jobs/runner.ts";
import {
  createBenchDatabase,
  type LoadResult,
  medianRun,
  percentile,
  runNode,
  type Server,
  startServer,
  stopServer,
} from "./harness.ts";

const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const PATH = "/webhooks/whatsapp";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;
const BASELINE_READY = /Baseline is up on (http:\/\/\S+)/;
const WORKER_READY = /Roles: (worker)/;
const ACCOUNT = {
  appSecret: "bench-meta-app-secret",
  phoneNumberId: "1097316836",
  token: "EAAG-bench-token",
  verifyToken: "bench-verify-token",
};

interface Options {
  rate: number;
  seconds: number;
  clients: number;
  closedSeconds: number;
  runs: number;
  turns: number;
  turnRate: number;
  fixture: boolean;
  idleMs: number;
  profile: string | undefined;
}

/** A webhook ready to post: its raw body and signature, and the citizen's number. */
interface Signed {
  raw: string;
  signature: string;
  from: string;
}

/** Citizens' sentences as written to the 156 (the SP156 labelled messages of the suggester). */
function sentences(): string[] {
  const file = join(SHARED_DATA_DIR, "classifier", "sp156_frases_dev.csv");
  return (parse(readFileSync(file, "utf8"), { columns: true }) as { text: string }[]).map((r) => r.text);
}

const texts = sentences();
const sender = webhookSender(ACCOUNT);
let serial = 0;

/** The next signed text webhook, from a number no earlier one used (mobile numbers of São Paulo, with the 9). */
function nextWebhook(): Signed {
  serial += 1;
  const from = `55119${String(70_000_000 + serial).padStart(8, "0")}`;
  const raw = JSON.stringify(
    sender.text(from, texts[serial % texts.length] as string, { name: `Cidadã ${serial}` }),
  );
  return { raw, signature: signWhatsAppBody(ACCOUNT.appSecret, raw), from };
}

/** POSTs one webhook over a keep-alive agent; resolves with the status (0 on a socket error). */
function post(agent: Agent, url: URL, hook: Signed): Promise<number> {
  return new Promise((done) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: PATH,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(hook.raw),
          [WHATSAPP_SIGNATURE_HEADER]: hook.signature,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? 0));
      },
    );
    req.on("error", () => done(0));
    req.end(hook.raw);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One open-loop run's figures: LoadResult plus what was offered and the p95. */
interface OpenResult extends LoadResult {
  offered: number;
  p95: number;
}

/**
 * Posts `hooks` at `rate` per second whatever the answers (open loop); a request's latency runs from when it was
 * due. `onSent` learns when each one left. requests/s: 200s over the time from the first due to the last answer.
 */
async function openLoop(
  url: string,
  hooks: Signed[],
  rate: number,
  onSent: (hook: Signed, at: number) => void = () => {},
): Promise<OpenResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(url);
  const latencies: number[] = [];
  let failures = 0;
  let last = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (const [i, hook] of hooks.entries()) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    onSent(hook, due);
    inFlight.push(
      post(agent, target, hook).then((status) => {
        last = performance.now();
        if (status === 200) latencies.push(last - due);
        else failures += 1;
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  return {
    offered: rate,
    rps: latencies.length / ((last - started) / 1000),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    failures,
  };
}

/** `clients` connections each posting a new webhook as soon as the last is answered, for `seconds`. */
async function closedLoop(url: string, clients: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const target = new URL(url);
  const latencies: number[] = [];
  let failures = 0;
  const until = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < until) {
      const hook = nextWebhook();
      const sent = performance.now();
      const status = await post(agent, target, hook);
      if (status === 200) latencies.push(performance.now() - sent);
      else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  agent.destroy();
  return {
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
  };
}

/** Medians of open-loop runs, figure by figure (p95 too); failures summed. */
function medianOpen(runs: OpenResult[]): OpenResult {
  return {
    ...medianRun(runs),
    offered: runs[0]?.offered ?? 0,
    p95: percentile(
      runs.map((r) => r.p95),
      50,
    ),
  };
}

/** What the benchmark prints: every run and the medians. */
interface WebhooksReport {
  database: string;
  seedSeconds: number;
  load: { start: number; afterAck: number; end: number };
  open: Record<"app" | "minimal", OpenResult[]>;
  closed: Record<"app" | "minimal", LoadResult[]>;
  turns: TurnRun[];
  /** The same turns with the diagnostic worker polling every `--idle-ms`. */
  fastTurns: TurnRun[];
}

/** One turn run: latencies from posting to the fake's first message, and the step's share from the database. */
interface TurnRun {
  turns: number;
  replied: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Inbound row stored → step done (handled_at − received_at), ms: outbox wait plus the engine's step. */
  stepP50: number;
  stepP99: number;
}

/**
 * Posts `count` first messages of new conversations at `rate` and waits (up to 60 s after the last) until the fake
 * took a message to each number: the turn time of each, from when its webhook was due.
 */
async function measureTurns(
  appUrl: string,
  fake: Awaited<ReturnType<typeof startFakeWhatsApp>>,
  dbUrl: string,
  count: number,
  rate: number,
): Promise<TurnRun> {
  const sentAt = new Map<string, number>();
  const turnMs: number[] = [];
  // The fake has no arrival hook: its list of taken messages is watched as it grows.
  const taken = fake.messages;
  const push = taken.push.bind(taken);
  taken.push = (...items) => {
    for (const m of items) {
      const to = String(m.body.to).replace(/^\+/, "");
      const at = sentAt.get(to);
      if (at !== undefined) {
        turnMs.push(performance.now() - at);
        sentAt.delete(to);
      }
    }
    return push(...items);
  };
  const hooks = Array.from({ length: count }, nextWebhook);
  const open = await openLoop(appUrl, hooks, rate, (hook, at) => sentAt.set(hook.from, at));
  const until = performance.now() + 60_000;
  while (sentAt.size > 0 && performance.now() < until) await sleep(20);
  taken.push = push;
  const db = await connect({ databaseUrl: dbUrl, poolSize: 1 });
  const steps = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM handled_at - received_at) * 1000 AS ms FROM inbound_messages
      WHERE sender = ANY($1::text[]) AND handled_at IS NOT NULL`,
    [hooks.map((h) => h.from)],
  );
  await db.close();
  const stepMs = steps.map((s) => Number(s.ms));
  if (open.failures > 0) log(`  ${open.failures} turn webhooks were not acknowledged`);
  return {
    turns: count,
    replied: turnMs.length,
    p50: percentile(turnMs, 50),
    p95: percentile(turnMs, 95),
    p99: percentile(turnMs, 99),
    max: Math.max(...turnMs),
    stepP50: percentile(stepMs, 50),
    stepP99: percentile(stepMs, 99),
  };
}

function log(line: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

const load1 = () => Number(loadavg()[0]?.toFixed(2));
const fmtOpen = (r: OpenResult) =>
  `offered ${r.offered}/s, ${r.rps.toFixed(0)}/s answered, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, ` +
  `p99 ${r.p99.toFixed(1)} ms, ${r.failures} failed`;
const fmtClosed = (r: LoadResult) =>
  `${r.rps.toFixed(0)}/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.failures} failed`;
const fmtTurn = (r: TurnRun) =>
  `${r.replied}/${r.turns} replied, p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ` +
  `max ${r.max.toFixed(0)} ms; stored→handled p50 ${r.stepP50.toFixed(0)} ms, p99 ${r.stepP99.toFixed(0)} ms`;

/** The medians as the markdown of docs/performance.md, with the verdict on each target. */
export function formatReport(report: WebhooksReport, options: Options): string {
  const open = { app: medianOpen(report.open.app), minimal: medianOpen(report.open.minimal) };
  const closed = { app: medianRun(report.closed.app), minimal: medianRun(report.closed.minimal) };
  const ratio = closed.app.rps / closed.minimal.rps;
  const median = (pick: (r: TurnRun) => number, runs = report.turns) => percentile(runs.map(pick), 50);
  const turnRow = (label: string, runs: TurnRun[]) =>
    `| ${label} | - | ${median((r) => r.p50, runs).toFixed(0)} | ${median((r) => r.p95, runs).toFixed(0)} | ${median((r) => r.p99, runs).toFixed(0)} | ${runs.reduce((s, r) => s + r.turns - r.replied, 0)} |`;
  const turnP99 = median((r) => r.p99);
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  return [
    `load average ${report.load.start} at the start, ${report.load.afterAck} after the ack runs, ${report.load.end} at the end`,
    "",
    `| figure | requests/s | p50 ms | p95 ms | p99 ms | failures |`,
    "| --- | --: | --: | --: | --: | --: |",
    ...(["app", "minimal"] as const).map(
      (k) =>
        `| ${k}, open loop ${options.rate}/s for ${options.seconds} s | ${open[k].rps.toFixed(0)} | ${open[k].p50.toFixed(1)} | ${open[k].p95.toFixed(1)} | ${open[k].p99.toFixed(1)} | ${open[k].failures} |`,
    ),
    ...(["app", "minimal"] as const).map(
      (k) =>
        `| ${k}, closed loop ${options.clients} clients for ${options.closedSeconds} s | ${closed[k].rps.toFixed(0)} | ${closed[k].p50.toFixed(1)} | - | ${closed[k].p99.toFixed(1)} | ${closed[k].failures} |`,
    ),
    turnRow(`turn, ${options.turns} first messages at ${options.turnRate}/s`, report.turns),
    ...(report.fastTurns.length > 0
      ? [turnRow(`turn, worker polling every ${options.idleMs} ms (diagnostic)`, report.fastTurns)]
      : []),
    "",
    `- ack p99 at ${options.rate}/s: ${open.app.p99.toFixed(1)} ms (target < 100 ms: ${verdict(open.app.p99 < 100 && open.app.failures === 0)})`,
    `- sustained ack rate × minimal: ${ratio.toFixed(2)} (target ≥ 0.3: ${verdict(ratio >= 0.3)})`,
    `- turn p99: ${turnP99.toFixed(0)} ms (target < 300 ms: ${verdict(turnP99 < 300)}); stored→handled p50 ${median((r) => r.stepP50).toFixed(0)} ms, p99 ${median((r) => r.stepP99).toFixed(0)} ms`,
  ].join("\n");
}

/** Runs the ack figures (app and minimal interleaved, `runs` times) and then the turn runs. */
export async function runWebhooksBench(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const options: Options = {
    rate: Number(arg("rate", "500")),
    seconds: Number(arg("seconds", "10")),
    clients: Number(arg("clients", "32")),
    closedSeconds: Number(arg("closed-seconds", "8")),
    runs: Number(arg("runs", "3")),
    turns: Number(arg("turns", "200")),
    turnRate: Number(arg("turn-rate", "10")),
    fixture: argv.includes("--fixture"),
    idleMs: Number(arg("idle-ms", "100")),
    profile: argv.find((a) => a.startsWith("--profile="))?.slice("--profile=".length),
  };
  const bench = await createBenchDatabase("webhooks");
  const fake = await startFakeWhatsApp(ACCOUNT);
  const servers: Server[] = [];
  try {
    const report: WebhooksReport = {
      database: bench.name,
      seedSeconds: 0,
      load: { start: load1(), afterAck: 0, end: 0 },
      open: { app: [], minimal: [] },
      closed: { app: [], minimal: [] },
      turns: [],
      fastTurns: [],
    };
    log(`seeding the ${options.fixture ? "fixture" : "demo"} city into ${bench.name}`);
    const env = {
      DATABASE_URL: bench.url,
      SHARED_DATA_DIR,
      LOG_LEVEL: "warn",
      PORT: "0",
      SEED_DEMO: "never",
      WHATSAPP_APP_SECRET: ACCOUNT.appSecret,
      WHATSAPP_TOKEN: ACCOUNT.token,
      WHATSAPP_PHONE_NUMBER_ID: ACCOUNT.phoneNumberId,
      WHATSAPP_VERIFY_TOKEN: ACCOUNT.verifyToken,
      WHATSAPP_API_URL: fake.url,
    };
    const seed = await runNode(
      ["server/cli/main.ts", "seed", ...(options.fixture ? ["--fixture"] : [])],
      env,
    );
    report.seedSeconds = seed.seconds;
    const profile = options.profile ? ["--cpu-prof", `--cpu-prof-dir=${options.profile}`] : [];
    const app = await startServer([...profile, "server/main.ts", "--roles=web"], env, APP_READY);
    servers.push(app);
    const baseline = await startServer(["bench/webhook-baseline.ts"], env, BASELINE_READY);
    servers.push(baseline);
    const targets = { app: app.url, minimal: baseline.url };

    log(`warming up (load average ${report.load.start})`);
    for (const url of Object.values(targets)) {
      await openLoop(url, Array.from({ length: 500 }, nextWebhook), options.rate);
      await closedLoop(url, options.clients, 2);
    }
    for (let i = 0; i < options.runs; i++) {
      for (const [name, url] of Object.entries(targets) as ["app" | "minimal", string][]) {
        const hooks = Array.from({ length: options.rate * options.seconds }, nextWebhook);
        const open = await openLoop(url, hooks, options.rate);
        report.open[name].push(open);
        log(`  ${name} open run ${i + 1}: ${fmtOpen(open)} (load ${load1()})`);
        const closed = await closedLoop(url, options.clients, options.closedSeconds);
        report.closed[name].push(closed);
        log(`  ${name} closed c=${options.clients} run ${i + 1}: ${fmtClosed(closed)} (load ${load1()})`);
      }
    }
    report.load.afterAck = load1();

    // The ack runs left one step per message in the outbox: marked done, so the worker starts on an empty queue.
    const db = await connect({ databaseUrl: bench.url, poolSize: 1 });
    const [left] = await db.query<{ n: number }>(
      `WITH d AS (UPDATE outbox SET state = 'done', done_at = now()
                   WHERE job = 'handle-inbound' AND state = 'pending' RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
    );
    await db.exec("VACUUM ANALYZE outbox");
    await db.close();
    log(`${left?.n} steps of the ack runs set aside; starting a worker`);
    const turnRuns = async (label: string, into: TurnRun[]) => {
      await measureTurns(app.url, fake, bench.url, 20, options.turnRate);
      for (let i = 0; i < options.runs; i++) {
        const run = await measureTurns(app.url, fake, bench.url, options.turns, options.turnRate);
        into.push(run);
        log(`  ${label} run ${i + 1}: ${fmtTurn(run)} (load ${load1()})`);
      }
    };
    const worker = await startServer(["server/main.ts", "--roles=worker"], env, WORKER_READY);
    servers.push(worker);
    await turnRuns("turn", report.turns);
    if (options.idleMs > 0) {
      await stopServer(worker);
      const args = ["bench/webhooks.ts", `--worker-idle-ms=${options.idleMs}`];
      servers.push(await startServer(args, env, WORKER_READY));
      await turnRuns(`turn, worker polling every ${options.idleMs} ms`, report.fastTurns);
    }
    report.load.end = load1();
    console.log(`\n${formatReport(report, options)}\n\n${JSON.stringify(report)}\n`);
  } finally {
    for (const s of servers) await stopServer(s);
    await fake.close();
    await bench.drop();
  }
}

/** The diagnostic worker: `--roles=worker`'s jobs and lease, polling every `idleMs` when nothing is due. */
async function serveWorker(idleMs: number): Promise<void> {
  const config = loadConfig();
  const db = await connect({ databaseUrl: config.databaseUrl, poolSize: config.poolSize });
  const leaseSeconds = config.workerLeaseSeconds;
  const worker = startWorker({ db, config }, JOBS, idleMs, {
    leaseSeconds,
    heartbeatMs: (leaseSeconds * 1000) / 3,
  });
  console.log("Roles: worker (diagnostic)");
  process.once("SIGTERM", async () => {
    await worker.stop();
    await db.close();
    process.exit(0);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const idle = process.argv.find((a) => a.startsWith("--worker-idle-ms="));
  if (idle) await serveWorker(Number(idle.split("=")[1]));
  else await runWebhooksBench(process.argv.slice(2));
}
