/** Reads of the audit log: the filtered search, newest first, by keyset pages. */

import type { Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { AuditLogQuery } from "./schemas.ts";

/** One stored audit entry. */
export interface AuditRow {
  id: number;
  at: Date;
  staff_id: number;
  staff_name: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  ip: string | null;
  user_agent: string | null;
}

/** One page of entries matching the filters, newest first; `next` is the cursor to continue from, if any. */
export async function searchAuditLog(
  sql: Sql,
  query: AuditLogQuery,
): Promise<{ rows: AuditRow[]; next: string | null }> {
  const rows = await sql.query<AuditRow>(
    `SELECT id, at, staff_id, staff_name, action, entity_type, entity_id, before, after, ip, user_agent
       FROM audit_log
      WHERE ($1::bigint IS NULL OR staff_id = $1)
        AND ($2::text IS NULL OR entity_type = $2)
        AND ($3::text IS NULL OR entity_id = $3)
        AND ($4::text IS NULL OR action = $4)
        AND ($5::timestamptz IS NULL OR at >= $5)
        AND ($6::timestamptz IS NULL OR at < $6)
        AND ($7::bigint IS NULL OR id < $7)
      ORDER BY id DESC
      LIMIT $8`,
    [
      query.staffId ?? null,
      query.entityType ?? null,
      query.entityId ?? null,
      query.action ?? null,
      query.from ?? null,
      query.to ?? null,
      decodeCursor(query.cursor, ["number"])?.[0] ?? null,
      query.limit + 1,
    ],
  );
  return pageOf(rows, query.limit, (row) => [row.id]);
}
