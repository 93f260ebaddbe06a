/**
 * The console's rough edges, in Chromium on a desktop in pt-BR, en and es: at the counter a service found with
 * "Buscar no catálogo" is selected by a click, and the printed receipt says the deadline and what happens next; the
 * undelivered list says why in the reader's language ("Nenhum canal alcança o cidadão") with correct plurals
 * ("1 tentativa", "2 tentativas"); a department's non-answer is refused with a message that quotes it. axe-core on
 * every screen; screenshots in .cache/screenshots/console-edges-<screen>-<lang>.png.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { startFakeSmtp } from "../../channels/email/fake.ts";
import { one } from "../../server/db/index.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { closeChannelsOf } from "../../server/notifications/jobs.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const smtp = await startFakeSmtp();
const { baseUrl, browser, ctx } = await startBrowserTest({ smtpUrl: smtp.url });
after(() => closeChannelsOf(ctx.config));
after(() => smtp.close());
const db = ctx.db;
const LANGS = ["pt-BR", "en", "es"] as const;

const pothole = (
  await one<{ code: string }>(db, "SELECT code FROM services WHERE name->>'pt-BR' = 'Tapa-buraco'")
).code;

async function drain(): Promise<void> {
  while ((await runOnce(ctx, JOBS)) > 0) {}
}

async function assertAccessible(page: Page, name: string): Promise<void> {
  await shot(page, name);
  assert.deepEqual(await seriousViolations(page), [], name);
}

let spot = 0;
/** Files a demand through the public API, each at its own place (nobody's duplicate); returns its protocol. */
async function fileDemand(citizen: Record<string, string>): Promise<string> {
  spot++;
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      service: pothole,
      description: `Buraco fundo na pista, perto do número ${spot * 10}`,
      location: { lat: -23.62 + spot * 0.003, lon: -46.7 },
      identity: "identified",
      citizen,
    }),
  });
  const json = (await res.json()) as { protocol: string };
  assert.equal(res.status, 201, JSON.stringify(json));
  return json.protocol;
}

const TEXTS = {
  "pt-BR": {
    register: /^Registrar/,
    receiptNext: "O que acontece agora",
    dueBy: /dias? (úteis|útil|corridos?)|horas?/,
    unreachable: "Nenhum canal alcança o cidadão",
    one: "1 tentativa",
    two: "2 tentativas",
    caption: /^\d+ mensage(m|ns) não entregues?/,
  },
  en: {
    register: /^Register/,
    receiptNext: "What happens next",
    dueBy: /business days?|calendar days?|days?|hours?/,
    unreachable: "No channel can reach the citizen",
    one: "1 attempt",
    two: "2 attempts",
    caption: /^\d+ undelivered messages?/,
  },
  es: {
    register: /^Registrar/,
    receiptNext: "Qué pasa ahora",
    dueBy: /días?|horas?/,
    unreachable: "Ningún canal llega al ciudadano",
    one: "1 intento",
    two: "2 intentos",
    caption: /^\d+ mensajes? no entregados?/,
  },
} as const;

