import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileDemand, findPlainService } from "../../tests/factories.ts";
import { hasReplica, testApp } from "../../tests/helpers.ts";
import { readSourceOf, replicaReader } from "../db/replica.ts";
import { runAcrossTenants } from "../tenants/current.ts";
import { refreshIndicatorFacts } from "./facts.ts";

// Runs where READ_DATABASE_URL points at a streaming replica of the test server (.ci/run's PostgreSQL step starts
// one with pg_basebackup on 127.0.0.1:5433). The embedded database has no replica.
const withReplica = hasReplica();

describe("the panels read the replica, writes go to the primary", {
  skip: !withReplica && "no replica",
}, () => {
  it("reads an indicator on the replica while a new demand is written to the primary", async () => {
    // A generous bound, so that pausing the replica's replay below does not send the reads back to the primary.
    const { app, ctx } = await testApp({ readReplicaMaxLagSeconds: 3600 });
    const reader = ctx.reader!;
    assert.ok(reader, "a reader over READ_DATABASE_URL");
    const replica = (await reader.source()).sql;
    const [standby] = await replica.query<{ recovery: boolean }>("SELECT pg_is_in_recovery() AS recovery");
    assert.equal(standby?.recovery, true, "READ_DATABASE_URL is a standby");
    await assert.rejects(
      replica.query("INSERT INTO districts (code, name) VALUES ('x', 'x')"),
      /read-only transaction/,
      "a write sent to the replica fails",
    );

    const service = await findPlainService(ctx.db);
    const opened = async () => {
      const res = await app.inject({ url: "/api/v1/indicators/demands-opened" });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { source: { replica: boolean }; rows: Array<{ values: { count: number } }> };
      return { replica: body.source.replica, count: body.rows[0]!.values.count };
    };
    await refreshIndicatorFacts(ctx.db);
    await reader.caughtUp();
    const before = await opened();
    assert.equal(before.replica, true, "the panel read the replica");

    // Replay paused: what the primary commits now is not on the replica yet.
    // As the owner: pausing the replay is not the application role's to do.
    await runAcrossTenants(() => replica.query("SELECT pg_wal_replay_pause()"));
    try {
      const filed = await fileDemand({ app, ctx }, { service });
      assert.ok(filed.protocol, "the write went to the primary and was accepted");
      await refreshIndicatorFacts(ctx.db);
      const [onPrimary] = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM demand_facts");
      const stale = await opened();
      assert.equal(stale.replica, true);
      assert.equal(stale.count, before.count, "the panel still reads the replica's (older) facts");
      assert.ok(Number(onPrimary!.n) > 0);

      // A reader whose bound the pause exceeds goes back to the primary, and says how far behind the replica is.
      const strict = replicaReader(ctx.db, reader.replica, 0);
      await new Promise((r) => setTimeout(r, 50));
      const source = await strict.source();
      assert.equal(source.replica, false);
      assert.ok((source.lagSeconds ?? 0) > 0, `lag ${source.lagSeconds}`);
    } finally {
      await runAcrossTenants(() => replica.query("SELECT pg_wal_replay_resume()"));
    }
    await reader.caughtUp();
    // A new measurement of the lag (the reader reuses one for a second).
    await new Promise((r) => setTimeout(r, 1100));
    const after = await opened();
    assert.equal(after.replica, true);
    assert.equal(after.count, before.count + 1, "once replayed, the replica has the new demand");
    assert.deepEqual(
      { replica: (await readSourceOf(ctx)).replica },
      { replica: true },
      "readSourceOf gives the replica while it keeps up",
    );
  });
});
