/**
 * The 156 line over SIP on loopback (issue 18, decision 0072): the gateway answers calls from SIPp (Debian's
 * sip-tester, keys from its RFC 4733 captures) and from a PBX played by our own user agent; the IVR runs by the
 * platform's TwiML webhooks, its prompts synthesised by espeak-ng. Whole calls: a status by protocol, a mistyped
 * protocol caught by its check digit, a caller who hangs up mid-prompt, silence until goodbye, "talk to an agent"
 * transferred by REFER with the consoles' screen pop, and the call recorded from the legal notice on.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { DEFAULT_IVR_MENU } from "../../../domain/ivr.ts";
import { fetchCallRecordingJob } from "../../../server/auditors/recordings.ts";
import { runOnce } from "../../../server/jobs/runner.ts";
import { answerByDepartment, drain, fileDemand } from "../../../tests/factories.ts";
import { staffHeaders, testApp } from "../../../tests/helpers.ts";
import { startSipAgent } from "./agent.ts";
import { startSipGateway } from "./gateway.ts";
import { startCallsRest } from "./rest.ts";
import { openRtp } from "./rtp.ts";
import { buildSdp, parseSdp } from "./sdp.ts";
import { espeakSpeech } from "./speech.ts";

const run = promisify(execFile);
const TOKEN = "sip-gateway-test-token-0123456789";
const { app, ctx } = await testApp({ twilioAuthToken: TOKEN });
const db = ctx.db;
const base = await app.listen({ port: 0, host: "127.0.0.1" });
ctx.config.publicUrl = base;
const admin = await staffHeaders(db, "admin");
const menu = await app.inject({
  method: "PUT",
  url: "/api/v1/ivr/menu",
  headers: { authorization: admin.authorization },
  payload: { ...DEFAULT_IVR_MENU, agentHours: "always" },
});
assert.equal(menu.statusCode, 200, menu.body);
const filed = await fileDemand({ app, ctx });
await drain(ctx);
await answerByDepartment({ app, ctx }, filed.id);
await drain(ctx);

// The PBX: our own user agent, which takes the REFERs the gateway sends and places calls to it.
const refers: string[] = [];
const pbx = await startSipAgent({
  host: "127.0.0.1",
  onInvite: (invite) => invite.reject(486, "Busy Here"),
  onRefer: (_callId, target) => {
    refers.push(target);
    return 202;
  },
});
const prompts = await mkdtemp(join(tmpdir(), "responsiva-prompts-"));
const gateway = await startSipGateway({
  host: "127.0.0.1",
  port: 0,
  voiceUrl: `${base}/api/v1/telephony/twilio/voice`,
  statusUrl: `${base}/api/v1/telephony/twilio/status`,
  authToken: TOKEN,
  accountSid: `AC${"5".repeat(32)}`,
  agentsUri: `sip:agentes@127.0.0.1:${pbx.port}`,
  // Fast speech: the same prompts, said in a third of the time.
  speech: espeakSpeech({ folder: prompts, wordsPerMinute: 450 }),
});
// The Calls interface keeps the inbound calls' recordings (<Start><Recording>) until the platform fetched them.
const recordings = await mkdtemp(join(tmpdir(), "responsiva-sip-recordings-"));
const rest = await startCallsRest({
  host: "127.0.0.1",
  port: 0,
  accountSid: `AC${"5".repeat(32)}`,
  authToken: TOKEN,
  agent: gateway.agent,
  rtpHost: "127.0.0.1",
  sdpHost: "127.0.0.1",
  recordingsFolder: recordings,
  gateway: {
    voiceUrl: `${base}/api/v1/telephony/twilio/voice`,
    authToken: TOKEN,
    speech: espeakSpeech({ folder: prompts }),
  },
});
gateway.keepRecordingsWith(rest.keep);
after(async () => {
  await rest.close();
  await rm(recordings, { recursive: true, force: true });
  await gateway.close();
  await pbx.close();
  await app.close();
  await rm(prompts, { recursive: true, force: true });
});

/** A UDP port of loopback free right now (the RTP of other tests takes ephemeral UDP ports too). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const steps = async (from: string) =>
  (
    await db.query<{ step: string; outcome: string; input: string | null }>(
      `SELECT s.step, s.outcome, s.input FROM call_ivr_steps s JOIN calls c ON c.id = s.call_id
        WHERE c.from_raw = $1 ORDER BY s.id`,
      [from],
    )
  ).map((s) => `${s.step}:${s.outcome}`);

/** Waits until `check` holds (the gateway posts the last step while SIPp already hangs up). */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const callState = async (from: string) =>
  (await db.query<{ state: string }>("SELECT state FROM calls WHERE from_raw = $1", [from]))[0]?.state;

