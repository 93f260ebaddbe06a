/**
 * A conversation flow: the questions asked, in order, to file a demand of one service once the service is known.
 * A flow is data — each question has a prompt per channel and language and the kind of answer it expects (text,
 * digits, choice, location, image, yes/no) — so the written channels and, later, the voice channel ask the same
 * questions. `defaultFlow` derives one for any service from what the catalogue says of it: its place rule, whether
 * it wants a photo, its required extra fields (Open311 attributes, in their order) and whether it may be anonymous.
 */
import type { LocalizedText, ServiceAttribute } from "../../domain/attributes.ts";
import { type Locale, translate } from "../i18n.ts";
import type { AnswerRules } from "./flow-definitions.ts";

/** The languages a conversation runs in: the city's three. */
export type ConversationLocale = Locale;

/** Where an answer goes in the demand being filed. */
export type QuestionTarget =
  | { kind: "place" }
  | { kind: "photo" }
  | { kind: "attribute"; code: string; datatype: ServiceAttribute["datatype"] }
  | { kind: "anonymity" }
  /** An e-mail or phone to answer on, where the channel's own address reaches nobody (the portal's chat). */
  | { kind: "contact" };

/** The kind of answer a question expects: also what a voice prompt asks for (digits by keypad, say a choice …). */
export type AnswerKind = "text" | "digits" | "choice" | "location" | "image" | "yes_no";

/** One question of a flow. */
export interface Question {
  /** Stable within the flow: "place", "photo", "attribute:<code>", "anonymity". */
  id: string;
  answer: AnswerKind;
  target: QuestionTarget;
  required: boolean;
  /** The prompt on written channels, and where a channel needs its own wording (voice, sms). */
  prompts: { default: LocalizedText; voice?: LocalizedText | undefined; sms?: LocalizedText | undefined };
  /** The choices of a `choice` question: `id` is what is stored, `title` what the citizen reads. */
  choices?: { id: string; title: LocalizedText }[] | undefined;
  /** What a text or number answer must be (a written flow's checks: flow-definitions.ts). */
  rules?: AnswerRules | undefined;
}

/** What a flow needs to know of a service. */
export interface FlowService {
  code: string;
  name: LocalizedText;
  locationRequired: boolean;
  anonymousAllowed: boolean;
  /** The service asks for a photo (evidence of a hole, of rubbish left). */
  wantsPhoto: boolean;
  attributes: readonly ServiceAttribute[];
}

/** A flow: the service it files and its questions in order. */
export interface Flow {
  service: string;
  questions: Question[];
  /** Wrong answers to one question before a person is offered; unset: the engine's default. */
  retries?: number | undefined;
}

/** The same key in the three languages. */
export function texts(key: string, params: Record<string, string> = {}): LocalizedText {
  return {
    "pt-BR": translate("pt-BR", key, params),
    en: translate("en", key, params),
    es: translate("es", key, params),
  };
}

/** The question for one extra field, in the kind of answer its datatype takes. */
export function attributeQuestion(attribute: ServiceAttribute): Question {
  const list = attribute.datatype === "singlevaluelist" || attribute.datatype === "multivaluelist";
  return {
    id: `attribute:${attribute.code}`,
    answer: list ? "choice" : attribute.datatype === "number" ? "digits" : "text",
    target: { kind: "attribute", code: attribute.code, datatype: attribute.datatype },
    required: attribute.required,
    prompts: { default: attribute.description },
    choices: list ? attribute.values.map((v) => ({ id: v.key, title: v.name })) : undefined,
  };
}

/**
 * The flow of a service as the catalogue describes it: the place (when the service needs one), a photo (when it
 * wants one; "pular" skips it), each required extra field in its order, then whether to stay anonymous (when
 * allowed), and an e-mail or phone to answer on where the channel's address reaches nobody (`askContact`: the
 * portal's chat). Optional extra fields are not asked in a chat: the citizen's first message already said the rest.
 */
export function defaultFlow(service: FlowService, options: { askContact?: boolean } = {}): Flow {
  const questions: Question[] = [];
  if (service.locationRequired) {
    questions.push({
      id: "place",
      answer: "location",
      target: { kind: "place" },
      required: true,
      prompts: { default: texts("conversation.ask_place"), voice: texts("conversation.ask_place_voice") },
    });
  }
  if (service.wantsPhoto) {
    questions.push({
      id: "photo",
      answer: "image",
      target: { kind: "photo" },
      required: false,
      prompts: { default: texts("conversation.ask_photo"), voice: texts("conversation.ask_photo_voice") },
    });
  }
  for (const attribute of [...service.attributes].sort((a, b) => a.order - b.order)) {
    if (attribute.required) questions.push(attributeQuestion(attribute));
  }
  if (service.anonymousAllowed) {
    questions.push({
      id: "anonymity",
      answer: "yes_no",
      target: { kind: "anonymity" },
      required: true,
      prompts: {
        default: texts("conversation.ask_anonymity"),
        voice: texts("conversation.ask_anonymity_voice"),
      },
    });
  }
  if (options.askContact) {
    questions.push({
      id: "contact",
      answer: "text",
      target: { kind: "contact" },
      required: true,
      prompts: { default: texts("conversation.ask_contact") },
    });
  }
  return { service: service.code, questions };
}

/** The prompt of a question for a channel and language (the channel's own wording when it has one). */
export function promptOf(
  question: Question,
  locale: ConversationLocale,
  channel: "default" | "voice" | "sms",
): string {
  const prompt = (channel !== "default" ? question.prompts[channel] : undefined) ?? question.prompts.default;
  return prompt[locale] ?? prompt["pt-BR"];
}
