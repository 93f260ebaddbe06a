/**
 * The department back-office in Chromium: an order dispatched to the department appears live, is accepted,
 * started and answered from a template with an evidence photo; the citizen sees the answer on a phone and rates
 * it; returning, rerouting and bulk accept from the screens; a focal point's alarm inbox; axe-core on every
 * back-office screen in each language, with screenshots.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { loadCalendar } from "../../server/calendar/queries.ts";
import { one } from "../../server/db/index.ts";
import { listAlarmRules, startDeadline } from "../../server/deadlines/commands.ts";
import { scanDeadlines } from "../../server/deadlines/scan.ts";
import { iconPng } from "../../server/http/icons.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const PT = { locale: "pt-BR" };
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
// Praça da Sé; demands are filed on a grid 400 m apart so none is a duplicate of another.
const SE = { lat: -23.5503, lon: -46.634 };

const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  )
).code;

async function drain(): Promise<void> {
  while ((await runOnce(ctx, JOBS)) > 0) {}
}

let serial = 0;
/** Files an identified demand through the API (not yet dispatched: the jobs do that). */
async function fileDemand(description: string) {
  serial++;
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      service,
      description,
      location: { lat: SE.lat - (serial % 6) * 0.004, lon: SE.lon - Math.floor(serial / 6) * 0.004 },
      identity: "identified",
      citizen: { name: "Maria da Silva", email: `maria.${serial}@example.org` },
    }),
  });
  const body = await res.text();
  assert.equal(res.status, 201, body);
  const { protocol, secret } = JSON.parse(body) as { protocol: string; secret: string };
  const row = await one<{ id: number; department: string }>(
    db,
    `SELECT d.id, dep.code AS department FROM demands d JOIN departments dep ON dep.id = d.department_id
      WHERE d.protocol = $1`,
    [protocol],
  );
  return { protocol, secret, ...row };
}

const orderOf = (protocol: string) =>
  one<{ id: number; state: string; answer: string | null; reason: string | null; department: string }>(
    db,
    `SELECT w.id, w.state, w.answer, w.reason, dep.code AS department FROM work_orders w
       JOIN demands d ON d.id = w.demand_id JOIN departments dep ON dep.id = w.department_id
      WHERE d.protocol = $1 ORDER BY w.id DESC LIMIT 1`,
    [protocol],
  );

