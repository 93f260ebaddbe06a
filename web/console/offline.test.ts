/**
 * The offline console's pure parts: provisional numbers, what counts as a lost link, the kit's search and its
 * suggester (the server's, from the kit's inputs: offline-agreement.test.ts measures it against the server).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { portableFamily } from "../../domain/classification/suggester.ts";
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

  it("without the suggester's inputs (a kit kept by an older console), counts the words, names above keywords", () => {
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

  it("suggests with the server's suggester, families and rules from the kit's inputs, as JSON brought them", () => {
    const doc = (code: string, name: string, words: string, volume = 10) => ({
      code,
      name,
      nameLanguage: "pt-BR" as const,
      texts: [
        { text: name, weight: 3 },
        { text: words, weight: 2 },
      ],
      volume,
    });
    const tree = portableFamily({
      name: "tree",
      members: new Set(["SP-3", "SP-5"]),
      needCue: new Set(),
      cues: [{ code: "SP-5", when: /\b(caiu|tombou)\b/, unless: /\bgalho\b/ }],
    });
    const kit: OfflineKit = JSON.parse(
      JSON.stringify({
        ...KIT,
        services: [...KIT.services, service("SP-5", "Queda de árvore", ["tombou"])],
        suggester: {
          documents: [
            doc("SP-1", "Tapa-buraco", "buraco asfalto cratera"),
            doc("SP-2", "Reparo de lâmpada", "poste apagado luz iluminação"),
            doc("SP-3", "Poda de árvore", "árvore galho poda", 1000),
            doc("SP-4", "Remoção de entulho", "entulho caçamba restos de obra"),
            doc("SP-5", "Queda de árvore", "queda tombou", 1),
          ],
          families: [tree],
          rules: [
            {
              id: 1,
              serviceCode: "SP-4",
              serviceName: "Remoção de entulho",
              phrases: ["poste caido"],
              channels: ["phone"],
              areaCodes: [],
              effect: "override",
              weight: 1,
            },
          ],
        },
      }),
    );
    const first = (text: string, channel?: string) => suggestFromKit(kit, text, 5, channel)[0]?.code;
    // Misspelt, the server's way: corrected to the index's own words.
    assert.equal(first("tem um buracco enorme no asfaltu"), "SP-1");
    // The family's cue: the fallen tree, not the pruning, though "árvore" alone leans to the pruning.
    assert.equal(first("a árvore da praça"), "SP-3");
    assert.equal(first("a árvore da praça caiu"), "SP-5");
    // A manager's rule of the phone channel: on the phone only.
    assert.equal(first("o poste caído está apagado", "phone"), "SP-4");
    assert.equal(first("o poste caído está apagado", "counter"), "SP-2");
    // Praise asks for nothing, as on the server.
    assert.deepEqual(suggestFromKit(kit, "parabéns pela poda da árvore, ficou ótimo"), []);
    // The names shown are the kit's services'.
    assert.equal(suggestFromKit(kit, "a árvore da praça caiu")[0]?.name, "Queda de árvore");
  });
});
