/**
 * Answers that say nothing are refused: the known non-answers of non-answers.json in pt-BR, en and es (whatever the
 * accents, case and punctuation), templates left with placeholders, on the department's answer and on a
 * cancellation's reason; real answers that merely contain "encaminhada" pass.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { runOnce } from "../jobs/runner.ts";
import { routeDemandJob } from "../triage/jobs.ts";
import data from "./non-answers.json" with { type: "json" };
import { findAnswerProblem, findNonAnswer, findPlaceholders, normaliseAnswer } from "./non-answers.ts";

const SP156 =
  "Informamos que sua solicitação foi recebida e encaminhada ao setor responsável para as providências cabíveis.";

/** Real answers: they say what was done, when and where, even when they also say "encaminhada" or "atendida". */
const REAL = [
  "Informamos que sua solicitação foi recebida e encaminhada ao setor responsável. Em 12/03 a equipe de pavimentação da Subprefeitura Sé tapou o buraco da Rua Vergueiro, 3000, com 4 m² de asfalto.",
  "O serviço foi executado em 12/03 pela equipe de pavimentação: 4 m² de asfalto na Rua Vergueiro, 3000.",
  "A poda foi encaminhada à Enel porque os galhos tocam a rede elétrica; a Enel tem até 30/04 para podar e a subprefeitura vistoria em seguida.",
  "Informamos que sua solicitação foi atendida: a equipe tapou o buraco em 12/03.",
  "On 12 March the paving team filled the pothole at 3000 Vergueiro St with 4 m² of asphalt. Kind regards, Sé.",
  "Your request has been forwarded to Enel, which owns the power lines: they will prune the tree by 30 April.",
  "El 12 de marzo el equipo de pavimentación tapó el bache de la calle Vergueiro 3000 con asfalto frío.",
];

describe("known non-answers", () => {
  it("refuses every reviewed example, in each language", () => {
    for (const [language, { examples }] of Object.entries(data.languages)) {
      assert.ok(examples.length >= 4, language);
      for (const text of examples) {
        const problem = findAnswerProblem(text);
        assert.equal(problem?.code, "non_answer", `${language}: ${text}`);
      }
    }
  });

  it("quotes the phrase from the text itself, accents and all", () => {
    assert.equal(
      findNonAnswer(SP156),
      "sua solicitação foi recebida e encaminhada ao setor responsável para as providências cabíveis",
    );
  });

  it("ignores accents, case and punctuation", () => {
    const shouted = "INFORMAMOS QUE SUA SOLICITACAO FOI RECEBIDA E ENCAMINHADA AO SETOR RESPONSAVEL!!!";
    assert.equal(findAnswerProblem(shouted)?.code, "non_answer");
    const spaced = "Informamos, que: sua solicitação -- foi recebida...e encaminhada ao setor responsável.";
    assert.equal(findAnswerProblem(spaced)?.code, "non_answer");
    assert.equal(normaliseAnswer("Ação, já!").length, "Ação, já!".length);
    assert.equal(normaliseAnswer("Ação, já!"), "acao  ja ");
  });

  it("lets real answers through, even when they say 'encaminhada' or 'atendida'", () => {
    for (const text of REAL) assert.equal(findAnswerProblem(text), null, text);
  });

  it("does not call a polite answer a non-answer for its greeting and signature", () => {
    const text =
      "Prezado munícipe, em 14/03 a equipe de zeladoria recolheu o entulho da Rua Augusta, 500. Atenciosamente, Subprefeitura Sé.";
    assert.equal(findAnswerProblem(text), null);
  });
});

describe("unfilled placeholders", () => {
  it("finds what templates leave: {x}, [x], <x>, XXX, XX/XX/XXXX, ___ and %x%", () => {
    assert.deepEqual(findPlaceholders("Em {data}, a equipe de {equipe} {o que foi feito} no local."), [
      "{data}",
      "{equipe}",
      "{o que foi feito}",
    ]);
    assert.deepEqual(findPlaceholders("Em XX/XX/XXXX a equipe <nome da equipe> foi à Rua ___ [número]."), [
      "XX/XX/XXXX",
      "<nome da equipe>",
      "___",
      "[número]",
    ]);
    assert.deepEqual(findPlaceholders("Vistoria em %data% na rua XXX."), ["%data%", "XXX"]);
  });

  it("leaves ordinary text alone: numbers in brackets, Roman numerals, a line break tag", () => {
    assert.deepEqual(findPlaceholders("Rua XXV de Março, 300 [1], século XXI, 2<3 e 5>4.<br>"), []);
  });

  it("comes first: a template with placeholders is named as such, not as generic", () => {
    const problem = findAnswerProblem("Em {data}, a equipe de {equipe} {o que foi feito}.");
    assert.deepEqual(problem, {
      code: "unfilled_placeholder",
      placeholders: ["{data}", "{equipe}", "{o que foi feito}"],
    });
  });
});

