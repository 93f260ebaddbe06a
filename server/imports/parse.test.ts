import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isLocalTimestamp,
  localInstants,
  mapChannel,
  mapStatus,
  normaliseName,
  splitCsvLine,
} from "./parse.ts";

describe("reading SP156 rows", () => {
  it("splits plain and quoted lines, and refuses broken quoting", () => {
    assert.deepEqual(splitCsvLine("a,,b"), ["a", "", "b"]);
    assert.deepEqual(splitCsvLine('a,"b, c","say ""hi""",'), ["a", "b, c", 'say "hi"', ""]);
    assert.equal(splitCsvLine('a,"never closed'), undefined);
    assert.equal(splitCsvLine('a,"b"c,d'), undefined);
    assert.equal(splitCsvLine('a,b"c,d'), undefined);
  });

  it("accepts only real local date-times", () => {
    assert.ok(isLocalTimestamp("2019-02-28 23:59:59"));
    assert.ok(isLocalTimestamp("2020-02-29 00:00:00"));
    assert.ok(!isLocalTimestamp("2019-02-29 00:00:00"));
    assert.ok(!isLocalTimestamp("2019-04-31 10:00:00"));
    assert.ok(!isLocalTimestamp("2019-01-01 24:00:00"));
    assert.ok(!isLocalTimestamp("2019-01-01T10:00:00"));
    assert.ok(!isLocalTimestamp(""));
  });

  it("knows both instants of the hour repeated when summer time ended in 2019", () => {
    assert.deepEqual(
      localInstants("2019-01-15 10:00:00").map((t) => new Date(t).toISOString()),
      ["2019-01-15T12:00:00.000Z"],
    );
    assert.deepEqual(
      localInstants("2019-02-16 23:30:00").map((t) => new Date(t).toISOString()),
      ["2019-02-17T01:30:00.000Z", "2019-02-17T02:30:00.000Z"],
    );
    assert.deepEqual(
      localInstants("2019-03-15 10:00:00").map((t) => new Date(t).toISOString()),
      ["2019-03-15T13:00:00.000Z"],
    );
  });

  it("maps channels and statuses, and refuses unknown ones", () => {
    assert.equal(mapChannel("CENTRAL TELEFÔNICA"), "phone");
    assert.equal(mapChannel("PORTAL ONLINE"), "web");
    assert.equal(mapChannel("APLICATIVO"), "app");
    assert.equal(mapChannel("PRAÇAS DE ATENDIMENTO DAS SUBPREFEITURAS"), "counter");
    assert.equal(mapChannel("DESCOMPLICA CAMPO LIMPO"), "counter");
    assert.equal(mapChannel("CARTA"), undefined);
    assert.deepEqual(mapStatus("INDEFERIDO"), { status: "closed", outcome: "refused", closes: true });
    assert.deepEqual(mapStatus("AGUARDANDO ATENDIMENTO"), {
      status: "dispatched",
      outcome: null,
      closes: false,
    });
    assert.equal(mapStatus("EM ANÁLISE"), undefined);
  });

  it("normalises district names as the areas store them", () => {
    assert.equal(normaliseName("  São  Luís "), "SAO LUIS");
    assert.equal(normaliseName("Jardim São Luís"), "JARDIM SAO LUIS");
  });
});
