import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOCALES, loadLocale, negotiateLocale, translate } from "../server/i18n.ts";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("locales", () => {
  it("keeps the same keys and placeholders in pt-BR, en and es", () => {
    const [base, ...others] = LOCALES.map((l) => ({ locale: l, texts: loadLocale(l) }));
    for (const other of others) {
      assert.deepEqual(
        [...other.texts.keys()].sort(),
        [...base!.texts.keys()].sort(),
        `keys of ${other.locale}`,
      );
      for (const [key, text] of base!.texts) {
        assert.deepEqual(placeholders(other.texts.get(key)!), placeholders(text), `${other.locale} ${key}`);
      }
    }
  });

  it("picks the best supported language from Accept-Language, pt-BR by default", () => {
    assert.equal(negotiateLocale(undefined), "pt-BR");
    assert.equal(negotiateLocale("en-US,en;q=0.9"), "en");
    assert.equal(negotiateLocale("fr-FR, es;q=0.8, en;q=0.5"), "es");
    assert.equal(negotiateLocale("de"), "pt-BR");
  });

  it("picks plural forms by a numeric count, in each language's rules", () => {
    assert.equal(translate("pt-BR", "web.console.deliveries.attempts", { count: 1 }), "1 tentativa");
    assert.equal(translate("pt-BR", "web.console.deliveries.attempts", { count: 3 }), "3 tentativas");
    assert.equal(translate("en", "web.console.deliveries.attempts", { count: 1 }), "1 attempt");
    assert.equal(translate("en", "web.console.deliveries.attempts", { count: 0 }), "0 attempts");
    assert.equal(translate("es", "web.console.deliveries.attempts", { count: 2 }), "2 intentos");
  });

  it("fills placeholders", () => {
    assert.equal(
      translate("en", "problems.too_many_requests.detail", { seconds: 30 }),
      "Try again in 30 seconds.",
    );
  });
});