describe("the paths that answer a citizen", async () => {
  const { app, ctx } = await testApp();
  const db = ctx.db;
  const service = (
    await one<{ code: string }>(
      db,
      `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
        ORDER BY code LIMIT 1`,
    )
  ).code;

  let serial = 0;
  async function dispatchedOrder() {
    serial++;
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service,
        description: `Buraco fundo na pista em frente ao número ${serial}`,
        location: { lat: -23.5503 - serial * 0.004, lon: -46.634 },
        identity: "anonymous",
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { protocol } = res.json() as { protocol: string };
    while ((await runOnce(ctx, [routeDemandJob])) > 0) {}
    const order = await one<{ id: number; code: string; demand_id: number }>(
      db,
      `SELECT o.id, p.code, o.demand_id FROM work_orders o JOIN departments p ON p.id = o.department_id
        JOIN demands d ON d.id = o.demand_id WHERE d.protocol = $1`,
      [protocol],
    );
    const staff = await staffHeaders(db, "department_staff", order.code);
    return { ...order, protocol, headers: { authorization: staff.authorization } };
  }

  const answer = (orderId: number, headers: Record<string, string>, text: string, lang = "pt-BR") =>
    app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${orderId}/answer`,
      headers: { ...headers, "accept-language": lang },
      payload: { answer: text },
    });

  it("refuses the SP156 non-answer on a department's answer with a 422 that quotes it, in each language", async () => {
    const order = await dispatchedOrder();
    for (const [lang, words] of [
      ["pt-BR", /só diz que a solicitação foi recebida/],
      ["en", /only says the request was received/],
      ["es", /solo dice que la solicitud fue recibida/],
    ] as const) {
      const res = await answer(order.id, order.headers, SP156, lang);
      assert.equal(res.statusCode, 422, res.body);
      assert.match(res.headers["content-type"] as string, /^application\/problem\+json/);
      const problem = res.json();
      assert.equal(problem.code, "non_answer");
      assert.match(problem.detail, words);
      assert.match(problem.detail, /encaminhada ao setor responsável para as providências cabíveis/);
      assert.equal(problem.errors[0].field, "answer");
      assert.doesNotMatch(problem.errors[0].detail, /\{phrase\}|fields\./);
    }
    const status = await one<{ status: string }>(db, "SELECT status FROM demands WHERE id = $1", [
      order.demand_id,
    ]);
    assert.notEqual(status.status, "answered", "the demand stays open");
  });

  it("refuses a template whose placeholders were left, naming them", async () => {
    const order = await dispatchedOrder();
    const res = await answer(
      order.id,
      order.headers,
      "Em {data}, a equipe de {equipe} tapou o buraco no local indicado, com asfalto frio e sinalização.",
    );
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, "unfilled_placeholder");
    assert.match(res.json().detail, /\{data\}, \{equipe\}/);
    assert.match(res.json().errors[0].detail, /\{data\}, \{equipe\}/);
  });

  it("takes a real answer that also says 'encaminhada'", async () => {
    const order = await dispatchedOrder();
    const res = await answer(order.id, order.headers, REAL[0]!);
    assert.equal(res.statusCode, 200, res.body);
    const status = await one<{ status: string }>(db, "SELECT status FROM demands WHERE id = $1", [
      order.demand_id,
    ]);
    assert.ok(["answered", "closed"].includes(status.status), status.status);
  });

  it("refuses a cancellation whose reason is a non-answer, and takes a short real reason", async () => {
    const order = await dispatchedOrder();
    const supervisor = await staffHeaders(db, "supervisor");
    const cancel = (reason: string) =>
      app.inject({
        method: "POST",
        url: `/api/v1/demands/${order.protocol}/cancel`,
        headers: { authorization: supervisor.authorization },
        payload: { reason },
      });
    const refused = await cancel("Sua solicitação foi encaminhada à área competente para análise.");
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().code, "non_answer");
    assert.equal(refused.json().errors[0].field, "reason");
    const template = await cancel("Duplicada do protocolo {protocolo}.");
    assert.equal(template.json().code, "unfilled_placeholder");
    const taken = await cancel("Trote: o endereço não existe.");
    assert.equal(taken.statusCode, 204, taken.body);
  });
});
