/** Reads of the webhooks concept: subscriptions with their delivery counts, the delivery log and its attempts. */
import { maybeOne, type Sql } from "../db/index.ts";
import { decodeCursor, pageOf } from "../http/pagination.ts";
import type { DeliveryQuery } from "./schemas.ts";

/** A subscription row with its deliveries counted by state (never its secrets). */
export interface SubscriptionRow {
  id: number;
  url: string;
  event_types: string[];
  description: string;
  active: boolean;
  disabled_reason: string | null;
  previous_secret_until: Date | null;
  created_at: Date;
  updated_at: Date;
  counts: { pending: number; delivered: number; dead: number; skipped: number };
}

const SUBSCRIPTION_COLUMNS = `s.id, s.url, s.event_types, s.description, s.active, s.disabled_reason,
  CASE WHEN s.previous_secret_until > now() THEN s.previous_secret_until END AS previous_secret_until,
  s.created_at, s.updated_at,
  (SELECT json_build_object(
            'pending', count(*) FILTER (WHERE d.state = 'pending'),
            'delivered', count(*) FILTER (WHERE d.state = 'delivered'),
            'dead', count(*) FILTER (WHERE d.state = 'dead'),
            'skipped', count(*) FILTER (WHERE d.state = 'skipped'))
     FROM webhook_deliveries d WHERE d.subscription_id = s.id) AS counts`;

/** Every subscription, oldest first. */
export function listSubscriptions(sql: Sql): Promise<SubscriptionRow[]> {
  return sql.query<SubscriptionRow>(
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s ORDER BY s.id`,
  );
}

/** One subscription, or undefined. */
export function findSubscription(sql: Sql, id: number): Promise<SubscriptionRow | undefined> {
  return maybeOne<SubscriptionRow>(
    sql,
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s WHERE s.id = $1`,
    [id],
  );
}

/** One delivery as the log shows it, with when its next attempt is due. */
export interface DeliveryRow {
  id: number;
  event_id: number;
  event_type: string;
  state: "pending" | "delivered" | "dead" | "skipped";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
  request_id: string | null;
  body: string;
}

const DELIVERY_COLUMNS = `d.id, d.event_id, d.event_type, d.state, d.attempts, d.last_status, d.last_error,
  d.created_at, d.last_attempt_at, d.delivered_at, d.request_id, d.body,
  CASE WHEN d.state = 'pending' AND o.state = 'pending' THEN o.run_at END AS next_attempt_at`;

/** A page of the deliveries of a subscription, newest first. */
export async function listDeliveries(
  sql: Sql,
  subscriptionId: number,
  query: DeliveryQuery,
): Promise<{ rows: DeliveryRow[]; next: string | null }> {
  const after = decodeCursor(query.cursor, ["number"]);
  const rows = await sql.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS}
       FROM webhook_deliveries d LEFT JOIN outbox o ON o.id = d.outbox_id
      WHERE d.subscription_id = $1 AND ($2::text IS NULL OR d.state = $2) AND ($3::bigint IS NULL OR d.id < $3)
      ORDER BY d.id DESC
      LIMIT $4`,
    [subscriptionId, query.state ?? null, after?.[0] ?? null, query.limit + 1],
  );
  return pageOf(rows, query.limit, (r) => [r.id]);
}

/** One delivery of a subscription, or undefined. */
export function findDelivery(
  sql: Sql,
  subscriptionId: number,
  deliveryId: number,
): Promise<DeliveryRow | undefined> {
  return maybeOne<DeliveryRow>(
    sql,
    `SELECT ${DELIVERY_COLUMNS}
       FROM webhook_deliveries d LEFT JOIN outbox o ON o.id = d.outbox_id
      WHERE d.subscription_id = $1 AND d.id = $2`,
    [subscriptionId, deliveryId],
  );
}

/** One attempt of a delivery. */
export interface AttemptRow {
  started_at: Date;
  finished_at: Date | null;
  status: number | null;
  error: string | null;
  response_excerpt: string | null;
}

/** The attempts of a delivery, oldest first (the latest 100). */
export async function listAttempts(sql: Sql, deliveryId: number): Promise<AttemptRow[]> {
  const rows = await sql.query<AttemptRow>(
    `SELECT started_at, finished_at, status, error, response_excerpt
       FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id DESC LIMIT 100`,
    [deliveryId],
  );
  return rows.reverse();
}
