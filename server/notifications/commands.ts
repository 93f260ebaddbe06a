/**
 * Commands of the notifications concept: plan a message (who, which channels, what text), record each attempt
 * before the provider is called and its outcome after, record a delivery with its timeline event (and, for an
 * answer, that the answer reached the citizen), park an undeliverable message with its alarm, and send a dead one
 * back to the queue.
 */
import type { OutboundChannel } from "../../channels/index.ts";
import type { DeadlineUnit } from "../../domain/business-time.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { consentLinkToken, hasWithdrawn, withdrawUrlOf } from "../citizens/consent.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { linkKeyOf } from "../demands/access.ts";
import { deadlineWords, expectedDeadline } from "../demands/deadline.ts";
import { lockDemand } from "../demands/transitions.ts";
import { conflict, notFound } from "../errors.ts";
import { type Locale, pickLocalized } from "../i18n.ts";
import { findOverrides } from "../message-templates/queries.ts";
import { knownPersonSql } from "../public-data/known.ts";
import { type KnownPerson, redactPublicDeep } from "../public-data/redact.ts";
import { closeAnsweredDemand } from "../work-orders/steps-answer.ts";
import { chooseRecipients, type Recipient, redactAddresses } from "./recipients.ts";
import type { SendMessagePayload, Template } from "./schemas.ts";
import { pickOverride, type Rendered, renderMessage, trackUrlOf } from "./templates.ts";

/** The templates that ask for a rating: optional contact, stopped by a withdrawal of consent. */
const SURVEY_TEMPLATES: readonly Template[] = ["survey.requested", "survey.reminder"];

/** A message ready to go: its row, text and the recipients still worth trying, in order. */
export interface PlannedMessage {
  kind: "send";
  messageId: number;
  /** Stable key of the message (the e-mail Message-ID is made from it). */
  key: string;
  demandId: number;
  template: Template;
  locale: Locale;
  /** The text for any channel (the "*" override or the default). */
  rendered: Rendered;
  /** The text for each recipient's channel: the channel's own override when the administration wrote one. */
  renderedFor: Partial<Record<OutboundChannel, Rendered>>;
  recipients: Recipient[];
}

/** What planning found: a message to send, nothing left to do, or nobody reachable. */
export type Plan = PlannedMessage | { kind: "done" } | { kind: "unreachable"; messageId: number };

interface Facts {
  protocol: string;
  demand_channel: string;
  department_name: string | null;
  service_name: Record<string, string>;
  citizen_id: number | null;
  name: string | null;
  locale: Locale | null;
  erased_at: Date | null;
  contacts: { channel: string; value: string }[] | null;
  /** What is known of the demand's people, when the recipient is a follower rather than the one who filed it. */
  known: KnownPerson | null;
  /** The demand's secret hash when the recipient is its own citizen: their links carry its link key. */
  secret_hash: string | null;
  /** What the receipt's {deadline} and {dueDate} are made of (server/demands/deadline.ts). */
  opened_at: Date;
  due_at: Date | null;
  demand_type: string;
  deadline_amount: number;
  deadline_unit: DeadlineUnit;
}

/**
 * A message's data for its recipient. A follower (their duplicate was merged into the demand) hears what its
 * citizen hears but not who that is: what staff wrote reaches them through the public redaction rule (decision
 * 0020); links (`…Url`) are left whole.
 */
function forRecipient(data: Record<string, unknown>, known: KnownPerson | null): Record<string, unknown> {
  if (!known) return data;
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, k.endsWith("Url") ? v : redactPublicDeep(v, known)]),
  );
}

/**
 * Finds or creates the message of an outbox row, locked, and decides what to do with it: nothing when it was
 * already sent (a worker died after recording it) or its citizen is gone; otherwise its text in the citizen's
 * language and the recipients to try, less the channels that refused it for good since it was last queued.
 */
