/**
 * Voice answers kept for review (issue 18, docs/auditors.md "Voice answers"): a question a keypad cannot answer (a
 * text, an audio) is answered on an auditor's call by speaking after the beep (`<Record>`). Neither Twilio's
 * `<Record>` nor our SIP gateway gives a transcript, so the recording is kept (a call recording tied to its question,
 * fetched and stored like the others, VOICE_ANSWER_DAYS, erased with the citizen) and a person listens and writes
 * down what was said, or discards it. The written text becomes the text question's answer in the one table of
 * answers; an audio question's answer is the recording itself, once stored.
 */
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { conflict, notFound } from "../errors.ts";
import { enqueue } from "../jobs/enqueue.ts";
import type { AuditorCallRow } from "./calls.ts";
import { FETCH_RECORDING_JOB } from "./recordings.ts";

/** A recording the provider named: its id, where it is served, and its length when told. */
export interface VoiceRecording {
  sid: string;
  url: string;
  durationSeconds: number | undefined;
}

/**
 * The provider's recording id: its `RecordingSid`, else the last part of `RecordingUrl` (the `<Record>` action of
 * some providers names only the URL). Undefined when neither names a recording.
 */
export function recordingSidOf(sid: string | undefined, url: string | undefined): string | undefined {
  if (sid && /^RE[0-9a-fA-F]{32}$/.test(sid)) return sid;
  const last = /\/(RE[0-9a-fA-F]{32})(?:\.\w+)?$/.exec(url ?? "");
  return last?.[1];
}

/**
 * The `<Record>` action says the question was answered by a recording: its row, waiting for the audio (the status
 * callback says when it can be fetched) and, for a text question, for a person. Runs in the step's transaction; the
 * same recording posted twice adds nothing.
 */
