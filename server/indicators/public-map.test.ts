import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { testApp } from "../../tests/helpers.ts";
import { roundToGrid } from "../public-data/record.ts";
import { refreshIndicatorFacts } from "./facts.ts";

// A small anonymous limit, so the test can reach it; every other test here stays well under it.
const RATE = 120;
const { app, ctx } = await testApp({ anonymousRateLimitPerMinute: RATE });
const db = ctx.db;

// Open demands at the Sé that may be shown on their published point; two published only by district, 1–2 km away
// in other districts (a sensitive service, and a confidential demand of a plain service); a closed one.
const PUBLIC_POINTS = [
  { lon: -46.63404, lat: -23.55032, status: "dispatched", kind: "plain" },
  { lon: -46.6352, lat: -23.5511, status: "in_progress", kind: "plain" },
  { lon: -46.6342, lat: -23.5502, status: "closed", kind: "plain" },
] as const;
const SECRET_POINTS = [
  { lon: -46.65733, lat: -23.56137, status: "dispatched", kind: "sensitive" },
  { lon: -46.62291, lat: -23.53871, status: "accepted", kind: "confidential" },
] as const;
const WHOLE_CITY = "-46.83,-24.01,-46.36,-23.36";

interface Answer {
  total: number;
  clusters: Array<{ lat: number; lon: number; count: number; late: number }>;
  districts: Array<{ district: string; name: string; count: number; late: number }>;
}

async function publicClusters(query: string): Promise<{ body: string; json: Answer }> {
  const res = await app.inject({ url: `/api/v1/public/map/clusters?${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return { body: res.body, json: res.json() as Answer };
}

const districtOf = async (p: { lon: number; lat: number }) =>
  (
    await db.query<{ code: string; name: string }>(
      "SELECT code, name FROM districts WHERE ST_Contains(geom, ST_SetSRID(ST_Point($1, $2), 4326))",
      [p.lon, p.lat],
    )
  )[0]!;

/** The ways a coordinate could be written in an answer: its digits to 3, 4 and 5 places, and its grid point. */
const spellings = (value: number) => [value.toFixed(5), value.toFixed(4), String(roundToGrid(value))];

before(async () => {
  let serial = 0;
  for (const p of [...PUBLIC_POINTS, ...SECRET_POINTS]) {
    serial++;
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO demands (protocol, service_id, channel, status, identity_mode, location, district_code, due_at,
                            description)
       VALUES ($1, (SELECT id FROM services WHERE sensitive = ($5 = 'sensitive') ORDER BY id LIMIT 1), 'web', $2,
               CASE WHEN $5 = 'confidential' THEN 'confidential' ELSE 'anonymous' END,
               ST_SetSRID(ST_Point($3, $4), 4326),
               (SELECT code FROM districts WHERE ST_Contains(geom, ST_SetSRID(ST_Point($3, $4), 4326))),
               '2099-01-01T00:00:00Z', 'public map')
       RETURNING id`,
      [`2026900${serial}`, p.status, p.lon, p.lat, p.kind],
    );
    await db.query(
      "INSERT INTO demand_events (demand_id, type, actor_kind, visibility) VALUES ($1, 'demand.created', 'system', 'public')",
      [row!.id],
    );
  }
  await refreshIndicatorFacts(db);
  await ctx.reader?.caughtUp();
});

