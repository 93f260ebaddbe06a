/**
 * The providers' webhooks of the written channels: WhatsApp Cloud API (`GET` handshake and `POST`), Twilio's
 * messaging webhook (SMS and WhatsApp, messages and status callbacks), Telegram's, and Kannel's two GETs (a
 * citizen's SMS by the sms-service's get-url, delivery reports by the dlr-url). Each checks the provider's
 * signature on the raw body, parses it with the provider's adapter, stores the messages (once per provider id) with
 * their steps queued in the same statement, and answers at once: the conversation runs from the outbox. Each tenant's
 * are checked with its own providers' secrets (server/messaging-providers/settings.ts). A missing or bad signature
 * is 401 and stores nothing; a body not in the provider's format is 400; a provider not
 * configured is 503. docs/channels.md says what a city registers where.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { InboundAdapter, InboundRequest } from "../../channels/channel.ts";
import { InboundError } from "../../channels/channel.ts";
import { answerVerification } from "../../channels/whatsapp/parse.ts";
import { AppError } from "../errors.ts";
import { route } from "../http/openapi.ts";
import { tenantMessaging } from "../messaging-providers/settings.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { inboundAdaptersOf } from "./adapters.ts";
import { acceptInbound } from "./inbound.ts";

/** Webhook bodies above this are refused before they are read whole (the providers' own are a few KiB). */
const MAX_BODY_BYTES = 1024 * 1024;
const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Registers the providers' webhooks in a scope whose parsers keep the raw body the signatures are over. */
export async function registerChannelWebhooks(app: FastifyInstance): Promise<void> {
  await app.register(webhooks);
}

async function webhooks(scope: FastifyInstance): Promise<void> {
  const { db } = scope.ctx;
  scope.removeAllContentTypeParsers();
  for (const type of ["application/json", "application/x-www-form-urlencoded"]) {
    scope.addContentTypeParser(type, { parseAs: "buffer", bodyLimit: MAX_BODY_BYTES }, (_req, body, done) =>
      done(null, body),
    );
  }

  /** Verifies, parses and stores a provider's request; answers how many messages were new. */
  const receive = async (req: FastifyRequest, adapter: InboundAdapter | undefined) => {
    if (!adapter) throw new AppError(503, "channel_not_configured");
    const request: InboundRequest = {
      // The URL the provider called, as it saw it: Twilio signs it.
      url: `${await tenantPublicUrl(scope.ctx)}${req.url}`,
      headers: req.headers as Record<string, string | undefined>,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    };
    if (!adapter.verify(request)) throw new AppError(401, "bad_signature");
    let messages: ReturnType<InboundAdapter["parse"]>;
    try {
      messages = adapter.parse(request);
    } catch (error) {
      if (!(error instanceof InboundError)) throw error;
      if (error.code === "too_large") throw new AppError(413, "payload_too_large");
      throw new AppError(400, "bad_inbound_payload", { reason: error.code });
    }
    return acceptInbound(db, messages);
  };
  // The tenant's own providers' (its accounts, else the install's): another's secrets open nothing here.
  const adapters = () => inboundAdaptersOf(scope.ctx);
  const common = { tag: "channels", action: "public" as const, cookies: false as const };

  route(
    scope,
    {
      ...common,
      method: "GET",
      path: "/webhooks/whatsapp",
      summary:
        "WhatsApp Cloud API's webhook verification: answers hub.challenge when hub.verify_token matches",
      produces: ["text/plain"],
      responses: { 200: { description: "The challenge" }, 403: { description: "Wrong verify token" } },
    },
    async (req, reply) => {
      const settings = (await tenantMessaging(scope.ctx)).whatsapp;
      if (!settings) throw new AppError(503, "channel_not_configured");
      const challenge = answerVerification(req.query as Record<string, string>, settings.verifyToken);
      if (challenge === null) throw new AppError(403, "forbidden");
      return reply.type("text/plain; charset=utf-8").send(challenge);
    },
  );

  route(
    scope,
    {
      ...common,
      method: "POST",
      path: "/webhooks/whatsapp",
      summary: "WhatsApp Cloud API's webhook: messages and statuses, signed with X-Hub-Signature-256",
      bodyMediaTypes: ["application/json"],
      responses: { 200: { description: "Stored (a repeated delivery stores nothing again)" } },
    },
    async (req) => {
      const accepted = await receive(req, (await adapters()).whatsapp);
      return { ok: true, ...accepted };
    },
  );

  route(
    scope,
    {
      ...common,
      method: "POST",
      path: "/webhooks/twilio/messaging",
      summary:
        "Twilio's messaging webhook (SMS and WhatsApp messages, status callbacks), signed with X-Twilio-Signature",
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "Empty TwiML: the answer follows through the API" } },
    },
    async (req, reply: FastifyReply) => {
      await receive(req, (await adapters()).twilio);
      return reply.type("text/xml; charset=utf-8").send(TWIML_EMPTY);
    },
  );

  const kannelAnswer = async (req: FastifyRequest, reply: FastifyReply) => {
    await receive(req, (await adapters()).kannel);
    // Empty: with the sms-service's max-messages = 0 Kannel sends nothing back; the answer follows from the outbox.
    return reply.type("text/plain; charset=utf-8").send("");
  };
  route(
    scope,
    {
      ...common,
      method: "GET",
      path: "/webhooks/kannel/sms",
      summary:
        "Kannel's sms-service get-url: a citizen's SMS (id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&time=%T), Basic-authenticated with KANNEL_WEBHOOK_SECRET",
      produces: ["text/plain"],
      responses: {
        200: { description: "Stored (a repeated id stores nothing again); empty: no reply by Kannel" },
      },
    },
    kannelAnswer,
  );
  route(
    scope,
    {
      ...common,
      method: "GET",
      path: "/webhooks/kannel/dlr",
      summary: "Kannel's dlr-url: a delivery report of an SMS we sent (key, sig, type=%d, fid=%F)",
      produces: ["text/plain"],
      responses: { 200: { description: "Recorded as the message's delivery state" } },
    },
    kannelAnswer,
  );

  route(
    scope,
    {
      ...common,
      method: "POST",
      path: "/webhooks/telegram",
      summary: "Telegram's webhook (Update objects), with X-Telegram-Bot-Api-Secret-Token",
      bodyMediaTypes: ["application/json"],
      responses: {
        200: { description: "Stored; a button press is acknowledged in the answer (answerCallbackQuery)" },
      },
    },
    async (req) => {
      await receive(req, (await adapters()).telegram);
      // Telegram shows a spinner on a pressed button until the bot answers the callback: done in this answer.
      const update = JSON.parse((req.body as Buffer).toString("utf8")) as {
        callback_query?: { id?: string };
      };
      const id = update.callback_query?.id;
      return typeof id === "string" ? { method: "answerCallbackQuery", callback_query_id: id } : {};
    },
  );
}
