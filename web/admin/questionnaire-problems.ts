/**
 * The server's problems with a questionnaire in words, by the path they name ("questions.2.choices.0.value"), so
 * each is shown beside its field: the definition's codes (domain/questionnaire.ts), the validator's, the import's.
 */
import type { AnswerProblem, Question } from "../../domain/questionnaire.ts";
import type { ApiProblem } from "../ui/api.ts";
import type { Translate } from "../ui/i18n.ts";
import { problemPath } from "./questionnaire-model.ts";

/**
 * A problem's code in words: ours for a definition's codes, else the server's own words for the field (`detail`,
 * e.g. an XLSForm row's), else the validator's (as the services' screens say them), else "invalid value".
 */
export function codeText(code: string, t: Translate, detail?: string): string {
  const own = `admin.questionnaires.problems.${code}`;
  const text = t(own);
  if (text !== own) return text;
  if (detail) return detail;
  const shared = `admin.services.problems.${code}`;
  const common = t(shared);
  return common === shared ? t("admin.services.problems.other") : common;
}

/** The server's own words for a field problem, when it sent them. */
export const detailOf = (f: { field: string; code: string }) => (f as { detail?: string }).detail;

/** Every field problem by path (the body's "definition." prefix taken off), two at one path joined. */
export function problemMap(problem: ApiProblem | null, t: Translate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of problem?.fields ?? []) {
    const path = problemPath(f.field);
    const text = codeText(f.code, t, detailOf(f));
    out[path] = out[path] && out[path] !== text ? `${out[path]} ${text}` : text;
  }
  return out;
}

/** The words for the problem at exactly `field`, if the server named it. */
export function problemText(problem: ApiProblem | null, field: string, t: Translate): string | undefined {
  return problemMap(problem, t)[field];
}

/** The problems at `prefix` and under it, in words (a condition's, a choice list's). */
export function problemsUnder(errors: Record<string, string>, prefix: string): string | undefined {
  const hits = Object.entries(errors)
    .filter(([path]) => path === prefix || path.startsWith(`${prefix}.`))
    .map(([, text]) => text);
  return hits.length ? [...new Set(hits)].join(" ") : undefined;
}

/** Whether any problem names question `index` (its row in the list is marked, and opened after a refused save). */
export function hasProblems(errors: Record<string, string>, index: number): boolean {
  return Object.keys(errors).some((path) => path.startsWith(`questions.${index}.`));
}

/**
 * An answer's problem as the tablet would say it: the question's own constraint message when it has one (for a
 * broken limit), else the rule in the screen's words.
 */
export function answerProblemText(
  problem: AnswerProblem,
  question: Question | undefined,
  lang: "pt-BR" | "en" | "es",
  t: Translate,
): string {
  const message = question?.constraint?.message;
  const isLimit = ["below_min", "above_max", "not_integer", "too_long"].includes(problem.code);
  if (message && isLimit) return message[lang] || message["pt-BR"];
  return t(`admin.questionnaires.answer_problems.${problem.code}`, { limit: problem.limit ?? "" });
}
