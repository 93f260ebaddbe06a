/**
 * The administration's catalogue, deadline, matrix, classification and department screens in Chromium, signed in
 * as an admin: a deadline and a matrix rule changed on the screens decide where a new demand goes and when it is
 * due; a classification rule changes the suggester's answer; a department and a service's extra field reach the
 * database; axe-core on every screen in each language.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { addDeadline } from "../../domain/business-time.ts";
import { loadCalendar } from "../../server/calendar/queries.ts";
import { maybeOne, one } from "../../server/db/index.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const { context } = await staffContext(browser, baseUrl, ctx, "admin");
const admin = await staffHeaders(db, "admin");

// Two plain services that go straight to their department: one routed in the test, one given an extra field.
const [routed, edited] = (
  await db.query<{ code: string }>(
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
        AND demand_type = 'request' ORDER BY code LIMIT 2`,
  )
).map((r) => r.code) as [string, string];
// Praça da Sé, in the district of SÉ.
const SE_POINT = { lat: -23.5503, lon: -46.634 };
const se = (await one<{ code: string }>(db, "SELECT code FROM districts WHERE name = 'SE'")).code;

async function drain(): Promise<void> {
  while ((await runOnce(ctx, JOBS)) > 0) {}
}

async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { "content-type": "application/json", authorization: admin.authorization, ...init.headers },
  });
  assert.ok(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

/** Opens an admin section and waits for its heading. */
async function open(page: Page, path: string, lang = "pt-BR"): Promise<void> {
  await page.goto(`${baseUrl}/admin/${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
  await page.locator("main h1").waitFor();
}

describe("an admin's changes take effect", () => {
  it("routes a new demand by the matrix rule added on screen and times it by the deadline edited on screen", async () => {
    const page = await context.newPage();
    // The department the matrix names today for the service at the Sé; the rule will name another.
    const before = await apiJson<{ department: { code: string } }>(
      `/api/v1/matrix/resolve?service=${routed}&district=${se}`,
    );
    const target = (
      await one<{ code: string }>(
        db,
        "SELECT code FROM departments WHERE active AND code <> $1 AND code NOT LIKE '%/%' ORDER BY code LIMIT 1",
        [before.department.code],
      )
    ).code;

    // The deadline: 7 business hours instead of the service's own.
    await open(page, "prazos");
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "deadline-q");
    await page.keyboard.type(routed);
    await page.keyboard.press("Enter");
    const amount = page.locator(`[id="dl-${routed}-amount"]`);
    await amount.waitFor();
    await amount.fill("7");
    await page.locator(`[id="dl-${routed}-unit"]`).selectOption("business_hours");
    // The acceptance stage's own deadline: 2 business hours for the department to take the order on.
    await page.locator(`[id="dl-${routed}-acc-amount"]`).fill("2");
    await page.locator(`[id="dl-${routed}-acc-unit"]`).selectOption("business_hours");
    const row = page.locator("tr", { has: amount });
    await row.getByRole("button", { name: /Salvar/ }).click();
    await row.getByRole("status").filter({ hasText: "Alterações salvas." }).waitFor();
    const stored = await one<{ deadline_amount: number; deadline_unit: string }>(
      db,
      "SELECT deadline_amount, deadline_unit, acceptance_amount, acceptance_unit FROM services WHERE code = $1",
      [routed],
    );
    assert.deepEqual(
      { ...stored },
      {
        deadline_amount: 7,
        deadline_unit: "business_hours",
        acceptance_amount: 2,
        acceptance_unit: "business_hours",
      },
    );

    // The matrix: the service in the Sé district goes to the target department.
    await open(page, "matriz");
    await page.locator("#rule-service").fill(routed);
    await page.locator("#rule-area-kind").selectOption("district");
    await page.locator("#rule-area").selectOption(se);
    await page.locator("#rule-department").selectOption(target);
    await page.getByRole("button", { name: "Salvar regra" }).click();
    await page.getByText(/Regra \d+ salva\./).waitFor();
    const rule = await maybeOne<{ code: string }>(
      db,
      `SELECT d.code FROM responsibility_rules r JOIN departments d ON d.id = r.department_id
         JOIN services s ON s.id = r.service_id
        WHERE s.code = $1 AND r.area_kind = 'district' AND r.area_code = $2`,
      [routed, se],
    );
    assert.equal(rule?.code, target);

    // "Who answers?" says so before any demand is filed.
    await page.locator("#who-service").fill(routed);
    await page.locator("#who-district").selectOption(se);
    await page.getByRole("button", { name: "Consultar" }).click();
    await page.locator('[data-testid="who-answer"]').getByText(`(${target})`).waitFor();

    // The last city-wide fallback cannot be deleted: the server's refusal is shown, the rule stays.
    const fallback = await one<{ id: number; code: string }>(
      db,
      `SELECT r.id, d.code FROM responsibility_rules r JOIN departments d ON d.id = r.department_id
        WHERE r.service_id IS NULL AND r.area_kind = 'city'`,
    );
    await page.locator("#matrix-department").selectOption(fallback.code);
    await page.getByRole("button", { name: "Filtrar" }).click();
    const fallbackRow = page
      .locator("tbody tr", { hasText: "Qualquer serviço" })
      .filter({ hasText: "Cidade toda" });
    // A delete asks first: the first press sends nothing, "confirm" (which has the focus) does.
    await fallbackRow.getByRole("button", { name: /Excluir/ }).click();
    await fallbackRow.locator(".confirm button:focus").waitFor();
    await page.keyboard.press("Enter");
    await page.getByRole("alert").waitFor();
    assert.ok(await maybeOne(db, "SELECT 1 FROM responsibility_rules WHERE id = $1", [fallback.id]));

    // A demand of the service at the Sé, filed through the API, is routed (by the job, or by triage if it waits).
    const res = await fetch(`${baseUrl}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: routed,
        description: "Calçada quebrada em frente à catedral, risco de queda para pedestres.",
        location: SE_POINT,
        citizen: { name: "Ana Souza", email: "ana.souza@example.org" },
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { protocol } = (await res.json()) as { protocol: string };
    await drain();
    const demand = await one<{ id: number; status: string; opened_at: Date; due_at: Date | null }>(
      db,
      "SELECT id, status, opened_at, due_at FROM demands WHERE protocol = $1",
      [protocol],
    );
    if (demand.status !== "dispatched") {
      await apiJson(`/api/v1/demands/${protocol}/dispatch`, { method: "POST", body: "{}" });
    }
    const order = await one<{ id: number; code: string; due_at: Date }>(
      db,
      `SELECT w.id, d.code, w.due_at FROM work_orders w JOIN departments d ON d.id = w.department_id
        WHERE w.demand_id = $1 AND w.state = 'dispatched'`,
      [demand.id],
    );
    assert.equal(order.code, target);
    const clock = await one<{ started_at: Date; amount: number; unit: string }>(
      db,
      "SELECT started_at, amount, unit FROM deadlines WHERE work_order_id = $1 AND stage = 'execution'",
      [order.id],
    );
    assert.deepEqual({ amount: clock.amount, unit: clock.unit }, { amount: 7, unit: "business_hours" });
    const acceptance = await one<{ amount: number; unit: string }>(
      db,
      "SELECT amount, unit FROM deadlines WHERE work_order_id = $1 AND stage = 'acceptance'",
      [order.id],
    );
    assert.deepEqual({ ...acceptance }, { amount: 2, unit: "business_hours" });
    const cal = await loadCalendar(db);
    const spec = { amount: 7, unit: "business_hours" } as const;
    assert.equal(order.due_at.toISOString(), addDeadline(clock.started_at, spec, cal).toISOString());
    const after = await one<{ due_at: Date }>(db, "SELECT due_at FROM demands WHERE id = $1", [demand.id]);
    assert.equal(after.due_at.toISOString(), addDeadline(demand.opened_at, spec, cal).toISOString());
    await page.close();
  });

  it("adds and retires an alarm rule, and shows the ombudsman's legal deadline read-only", async () => {
    const page = await context.newPage();
    await open(page, "prazos");
    await page.getByText(/30 dias corridos, prorrogáveis 1 vez por mais 30 dias/).waitFor();
    await page.keyboard.press("Alt+R");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "rule-fraction");
    await page.locator("#rule-fraction").fill("90");
    await page.locator("#rule-stage").selectOption("execution");
    await page.locator("#rule-kind").selectOption("escalation");
    await page.locator("#rule-level").selectOption("1");
    await page.getByRole("button", { name: "Adicionar regra de alarme" }).click();
    await page.getByText("Regra de alarme adicionada.").waitFor();
    const rule = await one<{ id: number; active: boolean }>(
      db,
      `SELECT id, active FROM alarm_rules
        WHERE stage = 'execution' AND fraction = 0.9 AND kind = 'escalation' AND level = 1 AND department_id IS NULL`,
    );
    assert.equal(rule.active, true);
    // The same rule again is refused by the server, in its words.
    await page.getByRole("button", { name: "Adicionar regra de alarme" }).click();
    await page
      .locator("form", { has: page.locator("#rule-fraction") })
      .getByRole("alert")
      .waitFor();
    const ruleRow = page.locator("tbody tr", { hasText: "90%" });
    await ruleRow.getByRole("button", { name: /Desativar/ }).click();
    // Nothing is retired before the question is answered.
    await ruleRow.getByText(/Desativar a regra de 90%/).waitFor();
    assert.equal(
      (await one<{ active: boolean }>(db, "SELECT active FROM alarm_rules WHERE id = $1", [rule.id])).active,
      true,
    );
    await ruleRow.getByRole("button", { name: /Desativar/ }).click();
    await page.getByText("Regra de alarme desativada.").waitFor();
    // The row (and the button pressed) is gone: the keyboard is on the section's heading.
    await page.waitForFunction(() => document.activeElement?.id === "alarm-rules-title");
    const retired = await one<{ active: boolean }>(db, "SELECT active FROM alarm_rules WHERE id = $1", [
      rule.id,
    ]);
    assert.equal(retired.active, false);
    await page.close();
  });

  it("changes the suggester's answer with a classification rule added on screen", async () => {
    const text = "o zumbificador da praça parou de funcionar de novo";
    const suggest = () =>
      apiJson<{ code: string }[]>(`/api/v1/services/suggest?q=${encodeURIComponent(text)}&limit=5`);
    const beforeCodes = (await suggest()).map((s) => s.code);
    const proposed = (
      await one<{ code: string }>(
        db,
        "SELECT code FROM services WHERE active AND NOT (code = ANY($1::text[])) ORDER BY code DESC LIMIT 1",
        [beforeCodes],
      )
    ).code;
    const page = await context.newPage();
    await open(page, "classificacao");
    let posts = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().endsWith("/api/v1/classification-rules")) posts++;
    });
    await page.locator("#cr-service").fill(proposed);
    await page.locator("#cr-phrases").fill("zumbificador");
    await page.locator("#cr-effect").selectOption("override");
    await page.locator("#cr-weight").fill("5");
    // A double click adds the rule once.
    await page.getByRole("button", { name: "Adicionar regra" }).dblclick();
    await page
      .getByText(/Regra \d+ salva\./)
      .first()
      .waitFor();
    const stored = await one<{ phrases: string[]; effect: string }>(
      db,
      `SELECT r.phrases, r.effect FROM classification_rules r JOIN services s ON s.id = r.service_id
        WHERE s.code = $1`,
      [proposed],
    );
    assert.deepEqual(stored, { phrases: ["zumbificador"], effect: "override" });
    assert.equal(posts, 1, "one POST for a double click");
    assert.equal((await suggest())[0]?.code, proposed);
    // The try-a-text box shows the same ranking.
    await page.locator("#try-text").fill(text);
    await page.getByRole("button", { name: "Ver sugestões" }).click();
    await page.locator('[data-testid="ranking"] li').first().getByText(proposed).waitFor();
    await page.close();
  });

  it("adds and edits a department with a team, and adds an extra field to a service", async () => {
    const page = await context.newPage();
    await open(page, "departamentos");
    await page.locator("#dep-code").fill("HA-ZELADORIA");
    await page.locator("#dep-name").fill("Zeladoria de Teste");
    await page.locator("#dep-kind").selectOption("company");
    await page.locator("#dep-email").fill("zeladoria@example.org");
    await page.getByRole("button", { name: "Adicionar órgão" }).click();
    await page.getByRole("heading", { name: "Órgão HA-ZELADORIA" }).waitFor();
    await page.locator("#dep-name").fill("Zeladoria Urbana de Teste");
    await page.getByRole("button", { name: "Salvar", exact: true }).click();
    await page.getByRole("cell", { name: "Zeladoria Urbana de Teste", exact: true }).waitFor();
    await page.locator("#team-name").fill("Equipe Centro");
    await page.getByRole("button", { name: "Adicionar equipe" }).click();
    await page.getByText("Equipe Centro adicionada.").waitFor();
    const department = await one<{ id: number; name: string; kind: string; email: string }>(
      db,
      "SELECT id, name, kind, email FROM departments WHERE code = 'HA-ZELADORIA'",
    );
    assert.deepEqual(
      { name: department.name, kind: department.kind, email: department.email },
      { name: "Zeladoria Urbana de Teste", kind: "company", email: "zeladoria@example.org" },
    );
    assert.ok(
      await maybeOne(db, "SELECT 1 FROM teams WHERE department_id = $1 AND name = 'Equipe Centro'", [
        department.id,
      ]),
    );

    // A service found by the search, given an extra field; a bad code first shows the server's problem beside it.
    await open(page, "servicos");
    await page.locator("#service-q").fill(edited);
    await page.getByRole("button", { name: "Buscar" }).click();
    await page.getByRole("link", { name: edited, exact: true }).click();
    await page.locator("#svc-name-pt-BR").waitFor();
    await page.getByRole("button", { name: "Adicionar campo" }).click();
    await page.locator("#attr-0-code").fill("Código Ruim");
    await page.locator("#attr-0-q-pt-BR").fill("Qual o tamanho do problema?");
    await page.getByRole("button", { name: "Salvar", exact: true }).click();
    await page.locator("#attr-0-code-error").waitFor();
    // The keyboard lands on the field the server named.
    await page.waitForFunction(() => document.activeElement?.id === "attr-0-code");
    assert.equal(await page.locator("#attr-0-code").getAttribute("aria-invalid"), "true");
    await page.locator("#attr-0-code").fill("tamanho");
    await page.locator("#attr-0-type").selectOption("singlevaluelist");
    await page.locator("#attr-0-values").fill("p | Pequeno | Small\ng | Grande | Large | Grande");
    await page.locator("#attr-0-values").blur();
    await page.locator("#attr-0-required").check();
    await page.getByRole("button", { name: "Salvar", exact: true }).click();
    await page.getByText("Alterações salvas.").waitFor();
    const service = await one<{ attributes: { code: string; required: boolean; values: unknown[] }[] }>(
      db,
      "SELECT attributes FROM services WHERE code = $1",
      [edited],
    );
    assert.equal(service.attributes.length, 1);
    assert.equal(service.attributes[0]!.code, "tamanho");
    assert.equal(service.attributes[0]!.required, true);
    assert.deepEqual(service.attributes[0]!.values, [
      { key: "p", name: { "pt-BR": "Pequeno", en: "Small" } },
      { key: "g", name: { "pt-BR": "Grande", en: "Large", es: "Grande" } },
    ]);

    // The service's conversation flow: one question, the new field, worded for the chat in three languages.
    await page.reload();
    const flow = page.locator("section", { has: page.getByRole("heading", { name: "Fluxo da conversa" }) });
    await flow.getByText("fluxo padrão").waitFor();
    while ((await flow.getByRole("button", { name: "Tirar pergunta" }).count()) > 0)
      await flow.getByRole("button", { name: "Tirar pergunta" }).first().click();
    await flow.getByRole("button", { name: "Acrescentar pergunta" }).click();
    await page.locator("#flow-0-code").selectOption("tamanho");
    await page.locator("#flow-0-prompt-pt-BR").fill("O buraco é pequeno ou grande?");
    await page.locator("#flow-0-prompt-en").fill("Is the hole small or large?");
    await page.locator("#flow-0-prompt-es").fill("¿El bache es pequeño o grande?");
    await page.locator("#flow-retries").selectOption("1");
    await flow.getByRole("button", { name: "Salvar fluxo" }).click();
    await flow.getByText("fluxo escrito para este serviço").waitFor();
    const written = await one<{
      definition: { questions: { code: string; prompt: { en: string } }[]; retries: number };
    }>(
      db,
      "SELECT f.definition FROM conversation_flows f JOIN services s ON s.id = f.service_id WHERE s.code = $1",
      [edited],
    );
    assert.equal(written.definition.questions[0]!.code, "tamanho");
    assert.equal(written.definition.questions[0]!.prompt.en, "Is the hole small or large?");
    assert.equal(written.definition.retries, 1);

    // A new service, added from the list with the keyboard shortcut.
    await open(page, "servicos");
    // The shell's first paint has an h1 too: wait for the list screen itself before using its shortcut.
    await page.locator("#service-q").waitFor();
    await page.keyboard.press("Alt+N");
    await page.locator("#svc-code").fill("HA-NOVO-1");
    await page.locator("#svc-name-pt-BR").fill("Serviço novo de teste");
    await page.locator("#svc-name-en").fill("New test service");
    const group = (await one<{ code: string }>(db, "SELECT code FROM service_groups ORDER BY id LIMIT 1"))
      .code;
    await page.locator("#svc-group").selectOption(group);
    await page.locator("#svc-deadline-amount").fill("5");
    await page.getByRole("button", { name: "Criar serviço" }).click();
    await page.getByRole("heading", { name: "Serviço: Serviço novo de teste" }).waitFor();
    const created = await one<{ name: Record<string, string>; deadline_amount: number }>(
      db,
      "SELECT name, deadline_amount FROM services WHERE code = 'HA-NOVO-1'",
    );
    assert.deepEqual(created, {
      name: { "pt-BR": "Serviço novo de teste", en: "New test service" },
      deadline_amount: 5,
    });
    await page.close();
  });
});

describe("the screens in each language", () => {
  const screens: [string, string, string][] = [
    ["services", "servicos", "table"],
    ["services-edit", `servicos/${edited}`, "#svc-name-pt-BR"],
    ["deadlines", "prazos", "table"],
    ["matrix", "matriz", "table"],
    ["classification", "classificacao", "#cr-service"],
    ["departments", "departamentos", "table"],
  ];
  for (const lang of ["pt-BR", "en", "es"]) {
    it(`has no serious axe violations in ${lang}`, async () => {
      const page = await context.newPage();
      for (const [name, path, ready] of screens) {
        await open(page, path, lang);
        assert.equal(await page.getAttribute("html", "lang"), lang);
        await page.locator(ready).first().waitFor();
        await page
          .locator("main")
          .getByText(/Carregando|Loading|Cargando/)
          .waitFor({ state: "detached" });
        await shot(page, `admin-${name}-${lang}`);
        assert.deepEqual(await seriousViolations(page), [], `${name} in ${lang}`);
      }
      await page.close();
    });
  }
});
