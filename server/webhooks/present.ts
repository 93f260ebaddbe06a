/**
 * The JSON shapes of the webhooks concept: the admins' views of subscriptions and deliveries, and the public body
 * POSTed to receivers. A body carries the event's public fields, the protocol and the demand's status, service and
 * district — never who asked, their contacts, the description or the exact place (decision 0020).
 */
import { type KnownPerson, redactPublicDeep } from "../public-data/redact.ts";
import type { AttemptRow, DeliveryRow, SubscriptionRow } from "./queries.ts";
import type { DeliveryDetailView, DeliveryView, SubscriptionView } from "./schemas.ts";

/** The `webhook-id` of a timeline event: stable across attempts and subscriptions, with no `.` in it. */
export function webhookIdOf(eventId: number): string {
  return `evt_${eventId}`;
}

/** What the fan-out reads of one public timeline event and its demand. */
export interface PublicEventFacts {
  id: number;
  type: string;
  at: Date;
  actor_kind: string;
  data: Record<string, unknown>;
  protocol: string;
  status: string;
  service_code: string;
  service_name: Record<string, string>;
  district_code: string | null;
  district_name: string | null;
  /** What is known of the demand's people, for the one redaction rule. */
  known: KnownPerson | null;
}

// Public events are written without personal data; these keys are dropped all the same, should one ever carry them.
const PERSONAL_KEYS =
  /^(citizen.*|name|.*email.*|.*phone.*|document|cpf|address|contacts?|description|location|lat|lon|text|comment|note)$/i;

/**
 * The Standard Webhooks body of one event (`type`, `timestamp` of the event, `data`), as the exact JSON sent; what
 * staff wrote in its details (an answer, a reason) goes through the one redaction rule.
 */
export function presentWebhookBody(e: PublicEventFacts): string {
  const details = redactPublicDeep(
    Object.fromEntries(Object.entries(e.data).filter(([key]) => !PERSONAL_KEYS.test(key))),
    e.known,
  );
  return JSON.stringify({
    type: e.type,
    timestamp: e.at.toISOString(),
    data: {
      eventId: e.id,
      protocol: e.protocol,
      actor: e.actor_kind,
      details,
      demand: {
        status: e.status,
        service: {
          code: e.service_code,
          name: e.service_name["pt-BR"] ?? Object.values(e.service_name)[0] ?? "",
        },
        district: e.district_code ? { code: e.district_code, name: e.district_name } : null,
      },
    },
  });
}

/** A subscription for the admins' list. */
export function presentSubscription(row: SubscriptionRow): SubscriptionView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    description: row.description,
    active: row.active,
    disabledReason: row.disabled_reason,
    previousSecretUntil: row.previous_secret_until?.toISOString() ?? null,
    deliveries: {
      pending: Number(row.counts.pending),
      delivered: Number(row.counts.delivered),
      dead: Number(row.counts.dead),
      skipped: Number(row.counts.skipped),
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A delivery for the log. */
export function presentDelivery(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    webhookId: webhookIdOf(row.event_id),
    eventId: row.event_id,
    eventType: row.event_type,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    requestId: row.request_id,
  };
}

/** A delivery with its body and attempts. */
export function presentDeliveryDetail(row: DeliveryRow, attempts: AttemptRow[]): DeliveryDetailView {
  return {
    ...presentDelivery(row),
    body: JSON.parse(row.body),
    attemptLog: attempts.map((a) => ({
      startedAt: a.started_at.toISOString(),
      finishedAt: a.finished_at?.toISOString() ?? null,
      status: a.status,
      error: a.error,
      responseExcerpt: a.response_excerpt,
    })),
  };
}
