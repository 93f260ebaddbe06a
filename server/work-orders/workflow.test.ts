/**
 * Whole lifecycles of work orders through the HTTP API and the real jobs (routing, delivery over SMTP to a fake
 * server on loopback): dispatch, accept, complement with paused clocks, answer, delivery, closure, rating, reopen;
 * returned and rerouted orders; merge; cancel; answer templates. Clocks, the queue and surveys have their own files
 * (deadlines/, triage/, satisfaction/).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ANSWER, factoriesFor, findPlainService, testAppWithMail } from "../../tests/factories.ts";
import { one } from "../db/index.ts";

const { app, ctx, fake, mailsTo } = await testAppWithMail();
const db = ctx.db;
const service = await findPlainService(db);
const { drain, fileDemand, makeStaff, statusOf, openOrder, departmentCodeOf, post } = factoriesFor({
  app,
  ctx,
});

describe("a demand's whole life", () => {
  it("is dispatched by the matrix, accepted, paused for a complement, answered, delivered, closed, rated and reopened", async () => {
    const email = "vida.inteira@example.org";
    const demand = await fileDemand({ email });
    await drain();
    assert.equal(await statusOf(demand.id), "dispatched");
    const order = await openOrder(demand.id);
    assert.equal(order.department_id, demand.department_id);
    const clocks = await db.query<{ stage: string; state: string }>(
      "SELECT stage, state FROM deadlines WHERE demand_id = $1 ORDER BY stage",
      [demand.id],
    );
    assert.deepEqual(
      clocks.map((c) => `${c.stage}:${c.state}`),
      ["acceptance:running", "demand:running", "execution:running"],
    );

    const code = await departmentCodeOf(demand.department_id);
    const staff = await makeStaff("department_staff", code);
    const h = { authorization: staff.authorization };
    const list = await app.inject({ method: "GET", url: "/api/v1/work-orders", headers: h });
    assert.ok(
      list.json().some((o: { id: number }) => o.id === order.id),
      "the department sees its order",
    );
    const other = await db.query<{ code: string }>("SELECT code FROM departments WHERE id <> $1 LIMIT 1", [
      demand.department_id,
    ]);
    const stranger = await makeStaff("department_staff", other[0]!.code);
    const foreign = await post(`/api/v1/work-orders/${order.id}/accept`, {
      authorization: stranger.authorization,
    });
    assert.equal(foreign.statusCode, 404, "another department's order is not theirs to touch");

    const accepted = await post(`/api/v1/work-orders/${order.id}/accept`, h);
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().state, "accepted");
    assert.equal(await statusOf(demand.id), "accepted");
    const again = await post(`/api/v1/work-orders/${order.id}/accept`, h);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, "illegal_work_order_transition");

    const generic = await post(`/api/v1/work-orders/${order.id}/answer`, h, { answer: "Resolvido." });
    assert.equal(generic.statusCode, 422);
    assert.equal(generic.json().code, "generic_answer");

    const asked = await post(`/api/v1/work-orders/${order.id}/complement-request`, h, {
      question: "Qual é o número do imóvel mais próximo do buraco?",
    });
    assert.equal(asked.statusCode, 200, asked.body);
    assert.equal(asked.json().state, "waiting_citizen");
    const paused = await db.query<{ stage: string; state: string }>(
      "SELECT stage, state FROM deadlines WHERE demand_id = $1 AND state IN ('running', 'paused') ORDER BY stage",
      [demand.id],
    );
    assert.deepEqual(
      paused.map((c) => `${c.stage}:${c.state}`),
      ["complement:running", "demand:paused", "execution:paused"],
    );
    const whileWaiting = await post(`/api/v1/work-orders/${order.id}/answer`, h, { answer: ANSWER });
    assert.equal(whileWaiting.json().code, "waiting_for_complement");

    const wrong = await post(
      `/api/v1/demands/${demand.protocol}/complement`,
      {},
      { secret: "nope", text: "120" },
    );
    assert.equal(wrong.statusCode, 403);
    const sent = await post(
      `/api/v1/demands/${demand.protocol}/complement`,
      {},
      { secret: demand.secret, text: "Em frente ao número 120." },
    );
    assert.equal(sent.statusCode, 202, sent.body);
    const resumed = await db.query<{ stage: string; state: string }>(
      "SELECT stage, state FROM deadlines WHERE demand_id = $1 AND state IN ('running', 'paused') ORDER BY stage",
      [demand.id],
    );
    assert.deepEqual(
      resumed.map((c) => `${c.stage}:${c.state}`),
      ["demand:running", "execution:running"],
    );
    assert.equal(await statusOf(demand.id), "in_progress");

    const answered = await post(`/api/v1/work-orders/${order.id}/answer`, h, {
      answer: ANSWER,
      internalNote: "Equipe 3, 40 min.",
    });
    assert.equal(answered.statusCode, 200, answered.body);
    assert.equal(await statusOf(demand.id), "answered", "answered until the answer reaches the citizen");
    await drain();
    assert.equal(await statusOf(demand.id), "closed", "closed once the answer was delivered");
    const texts = (await mailsTo(email)).map((m) => m.text ?? "");
    assert.ok(
      texts.some((t) => t.includes("asfalto frio")),
      "the citizen received the answer itself",
    );
    assert.ok(
      texts.some((t) => t.includes("número do imóvel")),
      "and the question before it",
    );
    const survey = await one<{ asked: number }>(
      db,
      "SELECT count(*)::int AS asked FROM satisfaction_surveys WHERE demand_id = $1",
      [demand.id],
    );
    assert.equal(survey.asked, 1);

    const rated = await post(
      `/api/v1/demands/${demand.protocol}/rating`,
      {},
      {
        secret: demand.secret,
        rating: 2,
        solved: false,
        comment: "Voltou a abrir.",
      },
    );
    assert.equal(rated.statusCode, 201, rated.body);
    const twice = await post(
      `/api/v1/demands/${demand.protocol}/rating`,
      {},
      { secret: demand.secret, rating: 5, solved: true },
    );
    assert.equal(twice.json().code, "already_rated");

    const reopened = await post(
      `/api/v1/demands/${demand.protocol}/reopen`,
      {},
      { secret: demand.secret, reason: "O buraco abriu de novo." },
    );
    assert.equal(reopened.statusCode, 200, reopened.body);
    assert.equal(await statusOf(demand.id), "dispatched");
    const second = await openOrder(demand.id);
    assert.notEqual(second.id, order.id);
    assert.equal(second.department_id, demand.department_id, "back to the department that answered");

    const view = await app.inject({ method: "GET", url: `/api/v1/demands/${demand.protocol}` });
    const types = (view.json().timeline as { type: string }[]).map((e) => e.type);
    for (const t of [
      "demand.dispatched",
      "demand.complement_requested",
      "demand.answered",
      "demand.closed",
    ]) {
      assert.ok(types.includes(t), `the public timeline shows ${t}`);
    }
    assert.ok(!types.includes("work_order.note_added"), "internal notes stay internal");
  });

  it("is returned to triage, sent to another department, rerouted to a third and accepted there", async () => {
    const demand = await fileDemand({ email: "devolvida@example.org" });
    await drain();
    const first = await openOrder(demand.id);
    const a = await makeStaff("department_staff", await departmentCodeOf(first.department_id));
    const returned = await post(`/api/v1/work-orders/${first.id}/return`, a, {
      reason: "Não é competência deste órgão.",
    });
    assert.equal(returned.statusCode, 200, returned.body);
    assert.equal(await statusOf(demand.id), "returned");
    const queued = await one<{ queued: boolean }>(
      db,
      "SELECT EXISTS (SELECT 1 FROM triage_queue WHERE demand_id = $1) AS queued",
      [demand.id],
    );
    assert.ok(queued.queued, "back in the triage queue");

    const others = await db.query<{ code: string }>(
      "SELECT code FROM departments WHERE id <> $1 AND active ORDER BY code LIMIT 2",
      [first.department_id],
    );
    const [b, c] = [others[0]!.code, others[1]!.code];
    const agent = await makeStaff("agent");
    const dispatched = await post(`/api/v1/demands/${demand.protocol}/dispatch`, agent, { department: b });
    assert.equal(dispatched.statusCode, 200, dispatched.body);
    assert.equal(await statusOf(demand.id), "dispatched");
    const atB = await openOrder(demand.id);
    assert.equal(await departmentCodeOf(atB.department_id), b);

    const staffB = await makeStaff("department_staff", b);
    const same = await post(`/api/v1/work-orders/${atB.id}/reroute`, staffB, {
      department: b,
      reason: "Teste.",
    });
    assert.equal(same.statusCode, 422);
    const rerouted = await post(`/api/v1/work-orders/${atB.id}/reroute`, staffB, {
      department: c,
      reason: "Serviço executado pela empresa concessionária.",
    });
    assert.equal(rerouted.statusCode, 200, rerouted.body);
    assert.equal(rerouted.json().state, "rerouted");
    assert.equal(await statusOf(demand.id), "rerouted");
    const atC = await openOrder(demand.id);
    assert.equal(await departmentCodeOf(atC.department_id), c);
    const link = await one<{ rerouted_to_id: number }>(
      db,
      "SELECT rerouted_to_id FROM work_orders WHERE id = $1",
      [atB.id],
    );
    assert.equal(link.rerouted_to_id, atC.id);
    const staffC = await makeStaff("focal_point", c);
    const accepted = await post(`/api/v1/work-orders/${atC.id}/accept`, staffC);
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(await statusOf(demand.id), "accepted");
    const scoped = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${demand.protocol}`,
      headers: { authorization: staffC.authorization },
    });
    assert.equal(scoped.statusCode, 200);
    assert.equal(scoped.json().department.code, c, "the demand now belongs to the department doing the work");
    const stale = await post(`/api/v1/work-orders/${atB.id}/accept`, staffB);
    assert.equal(stale.statusCode, 409, "the rerouted order is finished");
  });

  it("merges a duplicate: its citizen follows the surviving demand and hears its answer", async () => {
    const here = { lat: -23.5611, lon: -46.6559 }; // Avenida Paulista
    const near = { lat: -23.56125, lon: -46.65595 }; // about 20 m away
    const survivor = await fileDemand({ email: "primeira@example.org", at: here });
    await drain();
    assert.equal(await statusOf(survivor.id), "dispatched");
    const duplicate = await fileDemand({ email: "segunda@example.org", at: near });
    await drain();
    assert.equal(await statusOf(duplicate.id), "new", "a possible duplicate waits for an agent");
    const queued = await one<{ data: { reasons: string[]; duplicates: string[] } }>(
      db,
      "SELECT data FROM demand_events WHERE demand_id = $1 AND type = 'demand.queued'",
      [duplicate.id],
    );
    assert.deepEqual(queued.data.reasons, ["possible_duplicate"]);
    assert.deepEqual(queued.data.duplicates, [survivor.protocol]);

    const candidates = await app.inject({
      method: "GET",
      url: `/api/v1/duplicate-candidates?service=${service}&lat=${near.lat}&lon=${near.lon}`,
    });
    assert.ok(candidates.json().some((c: { protocol: string }) => c.protocol === survivor.protocol));
    assert.ok(
      candidates.json().every((c: object) => !("distanceM" in c)),
      "no distance: answers from a few points would place the demand",
    );

    const agent = await makeStaff("agent");
    const merged = await post(`/api/v1/demands/${duplicate.protocol}/merge`, agent, {
      into: survivor.protocol,
    });
    assert.equal(merged.statusCode, 204, merged.body);
    assert.equal(await statusOf(duplicate.id), "merged");
    await drain();
    const told = (await mailsTo("segunda@example.org")).map((m) => m.text ?? "");
    assert.ok(
      told.some((t) => t.includes(survivor.protocol)),
      "the duplicate's citizen learns the surviving protocol",
    );

    const order = await openOrder(survivor.id);
    const staff = await makeStaff("department_staff", await departmentCodeOf(order.department_id));
    const answered = await post(`/api/v1/work-orders/${order.id}/answer`, staff, { answer: ANSWER });
    assert.equal(answered.statusCode, 200, answered.body);
    await drain();
    for (const address of ["primeira@example.org", "segunda@example.org"]) {
      const texts = (await mailsTo(address)).map((m) => m.text ?? "");
      assert.ok(
        texts.some((t) => t.includes("asfalto frio")),
        `${address} received the answer`,
      );
    }
    assert.equal(await statusOf(survivor.id), "closed");
  });

  it("stays answered when no channel delivers the answer, alarms the supervisors, and closes when an agent phones", async () => {
    const email = "caixa-inexistente@example.org";
    const demand = await fileDemand({ email });
    await drain();
    const order = await openOrder(demand.id);
    const staff = await makeStaff("department_staff", await departmentCodeOf(order.department_id));
    fake.refuseRecipient(email, 550);
    try {
      const res = await post(`/api/v1/work-orders/${order.id}/answer`, staff, { answer: ANSWER });
      assert.equal(res.statusCode, 200, res.body);
      await drain();
    } finally {
      fake.recover();
    }
    assert.equal(await statusOf(demand.id), "answered", "not closed: the answer never reached the citizen");
    const alarm = await one<{ kind: string; level: number }>(
      db,
      "SELECT kind, level FROM alarms WHERE demand_id = $1 AND kind = 'delivery_failed'",
      [demand.id],
    );
    assert.equal(alarm.level, 1);
    const agent = await makeStaff("agent");
    const early = await post(`/api/v1/demands/${demand.protocol}/answer-delivered`, agent, { means: "fax" });
    assert.equal(early.statusCode, 400);
    const phoned = await post(`/api/v1/demands/${demand.protocol}/answer-delivered`, agent, {
      means: "phone",
      note: "Falei com a cidadã às 14h.",
    });
    assert.equal(phoned.statusCode, 204, phoned.body);
    assert.equal(await statusOf(demand.id), "closed");
  });

  it("cancels a demand with a reason, ending its order and clocks; a second cancel is refused", async () => {
    const demand = await fileDemand({ email: "cancelada@example.org" });
    await drain();
    const agent = await makeStaff("agent");
    const res = await post(`/api/v1/demands/${demand.protocol}/cancel`, agent, {
      reason: "Trote: endereço inexistente.",
    });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(await statusOf(demand.id), "cancelled");
    const open = await db.query(
      "SELECT 1 FROM work_orders WHERE demand_id = $1 AND state IN ('dispatched', 'accepted', 'in_progress')",
      [demand.id],
    );
    assert.equal(open.length, 0);
    const running = await db.query("SELECT 1 FROM deadlines WHERE demand_id = $1 AND state = 'running'", [
      demand.id,
    ]);
    assert.equal(running.length, 0);
    const again = await post(`/api/v1/demands/${demand.protocol}/cancel`, agent, {
      reason: "De novo, por engano.",
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, "illegal_transition");
  });

  it("publishes the answer of an anonymous demand on its tracking page and closes it at once", async () => {
    const demand = await fileDemand();
    await drain();
    const order = await openOrder(demand.id);
    const staff = await makeStaff("department_staff", await departmentCodeOf(order.department_id));
    const res = await post(`/api/v1/work-orders/${order.id}/answer`, staff, { answer: ANSWER });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await statusOf(demand.id), "closed");
    const view = await app.inject({ method: "GET", url: `/api/v1/demands/${demand.protocol}` });
    const answer = (view.json().timeline as { type: string; data?: { answer?: string } }[]).find(
      (e) => e.type === "demand.answered",
    );
    assert.ok(answer, "the answer is on the public timeline");
  });
});

describe("answer templates", () => {
  it("offers a service's own templates first, then the general ones, and lets a focal point add one", async () => {
    const focal = await makeStaff("focal_point", "CENTRAL156");
    const added = await post("/api/v1/answer-templates", focal, {
      service,
      title: "Buraco tapado",
      body: "Em {data}, a equipe tapou o buraco com {material} e sinalizou o local até a cura completa.",
    });
    assert.equal(added.statusCode, 201, added.body);
    const staff = await makeStaff("department_staff", "CENTRAL156");
    const list = await app.inject({
      method: "GET",
      url: `/api/v1/answer-templates?service=${service}`,
      headers: { authorization: staff.authorization },
    });
    const titles = (list.json() as { title: string; service: string | null }[]).map((t) => t.title);
    assert.equal(titles[0], "Buraco tapado");
    assert.ok(titles.includes("Serviço executado"), "the seeded general templates follow");
    const agent = await makeStaff("agent");
    const refused = await post("/api/v1/answer-templates", agent, { title: "x", body: "y" });
    assert.equal(refused.statusCode, 403);
  });
});
