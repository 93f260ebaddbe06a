import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import type { FastifyInstance } from "fastify";
import { staffHeaders, testApp, testConfig } from "../../tests/helpers.ts";
import type { Db } from "../db/index.ts";
import type { StaffRole } from "../http/auth.ts";
import { seedOrganisation } from "../organisation/seed.ts";
import { findServiceByCode, listServices } from "./queries.ts";
import { readCatalogue, seedCatalogue } from "./seed.ts";
import { deadlineOf, demandTypeOf, inferDemandType, serviceCode, sourceRef } from "./sp156.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const sharedDataDir = testConfig().sharedDataDir;

/** A signed-in staff member of `role`, as the headers to send. */
async function signIn(db: Db, role: StaffRole): Promise<{ authorization: string }> {
  const { authorization } = await staffHeaders(db, role);
  return { authorization };
}

const get = (a: FastifyInstance, url: string, headers: Record<string, string> = {}) =>
  a.inject({ method: "GET", url, headers });

describe("catalogue seed", () => {
  it("loads all 700 SP156 services under a Tema → Assunto hierarchy", async () => {
    const [counts] = await db.query<{ services: number; roots: number; children: number; orphans: number }>(
      `SELECT (SELECT count(*)::int FROM services WHERE source_ref LIKE 'sp156:%' AND active) AS services,
              (SELECT count(*)::int FROM service_groups WHERE parent_id IS NULL) AS roots,
              (SELECT count(*)::int FROM service_groups WHERE parent_id IS NOT NULL) AS children,
              (SELECT count(*)::int FROM services s JOIN service_groups g ON g.id = s.group_id
                WHERE g.parent_id IS NULL AND s.source_ref LIKE 'sp156:%') AS orphans`,
    );
    assert.equal(counts?.services, 700);
    assert.equal(counts?.roots, 22);
    assert.equal(counts?.children, 232);
    assert.equal(counts?.orphans, 0);
    const [tree] = await db.query<{ root: string; group: string; en: string }>(
      `SELECT p.source_ref AS root, g.source_ref AS group, p.name->>'en' AS en
         FROM services s JOIN service_groups g ON g.id = s.group_id JOIN service_groups p ON p.id = g.parent_id
        WHERE s.source_ref = $1`,
      ["sp156:Lixo e limpeza|Coleta seletiva|Reclamações sobre coleta seletiva"],
    );
    assert.deepEqual(tree, {
      root: "sp156:Lixo e limpeza",
      group: "sp156:Lixo e limpeza|Coleta seletiva",
      en: "Waste and street cleaning",
    });
  });

  it("keeps every code when seeded again, and changes nothing", async () => {
    const snapshot = () =>
      db.query(
        `SELECT code, source_ref, group_id, name, deadline_amount, updated_at FROM services ORDER BY source_ref`,
      );
    const before = await snapshot();
    await seedCatalogue(db, { sharedDataDir, scope: "fixture" });
    await seedOrganisation(db, { sharedDataDir, scope: "fixture" });
    assert.deepEqual(await snapshot(), before);
    const ref = sourceRef("Urgência", "Defesa Civil", "Queda de árvore");
    const service = await findServiceByCode(db, serviceCode(ref));
    assert.equal(service?.name["pt-BR"], "Queda de árvore");
  });

  it("infers the demand type from the service's words", () => {
    assert.equal(inferDemandType("Reclamação de falta de varrição"), "complaint");
    assert.equal(inferDemandType("Ônibus - Denúncia de direção inadequada ou perigosa de veículo"), "report");
    assert.equal(inferDemandType("Denunciar poda ou remoção não autorizada de árvore"), "report");
    assert.equal(inferDemandType("Ônibus - Elogio ao motorista, cobrador ou fiscal"), "compliment");
    assert.equal(inferDemandType("SPTrans - Sugestão"), "suggestion");
    assert.equal(inferDemandType("Olho Vivo - Sugestão e elogio"), "suggestion");
    assert.equal(inferDemandType("Consulta de débitos"), "information");
    assert.equal(inferDemandType("Tapa-buraco"), undefined);
    assert.equal(demandTypeOf({ Assunto: "BPC - Denúncia", Serviço: "Conduta - Cadastrador" }), "report");
    assert.equal(demandTypeOf({ Assunto: "Árvore", Serviço: "Plantio de árvore" }), "request");
  });

  it("sets place, anonymity, priority, deadline and attributes from the data", async () => {
    const byName = async (name: string) => {
      const [row] = await db.query<{ code: string }>(`SELECT code FROM services WHERE name->>'pt-BR' = $1`, [
        name,
      ]);
      const service = row ? await findServiceByCode(db, row.code) : undefined;
      assert.ok(service, name);
      return service;
    };
    const fallen = await byName("Queda de árvore");
    assert.equal(fallen.priority, 1);
    assert.equal(fallen.locationRequired, true);
    assert.equal(fallen.attributes[0]?.code, "blocking");
    const pothole = await byName("Tapa-buraco");
    assert.equal(pothole.locationRequired, true);
    assert.equal(pothole.attributes[0]?.code, "size");
    const sweeping = await byName("Reclamação de falta de varrição");
    assert.equal(sweeping.demandType, "complaint");
    assert.equal(sweeping.anonymousAllowed, true);
    assert.deepEqual(sweeping.deadline, { amount: 30, unit: "calendar_days" });
    const container = await byName("Instalação de contêiner para coleta seletiva");
    assert.equal(container.demandType, "request");
    assert.equal(container.anonymousAllowed, false);
    // p50 of 2.73 calendar days → 2 business days (rounded up, at least 2).
    assert.deepEqual(container.deadline, { amount: 2, unit: "business_days" });
    assert.ok(container.requirements["pt-BR"]?.includes("Endereço"));
    const rows = readCatalogue(sharedDataDir);
    const noData = rows.find((r) => !r.dias_ate_parecer_p50 && demandTypeOf(r) === "request");
    assert.ok(noData);
    assert.deepEqual(deadlineOf(noData, "request"), { amount: 20, unit: "business_days" });
  });

  it("makes every SP156 Órgão of the request sample a department", async () => {
    const text = readFileSync(
      join(sharedDataDir, "sp156", "sp156_solicitacoes_2019-01_a_2019-04.csv"),
      "utf8",
    );
    const orgaos = new Set(
      (parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[]).map(
        (r) => r.Órgão,
      ),
    );
    const departments = new Set(
      (await db.query<{ code: string }>("SELECT code FROM departments")).map((d) => d.code),
    );
    for (const orgao of orgaos) assert.ok(departments.has(orgao ?? ""), `department ${orgao}`);
    assert.ok(departments.has("CENTRAL156"));
  });

  it("finds services by words, accents and case ignored, and by group", async () => {
    const found = await listServices(db, { q: "queda arvore" });
    assert.ok(found.some((s) => s.name["pt-BR"] === "Queda de árvore"));
    const bins = await listServices(db, { group: "lixo-e-limpeza" });
    assert.ok(bins.length > 20);
    assert.ok(bins.every((s) => s.rootGroupCode === "lixo-e-limpeza"));
  });
});

