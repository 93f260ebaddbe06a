/**
 * Whole lifecycles through the HTTP API and the real jobs (routing, delivery over SMTP to a fake server on
 * loopback): dispatch, accept, complement with paused clocks, answer, delivery, closure, rating, reopen; returned
 * and rerouted orders; merge; cancel; the queue; alarms at business-time instants.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { one } from "../db/index.ts";
import { listAlarmRules, pauseDeadlines, resumeDeadlines, startDeadline } from "../deadlines/commands.ts";
import { scanDeadlines } from "../deadlines/scan.ts";
import { JOBS } from "../jobs/registry.ts";
import { runOnce } from "../jobs/runner.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { remindSurveys, SURVEY_REMINDER_DAYS } from "../satisfaction/commands.ts";
import { archiveForMissingComplement } from "./complements.ts";

const fake = await startFakeSmtp();
after(() => fake.close());
const { app, ctx } = await testApp({ smtpUrl: fake.url, publicUrl: "https://156.cidade.example" });
after(() => closeChannelsOf(ctx.config));
const db = ctx.db;

// Praça da Sé, in the district of SÉ.
const SE = { lat: -23.5503, lon: -46.634 };

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  )
).code;

/** Runs every registered job until nothing is due. */
async function drain(): Promise<void> {
  while ((await runOnce(ctx, JOBS)) > 0) {}
}

let serial = 0;
/** Files a demand through the API; returns its protocol, secret and row facts. */
async function fileDemand(
  options: { email?: string; at?: { lat: number; lon: number }; code?: string } = {},
) {
  serial++;
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/demands",
    payload: {
      service: options.code ?? service,
      description: `Buraco na calçada em frente ao número ${serial}`,
      // Demands on a grid 400 m apart west and south of the Sé, so none is a duplicate of another unless a test
      // wants it.
      location: options.at ?? {
        lat: SE.lat - (serial % 8) * 0.004,
        lon: SE.lon - Math.floor(serial / 8) * 0.004,
      },
      ...(options.email
        ? { identity: "identified", citizen: { name: "Maria da Silva", email: options.email } }
        : { identity: "anonymous" }),
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const { protocol, secret } = res.json() as { protocol: string; secret: string };
  const row = await one<{ id: number; department_id: number }>(
    db,
    "SELECT id, department_id FROM demands WHERE protocol = $1",
    [protocol],
  );
  return { protocol, secret, ...row };
}

const statusOf = async (id: number) =>
  (await one<{ status: string }>(db, "SELECT status FROM demands WHERE id = $1", [id])).status;

const departmentCode = async (id: number) =>
  (await one<{ code: string }>(db, "SELECT code FROM departments WHERE id = $1", [id])).code;

async function openOrder(demandId: number) {
  return one<{ id: number; state: string; department_id: number }>(
    db,
    `SELECT id, state, department_id FROM work_orders WHERE demand_id = $1
      AND state IN ('dispatched', 'accepted', 'in_progress', 'waiting_citizen')`,
    [demandId],
  );
}

/** The e-mails received for an address, parsed. */
async function mailsTo(address: string) {
  const mails = fake.received.filter((m) => m.to.includes(address));
  return Promise.all(mails.map((m) => fake.parse(m)));
}

const post = (url: string, who: { authorization?: string }, payload?: object) =>
  app.inject({
    method: "POST",
    url,
    headers: who.authorization ? { authorization: who.authorization } : {},
    ...(payload ? { payload } : {}),
  });

const ANSWER =
  "A equipe de conservação tapou o buraco com asfalto frio em 12/03 e sinalizou o local até a cura completa.";

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

    const code = await departmentCode(demand.department_id);
    const staff = await staffHeaders(db, "department_staff", code);
    const h = { authorization: staff.authorization };
    const list = await app.inject({ method: "GET", url: "/api/v1/work-orders", headers: h });
    assert.ok(
      list.json().some((o: { id: number }) => o.id === order.id),
      "the department sees its order",
    );
    const other = await db.query<{ code: string }>("SELECT code FROM departments WHERE id <> $1 LIMIT 1", [
      demand.department_id,
    ]);
    const stranger = await staffHeaders(db, "department_staff", other[0]!.code);
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
    const a = await staffHeaders(db, "department_staff", await departmentCode(first.department_id));
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
    const agent = await staffHeaders(db, "agent");
    const dispatched = await post(`/api/v1/demands/${demand.protocol}/dispatch`, agent, { department: b });
    assert.equal(dispatched.statusCode, 200, dispatched.body);
    assert.equal(await statusOf(demand.id), "dispatched");
    const atB = await openOrder(demand.id);
    assert.equal(await departmentCode(atB.department_id), b);

    const staffB = await staffHeaders(db, "department_staff", b);
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
    assert.equal(await departmentCode(atC.department_id), c);
    const link = await one<{ rerouted_to_id: number }>(
      db,
      "SELECT rerouted_to_id FROM work_orders WHERE id = $1",
      [atB.id],
    );
    assert.equal(link.rerouted_to_id, atC.id);
    const staffC = await staffHeaders(db, "focal_point", c);
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

    const agent = await staffHeaders(db, "agent");
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
    const staff = await staffHeaders(db, "department_staff", await departmentCode(order.department_id));
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
    const staff = await staffHeaders(db, "department_staff", await departmentCode(order.department_id));
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
    const agent = await staffHeaders(db, "agent");
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
    const agent = await staffHeaders(db, "agent");
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
    const staff = await staffHeaders(db, "department_staff", await departmentCode(order.department_id));
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
    const focal = await staffHeaders(db, "focal_point", "CENTRAL156");
    const added = await post("/api/v1/answer-templates", focal, {
      service,
      title: "Buraco tapado",
      body: "Em {data}, a equipe tapou o buraco com {material} e sinalizou o local até a cura completa.",
    });
    assert.equal(added.statusCode, 201, added.body);
    const staff = await staffHeaders(db, "department_staff", "CENTRAL156");
    const list = await app.inject({
      method: "GET",
      url: `/api/v1/answer-templates?service=${service}`,
      headers: { authorization: staff.authorization },
    });
    const titles = (list.json() as { title: string; service: string | null }[]).map((t) => t.title);
    assert.equal(titles[0], "Buraco tapado");
    assert.ok(titles.includes("Serviço executado"), "the seeded general templates follow");
    const agent = await staffHeaders(db, "agent");
    const refused = await post("/api/v1/answer-templates", agent, { title: "x", body: "y" });
    assert.equal(refused.statusCode, 403);
  });
});

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
    for (const at of spots) await fileDemand({ at, code: queuedService });
    await drain();
    const agents = await Promise.all(Array.from({ length: 8 }, () => staffHeaders(db, "agent")));
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

