/**
 * A service's deadlines per stage: the acceptance stage takes the service's own deadline when a manager sets one
 * (else the city's 8 business hours), and the execution stage the service's deadline; both edited through PATCH
 * /api/v1/services/:code and in force for the next order. The same PATCH turns triage on or off (autoDispatch).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addDeadline } from "../../domain/business-time.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { one } from "../db/index.ts";
import { ACCEPTANCE_DEADLINE } from "../deadlines/commands.ts";
import { JOBS } from "../jobs/registry.ts";
import { runOnce } from "../jobs/runner.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const SE = { lat: -23.5503, lon: -46.634 };
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      AND demand_type = 'request' ORDER BY code LIMIT 1`,
  )
).code;
const manager = await staffHeaders(db, "manager");

async function fileAndRoute(n: number): Promise<number> {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/demands",
    payload: {
      service,
      description: `Buraco na rua, pedido ${n}`,
      citizen: { name: "Maria" },
      location: { lat: SE.lat - n * 0.004, lon: SE.lon },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  while ((await runOnce(ctx, JOBS)) > 0) {}
  return (await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [res.json().protocol]))
    .id;
}

async function clock(demandId: number, stage: string) {
  return one<{ unit: string; amount: number; started_at: Date; due_at: Date }>(
    db,
    "SELECT unit, amount, started_at, due_at FROM deadlines WHERE demand_id = $1 AND stage = $2",
    [demandId, stage],
  );
}

const patch = (payload: object) =>
  app.inject({
    method: "PATCH",
    url: `/api/v1/services/${service}`,
    headers: { authorization: manager.authorization },
    payload,
  });

describe("deadlines per service and stage", () => {
  it("uses the city's acceptance default until the service sets its own, then the service's", async () => {
    const cal = await loadCalendar(db);
    const before = await fileAndRoute(1);
    const acceptance = await clock(before, "acceptance");
    assert.deepEqual(
      [acceptance.amount, acceptance.unit],
      [ACCEPTANCE_DEADLINE.amount, ACCEPTANCE_DEADLINE.unit],
    );

    const res = await patch({
      acceptanceDeadline: { amount: 2, unit: "business_days" },
      deadline: { amount: 3, unit: "business_days" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const source = await app.inject({
      url: `/api/v1/catalogue/services/${service}`,
      headers: { authorization: manager.authorization },
    });
    assert.deepEqual(source.json().acceptanceDeadline, { amount: 2, unit: "business_days" });

    const after = await fileAndRoute(2);
    const taken = await clock(after, "acceptance");
    assert.deepEqual([taken.amount, taken.unit], [2, "business_days"]);
    assert.equal(
      new Date(taken.due_at).toISOString(),
      addDeadline(new Date(taken.started_at), { amount: 2, unit: "business_days" }, cal).toISOString(),
    );
    const execution = await clock(after, "execution");
    assert.deepEqual([execution.amount, execution.unit], [3, "business_days"]);

    // Back to the city's default.
    assert.equal((await patch({ acceptanceDeadline: null })).statusCode, 200);
    const reset = await fileAndRoute(3);
    assert.equal((await clock(reset, "acceptance")).amount, ACCEPTANCE_DEADLINE.amount);
  });

  it("tells how far the execution clock has run in business time (clockShare)", async () => {
    const id = await fileAndRoute(5);
    const order = await one<{ id: number }>(db, "SELECT id FROM work_orders WHERE demand_id = $1", [id]);
    const read = async () =>
      (
        await app.inject({
          url: `/api/v1/work-orders/${order.id}`,
          headers: { authorization: manager.authorization },
        })
      ).json().clockShare;
    assert.equal(await read(), null);
    // Every alarm instant before the due one has come: the share is the largest fraction under 1.
    await db.query(
      `UPDATE deadlines c SET fire_at = (
         SELECT array_agg(CASE WHEN u.f < 1 THEN now() - interval '1 minute' ELSE u.at END ORDER BY u.ord)
           FROM unnest(c.fractions, c.fire_at) WITH ORDINALITY AS u(f, at, ord))
        WHERE c.work_order_id = $1 AND c.stage = 'execution'`,
      [order.id],
    );
    const expected = await one<{ share: string }>(
      db,
      `SELECT max(f) AS share FROM deadlines c, unnest(c.fractions) AS f
        WHERE c.work_order_id = $1 AND c.stage = 'execution' AND f < 1`,
      [order.id],
    );
    assert.ok(Number(expected.share) > 0);
    assert.equal(await read(), Number(expected.share));
  });

  it("puts a service's demands in the triage queue when autoDispatch is off", async () => {
    assert.equal((await patch({ autoDispatch: false })).statusCode, 200);
    const id = await fileAndRoute(4);
    const queued = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM triage_queue WHERE demand_id = $1",
      [id],
    );
    assert.equal(queued.n, 1);
    const orders = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM work_orders WHERE demand_id = $1",
      [id],
    );
    assert.equal(orders.n, 0);
    const bad = await patch({ acceptanceDeadline: { amount: 0, unit: "business_days" } });
    assert.equal(bad.statusCode, 400);
  });
});
