import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { serviceCode, sourceRef } from "../catalogue/sp156.ts";
import { classifyDemand, FRESHNESS_MS, suggestServices } from "./queries.ts";

const { app, ctx } = await testApp();
const db = ctx.db;

const code = (tema: string, assunto: string, servico: string) =>
  serviceCode(sourceRef(tema, assunto, servico));
const TAPA_BURACO = code("Rua e bairro", "Reparos em asfalto, pontes e viadutos", "Tapa-buraco");
const CORREDOR = code(
  "Rua e bairro",
  "Reparos em asfalto, pontes e viadutos",
  "Tapa-buraco em faixa exclusiva ou corredor de ônibus",
);
const LAMPADA = code("Rua e bairro", "Iluminação pública", "Reparo de lâmpada");
const QUEDA_ARVORE = code("Urgência", "Defesa Civil", "Queda de árvore");
const PSIU = code("Rua e bairro", "Poluição Sonora - PSIU", "Reclamação de poluição sonora - PSIU");
const ENTULHO = code(
  "Lixo e limpeza",
  "Ponto viciado, entulho e caçamba de entulho",
  "Remoção de entulho em via pública",
);
const SEAS = code(
  "Cidadania e assistência social",
  "População ou pessoa em situação de rua",
  "Serviço Especializado de Abordagem Social às Pessoas em Situação de Rua - SEAS",
);
const RATOS = code(
  "Animais",
  "Animais que podem causar doenças e/ou agravos à saúde",
  "Denúncia de local com roedores/ratos",
);
const ONIBUS_DEMORA = code(
  "Trânsito e Transporte",
  "Reclamação ônibus",
  "Ônibus - Reclamação de intervalo excessivo da linha",
);

// A change reaches the suggester within FRESHNESS_MS; the tests wait that long after each write.
const settle = () => new Promise((resolve) => setTimeout(resolve, FRESHNESS_MS + 20));
const top = async (text: string, limit = 3) =>
  (await suggestServices(db, text, { limit })).map((s) => s.code);
const suggestUrl = (q: string, extra = "") => `/api/v1/services/suggest?q=${encodeURIComponent(q)}${extra}`;

describe("service suggester", () => {
  it("puts the service of typical WhatsApp-style messages in the top 3", async () => {
    const cases: [string, string][] = [
      ["buraco na rua aki em frente de casa, vc pode mandar alguem?", TAPA_BURACO],
      ["o poste da minha rua ta apagado faz 3 dia", LAMPADA],
      ["caiu uma arvore em cima do muro dnv pfv", QUEDA_ARVORE],
      ["o bar do lado toca musica alta ate 3h, ngm dorme", PSIU],
      ["jogaram um monte de entulho na calçada da esquina", ENTULHO],
      ["tem um moço morando na rua aqui na porta do mercado, precisa de ajuda", SEAS],
      ["rataria no terreno do lado, tb entra nas casa", RATOS],
      ["o busao da linha 8319 demora mais de 1h pra passar", ONIBUS_DEMORA],
    ];
    const misses: string[] = [];
    for (const [text, expected] of cases) {
      const got = await top(text);
      if (!got.includes(expected)) misses.push(`${text} → ${got.join(", ")}`);
    }
    assert.deepEqual(misses, []);
  });

  it("gives the same first service with or without accents and with a typo", async () => {
    const variants = [
      [
        "Árvore caída na rua, bloqueando a passagem",
        "arvore caida na rua bloqueando a passagem",
        "arovre caida na rua",
      ],
      ["Lâmpada do poste queimada", "lampada do poste queimada", "lampda do poste qeimada"],
      ["Buraco enorme no asfalto", "BURACO ENORME NO ASFALTO", "buraco enorme no asfauto"],
    ];
    for (const group of variants) {
      const firsts = await Promise.all(group.map(async (text) => (await top(text, 1))[0]));
      assert.ok(firsts[0], `no suggestion for ${group[0]}`);
      assert.deepEqual(
        firsts,
        group.map(() => firsts[0]),
        group.join(" / "),
      );
    }
  });

  it("suggests nothing for a greeting or a message with no request", async () => {
    assert.deepEqual(await top("oi"), []);
    assert.deepEqual(await top("bom dia, tudo bem?"), []);
  });

  it("answers the public route with codes, names and scores, best first", async () => {
    const res = await app.inject({ url: suggestUrl("buraco na rua", "&limit=2") });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { code: string; name: string; score: number; reasons: unknown[] }[];
    assert.equal(body.length, 2);
    assert.equal(body[0]?.code, TAPA_BURACO);
    assert.equal(body[0]?.name, "Tapa-buraco");
    assert.ok((body[0]?.score ?? 0) >= (body[1]?.score ?? 0));
  });

  it("keeps GET /api/v1/services/:code working beside /services/suggest", async () => {
    const res = await app.inject({ url: `/api/v1/services/${TAPA_BURACO}` });
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as { code: string }).code, TAPA_BURACO);
  });

  it("rejects an empty, missing or too long q with a 400 problem", async () => {
    for (const url of [
      suggestUrl(""),
      suggestUrl("   "),
      "/api/v1/services/suggest",
      suggestUrl("a".repeat(2001)),
    ]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 400, url);
      assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      const problem = res.json() as { code: string; errors: { field: string }[] };
      assert.equal(problem.code, "invalid_input");
      assert.equal(problem.errors[0]?.field, "q");
    }
    const badLimit = await app.inject({ url: suggestUrl("buraco", "&limit=500") });
    assert.equal(badLimit.statusCode, 400);
  });

  it("stops suggesting a service within FRESHNESS_MS of it being switched off", async () => {
    const manager = await staffHeaders(db, "manager");
    const headers = { authorization: manager.authorization };
    assert.ok((await top("buraco na rua")).includes(TAPA_BURACO));
    const off = await app.inject({
      method: "PATCH",
      url: `/api/v1/services/${TAPA_BURACO}`,
      headers,
      payload: { active: false },
    });
    assert.equal(off.statusCode, 200, off.body);
    await settle();
    try {
      assert.ok(!(await top("buraco na rua", 20)).includes(TAPA_BURACO));
      const res = await app.inject({ url: suggestUrl("tapa buraco", "&limit=20") });
      assert.ok(!(res.json() as { code: string }[]).some((s) => s.code === TAPA_BURACO));
    } finally {
      await app.inject({
        method: "PATCH",
        url: `/api/v1/services/${TAPA_BURACO}`,
        headers,
        payload: { active: true },
      });
      await settle();
    }
    assert.ok((await top("buraco na rua")).includes(TAPA_BURACO));
  });

  it("learns a service added to the catalogue without a restart", async () => {
    const manager = await staffHeaders(db, "manager");
    const [group] = await db.query<{ code: string }>(
      "SELECT code FROM service_groups WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1",
    );
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/services",
      headers: { authorization: manager.authorization },
      payload: {
        code: "TEST-PATINETE",
        group: group?.code,
        name: { "pt-BR": "Recolhimento de patinete elétrico abandonado" },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    await settle();
    assert.equal((await top("patinete eletrico largado na calcada", 1))[0], "TEST-PATINETE");
  });
});

