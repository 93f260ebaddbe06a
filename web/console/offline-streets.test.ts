/** The kept streets' search (offline-streets.ts): words, accents and case, titles, districts and house numbers. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addressOf,
  indexStreets,
  isOutsideNumbers,
  namesStreet,
  type StreetList,
  searchStreets,
} from "./offline-streets.ts";

const LIST: StreetList = {
  version: "v1",
  districts: [
    ["61", "CONSOLACAO"],
    ["41", "JARDIM PAULISTA"],
    ["90", "VILA MARIANA"],
  ],
  streets: [
    ["AL AUGUSTA", 2, null, null],
    ["AV PAULISTA", 0, 1, 2200],
    ["AV PAULISTA", 1, 1, 2200],
    ["R AUGUSTA", 0, 75, 3005],
    ["R AUGUSTO DE LIMA", 2, 10, 400],
    ["R PROF ARTUR RAMOS", 1, 1, 600],
    ["R SAO JOAQUIM", 0, 1, 800],
    ["R VINTE E CINCO DE MARCO", 0, null, null],
    ["R SEM DISTRITO", null, 5, 50],
  ],
};
const index = indexStreets(LIST);
const names = (typed: string) =>
  searchStreets(index, typed).streets.map((s) => `${s.name}|${s.districtName ?? "-"}`);

describe("the city's streets kept in the browser", () => {
  it("finds streets by the start of each word typed, accents and case aside", () => {
    assert.deepEqual(names("augu"), [
      "AL AUGUSTA|VILA MARIANA",
      "R AUGUSTA|CONSOLACAO",
      "R AUGUSTO DE LIMA|VILA MARIANA",
    ]);
    assert.deepEqual(names("AUGÚSTO li"), ["R AUGUSTO DE LIMA|VILA MARIANA"]);
    assert.deepEqual(names("lima augusto"), ["R AUGUSTO DE LIMA|VILA MARIANA"]);
    assert.deepEqual(names("xyzw"), []);
    assert.deepEqual(names("au"), [], "too short to search");
  });

  it("puts the name typed exactly first, and the type typed before other types", () => {
    assert.deepEqual(names("rua augusta"), ["R AUGUSTA|CONSOLACAO", "AL AUGUSTA|VILA MARIANA"]);
    assert.deepEqual(names("Alameda Augusta")[0], "AL AUGUSTA|VILA MARIANA");
  });

  it("reads names as the geocoder does: titles, saints, particles and numbers in words", () => {
    assert.deepEqual(names("Rua Professor Artur Ramos"), ["R PROF ARTUR RAMOS|JARDIM PAULISTA"]);
    assert.deepEqual(names("prof artur"), ["R PROF ARTUR RAMOS|JARDIM PAULISTA"]);
    assert.deepEqual(names("Rua São Joaquim"), ["R SAO JOAQUIM|CONSOLACAO"]);
    assert.deepEqual(names("rua 25 de março"), ["R VINTE E CINCO DE MARCO|CONSOLACAO"]);
  });

  it("lists a street once per district it runs through, and one outside the districts", () => {
    assert.deepEqual(names("av paulista"), ["AV PAULISTA|CONSOLACAO", "AV PAULISTA|JARDIM PAULISTA"]);
    const [outside] = searchStreets(index, "sem distrito").streets;
    assert.deepEqual(outside, {
      name: "R SEM DISTRITO",
      districtCode: null,
      districtName: null,
      low: 5,
      high: 50,
    });
  });

  it("takes the house number typed, and the one street named exactly when it is in one district only", () => {
    const augusta = searchStreets(index, "r augusta, 1200");
    assert.equal(augusta.number, 1200);
    assert.equal(augusta.exact?.name, "R AUGUSTA");
    assert.equal(augusta.exact?.districtCode, "61");
    assert.equal(searchStreets(index, "augusta 99").number, 99);
    assert.equal(searchStreets(index, "av paulista 1000").exact, null, "two districts: the agent picks");
  });

  it("warns of a number outside the street's known numbers, never of one it cannot tell", () => {
    const augusta = searchStreets(index, "r augusta").exact!;
    assert.ok(isOutsideNumbers(augusta, 9000));
    assert.ok(isOutsideNumbers(augusta, 10));
    assert.ok(!isOutsideNumbers(augusta, 1200));
    assert.ok(!isOutsideNumbers(augusta, undefined));
    const alameda = searchStreets(index, "alameda augusta").streets[0]!;
    assert.ok(!isOutsideNumbers(alameda, 9000), "no known numbers");
  });

  it("writes the picked street as the address, and knows it until another street is typed", () => {
    const augusta = searchStreets(index, "r augusta").exact!;
    assert.equal(addressOf(augusta, 1200), "R AUGUSTA, 1200");
    assert.equal(addressOf(augusta, undefined), "R AUGUSTA");
    assert.ok(namesStreet(augusta, "R AUGUSTA, 1200"));
    assert.ok(namesStreet(augusta, "Rua Augusta 15 - fundos"));
    assert.ok(!namesStreet(augusta, "Alameda Augusta, 12"));
    assert.ok(!namesStreet(augusta, "R AUGUSTO DE LIMA, 12"));
  });
});
