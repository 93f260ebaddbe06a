/**
 * The scheduler: writes one outbox row per periodic job per time slot. The row's dedupe key is the job name and the
 * slot's start, so two schedulers running at once write it once; workers then run it like any other job.
 */
import type { AppContext } from "../context.ts";
import type { Sql } from "../db/index.ts";
import { logger } from "../observability/log.ts";

const log = logger("scheduler");

/** A periodic job: which registered job to enqueue, and how often. */
export interface Periodic {
  job: string;
  everySeconds: number;
}

/** Enqueues every periodic job whose current slot has no row yet; returns how many rows it wrote. */
export async function enqueueDue(
  sql: Sql,
  periodic: readonly Periodic[],
  now: Date = new Date(),
): Promise<number> {
  let written = 0;
  for (const p of periodic) {
    const slot = Math.floor(now.getTime() / 1000 / p.everySeconds) * p.everySeconds;
    const rows = await sql.query(
      `INSERT INTO outbox (job, payload, dedupe_key) VALUES ($1, $2, $3)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [p.job, JSON.stringify({ slot: new Date(slot * 1000).toISOString() }), `${p.job}@${slot}`],
    );
    written += rows.length;
  }
  return written;
}

/** Runs the scheduler loop until stopped, checking every `tickMs`. */
export function startScheduler(
  ctx: AppContext,
  periodic: readonly Periodic[],
  tickMs = 15_000,
): { stop(): Promise<void> } {
  let ticking: Promise<unknown> = Promise.resolve();
  const tick = () => {
    ticking = enqueueDue(ctx.db, periodic).catch((error) => log.error({ err: error }, "tick failed"));
  };
  tick();
  const timer = setInterval(tick, tickMs);
  return {
    /** Stops ticking and waits for a tick under way, so the database is not closed under its insert. */
    async stop() {
      clearInterval(timer);
      await ticking;
    },
  };
}
