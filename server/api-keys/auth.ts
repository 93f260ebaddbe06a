/**
 * How a request of a public API (Open311, open data) is tied to a client application: the raw key it carried is
 * looked up by its hash, and every request, with a key or without, is counted against a rate limit.
 */
import type { FastifyRequest } from "fastify";
import { hashToken } from "../access/principal.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { tenantKey } from "../tenants/current.ts";
import { ipBucket } from "./limiter.ts";

/** A client application of the public APIs. */
export interface ApiClient {
  id: number;
  name: string;
  rateLimitPerMinute: number;
}

/** How long a looked-up key is trusted before it is looked up again: a revocation takes effect within this. */
export const KEY_CACHE_MS = 30_000;

const cache = new Map<string, { client: ApiClient | undefined; until: number }>();

/** Finds the active client whose key this is (keys are stored as SHA-256 hashes); undefined when none. */
export function findApiClientByKey(sql: Sql, rawKey: string): Promise<ApiClient | undefined> {
  return findApiClientByHash(sql, hashToken(rawKey));
}

async function findApiClientByHash(sql: Sql, keyHash: string): Promise<ApiClient | undefined> {
  const row = await maybeOne<{ id: string; name: string; rate_limit_per_minute: number }>(
    sql,
    "SELECT id, name, rate_limit_per_minute FROM api_clients WHERE key_hash = $1 AND revoked_at IS NULL",
    [keyHash],
  );
  return row
    ? { id: Number(row.id), name: row.name, rateLimitPerMinute: row.rate_limit_per_minute }
    : undefined;
}

/** Forgets cached keys, so a revocation takes effect at once in this process (the others follow within the TTL). */
export function forgetCachedKeys(): void {
  cache.clear();
}

async function cachedClient(sql: Sql, rawKey: string): Promise<ApiClient | undefined> {
  const keyHash = hashToken(rawKey);
  const key = tenantKey(keyHash);
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && hit.until > now) return hit.client;
  const client = await findApiClientByHash(sql, keyHash);
  if (cache.size > 10_000) cache.clear();
  cache.set(key, { client, until: now + KEY_CACHE_MS });
  return client;
}

/** 429 with the seconds to wait, in the header and in the problem. */
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError(429, "rate_limited", { seconds: retryAfterSeconds }, [], {
    "retry-after": String(retryAfterSeconds),
  });

/**
 * Authenticates a request by the raw key it carried and counts it against the client's rate limit.
 * Throws 401 `missing_api_key` (required and absent), 403 `invalid_api_key` (unknown or revoked) and 429
 * `rate_limited` (Retry-After set). Without a key and not required, counts the request against the caller
 * address's anonymous limit and returns undefined.
 */
export async function authenticateApiClient(
  req: FastifyRequest,
  rawKey: string | undefined,
  opts: { required: boolean },
): Promise<ApiClient | undefined> {
  const { ctx, apiLimiter } = req.server;
  const key = rawKey?.trim() || undefined;
  if (!key) {
    if (opts.required) throw new AppError(401, "missing_api_key");
    const verdict = apiLimiter.take(ipBucket(req.ip), ctx.config.anonymousRateLimitPerMinute);
    if (!verdict.ok) throw rateLimited(verdict.retryAfterSeconds);
    return undefined;
  }
  const client = await cachedClient(ctx.db, key);
  if (!client) throw new AppError(403, "invalid_api_key");
  const verdict = apiLimiter.take(`client:${client.id}`, client.rateLimitPerMinute);
  if (!verdict.ok) throw rateLimited(verdict.retryAfterSeconds);
  return client;
}