/** A call from `from` through the PBX to the 156 line, answered by the gateway: the call and the phone's audio. */
async function ring(from: string) {
  const phone = await openRtp("127.0.0.1");
  const placed = await pbx.invite({
    target: `sip:156@127.0.0.1:${gateway.port}`,
    fromUser: from,
    sdp: buildSdp({ address: "127.0.0.1", port: phone.port, sessionId: 1 }),
  });
  assert.equal(placed.outcome, "answered");
  if (placed.outcome !== "answered") throw new Error("not answered");
  const answer = parseSdp(placed.call.remoteSdp)!;
  assert.deepEqual([answer.pcmu, answer.eventPayload], [true, 101]);
  phone.connect(answer.address, answer.port, 101);
  return { call: placed.call, phone };
}

// CI installs both (.ci/run); a machine without them skips the calls, saying why.
const tools = ["/usr/bin/sipp", "/usr/bin/espeak-ng"].every((path) => existsSync(path));

describe("the 156 line over SIP", {
  skip: tools ? false : "sip-tester and espeak-ng are not installed",
}, () => {
  it("answers SIPp, takes 1 and a protocol with # by RFC 4733 keys, and reads the status back", async () => {
    const template = await readFile("tests/sipp/ivr-caller.xml", "utf8");
    const key = (k: string) =>
      `<nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_${k === "#" ? "pound" : k}.pcap"/></action></nop>
  <pause milliseconds="400"/>`;
    const keys = [
      '<pause milliseconds="1500"/>',
      key("1"),
      '<pause milliseconds="1500"/>',
      ...[...filed.protocol, "#"].map(key),
      // The status is read back: the caller listens, then hangs up.
      '<pause milliseconds="4000"/>',
    ].join("\n  ");
    const folder = await mkdtemp(join(tmpdir(), "responsiva-sipp-"));
    const scenario = join(folder, "caller.xml");
    await writeFile(scenario, template.replace("<!-- KEYS -->", keys));
    try {
      // A port taken between the probe and SIPp's bind (another test's RTP) fails before any call: bind again.
      for (let attempt = 1; ; attempt++) {
        const failed = await run(
          "sipp",
          [
            `127.0.0.1:${gateway.port}`,
            ...["-sf", scenario, "-m", "1", "-i", "127.0.0.1", "-p", String(await freeUdpPort())],
            ...["-mi", "127.0.0.1", "-mp", String(await freeUdpPort()), "-timeout", "60s", "-timeout_error"],
            ...["-nostdin", "-trace_err", "-error_file", join(folder, "errors.log")],
          ],
          { timeout: 90_000, cwd: folder },
        ).then(
          () => undefined,
          async (error: Error) => {
            const errors = await readFile(join(folder, "errors.log"), "utf8").catch(() => "");
            return `sipp failed: ${error.message}\n${errors}`;
          },
        );
        if (!failed) break;
        if (attempt >= 3 || !/Unable to bind|errno = 98/.test(failed)) throw new Error(failed);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    await eventually(async () => (await steps("+5511955550123")).length >= 2).catch(async () => {
      throw new Error(`the IVR's steps: ${(await steps("+5511955550123")).join(", ")}`);
    });
    assert.deepEqual((await steps("+5511955550123")).slice(0, 2), ["menu:status", "protocol:found"]);
    await eventually(async () => (await callState("+5511955550123")) === "ended");
  });

  it("plays synthesised μ-law prompts, catches a mistyped protocol, and stops when the caller hangs up", async () => {
    const { call, phone } = await ring("5511955550456");
    try {
      const recording = phone.record();
      await new Promise((r) => setTimeout(r, 1500));
      await phone.sendDigits("1");
      await new Promise((r) => setTimeout(r, 800));
      const last = Number(filed.protocol.slice(-1));
      const wrong = `${filed.protocol.slice(0, -1)}${(last + 1) % 10}`;
      await phone.sendDigits(`${wrong}#`);
      await eventually(async () => (await steps("+5511955550456")).length >= 2);
      await new Promise((r) => setTimeout(r, 500));
      const heard = recording.stop();
      // The greeting was said: seconds of μ-law that is not silence.
      assert.ok(heard.length > 8000, `heard ${heard.length} samples`);
      let sound = 0;
      for (const b of heard) if (b !== 0xff && b !== 0x7f) sound++;
      assert.ok(sound > 4000, "the prompt is not silence");
      // The caller hangs up while the IVR asks again: the gateway stops and the call ends.
      await call.hangup();
    } finally {
      phone.close();
    }
    const walked = await steps("+5511955550456");
    assert.deepEqual(walked.slice(0, 2), ["menu:status", "protocol:bad_check_digit"]);
    await eventually(async () => (await callState("+5511955550456")) === "ended");
  });

  it("says goodbye and hangs up after three silences at the menu", async () => {
    const { call, phone } = await ring("5511955550321");
    try {
      // The caller says nothing: the menu is asked again twice, then the goodbye and the gateway's BYE.
      assert.equal(await call.ended, "remote");
    } finally {
      phone.close();
    }
    await eventually(async () => (await steps("+5511955550321")).length >= 3);
    assert.deepEqual(await steps("+5511955550321"), ["menu:no_input", "menu:no_input", "menu:no_input"]);
    await eventually(async () => (await callState("+5511955550321")) === "ended");
  });

  it("records the call from the legal notice on, kept at the gateway until the platform fetched it", async () => {
    ctx.config.callRecordingDays = 30;
    ctx.config.twilioAccount = { apiUrl: rest.url, accountSid: `AC${"5".repeat(32)}`, authToken: TOKEN };
    try {
      const { call, phone } = await ring("5511955550999");
      try {
        await new Promise((r) => setTimeout(r, 1500));
        // The caller says something, then hangs up: the recording ends with the call.
        await phone.play(Buffer.alloc(4000, 0x0f));
        await call.hangup();
      } finally {
        phone.close();
      }
      const row = async () =>
        (
          await db.query<{ id: number; state: string; size_bytes: number | null }>(
            `SELECT r.id, r.state, r.size_bytes FROM call_recordings r JOIN calls c ON c.id = r.call_id
              WHERE c.from_raw = '+5511955550999'`,
          )
        )[0];
      await eventually(async () => (await row()) !== undefined);
      await eventually(async () => {
        await runOnce(ctx, [fetchCallRecordingJob]);
        return (await row())?.state === "stored";
      });
      // Seconds of the notice and the greeting, and the caller's half second: μ-law WAV.
      assert.ok(Number((await row())!.size_bytes) > 8000, `${(await row())!.size_bytes} bytes`);
      await eventually(async () => (await readdir(recordings)).length === 0);
    } finally {
      ctx.config.callRecordingDays = 0;
      ctx.config.twilioAccount = undefined;
    }
  });

  it("transfers “talk to an agent” to the agents' queue on the PBX by REFER, ringing with the screen pop", async () => {
    const { call, phone } = await ring("5511955550789");
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await phone.sendDigits("2");
      await eventually(async () => refers.length > 0, 20_000);
      assert.deepEqual(refers, [`sip:agentes@127.0.0.1:${pbx.port}`]);
      // A blind transfer: once the PBX accepted it, the gateway's leg ends.
      assert.equal(await call.ended, "remote");
    } finally {
      phone.close();
    }
    assert.deepEqual(await steps("+5511955550789"), ["menu:agent"]);
    // Ringing in the consoles, with the screen pop: the agent's side is the PBX's now.
    assert.equal(await callState("+5511955550789"), "ringing");
  });
});
