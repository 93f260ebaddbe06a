/**
 * A questionnaire asked on a call (issue 18, citizen auditors): which questions a keypad can answer, the next one to
 * ask given the answers so far (the same skip logic as the tablet's), and an answer read from the keys pressed or the
 * words said. Pure: the server's call flow (server/auditors/call-flow.ts) speaks it as TwiML.
 */
import { digitsHeard } from "./ivr.ts";
import {
  type AnswerSet,
  type AnswerValue,
  nextAskedQuestion,
  type Question,
  type QuestionnaireDefinition,
} from "./questionnaire.ts";

/** The question types a keypad answers: yes or no, a 1–5 scale, one choice by its key, a number. */
export const VOICE_TYPES = ["yes_no", "scale", "single_choice", "number"] as const;

/**
 * The question types answered by speaking after the beep (TwiML `<Record>`): the recording is kept for a person to
 * review, who writes a text answer down; an audio question's answer is the recording itself.
 */
export const RECORDED_TYPES = ["text", "audio"] as const;

/** Whether a call answers this question with a recording rather than keys. */
export function isRecordedByVoice(question: Question): boolean {
  return (RECORDED_TYPES as readonly string[]).includes(question.type);
}

/** Whether a call can ask this question: by keys, or by a recording kept for review. */
export function isAskableByVoice(question: Question): boolean {
  return (VOICE_TYPES as readonly string[]).includes(question.type) || isRecordedByVoice(question);
}

/**
 * The required questions a call cannot ask (a photo, a location, several choices): a version with any cannot be answered on a call,
 * and a call is not planned with it.
 */
export function unaskableRequired(definition: QuestionnaireDefinition): string[] {
  return definition.questions.filter((q) => q.required && !isAskableByVoice(q)).map((q) => q.name);
}

/**
 * The next question to ask: asked given the answers (skip logic), askable by voice, neither answered nor skipped
 * (`skipped` also holds the questions answered by a recording).
 */
export function nextVoiceQuestion(
  definition: QuestionnaireDefinition,
  answers: AnswerSet,
  skipped: readonly string[],
): Question | undefined {
  return nextAskedQuestion(definition, answers, skipped, isAskableByVoice);
}

/** The keypad key of each choice of a single-choice question: its own `key`, else its position (1…9). */
export function choiceKeys(question: Question): { key: string; value: string; label: Question["label"] }[] {
  return (question.choices ?? []).map((c, i) => ({
    key: c.key ?? String(i + 1),
    value: c.value,
    label: c.label,
  }));
}

const YES = new Set(["sim", "yes", "si", "sí", "claro", "passou", "certo"]);
const NO = new Set(["nao", "não", "no", "nunca"]);

const words = (speech: string) =>
  speech
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^a-z]+/)
    .filter(Boolean);

/**
 * The answer the keys (`digits`) or the words (`speech`) give to `question`, or undefined when they give none it
 * takes: yes_no 1 (or "sim") / 2 (or "não"); scale 1–5; single_choice a choice's key; number the digits typed,
 * within the question's min and max.
 */
export function voiceAnswer(
  question: Question,
  input: { digits?: string | undefined; speech?: string | undefined },
): AnswerValue | undefined {
  const digits = (input.digits ?? "").replace(/[#*]/g, "") || digitsHeard(input.speech ?? "") || "";
  switch (question.type) {
    case "yes_no": {
      if (digits === "1") return true;
      if (digits === "2") return false;
      const said = words(input.speech ?? "");
      if (said.some((w) => NO.has(w))) return false;
      if (said.some((w) => YES.has(w))) return true;
      return undefined;
    }
    case "scale": {
      const n = Number(digits);
      return digits.length === 1 && n >= 1 && n <= 5 ? n : undefined;
    }
    case "single_choice":
      return choiceKeys(question).find((c) => c.key === digits)?.value;
    case "number": {
      if (!/^\d{1,9}$/.test(digits)) return undefined;
      const n = Number(digits);
      const { min, max } = question.constraint ?? {};
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) return undefined;
      return n;
    }
    default:
      return undefined;
  }
}
