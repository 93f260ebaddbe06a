/** Reads of the agents' inbox: the list by status, one conversation's history, the sender's demands, waiting times. */
import type { InboundChannel, InboundContent } from "../../channels/channel.ts";
import type { Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import { CONTACT_CHANNEL_OF } from "./ports.ts";
import type { ReplyBody } from "./replies.ts";
import type { ConversationListQuery } from "./schemas.ts";

export interface ConversationRow {
  id: number;
  channel: InboundChannel;
  address: string;
  profile_name: string | null;
  status: "bot" | "waiting" | "agent" | "closed";
  locale: string;
  waiting_since: Date | null;
  waiting_seconds: number | null;
  agent_id: number | null;
  citizen_id: number | null;
  last_inbound_at: Date | null;
  last_message: InboundContent | null;
}

const COLUMNS = `c.id, c.channel, c.address, c.profile_name, c.status, c.locale, c.waiting_since,
  CASE WHEN c.status = 'waiting' THEN extract(epoch FROM now() - c.waiting_since)::int END AS waiting_seconds,
  c.agent_id, c.citizen_id, c.last_inbound_at,
  (SELECT i.content FROM inbound_messages i WHERE i.conversation_id = c.id ORDER BY i.id DESC LIMIT 1) AS last_message`;

/** The inbox: waiting ones oldest first (the order they are answered in), the others latest message first. */
export async function listConversations(
  sql: Sql,
  agentId: number,
  query: ConversationListQuery,
): Promise<{ rows: ConversationRow[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["string", "number"]);
  const waiting = query.status === "waiting";
  const key = waiting ? "c.waiting_since" : "c.updated_at";
  const rows = await sql.query<ConversationRow & { sort_key: string }>(
    `SELECT ${key}::text AS sort_key, ${COLUMNS} FROM conversations c
      WHERE c.status = $1 AND c.address <> '' AND ($2::text IS NULL OR c.channel = $2)
        AND (NOT $3 OR c.agent_id = $4)
        AND ($6::timestamptz IS NULL OR (${key}, c.id) ${waiting ? ">" : "<"} ($6::timestamptz, $7::bigint))
      ORDER BY ${key} ${waiting ? "ASC" : "DESC"}, c.id ${waiting ? "ASC" : "DESC"} LIMIT $5`,
    [
      query.status,
      query.channel ?? null,
      query.mine === "true",
      agentId,
      query.limit + 1,
      after?.[0] ?? null,
      after?.[1] ?? null,
    ],
  );
  return pageOf(rows, query.limit, (r) => [r.sort_key, r.id]);
}

/** One conversation, or undefined. */
export async function findConversation(sql: Sql, id: number): Promise<ConversationRow | undefined> {
  const [row] = await sql.query<ConversationRow>(`SELECT ${COLUMNS} FROM conversations c WHERE c.id = $1`, [
    id,
  ]);
  return row;
}

export interface HistoryRow {
  at: Date;
  from: "citizen" | "assistant" | "agent";
  content: InboundContent | null;
  body: ReplyBody | null;
  state: string | null;
  /** The inbound message's or the reply's id. */
  id: number;
}

/** What the citizen sent and what was answered, in order (the last 500). */
export async function conversationHistory(sql: Sql, id: number): Promise<HistoryRow[]> {
  return sql
    .query<HistoryRow>(
      `SELECT * FROM (
       SELECT i.received_at AS at, 'citizen' AS "from", i.content, NULL::jsonb AS body, NULL AS state, i.id, 0 AS side
         FROM inbound_messages i WHERE i.conversation_id = $1 AND i.content->>'kind' <> 'receipt'
       UNION ALL
       SELECT r.created_at, r.author, NULL, r.body, r.state, r.id, 1
         FROM conversation_replies r WHERE r.conversation_id = $1
     ) h ORDER BY at DESC, side DESC, id DESC LIMIT 500`,
      [id],
    )
    .then((rows) => rows.reverse());
}

/** The sender's earlier demands (as the phone screen pop shows them): by the conversation's citizen or the address. */
export async function senderDemands(
  sql: Sql,
  conversation: ConversationRow,
  seesConfidential: boolean,
): Promise<{ protocol: string; status: string; service_code: string; opened_at: Date }[]> {
  return sql.query(
    `SELECT d.protocol, d.status, s.code AS service_code, d.opened_at
       FROM demands d JOIN services s ON s.id = d.service_id
      WHERE (d.citizen_id = $1 OR d.citizen_id IN (
               SELECT c.citizen_id FROM citizen_contacts c JOIN citizens z ON z.id = c.citizen_id
                WHERE z.erased_at IS NULL AND c.channel = $2 AND c.value = $3))
        AND (d.identity_mode = 'identified' OR $4)
      ORDER BY d.opened_at DESC, d.id DESC LIMIT 50`,
    [
      conversation.citizen_id,
      CONTACT_CHANNEL_OF[conversation.channel],
      conversation.address,
      seesConfidential,
    ],
  );
}

/** Conversations waiting for a person per channel, and how long the taken ones waited in the last day. */
export async function waitingByChannel(
  sql: Sql,
): Promise<
  { channel: InboundChannel; waiting: number; oldest_seconds: number; mean_taken_seconds: number | null }[]
> {
  return sql.query(
    `SELECT ch.channel,
            count(w.id)::int AS waiting,
            coalesce(extract(epoch FROM now() - min(w.waiting_since)), 0)::int AS oldest_seconds,
            (SELECT avg(extract(epoch FROM t.taken_at - t.waiting_since))::int FROM conversations t
              WHERE t.channel = ch.channel AND t.taken_at > now() - interval '1 day') AS mean_taken_seconds
       FROM unnest(ARRAY['whatsapp', 'sms', 'telegram', 'email', 'webchat']) AS ch(channel)
       LEFT JOIN conversations w ON w.channel = ch.channel AND w.status = 'waiting'
      GROUP BY ch.channel ORDER BY ch.channel`,
  );
}
