/**
 * Prometheus metrics (prom-client). Three registries, scraped together: the process's own (Node.js and process
 * metrics with event-loop lag, and the deadline scan's time and alarms, recorded where the scan runs), the
 * database's (outbox depth and age, dead letters, recent deliveries, open alarms: read at scrape time with one
 * cheap statement, cached briefly, so they are the same whichever process answers), and the HTTP app's (requests
 * and their duration per route pattern and status class, http-metrics.ts).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type Db, poolUse } from "../db/index.ts";
import { runAcrossTenants } from "../tenants/current.ts";

/** The content type of the text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** How long the database figures of one scrape are reused: two Prometheus servers share one read. */
const DATABASE_CACHE_MS = 5_000;

/** Deliveries and alarms are counted over this recent window (seconds). */
export const RECENT_SECONDS = 300;

let processMetrics:
  | { registry: Registry; scanSeconds: Histogram; alarmsRaised: Counter; scans: Counter }
  | undefined;

/** The process's registry, made once per process (default metrics start their event-loop monitor only once). */
function ownMetrics() {
  if (processMetrics) return processMetrics;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  processMetrics = {
    registry,
    scanSeconds: new Histogram({
      name: "responsiva_deadline_scan_duration_seconds",
      help: "Time of one deadline scan (scan-deadlines job): every due alarm instant taken and raised",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    alarmsRaised: new Counter({
      name: "responsiva_deadline_alarms_raised_total",
      help: "Alarms raised by this process's deadline scans",
      registers: [registry],
    }),
    scans: new Counter({
      name: "responsiva_deadline_scans_total",
      help: "Deadline scans run by this process",
      registers: [registry],
    }),
  };
  return processMetrics;
}

/** The process's registry. */
export function processRegistry(): Registry {
  return ownMetrics().registry;
}

/** Runs one deadline scan, recording its time and the alarms it raised. */
export async function timeDeadlineScan<T extends { alarms: number }>(scan: () => Promise<T>): Promise<T> {
  const metrics = ownMetrics();
  const end = metrics.scanSeconds.startTimer();
  try {
    const result = await scan();
    metrics.alarmsRaised.inc(result.alarms);
    return result;
  } finally {
    end();
    metrics.scans.inc();
  }
}

interface DatabaseFigures {
  outbox: { job: string; depth: number; oldest: number }[];
  dead: { job: string; n: number }[];
  deliveries: { channel: string; outcome: string; n: number }[];
  alarms: { kind: string; level: number; n: number }[];
}

// One statement, each part on a partial index: the due outbox rows (outbox_due_idx), the dead ones
// (outbox_dead_idx), the attempts that finished recently (message_attempts_finished_idx), the open alarms.
const DATABASE_FIGURES = `SELECT
  (SELECT coalesce(json_agg(o), '[]') FROM (
     SELECT job, count(*)::int AS depth,
            coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now())), 0)::float8 AS oldest
       FROM outbox WHERE state IN ('pending', 'running') GROUP BY job) o) AS outbox,
  (SELECT coalesce(json_agg(d), '[]') FROM (
     SELECT job, count(*)::int AS n FROM outbox WHERE state = 'dead' GROUP BY job) d) AS dead,
  (SELECT coalesce(json_agg(m), '[]') FROM (
     SELECT channel, coalesce(outcome, 'unknown') AS outcome, count(*)::int AS n FROM message_attempts
      WHERE finished_at > now() - make_interval(secs => $1) GROUP BY 1, 2) m) AS deliveries,
  (SELECT coalesce(json_agg(a), '[]') FROM (
     SELECT kind, level, count(*)::int AS n FROM alarms WHERE acknowledged_at IS NULL GROUP BY 1, 2) a) AS alarms`;

/**
 * The database's registry over `db`. A scrape that cannot read the database still answers (the process metrics
 * matter most then), with `responsiva_database_up` 0 and no database figures.
 */
export function databaseRegistry(db: Db): Registry {
  const registry = new Registry();
  let cached: { at: number; figures: Promise<DatabaseFigures | undefined> } | undefined;
  const figures = () => {
    if (!cached || Date.now() - cached.at > DATABASE_CACHE_MS) {
      cached = {
        at: Date.now(),
        // The install's figures: every tenant's queue, dead letters and alarms (decision 0059).
        figures: runAcrossTenants(() => db.query<DatabaseFigures>(DATABASE_FIGURES, [RECENT_SECONDS]))
          .then((rows) => rows[0])
          .catch(() => undefined),
      };
    }
    return cached.figures;
  };
  /** A gauge whose values are set from the figures at each scrape (labels of vanished jobs disappear). */
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    fill: (g: Gauge<L>, f: DatabaseFigures) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const f = await figures();
        if (f) fill(this, f);
      },
    });
  new Gauge({
    name: "responsiva_database_up",
    help: "1 when the last scrape read the database's figures, else 0",
    registers: [registry],
    async collect() {
      this.set((await figures()) ? 1 : 0);
    },
  });
  gauge("responsiva_outbox_depth", "Outbox rows pending or running, per job", ["job"], (g, f) => {
    for (const r of f.outbox) g.set({ job: r.job }, r.depth);
  });
  gauge(
    "responsiva_outbox_oldest_age_seconds",
    "Seconds the oldest due outbox row of each job has been waiting to run",
    ["job"],
    (g, f) => {
      for (const r of f.outbox) g.set({ job: r.job }, r.oldest);
    },
  );
  gauge("responsiva_outbox_dead", "Dead letters (outbox rows parked as dead), per job", ["job"], (g, f) => {
    for (const r of f.dead) g.set({ job: r.job }, r.n);
  });
  gauge(
    "responsiva_message_deliveries_recent",
    `Attempts to deliver a message to a citizen finished in the last ${RECENT_SECONDS} s, per channel and outcome`,
    ["channel", "outcome"],
    (g, f) => {
      for (const r of f.deliveries) g.set({ channel: r.channel, outcome: r.outcome }, r.n);
    },
  );
  gauge(
    "responsiva_alarms_open",
    "Alarms not acknowledged yet, per kind and level",
    ["kind", "level"],
    (g, f) => {
      for (const r of f.alarms) g.set({ kind: r.kind, level: String(r.level) }, r.n);
    },
  );
  const pool = (name: string, help: string, pick: (u: ReturnType<typeof poolUse>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(poolUse(db)));
      },
    });
  pool("responsiva_db_pool_size", "Database connections open (PGlite: 1)", (u) => u.size);
  pool("responsiva_db_pool_in_use", "Database connections running a query (PGlite: 0 or 1)", (u) => u.inUse);
  pool("responsiva_db_pool_waiting", "Queries waiting for a database connection", (u) => u.waiting);
  return registry;
}

/** The text exposition of several registries, one after the other (their metric names never clash). */
export async function scrape(registries: readonly Registry[]): Promise<string> {
  const parts = await Promise.all(registries.map((r) => r.metrics()));
  return parts.filter((p) => p !== "").join("\n");
}
