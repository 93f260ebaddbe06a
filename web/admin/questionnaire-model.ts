/**
 * The questionnaires as the admin screens hold them (the API's shapes), and the editor's pure helpers: a new
 * question, a change of type that keeps only what fits, the skip logic as a flat list of clauses, and the
 * definition cleaned of empty texts before it is sent (domain/questionnaire.ts checks it on the server).
 */
import type {
  Condition,
  LocalText,
  Question,
  QuestionnaireDefinition,
  QuestionType,
} from "../../domain/questionnaire.ts";

/** The section's own path under /admin. */
export const SECTION = "/admin/questionarios";

/** The three languages of every text, pt-BR first. */
export const LANGS = ["pt-BR", "en", "es"] as const;
/** One of those languages. */
export type Lang = (typeof LANGS)[number];

/** What a questionnaire is about: one service, or a service group (each scored question then names its service). */
export interface Subject {
  kind: "service" | "group";
  code: string;
  name: LocalText | string;
}

/** One row of GET /api/v1/questionnaires. */
export interface QuestionnaireItem {
  id: number | string;
  code: string;
  title: LocalText | string;
  subject: Subject;
  published: { id: number | string; version: number; publishedAt: string } | null;
  draft: { id: number | string; version: number } | null;
  archived: boolean;
}

/** One version in a questionnaire's list of versions. */
export interface VersionSummary {
  id: number | string;
  version: number;
  state: "draft" | "published" | "retired";
  publishedAt: string | null;
  retiredAt: string | null;
  source?: "editor" | "xlsform";
}

/** GET /api/v1/questionnaires/:id: the row with its versions. */
export type QuestionnaireView = QuestionnaireItem & { versions: VersionSummary[] };

/** GET /api/v1/questionnaires/:id/versions/:version. */
export interface VersionView extends VersionSummary {
  definition: QuestionnaireDefinition;
}

/** A title (or any text) in the screen's language, pt-BR when it has no translation. */
export function textIn(text: LocalText | string | undefined, locale: string): string {
  if (text === undefined) return "";
  if (typeof text === "string") return text;
  return (text as Record<string, string | undefined>)[locale] || text["pt-BR"];
}

/** The types whose answer is one or several of a list of choices. */
export const isChoiceType = (type: QuestionType) => type === "single_choice" || type === "multiple_choice";

/** The limits of a constraint each type takes (the domain's rule, to offer only those fields). */
export const CONSTRAINT_FIELDS: Record<QuestionType, ("min" | "max" | "integer" | "maxLength")[]> = {
  number: ["min", "max", "integer"],
  multiple_choice: ["min", "max"],
  photo: ["min", "max"],
  audio: ["min", "max"],
  text: ["maxLength"],
  yes_no: [],
  scale: [],
  single_choice: [],
  location: [],
};

/** The scorings each type takes ("" is "not scored"). */
export const SCORINGS: Record<QuestionType, NonNullable<Question["scoring"]>[]> = {
  yes_no: ["yes_good", "no_good"],
  scale: ["scale"],
  single_choice: ["choices"],
  multiple_choice: [],
  number: [],
  text: [],
  photo: [],
  audio: [],
  location: [],
};

/** A new question of `type`, named after its position so that the name is free ("pergunta_3"). */
export function newQuestion(type: QuestionType, taken: string[]): Question {
  let n = taken.length + 1;
  while (taken.includes(`pergunta_${n}`)) n++;
  return retype({ name: `pergunta_${n}`, type, label: { "pt-BR": "" } }, type);
}

/** The question as `type`: choices, constraint limits and scoring that do not fit the new type are dropped. */
export function retype(question: Question, type: QuestionType): Question {
  const next: Question = { ...question, type };
  if (isChoiceType(type)) {
    next.choices = question.choices?.length
      ? question.choices
      : [
          { value: "opcao_1", label: { "pt-BR": "" } },
          { value: "opcao_2", label: { "pt-BR": "" } },
        ];
  } else delete next.choices;
  if (question.constraint) {
    const fits = CONSTRAINT_FIELDS[type];
    const kept = Object.fromEntries(
      Object.entries(question.constraint).filter(([k]) => k === "message" || (fits as string[]).includes(k)),
    );
    if (Object.keys(kept).some((k) => k !== "message")) next.constraint = kept;
    else delete next.constraint;
  }
  if (next.scoring && !SCORINGS[type].includes(next.scoring)) delete next.scoring;
  return next;
}

/** A condition on one earlier question: what the editor's clause rows hold. */
export type Clause = Extract<Condition, { question: string }>;
/** The skip logic as the editor shows it: clauses joined by "all" or "any"; null when written otherwise (imported). */
export interface Clauses {
  mode: "all" | "any";
  clauses: Clause[];
}

const isClause = (c: Condition): c is Clause => "question" in c;

/** A question's condition as flat clauses, or null when it nests (an imported `not(...)` or mixed and/or). */
export function clausesOf(condition: Condition | undefined): Clauses | null {
  if (condition === undefined) return { mode: "all", clauses: [] };
  if (isClause(condition)) return { mode: "all", clauses: [condition] };
  if ("all" in condition && condition.all.every(isClause)) return { mode: "all", clauses: condition.all };
  if ("any" in condition && condition.any.every(isClause)) return { mode: "any", clauses: condition.any };
  return null;
}

