import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  askedQuestions,
  checkResponse,
  isRelevant,
  localText,
  parseDefinition,
  promptOf,
  type Question,
  type QuestionnaireDefinition,
  scoreAnswer,
  serviceOf,
} from "./questionnaire.ts";

const t = (pt: string, en?: string) => (en ? { "pt-BR": pt, en } : { "pt-BR": pt });
const HASH = "a".repeat(64);

// A street-cleaning questionnaire with every type and the skip logic "if no, ask why".
const street = {
  questions: [
    {
      name: "clean",
      type: "yes_no",
      label: t("A rua está limpa?", "Is the street clean?"),
      scoring: "yes_good",
    },
    {
      name: "why",
      type: "multiple_choice",
      label: t("Por quê?"),
      required: true,
      relevant: { question: "clean", op: "eq", value: false },
      choices: [
        { value: "litter", label: t("Lixo") },
        { value: "leaves", label: t("Folhas") },
        { value: "debris", label: t("Entulho") },
      ],
      constraint: { min: 1, max: 2 },
    },
    {
      name: "debris_m3",
      type: "number",
      label: t("Volume de entulho (m³)"),
      relevant: { question: "why", op: "selected", value: "debris" },
      constraint: { min: 0, max: 50, integer: true },
    },
    {
      name: "rating",
      type: "scale",
      label: t("Nota da varrição"),
      prompts: { voice: t("Tecle de 1 a 5", "Press 1 to 5") },
      scoring: "scale",
      service: "VARRICAO",
    },
    {
      name: "bins",
      type: "single_choice",
      label: t("Lixeiras"),
      scoring: "choices",
      choices: [
        { value: "ok", label: t("Boas"), score: 1, key: "1" },
        { value: "full", label: t("Cheias"), score: 0.25, key: "2" },
        { value: "none", label: t("Não há") },
      ],
    },
    { name: "note", type: "text", label: t("Observação"), constraint: { maxLength: 10 } },
    { name: "photos", type: "photo", label: t("Fotos"), constraint: { max: 2 } },
    { name: "voice", type: "audio", label: t("Áudio") },
    { name: "where", type: "location", label: t("Local") },
    {
      name: "low_or_unanswered",
      type: "text",
      label: t("Por que a nota é baixa?"),
      relevant: {
        any: [
          { question: "rating", op: "le", value: 2 },
          { question: "rating", op: "not_answered" },
        ],
      },
    },
  ],
};

function parsed(input: unknown = street): QuestionnaireDefinition {
  const result = parseDefinition(input);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.definition;
}
const codes = (input: unknown) => {
  const result = parseDefinition(input);
  return result.ok ? [] : result.problems.map((p) => `${p.path}:${p.code}`);
};
const question = (d: QuestionnaireDefinition, name: string) =>
  d.questions.find((q) => q.name === name) as Question;
const one = (q: Record<string, unknown>) => ({ questions: [{ name: "q", label: t("Q"), ...q }] });

