/**
 * Flows written by the thematic managers (decision 0049): for one service, or for a service group (an Assunto or a
 * Tema) and so every service under it, the questions the assistant asks, in their order, with their own prompts per
 * language and channel, the checks an answer must pass, and how many times a citizen may answer wrong before a
 * person is offered. A definition only reorders, rewords and tightens: a question the catalogue makes required
 * (the place of a service that needs one, a required extra field, the contact on the portal's chat) is asked even
 * when the definition leaves it out, after the ones it names; a required extra field cannot be made optional.
 */
import { z } from "zod";
import { attributeQuestion, type Flow, type FlowService, type Question, texts } from "./flows.ts";

const Prompt = z.object({
  "pt-BR": z.string().trim().min(1).max(500),
  en: z.string().trim().min(1).max(500),
  es: z.string().trim().min(1).max(500),
});

/** What a text or number answer must be. */
export const AnswerRules = z
  .object({
    /** A regular expression the whole answer matches (JavaScript syntax, case-insensitive), e.g. a car plate. */
    pattern: z
      .string()
      .min(1)
      .max(200)
      .refine(
        (p) => {
          try {
            new RegExp(p, "iu");
            return true;
          } catch {
            return false;
          }
        },
        { message: "not a valid regular expression" },
      )
      // A repeated group that itself repeats ("(a+)+") can take exponential time on a citizen's text: refused.
      .refine((p) => !/\([^)]*[+*}][^)]*\)\s*[+*{]/.test(p), {
        message: "a repeated group that repeats inside is not allowed (it can be very slow)",
      })
      .optional(),
    minLength: z.number().int().min(1).max(2000).optional(),
    maxLength: z.number().int().min(1).max(2000).optional(),
    /** Bounds of a number answer. */
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();
export type AnswerRules = z.infer<typeof AnswerRules>;

/** One question of a written flow: what it asks (`ask`, and the extra field's `code`), and how. */
export const QuestionDefinition = z
  .object({
    ask: z.enum(["place", "photo", "attribute", "anonymity", "contact"]),
    /** The extra field (Open311 attribute code) an `attribute` question fills. */
    code: z.string().min(1).max(100).optional(),
    /** Optional questions offer "Pular"; unset: as the catalogue says (the place and the contact are required). */
    required: z.boolean().optional(),
    /** The prompt on written channels, in the three languages; unset: the default one. */
    prompt: Prompt.optional(),
    /** A shorter wording for SMS, and one for the voice channel. */
    sms: Prompt.optional(),
    voice: Prompt.optional(),
    rules: AnswerRules.optional(),
  })
  .strict()
  .refine((q) => (q.ask === "attribute") === (q.code !== undefined), {
    message: "code is given for an attribute question, and only then",
    path: ["code"],
  });
export type QuestionDefinition = z.infer<typeof QuestionDefinition>;

/** A flow as a manager writes it. */
export const FlowDefinition = z
  .object({
    questions: z.array(QuestionDefinition).min(1).max(20),
    /** Wrong answers to one question before a person is offered (one more hands the conversation over). */
    retries: z.number().int().min(0).max(5).default(2),
  })
  .strict()
  .refine((f) => new Set(f.questions.map(idOf)).size === f.questions.length, {
    message: "a question is named twice",
    path: ["questions"],
  });
export type FlowDefinition = z.infer<typeof FlowDefinition>;

/** The id a definition's question has in a flow ("place", "attribute:<code>" …). */
export function idOf(q: Pick<QuestionDefinition, "ask" | "code">): string {
  return q.ask === "attribute" ? `attribute:${q.code}` : q.ask;
}

/** The attribute codes a definition names that `service` does not have (refused when saved on a service). */
export function unknownAttributes(definition: FlowDefinition, service: FlowService): string[] {
  const codes = new Set(service.attributes.map((a) => a.code));
  return definition.questions.filter((q) => q.ask === "attribute" && !codes.has(q.code!)).map((q) => q.code!);
}

/**
 * The flow of `service` under a written definition: its questions in the definition's order, reworded and checked
 * as it says, each built on the default question of the same id (or on the service's extra field, for an optional
 * one the default flow leaves out); questions the service cannot take (a field it does not have, anonymity where
 * it is not allowed) dropped; then every required default question the definition left out.
 */
export function writtenFlow(base: Flow, service: FlowService, definition: FlowDefinition): Flow {
  const defaults = new Map(base.questions.map((q) => [q.id, q]));
  const questions: Question[] = [];
  for (const d of definition.questions) {
    const question = defaults.get(idOf(d)) ?? optionalQuestion(d, service);
    if (!question) continue;
    // A required extra field stays required; anything else may be made optional or required by the manager.
    const required =
      question.target.kind === "attribute" && question.required ? true : (d.required ?? question.required);
    questions.push({
      ...question,
      required: question.target.kind === "place" || question.target.kind === "contact" ? true : required,
      prompts: {
        default: d.prompt ?? question.prompts.default,
        voice: d.voice ?? question.prompts.voice,
        sms: d.sms ?? question.prompts.sms,
      },
      rules: d.rules,
    });
  }
  const named = new Set(questions.map((q) => q.id));
  for (const q of base.questions) if (q.required && !named.has(q.id)) questions.push(q);
  return { service: base.service, questions, retries: definition.retries };
}

/** A question the default flow does not ask but a definition may: an optional extra field, a photo. */
function optionalQuestion(d: QuestionDefinition, service: FlowService): Question | undefined {
  if (d.ask === "photo") {
    return {
      id: "photo",
      answer: "image",
      target: { kind: "photo" },
      required: false,
      prompts: { default: texts("conversation.ask_photo") },
    };
  }
  const attribute = d.ask === "attribute" ? service.attributes.find((a) => a.code === d.code) : undefined;
  return attribute ? attributeQuestion(attribute) : undefined;
}

/** Whether a text or number answer passes a question's rules. */
export function passesRules(rules: AnswerRules | undefined, value: string | number): boolean {
  if (!rules) return true;
  if (typeof value === "number") {
    return (rules.min === undefined || value >= rules.min) && (rules.max === undefined || value <= rules.max);
  }
  const length = [...value].length;
  if (rules.minLength !== undefined && length < rules.minLength) return false;
  if (rules.maxLength !== undefined && length > rules.maxLength) return false;
  if (rules.pattern !== undefined && !new RegExp(`^(?:${rules.pattern})$`, "iu").test(value)) return false;
  return true;
}
