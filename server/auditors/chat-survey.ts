/**
 * Citizen auditors who chose WhatsApp or SMS are asked by message (issue 18, docs/auditors.md "By WhatsApp or SMS"):
 * at the planned time the worker opens the questionnaire in the conversation of their number — the introduction and
 * the first question, as the conversation's replies — and the conversation engine asks the rest
 * (server/conversations/auditor-survey.ts). The last answer stores one response in the one table of answers (channel
 * chat, respondent auditor) and marks the block's scores stale; the window's end closes a survey left unfinished
 * (missed, no_input). A conversation busy with something else (a demand being filed, an agent) is not interrupted:
 * the survey waits CALL_RETRY_MINUTES and tries again inside the window.
 */
import type { InboundChannel } from "../../channels/channel.ts";
import { isAskableByChat, nextChatQuestion } from "../../domain/chat-questionnaire.ts";
import { checkResponse } from "../../domain/questionnaire.ts";
import { markBlocksStale } from "../block-scores/stale.ts";
import type { AppContext } from "../context.ts";
import { surveyQuestion } from "../conversations/auditor-survey.ts";
import { queueReplies } from "../conversations/jobs.ts";
import { renderReply } from "../conversations/replies.ts";
import { type ConversationState, newConversation } from "../conversations/state.ts";
import type { Sql } from "../db/index.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { JOB_PAYLOADS } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { storeResponse } from "./call-flow.ts";
import {
  type AuditorCallRow,
  CALL_RETRY_MINUTES,
  endCall,
  findAuditorCall,
  loadCallVersion,
} from "./calls.ts";

export const CLOSE_SURVEY_JOB = "close-auditor-survey";

/** The conversation's address of an auditor's number on a messaging channel (E.164 digits, no "+"). */
const addressOf = (phone: string) => phone.replace(/\D/g, "");

/**
 * Opens the survey of a claimed try (state dialling) in the auditor's conversation, in one transaction: the
 * conversation's state, its first replies, the call answered and the job that closes it at the window's end.
 */
export async function startChatSurvey(ctx: Pick<AppContext, "db">, call: AuditorCallRow): Promise<void> {
  const channel = call.channel as "whatsapp" | "sms";
  const version = await loadCallVersion(ctx.db, call.version_id);
  const first = version && nextChatQuestion(version.definition, {}, []);
  await ctx.db.transaction(async (tx) => {
    if (!first || !call.phone) return endCall(tx, call.id, "cancelled", "not_callable");
    const address = addressOf(call.phone);
    const [conversation] = await tx.query<{ id: number; status: string; state: ConversationState }>(
      `INSERT INTO conversations (channel, address, state, locale, citizen_id)
       VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (tenant_id, channel, address) WHERE status <> 'closed'
         DO UPDATE SET updated_at = conversations.updated_at
       RETURNING id, status, state`,
      [channel, address, JSON.stringify(newConversation(call.language)), call.language, call.citizen_id],
    );
    const busy = conversation!.status !== "bot" || conversation!.state.step !== "idle";
    if (busy) {
      // Not in the middle of something else: the same try again a little later, inside the window.
      await tx.query(
        `UPDATE auditor_calls SET state = 'planned', attempts = attempts - 1, updated_at = now(),
                due_at = least(now() + make_interval(mins => $2), until_at) WHERE id = $1`,
        [call.id, CALL_RETRY_MINUTES],
      );
      await enqueue(tx, "place-auditor-call", { callId: call.id }, { delaySeconds: CALL_RETRY_MINUTES * 60 });
      return;
    }
    const state: ConversationState = {
      ...newConversation(call.language),
      step: "auditor_survey",
      auditorSurvey: { callId: call.id, asking: first.name, answers: {}, skipped: [], tries: 0 },
    };
    const question = surveyQuestion(first, call.language);
    await tx.query(
      `UPDATE conversations SET state = $2::jsonb, locale = $3, citizen_id = coalesce(citizen_id, $4),
              updated_at = clock_timestamp() WHERE id = $1`,
      [
        conversation!.id,
        JSON.stringify({ ...state, shown: shownOf(question) }),
        call.language,
        call.citizen_id,
      ],
    );
    await queueReplies(tx, conversation!.id, [
      renderReply({ kind: "reply", key: "conversation.auditor_survey.intro" }, call.language, channel),
      renderReply(
        question as Extract<typeof question, { kind: "reply" }>,
        call.language,
        channel as InboundChannel,
      ),
    ]);
    await tx.query(
      `UPDATE auditor_calls SET state = 'answered', channel = $2, updated_at = now() WHERE id = $1`,
      [call.id, channel],
    );
    const closesIn = Math.max(0, Math.ceil((new Date(call.until_at).getTime() - Date.now()) / 1000));
    await enqueue(tx, CLOSE_SURVEY_JOB, { callId: call.id }, { delaySeconds: closesIn });
  });
}

