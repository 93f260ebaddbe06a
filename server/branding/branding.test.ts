/**
 * Each tenant's own look and address (issue 16): its branding (name, palette colour, logo) on its screens only, its
 * public address in the links it writes, its redirects under its /t/slug prefix, and its cookies apart.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TINY_PNG } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { createTenant } from "../tenants/commands.ts";
import { runAsTenant } from "../tenants/current.ts";
import { keepTenantPathInRedirect, tenantCookie } from "../tenants/http.ts";
import { publicUrlOfTenant, tenantPublicUrl } from "../tenants/public-url.ts";

const { app, ctx } = await testApp();
const { db } = ctx;
const santos = await createTenant(db, { slug: "brand-santos", name: "Santos", hosts: ["santos.example"] });
const guaruja = await createTenant(db, { slug: "brand-guaruja", name: "Guarujá" });
const adminOf = (tenant: number) => runAsTenant(tenant, () => staffHeaders(db, "admin"));
const santosAdmin = await adminOf(santos);
const dataUrl = (bytes: Buffer, type = "image/png") => `data:${type};base64,${bytes.toString("base64")}`;
const onSantos = { host: "santos.example" };

describe("branding", () => {
  it("sets a tenant's name and colour, shown on its screens and nowhere else", async () => {
    const set = await app.inject({
      method: "PUT",
      url: "/api/v1/branding",
      headers: { ...santosAdmin, ...onSantos },
      payload: { name: "Prefeitura de Santos 156", colour: "verde" },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().colourHex, "#1b6e3a");
    const page = await app.inject({ url: "/", headers: onSantos });
    assert.match(page.body, /<title>Prefeitura de Santos 156<\/title>/);
    assert.match(page.body, /<meta name="theme-color" content="#1b6e3a">/);
    assert.match(page.body, /<link rel="stylesheet" href="\/branding.css">/);
    assert.match((await app.inject({ url: "/branding.css", headers: onSantos })).body, /--brand:#1b6e3a/);
    const manifest = (await app.inject({ url: "/manifest.webmanifest", headers: onSantos })).json();
    assert.equal(manifest.name, "Prefeitura de Santos 156");
    // The staff apps keep their own names, with the city's beside them.
    assert.match(
      (await app.inject({ url: "/console", headers: onSantos })).body,
      /<title>[^<]+ · Prefeitura de Santos 156</,
    );
    // The default tenant and another one keep the platform's look.
    const home = await app.inject({ url: "/" });
    assert.doesNotMatch(home.body, /Santos/);
    assert.match((await app.inject({ url: "/branding.css" })).body, /--brand:#0b4ea2/);
    const other = await app.inject({ url: "/t/brand-guaruja/" });
    assert.doesNotMatch(other.body, /Santos/);
    assert.match(other.body, /href="\/t\/brand-guaruja\/branding.css"/);
  });

  it("refuses a colour outside the palette, and a city's admin cannot change another city", async () => {
    const bad = await app.inject({
      method: "PUT",
      url: "/api/v1/branding",
      headers: { ...santosAdmin, ...onSantos },
      payload: { colour: "#ff00ff" },
    });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers["content-type"]), /problem\+json/);
    // Santos's session on Guarujá's prefix is no session at all there.
    const across = await app.inject({
      method: "PUT",
      url: "/t/brand-guaruja/api/v1/branding",
      headers: santosAdmin,
      payload: { name: "Tomada", colour: "roxo" },
    });
    assert.equal(across.statusCode, 401);
    assert.equal((await app.inject({ url: "/t/brand-guaruja/api/v1/branding" })).json().name, null);
  });

  it("keeps a logo checked by its bytes, served under its version, and removes it", async () => {
    const notPng = await app.inject({
      method: "PUT",
      url: "/api/v1/branding/logo",
      headers: { ...santosAdmin, ...onSantos },
      payload: { image: dataUrl(Buffer.from("<svg onload='x'></svg>")) },
    });
    assert.equal(notPng.statusCode, 422);
    assert.equal(notPng.json().code, "logo_not_an_image");
    const set = await app.inject({
      method: "PUT",
      url: "/api/v1/branding/logo",
      headers: { ...santosAdmin, ...onSantos },
      payload: { image: dataUrl(TINY_PNG) },
    });
    assert.equal(set.statusCode, 200, set.body);
    const logoUrl = set.json().logoUrl as string;
    assert.match(logoUrl, /^\/branding\/logo\?v=[0-9a-f]{16}$/);
    const logo = await app.inject({ url: logoUrl, headers: onSantos });
    assert.equal(logo.statusCode, 200);
    assert.equal(logo.headers["content-type"], "image/png");
    assert.match(String(logo.headers["cache-control"]), /immutable/);
    assert.deepEqual(logo.rawPayload, TINY_PNG);
    assert.match(
      (await app.inject({ url: "/", headers: onSantos })).body,
      /<img class="brand-logo" src="\/branding\/logo\?v=/,
    );
    // Another tenant has no logo, and never gets Santos's.
    assert.equal((await app.inject({ url: "/t/brand-guaruja/branding/logo" })).statusCode, 404);
    const audit = await runAsTenant(santos, () =>
      db.query<{ action: string }>("SELECT action FROM audit_log WHERE entity_type = 'branding' ORDER BY id"),
    );
    assert.deepEqual(
      audit.map((a) => a.action),
      ["branding.updated", "branding.logo_updated"],
    );
    const gone = await app.inject({
      method: "DELETE",
      url: "/api/v1/branding/logo",
      headers: { ...santosAdmin, ...onSantos },
    });
    assert.equal(gone.json().logoUrl, null);
    assert.equal((await app.inject({ url: "/branding/logo", headers: onSantos })).statusCode, 404);
  });
});

describe("a tenant's address, redirects and cookies", () => {
  it("writes links at the tenant's own address: its host, else PUBLIC_URL with its prefix", async () => {
    const base = "https://156.example.gov.br";
    assert.equal(publicUrlOfTenant({ id: 1, slug: "default", hosts: ["x.example"] }, base), base);
    assert.equal(
      publicUrlOfTenant({ id: 7, slug: "santos", hosts: ["santos.example:8443"] }, base),
      "https://santos.example:8443",
    );
    assert.equal(publicUrlOfTenant({ id: 8, slug: "guaruja", hosts: [] }, base), `${base}/t/guaruja`);
    assert.equal(
      await runAsTenant(guaruja, () => tenantPublicUrl(ctx)),
      `${ctx.config.publicUrl}/t/brand-guaruja`,
    );
    // Open311 discovery points at the tenant's endpoint.
    const discovery = await app.inject({ url: "/t/brand-guaruja/open311/v2/discovery.json" });
    assert.equal(discovery.json().endpoints[0].url, `${ctx.config.publicUrl}/t/brand-guaruja/open311/v2`);
  });

  it("keeps a redirect of the application under the tenant's prefix", async () => {
    const fake = (slug?: string) => ({ raw: { tenantSlug: slug } }) as never;
    assert.equal(
      keepTenantPathInRedirect(fake("santos"), "/minhas-solicitacoes?x=1"),
      "/t/santos/minhas-solicitacoes?x=1",
    );
    assert.equal(keepTenantPathInRedirect(fake("santos"), "/t/santos/x"), "/t/santos/x");
    assert.equal(
      keepTenantPathInRedirect(fake("santos"), "https://sso.acesso.gov.br/x"),
      "https://sso.acesso.gov.br/x",
    );
    assert.equal(keepTenantPathInRedirect(fake("santos"), "//evil.example/"), "//evil.example/");
    assert.equal(keepTenantPathInRedirect(fake(undefined), "/x"), "/x");
    const report = await app.inject({ url: "/t/brand-guaruja/transparencia/relatorio" });
    assert.equal(report.statusCode, 302);
    assert.match(String(report.headers.location), /^\/t\/brand-guaruja\/transparencia\/relatorio\//);
  });

  it("names and scopes a tenant's cookies by its prefix, so two cities on one host keep two sessions", async () => {
    const fake = (slug?: string) => ({ raw: { tenantSlug: slug } }) as never;
    assert.deepEqual(tenantCookie(fake(undefined), "responsiva_session"), {
      name: "responsiva_session",
      path: "/",
    });
    assert.deepEqual(tenantCookie(fake("santos"), "responsiva_session"), {
      name: "responsiva_session-santos",
      path: "/t/santos",
    });
    assert.deepEqual(tenantCookie(fake("santos"), "responsiva_sign_in", "/api/v1/"), {
      name: "responsiva_sign_in-santos",
      path: "/t/santos/api/v1/",
    });
    // A staff sign-in under a prefix sets that prefix's cookie, which then signs the next request in.
    const email = "cookie-admin@guaruja.example";
    await runAsTenant(guaruja, () =>
      db.query(
        `INSERT INTO staff_users (email, name, password_hash, role)
         VALUES ($1, 'Guarujá admin', $2, 'admin')`,
        [email, "x"],
      ),
    );
    const me = await app.inject({
      url: "/t/brand-guaruja/api/v1/auth/me",
      cookies: { "responsiva_session-brand-guaruja": "not-a-session", responsiva_session: "nor-this" },
    });
    assert.equal(me.statusCode, 401);
  });
});
