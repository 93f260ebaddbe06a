/**
 * The IVR's steps over Twilio's webhooks (TwiML dialect): each `<Gather>` posts what the caller pressed or said to
 * `POST /api/v1/telephony/twilio/ivr?step=…&lang=…&tries=…`, signed like every Twilio request and answered with the
 * next TwiML (server/ivr/flow.ts). Registered inside the Twilio scope of server/telephony/routes.ts, which reads the
 * form, checks the signature and answers errors in TwiML.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  type FormParams,
  formValue,
  routeVerb,
  type TwilioCallEvent,
  type VoiceRoute,
} from "../../channels/voice/parse.ts";
import { hangup, twimlDocument } from "../../channels/voice/twiml.ts";
import { IVR_LANGUAGES, type IvrLanguage, type IvrMenu } from "../../domain/ivr.ts";
import { maybeOne } from "../db/index.ts";
import { route, validate } from "../http/openapi.ts";
import { recordCallEvent } from "../telephony/commands.ts";
import type { CallRow } from "../telephony/queries.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { IVR_STEPS, type IvrDeps, type IvrStep, ivrStep, MAX_TRIES } from "./flow.ts";
import { loadIvrMenu } from "./queries.ts";

const TWIML = "text/xml; charset=utf-8";

/** Where a step's answer comes back: the step, the language spoken, the tries so far. */
export const IvrStepQuery = z.object({
  step: z.enum(IVR_STEPS),
  lang: z.enum(IVR_LANGUAGES).default("pt-BR"),
  tries: z.coerce.number().int().min(0).max(MAX_TRIES).default(0),
});

/** What the Twilio scope lends the IVR: the checked request, and where callers go to reach an agent. */
export interface TwilioSide {
  twilioRequest(req: FastifyRequest): Promise<{ call: TwilioCallEvent; params: FormParams }>;
  /** An authentic request's form, whatever it is about (a recording's status has no CallStatus). */
  twilioForm(req: FastifyRequest): Promise<FormParams>;
  agentsRoute(): VoiceRoute;
}

/** The flow's needs for one call: the menu, the step URLs, and the way to the agents (ringing, with the pop). */
export async function ivrDeps(
  scope: FastifyInstance,
  options: { menu: IvrMenu; call: CallRow; agentsRoute: () => VoiceRoute },
): Promise<IvrDeps> {
  const { db } = scope.ctx;
  const base = `${await tenantPublicUrl(scope.ctx)}/api/v1/telephony/twilio/ivr`;
  const { call } = options;
  return {
    db,
    menu: options.menu,
    callId: call.id,
    stepUrl: (step: IvrStep, language: IvrLanguage, tries: number) =>
      `${base}?step=${step}&lang=${encodeURIComponent(language)}&tries=${tries}`,
    async toAgents() {
      await recordCallEvent(db, {
        provider: call.provider,
        providerCallId: call.provider_call_id,
        event: "ringing",
        from: call.from_raw,
        to: call.to_number,
        at: new Date(),
      });
      return routeVerb(options.agentsRoute());
    },
  };
}

/** Registers the IVR's step webhook in the Twilio scope. */
export function registerIvrWebhook(scope: FastifyInstance, twilio: TwilioSide): void {
  const { db } = scope.ctx;
  route(
    scope,
    {
      method: "POST",
      path: "/api/v1/telephony/twilio/ivr",
      summary:
        "A step of the line's IVR: what the caller pressed or said (Digits, SpeechResult); answers TwiML",
      tag: "telephony",
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      query: IvrStepQuery,
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "TwiML: the next prompt, the agents' queue, or goodbye" } },
    },
    async (req, reply) => {
      const query = validate(IvrStepQuery, req.query);
      const { call: sent, params } = await twilio.twilioRequest(req);
      reply.type(TWIML);
      const call = await maybeOne<CallRow>(
        db,
        "SELECT * FROM calls WHERE provider = 'twilio' AND provider_call_id = $1",
        [sent.callSid],
      );
      if (call?.state === "ended") return twimlDocument(hangup());
      const menu = await loadIvrMenu(db);
      // A call the IVR never saw, one already with the agents, or an IVR switched off meanwhile: to the agents,
      // ringing with the screen pop.
      if (call?.state !== "ivr" || !menu?.enabled) {
        const from = {
          provider: "twilio" as const,
          providerCallId: sent.callSid,
          from: sent.from,
          to: sent.to,
        };
        await recordCallEvent(db, { ...from, event: "ringing", at: new Date() });
        return twimlDocument(routeVerb(twilio.agentsRoute()));
      }
      const deps = await ivrDeps(scope, { menu, call, agentsRoute: twilio.agentsRoute });
      return ivrStep(deps, query.step, query.lang, query.tries, {
        digits: formValue(params, "Digits"),
        speech: formValue(params, "SpeechResult"),
      });
    },
  );
}
