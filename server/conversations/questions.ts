/**
 * The questions of a demand's flow once its service is known: which one is next, asking it, taking its answer (a
 * place by shared location or address, a photo, an extra field in its datatype, anonymity), and the confirmation
 * when none is left.
 */
import type { InboundContent } from "../../channels/channel.ts";
import { passesRules } from "./flow-definitions.ts";
import { type ConversationLocale, defaultFlow, type Flow, promptOf, type Question } from "./flows.ts";
import { fold, pickedNumber, yesOrNo } from "./intents.ts";
import {
  type ConversationPorts,
  type ConversationState,
  type Draft,
  type Effect,
  handOver,
  type ReplyChoice,
  reply,
  retry,
  textOf,
} from "./state.ts";

/** The flow of the draft's service. */
async function flowOf(state: ConversationState, ports: ConversationPorts): Promise<Flow | null> {
  const service = state.draft.service ? await ports.service(state.draft.service) : null;
  if (!service) return null;
  return ports.flow ? ports.flow(service) : defaultFlow(service, { askContact: ports.channel === "webchat" });
}

/** Is a question answered by what the draft holds already? */
function isAnswered(question: Question, draft: Draft): boolean {
  if (draft.done.includes(question.id)) return true;
  switch (question.target.kind) {
    case "place":
      return draft.place !== undefined;
    case "photo":
      return draft.photos.length > 0;
    case "attribute":
      return draft.answers[question.target.code] !== undefined;
    case "anonymity":
      return draft.anonymous !== undefined;
    case "contact":
      return draft.contact !== undefined || draft.anonymous === true;
  }
}

/** Asks the next unanswered question of the flow, or the confirmation when none is left. */
export async function advance(state: ConversationState, ports: ConversationPorts) {
  const flow = await flowOf(state, ports);
  if (!flow) return handOver(state, "not_understood");
  const next = flow.questions.find((q) => !isAnswered(q, state.draft));
  if (!next)
    return {
      state: { ...state, step: "confirm" as const, retries: 0 },
      effects: [await summary(state, ports)],
    };
  return {
    state: { ...state, step: "question" as const },
    effects: [ask(next, state.locale, ports.channel)],
  };
}

function ask(question: Question, locale: ConversationLocale, channel: ConversationPorts["channel"]): Effect {
  // SMS has its own shorter wording where the flow gives one, and the phone its spoken one.
  const text = promptOf(
    question,
    locale,
    channel === "sms" ? "sms" : channel === "phone" ? "voice" : "default",
  );
  const choices: ReplyChoice[] | undefined =
    question.answer === "yes_no"
      ? [
          { id: "yes", titleKey: "conversation.choice_yes" },
          { id: "no", titleKey: "conversation.choice_no" },
        ]
      : question.choices?.map((c) => ({ id: c.id, title: c.title[locale] ?? c.title["pt-BR"] }));
  const skip = !question.required ? [{ id: "skip", titleKey: "conversation.choice_skip" }] : [];
  return reply("conversation.question", {
    params: { question: text },
    choices: choices || skip.length > 0 ? [...(choices ?? []), ...skip] : undefined,
    requestLocation: question.answer === "location" ? true : undefined,
  });
}

async function currentQuestion(
  state: ConversationState,
  ports: ConversationPorts,
): Promise<{ question: Question | undefined; retries: number | undefined }> {
  const flow = await flowOf(state, ports);
  return { question: flow?.questions.find((q) => !isAnswered(q, state.draft)), retries: flow?.retries };
}

export async function answerQuestion(
  state: ConversationState,
  content: InboundContent,
  ports: ConversationPorts,
) {
  const { question, retries } = await currentQuestion(state, ports);
  if (!question) return advance(state, ports);
  const text = textOf(content);
  const skipped =
    content.kind === "choice"
      ? content.id === "skip"
      : text !== undefined && /^(pular|pula|skip|saltar|nao tenho|no tengo)$/.test(fold(text));
  if (skipped && !question.required) {
    return advance(
      { ...state, draft: { ...state.draft, done: [...state.draft.done, question.id] }, retries: 0 },
      ports,
    );
  }
  const draft = await applyAnswer(question, content, state.draft, ports);
  if (draft === "outside")
    return retry(state, "conversation.outside_city", { requestLocation: true }, retries);
  if (!draft)
    return retry(
      state,
      question.answer === "location" ? "conversation.place_again" : "conversation.answer_again",
      {
        choices: (ask(question, state.locale, ports.channel) as { choices?: ReplyChoice[] }).choices,
        requestLocation: question.answer === "location" || undefined,
      },
      retries,
    );
  return advance({ ...state, draft: { ...draft, done: [...draft.done, question.id] }, retries: 0 }, ports);
}