describe("parseDefinition", () => {
  it("accepts a definition with every question type and keeps only the fields it knows", () => {
    const d = parsed();
    assert.equal(d.questions.length, 10);
    assert.deepEqual(question(d, "clean"), street.questions[0]);
  });

  it("refuses bad names, duplicate names, unknown types and fields, and labels without pt-BR", () => {
    const problems = codes({
      questions: [
        { name: "Bad Name", type: "text", label: t("x") },
        { name: "a", type: "text", label: t("x") },
        { name: "a", type: "text", label: t("x") },
        { name: "b", type: "slider", label: t("x") },
        { name: "c", type: "text", label: { en: "x" } },
        { name: "d", type: "text", label: t("x"), colour: "red" },
        { name: "e", type: "text", label: { "pt-BR": "x", fr: "x" } },
      ],
    });
    assert.deepEqual(problems, [
      "questions.0.name:bad_name",
      "questions.2.name:duplicate_name",
      "questions.3.type:unknown_type",
      "questions.4.label.pt-BR:required",
      "questions.5.colour:unknown_field",
      "questions.6.label.fr:unknown_locale",
    ]);
    assert.deepEqual(codes({}), ["questions:required"]);
    assert.deepEqual(codes({ questions: [] }), ["questions:no_questions"]);
  });

  it("bounds sizes: questions, choices and text lengths", () => {
    const many = Array.from({ length: 201 }, (_, i) => ({ name: `q${i}`, type: "text", label: t("x") }));
    assert.deepEqual(codes({ questions: many }), ["questions:too_many_questions"]);
    const choices = Array.from({ length: 101 }, (_, i) => ({ value: `c${i}`, label: t("x") }));
    assert.deepEqual(codes(one({ type: "single_choice", choices })), [
      "questions.0.choices:too_many_choices",
    ]);
    assert.deepEqual(codes(one({ type: "text", label: t("x".repeat(1001)) })), [
      "questions.0.label.pt-BR:too_long",
    ]);
  });

  it("requires unique well-formed choices on choice questions and none on the others", () => {
    assert.deepEqual(codes(one({ type: "single_choice" })), ["questions.0.choices:choices_required"]);
    assert.deepEqual(codes(one({ type: "text", choices: [{ value: "a", label: t("a") }] })), [
      "questions.0.choices:choices_not_allowed",
    ]);
    const bad = [
      { value: "a", label: t("A"), key: "1" },
      { value: "a", label: t("A"), key: "1" },
      { value: "b c", label: t("B") },
      { value: "d", label: t("D"), score: 2, key: "0" },
    ];
    assert.deepEqual(codes(one({ type: "multiple_choice", choices: bad })), [
      "questions.0.choices.1.value:duplicate_choice",
      "questions.0.choices.1.key:duplicate_key",
      "questions.0.choices.2.value:bad_choice_value",
      "questions.0.choices.3.key:bad_key",
      "questions.0.choices.3.score:bad_score",
    ]);
  });

  it("lets conditions name only earlier questions, with operators and values that fit their type", () => {
    const q = (name: string, rest: Record<string, unknown>) => ({ name, label: t(name), ...rest });
    const choices = [
      { value: "a", label: t("A") },
      { value: "b", label: t("B") },
    ];
    const problems = codes({
      questions: [
        q("yn", { type: "yes_no", relevant: { question: "later", op: "answered" } }),
        q("later", { type: "text" }),
        q("r1", { type: "text", relevant: { question: "yn", op: "lt", value: 3 } }),
        q("r2", { type: "text", relevant: { question: "yn", op: "eq", value: "yes" } }),
        q("ch", { type: "single_choice", choices }),
        q("r3", { type: "text", relevant: { question: "ch", op: "eq", value: "z" } }),
        q("r4", { type: "text", relevant: { not: { question: "ch", op: "like", value: "a" } } }),
        q("r5", { type: "text", relevant: { all: [] } }),
        q("r6", { type: "text", relevant: { question: "r6", op: "answered" } }),
        q("r7", { type: "text", relevant: { all: [{ question: "ch", op: "selected", value: "a" }] } }),
      ],
    });
    assert.deepEqual(problems, [
      "questions.0.relevant.question:not_an_earlier_question",
      "questions.2.relevant.op:op_unfit_for_type",
      "questions.3.relevant.value:bad_value",
      "questions.5.relevant.value:bad_value",
      "questions.6.relevant.not.op:unknown_op",
      "questions.7.relevant:not_a_condition",
      "questions.8.relevant.question:not_an_earlier_question",
    ]);
  });

  it("refuses constraints that do not fit the type or whose min is above max", () => {
    assert.deepEqual(codes(one({ type: "number", constraint: { min: 5, max: 1 } })), [
      "questions.0.constraint.min:min_above_max",
    ]);
    assert.deepEqual(codes(one({ type: "yes_no", constraint: { min: 1 } })), [
      "questions.0.constraint.min:constraint_unfit_for_type",
    ]);
    assert.deepEqual(codes(one({ type: "text", constraint: { maxLength: 0 } })), [
      "questions.0.constraint.maxLength:out_of_range",
    ]);
    assert.deepEqual(codes(one({ type: "photo", constraint: { min: 1.5 } })), [
      "questions.0.constraint.min:bad_value",
    ]);
    assert.deepEqual(
      codes(one({ type: "number", constraint: { min: -2.5, message: t("Entre -2,5 e …") } })),
      [],
    );
  });

  it("refuses scoring that does not fit the type", () => {
    assert.deepEqual(codes(one({ type: "text", scoring: "yes_good" })), [
      "questions.0.scoring:scoring_unfit_for_type",
    ]);
    assert.deepEqual(codes(one({ type: "scale", scoring: "best" })), ["questions.0.scoring:unknown_scoring"]);
    const choices = [
      { value: "a", label: t("A") },
      { value: "b", label: t("B") },
    ];
    assert.deepEqual(codes(one({ type: "single_choice", choices, scoring: "choices" })), [
      "questions.0.scoring:choices_without_scores",
    ]);
  });
});

