/**
 * The satisfaction survey in the conversation (issue 14): after a demand is closed the citizen gets the survey on
 * the channel they wrote on, and may answer right there — a rating from 1 to 5 (a number, "nota 4", or the
 * button), then "resolveu?" (yes or no), and, when it was not solved, the offer to reopen the demand. The rating and
 * the reopening are effects: the caller writes them with the step (server/satisfaction/commands.ts), so what the
 * citizen is told always matches what was recorded.
 */
import type { Choice, InboundContent } from "../../channels/channel.ts";
import { fold, yesOrNo } from "./intents.ts";
import {
  type ConversationPorts,
  type ConversationState,
  type Effect,
  newConversation,
  type ReplyChoice,
  reply,
  retry,
  textOf,
} from "./state.ts";

/** The rating buttons sent with the survey (ids `rate:1` … `rate:5`). */
export const RATING_CHOICES: Choice[] = [1, 2, 3, 4, 5].map((n) => ({ id: `rate:${n}`, title: String(n) }));

/** The channels that show the rating as buttons (SMS and e-mail read the number the text asks for). */
const SURVEYED_IN_CONVERSATION = new Set(["whatsapp", "telegram"]);

/** The choices a message of `template` carries on `channel`: the rating for a survey on a conversation channel. */
export function ratingChoicesFor(template: string, channel: string): Choice[] | undefined {
  return template.startsWith("survey.") && SURVEYED_IN_CONVERSATION.has(channel) ? RATING_CHOICES : undefined;
}

const YES_NO: ReplyChoice[] = [
  { id: "yes", titleKey: "conversation.choice_yes" },
  { id: "no", titleKey: "conversation.choice_no" },
];

/** A rating from 1 to 5 in what the citizen sent ("4", "nota 4", "4 estrelas", the `rate:4` button); else undefined. */
export function ratingIn(content: InboundContent): number | undefined {
  if (content.kind === "choice") {
    const m = /^rate:([1-5])$/.exec(content.id);
    return m ? Number(m[1]) : undefined;
  }
  const text = textOf(content);
  if (text === undefined) return undefined;
  const m =
    /^(?:(?:minha )?nota |rating |score |puntuacion )?([1-5])(?: ?(?:estrelas?|stars?|estrellas?|\/ ?5))?[.!]?$/.exec(
      fold(text),
    );
  return m ? Number(m[1]) : undefined;
}

/**
 * An idle conversation whose message is a rating, when the sender has a survey to answer: asks whether the problem
 * was solved. Undefined when this message is not a survey answer (the conversation goes on as a new demand).
 */
export async function startSurvey(
  state: ConversationState,
  content: InboundContent,
  ports: ConversationPorts,
): Promise<{ state: ConversationState; effects: Effect[] } | undefined> {
  const rating = ratingIn(content);
  if (rating === undefined || !ports.pendingSurvey) return undefined;
  const pending = await ports.pendingSurvey();
  if (!pending) return undefined;
  return {
    state: { ...state, step: "survey", retries: 0, survey: { ...pending, rating, asking: "solved" } },
    effects: [
      reply("conversation.survey_solved", { params: { protocol: pending.protocol }, choices: YES_NO }),
    ],
  };
}

/** The answer to "resolveu?" or to the reopen offer. */
export function answerSurvey(
  state: ConversationState,
  content: InboundContent,
): { state: ConversationState; effects: Effect[] } {
  const survey = state.survey;
  if (!survey) return { state: newConversation(state.locale), effects: [reply("conversation.welcome")] };
  const text = textOf(content);
  const id = content.kind === "choice" ? content.id : undefined;
  const yes = id === "yes" ? true : id === "no" ? false : text !== undefined ? yesOrNo(text) : undefined;
  if (yes === undefined) {
    const key = survey.asking === "solved" ? "conversation.survey_solved" : "conversation.survey_reopen";
    return retry(state, key, { choices: YES_NO });
  }
  const done = newConversation(state.locale);
  if (survey.asking === "solved") {
    const rate: Effect = { kind: "rate", demandId: survey.demandId, rating: survey.rating, solved: yes };
    if (yes) return { state: done, effects: [rate, reply("conversation.survey_thanks")] };
    return {
      state: { ...state, retries: 0, survey: { ...survey, asking: "reopen" } },
      effects: [
        rate,
        reply("conversation.survey_reopen", { params: { protocol: survey.protocol }, choices: YES_NO }),
      ],
    };
  }
  if (!yes) return { state: done, effects: [reply("conversation.survey_thanks")] };
  return { state: done, effects: [{ kind: "reopen", demandId: survey.demandId, protocol: survey.protocol }] };
}
