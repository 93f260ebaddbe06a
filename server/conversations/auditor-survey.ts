/**
 * A citizen auditor's questionnaire asked in the conversation (issue 18, docs/auditors.md "By WhatsApp or SMS"): the
 * worker opens it at the planned time (server/auditors/chat-survey.ts) with the first question; each message answers
 * the question asked (a button, a number typed for it, words, a location), and the next one follows the skip logic.
 * Three unusable answers skip an optional question and end the survey on a required one. The answers are an effect:
 * the caller stores the response in the step's transaction. "sair do auditor" stops the calls and the survey.
 */
import type { InboundContent } from "../../channels/channel.ts";
import {
  type ChatInput,
  chatAnswer,
  chatChoices,
  nextChatQuestion,
} from "../../domain/chat-questionnaire.ts";
import { type AnswerSet, promptOf, type Question } from "../../domain/questionnaire.ts";
import { auditorIntent } from "./auditor-enrol.ts";
import type { ConversationLocale } from "./flows.ts";
import {
  type ConversationPorts,
  type ConversationState,
  type Effect,
  newConversation,
  reply,
} from "./state.ts";

/** The survey under way in a conversation. */
export interface AuditorSurveyState {
  callId: number;
  asking: string;
  answers: AnswerSet;
  skipped: string[];
  tries: number;
}

const TRIES = 3;

/** A question as a message: its chat prompt (or its label), with buttons where it has some. */
export function surveyQuestion(q: Question, locale: ConversationLocale): Effect {
  const hint =
    q.type === "multiple_choice"
      ? (q.choices ?? []).map((c, i) => `${i + 1}. ${c.label[locale] ?? c.label["pt-BR"]}`).join("\n")
      : "";
  return reply(`conversation.auditor_survey.ask_${q.type === "multiple_choice" ? "several" : "one"}`, {
    params: { question: promptOf(q, "chat", locale), choices: hint },
    choices:
      q.type === "yes_no"
        ? [
            { id: "yes", titleKey: "conversation.choice_yes" },
            { id: "no", titleKey: "conversation.choice_no" },
          ]
        : chatChoices(q, locale),
    requestLocation: q.type === "location" ? true : undefined,
  });
}

function inputOf(content: InboundContent): ChatInput {
  if (content.kind === "text") return { kind: "text", text: content.text };
  if (content.kind === "choice") return { kind: "choice", id: content.id };
  if (content.kind === "location") return { kind: "location", lat: content.lat, lon: content.lon };
  return { kind: "other" };
}

/** The next message of the survey. */
export async function answerAuditorSurvey(
  state: ConversationState,
  content: InboundContent,
  ports: ConversationPorts,
): Promise<{ state: ConversationState; effects: Effect[] }> {
  const survey = state.auditorSurvey;
  const done = newConversation(state.locale);
  if (!survey) return { state: done, effects: [reply("conversation.welcome")] };
  if (content.kind === "text" && auditorIntent(content.text) === "leave")
    return {
      state: done,
      effects: [{ kind: "auditor_survey_end", callId: survey.callId }, { kind: "auditor_leave" }],
    };
  const definition = await ports.auditorSurvey?.(survey.callId);
  const question = definition?.questions.find((q) => q.name === survey.asking);
  if (!definition || !question) return { state: done, effects: [reply("conversation.welcome")] };
  const answers = { ...survey.answers };
  const skipped = [...survey.skipped];
  const value = chatAnswer(question, inputOf(content));
  if (value === undefined) {
    if (survey.tries + 1 < TRIES) {
      const again = { ...survey, tries: survey.tries + 1 };
      return {
        state: { ...state, auditorSurvey: again },
        effects: [reply("conversation.auditor_survey.again"), surveyQuestion(question, state.locale)],
      };
    }
    if (question.required)
      return {
        state: done,
        effects: [
          { kind: "auditor_survey_end", callId: survey.callId, outcome: "no_input" },
          reply("conversation.auditor_survey.gave_up"),
        ],
      };
    skipped.push(question.name);
  } else answers[question.name] = value;
  const next = nextChatQuestion(definition, answers, skipped);
  if (next)
    return {
      state: {
        ...state,
        auditorSurvey: { callId: survey.callId, asking: next.name, answers, skipped, tries: 0 },
      },
      effects: [surveyQuestion(next, state.locale)],
    };
  return {
    state: done,
    effects: [
      { kind: "auditor_survey_done", callId: survey.callId, answers },
      reply("conversation.auditor_survey.thanks"),
    ],
  };
}
