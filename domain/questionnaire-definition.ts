/**
 * Reading a questionnaire definition from anywhere (the editor, an XLSForm import, the database): the one gate before
 * a definition is stored or used. Split from questionnaire.ts for size; import it from there.
 */
import {
  type Choice,
  type Condition,
  type Constraint,
  DEFINITION_LIMITS,
  type DefinitionProblem,
  type LocalText,
  QUESTION_TYPES,
  QUESTIONNAIRE_LOCALES,
  type Question,
  type QuestionnaireDefinition,
  type QuestionType,
} from "./questionnaire.ts";

const NAME = /^[a-z][a-z0-9_]*$/;
const CHOICE_VALUE = /^[a-z0-9_]+$/i;
const SERVICE_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CHOICE_TYPES: readonly QuestionType[] = ["single_choice", "multiple_choice"];
const SCORINGS: Record<string, readonly QuestionType[]> = {
  yes_good: ["yes_no"],
  no_good: ["yes_no"],
  scale: ["scale"],
  choices: ["single_choice"],
};

type Problems = DefinitionProblem[];
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a LocalText: pt-BR required and non-empty, en/es optional, each at most `max` characters. */
function readText(v: unknown, path: string, max: number, problems: Problems): LocalText | undefined {
  if (!isObject(v)) return void problems.push({ path, code: "not_a_text" });
  const pt = v["pt-BR"];
  if (typeof pt !== "string" || pt.trim() === "")
    return void problems.push({ path: `${path}.pt-BR`, code: "required" });
  const out: LocalText = { "pt-BR": pt };
  for (const key of Object.keys(v)) {
    const text = v[key];
    if (!(QUESTIONNAIRE_LOCALES as readonly string[]).includes(key)) {
      problems.push({ path: `${path}.${key}`, code: "unknown_locale" });
    } else if (typeof text !== "string") {
      problems.push({ path: `${path}.${key}`, code: "not_a_text" });
    } else if (text.length > max) {
      problems.push({ path: `${path}.${key}`, code: "too_long" });
    } else if (key !== "pt-BR" && text.trim() !== "") {
      out[key as "en" | "es"] = text;
    }
  }
  return out;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Reads a condition, checking it names an earlier question with an operator and value that fit that question. */
function readCondition(
  v: unknown,
  path: string,
  earlier: Map<string, Question>,
  problems: Problems,
  budget: { terms: number },
  depth = 0,
): Condition | undefined {
  if (!isObject(v)) return void problems.push({ path, code: "not_a_condition" });
  if (depth > DEFINITION_LIMITS.conditionDepth || --budget.terms < 0) {
    return void problems.push({ path, code: "condition_too_complex" });
  }
  if ("all" in v || "any" in v) {
    const key = "all" in v ? "all" : "any";
    const list = v[key];
    if (!Array.isArray(list) || list.length === 0)
      return void problems.push({ path, code: "not_a_condition" });
    const items = list.map((c, i) =>
      readCondition(c, `${path}.${key}.${i}`, earlier, problems, budget, depth + 1),
    );
    if (items.some((c) => c === undefined)) return undefined;
    return key === "all" ? { all: items as Condition[] } : { any: items as Condition[] };
  }
  if ("not" in v) {
    const inner = readCondition(v.not, `${path}.not`, earlier, problems, budget, depth + 1);
    return inner && { not: inner };
  }
  const name = v.question;
  const target = typeof name === "string" ? earlier.get(name) : undefined;
  if (!target) return void problems.push({ path: `${path}.question`, code: "not_an_earlier_question" });
  const op = v.op;
  const value = v.value;
  const type = target.type;
  const opFits = (ok: boolean) =>
    ok ? true : void problems.push({ path: `${path}.op`, code: "op_unfit_for_type" });
  const valueFits = (ok: boolean) =>
    ok ? true : void problems.push({ path: `${path}.value`, code: "bad_value" });
  const isChoice = (x: unknown) => typeof x === "string" && (target.choices ?? []).some((c) => c.value === x);
  switch (op) {
    case "answered":
    case "not_answered":
      return { question: target.name, op };
    case "eq":
    case "ne": {
      if (!opFits(["yes_no", "scale", "number", "single_choice", "text"].includes(type))) return undefined;
      const fits =
        type === "yes_no"
          ? typeof value === "boolean"
          : type === "scale" || type === "number"
            ? isFiniteNumber(value)
            : type === "single_choice"
              ? isChoice(value)
              : typeof value === "string" && value.length <= DEFINITION_LIMITS.label;
      return valueFits(fits) && { question: target.name, op, value: value as string | number | boolean };
    }
    case "lt":
    case "le":
    case "gt":
    case "ge":
      if (!opFits(type === "scale" || type === "number")) return undefined;
      return valueFits(isFiniteNumber(value)) && { question: target.name, op, value: value as number };
    case "selected":
      if (!opFits(CHOICE_TYPES.includes(type))) return undefined;
      return valueFits(isChoice(value)) && { question: target.name, op, value: value as string };
    default:
      return void problems.push({ path: `${path}.op`, code: "unknown_op" });
  }
}

/** Reads a constraint, keeping only the limits that fit the question's type. */
function readConstraint(v: unknown, path: string, q: Question, problems: Problems): Constraint | undefined {
  if (!isObject(v)) return void problems.push({ path, code: "not_a_constraint" });
  const allowed: Record<QuestionType, string[]> = {
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
  const out: Constraint = {};
  const counted = q.type !== "number";
  for (const key of Object.keys(v)) {
    const value = v[key];
    const at = `${path}.${key}`;
    if (key === "message") {
      const message = readText(value, at, DEFINITION_LIMITS.label, problems);
      if (message) out.message = message;
    } else if (!allowed[q.type].includes(key)) {
      problems.push({ path: at, code: "constraint_unfit_for_type" });
    } else if (key === "integer") {
      if (typeof value !== "boolean") problems.push({ path: at, code: "bad_value" });
      else out.integer = value;
    } else if (
      !isFiniteNumber(value) ||
      ((counted || key === "maxLength") && (!Number.isInteger(value) || value < 0))
    ) {
      problems.push({ path: at, code: "bad_value" });
    } else if (key === "maxLength" && (value < 1 || value > DEFINITION_LIMITS.textAnswer)) {
      problems.push({ path: at, code: "out_of_range" });
    } else {
      out[key as "min" | "max" | "maxLength"] = value;
    }
  }
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) {
    problems.push({ path: `${path}.min`, code: "min_above_max" });
  }
  if (q.type === "multiple_choice" && out.min !== undefined && out.min > (q.choices?.length ?? 0)) {
    problems.push({ path: `${path}.min`, code: "out_of_range" });
  }
  return out;
}

/** Reads the choices of a choice question: values well-formed and unique, keypad keys 1–9 and unique. */
function readChoices(v: unknown, path: string, problems: Problems): Choice[] | undefined {
  if (!Array.isArray(v) || v.length < 2) return void problems.push({ path, code: "choices_required" });
  if (v.length > DEFINITION_LIMITS.choices) return void problems.push({ path, code: "too_many_choices" });
  const seen = new Set<string>();
  const keys = new Set<string>();
  const out: Choice[] = [];
  for (const [i, raw] of v.entries()) {
    const at = `${path}.${i}`;
    if (!isObject(raw)) {
      problems.push({ path: at, code: "not_a_choice" });
      continue;
    }
    const value = raw.value;
    if (
      typeof value !== "string" ||
      !CHOICE_VALUE.test(value) ||
      value.length > DEFINITION_LIMITS.choiceValue
    ) {
      problems.push({ path: `${at}.value`, code: "bad_choice_value" });
      continue;
    }
    if (seen.has(value)) problems.push({ path: `${at}.value`, code: "duplicate_choice" });
    seen.add(value);
    const label = readText(raw.label, `${at}.label`, DEFINITION_LIMITS.label, problems);
    const choice: Choice = { value, label: label ?? { "pt-BR": value } };
    if (raw.key !== undefined) {
      if (typeof raw.key !== "string" || !/^[1-9]$/.test(raw.key))
        problems.push({ path: `${at}.key`, code: "bad_key" });
      else if (keys.has(raw.key)) problems.push({ path: `${at}.key`, code: "duplicate_key" });
      else choice.key = raw.key;
      keys.add(String(raw.key));
    }
    if (raw.score !== undefined) {
      if (!isFiniteNumber(raw.score) || raw.score < 0 || raw.score > 1) {
        problems.push({ path: `${at}.score`, code: "bad_score" });
      } else choice.score = raw.score;
    }
    out.push(choice);
  }
  return out;
}

/** Reads one question (its condition may name only the questions in `earlier`). */
function readQuestion(raw: unknown, path: string, earlier: Map<string, Question>, problems: Problems) {
  if (!isObject(raw)) return void problems.push({ path, code: "not_a_question" });
  const { name, type } = raw;
  if (typeof name !== "string" || !NAME.test(name) || name.length > DEFINITION_LIMITS.name) {
    problems.push({ path: `${path}.name`, code: "bad_name" });
  } else if (earlier.has(name)) {
    problems.push({ path: `${path}.name`, code: "duplicate_name" });
  }
  if (typeof type !== "string" || !(QUESTION_TYPES as readonly string[]).includes(type)) {
    return void problems.push({ path: `${path}.type`, code: "unknown_type" });
  }
  const label = readText(raw.label, `${path}.label`, DEFINITION_LIMITS.label, problems);
  const q: Question = { name: String(name), type: type as QuestionType, label: label ?? { "pt-BR": "" } };
  if (CHOICE_TYPES.includes(q.type)) {
    const choices = readChoices(raw.choices, `${path}.choices`, problems);
    if (choices) q.choices = choices;
  } else if (raw.choices !== undefined) {
    problems.push({ path: `${path}.choices`, code: "choices_not_allowed" });
  }
  if (raw.prompts !== undefined) {
    if (!isObject(raw.prompts)) problems.push({ path: `${path}.prompts`, code: "not_an_object" });
    else {
      const prompts: NonNullable<Question["prompts"]> = {};
      for (const channel of Object.keys(raw.prompts)) {
        if (channel !== "voice" && channel !== "chat") {
          problems.push({ path: `${path}.prompts.${channel}`, code: "unknown_channel" });
          continue;
        }
        const text = readText(
          raw.prompts[channel],
          `${path}.prompts.${channel}`,
          DEFINITION_LIMITS.hint,
          problems,
        );
        if (text) prompts[channel] = text;
      }
      q.prompts = prompts;
    }
  }
  if (raw.hint !== undefined) {
    const hint = readText(raw.hint, `${path}.hint`, DEFINITION_LIMITS.hint, problems);
    if (hint) q.hint = hint;
  }
  if (raw.required !== undefined) {
    if (typeof raw.required !== "boolean") problems.push({ path: `${path}.required`, code: "bad_value" });
    else if (raw.required) q.required = true;
  }
  if (raw.constraint !== undefined)
    q.constraint = readConstraint(raw.constraint, `${path}.constraint`, q, problems);
  if (raw.relevant !== undefined) {
    q.relevant = readCondition(raw.relevant, `${path}.relevant`, earlier, problems, {
      terms: DEFINITION_LIMITS.conditionTerms,
    });
  }
  if (raw.service !== undefined) {
    if (typeof raw.service !== "string" || !SERVICE_CODE.test(raw.service)) {
      problems.push({ path: `${path}.service`, code: "bad_service_code" });
    } else q.service = raw.service;
  }
  if (raw.scoring !== undefined) {
    const fits = typeof raw.scoring === "string" ? SCORINGS[raw.scoring] : undefined;
    if (!fits) problems.push({ path: `${path}.scoring`, code: "unknown_scoring" });
    else if (!fits.includes(q.type))
      problems.push({ path: `${path}.scoring`, code: "scoring_unfit_for_type" });
    else if (raw.scoring === "choices" && !(q.choices ?? []).some((c) => c.score !== undefined)) {
      problems.push({ path: `${path}.scoring`, code: "choices_without_scores" });
    } else q.scoring = raw.scoring as Question["scoring"];
  }
  for (const key of Object.keys(raw)) {
    if (!QUESTION_KEYS.has(key)) problems.push({ path: `${path}.${key}`, code: "unknown_field" });
  }
  // Kept even with problems, so that later conditions naming it are not reported too.
  return q;
}

const QUESTION_KEYS = new Set([
  "name",
  "type",
  "label",
  "prompts",
  "hint",
  "required",
  "choices",
  "constraint",
  "relevant",
  "service",
  "scoring",
]);

/**
 * Checks a definition from anywhere (the editor, an XLSForm import, the database) and returns it rebuilt from the
 * fields it knows, or every problem found: the one gate before a definition is stored or used.
 */
export function parseDefinition(
  input: unknown,
): { ok: true; definition: QuestionnaireDefinition } | { ok: false; problems: DefinitionProblem[] } {
  const problems: Problems = [];
  if (!isObject(input) || !Array.isArray(input.questions)) {
    return { ok: false, problems: [{ path: "questions", code: "required" }] };
  }
  const list = input.questions;
  if (list.length === 0) return { ok: false, problems: [{ path: "questions", code: "no_questions" }] };
  if (list.length > DEFINITION_LIMITS.questions) {
    return { ok: false, problems: [{ path: "questions", code: "too_many_questions" }] };
  }
  const earlier = new Map<string, Question>();
  list.forEach((raw, i) => {
    const q = readQuestion(raw, `questions.${i}`, earlier, problems);
    if (q && NAME.test(q.name) && !earlier.has(q.name)) earlier.set(q.name, q);
  });
  for (const key of Object.keys(input)) {
    if (key !== "questions") problems.push({ path: key, code: "unknown_field" });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, definition: { questions: [...earlier.values()] } };
}
