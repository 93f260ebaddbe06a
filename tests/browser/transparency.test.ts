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

describe("the monthly report", () => {
  it("gives the month's indicators as the API does, prints to a PDF, and has no serious axe violation", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const [y, m] = month.split("-").map(Number) as [number, number];
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const count = await apiValue(`from=${month}-01&to=${month}-${last}`);
    const context = await browser.newContext({ locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/transparencia/relatorio/${month}`);
    const title = (
      JSON.parse(readFileSync("locales/pt-BR.json", "utf8")).indicators["demands-opened"] as {
        title: string;
      }
    ).title;
    const row = page
      .locator("table")
      .first()
      .locator("tr", { has: page.locator("th", { hasText: title }) });
    assert.equal((await row.locator("td").first().innerText()).trim(), count.toLocaleString("pt-BR"));
    assert.ok(await page.locator("table").nth(1).locator("tbody tr").count(), "a row per district");
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page, "report-pt-BR");
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
    const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    assert.ok(pages >= 1 && pages <= 10, `${pages} pages`);
    await context.close();
  });

  it("sends /transparencia/relatorio to the last whole month, and refuses a month that is not one", async () => {
    const res = await fetch(`${baseUrl}/transparencia/relatorio`, { redirect: "manual" });
    assert.equal(res.status, 302);
    assert.match(res.headers.get("location") ?? "", /^\/transparencia\/relatorio\/\d{4}-\d{2}$/);
    assert.equal((await fetch(`${baseUrl}/transparencia/relatorio/2026-13`)).status, 400);
  });
});
