/**
 * Clocks: the ombudsman legal deadline and its one extension, alarms at business-time instants across weekends
 * and holidays, pause and resume, one alarm per occasion however many scanners run, and archiving a demand whose
 * citizen never sent the complement.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { factoriesFor, findPlainService, testAppWithMail } from "../../tests/factories.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { one } from "../db/index.ts";
import { archiveForMissingComplement } from "../work-orders/complements.ts";
import { listAlarmRules, pauseDeadlines, resumeDeadlines, startDeadline } from "./commands.ts";
import { scanDeadlines } from "./scan.ts";

const { app, ctx } = await testAppWithMail();
const db = ctx.db;
const _service = await findPlainService(db);
const { drain, fileDemand, makeStaff, statusOf, openOrder, departmentCodeOf, post } = factoriesFor({
  app,
  ctx,
});

describe("the ombudsman legal deadline", () => {
  it("runs an ouvidoria complaint on the 30-day legal clock, extended once with a reason", async () => {
    const complaint = (
      await one<{ code: string }>(
        db,
        `SELECT code FROM services WHERE active AND demand_type = 'complaint' AND attributes = '[]'::jsonb
          ORDER BY code LIMIT 1`,
      )
    ).code;
    const demand = await fileDemand({ email: "reclamacao@example.org", service: complaint });
    await drain();
    const clock = await one<{ unit: string; amount: number; due_at: Date }>(
      db,
      "SELECT unit, amount, due_at FROM deadlines WHERE demand_id = $1 AND stage = 'demand'",
      [demand.id],
    );
    assert.deepEqual([clock.unit, clock.amount], ["calendar_days", 30]);
    const ombudsman = await makeStaff("ombudsman");
    const noReason = await post(`/api/v1/demands/${demand.protocol}/extend-deadline`, ombudsman, {
      reason: "",
    });
    assert.equal(noReason.statusCode, 400);
    const extended = await post(`/api/v1/demands/${demand.protocol}/extend-deadline`, ombudsman, {
      reason: "Vistoria técnica agendada pela subprefeitura.",
    });
    assert.equal(extended.statusCode, 200, extended.body);
    const days = (new Date(extended.json().dueAt).getTime() - clock.due_at.getTime()) / 86_400_000;
    assert.ok(days >= 30 && days <= 33, `extended by ${days} days`);
    const twice = await post(`/api/v1/demands/${demand.protocol}/extend-deadline`, ombudsman, {
      reason: "Mais uma vez, por favor.",
    });
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json().code, "deadline_already_extended");
    const agent = await makeStaff("agent");
    const refused = await post(`/api/v1/demands/${demand.protocol}/extend-deadline`, agent, {
      reason: "Agente tenta.",
    });
    assert.equal(refused.statusCode, 403);
  });
});

describe("deadlines and alarms", () => {
  // Local São Paulo times (UTC−3 since 2019).
  const at = (local: string) => new Date(`${local}-03:00`);

  async function clock(start: string, hours: number) {
    const demand = await fileDemand();
    const cal = await loadCalendar(db);
    const rules = await listAlarmRules(db);
    const id = await db.transaction(async (tx) => {
      await startDeadline(tx, cal, rules, {
        demandId: demand.id,
        stage: "execution",
        spec: { amount: hours, unit: "business_hours" },
        departmentId: demand.department_id,
        startedAt: at(start),
      });
      return (await one<{ id: number }>(tx, "SELECT max(id)::int AS id FROM deadlines")).id;
    });
    return { demand, id };
  }

  const alarmsOf = (clockId: number) =>
    db.query<{ kind: string; level: number; fraction: number }>(
      `SELECT kind, level, (data->>'fraction')::float8 AS fraction FROM alarms
        WHERE dedupe_key LIKE $1 ORDER BY (data->>'fraction')::float8, level`,
      [`deadline:${clockId}:%`],
    );

  it("fires 50%, 80%, 100% and the escalations at business-time instants across a weekend and Carnival", async () => {
    // Friday 5 Feb 2027, 16:00; 10 business hours. Sat, Sun and Carnival (Mon 8, Tue 9) are off: Friday runs 2 h,
    // Ash Wednesday 10 Feb from 08:00. 50% = Wed 11:00, 80% = Wed 14:00, 100% = Wed 16:00; 150% = 15 h = Friday 2 h,
    // Wednesday 10 h (to 18:00), Thursday 11 Feb 3 h: 11:00.
    const { id, demand } = await clock("2027-02-05T16:00:00", 10);
    const scan = (local: string) => scanDeadlines(db, { now: at(local) });
    await scan("2027-02-10T10:59:59");
    assert.deepEqual(await alarmsOf(id), []);
    await scan("2027-02-10T11:00:00");
    assert.deepEqual(await alarmsOf(id), [{ kind: "deadline_near", level: 0, fraction: 0.5 }]);
    await scan("2027-02-10T11:00:00");
    assert.equal((await alarmsOf(id)).length, 1, "a repeated scan fires nothing twice");
    await scan("2027-02-10T13:59:00");
    assert.equal((await alarmsOf(id)).length, 1);
    await scan("2027-02-10T14:00:00");
    await scan("2027-02-10T16:00:00");
    assert.deepEqual(await alarmsOf(id), [
      { kind: "deadline_near", level: 0, fraction: 0.5 },
      { kind: "deadline_near", level: 0, fraction: 0.8 },
      { kind: "deadline_breached", level: 0, fraction: 1 },
      { kind: "escalation", level: 1, fraction: 1 },
    ]);
    const breached = await db.query(
      "SELECT 1 FROM demand_events WHERE demand_id = $1 AND type = 'deadline.breached'",
      [demand.id],
    );
    assert.equal(breached.length, 1);
    await scan("2027-02-11T10:59:00");
    assert.equal((await alarmsOf(id)).length, 4);
    await scan("2027-02-11T11:00:00");
    assert.deepEqual((await alarmsOf(id)).at(-1), { kind: "escalation", level: 2, fraction: 1.5 });
  });

  it("shows a department's focal point its own alarms only, and lets it acknowledge them", async () => {
    const { id, demand } = await clock("2027-02-05T16:00:00", 10);
    await scanDeadlines(db, { now: at("2027-02-10T11:00:00") });
    const alarmId = (
      await one<{ id: number }>(db, "SELECT id FROM alarms WHERE dedupe_key = $1", [`deadline:${id}:0.5:0`])
    ).id;
    const own = await makeStaff("focal_point", await departmentCodeOf(demand.department_id));
    const other = (
      await one<{ code: string }>(db, "SELECT code FROM departments WHERE id <> $1 ORDER BY code LIMIT 1", [
        demand.department_id,
      ])
    ).code;
    const stranger = await makeStaff("focal_point", other);
    const list = async (who: { authorization: string }) =>
      (
        await app.inject({
          method: "GET",
          url: "/api/v1/alarms?limit=500",
          headers: { authorization: who.authorization },
        })
      ).json() as { id: number }[];
    assert.ok((await list(own)).some((a) => a.id === alarmId));
    assert.ok(!(await list(stranger)).some((a) => a.id === alarmId), "another department's focal point");
    const foreign = await post(`/api/v1/alarms/${alarmId}/acknowledge`, stranger);
    assert.equal(foreign.statusCode, 404);
    const acknowledged = await post(`/api/v1/alarms/${alarmId}/acknowledge`, own);
    assert.equal(acknowledged.statusCode, 204);
    assert.ok(!(await list(own)).some((a) => a.id === alarmId), "acknowledged alarms leave the open list");
  });

  it("skips a municipal holiday (25 January, São Paulo's anniversary)", async () => {
    // Friday 22 Jan 2027, 17:00; 3 business hours: Friday 1 h, Monday 25 off, Tuesday 26 from 08:00.
    // 50% = 1.5 h = Tue 08:30; 100% = Tue 10:00.
    const { id } = await clock("2027-01-22T17:00:00", 3);
    await scanDeadlines(db, { now: at("2027-01-26T08:29:00") });
    assert.deepEqual(await alarmsOf(id), []);
    await scanDeadlines(db, { now: at("2027-01-26T08:30:00") });
    assert.equal((await alarmsOf(id)).length, 1);
    await scanDeadlines(db, { now: at("2027-01-26T09:59:00") });
    assert.equal((await alarmsOf(id)).length, 2, "80% at 09:12");
    await scanDeadlines(db, { now: at("2027-01-26T10:00:00") });
    assert.equal((await alarmsOf(id)).length, 4);
  });

  it("pauses a clock and resumes it with what it had left, moving its alarms", async () => {
    // 10 business hours from Friday 5 Feb 2027 16:00; paused at 17:00 (1 h run); resumed Thursday 11 Feb 09:00:
    // 9 h left, due Thursday 18:00; the clock's start moves to Thu 08:00, so 50% falls at Thu 13:00.
    const { id, demand } = await clock("2027-02-05T16:00:00", 10);
    const cal = await loadCalendar(db);
    await db.transaction((tx) => pauseDeadlines(tx, { demandId: demand.id }, at("2027-02-05T17:00:00")));
    await scanDeadlines(db, { now: at("2027-02-10T16:00:00") });
    assert.deepEqual(await alarmsOf(id), [], "a paused clock fires nothing");
    await db.transaction((tx) =>
      resumeDeadlines(tx, cal, { demandId: demand.id }, at("2027-02-11T09:00:00")),
    );
    const row = await one<{ due_at: Date; next_fire_at: Date }>(
      db,
      `SELECT d.due_at, (SELECT min(f.fire_at) FROM deadline_fires f WHERE f.deadline_id = d.id) AS next_fire_at
         FROM deadlines d WHERE d.id = $1`,
      [id],
    );
    assert.equal(row.due_at.toISOString(), at("2027-02-11T18:00:00").toISOString());
    assert.equal(row.next_fire_at.toISOString(), at("2027-02-11T13:00:00").toISOString());
  });

  it("fires each alarm once when two schedulers scan at the same time", async () => {
    const clocks = [];
    for (let i = 0; i < 6; i++) clocks.push(await clock("2027-03-01T08:00:00", 4));
    const now = at("2027-03-02T12:00:00");
    const [x, y] = await Promise.all([scanDeadlines(db, { now }), scanDeadlines(db, { now })]);
    for (const c of clocks) {
      const fired = await alarmsOf(c.id);
      // 4 h from Monday 08:00: 50%, 80%, 100% (two rules) and 150% (Mon 14:00) are all past.
      assert.equal(fired.length, 5, `clock ${c.id}`);
    }
    assert.ok(x.alarms + y.alarms >= 30);
  });

  it("archives a demand whose citizen never sent the complement within 20 days", async () => {
    const demand = await fileDemand({ email: "sem-complemento@example.org" });
    await drain();
    const order = await openOrder(demand.id);
    const staff = await makeStaff("department_staff", await departmentCodeOf(order.department_id));
    const asked = await post(`/api/v1/work-orders/${order.id}/complement-request`, staff, {
      question: "Envie uma foto do local, por favor.",
    });
    assert.equal(asked.statusCode, 200, asked.body);
    const expired: number[] = [];
    await scanDeadlines(db, {
      now: new Date(Date.now() + 19 * 86_400_000),
      onExpiredComplement: async (e) => {
        expired.push(e.demandId);
      },
    });
    assert.ok(!expired.includes(demand.id), "19 days are not over");
    await scanDeadlines(db, {
      // Far enough past 20 business days whatever the date (year-end holidays and weekends included).
      now: new Date(Date.now() + 40 * 86_400_000),
      onExpiredComplement: async (e) => {
        expired.push(e.demandId);
        await archiveForMissingComplement(db, e.demandId);
      },
    });
    assert.ok(expired.includes(demand.id));
    assert.equal(await statusOf(demand.id), "cancelled");
  });
});
