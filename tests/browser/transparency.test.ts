/**
 * The transparency portal (/transparencia) on a phone in Chromium: with no sign-in, in pt-BR, en and es, each public
 * indicator's card shows what the API gives (the same definition), a district narrows them, and axe-core finds no
 * serious or critical violation. Screenshots go to .cache/screenshots/transparency-<lang>.png.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { refreshIndicatorFacts } from "../../server/indicators/facts.ts";
import { demandBody, findPlainService } from "../factories.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const LANGS = ["pt-BR", "en", "es"] as const;

// Three demands filed through the API today, two of them at the Sé.
const service = await findPlainService(ctx.db);
for (const at of [
  { lat: -23.5503, lon: -46.634 },
  { lat: -23.5505, lon: -46.6345 },
  { lat: -23.6, lon: -46.7 },
]) {
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(demandBody(service, { at })),
  });
  assert.equal(res.status, 201, await res.text());
}
await refreshIndicatorFacts(ctx.db);
const [se] = await ctx.db.query<{ code: string; name: string }>(
  "SELECT d.code, d.name FROM districts d WHERE ST_Contains(d.geom, ST_SetSRID(ST_Point(-46.634, -23.5503), 4326))",
);

const titleOf = (lang: string) =>
  (JSON.parse(readFileSync(`locales/${lang}.json`, "utf8")).web.portal.transparency as { title: string })
    .title;

async function apiValue(query = ""): Promise<number> {
  const res = await fetch(`${baseUrl}/api/v1/indicators/demands-opened?${query}`);
  return ((await res.json()) as { rows: Array<{ values: { count: number } }> }).rows[0]!.values.count;
}

describe("the transparency portal", () => {
  it("shows each public indicator as the API gives it, for the city and a district, in three languages", async () => {
    const city = await apiValue();
    const district = await apiValue(`district=${se!.code}`);
    assert.ok(city >= 3 && district >= 2 && district < city, `${city} / ${district}`);
    for (const lang of LANGS) {
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/transparencia?lang=${lang}`);
      await page.getByRole("heading", { level: 1, name: titleOf(lang) }).waitFor();
      assert.equal(await page.locator("html").getAttribute("lang"), lang);
      const opened = page.locator('[data-indicator="demands-opened"] .indicator-value');
      await page.waitForFunction(
        (n) =>
          document
            .querySelector('[data-indicator="demands-opened"] .indicator-value')
            ?.getAttribute("data-value") === n,
        String(city),
      );
      assert.equal(await opened.innerText(), city.toLocaleString(lang));
      const cards = await page.locator(".indicator-card").count();
      const listed = (
        (await (await fetch(`${baseUrl}/api/v1/indicators`)).json()) as { indicators: unknown[] }
      ).indicators.length;
      assert.equal(cards, listed, "one card per public indicator");
      assert.deepEqual(await seriousViolations(page), [], lang);
      await shot(page, `transparency-${lang}`);
      await page.locator("#transparency-district").selectOption(se!.code);
      await page.getByRole("heading", { level: 2, name: se!.name }).waitFor();
      await page.waitForFunction(
        (n) =>
          document
            .querySelector('[data-indicator="demands-opened"] .indicator-value')
            ?.getAttribute("data-value") === n,
        String(district),
      );
      await context.close();
    }
  });

  it("answers its page without script with the heading, for search engines and slow phones", async () => {
    const res = await fetch(`${baseUrl}/transparencia`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), new RegExp(`<h1>${titleOf("pt-BR")}</h1>`));
  });
});
