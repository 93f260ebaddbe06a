import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testConfig } from "../../tests/helpers.ts";
import volumes from "../classification/sp156-volumes.json" with { type: "json" };
import { readCatalogue } from "./seed.ts";
import { serviceCode, sourceRef } from "./sp156.ts";
import {
  allServiceTranslations,
  groupTranslation,
  searchKeywordsOf,
  TRANSLATED_LANGUAGES,
} from "./translations.ts";

const catalogue = readCatalogue(testConfig().sharedDataDir);
const byCode = new Map(catalogue.map((r) => [serviceCode(sourceRef(r.Tema, r.Assunto, r.Serviço)), r]));
const requests: Record<string, number> = volumes;
const total = Object.values(requests).reduce((a, b) => a + b, 0);

describe("service translations (translations/en.json, es.json)", () => {
  for (const language of TRANSLATED_LANGUAGES) {
    const translations = allServiceTranslations(language);

    it(`${language}: every entry names a catalogue service by its code and its Portuguese name`, () => {
      for (const [code, t] of Object.entries(translations)) {
        const row = byCode.get(code);
        assert.ok(row, `${code} is in the catalogue`);
        assert.equal(t.pt, row.Serviço.replace(/\s+/g, " ").trim(), `${code}'s pt name`);
        assert.ok(t.name.trim().length > 2 && t.keywords.length > 0, `${code} has a name and words`);
        assert.ok(groupTranslation(row.Assunto, language), `${language} name of the group ${row.Assunto}`);
      }
    });

    it(`${language}: covers the services that carry 95% of the demand`, () => {
      const covered = Object.keys(translations).reduce((sum, code) => sum + (requests[code] ?? 0), 0);
      assert.ok(covered / total >= 0.95, `${((100 * covered) / total).toFixed(1)}% of the requests`);
    });
  }

  it("adds the translated words to the search keywords without English or Spanish stop words", () => {
    const pothole = serviceCode(
      sourceRef("Rua e bairro", "Reparos em asfalto, pontes e viadutos", "Tapa-buraco"),
    );
    const words = searchKeywordsOf(pothole);
    assert.ok(words.includes("pothole") && words.includes("bache"));
    assert.ok(!words.includes("the") && !words.includes("street") && !words.includes("calle"));
  });
});
