/**
 * Calls to citizen auditors driven as Twilio drives them, on loopback: the call placed through the fake's Calls
 * resource (form-encoded, Basic auth), then the signed requests Twilio posts to the call's URL (AnsweredBy, Digits,
 * SpeechResult) and its status callback. A call answered by keypad to the end, a wrong key and silence, a call
 * nobody answers tried again in the window, an answering machine, a do-not-call arriving while a call is planned,
 * and the quiet night.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { auditorCallsApp, CITY_LINE, callDueNow, publishedQuestionnaire } from "../../tests/auditor-calls.ts";
import { staffHeaders } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { runOnce } from "../jobs/runner.ts";
import { CALL_RETRY_MINUTES, findAuditorCall, placeAuditorCallJob } from "./calls.ts";

const { twilio, app, ctx, db, agent, enrol } = await auditorCallsApp();
const manager = await staffHeaders(db, "manager");

// A questionnaire a call can ask: yes or no (its own voice prompt), a 1–5 score (the label and the keypad hint),
// and, only when the collection did not come, one choice.
const DEFINITION = {
  questions: [
    {
      name: "coleta",
      type: "yes_no",
      required: true,
      label: { "pt-BR": "A coleta de lixo passou nesta semana?" },
      prompts: { voice: { "pt-BR": "A coleta de lixo passou nesta semana? Tecle 1 para sim, 2 para não." } },
      scoring: "yes_good",
    },
    {
      name: "motivo",
      type: "single_choice",
      label: { "pt-BR": "O que aconteceu?" },
      relevant: { question: "coleta", op: "eq", value: false },
      choices: [
        { value: "nao_passou", label: { "pt-BR": "não passou" } },
        { value: "atrasou", label: { "pt-BR": "passou atrasada" } },
      ],
    },
    {
      name: "limpeza",
      type: "scale",
      required: true,
      label: { "pt-BR": "Que nota você dá à limpeza da rua?" },
    },
  ],
};
const versionId = await publishedQuestionnaire(db, "auditor-coleta", DEFINITION);
const block = await one<{ lat: number; lon: number }>(
  db,
  "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM blocks ORDER BY id LIMIT 1",
);

/** An auditor enrolled by an agent, who accepts calls every day from 08:00 to 21:00. */
const enrolled = () => enrol({ point: block });

/** Tomorrow at `time` on the city's wall clock, as an instant. */
async function tomorrowAt(time: string): Promise<string> {
  const { at } = await one<{ at: Date }>(
    db,
    `SELECT (date_trunc('day', city_local_time(now())) + interval '1 day' + $1::time)
              AT TIME ZONE coalesce((SELECT time_zone FROM calendar_settings WHERE id), 'America/Sao_Paulo') AS at`,
    [time],
  );
  return new Date(at).toISOString();
}

const plan = async (auditorId: number, payload: object = {}) =>
  app.inject({
    method: "POST",
    url: `/api/v1/auditors/${auditorId}/calls`,
    headers: manager,
    payload: { versionId: Number(versionId), at: await tomorrowAt("10:00"), ...payload },
  });

const timeComes = (callId: number) => callDueNow(db, callId);

/** Plans a call, its time comes and the worker places it; answers the call's id and the fake's record of it. */
async function placed(auditorId: number) {
  const res = await plan(auditorId);
  assert.equal(res.statusCode, 201, res.body);
  const callId = Number(res.json().id);
  const before = twilio.calls.length;
  await runOnce(ctx, [placeAuditorCallJob]);
  assert.equal(twilio.calls.length, before, "nothing is placed before its time");
  await timeComes(callId);
  await runOnce(ctx, [placeAuditorCallJob]);
  assert.equal(twilio.calls.length, before + 1, "one call placed");
  return { callId, call: twilio.calls.at(-1)! };
}

const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "Say" });
/** What a TwiML answer says, where its question's answer goes, and whether it hangs up. */
function read(answer: { status: number; body: string }) {
  assert.equal(answer.status, 200, answer.body);
  assert.equal(XMLValidator.validate(answer.body), true, answer.body);
  const r = xml.parse(answer.body).Response as Record<string, unknown>;
  type SayNode = { "#text": string };
  const g = r.Gather as (Record<string, string> & { Say?: SayNode[] }) | undefined;
  const says = [...((r.Say ?? []) as SayNode[]), ...(g?.Say ?? [])].map((s) => s["#text"]);
  return { says: says.join(" "), action: g?.["@_action"], hangup: "Hangup" in r };
}

const state = async (callId: number) => (await findAuditorCall(db, callId))!;

