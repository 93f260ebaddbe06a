/**
 * Claims on outbox rows: a claim is a short lease (`locked_until`, LEASE_SECONDS) named by a `lease_id` of its own,
 * taken with FOR UPDATE SKIP LOCKED, renewed by a heartbeat while the worker holds the row, and given back at once
 * when a stopping worker will not run it (decisions 0023 and 0034).
 */

import type { Sql } from "../db/index.ts";
import { logger } from "../observability/log.ts";
import { runAcrossTenants } from "../tenants/current.ts";

const log = logger("worker");

/**
 * Prefix of the runner's own bookkeeping statements (claim, renewal, give-back, done): committed without waiting for
 * the WAL flush. Losing one in a database crash only makes a row run again — what at-least-once jobs are written
 * for — and the next durable commit (the job's own) flushes it anyway; waiting for it cost a flush per job.
 */
export const NO_FLUSH = "WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true))";

/** A claimed outbox row; `lease` (its `lease_id`) proves the claim is still this worker's. */
export interface Claimed {
  id: number;
  job: string;
  payload: unknown;
  attempts: number;
  lease: string;
  /** The request that queued the job (migration 0043), or null for periodic and out-of-request work. */
  request_id: string | null;
  /** The tenant whose job it is: the job runs as that tenant's work (decision 0059). */
  tenant_id: number;
}

/** How long a claim lasts without a heartbeat before another worker may take the row again. */
export const LEASE_SECONDS = 30;

/** How often a worker renews the leases of the rows it holds: three renewals fit in one lease. */
export const HEARTBEAT_MS = 10_000;

/** Claims up to `limit` due rows of the given jobs, leasing each to this worker under a new lease id. */
export async function claimDue(
  sql: Sql,
  jobs: string[],
  limit: number,
  leaseSeconds = LEASE_SECONDS,
): Promise<Claimed[]> {
  // The worker serves every tenant: its claim is the platform's work, each job then runs as its tenant's.
  return runAcrossTenants(() =>
    sql.query<Claimed>(
      `${NO_FLUSH}
     UPDATE outbox SET state = 'running', attempts = attempts + 1, lease_id = gen_random_uuid(),
            locked_until = now() + make_interval(secs => $3)
       FROM no_flush
      WHERE id IN (
        SELECT id FROM outbox
         WHERE job = ANY($1) AND run_at <= now()
           AND (state = 'pending' OR (state = 'running' AND locked_until < now()))
         ORDER BY run_at, id
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING id, job, payload, attempts, lease_id::text AS lease, request_id, tenant_id`,
      [jobs, limit, leaseSeconds],
    ),
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
  const rows = await runAcrossTenants(() =>
    sql.query<{ lease: string }>(
      `${NO_FLUSH}
     UPDATE outbox o SET locked_until = now() + make_interval(secs => $3)
       FROM unnest($1::bigint[], $2::uuid[]) AS h(id, lease), no_flush
      WHERE o.id = h.id AND o.lease_id = h.lease AND o.state = 'running'
      RETURNING o.lease_id::text AS lease`,
      [held.map((r) => r.id), held.map((r) => r.lease), leaseSeconds],
    ),
  );
  return new Set(rows.map((r) => r.lease));
}

/**
 * Gives rows this worker holds back to the queue now (pending, no lease), so another worker takes them without
 * waiting for the lease to run out. A row that never started gets its attempt back; one that `started` keeps it.
 * Returns the ids given back (a row already finished, or taken by another worker, is left alone).
 */
export async function giveBack(
  sql: Sql,
  rows: readonly { id: number; lease: string }[],
  started: boolean,
): Promise<number[]> {
  if (rows.length === 0) return [];
  const back = await runAcrossTenants(() =>
    sql.query<{ id: number }>(
      `${NO_FLUSH}
     UPDATE outbox o SET state = 'pending', lease_id = NULL, locked_until = NULL,
            attempts = CASE WHEN $3 THEN o.attempts ELSE greatest(o.attempts - 1, 0) END
       FROM unnest($1::bigint[], $2::uuid[]) AS h(id, lease), no_flush
      WHERE o.id = h.id AND o.lease_id = h.lease AND o.state = 'running'
      RETURNING o.id`,
      [rows.map((r) => r.id), rows.map((r) => r.lease), started],
    ),
  );
  return back.map((r) => Number(r.id));
}

/** The heartbeat of a worker's held rows; see `startHeartbeat`. */
export interface Heartbeat {
  /** Starts renewing these freshly claimed rows. */
  add(rows: readonly Claimed[]): void;
  /** True when this worker still holds the row's lease (renewed within half a lease). */
  holds(row: Claimed): Promise<boolean>;
  /** The row is finished, given back or given up: stop renewing it. */
  release(row: Claimed): void;
  stop(): Promise<void>;
}

/**
 * Every `heartbeatMs` renews the leases of the rows held (claimed and not finished). `holds` renews at once when
 * the last renewal is older than half a lease (a heartbeat that failed, or a stalled process), so a row is never
 * started on a lease that may have run out.
 */
export function startHeartbeat(db: Sql, leaseSeconds: number, heartbeatMs: number): Heartbeat {
  const held = new Map<string, Claimed>();
  // Rows added later were claimed later: their own claim counts as a renewal, so only the oldest renewal matters.
  let renewedAt = Date.now();
  let inFlight: Promise<void> | undefined;
  let failing = false;
  const renew = (): Promise<void> => {
    inFlight ??= (async () => {
      const startedAt = Date.now();
      try {
        const asked = [...held.values()];
        const renewed = await renewLeases(db, asked, leaseSeconds);
        // Only the rows this renewal asked for: a row claimed while it was in flight is held on its fresh claim
        // (dropping it left it `running` and unstarted until its lease ran out, and then ran it again).
        for (const row of asked) if (!renewed.has(row.lease)) held.delete(row.lease);
        renewedAt = startedAt;
        failing = false;
      } catch (error) {
        // The database is unreachable: keep trying; `holds` refuses to start rows on a stale lease.
        if (!failing) log.error({ err: error }, "lease heartbeat failed");
        failing = true;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
  const timer = setInterval(() => void renew(), heartbeatMs);
  timer.unref();
  const stale = () => Date.now() - renewedAt > (leaseSeconds * 1000) / 2;
  return {
    add(rows) {
      // An idle worker's last renewal may be old; a claim just made is as fresh as a renewal.
      if (held.size === 0) renewedAt = Date.now();
      for (const row of rows) held.set(row.lease, row);
    },
    async holds(row) {
      if (stale()) await renew();
      if (stale()) return false;
      return held.has(row.lease);
    },
    release(row) {
      held.delete(row.lease);
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
