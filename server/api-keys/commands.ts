/** Issuing, changing and revoking the keys of client applications. */
import { randomBytes } from "node:crypto";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { notFound } from "../errors.ts";
import { hashToken } from "../http/auth.ts";
import { type ApiClient, forgetCachedKeys } from "./auth.ts";
import type { ApiClientRow } from "./present.ts";
import type { ApiClientPatch } from "./schemas.ts";

export const COLUMNS =
  "id, name, contact, key_prefix, rate_limit_per_minute, created_at, revoked_at, last_used_at";

/** A new random key: 32 bytes of randomness, with a prefix that says what it is when found in a log or a repo. */
export function newApiKey(): string {
  return `rsv_${randomBytes(32).toString("base64url")}`;
}

/** Issues a key for a client application: returns the raw key once (only its hash is kept). */
export async function createApiClient(
  sql: Sql,
  input: { name: string; rateLimitPerMinute?: number; contact?: string | null },
  actorStaffId: number | null,
): Promise<{ client: ApiClient; row: ApiClientRow; key: string }> {
  const key = newApiKey();
  const row = await one<ApiClientRow>(
    sql,
    `INSERT INTO api_clients (name, contact, key_prefix, key_hash, rate_limit_per_minute, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [
      input.name,
      input.contact ?? null,
      key.slice(0, 10),
      hashToken(key),
      input.rateLimitPerMinute ?? 600,
      actorStaffId,
    ],
  );
  return {
    client: { id: Number(row.id), name: row.name, rateLimitPerMinute: row.rate_limit_per_minute },
    row,
    key,
  };
}

/** Changes a client's name, contact or limit. */
export async function updateApiClient(sql: Sql, id: number, patch: ApiClientPatch): Promise<ApiClientRow> {
  const row = await maybeOne<ApiClientRow>(
    sql,
    `UPDATE api_clients
        SET name = coalesce($2, name),
            contact = CASE WHEN $3::boolean THEN $4 ELSE contact END,
            rate_limit_per_minute = coalesce($5, rate_limit_per_minute)
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      patch.name ?? null,
      patch.contact !== undefined,
      patch.contact ?? null,
      patch.rateLimitPerMinute ?? null,
    ],
  );
  if (!row) throw notFound("api_client");
  forgetCachedKeys();
  return row;
}

/** Revokes a client's key for good: its next request is refused (in other processes within the key cache's TTL). */
export async function revokeApiClient(sql: Sql, id: number): Promise<ApiClientRow> {
  const row = await maybeOne<ApiClientRow>(
    sql,
    `UPDATE api_clients SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  if (!row) throw notFound("api_client");
  forgetCachedKeys();
  return row;
}
