import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import type { StaffRole } from "../access/principal.ts";
import { serviceCode, sourceRef } from "../catalogue/sp156.ts";
import type { Db } from "../db/index.ts";
import { resolveDepartment } from "./queries.ts";

const { app, ctx } = await testApp();
const db = ctx.db;

/** A signed-in staff member of `role`, as the headers to send. */
async function signIn(db: Db, role: StaffRole): Promise<{ authorization: string }> {
  const { authorization } = await staffHeaders(db, role);
  return { authorization };
}

const idOf = async (table: string, code: string) =>
  (await db.query<{ id: number }>(`SELECT id FROM ${table} WHERE code = $1`, [code]))[0]?.id ?? 0;

const tapaBuraco = serviceCode(
  sourceRef(
    "Rua e bairro",
    "Reparos em asfalto, pontes e viadutos",
    "Reclamação de afundamento da pavimentação em vias públicas",
  ),
);
const busLine = serviceCode(
  sourceRef(
    "Trânsito e Transporte",
    "Reclamação ônibus",
    "Ônibus - Reclamação de intervalo excessivo da linha",
  ),
);

describe("responsibility matrix", () => {
  it("sends SMSUB services to the subprefeitura of the place and others city-wide", async () => {
    const [district] = await db.query<{ code: string; sub: string }>(
      "SELECT code, subprefeitura_code AS sub FROM districts ORDER BY code LIMIT 1",
    );
    // The test database is seeded with the city's areas: without them this test would prove nothing.
    assert.ok(district, "districts are seeded");
    const resolved = await resolveDepartment(db, {
      serviceId: await idOf("services", tapaBuraco),
      districtCode: district.code,
    });
    assert.equal(resolved?.departmentId, await idOf("departments", `SUB-${district.sub}`));
    const citywide = await resolveDepartment(db, { serviceId: await idOf("services", tapaBuraco) });
    assert.equal(citywide?.departmentId, await idOf("departments", "SMSUB"));
    const bus = await resolveDepartment(db, {
      serviceId: await idOf("services", busLine),
      districtCode: district.code,
    });
    assert.equal(bus?.departmentId, await idOf("departments", "SPTRANS"));
  });

  it("prefers district over subprefeitura over city over the fallback", async () => {
    const [district] = await db.query<{ code: string; sub: string }>(
      "SELECT code, subprefeitura_code AS sub FROM districts ORDER BY code LIMIT 1",
    );
    assert.ok(district, "districts are seeded");
    const manager = await signIn(db, "manager");
    const [service] = await db.query<{ id: number; code: string }>(
      `SELECT s.id, s.code FROM services s
        WHERE NOT EXISTS (SELECT 1 FROM responsibility_rules r WHERE r.service_id = s.id) LIMIT 1`,
    );
    assert.ok(service);
    const put = (body: Record<string, unknown>) =>
      app.inject({ method: "PUT", url: "/api/v1/matrix/rules", headers: manager, payload: body });
    const where = { serviceId: service.id, districtCode: district.code };
    assert.equal((await resolveDepartment(db, where))?.departmentId, await idOf("departments", "CENTRAL156"));
    assert.equal((await put({ service: service.code, department: "CET" })).statusCode, 201);
    assert.equal((await resolveDepartment(db, where))?.departmentId, await idOf("departments", "CET"));
    const bySub = await put({
      service: service.code,
      areaKind: "subprefeitura",
      areaCode: district.sub,
      department: "SF",
    });
    assert.equal(bySub.statusCode, 201, bySub.body);
    assert.equal((await resolveDepartment(db, where))?.departmentId, await idOf("departments", "SF"));
    const byDistrict = await put({
      service: service.code,
      areaKind: "district",
      areaCode: district.code,
      department: "GCM",
    });
    assert.equal(byDistrict.statusCode, 201);
    const resolved = await resolveDepartment(db, where);
    assert.equal(resolved?.departmentId, await idOf("departments", "GCM"));
    assert.equal(resolved?.ruleId, byDistrict.json().id);
    // Replacing a rule keeps its key and answers 200.
    const replaced = await put({
      service: service.code,
      areaKind: "district",
      areaCode: district.code,
      department: "SVMA",
    });
    assert.equal(replaced.statusCode, 200);
    assert.equal(replaced.json().id, byDistrict.json().id);
    const explained = await app.inject({
      method: "GET",
      url: `/api/v1/matrix/resolve?service=${service.code}&district=${district.code}`,
      headers: await signIn(db, "agent"),
    });
    assert.equal(explained.statusCode, 200);
    assert.equal(explained.json().department.code, "SVMA");
    assert.equal(explained.json().rule.areaKind, "district");
  });

  it("answers 422 for unknown codes and keeps the last fallback rule", async () => {
    const manager = await signIn(db, "manager");
    const put = (body: Record<string, unknown>) =>
      app.inject({ method: "PUT", url: "/api/v1/matrix/rules", headers: manager, payload: body });
    assert.equal((await put({ service: "SP-NOPE", department: "CET" })).json().code, "unknown_service");
    assert.equal((await put({ service: busLine, department: "NOPE" })).json().code, "unknown_department");
    const area = await put({ service: busLine, areaKind: "district", areaCode: "999", department: "CET" });
    assert.equal(area.statusCode, 422);
    assert.equal(area.json().code, "unknown_area");
    const matrix = await app.inject({ method: "GET", url: "/api/v1/matrix", headers: manager });
    const fallback = (matrix.json() as { id: number; service: string | null; areaKind: string }[]).find(
      (r) => r.service === null && r.areaKind === "city",
    );
    assert.ok(fallback);
    // Rules name their service in the reader's language too.
    const named = await app.inject({
      method: "GET",
      url: `/api/v1/matrix?service=${tapaBuraco}`,
      headers: { ...manager, "accept-language": "pt-BR" },
    });
    assert.ok(named.json().length > 0);
    for (const r of named.json() as { serviceName: string }[])
      assert.equal(r.serviceName, "Reclamação de afundamento da pavimentação em vias públicas");
    const refused = await app.inject({
      method: "DELETE",
      url: `/api/v1/matrix/rules/${fallback.id}`,
      headers: manager,
    });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, "fallback_required");
    const agent = await signIn(db, "agent");
    const forbidden = await app.inject({
      method: "DELETE",
      url: `/api/v1/matrix/rules/${fallback.id}`,
      headers: agent,
    });
    assert.equal(forbidden.statusCode, 403);
    assert.equal((await app.inject({ method: "GET", url: "/api/v1/matrix" })).statusCode, 401);
  });
});

