/**
 * Calls to citizen auditors placed over SIP (issue 18, decision 0072): the worker places the call through the
 * gateway's Calls interface exactly as through Twilio's; the gateway calls the auditor's number at the PBX (here a
 * phone played by our own user agent on loopback), tells a person from an answering machine by the audio, runs the
 * questionnaire by the platform's TwiML with espeak-ng prompts and RFC 4733 keys, and keeps the recording until the
 * platform fetched and deleted it. A busy line is tried again inside the window.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { AUDITOR_CONSENT_VERSION } from "../../../domain/auditors.ts";
import { findAuditorCall, placeAuditorCallJob } from "../../../server/auditors/calls.ts";
import { fetchCallRecordingJob } from "../../../server/auditors/recordings.ts";
import { one } from "../../../server/db/index.ts";
import { runOnce } from "../../../server/jobs/runner.ts";
import { callDueNow, publishedQuestionnaire } from "../../../tests/auditor-calls.ts";
import { staffHeaders, testApp } from "../../../tests/helpers.ts";
import { type SipCall, startSipAgent } from "./agent.ts";
import { startSipGateway } from "./gateway.ts";
import { startCallsRest } from "./rest.ts";
import { openRtp, type RtpSession } from "./rtp.ts";
import { buildSdp, parseSdp } from "./sdp.ts";
import { espeakSpeech } from "./speech.ts";

const TOKEN = "sip-outbound-test-token-0123456789";
const ACCOUNT = `AC${"7".repeat(32)}`;
const CITY_LINE = "+551133330156";
const { app, ctx } = await testApp({
  twilioAuthToken: TOKEN,
  callRecordingDays: 30,
  auditorCalls: {
    apiUrl: "http://127.0.0.1:9",
    accountSid: ACCOUNT,
    authToken: TOKEN,
    from: CITY_LINE,
    concurrent: 10,
  },
});
const db = ctx.db;
const base = await app.listen({ port: 0, host: "127.0.0.1" });
ctx.config.publicUrl = base;
const manager = await staffHeaders(db, "manager");
const agentHeaders = await staffHeaders(db, "agent");

/** How the phone at the other end behaves when it rings. */
type Phone = (call: SipCall, rtp: RtpSession) => Promise<void>;
let behaviour: Phone | "busy" | "unanswered" = "busy";
const rang: string[] = [];
const phoneDone: Promise<void>[] = [];
const phone = await startSipAgent({
  host: "127.0.0.1",
  onInvite(invite) {
    rang.push(invite.uri);
    if (behaviour === "busy") return invite.reject(486, "Busy Here");
    // Rang out: the PBX's own ring timeout ends the attempt as Asterisk does (480).
    if (behaviour === "unanswered") return invite.reject(480, "Temporarily Unavailable");
    const act = behaviour;
    phoneDone.push(
      (async () => {
        const rtp = await openRtp("127.0.0.1");
        const offer = parseSdp(invite.offer)!;
        rtp.connect(offer.address, offer.port, offer.eventPayload);
        const call = invite.answer(buildSdp({ address: "127.0.0.1", port: rtp.port, sessionId: 2 }));
        try {
          await act(call, rtp);
        } finally {
          rtp.close();
        }
      })(),
    );
  },
});
const prompts = await mkdtemp(join(tmpdir(), "responsiva-prompts-"));
const recordings = await mkdtemp(join(tmpdir(), "responsiva-sip-recordings-"));
// Fast speech: the same prompts, said in a third of the time.
const speech = espeakSpeech({ folder: prompts, wordsPerMinute: 450 });
const voiceUrl = `${base}/api/v1/telephony/twilio/voice`;
const gateway = await startSipGateway({
  host: "127.0.0.1",
  port: 0,
  voiceUrl,
  statusUrl: `${base}/api/v1/telephony/twilio/status`,
  authToken: TOKEN,
  accountSid: ACCOUNT,
  speech,
});
const rest = await startCallsRest({
  host: "127.0.0.1",
  port: 0,
  accountSid: ACCOUNT,
  authToken: TOKEN,
  agent: gateway.agent,
  rtpHost: "127.0.0.1",
  sdpHost: "127.0.0.1",
  pbxHost: `127.0.0.1:${phone.port}`,
  recordingsFolder: recordings,
  gateway: { voiceUrl, authToken: TOKEN, speech },
});
ctx.config.auditorCalls!.apiUrl = rest.url;
after(async () => {
  await rest.close();
  await gateway.close();
  await phone.close();
  await app.close();
  await rm(prompts, { recursive: true, force: true });
  await rm(recordings, { recursive: true, force: true });
});

