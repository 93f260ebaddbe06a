/**
 * Spoken answers on an auditor's call, driven as Twilio drives `<Record>` on loopback: a text question asked after a
 * yes/no, answered after the beep (the action with RecordingUrl, RecordingSid, RecordingDuration and Digits, then the
 * recordingStatusCallback); the recording fetched and stored; a person listens and writes it down, and the words
 * become the answer in the one table of answers; an audio question's answer is the recording itself; silence asks
 * again; the star key during a recording stops the calls and lets the audio go.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { auditorCallsApp, publishedQuestionnaire, testWav } from "../../tests/auditor-calls.ts";
import { staffHeaders } from "../../tests/helpers.ts";
import { maybeOne, one } from "../db/index.ts";
import { runOnce } from "../jobs/runner.ts";
import { placeAuditorCallJob } from "./calls.ts";
import { fetchCallRecordingJob, purgeCallRecordingsJob } from "./recordings.ts";

const { twilio, app, ctx, db, agent, enrol } = await auditorCallsApp();
const supervisor = await staffHeaders(db, "supervisor");
const JOBS = [placeAuditorCallJob, fetchCallRecordingJob, purgeCallRecordingsJob];
const label = (text: string) => ({ "pt-BR": text, en: text });

const versionId = await publishedQuestionnaire(db, "auditor-falada", {
  questions: [
    { name: "coleta", type: "yes_no", required: true, label: label("A coleta passou nesta semana?") },
    { name: "comentario", type: "text", required: true, label: label("Conte o que viu na sua quadra.") },
    { name: "recado", type: "audio", label: label("Deixe um recado para a equipe.") },
  ],
});
const block = await one<{ lat: number; lon: number }>(
  db,
  "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM blocks ORDER BY id LIMIT 1",
);

/** A call whose time has come, placed by the worker, answered by a person: the first question's TwiML. */
async function answeredCall() {
  const auditor = await enrol({ point: block, name: "Auditora Falada" });
  const { id: callId } = await one<{ id: number }>(
    db,
    `INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at)
     VALUES ($1, $2, now(), now() + interval '2 hours') RETURNING id`,
    [auditor.id, versionId],
  );
  await db.query(
    "INSERT INTO outbox (job, payload) VALUES ('place-auditor-call', jsonb_build_object('callId', $1::bigint))",
    [callId],
  );
  await runOnce(ctx, JOBS);
  const call = twilio.calls.at(-1)!;
  const first = twiml((await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "human" })).body);
  return { auditor, callId: Number(callId), call, first };
}

const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "Say" });
type Attrs = Record<string, string>;
function twiml(body: string) {
  const r = xml.parse(body).Response as {
    Say?: { "#text": string }[];
    Gather?: Attrs & { Say?: { "#text": string }[] };
    Record?: Attrs;
    Redirect?: { "#text": string };
  };
  const says = [...(r.Say ?? []), ...(r.Gather?.Say ?? [])].map((s) => s["#text"]).join(" ");
  const record = r.Record
    ? { action: r.Record["@_action"]!, recordingStatusCallback: r.Record["@_recordingStatusCallback"]! }
    : undefined;
  return { says, gather: r.Gather?.["@_action"], record, redirect: r.Redirect?.["#text"], raw: r };
}

const wav = (seconds: number) => testWav(seconds, true);

const answersOf = (callId: number) =>
  db.query<{ question: string; value: unknown }>(
    `SELECT x.question, x.value FROM answers x JOIN auditor_calls c ON c.response_id = x.response_id
      WHERE c.id = $1 ORDER BY x.question`,
    [callId],
  );

