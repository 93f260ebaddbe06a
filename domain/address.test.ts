import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  normalizeAreaName,
  normalizeStreetName,
  normalizeText,
  parseAddress,
  parseStreetName,
} from "./address.ts";

describe("normalizeText", () => {
  it("upper-cases, removes accents and turns punctuation into single spaces", () => {
    assert.equal(normalizeText("  Praça da Sé, nº 1 "), "PRACA DA SE N 1");
    assert.equal(normalizeText("Estrada do M'Boi Mirim"), "ESTRADA DO M BOI MIRIM");
    assert.equal(normalizeText("Rua Conceição--Açaí"), "RUA CONCEICAO ACAI");
  });

  it("normalises area names the way SP156 and the polygons spell them", () => {
    assert.equal(normalizeAreaName("M'Boi Mirim"), "M BOI MIRIM");
    assert.equal(normalizeAreaName("São Lucas"), normalizeAreaName("SAO LUCAS"));
  });
});

describe("parseAddress", () => {
  it("reads an abbreviated type, a name and a number typed in lower case", () => {
    assert.deepEqual(parseAddress("r augusta 1200"), {
      type: "R",
      name: "AUGUSTA",
      normalizedName: "AUGUSTA",
      number: 1200,
    });
  });

  it("drops a title the city's layer leaves out, and reads the number after the comma", () => {
    const parsed = parseAddress("Rua Prof. Artur Ramos, 183");
    assert.equal(parsed.type, "R");
    assert.equal(parsed.name, "PROF ARTUR RAMOS");
    assert.equal(parsed.normalizedName, "ARTUR RAMOS");
    assert.equal(parsed.number, 183);
  });

  it("drops several titles in a row", () => {
    assert.equal(parseAddress("Avenida Professor Doutor Arnaldo 5").normalizedName, "ARNALDO");
    assert.equal(parseAddress("Av. Eng. Luís Carlos Berrini 1500").normalizedName, "LUIS CARLOS BERRINI");
  });

  it("reads the number after 'nº', 'n.' and 'numero'", () => {
    assert.equal(parseAddress("av paulista nº 1000").number, 1000);
    assert.equal(parseAddress("av paulista nº 1000").normalizedName, "PAULISTA");
    assert.equal(parseAddress("R. Augusta n. 12").number, 12);
    assert.equal(parseAddress("R. Augusta n. 12").name, "AUGUSTA");
    assert.equal(parseAddress("Rua Augusta numero 5").number, 5);
  });

  it("keeps the complement after the number out of the name and the number", () => {
    assert.deepEqual(parseAddress("Rua X, 12 - apto 3"), {
      type: "R",
      name: "X",
      normalizedName: "X",
      number: 12,
    });
    assert.equal(parseAddress("Alameda Santos, 2000 bloco B").number, 2000);
    assert.equal(parseAddress("Rua Doutor Arnaldo 5 apto 12").number, 5);
    assert.equal(parseAddress("Rua Augusta,1200 fundos").number, 1200);
  });

  it("keeps a number right after the type as part of the name, spelled out as the layer writes it", () => {
    const parsed = parseAddress("Rua 25 de Março, 300");
    assert.equal(parsed.name, "25 DE MARCO");
    assert.equal(parsed.normalizedName, "VINTE CINCO MARCO");
    assert.equal(parsed.number, 300);
    assert.equal(parseAddress("Rua 7 de Abril").normalizedName, normalizeStreetName("R SETE DE ABRIL"));
    assert.equal(parseAddress("Rua 7 de Abril").number, undefined);
  });

  it("reads accented and unaccented spellings alike", () => {
    assert.deepEqual(parseAddress("praça da sé"), parseAddress("PRACA DA SE"));
    assert.equal(
      parseAddress("Estrada do M'Boi Mirim, 4055").normalizedName,
      normalizeStreetName("ES M BOI MIRIM"),
    );
  });

  it("drops a leading saint and says which one, in one spelling", () => {
    assert.deepEqual(parseAddress("RUA SAO BENTO 10"), {
      type: "R",
      name: "SAO BENTO",
      normalizedName: "BENTO",
      saint: "SAO",
      number: 10,
    });
    assert.equal(parseAddress("Avenida Nossa Senhora de Sabará, 2000").normalizedName, "SABARA");
    assert.equal(parseAddress("Avenida Nossa Senhora de Sabará, 2000").saint, "NOSSA SENHORA");
    assert.equal(parseAddress("Rua Dias da Silva, 5").saint, undefined);
  });

  it("never drops the whole name, even when it is only a title", () => {
    assert.equal(parseAddress("Rua General").normalizedName, "GENERAL");
    assert.equal(parseAddress("Rua Santa, 10").normalizedName, "SANTA");
  });

  it("treats a word without a type as the name", () => {
    const parsed = parseAddress("augusta 1200");
    assert.equal(parsed.type, undefined);
    assert.equal(parsed.normalizedName, "AUGUSTA");
    assert.equal(parsed.number, 1200);
  });

  it("reads two-word types and the full type words", () => {
    assert.equal(parseAddress("Viela Particular Um").type, "VEP");
    assert.equal(parseAddress("Travessa Particular Um").type, "TVP");
    assert.equal(parseAddress("Estrada de Itapecerica 100").type, "ES");
    assert.equal(parseAddress("Alameda Campinas 19").type, "AL");
  });

  it("gives no number for a zero or a missing one, and an empty name for empty text", () => {
    assert.equal(parseAddress("Rua Augusta, 0").number, undefined);
    assert.equal(parseAddress("Rua Augusta, s/n").number, undefined);
    assert.equal(parseAddress("").normalizedName, "");
  });

  it("leaves typos as typed: the database side matches them by trigram similarity", () => {
    assert.equal(parseAddress("rua augsta 900").normalizedName, "AUGSTA");
  });
});

describe("parseStreetName", () => {
  it("splits the official layer's names the same way as typed addresses", () => {
    assert.deepEqual(parseStreetName("R PROF ARTUR RAMOS"), { type: "R", normalizedName: "ARTUR RAMOS" });
    assert.equal(
      parseStreetName("R VINTE E CINCO DE MARCO").normalizedName,
      parseAddress("Rua 25 de Março").normalizedName,
    );
    assert.deepEqual(parseStreetName("PC SANTO DIAS DA SILVA"), {
      type: "PC",
      normalizedName: "DIAS SILVA",
      saint: "SANTO",
    });
  });

  it("drops the neighbourhood the layer adds in brackets to numbered streets", () => {
    assert.deepEqual(parseStreetName("R SEIS (V. PAULISTA)"), { type: "R", normalizedName: "SEIS" });
  });
});
