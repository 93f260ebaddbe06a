import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { fakeTwilio } from "../../channels/voice/fake.ts";
import { one } from "../../server/db/index.ts";
import { type DemandOverrides, factoriesFor, SE } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { follow } from "../../tests/sse-client.ts";
import { generateSecret, webhookHeaders } from "../webhooks/signature.ts";
import { callerNumber } from "./commands.ts";
import { readBack } from "./present.ts";

const SECRET = generateSecret();
const TWILIO_TOKEN = "twilio-test-auth-token-0123456789";

const { app, ctx } = await testApp({ telephonyWebhookSecret: SECRET, twilioAuthToken: TWILIO_TOKEN });
const db = ctx.db;
const base = await app.listen({ port: 0, host: "127.0.0.1" });
// Twilio signs the public URL it was given: here, the loopback address it posts to.
ctx.config.publicUrl = base;

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND anonymous_allowed ORDER BY code LIMIT 1`,
  )
).code;

/** What the PBX webhook answers: the call, or a problem. */
interface PbxAnswer {
  call: { id: number; state: string; from: string | null; agentId: number | null; endReason: string | null };
  changed: boolean;
  agentKnown: boolean;
  code: string;
  errors: { field: string }[];
}

let sequence = 0;
/** Posts a PBX event signed with `secret` (the configured one by default) at `timestamp`. */
async function pbx(
  event: Record<string, unknown>,
  options: { secret?: string; timestamp?: number; id?: string; body?: string } = {},
) {
  const body = options.body ?? JSON.stringify(event);
  const id = options.id ?? `msg_${++sequence}_${process.pid}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(`${base}/api/v1/telephony/events`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...webhookHeaders([options.secret ?? SECRET], id, timestamp, body),
    },
    body,
  });
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    json: (await res.json()) as PbxAnswer,
    id,
  };
}

/** A live staff stream read over real HTTP (the shared SSE client), subscribed once its position mark arrived. */
const followStaff = (authorization: string) => follow(`${base}/api/v1/events`, { authorization });

const { fileDemand } = factoriesFor({ app, ctx });

/** Maria Souza's demand, with only the phone she calls from. */
const byPhone = (phone: string): DemandOverrides => ({
  service,
  description: "Buraco na rua",
  at: SE,
  name: "Maria Souza",
  phone,
});

const agentA = await staffHeaders(db, "agent");
const agentB = await staffHeaders(db, "agent");
const ombudsman = await staffHeaders(db, "ombudsman");
const agentAEmail = (
  await one<{ email: string }>(db, "SELECT email FROM staff_users WHERE id = $1", [agentA.staffId])
).email;
await db.query("UPDATE staff_users SET extension = '2001' WHERE id = $1", [agentB.staffId]);

describe("caller numbers", () => {
  it("normalises Brazilian numbers to E.164", () => {
    assert.equal(callerNumber("(11) 98765-4321"), "+5511987654321");
    assert.equal(callerNumber("011 98765-4321"), "+5511987654321");
    assert.equal(callerNumber("0 21 11 3333-4444"), "+551133334444");
    assert.equal(callerNumber("+55 21 2222-3333"), "+552122223333");
    assert.equal(callerNumber("0800 123 4567"), "+558001234567");
    assert.equal(callerNumber("+1 212 555 0100"), "+12125550100");
    assert.equal(callerNumber("98765-4321", "11"), "+5511987654321");
    assert.equal(callerNumber("anonymous"), null);
    assert.equal(callerNumber("156"), null);
  });

  it("groups a protocol for reading aloud", () => {
    assert.deepEqual(readBack("2026000012347"), {
      grouped: "2026 0000 1234 7",
      words: "dois zero dois meia, zero zero zero zero, um dois três quatro, sete",
    });
  });
});

