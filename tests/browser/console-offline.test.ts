/**
 * The agent console without the network (issue 16, decision 0058), in Chromium with its offline emulation: the
 * console opened once keeps its page, the agent and the catalogue; offline, three counter demands are registered
 * and each gets a provisional number; the page is reloaded offline and lists them waiting; back online each is sent
 * once and shows its protocol, however often the link comes and goes. A demand whose service is retired meanwhile
 * comes back refused with the server's reason and can be discarded. Offline the agent picks the street from the
 * city's streets kept in the browser (the one of the district the citizen names, among namesakes), is warned of a
 * number outside its known numbers, and the demand is placed on that very street when sent. Screenshots in
 * .cache/screenshots/console-offline-*.png.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { updateService } from "../../server/catalogue/commands.ts";
import { one } from "../../server/db/index.ts";
import { staffHeaders } from "../helpers.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest({});
const db = ctx.db;

const pothole = (
  await one<{ code: string }>(db, "SELECT code FROM services WHERE name->>'pt-BR' = 'Tapa-buraco'")
).code;

/** The demands made of a description, with their protocol and channel. */
async function demandsDescribed(description: string): Promise<Array<{ protocol: string; channel: string }>> {
  return db.query("SELECT protocol, channel FROM demands WHERE description = $1 ORDER BY id", [description]);
}

