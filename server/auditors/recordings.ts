/**
 * Recordings of the calls to citizen auditors (issue 18, docs/auditors.md "Recordings"), where the city records calls
 * (CALL_RECORDING_DAYS > 0): the provider records from the answer (the legal notice is the first thing said), posts
 * the recording's status when it is ready, and the worker fetches it, stores it like an attachment (by its content's
 * hash) and deletes it at the provider. A recording is kept CALL_RECORDING_DAYS, then purged; the citizen's erasure
 * makes it expire at once. A recording of a try nobody answered in person (a machine, a hang-up before the questions)
 * is not kept: it is deleted at the provider without being fetched.
 */
import { createHash } from "node:crypto";
import { CallApiError } from "../../channels/voice/calls-api.ts";
import { deleteRecording, fetchRecording, type RecordingEvent } from "../../channels/voice/recordings-api.ts";
import type { AppContext } from "../context.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { linkCallRecordings, recordingAccount } from "../telephony/recordings.ts";
import { findAuditorCall } from "./calls.ts";
import { settleVoiceAnswers } from "./voice-answers.ts";

export const FETCH_RECORDING_JOB = "fetch-call-recording";
export const PURGE_RECORDINGS_JOB = "purge-call-recordings";
/** How often expired recordings are purged. */
export const PURGE_RECORDINGS_EVERY_SECONDS = 3600;

/** A recording's place in the store: beside the attachments, under its content's hash. */
export const recordingKey = (sha256: string) => `recordings/${sha256.slice(0, 2)}/${sha256}`;

export interface RecordingRow {
  id: number;
  auditor_call_id: number | null;
  citizen_id: number | null;
  provider_recording_id: string;
  media_url: string | null;
  duration_seconds: number | null;
  state: "pending" | "stored" | "failed";
  sha256: string | null;
  media_type: string | null;
  size_bytes: number | null;
  provider_deleted_at: Date | null;
  expires_at: Date;
  /** Set for a spoken answer to this question (./voice-answers.ts). */
  question: string | null;
  /** Set for an inbound call of the line (server/telephony/recordings.ts). */
  call_id: number | null;
}

/**
 * The provider says a call's recording is ready: one row per recording (a repeated callback adds nothing), and the
 * job that fetches it, in one transaction. Kept only when a person answered the questionnaire; else it expires now
 * and the job only deletes it at the provider.
 */
