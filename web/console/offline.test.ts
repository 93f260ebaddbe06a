/** The offline console's pure parts: provisional numbers, what counts as a lost link, the kit's search. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiProblem } from "../ui/api.ts";
import { isLinkDown, type OfflineKit, provisionalNumber, searchKit, suggestFromKit } from "./offline.ts";

const service = (code: string, name: string, keywords: string[] = []) => ({
  code,
  name,
  keywords,
  locationRequired: false,
  anonymousAllowed: true,
  attributes: [],
});
const KIT: OfflineKit = {
  version: "1",
  language: "pt-BR",
  services: [
    service("SP-1", "Tapa-buraco", ["asfalto", "cratera"]),
    service("SP-2", "Reparo de lâmpada", ["poste", "iluminação"]),
    service("SP-3", "Poda de árvore", ["galho"]),
    service("SP-4", "Remoção de entulho", ["caçamba"]),
  ],
};

describe("the offline console", () => {
  it("gives provisional numbers of the day and four characters not confused aloud", () => {
    const numbers = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = provisionalNumber(new Date(2026, 11, 6, 10));
      assert.match(n, /^P-1206-[ACEFHJKMNPRTWXY34679]{4}$/);
      numbers.add(n);
    }
    assert.ok(numbers.size > 190, "random enough for a day's counter");
  });

  it("counts as a lost link only no answer or a proxy's 502, 503 and 504", () => {
    assert.ok(isLinkDown(new ApiProblem(0, "offline", "", "")));
    for (const status of [502, 503, 504]) assert.ok(isLinkDown(new ApiProblem(status, "x", "", "")));
    for (const status of [400, 401, 422, 500]) assert.ok(!isLinkDown(new ApiProblem(status, "x", "", "")));
    assert.ok(!isLinkDown(new Error("other")));
  });

  it("searches the kept catalogue by every typed word, accents and case aside", () => {
    assert.deepEqual(
      searchKit(KIT, "tapa-BURACO").map((s) => s.code),
      ["SP-1"],
    );
    assert.deepEqual(
      searchKit(KIT, "lampada").map((s) => s.code),
      ["SP-2"],
    );
    assert.deepEqual(
      searchKit(KIT, "cacamba entulho").map((s) => s.code),
      ["SP-4"],
    );
    assert.deepEqual(searchKit(KIT, "x"), []);
  });

  it("suggests from a description's words, the name counting more than a keyword", () => {
    assert.deepEqual(
      suggestFromKit(KIT, "Tem uma cratera enorme no asfalto da minha rua").map((s) => s.code),
      ["SP-1"],
    );
    assert.deepEqual(
      suggestFromKit(KIT, "O poste está sem lâmpada, a iluminação apagou, e um galho caiu").map(
        (s) => s.code,
      ),
      ["SP-2", "SP-3"],
    );
    assert.deepEqual(suggestFromKit(KIT, "bom dia"), []);
  });
});
