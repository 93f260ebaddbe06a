/**
 * Routing that matches the city (decision 0025), in Chromium: the administration's panel of services without a
 * rule in pt-BR, en and es (axe-core clean), a rule created from it; and a citizen on a phone told that a demand
 * waiting at the fallback desk is "Em triagem na Central 156" in each language.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { one } from "../../server/db/index.ts";
import { JOBS } from "../../server/jobs/registry.ts";
import { runOnce } from "../../server/jobs/runner.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;

// An active service without a rule of its own, which a citizen may file anonymously at a point.
const uncovered = await one<{ code: string }>(
  db,
  `SELECT s.code FROM services s
    WHERE s.active AND s.anonymous_allowed AND s.attributes = '[]'::jsonb
      AND NOT EXISTS (SELECT 1 FROM responsibility_rules r WHERE r.service_id = s.id)
    ORDER BY s.code LIMIT 1`,
);

async function fileAnonymous(service: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      service,
      description: "Situação na rua que precisa de atenção da prefeitura.",
      identity: "anonymous",
      location: { lat: -23.5503, lon: -46.634 },
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  while ((await runOnce(ctx, JOBS)) > 0) {}
  return ((await res.json()) as { protocol: string }).protocol;
}

// One demand of it, filed before the walks: it waits at the fallback desk and is counted against its service.
const protocol = await fileAnonymous(uncovered.code);

const PANEL = {
  "pt-BR": { title: "Serviços sem regra", add: "Criar regra" },
  en: { title: "Services without a rule", add: "Create rule" },
  es: { title: "Servicios sin regla", add: "Crear regla" },
} as const;

const AT_DESK = {
  "pt-BR": "Em triagem na Central 156",
  en: "Being triaged at the 156 call centre",
  es: "En clasificación en la Central 156",
} as const;

describe("routing that matches the city", () => {
  it("tells the citizen on a phone that a demand at the fallback desk is in triage, in three languages", async () => {
    for (const lang of ["pt-BR", "en", "es"] as const) {
      const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: lang });
      await page.goto(`${baseUrl}/acompanhar?lang=${lang}`);
      const field = page.locator('main input:not([type="hidden"])').first();
      await field.fill(protocol);
      await page.keyboard.press("Enter");
      await page.locator("[data-status]").waitFor();
      assert.equal((await page.locator("[data-status]").innerText()).trim(), AT_DESK[lang]);
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `routing-at-triage-desk-${lang}`);
      await page.close();
    }
  });

  it("shows admins the services without a rule and how many demands they sent to triage", async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "admin");
    for (const lang of ["pt-BR", "en", "es"] as const) {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/admin/matriz?lang=${lang}`);
      await page.locator("main h1").waitFor();
      const panel = page.locator('section[aria-labelledby="uncovered-title"]');
      await panel.getByRole("heading", { name: PANEL[lang].title }).waitFor();
      const row = panel.locator("tbody tr", { hasText: uncovered.code });
      await row.waitFor();
      // The demand filed above is counted against its service.
      assert.match(await row.innerText(), /\b1\b/);
      assert.deepEqual(await seriousViolations(page), []);
      await shot(page, `routing-uncovered-${lang}`);
      if (lang === "es") {
        // Picking a service starts the rule form with its code; saving removes it from the list.
        await row.getByRole("button", { name: new RegExp(PANEL[lang].add) }).click();
        assert.equal(await page.locator("#rule-service").inputValue(), uncovered.code);
        await page.locator("#rule-department").selectOption("SMSUB");
        await page.locator("#rule-to-subprefeitura").check();
        await page.locator("#rule-form-title").locator("..").locator('button[type="submit"]').click();
        await page.getByText(/Regla \d+ guardada/).waitFor();
        await panel.locator("tbody tr", { hasText: uncovered.code }).waitFor({ state: "detached" });
        const rule = await one<{ to_subprefeitura: boolean; origin: string }>(
          db,
          `SELECT r.to_subprefeitura, r.origin FROM responsibility_rules r JOIN services s ON s.id = r.service_id
            WHERE s.code = $1`,
          [uncovered.code],
        );
        assert.deepEqual(rule, { to_subprefeitura: true, origin: "admin" });
      }
      await page.close();
    }
  });
});
