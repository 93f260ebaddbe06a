/**
 * Calls to citizen auditors (issue 18, docs/auditors.md "The calls"): a call is planned inside one of the auditor's
 * windows, placed through the provider's REST interface by the worker (job `place-auditor-call`, queued in the
 * planning transaction), answered by keypad (./call-flow.ts), and, when nobody answers, the line is busy or a machine
 * picks up, tried again inside the same window until MAX_CALL_ATTEMPTS. Whether the person may be called is asked
 * again at each try, so a do-not-call, a withdrawn consent or a paused enrolment stops the next try at once.
 */

import { CallApiError, createCall } from "../../channels/voice/calls-api.ts";
import { parseDefinition, type QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import { unaskableRequired } from "../../domain/voice-questionnaire.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import type { AppContext } from "../context.ts";
import { maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, conflict, notFound, unprocessable } from "../errors.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { startChatSurvey } from "./chat-survey.ts";

export const PLACE_CALL_JOB = "place-auditor-call";
/** Tries of one planned call, inside its window. */
export const MAX_CALL_ATTEMPTS = 3;
/** Minutes between a try nobody answered and the next. */
export const CALL_RETRY_MINUTES = 15;

/** An auditor_calls row as the flow reads it, with what it needs of the auditor. */
export interface AuditorCallRow {
  id: number;
  auditor_id: number;
  version_id: number;
  due_at: Date;
  until_at: Date;
  state: "planned" | "dialling" | "answered" | "completed" | "missed" | "cancelled";
  attempts: number;
  last_outcome: string | null;
  provider_call_id: string | null;
  answers: Record<string, unknown>;
  skipped: string[];
  /** The questions answered by a recording kept for review. */
  recorded: string[];
  response_id: number | null;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
  citizen_id: number;
  block_id: number;
  phone: string | null;
  language: "pt-BR" | "en" | "es";
  /** How this call went: by voice, or as a questionnaire by message (./chat-survey.ts). */
  channel: "voice" | "whatsapp" | "sms";
  /** The channel the auditor chose: the next try's. */
  auditor_channel: "voice" | "whatsapp" | "sms";
  /** Whether the auditor may be asked now: active, not do-not-call, consent not withdrawn, a number. */
  callable: boolean;
}

/**
 * Whether the auditor `a` may be called now by voice: active, not do-not-call, a number, and their latest consent
 * for the purpose not a withdrawal (the conditions of auditorsCallableAt, without the window).
 */
export const CALLABLE = `(a.state = 'active' AND NOT a.do_not_call AND a.phone IS NOT NULL
   AND coalesce((SELECT k.granted FROM consents k
                  WHERE k.citizen_id = a.citizen_id AND k.purpose = 'citizen_auditor'
                  ORDER BY k.id DESC LIMIT 1), true))`;

const SELECT_CALL = `
  SELECT c.*, a.citizen_id, a.block_id, a.phone, a.language, a.channel AS auditor_channel, ${CALLABLE} AS callable
    FROM auditor_calls c JOIN auditors a ON a.id = c.auditor_id`;

/** One call, optionally locked for a change (FOR UPDATE OF the call). */
export function findAuditorCall(sql: Sql, id: number, lock = false): Promise<AuditorCallRow | undefined> {
  return maybeOne<AuditorCallRow>(sql, `${SELECT_CALL} WHERE c.id = $1${lock ? " FOR UPDATE OF c" : ""}`, [
    id,
  ]);
}

/** An auditor's calls, newest first. */
export function listAuditorCalls(sql: Sql, auditorId: number): Promise<AuditorCallRow[]> {
  return sql.query<AuditorCallRow>(`${SELECT_CALL} WHERE c.auditor_id = $1 ORDER BY c.id DESC LIMIT 50`, [
    auditorId,
  ]);
}

/** A published version and its definition, with the service its questionnaire is about. */
export interface CallVersion {
  id: number;
  definition: QuestionnaireDefinition;
  serviceCode: string | undefined;
}

/** A version as a call asks it; undefined when there is none with that id. */
export async function loadCallVersion(sql: Sql, versionId: number): Promise<CallVersion | undefined> {
  const row = await maybeOne<{ id: number; definition: unknown; service_code: string | null; state: string }>(
    sql,
    `SELECT v.id, v.definition, v.state, s.code AS service_code
       FROM questionnaire_versions v JOIN questionnaires q ON q.id = v.questionnaire_id
       LEFT JOIN services s ON s.id = q.service_id
      WHERE v.id = $1`,
    [versionId],
  );
  const parsed = row ? parseDefinition(row.definition) : undefined;
  if (!row || !parsed?.ok) return undefined;
  return { id: Number(row.id), definition: parsed.definition, serviceCode: row.service_code ?? undefined };
}

/**
 * The version a call asks: the one named (published, every required question askable on a keypad), else the newest
 * published version of the tenant that a call can ask. 422 auditor_questionnaire_not_voice when none fits.
 */
async function pickVersion(tx: Sql, versionId: number | undefined): Promise<number> {
  const found = await callableVersion(tx, versionId);
  if (found === undefined) throw unprocessable("auditor_questionnaire_not_voice", "versionId");
  return found;
}

/** The version named, or the newest published one, when a call can ask it (undefined when none can). */
export async function callableVersion(tx: Sql, versionId?: number): Promise<number | undefined> {
  const candidates = await tx.query<{ id: number; definition: unknown }>(
    `SELECT v.id, v.definition FROM questionnaire_versions v JOIN questionnaires q ON q.id = v.questionnaire_id
      WHERE v.state = 'published' AND q.archived_at IS NULL AND ($1::bigint IS NULL OR v.id = $1)
      ORDER BY v.published_at DESC, v.id DESC`,
    [versionId ?? null],
  );
  for (const c of candidates) {
    const parsed = parseDefinition(c.definition);
    if (parsed.ok && unaskableRequired(parsed.definition).length === 0) return Number(c.id);
  }
  return undefined;
}

/**
 * Plans a call to the auditor at `at` (now by default), inside the window that holds that instant (a supervisor's
 * call, and the planner's one step): 409 auditor_not_callable when they may not be called, 422 auditor_outside_window outside their windows
 * (the quiet night included: no window reaches into it), 409 auditor_call_open while another call of theirs is
 * under way or planned in the same window. The try is queued in the same transaction.
 */
export async function planAuditorCall(
  tx: Sql,
  actor: AuditActor | null,
  auditorId: number,
  options: { versionId?: number | undefined; at?: Date | undefined } = {},
): Promise<number> {
  const at = options.at ?? new Date();
  const auditor = await maybeOne<{ id: number; callable: boolean; until_at: Date | null }>(
    tx,
    `SELECT a.id, auditor_window_end(a.id, $2::timestamptz) AS until_at, ${CALLABLE} AS callable
       FROM auditors a WHERE a.id = $1 FOR UPDATE OF a`,
    [auditorId, at.toISOString()],
  );
  if (!auditor) throw notFound("auditor");
  if (!auditor.callable) throw conflict("auditor_not_callable");
  if (!auditor.until_at) throw unprocessable("auditor_outside_window");
  // The planner's calls later in the week do not stand in the way; one in this window, or under way, does.
  const open = await maybeOne(
    tx,
    `SELECT 1 FROM auditor_calls
      WHERE auditor_id = $1
        AND (state IN ('dialling', 'answered') OR (state = 'planned' AND due_at < $3 AND until_at > $2))`,
    [auditorId, at.toISOString(), auditor.until_at],
  );
  if (open) throw conflict("auditor_call_open");
  const versionId = await pickVersion(tx, options.versionId);
  const { id } = await one<{ id: number }>(
    tx,
    `INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at, planned_by, queued_at)
     VALUES ($1, $2, $3, $4, $5, now()) RETURNING id`,
    [auditorId, versionId, at.toISOString(), auditor.until_at, actor?.staffId ?? null],
  );
  const delaySeconds = Math.max(0, Math.ceil((at.getTime() - Date.now()) / 1000));
  await enqueue(tx, PLACE_CALL_JOB, { callId: Number(id) }, { delaySeconds });
  if (actor)
    await recordAudit(tx, actor, {
      action: "auditor.call_planned",
      entityType: "auditor",
      entityId: auditorId,
      after: { callId: Number(id), versionId },
    });
  return Number(id);
}

/**
 * Cancels the planned calls of these auditors that they may no longer get: they may not be called any more (paused,
 * do-not-call, revoked, erased, no number), or the call's time left their windows. Runs in the change's transaction,
 * so the staff view shows it at once; the worker would refuse the try anyway. Returns how many were cancelled.
 */
export async function cancelUnwantedCalls(tx: Sql, auditorIds: readonly number[]): Promise<number> {
  const rows = await tx.query(
    `UPDATE auditor_calls c SET state = 'cancelled', last_outcome = 'not_callable', ended_at = now(), updated_at = now()
       FROM auditors a
      WHERE a.id = c.auditor_id AND c.auditor_id = ANY($1::bigint[]) AND c.state = 'planned'
        AND (NOT ${CALLABLE} OR auditor_window_end(a.id, c.due_at) IS NULL)
      RETURNING c.id`,
    [auditorIds],
  );
  return rows.length;
}

/**
 * After a try that reached nobody (no answer, busy, failed, a machine): another try CALL_RETRY_MINUTES later when
 * it still starts inside the window and tries are left, else the call is missed. Runs in the caller's transaction.
 */
export async function retryOrMiss(
  tx: Sql,
  call: AuditorCallRow,
  outcome: string,
): Promise<"retry" | "missed"> {
  const next = new Date(Date.now() + CALL_RETRY_MINUTES * 60_000);
  if (call.attempts < MAX_CALL_ATTEMPTS && next < new Date(call.until_at)) {
    await tx.query(
      `UPDATE auditor_calls SET state = 'planned', due_at = $2, last_outcome = $3, updated_at = now()
        WHERE id = $1`,
      [call.id, next.toISOString(), outcome],
    );
    await enqueue(tx, PLACE_CALL_JOB, { callId: call.id }, { delaySeconds: CALL_RETRY_MINUTES * 60 });
    return "retry";
  }
  await endCall(tx, call.id, "missed", outcome);
  return "missed";
}

/** Ends a call in `state` with its last outcome. */
export async function endCall(
  tx: Sql,
  id: number,
  state: "missed" | "cancelled",
  outcome: string,
): Promise<void> {
  await tx.query(
    `UPDATE auditor_calls SET state = $2, last_outcome = $3, ended_at = now(), updated_at = now() WHERE id = $1`,
    [id, state, outcome],
  );
}

/** A try under way whose provider went silent this long no longer holds a line (its callback was lost). */
const LINE_HELD_MINUTES = 30;
/** How long a try waits for a free line before it looks again. */
export const LINE_WAIT_SECONDS = 60;

/**
 * Whether the line carries `concurrent` calls to auditors already. The claims of all workers are taken one at a
 * time (a transaction-scoped lock), so two workers never both take the last free line.
 */
async function linesBusy(tx: Sql, concurrent: number): Promise<boolean> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('auditor-call-lines'))");
  const { n } = await one<{ n: number }>(
    tx,
    `SELECT count(*)::int AS n FROM auditor_calls
      WHERE state IN ('dialling', 'answered') AND channel = 'voice'
        AND updated_at > now() - make_interval(mins => $1)`,
    [LINE_HELD_MINUTES],
  );
  return n >= concurrent;
}

