/**
 * The one questionnaire model (issue 17): the same questions asked on an inspector's tablet, by an automated call and
 * by WhatsApp. Pure: no I/O. A version's definition is stored as JSON (questionnaire_versions.definition) and read
 * back through `parseDefinition`; the server checks every response against it with `checkResponse`, and the tablet
 * runs the same skip logic and constraints offline.
 */

/** The languages every text of a questionnaire may have; pt-BR is always present. */
export const QUESTIONNAIRE_LOCALES = ["pt-BR", "en", "es"] as const;
export type QuestionnaireLocale = (typeof QUESTIONNAIRE_LOCALES)[number];

/** A text in the city's languages: pt-BR always, en and es when translated (pt-BR is shown in their place). */
export type LocalText = { "pt-BR": string } & Partial<Record<"en" | "es", string>>;

/** The kinds of question. */
export const QUESTION_TYPES = [
  "yes_no",
  "scale", // 1 (very bad) … 5 (very good)
  "single_choice",
  "multiple_choice",
  "number",
  "text",
  "photo",
  "audio",
  "location",
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** The channels a questionnaire is asked on, each with its own prompt when the screen's does not fit. */
export const ASKING_CHANNELS = ["screen", "voice", "chat"] as const;
export type AskingChannel = (typeof ASKING_CHANNELS)[number];

/** One choice of a choice question. */
export interface Choice {
  /** Stable value stored in answers ([a-z0-9_], as XLSForm's choice names). */
  value: string;
  label: LocalText;
  /** The keypad digit that picks it on a call (1–9); by default its position. */
  key?: string;
  /** How good this choice says the service is, 0 (bad) … 1 (good); a choice without it does not count in scores. */
  score?: number;
}

/**
 * A condition on earlier answers: the skip logic ("if no, ask why") and nothing else. A question whose `relevant`
 * is false is not asked and its answer, if any, is refused.
 */
export type Condition =
  | { question: string; op: "eq" | "ne"; value: string | number | boolean }
  | { question: string; op: "lt" | "le" | "gt" | "ge"; value: number }
  | { question: string; op: "selected"; value: string } // a multiple choice includes the value
  | { question: string; op: "answered" | "not_answered" }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** Limits on an answer beyond its type. */
export interface Constraint {
  /** number: the smallest and largest value; multiple_choice: the fewest and most choices; photo: the fewest/most photos. */
  min?: number;
  max?: number;
  /** number: whole numbers only. */
  integer?: boolean;
  /** text: the most characters. */
  maxLength?: number;
  /** The message shown when an answer breaks the constraint (XLSForm's constraint_message). */
  message?: LocalText;
}

/** One question. */
export interface Question {
  /** Its name, unique in the questionnaire ([a-z][a-z0-9_]*): the key of its answer. */
  name: string;
  type: QuestionType;
  /** The prompt on a screen (the tablet, the portal). */
  label: LocalText;
  /** The prompt read on a call and written in a chat, when the screen's does not fit ("Tecle 1 para sim…"). */
  prompts?: Partial<Record<Exclude<AskingChannel, "screen">, LocalText>>;
  hint?: LocalText;
  required?: boolean;
  choices?: Choice[];
  constraint?: Constraint;
  relevant?: Condition;
  /**
   * The service this question measures, by its code, in a questionnaire about a service group (one about a service
   * measures that service). Only scored questions need one.
   */
  service?: string;
  /**
   * Whether and how the answer scores the service: yes_no "yes_good" or "no_good"; scale and single_choice are
   * scored when this is set ("scale" maps 1…5 to 0…1; "choices" reads each choice's score). Unset: not scored.
   */
  scoring?: "yes_good" | "no_good" | "scale" | "choices";
}

/** A version's questions, in the order they are asked. */
export interface QuestionnaireDefinition {
  questions: Question[];
}

/**
 * The value of an answer, by question type: yes_no boolean; scale and number number; single_choice string;
 * multiple_choice string[]; text string; photo and audio string[] (SHA-256 of the files); location
 * { lat, lng, accuracy? }.
 */
export type AnswerValue =
  | boolean
  | number
  | string
  | string[]
  | { lat: number; lng: number; accuracy?: number };

/** A response's answers by question name; an unanswered question is absent. */
export type AnswerSet = Record<string, AnswerValue>;

/** Why a response or one of its answers is refused: a stable code, the question it concerns and the limit broken. */
export interface AnswerProblem {
  question?: string;
  code:
    | "unknown_question"
    | "required"
    | "wrong_type"
    | "not_a_choice"
    | "below_min"
    | "above_max"
    | "not_integer"
    | "too_long"
    | "not_relevant";
  limit?: number;
}

/** Why a definition is refused: where (a dotted path such as "questions.2.choices.0.value") and a stable code. */
export interface DefinitionProblem {
  path: string;
  code: string;
}

/** The bounds of a definition: a questionnaire is asked on a phone call too, so it stays short. */
export const DEFINITION_LIMITS = {
  questions: 200,
  choices: 100,
  name: 64,
  label: 1000,
  hint: 2000,
  choiceValue: 64,
  textAnswer: 10_000,
  conditionDepth: 8,
  conditionTerms: 50,
  files: 20,
} as const;

export { parseDefinition } from "./questionnaire-definition.ts";

const SHA256 = /^[0-9a-f]{64}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Whether an answer counts as given: present and not empty. */
function isGiven(value: AnswerValue | undefined): value is AnswerValue {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** The relevance of every question, in order: a question's condition only reads questions before it. */
function relevanceOf(
  definition: QuestionnaireDefinition,
  answers: AnswerSet,
  upTo?: Question,
): Map<string, boolean> {
  const relevant = new Map<string, boolean>();
  const given = (name: string) => relevant.get(name) === true && isGiven(answers[name]);
  const test = (c: Condition): boolean => {
    if ("all" in c) return c.all.every(test);
    if ("any" in c) return c.any.some(test);
    if ("not" in c) return !test(c.not);
    if (c.op === "not_answered") return !given(c.question);
    if (!given(c.question)) return false;
    const value = answers[c.question];
    switch (c.op) {
      case "answered":
        return true;
      case "eq":
        return value === c.value;
      case "ne":
        return value !== c.value;
      case "selected":
        return Array.isArray(value) ? value.includes(c.value) : value === c.value;
      default: {
        if (typeof value !== "number" || !("value" in c)) return false;
        const v = c.value as number;
        return c.op === "lt"
          ? value < v
          : c.op === "le"
            ? value <= v
            : c.op === "gt"
              ? value > v
              : value >= v;
      }
    }
  };
  for (const q of definition.questions) {
    relevant.set(q.name, q.relevant === undefined || test(q.relevant));
    if (q === upTo) break;
  }
  return relevant;
}

/**
 * Whether a question is asked given the answers so far (skip logic). A condition on a question that is unanswered
 * or itself not asked is false, except `not_answered`, which is then true.
 */
export function isRelevant(
  definition: QuestionnaireDefinition,
  question: Question,
  answers: AnswerSet,
): boolean {
  if (question.relevant === undefined) return true;
  return relevanceOf(definition, answers, question).get(question.name) ?? false;
}

/** The questions asked given the answers so far, in order: what a screen shows and a call reads. */
export function askedQuestions(definition: QuestionnaireDefinition, answers: AnswerSet): Question[] {
  const relevant = relevanceOf(definition, answers);
  return definition.questions.filter((q) => relevant.get(q.name));
}

/**
 * The next question a channel asks: asked given the answers (skip logic), one the channel can ask, neither
 * answered nor in `done` (skipped, or answered another way).
 */
export function nextAskedQuestion(
  definition: QuestionnaireDefinition,
  answers: AnswerSet,
  done: readonly string[],
  askable: (question: Question) => boolean,
): Question | undefined {
  return askedQuestions(definition, answers).find(
    (q) => askable(q) && !(q.name in answers) && !done.includes(q.name),
  );
}

/** The problem of one given answer against its question's type and constraint, if any. */
function answerProblem(q: Question, value: AnswerValue): Omit<AnswerProblem, "question"> | undefined {
  const c = q.constraint ?? {};
  const bounds = (n: number, min = c.min, max = c.max) =>
    min !== undefined && n < min
      ? { code: "below_min" as const, limit: min }
      : max !== undefined && n > max
        ? { code: "above_max" as const, limit: max }
        : undefined;
  const wrong = { code: "wrong_type" as const };
  const isStrings = (v: AnswerValue): v is string[] =>
    Array.isArray(v) && v.every((x) => typeof x === "string");
  switch (q.type) {
    case "yes_no":
      return typeof value === "boolean" ? undefined : wrong;
    case "scale":
      if (!isFiniteNumber(value)) return wrong;
      if (!Number.isInteger(value)) return { code: "not_integer" };
      return bounds(value, 1, 5);
    case "number":
      if (!isFiniteNumber(value)) return wrong;
      if (c.integer && !Number.isInteger(value)) return { code: "not_integer" };
      return bounds(value);
    case "text":
      if (typeof value !== "string") return wrong;
      return value.length > (c.maxLength ?? DEFINITION_LIMITS.textAnswer)
        ? { code: "too_long", limit: c.maxLength ?? DEFINITION_LIMITS.textAnswer }
        : undefined;
    case "single_choice":
      if (typeof value !== "string") return wrong;
      return q.choices?.some((x) => x.value === value) ? undefined : { code: "not_a_choice" };
    case "multiple_choice":
      if (!isStrings(value) || new Set(value).size !== value.length) return wrong;
      if (!value.every((v) => q.choices?.some((x) => x.value === v))) return { code: "not_a_choice" };
      return bounds(value.length);
    case "photo":
    case "audio":
      if (!isStrings(value) || !value.every((v) => SHA256.test(v))) return wrong;
      return bounds(value.length, c.min, Math.min(c.max ?? DEFINITION_LIMITS.files, DEFINITION_LIMITS.files));
    case "location": {
      if (!isObject(value)) return wrong;
      const { lat, lng, accuracy } = value as Record<string, unknown>;
      const ok =
        isFiniteNumber(lat) &&
        isFiniteNumber(lng) &&
        Math.abs(lat) <= 90 &&
        Math.abs(lng) <= 180 &&
        (accuracy === undefined || (isFiniteNumber(accuracy) && accuracy >= 0));
      return ok ? undefined : wrong;
    }
  }
}

/**
 * Checks a response's answers against its version: unknown questions, required questions that were asked but not
 * answered, values of the wrong type or outside the constraint, and answers to questions the skip logic did not ask.
 */
export function checkResponse(definition: QuestionnaireDefinition, answers: AnswerSet): AnswerProblem[] {
  const problems: AnswerProblem[] = [];
  const known = new Set(definition.questions.map((q) => q.name));
  for (const name of Object.keys(answers)) {
    if (!known.has(name)) problems.push({ question: name, code: "unknown_question" });
  }
  const relevant = relevanceOf(definition, answers);
  for (const q of definition.questions) {
    const value = answers[q.name];
    const given = isGiven(value);
    if (!relevant.get(q.name)) {
      if (value !== undefined) problems.push({ question: q.name, code: "not_relevant" });
    } else if (!given) {
      if (q.required) problems.push({ question: q.name, code: "required" });
    } else {
      const problem = answerProblem(q, value);
      if (problem) problems.push({ question: q.name, ...problem });
    }
  }
  return problems;
}

/** How good an answer says the service is, 0 (bad) … 1 (good), per the question's `scoring`; undefined if unscored. */
export function scoreAnswer(question: Question, value: AnswerValue): number | undefined {
  switch (question.scoring) {
    case "yes_good":
    case "no_good":
      if (typeof value !== "boolean") return undefined;
      return value === (question.scoring === "yes_good") ? 1 : 0;
    case "scale":
      return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 5
        ? (value - 1) / 4
        : undefined;
    case "choices":
      return typeof value === "string" ? question.choices?.find((c) => c.value === value)?.score : undefined;
    default:
      return undefined;
  }
}

/** The service a question measures: its own, else the questionnaire's (a questionnaire about one service). */
export function serviceOf(
  question: Question,
  questionnaireServiceCode: string | undefined,
): string | undefined {
  return question.service ?? questionnaireServiceCode;
}

/** A text in a locale, else in pt-BR. */
export function localText(text: LocalText, locale: QuestionnaireLocale): string {
  return (locale === "pt-BR" ? undefined : text[locale]) || text["pt-BR"];
}

/** What a channel asks: its own prompt when the question has one, else the screen's label, in the locale or pt-BR. */
export function promptOf(question: Question, channel: AskingChannel, locale: QuestionnaireLocale): string {
  const prompt = channel === "screen" ? undefined : question.prompts?.[channel];
  return localText(prompt ?? question.label, locale);
}