describe("legal deadlines and surveys", () => {
  it("runs an ouvidoria complaint on the 30-day legal clock, extended once with a reason", async () => {
    const complaint = (
      await one<{ code: string }>(
        db,
        `SELECT code FROM services WHERE active AND demand_type = 'complaint' AND attributes = '[]'::jsonb
          ORDER BY code LIMIT 1`,
      )
    ).code;
    const demand = await fileDemand({ email: "reclamacao@example.org", code: complaint });
    await drain();
    const clock = await one<{ unit: string; amount: number; due_at: Date }>(
      db,
      "SELECT unit, amount, due_at FROM deadlines WHERE demand_id = $1 AND stage = 'demand'",
      [demand.id],
    );
    assert.deepEqual([clock.unit, clock.amount], ["calendar_days", 30]);
    const ombudsman = await staffHeaders(db, "ombudsman");
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
    const agent = await staffHeaders(db, "agent");
    const refused = await post(`/api/v1/demands/${demand.protocol}/extend-deadline`, agent, {
      reason: "Agente tenta.",
    });
    assert.equal(refused.statusCode, 403);
  });

  it("reminds an unanswered survey once, even when two schedulers ask at the same time", async () => {
    const email = "lembrete@example.org";
    const demand = await fileDemand({ email });
    await drain();
    const order = await openOrder(demand.id);
    const staff = await staffHeaders(db, "department_staff", await departmentCode(order.department_id));
    await post(`/api/v1/work-orders/${order.id}/answer`, staff, { answer: ANSWER });
    await drain();
    assert.equal(await statusOf(demand.id), "closed");
    const later = new Date(Date.now() + (SURVEY_REMINDER_DAYS + 1) * 86_400_000);
    const [a, b] = await Promise.all([remindSurveys(db, later), remindSurveys(db, later)]);
    assert.ok(a + b >= 1);
    await drain();
    const reminders = (await mailsTo(email)).filter((m) => (m.subject ?? "").startsWith("Lembrete"));
    assert.equal(reminders.length, 1);
    assert.equal(await remindSurveys(db, later), 0, "one reminder only");
  });
});

describe("satisfaction indicators", () => {
  it("counts surveys asked and answered, the mean rating and the share solved per department", async () => {
    const supervisor = await staffHeaders(db, "supervisor");
    const res = await app.inject({
      method: "GET",
      url: "/api/v1/satisfaction/summary?by=department",
      headers: { authorization: supervisor.authorization },
    });
    assert.equal(res.statusCode, 200, res.body);
    const rows = res.json() as { asked: number; answered: number; meanRating: number | null }[];
    const asked = await one<{ n: number; answered: number }>(
      db,
      "SELECT count(*)::int AS n, count(answered_at)::int AS answered FROM satisfaction_surveys",
    );
    assert.equal(
      rows.reduce((sum, r) => sum + r.asked, 0),
      asked.n,
    );
    assert.equal(
      rows.reduce((sum, r) => sum + r.answered, 0),
      asked.answered,
    );
    assert.ok(asked.answered >= 1, "the whole-life test rated one");
    assert.ok(rows.some((r) => r.meanRating === 2));
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
    const manager = await staffHeaders(db, "manager");
    const rule = await post("/api/v1/classification-rules", manager, {
      service: other,
      phrases: ["caçamba abandonada"],
      effect: "override",
      weight: 5,
    });
    assert.equal(rule.statusCode, 201, rule.body);
    serial++;
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
    const own = await staffHeaders(db, "focal_point", await departmentCode(demand.department_id));
    const other = (
      await one<{ code: string }>(db, "SELECT code FROM departments WHERE id <> $1 ORDER BY code LIMIT 1", [
        demand.department_id,
      ])
    ).code;
    const stranger = await staffHeaders(db, "focal_point", other);
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
    const staff = await staffHeaders(db, "department_staff", await departmentCode(order.department_id));
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
      now: new Date(Date.now() + 23 * 86_400_000),
      onExpiredComplement: async (e) => {
        expired.push(e.demandId);
        await archiveForMissingComplement(db, e.demandId);
      },
    });
    assert.ok(expired.includes(demand.id));
    assert.equal(await statusOf(demand.id), "cancelled");
  });
});
