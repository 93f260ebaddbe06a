/**
 * The conversation engine: one step per inbound message. Given a conversation's state (stored as JSON with the
 * conversation) and what the citizen sent, it returns the next state and what to do — replies (as locale keys with
 * parameters, choices and a location request), file the demand, hand over to a person, stop messages. It reads the
 * city through ports (the suggester, the geocoder, the catalogue, demands by protocol) and writes nothing itself:
 * the caller does the effects in the transaction that stores the new state, so a step is all or nothing. Every
 * written channel runs it; the words that work anywhere ("SAIR", "atendente", "voltar", "cancelar", a protocol
 * number) come first (intents.ts).
 */
import type { InboundContent } from "../../channels/channel.ts";
import { answerAuditor, auditorIntent, startAuditor } from "./auditor-enrol.ts";
import { answerAuditorSurvey } from "./auditor-survey.ts";
import type { ConversationLocale } from "./flows.ts";
import {
  detectLocale,
  fold,
  followIntent,
  isBack,
  isCancel,
  isStop,
  pickedNumber,
  protocolCandidates,
  wantsPerson,
  yesOrNo,
} from "./intents.ts";
import { advance, answerQuestion } from "./questions.ts";
import {
  type ConversationPorts,
  type ConversationState,
  type Draft,
  type Effect,
  handOver,
  newConversation,
  type ReplyChoice,
  reply,
  retry,
  textOf,
} from "./state.ts";
import { answerSurvey, startSurvey } from "./survey.ts";

export type {
  ConversationPorts,
  ConversationState,
  DemandStatus,
  Draft,
  Effect,
  Place,
  Suggestion,
} from "./state.ts";
export { newConversation } from "./state.ts";

const GREETINGS = new Set([
  "oi",
  "ola",
  "bom dia",
  "boa tarde",
  "boa noite",
  "hello",
  "hi",
  "hola",
  "buenas",
  "buenos dias",
  "menu",
  "inicio",
  "comecar",
]);

/** Runs one inbound message through the conversation. */
export async function converse(
  state: ConversationState,
  typed: InboundContent,
  ports: ConversationPorts,
): Promise<{ state: ConversationState; effects: Effect[] }> {
  // A number answering a list of choices is that choice, whatever the channel showed (buttons or a numbered list).
  const shown = state.shown ?? [];
  const picked = typed.kind === "text" ? pickedNumber(typed.text, shown.length) : undefined;
  const content: InboundContent = picked !== undefined ? { kind: "choice", id: shown[picked - 1]! } : typed;
  const result = await step(state, content, ports);
  const lastChoices = [...result.effects]
    .reverse()
    .find((e): e is Extract<Effect, { kind: "reply" }> => e.kind === "reply" && e.choices !== undefined);
  return {
    state: { ...result.state, shown: lastChoices?.choices?.map((c) => c.id) },
    effects: result.effects,
  };
}

async function step(
  state: ConversationState,
  content: InboundContent,
  ports: ConversationPorts,
): Promise<{ state: ConversationState; effects: Effect[] }> {
  const text = textOf(content);
  const choice = content.kind === "choice" ? content.id : undefined;
  if (text !== undefined && isStop(text))
    return { state: newConversation(state.locale), effects: [{ kind: "opt_out" }] };
  if ((text !== undefined && wantsPerson(text)) || choice === "person") {
    return handOver(state, "asked");
  }
  if (state.step === "agent") return { state, effects: [] }; // a person is on it: the inbox shows the message
  if (text !== undefined && isCancel(text)) {
    return { state: newConversation(state.locale), effects: [reply("conversation.cancelled")] };
  }
  if (text !== undefined && !["idle", "auditor", "auditor_survey"].includes(state.step) && isBack(text))
    return back(state, ports);
  if (text !== undefined) {
    const asked = protocolCandidates(text);
    const follow = followIntent(text);
    if (!asked && follow && state.step === "idle") return followPlace(state, text, follow, ports);
    if (asked && follow) {
      if (!asked.candidates.includes(asked.typed))
        return { state, effects: [reply("conversation.status_typo", { params: { protocol: asked.typed } })] };
      return { state, effects: [{ kind: "follow", protocol: asked.typed, stop: follow === "unfollow" }] };
    }
    if (asked && (state.step === "idle" || state.step === "confirm" || /protocol/.test(fold(text)))) {
      return { state, effects: [await statusReply(asked.typed, asked.candidates, state.locale, ports)] };
    }
  }
  if (state.step === "idle") {
    const auditor = text !== undefined ? auditorIntent(text) : undefined;
    if (auditor) return startAuditor(state, auditor, ports);
    const surveyed = await startSurvey(state, content, ports);
    if (surveyed) return surveyed;
    // The department asked this citizen a question (demand.complement_requested): their next words answer it.
    const waiting = text !== undefined && text.trim() !== "" && (await ports.pendingComplement?.());
    if (waiting) {
      return {
        state,
        effects: [
          { kind: "complement", demandId: waiting.demandId, protocol: waiting.protocol, text: text.trim() },
        ],
      };
    }
  }
  switch (state.step) {
    case "survey":
      return answerSurvey(state, content);
    case "auditor":
      return answerAuditor(state, content, ports);
    case "auditor_survey":
      return answerAuditorSurvey(state, content, ports);
    case "idle":
      return start(state, content, ports);
    case "service":
      return chooseService(state, content, ports);
    case "question":
      return answerQuestion(state, content, ports);
    case "confirm":
      return confirm(state, content, ports);
  }
}

