/**
 * An auditor's call as TwiML (issue 18): a short introduction, then the questionnaire one question at a time, each a
 * `<Gather>` of keys and speech whose answer is posted back to the call's URL with the question's name; three tries
 * without a usable answer skip an optional question or end the call. An answering machine is hung up on (nothing is
 * left on it) and the call tried again later in the window. The last answer stores one response in the one table of
 * answers (channel voice, respondent auditor) and marks the block's scores stale, in the same transaction.
 */
import {
  gather,
  hangup,
  record,
  redirect,
  say,
  twimlDocument,
  voiceLanguage,
} from "../../channels/voice/twiml.ts";
import {
  type AnswerSet,
  checkResponse,
  promptOf,
  type Question,
  scoreAnswer,
  serviceOf,
} from "../../domain/questionnaire.ts";
import {
  choiceKeys,
  isRecordedByVoice,
  nextVoiceQuestion,
  voiceAnswer,
} from "../../domain/voice-questionnaire.ts";
import { markBlocksStale } from "../block-scores/stale.ts";
import type { AppContext } from "../context.ts";
import { one, type Sql } from "../db/index.ts";
import { translate } from "../i18n.ts";
import { type AuditorCallRow, endCall, findAuditorCall, loadCallVersion, retryOrMiss } from "./calls.ts";
import { revokeAuditor } from "./commands.ts";
import { keepVoiceAnswer, settleVoiceAnswers, type VoiceRecording } from "./voice-answers.ts";

/** Tries a question gets without a usable answer. */
export const MAX_ANSWER_TRIES = 3;

/** What the provider posted to a step: who answered, which question it answers, the tries, the keys or words. */
export interface CallStepInput {
  callSid: string;
  answeredBy?: string | undefined;
  question?: string | undefined;
  tries: number;
  digits?: string | undefined;
  speech?: string | undefined;
  /** What `<Record>` kept as the answer to a question spoken after the beep. */
  recording?: VoiceRecording | undefined;
}

/** Where the provider posts: a question's answer (with the tries so far), and a recorded answer's status. */
export interface StepUrls {
  step(question: string, tries: number): string;
  recording(question: string): string;
}

/** Seconds of silence that end a spoken answer, and the longest one kept. */
export const RECORD_SILENCE_SECONDS = 4;
export const RECORD_MAX_SECONDS = 120;

type Lang = AuditorCallRow["language"];
const t = (lang: Lang, key: string, params: Record<string, string | number> = {}) =>
  translate(lang, `telephony.auditor_call.${key}`, params);

/** The question read on the call: its own voice prompt, else its label and how to answer it on the keypad. */
export function spokenQuestion(question: Question, lang: Lang): string {
  const prompt = promptOf(question, "voice", lang);
  if (question.prompts?.voice) return prompt;
  switch (question.type) {
    case "yes_no":
      return `${prompt} ${t(lang, "hint_yes_no")}`;
    case "scale":
      return `${prompt} ${t(lang, "hint_scale")}`;
    case "number":
      return `${prompt} ${t(lang, "hint_number")}`;
    case "text":
    case "audio":
      return `${prompt} ${t(lang, "hint_record")}`;
    default: {
      const choices = choiceKeys(question).map((c) =>
        t(lang, "hint_choice", { key: c.key, label: c.label[lang] || c.label["pt-BR"] }),
      );
      return `${prompt} ${choices.join(" ")}`;
    }
  }
}

/**
 * Stores the finished questionnaire as one response with its answers (channel voice, or chat for one asked by
 * message); answers the response's id.
 */
export async function storeResponse(
  tx: Sql,
  call: AuditorCallRow,
  version: NonNullable<Awaited<ReturnType<typeof loadCallVersion>>>,
  answers: AnswerSet,
  channel: "voice" | "chat" = "voice",
): Promise<number> {
  // One response per call however often its last step is posted: its client id is the call's.
  const { id } = await one<{ id: number }>(
    tx,
    `INSERT INTO responses (client_id, version_id, channel, respondent_kind, citizen_id, block_id, answered_at)
     VALUES (md5('auditor-call:' || $1::text)::uuid, $2, $5, 'auditor', $3, $4, now())
     RETURNING id`,
    [call.id, call.version_id, call.citizen_id, call.block_id, channel],
  );
  const rows = version.definition.questions
    .filter((q) => q.name in answers)
    .map((q) => {
      const value = answers[q.name]!;
      return {
        q,
        value,
        service: serviceOf(q, version.serviceCode) ?? null,
        score: scoreAnswer(q, value) ?? null,
      };
    });
  await tx.query(
    `INSERT INTO answers (response_id, question, value, block_id, service_id, score, respondent_kind, answered_at)
     SELECT $1, t.question, t.value, $2, (SELECT s.id FROM services s WHERE s.code = t.service), t.score, 'auditor',
            now()
       FROM unnest($3::text[], $4::jsonb[], $5::text[], $6::real[]) AS t(question, value, service, score)`,
    [
      id,
      call.block_id,
      rows.map((r) => r.q.name),
      rows.map((r) => JSON.stringify(r.value)),
      rows.map((r) => r.service),
      rows.map((r) => r.score),
    ],
  );
  return Number(id);
}

/**
 * One step of an auditor's call: answers the TwiML for what the provider posted. `urls` say where the answer to a
 * question is posted (signed by the provider like every request) and where a recorded answer's status is.
 */
