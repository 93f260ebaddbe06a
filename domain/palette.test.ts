import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colourOf, contrast, DEFAULT_COLOUR, PALETTE, PALETTE_KEYS } from "./palette.ts";

describe("the accessible palette", () => {
  it("computes WCAG contrast: black on white is 21, a colour on itself 1", () => {
    assert.equal(contrast("#000000", "#ffffff"), 21);
    assert.equal(contrast("#0b4ea2", "#0b4ea2"), 1);
    // A known pair: #767676 on white is the lightest grey that passes AA (4.54).
    assert.ok(Math.abs(contrast("#767676", "#ffffff") - 4.54) < 0.01);
  });

  it("holds only colours that carry white text and read on white at AA (4.5:1), and on the page's light grey", () => {
    for (const key of PALETTE_KEYS) {
      assert.ok(contrast(PALETTE[key], "#ffffff") >= 4.5, `${key} on white`);
      assert.ok(contrast(PALETTE[key], "#f4f6f9") >= 4.5, `${key} on the light grey of cards`);
    }
  });

  it("answers the default for no choice or an unknown key", () => {
    assert.equal(colourOf(undefined), PALETTE[DEFAULT_COLOUR]);
    assert.equal(colourOf("fuchsia"), PALETTE[DEFAULT_COLOUR]);
    assert.equal(colourOf("verde"), PALETTE.verde);
  });
});
