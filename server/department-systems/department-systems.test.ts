/**
 * A department that receives its work orders in its own Open311 system, end to end against the fake GeoReport v2
 * server on loopback (real HTTP, real form bodies, real XML and JSON): dispatch → exactly one POST with the right
 * fields → token polling → updates pulled (and pushed) become timeline events and a counter-report that answers the
 * demand; the endpoint down for a while, then back → sent once; a refusal for good → an alarm; orders returned or
 * rerouted stop being synchronised; bad configuration is refused with problem+json.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type FakeGeoReport, startFakeGeoReport } from "../../channels/open311/fake.ts";
import { drain as drainJobs, fileDemand as fileDemandIn } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { sendMessage } from "../notifications/jobs.ts";
import { routeDemandJob } from "../triage/jobs.ts";
import { pullOpen311Updates, pullSystem, sendWorkOrderOpen311 } from "./jobs.ts";
import { queueExternalSend } from "./queue.ts";

const { app, ctx } = await testApp({ publicUrl: "https://156.cidade.example" });
const db = ctx.db;
const admin = await staffHeaders(db, "admin");
const JOBS = [routeDemandJob, sendMessage, sendWorkOrderOpen311, pullOpen311Updates];
const fakes: FakeGeoReport[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

async function fake(options: Parameters<typeof startFakeGeoReport>[0] = {}) {
  const f = await startFakeGeoReport({
    apiKey: "chave-da-secretaria-0001",
    jurisdictionId: "sp.gov.br",
    ...options,
  });
  fakes.push(f);
  return f;
}

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  )
).code;

const world = { app, ctx };
/** Runs the jobs this file needs until nothing is due. */
const drain = () => drainJobs(ctx, JOBS);
let filed = 0;
/** Files a demand through the API (Maria's, numbered, unless anonymous); its ids and its department's code. */
const fileDemand = (identity: "identified" | "confidential" | "anonymous" = "identified") =>
  fileDemandIn(world, { service, identity, email: `maria${++filed}@example.org` });

/** Points a department at a fake (replacing what it had); returns the push secret. */
async function configure(department: string, target: FakeGeoReport, extra: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: "PUT",
    url: `/api/v1/department-systems/${encodeURIComponent(department)}`,
    headers: { authorization: admin.authorization },
    payload: {
      baseUrl: target.url,
      format: "xml",
      apiKey: "chave-da-secretaria-0001",
      jurisdictionId: "sp.gov.br",
      serviceCodes: { [service]: "BURACO" },
      pullIntervalSeconds: 60,
      rotatePushSecret: true,
      ...extra,
    },
  });
  assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
  return res.json().pushSecret as string;
}

const statusOf = async (id: number) =>
  (await one<{ status: string }>(db, "SELECT status FROM demands WHERE id = $1", [id])).status;
const orderOf = (demandId: number) =>
  one<{ id: number; state: string; answer: string | null; reason: string | null }>(
    db,
    "SELECT id, state, answer, reason FROM work_orders WHERE demand_id = $1 ORDER BY id DESC LIMIT 1",
    [demandId],
  );
const sendOf = (orderId: number) =>
  one<{ state: string; external_id: string | null; token: string | null; last_error: string | null }>(
    db,
    "SELECT state, external_id, token, last_error FROM external_work_orders WHERE work_order_id = $1",
    [orderId],
  );
const sendRowOf = (orderId: number) =>
  one<{ id: number; state: string; attempts: number }>(
    db,
    "SELECT id, state, attempts FROM outbox WHERE dedupe_key = $1",
    [`open311-send:${orderId}`],
  );
const eventsOf = async (demandId: number, type: string) =>
  db.query<{ visibility: string; data: Record<string, unknown> }>(
    "SELECT visibility, data FROM demand_events WHERE demand_id = $1 AND type = $2 ORDER BY id",
    [demandId, type],
  );
const systemIdOf = async (department: string) =>
  (
    await one<{ id: number }>(
      db,
      `SELECT s.id FROM department_systems s JOIN departments d ON d.id = s.department_id
        WHERE d.code = $1 AND s.deleted_at IS NULL`,
      [department],
    )
  ).id;

const ANSWER =
  "A equipe de conservação tapou o buraco com asfalto frio e sinalizou o local até a cura completa.";

