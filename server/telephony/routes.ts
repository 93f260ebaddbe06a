/**
 * HTTP routes of phone intake: the telephony webhooks (our signed JSON events for any PBX; Twilio's voice request
 * and status callback, answered in TwiML), the calls an agent sees with the caller's screen pop, the demand
 * registered during a call, and the counter receipt. docs/telephony.md.
 */

import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  type FormParams,
  parseTwilioCall,
  TWILIO_SIGNATURE_HEADER,
  TWIML_EMPTY,
  twimlAnswer,
  twimlHangup,
  type VoiceRoute,
  verifyTwilioSignature,
} from "../../channels/voice/parse.ts";
import { registerAuditorCallWebhooks } from "../auditors/call-webhook.ts";
import { readCalendarSettings } from "../calendar/queries.ts";
import { protocolParam, secretMatches } from "../demands/access.ts";
import { deadlineWords, expectedDeadline } from "../demands/deadline.ts";
import { AppError, invalidInput, invalidJson } from "../errors.ts";
import { can, staffOf } from "../http/auth.ts";
import { pageHeaders } from "../http/html.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { translate } from "../i18n.ts";
import { ivrWelcome } from "../ivr/flow.ts";
import { withRecordedPrompts } from "../ivr/prompts.ts";
import { loadIvrMenu } from "../ivr/queries.ts";
import { ivrDeps, registerIvrWebhook } from "../ivr/webhook.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { verifyWebhookSignature } from "../webhooks/signature.ts";
import { type CallEventInput, recordCallEvent, registerCallDemand, takeCall } from "./commands.ts";
import { idempotencyOf } from "./idempotency.ts";
import { presentCall, presentScreenPop, readBack } from "./present.ts";
import { findCall, findCallerHistory, findReceipt, listOpenCalls } from "./queries.ts";
import { RECEIPT_STYLE, receiptPage } from "./receipt.ts";
import { registerCallRecordingWebhook, withCallRecording } from "./recordings.ts";
import { CallDemandInput, CallListQuery, CallParams, CallView, PbxEvent, ReceiptQuery } from "./schemas.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The JSON body exactly as received, for signature checks (telephony webhook only). */
    rawBody?: string;
  }
}

const TWIML = "text/xml; charset=utf-8";

/** Why a PBX event's signature was refused → the problem answered. */
const SIGNATURE_PROBLEMS = {
  missing_headers: [400, "signature_required"],
  bad_timestamp: [400, "bad_signature_timestamp"],
  outside_window: [401, "signature_expired"],
  bad_signature: [401, "bad_signature"],
} as const;

/** Registers the telephony webhooks and the calls routes. */
export async function registerTelephonyRoutes(app: FastifyInstance): Promise<void> {
  await app.register(registerPbxWebhook);
  await app.register(registerTwilioWebhooks);
  registerCallsRoutes(app);
}

/** The PBX webhook, in a scope whose JSON parser keeps the raw body the signature is computed over. */
async function registerPbxWebhook(scope: FastifyInstance): Promise<void> {
  const { db, config } = scope.ctx;
  scope.removeContentTypeParser("application/json");
  scope.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    req.rawBody = body as string;
    try {
      done(null, body === "" ? undefined : JSON.parse(body as string));
    } catch {
      done(invalidJson(), undefined);
    }
  });

  route(
    scope,
    {
      method: "POST",
      path: "/api/v1/telephony/events",
      summary:
        "A call event from a PBX/CTI (ringing, answered, ended), signed with the shared secret (Standard Webhooks headers)",
      tag: "telephony",
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      body: PbxEvent,
      responses: {
        200: {
          description: "The call as recorded; changed false for a repeated or late event",
          schema: z.object({ call: CallView, changed: z.boolean(), agentKnown: z.boolean() }),
        },
      },
    },
    async (req) => {
      const secret = config.telephonyWebhookSecret;
      if (!secret) throw new AppError(503, "telephony_not_configured");
      const verified = verifyWebhookSignature({ secret, headers: req.headers, body: req.rawBody ?? "" });
      if (!verified.ok) {
        const [status, code] = SIGNATURE_PROBLEMS[verified.reason];
        throw new AppError(status, code);
      }
      const event = validate(PbxEvent, req.body);
      const result = await recordCallEvent(
        db,
        {
          provider: "pbx",
          providerCallId: event.callId,
          event: event.event,
          from: event.from,
          to: event.to,
          agent: event.agent,
          at: event.at ? new Date(event.at) : new Date(),
          reason: event.reason,
        },
        { areaCode: config.telephonyAreaCode },
      );
      return { call: presentCall(result.call), changed: result.changed, agentKnown: result.agentKnown };
    },
  );
}