describe("the public map", () => {
  it("answers anyone, and never places a demand published only by district, at any zoom or box", async () => {
    const secretDistricts = await Promise.all(SECRET_POINTS.map(districtOf));
    const sé = await districtOf(PUBLIC_POINTS[0]);
    assert.ok(
      secretDistricts.every((d) => d.code !== sé.code),
      "the secret points lie in other districts",
    );
    const boxes = [
      WHOLE_CITY,
      // Boxes a few metres around each secret point: where a leak would be easiest to read.
      ...SECRET_POINTS.map((p) => `${p.lon - 0.0002},${p.lat - 0.0002},${p.lon + 0.0002},${p.lat + 0.0002}`),
    ];
    for (let zoom = 0; zoom <= 20; zoom++) {
      for (const bbox of boxes) {
        const { body, json } = await publicClusters(`zoom=${zoom}&bbox=${bbox}`);
        const onMap = json.clusters.reduce((sum, c) => sum + c.count, 0);
        if (bbox === WHOLE_CITY || zoom > 16) {
          assert.equal(onMap, bbox === WHOLE_CITY ? 2 : 0, `zoom ${zoom}: only the two open plain demands`);
        } else {
          // Up to zoom 16 the kept cells that meet the box come whole: a cluster lies in one of the box's cells.
          const cell = 360 / 2 ** zoom / 4;
          const [w, s, e, n] = bbox.split(",").map((v) => Math.floor(Number(v) / cell)) as [
            number,
            number,
            number,
            number,
          ];
          for (const c of json.clusters) {
            const [x, y] = [Math.floor(c.lon / cell), Math.floor(c.lat / cell)];
            assert.ok(
              x >= w && x <= e && y >= s && y <= n,
              `zoom ${zoom}: ${JSON.stringify(c)} outside ${bbox}'s cells`,
            );
          }
          assert.ok(onMap === 0 || onMap === 2, `zoom ${zoom}: only the two open plain demands`);
        }
        for (const p of SECRET_POINTS) {
          for (const c of json.clusters) {
            assert.ok(
              Math.hypot(c.lon - p.lon, c.lat - p.lat) > 0.005,
              `zoom ${zoom}: a cluster at a secret point`,
            );
          }
          for (const digits of [...spellings(p.lon), ...spellings(p.lat)]) {
            assert.ok(!body.includes(digits), `zoom ${zoom}, ${bbox}: ${digits} in ${body}`);
          }
        }
        // Counted in their districts, by code and name only.
        for (const [i, d] of secretDistricts.entries()) {
          const box = boxes.indexOf(bbox);
          if (box !== 0 && box !== i + 1) continue;
          const counted = json.districts.find((x) => x.district === d.code);
          assert.deepEqual(counted && Object.keys(counted).sort(), ["count", "district", "late", "name"]);
          assert.equal(counted!.name, d.name);
          assert.ok(counted!.count >= 1);
        }
        assert.equal(
          json.total,
          onMap + json.districts.reduce((sum, d) => sum + d.count, 0),
          "the total counts both",
        );
      }
    }
  });

  it("places each demand at its published point (the open data's ~100 m grid), and cuts the box on it", async () => {
    const street = await publicClusters(`zoom=20&bbox=${WHOLE_CITY}`);
    const expected = PUBLIC_POINTS.filter((p) => p.status !== "closed")
      .map((p) => [roundToGrid(p.lon), roundToGrid(p.lat)])
      .sort();
    assert.deepEqual(street.json.clusters.map((c) => [c.lon, c.lat]).sort(), expected);
    // The first point's exact longitude (-46.63404) is west of this box's edge; its published one (-46.634) is
    // inside: the box compares published points, so its edges cannot tell the exact point.
    const edge = await publicClusters("zoom=20&bbox=-46.63402,-23.56,-46.6339,-23.54");
    assert.deepEqual(
      edge.json.clusters.map((c) => [c.lon, c.lat]),
      [[-46.634, -23.55]],
    );
    const city = await publicClusters(`zoom=10&bbox=${WHOLE_CITY}`);
    assert.deepEqual(
      city.json.clusters.map((c) => c.count),
      [2],
    );
  });

  it("takes the indicators' filters, and refuses a box or zoom that is not one", async () => {
    const sé = await districtOf(PUBLIC_POINTS[0]);
    const only = await publicClusters(`zoom=10&bbox=${WHOLE_CITY}&district=${sé.code}`);
    assert.equal(only.json.total, 2);
    assert.deepEqual(only.json.districts, []);
    assert.equal((await publicClusters(`zoom=10&bbox=${WHOLE_CITY}&status=accepted`)).json.total, 1);
    for (const bad of [
      "zoom=10&bbox=1,2,3",
      `zoom=21&bbox=${WHOLE_CITY}`,
      "zoom=10",
      `zoom=3&bbox=${WHOLE_CITY}&x=1`,
    ]) {
      const res = await app.inject({ url: `/api/v1/public/map/clusters?${bad}` });
      assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    }
  });

  it("counts against the caller's rate limit like open data", async () => {
    let status = 200;
    let tries = 0;
    // The window is a fixed minute: if it turns during the loop the count starts again, once at most.
    while (status === 200 && tries <= 2 * RATE + 1) {
      tries++;
      status = (await app.inject({ url: `/api/v1/public/map/clusters?zoom=3&bbox=${WHOLE_CITY}` }))
        .statusCode;
    }
    assert.equal(status, 429, `after ${tries} requests`);
  });
});

describe("the indicators' names", () => {
  it("names the codes of the rows and of the filters in the caller's language", async () => {
    const sé = await districtOf(PUBLIC_POINTS[0]);
    const [service] = await db.query<{ code: string; name: Record<string, string> }>(
      "SELECT code, name FROM services WHERE NOT sensitive ORDER BY id LIMIT 1",
    );
    const res = await app.inject({
      url: `/api/v1/indicators/demands-opened?groupBy=district,department&service=${service!.code}`,
      headers: { "accept-language": "en" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as {
      rows: Array<{ key: Record<string, string | null> }>;
      labels: Record<string, Record<string, string>>;
    };
    assert.equal(body.labels.district?.[sé.code], sé.name);
    assert.equal(body.labels.service?.[service!.code], service!.name.en ?? service!.name["pt-BR"]);
    for (const row of body.rows) {
      if (row.key.department) assert.ok(body.labels.department?.[row.key.department], row.key.department);
    }
    const unknown = await app.inject({ url: "/api/v1/indicators/demands-opened?district=NOPE" });
    assert.deepEqual((unknown.json() as { labels: object }).labels, {});
  });
});
