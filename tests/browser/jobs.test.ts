/**
 * The console's job view (/console/filas, GET /api/v1/jobs) in Chromium: a supervisor sees each job's line (due
 * rows, how late the oldest is, dead rows, the last error's class) in pt-BR, en and es with no serious axe-core
 * violation; an agent, who may not read the dead letters, is neither offered nor shown it.
 * Screenshots go to .cache/screenshots/jobs-<lang>.png.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const LANGS = ["pt-BR", "en", "es"] as const;
// A job no release registers, so no worker claims its rows: the counts stay as written.
const JOB = "browser-view";

/** The job view's texts in `lang` (web.console.jobs and the console's menu entry). */
function textsOf(lang: string): Record<"title" | "due" | "oldest" | "dead" | "stateDead" | "menu", string> {
  const { console: c } = JSON.parse(readFileSync(`locales/${lang}.json`, "utf8")).web as {
    console: { jobs: Record<string, string>; menu: Record<string, string> };
  };
  return {
    title: c.jobs.title!,
    due: c.jobs.due!,
    oldest: c.jobs.oldest!,
    dead: c.jobs.dead!,
    stateDead: c.jobs.state_dead!,
    menu: c.menu.jobs!,
  };
}

// Three rows due (the oldest 10 minutes late), one waiting for tomorrow, and one that failed for good.
await db.query(
  `INSERT INTO outbox (job, payload, state, run_at) VALUES
     ($1, '{}', 'pending', now() - interval '10 minutes'),
     ($1, '{}', 'pending', now() - interval '2 minutes'),
     ($1, '{}', 'pending', now() - interval '30 seconds'),
     ($1, '{}', 'pending', now() + interval '1 day')`,
  [JOB],
);
const [dead] = await db.query<{ id: number }>(
  "INSERT INTO outbox (job, payload, state, attempts, last_error) VALUES ($1, '{}', 'dead', 8, 'HTTP 503') RETURNING id",
  [JOB],
);

describe("the console's job view", () => {
  it("shows a supervisor each job's queue, in pt-BR, en and es, with no serious axe violation", async () => {
    assert.notEqual(textsOf("en").title, textsOf("pt-BR").title, "en has its own words");
    assert.notEqual(textsOf("es").title, textsOf("pt-BR").title, "es has its own words");
    for (const lang of LANGS) {
      const texts = textsOf(lang);
      const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
        locale: lang,
      });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/filas?lang=${lang}`);
      await page.getByRole("heading", { level: 1, name: texts.title }).waitFor();
      assert.equal(await page.locator("html").getAttribute("lang"), lang);
      const line = page.locator("table.data tbody tr", { has: page.locator("th code", { hasText: JOB }) });
      await line.waitFor();
      const headers = await page.locator("table.data thead th").allTextContents();
      const cells = await line.locator("td").allTextContents();
      const cell = (header: string) => cells[headers.indexOf(header) - 1];
      assert.equal(cell(texts.due), "3", `${lang}: due rows`);
      assert.equal(cell(texts.dead), "1", `${lang}: dead rows`);
      assert.equal(cell(texts.oldest), "10 min", `${lang}: the oldest due row waited 10 minutes`);
      const lastError = cells[cells.length - 1] ?? "";
      assert.ok(lastError.includes("http_503"), lastError);
      assert.ok(lastError.includes(`#${dead!.id}`), lastError);
      assert.ok(lastError.includes(texts.stateDead), `${lang}: ${lastError}`);
      // The menu offers the screen, and every registered job has its line too, work or not.
      assert.equal((await page.getByRole("link", { name: texts.menu }).count()) > 0, true);
      assert.ok((await page.locator("table.data tbody th code", { hasText: "route-demand" }).count()) === 1);
      await shot(page, `jobs-${lang}`);
      assert.deepEqual(await seriousViolations(page), [], lang);
      await context.close();
    }
  });

  it("is neither offered nor shown to an agent, and its API answers 403", async () => {
    const texts = textsOf("pt-BR");
    const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/filas?lang=pt-BR`);
    await page.locator("main h1").first().waitFor();
    assert.equal(await page.getByRole("heading", { level: 1, name: texts.title }).count(), 0);
    assert.equal(await page.getByRole("link", { name: texts.menu }).count(), 0);
    assert.equal(await page.locator("code", { hasText: JOB }).count(), 0);
    const res = await context.request.get(`${baseUrl}/api/v1/jobs`);
    assert.equal(res.status(), 403);
    assert.match(res.headers()["content-type"] ?? "", /problem\+json/);
    await context.close();
  });
});
