/**
 * The seeded matrix's defaults on a real database: potholes reach the subprefeitura of the point, renamed services
 * their history's department, administrators see the services without a rule, a re-seed keeps their rules, and a
 * demand waiting at the fallback desk is said to be "em triagem na Central 156" (decision 0025).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp, testConfig } from "../../tests/helpers.ts";
import { serviceCode, sourceRef } from "../catalogue/sp156.ts";
import { one } from "../db/index.ts";
import { JOBS } from "../jobs/registry.ts";
import { runOnce } from "../jobs/runner.ts";
import { resolveDepartment } from "./queries.ts";
import { seedOrganisation } from "./seed.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const idOf = async (table: string, code: string) =>
  (await one<{ id: number }>(db, `SELECT id FROM ${table} WHERE code = $1`, [code])).id;
const codeOfDepartment = async (id: number | undefined) =>
  (await one<{ code: string }>(db, "SELECT code FROM departments WHERE id = $1", [id ?? 0])).code;

const POTHOLE = serviceCode(
  sourceRef("Rua e bairro", "Reparos em asfalto, pontes e viadutos", "Tapa-buraco"),
);
const ROAD_PAINT = serviceCode(
  sourceRef(
    "Trânsito e Transporte",
    "Sinalização e Circulação de Veículos e Pedestres",
    "Manutenção de sinalização horizontal (pintura de solo)",
  ),
);
// Praça da Sé, in the district of SÉ.
const SE = { lat: -23.5503, lon: -46.634 };

describe("matrix defaults", () => {
  it("sends a pothole to the subprefeitura of its point, and to SMSUB without a point", async () => {
    const district = await one<{ code: string; sub: string }>(
      db,
      "SELECT code, subprefeitura_code AS sub FROM districts ORDER BY code LIMIT 1",
    );
    const serviceId = await idOf("services", POTHOLE);
    const placed = await resolveDepartment(db, { serviceId, districtCode: district.code });
    assert.equal(await codeOfDepartment(placed?.departmentId), `SUB-${district.sub}`);
    const nowhere = await resolveDepartment(db, { serviceId });
    assert.equal(await codeOfDepartment(nowhere?.departmentId), "SMSUB");
    const rule = await one<{ origin: string; to_subprefeitura: boolean }>(
      db,
      "SELECT origin, to_subprefeitura FROM responsibility_rules WHERE id = $1",
      [placed?.ruleId ?? 0],
    );
    assert.deepEqual(rule, { origin: "subprefeitura_default", to_subprefeitura: true });
  });

  it("sends a renamed service to the department its old name's history went to", async () => {
    const resolved = await resolveDepartment(db, { serviceId: await idOf("services", ROAD_PAINT) });
    assert.equal(await codeOfDepartment(resolved?.departmentId), "CET");
  });

  it("falls back to the rule's own department when the point's subprefeitura has no active department", async () => {
    const district = await one<{ code: string; sub: string }>(
      db,
      "SELECT code, subprefeitura_code AS sub FROM districts ORDER BY code DESC LIMIT 1",
    );
    await db.query("UPDATE departments SET active = false WHERE code = $1", [`SUB-${district.sub}`]);
    try {
      const resolved = await resolveDepartment(db, {
        serviceId: await idOf("services", POTHOLE),
        districtCode: district.code,
      });
      assert.equal(await codeOfDepartment(resolved?.departmentId), "SMSUB");
    } finally {
      await db.query("UPDATE departments SET active = true WHERE code = $1", [`SUB-${district.sub}`]);
    }
  });

  it("shows administrators the services without a rule, busiest first, and nobody without a session", async () => {
    const admin = await staffHeaders(db, "admin");
    const uncoveredBefore = await app.inject({
      method: "GET",
      url: "/api/v1/matrix/uncovered",
      headers: { ...admin, "accept-language": "en" },
    });
    assert.equal(uncoveredBefore.statusCode, 200, uncoveredBefore.body);
    const body = uncoveredBefore.json() as {
      fallbackDepartment: string;
      services: { service: string; serviceName: string; demands: number }[];
    };
    assert.equal(body.fallbackDepartment, "CENTRAL156");
    assert.ok(body.services.length > 0);
    assert.ok(!body.services.some((s) => s.service === POTHOLE), "the pothole has a default rule");
    const target = body.services.find((s) => s.demands === 0);
    assert.ok(target);
    // File a demand of an uncovered service: it is counted, and its service moves to the top.
    const filed = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      payload: {
        service: target.service,
        description: "Preciso de ajuda com este serviço, por favor.",
        location: SE,
        identity: "identified",
        citizen: { name: "Ana Souza", email: "ana.triagem@example.org" },
      },
    });
    assert.equal(filed.statusCode, 201, filed.body);
    const after = (
      await app.inject({ method: "GET", url: "/api/v1/matrix/uncovered", headers: admin })
    ).json() as typeof body;
    assert.equal(after.services.find((s) => s.service === target.service)?.demands, 1);
    assert.equal(after.services[0]?.demands, Math.max(...after.services.map((s) => s.demands)));
    const refused = await app.inject({ method: "GET", url: "/api/v1/matrix/uncovered" });
    assert.equal(refused.statusCode, 401);

    // The citizen reads the truth while it waits at the fallback desk, and is not told it reached "the department".
    const { protocol } = filed.json() as { protocol: string };
    while ((await runOnce(ctx, JOBS)) > 0) {}
    const view = await app.inject({
      method: "GET",
      url: `/api/v1/demands/${protocol}`,
      headers: { "accept-language": "pt-BR" },
    });
    assert.equal(view.json().department.code, "CENTRAL156");
    assert.equal(view.json().atTriageDesk, true);
    const messages = await db.query<{ template: string }>(
      `SELECT payload->>'template' AS template FROM outbox
        WHERE job = 'send-message' AND (payload->>'demandId')::bigint =
              (SELECT id FROM demands WHERE protocol = $1)`,
      [protocol],
    );
    assert.ok(!messages.some((m) => m.template === "demand.dispatched"), JSON.stringify(messages));

    // Sent on by an agent to a real department: no longer at the triage desk.
    const agent = await staffHeaders(db, "supervisor");
    const demandId = (await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [protocol]))
      .id;
    const order = await one<{ id: number }>(
      db,
      "SELECT id FROM work_orders WHERE demand_id = $1 AND state = 'dispatched'",
      [demandId],
    );
    const rerouted = await app.inject({
      method: "POST",
      url: `/api/v1/work-orders/${order.id}/reroute`,
      headers: agent,
      payload: { department: "SMSUB", reason: "Serviço de zeladoria da subprefeitura." },
    });
    assert.ok(rerouted.statusCode < 300, rerouted.body);
    const later = await app.inject({ method: "GET", url: `/api/v1/demands/${protocol}` });
    assert.equal(later.json().atTriageDesk, false);
  });

  it("lets an admin route a service to the point's subprefeitura, and a re-seed keeps the admin's rule", async () => {
    const admin = await staffHeaders(db, "admin");
    const put = await app.inject({
      method: "PUT",
      url: "/api/v1/matrix/rules",
      headers: admin,
      payload: { service: ROAD_PAINT, department: "SMSUB", toSubprefeitura: true },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual([put.json().origin, put.json().toSubprefeitura], ["admin", true]);
    await seedOrganisation(db, { sharedDataDir: testConfig().sharedDataDir, scope: "fixture" });
    const resolved = await resolveDepartment(db, {
      serviceId: await idOf("services", ROAD_PAINT),
      districtCode: (await one<{ code: string }>(db, "SELECT code FROM districts ORDER BY code LIMIT 1"))
        .code,
    });
    assert.match(await codeOfDepartment(resolved?.departmentId), /^SUB-/);
  });
});
