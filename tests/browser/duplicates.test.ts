/**
 * "Someone already reported this" in Chromium on a phone, in pt-BR, en and es: while filing, the open demand of the
 * same service at the marked point is shown (public facts only) with Support (+1) and Follow; support counts once,
 * follow asks a signed-out citizen to sign in and follows for a signed-in one. axe-core on each screen; screenshots
 * in .cache/screenshots/duplicates-*.png.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { one } from "../../server/db/index.ts";
import { hashToken } from "../../server/http/auth.ts";
import { seriousViolations, shot, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const db = ctx.db;
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const LOCALES = ["pt-BR", "en", "es"] as const;
type Locale = (typeof LOCALES)[number];
const texts = Object.fromEntries(
  LOCALES.map((l) => [l, JSON.parse(readFileSync(`locales/${l}.json`, "utf8")).web.portal]),
) as Record<Locale, { file: { show_map: string }; duplicates: Record<string, string> }>;

// A request-type service that needs a place: one the candidates list and the rule are about.
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services
      WHERE active AND attributes = '[]'::jsonb AND location_required AND NOT sensitive AND demand_type = 'request'
      ORDER BY code LIMIT 1`,
  )
).code;

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Opens the filing form and marks the map's centre (the keyboard way: Enter on the map); returns the point. */
async function markCentre(page: Page, locale: Locale): Promise<{ lat: number; lon: number }> {
  await page.goto(`${baseUrl}/solicitar/${service}?lang=${locale}`);
  await page.getByRole("button", { name: texts[locale].file.show_map }).click();
  // The districts drawn: the map's keyboard handlers are on.
  await page.locator(".map.leaflet-container path").first().waitFor();
  await page.locator(".map").focus();
  await page.keyboard.press("Enter");
  await page
    .locator('[data-testid="point"]')
    .filter({ hasText: /-23\.\d+/ })
    .waitFor();
  const [lat, lon] = (await page.locator('[data-testid="point"]').innerText())
    .match(/-?\d+\.\d+/g)!
    .map(Number);
  return { lat: lat!, lon: lon! };
}

/** A phone context, signed in as a citizen when `citizenId` is given (the cookie the code sign-in sets). */
async function phone(locale: Locale, citizenId?: number): Promise<BrowserContext> {
  const context = await browser.newContext({ ...PHONE, locale });
  if (citizenId !== undefined) {
    const token = randomBytes(24).toString("base64url");
    await db.query(
      "INSERT INTO citizen_sessions (token_hash, citizen_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')",
      [hashToken(token), citizenId],
    );
    await context.addCookies([
      { name: "responsiva_citizen", value: token, url: baseUrl, httpOnly: true, sameSite: "Lax" },
    ]);
  }
  return context;
}

async function fileAt(point: { lat: number; lon: number }, email: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/demands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      service,
      description: "Poste apagado há uma semana",
      location: point,
      identity: "identified",
      citizen: { name: "Primeira Pessoa", email },
    }),
  });
  const body = await res.text();
  assert.equal(res.status, 201, body);
  return (JSON.parse(body) as { protocol: string }).protocol;
}

describe("someone already reported this, on a phone", async () => {
  // Where the form's map centres: the open demand is filed there before the citizens arrive.
  const probe = await phone("pt-BR");
  const centre = await markCentre(await probe.newPage(), "pt-BR");
  await probe.close();
  const existing = await fileAt(centre, "primeira@example.org");
  const reader = await one<{ citizen_id: number }>(db, "SELECT citizen_id FROM demands WHERE protocol = $1", [
    await fileAt({ lat: centre.lat - 0.02, lon: centre.lon }, "leitora@example.org"),
  ]);

  for (const locale of LOCALES) {
    it(`shows the open demand with Support and Follow (${locale})`, async () => {
      const t = texts[locale].duplicates;
      const signedIn = locale === "pt-BR";
      const context = await phone(locale, signedIn ? reader.citizen_id : undefined);
      const page = await context.newPage();
      await markCentre(page, locale);
      const list = page.locator('[data-testid="duplicates"]');
      await list.getByText(t.protocol!.replace("{protocol}", existing)).waitFor();
      assert.ok((await list.innerText()).includes(t.title!));
      assert.ok(!(await list.innerText()).includes("Poste apagado"), "no description");
      await shot(page, `duplicates-${locale}`);
      assert.deepEqual(await seriousViolations(page), []);

      await list.getByRole("button", { name: t.support }).click();
      // One address supports once: the first language counts the +1, the others are told it was counted already.
      await list
        .getByText(new RegExp(`^(${literal(t.supported!)}|${literal(t.already_supported!)})$`))
        .waitFor();

      await list.getByRole("button", { name: t.follow }).click();
      if (signedIn) {
        await list.getByText(t.following!.replace("{protocol}", existing)).waitFor();
        const rows = await db.query(
          `SELECT 1 FROM demand_followers f JOIN demands d ON d.id = f.demand_id
            WHERE d.protocol = $1 AND f.citizen_id = $2 AND f.from_demand_id IS NULL`,
          [existing, reader.citizen_id],
        );
        assert.equal(rows.length, 1);
      } else {
        await list.getByRole("link", { name: t.sign_in }).waitFor();
      }
      await shot(page, `duplicates-${locale}-acted`);
      assert.deepEqual(await seriousViolations(page), []);
      await context.close();
    });
  }

  it("counted one support from the one address", async () => {
    const res = await fetch(
      `${baseUrl}/api/v1/duplicate-candidates?service=${service}&lat=${centre.lat}&lon=${centre.lon}`,
    );
    const found = (await res.json()) as { protocol: string; supporters: number }[];
    assert.equal(found.find((c) => c.protocol === existing)?.supporters, 1);
  });
});
