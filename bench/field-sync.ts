/**
 * The inspectors' sync at a day's end (issue 17): 200 inspectors, each with a route of 60 visits, first upload their
 * 60 photos (`PUT /api/v1/field/files/:sha256`, a few KB each), then all 200 post their day at once
 * (`POST /api/v1/field/sync`: 60 responses of 4–5 answers with one photo each, 2 field demands with a photo, the 60
 * visits marked done), on the real app process (`--roles=web`, DATABASE_POOL_SIZE 10) and a worker process
 * (`--roles=worker`: it stores the batches kept under the surge, routes the demands, refreshes the scores) over
 * PostgreSQL. Target (issue 17): p99 under 500 ms per batch.
 *
 *   npm run bench -- field-sync [--runs=3] [--inspectors=200] [--visits=60] [--demands=2] [--sockets=10,200]
 *                               [--full] [--profile=DIR] [--at-once=N]  (FIELD_SYNC_AT_ONCE of the app)
 *
 * Seeded once by plain SQL: the fixture city (`--full`: every block of the demo city), the inspectors with sessions
 * inserted directly (as tests do), one published questionnaire (a scored yes/no, a text asked only on "no", a scored
 * scale 1–5, a required photo, a note) and each inspector's route of today on blocks inside districts. Each run has
 * fresh photos, client ids and batch ids on the same routes, and measures, in this order:
 * - the baseline: every inspector sends one `GET /api/v1/auth/me` at the same moment, one socket each (a session
 *   lookup over the same HTTP and pool), so the figures can be compared across machines;
 * - the uploads: each inspector uploads its photos one after another, all inspectors at once, one socket each;
 * - for each count of `--sockets`: every batch sent at the same moment, over that many keep-alive sockets (10: what
 *   the server's pool serves at once, the rest queued in the client; 200: one per tablet, queued in the server);
 *   each batch's latency runs from the moment a socket takes it to its whole reply, and "since all sent" from the
 *   common start. A 503 (the pool's 5 s wait ran out) is sent again after its Retry-After, as the tablet does; a
 *   202 (kept for the worker) is counted, the time until every batch is stored measured, and its reply read back;
 *   then the database is checked (exactly inspectors × visits new responses, one per client id, a photo each, the
 *   demands) and every batch sent again at once (a lost reply): each reply the first byte for byte, nothing stored.
 * Figures are the medians of the runs. BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1/postgres) is where
 * `bench_field_sync_<pid>` is created and dropped at the end; the photos go to a temporary DATA_DIR, removed too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { buildBatch, jpeg, type Seeded, seedField, sha256 } from "./field-sync-data.ts";
import { createBenchDatabase, percentile, runNode, type Server, startServer, stopServer } from "./harness.ts";
import { type Served, send, sendAsTablet, type Wave, wave } from "./tablet-client.ts";

const SHARED_DATA_DIR = process.env.SHARED_DATA_DIR ?? "../shared/data";
const APP_READY = /Responsiva is up on (http:\/\/\S+)/;

/** Counts what a phase's batches stored: responses (and distinct client ids), answers, photos linked, demands. */
async function countStored(db: pg.Client, clientIds: string[], demandIds: string[]) {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM responses WHERE client_id = ANY($1::uuid[]))::int AS responses,
            (SELECT count(DISTINCT client_id) FROM responses WHERE client_id = ANY($1::uuid[]))::int AS distinct,
            (SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id
              WHERE r.client_id = ANY($1::uuid[]))::int AS answers,
            (SELECT count(*) FROM answer_files f JOIN answers a ON a.id = f.answer_id
               JOIN responses r ON r.id = a.response_id WHERE r.client_id = ANY($1::uuid[]))::int AS files,
            (SELECT count(*) FROM field_demands WHERE client_id = ANY($2::uuid[]))::int AS demands`,
    [clientIds, demandIds],
  );
  return rows[0] as { responses: number; distinct: number; answers: number; files: number; demands: number };
}

/** Waits until every batch is stored (none still kept for the worker); answers the moment it saw that. */
async function untilStored(db: pg.Client, batchIds: string[]): Promise<number> {
  const deadline = performance.now() + 300_000;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM field_syncs WHERE batch_id = ANY($1::uuid[]) AND state = 'done'",
      [batchIds],
    );
    if (rows[0]!.n === batchIds.length) return performance.now();
    if (performance.now() > deadline)
      throw new Error(`only ${rows[0]!.n} of ${batchIds.length} batches stored`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Every inspector's batch sent at once over `sockets` sockets, checked in the database, then sent again (the
 * replay): each reply must be the first byte for byte and nothing more stored. Throws when a check fails.
 */
async function syncWave(url: string, db: pg.Client, seeded: Seeded, hashes: string[][], sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  try {
    const batches = seeded.inspectors.map((inspector, i) => buildBatch(seeded, inspector, hashes[i]!));
    const post = (i: number, t0: number) =>
      sendAsTablet(
        agent,
        `${url}/api/v1/field/sync`,
        {
          method: "POST",
          token: seeded.inspectors[i]!.token,
          body: batches[i]!.body,
          type: "application/json",
        },
        t0,
      );
    const started = performance.now();
    const sync = await wave(batches.length, async (i, t0) => [await post(i, t0)]);
    sync.kept = sync.served.filter((s) => s.status === 202).length;
    sync.storedMs =
      (await untilStored(
        db,
        batches.map((b) => b.batchId),
      )) - started;
    // The tablets kept waiting read their replies back, as the tablet does after Retry-After.
    const replies = await Promise.all(
      sync.served.map(async (s, i) => {
        if (s.status !== 202) return s.text;
        const read = await send(agent, `${url}/api/v1/field/sync/${batches[i]!.batchId}`, {
          method: "GET",
          token: seeded.inspectors[i]!.token,
        });
        if (read.status !== 200) throw new Error(`a kept batch read back ${read.status}: ${read.text}`);
        return read.text;
      }),
    );
    for (const [i, text] of replies.entries()) {
      const parsed = JSON.parse(text) as {
        responses?: { outcome: string }[];
        demands?: { outcome: string }[];
      };
      const items = [...(parsed.responses ?? []), ...(parsed.demands ?? [])];
      if (!parsed.responses || items.some((x) => x.outcome !== "accepted" && x.outcome !== "created"))
        throw new Error(`a batch was not all stored (${sync.served[i]!.status}): ${text.slice(0, 400)}`);
    }
    const clientIds = batches.flatMap((b) => b.clientIds);
    const demandIds = batches.flatMap((b) => b.demandIds);
    const stored = await countStored(db, clientIds, demandIds);
    const expected = clientIds.length;
    if (stored.responses !== expected || stored.distinct !== expected || stored.files !== expected)
      throw new Error(`stored ${JSON.stringify(stored)}, expected ${expected} responses, one photo each`);
    if (stored.demands !== demandIds.length) throw new Error(`stored ${JSON.stringify(stored)} demands`);
    const replay = await wave(batches.length, async (i, t0) => {
      const again = await post(i, t0);
      if (again.status !== 200 || again.text !== replies[i])
        throw new Error(`batch ${i} replayed differently: ${again.text}`);
      return [again];
    });
    const after = await countStored(db, clientIds, demandIds);
    if (JSON.stringify(after) !== JSON.stringify(stored))
      throw new Error(`the replay stored ${JSON.stringify(after)}`);
    console.log(
      `    ${sockets} sockets: stored ${stored.responses} responses (${stored.distinct} client ids), ` +
        `${stored.answers} answers, ${stored.files} photos linked, ${stored.demands} demands; the replay stored nothing`,
    );
    return { sync, replay };
  } finally {
    agent.destroy();
  }
}

/** The figures of one run, by name. */
type RunFigures = Record<string, Wave>;

/** One run: fresh photos and ids, measured as the header says. */
async function runOnce(
  url: string,
  db: pg.Client,
  seeded: Seeded,
  socketCounts: number[],
): Promise<RunFigures> {
  const n = seeded.inspectors.length;
  const tablets = new Agent({ keepAlive: true, maxSockets: n });
  const figures: RunFigures = {};
  try {
    const token = (i: number) => seeded.inspectors[i]!.token;
    figures[`baseline: GET /api/v1/auth/me ×${n}, ${n} sockets`] = await wave(n, async (i, t0) => [
      await sendAsTablet(tablets, `${url}/api/v1/auth/me`, { method: "GET", token: token(i) }, t0),
    ]);
    const photos = seeded.inspectors.map((inspector) => inspector.visits.map(() => jpeg()));
    const hashes = photos.map((ps) => ps.map(sha256));
    figures[`uploads: ${n} × ${photos[0]!.length} PUT, ${n} sockets`] = await wave(n, async (i, t0) => {
      const out: Served[] = [];
      for (const [k, photo] of photos[i]!.entries()) {
        const put = { method: "PUT", token: token(i), body: photo, type: "image/jpeg" };
        const r = await sendAsTablet(tablets, `${url}/api/v1/field/files/${hashes[i]![k]}`, put, t0);
        if (r.status !== 201) throw new Error(`upload answered ${r.status}: ${r.text.slice(0, 300)}`);
        out.push(r);
      }
      return out;
    });
    for (const sockets of socketCounts) {
      const { sync, replay } = await syncWave(url, db, seeded, hashes, sockets);
      figures[`sync: ${n} batches at once, ${sockets} sockets`] = sync;
      figures[`replay: ${n} batches again at once, ${sockets} sockets`] = replay;
    }
    return figures;
  } finally {
    tablets.destroy();
  }
}

const COLUMNS = [
  "p50 ms",
  "p99 ms",
  "max ms",
  "p99 since all sent, ms",
  "wall s",
  "sent again after 503",
  "kept (202)",
  "all stored s",
];

/** A row of figures in the order of COLUMNS, as printed (a column a wave lacks: a dash). */
const shown = (row: number[]) =>
  row
    .map((x, c) => (Number.isNaN(x) ? "–" : c === 4 || c === 7 ? (x / 1000).toFixed(2) : x.toFixed(0)))
    .join(" | ");

/** A wave's figures, in the order of COLUMNS (the wall time in ms). */
function summary(w: Wave): number[] {
  const served = w.served.map((s) => s.ms);
  const total = w.served.map((s) => s.totalMs);
  const retries = w.served.reduce((sum, s) => sum + s.retries, 0);
  return [
    percentile(served, 50),
    percentile(served, 99),
    Math.max(...served),
    percentile(total, 99),
    w.wallMs,
    retries,
    w.kept ?? Number.NaN,
    w.storedMs ?? Number.NaN,
  ].map((x, c) => (c >= 4 ? x : Math.round(x)));
}

/** Runs the field-sync benchmark with the options in `argv`. */
export async function runFieldSyncBench(argv: string[]): Promise<void> {
  const option = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const runs = Number(option("runs", "3"));
  const inspectors = Number(option("inspectors", "200"));
  const visits = Number(option("visits", "60"));
  const socketCounts = option("sockets", `10,${inspectors}`).split(",").map(Number);
  const bench = await createBenchDatabase("field_sync");
  const dataDir = mkdtempSync(join(tmpdir(), "bench-field-sync-"));
  let app: Server | undefined;
  let worker: Server | undefined;
  let db: pg.Client | undefined;
  try {
    const atOnce = option("at-once", "");
    const env = {
      ...(atOnce ? { FIELD_SYNC_AT_ONCE: atOnce } : {}),
      DATABASE_URL: bench.url,
      SHARED_DATA_DIR,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      PORT: "0",
      SEED_DEMO: "never",
    };
    const seedStarted = performance.now();
    await runNode(["server/cli/main.ts", "seed", ...(argv.includes("--full") ? [] : ["--fixture"])], env);
    db = new pg.Client({ connectionString: bench.url });
    await db.connect();
    const seeded = await seedField(db, inspectors, visits, Number(option("demands", "2")));
    const seedSeconds = ((performance.now() - seedStarted) / 1000).toFixed(0);
    console.log(`field-sync: ${inspectors} inspectors × ${visits} visits seeded in ${seedSeconds} s`);
    const profile = option("profile", "");
    app = await startServer(
      [...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []), "server/main.ts", "--roles=web"],
      env,
      APP_READY,
    );
    // The worker that stores the batches kept under the surge: a process of its own, as in production.
    worker = await startServer(
      ["server/main.ts", "--roles=worker"],
      { ...env, LOG_LEVEL: "info" },
      /Roles: (worker)/,
    );
    const runsFigures: RunFigures[] = [];
    for (let i = 0; i < runs; i++) {
      const load = loadavg()[0]?.toFixed(2);
      runsFigures.push(await runOnce(app.url, db, seeded, socketCounts));
      console.log(`  run ${i + 1} (load average ${load} before, ${loadavg()[0]?.toFixed(2)} after)`);
      for (const [name, w] of Object.entries(runsFigures.at(-1)!))
        console.log(`    ${name}: ${shown(summary(w))}`);
    }
    console.log(
      `\n| figure (median of ${runs} runs) | ${COLUMNS.join(" | ")} |\n|---${"|---".repeat(COLUMNS.length)}|`,
    );
    for (const name of Object.keys(runsFigures[0] ?? {})) {
      const columns = COLUMNS.map((_, c) =>
        percentile(
          runsFigures.map((f) => summary(f[name]!)[c]!),
          50,
        ),
      );
      console.log(`| ${name} | ${shown(columns)} |`);
    }
  } finally {
    if (app) await stopServer(app);
    if (worker) await stopServer(worker);
    await db?.end();
    await bench.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runFieldSyncBench(process.argv.slice(2));
}
