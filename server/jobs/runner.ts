/**
 * The worker: claims due outbox rows with FOR UPDATE SKIP LOCKED (leases kept by a heartbeat: ./leases.ts) and runs
 * the job registered for each, up to `WORKER_CONCURRENCY` at once, each job in its own transactions. Jobs of one
 * demand run one after another in the order they were written (its routing before the messages it causes), the rest
 * side by side. Failures retry with exponential backoff until `maxAttempts` (or at once on a `PermanentError`), then
 * the row is parked as `dead` for supervisors and the job's `onDead` runs in that same transaction. Every write after
 * the claim names the lease it holds, so a worker whose lease ran out never overwrites the row's next holder.
 * A stopping worker claims nothing more, gives back at once the rows it has not started, and lets running jobs
 * finish for a bounded time (decision 0034). Each job runs under the request id that queued it.
 * Only jobs in the registry are claimed, so rows written for a job another release handles wait untouched.
 */
import type { z } from "zod";
import type { AppContext } from "../context.ts";
import type { Sql } from "../db/index.ts";
import { runWithRequestId } from "../observability/context.ts";
import { logger } from "../observability/log.ts";
import { runAsTenant } from "../tenants/current.ts";
import { OUTBOX_DUE } from "./enqueue.ts";
import {
  type Claimed,
  claimDue,
  giveBack,
  HEARTBEAT_MS,
  type Heartbeat,
  LEASE_SECONDS,
  NO_FLUSH,
  startHeartbeat,
} from "./leases.ts";

const log = logger("worker");

/** A job: its name (the outbox `job` column), the payload schema, and what it does. */
export interface Job<P extends z.ZodType = z.ZodType> {
  name: string;
  payload: P;
  /** Attempts before the row goes dead. */
  maxAttempts: number;
  /** `claim` is the outbox row being run; absent when a test or a command calls the job directly. */
  run(ctx: AppContext, payload: z.infer<P>, claim?: Claim): Promise<void>;
  /** Called inside the transaction that parks the row as dead (e.g. to raise an alarm); `error` is the last one. */
  onDead?(tx: Sql, payload: z.infer<P>, claim: Claim, error: string): Promise<void>;
}

/** The outbox row a job runs for: its id and which attempt this is (1 on the first run). */
export interface Claim {
  id: number;
  attempts: number;
  /** The lease the runner holds on the row (absent when a test or a command calls the job directly). */
  lease?: string;
  /** Set by `finishIn`: the job marked its row done in its own last transaction. */
  finished?: boolean;
}

/**
 * Marks the claimed row done inside the job's own last transaction, so the outcome and the row's end are one commit
 * instead of two (decision 0041). Only as the job's last write: once that transaction commits, nothing after it
 * runs again. Names the lease like every write of the runner, so a row another worker took meanwhile is left alone.
 */
export async function finishIn(tx: Sql, claim: Claim | undefined): Promise<void> {
  if (!claim?.lease) return;
  await tx.query(FINISH_SQL("$1", "$2"), [claim.id, claim.lease]);
  claim.finished = true;
}

/**
 * The statement of `finishIn`, for a job that ends its row in a CTE of its own last write (one round trip less):
 * `id` and `lease` are the statement's parameters holding the claim's id and lease. After that statement the job
 * calls `markFinished(claim)`.
 */
export const FINISH_SQL = (id: string, lease: string) =>
  `UPDATE outbox SET state = 'done', done_at = now(), locked_until = NULL, lease_id = NULL
    WHERE id = ${id} AND lease_id = ${lease}::uuid`;

/** Says that the job ended its row itself, in a statement written with FINISH_SQL. */
export function markFinished(claim: Claim): void {
  claim.finished = true;
}

/** Thrown by a job when trying again cannot help (a provider refused for good): the row goes dead at once. */
export class PermanentError extends Error {}