/** The draft with the answer in it; null when the answer does not fit the question; "outside" off the city. */
async function applyAnswer(
  question: Question,
  content: InboundContent,
  draft: Draft,
  ports: ConversationPorts,
): Promise<Draft | null | "outside"> {
  const text = textOf(content);
  const target = question.target;
  switch (target.kind) {
    case "place": {
      const place =
        content.kind === "location"
          ? await ports.placeOfPoint(content.lat, content.lon)
          : text !== undefined
            ? await ports.locate(text)
            : null;
      if (!place) return content.kind === "location" ? "outside" : null;
      return { ...draft, place };
    }
    case "photo":
      return content.kind === "media" && content.media === "image"
        ? { ...draft, photos: [...draft.photos, content.ref] }
        : null;
    case "contact": {
      const contact = contactIn(text ?? "");
      return contact ? { ...draft, contact } : null;
    }
    case "anonymity": {
      const yes =
        content.kind === "choice" ? content.id === "yes" : text !== undefined ? yesOrNo(text) : undefined;
      return yes === undefined ? null : { ...draft, anonymous: yes };
    }
    case "attribute": {
      const value = attributeValue(question, content);
      return value === undefined ? null : { ...draft, answers: { ...draft.answers, [target.code]: value } };
    }
  }
}

/** An extra field's answer in its datatype: a choice's key (by button, number or name), a number, a text. */
function attributeValue(question: Question, content: InboundContent): string | number | string[] | undefined {
  const choices = question.choices ?? [];
  const target = question.target as Extract<Question["target"], { kind: "attribute" }>;
  const text = textOf(content);
  if (question.answer === "choice") {
    const byId = content.kind === "choice" ? choices.find((c) => c.id === content.id) : undefined;
    const picks = (text ?? "").split(/[,;e\s]+/).filter(Boolean);
    const byNumber = picks
      .map((p) => pickedNumber(p, choices.length))
      .filter((n): n is number => n !== undefined);
    const byName =
      text === undefined
        ? undefined
        : choices.find((c) => Object.values(c.title).some((t) => t && fold(t) === fold(text)));
    const keys = byId ? [byId.id] : byName ? [byName.id] : byNumber.map((n) => choices[n - 1]!.id);
    if (keys.length === 0) return undefined;
    return target.datatype === "multivaluelist" ? keys : keys[0];
  }
  if (text === undefined || text.trim() === "") return undefined;
  if (question.answer === "digits") {
    const n = Number(text.replace(/\s/g, "").replace(",", "."));
    return Number.isFinite(n) && passesRules(question.rules, n) ? n : undefined;
  }
  const value = text.trim().slice(0, 2000);
  return passesRules(question.rules, value) ? value : undefined;
}

/** The confirmation: what will be filed, in one message. */
async function summary(state: ConversationState, ports: ConversationPorts): Promise<Effect> {
  const service = state.draft.service ? await ports.service(state.draft.service) : null;
  const name = service ? (service.name[state.locale] ?? service.name["pt-BR"]) : "";
  return reply(state.draft.anonymous ? "conversation.confirm_anonymous" : "conversation.confirm", {
    params: {
      service: name,
      place: state.draft.place?.label ?? "—",
      photos: state.draft.photos.length,
      description: state.draft.description ?? "",
    },
    choices: [
      { id: "yes", titleKey: "conversation.choice_confirm" },
      { id: "no", titleKey: "conversation.choice_change" },
    ],
  });
}

/** An e-mail address or a phone number (10 to 13 digits, Brazilian or with the country code) in an answer. */
export function contactIn(text: string): { email: string } | { phone: string } | undefined {
  const email = /[^\s@<>,;]+@[^\s@<>,;]+\.[a-z]{2,}/i.exec(text)?.[0];
  if (email) return { email: email.toLowerCase() };
  const digits = text.replace(/[^\d+]/g, "");
  if (/^\+?\d{10,13}$/.test(digits)) return { phone: digits };
  return undefined;
}
