/**
 * The IVR's TwiML webhooks under load (issue 18): how fast the app answers Twilio at `--rate` new calls per second
 * (target: p99 under 100 ms at 200 calls/s), on the real app process (`server/main.ts --roles=web`) over PostgreSQL.
 *
 *   npm run bench -- twiml [--rate=200] [--seconds=10] [--step-ms=1000] [--runs=3] [--demands=50] [--warmup=3]
 *                          [--profile=DIR]  (a CPU profile of the app process)
 *
 * Seeded once: the fixture city, `--demands` demands filed through the API (their protocols are what callers ask
 * about), and the default IVR menu switched on with agents always answering. Each call is what a caller checking a
 * status does: the voice request (the call recorded, the greeting and the menu), `Digits=1` to the menu's action
 * `--step-ms` later, and a protocol typed `--step-ms` after that (the demand found, read back in words), every
 * request form-encoded and signed with `X-Twilio-Signature` over PUBLIC_URL and its query, as Twilio sends them. New
 * calls start open-loop at `--rate` per second for `--seconds` (so 3 × rate webhooks per second once under way); a
 * step is sent at its due time or when the step before it was answered, whichever is later, and its latency counts
 * from then. The baseline, in the same run: `GET /health` sent open-loop at the same total request rate (the
 * HTTP floor of the same process). A wave of `--warmup` seconds of each comes first and is not counted (the first
 * seconds of a fresh process are its JIT and its pool filling). Figures are medians of `--runs`; every answer must
 * be 200 and TwiML.
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres) is where `bench_twiml_<pid>` is created and
 * dropped at the end.
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { signTwilioRequest, TWILIO_SIGNATURE_HEADER } from "../channels/voice/parse.ts";
import { DEFAULT_IVR_MENU } from "../domain/ivr.ts";
import { createBenchDatabase, percentile, runNode, type Server, startServer, stopServer } from "./harness.ts";

const TOKEN = "bench-twilio-auth-token-0123456789";
const ACCOUNT = `AC${"0".repeat(32)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port, so that PUBLIC_URL (what Twilio signs) can be given before the app starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Posts a signed Twilio form to `url`; answers the status and whether the body was TwiML. */
function postForm(agent: Agent, url: string, params: Record<string, string>): Promise<number> {
  const body = new URLSearchParams(params).toString();
  const signature = signTwilioRequest(TOKEN, url, params);
  return new Promise((done) => {
    const req = request(
      url,
      {
        agent,
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          [TWILIO_SIGNATURE_HEADER]: signature,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () =>
          done(res.statusCode === 200 && text.includes("<Response") ? 200 : (res.statusCode ?? 0)),
        );
      },
    );
    req.on("error", () => done(0));
    req.end(body);
  });
}

function get(agent: Agent, url: string): Promise<number> {
  return new Promise((done) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
    });
    req.on("error", () => done(0));
    req.end();
  });
}

/** The figures of one wave: latency percentiles in ms over every request, per kind, and the failures. */
interface Figures {
  p50: number;
  p95: number;
  p99: number;
  byKind: Record<string, number>;
  failures: number;
  requests: number;
}

const figuresOf = (all: { kind: string; ms: number; ok: boolean }[]): Figures => {
  const ms = all.filter((r) => r.ok).map((r) => r.ms);
  const kinds = [...new Set(all.map((r) => r.kind))];
  return {
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    byKind: Object.fromEntries(
      kinds.map((k) => [
        k,
        percentile(
          all.filter((r) => r.kind === k && r.ok).map((r) => r.ms),
          99,
        ),
      ]),
    ),
    failures: all.filter((r) => !r.ok).length,
    requests: all.length,
  };
};

/** The calls of one run, started open-loop at `rate` per second. */
async function callWave(base: string, protocols: string[], rate: number, seconds: number, stepMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const results: { kind: string; ms: number; ok: boolean }[] = [];
  const started = performance.now();
  const one = async (i: number) => {
    const callSid = `CA${randomBytes(16).toString("hex")}`;
    const call = {
      AccountSid: ACCOUNT,
      ApiVersion: "2010-04-01",
      CallSid: callSid,
      Direction: "inbound",
      From: `+55119${String(10_000_000 + i).slice(-8)}`,
      To: "+551130000156",
    };
    const steps: [string, string, Record<string, string>][] = [
      ["voice", `${base}/api/v1/telephony/twilio/voice`, { ...call, CallStatus: "ringing" }],
      [
        "menu",
        `${base}/api/v1/telephony/twilio/ivr?step=menu&lang=pt-BR&tries=0`,
        { ...call, CallStatus: "in-progress", Digits: "1" },
      ],
      [
        "protocol",
        `${base}/api/v1/telephony/twilio/ivr?step=protocol&lang=pt-BR&tries=0`,
        { ...call, CallStatus: "in-progress", Digits: protocols[i % protocols.length]!, FinishedOnKey: "#" },
      ],
    ];
    let due = started + (i * 1000) / rate;
    for (const [kind, url, params] of steps) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = Math.min(due, performance.now()); // late: from when it was due; early (a timer): from its send
      const status = await postForm(agent, url, params);
      const answered = performance.now();
      results.push({ kind, ms: answered - sent, ok: status === 200 });
      due = Math.max(due + stepMs, answered);
    }
  };
  await Promise.all(Array.from({ length: Math.round(rate * seconds) }, (_, i) => one(i)));
  agent.destroy();
  return figuresOf(results);
}

