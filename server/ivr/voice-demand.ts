/**
 * A demand taken by voice on the 156 line (issue 18, docs/telephony.md "A demand by voice"): an option of the menu
 * (`demand`) runs the conversation engine — the same steps, suggestions, flows and checks as WhatsApp and the chat —
 * with what the caller says (the provider's `SpeechResult`) or types as its messages. Each reply is said (its `_voice`
 * wording where the locale has one, emoji and bullets left out) and its choices become keys ("para Buraco na via,
 * tecle 1"). Filing creates the demand on the phone channel for the caller's number, tied to the call (its recording
 * reaches the demand's timeline) and the protocol is read back digit by digit; "atendente", 0, or three silences go to
 * an agent with the screen pop. The conversation's state is kept on the call (`calls.ivr_draft`).
 */
import { gather, redirect, say, twimlDocument, voiceLanguage } from "../../channels/voice/twiml.ts";
import { type IvrLanguage, spokenDigits } from "../../domain/ivr.ts";
import {
  type ConversationPorts,
  type ConversationState,
  converse,
  type Effect,
  newConversation,
} from "../conversations/engine.ts";
import { conversationPorts } from "../conversations/ports.ts";
import { maybeOne } from "../db/index.ts";
import { createDemand } from "../demands/commands.ts";
import { AppError } from "../errors.ts";
import { hasText, translate } from "../i18n.ts";
import { linkCallRecordings } from "../telephony/recordings.ts";
import { agentOrAfterHours, type IvrDeps, type IvrInput, MAX_TRIES, menu, sayIn } from "./flow.ts";
import { recordIvrStep } from "./queries.ts";

/** What the call keeps between the caller's answers: the conversation, and the last thing said (for silence). */
interface VoiceDemand {
  conversation: ConversationState;
  prompt: string;
}

/** A reply of the engine as words for the phone: its voice wording, without emoji, bullets or line breaks. */
export function spokenReply(effect: Extract<Effect, { kind: "reply" }>, language: IvrLanguage): string {
  const params = effect.params ?? {};
  const key = hasText(`${effect.key}_voice`) ? `${effect.key}_voice` : effect.key;
  const text = translate(language, key, params);
  const choices = (effect.choices ?? []).map((c, i) =>
    translate(language, "telephony.ivr.demand_choice", {
      label: c.title ?? translate(language, c.titleKey ?? ""),
      key: i + 1,
    }),
  );
  return [text, ...choices]
    .join(" ")
    .replace(/\p{Extended_Pictographic}\uFE0F?/gu, "")
    .replace(/[•*_]/g, "")
    .replace(/\s*\n+\s*/g, ". ")
    .replace(/\.\s*\./g, ".")
    .replace(/\s{2,}/g, " ")
    .trim();
}

/** Listens for the caller's words or keys after `prompt`; silence comes back to the same step. */
function listen(deps: IvrDeps, language: IvrLanguage, tries: number, prompt: string, before = ""): string {
  const action = deps.stepUrl("demand", language, tries);
  const g = gather(
    { action, language: voiceLanguage(language), timeout: 8 },
    before + say(prompt, voiceLanguage(language)),
  );
  return twimlDocument(g, redirect(action));
}

async function kept(deps: IvrDeps): Promise<VoiceDemand | undefined> {
  const row = await maybeOne<{ ivr_draft: { demand?: VoiceDemand } | null }>(
    deps.db,
    "SELECT ivr_draft FROM calls WHERE id = $1",
    [deps.callId],
  );
  return row?.ivr_draft?.demand;
}

const keep = (deps: IvrDeps, demand: VoiceDemand | null) =>
  deps.db.query("UPDATE calls SET ivr_draft = $2 WHERE id = $1", [
    deps.callId,
    demand === null ? null : JSON.stringify({ demand }),
  ]);

/** The menu option: the caller is asked what the problem is and where. */
export async function startVoiceDemand(deps: IvrDeps, language: IvrLanguage, heard: string | null) {
  await recordIvrStep(deps.db, deps.callId, "menu", heard, "demand");
  const prompt = translate(language, "telephony.ivr.demand_ask");
  await keep(deps, { conversation: newConversation(language), prompt });
  return listen(deps, language, 0, prompt);
}