/** Puts a demand's secret where the portal keeps the secrets of the demands this device filed. */
async function rememberSecret(page: Page, protocol: string, secret: string): Promise<void> {
  await page.evaluate(
    ([key, value]) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open("responsiva-portal");
        open.onupgradeneeded = () => open.result.createObjectStore("kv");
        open.onsuccess = () => {
          const tx = open.result.transaction("kv", "readwrite");
          tx.objectStore("kv").put(value, key);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
    [`secret:${protocol}`, secret] as const,
  );
}

const answered: { protocol: string; secret: string; answer: string } = {
  protocol: "",
  secret: "",
  answer: "",
};

describe("a department's work", () => {
  it("sees a new order arrive live, accepts, starts and answers it from a template with an evidence photo", async () => {
    const demand = await fileDemand("Buraco grande na calçada em frente à banca de jornal");
    const { context } = await staffContext(browser, baseUrl, ctx, "department_staff", demand.department, PT);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/departamento`);
    await page.locator("table.orders caption").waitFor();
    await page.getByText("Atualizando ao vivo").waitFor();
    assert.equal(await page.locator(`tr[data-protocol="${demand.protocol}"]`).count(), 0);
    await drain();
    const row = page.locator(`tr[data-protocol="${demand.protocol}"]`);
    await row.waitFor();
    assert.equal(await row.locator("[data-state]").innerText(), "Aguardando aceite");
    await shot(page, "backoffice-orders-live-pt-BR");

    await row.getByRole("link", { name: demand.protocol }).click();
    await page.waitForURL(/\/departamento\/ordens\/\d+/);
    await page.getByText("Buraco grande na calçada em frente à banca de jornal").waitFor();
    // The shortcuts are on the screen; A accepts.
    assert.match(await page.locator(".shortcuts").innerText(), /A\s+Aceitar/);
    const accepts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().endsWith("/accept")) accepts.push(r.url());
    });
    await page.locator("main h1").focus();
    // A fast double press sends one request: the answer is held until both presses are in.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/accept", async (route) => {
      await held;
      await route.continue();
    });
    await page.keyboard.press("a");
    await page.keyboard.press("a");
    release();
    await page.locator('dd[data-state="accepted"]').waitFor();
    await page.unroute("**/accept");
    assert.equal((await orderOf(demand.protocol)).state, "accepted");
    assert.equal(accepts.length, 1);
    // The pressed control is gone: focus goes to the actions heading, not to <body>.
    await page.waitForFunction(() => document.activeElement?.id === "actions-title");
    await page.getByRole("button", { name: "Iniciar execução" }).click();
    await page.locator('dd[data-state="in_progress"]').waitFor();
    assert.equal((await orderOf(demand.protocol)).state, "in_progress");

    // A generic closing is refused by the server, in its words.
    await page.locator("#answer").fill("Resolvido, obrigado.");
    await page.getByRole("button", { name: "Enviar resposta" }).click();
    await page
      .locator("#answer-error")
      .getByText("A resposta ao cidadão deve dizer o que foi feito")
      .waitFor();
    assert.equal((await orderOf(demand.protocol)).state, "in_progress");

    await page.locator("#template").selectOption({ label: "Serviço executado" });
    await page.getByRole("button", { name: "Usar o modelo" }).click();
    const template = await page.locator("#answer").inputValue();
    assert.match(template, /\{data\}/);
    // Left with its {placeholders}, the screen asks for them to be filled in before anything is sent.
    await page.getByRole("button", { name: "Enviar resposta" }).click();
    await page.locator("#answer-error").getByText("campos entre chaves").waitFor();
    const filled = template
      .replace("{data}", "12/03")
      .replace("{equipe}", "conservação")
      .replace("{o que foi feito}", "refez a calçada com concreto")
      .replace(/\{[^}]+\}/g, "O entulho foi retirado no mesmo dia");
    const answer = `${filled} Pedimos desculpas pela demora.`;
    await page.locator("#answer").fill(answer);
    await page.locator("#internal-note").fill("Equipe 3, 2 horas.");
    // More photos than one upload takes are refused on the screen, before anything is sent.
    const uploads: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/attachments")) uploads.push(r.url());
    });
    await page.locator("#evidence").setInputFiles(
      Array.from({ length: 6 }, (_, i) => ({
        name: `foto-${i}.png`,
        mimeType: "image/png",
        buffer: iconPng(64),
      })),
    );
    await page.locator("#evidence-error").getByText("no máximo 5 fotos").waitFor();
    await page.getByRole("button", { name: "Enviar resposta" }).click();
    await page.waitForFunction(() => document.activeElement?.id === "evidence");
    assert.equal(uploads.length, 0);
    assert.equal((await orderOf(demand.protocol)).state, "in_progress");
    await page
      .locator("#evidence")
      .setInputFiles({ name: "calcada-pronta.png", mimeType: "image/png", buffer: iconPng(64) });
    await page.getByRole("button", { name: "Enviar resposta" }).click();
    await page.getByText("Resposta registrada").waitFor();
    await page.locator('dd[data-state="answered"]').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "actions-title");
    assert.equal(uploads.length, 1);

    const order = await orderOf(demand.protocol);
    assert.equal(order.state, "answered");
    assert.equal(order.answer, answer);
    const evidence = await db.query<{ work_order_id: number; visibility: string; media_type: string }>(
      "SELECT work_order_id, visibility, media_type FROM attachments WHERE demand_id = $1",
      [demand.id],
    );
    assert.deepEqual(
      evidence.map((e) => ({ ...e })),
      [{ work_order_id: order.id, visibility: "public", media_type: "image/png" }],
    );
    Object.assign(answered, { protocol: demand.protocol, secret: demand.secret, answer });
    await context.close();
  });

  it("lets the citizen read the answer with its photo on a phone and rate it once it is closed", async () => {
    assert.ok(answered.protocol, "runs after the department answered");
    await drain();
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/demanda`);
    await page.locator("#protocolo").waitFor();
    await rememberSecret(page, answered.protocol, answered.secret);
    await page.goto(`${baseUrl}/demanda/${answered.protocol}`);
    await page.locator(".answer").getByText(answered.answer).waitFor();
    await page.locator('[data-status="closed"]').waitFor();
    // The evidence reaches the citizen: one photo under the department's heading, drawn from the attachment route.
    const evidencePhotos = page.locator('section[aria-labelledby="photos-evidence"] img');
    await evidencePhotos.first().waitFor();
    assert.equal(await evidencePhotos.count(), 1, "the evidence reaches the citizen");
    await page.getByLabel("5 — Muito satisfeito").check();
    await page.getByLabel("Sim").check();
    await page.getByRole("button", { name: "Enviar avaliação" }).click();
    await page.getByText("Obrigado pela avaliação.").waitFor();
    await shot(page, "backoffice-citizen-rated-pt-BR");
    const survey = await one<{ rating: number; solved: boolean }>(
      db,
      `SELECT s.rating, s.solved FROM satisfaction_surveys s JOIN demands d ON d.id = s.demand_id
        WHERE d.protocol = $1`,
      [answered.protocol],
    );
    assert.deepEqual({ ...survey }, { rating: 5, solved: true });
    await context.close();
  });

  it("accepts several orders at once, reporting each, and returns and reroutes from the order screen", async () => {
    const demands = [];
    for (const text of ["Poste apagado", "Calçada afundada", "Bueiro entupido", "Árvore caída"]) {
      demands.push(await fileDemand(`${text} na rua de trás da praça`));
    }
    await drain();
    const department = demands[0]!.department;
    assert.ok(demands.every((d) => d.department === department));
    const { context } = await staffContext(browser, baseUrl, ctx, "department_staff", department, PT);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/departamento`);
    const firstRow = page.locator(`tr[data-protocol="${demands[0]!.protocol}"]`);
    await firstRow.waitFor();
    await page.getByText("Atualizando ao vivo").waitFor();
    // A colleague accepts one through the API: the list shows it at once, and the bulk accept reports it refused.
    const colleague = await staffHeaders(db, "department_staff", department);
    const first = await orderOf(demands[0]!.protocol);
    const accepted = await fetch(`${baseUrl}/api/v1/work-orders/${first.id}/accept`, {
      method: "POST",
      headers: { authorization: colleague.authorization },
    });
    assert.equal(accepted.status, 200);
    await firstRow.locator('[data-state="accepted"]').waitFor();
    const accepts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().endsWith("/accept")) accepts.push(r.url());
    });
    for (const d of demands.slice(0, 3)) {
      await page.locator(`tr[data-protocol="${d.protocol}"] input[type=checkbox]`).check();
    }
    // Checked orders a filter hides are not acted on, nor is the row looked at in their place.
    await page.locator("#filter-text").fill(demands[3]!.protocol);
    const acceptNone = page.getByRole("button", { name: "Aceitar selecionadas (0)" });
    await acceptNone.waitFor();
    assert.ok(await acceptNone.isDisabled());
    assert.equal(await page.locator("tr[data-protocol]").count(), 1);
    await page.locator("main h1").focus();
    await page.keyboard.press("a");
    await page.locator("#filter-text").fill("");
    await page.getByRole("button", { name: "Aceitar selecionadas (3)" }).click();
    const results = page.locator(".bulk-results li");
    await page.locator(".bulk-results h2").waitFor();
    assert.equal(await results.count(), 3);
    const refused = page.locator(`.bulk-results li[data-result="refused"]`);
    assert.equal(await refused.count(), 1);
    assert.match(await refused.innerText(), new RegExp(`${demands[0]!.protocol}.*recusado — .+`));
    assert.equal(await page.locator(`.bulk-results li[data-result="ok"]`).count(), 2);
    await shot(page, "backoffice-bulk-pt-BR");
    for (const d of demands.slice(0, 3)) assert.equal((await orderOf(d.protocol)).state, "accepted");
    assert.equal((await orderOf(demands[3]!.protocol)).state, "dispatched");
    assert.equal(accepts.length, 3, "only the three checked orders");

    // The language switch keeps the address's other parameters.
    await page.goto(`${baseUrl}/departamento?lang=en&state=accepted`);
    await page.locator("table.orders caption").waitFor();
    assert.equal(
      await page.locator('nav.lang a[hreflang="pt-BR"]').getAttribute("href"),
      "/departamento?state=accepted&lang=pt-BR",
    );

    // Return with a reason.
    const toReturn = await orderOf(demands[3]!.protocol);
    await page.goto(`${baseUrl}/departamento/ordens/${toReturn.id}`);
    await page.getByText("Devolver à triagem").click();
    await page.locator("#return-text").fill("Árvore em área particular: não é serviço deste órgão.");
    await page.getByRole("button", { name: "Devolver", exact: true }).click();
    await page.getByText("Ordem devolvida à triagem.").waitFor();
    const returned = await orderOf(demands[3]!.protocol);
    assert.deepEqual(
      { state: returned.state, reason: returned.reason },
      { state: "returned", reason: "Árvore em área particular: não é serviço deste órgão." },
    );
    const status = await one<{ status: string }>(db, "SELECT status FROM demands WHERE protocol = $1", [
      demands[3]!.protocol,
    ]);
    assert.equal(status.status, "returned");

    // Reroute to another department.
    const target = await one<{ code: string }>(
      db,
      "SELECT code FROM departments WHERE active AND code <> $1 ORDER BY code LIMIT 1",
      [department],
    );
    const toReroute = await orderOf(demands[1]!.protocol);
    await page.goto(`${baseUrl}/departamento/ordens/${toReroute.id}`);
    await page.getByText("Redirecionar a outro órgão").click();
    await page.locator("#reroute-department").selectOption(target.code);
    await page.locator("#reroute-reason").fill("Iluminação pública é da outra secretaria.");
    await page.getByRole("button", { name: "Redirecionar", exact: true }).click();
    await page.getByText("Ordem redirecionada ao outro órgão.").waitFor();
    const old = await one<{ state: string; reason: string }>(
      db,
      "SELECT state, reason FROM work_orders WHERE id = $1",
      [toReroute.id],
    );
    assert.deepEqual({ ...old }, { state: "rerouted", reason: "Iluminação pública é da outra secretaria." });
    const next = await orderOf(demands[1]!.protocol);
    assert.deepEqual(
      { state: next.state, department: next.department },
      { state: "dispatched", department: target.code },
    );
    await context.close();
  });
});

describe("a focal point's alarm inbox", () => {
  it("shows an alarm as it is raised and acknowledges it", async () => {
    const demand = await fileDemand("Semáforo piscando no cruzamento");
    await drain();
    const { context, staffId } = await staffContext(
      browser,
      baseUrl,
      ctx,
      "focal_point",
      demand.department,
      PT,
    );
    const page = await context.newPage();
    await page.goto(`${baseUrl}/departamento/alarmes`);
    await page.locator("table.alarms caption").waitFor();
    await page.getByText("Atualizando ao vivo").waitFor();
    // A 10-business-hour clock from Friday 5 Feb 2027 16:00 reaches half at Wednesday 10 Feb 11:00 (Carnival off).
    const at = (local: string) => new Date(`${local}-03:00`);
    const cal = await loadCalendar(db);
    const rules = await listAlarmRules(db);
    const clockId = await db.transaction(async (tx) => {
      await startDeadline(tx, cal, rules, {
        demandId: demand.id,
        stage: "execution",
        spec: { amount: 10, unit: "business_hours" },
        departmentId: (
          await one<{ id: number }>(tx, "SELECT id FROM departments WHERE code = $1", [demand.department])
        ).id,
        startedAt: at("2027-02-05T16:00:00"),
      });
      return (await one<{ id: number }>(tx, "SELECT max(id)::int AS id FROM deadlines")).id;
    });
    await scanDeadlines(db, { now: at("2027-02-10T11:00:00") });
    const alarm = await one<{ id: number }>(db, "SELECT id FROM alarms WHERE dedupe_key = $1", [
      `deadline:${clockId}:0.5:0`,
    ]);
    const row = page.locator(`tr[data-alarm="${alarm.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Prazo perto do fim · prazo de execução · 50% do prazo/);
    await shot(page, "backoffice-alarm-live-pt-BR");
    await row.getByRole("button", { name: /Marcar como visto/ }).click();
    await page.getByText(`Alarme do protocolo ${demand.protocol} marcado como visto.`).waitFor();
    const acknowledged = await one<{ by: number | null; at: Date | null }>(
      db,
      "SELECT acknowledged_by AS by, acknowledged_at AS at FROM alarms WHERE id = $1",
      [alarm.id],
    );
    assert.equal(Number(acknowledged.by), staffId);
    assert.ok(acknowledged.at);
    await row.waitFor({ state: "detached" });
    await context.close();
  });
});

describe("every back-office screen in each language", () => {
  it("has no serious or critical axe-core violation", async () => {
    const demand = await fileDemand("Lixo acumulado na esquina há uma semana");
    await drain();
    const order = await orderOf(demand.protocol);
    const colleague = await staffHeaders(db, "department_staff", demand.department);
    await fetch(`${baseUrl}/api/v1/work-orders/${order.id}/accept`, {
      method: "POST",
      headers: { authorization: colleague.authorization },
    });
    const screens: [string, string, string][] = [
      ["orders", "/departamento", "table.orders caption"],
      ["map", "/departamento/mapa", ".department-map path.district:visible"],
      ["order", `/departamento/ordens/${order.id}`, "#answer"],
      ["alarms", "/departamento/alarmes", "table.alarms caption"],
    ];
    const problems: string[] = [];
    for (const lang of ["pt-BR", "en", "es"]) {
      const { context } = await staffContext(browser, baseUrl, ctx, "focal_point", demand.department, {
        locale: lang,
      });
      const page = await context.newPage();
      for (const [name, path, ready] of screens) {
        await page.goto(`${baseUrl}${path}?lang=${lang}`);
        await page.locator(ready).first().waitFor();
        await page.locator(".live-live").waitFor();
        assert.equal(await page.getAttribute("html", "lang"), lang);
        for (const v of await seriousViolations(page)) problems.push(`${lang} ${name}: ${v}`);
        await shot(page, `backoffice-${name}-${lang}`);
      }
      await context.close();
    }
    assert.deepEqual(problems, []);
  });
});