describe("the counter", () => {
  for (const lang of LANGS) {
    it(`selects a service found in the catalogue with a click, and prints the deadline on the receipt (${lang})`, async () => {
      const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: lang });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/balcao?lang=${lang}`);
      await page.locator("main h1").first().waitFor();
      // Words that suggest something else: the service is found only by searching the catalogue.
      await page.locator("#intake-description").fill("Problema na frente da escola desde segunda-feira");
      await page.locator("#intake-address").fill("Rua Augusta 1200");
      await page.locator("#intake-service-search").fill("tapa-buraco");
      // The catalogue's results (the suggestions' list, shown first, has no label of its own).
      const results = page.locator("ul.options[aria-label]");
      const first = results.getByRole("button").first();
      await first.waitFor();
      // Enter in the search box picks the first service found, and does not send the form.
      await page.locator("#intake-service-search").press("Enter");
      // The choice shows on the next render: waited for, not read at once (it raced on a busy machine).
      await first.and(page.locator('[aria-pressed="true"]')).waitFor();
      assert.equal(await first.getAttribute("aria-pressed"), "true");
      assert.equal(await page.getByTestId("protocol").count(), 0, "nothing registered");
      const found = results.getByRole("button").filter({ hasText: pothole });
      await found.click();
      await page.getByTestId("intake-service-chosen").filter({ hasText: pothole }).waitFor();
      assert.equal(await found.getAttribute("aria-pressed"), "true");
      await page.locator("#intake-name").fill("Joana Balcão");
      await page.locator("#intake-email").fill(`joana.${lang}@example.org`);
      await page.getByTestId("place").filter({ hasText: "AUGUSTA" }).waitFor();
      await assertAccessible(page, `console-edges-counter-${lang}`);
      await page.getByRole("button", { name: TEXTS[lang].register }).click();
      const protocol = (await page.getByTestId("protocol").innerText()).trim();
      const chosen = await one<{ code: string }>(
        db,
        "SELECT s.code FROM demands d JOIN services s ON s.id = d.service_id WHERE d.protocol = $1",
        [protocol],
      );
      assert.equal(chosen.code, pothole, "the demand has the service clicked in the catalogue");

      const [receipt] = await Promise.all([
        context.waitForEvent("page"),
        page.getByTestId("receipt").click(),
      ]);
      await receipt.waitForLoadState();
      const deadline = await receipt.getByTestId("receipt-deadline").innerText();
      assert.match(deadline, TEXTS[lang].dueBy, deadline);
      assert.doesNotMatch(deadline, /[a-z]+\.[a-z_]+\.|_/, "no raw text key");
      assert.match(deadline, /20\d\d/, "the due date is there");
      await receipt.getByText(TEXTS[lang].receiptNext).waitFor();
      assert.match(await receipt.getByTestId("receipt-next").innerText(), /20\d\d/);
      await assertAccessible(receipt, `console-edges-receipt-${lang}`);
      await context.close();
    });
  }
});

describe("the undelivered list", () => {
  it("says why in the reader's language, with plurals that agree", async () => {
    // A citizen with only a phone: no SMS or WhatsApp here, so no channel reaches them (one attempt).
    const unreachable = await fileDemand({ name: "Sem Canal", phone: "+55 11 98765-4321" });
    // A mailbox refused for a while (451), then for good (550): two attempts.
    const address = `caixa-cheia-${Date.now()}@example.org`;
    smtp.refuseRecipient(address, 451);
    const refused = await fileDemand({ name: "Caixa Cheia", email: address });
    await drain();
    smtp.refuseRecipient(address, 550);
    // The retry is due in 30 s: time is moved on for it.
    await db.query(
      "UPDATE outbox SET run_at = now() WHERE job = 'send-message' AND state = 'pending' AND (payload->>'demandId')::bigint = (SELECT id FROM demands WHERE protocol = $1)",
      [refused],
    );
    await drain();
    const attempts = await db.query<{ attempts: number }>(
      `SELECT attempts FROM outbox WHERE job = 'send-message' AND state = 'dead'
          AND (payload->>'demandId')::bigint = (SELECT id FROM demands WHERE protocol = $1)
          AND payload->>'template' = 'demand.received'`,
      [refused],
    );
    assert.deepEqual(
      attempts.map((a) => a.attempts),
      [2],
    );

    for (const lang of LANGS) {
      const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
        locale: lang,
      });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/entregas?lang=${lang}`);
      const texts = TEXTS[lang];
      const none = page.locator("tbody tr", { hasText: unreachable }).first();
      await none.waitFor();
      await none.getByText(texts.unreachable).waitFor();
      assert.match(await none.innerText(), new RegExp(`${texts.one}\\b`));
      if (lang !== "en")
        assert.doesNotMatch(await none.innerText(), /no channel can reach/i, "no raw English");
      const twice = page.locator("tbody tr", { hasText: refused }).filter({ hasText: texts.two }).first();
      await twice.waitFor();
      assert.match(await twice.innerText(), /550/, "the provider's words are kept as a technical detail");
      assert.match(await page.locator("table.data caption").innerText(), texts.caption);
      const body = await page.locator("main").innerText();
      assert.doesNotMatch(body, /\b1 (tentativas|attempts|intentos)\b|\(s\)/);
      await assertAccessible(page, `console-edges-deliveries-${lang}`);
      await context.close();
    }
  });
});

