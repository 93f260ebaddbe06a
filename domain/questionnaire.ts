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
export type AnswerValue = boolean | number | string | string[] | { lat: number; lng: number; accuracy?: number };

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
