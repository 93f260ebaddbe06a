import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressIn } from "./address-in.ts";

describe("an address in the caller's words", () => {
  it("finds the street and number wherever they are said", () => {
    assert.equal(addressIn("Buraco enorme na Rua Augusta 1200, em frente à padaria"), "Rua Augusta 1200");
    assert.equal(addressIn("lixo acumulado na av. paulista, 900 há dias"), "av. paulista 900");
    assert.equal(
      addressIn("Poste apagado na Avenida Brigadeiro Luís Antônio nº 2000"),
      "Avenida Brigadeiro Luís Antônio 2000",
    );
    assert.equal(addressIn("árvore caindo na R. Vergueiro n. 3185"), "R. Vergueiro 3185");
    assert.equal(addressIn("Praça da Sé 1 tem vazamento"), "Praça da Sé 1");
    assert.equal(addressIn("Alameda Santos, número 415"), "Alameda Santos 415");
    // As people type on a phone: "r" for rua with no dot, all in lower case.
    assert.equal(
      addressIn("boa noite tem um buraco enorme na r augusta 1200 quase caí de moto"),
      "r augusta 1200",
    );
  });

  it("finds nothing where no street is named", () => {
    assert.equal(addressIn("Buraco enorme na rua em frente ao número 1200"), null);
    assert.equal(addressIn("barulho a noite toda no bar"), null);
    assert.equal(addressIn("o bar 24 horas"), null);
    assert.equal(addressIn("Rua Augusta sem número"), null);
    assert.equal(addressIn("Ligo pela 3ª vez, protocolo 2019 0001"), null);
  });
});