export async function keepVoiceAnswer(
  tx: Sql,
  call: AuditorCallRow,
  question: { name: string; type: string },
  recording: VoiceRecording,
  callSid: string,
  days: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO call_recordings (auditor_call_id, citizen_id, provider_recording_id, provider_call_id,
                                  duration_seconds, question, review_state, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(days => $8))
     ON CONFLICT DO NOTHING`,
    [
      call.id,
      call.citizen_id,
      recording.sid,
      callSid,
      recording.durationSeconds ?? null,
      question.name,
      question.type === "audio" ? "accepted" : "pending",
      days,
    ],
  );
}

/**
 * The recording's status callback for a voice answer: once completed, its URL is kept and the fetch queued (once,
 * whichever of the action and the callback came first). A recording the action never named (the caller hung up as
 * it ended) is kept too: what was said was said for the questionnaire.
 */
export async function voiceAnswerReady(
  tx: Sql,
  call: AuditorCallRow,
  question: { name: string; type: string },
  event: { recordingSid: string; callSid: string; url: string; status: string; durationSeconds?: number },
  days: number,
): Promise<void> {
  if (event.status !== "completed" || call.provider_call_id !== event.callSid) return;
  await keepVoiceAnswer(
    tx,
    call,
    question,
    { sid: event.recordingSid, url: event.url, durationSeconds: event.durationSeconds },
    event.callSid,
    days,
  );
  const ready = await tx.query<{ id: number }>(
    `UPDATE call_recordings SET media_url = $2, duration_seconds = coalesce($3, duration_seconds)
      WHERE provider = 'twilio' AND provider_recording_id = $1 AND state = 'pending' AND media_url IS NULL
        AND provider_deleted_at IS NULL
      RETURNING id`,
    [event.recordingSid, event.url, event.durationSeconds ?? null],
  );
  for (const r of ready) await enqueue(tx, FETCH_RECORDING_JOB, { recordingId: Number(r.id) });
}

/**
 * Puts in the table of answers what the reviewed recordings of a call say, once its response exists: a text
 * question's transcript, an audio question's stored recording (by its hash). Each answer once.
 */
export async function settleVoiceAnswers(tx: Sql, callId: number): Promise<void> {
  await tx.query(
    `INSERT INTO answers (response_id, question, value, block_id, respondent_kind, answered_at)
     SELECT c.response_id, r.question,
            CASE WHEN r.review_state = 'transcribed' THEN to_jsonb(r.transcript) ELSE jsonb_build_array(r.sha256) END,
            a.block_id, 'auditor', coalesce(c.ended_at, now())
       FROM call_recordings r JOIN auditor_calls c ON c.id = r.auditor_call_id JOIN auditors a ON a.id = c.auditor_id
      WHERE r.auditor_call_id = $1 AND c.response_id IS NOT NULL AND r.question IS NOT NULL
        AND ((r.review_state = 'transcribed' AND r.transcript IS NOT NULL)
             OR (r.review_state = 'accepted' AND r.state = 'stored'))
        AND NOT EXISTS (SELECT 1 FROM answers x WHERE x.response_id = c.response_id AND x.question = r.question)`,
    [callId],
  );
}

/** A person's review: what was said, written down; or nothing usable (noise, silence, something else). */
export type VoiceReview = { transcript: string } | { discard: true };

/**
 * Reviews a voice answer waiting for a person: 404 when there is none with that id, 409 voice_answer_reviewed when
 * it was reviewed already (or is an audio question's, accepted as it is), 409 voice_answer_not_stored when the
 * transcript is written before the audio could be fetched. Audited; the answer reaches the table of answers in the
 * same transaction when the call's response exists.
 */
export async function reviewVoiceAnswer(
  tx: Sql,
  actor: AuditActor,
  id: number,
  review: VoiceReview,
): Promise<void> {
  const row = await maybeOne<{
    auditor_call_id: number;
    question: string;
    review_state: string;
    state: string;
  }>(
    tx,
    `SELECT auditor_call_id, question, review_state, state FROM call_recordings
      WHERE id = $1 AND question IS NOT NULL AND expires_at > now() FOR UPDATE`,
    [id],
  );
  if (!row) throw notFound("voice_answer");
  if (row.review_state !== "pending") throw conflict("voice_answer_reviewed");
  if ("transcript" in review && row.state !== "stored") throw conflict("voice_answer_not_stored");
  const transcript = "transcript" in review ? review.transcript : null;
  await tx.query(
    `UPDATE call_recordings SET review_state = $2, transcript = $3, reviewed_by = $4, reviewed_at = now()
      WHERE id = $1`,
    [id, transcript === null ? "discarded" : "transcribed", transcript, actor.staffId ?? null],
  );
  await recordAudit(tx, actor, {
    action: transcript === null ? "voice_answer.discarded" : "voice_answer.transcribed",
    entityType: "call_recording",
    entityId: id,
    after: { auditorCallId: Number(row.auditor_call_id), question: row.question },
  });
  await settleVoiceAnswers(tx, Number(row.auditor_call_id));
}

/** A voice answer as the review list shows it. */
export interface VoiceAnswerRow {
  id: number;
  auditor_call_id: number;
  question: string;
  review_state: "pending" | "transcribed" | "accepted" | "discarded";
  state: "pending" | "stored" | "failed";
  transcript: string | null;
  duration_seconds: number | null;
  created_at: Date;
  reviewed_at: Date | null;
  reviewer_name: string | null;
  response_id: number | null;
  version_id: number;
  definition: { questions?: { name: string; label?: Record<string, string> }[] };
  questionnaire_title: Record<string, string> | string;
  sector: string | null;
  block: string | null;
}

/**
 * The voice answers in one review state, oldest first (the queue a person works through), after `after` (an id).
 * Only answers of calls that finished with a response: an abandoned call's recordings answer nothing.
 */
export function listVoiceAnswers(
  sql: Sql,
  filter: { state: VoiceAnswerRow["review_state"]; after?: number | undefined; limit: number },
): Promise<VoiceAnswerRow[]> {
  return sql.query<VoiceAnswerRow>(
    `SELECT r.id, r.auditor_call_id, r.question, r.review_state, r.state, r.transcript, r.duration_seconds,
            r.created_at, r.reviewed_at, s.name AS reviewer_name, c.response_id, c.version_id, v.definition,
            q.title AS questionnaire_title, b.sector, b.block
       FROM call_recordings r
       JOIN auditor_calls c ON c.id = r.auditor_call_id
       JOIN auditors a ON a.id = c.auditor_id
       JOIN questionnaire_versions v ON v.id = c.version_id
       JOIN questionnaires q ON q.id = v.questionnaire_id
       LEFT JOIN blocks b ON b.id = a.block_id
       LEFT JOIN staff_users s ON s.id = r.reviewed_by
      WHERE r.question IS NOT NULL AND r.review_state = $1 AND r.expires_at > now() AND c.response_id IS NOT NULL
        AND r.id > $2
      ORDER BY r.id LIMIT $3`,
    [filter.state, filter.after ?? 0, filter.limit],
  );
}
