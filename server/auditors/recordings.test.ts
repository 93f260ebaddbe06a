/**
 * Recordings of the calls to citizen auditors, driven as Twilio drives them on loopback: the call placed with
 * Record=true and a RecordingStatusCallback, the legal notice said first, the signed recording callback, the WAV
 * fetched with the account's credentials, stored by its hash and deleted at the provider; listened to by a
 * supervisor (audited), never by an agent; a machine's recording never kept; purged when it expires, and at once when
 * the citizen is erased; nothing recorded where the city records no call.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { recordingCallbackParams } from "../../channels/twilio/fake-calls.ts";
import { auditorCallsApp, publishedQuestionnaire, testWav } from "../../tests/auditor-calls.ts";
import { staffHeaders } from "../../tests/helpers.ts";
import { eraseCitizen } from "../citizens/commands.ts";
import { maybeOne, one } from "../db/index.ts";
import { runOnce } from "../jobs/runner.ts";
import { placeAuditorCallJob } from "./calls.ts";
import { fetchCallRecordingJob, purgeCallRecordingsJob, recordingKey } from "./recordings.ts";

const { twilio, app, ctx, db, agent, enrol } = await auditorCallsApp({ callRecordingDays: 30 });
const supervisor = await staffHeaders(db, "supervisor");
const JOBS = [placeAuditorCallJob, fetchCallRecordingJob, purgeCallRecordingsJob];

const versionId = await publishedQuestionnaire(db, "auditor-gravada", {
  questions: [{ name: "coleta", type: "yes_no", required: true, label: { "pt-BR": "A coleta passou?" } }],
});
const block = await one<{ lat: number; lon: number }>(
  db,
  "SELECT ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS lon FROM blocks ORDER BY id LIMIT 1",
);

const enrolled = () => enrol({ point: block, name: "Auditora Gravada" });

/** A call whose time has come, placed by the worker: the fake's record of it. */
async function placed(auditorId: number) {
  const { id: callId } = await one<{ id: number }>(
    db,
    `INSERT INTO auditor_calls (auditor_id, version_id, due_at, until_at)
     VALUES ($1, $2, now(), now() + interval '2 hours') RETURNING id`,
    [auditorId, versionId],
  );
  await db.query(
    "INSERT INTO outbox (job, payload) VALUES ('place-auditor-call', jsonb_build_object('callId', $1::bigint))",
    [callId],
  );
  await runOnce(ctx, JOBS);
  return { callId: Number(callId), call: twilio.calls.at(-1)! };
}

const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "Say" });
const saysOf = (body: string) => {
  const r = xml.parse(body).Response as { Say?: { "#text": string }[]; Gather?: { "@_action": string } };
  return { says: (r.Say ?? []).map((s) => s["#text"]).join(" "), action: r.Gather?.["@_action"] };
};

const wav = (seconds: number) => testWav(seconds);

const recordingOf = (providerId: string) =>
  maybeOne<{ id: number; state: string; sha256: string | null; expires_at: Date; duration_seconds: number }>(
    db,
    "SELECT id, state, sha256, expires_at, duration_seconds FROM call_recordings WHERE provider_recording_id = $1",
    [providerId],
  );
const storePath = (sha256: string) => `${ctx.config.dataDir}/attachments/${recordingKey(sha256)}`;

