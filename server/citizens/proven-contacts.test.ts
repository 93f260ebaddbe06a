/**
 * Decision 0019 end to end: a contact the person has not proven never joins, merges into or unlocks another record.
 * Every way a contact reaches a record is tried as the attacker of issue 11 would: someone files with the victim's
 * CPF, phone or e-mail plus their own e-mail, signs in with their own e-mail, and must not read the victim's demands
 * or personal data.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { type DemandOverrides, factoriesFor, SE } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { createApiClient } from "../api-keys/commands.ts";
import { one } from "../db/index.ts";
import { generateSecret, webhookHeaders } from "../webhooks/signature.ts";
import { findOrCreateCitizen } from "./commands.ts";

const SECRET = generateSecret();
const { app, ctx } = await testApp({ telephonyWebhookSecret: SECRET });
const { db } = ctx;
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required
        AND anonymous_allowed ORDER BY code LIMIT 1`,
  )
).code;
const ombudsman = await staffHeaders(db, "ombudsman");

/** A fresh address and mobile number per test, so tests do not see each other's records. */
function someone(tag: string) {
  const n = randomBytes(3).readUIntBE(0, 3) % 10_000_000;
  return {
    email: `${tag}-${n}@example.org`,
    phone: `11 9${String(n).padStart(8, "0")}`,
    e164: `55119${String(n).padStart(8, "0")}`,
  };
}

type Citizen = Pick<DemandOverrides, "name" | "email" | "phone" | "document">;

const factories = factoriesFor({ app, ctx });

/** Files a demand by JSON (or multipart), optionally with a citizen cookie; answers protocol and secret. */
async function file(
  citizen: Citizen,
  options: {
    identity?: "identified" | "confidential";
    description?: string;
    cookie?: string;
    multipart?: boolean;
  } = {},
): Promise<{ protocol: string; secret: string }> {
  return factories.fileDemand({
    service,
    description: options.description ?? "Buraco na calçada",
    identity: options.identity ?? "identified",
    at: SE,
    ...citizen,
    ...(options.cookie ? { headers: { cookie: options.cookie } } : {}),
    ...(options.multipart ? { photos: [] } : {}),
  });
}

/** Signs in with the code sent to `email` (read from the outbox, as the mailbox's holder would): the cookie. */
async function signIn(email: string): Promise<string> {
  const asked = await app.inject({ method: "POST", url: "/api/v1/citizen/sign-in", payload: { email } });
  assert.equal(asked.statusCode, 202);
  const sent = await one<{ code: string }>(
    db,
    `SELECT o.payload->>'code' AS code FROM outbox o
       JOIN citizen_sign_in_codes c ON c.id = (o.payload->>'codeId')::bigint
      WHERE o.job = 'send-sign-in-code' AND c.address = $1 ORDER BY o.id DESC LIMIT 1`,
    [email],
  );
  const ok = await app.inject({
    method: "POST",
    url: "/api/v1/citizen/verify",
    payload: { email, code: sent.code },
  });
  assert.equal(ok.statusCode, 200, ok.body);
  return String(ok.headers["set-cookie"]).split(";")[0]!;
}

/** A call ringing from `from` (a signed PBX event), for `agent` when given: the call's id. */
async function ring(from: string, agent?: string): Promise<number> {
  const body = JSON.stringify({
    callId: `call-${randomBytes(6).toString("hex")}`,
    event: "ringing",
    from,
    to: "156",
    agent,
  });
  const rang = await app.inject({
    method: "POST",
    url: "/api/v1/telephony/events",
    headers: {
      "content-type": "application/json",
      ...webhookHeaders(
        [SECRET],
        `msg_${randomBytes(6).toString("hex")}`,
        Math.floor(Date.now() / 1000),
        body,
      ),
    },
    payload: body,
  });
  assert.equal(rang.statusCode, 200, rang.body);
  return rang.json().call.id;
}

