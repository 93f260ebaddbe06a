/**
 * The command centre (/centro) in Chromium: a supervisor sees the indicators and the map of open demands draw, then
 * both change live when a demand is filed through the API and again when it is answered and closed; pt-BR, en and
 * es with no serious axe-core violation; an agent is refused. Screenshots: .cache/screenshots/centre-<lang>.png.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { refreshIndicatorFacts } from "../../server/indicators/facts.ts";
import { routeDemandJob } from "../../server/triage/jobs.ts";
import { demandBody, drain, findPlainService, openOrder } from "../factories.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const LANGS = ["pt-BR", "en", "es"] as const;
const supervisor = await staffHeaders(ctx.db, "supervisor");
const titleOf = (lang: string) =>
  (JSON.parse(readFileSync(`locales/${lang}.json`, "utf8")).web.centre.panel as { title: string }).title;

async function apiCount(indicator: string, value: string): Promise<number> {
  const res = await fetch(`${baseUrl}/api/v1/indicators/${indicator}`, {
    headers: { authorization: supervisor.authorization },
  });
  return ((await res.json()) as { rows: Array<{ values: Record<string, number> }> }).rows[0]!.values[value]!;
}

const cardValue = (page: Page, indicator: string, expected: number) =>
  page.waitForFunction(
    ([id, n]) =>
      document.querySelector(`[data-indicator="${id}"] .indicator-value`)?.getAttribute("data-value") === n,
    [indicator, String(expected)] as const,
    { timeout: 15_000 },
  );
const mapTotal = (page: Page, expected: number) =>
  page.waitForFunction(
    (n) => document.querySelector(".map-total")?.getAttribute("data-total") === n,
    String(expected),
    {
      timeout: 15_000,
    },
  );

describe("the command centre", () => {
  it("draws the indicators and the map, in three languages, with no serious axe violation", async () => {
    await refreshIndicatorFacts(ctx.db);
    const opened = await apiCount("demands-opened", "count");
    for (const lang of LANGS) {
      const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
        locale: lang,
      });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/centro?lang=${lang}`);
      await page.getByRole("heading", { level: 1, name: titleOf(lang) }).waitFor();
      await cardValue(page, "demands-opened", opened);
      await page.locator(".centre-map.leaflet-container").waitFor();
      await page.locator(".map-total[data-total]:not([data-total=''])").waitFor();
      assert.ok(await page.locator('[data-indicator="late-open"]').count(), "the staff indicators too");
      assert.deepEqual(await seriousViolations(page), [], lang);
      await shot(page, `centre-${lang}`);
      await context.close();
    }
  });

  it("changes live when a demand is filed and when it is closed", async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/centro`);
    const opened = await apiCount("demands-opened", "count");
    const closed = await apiCount("demands-closed", "count");
    await cardValue(page, "demands-opened", opened);
    await page.locator(".map-total[data-total]:not([data-total=''])").waitFor();
    const onMap = Number(await page.locator(".map-total").getAttribute("data-total"));

    const res = await fetch(`${baseUrl}/api/v1/demands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        demandBody(await findPlainService(ctx.db), { at: { lat: -23.5503, lon: -46.634 } }),
      ),
    });
    const filed = await res.text();
    assert.equal(res.status, 201, filed);
    const { protocol } = JSON.parse(filed) as { protocol: string };
    await refreshIndicatorFacts(ctx.db);
    await cardValue(page, "demands-opened", opened + 1);
    await mapTotal(page, onMap + 1);

    // Routed to its department and answered there: closed.
    await drain(ctx, [routeDemandJob]);
    const [demand] = await ctx.db.query<{ id: number }>("SELECT id FROM demands WHERE protocol = $1", [
      protocol,
    ]);
    const order = await openOrder(ctx.db, demand!.id);
    const [department] = await ctx.db.query<{ code: string }>("SELECT code FROM departments WHERE id = $1", [
      order.department_id,
    ]);
    const staff = await staffHeaders(ctx.db, "department_staff", department!.code);
    const answered = await fetch(`${baseUrl}/api/v1/work-orders/${order.id}/answer`, {
      method: "POST",
      headers: { authorization: staff.authorization, "content-type": "application/json" },
      body: JSON.stringify({ answer: "Equipe esteve no local e fez o reparo do buraco na via." }),
    });
    assert.equal(answered.status, 200, await answered.text());
    // Filed with no contact, nobody waits for a message: the answer closes it at once.
    const [now] = await ctx.db.query<{ status: string }>("SELECT status FROM demands WHERE id = $1", [
      demand!.id,
    ]);
    assert.equal(now?.status, "closed");
    await refreshIndicatorFacts(ctx.db);
    await cardValue(page, "demands-closed", closed + 1);
    await mapTotal(page, onMap);
    await context.close();
  });

  it("refuses an agent, whose role does not read the indicators", async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/centro`);
    const refusal = JSON.parse(readFileSync("locales/pt-BR.json", "utf8")).web.staff.not_allowed
      .title as string;
    await page.getByRole("heading", { level: 1, name: refusal }).waitFor();
    await context.close();
  });
});
