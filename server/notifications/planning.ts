/**
 * Planning a message (who, which channels, what text) and recording its first attempt: one read that locks nothing,
 * then one guarded write made durable before the provider is called. What follows a plan (attempts, the outcome, a
 * dead letter) is in ./commands.ts.
 */
import type { OutboundChannel } from "../../channels/index.ts";
import type { BusinessCalendar, DeadlineUnit } from "../../domain/business-time.ts";
import {
  CONSENT_KEY_NAME,
  consentLinkToken,
  consentLinkTokenWith,
  withdrawUrlOf,
} from "../citizens/consent.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { linkKeyOf } from "../demands/access.ts";
import { deadlineWords, expectedDeadline } from "../demands/deadline.ts";
import { type Locale, pickLocalized } from "../i18n.ts";
import { knownPersonSql } from "../public-data/known.ts";
import { type KnownPerson, redactPublicDeep } from "../public-data/redact.ts";
import { chooseRecipients, type Recipient } from "./recipients.ts";
import type { SendMessagePayload, Template } from "./schemas.ts";
import {
  messageParams,
  pickOverride,
  type Rendered,
  renderMessage,
  type TemplateOverride,
  trackUrlOf,
} from "./templates.ts";

/** The templates that ask for a rating: optional contact, stopped by a withdrawal of consent. */
const SURVEY_TEMPLATES: readonly Template[] = ["survey.requested", "survey.reminder"];

/** A message ready to go: its text and the recipients still worth trying, in order. */
export interface PlannedMessage {
  kind: "send";
  /** The send-message outbox row the message is the work of (messages.outbox_id). */
  outboxId: number;
  demandId: number;
  /** The citizen it goes to (the demand's own or a follower). */
  citizenId: number;
  template: Template;
  locale: Locale;
  /** The text for any channel (the "*" override or the default). */
  rendered: Rendered;
  /** The text for each recipient's channel: the channel's own override when the administration wrote one. */
  renderedFor: Partial<Record<OutboundChannel, Rendered>>;
  recipients: Recipient[];
  /** The placeholders' values and the citizen's name: a WhatsApp template's parameters outside the window. */
  variables: Record<string, string>;
  /** The citizen's last message to the city's WhatsApp number: the 24-hour window counts from it. */
  whatsappInboundAt: Date | null;
}

/** A message whose row exists, once its first attempt is recorded: its id and stable key. */
export interface StartedMessage extends PlannedMessage {
  messageId: number;
  /** Stable key of the message (the e-mail Message-ID is made from it). */
  key: string;
}

/** What planning found: a message to send, nothing left to do, or nobody reachable. */
export type Plan = PlannedMessage | { kind: "done" } | { kind: "unreachable" };

/** What planning reads in its one statement. */
interface PlanningFacts extends Facts {
  /** The message row when an earlier run made it (a run after a crash, a temporary failure or a requeue). */
  message_state: string | null;
  /** Channels that refused the message for good since it was last queued (none when there is no row yet). */
  refused: string[] | null;
  /** True when the template is a survey and the citizen's latest word on surveys is a withdrawal. */
  survey_withdrawn: boolean | null;
  /** The administration's texts of the template in the citizen's language (message_templates). */
  overrides: TemplateOverride[] | null;
  /** The consent links' signing key, when one has been made. */
  consent_key: string | null;
  /** The citizen's last message on WhatsApp from any of their numbers (conversations.last_inbound_at). */
  whatsapp_inbound_at: Date | null;
}