/** One answer of the caller, run through the conversation engine. */
export async function voiceDemandStep(
  deps: IvrDeps,
  language: IvrLanguage,
  tries: number,
  input: IvrInput,
): Promise<string> {
  const state = await kept(deps);
  if (!state) return menu(deps, language, 0);
  const said = input.speech?.trim() || input.digits?.replace(/#/g, "").trim() || "";
  if (said === "0") {
    await recordIvrStep(deps.db, deps.callId, "demand", "0", "agent");
    await keep(deps, null);
    return agentOrAfterHours(deps, language, "demand");
  }
  if (!said) {
    await recordIvrStep(deps.db, deps.callId, "demand", null, "no_input");
    if (tries + 1 < MAX_TRIES)
      return listen(deps, language, tries + 1, state.prompt, sayIn(deps, language, "no_input"));
    await keep(deps, null);
    return agentOrAfterHours(deps, language, "demand");
  }
  const call = await maybeOne<{ from_number: string | null }>(
    deps.db,
    "SELECT from_number FROM calls WHERE id = $1",
    [deps.callId],
  );
  // A caller id is not proven (it can be forged): it files the demand in the caller's name, and reads or changes
  // nothing of anyone's — no status by the number's demands (the menu's status option reads the public view), no
  // rating, no complement, no auditor survey.
  const ports: ConversationPorts = {
    ...conversationPorts(deps.db, "sms", call?.from_number?.slice(1) ?? ""),
    channel: "phone",
    statusOf: async () => [],
    pendingSurvey: undefined,
    pendingComplement: undefined,
    auditorSurvey: undefined,
  };
  const { state: next, effects } = await converse(
    { ...state.conversation, locale: language },
    { kind: "text", text: said },
    ports,
  );
  const spoken = effects
    .filter((e): e is Extract<Effect, { kind: "reply" }> => e.kind === "reply")
    .map((e) => spokenReply(e, language))
    .join(" ");
  const filing = effects.find((e) => e.kind === "file");
  if (filing) return file(deps, language, { ...next, locale: language }, filing, call?.from_number ?? null);
  if (effects.some((e) => e.kind === "hand_over" || e.kind === "opt_out")) {
    await recordIvrStep(deps.db, deps.callId, "demand", null, "agent");
    await keep(deps, null);
    return agentOrAfterHours(deps, language, "demand", spoken ? say(spoken, voiceLanguage(language)) : "");
  }
  await recordIvrStep(deps.db, deps.callId, "demand", null, next.step);
  const prompt = spoken || state.prompt;
  await keep(deps, { conversation: { ...next, locale: language }, prompt });
  return listen(deps, language, 0, prompt);
}

/** Files the demand on the phone channel, tied to the call; its protocol is read back. */
async function file(
  deps: IvrDeps,
  language: IvrLanguage,
  state: ConversationState,
  filing: Extract<Effect, { kind: "file" }>,
  from: string | null,
): Promise<string> {
  const draft = filing.draft;
  const anonymous = draft.anonymous === true || from === null;
  try {
    const demand = await createDemand(
      deps.db,
      { kind: "citizen" },
      {
        service: draft.service,
        description: draft.description,
        identity: anonymous ? "anonymous" : "identified",
        citizen: anonymous ? undefined : { phone: from!, locale: language },
        location:
          draft.place?.lat !== undefined && draft.place.lon !== undefined
            ? { lat: draft.place.lat, lon: draft.place.lon }
            : undefined,
        district: draft.place?.district,
        attributes: draft.answers,
        channel: "phone",
      },
      [],
      undefined,
      async (tx, created) => {
        await tx.query(
          "INSERT INTO call_demands (call_id, demand_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          [deps.callId, created.id],
        );
        await tx.query(
          `UPDATE calls SET ivr_draft = NULL,
                  citizen_id = coalesce(citizen_id, (SELECT citizen_id FROM demands WHERE id = $2))
            WHERE id = $1`,
          [deps.callId, created.id],
        );
        await linkCallRecordings(tx, deps.callId);
      },
    );
    await recordIvrStep(deps.db, deps.callId, "demand", null, "filed");
    const words = translate(language, "telephony.ivr.demand_filed", {
      protocol: spokenDigits(demand.body.protocol),
    });
    return menu(deps, language, 0, say(words, voiceLanguage(language)));
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    // Refused (a place outside the city, a field the service needs…): said, and the summary asked again.
    await recordIvrStep(deps.db, deps.callId, "demand", null, "refused");
    const prompt = spokenReply(
      { kind: "reply", key: "conversation.file_refused", params: { reason: error.code } },
      language,
    );
    await keep(deps, { conversation: { ...state, step: "confirm", draft }, prompt });
    return listen(deps, language, 0, prompt);
  }
}
