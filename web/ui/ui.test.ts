import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { demandBody, emptyDraft, POLICY_VERSION } from "../portal/draft.ts";
import { format, translator, withLang, withoutLang } from "./i18n.ts";
import { matchPath } from "./router.ts";

describe("screen texts", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    assert.equal(format("{count} fotos de {who}", { count: 2 }), "2 fotos de {who}");
  });
  it("shows the key of a missing text, so it is noticed", () => {
    assert.equal(translator({ a: "A" })("b.c"), "b.c");
  });
  it("keeps the path, other parameters and the fragment when switching language", () => {
    assert.equal(withLang("/demanda/123?x=1&lang=en#novo", "es"), "/demanda/123?x=1&lang=es#novo");
  });
});

describe("the router", () => {
  it("drops only the language from a page's address", () => {
    assert.equal(withoutLang(new URL("http://x/?lang=en&q=buraco")), "/?q=buraco");
    assert.equal(withoutLang(new URL("http://x/demanda/1?lang=es")), "/demanda/1");
    assert.equal(
      withoutLang(new URL("http://x/admin/calendario?ano=2027&lang=en")),
      "/admin/calendario?ano=2027",
    );
  });

  it("matches parameters and refuses other shapes", () => {
    assert.deepEqual(matchPath("/demanda/:protocol", "/demanda/2024000012"), { protocol: "2024000012" });
    assert.deepEqual(matchPath("/", "/"), {});
    assert.equal(matchPath("/demanda/:protocol", "/demanda"), null);
    assert.equal(matchPath("/perto", "/solicitar/x"), null);
  });
});

describe("the body of a drafted demand", () => {
  it("leaves out empty answers and the person when anonymous", () => {
    const draft = {
      ...emptyDraft("SP-1"),
      description: "  Buraco  ",
      identity: "anonymous" as const,
      name: "Maria",
      attributes: { size: "", kinds: [], depth: 3 },
    };
    assert.deepEqual(demandBody(draft, "pt-BR"), {
      service: "SP-1",
      description: "Buraco",
      identity: "anonymous",
      channel: "web",
      attributes: { depth: 3 },
    });
  });
  it("sends the person's contacts, language and consent when identified", () => {
    const draft = {
      ...emptyDraft("SP-1"),
      description: "x",
      email: " a@b.org ",
      consent: true,
      address: "R X, 1",
    };
    assert.deepEqual(demandBody(draft, "es"), {
      service: "SP-1",
      description: "x",
      identity: "identified",
      channel: "web",
      attributes: {},
      address: "R X, 1",
      citizen: { locale: "es", email: "a@b.org", consent: { policyVersion: POLICY_VERSION } },
    });
  });
});