/** The condition the clauses say (undefined when there is none: the question is always asked). */
export function conditionOf(clauses: Clauses): Condition | undefined {
  if (clauses.clauses.length === 0) return undefined;
  if (clauses.clauses.length === 1) return clauses.clauses[0];
  return clauses.mode === "all" ? { all: clauses.clauses } : { any: clauses.clauses };
}

/** The operators that fit a question of `type` in a condition (the domain's rule). */
export function opsFor(type: QuestionType): Clause["op"][] {
  switch (type) {
    case "yes_no":
    case "single_choice":
    case "text":
      return ["eq", "ne", "answered", "not_answered"];
    case "scale":
    case "number":
      return ["eq", "ne", "lt", "le", "gt", "ge", "answered", "not_answered"];
    case "multiple_choice":
      return ["selected", "answered", "not_answered"];
    default:
      return ["answered", "not_answered"];
  }
}

/** A clause on `target` with `op`, with a value that fits both (the first choice, "no", 1 …). */
export function clauseFor(target: Question, op: Clause["op"]): Clause {
  if (op === "answered" || op === "not_answered") return { question: target.name, op };
  if (op === "selected") return { question: target.name, op, value: target.choices?.[0]?.value ?? "" };
  if (op === "lt" || op === "le" || op === "gt" || op === "ge")
    return { question: target.name, op, value: 1 };
  const value =
    target.type === "yes_no"
      ? false
      : target.type === "single_choice"
        ? (target.choices?.[0]?.value ?? "")
        : target.type === "text"
          ? ""
          : 1;
  return { question: target.name, op, value };
}

/** The conditions of every question with the name `from` changed to `to` (a question renamed in the editor). */
export function renameInConditions(questions: Question[], from: string, to: string): Question[] {
  const rename = (c: Condition): Condition =>
    "all" in c
      ? { all: c.all.map(rename) }
      : "any" in c
        ? { any: c.any.map(rename) }
        : "not" in c
          ? { not: rename(c.not) }
          : c.question === from
            ? { ...c, question: to }
            : c;
  return questions.map((q) => (q.relevant ? { ...q, relevant: rename(q.relevant) } : q));
}

/** A text without its empty translations; undefined when even pt-BR is empty (an optional text left blank). */
export function cleanText(text: LocalText | undefined): LocalText | undefined {
  if (!text) return undefined;
  const out: Record<string, string> = {};
  for (const lang of LANGS) {
    const value = (text[lang] ?? "").trim();
    if (value) out[lang] = value;
  }
  if (Object.keys(out).length === 0) return undefined;
  // pt-BR stays even empty when a translation is given, so the server names the missing pt-BR.
  return { ...out, "pt-BR": out["pt-BR"] ?? "" } as LocalText;
}

/**
 * The definition as it is sent: optional texts left blank dropped, translations left blank dropped, empty
 * constraints and prompts dropped. Questions and choices keep their positions, so the server's paths
 * ("questions.2.choices.0.value") name what the editor shows.
 */
export function cleanDefinition(definition: QuestionnaireDefinition): QuestionnaireDefinition {
  return {
    questions: definition.questions.map((q) => {
      const out: Question = { ...q, label: cleanText(q.label) ?? { "pt-BR": "" } };
      const hint = cleanText(q.hint);
      if (hint) out.hint = hint;
      else delete out.hint;
      const prompts: NonNullable<Question["prompts"]> = {};
      for (const channel of ["voice", "chat"] as const) {
        const text = cleanText(q.prompts?.[channel]);
        if (text) prompts[channel] = text;
      }
      if (Object.keys(prompts).length) out.prompts = prompts;
      else delete out.prompts;
      if (!q.required) delete out.required;
      if (q.choices) {
        out.choices = q.choices.map((c) => {
          const choice = { ...c, label: cleanText(c.label) ?? { "pt-BR": "" } };
          if (!choice.key) delete choice.key;
          if (choice.score === undefined || Number.isNaN(choice.score)) delete choice.score;
          return choice;
        });
      }
      if (q.constraint) {
        const c = { ...q.constraint };
        for (const k of ["min", "max", "maxLength"] as const) {
          if (c[k] === undefined || Number.isNaN(c[k])) delete c[k];
        }
        if (!c.integer) delete c.integer;
        const message = cleanText(c.message);
        if (message) c.message = message;
        else delete c.message;
        if (Object.keys(c).some((k) => k !== "message")) out.constraint = c;
        else delete out.constraint;
      }
      if (!q.service) delete out.service;
      if (!q.scoring) delete out.scoring;
      if (!q.relevant) delete out.relevant;
      return out;
    }),
  };
}

/** A server's problem path without the body's own prefix ("definition.questions.1.name" → "questions.1.name"). */
export function problemPath(field: string): string {
  return field.replace(/^definition\./, "");
}
