/**
 * The scheduler: writes one outbox row per periodic job per time slot. The row's dedupe key is the job name and the
 * slot's start, so two schedulers running at once write it once; workers then run it like any other job.
 */
import type { AppContext } from "../context.ts";
import type { Sql } from "../db/index.ts";
import { logger } from "../observability/log.ts";
import { DEFAULT_TENANT, runAsTenant } from "../tenants/current.ts";
import { activeTenantIds } from "../tenants/queries.ts";
import { enqueue } from "./enqueue.ts";
import type { JOB_PAYLOADS, JobName, SlotPayload } from "./payloads.ts";

const log = logger("scheduler");

/** A job that takes its time slot as payload: the only kind the scheduler can queue. */
export type PeriodicJobName = {
  [J in JobName]: (typeof JOB_PAYLOADS)[J] extends typeof SlotPayload ? J : never;
}[JobName];

/** A periodic job: which registered job to enqueue, and how often. */
export interface Periodic {
  job: PeriodicJobName;
  everySeconds: number;
  /**
   * The job reads a provider the install's configuration names (EMAIL_IMAP_URL): that mailbox is the default
   * tenant's, so only the default tenant runs it; another tenant polling it would take in the default's messages.
   */
  defaultTenantOnly?: true;
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
    const id = await enqueue(
      sql,
      p.job,
      { slot: new Date(slot * 1000).toISOString() },
      { dedupeKey: `${p.job}@${slot}` },
    );
    if (id !== null) written++;
  }
  return written;
}

/**
 * Enqueues the periodic jobs of every active tenant, each row the tenant's own (its deadlines, digests and indicators
 * are its work). A suspended tenant's periodic work waits until it is active again.
 */
export async function enqueueForEveryTenant(
  ctx: AppContext,
  periodic: readonly Periodic[],
  now: Date = new Date(),
): Promise<number> {
  let written = 0;
  for (const tenant of await activeTenantIds(ctx.db)) {
    const theirs = tenant === DEFAULT_TENANT ? periodic : periodic.filter((p) => !p.defaultTenantOnly);
    written += await runAsTenant(tenant, () => enqueueDue(ctx.db, theirs, now));
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
    ticking = enqueueForEveryTenant(ctx, periodic).catch((error) => log.error({ err: error }, "tick failed"));
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
