import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();

describe("a citizen reads the service charter", () => {
  it("finds a service with what to inform and its deadline, and switches language with the keyboard", async () => {
    const [service] = await ctx.db.query<{ code: string; name: string }>(
      "SELECT code, name->>'pt-BR' AS name FROM services WHERE active AND location_required ORDER BY code LIMIT 1",
    );
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: "pt-BR" });
    await page.goto(`${baseUrl}/carta-de-servicos`);
    assert.equal(await page.getAttribute("html", "lang"), "pt-BR");
    assert.equal(await page.locator("h1").innerText(), "Carta de Serviços");
    const article = page.locator(`article:has-text(${JSON.stringify(service!.name)})`).first();
    assert.match(await article.innerText(), /Prazo/);
    // Keyboard only: tab to the English link and follow it.
    const english = page.locator('a[hreflang="en"]').first();
    await english.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/lang=en/);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.notEqual(await page.locator("h1").innerText(), "Carta de Serviços");
    await page.close();
  });
});