export async function auditorCallStep(
  ctx: AppContext,
  callId: number,
  input: CallStepInput,
  urls: StepUrls,
): Promise<string> {
  return ctx.db.transaction(async (tx) => {
    const call = await findAuditorCall(tx, callId, true);
    if (!call || (call.state !== "dialling" && call.state !== "answered")) return twimlDocument(hangup());
    if (call.provider_call_id && call.provider_call_id !== input.callSid) return twimlDocument(hangup());
    const lang = call.language;
    const voice = voiceLanguage(lang);
    if (input.answeredBy && /^(machine|fax)/.test(input.answeredBy)) {
      await retryOrMiss(tx, call, "machine");
      return twimlDocument(hangup());
    }
    const version = await loadCallVersion(tx, call.version_id);
    if (!version) {
      await endCall(tx, call.id, "cancelled", "not_callable");
      return twimlDocument(hangup());
    }
    const answers = { ...(call.answers as AnswerSet) };
    const skipped = [...call.skipped];
    const recorded = [...call.recorded];
    const spoken: string[] = [];
    let tries = 0;
    const asked = input.question
      ? version.definition.questions.find((q) => q.name === input.question)
      : undefined;
    // The auditor may stop the calls on the call itself, at any question (LGPD: consent withdrawn on any channel):
    // the star key, never an answer. Revoked at once, this call ended; nothing more is asked or planned.
    if (input.digits?.trim().startsWith("*")) {
      await revokeAuditor(tx, call.auditor_id, "phone", "opted out during a call");
      await endCall(tx, call.id, "cancelled", "opted_out");
      return twimlDocument(say(t(lang, "opted_out"), voice), hangup());
    }
    if (!input.question || call.state === "dialling") {
      // Where calls are recorded, the legal notice is the first thing said.
      if (ctx.config.callRecordingDays > 0) spoken.push(say(t(lang, "recording_notice"), voice));
      spoken.push(say(t(lang, "intro"), voice), say(t(lang, "opt_out_hint"), voice));
    }
    if (
      asked &&
      !(asked.name in answers) &&
      !skipped.includes(asked.name) &&
      !recorded.includes(asked.name)
    ) {
      // A question answered by speaking: the recording is its answer, kept for a person to review; keys never are.
      const spokenAnswer = isRecordedByVoice(asked)
        ? input.recording && input.recording.durationSeconds !== 0
          ? input.recording
          : undefined
        : undefined;
      const value = isRecordedByVoice(asked) ? undefined : voiceAnswer(asked, input);
      if (spokenAnswer) {
        recorded.push(asked.name);
        await keepVoiceAnswer(tx, call, asked, spokenAnswer, input.callSid, ctx.config.voiceAnswerDays);
      } else if (value !== undefined) answers[asked.name] = value;
      else if (input.tries + 1 < MAX_ANSWER_TRIES) {
        tries = input.tries + 1;
        spoken.push(say(t(lang, input.digits || input.speech ? "not_understood" : "no_input"), voice));
      } else if (asked.required) {
        await endCall(tx, call.id, "missed", "no_input");
        return twimlDocument(say(t(lang, "goodbye_incomplete"), voice), hangup());
      } else skipped.push(asked.name);
    }
    await tx.query(
      `UPDATE auditor_calls SET state = 'answered', answers = $2, skipped = $3, recorded = $5,
              provider_call_id = coalesce(provider_call_id, $4), updated_at = now() WHERE id = $1`,
      [call.id, JSON.stringify(answers), skipped, input.callSid, recorded],
    );
    const next = nextVoiceQuestion(version.definition, answers, [...skipped, ...recorded]);
    if (next) {
      const url = urls.step(next.name, next.name === asked?.name ? tries : 0);
      if (isRecordedByVoice(next)) {
        // Spoken after the beep; an empty recording posts nothing and the redirect counts it as silence.
        const options = {
          action: url,
          recordingStatusCallback: urls.recording(next.name),
          timeout: RECORD_SILENCE_SECONDS,
          maxLength: RECORD_MAX_SECONDS,
          // The pound key ends the answer; the star key, as at every question, stops the calls.
          finishOnKey: "#*",
        };
        return twimlDocument(
          ...spoken,
          say(spokenQuestion(next, lang), voice),
          record(options),
          redirect(url),
        );
      }
      const options = {
        action: url,
        language: voice,
        timeout: 6,
        ...(next.type === "number" ? { finishOnKey: "#" } : { numDigits: 1 }),
      };
      return twimlDocument(...spoken, gather(options, say(spokenQuestion(next, lang), voice)), redirect(url));
    }
    // A required question answered by a recording is answered: its words come with the review.
    const problems = checkResponse(version.definition, answers).filter(
      (p) => !(p.code === "required" && p.question !== undefined && recorded.includes(p.question)),
    );
    if (problems.length > 0) {
      await endCall(tx, call.id, "missed", "no_input");
      return twimlDocument(...spoken, say(t(lang, "goodbye_incomplete"), voice), hangup());
    }
    const responseId = await storeResponse(tx, call, version, answers);
    await tx.query(
      `UPDATE auditor_calls SET state = 'completed', response_id = $2, ended_at = now(), updated_at = now()
        WHERE id = $1`,
      [call.id, responseId],
    );
    await settleVoiceAnswers(tx, call.id);
    await markBlocksStale(tx, [call.block_id], ctx.config.scoreRefreshDelaySeconds);
    return twimlDocument(...spoken, say(t(lang, "thanks"), voice), hangup());
  });
}
