/**
 * HTTP routes of outgoing webhooks, for admins: subscriptions (create — the secret is shown once —, list, change,
 * delete, rotate the secret) and each subscription's delivery log, with a redelivery of one.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { auditActorOf } from "../audit/record.ts";
import type { Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import {
  createSubscription,
  deleteSubscription,
  redeliver,
  rotateSecret,
  unknownWebhook,
  updateSubscription,
} from "./commands.ts";
import { presentDelivery, presentDeliveryDetail, presentSubscription } from "./present.ts";
import {
  findDelivery,
  findSubscription,
  listAttempts,
  listDeliveries,
  listSubscriptions,
} from "./queries.ts";
import {
  DeliveryDetailView,
  DeliveryParams,
  DeliveryQuery,
  DeliveryView,
  SubscriptionInput,
  SubscriptionParams,
  SubscriptionPatch,
  SubscriptionView,
  SubscriptionWithSecret,
} from "./schemas.ts";

const Redelivered = z.object({ id: z.number(), state: z.literal("pending") });

async function viewOf(sql: Sql, id: number) {
  const row = await findSubscription(sql, id);
  if (!row) throw unknownWebhook(id);
  return presentSubscription(row);
}

/** Registers the webhooks routes. */
export async function registerWebhooksRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/webhooks",
      summary: "Webhook subscriptions with their deliveries counted by state (never their secrets)",
      tag: "webhooks",
      action: "webhooks.read",
      responses: { 200: { description: "Subscriptions, oldest first", schema: SubscriptionView.array() } },
    },
    async () => (await listSubscriptions(db)).map(presentSubscription),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/webhooks",
      summary: "Subscribe a URL to timeline event types; the signing secret is in this answer only",
      tag: "webhooks",
      action: "webhooks.manage",
      body: SubscriptionInput,
      responses: {
        201: { description: "Created, with its secret", schema: SubscriptionWithSecret },
        400: { description: "invalid_input (url: unsupported_url_scheme, invalid_format; eventTypes)" },
      },
    },
    async (req, reply) => {
      const input = validate(SubscriptionInput, req.body);
      const actor = auditActorOf(req);
      const { id, secret } = await db.transaction((tx) => createSubscription(tx, input, actor));
      reply.status(201);
      return { ...(await viewOf(db, id)), secret };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/webhooks/:id",
      summary: "One webhook subscription",
      tag: "webhooks",
      action: "webhooks.read",
      responses: {
        200: { description: "The subscription", schema: SubscriptionView },
        404: { description: "unknown_webhook" },
      },
    },
    async (req) => viewOf(db, validate(SubscriptionParams, req.params).id),
  );

  route(
    app,
    {
      method: "PATCH",
      path: "/api/v1/webhooks/:id",
      summary: "Change a subscription's URL, event types, description or active flag",
      tag: "webhooks",
      action: "webhooks.manage",
      body: SubscriptionPatch,
      responses: {
        200: { description: "Updated", schema: SubscriptionView },
        404: { description: "unknown_webhook" },
      },
    },
    async (req) => {
      const { id } = validate(SubscriptionParams, req.params);
      const patch = validate(SubscriptionPatch, req.body);
      await db.transaction((tx) => updateSubscription(tx, id, patch, auditActorOf(req)));
      return viewOf(db, id);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/webhooks/:id",
      summary: "Delete a subscription and its delivery log",
      tag: "webhooks",
      action: "webhooks.manage",
      responses: { 204: { description: "Deleted" }, 404: { description: "unknown_webhook" } },
    },
    async (req, reply) => {
      const { id } = validate(SubscriptionParams, req.params);
      await db.transaction((tx) => deleteSubscription(tx, id, auditActorOf(req)));
      reply.status(204);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/webhooks/:id/rotate-secret",
      summary: "Give a subscription a new secret (shown once); the old one also signs for 24 hours",
      tag: "webhooks",
      action: "webhooks.manage",
      responses: {
        200: { description: "The subscription with its new secret", schema: SubscriptionWithSecret },
        404: { description: "unknown_webhook" },
      },
    },
    async (req) => {
      const { id } = validate(SubscriptionParams, req.params);
      const secret = await db.transaction((tx) => rotateSecret(tx, id, auditActorOf(req)));
      return { ...(await viewOf(db, id)), secret };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/webhooks/:id/deliveries",
      summary:
        "The delivery log of a subscription: state, attempts, last status or error, next try; newest first",
      tag: "webhooks",
      action: "webhooks.read",
      query: DeliveryQuery,
      paginated: true,
      responses: {
        200: { description: "Deliveries", schema: DeliveryView.array() },
        404: { description: "unknown_webhook" },
      },
    },
    async (req, reply) => {
      const { id } = validate(SubscriptionParams, req.params);
      const query = validate(DeliveryQuery, req.query);
      if (!(await findSubscription(db, id))) throw unknownWebhook(id);
      const page = await listDeliveries(db, id, query);
      linkNext(req, reply, page.next);
      return page.rows.map(presentDelivery);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/webhooks/:id/deliveries/:deliveryId",
      summary: "One delivery with the exact body sent and every attempt",
      tag: "webhooks",
      action: "webhooks.read",
      responses: {
        200: { description: "The delivery", schema: DeliveryDetailView },
        404: { description: "unknown_webhook_delivery" },
      },
    },
    async (req) => {
      const { id, deliveryId } = validate(DeliveryParams, req.params);
      const row = await findDelivery(db, id, deliveryId);
      if (!row) throw new AppError(404, "unknown_webhook_delivery", { id: deliveryId });
      return presentDeliveryDetail(row, await listAttempts(db, deliveryId));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver",
      summary: "Send one delivery again now (same webhook-id), whatever its state",
      tag: "webhooks",
      action: "webhooks.manage",
      responses: {
        200: { description: "Queued", schema: Redelivered },
        404: { description: "unknown_webhook_delivery" },
        409: { description: "webhook_delivery_in_flight" },
      },
    },
    async (req) => {
      const { id, deliveryId } = validate(DeliveryParams, req.params);
      await db.transaction((tx) => redeliver(tx, id, deliveryId, auditActorOf(req)));
      return { id: deliveryId, state: "pending" as const };
    },
  );
}
