/**
 * Recordings of the 156 line's inbound calls, driven as Twilio drives them on loopback: the first answer starts the
 * recording (`<Start><Recording>`) and says the legal notice first; an agent takes the call and registers a demand
 * during it; the signed recording callback; the WAV fetched with the account's credentials, stored by its hash and
 * deleted at the provider; the recording on the demand's internal timeline (never on the public one), heard by a
 * supervisor; erased with the caller; nothing recorded where the city records no call.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { type FakeTwilio, startFakeTwilio } from "../../channels/twilio/fake.ts";
import { recordingCallbackParams } from "../../channels/twilio/fake-calls.ts";
import { fakeTwilio } from "../../channels/voice/fake.ts";
import { findPlainService, SE } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { fetchCallRecordingJob, purgeCallRecordingsJob } from "../auditors/recordings.ts";
import { eraseCitizen } from "../citizens/commands.ts";
import { maybeOne, one } from "../db/index.ts";
import { runOnce } from "../jobs/runner.ts";

const TOKEN = "twilio-test-auth-token-inbound-012";
const provider: FakeTwilio = await startFakeTwilio({ authToken: TOKEN });
after(() => provider.close());
const { app, ctx } = await testApp({
  twilioAuthToken: TOKEN,
  callRecordingDays: 30,
  twilioAccount: { apiUrl: provider.url, accountSid: provider.accountSid, authToken: TOKEN },
});
const db = ctx.db;
const base = await app.listen({ port: 0, host: "127.0.0.1" });
ctx.config.publicUrl = base;
const line = fakeTwilio({
  voiceUrl: `${base}/api/v1/telephony/twilio/voice`,
  statusUrl: `${base}/api/v1/telephony/twilio/status`,
  authToken: TOKEN,
});
const agent = await staffHeaders(db, "agent");
const supervisor = await staffHeaders(db, "supervisor");
const service = await findPlainService(db);
const JOBS = [fetchCallRecordingJob, purgeCallRecordingsJob];
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", preserveOrder: true });

/** The verbs of a TwiML answer, in order, by name (the first one the caller hears first). */
function verbsOf(body: string): { name: string; attrs: Record<string, string> }[] {
  const doc = xml.parse(body) as Record<string, unknown>[];
  const response = doc.find((n) => "Response" in n)!.Response as Record<string, unknown>[];
  return response.flatMap((n) => {
    const name = Object.keys(n).find((k) => k !== ":@")!;
    if (name !== "Start") return [{ name, attrs: (n[":@"] ?? {}) as Record<string, string> }];
    const inner = (n.Start as Record<string, unknown>[])[0]!;
    return [{ name: "Start/Recording", attrs: (inner[":@"] ?? {}) as Record<string, string> }];
  });
}

/** A WAV the provider serves (any bytes: the platform stores what it fetched). */
const wav = () =>
  Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(2000, 0x80), Buffer.from(String(Math.random()))]);

/** A call rung, taken by the agent, with a demand registered during it; its recording ready at the provider. */
async function recordedCall(from: string) {
  const { callSid, answer } = await line.ring(from, "+551130000156");
  const call = await one<{ id: number }>(db, "SELECT id FROM calls WHERE provider_call_id = $1", [callSid]);
  await app.inject({ method: "POST", url: `/api/v1/calls/${call.id}/answer`, headers: agent });
  const filed = await app.inject({
    method: "POST",
    url: `/api/v1/calls/${call.id}/demands`,
    headers: { ...agent, "idempotency-key": `rec-${callSid}` },
    payload: {
      service,
      description: "Poste apagado na esquina",
      location: SE,
      citizen: { name: "Ana Souza" },
    },
  });
  assert.equal(filed.statusCode, 201, filed.body);
  await line.status(callSid, "completed");
  const audio = wav();
  const recording = {
    sid: `RE${createHash("md5").update(callSid).digest("hex")}`,
    callSid,
    bytes: audio,
    deleted: false,
  };
  provider.recordings.set(recording.sid, recording);
  const callback = recordingCallbackParams(provider.accountSid, provider.url, recording, 95);
  return {
    callSid,
    answer,
    callId: Number(call.id),
    protocol: filed.json().protocol as string,
    audio,
    recording,
    callback,
  };
}