describe("a citizen auditor's call", () => {
  it("is placed through the Calls resource and answered by keypad to the end, into the one table of answers", async () => {
    const auditor = await enrolled();
    const { callId, call } = await placed(auditor.id);
    assert.equal(call.to, auditor.phone);
    assert.equal(call.from, CITY_LINE);
    assert.equal(call.machineDetection, "Enable");
    assert.match(call.url, new RegExp(`/api/v1/telephony/twilio/auditor-call\\?call=${callId}$`));
    assert.deepEqual(call.statusCallbackEvents, ["initiated", "ringing", "answered", "completed"]);
    assert.equal((await state(callId)).state, "dialling");

    const first = read(await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "human" }));
    assert.match(first.says, /Central 156.*cidadão auditor.*A coleta de lixo passou nesta semana\? Tecle 1/s);
    assert.match(first.action ?? "", /&q=coleta&tries=0$/);
    // "Não" said aloud: the collection did not come, so the call asks what happened.
    const second = read(
      await twilio.callRequest(call.sid, "in-progress", { SpeechResult: "não passou" }, first.action),
    );
    assert.match(second.says, /O que aconteceu\? Para não passou, tecle 1\. Para passou atrasada, tecle 2\./);
    const third = read(await twilio.callRequest(call.sid, "in-progress", { Digits: "2" }, second.action));
    assert.match(third.says, /limpeza da rua\? Tecle de 1, muito ruim, a 5, muito bom\./);
    assert.equal((await state(callId)).state, "answered");
    const last = read(await twilio.callRequest(call.sid, "in-progress", { Digits: "4" }, third.action));
    assert.match(last.says, /Obrigado!/);
    assert.equal(last.hangup, true);

    const done = await state(callId);
    assert.equal(done.state, "completed");
    const answers = await db.query<{
      question: string;
      value: unknown;
      respondent_kind: string;
      channel: string;
    }>(
      `SELECT a.question, a.value, a.respondent_kind, r.channel FROM answers a JOIN responses r ON r.id = a.response_id
        WHERE r.id = $1 ORDER BY a.id`,
      [done.response_id],
    );
    assert.deepEqual(
      answers.map((a) => [a.question, a.value, a.respondent_kind, a.channel]),
      [
        ["coleta", false, "auditor", "voice"],
        ["motivo", "atrasou", "auditor", "voice"],
        ["limpeza", 4, "auditor", "voice"],
      ],
    );
    const stale = await db.query(
      "SELECT 1 FROM outbox WHERE job = 'refresh-stale-block-scores' AND done_at IS NULL",
    );
    assert.ok(stale.length > 0, "the block's scores are marked stale");
    // The last step posted again (a retried webhook) stores nothing twice.
    read(await twilio.callRequest(call.sid, "in-progress", { Digits: "4" }, third.action));
    const responses = await db.query(
      "SELECT 1 FROM responses WHERE client_id = md5('auditor-call:' || $1::text)::uuid",
      [callId],
    );
    assert.equal(responses.length, 1);
  });

  it("asks again after a wrong key or silence, and ends politely when a required question gets no answer", async () => {
    const { callId, call } = await placed((await enrolled()).id);
    const first = read(await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "human" }));
    const wrong = read(await twilio.callRequest(call.sid, "in-progress", { Digits: "7" }, first.action));
    assert.match(wrong.says, /Não entendemos a resposta.*A coleta de lixo passou/s);
    assert.match(wrong.action ?? "", /&tries=1$/);
    const silent = read(await twilio.callRequest(call.sid, "in-progress", {}, wrong.action));
    assert.match(silent.says, /Não recebemos nenhuma resposta/);
    const end = read(await twilio.callRequest(call.sid, "in-progress", {}, silent.action));
    assert.match(end.says, /vamos encerrar a ligação/);
    assert.equal(end.hangup, true);
    const row = await state(callId);
    assert.deepEqual([row.state, row.last_outcome, row.response_id], ["missed", "no_input", null]);
  });

  it("tries a call nobody answered again inside the window, and hangs up on an answering machine", async () => {
    const auditor = await enrolled();
    const { callId, call } = await placed(auditor.id);
    assert.equal((await twilio.callRequest(call.sid, "no-answer")).status, 200);
    let row = await state(callId);
    assert.deepEqual([row.state, row.last_outcome, row.attempts], ["planned", "no-answer", 1]);
    const queued = await one<{ delay: number }>(
      db,
      `SELECT extract(epoch FROM run_at - now())::int AS delay FROM outbox
        WHERE job = 'place-auditor-call' AND (payload->>'callId')::bigint = $1 AND done_at IS NULL`,
      [callId],
    );
    assert.ok(queued.delay > (CALL_RETRY_MINUTES - 1) * 60, `the next try waits ${queued.delay} s`);
    // The retry's time comes: the worker places the second try.
    await timeComes(callId);
    await runOnce(ctx, [placeAuditorCallJob]);
    const second = twilio.calls.at(-1)!;
    assert.notEqual(second.sid, call.sid);
    assert.equal((await state(callId)).attempts, 2);
    // A late callback of the first try changes nothing.
    await twilio.callRequest(call.sid, "completed");
    assert.equal((await state(callId)).state, "dialling");
    const machine = read(
      await twilio.callRequest(second.sid, "in-progress", { AnsweredBy: "machine_start" }),
    );
    assert.equal(machine.hangup, true);
    assert.equal(machine.says, "", "nothing is left on a machine");
    row = await state(callId);
    assert.deepEqual(
      [row.state, row.last_outcome],
      ["planned", "machine"],
      "tried again later in the window",
    );
    // The last try nobody answers: the window's tries are spent and the call is missed.
    await timeComes(callId);
    await runOnce(ctx, [placeAuditorCallJob]);
    await twilio.callRequest(twilio.calls.at(-1)!.sid, "busy");
    row = await state(callId);
    assert.deepEqual([row.state, row.last_outcome, row.attempts], ["missed", "busy", 3]);
  });

  it("never places a call planned before a do-not-call, and refuses to plan one then", async () => {
    const auditor = await enrolled();
    const res = await plan(auditor.id);
    assert.equal(res.statusCode, 201, res.body);
    await db.query("UPDATE auditors SET do_not_call = true WHERE id = $1", [auditor.id]);
    const before = twilio.calls.length;
    await timeComes(Number(res.json().id));
    await runOnce(ctx, [placeAuditorCallJob]);
    assert.equal(twilio.calls.length, before, "no call placed");
    const row = await state(Number(res.json().id));
    assert.deepEqual([row.state, row.last_outcome], ["cancelled", "not_callable"]);
    const refused = await plan(auditor.id);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, "auditor_not_callable");
  });

  it("calls nobody in the quiet night, nor twice at once, nor with a questionnaire a keypad cannot answer", async () => {
    const auditor = await enrolled();
    const night = await plan(auditor.id, { at: await tomorrowAt("21:30") });
    assert.equal(night.statusCode, 422, night.body);
    assert.equal(night.json().code, "auditor_outside_window");
    const other = await enrolled();
    assert.equal((await plan(other.id)).statusCode, 201);
    const twice = await plan(other.id);
    assert.equal(twice.json().code, "auditor_call_open");
    const photo = await one<{ id: number }>(
      db,
      `INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
       SELECT questionnaire_id, 2, 'draft', $2, NULL FROM questionnaire_versions WHERE id = $1 RETURNING id`,
      [
        versionId,
        JSON.stringify({
          questions: [{ name: "foto", type: "photo", required: true, label: { "pt-BR": "Foto" } }],
        }),
      ],
    );
    const third = await enrolled();
    const unaskable = await plan(third.id, { versionId: Number(photo.id) });
    assert.equal(unaskable.statusCode, 422);
    assert.equal(unaskable.json().code, "auditor_questionnaire_not_voice");
    const listed = await app.inject({ url: `/api/v1/auditors/${other.id}/calls`, headers: agent });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      listed.json().data.map((c: { state: string }) => c.state),
      ["planned"],
    );
  });

  it("stops the calls at once when the auditor presses star on the call, at any question", async () => {
    const auditor = await enrolled();
    const { callId, call } = await placed(auditor.id);
    const first = read(await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "human" }));
    assert.match(first.says, /Para não receber mais estas ligações, tecle asterisco a qualquer momento\./);
    const stop = read(await twilio.callRequest(call.sid, "in-progress", { Digits: "*" }, first.action));
    assert.match(stop.says, /você não receberá mais as ligações do cidadão auditor/);
    assert.equal(stop.hangup, true);
    const ended = await state(callId);
    assert.deepEqual([ended.state, ended.last_outcome], ["cancelled", "opted_out"]);
    const enrolment = await one<{ state: string; revoked_channel: string }>(
      db,
      "SELECT state, revoked_channel FROM auditors WHERE id = $1",
      [auditor.id],
    );
    assert.deepEqual(enrolment, { state: "revoked", revoked_channel: "phone" });
    const consent = await one<{ granted: boolean; channel: string }>(
      db,
      `SELECT granted, channel FROM consents WHERE citizen_id = $1 AND purpose = 'citizen_auditor'
        ORDER BY id DESC LIMIT 1`,
      [auditor.citizenId],
    );
    assert.deepEqual(consent, { granted: false, channel: "phone" });
    // The same step posted again (a retried webhook) only hangs up; no call can be planned any more.
    assert.equal(
      read(await twilio.callRequest(call.sid, "in-progress", { Digits: "*" }, first.action)).hangup,
      true,
    );
    assert.equal((await plan(auditor.id)).statusCode, 409);
  });
});