describe("a recorded call to a citizen auditor", () => {
  it("says the legal notice first, and keeps the recording by its hash, deleted at the provider", async () => {
    const auditor = await enrolled();
    const { callId, call } = await placed(auditor.id);
    assert.equal(call.record, true);
    assert.match(call.recordingStatusCallback ?? "", new RegExp(`/auditor-call/recording\\?call=${callId}$`));
    const first = saysOf((await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "human" })).body);
    assert.match(first.says, /^Esta ligação é gravada.*Central 156/s);
    await twilio.callRequest(call.sid, "in-progress", { Digits: "1" }, first.action);
    await twilio.callRequest(call.sid, "completed");

    const audio = wav(3);
    const callback = await twilio.finishRecording(call.sid, audio, 42);
    assert.equal(callback.status, 200, callback.body);
    const again = recordingCallbackParams(
      twilio.accountSid,
      twilio.url,
      twilio.recordings.get(callback.sid)!,
      42,
    );
    assert.equal(
      (await twilio.post(call.recordingStatusCallback!, again)).status,
      200,
      "a repeated callback",
    );
    const pending = await recordingOf(callback.sid);
    assert.equal(pending?.state, "pending");
    await runOnce(ctx, JOBS);
    const stored = (await recordingOf(callback.sid))!;
    const sha256 = createHash("sha256").update(audio).digest("hex");
    assert.deepEqual([stored.state, stored.sha256, stored.duration_seconds], ["stored", sha256, 42]);
    assert.ok(existsSync(storePath(sha256)), "in the store under its hash");
    assert.equal(twilio.recordings.get(callback.sid)?.deleted, true, "deleted at the provider");
    const days = (new Date(stored.expires_at).getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `kept ${days} days`);

    const listed = await app.inject({
      method: "GET",
      url: `/api/v1/auditors/${auditor.id}/calls`,
      headers: agent,
    });
    const shown = listed.json().data.find((c: { id: number }) => c.id === callId);
    assert.deepEqual(
      shown.recordings.map((r: { durationSeconds: number }) => r.durationSeconds),
      [42],
    );
    const url = `/api/v1/call-recordings/${stored.id}/audio`;
    assert.equal((await app.inject({ method: "GET", url, headers: agent })).statusCode, 403);
    const heard = await app.inject({ method: "GET", url, headers: supervisor });
    assert.equal(heard.statusCode, 200);
    assert.equal(heard.headers["content-type"], "audio/wav");
    assert.ok(heard.rawPayload.equals(audio));
    const audit = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'recording.listened' AND entity_id = $1",
      [stored.id],
    );
    assert.equal(audit.n, 1);

    // The citizen's LGPD export lists the call and the recording of their voice, with where its audio is.
    const exported = await app.inject({
      method: "GET",
      url: `/api/v1/citizens/${auditor.citizenId}/export`,
      headers: await staffHeaders(db, "ombudsman"),
    });
    assert.equal(exported.statusCode, 200, exported.body);
    const data = exported.json();
    assert.ok(data.auditorCalls.some((c: { id: number }) => c.id === callId));
    assert.deepEqual(
      data.callRecordings.map((r: { id: number; state: string; audio: string }) => [r.id, r.state, r.audio]),
      [[Number(stored.id), "stored", url]],
    );
  });

  it("refuses an unsigned or malformed recording callback", async () => {
    const auditor = await enrolled();
    const { callId, call } = await placed(auditor.id);
    const target = call.recordingStatusCallback!;
    const params = { AccountSid: twilio.accountSid, CallSid: call.sid, RecordingStatus: "completed" };
    assert.equal((await twilio.post(target, params, { signature: "bad" })).status, 403);
    assert.equal((await twilio.post(target, params)).status, 400, "no RecordingSid nor RecordingUrl");
    const { n } = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM call_recordings WHERE auditor_call_id = $1",
      [callId],
    );
    assert.equal(n, 0);
  });

  it("keeps no recording of a machine: it is deleted at the provider, never fetched", async () => {
    const auditor = await enrolled();
    const { call } = await placed(auditor.id);
    await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "machine_start" });
    const callback = await twilio.finishRecording(call.sid, wav(1), 5);
    assert.equal(callback.status, 200);
    await runOnce(ctx, JOBS);
    assert.equal(twilio.recordings.get(callback.sid)?.deleted, true);
    assert.equal(await recordingOf(callback.sid), undefined, "no row left");
  });

  it("is purged when it expires, and at once when the citizen is erased", async () => {
    const kept: { sid: string; sha256: string; id: number }[] = [];
    const people: number[] = [];
    for (let i = 0; i < 2; i++) {
      const auditor = await enrolled();
      people.push(auditor.citizenId);
      const { call } = await placed(auditor.id);
      const first = saysOf((await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "human" })).body);
      await twilio.callRequest(call.sid, "in-progress", { Digits: "2" }, first.action);
      const callback = await twilio.finishRecording(call.sid, wav(2), 20);
      await runOnce(ctx, JOBS);
      const row = (await recordingOf(callback.sid))!;
      kept.push({ sid: callback.sid, sha256: row.sha256!, id: Number(row.id) });
    }
    // Its time ran out: the hourly purge takes the row and the file.
    await db.query("UPDATE call_recordings SET expires_at = now() - interval '1 minute' WHERE id = $1", [
      kept[0]!.id,
    ]);
    await db.query(
      "INSERT INTO outbox (job, payload) VALUES ('purge-call-recordings', jsonb_build_object('slot', now()::text))",
    );
    await runOnce(ctx, JOBS);
    assert.equal(await recordingOf(kept[0]!.sid), undefined);
    assert.equal(existsSync(storePath(kept[0]!.sha256)), false);
    // The citizen is erased: no one may listen from the erasure's commit, and the purge runs at once.
    const staff = await one<{ id: number }>(db, "SELECT id FROM staff_users ORDER BY id LIMIT 1");
    await eraseCitizen(db, people[1]!, { id: Number(staff.id) });
    const url = `/api/v1/call-recordings/${kept[1]!.id}/audio`;
    assert.equal((await app.inject({ method: "GET", url, headers: supervisor })).statusCode, 404);
    await runOnce(ctx, JOBS);
    assert.equal(await recordingOf(kept[1]!.sid), undefined);
    assert.equal(existsSync(storePath(kept[1]!.sha256)), false);
  });

  it("records nothing, and says no notice, where the city records no call", async () => {
    ctx.config.callRecordingDays = 0;
    try {
      const auditor = await enrolled();
      const { call } = await placed(auditor.id);
      assert.equal(call.record, false);
      assert.equal(call.recordingStatusCallback, null);
      const first = saysOf((await twilio.callRequest(call.sid, "in-progress", { AnsweredBy: "human" })).body);
      assert.doesNotMatch(first.says, /gravada/);
    } finally {
      ctx.config.callRecordingDays = 30;
    }
  });
});
