/** Issuing, changing and revoking the keys of client applications. */
import { randomBytes } from "node:crypto";
import { hashToken } from "../access/principal.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, one } from "../db/index.ts";
import { notFound } from "../errors.ts";
import { type ApiClient, forgetCachedKeys } from "./auth.ts";
import type { ApiClientRow } from "./present.ts";
import type { ApiClientPatch } from "./schemas.ts";

export const COLUMNS =
  "id, name, contact, key_prefix, rate_limit_per_minute, created_at, revoked_at, last_used_at";

/** A new random key: 32 bytes of randomness, with a prefix that says what it is when found in a log or a repo. */
export function newApiKey(): string {
  return `rsv_${randomBytes(32).toString("base64url")}`;
}

/**
 * Issues a key for a client application: returns the raw key once (only its hash is kept). `actor` is the admin
 * who issued it (audited); null only for keys made by tools and tests, outside any request.
 */
export async function createApiClient(
  db: Db,
  input: { name: string; rateLimitPerMinute?: number; contact?: string | null },
  actor: AuditActor | null,
): Promise<{ client: ApiClient; row: ApiClientRow; key: string }> {
  const key = newApiKey();
  const row = await db.transaction(async (tx) => {
    const row = await one<ApiClientRow>(
      tx,
      `INSERT INTO api_clients (name, contact, key_prefix, key_hash, rate_limit_per_minute, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [
        input.name,
        input.contact ?? null,
        key.slice(0, 10),
        hashToken(key),
        input.rateLimitPerMinute ?? 600,
        actor?.staffId ?? null,
      ],
    );
    if (actor)
      await recordAudit(tx, actor, {
        action: "api_client.created",
        entityType: "api_client",
        entityId: row.id,
        after: row,
      });
    return row;
  });
  return {
    client: { id: Number(row.id), name: row.name, rateLimitPerMinute: row.rate_limit_per_minute },
    row,
    key,
  };
}

/** Changes a client's name, contact or limit. */
export async function updateApiClient(
  db: Db,
  id: number,
  patch: ApiClientPatch,
  actor: AuditActor,
): Promise<ApiClientRow> {
  const row = await db.transaction(async (tx) => {
    const before = await maybeOne<ApiClientRow>(
      tx,
      `SELECT ${COLUMNS} FROM api_clients WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!before) throw notFound("api_client");
    const row = await one<ApiClientRow>(
      tx,
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
    await recordAudit(tx, actor, {
      action: "api_client.updated",
      entityType: "api_client",
      entityId: id,
      before,
      after: row,
    });
    return row;
  });
  forgetCachedKeys();
  return row;
}

/** Revokes a client's key for good: its next request is refused (in other processes within the key cache's TTL). */
export async function revokeApiClient(db: Db, id: number, actor: AuditActor): Promise<ApiClientRow> {
  const row = await db.transaction(async (tx) => {
    const before = await maybeOne<ApiClientRow>(
      tx,
      `SELECT ${COLUMNS} FROM api_clients WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!before) throw notFound("api_client");
    const row = await one<ApiClientRow>(
      tx,
      `UPDATE api_clients SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    await recordAudit(tx, actor, {
      action: "api_client.revoked",
      entityType: "api_client",
      entityId: id,
      before,
      after: row,
    });
    return row;
  });
  forgetCachedKeys();
  return row;
}
