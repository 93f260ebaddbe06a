/**
 * The street map without the internet, in Chromium on a phone in pt-BR, en and es: every request that leaves the
 * loopback is blocked, and the map still draws the city's streets from our own tiles; "use my location" (playwright's
 * geolocation) and a tap on the map fill the address with its CEP; a refused location says so. The portal's first
 * screen stays within 150 KB of gzipped JavaScript, the map loading only when opened. Screenshots in
 * .cache/screenshots/map-*.png.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import type { BrowserContext, Page } from "playwright-core";
import { reverseGeocode } from "../../server/areas/geocoding.ts";
import { generateSecret, webhookHeaders } from "../../server/webhooks/signature.ts";
import { seriousViolations, shot, staffContext, startBrowserTest } from "./browser.ts";

const SECRET = generateSecret();
const { baseUrl, browser, ctx } = await startBrowserTest({ telephonyWebhookSecret: SECRET });
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
// Avenida Paulista near Rua Augusta: the city's records give it CEP 01310-100.
const PAULISTA = { latitude: -23.5625, longitude: -46.6545 };
const FIRST_SCREEN_BUDGET = 150 * 1024;

const [service] = await ctx.db.query<{ code: string }>(
  "SELECT code FROM services WHERE active AND location_required ORDER BY code LIMIT 1",
);

const TEXTS = {
  "pt-BR": {
    useLocation: "Usar minha localização",
    showMap: "Marcar no mapa",
    denied: /permissão foi negada/,
  },
  en: { useLocation: "Use my location", showMap: "Mark on the map", denied: /permission was denied/ },
  es: { useLocation: "Usar mi ubicación", showMap: "Marcar en el mapa", denied: /se denegó el permiso/ },
} as const;

/** Blocks every request that is not to the loopback app; returns the list of what was blocked. */
async function offline(context: BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" || url.hostname === "localhost") return route.continue();
    blocked.push(url.href);
    return route.abort("internetdisconnected");
  });
  return blocked;
}

/** How many streets the drawn tiles hold (each canvas tile records its count once drawn); waits for some. */
async function drawnStreets(page: Page): Promise<number> {
  const handle = await page.waitForFunction(() => {
    const n = [...document.querySelectorAll<HTMLCanvasElement>(".street-tiles canvas")].reduce(
      (sum, c) => sum + Number(c.dataset.streets ?? 0),
      0,
    );
    return n > 0 ? n : false;
  });
  return (await handle.jsonValue()) as number;
}

/** The point the status line shows. */
async function shownPoint(page: Page): Promise<{ lat: number; lon: number }> {
  const text = await page.locator('[data-testid="point"]').innerText();
  const [lat, lon] = text.match(/-?\d+\.\d{5}/g)!.map(Number);
  return { lat: lat!, lon: lon! };
}

