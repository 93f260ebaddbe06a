/**
 * The cells of an XLSForm row the import reads beyond its type and name: languages of the localized columns, and a
 * question's required flag, constraint, hint, prompts, scoring and service (split from xlsform.ts for size).
 */
import type { LocalText, Question, QuestionnaireLocale } from "../../domain/questionnaire.ts";
import { ExpressionError, readConstraint } from "./xlsform-expressions.ts";

const LANGUAGE_NAMES: Record<string, QuestionnaireLocale> = {
  pt: "pt-BR",
  "pt-br": "pt-BR",
  pt_br: "pt-BR",
  portuguese: "pt-BR",
  português: "pt-BR",
  portugues: "pt-BR",
  en: "en",
  english: "en",
  inglês: "en",
  es: "es",
  spanish: "es",
  español: "es",
  espanol: "es",
  espanhol: "es",
};

/** The locale of a column suffix: the code in parentheses ("English (en)") or the name ("Español", "es"). */
export function languageOf(suffix: string): QuestionnaireLocale | undefined {
  const s = suffix.trim().toLowerCase();
  const code = /\(([^)]+)\)\s*$/.exec(s)?.[1]?.trim();
  return (code ? LANGUAGE_NAMES[code] : undefined) ?? LANGUAGE_NAMES[s.replace(/\s*\([^)]*\)\s*$/, "")];
}

/** Splits a header into its column and language: "label::English (en)" → label, en; "responsiva::voice::es". */
export function columnOf(header: string): { base: string; lang?: string } {
  const parts = header.split("::");
  const n = parts[0] === "responsiva" ? 2 : 1;
  const base = parts.slice(0, n).join("::");
  const lang = parts.slice(n).join("::");
  return lang ? { base, lang } : { base };
}

/** Reads a localized column of a row: the default language's plain column and the ::language ones. */
export function localOf(
  cells: Map<string, string>,
  base: string,
  fallback: QuestionnaireLocale,
): LocalText | undefined {
  const texts: Partial<Record<QuestionnaireLocale, string>> = {};
  for (const [header, text] of cells) {
    const { base: b, lang } = columnOf(header);
    if (b !== base) continue;
    const locale = lang === undefined ? fallback : languageOf(lang);
    if (locale && texts[locale] === undefined) texts[locale] = text;
  }
  const pt = texts["pt-BR"] ?? texts.en ?? texts.es;
  if (pt === undefined) return undefined;
  return { ...texts, "pt-BR": pt };
}

/** The row's required flag, constraint, hint, prompts, scoring and service. */
export function readExtras(
  q: Question,
  cells: Map<string, string>,
  fallback: QuestionnaireLocale,
  row: number,
  say: {
    problem: (row: number, code: string, text: string) => void;
    warn: (row: number, code: string, text: string) => void;
  },
): void {
  const required = cells.get("required")?.toLowerCase();
  if (required !== undefined) {
    if (["yes", "true", "true()", "1", "sim"].includes(required)) q.required = true;
    else if (!["no", "false", "false()", "0", "não", "nao"].includes(required)) {
      say.problem(row, "unsupported_required", String(cells.get("required")));
    }
  }
  const hint = localOf(cells, "hint", fallback);
  if (hint) q.hint = hint;
  const voice = localOf(cells, "responsiva::voice", fallback);
  const chat = localOf(cells, "responsiva::chat", fallback);
  if (voice || chat) q.prompts = { ...(voice ? { voice } : {}), ...(chat ? { chat } : {}) };
  const constraint = cells.get("constraint");
  if (constraint) {
    try {
      const read = readConstraint(constraint, q);
      q.constraint = { ...q.constraint, ...read.constraint };
      if (read.inclusive) say.warn(row, "strict_bound_inclusive", constraint);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      say.problem(row, "unsupported_constraint", `${constraint}: ${error.message}`);
    }
  }
  const message = localOf(cells, "constraint_message", fallback);
  if (message && q.constraint) q.constraint.message = message;
  else if (message) say.warn(row, "constraint_message_ignored", message["pt-BR"]);
  const scoring = cells.get("responsiva::scoring");
  if (scoring) q.scoring = scoring as Question["scoring"];
  else if (q.type === "single_choice" && q.choices?.some((c) => c.score !== undefined)) q.scoring = "choices";
  const service = cells.get("responsiva::service");
  if (service) q.service = service;
}