/** Twilio's voice request and status callback: form bodies, Twilio's signature, TwiML answers even on errors. */
async function registerTwilioWebhooks(scope: FastifyInstance): Promise<void> {
  const { db, config } = scope.ctx;
  await scope.register(formbody);
  // Every TwiML answer plays the city's recording of a text where it has one (server/ivr/prompts.ts).
  scope.addHook("onSend", async (_req, reply, payload) => {
    if (typeof payload !== "string" || !String(reply.getHeader("content-type") ?? "").startsWith("text/xml"))
      return payload;
    return withRecordedPrompts(scope.ctx, payload);
  });
  // Twilio reads TwiML, not problem documents: an error hangs up politely, its code in a header for the logs.
  scope.setErrorHandler((error: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) => {
    const app = error instanceof AppError ? error : undefined;
    const fastifyStatus = (error as FastifyError).statusCode;
    const status = app?.status ?? (fastifyStatus && fastifyStatus < 500 ? fastifyStatus : 500);
    if (!app && status >= 500) req.log.error(error);
    const path = req.url.split("?")[0] ?? "";
    const isVoice = path.endsWith("/voice") || path.endsWith("/ivr") || path.endsWith("/auditor-call");
    const body = isVoice
      ? twimlHangup({ message: translate("pt-BR", "telephony.unavailable"), language: "pt-BR" })
      : TWIML_EMPTY;
    return reply
      .status(status)
      .header("x-problem-code", app?.code ?? "internal_error")
      .type(TWIML)
      .send(body);
  });

  /** The authentic Twilio request's form, or the error Twilio is answered with. */
  const twilioForm = async (req: FastifyRequest) => {
    const authToken = config.twilioAuthToken;
    if (!authToken) throw new AppError(503, "telephony_not_configured");
    const signature = req.headers[TWILIO_SIGNATURE_HEADER];
    if (typeof signature !== "string" || signature === "") throw new AppError(400, "signature_required");
    const params = (req.body ?? {}) as FormParams;
    // Twilio signs the URL it was given: this site's public address and the path and query it called.
    const url = `${await tenantPublicUrl(scope.ctx)}${req.url}`;
    if (!verifyTwilioSignature({ authToken, url, params, signature }))
      throw new AppError(403, "bad_signature");
    return params;
  };
  /** The authentic Twilio request's call and form. */
  const twilioRequest = async (req: FastifyRequest) => {
    const params = await twilioForm(req);
    const parsed = parseTwilioCall(params);
    if (!parsed.ok) throw invalidInput(parsed.fields.map((field) => ({ field, code: "invalid_value" })));
    return { call: parsed.call, params };
  };

  /** Records what an authentic Twilio request says of its call (`event` overrides what its status says). */
  const twilioCall = async (req: FastifyRequest, event?: CallEventInput["event"]) => {
    const { call } = await twilioRequest(req);
    return recordCallEvent(db, {
      provider: "twilio",
      providerCallId: call.callSid,
      event: event ?? call.event,
      from: call.from,
      to: call.to,
      at: new Date(),
      reason: call.event === "ended" ? call.status : undefined,
    });
  };
  const agentsRoute = (): VoiceRoute =>
    config.twilioDial
      ? { kind: "dial", target: config.twilioDial }
      : { kind: "enqueue", queue: config.twilioQueue };
  registerIvrWebhook(scope, { twilioRequest, twilioForm, agentsRoute });
  registerAuditorCallWebhooks(scope, { twilioRequest, twilioForm });
  registerCallRecordingWebhook(scope, { twilioForm });

  route(
    scope,
    {
      method: "POST",
      path: "/api/v1/telephony/twilio/voice",
      summary: "Twilio's voice request for an inbound call (form-encoded, X-Twilio-Signature); answers TwiML",
      tag: "telephony",
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "TwiML: a pt-BR greeting, then the agents' queue or a dial" } },
    },
    async (req, reply) => {
      // With the line's IVR on, the call waits in it (not ringing) until the caller asks for an agent.
      const menu = await loadIvrMenu(db);
      const ivr = menu?.enabled === true;
      const { call } = await twilioCall(req, ivr ? "ivr" : undefined);
      reply.type(TWIML);
      if (call.state === "ended") return twimlHangup({ language: "pt-BR" });
      // Where the city records calls, the recording starts here and the legal notice is said first.
      if (ivr && call.state === "ivr")
        return withCallRecording(scope.ctx, ivrWelcome(await ivrDeps(scope, { menu, call, agentsRoute })));
      return withCallRecording(
        scope.ctx,
        twimlAnswer({
          greeting: translate("pt-BR", "telephony.greeting"),
          language: "pt-BR",
          route: agentsRoute(),
        }),
      );
    },
  );

  route(
    scope,
    {
      method: "POST",
      path: "/api/v1/telephony/twilio/status",
      summary:
        "Twilio's status callback of a call (in-progress, completed, no-answer, busy …); answers empty TwiML",
      tag: "telephony",
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "Empty TwiML" } },
    },
    async (req, reply) => {
      await twilioCall(req);
      return reply.type(TWIML).send(TWIML_EMPTY);
    },
  );
}

