/** Reads of the notifications concept: dead outbox rows for supervisors, a demand's messages for staff. */
import type { Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { DeadLetterQuery } from "./schemas.ts";

/** A dead outbox row with its message and demand, when it has them. */
export interface DeadLetterRow {
  id: number;
  job: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  protocol: string | null;
  message_id: number | null;
  template: string | null;
  channel: string | null;
  message_state: string | null;
}

/** A page of dead outbox rows, newest first. */
export async function listDeadLetters(
  sql: Sql,
  query: DeadLetterQuery,
): Promise<{ rows: DeadLetterRow[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["number"]);
  const rows = await sql.query<DeadLetterRow>(
    `SELECT o.id, o.job, o.attempts, o.last_error, o.created_at, d.protocol,
            m.id AS message_id, m.template, m.channel, m.state AS message_state
       FROM outbox o
       LEFT JOIN messages m ON m.outbox_id = o.id
       LEFT JOIN demands d ON d.id = COALESCE(m.demand_id, CASE WHEN jsonb_typeof(o.payload->'demandId') = 'number'
                                                                 THEN (o.payload->>'demandId')::bigint END)
      WHERE o.state = 'dead' AND ($1::text IS NULL OR o.job = $1) AND ($2::bigint IS NULL OR o.id < $2)
      ORDER BY o.id DESC
      LIMIT $3`,
    [query.job ?? null, after?.[0] ?? null, query.limit + 1],
  );
  return pageOf(rows, query.limit, (r) => [r.id]);
}

/** One message of a demand. */
export interface MessageRow {
  id: number;
  outbox_id: number;
  template: string;
  locale: string;
  channel: string | null;
  state: string;
  attempts: number;
  last_error: string | null;
  provider_id: string | null;
  created_at: Date;
  sent_at: Date | null;
}

/** The messages to the citizen about a demand, oldest first. */
export function listDemandMessages(sql: Sql, demandId: number): Promise<MessageRow[]> {
  return sql.query<MessageRow>(
    `SELECT id, outbox_id, template, locale, channel, state, attempts, last_error, provider_id, created_at, sent_at
       FROM messages WHERE demand_id = $1 ORDER BY id`,
    [demandId],
  );
}
