import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { testApp, testDb } from "../../tests/helpers.ts";
import { one, type Sql } from "../db/index.ts";
import { hashToken, type StaffRole } from "../http/auth.ts";
import { eraseCitizen, findOrCreateCitizen, recordConsent } from "./commands.ts";
import { normaliseEmail, normalisePhone } from "./contacts.ts";
import { exportCitizen } from "./queries.ts";

/** A service of our own (with its group), so the test does not depend on the seeded catalogue. */
async function buildService(sql: Sql): Promise<number> {
  const code = `test-${randomBytes(4).toString("hex")}`;
  const group = await one<{ id: number }>(
    sql,
    `INSERT INTO service_groups (code, name) VALUES ($1, '{"pt-BR": "Grupo de teste"}') RETURNING id`,
    [code],
  );
  const service = await one<{ id: number }>(
    sql,
    `INSERT INTO services (code, group_id, name) VALUES ($1, $2, '{"pt-BR": "Serviço de teste"}') RETURNING id`,
    [code, group.id],
  );
  return service.id;
}

/** A demand of the citizen, with a public creation event and an internal note that both mention the person. */
async function buildDemand(
  sql: Sql,
  citizenId: number,
  description: string,
): Promise<{ id: number; protocol: string }> {
  const serviceId = await buildService(sql);
  const protocol = `2025${randomBytes(4).readUInt32BE() % 1_000_000}`;
  const demand = await one<{ id: number }>(
    sql,
    `INSERT INTO demands (protocol, service_id, channel, identity_mode, citizen_id, description, address)
     VALUES ($1, $2, 'phone', 'identified', $3, $4, 'Rua Augusta, 100') RETURNING id`,
    [protocol, serviceId, citizenId, description],
  );
  await sql.query(
    `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data) VALUES
       ($1, 'demand.created', 'citizen', 'public', '{"channel": "phone"}'),
       ($1, 'note.added', 'staff', 'internal', '{"text": "Liguei para (11) 98765-4321, falei com Maria Aparecida"}')`,
    [demand.id],
  );
  return { id: demand.id, protocol };
}

async function sessionOf(
  app: FastifyInstance,
  role: StaffRole,
): Promise<{ id: number; headers: { authorization: string } }> {
  const { db } = app.ctx;
  const user = await one<{ id: number }>(
    db,
    `INSERT INTO staff_users (email, name, password_hash, role) VALUES ($1, $2, 'unused', $3) RETURNING id`,
    [`${role}-${randomBytes(4).toString("hex")}@example.org`, `Test ${role}`, role],
  );
  const token = randomBytes(32).toString("base64url");
  await db.query(
    "INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
    [hashToken(token), user.id],
  );
  return { id: user.id, headers: { authorization: `Bearer ${token}` } };
}

describe("contacts", () => {
  it("normalises phone numbers to E.164 digits with Brazil by default", () => {
    assert.equal(normalisePhone("(11) 98765-4321"), "5511987654321");
    assert.equal(normalisePhone("+55 11 98765-4321"), "5511987654321");
    assert.equal(normalisePhone("5511987654321"), "5511987654321");
    assert.equal(normalisePhone("0 21 11 98765-4321"), "5511987654321");
    assert.equal(normalisePhone("011 3333-4444"), "551133334444");
    assert.equal(normalisePhone("+1 (212) 555-0100"), "12125550100");
    assert.equal(normalisePhone("98765-4321"), undefined);
    assert.equal(normalisePhone("abc"), undefined);
  });

  it("lower-cases e-mail addresses and refuses what is not one", () => {
    assert.equal(normaliseEmail("  Maria@Example.ORG "), "maria@example.org");
    assert.equal(normaliseEmail("maria@"), undefined);
  });
});