/** "seguir os pedidos da Rua Augusta, 1200": every public demand around that place, on this channel. */
async function followPlace(
  state: ConversationState,
  text: string,
  follow: "follow" | "unfollow",
  ports: ConversationPorts,
): Promise<{ state: ConversationState; effects: Effect[] }> {
  if (follow === "unfollow") return { state, effects: [{ kind: "follow_place" }] };
  const place = await ports.locate(text);
  if (place?.lat === undefined || place.lon === undefined)
    return { state, effects: [reply("conversation.follow_place_how")] };
  return {
    state,
    effects: [{ kind: "follow_place", place: { lat: place.lat, lon: place.lon, label: place.label } }],
  };
}

/** "e o protocolo 2026…?": the status of the demands this sender may see, or why none is shown. */
async function statusReply(
  typed: string,
  candidates: string[],
  locale: ConversationLocale,
  ports: ConversationPorts,
): Promise<Effect> {
  const found = candidates.length > 0 ? await ports.statusOf(candidates, locale) : [];
  if (found.length === 1) {
    const demand = found[0]!;
    return reply(demand.answer ? "conversation.status_answered" : "conversation.status", {
      params: {
        protocol: demand.protocol,
        service: demand.service,
        status: demand.status,
        answer: demand.answer ?? "",
      },
    });
  }
  if (found.length > 1) {
    return reply("conversation.status_which", {
      params: { protocols: found.map((d) => d.protocol).join(", ") },
    });
  }
  return reply(candidates.includes(typed) ? "conversation.status_not_found" : "conversation.status_typo", {
    params: { protocol: typed },
  });
}

/** The first message of a new demand: what (suggested services) and, when it says so, where. */
async function start(state: ConversationState, content: InboundContent, ports: ConversationPorts) {
  const draft: Draft = { ...state.draft };
  if (content.kind === "location") {
    draft.place = (await ports.placeOfPoint(content.lat, content.lon)) ?? undefined;
    if (!draft.place) return { state: { ...state, draft }, effects: [reply("conversation.outside_city")] };
    return { state: { ...state, draft }, effects: [reply("conversation.ask_what")] };
  }
  if (content.kind === "media") {
    if (content.media === "image") draft.photos = [...draft.photos, content.ref];
    return { state: { ...state, draft }, effects: [reply("conversation.ask_what")] };
  }
  const text = textOf(content);
  if (text === undefined || GREETINGS.has(fold(text))) {
    const locale = text === undefined ? state.locale : detectLocale(text);
    return { state: { ...state, locale }, effects: [reply("conversation.welcome")] };
  }
  const locale = state.draft.description ? state.locale : detectLocale(text);
  draft.description = draft.description ? `${draft.description}\n${text}` : text;
  const [offered, place] = await Promise.all([
    ports.suggest(draft.description, locale),
    draft.place ? Promise.resolve(draft.place) : ports.locate(text),
  ]);
  if (place) draft.place = place;
  const next: ConversationState = {
    ...state,
    locale,
    draft,
    offered: offered.slice(0, 3),
    step: "service",
    retries: 0,
  };
  if (next.offered.length === 0)
    return retry({ ...state, locale, draft }, "conversation.not_understood_what");
  return { state: next, effects: [serviceQuestion(next)] };
}

function serviceQuestion(state: ConversationState): Effect {
  return reply(state.offered.length === 1 ? "conversation.confirm_service" : "conversation.choose_service", {
    params: { service: state.offered[0]?.name ?? "" },
    choices: [
      ...state.offered.map((s) => ({ id: `service:${s.code}`, title: s.name })),
      { id: "person", titleKey: "conversation.choice_person" },
    ],
  });
}

