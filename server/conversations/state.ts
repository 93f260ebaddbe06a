/**
 * The conversation's state and the effects a step asks for (engine.ts runs the steps), with the small moves every
 * step shares: a reply, asking again, handing over to a person.
 */
import type { InboundChannel, InboundContent } from "../../channels/channel.ts";
import type { AnswerSet, QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import type { AuditorDraft } from "./auditor-enrol.ts";
import type { AuditorSurveyState } from "./auditor-survey.ts";
import type { ConversationLocale, Flow, FlowService } from "./flows.ts";

/** A place in the city: a point, or only a district when the citizen named one and no address. */
export interface Place {
  lat?: number | undefined;
  lon?: number | undefined;
  /** The district's code when the place is a whole district (no point). */
  district?: string | undefined;
  /** How the citizen reads it back: "R AUGUSTA, 1200 — Consolação". */
  label: string;
}

/** A service the suggester offers for a text. */
export interface Suggestion {
  code: string;
  /** Its name in the conversation's language. */
  name: string;
}

/** A demand a sender may be told about, found by protocol. */
export interface DemandStatus {
  protocol: string;
  /** The status as the citizen reads it, in the conversation's language. */
  status: string;
  /** The service's name in the conversation's language. */
  service: string;
  /** The latest answer to the citizen, when there is one. */
  answer?: string | undefined;
}

/** What the engine reads of the city. */
export interface ConversationPorts {
  /**
   * The channel of the conversation: the portal's chat asks for a contact, others answer on their address; "phone"
   * is the 156 line's voice (server/ivr/voice-demand.ts), whose questions take their voice wording.
   */
  channel?: InboundChannel | "phone" | undefined;
  suggest(text: string, locale: ConversationLocale): Promise<Suggestion[]>;
  service(code: string): Promise<FlowService | null>;
  /** The flow of a service: a manager's written one when there is one (flow-store.ts); unset: the default. */
  flow?(service: FlowService): Promise<Flow>;
  /** A place named in the text (an address with a number, a street, a district); null when none is found. */
  locate(text: string): Promise<Place | null>;
  /** The place of a shared point; null outside the city. */
  placeOfPoint(lat: number, lon: number): Promise<Place | null>;
  /** Of these protocol numbers, the demands this sender may be told about, in the conversation's language. */
  statusOf(protocols: string[], locale: ConversationLocale): Promise<DemandStatus[]>;
  /** The latest closed demand of this sender whose satisfaction survey is unanswered, if any. */
  pendingSurvey?(): Promise<PendingSurvey | null>;
  /** A demand of this sender whose department asked them for a complement and waits for it, if any. */
  pendingComplement?(): Promise<PendingSurvey | null>;
  /** The questionnaire a citizen auditor's survey (an auditor call by message) asks; null when it is gone. */
  auditorSurvey?(callId: number): Promise<QuestionnaireDefinition | null>;
}

/** The demand being filed. */
export interface Draft {
  description?: string | undefined;
  service?: string | undefined;
  place?: Place | undefined;
  /** Media refs of the photos sent (the adapter's `fetchMedia` takes them). */
  photos: string[];
  /** Answers to extra fields by code. */
  answers: Record<string, string | number | string[]>;
  anonymous?: boolean | undefined;
  /** An e-mail or phone given to be answered on (the portal's chat). */
  contact?: { email: string } | { phone: string } | undefined;
  /** Questions of the flow answered or skipped, in order (for "voltar"). */
  done: string[];
}

export type Step =
  | "idle"
  | "service"
  | "question"
  | "confirm"
  | "agent"
  | "survey"
  | "auditor"
  | "auditor_survey";

/** A closed demand whose satisfaction survey the sender may answer here. */
export interface PendingSurvey {
  demandId: number;
  protocol: string;
}

/** The satisfaction survey being answered in the conversation: the rating given, and what is asked now. */
export interface SurveyState extends PendingSurvey {
  rating: number;
  asking: "solved" | "reopen";
}

/** A conversation's state between messages. */
export interface ConversationState {
  locale: ConversationLocale;
  step: Step;
  draft: Draft;
  /** The services offered at the `service` step, in the order shown. */
  offered: Suggestion[];
  /** Unusable answers to the current question in a row. */
  retries: number;
  /**
   * The ids of the choices last shown, in order: "2" typed on a channel without buttons (SMS, e-mail, a numbered
   * list) is the second of them.
   */
  shown?: string[] | undefined;
  /** At the `survey` step: the survey being answered. */
  survey?: SurveyState | undefined;
  /** At the `auditor` step: the citizen-auditor enrolment being made (auditor-enrol.ts). */
  auditor?: AuditorDraft | undefined;
  /** At the `auditor_survey` step: a citizen auditor's questionnaire being answered (auditor-survey.ts). */
  auditorSurvey?: AuditorSurveyState | undefined;
}

/** A choice shown to the citizen: a title already in their language, or a locale key. */
export interface ReplyChoice {
  id: string;
  title?: string | undefined;
  titleKey?: string | undefined;
}

/** What a step asks the caller to do. */
export type Effect =
  | {
      kind: "reply";
      key: string;
      params?: Record<string, string | number> | undefined;
      choices?: ReplyChoice[] | undefined;
      requestLocation?: boolean | undefined;
    }
  /** File the demand (the caller replies with the protocol once it exists). */
  | { kind: "file"; draft: Draft & { service: string; description: string } }
  | { kind: "hand_over"; reason: "asked" | "not_understood" }
  /** Record the citizen's rating of a closed demand (satisfaction). */
  | { kind: "rate"; demandId: number; rating: number; solved: boolean }
  /** Reopen a closed demand the citizen says was not solved (the caller replies with the outcome). */
  | { kind: "reopen"; demandId: number; protocol: string }
  /** The complement a department asked for: the citizen's message, added to the demand (the clocks run again). */
  | { kind: "complement"; demandId: number; protocol: string; text: string }
  /** Follow a demand on this channel (or stop): the caller finds the demand and replies with the outcome. */
  | { kind: "follow"; protocol: string; stop: boolean }
  /** Follow every public demand around a place on this channel (one place per channel; `place` unset stops). */
  | { kind: "follow_place"; place?: { lat: number; lon: number; label: string } | undefined }
  /** Enrol the sender as a citizen auditor (their number, consent given in the conversation), by this channel. */
  | {
      kind: "auditor_enrol";
      place: { lat: number; lon: number; label: string };
      windows: { weekday: number; starts: string; ends: string }[];
    }
  /** Stop the sender's number's calls as a citizen auditor (revoked at once). */
  | { kind: "auditor_leave" }
  /** A citizen auditor's questionnaire answered to its end: store the response (channel chat). */
  | { kind: "auditor_survey_done"; callId: number; answers: AnswerSet }
  /** A citizen auditor's questionnaire stopped: given up (no usable answer), or the calls stopped. */
  | { kind: "auditor_survey_end"; callId: number; outcome?: "no_input" | undefined }
  | { kind: "opt_out" };

/** A new conversation. */
export function newConversation(locale: ConversationLocale = "pt-BR"): ConversationState {
  return { locale, step: "idle", draft: { photos: [], answers: {}, done: [] }, offered: [], retries: 0 };
}

/** Unusable answers in a row before a person is offered, and then handed over. */
const RETRIES_BEFORE_PERSON = 2;
export const reply = (
  key: string,
  extra: Omit<Extract<Effect, { kind: "reply" }>, "kind" | "key"> = {},
): Effect => ({
  kind: "reply",
  key,
  ...extra,
});

export const textOf = (content: InboundContent) => (content.kind === "text" ? content.text : undefined);

export function handOver(state: ConversationState, reason: "asked" | "not_understood") {
  return {
    state: { ...state, step: "agent" as const, retries: 0 },
    effects: [reply("conversation.handed_over"), { kind: "hand_over" as const, reason }],
  };
}

/** An unusable answer: ask again; after a few, offer a person; then hand over. */
export function retry(
  state: ConversationState,
  key: string,
  extra: { choices?: ReplyChoice[]; requestLocation?: boolean } = {},
  allowed = RETRIES_BEFORE_PERSON,
) {
  const retries = state.retries + 1;
  if (retries > allowed + 1) return handOver(state, "not_understood");
  const offerPerson = retries > allowed;
  const choices = offerPerson
    ? [...(extra.choices ?? []), { id: "person", titleKey: "conversation.choice_person" }]
    : extra.choices;
  return { state: { ...state, retries }, effects: [reply(key, { ...extra, choices })] };
}
