import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_IVR_MENU, digitsHeard, IvrMenu, pickOption, spokenDigits } from "./ivr.ts";

const names = { status: ["protocolo", "situação"], agent: ["atendente", "falar com alguém"] };

describe("the IVR's reading of a caller", () => {
  it("picks an option by the key pressed, a name said, or a digit said", () => {
    const o = DEFAULT_IVR_MENU.options;
    assert.equal(pickOption(o, { digits: "2" })?.action, "agent");
    assert.equal(pickOption(o, { digits: "7" }), undefined);
    assert.equal(pickOption(o, { speech: "Quero falar com um atendente." }, names)?.action, "agent");
    assert.equal(pickOption(o, { speech: "a situação do meu pedido" }, names)?.action, "status");
    assert.equal(pickOption(o, { speech: "Nove." }, names)?.language, "en");
    assert.equal(pickOption(o, { speech: "" }, names), undefined);
    assert.equal(pickOption(o, { speech: "bom dia" }, names), undefined);
  });

  it("hears digits in figures and in words of the three languages, 'meia' for six", () => {
    assert.equal(digitsHeard("2026 0000 0001 1"), "2026000000011");
    assert.equal(digitsHeard("dois zero dois meia, um"), "20261");
    assert.equal(digitsHeard("two oh three"), "203");
    assert.equal(digitsHeard("uno dos tres"), "123");
    assert.equal(digitsHeard("três"), "3");
  });

  it("says a protocol digit by digit in groups of four", () => {
    assert.equal(spokenDigits("2026000012347"), "2 0 2 6, 0 0 0 0, 1 2 3 4, 7");
  });

  it("refuses a menu with a key twice, a language option without its language, a message without its text", () => {
    assert.equal(IvrMenu.safeParse(DEFAULT_IVR_MENU).success, true);
    const twice = {
      ...DEFAULT_IVR_MENU,
      options: [
        { key: "1", action: "status" },
        { key: "1", action: "agent" },
      ],
    };
    assert.equal(IvrMenu.safeParse(twice).success, false);
    assert.equal(
      IvrMenu.safeParse({ ...DEFAULT_IVR_MENU, options: [{ key: "1", action: "language" }] }).success,
      false,
    );
    assert.equal(
      IvrMenu.safeParse({ ...DEFAULT_IVR_MENU, options: [{ key: "1", action: "message" }] }).success,
      false,
    );
    assert.equal(
      IvrMenu.safeParse({ ...DEFAULT_IVR_MENU, options: [{ key: "#", action: "agent" }] }).success,
      false,
    );
  });
});
