import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDb } from "../../tests/helpers.ts";
import { loadPlaceFinder } from "./places.ts";

describe("finding a point's district in the process", async () => {
  const db = await testDb();
  const findPlace = await loadPlaceFinder(db);

  it("agrees with ST_Contains inside every district and outside the city", async () => {
    // A point inside each district, and one just outside its box (in a neighbour, or in no district at all).
    const points = await db.query<{ lon: number; lat: number; codes: string[] }>(
      `WITH p AS (
         SELECT ST_PointOnSurface(geom) AS p FROM districts
         UNION ALL SELECT ST_SetSRID(ST_MakePoint(ST_XMin(geom) - 0.001, ST_Y(ST_PointOnSurface(geom))), 4326)
           FROM districts)
       SELECT ST_X(p.p) AS lon, ST_Y(p.p) AS lat,
         coalesce((SELECT array_agg(d.code) FROM districts d WHERE ST_Contains(d.geom, p.p)), '{}') AS codes
       FROM p`,
    );
    assert.ok(points.length >= 2);
    let outside = 0;
    for (const p of points) {
      const found = findPlace(p.lon, p.lat);
      if (p.codes.length === 0) {
        outside++;
        assert.equal(found, null, `${p.lat},${p.lon}`);
      } else assert.ok(found !== null && p.codes.includes(found), `${p.lat},${p.lon}: ${found} ∉ ${p.codes}`);
    }
    assert.ok(outside > 0, "some probe falls outside the city");
    assert.equal(findPlace(0, 0), null);
  });
});
