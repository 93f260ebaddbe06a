/**
 * A questionnaire asked in a written conversation (issue 18: citizen auditors who chose WhatsApp or SMS): which
 * questions a chat can ask, the next one by the skip logic, its choices as buttons, and the answer read from what
 * the person sent — a button, a number typed for it, words, a shared location. Pure: the conversation engine
 * (server/conversations/auditor-survey.ts) asks it.
 */
import {
  type AnswerSet,
  type AnswerValue,
  nextAskedQuestion,
  type Question,
  type QuestionnaireDefinition,
} from "./questionnaire.ts";

/** The question types a chat answers (a photo or an audio is asked on the tablet or the call, not here). */
export const CHAT_TYPES = [
  "yes_no",
  "scale",
  "single_choice",
  "multiple_choice",
  "number",
  "text",
  "location",
];

export const isAskableByChat = (q: Question) => CHAT_TYPES.includes(q.type);

/** The next question to ask: asked given the answers (skip logic), askable in a chat, neither answered nor skipped. */
export function nextChatQuestion(
  definition: QuestionnaireDefinition,
  answers: AnswerSet,
  skipped: readonly string[],
): Question | undefined {
  return nextAskedQuestion(definition, answers, skipped, isAskableByChat);
}

/** The buttons of a question: yes/no, 1–5, or its choices (ids `yes`, `no`, `scale:N`, `choice:VALUE`). */
export function chatChoices(q: Question, lang: string): { id: string; title: string }[] | undefined {
  const label = (l: Record<string, string | undefined>) => l[lang] ?? l["pt-BR"] ?? "";
  if (q.type === "scale") return [1, 2, 3, 4, 5].map((n) => ({ id: `scale:${n}`, title: String(n) }));
  if (q.type === "single_choice")
    return (q.choices ?? []).map((c) => ({ id: `choice:${c.value}`, title: label(c.label) }));
  return undefined;
}

/** What the person sent, as the engine sees it. */
export type ChatInput =
  | { kind: "text"; text: string }
  | { kind: "choice"; id: string }
  | { kind: "location"; lat: number; lon: number }
  | { kind: "other" };

const fold = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
const YES = /^(1|s|sim|yes|y|si|claro|passou|certo)\b/;
const NO = /^(2|n|nao|no|nunca)\b/;

/** The answer `input` gives to `q`, or undefined when it gives none `q` takes. */
export function chatAnswer(q: Question, input: ChatInput): AnswerValue | undefined {
  const id = input.kind === "choice" ? input.id : undefined;
  const text = input.kind === "text" ? fold(input.text) : undefined;
  switch (q.type) {
    case "yes_no":
      if (id === "yes" || (text !== undefined && YES.test(text))) return true;
      if (id === "no" || (text !== undefined && NO.test(text))) return false;
      return undefined;
    case "scale": {
      const n = Number(id?.startsWith("scale:") ? id.slice(6) : text);
      return Number.isInteger(n) && n >= 1 && n <= 5 ? n : undefined;
    }
    case "single_choice": {
      const choices = q.choices ?? [];
      if (id?.startsWith("choice:")) return choices.find((c) => c.value === id.slice(7))?.value;
      const n = Number(text);
      if (Number.isInteger(n) && n >= 1 && n <= choices.length) return choices[n - 1]!.value;
      return choices.find((c) => Object.values(c.label).some((l) => l && fold(l) === text))?.value;
    }
    case "multiple_choice": {
      const choices = q.choices ?? [];
      const picked = (text ?? "")
        .split(/[^0-9]+/)
        .filter(Boolean)
        .map(Number);
      if (picked.length === 0 || picked.some((n) => n < 1 || n > choices.length)) return undefined;
      const values = [...new Set(picked)].map((n) => choices[n - 1]!.value);
      const { min, max } = q.constraint ?? {};
      if ((min !== undefined && values.length < min) || (max !== undefined && values.length > max))
        return undefined;
      return values;
    }
    case "number": {
      const n = Number((text ?? "").replace(",", "."));
      if (text === undefined || text === "" || !Number.isFinite(n)) return undefined;
      const { min, max, integer } = q.constraint ?? {};
      if (
        (integer && !Number.isInteger(n)) ||
        (min !== undefined && n < min) ||
        (max !== undefined && n > max)
      )
        return undefined;
      return n;
    }
    case "text": {
      const words = input.kind === "text" ? input.text.trim() : "";
      return words && words.length <= (q.constraint?.maxLength ?? 2000) ? words : undefined;
    }
    case "location":
      return input.kind === "location" ? { lat: input.lat, lng: input.lon } : undefined;
    default:
      return undefined;
  }
}
