import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testApp } from "../../tests/helpers.ts";
import { reverseGeocode } from "./geocoding.ts";
import { type StreetTile, TILE_EXTENT } from "./tiles.ts";

const { app, ctx } = await testApp();

/** The web-mercator tile holding a point at zoom z. */
function tileOf(lat: number, lon: number, z: number): [number, number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [z, x, y];
}

// Avenida Paulista in front of MASP.
const PAULISTA = { lat: -23.5614, lon: -46.6559 };

async function getTile(z: number, x: number, y: number, headers: Record<string, string> = {}) {
  return app.inject({ url: `/api/v1/tiles/streets/${z}/${x}/${y}.json`, headers });
}

describe("street tiles", () => {
  it("draws Avenida Paulista in its tile at zoom 16, in tile coordinates", async () => {
    const res = await getTile(...tileOf(PAULISTA.lat, PAULISTA.lon, 16));
    assert.equal(res.statusCode, 200);
    const tile = res.json() as StreetTile;
    assert.equal(tile.extent, TILE_EXTENT);
    const paulista = tile.streets.filter((s) => s.name === "AV PAULISTA");
    assert.ok(paulista.length > 0, "AV PAULISTA in the tile");
    const coords = paulista.flatMap((s) => s.lines.flat());
    assert.ok(coords.length >= 2);
    for (const [x, y] of coords) {
      assert.ok(Number.isInteger(x) && Number.isInteger(y));
      assert.ok(x >= -8 && x <= TILE_EXTENT + 8 && y >= -8 && y <= TILE_EXTENT + 8, `${x},${y} clipped`);
    }
  });

  it("shows only the major streets at the lowest zoom, and every street from zoom 14", async () => {
    const low = (await getTile(...tileOf(PAULISTA.lat, PAULISTA.lon, 10))).json() as StreetTile;
    assert.ok(low.streets.some((s) => s.name === "AV PAULISTA"));
    assert.ok(
      low.streets.every((s) => s.type !== "R"),
      "no plain streets at zoom 10",
    );
    const high = (await getTile(...tileOf(-23.5563, -46.6623, 15))).json() as StreetTile;
    assert.ok(
      high.streets.some((s) => s.type === "R"),
      "plain streets at zoom 15",
    );
  });

  it("answers an empty tile where the city has no street", async () => {
    const res = await getTile(...tileOf(-23.0, -46.0, 14));
    assert.equal(res.statusCode, 200);
    assert.deepEqual((res.json() as StreetTile).streets, []);
  });

  it("is cached by the browser and revalidated by its ETag", async () => {
    const at = tileOf(PAULISTA.lat, PAULISTA.lon, 15);
    const first = await getTile(...at);
    assert.match(String(first.headers["cache-control"]), /public, max-age=\d+/);
    const etag = String(first.headers.etag);
    assert.match(etag, /^".+"$/);
    const again = await getTile(...at, { "if-none-match": etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");
    const other = await getTile(...at, { "if-none-match": '"something-else"' });
    assert.equal(other.statusCode, 200);
  });

  it("refuses coordinates outside the served zooms or the zoom's grid with a problem", async () => {
    for (const [z, x, y] of [
      [9, 0, 0],
      [17, 0, 0],
      [14, 16384, 0],
      [14, 0, -1],
    ] as const) {
      const res = await getTile(z, x, y, { "accept-language": "en" });
      assert.equal(res.statusCode, 404, `${z}/${x}/${y}`);
      assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      assert.equal(res.json().code, "tile_out_of_range");
      assert.match(res.json().detail, /zoom goes from 10 to 16/);
    }
    const bad = await app.inject("/api/v1/tiles/streets/14/abc/1.json");
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(
      bad.json().errors.map((e: { field: string }) => e.field),
      ["x"],
    );
  });
});

describe("reverse geocoding with postcode and areas", () => {
  it("turns a point on Avenida Paulista into street, number, CEP, district and subprefeitura", async () => {
    const place = await reverseGeocode(ctx.db, { lat: -23.5625, lon: -46.6545 });
    assert.equal(place?.street, "AV PAULISTA");
    assert.equal(typeof place?.number, "number");
    // The postcode the city's own records give for this stretch (01310-100: Av. Paulista, odd numbers to 1500).
    assert.equal(place?.postcode, "01310100");
    assert.equal(place?.districtName, "BELA VISTA");
    assert.equal(place?.subprefeituraName, "SE");
  });

  it("gives no postcode where no record of the street lies near", async () => {
    // A street of the fixture layer whose SP156 records are all far from this point: a postcode would be a guess.
    const rows = await ctx.db.query<{ lat: number; lon: number }>(
      `SELECT ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)) AS lat, ST_X(ST_LineInterpolatePoint(s.geom, 0.5)) AS lon
       FROM streets s
       WHERE NOT EXISTS (SELECT 1 FROM postcodes pc WHERE pc.normalized_name = s.normalized_name
                         AND ST_DWithin(pc.geom::geography, s.geom::geography, 2000))
         AND s.length_m > 100
       ORDER BY s.id LIMIT 1`,
    );
    const at = rows[0];
    assert.ok(at, "a street with no postcode record near");
    const place = await reverseGeocode(ctx.db, at);
    assert.ok(place);
    assert.equal(place.postcode, null);
  });

  it("answers the reverse route with the CEP and the areas' names", async () => {
    const res = await app.inject("/api/v1/geocode/reverse?lat=-23.5625&lon=-46.6545");
    assert.equal(res.statusCode, 200);
    const { item } = res.json();
    assert.equal(item.postcode, "01310100");
    assert.equal(item.districtCode !== null && item.subprefeituraCode !== null, true);
  });

  it("names each address result's district and subprefeitura, so namesakes can be told apart", async () => {
    const res = await app.inject("/api/v1/geocode?q=avenida%20paulista%201000&limit=10");
    const items = res.json().items as { street: string; districtName: string; subprefeituraName: string }[];
    assert.ok(items.length > 0);
    for (const c of items.filter((i) => i.street === "AV PAULISTA")) {
      assert.ok(c.districtName && c.subprefeituraName, JSON.stringify(c));
    }
    const vergueiro = (await app.inject("/api/v1/geocode?q=r%20vergueiro%203000")).json().items;
    assert.equal(vergueiro[0].street, "R VERGUEIRO");
    assert.equal(vergueiro[0].districtName, "CURSINO");
    assert.equal(vergueiro[0].subprefeituraName, "IPIRANGA");
  });
});
