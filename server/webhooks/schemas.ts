/** Schemas of the webhooks concept: the admin's inputs, the delivery job's payload and the views that leave. */
import { z } from "zod";
import { pageFields } from "../http/pagination.ts";

/**
 * An event type a subscription takes: a dotted timeline type (`demand.closed`), every type under a prefix
 * (`demand.*`), or `*` for all. Identifiers as Standard Webhooks recommends: lower-case letters, digits, `_`.
 */
export const EventTypePattern = z
  .string()
  .trim()
  .max(100)
  .regex(/^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/);

const EventTypes = z
  .array(EventTypePattern)
  .min(1)
  .max(50)
  .transform((types) => [...new Set(types)]);

/** The target URL as given; its scheme (http or https only) is checked by the command. */
const TargetUrl = z.string().trim().min(1).max(2000);

/** The body of POST /api/v1/webhooks. */
export const SubscriptionInput = z.object({
  /** Where events are POSTed: an http:// or https:// URL (https in production). */
  url: TargetUrl,
  /** Which timeline events: `demand.closed`, `demand.*`, or `*`. */
  eventTypes: EventTypes,
  /** What the receiving system is, for the admins who read the list. */
  description: z.string().trim().max(500).default(""),
  /** false: no deliveries are made (events meanwhile are not kept for it). */
  active: z.boolean().default(true),
});
export type SubscriptionInput = z.infer<typeof SubscriptionInput>;

/** The body of PATCH /api/v1/webhooks/:id: only the fields given change. */
export const SubscriptionPatch = z.object({
  /** New target URL (http or https). */
  url: TargetUrl.optional(),
  /** New list of event types. */
  eventTypes: EventTypes.optional(),
  /** New description. */
  description: z.string().trim().max(500).optional(),
  /** Switch deliveries on (also after a 410 Gone switched them off) or off. */
  active: z.boolean().optional(),
});
export type SubscriptionPatch = z.infer<typeof SubscriptionPatch>;

/** The path of the routes about one subscription. */
export const SubscriptionParams = z.object({
  /** Subscription id. */
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

/** The path of the routes about one delivery of a subscription. */
export const DeliveryParams = SubscriptionParams.extend({
  /** Delivery id. */
  deliveryId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

/** Every state of a delivery. */
export const DELIVERY_STATES = ["pending", "delivered", "dead", "skipped"] as const;

/** The query of GET /api/v1/webhooks/:id/deliveries. */
export const DeliveryQuery = z.object({
  /** Only deliveries in this state. */
  state: z.enum(DELIVERY_STATES).optional(),
  ...pageFields(50, 200),
});
export type DeliveryQuery = z.infer<typeof DeliveryQuery>;

/** The payload of a `deliver-webhook` outbox row. */
export const DeliverWebhookPayload = z.object({
  /** The webhook_deliveries row to send. */
  deliveryId: z.number().int().positive(),
});
export type DeliverWebhookPayload = z.infer<typeof DeliverWebhookPayload>;

/** A subscription as admins see it; the secret never leaves after creation or rotation. */
export const SubscriptionView = z.object({
  id: z.number(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string(),
  active: z.boolean(),
  /** `gone` when the receiver answered 410 Gone and deliveries were switched off. */
  disabledReason: z.string().nullable(),
  /** Until when the previous secret also signs, after a rotation (ISO 8601). */
  previousSecretUntil: z.string().nullable(),
  /** Deliveries by state. */
  deliveries: z.object({ pending: z.number(), delivered: z.number(), dead: z.number(), skipped: z.number() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SubscriptionView = z.infer<typeof SubscriptionView>;

/** The answer to a creation or a rotation: the subscription with its signing secret, shown this once. */
export const SubscriptionWithSecret = SubscriptionView.extend({
  /** `whsec_` + base64: the HMAC key is the base64-decoded part. Store it now: it is not shown again. */
  secret: z.string(),
});

/** One delivery in the log. */
export const DeliveryView = z.object({
  id: z.number(),
  /** The `webhook-id` header: `evt_` + the timeline event id, the same on every attempt. */
  webhookId: z.string(),
  eventId: z.number(),
  eventType: z.string(),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number(),
  /** HTTP status of the last attempt; null when no answer came (connection refused, timeout). */
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  /** When the next attempt is due, while one is waiting. */
  nextAttemptAt: z.string().nullable(),
  /**
   * The id of the request that caused the event (a staff member's or a citizen's), sent as X-Request-Id; null when
   * the event was not caused by a request (deadlines, imports), and then each attempt sends its job's own id.
   */
  requestId: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/** One delivery with the exact body sent and every attempt. */
export const DeliveryDetailView = DeliveryView.extend({
  body: z.unknown(),
  attemptLog: z.array(
    z.object({
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
      status: z.number().nullable(),
      error: z.string().nullable(),
      responseExcerpt: z.string().nullable(),
    }),
  ),
});
export type DeliveryDetailView = z.infer<typeof DeliveryDetailView>;