async function myProtocols(cookie: string): Promise<string[]> {
  const res = await app.inject({ method: "GET", url: "/api/v1/citizen/demands", headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return res
    .json()
    .demands.map((d: { protocol: string }) => d.protocol)
    .sort();
}

/** The full view of a demand as one reader sees it: by cookie, or by secret. */
async function view(protocol: string, reader: { cookie?: string; secret?: string }) {
  const res = await app.inject({
    method: "GET",
    url: `/api/v1/demands/${protocol}${reader.secret ? `?secret=${encodeURIComponent(reader.secret)}` : ""}`,
    headers: reader.cookie ? { cookie: reader.cookie } : {},
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** The record a demand is on, with its name, CPF and contacts (and whether each is proven). */
async function recordOf(protocol: string) {
  return one<{ id: number; name: string | null; document: string | null; contacts: string[] }>(
    db,
    `SELECT z.id, z.name, z.document,
            coalesce((SELECT array_agg(c.channel || ':' || c.value || CASE WHEN c.verified_at IS NULL THEN '' ELSE '!' END
                                       ORDER BY c.channel, c.value)
                        FROM citizen_contacts c WHERE c.citizen_id = z.id), '{}') AS contacts
       FROM demands d JOIN citizens z ON z.id = d.citizen_id WHERE d.protocol = $1`,
    [protocol],
  );
}

/** The victim: a confidential demand with name, CPF, e-mail and phone, the e-mail proven by signing in. */
async function victim() {
  const v = someone("victim");
  const filed = await file(
    { name: "Vitória Vítima", email: v.email, phone: v.phone, document: "529.982.247-25" },
    { identity: "confidential", description: "Meu vizinho me ameaça — sigilo" },
  );
  const cookie = await signIn(v.email);
  return { ...v, ...filed, cookie, record: await recordOf(filed.protocol) };
}

/** Asserts that `cookie` (the attacker's session) reads nothing of the victim's demand, and the record is intact. */
async function assertUntouched(v: Awaited<ReturnType<typeof victim>>, cookie: string) {
  assert.ok(!(await myProtocols(cookie)).includes(v.protocol));
  const seen = await view(v.protocol, { cookie });
  assert.equal(seen.view, "public");
  assert.equal(seen.description, undefined);
  assert.doesNotMatch(JSON.stringify(seen), /Vitória|ameaça|victim-/);
  assert.deepEqual(await recordOf(v.protocol), v.record);
}

describe("intake never joins an existing record without proof", () => {
  it("files the issue's attack (the victim's CPF, the attacker's e-mail) onto a record of its own", async () => {
    const v = await victim();
    const m = someone("mallory");
    const attack = await file({ name: "X", email: m.email, document: "52998224725" });
    const mine = await view(attack.protocol, { secret: attack.secret });
    assert.deepEqual(mine.citizen, { name: "X", contacts: [{ channel: "email", value: m.email }] });
    assert.notEqual((await recordOf(attack.protocol)).id, v.record.id);
    const cookie = await signIn(m.email);
    assert.deepEqual(await myProtocols(cookie), [attack.protocol]);
    await assertUntouched(v, cookie);
  });

  it("does the same for a multipart intake with the victim's e-mail and phone", async () => {
    const v = await victim();
    const m = someone("mallory");
    const attack = await file(
      { name: "X", email: m.email, phone: v.phone, document: "52998224725" },
      { multipart: true },
    );
    const mine = await view(attack.protocol, { secret: attack.secret });
    assert.equal(mine.citizen.name, "X");
    assert.doesNotMatch(JSON.stringify(mine.citizen), new RegExp(v.email));
    const cookie = await signIn(m.email);
    assert.deepEqual(await myProtocols(cookie), [attack.protocol]);
    await assertUntouched(v, cookie);
    // Filed with the victim's e-mail, the demand is on a record of its own; the victim sees it (answers go to that
    // address anyway), and the attacker's phone never reaches the victim's proven record.
    const withTheirEmail = await file({ name: "X", email: v.email, phone: m.phone }, { multipart: true });
    assert.deepEqual(await recordOf(v.protocol), v.record);
    assert.ok((await myProtocols(v.cookie)).includes(withTheirEmail.protocol));
    const proven = await db.query(
      `SELECT 1 FROM citizen_contacts WHERE value = $1
          AND citizen_id = (SELECT citizen_id FROM citizen_contacts WHERE value = $2 AND verified_at IS NOT NULL)`,
      [m.e164, v.email],
    );
    assert.equal(proven.length, 0);
  });

  it("puts a demand filed while signed in on the signed-in record, and only there", async () => {
    const v = await victim();
    const m = someone("mallory");
    await file({ name: "Mallory", email: m.email });
    const cookie = await signIn(m.email);
    const signedIn = await file({ name: "Mallory", email: v.email, document: "52998224725" }, { cookie });
    const signedInRecord = await recordOf(signedIn.protocol);
    assert.ok(signedInRecord.contacts.includes(`email:${m.email}!`));
    assert.ok(signedInRecord.contacts.includes(`email:${v.email}`), "held there unproven");
    assert.deepEqual((await myProtocols(cookie)).includes(signedIn.protocol), true);
    await assertUntouched(v, cookie);
    // A record that holds the victim's address unproven but has a proven owner of its own is not the victim's.
    assert.ok(!(await myProtocols(v.cookie)).includes(signedIn.protocol));
  });
});

describe("citizen sign-in proves one address, and opens only what was filed with it", () => {
  it("links the records filed with the proven address, never those sharing only a CPF or a phone", async () => {
    const j = someone("joana");
    const first = await file({ name: "Joana", email: j.email, document: "11144477735" });
    const second = await file({ name: "Joana", email: j.email.toUpperCase() });
    const byCpf = await file({ name: "Outra", email: someone("outra").email, document: "11144477735" });
    const byPhone = await file({ name: "Outra", phone: j.phone });
    const cookie = await signIn(j.email);
    assert.deepEqual(await myProtocols(cookie), [first.protocol, second.protocol].sort());
    for (const other of [byCpf, byPhone])
      assert.equal((await view(other.protocol, { cookie })).view, "public");
    // The proof makes a record holding only the proven address: the others' contacts never join it.
    const proven = await one<{ contacts: string[] }>(
      db,
      `SELECT array_agg(channel || ':' || value) AS contacts FROM citizen_contacts
        WHERE citizen_id = (SELECT citizen_id FROM citizen_contacts WHERE value = $1 AND verified_at IS NOT NULL)`,
      [j.email],
    );
    assert.deepEqual(proven.contacts, [`email:${j.email}`]);
    // Signing in again lands on the same record.
    const again = await signIn(j.email);
    assert.deepEqual(await myProtocols(again), [first.protocol, second.protocol].sort());
  });

  it("keeps one proven holder per address: the unique index refuses a second", async () => {
    const j = someone("unique");
    await file({ name: "Joana", email: j.email });
    await signIn(j.email);
    const other = await findOrCreateCitizen(db, { contacts: {} });
    await assert.rejects(
      db.query(
        `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
         VALUES ($1, 'email', $2, now(), 'email_code')`,
        [other, j.email],
      ),
      /duplicate key|unique/i,
    );
  });
});

describe("phone intake and the screen pop", () => {
  it("shows the agent what the number matches, but files the call's demand on a record of its own", async () => {
    const v = await victim();
    const m = someone("mallory");
    const agent = await staffHeaders(db, "agent");
    const agentEmail = (
      await one<{ email: string }>(db, "SELECT email FROM staff_users WHERE id = $1", [agent.staffId])
    ).email;
    // The network says the call comes from the victim's number (caller ID is cheap to spoof).
    const callId = await ring(v.phone, agentEmail);
    const pop = await app.inject({
      method: "GET",
      url: `/api/v1/calls/${callId}`,
      headers: { authorization: agent.authorization },
    });
    assert.equal(pop.statusCode, 200, pop.body);
    assert.equal(pop.json().caller.citizen.id, v.record.id, "the match is shown to the agent");

    const res = await app.inject({
      method: "POST",
      url: `/api/v1/calls/${callId}/demands`,
      headers: { authorization: agent.authorization },
      payload: {
        service,
        description: "Poste apagado",
        location: SE,
        citizen: { name: "Mallory", email: m.email },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const call = await recordOf(res.json().protocol);
    assert.notEqual(call.id, v.record.id);
    assert.deepEqual(call.contacts, [`email:${m.email}`, `phone:${v.e164}`]);
    const cookie = await signIn(m.email);
    assert.deepEqual(await myProtocols(cookie), [res.json().protocol]);
    await assertUntouched(v, cookie);
  });
});

describe("Open311 POST requests", () => {
  it("files a request with someone's phone and one's own e-mail onto a record of its own", async () => {
    const v = await victim();
    const m = someone("mallory");
    const { key } = await createApiClient(db, { name: "Third-party app" }, null);
    const form = new URLSearchParams({
      api_key: key,
      service_code: service,
      lat: String(SE.lat),
      long: String(SE.lon),
      description: "Lixo na calçada",
      first_name: "X",
      email: m.email,
      phone: v.phone,
    });
    const res = await app.inject({
      method: "POST",
      url: "/open311/v2/requests.json",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form.toString(),
    });
    assert.equal(res.statusCode, 200, res.body);
    const protocol = res.json()[0].service_request_id;
    const record = await recordOf(protocol);
    assert.notEqual(record.id, v.record.id);
    const cookie = await signIn(m.email);
    assert.deepEqual(await myProtocols(cookie), [protocol]);
    await assertUntouched(v, cookie);
  });
});

describe("LGPD export and erasure", () => {
  it("cover the one record named: the attacker's record holds nothing of the victim's, and erasing it leaves hers", async () => {
    const v = await victim();
    const m = someone("mallory");
    const attack = await file({ name: "X", email: m.email, phone: v.phone, document: "52998224725" });
    const attacker = await recordOf(attack.protocol);
    const victimsCall = await ring(v.phone);
    // A message still waiting to reach the victim, which names her number: the attacker's erasure leaves it alone.
    const pending = await one<{ id: number }>(
      db,
      `INSERT INTO outbox (job, payload, run_at) VALUES ('send-message', $1, now() + interval '1 day') RETURNING id`,
      [JSON.stringify({ citizenId: v.record.id, template: "demand.received", note: `ligar ${v.phone}` })],
    );

    const theirs = await app.inject({
      method: "GET",
      url: `/api/v1/citizens/${attacker.id}/export`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(theirs.statusCode, 200, theirs.body);
    assert.deepEqual(
      theirs.json().demands.map((d: { protocol: string }) => d.protocol),
      [attack.protocol],
    );
    assert.doesNotMatch(theirs.body, /Vitória|ameaça|victim-/);

    const hers = await app.inject({
      method: "GET",
      url: `/api/v1/citizens/${v.record.id}/export`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(hers.statusCode, 200);
    assert.doesNotMatch(hers.body, new RegExp(m.email));
    assert.deepEqual(
      hers.json().demands.map((d: { protocol: string }) => d.protocol),
      [v.protocol],
    );

    const erased = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${attacker.id}/erasure`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(erased.statusCode, 200, erased.body);
    assert.deepEqual(await recordOf(v.protocol), v.record);
    assert.ok((await myProtocols(v.cookie)).includes(v.protocol));
    // The number the attacker typed is the victim's too: her calls keep it.
    const call = await one<{ from_number: string | null }>(
      db,
      "SELECT from_number FROM calls WHERE id = $1",
      [victimsCall],
    );
    assert.equal(call.from_number, `+${v.e164}`);
    const message = await one<{ state: string; payload: { note: string } }>(
      db,
      "SELECT state, payload FROM outbox WHERE id = $1",
      [pending.id],
    );
    assert.equal(message.state, "pending");
    assert.equal(message.payload.note, `ligar ${v.phone}`);
  });

  it("shows staff which contacts are proven", async () => {
    const v = await victim();
    const found = await app.inject({
      method: "GET",
      url: `/api/v1/citizens?contact=${encodeURIComponent(v.email)}`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(found.statusCode, 200, found.body);
    const records = found.json() as {
      id: number;
      contacts: { value: string; verifiedAt: string | null }[];
    }[];
    assert.equal(records.length, 2, "the record filed with it and the proven one");
    const proven = records
      .flatMap((r) => r.contacts)
      .filter((c) => c.value === v.email && c.verifiedAt !== null);
    assert.equal(proven.length, 1);
  });
});

describe("following a demand", () => {
  it("shows a follower the public view of the demand they follow, never the filer's words or person", async () => {
    const v = await victim();
    const m = someone("follower");
    const theirs = await file({ name: "X", email: m.email }, { description: "O mesmo problema" });
    // A duplicate of theirs merged into the victim's demand makes them a follower (what triage's merge writes).
    await db.query(
      `INSERT INTO demand_followers (demand_id, citizen_id, from_demand_id, channel)
       SELECT v.id, t.citizen_id, t.id, 'email' FROM demands v, demands t WHERE v.protocol = $1 AND t.protocol = $2`,
      [v.protocol, theirs.protocol],
    );
    const cookie = await signIn(m.email);
    assert.ok((await myProtocols(cookie)).includes(v.protocol), "the followed demand is listed");
    const seen = await view(v.protocol, { cookie });
    assert.equal(seen.view, "public");
    assert.equal(seen.description, undefined);
    assert.doesNotMatch(JSON.stringify(seen), /Vitória|ameaça|victim-/);
    const own = await view(theirs.protocol, { cookie });
    assert.equal(own.description, "O mesmo problema");
    const rated = await app.inject({
      method: "POST",
      url: `/api/v1/demands/${v.protocol}/rating`,
      headers: { cookie, "content-type": "application/json" },
      payload: { rating: 1, solved: false },
    });
    assert.equal(rated.statusCode, 403, rated.body);
  });
});
