import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { normalizeAreaName } from "../../domain/address.ts";
import { testApp } from "../../tests/helpers.ts";
import type { SampleAddress } from "./cut-fixture.ts";
import { findDistrictByName, findSubprefeituraByName, placePoint } from "./queries.ts";
import { FIXTURES_DIR } from "./seed.ts";

const sample = JSON.parse(
  readFileSync(join(FIXTURES_DIR, "sp156-addresses.json"), "utf8"),
) as SampleAddress[];

const { app, ctx } = await testApp();
const db = ctx.db;

describe("areas", () => {
  it("loads the 96 districts and 32 subprefeituras", async () => {
    const [row] = await db.query<{ d: number; s: number }>(
      "SELECT (SELECT count(*)::int FROM districts) AS d, (SELECT count(*)::int FROM subprefeituras) AS s",
    );
    assert.deepEqual(row, { d: 96, s: 32 });
  });

  it("places SP156's published points in the district the record names, for nearly all of the sample", async () => {
    let agree = 0;
    for (const s of sample) {
      const place = await placePoint(db, s);
      assert.ok(place, `${s.address} should be inside the city`);
      const recorded = await findDistrictByName(db, s.district);
      if (recorded?.code === place.districtCode) agree++;
    }
    // Upstream, 95.8% of SP156 points fall in the recorded district; border cases and typing errors make the rest.
    assert.ok(agree / sample.length >= 0.9, `${agree} of ${sample.length} agree`);
  });

  it("places a point on Rua Augusta in Consolação, subprefeitura Sé", async () => {
    const place = await placePoint(db, { lat: -23.5535, lon: -46.6535 });
    assert.equal(place?.districtName, "CONSOLACAO");
    assert.equal(place?.subprefeituraName, "SE");
  });

  it("gives the fiscal block of points that fall on one, and null elsewhere", async () => {
    const places = await Promise.all(sample.map((s) => placePoint(db, s)));
    const onBlock = places.filter((p) => typeof p?.blockId === "number").length;
    // Published points often sit on the street in front of the block, outside the union of its lots.
    assert.ok(onBlock >= 10, `${onBlock} on a block`);
    assert.ok(places.some((p) => p?.blockId === null));
  });

  it("finds no place for a point in the Atlantic or in Guarulhos", async () => {
    assert.equal(await placePoint(db, { lat: -24.2, lon: -46.2 }), null);
    assert.equal(await placePoint(db, { lat: -23.4543, lon: -46.5333 }), null);
  });

  it("finds areas by SP156's spellings through normalisation and aliases", async () => {
    assert.equal((await findDistrictByName(db, "Guaianazes"))?.name, "GUAIANASES");
    assert.equal((await findDistrictByName(db, "Freguesia do Ó"))?.name, "FREGUESIA DO O");
    assert.equal((await findSubprefeituraByName(db, "PIRITUBA-JARAGUA"))?.name, "PIRITUBA");
    assert.equal((await findSubprefeituraByName(db, "ARICANDUVA-FORMOSA-CARRAO"))?.name, "ARICANDUVA");
    assert.equal((await findSubprefeituraByName(db, "GUAIANASES"))?.name, "GUAIANAZES");
    assert.equal(await findDistrictByName(db, "Atlântida"), null);
  });

  it("matches every district and subprefeitura spelling of the SP156 sample", async () => {
    for (const s of sample) assert.ok(await findDistrictByName(db, s.district), s.district);
    assert.equal(normalizeAreaName("M'Boi Mirim"), "M BOI MIRIM");
  });

  it("lists districts and subprefeituras over HTTP", async () => {
    const districts = await app.inject({ method: "GET", url: "/api/v1/districts" });
    assert.equal(districts.statusCode, 200);
    assert.equal(districts.json().items.length, 96);
    const subprefeituras = await app.inject({ method: "GET", url: "/api/v1/subprefeituras" });
    assert.equal(subprefeituras.json().items.length, 32);
  });

  it("answers /places with the district of a point", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/places?lat=-23.5535&lon=-46.6535" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().districtName, "CONSOLACAO");
  });

  it("rejects a point outside the city with a 422 point_outside_city problem", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/places?lat=-24.2&lon=-46.2" });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, "point_outside_city");
    assert.equal(res.json().title, "Ponto fora da cidade");
    assert.equal(res.json().errors[0].field, "location");
  });

  it("rejects a malformed point with a 400 problem naming the field", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/places?lat=abc&lon=-46.6" });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().errors[0].field, "lat");
  });
});