describe("the PBX webhook", () => {
  it("records a signed ringing call and refuses bad, missing and replayed signatures", async () => {
    const event = { callId: "pbx-sig-1", event: "ringing", from: "11 3333-0001", to: "156" };
    const good = await pbx(event);
    assert.equal(good.status, 200, JSON.stringify(good.json));
    assert.equal(good.json.call.state, "ringing");
    assert.equal(good.json.call.from, "+551133330001");
    assert.equal(good.json.changed, true);

    const bad = await pbx({ ...event, callId: "pbx-sig-2" }, { secret: generateSecret() });
    assert.equal(bad.status, 401);
    assert.match(bad.type, /^application\/problem\+json/);
    assert.equal(bad.json.code, "bad_signature");

    const stale = await pbx(
      { ...event, callId: "pbx-sig-3" },
      { timestamp: Math.floor(Date.now() / 1000) - 3600 },
    );
    assert.equal(stale.status, 401);
    assert.equal(stale.json.code, "signature_expired");

    // The same message sent again within the window changes nothing.
    const again = await pbx(event, { id: good.id });
    assert.equal(again.status, 200);
    assert.equal(again.json.changed, false);
    const rows = await db.query("SELECT id FROM calls WHERE provider_call_id LIKE 'pbx-sig-%'");
    assert.equal(rows.length, 1);

    const unsigned = await app.inject({
      method: "POST",
      url: "/api/v1/telephony/events",
      payload: event,
    });
    assert.equal(unsigned.statusCode, 400);
    assert.equal(unsigned.json().code, "signature_required");
  });

  it("answers problem+json naming the bad fields of a signed event", async () => {
    const res = await pbx({ callId: "", event: "exploded", to: "156" });
    assert.equal(res.status, 400);
    assert.match(res.type, /^application\/problem\+json/);
    assert.equal(res.json.code, "invalid_input");
    const fields = res.json.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ["callId", "event", "from"]);
    const notJson = await pbx({}, { body: "{not json" });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.code, "invalid_json");
  });

  it("moves a call only forward: answered, ended, and a late ringing ignored", async () => {
    const event = { callId: "pbx-flow-1", from: "11 3333-0002", to: "156" };
    await pbx({ ...event, event: "ringing" });
    const answered = await pbx({ ...event, event: "answered", agent: "2001" });
    assert.equal(answered.json.call.state, "answered");
    assert.equal(answered.json.call.agentId, agentB.staffId);
    const ended = await pbx({ ...event, event: "ended" });
    assert.equal(ended.json.call.state, "ended");
    assert.equal(ended.json.call.endReason, "completed");
    const late = await pbx({ ...event, event: "ringing" });
    assert.equal(late.json.changed, false);
    assert.equal(late.json.call.state, "ended");
  });
});

