/**
 * A citizen auditor who chose WhatsApp is asked by message, end to end: the planned try opens the questionnaire in
 * the conversation of their number (the introduction and the first question with its buttons, at the fake Graph
 * API); each answer — a button, a number typed for a choice, a row of a list, words — is read by the conversation
 * engine, the skip logic asks "why not?" after a "no", and the last answer stores one response (channel chat) with
 * the call completed and the block's scores stale. "sair do auditor" in the middle stops the calls and the survey;
 * the window's end closes one left unfinished.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUDITOR_CONSENT_VERSION } from "../../domain/auditors.ts";
import { publishedQuestionnaire } from "../../tests/auditor-calls.ts";
import { drain } from "../../tests/factories.ts";
import { staffHeaders } from "../../tests/helpers.ts";
import { whatsAppTestApp } from "../../tests/whatsapp-app.ts";
import { one } from "../db/index.ts";
import { runOnce } from "../jobs/runner.ts";
import { closeAuditorSurveyJob } from "./chat-survey.ts";

const ACCOUNT = { appSecret: "meta-app-secret-survey", phoneNumberId: "1097316900", token: "EAAG-survey" };
// The survey opens outside WhatsApp's 24-hour window: its first messages go as the city's approved template.
const { fake, app, ctx, hook, sentTo, lastChoices } = await whatsAppTestApp(
  ACCOUNT,
  "conversation.reply=conversa_156:text",
);
const db = ctx.db;
const agent = await staffHeaders(db, "agent");
const label = (text: string) => ({ "pt-BR": text });
const versionId = await publishedQuestionnaire(db, "auditor-mensagem", {
  questions: [
    {
      name: "coleta",
      type: "yes_no",
      required: true,
      label: label("A coleta passou nesta semana?"),
      scoring: "yes_good",
    },
    {
      name: "motivo",
      type: "single_choice",
      label: label("O que aconteceu?"),
      relevant: { question: "coleta", op: "eq", value: false },
      choices: [
        { value: "atrasou", label: label("Atrasou") },
        { value: "nao_veio", label: label("Não veio") },
      ],
    },
    {
      name: "limpeza",
      type: "scale",
      required: true,
      label: label("Que nota dá à limpeza da rua?"),
      scoring: "scale",
    },
    { name: "comentario", type: "text", label: label("Quer contar algo mais?") },
    { name: "foto", type: "photo", label: label("Foto") },
  ],
});
const block = await one<{ lat: number; lon: number }>(
  db,
  "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM blocks ORDER BY id LIMIT 1",
);

/** An auditor enrolled by WhatsApp on `phone`, with a try due now, placed by the worker: the call's id. */
async function surveyOpened(phone: string): Promise<{ auditorId: number; callId: number }> {
  const enrolled = await app.inject({
    method: "POST",
    url: "/api/v1/auditors",
    headers: agent,
    payload: {
      consent: true,
      consentTextVersion: AUDITOR_CONSENT_VERSION,
      name: "Auditora por mensagem",
      phone: `+${phone}`,
      channel: "whatsapp",
      point: block,
      windows: [{ weekday: 1, starts: "09:00", ends: "12:00" }],
    },
  });
  assert.equal(enrolled.statusCode, 201, enrolled.body);
  const auditorId = Number(enrolled.json().id);
  const { id } = await one<{ id: number }>(
    db,
    `INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at)
     VALUES ($1, $2, now(), now() + interval '2 hours') RETURNING id`,
    [auditorId, versionId],
  );
  await db.query(
    "INSERT INTO outbox (job, payload) VALUES ('place-auditor-call', jsonb_build_object('callId', $1::bigint))",
    [id],
  );
  await drain(ctx);
  return { auditorId, callId: Number(id) };
}

async function send(from: string, payload: unknown): Promise<string> {
  assert.equal((await fake.post(hook, payload)).status, 200);
  await drain(ctx);
  return sentTo(from).at(-1)!;
}