describe("findOrCreateCitizen", () => {
  it("never matches an existing record by a contact or a CPF: without proof each intake gets its own", async () => {
    const db = await testDb();
    const id = await findOrCreateCitizen(db, {
      name: "Maria Aparecida",
      document: "123.456.789-09",
      contacts: { phone: "(11) 98765-4321", email: "Maria@Example.org" },
    });
    const again = await findOrCreateCitizen(db, {
      name: "Mallory",
      document: "12345678909",
      contacts: { email: "maria@example.ORG", whatsapp: "+55 11 98765 4321", sms: "11 3333-4444" },
    });
    assert.notEqual(again, id);
    const contacts = await db.query<{
      citizen_id: number;
      channel: string;
      value: string;
      verified_at: unknown;
    }>(
      "SELECT citizen_id, channel, value, verified_at FROM citizen_contacts WHERE citizen_id = ANY($1) ORDER BY id",
      [[id, again]],
    );
    assert.deepEqual(contacts, [
      { citizen_id: id, channel: "phone", value: "5511987654321", verified_at: null },
      { citizen_id: id, channel: "email", value: "maria@example.org", verified_at: null },
      { citizen_id: again, channel: "email", value: "maria@example.org", verified_at: null },
      { citizen_id: again, channel: "whatsapp", value: "5511987654321", verified_at: null },
      { citizen_id: again, channel: "sms", value: "551133334444", verified_at: null },
    ]);
    const first = await one<{ name: string }>(db, "SELECT name FROM citizens WHERE id = $1", [id]);
    assert.equal(first.name, "Maria Aparecida");
  });

  it("files onto the signed-in record, adding what it lacked, unproven", async () => {
    const db = await testDb();
    const id = await findOrCreateCitizen(db, { contacts: {} });
    await db.query(
      `INSERT INTO citizen_contacts (citizen_id, channel, value, verified_at, verified_by)
       VALUES ($1, 'email', 'ana@example.org', now(), 'email_code')`,
      [id],
    );
    const filed = await findOrCreateCitizen(db, {
      name: "Ana",
      contacts: { email: "ana@example.org", phone: "(11) 91234-5678" },
      signedIn: id,
    });
    assert.equal(filed, id);
    const rows = await db.query<{ value: string; proven: boolean }>(
      "SELECT value, verified_at IS NOT NULL AS proven FROM citizen_contacts WHERE citizen_id = $1 ORDER BY id",
      [id],
    );
    assert.deepEqual(rows, [
      { value: "ana@example.org", proven: true },
      { value: "5511912345678", proven: false },
    ]);
    const named = await one<{ name: string }>(db, "SELECT name FROM citizens WHERE id = $1", [id]);
    assert.equal(named.name, "Ana");
  });

  it("refuses a contact that cannot be normalised", async () => {
    const db = await testDb();
    await assert.rejects(findOrCreateCitizen(db, { contacts: { phone: "12" } }), { code: "invalid_contact" });
  });
});