describe("a department's answer", () => {
  it("refuses the bureaucratic non-answer with a message at the field that quotes it, and takes a real one", async () => {
    const protocol = await fileDemand({ name: "Rita Resposta", email: "rita@example.org" });
    await drain();
    const order = await one<{ id: number; code: string }>(
      db,
      `SELECT w.id, dep.code FROM work_orders w JOIN demands d ON d.id = w.demand_id
         JOIN departments dep ON dep.id = w.department_id WHERE d.protocol = $1`,
      [protocol],
    );
    const staff = await staffHeaders(db, "department_staff", order.code);
    const accepted = await fetch(`${baseUrl}/api/v1/work-orders/${order.id}/accept`, {
      method: "POST",
      headers: { authorization: staff.authorization },
    });
    assert.equal(accepted.status, 200, await accepted.text());
    for (const lang of LANGS) {
      const { context } = await staffContext(browser, baseUrl, ctx, "department_staff", order.code, {
        locale: lang,
      });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/departamento/ordens/${order.id}?lang=${lang}`);
      await page
        .locator("#answer")
        .fill(
          "Informamos que sua solicitação foi recebida e encaminhada ao setor responsável para as providências cabíveis.",
        );
      await page.locator("#answer").press("Tab");
      await page
        .locator("form")
        .filter({ has: page.locator("#answer") })
        .locator('button[type="submit"]')
        .click();
      const error = page.locator("#answer-error");
      await error.getByText("encaminhada ao setor responsável para as providências cabíveis").waitFor();
      assert.equal(
        await page.evaluate(() => document.activeElement?.id),
        "answer",
        "the focus is on the answer",
      );
      assert.equal(await page.locator("#answer").getAttribute("aria-invalid"), "true");
      await assertAccessible(page, `console-edges-non-answer-${lang}`);
      await context.close();
    }
    const still = await one<{ state: string }>(db, "SELECT state FROM work_orders WHERE id = $1", [order.id]);
    assert.equal(still.state, "accepted", "the non-answer closed nothing");
  });
});

describe("an automatic link that was wrong", () => {
  for (const lang of LANGS) {
    it(`is undone from the demand's page, which sends it back to triage (${lang})`, async () => {
      spot++;
      const place = { lat: -23.55 - spot * 0.003, lon: -46.64 };
      const file = async (name: string, email: string) => {
        const res = await fetch(`${baseUrl}/api/v1/demands`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            service: pothole,
            description: "Buraco grande no meio da pista, carros desviando",
            location: place,
            identity: "identified",
            citizen: { name, email },
          }),
        });
        assert.equal(res.status, 201);
        return ((await res.json()) as { protocol: string }).protocol;
      };
      await file("Primeira Vizinha", `primeira-${lang}@example.org`);
      await drain();
      const second = await file("Segundo Vizinho", `segundo-${lang}@example.org`);
      await drain();
      const linked = await one<{ status: string }>(db, "SELECT status FROM demands WHERE protocol = $1", [
        second,
      ]);
      assert.equal(linked.status, "merged", "the same pothole a minute later is linked automatically");

      const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: lang });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/demanda/${second}?lang=${lang}`);
      const { console: c } = JSON.parse(readFileSync(`locales/${lang}.json`, "utf8")).web as {
        console: { demand: { unlink: string; unlinked: string } };
      };
      await assertAccessible(page, `console-edges-unlink-${lang}`);
      await page.getByRole("button", { name: c.demand.unlink }).click();
      await page.getByText(c.demand.unlinked).waitFor();
      const back = await one<{ status: string }>(db, "SELECT status FROM demands WHERE protocol = $1", [
        second,
      ]);
      assert.equal(back.status, "returned");
      await context.close();
    });
  }
});