interface Facts {
  protocol: string;
  demand_channel: string;
  department_name: string | null;
  service_name: Record<string, string>;
  citizen_id: number | null;
  name: string | null;
  locale: Locale;
  erased_at: Date | null;
  /** The channel the citizen asked to be answered on, tried first. */
  preferred_channel: string | null;
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
 * Reads what a message needs and decides what to do with it, in one statement that locks nothing (its writes come
 * after, each one statement guarded by the row's state: `startFirstAttempt`): nothing when it was already sent (a
 * worker died after recording it) or its citizen is gone or withdrew consent to surveys; otherwise its text in the
 * citizen's language and the recipients to try, less the channels that refused it for good since it was last
 * queued. The message row is made with its first attempt; a plan with nothing to send writes the row's end state.
 */
export async function planMessage(
  sql: Sql,
  outboxId: number,
  payload: SendMessagePayload,
  available: readonly OutboundChannel[],
  publicUrl: string,
  calendar?: BusinessCalendar,
): Promise<Plan> {
  // The facts, the message row an earlier run left (its state and the channels that refused it), the citizen's
  // latest word on surveys, the administration's texts for their language and the consent links' key.
  const facts = await maybeOne<PlanningFacts>(
    sql,
    `WITH f AS (
       SELECT d.protocol, d.channel AS demand_channel, dep.name AS department_name, s.name AS service_name,
              c.id AS citizen_id, c.name, coalesce(c.locale, 'pt-BR') AS locale, c.erased_at, c.preferred_channel,
              (SELECT json_agg(json_build_object('channel', cc.channel, 'value', cc.value) ORDER BY cc.id)
                 FROM citizen_contacts cc WHERE cc.citizen_id = c.id
                  -- "SAIR" on a channel stops messages there (decision 0044); a phone number is reached by SMS.
                  AND NOT EXISTS (SELECT 1 FROM channel_opt_outs o
                                   WHERE o.address = cc.value
                                     AND o.channel = CASE cc.channel WHEN 'phone' THEN 'sms' ELSE cc.channel END)
              ) AS contacts,
              CASE WHEN c.id IS DISTINCT FROM d.citizen_id THEN ${knownPersonSql("d")} END AS known,
              CASE WHEN c.id = d.citizen_id THEN d.secret_hash END AS secret_hash,
              d.opened_at, d.due_at, s.demand_type, s.deadline_amount, s.deadline_unit
         FROM demands d
         JOIN services s ON s.id = d.service_id
         LEFT JOIN departments dep ON dep.id = d.department_id
         LEFT JOIN citizens c ON c.id = COALESCE($2::bigint, d.citizen_id)
        WHERE d.id = $1),
     m AS (SELECT id, state, requeued_at FROM messages WHERE outbox_id = $3)
     SELECT f.*, m.state AS message_state,
            (SELECT json_agg(DISTINCT a.channel) FROM message_attempts a
              WHERE a.message_id = m.id AND a.outcome = 'permanent'
                AND a.started_at > COALESCE(m.requeued_at, '-infinity'::timestamptz)) AS refused,
            CASE WHEN $4::text = ANY($6::text[]) THEN
              (SELECT NOT k.granted FROM consents k
                WHERE k.citizen_id = f.citizen_id AND k.purpose = 'satisfaction_survey'
                ORDER BY k.id DESC LIMIT 1) END AS survey_withdrawn,
            (SELECT json_agg(json_build_object('channel', t.channel, 'subject', t.subject, 'body', t.body))
               FROM message_templates t WHERE t.template = $4 AND t.locale = f.locale) AS overrides,
            (SELECT k.secret FROM signing_keys k WHERE k.name = $5) AS consent_key,
            (SELECT max(v.last_inbound_at) FROM conversations v
              WHERE v.channel = 'whatsapp'
                AND v.address IN (SELECT regexp_replace(x->>'value', '[^0-9]', '', 'g')
                                    FROM json_array_elements(f.contacts) x
                                   WHERE x->>'channel' IN ('whatsapp', 'phone'))) AS whatsapp_inbound_at
       FROM f LEFT JOIN m ON true`,
    [
      payload.demandId,
      payload.citizenId ?? null,
      outboxId,
      payload.template,
      CONSENT_KEY_NAME,
      SURVEY_TEMPLATES,
    ],
  );
  if (!facts) throw new Error(`demand ${payload.demandId} does not exist`);
  const locale: Locale = facts.locale;
  if (facts.message_state === "sent" || facts.message_state === "skipped") return { kind: "done" };
  const keep = (state: "queued" | "skipped", forgetAddress: boolean) =>
    keepMessage(sql, outboxId, payload, facts.citizen_id, locale, state, forgetAddress);
  if (facts.citizen_id === null || facts.erased_at !== null) {
    await keep("skipped", true);
    return { kind: "done" };
  }
  // A survey is optional contact: not sent to a person who withdrew consent to it (LGPD art. 8 §5). Answers,
  // receipts and requests for a complement still go: the city owes them (Lei 13.460/2017).
  if (facts.survey_withdrawn) {
    await keep("skipped", false);
    return { kind: "done" };
  }
  const refused = facts.refused ?? [];
  const recipients = chooseRecipients(
    facts.preferred_channel ?? payload.channel ?? facts.demand_channel,
    facts.contacts ?? [],
    available,
  ).filter((r) => !refused.includes(r.channel));
  if (recipients.length === 0) {
    // The row the dead letter's alarm and the supervisors' list name (recordUndeliverable).
    await keep("queued", false);
    return { kind: "unreachable" };
  }
  const citizenId = facts.citizen_id;
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
    // The receipt says what happens next: the deadline and its date, as the demand's clock counts them (the
    // calendar from the process's cache when `sql` is the pool).
    ...(payload.template === "demand.received"
      ? deadlineWords(
          await expectedDeadline(
            sql,
            {
              demandType: facts.demand_type,
              deadline: { amount: facts.deadline_amount, unit: facts.deadline_unit },
            },
            facts.opened_at,
            facts.due_at,
            calendar,
          ),
          locale,
        )
      : {}),
  };
  // The most specific text wins: the channel's override, then the one for any channel, then locales/.
  const overrides = facts.overrides ?? [];
  // E-mails carry the one-click link to withdraw consent (server/citizens/consent.ts); the key is made on first use.
  const withdrawUrl = recipients.some((r) => r.channel === "email")
    ? withdrawUrlOf(
        publicUrl,
        facts.consent_key
          ? consentLinkTokenWith(facts.consent_key, citizenId)
          : await consentLinkToken(sql, citizenId),
      )
    : undefined;
  const render = (channel: string) =>
    renderMessage(
      payload.template,
      locale,
      channel === "email" ? { ...vars, withdrawUrl } : vars,
      pickOverride(overrides, channel),
    );
  const rendered = render("*");
  const variables = { ...messageParams(vars), name: vars.name ?? "", subject: rendered.subject };
  const renderedFor = Object.fromEntries(recipients.map((r) => [r.channel, render(r.channel)]));
  return {
    kind: "send",
    outboxId,
    demandId: payload.demandId,
    citizenId,
    template: payload.template,
    locale,
    rendered,
    renderedFor,
    recipients,
    variables,
    whatsappInboundAt: facts.whatsapp_inbound_at,
  };
}

