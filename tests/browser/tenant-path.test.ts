/**
 * A tenant's screens under its path prefix (decision 0059, docs/tenants.md): opened at /t/santos/, the citizen
 * portal files a demand into Santos (not into the tenant of the bare host) and its links, confirmation and tracking
 * page stay under /t/santos/; Santos's agent console at /t/santos/console finds that demand. Every request either
 * page made (its API calls, live stream, service worker, manifest) went to /t/santos/..., the hashed assets and the
 * install's icons aside; each app's service worker is registered at the tenant's scope.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { createTenant } from "../../server/tenants/commands.ts";
import { DEFAULT_TENANT, runAsTenant } from "../../server/tenants/current.ts";
import { contentOfTemplate } from "../../server/tenants/templates.ts";
import { shot, staffContext, startBrowserTest } from "./browser.ts";

const { baseUrl, browser, ctx } = await startBrowserTest();
const { db } = ctx;
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: "pt-BR" };
const BASE = "/t/santos";

const santosId = await createTenant(
  db,
  { slug: "santos", name: "Santos" },
  contentOfTemplate("sao-paulo", ctx.config.sharedDataDir, undefined, "fixture"),
);

// As the filing test: a place-bound service taking anonymous demands with no extra fields, and a street to look up,
// both from Santos's own catalogue and map.
const { service, street } = await runAsTenant(santosId, async () => {
  const [service] = await db.query<{ code: string }>(
    `SELECT code FROM services
      WHERE active AND attributes = '[]'::jsonb AND location_required AND anonymous_allowed ORDER BY code LIMIT 1`,
  );
  const [street] = await db.query<{ name: string }>(
    "SELECT name FROM streets WHERE name LIKE 'R %' AND length(normalized_name) > 6 ORDER BY id LIMIT 1",
  );
  return { service: service!, street: street! };
});

/** The same-origin paths a page asks for, the hashed assets and the icons (the same for every tenant) left out. */
function pathsAsked(page: Page): string[] {
  const paths: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin !== baseUrl || /^\/(assets|icons)\//.test(url.pathname)) return;
    paths.push(url.pathname);
  });
  return paths;
}

/** The protocols of the demands described so in a tenant. */
function protocolsIn(tenant: number, description: string): Promise<string[]> {
  return runAsTenant(tenant, async () =>
    (
      await db.query<{ protocol: string }>("SELECT protocol FROM demands WHERE description = $1", [
        description,
      ])
    ).map((r) => r.protocol),
  );
}

/** The scope of the service worker that controls the page, once it does. */
async function workerScope(page: Page): Promise<string> {
  return page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
}

const description = `Buraco fundo na pista em Santos ${Date.now()}`;
let protocol = "";