async function chooseService(state: ConversationState, content: InboundContent, ports: ConversationPorts) {
  const text = textOf(content);
  let code: string | undefined;
  if (content.kind === "choice" && content.id.startsWith("service:"))
    code = content.id.slice("service:".length);
  else if (text !== undefined) {
    const n = pickedNumber(text, state.offered.length);
    const yes = yesOrNo(text);
    if (n !== undefined) code = state.offered[n - 1]?.code;
    else if (yes === true && state.offered.length >= 1) code = state.offered[0]!.code;
    else if (yes === false || text.length > 12) {
      // "não, é lixo na calçada": the citizen says it again in other words — suggest anew from all they said.
      return start({ ...state, step: "idle" }, content, ports);
    } else code = state.offered.find((s) => fold(s.name) === fold(text))?.code;
  }
  const service = code && state.offered.some((s) => s.code === code) ? await ports.service(code) : null;
  if (!service) return retry(state, "conversation.choose_service_again", { choices: serviceChoices(state) });
  const draft = { ...state.draft, service: service.code };
  return advance({ ...state, draft, retries: 0 }, ports);
}

const serviceChoices = (state: ConversationState): ReplyChoice[] =>
  state.offered.map((s) => ({ id: `service:${s.code}`, title: s.name }));

const CHANGES: ReplyChoice[] = [
  { id: "change:service", titleKey: "conversation.choice_change_service" },
  { id: "change:place", titleKey: "conversation.choice_change_place" },
  { id: "cancel", titleKey: "conversation.choice_cancel" },
];

async function confirm(state: ConversationState, content: InboundContent, ports: ConversationPorts) {
  const text = textOf(content);
  const id = content.kind === "choice" ? content.id : undefined;
  const yes = id === "yes" ? true : id === "no" ? false : text !== undefined ? yesOrNo(text) : undefined;
  const draft = state.draft;
  if (yes === true && draft.service && draft.description) {
    return {
      state: newConversation(state.locale),
      effects: [
        {
          kind: "file" as const,
          draft: { ...draft, service: draft.service, description: draft.description },
        },
      ],
    };
  }
  if (id === "cancel")
    return { state: newConversation(state.locale), effects: [reply("conversation.cancelled")] };
  if (id === "change:service")
    return start(
      { ...state, step: "idle", draft: { ...draft, service: undefined } },
      { kind: "text", text: draft.description ?? "" },
      ports,
    );
  if (id === "change:place" || content.kind === "location") {
    const cleared = {
      ...state,
      step: "question" as const,
      draft: { ...draft, place: undefined, done: draft.done.filter((d) => d !== "place") },
    };
    return content.kind === "location" ? answerQuestion(cleared, content, ports) : advance(cleared, ports);
  }
  // "não, é na rua de cima" / "é na Rua Augusta, 1300": a place named in a correction replaces the place.
  if (text !== undefined && yes !== true) {
    const place = await ports.locate(text);
    if (place) return advance({ ...state, draft: { ...draft, place } }, ports);
    if (/\b(rua|avenida|av|endereco|local|lugar|numero|esquina|praca|travessa)\b/.test(fold(text))) {
      return advance(
        {
          ...state,
          step: "question",
          draft: { ...draft, place: undefined, done: draft.done.filter((d) => d !== "place") },
        },
        ports,
      );
    }
  }
  if (yes === false) return { state, effects: [reply("conversation.what_to_change", { choices: CHANGES })] };
  return retry(state, "conversation.confirm_again", {
    choices: [{ id: "yes", titleKey: "conversation.choice_confirm" }, ...CHANGES],
  });
}

/** "voltar": undo the last answer and ask its question again (from the service choice, the suggestions again). */
async function back(state: ConversationState, ports: ConversationPorts) {
  const draft = { ...state.draft, done: [...state.draft.done] };
  const last = draft.done.pop();
  if (!last) {
    const restarted: ConversationState = {
      ...state,
      step: "service",
      draft: { ...draft, service: undefined },
      retries: 0,
    };
    return restarted.offered.length > 0
      ? { state: restarted, effects: [serviceQuestion(restarted)] }
      : { state: newConversation(state.locale), effects: [reply("conversation.welcome")] };
  }
  if (last === "place") draft.place = undefined;
  else if (last === "photo") draft.photos = [];
  else if (last === "anonymity") draft.anonymous = undefined;
  else if (last.startsWith("attribute:")) {
    const { [last.slice("attribute:".length)]: _dropped, ...answers } = draft.answers;
    draft.answers = answers;
  }
  return advance({ ...state, step: "question", draft, retries: 0 }, ports);
}
