/**
 * The pure parts of the centre's quality screens: the score's colour classes (shared with the portal), the layer's
 * service or group filter, and the draft of an inspection route with the body it is saved with.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NO_SCORE_COLOUR, QUALITY_CLASSES, qualityClassOf, qualityColourOf } from "../ui/quality-scale.ts";
import { addVisit, bodyOf, type Draft, draftOf, localOf, removeVisit } from "./planning-data.ts";
import { scoreFilterOf } from "./quality-layer.tsx";
import { selectionOf } from "./selection.ts";

const block = (id: number) => ({ id, sector: "012", block: String(id).padStart(3, "0") });

describe("the quality scale", () => {
  it("puts every score from 0 to 100 in one class, worst first, with 100 in the best", () => {
    assert.equal(qualityClassOf(0).key, "very_bad");
    assert.equal(qualityClassOf(19.9).key, "very_bad");
    assert.equal(qualityClassOf(20).key, "bad");
    assert.equal(qualityClassOf(59.99).key, "fair");
    assert.equal(qualityClassOf(80).key, "very_good");
    assert.equal(qualityClassOf(100).key, "very_good");
    assert.equal(qualityClassOf(-5).key, "very_bad", "a value out of range is clamped");
    assert.equal(new Set(QUALITY_CLASSES.map((c) => c.colour)).size, QUALITY_CLASSES.length);
  });

  it("fills a block with no score in neutral grey, never in a class's colour", () => {
    assert.equal(qualityColourOf(null), NO_SCORE_COLOUR);
    assert.equal(qualityColourOf(undefined), NO_SCORE_COLOUR);
    assert.ok(!QUALITY_CLASSES.some((c) => c.colour === NO_SCORE_COLOUR));
  });
});

describe("the layer's filter", () => {
  it("asks for the centre's service, else its group, else every service", () => {
    assert.equal(
      scoreFilterOf(selectionOf(new URLSearchParams("service=S1&serviceGroup=G1"))),
      "&service=S1",
    );
    assert.equal(scoreFilterOf(selectionOf(new URLSearchParams("serviceGroup=G 1"))), "&group=G%201");
    assert.equal(scoreFilterOf(selectionOf(new URLSearchParams(""))), "");
  });
});

describe("the route draft", () => {
  const empty: Draft = { routeId: null, inspectorId: 7, day: "2026-12-07", note: " ", visits: [] };

  it("adds a block once, keeps the order, and removes it", () => {
    let draft = addVisit(empty, { block: block(1), questionnaireId: 3, reason: "open_demands" });
    draft = addVisit(draft, { block: block(2), questionnaireId: null, reason: "manual" });
    draft = addVisit(draft, { block: block(1), questionnaireId: 4, reason: "manual" });
    assert.deepEqual(
      draft.visits.map((v) => [v.block.id, v.questionnaireId]),
      [
        [1, 3],
        [2, null],
      ],
    );
    assert.deepEqual(
      removeVisit(draft, 1).visits.map((v) => v.block.id),
      [2],
    );
  });

  it("saves a new route with its inspector and day, a change with its visits only", () => {
    const draft = addVisit(empty, { block: block(5), questionnaireId: 3, reason: "bad_scores" });
    assert.deepEqual(bodyOf(draft), {
      inspectorId: 7,
      day: "2026-12-07",
      visits: [{ blockId: 5, questionnaireId: 3, reason: "bad_scores" }],
    });
    const changed = draftOf({
      id: 9,
      inspector: { id: 7, name: "Ana" },
      day: "2026-12-07",
      state: "planned",
      revision: 2,
      note: "Levar trena",
      visits: [
        {
          id: 1,
          position: 1,
          block: block(5),
          questionnaire: { id: 3, code: "limpeza", title: { "pt-BR": "Limpeza", en: "Cleaning" } },
          reason: "bad_scores",
          state: "done",
          note: null,
          doneAt: null,
        },
      ],
    });
    assert.deepEqual(bodyOf(changed), {
      note: "Levar trena",
      visits: [{ blockId: 5, questionnaireId: 3, reason: "bad_scores" }],
    });
  });

  it("says a questionnaire's title in the page's language, else in Portuguese", () => {
    assert.equal(localOf({ "pt-BR": "Limpeza", en: "Cleaning" }, "en"), "Cleaning");
    assert.equal(localOf({ "pt-BR": "Limpeza" }, "es"), "Limpeza");
    assert.equal(localOf("Limpeza", "en"), "Limpeza");
  });
});