describe("skip logic", () => {
  const d = parsed();

  it("asks 'why' only when the street is not clean, and the volume only when debris was chosen", () => {
    const names = (answers: Record<string, unknown>) =>
      askedQuestions(d, answers as never)
        .map((q) => q.name)
        .filter((n) => ["why", "debris_m3"].includes(n));
    assert.deepEqual(names({}), []);
    assert.deepEqual(names({ clean: true }), []);
    assert.deepEqual(names({ clean: false }), ["why"]);
    assert.deepEqual(names({ clean: false, why: ["debris"] }), ["why", "debris_m3"]);
    // debris chosen but then the street marked clean: 'why' is not asked, so neither is what depends on it
    assert.deepEqual(names({ clean: true, why: ["debris"] }), []);
  });

  it("treats a condition on an unanswered question as false, except not_answered", () => {
    const low = question(d, "low_or_unanswered");
    assert.equal(isRelevant(d, low, {}), true);
    assert.equal(isRelevant(d, low, { rating: 4 }), false);
    assert.equal(isRelevant(d, low, { rating: 2 }), true);
    const negated = parsed({
      questions: [
        { name: "a", type: "number", label: t("a") },
        { name: "b", type: "text", label: t("b"), relevant: { not: { question: "a", op: "gt", value: 3 } } },
        { name: "c", type: "text", label: t("c"), relevant: { question: "a", op: "ne", value: 1 } },
      ],
    });
    assert.equal(isRelevant(negated, question(negated, "b"), {}), true);
    assert.equal(isRelevant(negated, question(negated, "c"), {}), false);
    assert.equal(isRelevant(negated, question(negated, "c"), { a: 2 }), true);
    assert.equal(isRelevant(negated, question(negated, "c"), { a: 1 }), false);
  });
});