describe("a tenant's screens under its path prefix", () => {
  it("files a citizen's demand into Santos from /t/santos/ and keeps every link and call under it", async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const asked = pathsAsked(page);
    await page.goto(`${baseUrl}${BASE}/`);
    await page.locator("#q").waitFor();
    // The shell's own links and the app's carry the prefix.
    assert.equal(
      await page.locator('link[rel="manifest"]').getAttribute("href"),
      `${BASE}/manifest.webmanifest?lang=pt-BR`,
    );
    assert.equal(await page.locator("a.brand").getAttribute("href"), `${BASE}/?lang=pt-BR`);
    const menu = await page.locator("#menu a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.ok(menu.length > 0 && menu.every((href) => href?.startsWith(`${BASE}/`)), menu.join(" "));
    // The search asks Santos's catalogue; picking a service goes to its form, still under the prefix.
    await page.locator("#q").fill("buraco na rua");
    await page.locator("#suggestions [role=option]").first().waitFor();
    await shot(page, "tenant-path-portal-home");
    assert.equal(await workerScope(page), `${baseUrl}${BASE}/`);

    await page.goto(`${baseUrl}${BASE}/solicitar/${service.code}`);
    await page.locator("#description").fill(description);
    await page.locator("#address").fill(street.name);
    await page.keyboard.press("Enter");
    await page.locator("#address-results [role=option]").first().waitFor();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page
      .getByTestId("point")
      .filter({ hasText: /-23\.\d+/ })
      .waitFor();
    await page.getByLabel("Anônimo (sem meus dados)").check();
    await shot(page, "tenant-path-portal-file");
    await page.getByRole("button", { name: "Enviar solicitação" }).click();

    // The confirmation is Santos's page of the demand.
    await page.waitForURL(new RegExp(`^${baseUrl}${BASE}/demanda/\\d+`));
    protocol = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByTestId("due-date").waitFor();
    await page.getByText(description).waitFor();
    await shot(page, "tenant-path-portal-filed");
    assert.deepEqual(await protocolsIn(santosId, description), [protocol]);
    assert.deepEqual(await protocolsIn(DEFAULT_TENANT, description), []);
    // The device keeps Santos's drafts and outbox apart from the bare host's.
    const stores = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    assert.ok(stores.includes(`responsiva-portal${BASE}`), stores.join(" "));

    // Following it by protocol from the menu: the page and its live stream are Santos's.
    await page.locator("#menu").getByRole("link", { name: "Acompanhar", exact: true }).click();
    await page.waitForURL(new RegExp(`^${baseUrl}${BASE}/demanda\\?`));
    // The router matched the page without its prefix: the menu marks where the citizen is.
    assert.equal(
      await page
        .locator("#menu")
        .getByRole("link", { name: "Acompanhar", exact: true })
        .getAttribute("aria-current"),
      "page",
    );
    await page.locator("#protocolo").fill(protocol);
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`^${baseUrl}${BASE}/demanda/${protocol}`));
    await page.locator("[data-status]").waitFor();
    await shot(page, "tenant-path-portal-track");

    assert.ok(asked.includes(`${BASE}/api/v1/demands`), asked.join(" "));
    assert.ok(asked.includes(`${BASE}/api/v1/demands/${protocol}/events`), asked.join(" "));
    assert.deepEqual(
      asked.filter((path) => !path.startsWith(`${BASE}/`)),
      [],
      "every request of the portal went to Santos",
    );
    await context.close();
  });

  it("shows Santos's console at /t/santos/console, where the demand filed there is found", async () => {
    assert.ok(protocol, "the demand was filed");
    // A Santos agent: the staff member is made as Santos's work, so the session is Santos's.
    const { context } = await runAsTenant(santosId, () =>
      staffContext(browser, baseUrl, ctx, "agent", undefined, { locale: "pt-BR" }),
    );
    // Under /t/santos the session cookie is Santos's own: named for the slug, sent only under its path.
    const [session] = await context.cookies(baseUrl);
    await context.clearCookies();
    await context.addCookies([
      {
        name: `${session!.name}-santos`,
        value: session!.value,
        url: `${baseUrl}${BASE}`,
        httpOnly: true,
        sameSite: "Lax",
      },
    ]);
    const page = await context.newPage();
    const asked = pathsAsked(page);
    await page.goto(`${baseUrl}${BASE}/console?lang=pt-BR`);
    await page.locator(".who").waitFor();
    assert.equal(await page.locator("a.brand").getAttribute("href"), `${BASE}/console?lang=pt-BR`);
    const menu = await page.locator("#menu a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.ok(menu.length > 0 && menu.every((href) => href?.startsWith(`${BASE}/`)), menu.join(" "));

    // "/" opens the search (the router takes the prefix off to match, and puts it back to go there).
    await page.keyboard.press("/");
    await page.waitForURL(new RegExp(`^${baseUrl}${BASE}/console/busca`));
    await page.waitForFunction(() => document.activeElement?.id === "search-q");
    await page.keyboard.type(protocol);
    await page.keyboard.press("Enter");
    const link = page.getByRole("link", { name: protocol });
    await link.waitFor();
    await shot(page, "tenant-path-console-search");
    await link.click();
    await page.waitForURL(new RegExp(`^${baseUrl}${BASE}/console/demanda/${protocol}`));
    await page.getByText(description).first().waitFor();
    await shot(page, "tenant-path-console-demand");
    assert.equal(await workerScope(page), `${baseUrl}${BASE}/console`);

    assert.ok(asked.includes(`${BASE}/api/v1/auth/me`), asked.join(" "));
    assert.ok(asked.includes(`${BASE}/api/v1/events`), asked.join(" "));
    assert.deepEqual(
      asked.filter((path) => !path.startsWith(`${BASE}/`)),
      [],
      "every request of the console went to Santos",
    );
    await context.close();
  });
});
