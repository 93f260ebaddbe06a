/**
 * The console's street list (GET /api/v1/console/offline-streets, decision 0058): every street of the tenant with
 * the districts it runs through and its known numbers, versioned by an ETag that answers 304 while nothing changed
 * and changes with the streets; only for who takes demands; and only the tenant's own streets, never another's.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import { createTenant } from "../tenants/commands.ts";
import { runAsTenant } from "../tenants/current.ts";
import { isUnchanged, type OfflineStreetsView } from "./offline-streets.ts";

const { app, ctx } = await testApp();
const db = ctx.db;
const URL = "/api/v1/console/offline-streets";

async function list(headers: Record<string, string>): Promise<{ view: OfflineStreetsView; etag: string }> {
  const res = await app.inject({ url: URL, headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers["cache-control"]), /private/);
  return { view: res.json() as OfflineStreetsView, etag: String(res.headers.etag) };
}

const namesOf = (view: OfflineStreetsView) => new Set(view.streets.map((s) => s[0]));

/** Adds a street of one piece, as tenant `tenant`, on the segment between two points. */
function addStreet(tenant: number, name: string, from: [number, number], to: [number, number]) {
  return runAsTenant(tenant, () =>
    db.query(
      `INSERT INTO streets (name, street_type, normalized_name, num_min, num_max, geom)
       VALUES ($1, 'R', $2, 10, 90, ST_SetSRID(ST_MakeLine(ST_MakePoint($3, $4), ST_MakePoint($5, $6)), 4326))`,
      [name, name.slice(2), ...from, ...to],
    ),
  );
}

describe("the console's street list", () => {
  it("holds every street name with its districts and known numbers, compact and sorted", async () => {
    const agent = await staffHeaders(db, "agent");
    const { view } = await list({ authorization: agent.authorization });
    const [{ names }] = (await db.query<{ names: number }>(
      "SELECT count(DISTINCT name)::int AS names FROM streets",
    )) as [{ names: number }];
    assert.equal(namesOf(view).size, names);
    const sorted = view.streets.map((s) => s[0]);
    assert.deepEqual(
      sorted,
      [...sorted].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );

    // R AUGUSTA: its known numbers, in the districts its centreline crosses.
    const augusta = view.streets.filter((s) => s[0] === "R AUGUSTA");
    assert.ok(augusta.length >= 1);
    const crossed = await db.query<{ code: string }>(
      `SELECT DISTINCT d.code FROM districts d JOIN streets s ON ST_Intersects(d.geom, s.geom)
        WHERE s.name = 'R AUGUSTA' ORDER BY d.code`,
    );
    assert.deepEqual(augusta.map((s) => view.districts[s[1]!]![0]).sort(), crossed.map((d) => d.code).sort());
    for (const [, , low, high] of augusta) assert.deepEqual([low, high], [75, 3005]);

    // Gzip takes it to a fraction.
    const packed = await app.inject({
      url: URL,
      headers: { authorization: agent.authorization, "accept-encoding": "gzip" },
    });
    assert.equal(packed.headers["content-encoding"], "gzip");
    assert.ok(
      packed.rawPayload.length < gunzipSync(packed.rawPayload).length / 3,
      "gzipped to under a third",
    );
  });

  it("answers 304 while its version is unchanged, and a new version once the streets change", async () => {
    const agent = await staffHeaders(db, "agent");
    const first = await list({ authorization: agent.authorization });
    assert.equal(first.etag, `"${first.view.version}"`);
    const again = await app.inject({
      url: URL,
      headers: { authorization: agent.authorization, "if-none-match": first.etag },
    });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");

    await addStreet(1, "R NOVA DO TESTE DE VERSAO", [-46.655, -23.555], [-46.654, -23.556]);
    const changed = await app.inject({
      url: URL,
      headers: { authorization: agent.authorization, "if-none-match": first.etag },
    });
    assert.equal(changed.statusCode, 200);
    const view = changed.json() as OfflineStreetsView;
    assert.notEqual(view.version, first.view.version);
    assert.ok(namesOf(view).has("R NOVA DO TESTE DE VERSAO"));
  });

  it("reads If-None-Match as HTTP writes it: lists, weak validators and *", () => {
    assert.ok(isUnchanged('"abc"', "abc"));
    assert.ok(isUnchanged('W/"x", W/"abc"', "abc"));
    assert.ok(isUnchanged("*", "abc"));
    assert.ok(!isUnchanged('"abcd"', "abc"));
    assert.ok(!isUnchanged(undefined, "abc"));
  });

  it("is refused to staff who take no demands and to nobody signed in", async () => {
    const [{ code }] = (await db.query<{ code: string }>("SELECT code FROM departments LIMIT 1")) as [
      { code: string },
    ];
    const department = await staffHeaders(db, "department_staff", code);
    const res = await app.inject({ url: URL, headers: { authorization: department.authorization } });
    assert.equal(res.statusCode, 403);
    assert.equal((await app.inject({ url: URL })).statusCode, 401);
  });

  it("gives a tenant its own streets only, never another tenant's", async () => {
    const other = await createTenant(db, { slug: "streets-b", name: "Cidade B", hosts: ["b.streets.test"] });
    await runAsTenant(other, async () => {
      await db.query(
        `INSERT INTO subprefeituras (code, name, geom)
         VALUES ('B1', 'SUB B', ST_Multi(ST_MakeEnvelope(-47.01, -23.01, -46.99, -22.99, 4326)))`,
      );
      await db.query(
        `INSERT INTO districts (code, name, subprefeitura_code, geom)
         VALUES ('B11', 'CENTRO B', 'B1', ST_Multi(ST_MakeEnvelope(-47.01, -23.01, -46.99, -22.99, 4326)))`,
      );
    });
    await addStreet(other, "R SO DA CIDADE B", [-47.005, -23.0], [-46.995, -23.0]);
    await addStreet(1, "R SO DA CIDADE A", [-46.655, -23.556], [-46.654, -23.557]);
    const ownAgent = await staffHeaders(db, "agent");
    const otherAgent = await runAsTenant(other, () => staffHeaders(db, "agent"));

    const mine = (await list({ authorization: ownAgent.authorization })).view;
    const theirs = (await list({ authorization: otherAgent.authorization, host: "b.streets.test" })).view;
    assert.ok(namesOf(mine).has("R SO DA CIDADE A"));
    assert.ok(!namesOf(mine).has("R SO DA CIDADE B"));
    assert.ok(!mine.districts.some(([code]) => code === "B11"));
    assert.deepEqual(theirs.districts, [["B11", "CENTRO B"]]);
    assert.deepEqual(theirs.streets, [["R SO DA CIDADE B", 0, 10, 90]]);
    assert.notEqual(theirs.version, mine.version);
    // Each tenant's list is its own in the process's cache too: asked again, neither sees the other's.
    const mineAgain = (await list({ authorization: ownAgent.authorization })).view;
    assert.equal(mineAgain.version, mine.version);
    assert.ok(!namesOf(mineAgain).has("R SO DA CIDADE B"));
    // A session of one tenant opens nothing on another's host.
    const crossed = await app.inject({
      url: URL,
      headers: { authorization: ownAgent.authorization, host: "b.streets.test" },
    });
    assert.equal(crossed.statusCode, 401);
  });
});