describe("a spoken answer on an auditor's call", () => {
  it("is recorded after the beep, written down by a person, and becomes the text question's answer", async () => {
    const { callId, call, first } = await answeredCall();
    const second = twiml(
      (await twilio.callRequest(call.sid, "in-progress", { Digits: "1" }, first.gather)).body,
    );
    assert.ok(second.record, "a <Record> for the text question");
    assert.match(second.says, /Conte o que viu.*Depois do sinal, fale a sua resposta/s);
    assert.equal(second.raw.Record?.["@_finishOnKey"], "#*");
    assert.match(
      second.record.recordingStatusCallback,
      new RegExp(`recording\\?call=${callId}&q=comentario$`),
    );
    assert.equal(second.redirect, second.record.action, "silence: the same question again");

    const spoken = wav(3);
    const said = await twilio.recordVerb(call.sid, second.record, spoken, 3);
    assert.equal(said.action.status, 200, said.action.body);
    assert.equal(said.callback?.status, 200, said.callback?.body);
    const third = twiml(said.action.body);
    assert.ok(third.record, "the audio question next");
    assert.match(third.says, /Deixe um recado/);
    const message = wav(2);
    const left = await twilio.recordVerb(call.sid, third.record, message, 2);
    assert.match(twiml(left.action.body).says, /Obrigado/);
    const stored = await one<{ state: string; response_id: number | null; recorded: string[] }>(
      db,
      "SELECT state, response_id, recorded FROM auditor_calls WHERE id = $1",
      [callId],
    );
    assert.equal(stored.state, "completed", "the required text question counts as answered");
    assert.deepEqual(stored.recorded, ["comentario", "recado"]);
    assert.deepEqual(await answersOf(callId), [{ question: "coleta", value: true }]);

    // The worker fetches both recordings; the audio question's answer is its recording, by its hash.
    await runOnce(ctx, JOBS);
    assert.equal(twilio.recordings.get(said.sid)?.deleted, true, "deleted at the provider");
    const recadoHash = createHash("sha256").update(message).digest("hex");
    assert.deepEqual(await answersOf(callId), [
      { question: "coleta", value: true },
      { question: "recado", value: [recadoHash] },
    ]);

    // The queue of answers to write down: the text question's, with its audio.
    assert.equal(
      (await app.inject({ method: "GET", url: "/api/v1/voice-answers", headers: agent })).statusCode,
      403,
    );
    const queue = await app.inject({
      method: "GET",
      url: "/api/v1/voice-answers?limit=200",
      headers: supervisor,
    });
    assert.equal(queue.statusCode, 200, queue.body);
    const item = queue.json().find((v: { callId: number }) => v.callId === callId);
    assert.equal(item.question.name, "comentario");
    assert.equal(item.question.label, "Conte o que viu na sua quadra.");
    assert.equal(item.state, "pending");
    assert.equal(item.durationSeconds, 3);
    const heard = await app.inject({ method: "GET", url: item.audio, headers: supervisor });
    assert.equal(heard.statusCode, 200);
    assert.ok(heard.rawPayload.equals(spoken));

    const review = `/api/v1/voice-answers/${item.id}/review`;
    const words = "O caminhão passou na terça, mas deixou lixo na calçada.";
    const byAgent = await app.inject({
      method: "POST",
      url: review,
      headers: agent,
      payload: { transcript: words },
    });
    assert.equal(byAgent.statusCode, 403);
    const empty = await app.inject({
      method: "POST",
      url: review,
      headers: supervisor,
      payload: { transcript: " " },
    });
    assert.equal(empty.statusCode, 400);
    assert.match(String(empty.headers["content-type"]), /problem\+json/);
    const done = await app.inject({
      method: "POST",
      url: review,
      headers: supervisor,
      payload: { transcript: words },
    });
    assert.equal(done.statusCode, 204, done.body);
    assert.deepEqual(await answersOf(callId), [
      { question: "coleta", value: true },
      { question: "comentario", value: words },
      { question: "recado", value: [recadoHash] },
    ]);
    const twice = await app.inject({
      method: "POST",
      url: review,
      headers: supervisor,
      payload: { discard: true },
    });
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json().code, "voice_answer_reviewed");
    const audit = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'voice_answer.transcribed' AND entity_id = $1",
      [item.id],
    );
    assert.equal(audit.n, 1);
    const reviewed = await app.inject({
      method: "GET",
      url: "/api/v1/voice-answers?state=transcribed&limit=200",
      headers: supervisor,
    });
    const shown = reviewed.json().find((v: { id: number }) => v.id === item.id);
    assert.equal(shown.transcript, words);
    assert.ok(shown.reviewedBy);
  });

  it("asks again on silence, and a discarded answer gives no answer", async () => {
    const { callId, call, first } = await answeredCall();
    const second = twiml(
      (await twilio.callRequest(call.sid, "in-progress", { Digits: "2" }, first.gather)).body,
    );
    // Nothing was said: the provider posts nothing to the action and runs the redirect.
    const silence = twiml((await twilio.callRequest(call.sid, "in-progress", {}, second.redirect)).body);
    assert.match(silence.says, /Não recebemos nenhuma resposta/);
    assert.ok(silence.record);
    const said = await twilio.recordVerb(call.sid, silence.record, wav(1), 1);
    const third = twiml(said.action.body);
    // The optional audio question: silence three times skips it, and the call ends answered.
    let step = third;
    for (let i = 0; i < 3; i++)
      step = twiml((await twilio.callRequest(call.sid, "in-progress", {}, step.redirect)).body);
    assert.match(step.says, /Obrigado/);
    await runOnce(ctx, JOBS);
    const pending = await one<{ id: number }>(
      db,
      "SELECT id FROM call_recordings WHERE auditor_call_id = $1 AND question = 'comentario'",
      [callId],
    );
    const review = `/api/v1/voice-answers/${pending.id}/review`;
    const done = await app.inject({
      method: "POST",
      url: review,
      headers: supervisor,
      payload: { discard: true },
    });
    assert.equal(done.statusCode, 204, done.body);
    assert.deepEqual(await answersOf(callId), [{ question: "coleta", value: false }]);
  });

  it("stops the calls when the star key ends a recording, and lets that audio go", async () => {
    const { auditor, callId, call, first } = await answeredCall();
    const second = twiml(
      (await twilio.callRequest(call.sid, "in-progress", { Digits: "1" }, first.gather)).body,
    );
    const said = await twilio.recordVerb(call.sid, second.record!, wav(1), 1, "*");
    assert.match(twiml(said.action.body).says, /não receberá mais/);
    const row = await maybeOne<{ state: string; last_outcome: string }>(
      db,
      "SELECT state, last_outcome FROM auditor_calls WHERE id = $1",
      [callId],
    );
    assert.deepEqual(row, { state: "cancelled", last_outcome: "opted_out" });
    const enrolment = await one<{ state: string }>(db, "SELECT state FROM auditors WHERE id = $1", [
      auditor.id,
    ]);
    assert.equal(enrolment.state, "revoked");
    await runOnce(ctx, JOBS);
    assert.equal(twilio.recordings.get(said.sid)?.deleted, true, "deleted at the provider, never kept");
    const left = await maybeOne(db, "SELECT 1 FROM call_recordings WHERE provider_recording_id = $1", [
      said.sid,
    ]);
    assert.equal(left, undefined);
  });
});
