/**
 * Commands of the notifications concept: plan a message (./planning.ts), record each attempt before the provider is
 * called and its outcome after, record a delivery with its timeline event (and, for an
 * answer, that the answer reached the citizen), park an undeliverable message with its alarm, and send a dead one
 * back to the queue.
 */
import type { OutboundChannel } from "../../channels/index.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { lockDemand } from "../demands/transitions.ts";
import { conflict, notFound } from "../errors.ts";
import { type Claim, FINISH_SQL, markFinished } from "../jobs/runner.ts";
import { currentRequestId } from "../observability/context.ts";
import { closeAnsweredDemand } from "../work-orders/steps-answer.ts";
import type { StartedMessage } from "./planning.ts";
import { type Recipient, redactAddresses } from "./recipients.ts";
import type { SendMessagePayload } from "./schemas.ts";

// Planning lives in ./planning.ts; its entry point is named here too, where callers have always found it.
export { planMessage } from "./planning.ts";

/**
 * Records, before the provider is called, that a further attempt (a fallback channel after a refusal) goes out to
 * `to`; returns the attempt's id. The first one is written with the message row (`startFirstAttempt`).
 */
export async function startAttempt(sql: Sql, messageId: number, to: Recipient): Promise<number> {
  const rows = await sql.query<{ id: number }>(
    `WITH m AS (
       UPDATE messages SET state = 'sending', attempts = attempts + 1, channel = $2, address = $3 WHERE id = $1)
     INSERT INTO message_attempts (message_id, channel, started_at) VALUES ($1, $2, clock_timestamp()) RETURNING id`,
    [messageId, to.channel, to.address],
  );
  return rows[0]!.id;
}

/** Records that an attempt failed; the message waits for the next one. */
export async function recordAttemptFailed(
  sql: Sql,
  messageId: number,
  attemptId: number,
  temporary: boolean,
  error: string,
): Promise<void> {
  const text = redactAddresses(error).slice(0, 2000);
  await sql.query(
    `WITH a AS (
       UPDATE message_attempts SET outcome = $3, finished_at = now(), error = $4 WHERE id = $2)
     UPDATE messages SET state = 'queued', last_error = $4 WHERE id = $1`,
    [messageId, attemptId, temporary ? "temporary" : "permanent", text],
  );
}

/**
 * Records a delivery in one statement: the attempt and the message as sent, a public timeline event (channel and
 * template, never the address) and, with the job's claim, its outbox row done (decision 0041). For an answer, in
 * one transaction with the record that the citizen got it.
 */
export async function recordSent(
  db: Db,
  message: StartedMessage,
  attemptId: number,
  channel: OutboundChannel,
  providerId: string,
  claim?: Claim,
): Promise<void> {
  const finish = claim?.lease !== undefined;
  // The event names the job's request id itself (the column's default reads it from the transaction), so the
  // statement needs no transaction of its own (`writesRequestId` lets it run alone): three round trips less than
  // BEGIN … COMMIT.
  const write = (sql: Sql) =>
    sql.query(
      `WITH a AS (
         UPDATE message_attempts SET outcome = 'sent', finished_at = now(), provider_id = $3 WHERE id = $2),
       m AS (
         UPDATE messages SET state = 'sent', sent_at = now(), provider_id = $3, last_error = NULL WHERE id = $1)
       ${finish ? `, done AS (${FINISH_SQL("$7", "$8")})` : ""}
       INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data, request_id)
       VALUES ($4, 'message.sent', 'system', 'public', $5, $6)`,
      [
        message.messageId,
        attemptId,
        providerId.slice(0, 500),
        message.demandId,
        JSON.stringify({ messageId: message.messageId, template: message.template, channel }),
        currentRequestId() ?? null,
        ...(finish ? [claim.id, claim.lease] : []),
      ],
      { writesRequestId: true },
    );
  if (message.template === "demand.answered") {
    await db.transaction(async (tx) => {
      await write(tx);
      await recordAnswerDelivered(tx, message.demandId, message.messageId);
    });
  } else {
    await write(db);
  }
  if (finish) markFinished(claim);
}