/** The floor: `GET /health` open-loop at `rate` requests per second. */
async function baselineWave(base: string, rate: number, seconds: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const results: { kind: string; ms: number; ok: boolean }[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.round(rate * seconds) }, async (_, i) => {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = Math.min(due, performance.now()); // late: from when it was due; early (a timer): from its send
      const status = await get(agent, `${base}/health`);
      results.push({ kind: "live", ms: performance.now() - sent, ok: status === 200 });
    }),
  );
  agent.destroy();
  return figuresOf(results);
}

/** Runs the TwiML benchmark with the options in `argv`. */
export async function runTwimlBench(argv: string[]): Promise<void> {
  const option = (name: string, fallback: string) =>
    Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
  const rate = option("rate", "200");
  const seconds = option("seconds", "10");
  const stepMs = option("step-ms", "1000");
  const runs = option("runs", "3");
  const bench = await createBenchDatabase("twiml");
  let app: Server | undefined;
  let db: pg.Client | undefined;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: bench.url,
      SHARED_DATA_DIR: process.env.SHARED_DATA_DIR ?? "../shared/data",
      LOG_LEVEL: "warn",
      PORT: String(port),
      PUBLIC_URL: base,
      TWILIO_AUTH_TOKEN: TOKEN,
      SEED_DEMO: "never",
    };
    await runNode(["server/cli/main.ts", "seed", "--fixture"], env);
    db = new pg.Client({ connectionString: bench.url });
    await db.connect();
    await db.query(
      "INSERT INTO ivr_menus (enabled, agent_hours, options) VALUES (true, 'always', $1::jsonb)",
      [JSON.stringify(DEFAULT_IVR_MENU.options)],
    );
    const profile = argv.find((a) => a.startsWith("--profile="))?.slice(10);
    app = await startServer(
      [...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []), "server/main.ts", "--roles=web"],
      env,
      /Responsiva is up on (http:\/\/\S+)/,
    );
    const service = (
      await db.query<{ code: string }>(
        "SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND anonymous_allowed ORDER BY code LIMIT 1",
      )
    ).rows[0]!.code;
    const protocols: string[] = [];
    for (let i = 0; i < option("demands", "50"); i++) {
      const res = await fetch(`${base}/api/v1/demands`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          service,
          description: `Calçada quebrada na altura do número ${100 + i}`,
          location: { lat: -23.5503 + i * 0.0001, lon: -46.634 },
          citizen: { name: `Pessoa ${i}`, email: `pessoa${i}@bench.example`, locale: "pt-BR" },
        }),
      });
      if (res.status !== 201) throw new Error(`filing a demand: ${res.status} ${await res.text()}`);
      protocols.push(((await res.json()) as { protocol: string }).protocol);
    }
    console.log(`twiml: ${rate} calls/s for ${seconds} s, steps ${stepMs} ms apart, ${runs} runs`);
    // Not measured: a first wave warms the process (compiled code, the pool's connections, the plans).
    await baselineWave(base, rate * 3, option("warmup", "3"));
    await callWave(base, protocols, rate, option("warmup", "3"), stepMs);
    const waves: { calls: Figures; baseline: Figures }[] = [];
    for (let r = 0; r < runs; r++) {
      const load = loadavg()[0]?.toFixed(2);
      const baseline = await baselineWave(base, rate * 3, seconds);
      const calls = await callWave(base, protocols, rate, seconds, stepMs);
      waves.push({ calls, baseline });
      console.log(
        `  run ${r + 1} (load ${load}): calls p50/p95/p99 ${calls.p50.toFixed(1)}/${calls.p95.toFixed(1)}/` +
          `${calls.p99.toFixed(1)} ms, p99 by step ${JSON.stringify(calls.byKind)}, ${calls.failures} failed of ` +
          `${calls.requests}; baseline p50/p99 ${baseline.p50.toFixed(1)}/${baseline.p99.toFixed(1)} ms`,
      );
      if (calls.failures > 0 || baseline.failures > 0) throw new Error("a request failed");
    }
    const med = (pick: (w: (typeof waves)[number]) => number) => percentile(waves.map(pick), 50).toFixed(1);
    console.log(`\n| figure (median of ${runs}) | p50 ms | p95 ms | p99 ms |\n| --- | --: | --: | --: |`);
    console.log(
      `| baseline: GET /health at ${rate * 3}/s | ${med((w) => w.baseline.p50)} | ${med((w) => w.baseline.p95)} | ${med((w) => w.baseline.p99)} |`,
    );
    console.log(
      `| IVR webhooks, ${rate} calls/s (${rate * 3} requests/s) | ${med((w) => w.calls.p50)} | ${med((w) => w.calls.p95)} | ${med((w) => w.calls.p99)} |`,
    );
    for (const kind of ["voice", "menu", "protocol"])
      console.log(`| — p99 of the ${kind} step | | | ${med((w) => w.calls.byKind[kind] ?? Number.NaN)} |`);
  } finally {
    if (app) await stopServer(app);
    await db?.end();
    await bench.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runTwimlBench(process.argv.slice(2));
}
