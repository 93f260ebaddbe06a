/**
 * Flows written by the thematic managers: the definition's rules (refused when wrong), its effect on a service's
 * questions (order, wording, checks, retries, the required ones never lost), the routes that keep it on a service or
 * a group (the most specific wins, the audit log records it), and a conversation that follows it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findPlainService } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { FlowDefinition, passesRules, writtenFlow } from "./flow-definitions.ts";
import { defaultFlow, type FlowService } from "./flows.ts";
import { conversationPorts } from "./ports.ts";
import { advance, answerQuestion } from "./questions.ts";
import { newConversation } from "./state.ts";

const words = (pt: string) => ({ "pt-BR": pt, en: `${pt} (en)`, es: `${pt} (es)` });
const PLATE = {
  code: "placa",
  datatype: "string" as const,
  required: true,
  order: 1,
  description: words("Qual a placa do veículo?"),
  values: [],
};
const COLOR = { ...PLATE, code: "cor", required: false, order: 2, description: words("Qual a cor?") };
const SERVICE: FlowService = {
  code: "SP-TEST",
  name: words("Veículo abandonado"),
  locationRequired: true,
  anonymousAllowed: false,
  wantsPhoto: true,
  attributes: [PLATE, COLOR],
};

describe("written conversation flows", () => {
  it("refuses definitions that are not well made", () => {
    const bad = [
      { questions: [] },
      { questions: [{ ask: "attribute" }] },
      { questions: [{ ask: "place", code: "x" }] },
      { questions: [{ ask: "place" }, { ask: "place" }] },
      { questions: [{ ask: "attribute", code: "placa", rules: { pattern: "([a-z" } }] },
      { questions: [{ ask: "attribute", code: "placa", rules: { pattern: "(a+)+" } }] },
      { questions: [{ ask: "place", prompt: { "pt-BR": "Onde?" } }] },
      { questions: [{ ask: "place" }], retries: 9 },
      { questions: [{ ask: "place", extra: true }] },
    ];
    for (const b of bad) assert.equal(FlowDefinition.safeParse(b).success, false, JSON.stringify(b));
    assert.equal(FlowDefinition.parse({ questions: [{ ask: "photo" }] }).retries, 2);
  });

  it("asks in the written order and words, checks answers, and never loses a required question", () => {
    const definition = FlowDefinition.parse({
      questions: [
        { ask: "photo", required: true, prompt: words("Mande uma foto do veículo.") },
        {
          ask: "attribute",
          code: "placa",
          required: false,
          sms: words("Placa?"),
          rules: { pattern: "[A-Z]{3}-?[0-9][A-Z0-9][0-9]{2}" },
        },
        { ask: "attribute", code: "cor" },
        { ask: "anonymity" },
      ],
      retries: 0,
    });
    const flow = writtenFlow(defaultFlow(SERVICE), SERVICE, definition);
    assert.deepEqual(
      flow.questions.map((q) => q.id),
      ["photo", "attribute:placa", "attribute:cor", "place"],
      "anonymity is not offered where the service forbids it; the place is asked though left out",
    );
    assert.equal(flow.questions[0]!.required, true);
    assert.equal(flow.questions[1]!.required, true, "a required field stays required");
    assert.equal(flow.questions[1]!.prompts.sms?.["pt-BR"], "Placa?");
    assert.equal(flow.retries, 0);
    assert.equal(passesRules(flow.questions[1]!.rules, "abc1d23"), true);
    assert.equal(passesRules(flow.questions[1]!.rules, "abc 123 e mais"), false);
    assert.equal(passesRules({ min: 1, max: 10 }, 11), false);
    assert.equal(passesRules({ minLength: 3 }, "ab"), false);
  });

  it("keeps flows on services and groups, the most specific applying, and runs them in a conversation", async () => {
    const { app, ctx } = await testApp();
    const db = ctx.db;
    const code = await findPlainService(db);
    const service = await one<{ id: number; group_code: string }>(
      db,
      "SELECT s.id, g.code AS group_code FROM services s JOIN service_groups g ON g.id = s.group_id WHERE s.code = $1",
      [code],
    );
    await db.query("UPDATE services SET attributes = $2::jsonb, location_required = true WHERE id = $1", [
      service.id,
      JSON.stringify([PLATE]),
    ]);
    const manager = await staffHeaders(db, "manager");
    const call = (method: "GET" | "PUT" | "DELETE", url: string, payload?: object) =>
      app.inject({ method, url, headers: { authorization: manager.authorization }, payload });

    const before = await call("GET", `/api/v1/services/${code}/flow`);
    assert.equal(before.statusCode, 200);
    assert.equal(before.json().source, "default");

    const unknown = await call("PUT", `/api/v1/services/${code}/flow`, {
      questions: [{ ask: "attribute", code: "nao_existe" }],
    });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().errors[0].field, "questions[0].code");

    const forGroup = await call("PUT", `/api/v1/service-groups/${service.group_code}/flow`, {
      questions: [{ ask: "place", prompt: words("Em que rua fica?") }],
    });
    assert.equal(forGroup.statusCode, 200);
    const viaGroup = (await call("GET", `/api/v1/services/${code}/flow`)).json();
    assert.equal(viaGroup.source, "group");
    assert.equal(viaGroup.questions[0].prompt["pt-BR"], "Em que rua fica?");

    const own = await call("PUT", `/api/v1/services/${code}/flow`, {
      questions: [
        { ask: "attribute", code: "placa", rules: { pattern: "[A-Z]{3}-?[0-9][A-Z0-9][0-9]{2}" } },
        { ask: "place" },
      ],
      retries: 1,
    });
    assert.equal(own.statusCode, 200, own.body);
    assert.equal(own.json().source, "service");
    assert.deepEqual(
      own.json().questions.map((q: { id: string }) => q.id),
      ["attribute:placa", "place", "anonymity"],
      "an optional question left out (the photo) is not asked; a required one (anonymity) still is, last",
    );
    const audit = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'conversation_flow.saved'",
    );
    assert.equal(audit.n, 2);

    // The conversation asks the plate first (in the SMS wording when there is one), refuses wrong plates, offers a
    // person after the allowed retry and hands over after one more.
    const ports = conversationPorts(db, "sms", "5511900001111");
    const start = { ...newConversation(), draft: { ...newConversation().draft, service: code } };
    const asked = await advance(start, ports);
    assert.match(JSON.stringify(asked.effects), /Qual a placa do veículo/);
    const wrong = await answerQuestion(asked.state, { kind: "text", text: "não sei" }, ports);
    assert.equal(wrong.state.retries, 1);
    assert.ok(
      !JSON.stringify(wrong.effects).includes('"person"'),
      "one wrong answer is allowed (retries: 1)",
    );
    const again = await answerQuestion(wrong.state, { kind: "text", text: "também não" }, ports);
    assert.ok(JSON.stringify(again.effects).includes('"person"'), "then a person is offered");
    const handed = await answerQuestion(again.state, { kind: "text", text: "sei lá" }, ports);
    assert.equal(handed.state.step, "agent", "and then the conversation is handed over");
    assert.ok(handed.effects.some((e) => e.kind === "hand_over"));
    const right = await answerQuestion(asked.state, { kind: "text", text: "ABC1D23" }, ports);
    assert.equal(right.state.draft.answers.placa, "ABC1D23");
    assert.equal(right.state.step, "question");
    assert.match(JSON.stringify(right.effects), /Em que rua fica|conversation\.question/);

    assert.equal((await call("DELETE", `/api/v1/services/${code}/flow`)).statusCode, 204);
    assert.equal((await call("GET", `/api/v1/services/${code}/flow`)).json().source, "group");
    assert.equal((await call("DELETE", `/api/v1/services/${code}/flow`)).statusCode, 404);
    assert.equal((await call("DELETE", `/api/v1/service-groups/${service.group_code}/flow`)).statusCode, 204);
    assert.equal((await call("GET", `/api/v1/services/${code}/flow`)).json().source, "default");
    await app.close();
  });
});
