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

  it("lists the open demands behind a cluster, with the same filters, for the drill-down", async () => {
    const city = await clusters(`zoom=10&bbox=${WHOLE_CITY}`);
    const sé = city.clusters[0]!;
    const cell = cellDegrees(10);
    const box = [Math.floor(sé.lon / cell) * cell, Math.floor(sé.lat / cell) * cell];
    const bbox = [box[0]!, box[1]!, box[0]! + cell, box[1]! + cell].join(",");
    const list = async (query: string) => {
      const res = await app.inject({ url: `/api/v1/map/demands?${query}`, headers: supervisor });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as {
        total: number;
        demands: Array<{ protocol: string; late: boolean; status: string }>;
      };
    };
    const inCell = await list(`bbox=${bbox}`);
    assert.equal(inCell.total, sé.count, "the cluster's demands, and only those");
    assert.deepEqual(inCell.demands.map((d) => d.protocol).sort(), ["20268001", "20268002", "20268003"]);
    assert.deepEqual(
      inCell.demands.filter((d) => d.late).map((d) => d.protocol),
      ["20268003"],
    );
    const late = await list(`bbox=${bbox}&late=true&limit=1`);
    assert.deepEqual([late.total, late.demands.length], [1, 1]);
    assert.equal((await list(`bbox=${bbox}&status=closed`)).total, 0, "never a closed demand");
    assert.equal((await app.inject({ url: `/api/v1/map/demands?bbox=${bbox}` })).statusCode, 401);
    const agent = await staffHeaders(db, "agent");
    assert.equal((await app.inject({ url: "/api/v1/map/demands", headers: agent })).statusCode, 403);
    const bad = await app.inject({ url: "/api/v1/map/demands?limit=0", headers: supervisor });
    assert.equal(bad.statusCode, 400, bad.body);
  });

  it("filters the indicators by late and by age as it filters the map", async () => {
    const backlog = async (query: string) => {
      const res = await app.inject({ url: `/api/v1/indicators/backlog?${query}`, headers: supervisor });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { rows: Array<{ values: { open: number; late: number } }> }).rows[0]!.values;
    };
    const all = await backlog("");
    const late = await backlog("late=true");
    const notLate = await backlog("late=false");
    assert.equal(late.open, all.late, "late open demands are those past due now");
    assert.equal(late.open + notLate.open, all.open);
    assert.equal(notLate.late, 0);
    // One demand of the Sé opened 10 days ago: the only one older than a week, on the map and in the backlog.
    await db.query("UPDATE demands SET opened_at = now() - interval '10 days' WHERE protocol = '20268001'");
    await db.query(
      `INSERT INTO demand_events (demand_id, type, actor_kind, visibility)
       SELECT id, 'demand.created', 'system', 'public' FROM demands WHERE protocol = '20268001'`,
    );
    await refreshIndicatorFacts(db);
    await ctx.reader?.caughtUp();
    assert.equal((await clusters(`zoom=10&bbox=${WHOLE_CITY}&age=7`)).total, 1);
    assert.equal((await clusters(`zoom=10&bbox=${WHOLE_CITY}&age=11`)).total, 0);
    assert.equal((await backlog("age=7")).open, 1);
    for (const bad of ["age=0", "age=-3", "age=soon", "late=maybe"]) {
      const res = await app.inject({ url: `/api/v1/indicators/backlog?${bad}`, headers: supervisor });
      assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
    }
  });
});
