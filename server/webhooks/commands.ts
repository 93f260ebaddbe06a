/**
 * Commands of the webhooks concept: an admin creates, changes, deletes a subscription, rotates its secret and sends
 * one delivery again; the delivery job records each attempt before the request goes out and its outcome after.
 */
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { enqueue } from "../jobs/enqueue.ts";
import type { SubscriptionInput, SubscriptionPatch } from "./schemas.ts";
import { generateSecret } from "./signature.ts";

/** How long a rotated-out secret keeps signing too, so receivers can switch without losing a message. */
export const PREVIOUS_SECRET_HOURS = 24;

/** 404 for a subscription that does not exist. */
export const unknownWebhook = (id: number) => new AppError(404, "unknown_webhook", { id });

/** Checks a target URL: it parses, and its scheme is http or https. Returns it normalised. */
export function checkTargetUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError(400, "invalid_input", {}, [{ field: "url", code: "invalid_format" }]);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new AppError(400, "invalid_input", {}, [{ field: "url", code: "unsupported_url_scheme" }]);
  }
  if (parsed.username || parsed.password) {
    // Credentials in the URL would be shown in every list of subscriptions; the signature is the authentication.
    throw new AppError(400, "invalid_input", {}, [{ field: "url", code: "url_credentials_not_allowed" }]);
  }
  return parsed.toString();
}

/** The audited fields of a subscription: never its secrets. */
function auditedSubscription(tx: Sql, id: number) {
  return maybeOne(
    tx,
    `SELECT url, event_types AS "eventTypes", description, active, disabled_reason AS "disabledReason"
       FROM webhook_subscriptions WHERE id = $1`,
    [id],
  );
}

/** Creates a subscription with a new secret; deliveries start with the events recorded after it. */
export async function createSubscription(
  tx: Sql,
  input: SubscriptionInput,
  actor: AuditActor,
): Promise<{ id: number; secret: string }> {
  const url = checkTargetUrl(input.url);
  const secret = generateSecret();
  const row = await one<{ id: number }>(
    tx,
    `INSERT INTO webhook_subscriptions (url, event_types, description, active, secret, since_event_id, created_by)
     VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(max(id), 0) FROM demand_events), $6)
     RETURNING id`,
    [url, input.eventTypes, input.description, input.active, secret, actor.staffId],
  );
  const after = await auditedSubscription(tx, row.id);
  await recordAudit(tx, actor, { action: "webhook.created", entityType: "webhook", entityId: row.id, after });
  return { id: row.id, secret };
}

/** Changes the fields given; switching a subscription on clears why the system had switched it off. */
export async function updateSubscription(
  tx: Sql,
  id: number,
  patch: SubscriptionPatch,
  actor: AuditActor,
): Promise<void> {
  const url = patch.url === undefined ? null : checkTargetUrl(patch.url);
  const before = await auditedSubscription(tx, id);
  const rows = await tx.query(
    `UPDATE webhook_subscriptions
        SET url = COALESCE($2, url),
            event_types = COALESCE($3, event_types),
            description = COALESCE($4, description),
            active = COALESCE($5, active),
            disabled_reason = CASE WHEN $5 IS TRUE THEN NULL ELSE disabled_reason END,
            updated_at = now()
      WHERE id = $1 RETURNING id`,
    [id, url, patch.eventTypes ?? null, patch.description ?? null, patch.active ?? null],
  );
  if (rows.length === 0) throw unknownWebhook(id);
  const after = await auditedSubscription(tx, id);
  await recordAudit(tx, actor, {
    action: "webhook.updated",
    entityType: "webhook",
    entityId: id,
    before,
    after,
  });
}

/** Deletes a subscription with its delivery log; its waiting outbox rows then find nothing to send. */
export async function deleteSubscription(tx: Sql, id: number, actor: AuditActor): Promise<void> {
  const before = await auditedSubscription(tx, id);
  const rows = await tx.query("DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id", [id]);
  if (rows.length === 0) throw unknownWebhook(id);
  await recordAudit(tx, actor, { action: "webhook.deleted", entityType: "webhook", entityId: id, before });
}

/** Gives a subscription a new secret; the old one keeps signing alongside for PREVIOUS_SECRET_HOURS. */
export async function rotateSecret(tx: Sql, id: number, actor: AuditActor): Promise<string> {
  const secret = generateSecret();
  const rows = await tx.query(
    `UPDATE webhook_subscriptions
        SET previous_secret = secret, secret = $2, updated_at = now(),
            previous_secret_until = now() + make_interval(hours => $3)
      WHERE id = $1 RETURNING id`,
    [id, secret, PREVIOUS_SECRET_HOURS],
  );
  if (rows.length === 0) throw unknownWebhook(id);
  // That the secret changed, never the secret itself.
  await recordAudit(tx, actor, { action: "webhook.secret_rotated", entityType: "webhook", entityId: id });
  return secret;
}

/**
 * Sends one delivery again, on an admin's word: a waiting one is tried now; a finished one (delivered, dead,
 * skipped) gets a new outbox row, keeping its webhook-id so the receiver can tell it is the same event.
 */