export async function acceptRecording(
  tx: Sql,
  callId: number,
  event: RecordingEvent,
  days: number,
): Promise<void> {
  if (event.status !== "completed") return;
  const call = await findAuditorCall(tx, callId);
  if (!call) return;
  const heard =
    call.provider_call_id === event.callSid &&
    (call.state === "answered" ||
      call.state === "completed" ||
      (call.state === "missed" && ["hung-up", "no_input"].includes(call.last_outcome ?? "")));
  const keptDays = heard && days > 0 ? days : 0;
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO call_recordings (auditor_call_id, citizen_id, provider_recording_id, provider_call_id, media_url,
                                  duration_seconds, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7))
     ON CONFLICT (tenant_id, provider, provider_recording_id) DO NOTHING RETURNING id`,
    [
      call.id,
      call.citizen_id,
      event.recordingSid,
      event.callSid,
      event.url,
      event.durationSeconds ?? null,
      keptDays,
    ],
  );
  const id = inserted[0]?.id;
  if (id !== undefined) await enqueue(tx, FETCH_RECORDING_JOB, { recordingId: Number(id) });
}

/** A call's recordings as the staff view lists them (stored and not expired). */
export function recordingsOfCalls(
  sql: Sql,
  callIds: readonly number[],
): Promise<{ id: number; auditor_call_id: number; duration_seconds: number | null; expires_at: Date }[]> {
  return sql.query(
    `SELECT id, auditor_call_id, duration_seconds, expires_at FROM call_recordings
      WHERE auditor_call_id = ANY($1::bigint[]) AND state = 'stored' AND expires_at > now() ORDER BY id`,
    [callIds],
  );
}

/** A stored recording that has not expired, or undefined. */
export function findListenableRecording(sql: Sql, id: number): Promise<RecordingRow | undefined> {
  return maybeOne<RecordingRow>(
    sql,
    "SELECT * FROM call_recordings WHERE id = $1 AND state = 'stored' AND expires_at > now()",
    [id],
  );
}

/**
 * `fetch-call-recording`: fetches a pending recording, stores it, then deletes it at the provider; one that expired
 * meanwhile (not kept, or its citizen erased) is deleted at the provider without being fetched, and its row goes.
 */
export const fetchCallRecordingJob: Job<(typeof JOB_PAYLOADS)[typeof FETCH_RECORDING_JOB]> = {
  name: FETCH_RECORDING_JOB,
  payload: JOB_PAYLOADS[FETCH_RECORDING_JOB],
  maxAttempts: 8,
  async run(ctx, { recordingId }) {
    const account = recordingAccount(ctx.config);
    if (!account) throw new AppError(503, "telephony_not_configured");
    const row = await maybeOne<RecordingRow & { expired: boolean }>(
      ctx.db,
      "SELECT *, expires_at <= now() AS expired FROM call_recordings WHERE id = $1",
      [recordingId],
    );
    if (!row) return;
    if (row.state === "pending" && !row.expired && row.media_url) {
      try {
        const { content, mediaType } = await fetchRecording(account, row.media_url);
        const sha256 = createHash("sha256").update(content).digest("hex");
        await attachmentStoreOf(ctx.config).put(recordingKey(sha256), content, mediaType, sha256);
        await ctx.db.transaction(async (tx) => {
          await tx.query(
            `UPDATE call_recordings SET state = 'stored', sha256 = $2, media_type = $3, size_bytes = $4,
                    stored_at = now(), media_url = NULL
              WHERE id = $1 AND state = 'pending'`,
            [row.id, sha256, mediaType, content.length],
          );
          // An audio question's spoken answer is the recording: it reaches the table of answers now.
          if (row.question && row.auditor_call_id !== null)
            await settleVoiceAnswers(tx, Number(row.auditor_call_id));
          // A call of the line: on the timeline of the demands registered during it.
          if (row.call_id !== null) await linkCallRecordings(tx, Number(row.call_id));
        });
      } catch (error) {
        if (!(error instanceof CallApiError) || error.temporary) throw error;
        await ctx.db.query("UPDATE call_recordings SET state = 'failed', media_url = NULL WHERE id = $1", [
          row.id,
        ]);
      }
    }
    if (!row.provider_deleted_at) {
      await deleteRecording(account, row.provider_recording_id);
      await ctx.db.query("UPDATE call_recordings SET provider_deleted_at = now() WHERE id = $1", [row.id]);
    }
    if (row.expired) await purgeRecordings(ctx, [row.id]);
  },
};

/**
 * Deletes expired recordings (the ones named, or every expired one whose provider copy is settled) and then their
 * files, unless another recording holds the same content. Answers how many rows went.
 */
export async function purgeRecordings(
  ctx: Pick<AppContext, "db" | "config">,
  ids?: readonly number[],
): Promise<number> {
  const gone = await ctx.db.transaction((tx) =>
    tx.query<{ sha256: string | null }>(
      `DELETE FROM call_recordings WHERE id IN (
         SELECT id FROM call_recordings
          WHERE expires_at <= now() AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))
            AND (provider_deleted_at IS NOT NULL OR state = 'failed')
          ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED)
       RETURNING sha256`,
      [ids ?? null],
    ),
  );
  const hashes = [...new Set(gone.map((r) => r.sha256).filter((h): h is string => h !== null))];
  if (hashes.length > 0) {
    const still = await ctx.db.query<{ sha256: string }>(
      "SELECT DISTINCT sha256 FROM call_recordings WHERE sha256 = ANY($1::text[])",
      [hashes],
    );
    const held = new Set(still.map((r) => r.sha256));
    const store = attachmentStoreOf(ctx.config);
    for (const sha256 of hashes) if (!held.has(sha256)) await store.delete(recordingKey(sha256));
  }
  return gone.length;
}

/** `purge-call-recordings`: the scheduler's hourly purge, and the one an erasure queues at once. */
export const purgeCallRecordingsJob: Job<(typeof JOB_PAYLOADS)[typeof PURGE_RECORDINGS_JOB]> = {
  name: PURGE_RECORDINGS_JOB,
  payload: JOB_PAYLOADS[PURGE_RECORDINGS_JOB],
  maxAttempts: 3,
  async run(ctx) {
    while ((await purgeRecordings(ctx)) === 1000) {
      // a large backlog: another thousand
    }
  },
};

/**
 * A citizen's erasure (LGPD art. 18 VI): their recordings expire in the erasure's transaction (no one may listen to
 * them from its commit) and the purge is queued at once; a recording not yet fetched is deleted at the provider.
 */
export async function expireRecordingsOfCitizen(tx: Sql, citizenId: number): Promise<void> {
  const rows = await tx.query<{ id: number; pending: boolean }>(
    `UPDATE call_recordings SET expires_at = now()
      WHERE (citizen_id = $1 OR call_id IN (SELECT id FROM calls WHERE citizen_id = $1)) AND expires_at > now()
     RETURNING id, provider_deleted_at IS NULL AS pending`,
    [citizenId],
  );
  if (rows.length === 0) return;
  await enqueue(tx, PURGE_RECORDINGS_JOB, { slot: new Date().toISOString() });
  for (const r of rows.filter((row) => row.pending))
    await enqueue(tx, FETCH_RECORDING_JOB, { recordingId: Number(r.id) });
}