/** The agent's calls, the screen pop, taking a call, intake during it, and the counter receipt. */
function registerCallsRoutes(app: FastifyInstance): void {
  const { db } = app.ctx;
  const callOf = async (req: FastifyRequest) => {
    const { id } = validate(CallParams, req.params);
    const call = await findCall(db, id);
    if (!call) throw new AppError(404, "unknown_call", { id });
    return call;
  };

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/calls",
      summary:
        "The caller's open calls: ringing for this agent or for every agent, and the ones this agent took",
      tag: "calls",
      action: "calls.read",
      query: CallListQuery,
      paginated: true,
      responses: { 200: { description: "Open calls, newest first", schema: CallView.array() } },
    },
    async (req, reply) => {
      const page = await listOpenCalls(db, staffOf(req).id, validate(CallListQuery, req.query));
      linkNext(req, reply, page.next);
      return page.rows.map(presentCall);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/calls/:id",
      summary: "The screen pop of a call: the caller if known, their open and recent demands, earlier calls",
      tag: "calls",
      action: "calls.read",
      responses: { 200: { description: "The call and its caller's history" } },
    },
    async (req) => {
      const call = await callOf(req);
      const staff = staffOf(req);
      const history = await findCallerHistory(db, call, can(staff.role, "demands.read_identity"));
      return presentScreenPop(call, history, req.locale);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/calls/:id/answer",
      summary: "The agent takes a ringing call; 409 when another agent took it or it ended",
      tag: "calls",
      action: "calls.intake",
      responses: { 200: { description: "The call, now the agent's", schema: CallView } },
    },
    async (req) => {
      const { id } = validate(CallParams, req.params);
      return presentCall(await takeCall(db, id, staffOf(req)));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/calls/:id/demands",
      summary:
        "Registers a demand during the call (channel phone, the caller as citizen); answers the protocol to read back",
      tag: "calls",
      action: "calls.intake",
      body: CallDemandInput,
      responses: {
        201: { description: "The protocol, the citizen's secret, and the protocol grouped for reading" },
      },
    },
    async (req, reply) => {
      const call = await callOf(req);
      const input = validate(CallDemandInput, req.body);
      const created = await registerCallDemand(db, staffOf(req), call.id, input, idempotencyOf(req, call.id));
      const protocol = created.body.protocol;
      const spoken = readBack(protocol);
      reply.status(created.status).header("location", `/api/v1/demands/${protocol}`);
      return {
        ...created.body,
        callId: call.id,
        readBack: spoken.grouped,
        readBackWords: spoken.words,
        receiptUrl: `/api/v1/demands/${protocol}/receipt?secret=${encodeURIComponent(created.body.secret)}`,
      };
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/demands/:protocol/receipt",
      summary:
        "The counter receipt (HTML for printing): protocol, service, date, tracking address, the secret",
      tag: "calls",
      action: "calls.intake",
      query: ReceiptQuery,
      responses: { 200: { description: "An HTML page laid out for a receipt printer" } },
    },
    async (req, reply) => {
      const protocol = protocolParam(req);
      const query = validate(ReceiptQuery, req.query);
      const demand = await findReceipt(db, protocol);
      if (!demand) throw new AppError(404, "unknown_protocol", { protocol });
      // Only the demand's own secret is printed: a mistyped one would send the citizen to a locked door.
      if (query.secret !== undefined && !secretMatches(query.secret, demand.secret_hash)) {
        throw new AppError(403, "wrong_secret");
      }
      const { timeZone } = await readCalendarSettings(db);
      // The same deadline and date the demand's clock records (or will, while routing has not started it).
      const expected = await expectedDeadline(
        db,
        {
          demandType: demand.demand_type,
          deadline: { amount: demand.deadline_amount, unit: demand.deadline_unit },
        },
        demand.opened_at,
        demand.due_at,
      );
      return reply
        .type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .headers(pageHeaders(RECEIPT_STYLE))
        .send(
          receiptPage({
            demand,
            locale: req.locale,
            publicUrl: await tenantPublicUrl(app.ctx),
            secret: query.secret,
            timeZone,
            deadline: deadlineWords(expected, req.locale),
          }),
        );
    },
  );
}
