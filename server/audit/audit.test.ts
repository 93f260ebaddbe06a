import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { JOBS } from "../jobs/registry.ts";
import { runOnce } from "../jobs/runner.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const manager = await staffHeaders(db, "manager");
const admin = await staffHeaders(db, "admin");
const supervisor = await staffHeaders(db, "supervisor");
const ombudsman = await staffHeaders(db, "ombudsman");

// Praça da Sé, in the district of SÉ.
const SE = { lat: -23.5503, lon: -46.634 };

interface Entry {
  id: number;
  at: string;
  staff: { id: number; name: string };
  action: string;
  entityType: string;
  entityId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  ip: string | null;
  userAgent: string | null;
}

async function search(query: string, who = supervisor): Promise<{ entries: Entry[]; next: number | null }> {
  const res = await app.inject({
    method: "GET",
    url: `/api/v1/audit-log?${query}`,
    headers: { authorization: who.authorization },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

const anyService = async () =>
  (await one<{ code: string }>(db, "SELECT code FROM services WHERE active ORDER BY code LIMIT 1")).code;

describe("the audit log", () => {
  it("records who changed a service, before and after, when and from which address and user agent", async () => {
    const code = await anyService();
    const res = await app.inject({
      method: "PATCH",
      url: `/api/v1/services/${code}`,
      headers: { authorization: manager.authorization, "user-agent": "AuditTest/1.0" },
      payload: { priority: 4 },
    });
    assert.equal(res.statusCode, 200, res.body);
    const { entries } = await search(`entityType=service&entityId=${code}`, ombudsman);
    const entry = entries[0]!;
    assert.equal(entry.action, "service.updated");
    assert.deepEqual(entry.staff, { id: manager.staffId, name: "Test manager" });
    assert.equal(entry.after?.priority, 4);
    assert.ok(entry.before && "priority" in entry.before);
    assert.equal(entry.ip, "127.0.0.1");
    assert.equal(entry.userAgent, "AuditTest/1.0");
    assert.ok(Date.now() - Date.parse(entry.at) < 60_000);
  });

  it("writes nothing when the change is refused", async () => {
    const before = await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM audit_log");
    const res = await app.inject({
      method: "PATCH",
      url: "/api/v1/services/NO-SUCH-SERVICE",
      headers: { authorization: manager.authorization },
      payload: { priority: 4 },
    });
    assert.equal(res.statusCode, 404);
    const refused = await app.inject({
      method: "POST",
      url: "/api/v1/calendar/holidays",
      headers: { authorization: manager.authorization },
      payload: { scope: "municipal", name: { "pt-BR": "Sem data" } },
    });
    assert.ok(refused.statusCode >= 400 && refused.statusCode < 500, refused.body);
    const after = await one<{ n: number }>(db, "SELECT count(*)::int AS n FROM audit_log");
    assert.equal(after.n, before.n);
  });

  it("is append-only: the database refuses to update, delete or truncate its rows", async () => {
    const made = await app.inject({
      method: "POST",
      url: "/api/v1/calendar/holidays",
      headers: { authorization: admin.authorization },
      payload: { scope: "municipal", name: { "pt-BR": "Dia do arquivo" }, date: "2031-09-09" },
    });
    assert.equal(made.statusCode, 201, made.body);
    const row = await one<{ id: number }>(db, "SELECT id FROM audit_log ORDER BY id DESC LIMIT 1");
    await assert.rejects(
      db.query("UPDATE audit_log SET staff_name = 'someone else' WHERE id = $1", [row.id]),
    );
    await assert.rejects(db.query("DELETE FROM audit_log WHERE id = $1", [row.id]));
    await assert.rejects(db.query("TRUNCATE audit_log"));
    const still = await one<{ staff_name: string }>(db, "SELECT staff_name FROM audit_log WHERE id = $1", [
      row.id,
    ]);
    assert.notEqual(still.staff_name, "someone else");
  });

  it("pages newest first by a cursor and filters by staff member, action and time", async () => {
    // The database's clock, which stamps the entries.
    const from = (await one<{ now: Date }>(db, "SELECT now() AS now")).now.toISOString();
    for (const day of [10, 11, 12]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/calendar/holidays",
        headers: { authorization: admin.authorization },
        payload: { scope: "municipal", name: { "pt-BR": `Feriado ${day}` }, date: `2031-08-${day}` },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    const first = await search(`staffId=${admin.staffId}&action=holiday.created&from=${from}&limit=2`);
    assert.equal(first.entries.length, 2);
    assert.ok(first.next);
    const second = await search(
      `staffId=${admin.staffId}&action=holiday.created&from=${from}&cursor=${first.next}`,
    );
    assert.equal(second.entries.length, 1);
    assert.equal(second.next, null);
    const ids = [...first.entries, ...second.entries].map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
      "newest first",
    );
    assert.equal(new Set(ids).size, 3);
    const future = await search(
      `action=holiday.created&from=${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
    assert.equal(future.entries.length, 0);
    const bad = await app.inject({
      method: "GET",
      url: "/api/v1/audit-log?from=yesterday",
      headers: { authorization: supervisor.authorization },
    });
    assert.equal(bad.statusCode, 400);
  });

  it("is searched by supervisors, the ombudsman team and admins only", async () => {
    for (const role of ["agent", "manager", "department_staff"] as const) {
      const who = await staffHeaders(db, role);
      const res = await app.inject({
        method: "GET",
        url: "/api/v1/audit-log",
        headers: { authorization: who.authorization },
      });
      assert.equal(res.statusCode, 403, role);
    }
    assert.equal((await app.inject({ method: "GET", url: "/api/v1/audit-log" })).statusCode, 401);
  });

  it("keeps secrets and password hashes out of before and after", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/staff",
      headers: { authorization: admin.authorization },
      payload: {
        email: "nova.pessoa@test.local",
        name: "Nova Pessoa",
        password: "uma senha bem longa",
        role: "agent",
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as number;
    const reset = await app.inject({
      method: "PATCH",
      url: `/api/v1/staff/${id}`,
      headers: { authorization: admin.authorization },
      payload: { password: "outra senha bem longa", role: "supervisor" },
    });
    assert.equal(reset.statusCode, 200, reset.body);
    const hook = await app.inject({
      method: "POST",
      url: "/api/v1/webhooks",
      headers: { authorization: admin.authorization },
      payload: { url: "https://receiver.example/hook", eventTypes: ["demand.created"] },
    });
    assert.equal(hook.statusCode, 201, hook.body);
    const hookId = hook.json().id as number;
    const rotated = await app.inject({
      method: "POST",
      url: `/api/v1/webhooks/${hookId}/rotate-secret`,
      headers: { authorization: admin.authorization },
    });
    assert.equal(rotated.statusCode, 200, rotated.body);

    const staffLog = await search(`entityType=staff_user&entityId=${id}`);
    assert.deepEqual(
      staffLog.entries.map((e) => e.action),
      ["staff_user.updated", "staff_user.created"],
    );
    assert.equal(staffLog.entries[0]!.before?.role, "agent");
    assert.equal(staffLog.entries[0]!.after?.role, "supervisor");
    assert.equal(staffLog.entries[0]!.after?.passwordReset, true);
    const hookLog = await search(`entityType=webhook&entityId=${hookId}`);
    assert.deepEqual(
      hookLog.entries.map((e) => e.action),
      ["webhook.secret_rotated", "webhook.created"],
    );
    const text = JSON.stringify([staffLog, hookLog]);
    assert.doesNotMatch(text, /argon2|password_hash|whsec_/);
    assert.ok(!text.includes(rotated.json().secret));
    assert.ok(!text.includes(hook.json().secret));
  });

  it("records staff actions on demands and work orders, with states and ids but not the citizen's words", async () => {
    const service = (
      await one<{ code: string }>(
        db,
        `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
          ORDER BY code LIMIT 1`,
      )
    ).code;
    const filed = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service,
        description: "Buraco enorme na frente da casa de Joana Prudente",
        location: SE,
        identity: "identified",
        citizen: {
          name: "Joana Prudente",
          email: "joana.prudente@example.org",
          consent: { policyVersion: "2026-01" },
        },
      },
    });
    assert.equal(filed.statusCode, 201, filed.body);
    while ((await runOnce(ctx, JOBS)) > 0) {}
    const order = await one<{ id: number; department_code: string }>(
      db,
      `SELECT w.id, dep.code AS department_code FROM work_orders w JOIN demands d ON d.id = w.demand_id
         JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
      [filed.json().protocol],
    );
    const worker = await staffHeaders(db, "department_staff", order.department_code);
    const accepted = await app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${order.id}/accept`,
      headers: { authorization: worker.authorization },
    });
    assert.ok(accepted.statusCode >= 200 && accepted.statusCode < 300, accepted.body);
    const { entries } = await search(`entityType=work_order&entityId=${order.id}`);
    assert.equal(entries[0]?.action, "work_order.accepted");
    assert.equal(entries[0]?.staff.id, worker.staffId);
    assert.deepEqual(entries[0]?.before, { state: "dispatched" });
    assert.equal(entries[0]?.after?.state, "accepted");
    assert.doesNotMatch(JSON.stringify(entries), /Joana|joana\.prudente|Buraco/);

    // The staff view names the colleague on the timeline; the citizen's and the public views never do.
    const { protocol, secret } = filed.json() as { protocol: string; secret: string };
    const staffView = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${protocol}`,
      headers: { authorization: supervisor.authorization },
    });
    const acceptedEvent = (
      staffView.json().timeline as { type: string; staff: { id: number; name: string } | null }[]
    ).find((e) => e.type === "demand.accepted");
    assert.deepEqual(acceptedEvent?.staff, { id: worker.staffId, name: "Test department_staff" });
    for (const headers of [{ "x-demand-secret": secret }, {}]) {
      const view = await app.inject({ method: "GET", url: `/api/v1/demands/${protocol}`, headers });
      assert.equal(view.statusCode, 200, view.body);
      const event = (view.json().timeline as Record<string, unknown>[]).find(
        (e) => e.type === "demand.accepted",
      );
      assert.equal(event?.actor, "staff");
      assert.equal("staff" in (event ?? {}), false);
      assert.doesNotMatch(view.body, /Test department_staff/);
    }
  });
});
