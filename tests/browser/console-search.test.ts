/**
 * The console's demand search in Chromium: "/" opens it with the cursor in the field, words without their accents
 * find the demands, "load more" follows the Link rel="next" of the list, a protocol opens the demand's screen;
 * axe-core on the results in each language. Screenshots go to .cache/screenshots/console-search-<lang>.png.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const LANGS = ["pt-BR", "en", "es"] as const;
// One page of the screen (25) and a few more, so "load more" has a second page to bring.
const MATCHING = 30;

// Demands written in SQL with made-up protocols (6 + a serial): the screen reads the list, not the intake path.
const made = await db.query<{ protocol: string }>(
  `INSERT INTO demands (protocol, service_id, channel, identity_mode, description, district_code)
   SELECT '6' || lpad(nextval('protocol_seq')::text, 12, '0'), (SELECT min(id) FROM services WHERE active), 'web',
          'anonymous', 'Calçada quebrada em frente à escola, trecho ' || g, (SELECT min(code) FROM districts)
     FROM generate_series(1, $1::int) g
   RETURNING protocol`,
  [MATCHING],
);
await db.query(
  `INSERT INTO demands (protocol, service_id, channel, identity_mode, description)
   VALUES ('6' || lpad(nextval('protocol_seq')::text, 12, '0'), (SELECT min(id) FROM services WHERE active), 'web',
           'anonymous', 'Lâmpada apagada na praça')`,
);

describe("the console's demand search", () => {
  it('opens with "/", finds demands without accents, loads more and opens a demand', async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console?lang=pt-BR`);
    await page.locator("main h1").first().waitFor();

    await page.keyboard.press("/");
    await page.waitForURL(/\/console\/busca/);
    await page.waitForFunction(() => document.activeElement?.id === "search-q");
    await page.keyboard.type("calcada escola");
    await page.keyboard.press("Enter");

    const rows = page.locator("[data-testid=search-results] tbody tr");
    await rows.nth(24).waitFor();
    assert.equal(await rows.count(), 25);
    assert.match(page.url(), /[?&]q=calcada(\+|%20)escola/);
    const more = page.getByRole("button", { name: "Carregar mais" });
    await more.click();
    await rows.nth(MATCHING - 1).waitFor();
    await more.waitFor({ state: "detached" });
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-protocol")));
    assert.equal(shown.length, MATCHING, "every match once");
    assert.deepEqual(new Set(shown), new Set(made.map((m) => m.protocol)), "no other demand");

    await page.getByRole("link", { name: made[0]!.protocol }).click();
    await page.waitForURL(new RegExp(`/console/demanda/${made[0]!.protocol}`));
    await context.close();
  });

  it("says when nothing matches, and has no serious or critical axe violation in pt-BR, en and es", async () => {
    for (const lang of LANGS) {
      const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: lang });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/busca?q=zzzzqqq&lang=${lang}`);
      await page.locator("main [role=status]").first().waitFor();
      assert.deepEqual(await seriousViolations(page), [], `${lang} empty`);
      await page.goto(`${baseUrl}/console/busca?q=calcada&lang=${lang}`);
      await page.locator("[data-testid=search-results] tbody tr").first().waitFor();
      await shot(page, `console-search-${lang}`);
      assert.deepEqual(await seriousViolations(page), [], lang);
      await context.close();
    }
  });
});
