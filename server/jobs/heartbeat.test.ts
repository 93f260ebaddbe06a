import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDb } from "../../tests/helpers.ts";
import type { Sql } from "../db/index.ts";
import { claimDue, startHeartbeat } from "./leases.ts";

const db = await testDb();

describe("lease heartbeat", () => {
  it("keeps holding a row claimed while a renewal was in flight", async () => {
    for (let i = 0; i < 2; i++)
      await db.query("INSERT INTO outbox (job, payload) VALUES ('test-hb-race', '{}')");
    // The first renewal waits at a gate until the second row has been claimed and added.
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let gated = false;
    const gatedDb: Sql = {
      async query<T>(text: string, params?: readonly unknown[]) {
        if (!gated && /UPDATE outbox o SET locked_until/.test(text)) {
          gated = true;
          reached();
          await gate;
        }
        return db.query<T>(text, params);
      },
      exec: (text) => db.exec(text),
    };
    const [first] = await claimDue(db, ["test-hb-race"], 1);
    assert.ok(first);
    const heartbeat = startHeartbeat(gatedDb, 30, 10);
    try {
      heartbeat.add([first]);
      await atGate; // a renewal of `first` alone is in flight
      const [second] = await claimDue(db, ["test-hb-race"], 1);
      assert.ok(second);
      heartbeat.add([second]);
      open();
      await new Promise((resolve) => setTimeout(resolve, 60)); // the renewal ends, and a few more run
      assert.equal(await heartbeat.holds(first), true, "the renewed row is held");
      assert.equal(await heartbeat.holds(second), true, "the row claimed meanwhile is held too");
    } finally {
      await heartbeat.stop();
    }
  });
});