describe("the street map with no internet, on a phone", () => {
  for (const locale of ["pt-BR", "en", "es"] as const) {
    it(`draws streets, finds my location and turns a tapped point into an address with its CEP (${locale})`, async () => {
      const context = await browser.newContext({
        ...PHONE,
        locale,
        geolocation: PAULISTA,
        permissions: ["geolocation"],
      });
      const blocked = await offline(context);
      const page = await context.newPage();
      await page.goto(`${baseUrl}/solicitar/${service!.code}?lang=${locale}`);
      await page.getByRole("button", { name: TEXTS[locale].useLocation }).click();
      // The map opens at the device's position, at street level, drawn from our own tiles.
      assert.ok((await drawnStreets(page)) > 0);
      const status = page.locator('[data-testid="point"]');
      await page.waitForFunction(() =>
        /01310-100/.test(document.querySelector('[data-testid="point"]')?.textContent ?? ""),
      );
      assert.match(await status.innerText(), /AV PAULISTA/);
      assert.match(await status.innerText(), /BELA VISTA/);
      assert.match(
        await page.locator("#address").inputValue(),
        /^AV PAULISTA, \d+ - BELA VISTA - CEP 01310-100$/,
      );
      await shot(page, `map-location-${locale}`);
      assert.deepEqual(await seriousViolations(page), []);

      // A tap elsewhere on the map: the address becomes that point's street, number and CEP, as the server says.
      const before = await page.locator("#address").inputValue();
      const box = (await page.locator(".map").boundingBox())!;
      await page.mouse.click(box.x + box.width / 2 - 90, box.y + box.height / 2 + 40);
      await page.waitForFunction(
        (old) => (document.querySelector("#address") as HTMLInputElement).value !== old,
        before,
      );
      const tapped = await shownPoint(page);
      const expected = await reverseGeocode(ctx.db, tapped);
      assert.ok(expected, "a street near the tapped point");
      const address = await page.locator("#address").inputValue();
      assert.ok(address.startsWith(expected.street), `${address} starts with ${expected.street}`);
      if (expected.postcode) {
        assert.ok(
          address.endsWith(`${expected.postcode.slice(0, 5)}-${expected.postcode.slice(5)}`),
          address,
        );
      }
      await shot(page, `map-tapped-${locale}`);
      assert.deepEqual(blocked, [], "no request left the loopback");
      await context.close();
    });
  }

  it("says clearly when the location is refused", async () => {
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    await offline(context);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/solicitar/${service!.code}`);
    // No permission granted: Chromium refuses the position.
    await page.getByRole("button", { name: TEXTS["pt-BR"].useLocation }).click();
    await page.getByRole("alert").filter({ hasText: TEXTS["pt-BR"].denied }).waitFor();
    await shot(page, "map-location-denied-pt-BR");
    assert.deepEqual(await seriousViolations(page), []);
    await context.close();
  });

  it("keeps the first screen within 150 KB of gzipped JavaScript and loads the map only when opened", async () => {
    const context = await browser.newContext({ ...PHONE, locale: "pt-BR" });
    await offline(context);
    const page = await context.newPage();
    const scripts = new Map<string, number>();
    page.on("response", async (response) => {
      if (response.request().resourceType() !== "script") return;
      const body = await response.body().catch(() => null);
      if (body) scripts.set(response.url(), gzipSync(body).length);
    });
    await page.goto(`${baseUrl}/`, { waitUntil: "networkidle" });
    const total = [...scripts.values()].reduce((a, b) => a + b, 0);
    console.log(`first screen: ${scripts.size} scripts, ${(total / 1024).toFixed(1)} KB gzipped`);
    assert.ok(scripts.size > 0);
    assert.ok(total <= FIRST_SCREEN_BUDGET, `${total} bytes of gzipped JavaScript`);
    const firstScreen = new Set(scripts.keys());
    await page.goto(`${baseUrl}/solicitar/${service!.code}`, { waitUntil: "networkidle" });
    await page.getByRole("button", { name: TEXTS["pt-BR"].showMap }).click();
    await drawnStreets(page);
    const mapChunks = [...scripts.keys()].filter((u) => !firstScreen.has(u));
    assert.ok(mapChunks.length > 0, "the map came in a chunk of its own");
    await context.close();
  });
});

describe("the phone intake's map, on a desktop", () => {
  it("shows the place of the address said on the call and takes a click as the demand's place", async () => {
    const { context } = await staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" });
    const blocked = await offline(context);
    const body = JSON.stringify({
      callId: `map-${Date.now()}`,
      event: "ringing",
      from: "011912345678",
      to: "156",
    });
    const res = await fetch(`${baseUrl}/api/v1/telephony/events`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...webhookHeaders([SECRET], `msg_map_${Date.now()}`, Math.floor(Date.now() / 1000), body),
      },
      body,
    });
    assert.equal(res.status, 200, await res.clone().text());
    const { call } = (await res.json()) as { call: { id: number } };
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/telefone?chamada=${call.id}&lang=pt-BR`);
    await page.getByTestId("screen-pop").waitFor();
    await page.locator("#intake-description").fill("Buraco grande na Avenida Paulista 1000, perto do museu");
    await page.getByTestId("place").filter({ hasText: "PAULISTA" }).waitFor();
    await page.getByRole("button", { name: "Marcar no mapa" }).click();
    // The map opens on the place found for the address, with the city's streets drawn from our own tiles.
    assert.ok((await drawnStreets(page)) > 0);
    await page.locator(".map .map-pin").waitFor();
    const box = (await page.locator(".map").boundingBox())!;
    await page.mouse.click(box.x + box.width / 2 + 30, box.y + box.height / 2 + 20);
    await page.waitForFunction(() =>
      / - CEP \d{5}-\d{3}$| - [A-Z ]+$/.test(
        (document.querySelector("#intake-address") as HTMLInputElement).value,
      ),
    );
    const address = await page.locator("#intake-address").inputValue();
    const street = address.split(",")[0]!.split(" - ")[0]!;
    await page.getByTestId("place").filter({ hasText: street }).waitFor();
    await shot(page, "map-console-phone-pt-BR");
    assert.deepEqual(await seriousViolations(page), []);
    // Registered with the clicked point: the demand lies on the street the address names.
    await page.getByTestId("intake-service-suggestions").locator("button").first().waitFor();
    await page.keyboard.press("Alt+1");
    await page.getByTestId("intake-service-chosen").waitFor();
    await page.keyboard.press("Control+Enter");
    const protocol = (await page.getByTestId("protocol").innerText()).trim();
    const [demand] = await ctx.db.query<{ lat: number; lon: number; address: string }>(
      "SELECT ST_Y(location) AS lat, ST_X(location) AS lon, address FROM demands WHERE protocol = $1",
      [protocol],
    );
    assert.equal(demand?.address, address);
    const nearest = await reverseGeocode(ctx.db, demand!);
    assert.equal(nearest?.street, street);
    assert.deepEqual(blocked, [], "no request left the loopback");
    await context.close();
  });
});