/** Every line busy: the try waits LINE_WAIT_SECONDS, or the call is missed when that would pass its window. */
async function waitForLine(tx: Sql, call: AuditorCallRow): Promise<void> {
  const next = new Date(Date.now() + LINE_WAIT_SECONDS * 1000);
  if (next >= new Date(call.until_at)) {
    await endCall(tx, call.id, "missed", "lines_busy");
    return;
  }
  await tx.query("UPDATE auditor_calls SET due_at = $2, updated_at = now() WHERE id = $1", [
    call.id,
    next.toISOString(),
  ]);
  await enqueue(tx, PLACE_CALL_JOB, { callId: call.id }, { delaySeconds: LINE_WAIT_SECONDS });
}

/** The webhook URLs of a call: its questionnaire steps, its status callback, and its recording's status. */
export async function callUrls(
  ctx: AppContext,
  callId: number,
): Promise<{ answer: string; status: string; recording: string }> {
  const base = `${await tenantPublicUrl(ctx)}/api/v1/telephony/twilio/auditor-call`;
  return {
    answer: `${base}?call=${callId}`,
    status: `${base}/status?call=${callId}`,
    recording: `${base}/recording?call=${callId}`,
  };
}

/**
 * `place-auditor-call`: one try of a planned call. The try is claimed (dialling, one more attempt) and committed
 * before the provider is asked, so a crash never places the same try twice; a refusal the provider may take back
 * later returns the call to planned and the job is retried, one it never will (an invalid number) misses the call.
 */
