/**
 * Answers that close a demand but say nothing are refused wherever a citizen is answered: a template left with its
 * placeholders ({data}, [equipe], <nome>, XXX), the known bureaucratic non-answers of non-answers.json ("… foi
 * recebida e encaminhada ao setor responsável para as providências cabíveis") in pt-BR, en and es, and the short
 * generic closings ("Resolvido.") of domain/status.ts. Matching ignores accents, case and punctuation.
 */
import { isSubstantiveAnswer } from "../../domain/status.ts";
import { AppError } from "../errors.ts";
import data from "./non-answers.json" with { type: "json" };

/** What is wrong with an answer: the placeholders left, the empty phrase it rests on, or that it is too generic. */
export type AnswerProblem =
  | { code: "unfilled_placeholder"; placeholders: string[] }
  | { code: "non_answer"; phrase: string }
  | { code: "generic_answer" };

interface Language {
  nonAnswers: RegExp[];
  fillers: RegExp[];
  emptyWords: Set<string>;
}

// A space in a pattern stands for any run of spaces (all punctuation is a space once normalised).
const compile = (pattern: string) =>
  new RegExp(`(?<![a-z0-9])${pattern.replaceAll(" ", " +")}(?![a-z0-9])`, "g");

const LANGUAGES: Language[] = Object.values(data.languages).map((l) => ({
  nonAnswers: l.nonAnswers.map(compile),
  fillers: l.fillers.map(compile),
  emptyWords: new Set(l.emptyWords),
}));
const EMPTY_WORDS = new Set(LANGUAGES.flatMap((l) => [...l.emptyWords]));

/**
 * Lower case without accents, every other character a space, ONE character for one character of the text: a match
 * in the normalised text is at the same place in the original, so the refusal quotes the person's own words.
 */
export function normaliseAnswer(text: string): string {
  let out = "";
  for (const c of text) {
    const plain = c
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
    const first = plain[0] ?? " ";
    // An astral character is two UTF-16 units in `text`: it becomes two spaces.
    out += (/[a-z0-9]/.test(first) ? first : " ").padEnd(c.length, " ");
  }
  return out;
}

// {data}, {{data}}, [nome da equipe], <data>, XXX, XX/XX/XXXX, ___ and %data%: what templates leave to fill in.
const PLACEHOLDERS = [
  /\{\{?[^{}\n]{1,80}\}\}?/g,
  /\[[^[\]\n]*\p{L}[^[\]\n]*\]/gu,
  /<(?!\/?(?:br|p|b|i|u|em|strong|span|div|a)\b)[\p{L}_][\p{L} _.-]{1,58}>/gu,
  /(?<![\p{L}\d])[xX]{2}\/[xX]{2}(?:\/[xX]{2,4})?(?![\p{L}\d])/gu,
  /(?<![\p{L}\d])(?:XXX+|xxx+)(?![\p{L}\d])/gu,
  /_{3,}/g,
  /%[\p{L}_]{2,40}%/gu,
];

/** The placeholders a template left in a text, in order, each once. */
export function findPlaceholders(text: string): string[] {
  const found: { at: number; text: string }[] = [];
  for (const pattern of PLACEHOLDERS) {
    for (const m of text.matchAll(pattern)) found.push({ at: m.index, text: m[0] });
  }
  found.sort((a, b) => a.at - b.at || b.text.length - a.text.length);
  // "XX/XX/XXXX" is one placeholder, not also its "XXXX": a match inside an earlier one is left out.
  let end = -1;
  const whole = found.filter((f) => {
    if (f.at < end) return false;
    end = f.at + f.text.length;
    return true;
  });
  return [...new Set(whole.map((f) => f.text))];
}

/** Blanks every match of the patterns in `text` (the same length stays), calling `seen` with each match. */
function blank(
  text: string,
  patterns: RegExp[],
  seen: (at: number, length: number) => void = () => {},
): string {
  let out = text;
  for (const pattern of patterns) {
    out = out.replace(pattern, (match: string, ...rest: unknown[]) => {
      const at = rest.find((r) => typeof r === "number") as number;
      seen(at, match.length);
      return " ".repeat(match.length);
    });
  }
  return out;
}

/**
 * The known non-answer a text rests on, quoted from the text, or null. A text that has one is still an answer when,
 * once the non-answers and the fillers (greetings, "informamos que", thanks, closings and signature) are taken out,
 * it keeps at least `minContentWords` words of its own: "foi encaminhada… a equipe tapou o buraco" passes.
 */
export function findNonAnswer(text: string): string | null {
  let plain = normaliseAnswer(text);
  const spans: { at: number; end: number }[] = [];
  for (const language of LANGUAGES) {
    plain = blank(plain, language.nonAnswers, (at, length) => spans.push({ at, end: at + length }));
  }
  if (spans.length === 0) return null;
  for (const language of LANGUAGES) plain = blank(plain, language.fillers);
  const words = new Set(plain.split(" ").filter((w) => /^[a-z]{3,}$/.test(w) && !EMPTY_WORDS.has(w)));
  if (words.size >= data.minContentWords) return null;
  // The first run of non-answers, quoted whole: "recebida" and "encaminhada ao setor…" side by side are one phrase.
  spans.sort((a, b) => a.at - b.at);
  const run = { ...spans[0]! };
  for (const s of spans.slice(1)) {
    if (s.at > run.end && plain.slice(run.end, s.at).trim() !== "") break;
    run.end = Math.max(run.end, s.end);
  }
  const phrase = text.slice(run.at, run.end).trim();
  return phrase.length > 160 ? `${phrase.slice(0, 159)}…` : phrase;
}

/**
 * What is wrong with an answer to a citizen, or null when it says something. `substantive` (on by default) also
 * asks for the length and variety of domain/status.ts; a cancellation's short reason ("Duplicada de …") skips it.
 */
export function findAnswerProblem(
  text: string,
  options: { substantive?: boolean } = {},
): AnswerProblem | null {
  const placeholders = findPlaceholders(text);
  if (placeholders.length > 0) return { code: "unfilled_placeholder", placeholders };
  const phrase = findNonAnswer(text);
  if (phrase) return { code: "non_answer", phrase };
  if ((options.substantive ?? true) && !isSubstantiveAnswer(text)) return { code: "generic_answer" };
  return null;
}

/** The 422 problem of an answer's problem, naming the field and what is wrong in it. */
export function answerProblemError(problem: AnswerProblem, field: string): AppError {
  const params: Record<string, string> =
    problem.code === "unfilled_placeholder"
      ? { placeholders: problem.placeholders.slice(0, 5).join(", ") }
      : problem.code === "non_answer"
        ? { phrase: problem.phrase }
        : {};
  return new AppError(422, problem.code, params, [{ field, code: problem.code, params }]);
}

/** Throws the 422 problem when a text meant for the citizen says nothing (see findAnswerProblem). */
export function assertAnswerSaysSomething(
  text: string,
  field: string,
  options: { substantive?: boolean } = {},
): void {
  const problem = findAnswerProblem(text, options);
  if (problem) throw answerProblemError(problem, field);
}
