/**
 * The triage queue and classification at routing, through the HTTP API and the routing job: each waiting demand
 * goes to one agent only, and a manager's rule that gives a demand's words to another service sends it to an agent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { factoriesFor, findPlainService, testAppWithMail } from "../../tests/factories.ts";
import { one } from "../db/index.ts";

const { app, ctx } = await testAppWithMail();
const db = ctx.db;
const service = await findPlainService(db);
const { drain, fileDemand, makeStaff, statusOf, post } = factoriesFor({ app, ctx });

describe("the triage queue", () => {
  it("gives each waiting demand to one agent only, and the same one back to the agent who holds it", async () => {
    const queuedService = (
      await one<{ code: string }>(
        db,
        `UPDATE services SET auto_dispatch = false
          WHERE code = (SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND anonymous_allowed
                         AND code <> $1 ORDER BY code LIMIT 1)
          RETURNING code`,
        [service],
      )
    ).code;
    const spots = Array.from({ length: 8 }, (_, i) => ({ lat: -23.55 - i * 0.01, lon: -46.64 + i * 0.005 }));
    for (const at of spots) await fileDemand({ at, service: queuedService });
    await drain();
    const agents = await Promise.all(Array.from({ length: 8 }, () => makeStaff("agent")));
    const taken = await Promise.all(
      agents.map((a) => post("/api/v1/triage/next", { authorization: a.authorization })),
    );
    const protocols = taken.filter((r) => r.statusCode === 200).map((r) => r.json().protocol as string);
    assert.equal(protocols.length, 8, "eight waiting demands for eight agents");
    assert.equal(new Set(protocols).size, protocols.length, "never the same demand twice");
    const mine = await post("/api/v1/triage/next", { authorization: agents[0]!.authorization });
    assert.equal(mine.json().protocol, protocols[0], "an agent who holds an item gets it back");
    const queue = await app.inject({
      method: "GET",
      url: "/api/v1/triage/queue",
      headers: { authorization: agents[0]!.authorization },
    });
    assert.ok(queue.json().length >= 8);

    const other = agents[1]!;
    const held = protocols[0]!;
    const refused = await post(`/api/v1/demands/${held}/dispatch`, other, {});
    assert.equal(refused.json().code, "claimed_by_another");
    const reclassified = await post(`/api/v1/demands/${held}/reclassify`, agents[0]!, { service });
    assert.equal(reclassified.statusCode, 204, reclassified.body);
    const sent = await post(`/api/v1/demands/${held}/dispatch`, agents[0]!, {});
    assert.equal(sent.statusCode, 200, sent.body);
  });
});

describe("classification at routing", () => {
  it("sends a demand whose words a manager's rule gives to another service to an agent, with the proposal", async () => {
    const other = (
      await one<{ code: string }>(
        db,
        "SELECT code FROM services WHERE active AND code <> $1 AND location_required ORDER BY code DESC LIMIT 1",
        [service],
      )
    ).code;
    const manager = await makeStaff("manager");
    const rule = await post("/api/v1/classification-rules", manager, {
      service: other,
      phrases: ["caçamba abandonada"],
      effect: "override",
      weight: 5,
    });
    assert.equal(rule.statusCode, 201, rule.body);
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service,
        description: "Tem uma cacamba abandonada aqui na frente faz duas semanas",
        location: { lat: -23.5905, lon: -46.6334 },
        identity: "anonymous",
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const id = (
      await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [res.json().protocol])
    ).id;
    await drain();
    assert.equal(await statusOf(id), "new", "an agent decides");
    const queued = await one<{ data: { reasons: string[]; suggestions: { code: string }[] } }>(
      db,
      "SELECT data FROM demand_events WHERE demand_id = $1 AND type = 'demand.queued'",
      [id],
    );
    assert.ok(queued.data.reasons.includes("classification_differs"), JSON.stringify(queued.data));
    assert.equal(queued.data.suggestions[0]?.code, other);
  });
});