describe("catalogue routes", () => {
  it("lists services with names and groups in the request's language", async () => {
    const res = await get(app, "/api/v1/service-groups?lang=en");
    assert.equal(res.statusCode, 200);
    const groups = res.json() as { code: string; name: string }[];
    assert.equal(groups.find((g) => g.code === "lixo-e-limpeza")?.name, "Waste and street cleaning");
    const es = await get(app, "/api/v1/services?q=tapa-buraco", { "accept-language": "es" });
    assert.equal(es.statusCode, 200);
    const services = es.json() as { code: string; name: string; requirements: string }[];
    assert.ok(services.length >= 1);
    // Translated services are named in the reader's language (server/catalogue/translations/), the rest in pt-BR.
    const pothole = services.find((s) => s.name === "Reparación de baches") as
      | { nameLanguage?: string }
      | undefined;
    assert.equal(pothole?.nameLanguage, "es");
    assert.ok(services[0]?.requirements.includes("Dirección"));
  });

  it("shows one service with its attributes, and a 404 problem for an unknown code", async () => {
    const [row] = await db.query<{ code: string }>(
      `SELECT code FROM services WHERE name->>'pt-BR' = 'Tapa-buraco'`,
    );
    const res = await get(app, `/api/v1/services/${row?.code}?lang=en`);
    assert.equal(res.statusCode, 200);
    const service = res.json() as {
      attributes: { code: string; description: string; values: { name: string }[] }[];
    };
    assert.equal(service.attributes[0]?.description, "How big is the pothole?");
    assert.equal(service.attributes[0]?.values[0]?.name, "Small (up to 30 cm)");
    const missing = await get(app, "/api/v1/services/SP-NOPE");
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers["content-type"] ?? ""), /problem\+json/);
    assert.equal(missing.json().code, "unknown_service");
    assert.equal(missing.json().title, "Serviço desconhecido");
  });

  it("lets a manager create and change a service, and refuses others", async () => {
    const body = {
      code: "TEST-1",
      group: "lixo-e-limpeza",
      name: { "pt-BR": "Serviço de teste", en: "Test service" },
      demandType: "request",
      deadline: { amount: 5, unit: "business_days" },
    };
    const post = (headers: Record<string, string>, payload: Record<string, unknown> = body) =>
      app.inject({ method: "POST", url: "/api/v1/services", headers, payload });
    assert.equal((await post({})).statusCode, 401);
    assert.equal((await post(await signIn(db, "agent"))).statusCode, 403);
    const manager = await signIn(db, "manager");
    const created = await post(manager);
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().name, "Serviço de teste");
    assert.equal((await post(manager)).statusCode, 409);
    const badGroup = await post(manager, { ...body, code: "TEST-2", group: "nope" });
    assert.equal(badGroup.statusCode, 422);
    assert.equal(badGroup.json().code, "unknown_group");
    const patched = await app.inject({
      method: "PATCH",
      url: "/api/v1/services/TEST-1?lang=en",
      headers: manager,
      payload: { priority: 1, active: false, deadline: { amount: 2, unit: "calendar_days" } },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().name, "Test service");
    assert.deepEqual(patched.json().deadline, { amount: 2, unit: "calendar_days" });
    const listed = (await get(app, "/api/v1/services?group=lixo-e-limpeza")).json() as { code: string }[];
    assert.ok(!listed.some((s) => s.code === "TEST-1"), "inactive services are not listed");
    const unknown = await app.inject({
      method: "PATCH",
      url: "/api/v1/services/SP-NOPE",
      headers: manager,
      payload: { priority: 2 },
    });
    assert.equal(unknown.statusCode, 404);
  });

  it("serves the charter as JSON and as an accessible HTML page", async () => {
    const json = await get(app, "/api/v1/charter");
    assert.equal(json.statusCode, 200);
    assert.ok((json.json() as { groups: unknown[] }).groups.length >= 20);
    const html = await get(app, "/carta-de-servicos");
    assert.equal(html.statusCode, 200);
    assert.match(String(html.headers["content-type"] ?? ""), /text\/html/);
    assert.match(html.body, /<html lang="pt-BR">/);
    assert.match(html.body, /<h1>Carta de Serviços<\/h1>/);
    assert.ok(html.body.includes("Reclamação de falta de varrição"));
    assert.ok(html.body.includes("30 dias corridos"));
    const en = await get(app, "/carta-de-servicos?lang=en");
    assert.match(en.body, /<html lang="en">/);
    assert.ok(en.body.includes("30 calendar days"));
    assert.ok(en.body.includes("Waste and street cleaning"));
  });
});