/** How a worker claims and keeps rows: rows per claim, lease length and heartbeat period (tests shorten them). */
export interface LeaseOptions {
  limit?: number;
  leaseSeconds?: number;
  heartbeatMs?: number;
  /** Jobs run at once. `runOnce` runs its batch one by one unless told; `startWorker` takes the configured bound. */
  concurrency?: number;
}

/** Seconds to wait before attempt number `attempts + 1`: 30 s, 1 min, 2 min … capped at 1 h, with jitter. */
export function backoffSeconds(attempts: number): number {
  const base = Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Runs one claimed row's job and records the outcome: done, retry later, or dead. */
async function runClaimed(ctx: AppContext, job: Job, row: Claimed): Promise<"done" | "retry" | "dead"> {
  const claim: Claim = { id: row.id, attempts: row.attempts, lease: row.lease };
  const parsed = job.payload.safeParse(row.payload);
  try {
    // A payload that does not parse now never will.
    if (!parsed.success) throw new PermanentError(`invalid payload: ${parsed.error.message}`);
    await job.run(ctx, parsed.data, claim);
    // The job ended its row in its own last transaction (`finishIn`): no commit of the runner's left to make.
    if (claim.finished) return "done";
    await ctx.db.query(
      `${NO_FLUSH}
       UPDATE outbox SET state = 'done', done_at = now(), locked_until = NULL, lease_id = NULL
         FROM no_flush WHERE id = $1 AND lease_id = $2::uuid`,
      [row.id, row.lease],
    );
    return "done";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const dead = error instanceof PermanentError || row.attempts >= job.maxAttempts;
    await ctx.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE outbox SET state = $2, last_error = $3, locked_until = NULL, lease_id = NULL,
                run_at = CASE WHEN $2 = 'pending' THEN now() + make_interval(secs => $4) ELSE run_at END
          WHERE id = $1 AND lease_id = $5::uuid RETURNING id`,
        [row.id, dead ? "dead" : "pending", message.slice(0, 2000), backoffSeconds(row.attempts), row.lease],
      );
      if (dead && updated.length > 0 && parsed.success && job.onDead) {
        await job.onDead(tx, parsed.data, claim, message);
      }
    });
    // The message may name a citizen's contact: it stays in the row (`last_error`); the line (with the job's request
    // id, mixed in by the logger) says which row, which attempt and what kind of error.
    log.warn(
      {
        job: row.job,
        outboxId: row.id,
        attempt: row.attempts,
        outcome: dead ? "dead" : "retry",
        errorClass: error instanceof Error ? error.constructor.name : typeof error,
      },
      "job failed",
    );
    return dead ? "dead" : "retry";
  }
}

/**
 * What orders a row among the others of its batch: the jobs of one demand (routing, its messages) share a key and
 * run one after another in id order, which is the order they were written in. Rows without a demand run freely.
 */
function orderKey(row: Claimed): number | undefined {
  const demandId = (row.payload as { demandId?: unknown } | null)?.demandId;
  return typeof demandId === "number" ? demandId : undefined;
}

/**
 * The lanes of a worker: the rows it claimed, queued until a lane is free and their demand has no other job
 * running, then run `concurrency` at a time. `changed` resolves whenever a job finishes.
 */
function startLanes(ctx: AppContext, registry: Map<string, Job>, heartbeat: Heartbeat, concurrency: number) {
  const queued: Claimed[] = [];
  const running = new Map<number, { row: Claimed; done: Promise<void> }>();
  const busy = new Set<number>();
  let waiters: Array<() => void> = [];
  let stopping = false;

  const start = (row: Claimed, key: number | undefined) => {
    if (key !== undefined) busy.add(key);
    const done = (async () => {
      try {
        // A row whose lease was lost while it waited is another worker's now.
        if (await heartbeat.holds(row)) {
          const requestId = row.request_id ?? `job-${row.id}`;
          await runAsTenant(row.tenant_id, () =>
            runWithRequestId(requestId, () => runClaimed(ctx, registry.get(row.job)!, row)),
          );
        }
      } catch (error) {
        // Recording the outcome failed (the database went away): the lease runs out and the row is taken again.
        log.error({ err: error, job: row.job, outboxId: row.id }, "could not record the job's outcome");
      } finally {
        heartbeat.release(row);
        running.delete(row.id);
        if (key !== undefined) busy.delete(key);
        pump();
        const woken = waiters;
        waiters = [];
        for (const wake of woken) wake();
      }
    })();
    running.set(row.id, { row, done });
  };

  const pump = () => {
    for (let i = 0; !stopping && i < queued.length && running.size < concurrency; ) {
      const row = queued[i]!;
      const key = orderKey(row);
      if (key !== undefined && busy.has(key)) {
        i++;
        continue;
      }
      queued.splice(i, 1);
      start(row, key);
    }
  };

  return {
    /** Rows held: queued or running. */
    size: () => queued.length + running.size,
    /**
     * How many rows to claim now. Nothing while every lane is busy and a row is in hand; otherwise enough to hold
     * two rows per lane, so one claim feeds several jobs (a claim is a round trip and an index scan: claiming for
     * each finished job cost one per job) and a lane that frees finds its next row already here. Rows waiting
     * behind a job of their demand hold no lane (a claim brings a demand's routing and its receipt together), so
     * an idle lane claims one more even then, up to four rows per lane.
     */
    free: () => {
      const held = queued.length + running.size;
      if (running.size >= concurrency && queued.length > 0) return 0;
      const ahead = 2 * concurrency - held;
      return Math.max(0, Math.min(Math.max(ahead, concurrency - running.size), 4 * concurrency - held));
    },
    /** Jobs running now. */
    busy: () => running.size,
    admit(rows: readonly Claimed[]) {
      queued.push(...[...rows].sort((a, b) => a.id - b.id));
      pump();
    },
    /** Resolves when a job finishes (or at once when none is running). */
    changed: () =>
      running.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    /** Stops starting rows and hands back those not started yet. */
    takeQueued(): Claimed[] {
      stopping = true;
      return queued.splice(0);
    },
    running: () => [...running.values()],
  };
}

/** Claims and runs one batch (one row at a time unless `concurrency` says otherwise); returns how many it claimed. */
export async function runOnce(
  ctx: AppContext,
  jobs: readonly Job[],
  options: LeaseOptions = {},
): Promise<number> {
  const { limit = 20, leaseSeconds = LEASE_SECONDS, heartbeatMs = HEARTBEAT_MS, concurrency = 1 } = options;
  const registry = new Map(jobs.map((j) => [j.name, j]));
  const claimed = await claimDue(ctx.db, [...registry.keys()], limit, leaseSeconds);
  if (claimed.length === 0) return 0;
  const heartbeat = startHeartbeat(ctx.db, leaseSeconds, heartbeatMs);
  heartbeat.add(claimed);
  const lanes = startLanes(ctx, registry, heartbeat, concurrency);
  try {
    lanes.admit(claimed);
    while (lanes.size() > 0) await lanes.changed();
  } finally {
    await heartbeat.stop();
  }
  return claimed.length;
}

/**
 * Jobs a worker runs at once: WORKER_CONCURRENCY, kept two below the PostgreSQL pool (a job holds one connection
 * at a time; the heartbeat and a web role in the same process need theirs). PGlite has no pool to share.
 */
export function workerConcurrency(ctx: AppContext): number {
  const wanted = ctx.config.workerConcurrency ?? 8;
  return ctx.db.kind === "postgres" ? Math.max(1, Math.min(wanted, ctx.config.poolSize - 2)) : wanted;
}

/** How the worker loop runs: idle poll period, jobs at once, how long `stop()` lets running jobs finish. */
export interface WorkerOptions extends LeaseOptions {
  idleMs?: number;
  stopGraceMs?: number;
}

/**
 * Runs the worker loop until `stop()`: claims as many due rows as it has free lanes, polls every `idleMs` when
 * nothing is due. `stop()` claims nothing more, gives back at once every row not started, waits for running jobs up
 * to `stopGraceMs` (half of SHUTDOWN_TIMEOUT_MS), then gives back those still running (their process is exiting).
 */
export function startWorker(
  ctx: AppContext,
  jobs: readonly Job[],
  idleMs = 1000,
  options: WorkerOptions = {},
): { stop(): Promise<void> } {
  const { leaseSeconds = LEASE_SECONDS, heartbeatMs = HEARTBEAT_MS } = options;
  const concurrency = options.concurrency ?? workerConcurrency(ctx);
  const stopGraceMs = options.stopGraceMs ?? (ctx.config.shutdownTimeoutMs ?? 10_000) / 2;
  const registry = new Map(jobs.map((j) => [j.name, j]));
  const names = [...registry.keys()];
  const heartbeat = startHeartbeat(ctx.db, leaseSeconds, heartbeatMs);
  const lanes = startLanes(ctx, registry, heartbeat, concurrency);
  let running = true;
  let wake: (() => void) | undefined;
  // A signal that came while the loop was claiming: the next pause does not wait.
  let signalled = false;
  const pause = (ms: number | undefined) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      if (signalled && ms !== undefined) {
        signalled = false;
        return resolve();
      }
      if (ms !== undefined) {
        const timer = setTimeout(resolve, ms);
        // Woken early (a signal, stop()): the idle timer goes too, so none outlives its pause.
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        // Nothing more was due, but a running job may queue the next (a routing, its messages): when one ends,
        // look again at once rather than after the idle period.
        if (lanes.busy() > 0) {
          void lanes.changed().then(() => {
            clearTimeout(timer);
            resolve();
          });
        }
      }
      // Every lane busy: a finished job frees one.
      else void lanes.changed().then(resolve);
    });
  // Woken by a writer outside the workers (a provider's webhook) as soon as it commits; polling stays the safety net.
  const unlisten = ctx.db
    .listen(OUTBOX_DUE, () => {
      signalled = true;
      wake?.();
    })
    .catch((error) => {
      log.warn({ err: error }, "listening for due jobs failed: polling only");
      return undefined;
    });
  const loop = (async () => {
    while (running) {
      const free = Math.min(options.limit ?? concurrency, lanes.free());
      // What this claim will see needs no signal; one that comes during it does.
      signalled = false;
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await claimDue(ctx.db, names, free, leaseSeconds);
          claimed = rows.length;
          heartbeat.add(rows);
          lanes.admit(rows);
        } catch (error) {
          log.error({ err: error }, "claim failed");
        }
      }
      if (!running) break;
      // Fewer due rows than free lanes: nothing more is due now, look again after idleMs. Every lane busy: wait for
      // one. Otherwise (rows waiting behind their demand's job left lanes idle) claim again at once.
      if (free > 0 && claimed < free) await pause(idleMs);
      else if (lanes.free() === 0) await pause(undefined);
    }
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
      await (await unlisten)?.();
      const queued = lanes.takeQueued();
      for (const row of queued) heartbeat.release(row);
      try {
        await giveBack(ctx.db, queued, false);
        const grace = new Promise<"late">((resolve) => setTimeout(resolve, stopGraceMs, "late").unref());
        const still = lanes.running();
        const late = await Promise.race([Promise.all(still.map((r) => r.done)), grace]);
        if (late === "late") {
          const rows = lanes.running().map((r) => r.row);
          // The process exits next, so these jobs stop: another worker takes them now (at least once, decision 0023).
          await giveBack(ctx.db, rows, true);
          log.warn({ jobs: rows.length, graceMs: stopGraceMs }, "gave back jobs still running at the stop");
        }
      } finally {
        await heartbeat.stop();
      }
    },
  };
}
