import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shot, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();

describe("a citizen follows a demand by protocol on a phone", () => {
  it("is told the check digit is wrong, then sees the demand's status and timeline", async () => {
    const [service] = await ctx.db.query<{ code: string }>(
      "SELECT code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1",
    );
    const created = await fetch(`${baseUrl}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: service!.code,
        description: "Árvore caindo",
        identity: "anonymous",
        location: { lat: -23.5503, lon: -46.634 },
      }),
    });
    assert.equal(created.status, 201);
    const { protocol } = (await created.json()) as { protocol: string };

    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: "pt-BR" });
    // The tracking address of receipts and messages leads to the portal's page of demands (decision 0030).
    await page.goto(`${baseUrl}/acompanhar`);
    await page.waitForURL(/\/demanda\?lang=pt-BR$/);
    assert.equal(await page.getAttribute("html", "lang"), "pt-BR");
    const wrong = protocol.slice(0, -1) + ((Number(protocol.at(-1)) + 1) % 10);
    // Keyboard only: focus the field, type, press Enter.
    await page.getByLabel("Número do protocolo").fill(wrong);
    await page.keyboard.press("Enter");
    assert.match(await page.getByRole("alert").innerText(), /dígito verificador/i);

    await page.getByLabel("Número do protocolo").fill(protocol);
    await page.keyboard.press("Enter");
    await page.locator("[data-status]").waitFor();
    assert.match(await page.locator("h1").innerText(), new RegExp(protocol));
    // The label of a new demand is the status model's (H1's routing may say it waits for triage).
    assert.equal(await page.locator("[data-status]").getAttribute("data-status"), "new");
    assert.notEqual((await page.locator("[data-status]").innerText()).trim(), "");
    assert.match(await page.locator("ol.timeline").innerText(), /Solicitação registrada/);
    await shot(page, "track-pt-BR");
    await page.close();
  });
});