describe("a citizen auditor asked by WhatsApp", () => {
  it("asks the questionnaire by message and stores the answers as one response of the chat", async () => {
    const from = "5511987653001";
    const { callId } = await surveyOpened(from);
    const opened = sentTo(from);
    assert.match(opened.at(-2)!, /pesquisa do cidadão auditor/);
    assert.match(opened.at(-1)!, /A coleta passou nesta semana\?/);
    const first = fake.messages.filter((m) => m.body.to === from).at(-1)!.body as { type: string };
    assert.equal(first.type, "template", "outside the window: the approved template, without buttons");
    const call = await one<{ state: string; channel: string }>(
      db,
      "SELECT state, channel FROM auditor_calls WHERE id = $1",
      [callId],
    );
    assert.deepEqual({ ...call }, { state: "answered", channel: "whatsapp" });

    // Without buttons the words (or 1 and 2, as the question's choices were numbered) answer it.
    assert.match(await send(from, fake.text(from, "não")), /O que aconteceu\?/);
    assert.deepEqual(lastChoices(from), ["choice:atrasou", "choice:nao_veio"]);
    assert.match(await send(from, fake.text(from, "quem sabe")), /O que aconteceu\?/, "asked again");
    assert.match(sentTo(from).at(-2)!, /Não consegui usar essa resposta/);
    assert.match(
      await send(from, fake.text(from, "2")),
      /Que nota dá à limpeza/,
      "a number typed picks the button",
    );
    assert.equal(lastChoices(from).length, 5);
    assert.match(await send(from, fake.reply(from, "list_reply", "scale:2", "2")), /Quer contar algo mais\?/);
    assert.match(
      await send(from, fake.text(from, "Tem lixo acumulado na esquina")),
      /Obrigado! Suas respostas/,
    );

    const stored = await one<{
      state: string;
      channel: string;
      answers: { question: string; value: unknown }[];
    }>(
      db,
      `SELECT c.state, r.channel,
              (SELECT json_agg(json_build_object('question', x.question, 'value', x.value) ORDER BY x.question)
                 FROM answers x WHERE x.response_id = r.id) AS answers
         FROM auditor_calls c JOIN responses r ON r.id = c.response_id WHERE c.id = $1`,
      [callId],
    );
    assert.equal(stored.state, "completed");
    assert.equal(stored.channel, "chat");
    assert.deepEqual(stored.answers, [
      { question: "coleta", value: false },
      { question: "comentario", value: "Tem lixo acumulado na esquina" },
      { question: "limpeza", value: 2 },
      { question: "motivo", value: "nao_veio" },
    ]);
    const stale = await db.query(
      "SELECT 1 FROM outbox WHERE job = 'refresh-stale-block-scores' AND done_at IS NULL",
    );
    assert.ok(stale.length > 0, "the block's scores are refreshed soon");
    // The conversation is free again: a new message is a new demand, not an answer.
    assert.match(await send(from, fake.text(from, "oi")), /Conte o problema/);
  });

  it("stops the calls and the survey on 'sair do auditor', and closes one left unfinished at the window's end", async () => {
    const from = "5511987653002";
    const { auditorId, callId } = await surveyOpened(from);
    assert.match(await send(from, fake.text(from, "sair do auditor")), /não receberá mais essas ligações/);
    const left = await one<{ state: string; last_outcome: string; auditor: string }>(
      db,
      `SELECT c.state, c.last_outcome, a.state AS auditor FROM auditor_calls c JOIN auditors a ON a.id = c.auditor_id
        WHERE c.id = $1`,
      [callId],
    );
    assert.deepEqual({ ...left }, { state: "cancelled", last_outcome: "opted_out", auditor: "revoked" });
    void auditorId;

    const quiet = "5511987653003";
    const second = await surveyOpened(quiet);
    await db.query("UPDATE outbox SET run_at = now() WHERE job = 'close-auditor-survey'");
    await runOnce(ctx, [closeAuditorSurveyJob]);
    const closed = await one<{ state: string; last_outcome: string }>(
      db,
      "SELECT state, last_outcome FROM auditor_calls WHERE id = $1",
      [second.callId],
    );
    assert.deepEqual({ ...closed }, { state: "missed", last_outcome: "no_input" });
    const after = await send(quiet, fake.text(quiet, "sim"));
    assert.doesNotMatch(after, /Que nota|coleta|Obrigado! Suas respostas/, "no longer a survey answer");
  });
});
