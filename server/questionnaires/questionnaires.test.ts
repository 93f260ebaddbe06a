/**
 * The questionnaires' admin API and the XLSForm import (issue 17), on the real database: versions move draft →
 * published → retired and a published one never changes, invalid definitions and forms are refused naming each
 * problem, every change is audited, and the three fixtures of tests/fixtures/xlsform import as documented.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { multipartForm } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { findVersion } from "./queries.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const admin = await staffHeaders(db, "admin");
const agent = await staffHeaders(db, "agent");
const supervisor = await staffHeaders(db, "supervisor");
const t = (pt: string) => ({ "pt-BR": pt });

// A service group of two services of our own, for the group questionnaires and the lighting form.
const group = await one<{ id: number }>(
  db,
  `INSERT INTO service_groups (code, name) VALUES ('iluminacao-teste', '{"pt-BR": "Iluminação"}') RETURNING id`,
);
for (const code of ["ILUM-LAMPADA", "ILUM-POSTE"]) {
  await db.query(`INSERT INTO services (code, group_id, name) VALUES ($1, $2, '{"pt-BR": "Iluminação"}')`, [
    code,
    group.id,
  ]);
}
const [other] = await db.query<{ code: string }>(
  "SELECT code FROM services WHERE group_id <> $1 ORDER BY code LIMIT 1",
  [group.id],
);
const serviceCode = (other as { code: string }).code;

const simple = (label = "A rua está limpa?") => ({
  questions: [
    { name: "clean", type: "yes_no", label: t(label), scoring: "yes_good", required: true },
    {
      name: "why",
      type: "text",
      label: t("Por quê?"),
      relevant: { question: "clean", op: "eq", value: false },
    },
  ],
});

const send = (method: "GET" | "POST" | "PUT", url: string, payload?: object, who = admin) =>
  app.inject({ method, url, headers: { authorization: who.authorization }, ...(payload ? { payload } : {}) });

async function create(code: string, extra: Record<string, unknown> = { service: serviceCode }) {
  const res = await send("POST", "/api/v1/questionnaires", {
    code,
    title: t(code),
    definition: simple(),
    ...extra,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: number; versions: { version: number; state: string }[] };
}

function importForm(file: string, fields: Record<string, string> = {}, content?: Buffer) {
  const form = multipartForm(fields, [
    {
      field: "file",
      name: file,
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      content: content ?? readFileSync(new URL(`../../tests/fixtures/xlsform/${file}`, import.meta.url)),
    },
  ]);
  return app.inject({
    method: "POST",
    url: "/api/v1/questionnaires/import",
    headers: { ...form.headers, authorization: admin.authorization },
    payload: form.payload,
  });
}

describe("questionnaire versions", () => {
  it("creates a draft, publishes it, and retires it when the next draft is published", async () => {
    const made = await create("varricao");
    assert.deepEqual(
      made.versions.map((v) => [v.version, v.state]),
      [[1, "draft"]],
    );
    const published = await send("POST", `/api/v1/questionnaires/${made.id}/publish`);
    assert.equal(published.statusCode, 200, published.body);
    assert.equal(published.json().published.version, 1);
    assert.equal(published.json().draft, null);

    const draft = await send("PUT", `/api/v1/questionnaires/${made.id}/draft`, {
      definition: simple("A calçada está limpa?"),
      title: { "pt-BR": "Varrição", en: "Sweeping" },
    });
    assert.equal(draft.statusCode, 200, draft.body);
    assert.deepEqual(draft.json().draft.version, 2);
    const again = await send("PUT", `/api/v1/questionnaires/${made.id}/draft`, {
      definition: simple("Limpa?"),
    });
    assert.equal(again.json().draft.version, 2, "the draft is replaced, not added");
    await send("POST", `/api/v1/questionnaires/${made.id}/publish`);

    const detail = (await send("GET", `/api/v1/questionnaires/${made.id}`)).json();
    assert.deepEqual(
      detail.versions.map((v: { version: number; state: string }) => [v.version, v.state]),
      [
        [2, "published"],
        [1, "retired"],
      ],
    );
    assert.equal(detail.title.en, "Sweeping");
    assert.equal(detail.subject.kind, "service");
    assert.equal(detail.subject.code, serviceCode);
    const v1 = (await send("GET", `/api/v1/questionnaires/${made.id}/versions/1`)).json();
    assert.equal(v1.state, "retired");
    assert.equal(
      v1.definition.questions[0].label["pt-BR"],
      "A rua está limpa?",
      "answers keep their version",
    );
    assert.ok(v1.retiredAt && v1.publishedAt);

    const list = (await send("GET", "/api/v1/questionnaires", undefined, supervisor)).json();
    const listed = list.items.find((q: { code: string }) => q.code === "varricao");
    assert.equal(listed.published.version, 2);
    assert.equal(listed.archived, false);

    const found = await findVersion(db, v1.id);
    assert.deepEqual(
      { ...found, definition: undefined },
      {
        id: v1.id,
        questionnaireId: made.id,
        version: 1,
        state: "retired",
        definition: undefined,
        serviceCode,
        serviceGroupCode: undefined,
      },
    );
    assert.equal(await findVersion(db, 999_999_999), undefined);
  });

  it("never changes a published version, even written to directly", async () => {
    const made = await create("frozen");
    await send("POST", `/api/v1/questionnaires/${made.id}/publish`);
    await assert.rejects(
      db.query(
        `UPDATE questionnaire_versions SET definition = '{"questions": []}' WHERE questionnaire_id = $1`,
        [made.id],
      ),
    );
  });

  it("retires and archives, and then refuses changes", async () => {
    const made = await create("arquivo");
    const nothing = await send("POST", `/api/v1/questionnaires/${made.id}/retire`);
    assert.equal(nothing.json().code, "nothing_published");
    assert.equal((await send("POST", `/api/v1/questionnaires/${made.id}/publish`)).statusCode, 200);
    const noDraft = await send("POST", `/api/v1/questionnaires/${made.id}/publish`);
    assert.equal(noDraft.statusCode, 409);
    assert.equal(noDraft.json().code, "no_draft");
    const retired = await send("POST", `/api/v1/questionnaires/${made.id}/retire`);
    assert.equal(retired.json().published, null);
    const archived = await send("POST", `/api/v1/questionnaires/${made.id}/archive`);
    assert.equal(archived.json().archived, true);
    const refused = await send("PUT", `/api/v1/questionnaires/${made.id}/draft`, { definition: simple() });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, "questionnaire_archived");
    const audited = await db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE entity_type = 'questionnaire' AND entity_id = $1 ORDER BY id",
      [String(made.id)],
    );
    assert.deepEqual(
      audited.map((a) => a.action),
      ["questionnaire.created", "questionnaire.published", "questionnaire.retired", "questionnaire.archived"],
    );
  });

  it("refuses an invalid definition with each problem as a field, in the caller's language", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/questionnaires",
      headers: { authorization: admin.authorization, "accept-language": "en" },
      payload: {
        code: "invalida",
        title: t("x"),
        service: serviceCode,
        definition: {
          questions: [
            { name: "a", type: "text", label: t("A"), relevant: { question: "b", op: "answered" } },
            { name: "b", type: "scale", label: t("B"), scoring: "yes_good" },
          ],
        },
      },
    });
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json();
    assert.equal(body.code, "invalid_questionnaire");
    assert.deepEqual(
      body.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
      [
        ["definition.questions.0.relevant.question", "not_an_earlier_question"],
        ["definition.questions.1.scoring", "scoring_unfit_for_type"],
      ],
    );
    assert.equal(body.errors[0].detail, "A condition may only use earlier questions.");
  });

  it("refuses an unknown service, a code in use and a role without the action", async () => {
    const unknown = await send("POST", "/api/v1/questionnaires", {
      code: "x1",
      title: t("x"),
      service: "NO-SUCH",
      definition: simple(),
    });
    assert.equal(unknown.statusCode, 422);
    assert.equal(unknown.json().code, "unknown_service");
    await create("duplicado");
    const taken = await send("POST", "/api/v1/questionnaires", {
      code: "duplicado",
      title: t("x"),
      service: serviceCode,
      definition: simple(),
    });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().code, "questionnaire_code_taken");
    const both = await send("POST", "/api/v1/questionnaires", {
      code: "x2",
      title: t("x"),
      service: serviceCode,
      serviceGroup: "iluminacao-teste",
      definition: simple(),
    });
    assert.equal(both.statusCode, 400);
    const byAgent = await send("POST", "/api/v1/questionnaires", { code: "x3" }, agent);
    assert.equal(byAgent.statusCode, 403);
  });

  it("publishes a group questionnaire only when each scored question names a service of the group", async () => {
    const made = await create("grupo", { serviceGroup: "iluminacao-teste" });
    const needs = await send("POST", `/api/v1/questionnaires/${made.id}/publish`);
    assert.equal(needs.statusCode, 422);
    assert.equal(needs.json().code, "question_needs_service");
    assert.equal(needs.json().errors[0].field, "definition.questions.0.service");
    const outside = simple();
    Object.assign(outside.questions[0] as object, { service: serviceCode });
    await send("PUT", `/api/v1/questionnaires/${made.id}/draft`, { definition: outside });
    const notInGroup = await send("POST", `/api/v1/questionnaires/${made.id}/publish`);
    assert.equal(notInGroup.json().code, "service_not_in_group");
    Object.assign(outside.questions[0] as object, { service: "ILUM-POSTE" });
    await send("PUT", `/api/v1/questionnaires/${made.id}/draft`, { definition: outside });
    const ok = await send("POST", `/api/v1/questionnaires/${made.id}/publish`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().subject.kind, "group");
  });
});

describe("XLSForm import", () => {
  it("imports the street-cleaning form: types, skip logic, constraints and scoring, with warnings", async () => {
    const res = await importForm("limpeza-rua.xlsx", { service: serviceCode });
    assert.equal(res.statusCode, 201, res.body);
    const { questionnaire, version, warnings } = res.json();
    assert.equal(questionnaire.code, "limpeza_rua");
    assert.equal(questionnaire.title["pt-BR"], "Limpeza de rua");
    assert.equal(version.source, "xlsform");
    assert.equal(version.state, "draft");
    const q = Object.fromEntries(
      version.definition.questions.map((x: { name: string }) => [x.name, x]),
    ) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(q), ["limpa", "motivos", "sacos", "nota", "obs", "foto", "local"]);
    assert.equal(q.limpa?.type, "yes_no");
    assert.equal(q.limpa?.scoring, "yes_good");
    assert.equal(
      (q.limpa as { prompts: { voice: { "pt-BR": string } } }).prompts.voice["pt-BR"].includes("Tecle 1"),
      true,
    );
    assert.deepEqual(q.motivos?.relevant, { question: "limpa", op: "eq", value: false });
    assert.deepEqual(q.motivos?.constraint, { max: 2, message: t("No máximo duas") });
    assert.deepEqual(q.sacos?.relevant, { question: "motivos", op: "selected", value: "lixo" });
    assert.deepEqual(q.sacos?.constraint, { integer: true, min: 0, max: 100, message: t("Entre 0 e 100") });
    assert.equal(q.nota?.type, "scale");
    assert.deepEqual(q.obs?.relevant, {
      any: [{ question: "nota", op: "le", value: 2 }, { not: { question: "limpa", op: "eq", value: true } }],
    });
    assert.deepEqual([q.foto?.type, q.local?.type], ["photo", "location"]);
    assert.deepEqual(
      warnings.map((w: { code: string }) => w.code),
      ["version_ignored", "metadata_ignored", "appearance_ignored", "note_skipped"],
    );

    // The same form again, once the first version is published: a new draft of the same questionnaire.
    assert.equal((await send("POST", `/api/v1/questionnaires/${questionnaire.id}/publish`)).statusCode, 200);
    const second = await importForm("limpeza-rua.xlsx", { service: "ILUM-POSTE" });
    assert.equal(second.statusCode, 201, second.body);
    assert.ok(second.json().warnings.some((w: { code: string }) => w.code === "subject_kept"));
    assert.equal(second.json().questionnaire.subject.code, serviceCode);
    assert.equal(second.json().questionnaire.id, questionnaire.id);
    assert.equal(second.json().version.version, 2);
  });

  it("imports the lighting form in three languages about a group, its group flattened", async () => {
    const res = await importForm("iluminacao.xlsx", { serviceGroup: "iluminacao-teste", code: "luz" });
    assert.equal(res.statusCode, 201, res.body);
    const { questionnaire, version, warnings } = res.json();
    assert.equal(questionnaire.code, "luz");
    const [lamp, kind, height, brightness] = version.definition.questions;
    assert.deepEqual(lamp.label, {
      "pt-BR": "A lâmpada está acesa?",
      en: "Is the lamp on?",
      es: "¿La lámpara está encendida?",
    });
    assert.equal(lamp.prompts.chat.en, "Is the lamp on? Answer yes or no.");
    assert.deepEqual(kind.relevant, { question: "lamp_on", op: "eq", value: false });
    assert.equal(kind.scoring, "choices");
    assert.deepEqual(
      kind.choices.map((c: { value: string; score: number }) => [c.value, c.score]),
      [
        ["broken", 0],
        ["flicker", 0.5],
        ["dim", 0.75],
      ],
    );
    assert.deepEqual(height.constraint, { min: 0 });
    assert.equal(brightness.type, "scale");
    assert.deepEqual(
      warnings.map((w: { code: string; row: number }) => [w.code, w.row]),
      [
        ["group_flattened", 3],
        ["choice_filter_ignored", 4],
        ["strict_bound_inclusive", 5],
      ],
    );
    const published = await send("POST", `/api/v1/questionnaires/${questionnaire.id}/publish`);
    assert.equal(published.statusCode, 200, published.body);
  });

  it("refuses a form outside the subset, naming each row and the text", async () => {
    const res = await importForm("nao-suportado.xlsx", { service: serviceCode });
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json();
    assert.equal(body.code, "invalid_xlsform");
    assert.deepEqual(
      body.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
      [
        ["file.survey.3", "unsupported_repeat"],
        ["file.survey.5", "unsupported_repeat"],
        ["file.survey.6", "unsupported_calculate"],
        ["file.survey.7", "unsupported_relevant"],
        ["file.survey.8", "unsupported_constraint"],
      ],
    );
    assert.match(body.errors[4].detail, /linha 8: .*regex/);
    const stored = await db.query("SELECT 1 FROM questionnaires WHERE code = 'arvores'");
    assert.equal(stored.length, 0);
  });

  it("refuses a file that is not an .xlsx, a missing file and a new form without a subject", async () => {
    const notXlsx = await importForm("x.xlsx", { service: serviceCode }, Buffer.from("type,name\ntext,a\n"));
    assert.equal(notXlsx.statusCode, 415);
    assert.equal(notXlsx.json().code, "not_an_xlsx");
    const json = await send("POST", "/api/v1/questionnaires/import", {});
    assert.equal(json.statusCode >= 400 && json.statusCode < 500, true, json.body);
    const noSubject = await importForm("iluminacao.xlsx", { code: "sem-assunto" });
    assert.equal(noSubject.statusCode, 422);
    assert.equal(noSubject.json().code, "subject_required");
  });
});