export async function redeliver(
  tx: Sql,
  subscriptionId: number,
  deliveryId: number,
  actor: AuditActor,
): Promise<void> {
  const delivery = await maybeOne<{ state: string; outbox_state: string | null; outbox_id: number | null }>(
    tx,
    `SELECT d.state, o.state AS outbox_state, d.outbox_id
       FROM webhook_deliveries d LEFT JOIN outbox o ON o.id = d.outbox_id
      WHERE d.subscription_id = $1 AND d.id = $2
      FOR UPDATE OF d`,
    [subscriptionId, deliveryId],
  );
  if (!delivery) throw new AppError(404, "unknown_webhook_delivery", { id: deliveryId });
  if (delivery.state === "pending" && delivery.outbox_state === "running") {
    throw new AppError(409, "webhook_delivery_in_flight", { id: deliveryId });
  }
  await recordAudit(tx, actor, {
    action: "webhook.redelivered",
    entityType: "webhook",
    entityId: subscriptionId,
    before: { deliveryId, state: delivery.state },
  });
  if (delivery.state === "pending" && delivery.outbox_state === "pending") {
    await tx.query("UPDATE outbox SET run_at = now() WHERE id = $1 AND state = 'pending'", [
      delivery.outbox_id,
    ]);
    return;
  }
  const outboxId = await enqueue(tx, "deliver-webhook", { deliveryId });
  await tx.query("UPDATE webhook_deliveries SET state = 'pending', outbox_id = $2 WHERE id = $1", [
    deliveryId,
    outboxId,
  ]);
}

/** What an attempt needs: where to POST, the exact body and the secrets that sign it. */
export interface AttemptPlan {
  kind: "send";
  attemptId: number;
  eventId: number;
  url: string;
  body: string;
  secrets: string[];
}

/**
 * Locks a delivery and decides: nothing to do (already delivered, its subscription is gone, or `outboxId` is not
 * the row that carries it now), skipped (the subscription was switched off), or an attempt, recorded before the
 * request goes out.
 */
export async function startDeliveryAttempt(
  tx: Sql,
  deliveryId: number,
  outboxId: number | null,
): Promise<AttemptPlan | { kind: "done" | "skipped" }> {
  const row = await maybeOne<{
    state: string;
    outbox_id: number | null;
    event_id: number;
    body: string;
    url: string;
    active: boolean;
    secret: string;
    previous_secret: string | null;
  }>(
    tx,
    `SELECT d.state, d.outbox_id, d.event_id, d.body, s.url, s.active, s.secret,
            CASE WHEN s.previous_secret_until > now() THEN s.previous_secret END AS previous_secret
       FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
      WHERE d.id = $1
      FOR UPDATE OF d`,
    [deliveryId],
  );
  if (!row || row.state === "delivered") return { kind: "done" };
  // A row that no longer carries the delivery (an admin sent it again on a new row meanwhile) sends nothing.
  if (outboxId !== null && row.outbox_id !== null && row.outbox_id !== outboxId) return { kind: "done" };
  if (!row.active) {
    await tx.query("UPDATE webhook_deliveries SET state = 'skipped' WHERE id = $1", [deliveryId]);
    return { kind: "skipped" };
  }
  const attempt = await one<{ id: number }>(
    tx,
    `WITH d AS (
       UPDATE webhook_deliveries SET state = 'pending', attempts = attempts + 1, last_attempt_at = now()
        WHERE id = $1)
     INSERT INTO webhook_attempts (delivery_id) VALUES ($1) RETURNING id`,
    [deliveryId],
  );
  return {
    kind: "send",
    attemptId: attempt.id,
    eventId: row.event_id,
    url: row.url,
    body: row.body,
    secrets: row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
  };
}

/** How an attempt ended: the receiver's status (null when none came), an error, the start of its answer. */
export interface AttemptOutcome {
  status: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/**
 * Records an attempt's outcome on the attempt and its delivery: a 2xx delivers it; a 410 Gone switches the
 * subscription off (the job then parks the delivery as dead); anything else leaves it waiting for the next try.
 */
export async function recordAttempt(
  tx: Sql,
  deliveryId: number,
  attemptId: number,
  outcome: AttemptOutcome,
): Promise<void> {
  const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
  await tx.query(
    `WITH a AS (
       UPDATE webhook_attempts SET finished_at = now(), status = $3, error = $4, response_excerpt = $5
        WHERE id = $2)
     UPDATE webhook_deliveries
        SET last_status = $3, last_error = $4,
            state = CASE WHEN $6::boolean THEN 'delivered' ELSE state END,
            delivered_at = CASE WHEN $6::boolean THEN now() ELSE delivered_at END
      WHERE id = $1`,
    [deliveryId, attemptId, outcome.status, outcome.error, outcome.responseExcerpt, delivered],
  );
  if (outcome.status === 410) {
    await tx.query(
      `UPDATE webhook_subscriptions SET active = false, disabled_reason = 'gone', updated_at = now()
        WHERE id = (SELECT subscription_id FROM webhook_deliveries WHERE id = $1)`,
      [deliveryId],
    );
  }
}

/** Parks a delivery whose outbox row went dead (attempts ran out, or 410 Gone), with the last error for the log. */
export async function markDeliveryDead(tx: Sql, deliveryId: number, error: string): Promise<void> {
  await tx.query(
    `UPDATE webhook_deliveries SET state = 'dead', last_error = COALESCE(last_error, $2)
      WHERE id = $1 AND state = 'pending'`,
    [deliveryId, error.slice(0, 2000)],
  );
}
