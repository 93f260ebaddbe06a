import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { refreshIndicatorFacts } from "./facts.ts";
import { cellDegrees } from "./map.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
let supervisor: { authorization: string };

// Open demands at the Sé: two 15 m apart and a late one 30 m away; one 9 km south-west; a closed one among them.
const POINTS = [
  { lon: -46.634, lat: -23.5503, status: "dispatched", due: "2099-01-01T00:00:00Z" },
  { lon: -46.6341, lat: -23.5504, status: "in_progress", due: "2099-01-01T00:00:00Z" },
  { lon: -46.6343, lat: -23.5503, status: "accepted", due: "2020-01-01T00:00:00Z" },
  { lon: -46.7, lat: -23.6, status: "dispatched", due: "2099-01-01T00:00:00Z" },
  { lon: -46.6342, lat: -23.5502, status: "closed", due: "2020-01-01T00:00:00Z" },
];
const WHOLE_CITY = "-46.83,-24.01,-46.36,-23.36";

async function clusters(query: string, headers: Record<string, string> = supervisor) {
  const res = await app.inject({ url: `/api/v1/map/clusters?${query}`, headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as {
    total: number;
    clusters: Array<{ lat: number; lon: number; count: number; late: number }>;
  };
}

before(async () => {
  supervisor = await staffHeaders(db, "supervisor");
  let serial = 0;
  for (const p of POINTS) {
    serial++;
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO demands (protocol, service_id, channel, status, identity_mode, location, district_code, due_at,
                            description)
       VALUES ($1, (SELECT id FROM services WHERE NOT sensitive ORDER BY id LIMIT 1), 'web', $2, 'anonymous',
               ST_SetSRID(ST_Point($3, $4), 4326),
               (SELECT code FROM districts WHERE ST_Contains(geom, ST_SetSRID(ST_Point($3, $4), 4326))), $5, 'map')
       RETURNING id`,
      [`2026800${serial}`, p.status, p.lon, p.lat, p.due],
    );
    await db.query(
      "INSERT INTO demand_events (demand_id, type, actor_kind, visibility) VALUES ($1, 'demand.created', 'system', 'public')",
      [row!.id],
    );
  }
  await refreshIndicatorFacts(db);
  await ctx.reader?.caughtUp();
});

describe("the command centre's map", () => {
  it("clusters the open demands by cells of the zoom level, counting the late ones", async () => {
    const city = await clusters(`zoom=10&bbox=${WHOLE_CITY}`);
    assert.equal(city.total, 4, "the closed demand is not on the map");
    assert.deepEqual(
      city.clusters.map((c) => [c.count, c.late]),
      [
        [3, 1],
        [1, 0],
      ],
    );
    const sé = city.clusters[0]!;
    assert.ok(Math.abs(sé.lon - (-46.634 - 46.6341 - 46.6343) / 3) < 1e-6, "at the mean of its points");
    const street = await clusters(`zoom=20&bbox=${WHOLE_CITY}`);
    assert.equal(street.clusters.length, 4, "at street level every demand is its own");
    assert.ok(cellDegrees(20) < 0.0001 && cellDegrees(10) > 0.05);
  });

  it("keeps to the box and to the filters", async () => {
    const southWest = await clusters("zoom=12&bbox=-46.71,-23.61,-46.69,-23.59");
    assert.deepEqual(
      southWest.clusters.map((c) => c.count),
      [1],
    );
    assert.equal((await clusters(`zoom=10&bbox=${WHOLE_CITY}&late=true`)).total, 1);
    assert.equal((await clusters(`zoom=10&bbox=${WHOLE_CITY}&late=false`)).total, 3);
    assert.equal((await clusters(`zoom=10&bbox=${WHOLE_CITY}&status=accepted`)).total, 1);
    const [se] = await db.query<{ code: string }>(
      "SELECT code FROM districts WHERE ST_Contains(geom, ST_SetSRID(ST_Point(-46.634, -23.5503), 4326))",
    );
    assert.equal((await clusters(`zoom=10&bbox=${WHOLE_CITY}&district=${se!.code}`)).total, 3);
  });

  it("is for the staff who read indicators, and refuses a box that is not one", async () => {
    const url = `/api/v1/map/clusters?zoom=10&bbox=${WHOLE_CITY}`;
    assert.equal((await app.inject({ url })).statusCode, 401);
    const agent = await staffHeaders(db, "agent");
    assert.equal((await app.inject({ url, headers: agent })).statusCode, 403);
    for (const bad of [
      "zoom=10&bbox=1,2,3",
      "zoom=10&bbox=-46,-23,-47,-22",
      `zoom=30&bbox=${WHOLE_CITY}`,
      "zoom=10",
    ]) {
      const res = await app.inject({ url: `/api/v1/map/clusters?${bad}`, headers: supervisor });
      assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
    }
  });
});
