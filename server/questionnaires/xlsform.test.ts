/**
 * The XLSForm expression subset and language columns, without a database (the import of whole forms is tested in
 * questionnaires.test.ts, on both databases).
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${name} is XLSForm's own syntax, not a template.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { Question } from "../../domain/questionnaire.ts";
import { readXlsForm } from "./xlsform.ts";
import { languageOf } from "./xlsform-cells.ts";
import {
  type EarlierQuestions,
  ExpressionError,
  readConstraint,
  readRelevant,
} from "./xlsform-expressions.ts";
import { declaredUnzippedSize } from "./xlsform-zip.ts";

const q = (name: string, type: Question["type"], extra: Partial<Question> = {}): Question => ({
  name,
  type,
  label: { "pt-BR": name },
  ...extra,
});
const questions: Record<string, { question: Question; booleans?: Map<string, boolean> }> = {
  ok: {
    question: q("ok", "yes_no"),
    booleans: new Map([
      ["sim", true],
      ["nao", false],
    ]),
  },
  n: { question: q("n", "number") },
  nota: { question: q("nota", "scale") },
  tipo: { question: q("tipo", "single_choice") },
  varios: { question: q("varios", "multiple_choice") },
  obs: { question: q("obs", "text") },
};
const earlier: EarlierQuestions = (name) => questions[name];
const refused = (text: string) => assert.throws(() => readRelevant(text, earlier), ExpressionError, text);

describe("XLSForm relevant", () => {
  it("reads comparisons by the type of the question they name", () => {
    assert.deepEqual(readRelevant("${ok} = 'nao'", earlier), { question: "ok", op: "eq", value: false });
    assert.deepEqual(readRelevant("${nota} = '4'", earlier), { question: "nota", op: "eq", value: 4 });
    assert.deepEqual(readRelevant("${n} >= 2.5", earlier), { question: "n", op: "ge", value: 2.5 });
    assert.deepEqual(readRelevant('${tipo} != "a"', earlier), { question: "tipo", op: "ne", value: "a" });
    assert.deepEqual(readRelevant("${obs} != ''", earlier), { question: "obs", op: "answered" });
    assert.deepEqual(readRelevant("${varios} = ''", earlier), { question: "varios", op: "not_answered" });
    assert.deepEqual(readRelevant("selected(${varios}, 'x')", earlier), {
      question: "varios",
      op: "selected",
      value: "x",
    });
    assert.deepEqual(readRelevant("selected(${ok}, 'sim')", earlier), {
      question: "ok",
      op: "eq",
      value: true,
    });
  });

  it("binds and tighter than or, and keeps parentheses and not()", () => {
    assert.deepEqual(readRelevant("${n} > 1 or ${n} < 0 and ${ok} = 'sim'", earlier), {
      any: [
        { question: "n", op: "gt", value: 1 },
        {
          all: [
            { question: "n", op: "lt", value: 0 },
            { question: "ok", op: "eq", value: true },
          ],
        },
      ],
    });
    assert.deepEqual(readRelevant("not(${n} > 1 or ${n} < 0) AND ${obs} != ''", earlier), {
      all: [
        {
          not: {
            any: [
              { question: "n", op: "gt", value: 1 },
              { question: "n", op: "lt", value: 0 },
            ],
          },
        },
        { question: "obs", op: "answered" },
      ],
    });
  });

  it("refuses what is outside the subset, naming it", () => {
    refused("${later} = 'x'");
    refused("${ok} = 'talvez'");
    refused("${n} * 2 > 4");
    refused("${varios} = 'x'");
    refused("${obs} > 'a'");
    refused("string-length(${obs}) > 3");
    refused("(${n} > 1");
    refused("${n} > 1 ${n} < 2");
    refused("selected(${n}, '1')");
  });
});

describe("XLSForm constraint", () => {
  it("reads bounds of numbers, lengths of text and counts of choices", () => {
    const integer = q("i", "number", { constraint: { integer: true } });
    assert.deepEqual(readConstraint(". > 0 and . < 10", integer), {
      constraint: { min: 1, max: 9 },
      inclusive: false,
    });
    assert.deepEqual(readConstraint(". > 0", q("d", "number")), { constraint: { min: 0 }, inclusive: true });
    assert.deepEqual(readConstraint("string-length(.) <= 140", q("t", "text")).constraint, {
      maxLength: 140,
    });
    assert.deepEqual(
      readConstraint("count-selected(.) >= 1 and count-selected(.) <= 3", q("m", "multiple_choice"))
        .constraint,
      { min: 1, max: 3 },
    );
  });

  it("refuses other expressions and bounds that do not fit the type", () => {
    for (const [text, question] of [
      ["regex(., '^a')", q("t", "text")],
      [". = 3", q("n", "number")],
      [". >= 1 or . <= 3", q("n", "number")],
      ["string-length(.) >= 3", q("t", "text")],
      [". >= 1", q("t", "text")],
      ["count-selected(.) <= 2", q("s", "single_choice")],
    ] as const) {
      assert.throws(() => readConstraint(text, question), ExpressionError, text);
    }
  });
});

describe("XLSForm languages", () => {
  it("reads the language of a column by its code in parentheses or its name", () => {
    assert.equal(languageOf("Portuguese (pt)"), "pt-BR");
    assert.equal(languageOf("English (en)"), "en");
    assert.equal(languageOf("Español (es)"), "es");
    assert.equal(languageOf("español"), "es");
    assert.equal(languageOf("pt-BR"), "pt-BR");
    assert.equal(languageOf("Français (fr)"), undefined);
  });
});

describe("XLSForm files", () => {
  it("refuses an archive that declares more than it may unpack to, before reading it", async () => {
    const form = readFileSync(new URL("../../tests/fixtures/xlsform/iluminacao.xlsx", import.meta.url));
    const size = declaredUnzippedSize(form) ?? 0;
    assert.ok(size > 1000 && size < 1_000_000, String(size));
    const bomb = Buffer.from(form);
    const entry = bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bomb.writeUInt32LE(0xfffffff0, entry + 24);
    assert.deepEqual(
      (await readXlsForm(bomb)).problems.map((p) => p.code),
      ["xlsx_too_large"],
    );
    assert.deepEqual(
      (await readXlsForm(Buffer.from("PK\x03\x04 not a zip"))).problems.map((p) => p.code),
      ["unreadable_xlsx"],
    );
  });
});
