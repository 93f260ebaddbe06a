import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { demandBody, emptyDraft, POLICY_VERSION } from "../portal/draft.ts";
import { checkDraft, formFieldOf } from "../portal/file-checks.ts";
import { format, formatWhen, pluralKey, setCityTimeZone, translator, withLang, withoutLang } from "./i18n.ts";
import { newestOnly } from "./load.ts";
import { matchPath } from "./router.ts";

describe("screen texts", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    assert.equal(format("{count} fotos de {who}", { count: 2 }), "2 fotos de {who}");
  });
  it("shows the key of a missing text, so it is noticed", () => {
    assert.equal(translator({ a: "A" })("b.c"), "b.c");
  });
  it("picks plural forms by each language's rules: pt-BR, en and es", () => {
    const pt = translator({ a_one: "{count} tentativa", a_other: "{count} tentativas" }, "pt-BR");
    assert.equal(pt("a", { count: 1 }), "1 tentativa");
    assert.equal(pt("a", { count: 2 }), "2 tentativas");
    // CLDR: Brazilian Portuguese says "0 tentativa" like "1"; English and Spanish say "0 attempts", "0 intentos".
    assert.equal(pt("a", { count: 0 }), "0 tentativa");
    const en = translator({ a_one: "{count} attempt", a_other: "{count} attempts" }, "en");
    assert.equal(en("a", { count: 1 }), "1 attempt");
    assert.equal(en("a", { count: 0 }), "0 attempts");
    assert.equal(en("a", { count: 1.5 }), "1.5 attempts");
    const es = translator({ a_one: "{count} intento", a_other: "{count} intentos" }, "es");
    assert.equal(es("a", { count: 1 }), "1 intento");
    assert.equal(es("a", { count: 21 }), "21 intentos");
    // Spanish has a "many" form for a million: missing from the table, "other" stands for it.
    assert.equal(es("a", { count: 1_000_000 }), "1000000 intentos");
  });
  it("uses a text without plural forms as it is, and shows the key of a missing one", () => {
    const t = translator({ b: "Fotos: {count}" }, "en");
    assert.equal(t("b", { count: 1 }), "Fotos: 1");
    assert.equal(t("c", { count: 1 }), "c");
    assert.equal(
      pluralKey((k) => k === "x_other", "x", 1, "en"),
      "x_other",
    );
    assert.equal(
      pluralKey(() => false, "x", 1, "en"),
      "x",
    );
  });
  it("keeps every plural text of the locales in one and other forms, without '(s)'", async () => {
    const { LOCALES, loadLocale } = await import("../../server/i18n.ts");
    for (const locale of LOCALES) {
      const texts = loadLocale(locale);
      for (const [key, text] of texts) {
        if (key.endsWith("_one") && text.includes("{count}")) {
          assert.ok(texts.has(`${key.slice(0, -4)}_other`), `${locale} ${key}`);
        }
        assert.doesNotMatch(text, /\p{L}\((s|es|as|os)\)/u, `${locale} ${key}: ${text}`);
      }
    }
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
  it("sends the channel chosen for the answers, and checks it has its contact", () => {
    const draft = {
      ...emptyDraft("SP-1"),
      description: "x",
      phone: "11987654321",
      reply: "whatsapp" as const,
    };
    assert.deepEqual(demandBody(draft, "pt-BR").citizen, {
      locale: "pt-BR",
      phone: "11987654321",
      preferredChannel: "whatsapp",
    });
    const rules = { attributes: [], locationRequired: false };
    const t = (key: string) => key;
    assert.deepEqual(checkDraft(draft, rules, t), {});
    assert.deepEqual(checkDraft({ ...draft, reply: "email" }, rules, t), {
      reply: "portal.file.errors.reply_email",
    });
    assert.equal(formFieldOf("citizen.preferredChannel"), "reply");
  });
});

describe("dates on the screens", () => {
  it("are said in the city's time zone handed by the boot data", () => {
    // 03:30 UTC on 13 March: past midnight in São Paulo (UTC−3), still the 12th in Manaus (UTC−4).
    const at = "2026-03-13T03:30:00Z";
    try {
      setCityTimeZone("America/Sao_Paulo");
      assert.equal(formatWhen(at, "pt-BR"), "13/03/2026, 00:30");
      setCityTimeZone("America/Manaus");
      assert.equal(formatWhen(at, "pt-BR"), "12/03/2026, 23:30");
      setCityTimeZone("America/New_York");
      assert.match(formatWhen(at, "en"), /^3\/12\/26, 11:30\sPM$/);
    } finally {
      setCityTimeZone(undefined);
    }
  });
});

describe("reads a live stream starts again", () => {
  it("apply only the newest read's answer, whichever arrives last", async () => {
    const newest = newestOnly();
    const shown: string[] = [];
    let answerFirst!: (v: string) => void;
    const first = new Promise<string>((resolve) => {
      answerFirst = resolve;
    });
    const a = newest(first, (v) => shown.push(v));
    const b = newest(Promise.resolve("after the call ended"), (v) => shown.push(v));
    await b;
    answerFirst("still ringing");
    await a;
    assert.deepEqual(shown, ["after the call ended"], "the late, older answer is dropped");
    await newest(Promise.resolve("next event"), (v) => shown.push(v));
    assert.deepEqual(shown, ["after the call ended", "next event"]);
  });
});
