/** The JSON shapes of API clients that leave the server. */

/** An api_clients row as read. */
export interface ApiClientRow {
  id: string | number;
  name: string;
  contact: string | null;
  key_prefix: string;
  rate_limit_per_minute: number;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** A client for the admin screens: the key's prefix only. */
export function presentApiClient(row: ApiClientRow) {
  return {
    id: Number(row.id),
    name: row.name,
    contact: row.contact,
    keyPrefix: row.key_prefix,
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}