/** Writes the row of a message that is not sent: `skipped` (erasing its address when asked), or kept as it is. */
async function keepMessage(
  sql: Sql,
  outboxId: number,
  payload: SendMessagePayload,
  citizenId: number | null,
  locale: Locale,
  state: "queued" | "skipped",
  forgetAddress: boolean,
): Promise<void> {
  await sql.query(
    `INSERT INTO messages AS x (outbox_id, demand_id, citizen_id, template, locale, state)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (outbox_id) DO UPDATE
       SET state = CASE WHEN EXCLUDED.state = 'skipped' THEN 'skipped' ELSE x.state END,
           address = CASE WHEN $7::boolean THEN NULL ELSE x.address END`,
    [outboxId, payload.demandId, citizenId, payload.template, locale, state, forgetAddress],
  );
}

/**
 * Records, before the provider is called, the message row (made now on a first run) and its first attempt to
 * `to`, in one statement: durable on its own (decisions 0007, 0041). Nothing is written, and undefined returned,
 * when the row was sent or skipped meanwhile, or its citizen erased (the erasure emptied `citizen_id`): the row's
 * lock and state, not the earlier read, decide.
 */
export async function startFirstAttempt(
  sql: Sql,
  plan: PlannedMessage,
  to: Recipient,
): Promise<{ message: StartedMessage; attemptId: number } | undefined> {
  const row = await maybeOne<{ attempt_id: number; message_id: number; key: string }>(
    sql,
    `WITH m AS (
       INSERT INTO messages AS x (outbox_id, demand_id, citizen_id, template, locale, state, attempts, channel, address)
       VALUES ($1, $2, $3, $4, $5, 'sending', 1, $6, $7)
       ON CONFLICT (outbox_id) DO UPDATE
         SET state = 'sending', attempts = x.attempts + 1, channel = EXCLUDED.channel, address = EXCLUDED.address
         WHERE x.state NOT IN ('sent', 'skipped') AND x.citizen_id IS NOT NULL
       RETURNING id, key::text AS key),
     a AS (
       INSERT INTO message_attempts (message_id, channel, started_at)
       SELECT id, $6, clock_timestamp() FROM m
       RETURNING id, message_id)
     SELECT a.id AS attempt_id, m.id AS message_id, m.key FROM a JOIN m ON m.id = a.message_id`,
    [plan.outboxId, plan.demandId, plan.citizenId, plan.template, plan.locale, to.channel, to.address],
  );
  if (!row) return undefined;
  return { message: { ...plan, messageId: row.message_id, key: row.key }, attemptId: row.attempt_id };
}
