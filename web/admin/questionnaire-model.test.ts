/**
 * The questionnaire editor's pure helpers agree with the domain's rule (parseDefinition): every operator offered
 * for a type, with the value the editor starts it with, is accepted; a cleaned definition keeps its positions and
 * drops only what was left blank; a change of type keeps only what fits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDefinition, QUESTION_TYPES, type Question } from "../../domain/questionnaire.ts";
import {
  CONSTRAINT_FIELDS,
  clauseFor,
  clausesOf,
  cleanDefinition,
  conditionOf,
  newQuestion,
  opsFor,
  problemPath,
  renameInConditions,
  retype,
  SCORINGS,
} from "./questionnaire-model.ts";

const labelled = (q: Question): Question => ({
  ...q,
  label: { "pt-BR": `Pergunta ${q.name}` },
  ...(q.choices
    ? { choices: q.choices.map((c, i) => ({ ...c, label: { "pt-BR": `Opção ${i + 1}` }, score: i / 2 })) }
    : {}),
});

describe("the questionnaire editor's model", () => {
  it("offers for each type only the operators, constraints and scorings the domain accepts", () => {
    for (const type of QUESTION_TYPES) {
      const target = labelled(newQuestion(type, []));
      for (const op of opsFor(type)) {
        const follow: Question = {
          name: "seguinte",
          type: "text",
          label: { "pt-BR": "Seguinte" },
          relevant: clauseFor(target, op),
        };
        const parsed = parseDefinition({ questions: [target, follow] });
        assert.ok(parsed.ok, `${type} ${op}: ${JSON.stringify(!parsed.ok && parsed.problems)}`);
      }
      for (const limit of CONSTRAINT_FIELDS[type]) {
        const value = limit === "integer" ? true : limit === "maxLength" ? 10 : 1;
        const q = { ...target, constraint: { [limit]: value } };
        assert.ok(parseDefinition({ questions: [q] }).ok, `${type} ${limit}`);
      }
      for (const scoring of SCORINGS[type]) {
        assert.ok(parseDefinition({ questions: [{ ...target, scoring }] }).ok, `${type} ${scoring}`);
      }
    }
  });

  it("keeps only what fits when a question changes type, and gives a choice question two choices", () => {
    const yesNo: Question = {
      name: "limpa",
      type: "yes_no",
      label: { "pt-BR": "Limpa?" },
      scoring: "yes_good",
      constraint: { message: { "pt-BR": "x" } },
    };
    const choice = retype(yesNo, "single_choice");
    assert.equal(choice.choices?.length, 2);
    assert.equal(choice.scoring, undefined);
    assert.equal(choice.constraint, undefined);
    const number = retype({ ...choice, constraint: { min: 1, max: 3 } }, "number");
    assert.equal(number.choices, undefined);
    assert.deepEqual(number.constraint, { min: 1, max: 3 });
    assert.equal(retype(number, "text").constraint, undefined);
    assert.deepEqual(retype({ ...number, constraint: { maxLength: 5 } }, "number").constraint, undefined);
  });

  it("drops blank optional texts and translations, keeping positions so the server's paths name them", () => {
    const definition = cleanDefinition({
      questions: [
        {
          name: "a",
          type: "single_choice",
          label: { "pt-BR": " Pergunta ", en: "", es: "  " },
          hint: { "pt-BR": "", en: "" },
          prompts: { voice: { "pt-BR": "" }, chat: { "pt-BR": "Escolha", en: "" } },
          required: false,
          choices: [
            { value: "x", label: { "pt-BR": "X", en: "" }, key: "" },
            { value: "y", label: { "pt-BR": "" }, score: Number.NaN },
          ],
          constraint: { message: { "pt-BR": "" } },
          scoring: undefined,
          service: "",
        },
        { name: "b", type: "number", label: { "pt-BR": "", en: "Only English" }, constraint: { min: 0 } },
      ],
    });
    assert.deepEqual(definition.questions[0], {
      name: "a",
      type: "single_choice",
      label: { "pt-BR": "Pergunta" },
      prompts: { chat: { "pt-BR": "Escolha" } },
      choices: [
        { value: "x", label: { "pt-BR": "X" } },
        { value: "y", label: { "pt-BR": "" } },
      ],
    });
    // A translation without its pt-BR keeps an empty pt-BR, for the server to name.
    assert.deepEqual(definition.questions[1]?.label, { "pt-BR": "", en: "Only English" });
    const parsed = parseDefinition(definition);
    assert.ok(!parsed.ok);
    assert.deepEqual(
      parsed.problems.map((p) => problemPath(`definition.${p.path}`)),
      ["questions.0.choices.1.label.pt-BR", "questions.1.label.pt-BR"],
    );
  });

  it("shows flat conditions as clauses, leaves nested ones alone, and follows a rename", () => {
    const eq = { question: "a", op: "eq" as const, value: false };
    const answered = { question: "b", op: "answered" as const };
    assert.deepEqual(clausesOf(undefined), { mode: "all", clauses: [] });
    assert.deepEqual(clausesOf(eq), { mode: "all", clauses: [eq] });
    assert.deepEqual(clausesOf({ any: [eq, answered] }), { mode: "any", clauses: [eq, answered] });
    assert.equal(clausesOf({ not: eq }), null);
    assert.equal(clausesOf({ all: [eq, { any: [answered] }] }), null);
    assert.equal(conditionOf({ mode: "any", clauses: [] }), undefined);
    assert.deepEqual(conditionOf({ mode: "any", clauses: [eq] }), eq);
    assert.deepEqual(conditionOf({ mode: "any", clauses: [eq, answered] }), { any: [eq, answered] });
    const renamed = renameInConditions(
      [
        { name: "a", type: "yes_no", label: { "pt-BR": "A" } },
        { name: "c", type: "text", label: { "pt-BR": "C" }, relevant: { not: { all: [eq, answered] } } },
      ],
      "a",
      "limpa",
    );
    assert.deepEqual(renamed[1]?.relevant, { not: { all: [{ ...eq, question: "limpa" }, answered] } });
  });
});
