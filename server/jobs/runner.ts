/**
 * The worker: claims due outbox rows with FOR UPDATE SKIP LOCKED and runs the job registered for each. A claim is a
 * short lease (`locked_until`, LEASE_SECONDS) named by a `lease_id` of its own; while the worker holds or runs the
 * rows of a batch a heartbeat renews their leases, so a slow job keeps its row and a worker that dies (kill -9)
 * leaves rows that another worker takes again within a lease. Failures retry with exponential backoff until
 * `maxAttempts` (or at once on a `PermanentError`), then the row is parked as `dead` for supervisors and the job's
 * `onDead` runs in that same transaction. Every write after the claim names the lease it holds, so a worker whose
 * lease ran out never overwrites the row's next holder.
 * Only jobs in the registry are claimed, so rows written for a job another release handles wait untouched.
 */
import type { z } from "zod";
import type { AppContext } from "../context.ts";
import type { Sql } from "../db/index.ts";

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
}

/** Thrown by a job when trying again cannot help (a provider refused for good): the row goes dead at once. */
export class PermanentError extends Error {}

/** A claimed outbox row; `lease` (its `lease_id`) proves the claim is still this worker's. */
interface Claimed {
  id: number;
  job: string;
  payload: unknown;
  attempts: number;
  lease: string;
}

/** How long a claim lasts without a heartbeat before another worker may take the row again. */
export const LEASE_SECONDS = 30;

/** How often a worker renews the leases of the rows it holds: three renewals fit in one lease. */
export const HEARTBEAT_MS = 10_000;

/** How a batch is claimed and kept: rows per batch, lease length and heartbeat period (tests shorten them). */
export interface LeaseOptions {
  limit?: number;
  leaseSeconds?: number;
  heartbeatMs?: number;
}

/** Seconds to wait before attempt number `attempts + 1`: 30 s, 1 min, 2 min … capped at 1 h, with jitter. */
export function backoffSeconds(attempts: number): number {
  const base = Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Claims up to `limit` due rows of the given jobs, leasing each to this worker under a new lease id. */
export async function claimDue(
  sql: Sql,
  jobs: string[],
  limit: number,
  leaseSeconds = LEASE_SECONDS,
): Promise<Claimed[]> {
  return sql.query<Claimed>(
    `UPDATE outbox SET state = 'running', attempts = attempts + 1, lease_id = gen_random_uuid(),
            locked_until = now() + make_interval(secs => $3)
      WHERE id IN (
        SELECT id FROM outbox
         WHERE job = ANY($1) AND run_at <= now()
           AND (state = 'pending' OR (state = 'running' AND locked_until < now()))
         ORDER BY run_at, id
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING id, job, payload, attempts, lease_id::text AS lease`,
    [jobs, limit, leaseSeconds],
  );
}

/**
 * Renews the leases of rows this worker still holds; returns the leases renewed. A row missing from the answer was
 * taken by another worker after its lease ran out (or finished): this worker no longer holds it.
 */
export async function renewLeases(
  sql: Sql,
  held: readonly { id: number; lease: string }[],
  leaseSeconds = LEASE_SECONDS,
): Promise<Set<string>> {
  if (held.length === 0) return new Set();
  const rows = await sql.query<{ lease: string }>(
    `UPDATE outbox o SET locked_until = now() + make_interval(secs => $3)
       FROM unnest($1::bigint[], $2::uuid[]) AS h(id, lease)
      WHERE o.id = h.id AND o.lease_id = h.lease AND o.state = 'running'
      RETURNING o.lease_id::text AS lease`,
    [held.map((r) => r.id), held.map((r) => r.lease), leaseSeconds],
  );
  return new Set(rows.map((r) => r.lease));
}

/**
 * The heartbeat of one batch: every `heartbeatMs` it renews the leases of the rows not finished yet. `holds`
 * renews at once when the last renewal is older than half a lease (a heartbeat that failed, or a stalled process),
 * so a row is never started on a lease that may have run out.
 */
function startHeartbeat(db: Sql, rows: Claimed[], leaseSeconds: number, heartbeatMs: number) {
  const held = new Map(rows.map((r) => [r.lease, r]));
  let renewedAt = Date.now();
  let inFlight: Promise<void> | undefined;
  let failing = false;
  const renew = (): Promise<void> => {
    inFlight ??= (async () => {
      const startedAt = Date.now();
      try {
        const renewed = await renewLeases(db, [...held.values()], leaseSeconds);
        for (const lease of [...held.keys()]) if (!renewed.has(lease)) held.delete(lease);
        renewedAt = startedAt;
        failing = false;
      } catch (error) {
        // The database is unreachable: keep trying; `holds` refuses to start rows on a stale lease.
        if (!failing) console.error("worker: lease heartbeat failed", error);
        failing = true;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
  const timer = setInterval(() => void renew(), heartbeatMs);
  timer.unref();
  return {
    /** True when this worker still holds the row's lease (renewed within half a lease). */
    async holds(row: Claimed): Promise<boolean> {
      if (Date.now() - renewedAt > (leaseSeconds * 1000) / 2) await renew();
      if (Date.now() - renewedAt > (leaseSeconds * 1000) / 2) return false;
      return held.has(row.lease);
    },
    /** The row is finished (or given up): stop renewing it. */
    release(row: Claimed) {
      held.delete(row.lease);
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

/** Runs one claimed row's job and records the outcome: done, retry later, or dead. */
async function runClaimed(ctx: AppContext, job: Job, row: Claimed): Promise<"done" | "retry" | "dead"> {
  const claim: Claim = { id: row.id, attempts: row.attempts };
  const parsed = job.payload.safeParse(row.payload);
  try {
    // A payload that does not parse now never will.
    if (!parsed.success) throw new PermanentError(`invalid payload: ${parsed.error.message}`);
    await job.run(ctx, parsed.data, claim);
    await ctx.db.query(
      `UPDATE outbox SET state = 'done', done_at = now(), locked_until = NULL, lease_id = NULL
        WHERE id = $1 AND lease_id = $2::uuid`,
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
    return dead ? "dead" : "retry";
  }
}

/** Claims and runs one batch, its leases kept alive by a heartbeat; returns how many rows it claimed. */
export async function runOnce(
  ctx: AppContext,
  jobs: readonly Job[],
  options: LeaseOptions = {},
): Promise<number> {
  const { limit = 20, leaseSeconds = LEASE_SECONDS, heartbeatMs = HEARTBEAT_MS } = options;
  const registry = new Map(jobs.map((j) => [j.name, j]));
  const claimed = await claimDue(ctx.db, [...registry.keys()], limit, leaseSeconds);
  if (claimed.length === 0) return 0;
  const heartbeat = startHeartbeat(ctx.db, claimed, leaseSeconds, heartbeatMs);
  try {
    for (const row of claimed) {
      // Rows of a batch wait while earlier ones run; one whose lease was lost meanwhile is another worker's now.
      if (await heartbeat.holds(row)) await runClaimed(ctx, registry.get(row.job)!, row);
      heartbeat.release(row);
    }
  } finally {
    await heartbeat.stop();
  }
  return claimed.length;
}

/** Runs the worker loop until `stop()` is called: busy batches back to back, idle polls every `idleMs`. */
export function startWorker(
  ctx: AppContext,
  jobs: readonly Job[],
  idleMs = 1000,
  options: LeaseOptions = {},
): { stop(): Promise<void> } {
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      let handled = 0;
      try {
        handled = await runOnce(ctx, jobs, options);
      } catch (error) {
        console.error("worker: batch failed", error);
      }
      if (handled === 0 && running) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, idleMs);
        });
      }
    }
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