// A questionnaire of two keypad answers: yes or no, then a 1–5 score.
const versionId = await publishedQuestionnaire(db, "auditor-sip", {
  questions: [
    { name: "coleta", type: "yes_no", required: true, label: { "pt-BR": "A coleta passou?" } },
    { name: "limpeza", type: "scale", required: true, label: { "pt-BR": "Que nota dá à limpeza?" } },
  ],
});
const block = await one<{ lat: number; lon: number }>(
  db,
  "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM blocks ORDER BY id LIMIT 1",
);

let serial = 0;
/** An auditor enrolled by an agent, called every day 08:00–21:00, with a call planned and due now. */
async function dueCall(version = versionId): Promise<{ callId: number; phone: string }> {
  const number = `+55119${String(Date.now() % 1e4).padStart(4, "0")}${String(++serial).padStart(4, "0")}`;
  const enrolled = await app.inject({
    method: "POST",
    url: "/api/v1/auditors",
    headers: agentHeaders,
    payload: {
      consent: true,
      consentTextVersion: AUDITOR_CONSENT_VERSION,
      name: "Auditora",
      phone: number,
      point: block,
      windows: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, starts: "08:00", ends: "21:00" })),
    },
  });
  assert.equal(enrolled.statusCode, 201, enrolled.body);
  const { at } = await one<{ at: Date }>(
    db,
    `SELECT (date_trunc('day', city_local_time(now())) + interval '1 day 10 hours')
              AT TIME ZONE coalesce((SELECT time_zone FROM calendar_settings WHERE id), 'America/Sao_Paulo') AS at`,
  );
  const planned = await app.inject({
    method: "POST",
    url: `/api/v1/auditors/${enrolled.json().id}/calls`,
    headers: manager,
    payload: { versionId: Number(version), at: new Date(at).toISOString() },
  });
  assert.equal(planned.statusCode, 201, planned.body);
  const callId = Number(planned.json().id);
  await callDueNow(db, callId);
  return { callId, phone: number };
}

const state = async (callId: number) => (await findAuditorCall(db, callId))!;

async function eventually(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** μ-law of a 440 Hz tone, loud enough to be speech to the detector. */
function tone(ms: number): Buffer {
  const samples = (ms / 1000) * 8000;
  const out = Buffer.alloc(samples);
  for (let i = 0; i < samples; i++) {
    // A sine's μ-law bytes: positive half near 0x8f, negative near 0x0f (about ±8000 of 32768).
    out[i] = Math.sin((2 * Math.PI * 440 * i) / 8000) >= 0 ? 0x8f : 0x0f;
  }
  return out;
}
/** Resolves once the gateway has spoken and then fallen quiet for 700 ms: the question waits for its key. */
function question(rtp: RtpSession): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const off = rtp.onAudio(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        off();
        resolve();
      }, 700);
    });
  });
}
const silence = (ms: number) => Buffer.alloc((ms / 1000) * 8000, 0xff);

/**
 * "Alô?" and then silence — a person waiting for the other side to speak — then 1 (yes) to the first question once
 * the gateway has said it.
 */
async function personAnswersYes(rtp: RtpSession): Promise<void> {
  const first = question(rtp);
  await rtp.play(Buffer.concat([tone(400), silence(1500)]));
  await first;
  await rtp.sendDigits("1");
}

const tools = existsSync("/usr/bin/espeak-ng");

