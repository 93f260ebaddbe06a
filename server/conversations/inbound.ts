/**
 * Inbound messages: stored once, keyed by the provider's id, with their `handle-inbound` row in the same statement
 * (a webhook delivered three times writes one row and queues one step); and the two kinds that need no conversation
 * step — a delivery receipt (the delivery state of our reply or message to the citizen) and a provider's opt-out.
 */
import type { InboundMessage } from "../../channels/channel.ts";
import type { Db, Sql } from "../db/index.ts";
import { enqueueSql, OUTBOX_DUE, sqlValue } from "../jobs/enqueue.ts";
import { currentRequestId } from "../observability/context.ts";

/** What a webhook's messages came to: how many were new, how many the provider had sent before. */
export interface Accepted {
  stored: number;
  repeated: number;
}

/**
 * Stores a webhook's messages and queues a step for each new one, in one statement (atomic by itself): the webhook
 * answers the provider as soon as this resolves, and a repeated delivery finds its rows and queues nothing.
 */
export async function acceptInbound(db: Sql, messages: readonly InboundMessage[]): Promise<Accepted> {
  if (messages.length === 0) return { stored: 0, repeated: 0 };
  const rows = messages.map((m) => ({
    channel: m.channel,
    provider_message_id: m.providerMessageId,
    sender: m.from,
    profile_name: m.profileName ?? null,
    sent_at: m.sentAt,
    in_reply_to: m.inReplyTo ?? null,
    content: m.content,
  }));
  const queued = await db.query<{ id: number }>(
    `WITH m AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(channel text, provider_message_id text, sender text,
              profile_name text, sent_at timestamptz, in_reply_to text, content jsonb)
     ), ins AS (
       INSERT INTO inbound_messages (channel, provider_message_id, sender, profile_name, sent_at, in_reply_to, content)
       SELECT channel, provider_message_id, sender, profile_name, sent_at, in_reply_to, content FROM m
       ON CONFLICT (tenant_id, channel, provider_message_id) DO NOTHING RETURNING id
     ), q AS (
       ${enqueueSql("handle-inbound", { inboundId: sqlValue<number>("ins.id") }, "ins", undefined, "$2::text")} RETURNING id
     )
     -- Wakes an idle worker at commit (server/jobs/runner.ts): the step runs now, not at its next poll.
     SELECT id, pg_notify('${OUTBOX_DUE}', '') FROM q`,
    // The request id is written by the statement itself: it runs alone, one round trip (decision 0043).
    [JSON.stringify(rows), currentRequestId() ?? null],
    { writesRequestId: true },
  );
  return { stored: queued.length, repeated: messages.length - queued.length };
}

/** An inbound row as the step reads it. */
export interface InboundRow {
  id: number;
  channel: InboundMessage["channel"];
  sender: string;
  profile_name: string | null;
  content: InboundMessage["content"];
  handled_at: Date | null;
}

/** Reads an inbound row. */
export async function findInbound(db: Sql, id: number): Promise<InboundRow | undefined> {
  const [row] = await db.query<InboundRow>(
    "SELECT id, channel, sender, profile_name, content, handled_at FROM inbound_messages WHERE id = $1",
    [id],
  );
  return row;
}

const RECEIPT_ORDER = { sent: 0, delivered: 1, read: 2, failed: 3 } as const;

/**
 * A receipt: the reply or message the provider id names moves to delivered / read / failed (never back: a late
 * "delivered" after "read" changes nothing). An answer's message delivered also marks the demand answered
 * (`answer_delivered_at`), as its send did for e-mail. One statement, with the inbound row handled.
 */
export async function recordReceipt(
  db: Sql,
  row: InboundRow,
  receipt: Extract<InboundMessage["content"], { kind: "receipt" }>,
): Promise<void> {
  if (receipt.state === "sent") {
    await db.query("UPDATE inbound_messages SET handled_at = now() WHERE id = $1", [row.id]);
    return;
  }
  await db.query(
    `WITH r AS (
       UPDATE conversation_replies SET state = $2,
              delivered_at = CASE WHEN $2 IN ('delivered', 'read') THEN coalesce(delivered_at, now()) END,
              error = CASE WHEN $2 = 'failed' THEN left($3, 500) ELSE error END
        WHERE provider_id = $1 AND (CASE state WHEN 'delivered' THEN 1 WHEN 'read' THEN 2 WHEN 'failed' THEN 3 ELSE 0 END) < $4
        RETURNING id
     ), m AS (
       UPDATE messages SET delivery_state = $2,
              delivered_at = CASE WHEN $2 IN ('delivered', 'read') THEN coalesce(delivered_at, now()) END
        WHERE provider_id = $1
          AND (CASE delivery_state WHEN 'delivered' THEN 1 WHEN 'read' THEN 2 WHEN 'failed' THEN 3 ELSE 0 END) < $4
        RETURNING id
     )
     UPDATE inbound_messages SET handled_at = now() WHERE id = $5`,
    [receipt.providerId, receipt.state, receipt.detail ?? "", RECEIPT_ORDER[receipt.state], row.id],
  );
}

/**
 * The citizen stopped messages on this channel (a stop word, or the provider's own opt-out): recorded, and the
 * open conversation closed, in the caller's transaction.
 */
export async function optOut(tx: Sql, channel: string, address: string): Promise<void> {
  await tx.query(
    `WITH o AS (INSERT INTO channel_opt_outs (channel, address) VALUES ($1, $2)
                ON CONFLICT (tenant_id, channel, address) DO UPDATE SET at = now())
     UPDATE conversations SET status = 'closed', updated_at = now()
      WHERE channel = $1 AND address = $2 AND status <> 'closed'`,
    [channel, address],
  );
}

/** The citizen wrote again: messages on this channel may go to them again. */
export async function optIn(tx: Sql, channel: string, address: string): Promise<void> {
  await tx.query("DELETE FROM channel_opt_outs WHERE channel = $1 AND address = $2", [channel, address]);
}

/** True when the citizen stopped messages on this channel. */
export async function hasOptedOut(db: Db | Sql, channel: string, address: string): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM channel_opt_outs WHERE channel = $1 AND address = $2", [
    channel,
    address,
  ]);
  return rows.length > 0;
}