/** An agent's console at the counter, online, once its service worker, its offline kit and the streets are kept. */
async function readyCounter(): Promise<{ page: Page; context: BrowserContext }> {
  const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/balcao?lang=pt-BR`);
  await page.locator("main h1").first().waitFor();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 15_000,
  });
  // A page the worker controls from its start, so the agent and the page itself are kept.
  await page.reload();
  await page.locator("#intake-description").waitFor();
  await page.waitForFunction(async () => {
    const open = indexedDB.open("responsiva-console");
    const idb = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    if (!idb.objectStoreNames.contains("kv")) return false;
    // No named helper in here: the page has none of the bundler's helpers such a function would need.
    let kept = 0;
    for (const key of ["kit:pt-BR", "streets-version"]) {
      kept += await new Promise<number>((resolve) => {
        const read = idb.transaction("kv").objectStore("kv").get(key);
        read.onsuccess = () => resolve(read.result === undefined ? 0 : 1);
        read.onerror = () => resolve(0);
      });
    }
    idb.close();
    return kept === 2;
  });
  return { page, context };
}

/** Registers one demand on the counter form; the caller reads the outcome. */
async function register(
  page: Page,
  description: string,
  service: { search: string; code: string; name: string },
) {
  await page.locator("#intake-description").fill(description);
  await page.locator("#intake-address").fill("Rua Augusta 1200");
  await page.locator("#intake-service-search").fill(service.search);
  await page.getByRole("button", { name: `${service.name} ${service.code}`, exact: true }).click();
  await page.locator("#intake-name").fill("Maria Sem Rede");
  await page.getByRole("button", { name: /^Registrar/ }).click();
}

describe("the console without the network", () => {
  it("takes three demands offline, keeps them through a reload and sends each once when the link is back", async () => {
    const { page, context } = await readyCounter();
    await context.setOffline(true);
    await page.reload();
    await page.locator("#intake-description").waitFor();
    const stamp = Date.now();
    const descriptions = [1, 2, 3].map((n) => `Buraco ${n} sem rede ${stamp}`);
    const provisional: string[] = [];
    for (const description of descriptions) {
      await register(page, description, { search: "tapa-buraco", code: pothole, name: "Tapa-buraco" });
      const number = (await page.getByTestId("provisional").innerText()).trim();
      assert.match(number, /^P-\d{4}-[A-Z0-9]{4}$/);
      provisional.push(number);
      if (provisional.length === 1) {
        await shot(page, "console-offline-kept-pt-BR");
        assert.deepEqual(await seriousViolations(page), []);
      }
      await page.keyboard.press("Alt+N");
      await page.locator("#intake-description").waitFor();
    }
    assert.equal(new Set(provisional).size, 3);
    for (const d of descriptions)
      assert.deepEqual(await demandsDescribed(d), [], "nothing reached the server");

    // A reload while offline: the console opens from its copy and lists the three, waiting.
    await page.reload();
    const waiting = page.locator('[data-testid="pending"] tr[data-state="waiting"]');
    await waiting.nth(2).waitFor();
    assert.equal(await waiting.count(), 3);
    for (const number of provisional) await page.getByRole("cell", { name: number }).waitFor();
    await shot(page, "console-offline-waiting-pt-BR");
    assert.deepEqual(await seriousViolations(page), []);

    // Back online: each is sent, once, and shows its protocol.
    await context.setOffline(false);
    await page.locator('[data-testid="pending"] tr[data-state="sent"]').nth(2).waitFor({ timeout: 30_000 });
    const shown = (await page.getByTestId("pending-protocol").allInnerTexts()).map((p) =>
      p.replace(/\s/g, ""),
    );
    const made = [];
    for (const d of descriptions) {
      const rows = await demandsDescribed(d);
      assert.equal(rows.length, 1, `${d}: one demand`);
      assert.equal(rows[0]!.channel, "counter");
      made.push(rows[0]!.protocol);
    }
    assert.deepEqual(shown.sort(), [...made].sort());
    // Placed on the way: the typed address became the demand's point.
    const [placed] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM demands WHERE description = ANY($1) AND location IS NOT NULL",
      [descriptions],
    );
    assert.equal(placed!.n, 3);
    await shot(page, "console-offline-sent-pt-BR");

    // The link comes and goes, the console opens again: nothing is sent twice.
    await context.setOffline(true);
    await context.setOffline(false);
    await page.reload();
    await page.locator('[data-testid="pending"] tr[data-state="sent"]').nth(2).waitFor();
    for (const d of descriptions) assert.equal((await demandsDescribed(d)).length, 1);
    // Done with them: the list empties.
    for (let i = 0; i < 3; i++) await page.getByRole("button", { name: "Concluído" }).first().click();
    await page.getByTestId("pending").waitFor({ state: "detached" });
    await context.close();
  });

  it("brings back refused a demand whose service was retired meanwhile, with the server's reason", async () => {
    const [service] = await db.query<{ code: string; name: string }>(
      `SELECT code, name->>'pt-BR' AS name FROM services
        WHERE active AND attributes = '[]'::jsonb AND NOT location_required AND code <> $1 ORDER BY code LIMIT 1`,
      [pothole],
    );
    const { staffId } = await staffHeaders(db, "admin");
    const actor = { staffId, staffName: "Admin", ip: null, userAgent: null };
    const { page, context } = await readyCounter();
    await context.setOffline(true);
    const description = `Pedido de serviço retirado ${Date.now()}`;
    await register(page, description, { search: service!.name, code: service!.code, name: service!.name });
    await page.getByTestId("provisional").waitFor();
    await updateService(db, service!.code, { active: false }, actor);
    try {
      await context.setOffline(false);
      const refused = page.locator('[data-testid="pending"] tr[data-state="refused"]');
      await refused.waitFor({ timeout: 30_000 });
      assert.match(await refused.innerText(), /Recusada pelo servidor/);
      assert.deepEqual(await demandsDescribed(description), []);
      await shot(page, "console-offline-refused-pt-BR");
      page.once("dialog", (dialog) => void dialog.accept());
      await refused.getByRole("button", { name: "Descartar" }).click();
      await refused.waitFor({ state: "detached" });
    } finally {
      await updateService(db, service!.code, { active: true }, actor);
    }
    await context.close();
  });

  it("picks the street from the city's kept streets offline, and the demand is placed on that street", async () => {
    // A namesake of R AUGUSTA in ÁGUA RASA (São Paulo has many; the fixture's cut has none): offline the agent picks
    // the one the citizen names by its district, and the server's geocoder is asked for that one when it is sent.
    const [agua] = await db.query<{ code: string; name: string }>(
      "SELECT code, name FROM districts WHERE name = 'AGUA RASA'",
    );
    // 100 m across a point inside the district.
    const [namesake] = await db.query<{ id: number; inside: boolean }>(
      `INSERT INTO streets (name, street_type, normalized_name, num_min, num_max, geom)
       SELECT 'R AUGUSTA', 'R', 'AUGUSTA', 1000, 1500, ST_MakeLine(ST_Translate(p, -0.0005, 0), ST_Translate(p, 0.0005, 0))
         FROM (SELECT ST_PointOnSurface(geom) AS p FROM districts WHERE code = $1) x
       RETURNING id, ST_Within(geom, (SELECT geom FROM districts WHERE code = $1)) AS inside`,
      [agua!.code],
    );
    assert.ok(namesake?.inside, "the namesake lies in ÁGUA RASA");
    try {
      const { page, context } = await readyCounter();
      await context.setOffline(true);
      await page.reload();
      await page.locator("#intake-description").waitFor();
      const description = `Calçada quebrada sem rede ${Date.now()}`;
      await page.locator("#intake-description").fill(description);
      await page.locator("#intake-address").fill("augusta 99999");
      // The kept streets: R AUGUSTA once per district it runs through, the namesake's among them.
      const choices = page.getByTestId("offline-streets").getByRole("button");
      await choices.first().waitFor();
      const offered = await choices.allInnerTexts();
      assert.ok(
        offered.some((o) => /^R AUGUSTA — CONSOLACAO, números 75 a 3005$/.test(o)),
        offered.join("\n"),
      );
      await shot(page, "console-offline-streets-list-pt-BR");
      assert.deepEqual(await seriousViolations(page), []);
      await page.getByRole("button", { name: "R AUGUSTA — AGUA RASA, números 1000 a 1500" }).click();
      assert.equal(await page.locator("#intake-address").inputValue(), "R AUGUSTA, 99999");
      await page.getByTestId("offline-street").waitFor();
      assert.match(await page.getByTestId("offline-street").innerText(), /R AUGUSTA, 99999 — AGUA RASA/);
      await page.getByTestId("offline-street-warning").waitFor();
      assert.match(await page.getByTestId("offline-street-warning").innerText(), /99999.*1000 a 1500/);
      await shot(page, "console-offline-streets-picked-pt-BR");
      assert.deepEqual(await seriousViolations(page), []);
      // The citizen gives the right number: the warning goes, the street stays picked.
      await page.locator("#intake-address").fill("R AUGUSTA, 1200");
      await page.getByTestId("offline-street-warning").waitFor({ state: "detached" });
      assert.match(await page.getByTestId("offline-street").innerText(), /R AUGUSTA, 1200 — AGUA RASA/);

      await page.locator("#intake-service-search").fill("tapa-buraco");
      await page.getByRole("button", { name: `Tapa-buraco ${pothole}`, exact: true }).click();
      await page.locator("#intake-name").fill("Maria Sem Rede");
      await page.getByRole("button", { name: /^Registrar/ }).click();
      await page.getByTestId("provisional").waitFor();
      assert.deepEqual(await demandsDescribed(description), [], "nothing reached the server");

      await context.setOffline(false);
      await page
        .locator('[data-testid="pending"] tr[data-state="sent"]')
        .first()
        .waitFor({ timeout: 30_000 });
      const [demand] = await db.query<{ address: string; district_code: string; meters: number }>(
        `SELECT d.address, d.district_code, ST_Distance(d.location::geography, s.geom::geography) AS meters
           FROM demands d, streets s WHERE d.description = $1 AND s.id = $2`,
        [description, namesake!.id],
      );
      assert.equal(demand?.address, "R AUGUSTA, 1200");
      assert.equal(demand?.district_code, agua!.code);
      assert.ok(demand!.meters < 5, `on the street picked (${demand!.meters} m)`);
      await context.close();
    } finally {
      await db.query("DELETE FROM streets WHERE id = $1", [namesake!.id]);
    }
  });
});
