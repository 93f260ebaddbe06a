/**
 * The admin screens over lists longer than one page of the API (decision 0037: the next page is a Link rel="next"):
 * the users and departments screens read every page, the services search goes forward and back by the cursor.
 * The city here has more staff accounts and departments than one page of their lists (500) holds.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seriousViolations, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const MORE_THAN_A_PAGE = 520;

await db.query(
  `INSERT INTO staff_users (email, name, password_hash, role)
   SELECT 'pessoa-' || g || '@pages.test', 'Pessoa ' || lpad(g::text, 4, '0'), 'not-a-real-hash', 'agent'
     FROM generate_series(1, $1::int) g`,
  [MORE_THAN_A_PAGE],
);
await db.query(
  `INSERT INTO departments (code, name) SELECT 'PG-' || lpad(g::text, 4, '0'), 'Órgão de teste ' || g
     FROM generate_series(1, $1::int) g`,
  [MORE_THAN_A_PAGE],
);
const { context } = await staffContext(browser, baseUrl, ctx, "admin", undefined, { locale: "pt-BR" });
const page = await context.newPage();

/** The texts of the first cell (or row header) of every row of the screen's data table. */
async function firstCells(): Promise<string[]> {
  return page
    .locator("main table.data:not(.roles) tbody tr")
    .evaluateAll((rows) => rows.map((r) => r.querySelector("th, td")?.textContent ?? ""));
}

describe("admin lists longer than a page", () => {
  it("shows every staff account, past the first page of GET /api/v1/staff", async () => {
    const all = await db.query<{ name: string }>("SELECT name FROM staff_users ORDER BY name, id");
    assert.ok(all.length > 500);
    await page.goto(`${baseUrl}/admin/usuarios?lang=pt-BR`);
    await page
      .locator("main table.data:not(.roles) tbody tr")
      .nth(all.length - 1)
      .waitFor();
    assert.deepEqual(
      await firstCells(),
      all.map((u) => u.name),
    );
  });

  it("shows every department, past the first page of GET /api/v1/departments", async () => {
    const { count } = (
      await db.query<{ count: number }>("SELECT count(*)::int AS count FROM departments")
    )[0]!;
    assert.ok(count > 500);
    await page.goto(`${baseUrl}/admin/departamentos?lang=pt-BR`);
    await page
      .locator("main table.data:not(.roles) tbody tr")
      .nth(count - 1)
      .waitFor();
    const codes = await firstCells();
    assert.equal(codes.length, count);
    assert.equal(new Set(codes).size, count, "each department once");
    assert.ok(codes.includes(`PG-${String(MORE_THAN_A_PAGE).padStart(4, "0")}`));
  });

  it("pages the services search forward and back by the cursor", async () => {
    await page.goto(`${baseUrl}/admin/servicos?lang=pt-BR`);
    const status = page.locator("main p[role=status]");
    await status.getByText("Página 1: 25 serviços.").waitFor();
    const first = await firstCells();
    assert.equal(first.length, 25);
    assert.equal(await page.getByRole("button", { name: "Página anterior" }).isDisabled(), true);
    await page.getByRole("button", { name: "Próxima página" }).click();
    await status.getByText("Página 2: 25 serviços.").waitFor();
    const second = await firstCells();
    assert.equal(second.length, 25);
    assert.equal(
      second.some((code) => first.includes(code)),
      false,
      "the second page repeats nothing of the first",
    );
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: "Página anterior" }).click();
    await status.getByText("Página 1: 25 serviços.").waitFor();
    await page.waitForFunction(
      (code) => document.querySelector("main table.data:not(.roles) tbody tr td")?.textContent === code,
      first[0],
    );
    assert.deepEqual(await firstCells(), first);
    await context.close();
  });
});