describe("LGPD", () => {
  it("records consents and exports everything held about the person with their demands", async () => {
    const db = await testDb();
    const id = await findOrCreateCitizen(db, {
      name: "Maria Aparecida",
      document: "123.456.789-09",
      contacts: { phone: "(11) 98765-4321", email: "maria@example.org" },
    });
    await recordConsent(db, {
      citizenId: id,
      purpose: "service",
      granted: true,
      policyVersion: "2025-01",
      channel: "phone",
    });
    await recordConsent(db, {
      citizenId: id,
      purpose: "satisfaction_survey",
      granted: false,
      policyVersion: "2025-01",
      channel: "phone",
    });
    const demand = await buildDemand(db, id, "Buraco na rua");
    const data = await exportCitizen(db, id);
    assert.ok(data);
    assert.equal(data.citizen.name, "Maria Aparecida");
    assert.equal(data.citizen.document, "12345678909");
    assert.equal(data.contacts.length, 2);
    assert.deepEqual(
      data.consents.map((c) => [c.purpose, c.granted, c.policyVersion]),
      [
        ["service", true, "2025-01"],
        ["satisfaction_survey", false, "2025-01"],
      ],
    );
    assert.equal(data.demands.length, 1);
    const [d] = data.demands;
    assert.equal(d?.protocol, demand.protocol);
    assert.equal(d?.service.name, "Serviço de teste");
    assert.equal(d?.status, "new");
    assert.equal(d?.description, "Buraco na rua");
    assert.equal(d?.address, "Rua Augusta, 100");
    // Only the events the person can see.
    assert.deepEqual(
      d?.timeline.map((e) => e.type),
      ["demand.created"],
    ); // No gov.br identity and no linked record yet: both listed, empty.
    assert.deepEqual([data.identities, data.linkedRecords], [[], []]);

    // Signed in with gov.br and confirmed an earlier record filed with the CPF (decision 0057): both exported.
    const earlier = await findOrCreateCitizen(db, {
      document: "123.456.789-09",
      contacts: { email: "maria.antiga@example.org" },
    });
    await db.query(
      `INSERT INTO citizen_identities (provider, subject, citizen_id, created_at, last_sign_in_at)
       VALUES ('govbr', '12345678909', $1, '2025-03-01T10:00:00Z', '2025-03-09T08:30:00Z')`,
      [id],
    );
    await db.query(
      `INSERT INTO citizen_record_links (citizen_id, record_id, via, linked_at)
       VALUES ($1, $2, 'govbr_cpf', '2025-03-02T12:00:00Z')`,
      [id, earlier],
    );
    const signedIn = await exportCitizen(db, id);
    assert.deepEqual(signedIn?.identities, [
      {
        provider: "govbr",
        subject: "12345678909",
        createdAt: "2025-03-01T10:00:00.000Z",
        lastSignInAt: "2025-03-09T08:30:00.000Z",
      },
    ]);
    assert.deepEqual(signedIn?.linkedRecords, [
      { recordId: earlier, via: "govbr_cpf", linkedAt: "2025-03-02T12:00:00.000Z" },
    ]);
    // The earlier record's own export names no identity and no link of its own.
    const other = await exportCitizen(db, earlier);
    assert.deepEqual([other?.identities, other?.linkedRecords], [[], []]);
  });

  it("erases a person: nothing about them remains, their demands are still counted", async () => {
    const { app, ctx } = await testApp();
    const db = ctx.db;
    const id = await findOrCreateCitizen(db, {
      name: "Maria Aparecida",
      document: "12345678909",
      contacts: { phone: "(11) 98765-4321", email: "maria@example.org" },
    });
    await recordConsent(db, {
      citizenId: id,
      purpose: "service",
      granted: true,
      policyVersion: "2025-01",
      channel: "web",
    });
    const first = await buildDemand(
      db,
      id,
      "Sou a Maria Aparecida, liguem no 11 98765-4321 ou maria@example.org",
    );
    await buildDemand(db, id, "Lixo acumulado na calçada");
    // A message that went to the person, and a survey they answered with a comment.
    const outbox = await one<{ id: number }>(
      db,
      "INSERT INTO outbox (job, payload, state) VALUES ('send-message', '{}', 'done') RETURNING id",
    );
    await db.query(
      `INSERT INTO messages (outbox_id, demand_id, citizen_id, template, locale, channel, address, state)
       VALUES ($1, $2, $3, 'demand.received', 'pt-BR', 'email', 'maria@example.org', 'sent')`,
      [outbox.id, first.id, id],
    );
    await db.query(
      `INSERT INTO satisfaction_surveys (demand_id, round, citizen_id, channel, answered_at, rating, solved, comment)
       VALUES ($1, 0, $2, 'web', now(), 2, false, 'Maria Aparecida aqui, ninguém veio')`,
      [first.id, id],
    );
    // Two calls from their number: one linked to them, one from before the number was known to be theirs.
    await db.query(
      `INSERT INTO calls (provider, provider_call_id, from_number, from_raw, to_number, state, citizen_id, rang_at)
       VALUES ('pbx', 'c1', '+5511987654321', '11987654321', '156', 'ended', $1, now()),
              ('pbx', 'c2', '+5511987654321', '(11) 98765-4321', '156', 'ended', NULL, now())`,
      [id],
    );
    const before = await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM demands");

    const ombudsman = await sessionOf(app, "ombudsman");
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${id}/erasure`,
      headers: ombudsman.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().demands, 2);

    assert.equal((await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM demands")).n, before.n);
    const citizen = await one<{ name: unknown; document: unknown; erased_at: unknown }>(
      db,
      "SELECT name, document, erased_at FROM citizens WHERE id = $1",
      [id],
    );
    assert.equal(citizen.name, null);
    assert.equal(citizen.document, null);
    assert.ok(citizen.erased_at);
    assert.equal((await db.query("SELECT 1 FROM citizen_contacts WHERE citizen_id = $1", [id])).length, 0);
    assert.equal((await db.query("SELECT 1 FROM demands WHERE citizen_id = $1", [id])).length, 0);
    assert.equal((await db.query("SELECT 1 FROM consents WHERE citizen_id = $1", [id])).length, 1);

    const everything = await db.query<{ text: string }>(
      `SELECT name || ' ' || coalesce(document, '') AS text FROM citizens WHERE name IS NOT NULL
       UNION ALL SELECT value FROM citizen_contacts
       UNION ALL SELECT description || ' ' || attributes::text FROM demands
       UNION ALL SELECT data::text FROM demand_events
       UNION ALL SELECT coalesce(address, '') FROM messages
       UNION ALL SELECT coalesce(comment, '') FROM satisfaction_surveys
       UNION ALL SELECT coalesce(from_number, '') || ' ' || from_raw FROM calls`,
    );
    const all = everything.map((r) => r.text).join("\n");
    for (const trace of ["Maria Aparecida", "maria@example.org", "98765-4321", "987654321", "12345678909"]) {
      assert.ok(!all.includes(trace), `"${trace}" is still held somewhere`);
    }
    const erased = await db.query<{ type: string; actor_kind: string; actor_id: number; visibility: string }>(
      "SELECT type, actor_kind, actor_id, visibility FROM demand_events WHERE demand_id = $1 AND type = 'citizen.erased'",
      [first.id],
    );
    assert.deepEqual(erased, [
      { type: "citizen.erased", actor_kind: "staff", actor_id: ombudsman.id, visibility: "internal" },
    ]);

    const again = await app.inject({
      method: "POST",
      url: `/api/v1/citizens/${id}/erasure`,
      headers: ombudsman.headers,
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, "already_erased");
    await assert.rejects(eraseCitizen(db, id, { id: ombudsman.id }), { code: "already_erased" });
  });
});

describe("citizens routes", () => {
  it("finds a citizen by a phone typed any way, for the agent's screen", async () => {
    const { app, ctx } = await testApp();
    const id = await findOrCreateCitizen(ctx.db, {
      name: "Ana Lúcia",
      contacts: { whatsapp: "11987650000" },
    });
    const agent = await sessionOf(app, "agent");
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/citizens?contact=${encodeURIComponent("+55 (11) 98765-0000")}`,
      headers: agent.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().map((c: { id: number }) => c.id),
      [id],
    );
    const one = await app.inject({ method: "GET", url: `/api/v1/citizens/${id}`, headers: agent.headers });
    assert.equal(one.json().name, "Ana Lúcia");
    const bad = await app.inject({
      method: "GET",
      url: "/api/v1/citizens?contact=xyz",
      headers: agent.headers,
    });
    assert.equal(bad.statusCode, 400);
  });

  it("lets only the ombudsman team export a citizen", async () => {
    const { app, ctx } = await testApp();
    const id = await findOrCreateCitizen(ctx.db, {
      name: "Ana Lúcia",
      contacts: { email: "ana@example.org" },
    });
    const agent = await sessionOf(app, "agent");
    const ombudsman = await sessionOf(app, "ombudsman");
    const url = `/api/v1/citizens/${id}/export`;
    assert.equal((await app.inject({ method: "GET", url, headers: agent.headers })).statusCode, 403);
    const res = await app.inject({ method: "GET", url, headers: ombudsman.headers });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().citizen.name, "Ana Lúcia");
    assert.equal(
      (await app.inject({ method: "GET", url: "/api/v1/citizens/999999/export", headers: ombudsman.headers }))
        .statusCode,
      404,
    );
  });
});
