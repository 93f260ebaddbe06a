/**
 * Recordings of the 156 line's inbound calls (issue 18, docs/telephony.md "Recordings of the line's calls"): where the
 * city records calls (CALL_RECORDING_DAYS > 0) and a provider account can be fetched from, the first answer to a call
 * starts the recording (`<Start><Recording>`) and says the legal notice before anything else. The provider posts the
 * recording when the call ends; the worker fetches, stores and deletes it at the provider as it does the auditors'
 * calls (server/auditors/recordings.ts), and it is linked on the internal timeline of each demand registered during
 * the call (`call.recorded`), whichever of the two comes first. Erased with the caller's data.
 */
import type { FastifyInstance } from "fastify";
import { TWIML_EMPTY } from "../../channels/voice/parse.ts";
import { parseRecordingEvent, type RecordingEvent } from "../../channels/voice/recordings-api.ts";
import { say, startRecording, voiceLanguage } from "../../channels/voice/twiml.ts";
import { FETCH_RECORDING_JOB } from "../auditors/recordings.ts";
import type { AppContext } from "../context.ts";
import type { Sql } from "../db/index.ts";
import { invalidInput } from "../errors.ts";
import { route } from "../http/openapi.ts";
import { translate } from "../i18n.ts";
import type { TwilioSide } from "../ivr/webhook.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";

/** The account recordings are fetched from: the line's own, else the auditors' calls' one. */
export function recordingAccount(config: AppContext["config"]) {
  return config.twilioAccount ?? config.auditorCalls;
}

/** Whether the line's calls are recorded: the city keeps recordings, and they can be fetched. */
export const recordsCalls = (config: AppContext["config"]) =>
  config.callRecordingDays > 0 && recordingAccount(config) !== undefined;

const CALLBACK_PATH = "/api/v1/telephony/twilio/call-recording";

/**
 * The first answer to an inbound call, recorded where the city records calls: the recording started and the legal
 * notice said first, before the answer's own verbs.
 */
export async function withCallRecording(ctx: AppContext, twiml: string): Promise<string> {
  if (!recordsCalls(ctx.config) || !twiml.includes("<Response>")) return twiml;
  const start = startRecording(`${await tenantPublicUrl(ctx)}${CALLBACK_PATH}`);
  const notice = say(translate("pt-BR", "telephony.recording_notice"), voiceLanguage("pt-BR"));
  return twiml.replace("<Response>", `<Response>${start}${notice}`);
}

/**
 * The recording of an inbound call is ready: one row (a repeated callback adds nothing), tied to the call and to its
 * caller when known, and the job that fetches it, in one transaction. A recording of a call this line never saw is
 * not kept: it expires at once and the job only deletes it at the provider.
 */
export async function acceptCallRecording(tx: Sql, event: RecordingEvent, days: number): Promise<void> {
  if (event.status !== "completed") return;
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO call_recordings (call_id, citizen_id, provider_recording_id, provider_call_id, media_url,
                                  duration_seconds, expires_at)
     SELECT c.id, c.citizen_id, $1, $2, $3, $4,
            now() + make_interval(days => CASE WHEN c.id IS NULL THEN 0 ELSE $5 END)
       FROM (SELECT 1) one
       LEFT JOIN calls c ON c.provider = 'twilio' AND c.provider_call_id = $2
     ON CONFLICT (tenant_id, provider, provider_recording_id) DO NOTHING RETURNING id`,
    [event.recordingSid, event.callSid, event.url, event.durationSeconds ?? null, days],
  );
  const id = inserted[0]?.id;
  if (id !== undefined) await enqueue(tx, FETCH_RECORDING_JOB, { recordingId: Number(id) });
}

/**
 * Puts the stored recordings of a call on the internal timeline of each demand registered during it (once each), and
 * ties them to the caller once known (their erasure then takes them). Called when a recording is stored and when a
 * demand is registered during the call.
 */
export async function linkCallRecordings(tx: Sql, callId: number): Promise<void> {
  await tx.query(
    `UPDATE call_recordings r SET citizen_id = c.citizen_id FROM calls c
      WHERE r.call_id = $1 AND c.id = r.call_id AND r.citizen_id IS NULL AND c.citizen_id IS NOT NULL`,
    [callId],
  );
  await tx.query(
    `INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility, data)
     SELECT cd.demand_id, 'call.recorded', 'system', NULL, 'internal',
            jsonb_build_object('recordingId', r.id, 'callId', r.call_id, 'durationSeconds', r.duration_seconds)
       FROM call_recordings r JOIN call_demands cd ON cd.call_id = r.call_id
      WHERE r.call_id = $1 AND r.state = 'stored' AND r.expires_at > now()
        AND NOT EXISTS (SELECT 1 FROM demand_events e
                         WHERE e.demand_id = cd.demand_id AND e.type = 'call.recorded'
                           AND (e.data ->> 'recordingId')::bigint = r.id)`,
    [callId],
  );
}

/** Registers the recording callback of the line's calls in the Twilio scope. */
export function registerCallRecordingWebhook(
  scope: FastifyInstance,
  twilio: Pick<TwilioSide, "twilioForm">,
): void {
  const { ctx } = scope;
  route(
    scope,
    {
      method: "POST",
      path: CALLBACK_PATH,
      summary: "An inbound call's recording is ready (RecordingSid, RecordingUrl, RecordingStatus, CallSid)",
      tag: "telephony",
      action: "public",
      cookies: false, // authenticated by its sender, never by a session cookie
      bodyMediaTypes: ["application/x-www-form-urlencoded"],
      produces: ["text/xml"],
      responses: { 200: { description: "Empty TwiML: the recording is kept to be fetched, or let go" } },
    },
    async (req, reply) => {
      const parsed = parseRecordingEvent(await twilio.twilioForm(req));
      if (!parsed.ok) throw invalidInput(parsed.fields.map((field) => ({ field, code: "invalid_value" })));
      reply.type("text/xml; charset=utf-8");
      const days = recordsCalls(ctx.config) ? ctx.config.callRecordingDays : 0;
      await ctx.db.transaction((tx) => acceptCallRecording(tx, parsed.event, days));
      return TWIML_EMPTY;
    },
  );
}