describe("checkResponse", () => {
  const d = parsed();
  const good = {
    clean: false,
    why: ["litter", "debris"],
    debris_m3: 3,
    rating: 2,
    bins: "full",
    note: "ok",
    photos: [HASH],
    voice: [HASH],
    where: { lat: -25.43, lng: -49.27, accuracy: 5 },
    low_or_unanswered: "sujeira",
  };

  it("accepts a complete, valid response and an empty one with nothing required asked", () => {
    assert.deepEqual(checkResponse(d, good), []);
    assert.deepEqual(checkResponse(d, {}), []);
  });

  it("names unknown questions, missing required answers and answers to questions not asked", () => {
    assert.deepEqual(checkResponse(d, { clean: false, ghost: 1 }), [
      { question: "ghost", code: "unknown_question" },
      { question: "why", code: "required" },
    ]);
    assert.deepEqual(checkResponse(d, { clean: true, why: ["litter"] }), [
      { question: "why", code: "not_relevant" },
    ]);
  });

  it("checks every type's value", () => {
    const wrong = (name: string, value: unknown) => checkResponse(d, { ...good, [name]: value } as never);
    assert.deepEqual(wrong("clean", "no"), [
      { question: "clean", code: "wrong_type" },
      { question: "why", code: "not_relevant" },
      { question: "debris_m3", code: "not_relevant" },
    ]);
    assert.deepEqual(wrong("rating", 6), [
      { question: "rating", code: "above_max", limit: 5 },
      { question: "low_or_unanswered", code: "not_relevant" },
    ]);
    assert.deepEqual(wrong("rating", 2.5).at(0), { question: "rating", code: "not_integer" });
    assert.deepEqual(wrong("bins", "broken"), [{ question: "bins", code: "not_a_choice" }]);
    assert.deepEqual(wrong("bins", ["ok"]), [{ question: "bins", code: "wrong_type" }]);
    assert.deepEqual(wrong("why", ["litter", "nope"]), [
      { question: "why", code: "not_a_choice" },
      { question: "debris_m3", code: "not_relevant" },
    ]);
    assert.deepEqual(wrong("photos", ["not-a-hash"]), [{ question: "photos", code: "wrong_type" }]);
    assert.deepEqual(wrong("voice", HASH), [{ question: "voice", code: "wrong_type" }]);
    assert.deepEqual(wrong("where", { lat: 95, lng: 0 }), [{ question: "where", code: "wrong_type" }]);
    assert.deepEqual(wrong("note", 5), [{ question: "note", code: "wrong_type" }]);
  });

  it("checks constraints: min, max, integer, length and counts", () => {
    const wrong = (name: string, value: unknown) => checkResponse(d, { ...good, [name]: value } as never);
    assert.deepEqual(wrong("debris_m3", -1), [{ question: "debris_m3", code: "below_min", limit: 0 }]);
    assert.deepEqual(wrong("debris_m3", 51), [{ question: "debris_m3", code: "above_max", limit: 50 }]);
    assert.deepEqual(wrong("debris_m3", 1.5), [{ question: "debris_m3", code: "not_integer" }]);
    assert.deepEqual(wrong("note", "x".repeat(11)), [{ question: "note", code: "too_long", limit: 10 }]);
    assert.deepEqual(wrong("why", ["litter", "leaves", "debris"]), [
      { question: "why", code: "above_max", limit: 2 },
    ]);
    assert.deepEqual(wrong("photos", [HASH, HASH, HASH]), [
      { question: "photos", code: "above_max", limit: 2 },
    ]);
  });
});

describe("scoring, services and prompts", () => {
  const d = parsed();

  it("scores yes/no, scale and choices between 0 and 1, and leaves the rest unscored", () => {
    assert.equal(scoreAnswer(question(d, "clean"), true), 1);
    assert.equal(scoreAnswer(question(d, "clean"), false), 0);
    assert.equal(scoreAnswer({ ...question(d, "clean"), scoring: "no_good" }, false), 1);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((v) => scoreAnswer(question(d, "rating"), v)),
      [0, 0.25, 0.5, 0.75, 1],
    );
    assert.equal(scoreAnswer(question(d, "bins"), "full"), 0.25);
    assert.equal(scoreAnswer(question(d, "bins"), "none"), undefined);
    assert.equal(scoreAnswer(question(d, "note"), "x"), undefined);
    assert.equal(scoreAnswer(question(d, "rating"), 7), undefined);
  });

  it("finds the service a question measures: its own, else the questionnaire's", () => {
    assert.equal(serviceOf(question(d, "rating"), "LIMPEZA"), "VARRICAO");
    assert.equal(serviceOf(question(d, "clean"), "LIMPEZA"), "LIMPEZA");
    assert.equal(serviceOf(question(d, "clean"), undefined), undefined);
  });

  it("reads each channel's prompt in the locale, else the label, else pt-BR", () => {
    const rating = question(d, "rating");
    assert.equal(promptOf(rating, "voice", "en"), "Press 1 to 5");
    assert.equal(promptOf(rating, "voice", "es"), "Tecle de 1 a 5");
    assert.equal(promptOf(rating, "chat", "en"), "Nota da varrição");
    assert.equal(promptOf(question(d, "clean"), "screen", "en"), "Is the street clean?");
    assert.equal(localText(t("Olá", "Hello"), "pt-BR"), "Olá");
  });
});
