/**
 * A fixed-window rate limiter shared by every app process through PostgreSQL, without a write per request.
 * Each process counts locally and, once a second, adds its counts to the minute's row in `api_usage` and reads back
 * the total of all processes. A request is refused when the total last read plus what this process counted since
 * reaches the limit: with N processes the limit can be overshot by at most what N-1 others admit in one flush
 * interval, and never by a process alone.
 */
import { createHash } from "node:crypto";
import type { Sql } from "../db/index.ts";
import { runAcrossTenants } from "../tenants/current.ts";

/** Length of a counting window. */
export const WINDOW_MS = 60_000;

interface Bucket {
  window: number;
  /** The all-process total for this window as of the last flush (including this process's flushed counts). */
  shared: number;
  /** Counted by this process since the last flush. */
  unflushed: number;
}

/** The outcome of counting one request. */
export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A limiter for one process: `take` counts a request, `flush` shares the counts; `stop` flushes one last time. */
export interface RateLimiter {
  take(bucket: string, limit: number, now?: number): Verdict;
  flush(now?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The bucket of an anonymous caller: a hash of its address, so the counters hold no IP address (LGPD). */
export function ipBucket(ip: string): string {
  return `ip:${createHash("sha256").update(ip).digest("hex").slice(0, 24)}`;
}

/** Starts a limiter that flushes every `flushMs` (0: only when `flush` is called, for tests). */
export function startRateLimiter(sql: Sql, flushMs = 1000): RateLimiter {
  const buckets = new Map<string, Bucket>();
  let flushing: Promise<void> | undefined;

  function bucketAt(name: string, window: number): Bucket {
    let b = buckets.get(name);
    if (!b || b.window !== window) {
      b = { window, shared: 0, unflushed: 0 };
      buckets.set(name, b);
    }
    return b;
  }

  function take(name: string, limit: number, now = Date.now()): Verdict {
    const window = Math.floor(now / WINDOW_MS);
    const b = bucketAt(name, window);
    if (b.shared + b.unflushed >= limit) {
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000)),
      };
    }
    b.unflushed += 1;
    return { ok: true };
  }

  async function flushOnce(now: number): Promise<void> {
    const current = Math.floor(now / WINDOW_MS);
    const names: string[] = [];
    const windows: string[] = [];
    const counts: number[] = [];
    for (const [name, b] of buckets) {
      if (b.window < current) {
        // A finished window's counts no longer matter to anyone: forget them.
        buckets.delete(name);
        continue;
      }
      if (b.unflushed === 0 && b.shared === 0) continue;
      names.push(name);
      windows.push(new Date(b.window * WINDOW_MS).toISOString());
      counts.push(b.unflushed);
    }
    if (names.length === 0) return;
    const sent = new Map(names.map((n, i) => [n, counts[i] ?? 0]));
    const totals = await sql.query<{ bucket: string; count: number }>(
      `INSERT INTO api_usage (bucket, window_start, count)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[])
       ON CONFLICT (bucket, window_start) DO UPDATE SET count = api_usage.count + EXCLUDED.count
       RETURNING bucket, count`,
      [names, windows, counts],
    );
    for (const row of totals) {
      const b = buckets.get(row.bucket);
      if (!b || b.window !== current) continue;
      b.shared = row.count;
      b.unflushed -= sent.get(row.bucket) ?? 0;
    }
    const clients = names
      .filter((n) => n.startsWith("client:") && (sent.get(n) ?? 0) > 0)
      .map((n) => n.slice(7));
    if (clients.length > 0)
      // The counters are the install's (api_usage has no tenant); the keys are their tenants': across tenants.
      await runAcrossTenants(() =>
        sql.query("UPDATE api_clients SET last_used_at = now() WHERE id = ANY($1::bigint[])", [clients]),
      );
    // Old windows: cheap to delete here, so the table stays a few rows per active caller.
    if (Math.random() < 0.05)
      await sql.query("DELETE FROM api_usage WHERE window_start < $1", [
        new Date((current - 2) * WINDOW_MS).toISOString(),
      ]);
  }

  function flush(now = Date.now()): Promise<void> {
    if (!flushing) {
      flushing = flushOnce(now).finally(() => {
        flushing = undefined;
      });
    }
    return flushing;
  }

  const timer =
    flushMs > 0
      ? setInterval(() => {
          flush().catch(() => {
            // The counts stay unflushed and go with the next flush; the limit then leans on local counts only.
          });
        }, flushMs)
      : undefined;
  timer?.unref();

  return {
    take,
    flush,
    async stop() {
      if (timer) clearInterval(timer);
      await flush().catch(() => undefined);
    },
  };
}