describe("screen pop", () => {
  it("pops a known caller with their open demands on the agent's live stream", async () => {
    const { protocol } = await fileDemand(byPhone("(11) 98888-1001"));
    const { protocol: secretOne } = await fileDemand({
      ...byPhone("(11) 98888-1001"),
      identity: "confidential",
    });
    const streamA = await followStaff(agentA.authorization);
    const streamB = await followStaff(agentB.authorization);

    const rang = await pbx({
      callId: "pbx-pop-1",
      event: "ringing",
      from: "011988881001",
      to: "156",
      agent: agentAEmail.toUpperCase(),
    });
    assert.equal(rang.json.agentKnown, true);
    const callId = rang.json.call.id;
    const ring = await streamA.until((m) => m.data?.type === "call.ringing" && m.data.callId === callId);
    assert.equal(ring.data?.agentId, agentA.staffId);

    // A call for every agent reaches B too; the first one, routed to A, never did.
    const everyone = await pbx({ callId: "pbx-pop-2", event: "ringing", from: "11 3333-0003", to: "156" });
    await streamB.until((m) => m.data?.type === "call.ringing" && m.data.callId === everyone.json.call.id);
    assert.equal(
      streamB.messages.some((m) => m.data?.callId === callId),
      false,
    );

    const pop = await app.inject({
      url: `/api/v1/calls/${callId}`,
      headers: { authorization: agentA.authorization },
    });
    assert.equal(pop.statusCode, 200, pop.body);
    const body = pop.json();
    assert.equal(body.caller.known, true);
    assert.equal(body.caller.citizen.name, "Maria Souza");
    assert.equal(body.caller.number, "+5511988881001");
    assert.deepEqual(
      body.openDemands.map((d: { protocol: string }) => d.protocol),
      [protocol],
    );
    assert.equal(body.openDemands[0].status, "new");
    assert.ok("dueAt" in body.openDemands[0]);
    // The confidential demand is the ombudsman's to see, not the agent's.
    assert.equal(JSON.stringify(body).includes(secretOne), false);
    assert.equal(body.caller.citizen.demandCount, 1);
    const asOmbudsman = await app.inject({
      url: `/api/v1/calls/${callId}`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(asOmbudsman.json().openDemands.length, 2);

    const list = await app.inject({
      url: "/api/v1/calls?state=ringing",
      headers: { authorization: agentA.authorization },
    });
    const ids = list.json().map((c: { id: number }) => c.id);
    assert.ok(ids.includes(callId) && ids.includes(everyone.json.call.id));
    const listB = await app.inject({
      url: "/api/v1/calls",
      headers: { authorization: agentB.authorization },
    });
    assert.equal(
      listB.json().some((c: { id: number }) => c.id === callId),
      false,
    );

    // B takes the call that rang for everyone: every console that takes calls hears it is answered, then ended.
    const taken = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${everyone.json.call.id}/answer`,
      headers: { authorization: agentB.authorization },
    });
    assert.equal(taken.statusCode, 200, taken.body);
    const answered = await streamA.until(
      (m) => m.data?.type === "call.answered" && m.data.callId === everyone.json.call.id,
    );
    assert.equal(answered.data?.agentId, agentB.staffId);
    await pbx({ callId: "pbx-pop-2", event: "ended", from: "11 3333-0003", to: "156" });
    await streamA.until((m) => m.data?.type === "call.ended" && m.data.callId === everyone.json.call.id);
  });

  it("pops an unknown number with an empty history and the number ready for a new citizen", async () => {
    const rang = await pbx({
      callId: "pbx-unknown-1",
      event: "ringing",
      from: "+55 21 97777-0001",
      to: "156",
    });
    const pop = await app.inject({
      url: `/api/v1/calls/${rang.json.call.id}`,
      headers: { authorization: agentA.authorization },
    });
    const body = pop.json();
    assert.equal(body.caller.known, false);
    assert.equal(body.caller.citizen, null);
    assert.deepEqual(body.caller.newCitizen, { phone: "+5521977770001" });
    assert.deepEqual(body.openDemands, []);
    assert.deepEqual(body.previousCalls, []);

    const missing = await app.inject({
      url: "/api/v1/calls/999999",
      headers: { authorization: agentA.authorization },
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "unknown_call");
  });
});

describe("intake during a call", () => {
  it("registers the demand for a new caller, links call and citizen, and reads back the protocol", async () => {
    const rang = await pbx({ callId: "pbx-intake-1", event: "ringing", from: "(11) 96666-0001", to: "156" });
    const callId = rang.json.call.id;
    const take = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${callId}/answer`,
      headers: { authorization: agentA.authorization },
    });
    assert.equal(take.statusCode, 200);
    assert.equal(take.json().state, "answered");
    const taken = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${callId}/answer`,
      headers: { authorization: agentB.authorization },
    });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().code, "call_taken");

    const res = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${callId}/demands`,
      headers: { authorization: agentA.authorization, "idempotency-key": "call-intake-1" },
      payload: {
        service,
        description: "Árvore caída na calçada",
        location: SE,
        citizen: { name: "João Lima" },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json();
    assert.match(created.protocol, /^\d{13,}$/);
    assert.equal(created.readBack.replaceAll(" ", ""), created.protocol);
    assert.equal(created.callId, callId);

    const demand = await one<{ id: number; channel: string; citizen_id: number; name: string }>(
      db,
      `SELECT d.id, d.channel, d.citizen_id, z.name FROM demands d JOIN citizens z ON z.id = d.citizen_id
        WHERE d.protocol = $1`,
      [created.protocol],
    );
    assert.equal(demand.channel, "phone");
    assert.equal(demand.name, "João Lima");
    const contact = await db.query(
      "SELECT 1 FROM citizen_contacts WHERE citizen_id = $1 AND value = '5511966660001'",
      [demand.citizen_id],
    );
    assert.equal(contact.length, 1);
    const link = await one<{ citizen_id: number; n: number }>(
      db,
      `SELECT c.citizen_id, (SELECT count(*)::int FROM call_demands WHERE call_id = c.id AND demand_id = $2) AS n
         FROM calls c WHERE c.id = $1`,
      [callId, demand.id],
    );
    assert.equal(link.n, 1);
    assert.equal(link.citizen_id, demand.citizen_id);
    const event = await one<{ actor_kind: string; actor_id: number }>(
      db,
      "SELECT actor_kind, actor_id FROM demand_events WHERE demand_id = $1 AND type = 'demand.created'",
      [demand.id],
    );
    assert.deepEqual(event, { actor_kind: "staff", actor_id: agentA.staffId });

    // Another agent cannot register on a call agent A took.
    const foreign = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${callId}/demands`,
      headers: { authorization: agentB.authorization },
      payload: { service, description: "Buraco em outra rua", location: SE },
    });
    assert.equal(foreign.statusCode, 409);
    assert.equal(foreign.json().code, "call_taken");
    // A double submit from the console files one demand.
    const replay = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${callId}/demands`,
      headers: { authorization: agentA.authorization, "idempotency-key": "call-intake-1" },
      payload: {
        service,
        description: "Árvore caída na calçada",
        location: SE,
        citizen: { name: "João Lima" },
      },
    });
    assert.equal(replay.json().protocol, created.protocol);

    // The next call from that number pops João with the demand and this call.
    const next = await pbx({ callId: "pbx-intake-2", event: "ringing", from: "11966660001", to: "156" });
    const pop = (
      await app.inject({
        url: `/api/v1/calls/${next.json.call.id}`,
        headers: { authorization: agentA.authorization },
      })
    ).json();
    assert.equal(pop.caller.citizen.name, "João Lima");
    assert.equal(pop.openDemands[0].protocol, created.protocol);
    assert.deepEqual(pop.previousCalls[0].protocols, [created.protocol]);

    // Counter mode: the receipt prints the protocol, the tracking address and the secret.
    const receipt = await app.inject({
      url: created.receiptUrl,
      headers: { authorization: agentA.authorization },
    });
    assert.equal(receipt.statusCode, 200);
    assert.match(receipt.headers["content-type"] as string, /^text\/html/);
    assert.ok(receipt.body.includes(created.readBack));
    assert.ok(receipt.body.includes(created.secret));
    assert.ok(receipt.body.includes(`${base}/acompanhar?protocolo=${created.protocol}`));
    assert.match(receipt.body, /@media print/);
    const wrong = await app.inject({
      url: `/api/v1/demands/${created.protocol}/receipt?secret=nope`,
      headers: { authorization: agentA.authorization },
    });
    assert.equal(wrong.statusCode, 403);
  });

  it("answers problem+json for a bad intake", async () => {
    const rang = await pbx({ callId: "pbx-intake-3", event: "ringing", from: "anonymous", to: "156" });
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${rang.json.call.id}/demands`,
      headers: { authorization: agentA.authorization },
      payload: { service, description: "" },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers["content-type"] as string, /^application\/problem\+json/);
    // A withheld number and no name: nobody to register.
    const nobody = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${rang.json.call.id}/demands`,
      headers: { authorization: agentA.authorization },
      payload: { service, description: "Lixo acumulado", location: SE },
    });
    assert.equal(nobody.statusCode, 422);
    assert.equal(nobody.json().code, "citizen_required");
  });
});