describe("classification rules", () => {
  const post = async (role: "manager" | "admin" | "agent", payload: Record<string, unknown>) => {
    const { authorization } = await staffHeaders(db, role);
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/classification-rules",
      headers: { authorization },
      payload,
    });
    await settle();
    return res;
  };

  it("lets managers and admins write rules, every staff read them, and records who changed one", async () => {
    const agent = await staffHeaders(db, "agent");
    const denied = await post("agent", { service: CORREDOR, phrases: ["corredor"] });
    assert.equal(denied.statusCode, 403);
    const manager = await staffHeaders(db, "manager");
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/classification-rules",
      headers: { authorization: manager.authorization },
      payload: { service: CORREDOR, phrases: ["Corredor de ônibus"], note: "SPObras asks for these" },
    });
    assert.equal(created.statusCode, 201, created.body);
    const rule = created.json() as { id: number; updatedBy: number; effect: string; channels: string[] };
    assert.equal(rule.updatedBy, manager.staffId);
    assert.equal(rule.effect, "boost");
    assert.deepEqual(rule.channels, []);
    const read = await app.inject({
      url: `/api/v1/classification-rules/${rule.id}`,
      headers: { authorization: agent.authorization },
    });
    assert.equal(read.statusCode, 200);
    const admin = await staffHeaders(db, "admin");
    const patched = await app.inject({
      method: "PATCH",
      url: `/api/v1/classification-rules/${rule.id}`,
      headers: { authorization: admin.authorization },
      payload: { weight: 2, active: false },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(
      [(patched.json() as { weight: number }).weight, (patched.json() as { updatedBy: number }).updatedBy],
      [2, admin.staffId],
    );
    const listed = await app.inject({
      url: `/api/v1/classification-rules?service=${CORREDOR}`,
      headers: { authorization: agent.authorization },
    });
    assert.ok((listed.json() as { id: number }[]).some((r) => r.id === rule.id));
    const gone = await app.inject({
      method: "DELETE",
      url: `/api/v1/classification-rules/${rule.id}`,
      headers: { authorization: manager.authorization },
    });
    assert.equal(gone.statusCode, 204);
    const missing = await app.inject({
      url: `/api/v1/classification-rules/${rule.id}`,
      headers: { authorization: agent.authorization },
    });
    assert.equal(missing.statusCode, 404);
    assert.equal((missing.json() as { code: string }).code, "unknown_classification_rule");
  });

  it("rejects a rule for an unknown service or area, or with no phrase", async () => {
    const unknownService = await post("manager", { service: "NOPE-1", phrases: ["x y"] });
    assert.equal(unknownService.statusCode, 422);
    assert.equal((unknownService.json() as { code: string }).code, "unknown_service");
    const unknownArea = await post("manager", { service: CORREDOR, phrases: ["corredor"], areas: ["ZZZ"] });
    assert.equal(unknownArea.statusCode, 422);
    assert.equal((unknownArea.json() as { code: string }).code, "unknown_area");
    const noPhrase = await post("manager", { service: CORREDOR, phrases: [] });
    assert.equal(noPhrase.statusCode, 400);
  });

  it("lets a rule for one channel override the text suggester on that channel only", async () => {
    const created = await post("manager", {
      service: CORREDOR,
      phrases: ["buraco"],
      channels: ["whatsapp"],
      effect: "override",
    });
    assert.equal(created.statusCode, 201, created.body);
    const ruleId = (created.json() as { id: number }).id;
    try {
      const onWhatsapp = await classifyDemand(db, { text: "buraco na rua aki", channel: "whatsapp" });
      assert.equal(onWhatsapp[0]?.code, CORREDOR);
      assert.deepEqual(
        onWhatsapp[0]?.reasons.find((r) => r.kind === "rule"),
        {
          kind: "rule",
          ruleId,
          matched: ["buraco"],
        },
      );
      const onPhone = await classifyDemand(db, { text: "buraco na rua aki", channel: "phone" });
      assert.equal(onPhone[0]?.code, TAPA_BURACO);
      assert.equal(onPhone[0]?.reasons[0]?.kind, "text");
      const viaHttp = await app.inject({ url: suggestUrl("buraco na rua", "&channel=whatsapp") });
      assert.equal((viaHttp.json() as { code: string }[])[0]?.code, CORREDOR);
    } finally {
      await app.inject({
        method: "DELETE",
        url: `/api/v1/classification-rules/${ruleId}`,
        headers: { authorization: (await staffHeaders(db, "admin")).authorization },
      });
      await settle();
    }
  });

  it("applies an area rule in its district and in its subprefeitura's districts only", async () => {
    const districts = await db.query<{ code: string; sub: string }>(
      `SELECT d.code, d.subprefeitura_code AS sub FROM districts d ORDER BY d.subprefeitura_code, d.code`,
    );
    const inside = districts[0];
    const outside = districts.find((d) => d.sub !== inside?.sub);
    // The seeded city has districts in more than one subprefeitura: without them this test would prove nothing.
    assert.ok(inside && outside, "districts in two subprefeituras are seeded");
    const created = await post("manager", {
      service: CORREDOR,
      phrases: ["buraco"],
      areas: [inside.sub],
      weight: 3,
    });
    assert.equal(created.statusCode, 201, created.body);
    const ruleId = (created.json() as { id: number }).id;
    try {
      const text = "buraco na rua";
      const here = await classifyDemand(db, { text, channel: "phone", districtCode: inside.code });
      assert.equal(here[0]?.code, CORREDOR);
      const bySub = await classifyDemand(db, { text, channel: "phone", subprefeituraCode: inside.sub });
      assert.equal(bySub[0]?.code, CORREDOR);
      const there = await classifyDemand(db, { text, channel: "phone", districtCode: outside.code });
      assert.equal(there[0]?.code, TAPA_BURACO);
      const nowhere = await classifyDemand(db, { text, channel: "phone" });
      assert.equal(nowhere[0]?.code, TAPA_BURACO);
    } finally {
      await app.inject({
        method: "DELETE",
        url: `/api/v1/classification-rules/${ruleId}`,
        headers: { authorization: (await staffHeaders(db, "admin")).authorization },
      });
      await settle();
    }
  });

  it("ignores inactive rules and rules whose text is not in the message", async () => {
    const created = await post("manager", {
      service: CORREDOR,
      phrases: ["faixa exclusiva"],
      effect: "override",
      active: false,
    });
    assert.equal(created.statusCode, 201);
    const ruleId = (created.json() as { id: number }).id;
    const first = async (text: string) => (await classifyDemand(db, { text, channel: "web" }))[0];
    assert.ok(!(await first("buraco na faixa exclusiva"))?.reasons.some((r) => r.kind === "rule"));
    const { authorization } = await staffHeaders(db, "manager");
    await app.inject({
      method: "PATCH",
      url: `/api/v1/classification-rules/${ruleId}`,
      headers: { authorization },
      payload: { active: true },
    });
    await settle();
    const hit = await first("buraco na FAIXA EXCLUSIVA da av. sapopemba");
    assert.equal(hit?.code, CORREDOR);
    assert.equal(hit?.reasons.find((r) => r.kind === "rule")?.ruleId, ruleId);
    assert.ok(!(await first("buraco na faixa da calcada"))?.reasons.some((r) => r.kind === "rule"));
  });
});