export const placeAuditorCallJob: Job<(typeof JOB_PAYLOADS)[typeof PLACE_CALL_JOB]> = {
  name: PLACE_CALL_JOB,
  payload: JOB_PAYLOADS[PLACE_CALL_JOB],
  maxAttempts: 5,
  async run(ctx, { callId }) {
    const account = ctx.config.auditorCalls;
    const byMessage = await maybeOne<{ auditor_channel: string }>(
      ctx.db,
      "SELECT a.channel AS auditor_channel FROM auditor_calls c JOIN auditors a ON a.id = c.auditor_id WHERE c.id = $1",
      [callId],
    );
    const chat = byMessage !== undefined && byMessage.auditor_channel !== "voice";
    if (!account && !chat) throw new AppError(503, "telephony_not_configured");
    const claimed = await ctx.db.transaction(async (tx) => {
      const call = await findAuditorCall(tx, callId, true);
      if (call?.state !== "planned" || new Date(call.due_at).getTime() > Date.now() + 1000) return undefined;
      if (!call.callable) {
        await endCall(tx, call.id, "cancelled", "not_callable");
        return undefined;
      }
      if (Date.now() >= new Date(call.until_at).getTime()) {
        await endCall(tx, call.id, "missed", call.last_outcome ?? "no-answer");
        return undefined;
      }
      if (!chat && (await linesBusy(tx, account!.concurrent))) {
        await waitForLine(tx, call);
        return undefined;
      }
      await tx.query(
        `UPDATE auditor_calls SET state = 'dialling', attempts = attempts + 1, provider_call_id = NULL,
                updated_at = now() WHERE id = $1`,
        [call.id],
      );
      return call;
    });
    if (!claimed?.phone) return;
    // By message: the questionnaire opens in the auditor's conversation; the engine asks the rest.
    if (chat) return startChatSurvey(ctx, { ...claimed, channel: claimed.auditor_channel });
    if (!account) return;
    const urls = await callUrls(ctx, callId);
    try {
      const { sid } = await createCall(account, {
        to: claimed.phone,
        from: account.from,
        url: urls.answer,
        statusCallback: urls.status,
        machineDetection: true,
        recordingStatusCallback: ctx.config.callRecordingDays > 0 ? urls.recording : undefined,
      });
      // The answer may have come first and set it: only a try still without one takes this id.
      await ctx.db.query(
        `UPDATE auditor_calls SET provider_call_id = $2, updated_at = now()
          WHERE id = $1 AND provider_call_id IS NULL`,
        [callId, sid],
      );
    } catch (error) {
      if (!(error instanceof CallApiError)) throw error;
      await ctx.db.transaction(async (tx) => {
        const call = await findAuditorCall(tx, callId, true);
        if (call?.state !== "dialling") return;
        if (error.temporary)
          await tx.query(
            `UPDATE auditor_calls SET state = 'planned', attempts = attempts - 1, updated_at = now() WHERE id = $1`,
            [callId],
          );
        else await endCall(tx, callId, "missed", "invalid_number");
      });
      if (error.temporary) throw error;
    }
  },
};
