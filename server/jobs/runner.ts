/**
 * The worker: claims due outbox rows with FOR UPDATE SKIP LOCKED and runs the job registered for each. A claim is a
 * lease (`locked_until`): a worker that dies mid-job leaves a row that is taken again when the lease runs out.
 * Failures retry with exponential backoff until `maxAttempts` (or at once on a `PermanentError`), then the row is
 * parked as `dead` for supervisors and the job's `onDead` runs in that same transaction. Every write after the claim
 * names the lease it holds, so a worker whose lease ran out never overwrites the row's next holder.
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

/** A claimed outbox row; `lease` (its `locked_until` as text) proves the claim is still this worker's. */
interface Claimed {
  id: number;
  job: string;
  payload: unknown;
  attempts: number;
  lease: string;
}

/** How long a claim lasts before another worker may take the row again. */
export const LEASE_SECONDS = 300;

/** Seconds to wait before attempt number `attempts + 1`: 30 s, 1 min, 2 min … capped at 1 h, with jitter. */
export function backoffSeconds(attempts: number): number {
  const base = Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Claims up to `limit` due rows of the given jobs, leasing them to this worker. */
export async function claimDue(sql: Sql, jobs: string[], limit: number): Promise<Claimed[]> {
  return sql.query<Claimed>(
    `UPDATE outbox SET state = 'running', attempts = attempts + 1,
            locked_until = now() + make_interval(secs => $3)
      WHERE id IN (
        SELECT id FROM outbox
         WHERE job = ANY($1) AND run_at <= now()
           AND (state = 'pending' OR (state = 'running' AND locked_until < now()))
         ORDER BY run_at, id
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING id, job, payload, attempts, locked_until::text AS lease`,
    [jobs, limit, LEASE_SECONDS],
  );
}

/** Runs one claimed row's job and records the outcome: done, retry later, or dead. */
async function runClaimed(
  ctx: AppContext,
  registry: Map<string, Job>,
  row: Claimed,
  claimedAt: number,
): Promise<"done" | "retry" | "dead" | "lost"> {
  const job = registry.get(row.job)!;
  // Rows of a batch wait while earlier ones run. Past half its lease a row's lease is renewed before the job runs;
  // one whose lease ran out meanwhile may have been taken by another worker, and this worker leaves it alone.
  let lease = row.lease;
  if (Date.now() - claimedAt > (LEASE_SECONDS * 1000) / 2) {
    const held = await ctx.db.query<{ lease: string }>(
      `UPDATE outbox SET locked_until = now() + make_interval(secs => $3)
        WHERE id = $1 AND state = 'running' AND locked_until = $2::timestamptz
        RETURNING locked_until::text AS lease`,
      [row.id, row.lease, LEASE_SECONDS],
    );
    if (!held[0]) return "lost";
    lease = held[0].lease;
  }
  const claim: Claim = { id: row.id, attempts: row.attempts };
  const parsed = job.payload.safeParse(row.payload);
  try {
    // A payload that does not parse now never will.
    if (!parsed.success) throw new PermanentError(`invalid payload: ${parsed.error.message}`);
    await job.run(ctx, parsed.data, claim);
    await ctx.db.query(
      `UPDATE outbox SET state = 'done', done_at = now(), locked_until = NULL
        WHERE id = $1 AND locked_until = $2::timestamptz`,
      [row.id, lease],
    );
    return "done";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const dead = error instanceof PermanentError || row.attempts >= job.maxAttempts;
    await ctx.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE outbox SET state = $2, last_error = $3, locked_until = NULL,
                run_at = CASE WHEN $2 = 'pending' THEN now() + make_interval(secs => $4) ELSE run_at END
          WHERE id = $1 AND locked_until = $5::timestamptz RETURNING id`,
        [row.id, dead ? "dead" : "pending", message.slice(0, 2000), backoffSeconds(row.attempts), lease],
      );
      if (dead && updated.length > 0 && parsed.success && job.onDead) {
        await job.onDead(tx, parsed.data, claim, message);
      }
    });
    return dead ? "dead" : "retry";
  }
}

/** Claims and runs one batch; returns how many rows it handled. */
export async function runOnce(ctx: AppContext, jobs: readonly Job[], limit = 20): Promise<number> {
  const registry = new Map(jobs.map((j) => [j.name, j]));
  const claimedAt = Date.now();
  const claimed = await claimDue(ctx.db, [...registry.keys()], limit);
  for (const row of claimed) await runClaimed(ctx, registry, row, claimedAt);
  return claimed.length;
}

/** Runs the worker loop until `stop()` is called: busy batches back to back, idle polls every `idleMs`. */
export function startWorker(ctx: AppContext, jobs: readonly Job[], idleMs = 1000): { stop(): Promise<void> } {
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      let handled = 0;
      try {
        handled = await runOnce(ctx, jobs);
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