describe("sending a work order to the department's own system", () => {
  it("posts it once with the spec's fields, polls the token, and pulls updates into events and an answer", async () => {
    const target = await fake({ tokens: true, tokenPolls: 2 });
    const demand = await fileDemand("identified");
    await configure(demand.department, target);
    await drain();
    assert.equal(await statusOf(demand.id), "dispatched");
    const order = await orderOf(demand.id);

    assert.equal(target.posts().length, 1, "exactly one POST");
    const post = target.posts()[0]!;
    assert.equal(post.format, "xml");
    const form = post.form!;
    assert.equal(form.get("api_key"), "chave-da-secretaria-0001");
    assert.equal(form.get("jurisdiction_id"), "sp.gov.br");
    assert.equal(form.get("service_code"), "BURACO");
    const filedAt = await one<{ lat: number }>(
      db,
      "SELECT ST_Y(location)::float8 AS lat FROM demands WHERE id = $1",
      [demand.id],
    );
    assert.ok(Math.abs(Number(form.get("lat")) - filedAt.lat) < 1e-5);
    assert.ok(form.get("long"));
    assert.match(form.get("description")!, /^Buraco grande na pista/);
    assert.ok(
      form.get("description")!.includes(`https://156.cidade.example/acompanhar?protocolo=${demand.protocol}`),
    );
    assert.equal(form.get("email"), `maria${filed}@example.org`, "an identified citizen is named");
    assert.equal(form.get("first_name"), "Maria");
    assert.equal(form.get("last_name"), "da Silva");

    // The token answer, polled once at once (not ready yet): kept to poll again.
    const token = await sendOf(order.id);
    assert.equal(token.state, "token");
    assert.ok(token.token);
    assert.equal((await eventsOf(demand.id, "work_order.external_sent")).length, 1);
    assert.equal((await sendRowOf(order.id)).state, "done");
    assert.equal(await queueExternalSend(db, order.id, (await orderDepartment(order.id)).id), false);
    await drain();
    assert.equal(target.posts().length, 1, "nothing is sent twice");

    const system = await systemIdOf(demand.department);
    const first = await pullSystem(ctx, system);
    assert.equal(first.error, undefined);
    assert.equal(first.tokensResolved, 1);
    const sent = await sendOf(order.id);
    assert.equal(sent.state, "sent");
    assert.equal(target.requests.get(sent.external_id!)?.token, token.token);

    target.publish({
      serviceRequestId: sent.external_id!,
      status: "IN_PROGRESS",
      description: "Equipe a caminho",
    });
    target.publish({ serviceRequestId: "999999", status: "FIXED", description: ANSWER });
    target.publish({
      serviceRequestId: sent.external_id!,
      status: "FIXED",
      description: ANSWER,
      externalStatusCode: "F1",
    });
    const pulled = await pullSystem(ctx, system);
    assert.deepEqual(pulled.outcomes, ["applied", "unknown_request", "applied"]);
    const pullCall = target.received.at(-1)!;
    assert.equal(pullCall.path, "servicerequestupdates");
    assert.equal(pullCall.query.get("api_key"), "chave-da-secretaria-0001");
    assert.ok(pullCall.query.get("start_date") && pullCall.query.get("end_date"));

    const answered = await orderOf(demand.id);
    assert.equal(answered.state, "answered");
    assert.equal(answered.answer, ANSWER, "their description is the counter-report");
    const updates = await eventsOf(demand.id, "work_order.external_update_received");
    assert.deepEqual(
      updates.map((e) => [e.visibility, e.data.status, e.data.action, e.data.via]),
      [
        ["internal", "IN_PROGRESS", "start", "pull"],
        ["internal", "FIXED", "answer", "pull"],
      ],
    );
    const moves = await db.query<{ type: string }>(
      `SELECT type FROM demand_events WHERE demand_id = $1 AND type IN ('demand.accepted', 'demand.in_progress',
              'demand.answered') ORDER BY id`,
      [demand.id],
    );
    assert.deepEqual(
      moves.map((m) => m.type),
      ["demand.accepted", "demand.in_progress", "demand.answered"],
    );
    const unknown = await one<{ outcome: string; work_order_id: number | null }>(
      db,
      "SELECT outcome, work_order_id FROM external_updates WHERE system_id = $1 AND service_request_id = '999999'",
      [system],
    );
    assert.deepEqual(unknown, { outcome: "unknown_request", work_order_id: null }, "logged, ignored");

    // The answer reaches the citizen and the demand closes, as with an answer typed here.
    await drain();
    assert.equal(await statusOf(demand.id), "closed");

    // The next pull's window overlaps this one: the same updates come again and change nothing.
    const again = await pullSystem(ctx, system);
    assert.deepEqual(again.outcomes, ["duplicate", "unknown_request", "duplicate"]);
    assert.equal((await eventsOf(demand.id, "work_order.external_update_received")).length, 2);
  });

  it("takes updates pushed back in FixMyStreet's format, once each, and a return sends the demand to triage", async () => {
    const target = await fake();
    const demand = await fileDemand("confidential");
    const secret = await configure(demand.department, target, { format: "json" });
    await drain();
    const order = await orderOf(demand.id);
    const form = target.posts().at(-1)!.form!;
    assert.equal(target.posts().at(-1)!.format, "json");
    for (const name of ["email", "first_name", "last_name", "phone"]) {
      assert.equal(form.has(name), false, `a confidential demand does not name its citizen (${name})`);
    }
    const externalId = (await sendOf(order.id)).external_id!;
    assert.ok(externalId);

    const push = (format: string, fields: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: `/api/v1/department-systems/${encodeURIComponent(demand.department)}/servicerequestupdates.${format}`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(fields).toString(),
      });
    const update = {
      api_key: secret,
      update_id: "u-1",
      service_request_id: externalId,
      status: "INVESTIGATING",
      updated_datetime: new Date().toISOString(),
      description: "Vistoria agendada",
    };
    const accepted = await push("json", update);
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.deepEqual(accepted.json(), [{ update_id: "u-1" }]);
    assert.equal((await orderOf(demand.id)).state, "accepted");
    assert.equal(await statusOf(demand.id), "accepted");
    const repeated = await push("json", update);
    assert.equal(repeated.statusCode, 200);
    assert.equal((await eventsOf(demand.id, "work_order.external_update_received")).length, 1, "once");

    const wrongKey = await push("xml", { ...update, api_key: "not-the-secret" });
    assert.equal(wrongKey.statusCode, 403);
    assert.match(wrongKey.headers["content-type"] as string, /^text\/xml/);
    assert.match(wrongKey.body, /<errors><error><code>403<\/code><description>/);
    const missing = await push("json", { api_key: secret, service_request_id: externalId, status: "OPEN" });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json()[0].code, "400");
    const unknown = await push("json", { ...update, update_id: "u-2", service_request_id: "nope" });
    assert.equal(unknown.statusCode, 404);

    const generic = await push("json", {
      ...update,
      update_id: "u-3",
      status: "CLOSED",
      description: "Resolvido.",
    });
    assert.equal(generic.statusCode, 422, "their system is told why");
    assert.match(generic.json()[0].description, /^description: /);
    assert.equal((await orderOf(demand.id)).state, "accepted", "a bare 'closed' does not answer the citizen");
    assert.equal((await eventsOf(demand.id, "work_order.external_answer_refused")).length, 1);
    const nonAnswer = await push("xml", {
      ...update,
      update_id: "u-3b",
      status: "FIXED",
      description:
        "Informamos que sua solicitação foi recebida e encaminhada ao setor responsável para as providências cabíveis.",
    });
    assert.equal(nonAnswer.statusCode, 422, nonAnswer.body);
    assert.match(
      nonAnswer.body,
      /<code>422<\/code><description>description: &quot;sua solicitação foi recebida e encaminhada/,
    );
    assert.equal(
      (await orderOf(demand.id)).state,
      "accepted",
      "a known non-answer does not answer the citizen",
    );
    const refusals = await eventsOf(demand.id, "work_order.external_answer_refused");
    assert.equal(refusals.length, 2);
    assert.equal(refusals[1]!.data.reason, "non_answer", "the department sees why on the internal timeline");

    const reason = "O passeio é de responsabilidade do condomínio, não da secretaria.";
    const returned = await push("xml", {
      ...update,
      update_id: "u-4",
      status: "NOT_COUNCILS_RESPONSIBILITY",
      description: reason,
    });
    assert.equal(returned.statusCode, 200, returned.body);
    assert.match(returned.body, /<update_id>u-4<\/update_id>/);
    const back = await orderOf(demand.id);
    assert.equal(back.state, "returned");
    assert.equal(back.reason, reason);
    assert.equal(await statusOf(demand.id), "returned");
    const queued = await one<{ n: number }>(
      db,
      "SELECT count(*)::int AS n FROM triage_queue WHERE demand_id = $1",
      [demand.id],
    );
    assert.equal(queued.n, 1, "back in the triage queue");

    // Returned here: what their system says next no longer moves it, pushed or pulled.
    const late = await push("json", { ...update, update_id: "u-5", status: "FIXED", description: ANSWER });
    assert.equal(late.statusCode, 200);
    target.publish({ serviceRequestId: externalId, status: "FIXED", description: ANSWER });
    const pulled = await pullSystem(ctx, await systemIdOf(demand.department));
    assert.deepEqual(pulled.outcomes, ["not_synced"]);
    assert.equal((await orderOf(demand.id)).state, "returned");
    assert.equal(await statusOf(demand.id), "returned");
  });

  it("stops synchronising an order rerouted to another department", async () => {
    const target = await fake();
    const demand = await fileDemand("anonymous");
    const secret = await configure(demand.department, target);
    await drain();
    const order = await orderOf(demand.id);
    assert.equal(target.posts().at(-1)!.form!.has("email"), false);
    const externalId = (await sendOf(order.id)).external_id!;
    const other = await one<{ code: string }>(
      db,
      "SELECT code FROM departments WHERE code <> $1 AND active ORDER BY code LIMIT 1",
      [demand.department],
    );
    const staff = await staffHeaders(db, "department_staff", demand.department);
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${order.id}/reroute`,
      headers: { authorization: staff.authorization },
      payload: { department: other.code, reason: "Serviço executado pela concessionária." },
    });
    assert.equal(res.statusCode, 200, res.body);
    const pushed = await app.inject({
      method: "POST",
      url: `/api/v1/department-systems/${encodeURIComponent(demand.department)}/servicerequestupdates.json`,
      payload: { api_key: secret, update_id: "r-1", service_request_id: externalId, status: "in_progress" },
    });
    assert.equal(pushed.statusCode, 200, pushed.body);
    const logged = await one<{ outcome: string }>(
      db,
      "SELECT outcome FROM external_updates WHERE update_id = 'r-1'",
    );
    assert.equal(logged.outcome, "not_synced");
    assert.equal(
      (await one<{ state: string }>(db, "SELECT state FROM work_orders WHERE id = $1", [order.id])).state,
      "rerouted",
    );
  });
});

describe("an update that takes a dispatched order on implicitly", () => {
  // The same workflow step as a department's staff: "accept if dispatched" meets the acceptance clock, whatever
  // status (in progress, fixed) their system jumps to.
  it("meets the acceptance clock and records the acceptance, for work started and for an answer", async () => {
    for (const status of ["IN_PROGRESS", "FIXED"]) {
      // A system of its own each time: a pull reads every update its system ever published.
      const target = await fake();
      const demand = await fileDemand();
      await configure(demand.department, target);
      await drain();
      const order = await orderOf(demand.id);
      assert.equal(order.state, "dispatched");
      target.publish({
        serviceRequestId: (await sendOf(order.id)).external_id!,
        status,
        description: ANSWER,
      });
      const pulled = await pullSystem(ctx, await systemIdOf(demand.department));
      assert.deepEqual(pulled.outcomes, ["applied"], status);
      const acceptance = await one<{ state: string }>(
        db,
        "SELECT state FROM deadlines WHERE work_order_id = $1 AND stage = 'acceptance'",
        [order.id],
      );
      assert.equal(acceptance.state, "met", status);
      const accepted = await one<{ accepted_at: Date | null }>(
        db,
        "SELECT accepted_at FROM work_orders WHERE id = $1",
        [order.id],
      );
      assert.ok(accepted.accepted_at, status);
      const events = await eventsOf(demand.id, "demand.accepted");
      assert.equal(events.length, 1, status);
      assert.equal(events[0]!.data.externalStatus, status);
    }
  });
});

describe("an update the workflow refuses", () => {
  it("is recorded as refused and does not block the updates after it", async () => {
    const target = await fake();
    const demand = await fileDemand();
    await configure(demand.department, target);
    await drain();
    const order = await orderOf(demand.id);
    const externalId = (await sendOf(order.id)).external_id!;
    // A demand that left the department's hands by another road while its order stayed open.
    await db.query("UPDATE demands SET status = 'cancelled' WHERE id = $1", [demand.id]);
    target.publish({ serviceRequestId: externalId, status: "FIXED", description: ANSWER });
    target.publish({ serviceRequestId: "desconhecido", status: "OPEN", description: "" });
    const pulled = await pullSystem(ctx, await systemIdOf(demand.department));
    assert.equal(pulled.error, undefined);
    assert.deepEqual(pulled.outcomes, ["refused", "unknown_request"]);
    assert.equal((await orderOf(demand.id)).state, "dispatched", "nothing half-applied");
    assert.equal(await statusOf(demand.id), "cancelled");
  });
});

async function orderDepartment(orderId: number) {
  return one<{ id: number }>(db, "SELECT department_id AS id FROM work_orders WHERE id = $1", [orderId]);
}

describe("when their system fails", () => {
  it("retries while it is down and sends the order once when it is back", async () => {
    const target = await fake();
    const demand = await fileDemand();
    await configure(demand.department, target);
    await target.down();
    await drain();
    const order = await orderOf(demand.id);
    let row = await sendRowOf(order.id);
    assert.equal(row.state, "pending");
    assert.equal(row.attempts, 1);
    assert.match((await sendOf(order.id)).last_error ?? "", /requests\.xml/);

    await target.up();
    target.fail(500, 1);
    await db.query("UPDATE outbox SET run_at = now() WHERE id = $1", [row.id]);
    await drain();
    row = await sendRowOf(order.id);
    assert.equal(row.state, "pending", "a 500 is retried too");
    assert.equal(row.attempts, 2);

    await db.query("UPDATE outbox SET run_at = now() WHERE id = $1", [row.id]);
    await drain();
    await db.query("UPDATE outbox SET run_at = now() WHERE id = $1", [row.id]);
    await drain();
    assert.equal((await sendRowOf(order.id)).state, "done");
    assert.equal(target.requests.size, 1, "delivered once");
    assert.equal((await sendOf(order.id)).state, "sent");
    assert.equal(target.posts().length, 2, "one POST answered 500, one taken");
  });

  it("raises a delivery_failed alarm for the supervisors when the order is refused for good", async () => {
    const target = await fake({ serviceCodes: ["OUTRO"] });
    const demand = await fileDemand();
    await configure(demand.department, target);
    await drain();
    const order = await orderOf(demand.id);
    assert.equal((await sendRowOf(order.id)).state, "dead", "a 400 will not pass later");
    assert.equal((await sendOf(order.id)).state, "failed");
    const alarm = await one<{
      kind: string;
      level: number;
      work_order_id: number;
      department: string;
      data: Record<string, unknown>;
    }>(
      db,
      `SELECT a.kind, a.level, a.work_order_id, d.code AS department, a.data FROM alarms a
         JOIN departments d ON d.id = a.department_id WHERE a.demand_id = $1`,
      [demand.id],
    );
    assert.equal(alarm.kind, "delivery_failed");
    assert.equal(alarm.level, 1);
    assert.equal(alarm.work_order_id, order.id);
    assert.equal(alarm.department, demand.department);
    assert.equal(alarm.data.channel, "open311");
    assert.match(String(alarm.data.error), /Service code BURACO is invalid/);
    assert.equal((await eventsOf(demand.id, "work_order.external_send_failed")).length, 1);
    assert.equal((await orderOf(demand.id)).state, "dispatched", "the order stays with the department here");
  });

  it("records a pull that failed and asks for the same window again", async () => {
    const target = await fake();
    const demand = await fileDemand();
    await configure(demand.department, target);
    const system = await systemIdOf(demand.department);
    await db.query("UPDATE department_systems SET next_pull_at = now() WHERE id = $1", [system]);
    await target.down();
    await db.query(
      "INSERT INTO outbox (job, payload) VALUES ('pull-open311-updates', '{\"slot\": \"test\"}')",
    );
    await drain();
    const failed = await one<{ last_pull_error: string | null; pulled_until: Date | null }>(
      db,
      "SELECT last_pull_error, pulled_until FROM department_systems WHERE id = $1",
      [system],
    );
    assert.ok(failed.last_pull_error);
    await target.up();
    const ok = await pullSystem(ctx, system);
    assert.equal(ok.error, undefined);
    const after = await one<{ last_pull_error: string | null; pulled_until: Date | null }>(
      db,
      "SELECT last_pull_error, pulled_until FROM department_systems WHERE id = $1",
      [system],
    );
    assert.equal(after.last_pull_error, null);
    assert.ok(after.pulled_until);
  });
});

describe("the configuration", () => {
  const put = (code: string, payload: Record<string, unknown>, authorization = admin.authorization) =>
    app.inject({
      method: "PUT",
      url: `/api/v1/department-systems/${encodeURIComponent(code)}`,
      headers: { authorization },
      payload,
    });
  const good = {
    baseUrl: "https://sistema.example/open311/v2",
    format: "xml",
    apiKey: "k-0123456789abcdef",
    serviceCodes: { [service]: "X" },
  };

  it("rejects bad configuration with problem+json naming the field", async () => {
    const department = (
      await one<{ code: string }>(db, "SELECT code FROM departments ORDER BY code DESC LIMIT 1")
    ).code;
    const cases: Array<[Record<string, unknown>, number, string, string | undefined]> = [
      [{ ...good, baseUrl: "ftp://sistema.example/" }, 400, "invalid_input", "baseUrl"],
      [{ ...good, baseUrl: "https://user:pw@sistema.example/" }, 400, "invalid_input", "baseUrl"],
      [{ ...good, format: "csv" }, 400, "invalid_input", "format"],
      [{ ...good, pullIntervalSeconds: 5 }, 400, "invalid_input", "pullIntervalSeconds"],
      [{ ...good, statusActions: { FIXED: "explode" } }, 400, "invalid_input", "statusActions.FIXED"],
      [{ ...good, serviceCodes: { "NAO-EXISTE": "X" } }, 422, "unknown_service", "serviceCodes.NAO-EXISTE"],
      [{ ...good, serviceCodes: {} }, 422, "service_mapping_required", "serviceCodes"],
      [{ ...good, apiKey: undefined }, 422, "api_key_required", "apiKey"],
    ];
    for (const [payload, status, code, field] of cases) {
      const res = await put(department, payload);
      assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
      assert.match(res.headers["content-type"] as string, /^application\/problem\+json/);
      assert.equal(res.json().code, code);
      if (field)
        assert.ok(
          res.json().errors.some((e: { field: string }) => e.field === field),
          res.body,
        );
    }
    const unknown = await put("NAO-EXISTE", good);
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "unknown_department");
    const supervisor = await staffHeaders(db, "supervisor");
    assert.equal((await put(department, good, supervisor.authorization)).statusCode, 403);
  });

  it("never shows the api_key in full, keeps it when not given again, and deletes", async () => {
    const department = (
      await one<{ code: string }>(db, "SELECT code FROM departments ORDER BY code DESC LIMIT 1")
    ).code;
    const created = await put(department, good);
    assert.equal(created.statusCode, 201, created.body);
    assert.ok(created.json().pushSecret, "the push secret, shown once");
    assert.equal(created.json().baseUrl, "https://sistema.example/open311/v2/");
    const replaced = await put(department, { ...good, apiKey: undefined, format: "json" });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.json().pushSecret, undefined);
    const headers = { authorization: admin.authorization };
    const url = `/api/v1/department-systems/${encodeURIComponent(department)}`;
    const got = await app.inject({ method: "GET", url, headers });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().apiKey, "••••••cdef");
    assert.equal(got.json().format, "json");
    assert.ok(!got.body.includes("k-0123456789abcdef"));
    assert.match(got.json().pushUrl, /\/api\/v1\/department-systems\/.+\/servicerequestupdates\.json$/);
    const list = await app.inject({ method: "GET", url: "/api/v1/department-systems", headers });
    assert.ok(list.json().some((s: { department: string }) => s.department === department));
    assert.equal((await app.inject({ method: "DELETE", url, headers })).statusCode, 204);
    assert.equal((await app.inject({ method: "GET", url, headers })).statusCode, 404);
    assert.equal(
      (await app.inject({ method: "DELETE", url, headers })).json().code,
      "unknown_department_system",
    );
  });
});