/**
 * The one place that says a demand's answer reached the citizen: sets `demands.answer_delivered_at` (first
 * delivery wins) and writes the public `answer.delivered` event. Called inside the transaction that records the
 * delivery. An answered demand closes here: its clock is met and its citizen is asked to rate the answer.
 */
export async function recordAnswerDelivered(tx: Sql, demandId: number, messageId: number): Promise<void> {
  const demand = await lockDemand(tx, demandId);
  await tx.query(
    `WITH d AS (
       UPDATE demands SET answer_delivered_at = COALESCE(answer_delivered_at, now()) WHERE id = $1)
     INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
     VALUES ($1, 'answer.delivered', 'system', 'public', $2)`,
    [demandId, JSON.stringify({ messageId })],
  );
  await closeAnsweredDemand(tx, demand, { kind: "system" }, "message");
}

/**
 * Parks a message no channel could deliver (its outbox row is going dead in this same transaction): the message
 * failed, an internal timeline event, and a `delivery_failed` alarm for the supervisors of the demand's
 * department. A message that fails again after a retry raises its alarm again.
 */
export async function recordUndeliverable(
  tx: Sql,
  outboxId: number,
  payload: SendMessagePayload,
  error: string,
): Promise<void> {
  const text = redactAddresses(error).slice(0, 2000);
  const message = await maybeOne<{ id: number; channel: string | null }>(
    tx,
    "UPDATE messages SET state = 'failed', last_error = $2 WHERE outbox_id = $1 RETURNING id, channel",
    [outboxId, text],
  );
  const data = {
    outboxId,
    messageId: message?.id ?? null,
    template: payload.template,
    channel: message?.channel ?? null,
  };
  await tx.query(
    `WITH e AS (
       INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
       SELECT id, 'message.failed', 'system', 'internal', $2 FROM demands WHERE id = $1)
     INSERT INTO alarms (kind, demand_id, department_id, level, data, dedupe_key)
     SELECT 'delivery_failed', id, department_id, 1, $3, $4 FROM demands WHERE id = $1
     ON CONFLICT (tenant_id, dedupe_key) DO UPDATE
       SET raised_at = now(), acknowledged_at = NULL, acknowledged_by = NULL, data = EXCLUDED.data`,
    [
      payload.demandId,
      JSON.stringify(data),
      JSON.stringify({ ...data, error: text }),
      `delivery:${outboxId}`,
    ],
  );
}

/**
 * Sends a dead outbox row back to the queue with a fresh set of attempts, on a supervisor's word, and writes so in
 * the audit log (the job and the attempts it had spent; never its error, which may name a citizen's address). For
 * a message, the channels that refused it count again and the timeline notes who retried it.
 */
export async function retryDeadLetter(
  tx: Sql,
  outboxId: number,
  actor: AuditActor,
): Promise<{ id: number; state: "pending" }> {
  const row = await maybeOne<{ state: string; job: string; attempts: number }>(
    tx,
    "SELECT state, job, attempts FROM outbox WHERE id = $1 FOR UPDATE",
    [outboxId],
  );
  if (!row) throw notFound(`/api/v1/dead-letters/${outboxId}`);
  if (row.state !== "dead") throw conflict("not_dead", { id: outboxId });
  await recordAudit(tx, actor, {
    action: "dead_letter.retried",
    entityType: "outbox",
    entityId: outboxId,
    before: { job: row.job, state: "dead", attempts: row.attempts },
    after: { job: row.job, state: "pending", attempts: 0 },
  });
  await tx.query(
    `UPDATE outbox SET state = 'pending', attempts = 0, run_at = now(), locked_until = NULL, last_error = NULL
      WHERE id = $1`,
    [outboxId],
  );
  await tx.query(
    `WITH m AS (
       UPDATE messages SET state = 'queued', requeued_at = now() WHERE outbox_id = $1
       RETURNING id, demand_id, template)
     INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility, data)
     SELECT demand_id, 'message.retried', 'staff', $2, 'internal',
            jsonb_build_object('messageId', id, 'template', template, 'outboxId', $1::bigint)
       FROM m WHERE demand_id IS NOT NULL`,
    [outboxId, actor.staffId],
  );
  return { id: outboxId, state: "pending" };
}
