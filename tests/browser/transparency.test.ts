/**
 * The transparency portal (/transparencia) on a phone in Chromium: with no sign-in, in pt-BR, en and es, each public
 * indicator's card shows what the API gives (the same definition), a district narrows them; the public map draws
 * the open demands with a confidential one only counted by its district; the ranking leads to a district's page
 * (reloadable), whose figures and trend are the API's; a service's and a department's pages too; axe-core finds no
 * serious or critical violation on the index, the map and a district's page in each language. Screenshots go to
 * .cache/screenshots/transparency-<page>-<lang>.png.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { refreshIndicatorFacts } from "../../server/indicators/facts.ts";
import { demandBody, findPlainService } from "../factories.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const LANGS = ["pt-BR", "en", "es"] as const;

// Three demands filed through the API today, two of them at the Sé; a confidential one 2.5 km away.
const service = await findPlainService(ctx.db);
const SECRET = { lat: -23.56137, lon: -46.65733 };
for (const [at, identity] of [
  [{ lat: -23.5503, lon: -46.634 }, "anonymous"],
  [{ lat: -23.5505, lon: -46.6345 }, "anonymous"],
  [{ lat: -23.6, lon: -46.7 }, "anonymous"],
  [SECRET, "confidential"],
] as const) {
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(
      demandBody(service, {
        at,
        identity,
        ...(identity === "confidential" ? { email: "sigilo@example.org" } : {}),
      }),
    ),
  });
  assert.equal(res.status, 201, await res.text());
}
await refreshIndicatorFacts(ctx.db);
const districtAt = async (p: { lat: number; lon: number }) =>
  (
    await ctx.db.query<{ code: string; name: string }>(
      "SELECT d.code, d.name FROM districts d WHERE ST_Contains(d.geom, ST_SetSRID(ST_Point($1, $2), 4326))",
      [p.lon, p.lat],
    )
  )[0]!;
const se = await districtAt({ lat: -23.5503, lon: -46.634 });
const secretDistrict = await districtAt(SECRET);
const [department] = await ctx.db.query<{ code: string; name: string }>(
  `SELECT dep.code, dep.name FROM demand_facts f JOIN departments dep ON dep.id = f.department_id
    WHERE f.district_code = $1 LIMIT 1`,
  [se.code],
);
const [serviceName] = await ctx.db.query<{ name: Record<string, string> }>(
  "SELECT name FROM services WHERE code = $1",
  [service],
);

const texts = (lang: string) =>
  JSON.parse(readFileSync(`locales/${lang}.json`, "utf8")).web.portal.transparency as {
    title: string;
    map: { title: string };
    ranking: { by_service: string };
  };
const titleOf = (lang: string) => texts(lang).title;

async function apiValue(query = "", id = "demands-opened", value = "count"): Promise<number | null> {
  const res = await fetch(`${baseUrl}/api/v1/indicators/${id}?${query}`);
  return ((await res.json()) as { rows: Array<{ values: Record<string, number | null> }> }).rows[0]!.values[
    value
  ]!;
}

/** The last 12 months of the city's calendar as the pages ask for them (São Paulo, UTC−3). */
function lastYear(): string {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo" }).format(new Date());
  const [y, m] = today.split("-").map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 7);
  return `from=${first}-01&to=${today}`;
}

/** Waits until an element's data-value is `n`. */
const valueIs = (page: Page, selector: string, n: number | null) =>
  page.waitForFunction(
    ([sel, v]) => document.querySelector(sel!)?.getAttribute("data-value") === v,
    [selector, n === null ? "" : String(n)],
  );

