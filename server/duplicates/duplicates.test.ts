/**
 * Duplicates (decision 0026): the linking rule; a strong duplicate linked by routing and its citizen following the
 * open demand; a doubtful one queued; the staff's unlink; the public candidates with support (+1) and follow; and
 * merged demands out of the public lists (Open311 search, open data CSV and GeoJSON, which the portal's nearby map
 * reads).
 */
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { fileDemand } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { hashToken } from "../http/auth.ts";
import { routeDemand } from "../triage/routing.ts";
import { SUPPORTS_PER_DAY } from "./commands.ts";
import { isSameStreet, judgeDuplicate, LINK_RULE } from "./rule.ts";

const { app, ctx } = await testApp();
const db = ctx.db;

// A request-type service that needs a place and goes straight to its department: what the rule may link.
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services
      WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch AND NOT sensitive
        AND demand_type = 'request'
      ORDER BY code LIMIT 1`,
  )
).code;

const HERE = { lat: -23.5611, lon: -46.6559 }; // Avenida Paulista
const metresNorth = (m: number) => ({ lat: HERE.lat + m / 111_195, lon: HERE.lon });

let serial = 0;
/** Files a demand of the service at `at`: identified by `email` when given (or as `identity` says), else anonymous. */
async function file(
  at: { lat: number; lon: number },
  email?: string,
  extra: { identity?: "identified" | "confidential" | "anonymous" } = {},
) {
  serial++;
  const { id, protocol } = await fileDemand(
    { app, ctx },
    { service, description: `Lâmpada queimada no poste ${serial}`, at, email, name: "Rita Lee", ...extra },
  );
  return { id, protocol };
}

const row = (id: number) =>
  one<{ status: string; merged_into_id: number | null }>(
    db,
    "SELECT status, merged_into_id FROM demands WHERE id = $1",
    [id],
  );

describe("the linking rule", () => {
  const strong = {
    distanceM: 5,
    sameBlock: false,
    sameStreet: null,
    ageHours: 24,
    demandType: "request",
    candidateAnswered: false,
  };
  it("links a request close by, recent and unanswered", () => {
    assert.equal(judgeDuplicate(strong), "link");
    assert.equal(judgeDuplicate({ ...strong, distanceM: 35, sameBlock: true }), "link");
  });
  it("queues what is farther, older, answered, on another street or not a request", () => {
    assert.equal(judgeDuplicate({ ...strong, distanceM: LINK_RULE.nearM + 1 }), "queue");
    assert.equal(
      judgeDuplicate({ ...strong, distanceM: LINK_RULE.sameBlockM + 1, sameBlock: true }),
      "queue",
    );
    assert.equal(judgeDuplicate({ ...strong, ageHours: LINK_RULE.maxAgeDays * 24 + 1 }), "queue");
    assert.equal(judgeDuplicate({ ...strong, candidateAnswered: true }), "queue");
    assert.equal(judgeDuplicate({ ...strong, sameStreet: false }), "queue");
    assert.equal(judgeDuplicate({ ...strong, demandType: "complaint" }), "queue");
  });
  it("compares streets as the street layer does, and knows when it cannot", () => {
    assert.equal(isSameStreet("Rua Augusta, 100", "R. AUGUSTA 120"), true);
    assert.equal(isSameStreet("Av. Paulista, 1000", "Rua Augusta, 100"), false);
    assert.equal(isSameStreet(null, "Rua Augusta, 100"), null);
  });
});

describe("routing a possible duplicate", async () => {
  const survivor = await file(HERE, "primeira@example.org");
  await routeDemand(db, survivor.id);
  const linked = await file(metresNorth(5), "segunda@example.org");
  const doubtful = await file(metresNorth(60), "terceira@example.org");

  it("links a strong one: merged into the open demand, its citizen follows it and is told", async () => {
    assert.equal(await routeDemand(db, linked.id), "linked");
    assert.deepEqual(await row(linked.id), { status: "merged", merged_into_id: survivor.id });
    const follower = await db.query(
      `SELECT 1 FROM demand_followers f JOIN demands d ON d.citizen_id = f.citizen_id
        WHERE f.demand_id = $1 AND d.id = $2 AND f.from_demand_id = $2`,
      [survivor.id, linked.id],
    );
    assert.equal(follower.length, 1);
    const told = await one<{ payload: { template: string; data: { survivingProtocol: string } } }>(
      db,
      `SELECT payload FROM outbox WHERE job = 'send-message' AND payload->>'demandId' = $1::text
          AND payload->>'template' = 'demand.linked'`,
      [linked.id],
    );
    assert.equal(told.payload.data.survivingProtocol, survivor.protocol);
    const events = await db.query<{ type: string; data: { automatic: boolean } }>(
      "SELECT type, data FROM demand_events WHERE demand_id = $1 AND type = 'demand.duplicate_merged'",
      [survivor.id],
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.data.automatic]),
      [["demand.duplicate_merged", true]],
    );
    assert.equal((await db.query("SELECT 1 FROM triage_queue WHERE demand_id = $1", [linked.id])).length, 0);
  });

  it("queues a doubtful one for a person", async () => {
    assert.equal(await routeDemand(db, doubtful.id), "queued");
    const queued = await one<{ data: { reasons: string[]; duplicates: string[] } }>(
      db,
      "SELECT data FROM demand_events WHERE demand_id = $1 AND type = 'demand.queued'",
      [doubtful.id],
    );
    assert.ok(queued.data.reasons.includes("possible_duplicate"));
    assert.deepEqual(queued.data.duplicates, [survivor.protocol]);
  });

  it("shows the citizen the open demands nearby with public facts only, the linked one counted", async () => {
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/duplicate-candidates?service=${service}&lat=${HERE.lat}&lon=${HERE.lon}`,
      headers: { "accept-language": "en" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const found = res.json() as Record<string, unknown>[];
    const first = found.find((c) => c.protocol === survivor.protocol);
    assert.ok(first, "the survivor is a candidate");
    assert.ok(!found.some((c) => c.protocol === linked.protocol), "a merged demand is no candidate");
    assert.deepEqual(Object.keys(first).sort(), [
      "districtName",
      "lat",
      "lon",
      "openedAt",
      "protocol",
      "service",
      "status",
      "street",
      "supporters",
    ]);
    assert.equal(first.supporters, 1, "the linked demand stands behind it");
    assert.equal(Number(first.lat) * 1000, Math.round(Number(first.lat) * 1000), "on the ~100 m grid");
    assert.ok(!JSON.stringify(found).includes("Lâmpada"), "no description");
  });

  it("counts a support once per address, and refuses more than the daily limit", async () => {
    const url = `/api/v1/demands/${survivor.protocol}/support`;
    const from = (ip: string) => app.inject({ method: "POST", url, remoteAddress: ip, payload: {} });
    assert.deepEqual((await from("203.0.113.7")).json(), { supports: 1, counted: true });
    assert.deepEqual((await from("203.0.113.7")).json(), { supports: 1, counted: false });
    assert.deepEqual((await from("203.0.113.8")).json(), { supports: 2, counted: true });
    // An address that supported SUPPORTS_PER_DAY other demands today is refused one more.
    const { key } = await one<{ key: string }>(db, "SELECT key FROM duplicate_support_key");
    const supporter = createHmac("sha256", key).update("203.0.113.9").digest("hex");
    for (let i = 0; i < SUPPORTS_PER_DAY; i++) {
      const other = await file(metresNorth(-2000 - i * 10), `apoio${i}@example.org`);
      await db.query("INSERT INTO demand_supports (demand_id, supporter) VALUES ($1, $2)", [
        other.id,
        supporter,
      ]);
    }
    const refused = await from("203.0.113.9");
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal(refused.json().code, "support_limit");
    const closed = await app.inject({
      method: "POST",
      url: `/api/v1/demands/${linked.protocol}/support`,
      payload: {},
    });
    assert.equal(closed.statusCode, 409, "a merged demand cannot be supported");
    const stored = await db.query<{ supporter: string }>("SELECT supporter FROM demand_supports");
    assert.ok(stored.every((s) => /^[0-9a-f]{64}$/.test(s.supporter) && !s.supporter.includes("203.0.113")));
  });

  it("lets a signed-in citizen follow an open demand and stop, and nobody else", async () => {
    const reader = await file(metresNorth(2000), "leitora@example.org");
    const { citizen_id } = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM demands WHERE id = $1",
      [reader.id],
    );
    const token = randomBytes(24).toString("base64url");
    await db.query(
      "INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
      [hashToken(token), citizen_id],
    );
    const url = `/api/v1/demands/${survivor.protocol}/follow`;
    const cookie = { cookie: `responsiva_citizen=${token}` };
    assert.equal((await app.inject({ method: "POST", url })).statusCode, 401);
    const followed = await app.inject({ method: "POST", url, headers: cookie });
    assert.equal(followed.statusCode, 204, followed.body);
    const rows = await db.query<{ from_demand_id: number | null }>(
      "SELECT from_demand_id FROM demand_followers WHERE demand_id = $1 AND citizen_id = $2",
      [survivor.id, citizen_id],
    );
    assert.deepEqual(rows, [{ from_demand_id: null }]);
    const merged = await app.inject({
      method: "POST",
      url: `/api/v1/demands/${linked.protocol}/follow`,
      headers: cookie,
    });
    assert.equal(merged.statusCode, 409);
    assert.equal((await app.inject({ method: "DELETE", url, headers: cookie })).statusCode, 204);
    assert.equal(
      (await db.query("SELECT 1 FROM demand_followers WHERE citizen_id = $1", [citizen_id])).length,
      0,
    );
  });

  it("leaves a merged demand out of the public lists, and answers it by its number", async () => {
    const open311 = await app.inject({
      method: "GET",
      url: `/open311/v2/requests.json?service_code=${service}`,
    });
    assert.equal(open311.statusCode, 200, open311.body);
    const listed = (open311.json() as { service_request_id: string }[]).map((r) => r.service_request_id);
    assert.ok(listed.includes(survivor.protocol) && !listed.includes(linked.protocol), listed.join());
    const byId = await app.inject({ method: "GET", url: `/open311/v2/requests/${linked.protocol}.json` });
    assert.equal(byId.json()[0].status, "closed");

    const csv = await app.inject({ method: "GET", url: `/api/v1/open-data/demands.csv?service=${service}` });
    assert.ok(csv.body.includes(survivor.protocol) && !csv.body.includes(linked.protocol));
    const asked = await app.inject({ method: "GET", url: "/api/v1/open-data/demands.csv?status=merged" });
    assert.ok(asked.body.includes(linked.protocol), "asked for by status, it is there");
    const bbox = [HERE.lon - 0.01, HERE.lat - 0.01, HERE.lon + 0.01, HERE.lat + 0.01].join(",");
    const geo = await app.inject({ method: "GET", url: `/api/v1/open-data/demands.geojson?bbox=${bbox}` });
    const protocols = (geo.json() as { features: { properties: { protocol: string } }[] }).features.map(
      (f) => f.properties.protocol,
    );
    assert.ok(protocols.includes(survivor.protocol) && !protocols.includes(linked.protocol));
  });

  it("lets staff undo a link: back to the triage queue, no longer following, told, audited", async () => {
    const agent = await staffHeaders(db, "agent");
    const url = `/api/v1/demands/${linked.protocol}/unlink`;
    const clerk = await staffHeaders(db, "department_staff");
    assert.equal(
      (await app.inject({ method: "POST", url, headers: { authorization: clerk.authorization } })).statusCode,
      403,
    );
    const res = await app.inject({ method: "POST", url, headers: { authorization: agent.authorization } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { survivor: survivor.protocol });
    assert.deepEqual(await row(linked.id), { status: "returned", merged_into_id: null });
    assert.equal((await db.query("SELECT 1 FROM triage_queue WHERE demand_id = $1", [linked.id])).length, 1);
    assert.equal(
      (await db.query("SELECT 1 FROM demand_followers WHERE from_demand_id = $1", [linked.id])).length,
      0,
    );
    const told = await db.query(
      `SELECT 1 FROM outbox WHERE payload->>'demandId' = $1::text AND payload->>'template' = 'demand.unlinked'`,
      [linked.id],
    );
    assert.equal(told.length, 1);
    const audit = await one<{ staff_id: number; before: { status: string } }>(
      db,
      "SELECT staff_id, before FROM audit_log WHERE action = 'demand.unlinked' AND entity_id = $1",
      [String(linked.id)],
    );
    assert.deepEqual(audit, { staff_id: agent.staffId, before: { status: "merged", into: survivor.id } });
    const again = await app.inject({ method: "POST", url, headers: { authorization: agent.authorization } });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, "not_merged");
  });
});

describe("candidates that must not be shown", () => {
  it("leaves out confidential demands", async () => {
    const at = metresNorth(-3000);
    const hidden = await file(at, "sigilo@example.org", { identity: "confidential" });
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/duplicate-candidates?service=${service}&lat=${at.lat}&lon=${at.lon}`,
    });
    assert.ok(!(res.json() as { protocol: string }[]).some((c) => c.protocol === hidden.protocol));
  });
});
