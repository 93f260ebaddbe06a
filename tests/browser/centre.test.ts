/**
 * The command centre (/centro) in Chromium: a supervisor sees the indicators and the map of open demands draw, then
 * both change live when a demand is filed through the API and again when it is answered and closed; pt-BR, en and
 * es with no serious axe-core violation; the charts draw, the comparison toggle shows the period before, a filter
 * changes the map and the indicators, the heat layer draws, and a bar drills down to the demands behind it; an alarm
 * raised by the deadline scan while the centre is open appears at the top of the alarm panel without a reload, and
 * is acknowledged there; an agent is refused. Screenshots: .cache/screenshots/centre-<lang>.png and centre-charts.png.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { loadCalendar } from "../../server/calendar/queries.ts";
import { listAlarmRules, startDeadline } from "../../server/deadlines/commands.ts";
import { scanDeadlines } from "../../server/deadlines/scan.ts";
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

async function apiCount(indicator: string, value: string, query = ""): Promise<number> {
  const res = await fetch(`${baseUrl}/api/v1/indicators/${indicator}?${query}`, {
    headers: { authorization: supervisor.authorization },
  });
  return ((await res.json()) as { rows: Array<{ values: Record<string, number> }> }).rows[0]!.values[value]!;
}

/** Files a demand at `at` through the API, routes it to its department and brings the facts up to date. */
async function fileRouted(at: {
  lat: number;
  lon: number;
}): Promise<{ protocol: string; department: string }> {
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(demandBody(await findPlainService(ctx.db), { at })),
  });
  const body = await res.text();
  assert.equal(res.status, 201, body);
  const { protocol } = JSON.parse(body) as { protocol: string };
  await drain(ctx, [routeDemandJob]);
  const [row] = await ctx.db.query<{ code: string }>(
    "SELECT dep.code FROM demands d JOIN departments dep ON dep.id = d.department_id WHERE d.protocol = $1",
    [protocol],
  );
  assert.ok(row, "routed to a department");
  await refreshIndicatorFacts(ctx.db);
  return { protocol, department: row.code };
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

  it("draws the charts, and the comparison toggle shows the period before", async () => {
    await fileRouted({ lat: -23.5503, lon: -46.634 });
    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/centro`);
    const bars = page.locator('figure.chart[data-kind="bars"][data-drawn="true"]').first();
    await bars.waitFor({ timeout: 20_000 });
    assert.ok(Number(await bars.getAttribute("data-points")) > 0, "the backlog's bars hold numbers");
    assert.equal((await bars.locator("canvas").count()) > 0, true, "drawn on a canvas");
    // The month before by default: the cards say it, the daily charts draw it dashed.
    await page.locator(".indicator-previous").first().waitFor();
    await page.locator('select[name="compare"]').selectOption("none");
    await page.waitForFunction(() => !document.querySelector(".indicator-previous, .chart-swatch.previous"));
    await page.locator('select[name="compare"]').selectOption("previous-year");
    assert.match(page.url(), /compare=previous-year/);
    const card = page.locator('[data-indicator="demands-opened"] .indicator-previous');
    await card.waitFor();
    assert.match(await card.innerText(), /ano anterior/);
    const compliance = page.locator("figure.chart", { hasText: "Cumprimento do prazo" });
    await compliance.locator(".chart-swatch.previous").waitFor();
    assert.match(await compliance.locator(".chart-legend").innerText(), /ano anterior/);
    await shot(page, "centre-charts");
    // The wall: full screen and dark, one panel at a time (the cards first), the filters out of the way.
    await page.getByRole("button", { name: "Modo parede" }).click();
    await page.locator(".centre.wall.dark-charts").waitFor();
    assert.equal(await page.locator(".centre-filters").isVisible(), false);
    assert.equal(await page.locator("#centre-indicators").isVisible(), true);
    assert.equal(await page.locator("#centre-charts").isVisible(), false);
    await context.close();
  });

  it("filters the map and the indicators, draws the heat layer, and keeps it all in the URL", async () => {
    await fileRouted({ lat: -23.5503, lon: -46.634 });
    await fileRouted({ lat: -23.6, lon: -46.7 });
    const [se] = await ctx.db.query<{ code: string }>(
      "SELECT code FROM districts WHERE ST_Contains(geom, ST_SetSRID(ST_Point(-46.634, -23.5503), 4326))",
    );
    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/centro?compare=none`);
    const all = await apiCount("demands-opened", "count");
    await cardValue(page, "demands-opened", all);
    await page.locator(".map-total[data-total]:not([data-total=''])").waitFor();
    const clustered = page.waitForResponse(
      (r) => r.url().includes("/api/v1/map/clusters") && r.url().includes(`district=${se!.code}`),
    );
    await page.locator('select[name="district"]').selectOption(se!.code);
    const answer = (await (await clustered).json()) as { total: number };
    await mapTotal(page, answer.total);
    const inSe = await apiCount("demands-opened", "count", `district=${se!.code}`);
    assert.ok(inSe < all, "a demand elsewhere is left out");
    await cardValue(page, "demands-opened", inSe);
    assert.match(page.url(), new RegExp(`district=${se!.code}`));

    await page.getByLabel("Mapa de calor").check();
    await page.waitForFunction(
      () => Number(document.querySelector(".map-total")?.getAttribute("data-heat-cells")) > 0,
    );
    assert.match(page.url(), /heat=1/);
    // Bookmarked on the wall: the same URL opens the same selection.
    const again = await context.newPage();
    await again.goto(page.url());
    await again.waitForFunction(
      (code) => document.querySelector<HTMLSelectElement>('select[name="district"]')?.value === code,
      se!.code,
    );
    await again.waitForFunction(
      () => Number(document.querySelector(".map-total")?.getAttribute("data-heat-cells")) > 0,
    );
    await context.close();
  });

  it("drills down from a department's bar to its demands, the one just filed among them", async () => {
    const { protocol, department } = await fileRouted({ lat: -23.5503, lon: -46.634 });
    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/centro`);
    const backlog = page.locator("figure.chart", { hasText: "Em aberto por órgão" });
    await backlog.locator("summary").click();
    await backlog.getByRole("button", { name: `Ver as demandas em aberto de ${department}` }).click();
    const row = page.locator(`.centre-drill tr[data-protocol="${protocol}"]`);
    await row.waitFor();
    assert.match(
      (await row.locator("a").getAttribute("href")) ?? "",
      new RegExp(`^/console/demanda/${protocol}`),
    );
    assert.match(page.url(), new RegExp(`drill=department%3A${department}|drill=department:${department}`));
    const [count] = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM demand_facts f JOIN departments d ON d.id = f.department_id
        WHERE d.code = $1 AND f.status NOT IN ('closed', 'cancelled', 'merged')`,
      [department],
    );
    assert.equal(
      await page.locator(".centre-drill [data-total]").getAttribute("data-total"),
      String(count!.n),
    );
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole("button", { name: "Fechar a lista" }).click();
    await page.locator(".centre-drill").waitFor({ state: "detached" });

    // From the map: a cluster's popup opens the list of the open demands of its cell.
    const dot = page.locator(".centre-map path.leaflet-interactive:not(.district)").first();
    await dot.waitFor();
    await dot.dispatchEvent("click");
    await page.locator(".leaflet-popup-content a").click();
    await page.locator(".centre-drill [data-total]:not([data-total=''])").waitFor();
    assert.match(page.url(), /drill=cell/);
    assert.ok(Number(await page.locator(".centre-drill [data-total]").getAttribute("data-total")) >= 1);
    assert.ok((await page.locator(".centre-drill tbody tr").count()) >= 1, "its demands listed");
    await context.close();
  });

  it("shows an alarm raised while it is open at the top of the alarm panel, and acknowledges it", async () => {
    // A place of its own: a demand of the same service at an earlier test's place would be linked to that one as
    // a duplicate and get no work order of its own.
    const { protocol, department } = await fileRouted({ lat: -23.6102, lon: -46.6958 });
    const [demand] = await ctx.db.query<{ id: number }>("SELECT id FROM demands WHERE protocol = $1", [
      protocol,
    ]);
    await drain(ctx);
    const order = await openOrder(ctx.db, demand!.id);
    // Whatever else is past due is raised first, so that the alarms raised below are the clock's own.
    await scanDeadlines(ctx.db);
    const { context } = await staffContext(browser, baseUrl, ctx, "supervisor", undefined, {
      locale: "pt-BR",
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/centro`);
    const panel = page.locator(".centre-alarms");
    await panel.locator("[data-total]:not([data-total=''])").waitFor();
    await page.locator(".live-live").waitFor();
    assert.equal(await panel.locator(`[data-protocol="${protocol}"]`).count(), 0, "no alarm of it yet");

    // An execution clock of one business hour started a month ago: the scan finds it past due and raises its
    // alarms (warnings, the breach and the escalations) now, after the page has read the list.
    const cal = await loadCalendar(ctx.db);
    const rules = await listAlarmRules(ctx.db);
    await ctx.db.transaction((tx) =>
      startDeadline(tx, cal, rules, {
        demandId: demand!.id,
        workOrderId: order.id,
        stage: "execution",
        spec: { amount: 1, unit: "business_hours" },
        departmentId: order.department_id,
        startedAt: new Date(Date.now() - 30 * 86_400_000),
      }),
    );
    await scanDeadlines(ctx.db);
    const [raised] = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM alarms WHERE work_order_id = $1 AND acknowledged_at IS NULL",
      [order.id],
    );
    assert.ok(raised!.n > 0, "the scan raised the clock's alarms");

    const first = panel.locator(".centre-alarm").first();
    await page.waitForFunction(
      (p) => document.querySelector(".centre-alarm")?.getAttribute("data-protocol") === p,
      protocol,
      { timeout: 15_000 },
    );
    assert.match((await first.getAttribute("class")) ?? "", /centre-alarm-new/, "highlighted as new");
    assert.match(
      (await first.getByRole("link", { name: protocol }).getAttribute("href")) ?? "",
      new RegExp(`^/console/demanda/${protocol}`),
    );
    const text = await first.innerText();
    assert.match(text, new RegExp(`ordem de serviço ${order.id}`));
    assert.match(text, new RegExp(department));
    assert.match(text, /Desde/);
    await page.waitForFunction(
      (p) => document.querySelector(".centre-alarms [aria-live='polite']")?.textContent?.includes(p),
      protocol,
    );
    assert.deepEqual(await seriousViolations(page), []);

    // A supervisor may acknowledge: the alarm leaves the list.
    const id = await first.getAttribute("data-alarm");
    await first.getByRole("button", { name: `Marcar como visto o alarme do protocolo ${protocol}` }).click();
    await panel.locator(`[data-alarm="${id}"]`).waitFor({ state: "detached" });
    const [row] = await ctx.db.query<{ acknowledged: boolean }>(
      "SELECT acknowledged_at IS NOT NULL AS acknowledged FROM alarms WHERE id = $1",
      [Number(id)],
    );
    assert.equal(row?.acknowledged, true);
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