describe("department routes", () => {
  it("lists, creates and changes departments with the right permissions", async () => {
    const agent = await signIn(db, "agent");
    const list = await app.inject({ method: "GET", url: "/api/v1/departments", headers: agent });
    assert.equal(list.statusCode, 200);
    assert.ok((list.json() as { code: string }[]).some((d) => d.code === "SMSU/Defesa Civil"));
    const one = await app.inject({
      method: "GET",
      url: `/api/v1/departments/${encodeURIComponent("SMSU/Defesa Civil")}`,
      headers: agent,
    });
    assert.equal(one.statusCode, 200, one.body);
    const body = { code: "TEST-DEPT", name: "Departamento de teste", kind: "other" };
    const post = (headers: Record<string, string>, payload: Record<string, unknown> = body) =>
      app.inject({ method: "POST", url: "/api/v1/departments", headers, payload });
    assert.equal((await post({})).statusCode, 401);
    assert.equal((await post(await signIn(db, "manager"))).statusCode, 403);
    const admin = await signIn(db, "admin");
    assert.equal((await post(admin)).statusCode, 201);
    assert.equal((await post(admin)).statusCode, 409);
    const badArea = await post(admin, { ...body, code: "TEST-2", subprefeituraCode: "999" });
    assert.equal(badArea.statusCode, 422);
    assert.equal(badArea.json().code, "unknown_area");
    const patched = await app.inject({
      method: "PATCH",
      url: "/api/v1/departments/TEST-DEPT",
      headers: admin,
      payload: { active: false, email: "teste@example.org" },
    });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().active, false);
    const missing = await app.inject({
      method: "PATCH",
      url: "/api/v1/departments/NOPE",
      headers: admin,
      payload: {},
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "unknown_department");
  });
});

describe("teams", () => {
  it("lets an admin add a team to a department, once per name", async () => {
    const admin = await signIn(db, "admin");
    const add = () =>
      app.inject({
        method: "POST",
        url: "/api/v1/departments/AMLURB/teams",
        payload: { name: "Equipe de varrição — Sé" },
        headers: admin,
      });
    assert.equal((await add()).statusCode, 201);
    const again = await add();
    assert.deepEqual(again.json().teams, ["Equipe de varrição — Sé"]);
    const agent = await signIn(db, "agent");
    const refused = await app.inject({
      method: "POST",
      url: "/api/v1/departments/AMLURB/teams",
      payload: { name: "x" },
      headers: agent,
    });
    assert.equal(refused.statusCode, 403);
  });
});
