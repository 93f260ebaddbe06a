import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { testApp } from "../../tests/helpers.ts";
import { buildWeb } from "../../web/build.ts";
import { emptyDraft, sendSubmission } from "../../web/portal/draft.ts";
import { forgetCalendar } from "../calendar/queries.ts";
import { createTenant } from "../tenants/commands.ts";

await buildWeb({ quiet: true });
const { app, ctx } = await testApp({ mapTileUrl: "https://tiles.example.org/{z}/{x}/{y}.png" });

describe("the portal's HTML shell", () => {
  it("is server-rendered in the negotiated language with a usable first screen and a CSP without inline script", async () => {
    const res = await app.inject({ url: "/", headers: { "accept-language": "es;q=1, pt-BR;q=0.5" } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="es">/);
    // Usable before the script: the protocol form posts to the server-rendered tracking page.
    assert.match(res.body, /<form action="\/acompanhar" method="get">/);
    assert.match(res.body, /¿Cómo podemos ayudar\?/);
    const csp = String(res.headers["content-security-policy"]);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /img-src 'self' data: blob: https:\/\/tiles\.example\.org/);
    // No executable inline script: the only inline block is JSON data.
    const inline = [...res.body.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
    assert.deepEqual(inline, [' type="application/json" id="boot"']);
    const boot = JSON.parse(
      res.body.match(/<script type="application\/json" id="boot">(.*?)<\/script>/s)![1]!,
    );
    assert.equal(boot.locale, "es");
    assert.equal(boot.tileUrl, "https://tiles.example.org/{z}/{x}/{y}.png");
    assert.equal(boot.messages["portal.home.title"], "¿Cómo podemos ayudar?");
    assert.equal(boot.timeZone, "America/Sao_Paulo");
  });

  it("hands the screens the city's time zone from its calendar, not a fixed one", async () => {
    const bootOf = async (url: string) => {
      const res = await app.inject({ url });
      return JSON.parse(res.body.match(/<script type="application\/json" id="boot">(.*?)<\/script>/s)![1]!);
    };
    await ctx.db.query("UPDATE calendar_settings SET time_zone = 'America/Manaus'");
    forgetCalendar(ctx.db);
    try {
      assert.equal((await bootOf("/")).timeZone, "America/Manaus");
      assert.equal((await bootOf("/console")).timeZone, "America/Manaus");
    } finally {
      await ctx.db.query("UPDATE calendar_settings SET time_zone = 'America/Sao_Paulo'");
      forgetCalendar(ctx.db);
    }
  });

  it("is served for every portal path, in the language asked with ?lang", async () => {
    for (const url of [
      "/solicitar/SP-2378F648?lang=en",
      "/demanda?lang=en",
      "/demanda/123?lang=en",
      "/perto?lang=en",
    ]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /<html lang="en">/, url);
    }
  });

  it("serves hashed assets as immutable, and refuses names outside the build", async () => {
    const shell = (await app.inject({ url: "/" })).body;
    const js = shell.match(/<script type="module" src="([^"]+)">/)![1]!;
    const res = await app.inject({ url: js });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /text\/javascript/);
    assert.equal(res.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(res.headers["content-encoding"], undefined, "plain to a client that does not take gzip");
    const packed = await app.inject({ url: js, headers: { "accept-encoding": "gzip, deflate, br" } });
    assert.equal(packed.headers["content-encoding"], "gzip");
    assert.equal(packed.headers.vary, "accept-encoding");
    assert.ok(packed.rawPayload.length < res.rawPayload.length / 2, "compressed to under half");
    assert.equal(gunzipSync(packed.rawPayload).toString(), res.body);
    assert.equal((await app.inject({ url: "/assets/..%2fmanifest.json" })).statusCode, 404);
    assert.equal((await app.inject({ url: "/assets/nothing-here.js" })).statusCode, 404);
  });

  it("offers an installable web app: manifest, PNG icons and a service worker at the root scope", async () => {
    const manifest = (await app.inject({ url: "/manifest.webmanifest?lang=en" })).json();
    assert.equal(manifest.display, "standalone");
    assert.equal(manifest.lang, "en");
    assert.ok(manifest.icons.some((i: { sizes: string }) => i.sizes === "512x512"));
    const png = await app.inject({ url: "/icons/icon-512.png" });
    assert.deepEqual([...png.rawPayload.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(png.rawPayload.readUInt32BE(16), 512);
    const sw = await app.inject({ url: "/sw.js" });
    assert.equal(sw.statusCode, 200);
    assert.equal(sw.headers["service-worker-allowed"], "/");
    const files = (await app.inject({ url: "/web-assets.json" })).json() as string[];
    assert.equal(new Set(files).size, files.length, "Cache.addAll refuses duplicates");
  });
});

// A tenant opened by its path prefix (docs/tenants.md); it needs no catalogue for its shells.
await createTenant(ctx.db, { slug: "santos", name: "Santos" });

describe("a shell under a tenant's path prefix", () => {
  it("links its manifest, home, plain forms and first readings under /t/<slug>, its hashed files at the root", async () => {
    const portal = await app.inject({ url: "/t/santos/?lang=en" });
    assert.equal(portal.statusCode, 200);
    assert.match(portal.body, /<link rel="manifest" href="\/t\/santos\/manifest\.webmanifest\?lang=en">/);
    assert.match(portal.body, /<a class="brand" href="\/t\/santos\/\?lang=en">/);
    assert.match(portal.body, /<form action="\/t\/santos\/acompanhar" method="get">/);
    assert.match(portal.body, /<form id="search" role="search" action="\/t\/santos\/carta-de-servicos"/);
    assert.match(portal.body, /<script type="module" src="\/assets\/[^"]+\.js"><\/script>/);
    assert.match(portal.body, /<link rel="icon" href="\/icons\/icon\.svg"/);
    const transparency = await app.inject({ url: "/t/santos/transparencia" });
    const preloads = [...transparency.body.matchAll(/<link rel="preload" as="fetch"[^>]* href="([^"]+)">/g)];
    assert.ok(preloads.length > 0);
    for (const [, href] of preloads) assert.match(href!, /^\/t\/santos\/api\/v1\/indicators\//);
    const staff = await app.inject({ url: "/t/santos/console/busca?lang=en" });
    assert.match(staff.body, /<a class="brand" href="\/t\/santos\/console\?lang=en">/);
    // The bare host's shell is unchanged.
    assert.match((await app.inject({ url: "/?lang=en" })).body, /<a class="brand" href="\/\?lang=en">/);
  });

  it("installs the tenant's portal at its prefix, with its own service worker there", async () => {
    const manifest = (await app.inject({ url: "/t/santos/manifest.webmanifest?lang=en" })).json();
    assert.equal(manifest.start_url, "/t/santos/?lang=en");
    assert.equal(manifest.scope, "/t/santos/");
    assert.equal(manifest.icons[0].src, "/icons/icon.svg");
    const root = (await app.inject({ url: "/manifest.webmanifest?lang=en" })).json();
    assert.equal(root.start_url, "/?lang=en");
    assert.equal(root.scope, "/");
    for (const worker of ["/t/santos/sw.js", "/t/santos/console-sw.js"])
      assert.equal((await app.inject({ url: worker })).statusCode, 200, worker);
  });
});

describe("the districts for maps", () => {
  it("are one simplified GeoJSON collection with every district", async () => {
    const res = await app.inject({ url: "/api/v1/districts.geojson" });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /application\/geo\+json/);
    const doc = res.json() as { features: { properties: { code: string }; geometry: { type: string } }[] };
    const [row] = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM districts");
    assert.equal(doc.features.length, row!.n);
    assert.match(doc.features[0]!.geometry.type, /Polygon/);
  });
});

describe("a demand sent from the portal's outbox", () => {
  it("is filed once even when the same submission is sent twice (a lost answer, back online)", async () => {
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const [service] = await ctx.db.query<{ code: string }>(
      `SELECT code FROM services WHERE active AND anonymous_allowed AND NOT location_required
        AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
    );
    const description = `Sent twice ${Date.now()}`;
    const submission = {
      key: crypto.randomUUID(),
      queuedAt: new Date().toISOString(),
      draft: {
        ...emptyDraft(service!.code),
        description,
        identity: "anonymous" as const,
        photos: [
          {
            name: "a.png",
            blob: new Blob([new Uint8Array((await app.inject({ url: "/icons/icon-192.png" })).rawPayload)]),
          },
        ],
      },
    };
    const send: typeof fetch = (input, init) => fetch(`${base}${input}`, init);
    const first = await sendSubmission(submission, "pt-BR", send);
    const second = await sendSubmission(submission, "pt-BR", send);
    assert.equal(first.status, 201);
    assert.ok(second.status === 200 || second.status === 201, String(second.status));
    assert.equal(second.headers.get("idempotent-replayed"), "true");
    assert.equal((await first.json()).protocol, (await second.json()).protocol);
    const rows = await ctx.db.query("SELECT 1 FROM demands WHERE description = $1", [description]);
    assert.equal(rows.length, 1);
  });
});