describe("calls to citizen auditors over SIP", { skip: tools ? false : "espeak-ng is not installed" }, () => {
  it("is placed through the PBX, tells a person by the audio, is answered by keypad to the end and recorded", async () => {
    behaviour = async (call, rtp) => {
      await personAnswersYes(rtp);
      await question(rtp);
      await rtp.sendDigits("4");
      await call.ended;
    };
    const { callId, phone: number } = await dueCall();
    await runOnce(ctx, [placeAuditorCallJob]);
    await eventually(async () => (await state(callId)).state === "completed", 60_000);
    assert.equal(rang.at(-1), `sip:${number.slice(1)}@127.0.0.1:${phone.port}`);
    const done = await state(callId);
    const answers = await db.query<{ question: string; value: unknown }>(
      "SELECT question, value FROM answers WHERE response_id = $1 ORDER BY id",
      [done.response_id],
    );
    assert.deepEqual(
      answers.map((a) => [a.question, a.value]),
      [
        ["coleta", true],
        ["limpeza", 4],
      ],
    );
    // The recording's callback queued its fetch: the WAV comes from the gateway, which then deletes it.
    await eventually(async () => (await readdir(recordings)).length === 1);
    await eventually(async () => {
      await runOnce(ctx, [fetchCallRecordingJob]);
      const rows = await db.query(
        "SELECT 1 FROM call_recordings WHERE auditor_call_id = $1 AND sha256 IS NOT NULL",
        [callId],
      );
      return rows.length === 1;
    });
    assert.deepEqual(await readdir(recordings), [], "deleted at the gateway once kept by the city");
  });

  it("records a spoken answer after the beep, until the pound key, kept for review", async () => {
    const spoken = await publishedQuestionnaire(db, "auditor-sip-falada", {
      questions: [
        { name: "coleta", type: "yes_no", required: true, label: { "pt-BR": "A coleta passou?" } },
        { name: "comentario", type: "text", required: true, label: { "pt-BR": "Conte o que viu." } },
      ],
    });
    behaviour = async (call, rtp) => {
      await personAnswersYes(rtp);
      // The question, the hint and the beep; then 1.2 s of "speech", a pause, and the pound key.
      await question(rtp);
      await rtp.play(Buffer.concat([silence(600), tone(1200), silence(600)]));
      await rtp.sendDigits("#");
      await call.ended;
    };
    const { callId } = await dueCall(spoken);
    await runOnce(ctx, [placeAuditorCallJob]);
    await eventually(async () => (await state(callId)).state === "completed", 60_000);
    assert.deepEqual((await state(callId)).recorded, ["comentario"]);
    await eventually(async () => {
      await runOnce(ctx, [fetchCallRecordingJob]);
      const rows = await db.query(
        "SELECT 1 FROM call_recordings WHERE auditor_call_id = $1 AND question = 'comentario' AND sha256 IS NOT NULL",
        [callId],
      );
      return rows.length === 1;
    });
    const kept = await one<{ review_state: string; duration_seconds: number; size_bytes: number }>(
      db,
      "SELECT review_state, duration_seconds, size_bytes FROM call_recordings WHERE auditor_call_id = $1 AND question = 'comentario'",
      [callId],
    );
    assert.equal(kept.review_state, "pending", "waiting for a person to write it down");
    // The silence around the speech trimmed: about 1.2 s of audio plus 0.2 s on each side, as 8 kHz μ-law WAV.
    assert.ok(kept.size_bytes > 9000 && kept.size_bytes < 16000, `${kept.size_bytes} bytes`);
    assert.ok(kept.duration_seconds >= 1 && kept.duration_seconds <= 2, `${kept.duration_seconds} s`);
  });

  it("hangs up on an answering machine and tries again later; a busy line and one nobody answers too", async () => {
    behaviour = async (call, rtp) => {
      // A long greeting without a pause: a machine.
      await rtp.play(tone(3000));
      await call.ended;
    };
    const machine = await dueCall();
    await runOnce(ctx, [placeAuditorCallJob]);
    await eventually(async () => (await state(machine.callId)).last_outcome === "machine", 30_000);
    assert.equal((await state(machine.callId)).state, "planned", "another try later in the window");

    behaviour = "busy";
    const busy = await dueCall();
    await runOnce(ctx, [placeAuditorCallJob]);
    await eventually(async () => (await state(busy.callId)).last_outcome === "busy");
    assert.equal((await state(busy.callId)).state, "planned");

    behaviour = "unanswered";
    const unanswered = await dueCall();
    await runOnce(ctx, [placeAuditorCallJob]);
    await eventually(async () => (await state(unanswered.callId)).last_outcome === "no-answer");
    const retried = await state(unanswered.callId);
    assert.equal(retried.state, "planned", "tried again inside the window");
    assert.ok(new Date(retried.due_at).getTime() > Date.now() + 10 * 60_000, "some minutes later");
  });
});
