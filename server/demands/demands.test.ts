import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasValidCheckDigit, makeProtocol } from "../../domain/protocol.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";

// Praça da Sé, in the district of SÉ.
const SE = { lat: -23.5503, lon: -46.634 };

const { app, ctx } = await testApp();
const db = ctx.db;

/** A seeded service with no required extra field, which takes anonymous demands when asked. */
async function serviceCode(options: { anonymous?: boolean; location?: boolean } = {}): Promise<string> {
  const rows = await db.query<{ code: string }>(
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb
        AND ($1::boolean IS NULL OR anonymous_allowed = $1) AND ($2::boolean IS NULL OR location_required = $2)
      ORDER BY code LIMIT 1`,
    [options.anonymous ?? null, options.location ?? null],
  );
  assert.ok(rows[0], "the seeded catalogue has such a service");
  return rows[0].code;
}

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/api/v1/demands", payload: payload as object, headers });

describe("demand intake", () => {
  it("creates a demand with a protocol number, placed in its district, routed, with timeline and outbox rows", async () => {
    const service = await serviceCode({ location: true });
    const res = await post({
      service,
      description: "Buraco grande na frente do número 100",
      location: SE,
      address: "Praça da Sé, 100",
      citizen: { name: "Maria da Silva", email: "Maria@Example.org", consent: { policyVersion: "2026-01" } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.ok(hasValidCheckDigit(body.protocol));
    assert.match(body.protocol, /^20\d{11}$/);
    assert.equal(res.headers.location, `/api/v1/demands/${body.protocol}`);
    const [demand] = await db.query<{ id: number; district_code: string; department_id: number | null }>(
      "SELECT id, district_code, department_id FROM demands WHERE protocol = $1",
      [body.protocol],
    );
    const [district] = await db.query<{ name: string }>("SELECT name FROM districts WHERE code = $1", [
      demand!.district_code,
    ]);
    assert.equal(district!.name, "SE");
    assert.notEqual(demand!.department_id, null, "the matrix names a department (at least the fallback)");
    const events = await db.query<{ type: string }>("SELECT type FROM demand_events WHERE demand_id = $1", [
      demand!.id,
    ]);
    assert.deepEqual(
      events.map((e) => e.type),
      ["demand.created"],
    );
    const jobs = await db.query<{ job: string }>(
      "SELECT job FROM outbox WHERE (payload->>'demandId')::bigint = $1 ORDER BY job",
      [demand!.id],
    );
    assert.deepEqual(
      jobs.map((j) => j.job),
      ["route-demand", "send-message"],
    );
  });

  it("gives every one of many concurrent demands its own protocol number", async () => {
    const service = await serviceCode({ anonymous: true });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post({ service, description: `Pedido ${i}`, identity: "anonymous", location: SE }),
      ),
    );
    const protocols = results.map((r) => r.json().protocol as string);
    assert.ok(results.every((r) => r.statusCode === 201));
    assert.equal(new Set(protocols).size, 40);
  });
});

describe("demand views", () => {
  it("shows the public view without personal data, the full view with the secret, and refuses a wrong secret", async () => {
    const service = await serviceCode({ location: true });
    const created = (
      await post({
        service,
        description: "Lixo acumulado na calçada, meu telefone é 11 99999-0000",
        location: SE,
        citizen: { name: "João Souza", phone: "(11) 98765-4321" },
      })
    ).json();
    const open = await app.inject({ method: "GET", url: `/api/v1/demands/${created.protocol}` });
    assert.equal(open.statusCode, 200);
    assert.equal(open.json().view, "public");
    assert.doesNotMatch(open.body, /João|98765|99999|calçada/);
    const full = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${created.protocol}?secret=${created.secret}`,
    });
    assert.equal(full.json().view, "citizen");
    assert.equal(full.json().citizen.name, "João Souza");
    assert.match(full.json().description, /Lixo acumulado/);
    const wrong = await app.inject({ method: "GET", url: `/api/v1/demands/${created.protocol}?secret=nope` });
    assert.equal(wrong.statusCode, 403);
    assert.equal(wrong.json().code, "wrong_secret");
  });

  it("hides who filed a confidential demand from staff, except the ombudsman team", async () => {
    const service = await serviceCode({ location: true });
    const created = (
      await post({
        service,
        description: "Denúncia sigilosa",
        identity: "confidential",
        location: SE,
        citizen: { name: "Ana Sigilo", email: "ana@example.org" },
      })
    ).json();
    const agent = await staffHeaders(db, "agent");
    const asAgent = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${created.protocol}`,
      headers: { authorization: agent.authorization },
    });
    assert.equal(asAgent.json().view, "staff");
    assert.equal(asAgent.json().citizen, null);
    assert.doesNotMatch(asAgent.body, /Ana Sigilo|ana@example/);
    const ombudsman = await staffHeaders(db, "ombudsman");
    const asOmbudsman = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${created.protocol}`,
      headers: { authorization: ombudsman.authorization },
    });
    assert.equal(asOmbudsman.json().citizen.name, "Ana Sigilo");
    const audit = await db.query<{ actor_id: number }>(
      `SELECT e.actor_id FROM demand_events e JOIN demands d ON d.id = e.demand_id
        WHERE d.protocol = $1 AND e.type = 'demand.identity_viewed'`,
      [created.protocol],
    );
    assert.deepEqual(
      audit.map((a) => a.actor_id),
      [ombudsman.staffId],
    );
  });

  it("lets department staff read only their own department's demands in full", async () => {
    const service = await serviceCode({ location: true });
    const created = (await post({ service, description: "x", location: SE, citizen: { name: "Z" } })).json();
    const [row] = await db.query<{ code: string }>(
      "SELECT dep.code FROM demands d JOIN departments dep ON dep.id = d.department_id WHERE d.protocol = $1",
      [created.protocol],
    );
    const [other] = await db.query<{ code: string }>(
      "SELECT code FROM departments WHERE code <> $1 LIMIT 1",
      [row!.code],
    );
    const own = await staffHeaders(db, "department_staff", row!.code);
    const foreign = await staffHeaders(db, "department_staff", other!.code);
    const url = `/api/v1/demands/${created.protocol}`;
    assert.equal(
      (await app.inject({ url, headers: { authorization: own.authorization } })).json().view,
      "staff",
    );
    assert.equal(
      (await app.inject({ url, headers: { authorization: foreign.authorization } })).json().view,
      "public",
    );
  });

  it("refuses a protocol whose check digit is wrong, saying so", async () => {
    const service = await serviceCode({ anonymous: true });
    const { protocol } = (
      await post({ service, description: "x", identity: "anonymous", location: SE })
    ).json();
    const wrong = protocol.slice(0, -1) + ((Number(protocol.at(-1)) + 1) % 10);
    const res = await app.inject({
      url: `/api/v1/demands/${wrong}`,
      headers: { "accept-language": "pt-BR" },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, "bad_check_digit");
    assert.match(res.json().detail, /dígito verificador/i);
    const swapped = protocol.slice(0, 5) + protocol[6] + protocol[5] + protocol.slice(7);
    if (swapped !== protocol)
      assert.equal((await app.inject({ url: `/api/v1/demands/${swapped}` })).statusCode, 400);
  });

  it("answers 404 for a well-formed protocol that does not exist", async () => {
    const res = await app.inject({ url: `/api/v1/demands/${makeProtocol(2026, 99_999_998)}` });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "unknown_protocol");
  });
});