/** The ids of a question's buttons, for a number typed in their place. */
const shownOf = (effect: ReturnType<typeof surveyQuestion>) =>
  effect.kind === "reply" ? effect.choices?.map((c) => c.id) : undefined;

/**
 * The survey answered to its end (the engine's `auditor_survey_done`): one response, the call completed, the
 * block's scores stale, in the step's transaction. A survey already closed (its window ended) stores nothing.
 */
export async function finishChatSurvey(
  tx: Sql,
  callId: number,
  answers: Record<string, unknown>,
): Promise<void> {
  const call = await findAuditorCall(tx, callId, true);
  if (call?.state !== "answered" || call.channel === "voice") return;
  const version = await loadCallVersion(tx, call.version_id);
  if (!version) return endCall(tx, call.id, "cancelled", "not_callable");
  const given = answers as Parameters<typeof checkResponse>[1];
  // A required question a chat cannot ask (a photo) leaves the response incomplete: nothing stored.
  const unaskable = version.definition.questions.filter((q) => q.required && !isAskableByChat(q));
  if (unaskable.length > 0 || checkResponse(version.definition, given).length > 0)
    return endCall(tx, call.id, "missed", "no_input");
  const responseId = await storeResponse(tx, call, version, given, "chat");
  await tx.query(
    `UPDATE auditor_calls SET state = 'completed', answers = $3, response_id = $2, ended_at = now(), updated_at = now()
      WHERE id = $1`,
    [call.id, responseId, JSON.stringify(given)],
  );
  await markBlocksStale(tx, [call.block_id], 5);
}

/** The survey stopped before its end (no usable answer, the calls stopped): the call ends with that outcome. */
export async function endChatSurvey(
  tx: Sql,
  callId: number,
  outcome: "no_input" | "opted_out",
): Promise<void> {
  const call = await findAuditorCall(tx, callId, true);
  if (call?.state !== "answered" || call.channel === "voice") return;
  await endCall(tx, callId, outcome === "opted_out" ? "cancelled" : "missed", outcome);
}

/** `close-auditor-survey`: the window ended with the survey unfinished; the conversation is let go of it. */
export const closeAuditorSurveyJob: Job<(typeof JOB_PAYLOADS)[typeof CLOSE_SURVEY_JOB]> = {
  name: CLOSE_SURVEY_JOB,
  payload: JOB_PAYLOADS[CLOSE_SURVEY_JOB],
  maxAttempts: 5,
  async run(ctx, { callId }) {
    await ctx.db.transaction(async (tx) => {
      const call = await findAuditorCall(tx, callId, true);
      if (call?.state !== "answered" || call.channel === "voice") return;
      await endCall(tx, callId, "missed", "no_input");
      await tx.query(
        `UPDATE conversations SET state = $2::jsonb, updated_at = clock_timestamp()
          WHERE status = 'bot' AND state -> 'auditorSurvey' ->> 'callId' = $1::text`,
        [callId, JSON.stringify(newConversation(call.language))],
      );
    });
  },
};
