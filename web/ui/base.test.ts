/**
 * The tenant path prefix of a page (base.ts): read from the path the page was opened at, put on every same-origin
 * URL the apps build (API calls, links, navigation) and taken off the paths their routes match. The page's own
 * prefix is read once at load, so this file sets a page address before it imports the modules.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

const pushed: string[] = [];
const fetched: string[] = [];
Object.assign(globalThis, {
  location: { pathname: "/t/santos/demanda/123", href: "http://city.test/t/santos/demanda/123?lang=en" },
  history: { pushState: (_state: unknown, _title: string, url: string) => pushed.push(url) },
  dispatchEvent: () => true,
  PopStateEvent: class extends Event {},
  requestAnimationFrame: () => 0,
});
const { inBase, outOfBase, tenantBase, tenantBaseOf } = await import("./base.ts");
const { withLang } = await import("./i18n.ts");
const { navigate } = await import("./router.ts");
const { api } = await import("./api.ts");

describe("a page's tenant prefix", () => {
  it("is the /t/<slug> a path starts with, as the server reads it, or nothing", () => {
    assert.equal(tenantBaseOf("/t/santos/portal"), "/t/santos");
    assert.equal(tenantBaseOf("/t/santos"), "/t/santos");
    assert.equal(tenantBaseOf("/t/sao-jose-2/console/busca"), "/t/sao-jose-2");
    assert.equal(tenantBaseOf("/"), "");
    assert.equal(tenantBaseOf("/console"), "");
    assert.equal(tenantBaseOf("/transparencia"), "");
    // Not slugs: one character, capitals, a trailing hyphen, a longer first segment.
    assert.equal(tenantBaseOf("/t/s/portal"), "");
    assert.equal(tenantBaseOf("/t/Santos/portal"), "");
    assert.equal(tenantBaseOf("/t/santos-/portal"), "");
    assert.equal(tenantBaseOf("/tx/santos/portal"), "");
    assert.equal(tenantBaseOf("/t/santos.json"), "");
  });

  it("puts a same-origin path under the prefix, once, and leaves every other URL alone", () => {
    const base = "/t/santos";
    assert.equal(inBase("/api/v1/services?q=buraco", base), "/t/santos/api/v1/services?q=buraco");
    assert.equal(inBase("/", base), "/t/santos/");
    assert.equal(inBase("/console/demanda/1#novo", base), "/t/santos/console/demanda/1#novo");
    assert.equal(inBase("/t/santos/demanda/1", base), "/t/santos/demanda/1");
    assert.equal(inBase("/t/santos?lang=en", base), "/t/santos?lang=en");
    assert.equal(inBase("/t/santosx/demanda", base), "/t/santos/t/santosx/demanda");
    for (const other of [
      "https://sso.gov.br/logout",
      "//cdn.test/x.js",
      "#main",
      "?q=1",
      "blob:http://x/1",
      "",
    ])
      assert.equal(inBase(other, base), other);
    assert.equal(inBase("/api/v1/services", ""), "/api/v1/services");
  });

  it("takes the prefix off a page's path for the routes, and nothing else", () => {
    const base = "/t/santos";
    assert.equal(outOfBase("/t/santos/demanda/1", base), "/demanda/1");
    assert.equal(outOfBase("/t/santos/", base), "/");
    assert.equal(outOfBase("/t/santos", base), "/");
    assert.equal(outOfBase("/t/santosx/demanda", base), "/t/santosx/demanda");
    assert.equal(outOfBase("/demanda/1", base), "/demanda/1");
    assert.equal(outOfBase("/t/santos/demanda/1", ""), "/t/santos/demanda/1");
  });
});

describe("a page opened under /t/santos/", () => {
  it("reads its prefix from the address it was opened at", () => {
    assert.equal(tenantBase(), "/t/santos");
  });

  it("links and navigates within the prefix", () => {
    assert.equal(withLang("/demanda/123?x=1&lang=en#novo", "es"), "/t/santos/demanda/123?x=1&lang=es#novo");
    assert.equal(withLang("/t/santos/perto", "en"), "/t/santos/perto?lang=en");
    navigate("/console/busca?lang=en");
    navigate(withLang("/minhas-solicitacoes", "en"));
    assert.deepEqual(pushed, ["/t/santos/console/busca?lang=en", "/t/santos/minhas-solicitacoes?lang=en"]);
  });

  it("calls the API under the prefix, the paths the server answers with included", async () => {
    const original = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request) => {
      fetched.push(String(input));
      return new Response("{}", { headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    try {
      await api("/api/v1/services?lang=pt-BR");
      await api("/t/santos/api/v1/departments?cursor=abc");
    } finally {
      globalThis.fetch = original;
    }
    assert.deepEqual(fetched, [
      "/t/santos/api/v1/services?lang=pt-BR",
      "/t/santos/api/v1/departments?cursor=abc",
    ]);
  });
});