export async function planMessage(
  tx: Sql,
  outboxId: number,
  payload: SendMessagePayload,
  available: readonly OutboundChannel[],
  publicUrl: string,
): Promise<Plan> {
  const facts = await maybeOne<Facts>(
    tx,
    `SELECT d.protocol, d.channel AS demand_channel, dep.name AS department_name, s.name AS service_name,
            c.id AS citizen_id, c.name, c.locale, c.erased_at,
            (SELECT json_agg(json_build_object('channel', cc.channel, 'value', cc.value) ORDER BY cc.id)
               FROM citizen_contacts cc WHERE cc.citizen_id = c.id) AS contacts,
            CASE WHEN c.id IS DISTINCT FROM d.citizen_id THEN ${knownPersonSql("d")} END AS known,
            CASE WHEN c.id = d.citizen_id THEN d.secret_hash END AS secret_hash,
            d.opened_at, d.due_at, s.demand_type, s.deadline_amount, s.deadline_unit
       FROM demands d
       JOIN services s ON s.id = d.service_id
       LEFT JOIN departments dep ON dep.id = d.department_id
       LEFT JOIN citizens c ON c.id = COALESCE($2::bigint, d.citizen_id)
      WHERE d.id = $1`,
    [payload.demandId, payload.citizenId ?? null],
  );
  if (!facts) throw new Error(`demand ${payload.demandId} does not exist`);
  const locale: Locale = facts.locale ?? "pt-BR";
  await tx.query(
    `INSERT INTO messages (outbox_id, demand_id, citizen_id, template, locale) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (outbox_id) DO NOTHING`,
    [outboxId, payload.demandId, facts.citizen_id, payload.template, locale],
  );
  const message = (await maybeOne<{ id: number; key: string; state: string; requeued_at: Date | null }>(
    tx,
    "SELECT id, key::text AS key, state, requeued_at FROM messages WHERE outbox_id = $1 FOR UPDATE",
    [outboxId],
  ))!;
  if (message.state === "sent" || message.state === "skipped") return { kind: "done" };
  if (facts.citizen_id === null || facts.erased_at !== null) {
    await tx.query("UPDATE messages SET state = 'skipped', address = NULL WHERE id = $1", [message.id]);
    return { kind: "done" };
  }
  // A survey is optional contact: not sent to a person who withdrew consent to it (LGPD art. 8 §5). Answers,
  // receipts and requests for a complement still go: the city owes them (Lei 13.460/2017).
  if (
    SURVEY_TEMPLATES.includes(payload.template) &&
    (await hasWithdrawn(tx, facts.citizen_id, "satisfaction_survey"))
  ) {
    await tx.query("UPDATE messages SET state = 'skipped' WHERE id = $1", [message.id]);
    return { kind: "done" };
  }
  const refused = await tx.query<{ channel: string }>(
    `SELECT DISTINCT channel FROM message_attempts
      WHERE message_id = $1 AND outcome = 'permanent' AND started_at > COALESCE($2::timestamptz, '-infinity'::timestamptz)`,
    [message.id, message.requeued_at],
  );
  const recipients = chooseRecipients(
    payload.channel ?? facts.demand_channel,
    facts.contacts ?? [],
    available,
  ).filter((r) => !refused.some((x) => x.channel === r.channel));
  if (recipients.length === 0) return { kind: "unreachable", messageId: message.id };
  const vars = {
    name: facts.name,
    protocol: facts.protocol,
    service: pickLocalized(facts.service_name, locale),
    department: payload.data?.department ?? facts.department_name ?? "",
    // The demand's own citizen gets the link key (proof on any device, decision 0030); a follower does not.
    trackUrl: trackUrlOf(
      publicUrl,
      facts.protocol,
      locale,
      facts.secret_hash ? linkKeyOf(facts.secret_hash) : undefined,
    ),
    data: forRecipient(payload.data ?? {}, facts.known),
    // The receipt says what happens next: the deadline and its date, as the demand's clock counts them.
    ...(payload.template === "demand.received"
      ? deadlineWords(
          await expectedDeadline(
            tx,
            {
              demandType: facts.demand_type,
              deadline: { amount: facts.deadline_amount, unit: facts.deadline_unit },
            },
            facts.opened_at,
            facts.due_at,
          ),
          locale,
        )
      : {}),
  };
  // The most specific text wins: the channel's override, then the one for any channel, then locales/.
  const overrides = await findOverrides(tx, payload.template, locale);
  // E-mails carry the one-click link to withdraw consent (server/citizens/consent.ts).
  const withdrawUrl = recipients.some((r) => r.channel === "email")
    ? withdrawUrlOf(publicUrl, await consentLinkToken(tx, facts.citizen_id))
    : undefined;
  const render = (channel: string) =>
    renderMessage(
      payload.template,
      locale,
      channel === "email" ? { ...vars, withdrawUrl } : vars,
      pickOverride(overrides, channel),
    );
  const rendered = render("*");
  const renderedFor = Object.fromEntries(recipients.map((r) => [r.channel, render(r.channel)]));
  return {
    kind: "send",
    messageId: message.id,
    key: message.key,
    demandId: payload.demandId,
    template: payload.template,
    locale,
    rendered,
    renderedFor,
    recipients,
  };
}

/**
 * Records, before the provider is called, that an attempt goes out to `to`; returns the attempt's id. Its start is
 * the statement's clock, not the transaction's: the first attempt is written in the planning transaction.
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
 * Records a delivery, in one transaction: the attempt and the message as sent, a public timeline event (channel
 * and template, never the address), and for an answer, that the citizen got it.
 */
export async function recordSent(
  tx: Sql,
  message: PlannedMessage,
  attemptId: number,
  channel: OutboundChannel,
  providerId: string,
): Promise<void> {
  await tx.query(
    `WITH a AS (
       UPDATE message_attempts SET outcome = 'sent', finished_at = now(), provider_id = $3 WHERE id = $2),
     m AS (
       UPDATE messages SET state = 'sent', sent_at = now(), provider_id = $3, last_error = NULL WHERE id = $1)
     INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
     VALUES ($4, 'message.sent', 'system', 'public', $5)`,
    [
      message.messageId,
      attemptId,
      providerId.slice(0, 500),
      message.demandId,
      JSON.stringify({ messageId: message.messageId, template: message.template, channel }),
    ],
  );
  if (message.template === "demand.answered") {
    await recordAnswerDelivered(tx, message.demandId, message.messageId);
  }
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
     ON CONFLICT (dedupe_key) DO UPDATE
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
