import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { testApp } from "../../tests/helpers.ts";
import type { SampleAddress } from "./cut-fixture.ts";
import { geocodeAddress, reverseGeocode } from "./geocoding.ts";
import { FIXTURES_DIR } from "./seed.ts";

const sample = JSON.parse(
  readFileSync(join(FIXTURES_DIR, "sp156-addresses.json"), "utf8"),
) as SampleAddress[];

/** Great-circle distance in metres. */
function meters(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

const { app, ctx } = await testApp();
const db = ctx.db;

describe("geocoding", () => {
  it("puts most real SP156 addresses of the sample within 300 m of the point SP156 published", async () => {
    let within = 0;
    for (const s of sample) {
      const [top] = await geocodeAddress(db, s.address);
      if (top && meters(top, s) <= 300) within++;
    }
    // The street layer has gaps and no odd/even side, so some misses are expected (see docs/geocoding.md).
    assert.ok(within / sample.length >= 0.55, `${within} of ${sample.length} within 300 m`);
  });

  it("geocodes 'r augusta 1200' onto Rua Augusta by interpolation", async () => {
    const [top] = await geocodeAddress(db, "r augusta 1200");
    assert.equal(top?.street, "R AUGUSTA");
    assert.equal(top?.precision, "interpolated");
    assert.equal(top?.districtCode !== null, true);
  });

  it("finds 'Rua Prof. Artur Ramos, 183' although the layer writes the street without the title", async () => {
    const [top] = await geocodeAddress(db, "Rua Prof. Artur Ramos, 183");
    assert.equal(top?.street, "R ARTUR RAMOS");
    assert.equal(top?.number, 183);
  });

  it("finds a street typed without accents and one typed with a typo", async () => {
    const [plain] = await geocodeAddress(db, "estrada do mboi mirim 4055");
    assert.equal(plain?.street, "ES M BOI MIRIM");
    const [typo] = await geocodeAddress(db, "rua augsta 900");
    assert.equal(typo?.street, "R AUGUSTA");
  });

  it("returns each same-name street in another district as its own candidate", async () => {
    const all = await geocodeAddress(db, "avenida paulista 1000", { limit: 10 });
    const paulista = all.filter((c) => c.street === "AV PAULISTA");
    assert.ok(paulista.length >= 1);
    const keys = new Set(paulista.map((c) => c.districtCode));
    assert.equal(keys.size, paulista.length);
  });

  it("returns no candidate for a street that does not exist", async () => {
    assert.deepEqual(await geocodeAddress(db, "Rua Xyzzyqwvk 10"), []);
  });

  it("reverse-geocodes a point on Rua Augusta to that street with an estimated number", async () => {
    const [top] = await geocodeAddress(db, "r augusta 1200");
    const found = await reverseGeocode(db, top!);
    assert.equal(found?.street, "R AUGUSTA");
    assert.ok(found!.distanceMeters < 5);
    assert.ok(Math.abs((found?.number ?? 0) - 1200) < 50, `number ${found?.number}`);
  });

  it("reverse-geocodes nothing far from every street", async () => {
    assert.equal(await reverseGeocode(db, { lat: -24.2, lon: -46.2 }), null);
  });

  it("answers the geocoding routes over HTTP", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/geocode?q=r%20augusta%201200&limit=2" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().items[0].street, "R AUGUSTA");
    assert.ok(res.json().items.length <= 2);
    const reverse = await app.inject({
      method: "GET",
      url: "/api/v1/geocode/reverse?lat=-23.5535&lon=-46.6535",
    });
    assert.equal(reverse.statusCode, 200);
    assert.equal(typeof reverse.json().item.street, "string");
    const bad = await app.inject({ method: "GET", url: "/api/v1/geocode?q=" });
    assert.equal(bad.statusCode, 400);
  });
});
