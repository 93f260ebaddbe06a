/**
 * Several app processes sharing one PostgreSQL server: protocol numbers stay unique and an Idempotency-Key sent to
 * two processes at once makes one demand. PGlite is one process by nature, so this runs on the server database only.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { startWebProcess, testDatabaseUrl } from "./helpers.ts";

const onServer = Boolean(process.env.DATABASE_URL);

describe("two app processes on one PostgreSQL", {
  skip: onServer ? false : "needs DATABASE_URL (PGlite is one process)",
}, () => {
  it("issue unique protocol numbers and honour one Idempotency-Key across processes", async () => {
    const url = await testDatabaseUrl();
    const servers = await Promise.all([startWebProcess(url), startWebProcess(url)]);
    const db = new pg.Client({ connectionString: url });
    // The database is dropped with FORCE after the test; that ends this connection, which is expected.
    db.on("error", () => {});
    await db.connect();
    try {
      const { rows } = await db.query(
        "SELECT code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1",
      );
      const demand = {
        service: rows[0].code,
        description: "multi",
        identity: "anonymous",
        location: { lat: -23.5503, lon: -46.634 },
      };
      const send = (base: string, headers: Record<string, string> = {}) =>
        fetch(`${base}/api/v1/demands`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(demand),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { protocol: string } }));

      const created = await Promise.all(Array.from({ length: 120 }, (_, i) => send(servers[i % 2]!.url)));
      assert.ok(
        created.every((c) => c.status === 201),
        JSON.stringify(created.find((c) => c.status !== 201)),
      );
      assert.equal(new Set(created.map((c) => c.body.protocol)).size, 120);

      const before = (await db.query("SELECT count(*)::int AS n FROM demands")).rows[0].n;
      for (let k = 0; k < 10; k++) {
        const headers = { "idempotency-key": `two-processes-${k}` };
        const pair = await Promise.all([send(servers[0]!.url, headers), send(servers[1]!.url, headers)]);
        assert.ok(pair.every((p) => p.status === 201));
        assert.equal(pair[0]!.body.protocol, pair[1]!.body.protocol);
      }
      const afterCount = (await db.query("SELECT count(*)::int AS n FROM demands")).rows[0].n;
      assert.equal(afterCount, before + 10);
    } finally {
      await db.end();
      for (const s of servers) s.child.kill("SIGTERM");
    }
  });
});