describe("Twilio Voice", () => {
  const twilio = fakeTwilio({
    voiceUrl: `${base}/api/v1/telephony/twilio/voice`,
    statusUrl: `${base}/api/v1/telephony/twilio/status`,
    authToken: TWILIO_TOKEN,
  });
  const xml = new XMLParser({ ignoreAttributes: false });

  it("answers a signed inbound call with a pt-BR greeting and the queue, and pops it for every agent", async () => {
    const { protocol } = await fileDemand(byPhone("(11) 95555-0001"));
    const stream = await followStaff(agentB.authorization);
    const { callSid, answer } = await twilio.ring("+5511955550001", "+551130000156");
    assert.equal(answer.status, 200, answer.body);
    assert.match(answer.contentType, /^text\/xml/);
    assert.equal(XMLValidator.validate(answer.body), true);
    const doc = xml.parse(answer.body);
    assert.equal(doc.Response.Say["@_language"], "pt-BR");
    assert.match(doc.Response.Say["#text"], /Central de Atendimento/);
    assert.equal(doc.Response.Enqueue, "atendimento");

    const call = await one<{ id: number; state: string; from_number: string }>(
      db,
      "SELECT id, state, from_number FROM calls WHERE provider = 'twilio' AND provider_call_id = $1",
      [callSid],
    );
    assert.equal(call.from_number, "+5511955550001");
    await stream.until((m) => m.data?.type === "call.ringing" && m.data.callId === call.id);
    const pop = (
      await app.inject({ url: `/api/v1/calls/${call.id}`, headers: { authorization: agentB.authorization } })
    ).json();
    assert.equal(pop.openDemands[0].protocol, protocol);

    const progress = await twilio.status(callSid, "in-progress");
    assert.equal(progress.status, 200);
    assert.equal(XMLValidator.validate(progress.body), true);
    await twilio.status(callSid, "completed");
    const ended = await one<{ state: string; end_reason: string }>(
      db,
      "SELECT state, end_reason FROM calls WHERE id = $1",
      [call.id],
    );
    assert.deepEqual(ended, { state: "ended", end_reason: "completed" });

    const missed = await twilio.ring("+5511955550002", "+551130000156");
    await twilio.status(missed.callSid, "no-answer");
    const row = await one<{ end_reason: string }>(
      db,
      "SELECT end_reason FROM calls WHERE provider_call_id = $1",
      [missed.callSid],
    );
    assert.equal(row.end_reason, "no-answer");
  });

  it("refuses a forged or malformed request in TwiML", async () => {
    const forged = await twilio.post(
      `${base}/api/v1/telephony/twilio/voice`,
      {
        CallSid: `CA${"0".repeat(32)}`,
        AccountSid: `AC${"0".repeat(32)}`,
        From: "+5511900000000",
        To: "156",
        CallStatus: "ringing",
      },
      { authToken: "not-the-token" },
    );
    assert.equal(forged.status, 403);
    assert.match(forged.contentType, /^text\/xml/);
    const doc = xml.parse(forged.body);
    assert.ok("Hangup" in doc.Response);
    const count = await db.query("SELECT 1 FROM calls WHERE provider_call_id = $1", [`CA${"0".repeat(32)}`]);
    assert.equal(count.length, 0);

    const malformed = await twilio.post(`${base}/api/v1/telephony/twilio/status`, {
      CallSid: "nope",
      CallStatus: "ringing",
    });
    assert.equal(malformed.status, 400);
    assert.equal(XMLValidator.validate(malformed.body), true);
  });
});