describe("recordings of the line's calls", () => {
  it("records from the legal notice on, and puts the recording on the demand's internal timeline", async () => {
    const c = await recordedCall("+5511955559001");
    const verbs = verbsOf(c.answer.body);
    assert.equal(verbs[0]?.name, "Start/Recording", "recording starts first");
    assert.equal(verbs[0]?.attrs.recordingStatusCallback, `${base}/api/v1/telephony/twilio/call-recording`);
    assert.equal(verbs[1]?.name, "Say", "then the legal notice, before anything else");
    assert.match(c.answer.body, /Esta ligação é gravada/);

    const target = `${base}/api/v1/telephony/twilio/call-recording`;
    assert.equal((await provider.post(target, c.callback, { signature: "bad" })).status, 403);
    assert.equal((await provider.post(target, c.callback)).status, 200);
    assert.equal((await provider.post(target, c.callback)).status, 200, "a repeated callback");
    await runOnce(ctx, JOBS);
    const stored = await one<{
      id: number;
      state: string;
      sha256: string;
      call_id: number;
      citizen_id: number | null;
    }>(
      db,
      "SELECT id, state, sha256, call_id, citizen_id FROM call_recordings WHERE provider_recording_id = $1",
      [c.recording.sid],
    );
    assert.equal(stored.state, "stored");
    assert.equal(stored.sha256, createHash("sha256").update(c.audio).digest("hex"));
    assert.equal(Number(stored.call_id), c.callId);
    assert.ok(stored.citizen_id, "tied to the caller registered during the call");
    assert.equal(c.recording.deleted, true, "deleted at the provider");

    const staff = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${c.protocol}`,
      headers: supervisor,
    });
    const event = staff.json().timeline.find((e: { type: string }) => e.type === "call.recorded");
    assert.equal(Number(event?.data.recordingId), Number(stored.id));
    assert.equal(event?.data.durationSeconds, 95);
    const heard = await app.inject({
      method: "GET",
      url: `/api/v1/call-recordings/${stored.id}/audio`,
      headers: supervisor,
    });
    assert.equal(heard.statusCode, 200);
    assert.ok(heard.rawPayload.equals(c.audio));
    const publicView = await app.inject({ method: "GET", url: `/api/v1/demands/${c.protocol}` });
    assert.equal(publicView.statusCode, 200);
    assert.ok(Array.isArray(publicView.json().timeline), "the public view, with its timeline");
    assert.doesNotMatch(publicView.body, /call\.recorded|recordingId/, "never on the public timeline");

    // The caller's erasure takes the recording at once.
    const admin = await one<{ id: number }>(db, "SELECT id FROM staff_users ORDER BY id LIMIT 1");
    await eraseCitizen(db, Number(stored.citizen_id), { id: Number(admin.id) });
    const gone = await app.inject({
      method: "GET",
      url: `/api/v1/call-recordings/${stored.id}/audio`,
      headers: supervisor,
    });
    assert.equal(gone.statusCode, 404);
    await runOnce(ctx, JOBS);
    assert.equal(await maybeOne(db, "SELECT 1 FROM call_recordings WHERE id = $1", [stored.id]), undefined);
  });

  it("links a recording stored before the demand was registered, and keeps none of a call it never saw", async () => {
    const { callSid } = await line.ring("+5511955559002", "+551130000156");
    const call = await one<{ id: number }>(db, "SELECT id FROM calls WHERE provider_call_id = $1", [callSid]);
    const recording = { sid: `RE${"c".repeat(32)}`, callSid, bytes: wav(), deleted: false };
    provider.recordings.set(recording.sid, recording);
    const target = `${base}/api/v1/telephony/twilio/call-recording`;
    await provider.post(target, recordingCallbackParams(provider.accountSid, provider.url, recording, 40));
    await runOnce(ctx, JOBS);
    await app.inject({ method: "POST", url: `/api/v1/calls/${call.id}/answer`, headers: agent });
    const filed = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${call.id}/demands`,
      headers: { ...agent, "idempotency-key": `late-${callSid}` },
      payload: { service, description: "Buraco na rua", location: SE, citizen: { name: "Rui" } },
    });
    const staff = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${filed.json().protocol}`,
      headers: supervisor,
    });
    assert.ok(staff.json().timeline.some((e: { type: string }) => e.type === "call.recorded"));

    const stranger = {
      sid: `RE${"d".repeat(32)}`,
      callSid: `CA${"e".repeat(32)}`,
      bytes: wav(),
      deleted: false,
    };
    provider.recordings.set(stranger.sid, stranger);
    await provider.post(target, recordingCallbackParams(provider.accountSid, provider.url, stranger, 10));
    await runOnce(ctx, JOBS);
    assert.equal(stranger.deleted, true, "deleted at the provider");
    assert.equal(
      await maybeOne(db, "SELECT 1 FROM call_recordings WHERE provider_recording_id = $1", [stranger.sid]),
      undefined,
    );
  });

  it("records nothing where the city records no call", async () => {
    ctx.config.callRecordingDays = 0;
    try {
      const { answer } = await line.ring("+5511955559003", "+551130000156");
      assert.doesNotMatch(answer.body, /<Start>|gravada/);
    } finally {
      ctx.config.callRecordingDays = 30;
    }
  });
});
