/**
 * Finding a service on the portal's home page, on a phone, in the three languages (issue 12, "Finding a
 * service"): the suggestions for "pothole", "bache" and "lixo acumulado na calçada" appear, named in the reader's
 * language; axe-core finds no serious or critical violation; screenshots go to .cache/screenshots/search-*.png.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { one } from "../../server/db/index.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/** Types `q` in the home search in `lang` and returns the suggestions' texts. */
async function suggestionsFor(lang: string, q: string, name: string): Promise<string[]> {
  const context = await browser.newContext({ ...PHONE, locale: lang });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/?lang=${lang}`);
  assert.equal(await page.getAttribute("html", "lang"), lang);
  await page.locator("#q").fill(q);
  const first = page.locator('#suggestions [role="option"]').first();
  await first.waitFor();
  const texts = await page.locator('#suggestions [role="option"]').allInnerTexts();
  await shot(page, `search-${name}`);
  assert.deepEqual(await seriousViolations(page), [], `axe on the ${lang} home with suggestions`);
  await context.close();
  return texts;
}

describe("finding a service on a phone", () => {
  it("English: 'pothole' suggests pothole repair, named in English", async () => {
    const texts = await suggestionsFor("en", "pothole", "en-pothole");
    assert.match(texts[0] ?? "", /Pothole repair/);
    assert.ok(!texts.some((t) => t.includes("Tapa-buraco")), "no Portuguese name for a translated service");
  });

  it("English: 'there is a huge pothole on my street' does not match on 'is'", async () => {
    const texts = await suggestionsFor("en", "there is a huge pothole on my street", "en-sentence");
    assert.match(texts[0] ?? "", /Pothole repair/);
    assert.ok(!texts.some((t) => /dengue/i.test(t)));
  });

  it("Spanish: 'bache' suggests pothole repair, named in Spanish", async () => {
    const texts = await suggestionsFor("es", "bache", "es-bache");
    assert.match(texts[0] ?? "", /Reparación de baches/);
  });

  it("Portuguese: 'lixo acumulado na calçada' puts a cleaning service first", async () => {
    const texts = await suggestionsFor("pt-BR", "lixo acumulado na calçada", "pt-BR-lixo");
    assert.match(texts[0] ?? "", /varrição|lixo|limpeza|entulho/i);
    assert.doesNotMatch(texts[0] ?? "", /água limpa e parada/);
  });

  it("English: a service with no English name is shown in Portuguese, with a note saying so", async () => {
    const untranslated = await one<{ name: string }>(
      ctx.db,
      `SELECT name->>'pt-BR' AS name FROM services
        WHERE active AND NOT sensitive AND NOT (name ? 'en') AND length(name->>'pt-BR') BETWEEN 20 AND 60
        ORDER BY name->>'pt-BR' LIMIT 1`,
    );
    const texts = await suggestionsFor("en", untranslated.name, "en-untranslated");
    assert.ok(
      texts.some((t) => t.includes(untranslated.name) && t.includes("(name in Portuguese)")),
      `${untranslated.name} in ${JSON.stringify(texts)}`,
    );
  });
});