describe("the transparency portal", () => {
  it("shows each public indicator as the API gives it, for the city and a district, in three languages", async () => {
    const city = (await apiValue())!;
    const district = (await apiValue(`district=${se.code}`))!;
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
      await page.locator("#transparency-district").selectOption(se.code);
      await page.getByRole("heading", { level: 2, name: se.name, exact: true }).waitFor();
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

  it("draws the public map with a confidential demand only counted by its district, ranks the districts and leads to a district's page, in three languages", async () => {
    const year = lastYear();
    const opened = await apiValue(`${year}&district=${se.code}`);
    const onTime = await apiValue(`${year}&district=${se.code}`, "deadline-compliance", "share");
    assert.ok(opened !== null && opened >= 2);
    for (const lang of LANGS) {
      const context = await browser.newContext({ ...PHONE, locale: lang });
      const page = await context.newPage();
      const clusterBodies: string[] = [];
      // Each body is read while the page lives; a read the closing page cuts short is not a body.
      const reads: Promise<void>[] = [];
      page.on("response", (r) => {
        if (!r.url().includes("/api/v1/public/map/clusters")) return;
        reads.push(
          r.text().then(
            (body) => void clusterBodies.push(body),
            () => undefined,
          ),
        );
      });
      await page.goto(`${baseUrl}/transparencia?lang=${lang}`);
      await page.getByRole("heading", { level: 1, name: titleOf(lang) }).waitFor();
      // The map loads when it comes near the screen.
      await page.getByRole("heading", { level: 2, name: texts(lang).map.title }).scrollIntoViewIfNeeded();
      await page.locator(".transparency-map.leaflet-container").waitFor();
      await page.locator(".map-total[data-total]:not([data-total=''])").waitFor();
      await page.locator(".transparency-map path.leaflet-interactive").first().waitFor({ state: "attached" });
      await page.locator(".district-only summary").click();
      const counted = page.locator(`.district-only li[data-district="${secretDistrict.code}"]`);
      assert.match(await counted.innerText(), new RegExp(secretDistrict.name));
      await Promise.all(reads);
      assert.ok(clusterBodies.length > 0);
      for (const body of clusterBodies) {
        for (const digits of [SECRET.lat.toFixed(4), SECRET.lon.toFixed(4), "-23.561", "-46.657"]) {
          assert.ok(!body.includes(digits), `${digits} in ${body}`);
        }
      }
      assert.deepEqual(await seriousViolations(page), [], `${lang}: map`);
      await shot(page, `transparency-map-${lang}`);

      // The ranking, sortable, each name a link.
      await page.locator("#transparency-ranking").scrollIntoViewIfNeeded();
      const row = page.locator(`table.ranking tr[data-code="${se.code}"]`);
      await row.waitFor();
      assert.equal(await row.locator("td").first().getAttribute("data-value"), String(opened));
      assert.equal(
        await row.locator("td").nth(1).getAttribute("data-value"),
        onTime === null ? "" : String(onTime),
      );
      const volume = page.locator("table.ranking thead th").nth(1);
      await volume.locator("button").click();
      assert.equal(await volume.getAttribute("aria-sort"), "descending");
      const volumes = (await page
        .locator("table.ranking tbody tr td:first-of-type")
        .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-value"))))) as number[];
      assert.deepEqual(
        volumes,
        [...volumes].sort((a, b) => b - a),
        "sorted by volume, largest first",
      );
      await volume.locator("button").click();
      assert.equal(await volume.getAttribute("aria-sort"), "ascending");
      assert.deepEqual(await seriousViolations(page), [], `${lang}: ranking`);
      if (lang === "pt-BR") {
        await page.getByRole("button", { name: texts(lang).ranking.by_service }).click();
        await page.locator(`table.ranking[data-dimension="service"] tr[data-code="${service}"]`).waitFor();
      }

      // A district's page, reached without a reload, and the same after one.
      if (lang === "pt-BR") {
        await page.locator("fieldset.choose-dimension button").first().click();
        await row.waitFor();
      }
      await row.getByRole("link", { name: se.name }).click();
      await page.getByRole("heading", { level: 1, name: se.name }).waitFor();
      assert.equal(new URL(page.url()).pathname, `/transparencia/distrito/${se.code}`);
      for (const reload of [false, true]) {
        if (reload) await page.reload();
        await page.getByRole("heading", { level: 1, name: se.name }).waitFor();
        await valueIs(page, '[data-indicator="demands-opened"] .indicator-value', opened);
        await valueIs(page, '[data-indicator="deadline-compliance"] .indicator-value', onTime);
        await page.locator('figure.chart[data-kind="bars"][data-drawn="true"]').waitFor();
      }
      await page.locator("#transparency-map").scrollIntoViewIfNeeded();
      await page.locator(".map-total[data-total]:not([data-total=''])").waitFor();
      assert.deepEqual(await seriousViolations(page), [], `${lang}: district page`);
      await shot(page, `transparency-district-${lang}`);
      await context.close();
    }
  });

  it("shows a service's and a department's page, and says when a code names nothing", async () => {
    const year = lastYear();
    const context = await browser.newContext({ ...PHONE, locale: "en" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/transparencia/servico/${service}?lang=en`);
    await page
      .getByRole("heading", { level: 1, name: serviceName!.name.en ?? serviceName!.name["pt-BR"] })
      .waitFor();
    await valueIs(
      page,
      '[data-indicator="demands-opened"] .indicator-value',
      await apiValue(`${year}&service=${service}`),
    );
    await page.goto(`${baseUrl}/transparencia/orgao/${department!.code}?lang=es`);
    await page.getByRole("heading", { level: 1, name: department!.name }).waitFor();
    await valueIs(
      page,
      '[data-indicator="demands-opened"] .indicator-value',
      await apiValue(`${year}&department=${department!.code}`),
    );
    assert.deepEqual(await seriousViolations(page), [], "department page");
    await shot(page, "transparency-department-es");
    await page.goto(`${baseUrl}/transparencia/distrito/NOPE?lang=pt-BR`);
    await page.getByRole("heading", { level: 1, name: /não encontrado/ }).waitFor();
    await context.close();
  });

  it("answers its pages without script with the heading, for search engines and slow phones", async () => {
    for (const path of [
      "/transparencia",
      `/transparencia/distrito/${se.code}`,
      `/transparencia/orgao/${department!.code}`,
    ]) {
      const res = await fetch(`${baseUrl}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), new RegExp(`<h1>${titleOf("pt-BR")}</h1>`));
    }
    // The first page's shell preloads what its first screen needs: the transparency chunk beside the portal's, the
    // first cards' readings, and carries the definitions (bench/web.ts measures why).
    const preloads = async (path: string) => {
      const html = await (await fetch(`${baseUrl}${path}`)).text();
      return {
        modules: [...html.matchAll(/rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]),
        fetches: [...html.matchAll(/rel="preload" as="fetch" crossorigin="anonymous" href="([^"]+)"/g)].map(
          (m) => m[1],
        ),
        boot: JSON.parse(html.match(/<script type="application\/json" id="boot">(.*?)<\/script>/s)![1]!) as {
          indicators?: Array<{ id: string }>;
        },
      };
    };
    const home = await preloads("/");
    const first = await preloads("/transparencia");
    assert.ok(
      first.modules.length > home.modules.length && home.modules.every((m) => first.modules.includes(m)),
    );
    assert.deepEqual(home.fetches, []);
    assert.equal(home.boot.indicators, undefined);
    assert.deepEqual(
      first.boot.indicators?.map((d) => d.id),
      (
        (await (await fetch(`${baseUrl}/api/v1/indicators`)).json()) as { indicators: Array<{ id: string }> }
      ).indicators.map((d) => d.id),
    );
    assert.equal(first.fetches[0], "/api/v1/indicators/demands-opened?compare=previous-month");
    for (const href of first.fetches) assert.equal((await fetch(`${baseUrl}${href}`)).status, 200, href);
  });
});

describe("the monthly report", () => {
  it("gives the month's indicators as the API does, prints to a PDF, and has no serious axe violation", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const [y, m] = month.split("-").map(Number) as [number, number];
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const count = (await apiValue(`from=${month}-01&to=${month}-${last}`))!;
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
