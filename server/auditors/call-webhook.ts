/**
 * The provider's side of an auditor's call, TwiML dialect: the request to the call's URL when it is answered and at
 * each answer (`POST /api/v1/telephony/twilio/auditor-call?call=…&q=…&tries=…`), and its status callback (`POST
 * /api/v1/telephony/twilio/auditor-call/status?call=…`). Both are registered inside the Twilio scope of
 * server/telephony/routes.ts, which reads the form, checks X-Twilio-Signature over the exact URL and answers errors in
 * TwiML; the call's id in the URL is signed with it.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { formValue, TWIML_EMPTY } from "../../channels/voice/parse.ts";
import { parseRecordingEvent } from "../../channels/voice/recordings-api.ts";
import { isRecordedByVoice } from "../../domain/voice-questionnaire.ts";
import { invalidInput } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import type { TwilioSide } from "../ivr/webhook.ts";
import { auditorCallStep, MAX_ANSWER_TRIES } from "./call-flow.ts";
import { callUrls, findAuditorCall, loadCallVersion, retryOrMiss } from "./calls.ts";
import { acceptRecording } from "./recordings.ts";
import { recordingSidOf, voiceAnswerReady } from "./voice-answers.ts";

const TWIML = "text/xml; charset=utf-8";

/** Which call, which question the request answers, and the tries so far. */
export const AuditorCallQuery = z.object({
  call: z.coerce.number().int().positive(),
  q: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/)
    .optional(),
  tries: z.coerce.number().int().min(0).max(MAX_ANSWER_TRIES).default(0),
});

const StatusQuery = z.object({ call: z.coerce.number().int().positive() });
/** A recording's callback: the whole call's, or (with `q`) the spoken answer to one question. */
const RecordingQuery = StatusQuery.extend({ q: AuditorCallQuery.shape.q });

/** Registers the auditor calls' webhooks in the Twilio scope. */
export function registerAuditorCallWebhooks(
  scope: FastifyInstance,
  twilio: Pick<TwilioSide, "twilioRequest" | "twilioForm">,
): void {
  const { ctx } = scope;
  route(
    scope,
    {
      method: "POST",
      path: "/api/v1/telephony/twilio/auditor-call",
      summary:
        "A citizen auditor's call answered, and each answer to its questionnaire (AnsweredBy, Digits, SpeechResult); answers TwiML",
      tag: "telephony",
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      query: AuditorCallQuery,
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "TwiML: the next question, or thanks and goodbye" } },
    },
    async (req, reply) => {
      const query = validate(AuditorCallQuery, req.query);
      const { call, params } = await twilio.twilioRequest(req);
      const urls = await callUrls(ctx, query.call);
      const recordingUrl = formValue(params, "RecordingUrl");
      const recordingSid = recordingSidOf(formValue(params, "RecordingSid"), recordingUrl);
      const duration = Number(formValue(params, "RecordingDuration"));
      reply.type(TWIML);
      return auditorCallStep(
        ctx,
        query.call,
        {
          callSid: call.callSid,
          answeredBy: formValue(params, "AnsweredBy"),
          question: query.q,
          tries: query.tries,
          digits: formValue(params, "Digits"),
          speech: formValue(params, "SpeechResult"),
          recording:
            recordingSid && recordingUrl
              ? {
                  sid: recordingSid,
                  url: recordingUrl,
                  durationSeconds: Number.isInteger(duration) && duration >= 0 ? duration : undefined,
                }
              : undefined,
        },
        {
          step: (question, tries) => `${urls.answer}&q=${question}&tries=${tries}`,
          recording: (question) => `${urls.recording}&q=${question}`,
        },
      );
    },
  );

  route(
    scope,
    {
      method: "POST",
      path: "/api/v1/telephony/twilio/auditor-call/status",
      summary: "The status callback of a citizen auditor's call: unanswered, busy, failed or ended",
      tag: "telephony",
      action: "public",
      cookies: false,
      query: StatusQuery,
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "Empty TwiML: the outcome was recorded" } },
    },
    async (req, reply) => {
      const { call: id } = validate(StatusQuery, req.query);
      const { call: sent } = await twilio.twilioRequest(req);
      reply.type(TWIML);
      await ctx.db.transaction(async (tx) => {
        const call = await findAuditorCall(tx, id, true);
        // Only the current try's callback counts: an earlier try's arriving late (even while the next try is being
        // placed and has no id yet) changes nothing.
        if (call?.provider_call_id !== sent.callSid) return;
        if (["no-answer", "busy", "failed", "canceled"].includes(sent.status) && call.state === "dialling")
          await retryOrMiss(tx, call, sent.status);
        // Hung up before the last answer: not called again in this window.
        else if (sent.status === "completed" && call.state === "answered")
          await tx.query(
            `UPDATE auditor_calls SET state = 'missed', last_outcome = 'hung-up', ended_at = now(), updated_at = now()
              WHERE id = $1`,
            [id],
          );
      });
      return TWIML_EMPTY;
    },
  );

  route(
    scope,
    {
      method: "POST",
      path: "/api/v1/telephony/twilio/auditor-call/recording",
      summary:
        "A citizen auditor's call recording is ready (RecordingSid, RecordingUrl, RecordingStatus); with q, a spoken answer's",
      tag: "telephony",
      action: "public",
      cookies: false,
      query: RecordingQuery,
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "Empty TwiML: the recording is kept to be fetched, or let go" } },
    },
    async (req, reply) => {
      const { call: id, q } = validate(RecordingQuery, req.query);
      const parsed = parseRecordingEvent(await twilio.twilioForm(req));
      if (!parsed.ok) throw invalidInput(parsed.fields.map((field) => ({ field, code: "invalid_value" })));
      reply.type(TWIML);
      await ctx.db.transaction(async (tx) => {
        if (q === undefined) return acceptRecording(tx, id, parsed.event, ctx.config.callRecordingDays);
        const call = await findAuditorCall(tx, id, true);
        const version = call && (await loadCallVersion(tx, call.version_id));
        const question = version?.definition.questions.find((x) => x.name === q);
        if (!call || !question || !isRecordedByVoice(question)) return;
        // The star key ended the call's calls: what was recorded after it is let go at once.
        const days = call.state === "cancelled" ? 0 : ctx.config.voiceAnswerDays;
        await voiceAnswerReady(tx, call, question, parsed.event, days);
      });
      return TWIML_EMPTY;
    },
  );
}
